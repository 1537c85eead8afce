//! How Pantau writes figures, dates and labels for people: the one
//! presentation module that pages, reports (XLSX, PDF), e-mails and the
//! command line all use. Pure: no IO.
//!
//! Machine formats (JSON, CSV) keep ISO dates and plain numbers; everything a
//! person reads goes through here, in Bahasa Indonesia or English.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use pantau_domain::AsOf;
use pantau_domain::Period;
use pantau_domain::bundle::{EntryStatus, Kind, Polarity};
use pantau_domain::evaluation::{ComplianceState, ComplianceTally, FinalVerdict, Status};
use pantau_domain::meeting::FollowUpState;
use pantau_domain::rating::Rating;
use pantau_domain::role::Role;
use rust_decimal::Decimal;

/// The language a person reads: Indonesian first, English second.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
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

/// The separators of a language: (thousands, decimal).
fn separators(lang: Lang) -> (char, char) {
    match lang {
        Lang::Id => ('.', ','),
        Lang::En => (',', '.'),
    }
}

/// Digits grouped by three with the language's thousands separator.
fn group(lang: Lang, digits: &str) -> String {
    let (thousands, _) = separators(lang);
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(thousands);
        }
        out.push(c);
    }
    out
}

/// A decimal rounded to 2 places (half away from zero) in the language's
/// separators: `decimals` fixed at 2, or trailing zeros dropped when `None`.
/// A value that rounds to zero has no minus.
fn decimal(lang: Lang, value: Decimal, fixed: bool) -> String {
    let mut rounded = pantau_domain::rating::round2(value);
    if !fixed {
        rounded = rounded.normalize();
    }
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = if fixed {
        format!("{:.2}", rounded.abs())
    } else {
        rounded.abs().to_string()
    };
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&group(lang, whole));
    if let Some(fraction) = fraction {
        out.push(separators(lang).1);
        out.push_str(fraction);
    }
    out
}

/// A percentage, always two decimals: "97,50%" / "97.50%"; [`NONE`] when undefined.
pub fn pct(lang: Lang, value: Option<Decimal>) -> String {
    match value {
        Some(v) => format!("{}%", decimal(lang, v, true)),
        None => NONE.to_owned(),
    }
}

/// A ratio (0 to 1) as a percentage, as [`pct`].
pub fn rate(lang: Lang, value: Option<Decimal>) -> String {
    pct(lang, value.map(|v| v.saturating_mul(Decimal::ONE_HUNDRED)))
}

/// A measured value: thousands grouped, rounded to 2 decimals, trailing zeros
/// dropped ("1.250,5" / "1,250.5"); [`NONE`] when undefined.
pub fn number(lang: Lang, value: Option<Decimal>) -> String {
    match value {
        Some(v) => decimal(lang, v, false),
        None => NONE.to_owned(),
    }
}

/// A value as a form field shows it for editing: every digit kept (no
/// rounding, no grouping), the language's decimal separator ("83,5" /
/// "83.5"), so that what is sent back unchanged is the same value.
pub fn input_number(lang: Lang, value: Decimal) -> String {
    let text = value.normalize().to_string();
    match lang {
        Lang::Id => text.replace('.', ","),
        Lang::En => text,
    }
}

/// A count with thousands grouping ("12.500" / "12,500").
pub fn count(lang: Lang, value: i64) -> String {
    let digits = group(lang, &value.unsigned_abs().to_string());
    if value < 0 {
        format!("-{digits}")
    } else {
        digits
    }
}

/// Rupiah in full: "Rp 1.250.000.000" / "Rp 1,250,000,000"; a negative amount
/// leads with the minus: "-Rp 1.250".
pub fn rupiah(lang: Lang, amount: i64) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    format!(
        "{sign}Rp {}",
        group(lang, &amount.unsigned_abs().to_string())
    )
}

