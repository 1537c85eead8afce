//! Thin wrappers over [`pantau_present`] for what the reports hold in their
//! own shapes: an evaluation's `as_of` as text, rupiah as `u128`, the periods
//! a unit missed. Every word and figure still comes from `pantau_present`;
//! nothing here formats on its own.

use chrono::{DateTime, NaiveDate, Timelike};
use chrono_tz::Tz;
use pantau_domain::AsOf;
use pantau_domain::evaluation::ComplianceState;
use pantau_present::Lang;

/// The [`AsOf`] behind an evaluation's `as_of` text (RFC 3339 in the
/// program's time zone). A date given alone was evaluated at the end of that
/// local day and is written with 23:59:59: read back as that date.
pub fn as_of(text: &str, timezone: Tz) -> Option<AsOf> {
    let instant = DateTime::parse_from_rfc3339(text).ok()?.to_utc();
    let local = instant.with_timezone(&timezone);
    let end_of_day = (local.hour(), local.minute(), local.second()) == (23, 59, 59);
    Some(AsOf {
        instant,
        local_date: local.date_naive(),
        date_only: end_of_day,
    })
}

/// The local date of an evaluation's `as_of`.
pub fn as_of_date(text: &str, timezone: Tz) -> Option<NaiveDate> {
    as_of(text, timezone).map(|a| a.local_date)
}

/// "Angka per akhir 25 April 2025" for an evaluation's `as_of` text; the
/// text itself only if it does not read as a moment (never the case for the
/// engine's own).
pub fn figures_as_of(lang: Lang, timezone: Tz, text: &str) -> String {
    as_of(text, timezone).map_or_else(
        || text.to_owned(),
        |a| pantau_present::figures_as_of(lang, timezone, &a),
    )
}

/// "akhir 25 April 2025" for an evaluation's `as_of` text.
pub fn as_of_words(lang: Lang, timezone: Tz, text: &str) -> String {
    as_of(text, timezone).map_or_else(
        || text.to_owned(),
        |a| pantau_present::as_of(lang, timezone, &a),
    )
}

/// Whole rupiah as [`pantau_present::rupiah`] writes them; amounts beyond
/// `i64` (nine quintillion rupiah) are written at that bound.
pub fn rupiah(lang: Lang, amount: u128) -> String {
    pantau_present::rupiah(lang, i64::try_from(amount).unwrap_or(i64::MAX))
}

/// A reporting state as it stood at a period's deadline: an `open` period
/// had nothing by then, so it reads as not reported.
pub fn compliance_at_deadline(lang: Lang, state: ComplianceState) -> &'static str {
    match state {
        ComplianceState::Open => pantau_present::compliance(lang, ComplianceState::Missing),
        other => pantau_present::compliance(lang, other),
    }
}

/// Periods by number: "Minggu ke-3, Minggu ke-5"; [`pantau_present::NONE`] for none.
pub fn periods(lang: Lang, indexes: &[u32]) -> String {
    if indexes.is_empty() {
        return pantau_present::NONE.to_owned();
    }
    indexes
        .iter()
        .map(|i| pantau_present::period_short(lang, *i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A unit's record of periods on time, late and missing: "3/1/0", counts
/// written as [`pantau_present::count`].
pub fn record(lang: Lang, on_time: u32, late: u32, missing: u32) -> String {
    [on_time, late, missing]
        .map(|n| pantau_present::count(lang, n.into()))
        .join("/")
}

/// The header of a record column: "Tepat waktu/Terlambat/Tidak lapor".
pub fn record_header(lang: Lang) -> String {
    [
        ComplianceState::OnTime,
        ComplianceState::Late,
        ComplianceState::Missing,
    ]
    .map(|s| pantau_present::compliance(lang, s))
    .join("/")
}

/// One of two wordings, for what only a report says (its headings).
pub fn pick(lang: Lang, id: &str, en: &str) -> String {
    match lang {
        Lang::Id => id.to_owned(),
        Lang::En => en.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_as_of_given_as_a_date_reads_back_as_that_date() {
        let tz = chrono_tz::Asia::Jakarta;
        let a = as_of("2025-04-25T23:59:59+07:00", tz).unwrap();
        assert!(a.date_only);
        assert_eq!(a.local_date, NaiveDate::from_ymd_opt(2025, 4, 25).unwrap());
        let b = as_of("2025-04-25T09:00:00+07:00", tz).unwrap();
        assert!(!b.date_only);
        assert!(as_of("kemarin", tz).is_none());
    }
}
