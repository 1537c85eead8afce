//! Every function of the presentation module over a table of inputs, in both
//! languages, as snapshots; then the edge cases people would notice, asserted
//! directly.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use pantau_domain::bundle::{EntryStatus, Kind, Polarity};
use pantau_domain::evaluation::{ComplianceState, FinalVerdict, Status};
use pantau_domain::meeting::FollowUpState;
use pantau_domain::rating::Rating;
use pantau_domain::role::Role;
use pantau_domain::{AsOf, Period};
use pantau_present::{self as present, Lang};
use rust_decimal::Decimal;
use std::fmt::Write;

const LANGS: [Lang; 2] = [Lang::Id, Lang::En];

fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("an RFC 3339 moment")
        .with_timezone(&Utc)
}

fn a_period(index: u32, start: &str, end: &str) -> Period {
    Period {
        index,
        start: day(start),
        end: day(end),
        deadline: instant("2025-04-25T02:00:00Z"),
    }
}

/// One line per input: the input, then its text in each language.
fn table<T>(
    inputs: &[T],
    label: impl Fn(&T) -> String,
    show: impl Fn(Lang, &T) -> String,
) -> String {
    let mut out = String::new();
    for input in inputs {
        write!(out, "{:<28}", label(input)).unwrap();
        for lang in LANGS {
            write!(out, " | {}: {}", lang.code(), show(lang, input)).unwrap();
        }
        out.push('\n');
    }
    out
}

const DECIMALS: [Option<&str>; 16] = [
    None,
    Some("0"),
    Some("-0.001"),
    Some("0.004"),
    Some("0.005"),
    Some("1"),
    Some("97.5"),
    Some("90.995"),
    Some("90.994"),
    Some("-90.995"),
    Some("100"),
    Some("120.456"),
    Some("1250.5"),
    Some("1250.50"),
    Some("-1234567.891"),
    Some("12345678901234.5"),
];

fn decimals() -> Vec<Option<Decimal>> {
    DECIMALS.iter().map(|d| d.map(dec)).collect()
}

fn show_decimal(d: &Option<Decimal>) -> String {
    d.map_or("None".to_owned(), |d| d.to_string())
}

#[test]
fn pct() {
    insta::assert_snapshot!(table(&decimals(), show_decimal, |l, d| present::pct(l, *d)));
}

#[test]
fn rate() {
    let ratios: Vec<Option<Decimal>> = [
        None,
        Some("0"),
        Some("0.975"),
        Some("0.90995"),
        Some("1"),
        Some("1.2"),
        Some("0.333333"),
    ]
    .iter()
    .map(|d| d.map(dec))
    .collect();
    insta::assert_snapshot!(table(&ratios, show_decimal, |l, d| present::rate(l, *d)));
}

#[test]
fn number() {
    insta::assert_snapshot!(table(&decimals(), show_decimal, |l, d| present::number(
        l, *d
    )));
}

#[test]
fn count() {
    let counts = [
        0,
        7,
        999,
        1000,
        12_500,
        1_000_000,
        -12_500,
        i64::MAX,
        i64::MIN,
    ];
    insta::assert_snapshot!(table(
        &counts,
        |c| c.to_string(),
        |l, c| present::count(l, *c)
    ));
}

const AMOUNTS: [i64; 20] = [
    0,
    999,
    1_000,
    999_999,
    1_000_000,
    12_500_000,
    12_504_999,
    12_505_000,
    999_994_999,
    999_995_000,
    238_210_000_000,
    1_250_000_000,
    999_995_000_000,
    4_560_000_000_000,
    1_234_567_890_123_456,
    -1_250,
    -238_214_000_000,
    -999_999,
    i64::MAX,
    i64::MIN,
];

#[test]
fn rupiah() {
    insta::assert_snapshot!(table(
        &AMOUNTS,
        |a| a.to_string(),
        |l, a| present::rupiah(l, *a)
    ));
}

#[test]
fn rupiah_short() {
    insta::assert_snapshot!(table(
        &AMOUNTS,
        |a| a.to_string(),
        |l, a| present::rupiah_short(l, *a)
    ));
}

#[test]
fn month_name_and_month_year() {
    let months: Vec<u32> = (0..=13).collect();
    insta::assert_snapshot!(table(
        &months,
        |m| m.to_string(),
        |l, m| format!(
            "{} / {}",
            present::month_name(l, *m),
            present::month_year(l, 2025, *m)
        )
    ));
}

#[test]
fn date() {
    let dates = [
        "2025-04-25",
        "2025-01-01",
        "2025-02-28",
        "2024-02-29",
        "2025-05-09",
        "2025-12-31",
    ]
    .map(day);
    insta::assert_snapshot!(table(
        &dates,
        |d| d.to_string(),
        |l, d| present::date(l, *d)
    ));
}

