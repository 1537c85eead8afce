//! How Pantau writes figures, dates and labels for people: the one
//! presentation module that pages, reports (XLSX, PDF), e-mails and the
//! command line all use. Pure: no IO.
//!
//! Machine formats (JSON, CSV) keep ISO dates and plain numbers; everything a
//! person reads goes through here, in Bahasa Indonesia or English.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use pantau_domain::AsOf;
use pantau_domain::Period;
use pantau_domain::bundle::{EntryStatus, Kind, Polarity};
use pantau_domain::evaluation::{ComplianceState, FinalVerdict, Status};
use pantau_domain::meeting::FollowUpState;
use pantau_domain::rating::Rating;
use pantau_domain::role::Role;
use rust_decimal::Decimal;

/// The language a person reads: Indonesian first, English second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }
}

/// Shown where a figure is undefined (no data yet).
pub const NONE: &str = "–";

// ---- numbers ------------------------------------------------------------

/// A percentage, always two decimals: "97,50%" / "97.50%"; [`NONE`] when undefined.
pub fn pct(lang: Lang, value: Option<Decimal>) -> String { todo!() }

/// A ratio (0 to 1) as a percentage, as [`pct`].
pub fn rate(lang: Lang, value: Option<Decimal>) -> String { todo!() }

/// A measured value: thousands grouped, rounded to 2 decimals, trailing zeros
/// dropped ("1.250,5" / "1,250.5"); [`NONE`] when undefined.
pub fn number(lang: Lang, value: Option<Decimal>) -> String { todo!() }

/// A count with thousands grouping ("12.500" / "12,500").
pub fn count(lang: Lang, value: i64) -> String { todo!() }

/// Rupiah in full: "Rp 1.250.000.000" / "Rp 1,250,000,000".
pub fn rupiah(lang: Lang, amount: i64) -> String { todo!() }

/// Rupiah short, for headline cards: "Rp 4,56 T", "Rp 238,21 M", "Rp 12,50 jt"
/// (English "Rp 4.56 tn", "Rp 238.21 bn", "Rp 12.50 m"); below a million in full.
pub fn rupiah_short(lang: Lang, amount: i64) -> String { todo!() }

// ---- dates and moments -----------------------------------------------------

/// The month's name: "Oktober" / "October" (1 = January).
pub fn month_name(lang: Lang, month: u32) -> &'static str { todo!() }

/// A date in words: "25 April 2025".
pub fn date(lang: Lang, date: NaiveDate) -> String { todo!() }

/// A moment in words in the given zone: "25 April 2025 pukul 09.00 WIB" /
/// "25 April 2025, 09:00 WIB" (WIB, WITA, WIT for Indonesia's zones, the zone's
/// abbreviation elsewhere).
pub fn moment(lang: Lang, timezone: Tz, instant: DateTime<Utc>) -> String { todo!() }

/// The moment of a set of figures in words, without the lead-in: a date-only
/// moment is the end of that day ("akhir 25 April 2025" / "end of 25 April 2025"),
/// any other as [`moment`].
pub fn as_of(lang: Lang, timezone: Tz, as_of: &AsOf) -> String { todo!() }

/// "Angka per akhir 25 April 2025" / "Figures as of the end of 25 April 2025".
pub fn figures_as_of(lang: Lang, timezone: Tz, as_of: &AsOf) -> String { todo!() }

/// One label for a reporting period everywhere:
/// "Minggu ke-9 (18–24 April 2025)" / "Week 9 (18–24 April 2025)"; a period
/// across months or years names both ends in full.
pub fn period(lang: Lang, period: &Period) -> String { todo!() }

/// Only the week number: "Minggu ke-9" / "Week 9" (column headers, strips).
pub fn period_short(lang: Lang, index: u32) -> String { todo!() }

/// "hari ke-63 dari 88" / "day 63 of 88".
pub fn day_of(lang: Lang, day: i64, total: i64) -> String { todo!() }

/// A month and year: "Oktober 2025".
pub fn month_year(lang: Lang, year: i32, month: u32) -> String { todo!() }

// ---- labels: each once, in both languages ---------------------------------

pub fn status(lang: Lang, status: Status) -> &'static str { todo!() }

/// A group's status; a group without any status reads as no data.
pub fn status_opt(lang: Lang, status: Option<Status>) -> &'static str { todo!() }

/// The Permendagri 86/2017 rating: "Sangat Tinggi" / "Very high"; [`NONE`] when undefined.
pub fn rating(lang: Lang, rating: Option<Rating>) -> &'static str { todo!() }

pub fn compliance(lang: Lang, state: ComplianceState) -> &'static str { todo!() }

pub fn final_verdict(lang: Lang, verdict: FinalVerdict) -> &'static str { todo!() }

pub fn entry_status(lang: Lang, status: EntryStatus) -> &'static str { todo!() }

pub fn follow_up_state(lang: Lang, state: FollowUpState) -> &'static str { todo!() }

pub fn role(lang: Lang, role: Role) -> &'static str { todo!() }

/// "Kumulatif" / "Cumulative", "Nilai terkini" / "Current level", "Tonggak" / "Milestone".
pub fn kind(lang: Lang, kind: Kind) -> &'static str { todo!() }

/// "Makin tinggi makin baik" / "Higher is better", and the reverse.
pub fn polarity(lang: Lang, polarity: Polarity) -> &'static str { todo!() }

/// Number formats for XLSX cells, so that Excel and LibreOffice show the same
/// figures as the pages while the cells stay numbers.
pub mod xlsx {
    /// A percentage stored as its number (97.5 -> "97,50%" in an Indonesian Excel).
    pub const PERCENT: &str = "0.00\"%\"";
    /// Whole rupiah with grouping.
    pub const RUPIAH: &str = "\"Rp\" #,##0";
    /// A measured value: grouping, up to two decimals.
    pub const NUMBER: &str = "#,##0.##";
    /// A date in words.
    pub const DATE: &str = "d mmmm yyyy";
    /// A moment (the cell holds local time).
    pub const MOMENT: &str = "d mmmm yyyy hh:mm";
}