/// Rupiah short, for headline cards: "Rp 4,56 T", "Rp 238,21 M", "Rp 12,50 jt"
/// (English "Rp 4.56 tn", "Rp 238.21 bn", "Rp 12.50 m"); below a million in full.
pub fn rupiah_short(lang: Lang, amount: i64) -> String {
    // (size, Indonesian, English), largest first.
    const SCALES: [(i64, &str, &str); 3] = [
        (1_000_000_000_000, "T", "tn"),
        (1_000_000_000, "M", "bn"),
        (1_000_000, "jt", "m"),
    ];
    let magnitude = Decimal::from(amount.unsigned_abs());
    if magnitude < Decimal::from(SCALES[2].0) {
        return rupiah(lang, amount);
    }
    // The largest scale the amount reaches; a figure that rounds up to 1000
    // of it is named in the next scale ("Rp 1,00 M", not "Rp 1.000,00 jt").
    let mut i = SCALES
        .iter()
        .position(|(size, _, _)| magnitude >= Decimal::from(*size))
        .expect("at least a million reaches the smallest scale");
    let mut scaled = pantau_domain::rating::round2(magnitude / Decimal::from(SCALES[i].0));
    if i > 0 && scaled >= Decimal::from(1000) {
        i -= 1;
        scaled = pantau_domain::rating::round2(magnitude / Decimal::from(SCALES[i].0));
    }
    let (_, id, en) = SCALES[i];
    let suffix = match lang {
        Lang::Id => id,
        Lang::En => en,
    };
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}Rp {} {suffix}", decimal(lang, scaled, true))
}

// ---- chart axes -------------------------------------------------------------

/// A number on a chart's axis with exactly `decimals` decimals (at most 6),
/// thousands grouped: "1.250,5" / "1,250.5"; never "-0". From a trillion up in
/// scientific form with the language's decimal mark ("1,5e13" / "1.5e13"),
/// as plain digits would not fit beside the axis; [`NONE`] when not finite.
pub fn tick(lang: Lang, value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return NONE.to_owned();
    }
    let (_, mark) = separators(lang);
    if value.abs() >= 1e12 {
        let text = format!("{value:.2e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        let mantissa: String = mantissa
            .chars()
            .map(|c| if c == '.' { mark } else { c })
            .collect();
        return format!("{mantissa}e{exponent}");
    }
    let decimals = decimals.min(6);
    let text = format!("{:.decimals$}", value.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text.as_str(), None),
    };
    let zero = text.bytes().all(|b| matches!(b, b'0' | b'.'));
    let mut out = String::new();
    if value < 0.0 && !zero {
        out.push('-');
    }
    out.push_str(&group(lang, whole));
    if let Some(fraction) = fraction {
        out.push(mark);
        out.push_str(fraction);
    }
    out
}

/// A percentage on a chart's axis, as [`tick`]: "50%", "12,5%" / "12.5%";
/// [`NONE`] when not finite.
pub fn tick_pct(lang: Lang, value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{}%", tick(lang, value, decimals))
    } else {
        NONE.to_owned()
    }
}

/// Rupiah on a chart's axis, short with its scale as the headline cards write
/// it: "Rp 0", "Rp 500 jt", "Rp 5 M", "Rp 2,5 M", "Rp 1,5 T" (English "Rp 500 m",
/// "Rp 5 bn", "Rp 1.5 tn"), with only the decimals the tick needs (at most two).
pub fn rupiah_axis(lang: Lang, amount: f64) -> String {
    // (size, Indonesian, English), largest first, as in [`rupiah_short`].
    const SCALES: [(f64, &str, &str); 3] = [(1e12, "T", "tn"), (1e9, "M", "bn"), (1e6, "jt", "m")];
    if !amount.is_finite() {
        return NONE.to_owned();
    }
    let sign = if amount < 0.0 { "-" } else { "" };
    let magnitude = amount.abs();
    let decimals_of = |scaled: f64| {
        (0..=2)
            .find(|&d| {
                let shifted = scaled * 10f64.powi(d as i32);
                (shifted - shifted.round()).abs() < 1e-6 * shifted.abs().max(1.0)
            })
            .unwrap_or(2)
    };
    for (size, id, en) in SCALES {
        if magnitude >= size * (1.0 - 1e-9) {
            let scaled = magnitude / size;
            let suffix = match lang {
                Lang::Id => id,
                Lang::En => en,
            };
            return format!(
                "{sign}Rp {} {suffix}",
                tick(lang, scaled, decimals_of(scaled))
            );
        }
    }
    format!("{sign}Rp {}", tick(lang, magnitude, 0))
}

