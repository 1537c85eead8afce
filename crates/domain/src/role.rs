//! Who may do what in a region (domain.md, "Roles").

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything in its region.
    Admin,
    /// An Asisten Daerah: reads the region, verifies its clusters' entries.
    Evaluator,
    /// Reports for its own unit.
    Operator,
    /// Reads everything of its region.
    Leader,
    /// The finance office (BPKAD): enters, imports and verifies the budget
    /// figures of every unit of its region.
    Finance,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Evaluator,
        Role::Operator,
        Role::Leader,
        Role::Finance,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Evaluator => "evaluator",
            Role::Operator => "operator",
            Role::Leader => "leader",
            Role::Finance => "finance",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }
}
