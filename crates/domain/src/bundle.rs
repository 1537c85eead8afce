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
        with = "number::option"
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
    #[serde(with = "number")]
    #[schemars(with = "f64")]
    pub on_track: Decimal,
    #[serde(with = "number")]
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
    #[serde(with = "strict_date")]
    #[schemars(with = "NaiveDate")]
    pub start: NaiveDate,
    /// Last day (inclusive). Never derived from the program's name.
    #[serde(with = "strict_date")]
    #[schemars(with = "NaiveDate")]
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
    #[serde(deserialize_with = "rfc3339::option")]
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

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Sum, Kind::Last, Kind::Milestone];

    /// The code in a bundle, the database and forms: `sum`, `last`, `milestone`.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Sum => "sum",
            Kind::Last => "last",
            Kind::Milestone => "milestone",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    Higher,
    Lower,
}

impl Polarity {
    pub const ALL: [Polarity; 2] = [Polarity::Higher, Polarity::Lower];

    /// The code in a bundle, the database and forms: `higher`, `lower`.
    pub fn code(self) -> &'static str {
        match self {
            Polarity::Higher => "higher",
            Polarity::Lower => "lower",
        }
    }

    pub fn parse(code: &str) -> Option<Polarity> {
        Polarity::ALL.into_iter().find(|p| p.code() == code)
    }
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
        with = "number::option"
    )]
    #[schemars(with = "Option<f64>")]
    pub baseline: Option<Decimal>,
    /// Required for `sum` and `last`; a milestone's is 1.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "number::option"
    )]
    #[schemars(with = "Option<f64>")]
    pub target: Option<Decimal>,
    /// Milestones only: the date from which it is expected done; default the program's end.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "strict_date::option"
    )]
    #[schemars(with = "Option<NaiveDate>")]
    pub due: Option<NaiveDate>,
    /// `sum` and `last` only: planned values on the realisation's scale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Vec<PlanPoint>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanPoint {
    #[serde(with = "strict_date")]
    #[schemars(with = "NaiveDate")]
    pub date: NaiveDate,
    #[serde(with = "number")]
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

impl EntryStatus {
    pub const ALL: [EntryStatus; 3] = [
        EntryStatus::Submitted,
        EntryStatus::Verified,
        EntryStatus::Returned,
    ];

    /// The code in a bundle, the database and forms: `submitted`, `verified`, `returned`.
    pub fn code(self) -> &'static str {
        match self {
            EntryStatus::Submitted => "submitted",
            EntryStatus::Verified => "verified",
            EntryStatus::Returned => "returned",
        }
    }

    pub fn parse(code: &str) -> Option<EntryStatus> {
        EntryStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A reported value (realisasi) for a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Entry {
    pub target: String,
    #[serde(with = "strict_date")]
    #[schemars(with = "NaiveDate")]
    pub activity_date: NaiveDate,
    #[serde(deserialize_with = "rfc3339::deserialize")]
    pub submitted_at: DateTime<FixedOffset>,
    #[serde(with = "number")]
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
    #[serde(with = "strict_date")]
    #[schemars(with = "NaiveDate")]
    pub date: NaiveDate,
    #[serde(deserialize_with = "rfc3339::deserialize")]
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
        with = "number::option"
    )]
    #[schemars(with = "Option<f64>", range(min = 0, max = 100))]
    pub physical_pct: Option<Decimal>,
}

/// An amount of money in whole rupiah, up to `u128::MAX`. Read from a JSON
/// integer or a string of digits; written as a string so that no JSON reader
/// rounds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Rupiah(pub u128);