/// A day on a chart's date axis: "1 Mar", "17 Agu" / "17 Aug".
pub fn date_tick(lang: Lang, date: NaiveDate) -> String {
    format!("{} {}", date.day(), month_short(lang, date.month()))
}

/// A date in short, for a point's tooltip in a chart: "31 Des 2025" / "31 Dec 2025".
pub fn date_short(lang: Lang, date: NaiveDate) -> String {
    format!("{} {}", date_tick(lang, date), date.year())
}

/// A reporting period as a chart's column: "M9" (minggu) / "W9" (week).
pub fn period_tick(lang: Lang, index: u32) -> String {
    match lang {
        Lang::Id => format!("M{index}"),
        Lang::En => format!("W{index}"),
    }
}

// ---- dates and moments -----------------------------------------------------

const BULAN: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The month's name: "Oktober" / "October" (1 = January); [`NONE`] for a
/// number that is no month.
pub fn month_name(lang: Lang, month: u32) -> &'static str {
    let names = match lang {
        Lang::Id => &BULAN,
        Lang::En => &MONTHS,
    };
    month
        .checked_sub(1)
        .and_then(|i| names.get(i as usize))
        .copied()
        .unwrap_or(NONE)
}

/// The month's short name for chart axes: "Okt" / "Oct".
pub fn month_short(lang: Lang, month: u32) -> &'static str {
    const ID: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
    ];
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let names = match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    };
    month
        .checked_sub(1)
        .and_then(|i| names.get(i as usize))
        .copied()
        .unwrap_or(NONE)
}

/// A date in words: "25 April 2025".
pub fn date(lang: Lang, date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        month_name(lang, date.month()),
        date.year()
    )
}

/// The name people use for a zone: WIB, WITA and WIT for Indonesia's zones,
/// the zone's abbreviation at that instant elsewhere.
pub fn zone_name(timezone: Tz, instant: DateTime<Utc>) -> String {
    use chrono_tz::Asia;
    match timezone {
        Asia::Jakarta | Asia::Pontianak => "WIB".to_owned(),
        Asia::Makassar | Asia::Ujung_Pandang => "WITA".to_owned(),
        Asia::Jayapura => "WIT".to_owned(),
        _ => instant.with_timezone(&timezone).format("%Z").to_string(),
    }
}

/// A moment in words in the given zone: "25 April 2025 pukul 09.00 WIB" /
/// "25 April 2025, 09:00 WIB" (WIB, WITA, WIT for Indonesia's zones, the zone's
/// abbreviation elsewhere).
pub fn moment(lang: Lang, timezone: Tz, instant: DateTime<Utc>) -> String {
    let local = instant.with_timezone(&timezone);
    let day = date(lang, local.date_naive());
    let zone = zone_name(timezone, instant);
    match lang {
        Lang::Id => format!("{day} pukul {} {zone}", local.format("%H.%M")),
        Lang::En => format!("{day}, {} {zone}", local.format("%H:%M")),
    }
}