fn zones() -> Vec<(Tz, &'static str)> {
    use chrono_tz::{Asia, Europe, UTC};
    let moments = [
        (Asia::Jakarta, "2025-04-25T02:00:00Z"),
        (Asia::Pontianak, "2025-04-25T02:00:00Z"),
        (Asia::Makassar, "2025-04-25T01:00:00Z"),
        (Asia::Jayapura, "2025-04-25T00:00:00Z"),
        (Asia::Jakarta, "2025-04-24T17:00:00Z"),
        (Asia::Jakarta, "2025-12-31T16:59:59Z"),
        (Europe::Amsterdam, "2025-04-25T07:00:00Z"),
        (Europe::Amsterdam, "2025-01-10T08:05:00Z"),
        (UTC, "2025-04-25T09:00:00Z"),
    ];
    moments.to_vec()
}

#[test]
fn moment() {
    insta::assert_snapshot!(table(
        &zones(),
        |(tz, at)| format!("{at} {tz}"),
        |l, (tz, at)| present::moment(l, *tz, instant(at))
    ));
}

fn as_ofs() -> Vec<(Tz, AsOf)> {
    use chrono_tz::Asia;
    vec![
        (
            Asia::Jakarta,
            AsOf {
                instant: instant("2025-04-25T17:00:00Z"),
                local_date: day("2025-04-25"),
                date_only: true,
            },
        ),
        (
            Asia::Jakarta,
            AsOf {
                instant: instant("2025-04-25T02:00:00Z"),
                local_date: day("2025-04-25"),
                date_only: false,
            },
        ),
        (
            Asia::Makassar,
            AsOf {
                instant: instant("2025-02-28T01:00:00Z"),
                local_date: day("2025-02-28"),
                date_only: false,
            },
        ),
        (
            Asia::Jayapura,
            AsOf {
                instant: instant("2025-02-27T15:00:00Z"),
                local_date: day("2025-02-28"),
                date_only: true,
            },
        ),
    ]
}

#[test]
fn as_of_and_figures_as_of() {
    insta::assert_snapshot!(table(
        &as_ofs(),
        |(tz, a)| format!(
            "{} {} {tz}",
            a.instant.to_rfc3339(),
            if a.date_only { "date" } else { "moment" }
        ),
        |l, (tz, a)| format!(
            "{} / {}",
            present::as_of(l, *tz, a),
            present::figures_as_of(l, *tz, a)
        )
    ));
}

#[test]
fn period() {
    let periods = [
        a_period(9, "2025-04-18", "2025-04-24"),
        a_period(1, "2025-02-22", "2025-02-27"),
        a_period(2, "2025-03-28", "2025-04-03"),
        a_period(44, "2025-12-29", "2026-01-04"),
        a_period(3, "2025-05-09", "2025-05-09"),
    ];
    insta::assert_snapshot!(table(
        &periods,
        |p| format!("{} {}..{}", p.index, p.start, p.end),
        |l, p| format!(
            "{} / {}",
            present::period(l, p),
            present::period_short(l, p.index)
        )
    ));
}

#[test]
fn day_of() {
    let days = [(1, 88), (63, 88), (88, 88), (1000, 1200)];
    insta::assert_snapshot!(table(
        &days,
        |(d, t)| format!("{d}/{t}"),
        |l, (d, t)| present::day_of(l, *d, *t)
    ));
}

#[test]
fn labels() {
    let mut out = String::new();
    let mut line = |what: String, show: &dyn Fn(Lang) -> String| {
        write!(out, "{what:<28}").unwrap();
        for lang in LANGS {
            write!(out, " | {}: {}", lang.code(), show(lang)).unwrap();
        }
        out.push('\n');
    };
    for s in Status::ALL {
        line(format!("status {s:?}"), &|l| {
            present::status(l, s).to_owned()
        });
    }
    for s in [None, Some(Status::AtRisk)] {
        line(format!("status_opt {s:?}"), &|l| {
            present::status_opt(l, s).to_owned()
        });
    }
    for r in [
        None,
        Some(Rating::SangatTinggi),
        Some(Rating::Tinggi),
        Some(Rating::Sedang),
        Some(Rating::Rendah),
        Some(Rating::SangatRendah),
    ] {
        line(format!("rating {r:?}"), &|l| {
            present::rating(l, r).to_owned()
        });
    }
    for c in [
        ComplianceState::OnTime,
        ComplianceState::Late,
        ComplianceState::Missing,
        ComplianceState::Open,
    ] {
        line(format!("compliance {c:?}"), &|l| {
            format!(
                "{} {}",
                present::compliance_mark(c),
                present::compliance(l, c)
            )
        });
    }
    for v in [FinalVerdict::Achieved, FinalVerdict::NotAchieved] {
        line(format!("final_verdict {v:?}"), &|l| {
            present::final_verdict(l, v).to_owned()
        });
    }
    for e in [
        EntryStatus::Submitted,
        EntryStatus::Verified,
        EntryStatus::Returned,
    ] {
        line(format!("entry_status {e:?}"), &|l| {
            present::entry_status(l, e).to_owned()
        });
    }
    for f in [
        FollowUpState::Open,
        FollowUpState::Done,
        FollowUpState::Overdue,
    ] {
        line(format!("follow_up_state {f:?}"), &|l| {
            present::follow_up_state(l, f).to_owned()
        });
    }
    for r in [
        Role::Admin,
        Role::Evaluator,
        Role::Operator,
        Role::Leader,
        Role::Finance,
    ] {
        line(format!("role {r:?}"), &|l| present::role(l, r).to_owned());
    }
    for k in [Kind::Sum, Kind::Last, Kind::Milestone] {
        line(format!("kind {k:?}"), &|l| present::kind(l, k).to_owned());
    }
    for p in [Polarity::Higher, Polarity::Lower] {
        line(format!("polarity {p:?}"), &|l| {
            present::polarity(l, p).to_owned()
        });
    }
    insta::assert_snapshot!(out);
}

