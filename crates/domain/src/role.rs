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
    /// A pembina of a province or of the nation: reads everything in and
    /// below its region, writes nothing there.
    Supervisor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Evaluator,
        Role::Operator,
        Role::Leader,
        Role::Finance,
        Role::Supervisor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Evaluator => "evaluator",
            Role::Operator => "operator",
            Role::Leader => "leader",
            Role::Finance => "finance",
            Role::Supervisor => "supervisor",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// Whether a role may belong to a region of the code `region`: a supervisor
/// only to a province or the nation (whose codes are Kemendagri codes); every
/// other role to a region that plans and reports: a kab/kota, a province (a
/// provincial government has its own units and programs besides supervising),
/// or a region whose code is outside the tree, as tests and samples use. The
/// nation plans nothing here: only supervisors belong to it.
pub fn fits_region(role: Role, region: &str) -> Result<(), String> {
    use crate::region_code::{RegionCode, RegionLevel};
    let level = RegionCode::parse(region).ok().map(|c| c.level());
    match (role, level) {
        (Role::Supervisor, Some(RegionLevel::Nation | RegionLevel::Province)) => Ok(()),
        (Role::Supervisor, _) => Err(format!(
            "a supervisor belongs to a province or the nation, not to region {region}"
        )),
        (_, Some(RegionLevel::Nation)) => Err(format!(
            "region {region} is the nation: only supervisors belong to it"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supervisors_belong_above_and_the_others_below() {
        assert!(fits_region(Role::Supervisor, "32").is_ok());
        assert!(fits_region(Role::Supervisor, "ID").is_ok());
        assert!(fits_region(Role::Supervisor, "3275").is_err());
        assert!(fits_region(Role::Supervisor, "KOTA-X").is_err());
        assert!(fits_region(Role::Admin, "3275").is_ok());
        assert!(fits_region(Role::Leader, "KOTA-X").is_ok());
        assert!(
            fits_region(Role::Operator, "32").is_ok(),
            "a province plans its own programs"
        );
        assert!(fits_region(Role::Admin, "ID").is_err());
        assert_eq!(Role::parse("supervisor"), Some(Role::Supervisor));
    }
}