/// A deadline as a countdown in words from `now`, counted in the zone's
/// calendar days: "3 hari lagi" / "in 3 days", "besok" / "tomorrow",
/// "hari ini" / "today", "lewat hari ini" / "passed today",
/// "lewat 2 hari" / "2 days overdue".
pub fn countdown(lang: Lang, timezone: Tz, now: DateTime<Utc>, deadline: DateTime<Utc>) -> String {
    let today = now.with_timezone(&timezone).date_naive();
    let due = deadline.with_timezone(&timezone).date_naive();
    let days = (due - today).num_days();
    if deadline >= now {
        match (lang, days) {
            (Lang::Id, 0) => "hari ini".to_owned(),
            (Lang::En, 0) => "today".to_owned(),
            (Lang::Id, 1) => "besok".to_owned(),
            (Lang::En, 1) => "tomorrow".to_owned(),
            (Lang::Id, n) => format!("{} hari lagi", count(lang, n)),
            (Lang::En, n) => format!("in {} days", count(lang, n)),
        }
    } else {
        let late = -days;
        match (lang, late) {
            (Lang::Id, 0) => "lewat hari ini".to_owned(),
            (Lang::En, 0) => "passed today".to_owned(),
            (Lang::En, 1) => "1 day overdue".to_owned(),
            (Lang::Id, n) => format!("lewat {} hari", count(lang, n)),
            (Lang::En, n) => format!("{} days overdue", count(lang, n)),
        }
    }
}

/// The day's name: "Jumat" / "Friday".
pub fn weekday(lang: Lang, day: Weekday) -> &'static str {
    const HARI: [&str; 7] = [
        "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
    ];
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let i = day.num_days_from_monday() as usize;
    pick(lang, HARI[i], DAYS[i])
}

/// How often a program's figures move: each week a reporting period closes
/// on the evaluation day. "mingguan, periode ditutup setiap Jumat pukul 09.00" /
/// "weekly, each period closes on Friday at 09:00".
pub fn weekly_rhythm(lang: Lang, day: Weekday, time: chrono::NaiveTime) -> String {
    match lang {
        Lang::Id => format!(
            "mingguan, periode ditutup setiap {} pukul {}",
            weekday(lang, day),
            time.format("%H.%M")
        ),
        Lang::En => format!(
            "weekly, each period closes on {} at {}",
            weekday(lang, day),
            time.format("%H:%M")
        ),
    }
}

/// A moment with its day's name, for deadlines people plan around:
/// "Jumat, 25 April 2025 pukul 09.00 WIB" / "Friday, 25 April 2025, 09:00 WIB".
pub fn moment_with_weekday(lang: Lang, timezone: Tz, instant: DateTime<Utc>) -> String {
    let local = instant.with_timezone(&timezone);
    format!(
        "{}, {}",
        weekday(lang, local.weekday()),
        moment(lang, timezone, instant)
    )
}

/// The moment of a set of figures in words, without the lead-in: a date-only
/// moment is the end of that day ("akhir 25 April 2025" / "end of 25 April 2025"),
/// any other as [`moment`].
pub fn as_of(lang: Lang, timezone: Tz, as_of: &AsOf) -> String {
    if as_of.date_only {
        let day = date(lang, as_of.local_date);
        match lang {
            Lang::Id => format!("akhir {day}"),
            Lang::En => format!("end of {day}"),
        }
    } else {
        moment(lang, timezone, as_of.instant)
    }
}

/// "Angka per akhir 25 April 2025" / "Figures as of the end of 25 April 2025".
pub fn figures_as_of(lang: Lang, timezone: Tz, as_of: &AsOf) -> String {
    let when = self::as_of(lang, timezone, as_of);
    match (lang, as_of.date_only) {
        (Lang::Id, _) => format!("Angka per {when}"),
        (Lang::En, true) => format!("Figures as of the {when}"),
        (Lang::En, false) => format!("Figures as of {when}"),
    }
}

/// The moment of monthly figures (the budget): "Angka per akhir Oktober 2025" /
/// "Figures as of the end of October 2025".
pub fn figures_as_of_month(lang: Lang, year: i32, month: u32) -> String {
    let month = month_year(lang, year, month);
    match lang {
        Lang::Id => format!("Angka per akhir {month}"),
        Lang::En => format!("Figures as of the end of {month}"),
    }
}

