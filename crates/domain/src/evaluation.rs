//! The evaluation document (bundle.md, "Evaluation output"). Figures are kept
//! exact here and rounded to 2 decimals only when written out.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::bundle::Rupiah;
use crate::rating::{Rating, round2};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Achieved,
    OnTrack,
    AtRisk,
    OffTrack,
    NoData,
    NotAchieved,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Achieved,
        Status::OnTrack,
        Status::AtRisk,
        Status::OffTrack,
        Status::NoData,
        Status::NotAchieved,
    ];

    /// Higher is worse: the order in which a group takes its worst target's status.
    pub fn severity(self) -> u8 {
        match self {
            Status::Achieved => 0,
            Status::OnTrack => 1,
            Status::NoData => 2,
            Status::AtRisk => 3,
            Status::OffTrack => 4,
            Status::NotAchieved => 5,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Status::Achieved => "achieved",
            Status::OnTrack => "on_track",
            Status::AtRisk => "at_risk",
            Status::OffTrack => "off_track",
            Status::NoData => "no_data",
            Status::NotAchieved => "not_achieved",
        }
    }

    fn position(self) -> usize {
        Status::ALL.iter().position(|s| *s == self).expect("listed")
    }
}

/// How many targets have each status; written with the non-zero counts only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts([u32; 6]);

impl StatusCounts {
    pub fn add(&mut self, status: Status) {
        self.0[status.position()] += 1;
    }

    pub fn get(&self, status: Status) -> u32 {
        self.0[status.position()]
    }

    pub fn total(&self) -> u32 {
        self.0.iter().sum()
    }
}

impl Serialize for StatusCounts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for status in Status::ALL {
            let n = self.get(status);
            if n > 0 {
                map.serialize_entry(status.code(), &n)?;
            }
        }
        map.end()
    }
}

/// Read back a written evaluation (the frozen minutes keep one).
impl<'de> Deserialize<'de> for StatusCounts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let counts = std::collections::BTreeMap::<Status, u32>::deserialize(deserializer)?;
        let mut result = StatusCounts::default();
        for (status, n) in counts {
            result.0[status.position()] = n;
        }
        Ok(result)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplianceState {
    OnTime,
    Late,
    Missing,
    Open,
}

impl ComplianceState {
    pub fn code(self) -> &'static str {
        match self {
            ComplianceState::OnTime => "on_time",
            ComplianceState::Late => "late",
            ComplianceState::Missing => "missing",
            ComplianceState::Open => "open",
        }
    }
}

/// Reporting record: how many listed periods are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ComplianceTally {
    pub on_time: u32,
    pub late: u32,
    pub missing: u32,
    pub open: u32,
}

impl ComplianceTally {
    pub fn add(&mut self, state: ComplianceState) {
        match state {
            ComplianceState::OnTime => self.on_time += 1,
            ComplianceState::Late => self.late += 1,
            ComplianceState::Missing => self.missing += 1,
            ComplianceState::Open => self.open += 1,
        }
    }

    pub fn merge(&mut self, other: &ComplianceTally) {
        self.on_time += other.on_time;
        self.late += other.late;
        self.missing += other.missing;
        self.open += other.open;
    }

    fn due(&self) -> u32 {
        self.on_time + self.late + self.missing
    }

    /// `(on_time + late) / (on_time + late + missing)`; none while nothing was due.
    pub fn reporting_rate(&self) -> Option<Decimal> {
        (self.due() > 0)
            .then(|| Decimal::from(self.on_time + self.late) / Decimal::from(self.due()))
    }