// ---- edge cases, asserted directly -----------------------------------------

#[test]
fn percentages_round_half_away_from_zero() {
    assert_eq!(present::pct(Lang::Id, Some(dec("90.995"))), "91,00%");
    assert_eq!(present::pct(Lang::En, Some(dec("90.995"))), "91.00%");
    assert_eq!(present::pct(Lang::Id, Some(dec("-90.995"))), "-91,00%");
    assert_eq!(present::pct(Lang::Id, Some(dec("97.5"))), "97,50%");
    assert_eq!(present::rate(Lang::En, Some(dec("0.975"))), "97.50%");
}

#[test]
fn zero_none_and_negative() {
    assert_eq!(present::pct(Lang::Id, Some(Decimal::ZERO)), "0,00%");
    assert_eq!(present::pct(Lang::Id, None), present::NONE);
    assert_eq!(present::number(Lang::En, None), present::NONE);
    assert_eq!(present::rating(Lang::Id, None), present::NONE);
    // A value that rounds to zero carries no minus.
    assert_eq!(present::number(Lang::Id, Some(dec("-0.001"))), "0");
    assert_eq!(
        present::number(Lang::Id, Some(dec("-1234567.891"))),
        "-1.234.567,89"
    );
    assert_eq!(present::number(Lang::En, Some(dec("1250.50"))), "1,250.5");
    assert_eq!(present::count(Lang::Id, -12_500), "-12.500");
    assert_eq!(present::rupiah(Lang::Id, -1_250), "-Rp 1.250");
}

#[test]
fn very_large_rupiah() {
    assert_eq!(
        present::rupiah(Lang::Id, i64::MAX),
        "Rp 9.223.372.036.854.775.807"
    );
    assert_eq!(
        present::rupiah(Lang::En, i64::MIN),
        "-Rp 9,223,372,036,854,775,808"
    );
    assert_eq!(
        present::rupiah_short(Lang::Id, 4_560_000_000_000),
        "Rp 4,56 T"
    );
    assert_eq!(
        present::rupiah_short(Lang::En, 1_234_567_890_123_456),
        "Rp 1,234.57 tn"
    );
    // Rounding up into the next scale names that scale.
    assert_eq!(
        present::rupiah_short(Lang::Id, 999_995_000_000),
        "Rp 1,00 T"
    );
    assert_eq!(present::rupiah_short(Lang::En, 999_995_000), "Rp 1.00 bn");
    assert_eq!(present::rupiah_short(Lang::Id, 999_999), "Rp 999.999");
    assert_eq!(present::rupiah_short(Lang::Id, 999_994_999), "Rp 999,99 jt");
}

#[test]
fn periods_across_months_and_years() {
    let across_months = a_period(2, "2025-03-28", "2025-04-03");
    assert_eq!(
        present::period(Lang::Id, &across_months),
        "Minggu ke-2 (28 Maret – 3 April 2025)"
    );
    assert_eq!(
        present::period(Lang::En, &across_months),
        "Week 2 (28 March – 3 April 2025)"
    );
    let across_years = a_period(44, "2025-12-29", "2026-01-04");
    assert_eq!(
        present::period(Lang::Id, &across_years),
        "Minggu ke-44 (29 Desember 2025 – 4 Januari 2026)"
    );
    let within = a_period(9, "2025-04-18", "2025-04-24");
    assert_eq!(
        present::period(Lang::Id, &within),
        "Minggu ke-9 (18–24 April 2025)"
    );
    assert_eq!(
        present::period(Lang::En, &within),
        "Week 9 (18–24 April 2025)"
    );
}