/// The days from `start` to `end` in words, naming only what differs:
/// "18–24 April 2025", "28 Maret – 3 April 2025",
/// "29 Desember 2025 – 4 Januari 2026"; one day alone as [`date`].
pub fn date_range(lang: Lang, start: NaiveDate, end: NaiveDate) -> String {
    if start == end {
        date(lang, start)
    } else if start.year() != end.year() {
        format!("{} – {}", date(lang, start), date(lang, end))
    } else if start.month() != end.month() {
        format!(
            "{} {} – {}",
            start.day(),
            month_name(lang, start.month()),
            date(lang, end)
        )
    } else {
        format!("{}–{}", start.day(), date(lang, end))
    }
}

/// One label for a reporting period everywhere:
/// "Minggu ke-9 (18–24 April 2025)" / "Week 9 (18–24 April 2025)"; a period
/// across months or years names both ends in full.
pub fn period(lang: Lang, period: &Period) -> String {
    format!(
        "{} ({})",
        period_short(lang, period.index),
        date_range(lang, period.start, period.end)
    )
}

/// Only the week number: "Minggu ke-9" / "Week 9" (column headers, strips).
pub fn period_short(lang: Lang, index: u32) -> String {
    match lang {
        Lang::Id => format!("Minggu ke-{index}"),
        Lang::En => format!("Week {index}"),
    }
}

/// "hari ke-63 dari 88" / "day 63 of 88".
pub fn day_of(lang: Lang, day: i64, total: i64) -> String {
    match lang {
        Lang::Id => format!("hari ke-{} dari {}", count(lang, day), count(lang, total)),
        Lang::En => format!("day {} of {}", count(lang, day), count(lang, total)),
    }
}

/// A month and year: "Oktober 2025".
pub fn month_year(lang: Lang, year: i32, month: u32) -> String {
    format!("{} {year}", month_name(lang, month))
}

// ---- labels: each once, in both languages ---------------------------------

/// Picks the text of the language.
fn pick(lang: Lang, id: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Id => id,
        Lang::En => en,
    }
}

pub fn status(lang: Lang, status: Status) -> &'static str {
    match status {
        Status::Achieved => pick(lang, "Tercapai", "Achieved"),
        Status::OnTrack => pick(lang, "Sesuai jalur", "On track"),
        Status::AtRisk => pick(lang, "Berisiko", "At risk"),
        Status::OffTrack => pick(lang, "Tertinggal", "Off track"),
        Status::NoData => pick(lang, "Belum ada data", "No data"),
        Status::NotAchieved => pick(lang, "Tidak tercapai", "Not achieved"),
    }
}

/// A group's status; a group without any status reads as no data.
pub fn status_opt(lang: Lang, status: Option<Status>) -> &'static str {
    self::status(lang, status.unwrap_or(Status::NoData))
}

/// The Permendagri 86/2017 rating: "Sangat Tinggi" / "Very high"; [`NONE`] when undefined.
pub fn rating(lang: Lang, rating: Option<Rating>) -> &'static str {
    match rating {
        None => NONE,
        Some(Rating::SangatTinggi) => pick(lang, "Sangat Tinggi", "Very high"),
        Some(Rating::Tinggi) => pick(lang, "Tinggi", "High"),
        Some(Rating::Sedang) => pick(lang, "Sedang", "Medium"),
        Some(Rating::Rendah) => pick(lang, "Rendah", "Low"),
        Some(Rating::SangatRendah) => pick(lang, "Sangat Rendah", "Very low"),
    }
}

pub fn compliance(lang: Lang, state: ComplianceState) -> &'static str {
    match state {
        ComplianceState::OnTime => pick(lang, "Tepat waktu", "On time"),
        ComplianceState::Late => pick(lang, "Terlambat", "Late"),
        ComplianceState::Missing => pick(lang, "Tidak lapor", "Missing"),
        ComplianceState::Open => pick(lang, "Belum jatuh tempo", "Not yet due"),
    }
}