    /// `on_time / (on_time + late + missing)`; none while nothing was due.
    pub fn on_time_rate(&self) -> Option<Decimal> {
        (self.due() > 0).then(|| Decimal::from(self.on_time) / Decimal::from(self.due()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinalVerdict {
    Achieved,
    NotAchieved,
}

fn rounded<S: Serializer>(value: &Option<Decimal>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => serializer.serialize_some(&round2(*v).to_f64()),
        None => serializer.serialize_none(),
    }
}

/// A `budget` key that is present, even as `null`, is `Some`; a missing one is `None`.
fn present_budget<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<BudgetFigures>>, D::Error> {
    Option::<BudgetFigures>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evaluation {
    pub program: String,
    pub as_of: String,
    pub day: i64,
    pub days_total: i64,
    pub periods: Vec<PeriodOut>,
    pub targets: Vec<TargetResult>,
    pub units: Vec<UnitResult>,
    pub priorities: Vec<PriorityResult>,
    pub clusters: Vec<ClusterResult>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeriodOut {
    pub index: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub deadline: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetResult {
    pub code: String,
    pub unit: String,
    pub priority: Option<String>,
    #[serde(serialize_with = "rounded")]
    pub realized: Option<Decimal>,
    #[serde(serialize_with = "rounded")]
    pub expected: Option<Decimal>,
    #[serde(serialize_with = "rounded")]
    pub achievement_pct: Option<Decimal>,
    pub rating: Option<Rating>,
    #[serde(serialize_with = "rounded")]
    pub progress: Option<Decimal>,
    pub status: Status,
    pub stale: bool,
    #[serde(serialize_with = "rounded")]
    pub projected: Option<Decimal>,
    pub likely_to_miss: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComplianceOut {
    pub period: u32,
    pub state: ComplianceState,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitResult {
    pub code: String,
    pub targets: u32,
    #[serde(serialize_with = "rounded")]
    pub achievement_pct: Option<Decimal>,
    pub rating: Option<Rating>,
    pub status: Option<Status>,
    #[serde(rename = "final")]
    pub final_verdict: Option<FinalVerdict>,
    pub status_counts: StatusCounts,
    #[serde(serialize_with = "rounded")]
    pub reporting_rate: Option<Decimal>,
    #[serde(serialize_with = "rounded")]
    pub on_time_rate: Option<Decimal>,
    pub compliance: Vec<ComplianceOut>,
    /// Present only when the region has budgets; `null` for a unit without one that year.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_budget"
    )]
    pub budget: Option<Option<BudgetFigures>>,
    #[serde(skip)]
    pub tally: ComplianceTally,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PriorityResult {
    pub code: String,
    pub targets: u32,
    #[serde(serialize_with = "rounded")]
    pub achievement_pct: Option<Decimal>,
    pub rating: Option<Rating>,
    pub status: Option<Status>,
    pub status_counts: StatusCounts,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterResult {
    pub code: String,
    pub units: u32,
    pub targets: u32,
    #[serde(serialize_with = "rounded")]
    pub achievement_pct: Option<Decimal>,
    pub rating: Option<Rating>,
    pub status: Option<Status>,
    pub status_counts: StatusCounts,
    #[serde(serialize_with = "rounded")]
    pub reporting_rate: Option<Decimal>,
    #[serde(serialize_with = "rounded")]
    pub on_time_rate: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub targets: u32,
    pub units_with_targets: u32,
    #[serde(serialize_with = "rounded")]
    pub achievement_pct: Option<Decimal>,
    pub rating: Option<Rating>,
    pub status_counts: StatusCounts,
    #[serde(serialize_with = "rounded")]
    pub reporting_rate: Option<Decimal>,
    #[serde(serialize_with = "rounded")]
    pub on_time_rate: Option<Decimal>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_budget"
    )]
    pub budget: Option<Option<BudgetFigures>>,
    #[serde(skip)]
    pub status: Option<Status>,
    #[serde(skip)]
    pub final_verdict: Option<FinalVerdict>,
}

/// Serapan anggaran of a unit (or the region) to the end of a month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetFigures {
    pub pagu: Rupiah,
    pub planned_to_date: Rupiah,
    pub realised_to_date: Rupiah,
    #[serde(serialize_with = "rounded")]
    pub absorption_pct: Option<Decimal>,
    #[serde(serialize_with = "rounded")]
    pub against_plan_pct: Option<Decimal>,
    pub rating: Option<Rating>,
    #[serde(serialize_with = "rounded")]
    pub physical_pct: Option<Decimal>,
    pub flagged: bool,
}

impl StatusCounts {
    /// Add every count of `other`: a roll-up of several summaries.
    pub fn merge(&mut self, other: &StatusCounts) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine = mine.saturating_add(theirs);
        }
    }
}

impl Evaluation {
    /// The program's reporting record: every unit's compliance summed, the
    /// tally its summary's rates are taken of.
    pub fn tally(&self) -> ComplianceTally {
        let mut tally = ComplianceTally::default();
        for unit in &self.units {
            tally.merge(&unit.tally);
        }
        tally
    }
}
