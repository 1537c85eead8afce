//! The bundle wire format (`pantau-bundle/1`): one region's plan and reports in
//! one JSON document. These types are the contract of `../shared/spec/bundle.md`;
//! the JSON Schema in `docs/` is generated from them.
//!
//! A parsed [`Bundle`] is not yet trusted: [`crate::validate`] checks every rule
//! and turns it into the indexed [`crate::model::Region`] the engine reads.

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The only format tag this version reads and writes.
pub const FORMAT: &str = "pantau-bundle/1";

/// One region's plan and reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(
    title = "Pantau bundle",
    description = "One region's plan and reports (pantau-bundle/1)."
)]
pub struct Bundle {
    /// Always `pantau-bundle/1`.
    #[schemars(extend("const" = "pantau-bundle/1"))]
    pub format: String,
    pub region: RegionInfo,
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    #[serde(default)]
    pub units: Vec<Unit>,
    #[serde(default)]
    pub priorities: Vec<Priority>,
    #[serde(default)]
    pub programs: Vec<Program>,
    /// Percentage points below plan at which a unit's spending is flagged (default 10).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    #[schemars(with = "Option<f64>")]
    pub budget_flag_margin: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub budgets: Vec<Budget>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RegionInfo {
    /// Kemendagri region code, e.g. `3275` for Kota Bekasi.
    pub code: String,
    pub name: String,
    /// IANA time zone; default `Asia/Jakarta`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// An Asisten Daerah and the units it coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Cluster {
    pub code: String,
    pub name: String,
}

/// A perangkat daerah (OPD).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Unit {
    pub code: String,
    pub name: String,
    /// Code of the cluster (Asda) that evaluates this unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
}

/// One of the region's priority programs (program prioritas).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Priority {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl From<Weekday> for chrono::Weekday {
    fn from(day: Weekday) -> Self {
        match day {
            Weekday::Monday => chrono::Weekday::Mon,
            Weekday::Tuesday => chrono::Weekday::Tue,
            Weekday::Wednesday => chrono::Weekday::Wed,
            Weekday::Thursday => chrono::Weekday::Thu,
            Weekday::Friday => chrono::Weekday::Fri,
            Weekday::Saturday => chrono::Weekday::Sat,
            Weekday::Sunday => chrono::Weekday::Sun,
        }
    }
}

impl From<chrono::Weekday> for Weekday {
    fn from(day: chrono::Weekday) -> Self {
        match day {
            chrono::Weekday::Mon => Weekday::Monday,
            chrono::Weekday::Tue => Weekday::Tuesday,
            chrono::Weekday::Wed => Weekday::Wednesday,
            chrono::Weekday::Thu => Weekday::Thursday,
            chrono::Weekday::Fri => Weekday::Friday,
            chrono::Weekday::Sat => Weekday::Saturday,
            chrono::Weekday::Sun => Weekday::Sunday,
        }
    }
}

/// Progress-ratio thresholds of the status rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Thresholds {
    #[serde(with = "rust_decimal::serde::float")]
    #[schemars(with = "f64")]
    pub on_track: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    #[schemars(with = "f64")]
    pub at_risk: Decimal,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            on_track: Decimal::new(9, 1),
            at_risk: Decimal::new(7, 1),
        }
    }
}

/// A time-boxed plan with targets, e.g. Program 100 Hari Kerja.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Program {
    pub code: String,
    pub name: String,
    /// First day (inclusive).
    pub start: NaiveDate,
    /// Last day (inclusive). Never derived from the program's name.
    pub end: NaiveDate,
    /// IANA time zone of this program; default the region's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Weekday of the evaluation meeting; default `friday`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_weekday: Option<Weekday>,
    /// Local time of the reporting deadline on the evaluation day, `HH:MM`; default `09:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_time: Option<String>,
    /// Deadline of the last period; default the day after `end` at `deadline_time`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_deadline: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Thresholds>,
    #[serde(default)]
    pub targets: Vec<Target>,
    #[serde(default)]
    pub entries: Vec<Entry>,
    #[serde(default)]
    pub nil_reports: Vec<NilReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Kumulatif: baseline plus the sum of reported values.
    Sum,
    /// Non-kumulatif: the latest reported level.
    Last,
    /// Done (1) or not (0).
    Milestone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    Higher,
    Lower,
}

/// What a unit promised (indikator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Target {
    pub code: String,
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    pub kind: Kind,
    pub polarity: Polarity,
    /// Required for `sum` and `last`; a milestone's is 0.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    #[schemars(with = "Option<f64>")]
    pub baseline: Option<Decimal>,
    /// Required for `sum` and `last`; a milestone's is 1.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    #[schemars(with = "Option<f64>")]
    pub target: Option<Decimal>,
    /// Milestones only: the date from which it is expected done; default the program's end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    /// `sum` and `last` only: planned values on the realisation's scale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Vec<PlanPoint>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanPoint {
    pub date: NaiveDate,
    #[serde(with = "rust_decimal::serde::float")]
    #[schemars(with = "f64")]
    pub value: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntryStatus {
    Submitted,
    #[default]
    Verified,
    Returned,
}

/// A reported value (realisasi) for a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Entry {
    pub target: String,
    pub activity_date: NaiveDate,
    pub submitted_at: DateTime<FixedOffset>,
    #[serde(with = "rust_decimal::serde::float")]
    #[schemars(with = "f64")]
    pub value: Decimal,
    #[serde(default)]
    pub status: EntryStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A laporan nihil: the unit had nothing to report for the period containing `date`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NilReport {
    pub unit: String,
    pub date: NaiveDate,
    pub submitted_at: DateTime<FixedOffset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A unit's budget for one fiscal year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Budget {
    pub unit: String,
    pub year: i32,
    pub pagu: Rupiah,
    #[serde(default)]
    pub months: Vec<BudgetMonth>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BudgetMonth {
    /// 1 to 12.
    #[schemars(range(min = 1, max = 12))]
    pub month: u32,
    /// Anggaran kas: the amount planned for this month.
    #[serde(default)]
    pub planned: Rupiah,
    #[serde(default)]
    pub realised: Rupiah,
    /// Physical progress at the end of this month, 0 to 100.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::float_option"
    )]
    #[schemars(with = "Option<f64>", range(min = 0, max = 100))]
    pub physical_pct: Option<Decimal>,
}

/// An amount of money in whole rupiah. Read from a JSON integer or a string of
/// digits; written as a string so that no JSON reader rounds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Rupiah(pub u64);

impl Serialize for Rupiah {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Rupiah {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        const EXPECTED: &str = "whole rupiah: a non-negative integer or a string of digits";
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Rupiah;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Rupiah, E> {
                Ok(Rupiah(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Rupiah, E> {
                u64::try_from(v)
                    .map(Rupiah)
                    .map_err(|_| E::custom(format!("negative amount {v}: expected {EXPECTED}")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Rupiah, E> {
                Err(E::custom(format!(
                    "fractional amount {v}: expected {EXPECTED}"
                )))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Rupiah, E> {
                if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                    v.parse()
                        .map(Rupiah)
                        .map_err(|_| E::custom(format!("amount \"{v}\" is too large")))
                } else {
                    Err(E::custom(format!("\"{v}\" is not {EXPECTED}")))
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl JsonSchema for Rupiah {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Rupiah".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Whole rupiah: a non-negative JSON integer or a string of digits.",
            "oneOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": "^[0-9]+$"}
            ]
        })
    }
}

impl std::fmt::Display for Rupiah {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The JSON Schema of the bundle, as published in `docs/bundle.schema.json`.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Bundle)).expect("a schema serializes")
}
