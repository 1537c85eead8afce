//! The validated, indexed model the engine reads. References are indices, not
//! codes, so that evaluation does no lookups. It is built from a bundle by
//! [`crate::validate`] (and, later, from the store), never by hand elsewhere.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::bundle::{EntryStatus, Kind, Polarity, Thresholds};
use crate::calendar::Calendar;

pub type UnitIx = u32;
pub type TargetIx = u32;

#[derive(Debug, Clone)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub timezone: chrono_tz::Tz,
    pub clusters: Vec<Cluster>,
    pub units: Vec<Unit>,
    pub priorities: Vec<Priority>,
    pub programs: Vec<Program>,
    pub budget_flag_margin: Decimal,
    pub budgets: Vec<Budget>,
}

#[derive(Debug, Clone)]
pub struct Cluster {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub cluster: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Priority {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Program {
    pub code: String,
    pub name: String,
    pub calendar: Calendar,
    pub thresholds: Thresholds,
    pub targets: Vec<Target>,
    pub entries: Vec<Entry>,
    pub nil_reports: Vec<NilReport>,
}

#[derive(Debug, Clone)]
pub struct Target {
    pub code: String,
    pub name: String,
    pub measure: Option<String>,
    pub unit: UnitIx,
    pub priority: Option<usize>,
    pub kind: Kind,
    pub polarity: Polarity,
    pub baseline: Decimal,
    pub target: Decimal,
    /// Plan points in date order, as given (the engine adds the end points).
    pub plan: Vec<(NaiveDate, Decimal)>,
    /// Milestones: from this date the milestone is expected done.
    pub due: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub target: TargetIx,
    pub activity_date: NaiveDate,
    pub submitted_at: DateTime<Utc>,
    pub value: Decimal,
    pub status: EntryStatus,
}

#[derive(Debug, Clone)]
pub struct NilReport {
    pub unit: UnitIx,
    pub date: NaiveDate,
    pub submitted_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Budget {
    pub unit: UnitIx,
    pub year: i32,
    pub pagu: u128,
    /// Index 0 is January.
    pub months: [BudgetMonth; 12],
}

#[derive(Debug, Clone, Copy, Default)]
pub struct BudgetMonth {
    pub planned: u128,
    pub realised: u128,
    pub physical_pct: Option<Decimal>,
}

impl Region {
    pub fn program(&self, code: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.code == code)
    }
}