/// A week's reporting record as a heat level, for the supervisors' strips:
/// `h4` when at least 90 % of the reports due came in (on time or late),
/// `h3` at least 75 %, `h2` at least 50 %, `h1` some, `h0` none, `hn`
/// nothing due yet.
pub fn heat_level(tally: &ComplianceTally) -> &'static str {
    let Some(rate) = tally.reporting_rate() else {
        return "hn";
    };
    let pct = rate * Decimal::ONE_HUNDRED;
    if pct >= Decimal::from(90) {
        "h4"
    } else if pct >= Decimal::from(75) {
        "h3"
    } else if pct >= Decimal::from(50) {
        "h2"
    } else if pct > Decimal::ZERO {
        "h1"
    } else {
        "h0"
    }
}

/// A week's reporting in words, for a heat strip cell's title: "Minggu
/// 10 Maret 2025: 8 dari 10 laporan masuk (80,00%)" / "Week of 10 March 2025:
/// 8 of 10 reports in (80.00%)"; "belum jatuh tempo" / "not yet due" when
/// nothing was due.
pub fn week_reporting(lang: Lang, week: NaiveDate, tally: &ComplianceTally) -> String {
    let due = tally.on_time + tally.late + tally.missing;
    let reported = tally.on_time + tally.late;
    let when = date(lang, week);
    if due == 0 {
        return match lang {
            Lang::Id => format!("Minggu {when}: belum jatuh tempo"),
            Lang::En => format!("Week of {when}: not yet due"),
        };
    }
    let share = rate(lang, tally.reporting_rate());
    let (reported, due) = (count(lang, reported.into()), count(lang, due.into()));
    match lang {
        Lang::Id => format!("Minggu {when}: {reported} dari {due} laporan masuk ({share})"),
        Lang::En => format!("Week of {when}: {reported} of {due} reports in ({share})"),
    }
}

/// The one-character mark of a period's compliance in strips:
/// ✓ on time, ! late, ✗ missing, · not yet due.
pub fn compliance_mark(state: ComplianceState) -> char {
    match state {
        ComplianceState::OnTime => '✓',
        ComplianceState::Late => '!',
        ComplianceState::Missing => '✗',
        ComplianceState::Open => '·',
    }
}

pub fn final_verdict(lang: Lang, verdict: FinalVerdict) -> &'static str {
    match verdict {
        FinalVerdict::Achieved => pick(lang, "Tercapai", "Achieved"),
        FinalVerdict::NotAchieved => pick(lang, "Tidak tercapai", "Not achieved"),
    }
}

pub fn entry_status(lang: Lang, status: EntryStatus) -> &'static str {
    match status {
        EntryStatus::Submitted => pick(lang, "Menunggu verifikasi", "Awaiting verification"),
        EntryStatus::Verified => pick(lang, "Terverifikasi", "Verified"),
        EntryStatus::Returned => pick(lang, "Dikembalikan", "Returned"),
    }
}

pub fn follow_up_state(lang: Lang, state: FollowUpState) -> &'static str {
    match state {
        FollowUpState::Open => pick(lang, "Berjalan", "Open"),
        FollowUpState::Done => pick(lang, "Selesai", "Done"),
        FollowUpState::Overdue => pick(lang, "Lewat tenggat", "Overdue"),
    }
}

pub fn role(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Admin => pick(lang, "Admin", "Admin"),
        Role::Evaluator => pick(lang, "Evaluator (Asisten Daerah)", "Evaluator (Assistant)"),
        Role::Operator => pick(lang, "Operator", "Operator"),
        Role::Leader => pick(lang, "Pimpinan", "Leader"),
        Role::Finance => pick(lang, "BPKAD (keuangan)", "BPKAD (finance)"),
        Role::Supervisor => pick(
            lang,
            "Pembina (provinsi/nasional)",
            "Supervisor (province/nation)",
        ),
    }
}