#[test]
fn indonesian_zones() {
    let at = instant("2025-02-28T01:00:00Z");
    assert_eq!(
        present::moment(Lang::Id, chrono_tz::Asia::Makassar, at),
        "28 Februari 2025 pukul 09.00 WITA"
    );
    assert_eq!(
        present::moment(Lang::En, chrono_tz::Asia::Jayapura, at),
        "28 February 2025, 10:00 WIT"
    );
    assert_eq!(
        present::moment(Lang::Id, chrono_tz::Asia::Pontianak, at),
        "28 Februari 2025 pukul 08.00 WIB"
    );
}

#[test]
fn figures_as_of_a_date_and_a_moment() {
    let tz = chrono_tz::Asia::Jakarta;
    let date_only = AsOf {
        instant: instant("2025-04-25T17:00:00Z"),
        local_date: day("2025-04-25"),
        date_only: true,
    };
    assert_eq!(
        present::figures_as_of(Lang::Id, tz, &date_only),
        "Angka per akhir 25 April 2025"
    );
    assert_eq!(
        present::figures_as_of(Lang::En, tz, &date_only),
        "Figures as of the end of 25 April 2025"
    );
    let moment = AsOf {
        instant: instant("2025-04-25T02:00:00Z"),
        local_date: day("2025-04-25"),
        date_only: false,
    };
    assert_eq!(
        present::figures_as_of(Lang::Id, tz, &moment),
        "Angka per 25 April 2025 pukul 09.00 WIB"
    );
    assert_eq!(
        present::figures_as_of(Lang::En, tz, &moment),
        "Figures as of 25 April 2025, 09:00 WIB"
    );
}

#[test]
fn weekday_and_moment_with_weekday() {
    insta::assert_snapshot!(table(
        &zones(),
        |(tz, at)| format!("{at} {tz}"),
        |l, (tz, at)| present::moment_with_weekday(l, *tz, instant(at))
    ));
    assert_eq!(present::weekday(Lang::Id, chrono::Weekday::Fri), "Jumat");
    assert_eq!(present::weekday(Lang::En, chrono::Weekday::Sun), "Sunday");
}

#[test]
fn monthly_figures_and_short_months_in_both_languages() {
    assert_eq!(
        present::figures_as_of_month(Lang::Id, 2025, 10),
        "Angka per akhir Oktober 2025"
    );
    assert_eq!(
        present::figures_as_of_month(Lang::En, 2025, 10),
        "Figures as of the end of October 2025"
    );
    assert_eq!(present::month_short(Lang::Id, 8), "Agu");
    assert_eq!(present::month_short(Lang::En, 8), "Aug");
    assert_eq!(present::month_short(Lang::Id, 13), present::NONE);
    assert_eq!(present::month_short(Lang::En, 0), present::NONE);
}

const TICKS: [(f64, usize); 18] = [
    (0.0, 0),
    (-0.0, 2),
    (-0.001, 2),
    (5.0, 0),
    (2.5, 1),
    (0.25, 2),
    (-12.5, 1),
    (97.5, 2),
    (1250.5, 1),
    (-1_234_567.0, 0),
    (999_999_999_999.0, 0),
    (1e12, 0),
    (1.5e13, 2),
    (-7.9e28, 0),
    (0.123_456_789, 9),
    (f64::NAN, 1),
    (f64::INFINITY, 0),
    (1.0 / 3.0, 2),
];

#[test]
fn tick_and_tick_pct() {
    insta::assert_snapshot!(table(
        &TICKS,
        |(v, d)| format!("{v:?} /{d}"),
        |l, (v, d)| format!(
            "{} / {}",
            present::tick(l, *v, *d),
            present::tick_pct(l, *v, *d)
        )
    ));
}

#[test]
fn rupiah_axis() {
    let amounts = [
        0.0, 4e8, 1e9, 2.5e9, 9.94e9, 9.96e9, 10e9, 238.21e9, 1_500e9, -2.5e9, -25e9,
    ];
    insta::assert_snapshot!(table(
        &amounts,
        |a| format!("{a:?}"),
        |l, a| present::rupiah_axis(l, *a)
    ));
}

#[test]
fn date_tick_date_short_and_period_tick() {
    let dates = ["2025-03-01", "2025-08-17", "2025-12-31", "2026-01-05"].map(day);
    insta::assert_snapshot!(table(
        &dates,
        |d| d.to_string(),
        |l, d| format!(
            "{} / {} / {}",
            present::date_tick(l, *d),
            present::date_short(l, *d),
            present::period_tick(l, d.ordinal() / 7 + 1)
        )
    ));
}