impl Rupiah {
    /// The amount as a signed integer for display and spreadsheets; no
    /// budget comes near `i64::MAX` rupiah, which it saturates at.
    pub fn as_i64(self) -> i64 {
        i64::try_from(self.0).unwrap_or(i64::MAX)
    }
}

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
                Ok(Rupiah(v.into()))
            }
            fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Rupiah, E> {
                Ok(Rupiah(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Rupiah, E> {
                self.visit_i128(v.into())
            }
            fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Rupiah, E> {
                u128::try_from(v)
                    .map(Rupiah)
                    .map_err(|_| E::custom(format!("negative amount {v}: expected {EXPECTED}")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Rupiah, E> {
                let problem = if v < 0.0 {
                    "negative amount"
                } else if v.fract() != 0.0 || !v.is_finite() {
                    "fractional amount"
                } else if v >= u64::MAX as f64 {
                    // serde_json hands over an integer beyond u64 as a float, already rounded.
                    return Err(E::custom(format!(
                        "amount {v} is too large to read exactly as a JSON number: \
                         write it as a string of digits"
                    )));
                } else {
                    "amount not written as an integer"
                };
                Err(E::custom(format!("{problem} {v}: expected {EXPECTED}")))
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

/// Dates written exactly `YYYY-MM-DD` (bundle.md). chrono's own reader is
/// lenient: it takes `2025-2-22`, `+2025-02-22` or a leading space.
/// Moments read with chrono's RFC 3339 parser: the contract's format, and
/// several times faster than the general parser behind `DateTime`'s serde.
pub mod rfc3339 {
    use chrono::{DateTime, FixedOffset};
    use serde::{Deserialize, Deserializer};

    const EXPECTED: &str = "an RFC 3339 moment with an offset, e.g. 2025-03-07T08:30:00+07:00";

    struct Visitor;

    impl serde::de::Visitor<'_> for Visitor {
        type Value = DateTime<FixedOffset>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(EXPECTED)
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            DateTime::parse_from_rfc3339(text)
                .map_err(|_| E::custom(format!("\"{text}\" is not {EXPECTED}")))
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<FixedOffset>, D::Error> {
        deserializer.deserialize_str(Visitor)
    }

    pub fn option<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
        #[derive(Deserialize)]
        struct Moment(#[serde(deserialize_with = "deserialize")] DateTime<FixedOffset>);
        Ok(Option::<Moment>::deserialize(deserializer)?.map(|m| m.0))
    }
}

pub mod strict_date {
    use std::fmt;

    use chrono::NaiveDate;
    use serde::{Deserializer, Serialize, Serializer};

    const EXPECTED: &str = "a date written YYYY-MM-DD";

    /// The date `text` names, if it is written exactly `YYYY-MM-DD` and is a
    /// day of the calendar.
    pub fn parse(text: &str) -> Option<NaiveDate> {
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 10
            && bytes.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                _ => b.is_ascii_digit(),
            });
        if !shaped {
            return None;
        }
        // The shape is checked, so the fields are plain digits: no format parser needed.
        let number = |range: std::ops::Range<usize>| {
            bytes[range]
                .iter()
                .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'))
        };
        NaiveDate::from_ymd_opt(number(0..4) as i32, number(5..7), number(8..10))
    }

    struct Visitor;

    impl serde::de::Visitor<'_> for Visitor {
        type Value = NaiveDate;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(EXPECTED)
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<NaiveDate, E> {
            parse(text).ok_or_else(|| E::custom(format!("\"{text}\" is not {EXPECTED}")))
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
        deserializer.deserialize_str(Visitor)
    }

    pub fn serialize<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
        date.serialize(serializer)
    }

    /// The same for an optional date; `null` is none.
    pub mod option {
        use chrono::NaiveDate;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<NaiveDate>, D::Error> {
            #[derive(Deserialize)]
            struct Strict(#[serde(deserialize_with = "super::deserialize")] NaiveDate);
            Ok(Option::<Strict>::deserialize(deserializer)?.map(|s| s.0))
        }

        pub fn serialize<S: Serializer>(
            date: &Option<NaiveDate>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            date.serialize(serializer)
        }
    }
}

/// Decimals read from JSON numbers only (bundle.md), never from strings such
/// as `"12"`, and written as JSON numbers. Integers are read exactly; other
/// numbers by their shortest decimal form (`0.1` is 0.1), as before.
pub mod number {
    use std::fmt;

    use rust_decimal::Decimal;
    use rust_decimal::prelude::ToPrimitive;
    use serde::{Deserializer, Serialize, Serializer};

    const EXPECTED: &str = "a JSON number";

    struct Visitor;

    impl serde::de::Visitor<'_> for Visitor {
        type Value = Decimal;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(EXPECTED)
        }

        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }

        fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Decimal, E> {
            Decimal::try_from_i128_with_scale(v, 0)
                .map_err(|_| E::custom(format!("{v} is too large a number")))
        }

        fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Decimal, E> {
            i128::try_from(v)
                .map_err(|_| E::custom(format!("{v} is too large a number")))
                .and_then(|v| self.visit_i128(v))
        }

        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Decimal, E> {
            if !v.is_finite() {
                return Err(E::custom(format!("{v} is not a finite number")));
            }
            // `to_string` is the shortest form that reads back as `v`, never exponential.
            v.to_string()
                .parse()
                .map_err(|_| E::custom(format!("{v} is out of the range of numbers read")))
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        deserializer.deserialize_f64(Visitor)
    }

    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        value.to_f64().unwrap_or(f64::NAN).serialize(serializer)
    }

    /// The same for an optional number; `null` is none.
    pub mod option {
        use rust_decimal::Decimal;
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Decimal>, D::Error> {
            #[derive(Deserialize)]
            struct Strict(#[serde(deserialize_with = "super::deserialize")] Decimal);
            Ok(Option::<Strict>::deserialize(deserializer)?.map(|s| s.0))
        }

        pub fn serialize<S: Serializer>(
            value: &Option<Decimal>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => serializer.serialize_some(&Number(*value)),
                None => serializer.serialize_none(),
            }
        }

        struct Number(Decimal);

        impl serde::Serialize for Number {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                super::serialize(&self.0, serializer)
            }
        }
    }
}

/// The JSON Schema of the bundle, as published in `docs/bundle.schema.json`.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Bundle)).expect("a schema serializes")
}