/// "Kumulatif" / "Cumulative", "Nilai terkini" / "Current level", "Tonggak" / "Milestone".
pub fn kind(lang: Lang, kind: Kind) -> &'static str {
    match kind {
        Kind::Sum => pick(lang, "Kumulatif", "Cumulative"),
        Kind::Last => pick(lang, "Nilai terkini", "Current level"),
        Kind::Milestone => pick(lang, "Tonggak", "Milestone"),
    }
}

/// "Makin tinggi makin baik" / "Higher is better", and the reverse.
pub fn polarity(lang: Lang, polarity: Polarity) -> &'static str {
    match polarity {
        Polarity::Higher => pick(lang, "Makin tinggi makin baik", "Higher is better"),
        Polarity::Lower => pick(lang, "Makin rendah makin baik", "Lower is better"),
    }
}

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

#[cfg(test)]
mod week_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_weeks_reporting_reads_as_a_heat_level_and_in_words() {
        let tally = |on_time, late, missing, open| ComplianceTally {
            on_time,
            late,
            missing,
            open,
        };
        assert_eq!(heat_level(&tally(0, 0, 0, 5)), "hn");
        assert_eq!(heat_level(&tally(0, 0, 4, 1)), "h0");
        assert_eq!(heat_level(&tally(1, 0, 9, 0)), "h1");
        assert_eq!(heat_level(&tally(3, 2, 5, 0)), "h2");
        assert_eq!(heat_level(&tally(6, 0, 2, 0)), "h3");
        assert_eq!(heat_level(&tally(8, 1, 1, 0)), "h4");
        let monday = NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
        assert_eq!(
            week_reporting(Lang::Id, monday, &tally(6, 2, 2, 0)),
            "Minggu 10 Maret 2025: 8 dari 10 laporan masuk (80,00%)"
        );
        assert_eq!(
            week_reporting(Lang::En, monday, &tally(6, 2, 2, 0)),
            "Week of 10 March 2025: 8 of 10 reports in (80.00%)"
        );
        assert_eq!(
            week_reporting(Lang::Id, monday, &tally(0, 0, 0, 3)),
            "Minggu 10 Maret 2025: belum jatuh tempo"
        );
    }

    #[test]
    fn input_numbers_keep_every_digit_with_the_language_s_comma() {
        let v: Decimal = "83.50".parse().unwrap();
        assert_eq!(input_number(Lang::Id, v), "83,5");
        assert_eq!(input_number(Lang::En, v), "83.5");
        assert_eq!(input_number(Lang::Id, Decimal::from(1250)), "1250");
        let fine: Decimal = "-0.125".parse().unwrap();
        assert_eq!(input_number(Lang::Id, fine), "-0,125");
    }

    #[test]
    fn countdowns_count_the_zone_s_days() {
        let tz = chrono_tz::Asia::Jakarta;
        // Friday 28 Feb 2025, 09:00 WIB.
        let deadline = tz.with_ymd_and_hms(2025, 2, 28, 9, 0, 0).unwrap().to_utc();
        let at = |d: u32, h: u32| tz.with_ymd_and_hms(2025, 2, d, h, 0, 0).unwrap().to_utc();
        assert_eq!(countdown(Lang::Id, tz, at(25, 20), deadline), "3 hari lagi");
        assert_eq!(countdown(Lang::En, tz, at(25, 20), deadline), "in 3 days");
        assert_eq!(countdown(Lang::Id, tz, at(27, 10), deadline), "besok");
        assert_eq!(countdown(Lang::Id, tz, at(28, 8), deadline), "hari ini");
        assert_eq!(
            countdown(Lang::Id, tz, at(28, 10), deadline),
            "lewat hari ini"
        );
        let march = |d: u32| tz.with_ymd_and_hms(2025, 3, d, 8, 0, 0).unwrap().to_utc();
        assert_eq!(countdown(Lang::Id, tz, march(2), deadline), "lewat 2 hari");
        assert_eq!(
            countdown(Lang::En, tz, march(2), deadline),
            "2 days overdue"
        );
        assert_eq!(countdown(Lang::En, tz, march(1), deadline), "1 day overdue");
    }
}
