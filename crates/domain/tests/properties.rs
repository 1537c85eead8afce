//! Property tests: the calendar partitions every program, achievement and
//! rating are monotone, the engine is total on valid bundles, and
//! `verified_only` never adds realisation.

mod common;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use pantau_domain::bundle::{Kind, Polarity};
use pantau_domain::calendar::local_instant;
use pantau_domain::rating::{Rating, achievement};
use pantau_domain::{Calendar, Options, evaluate, load};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];
const WEEKDAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
/// Indonesia's three zones and a few with daylight saving, midnight changes
/// (Santiago) and half-hour changes (Lord Howe).
const ZONES: [Tz; 6] = [
    chrono_tz::Asia::Jakarta,
    chrono_tz::Asia::Makassar,
    chrono_tz::Asia::Jayapura,
    chrono_tz::Europe::Berlin,
    chrono_tz::America::Santiago,
    chrono_tz::Australia::Lord_Howe,
];
const STATUS_NAMES: [&str; 3] = ["submitted", "verified", "returned"];
const OFFSETS: [&str; 5] = ["+07:00", "Z", "+09:00", "-05:00", "+05:45"];

fn base_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 1).unwrap()
}

// ---------------------------------------------------------------------------
// Calendar
// ---------------------------------------------------------------------------

proptest! {
    #[test]
    fn periods_partition_the_program_and_deadlines_follow_their_period(
        start_offset in 0u32..2000,
        len in 1u32..=400,
        weekday in 0usize..7,
        hour in 0u32..24,
        minute in 0u32..60,
        zone in 0usize..ZONES.len(),
    ) {
        let start = base_date() + Duration::days(i64::from(start_offset));
        let end = start + Duration::days(i64::from(len) - 1);
        let tz = ZONES[zone];
        let time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap();
        let cal = Calendar::new(start, end, tz, WEEKDAYS[weekday], time, None).unwrap();
        let periods = cal.periods();

        prop_assert!(!periods.is_empty());
        prop_assert_eq!(periods[0].start, start);
        prop_assert_eq!(periods.last().unwrap().end, end);
        prop_assert_eq!(cal.days_total(), i64::from(len));
        let mut covered = 0;
        for (i, p) in periods.iter().enumerate() {
            prop_assert_eq!(p.index as usize, i + 1);
            prop_assert!(p.start <= p.end, "empty period {:?}", p);
            covered += (p.end - p.start).num_days() + 1;
            if i > 0 {
                // No gap, no overlap, and each later period begins on the evaluation day.
                prop_assert_eq!(periods[i - 1].end.succ_opt().unwrap(), p.start);
                prop_assert_eq!(p.start.weekday(), WEEKDAYS[weekday]);
            }
            // No evaluation day inside a period except at its start.
            for d in p.start.iter_days().skip(1).take_while(|d| *d <= p.end) {
                prop_assert_ne!(d.weekday(), WEEKDAYS[weekday]);
            }
            // Every day maps back to its period.
            prop_assert_eq!(cal.period_position(p.start), Some(i));
            prop_assert_eq!(cal.period_position(p.end), Some(i));
            // The deadline is no earlier than the start of the day after the period.
            let next_day = p.end.succ_opt().unwrap();
            let next_midnight = cal.start_of_day(next_day);
            prop_assert!(
                p.deadline >= next_midnight,
                "period {:?}: deadline {} before {}", p, p.deadline, next_midnight
            );
            prop_assert_eq!(p.deadline, local_instant(tz, next_day, time));
            prop_assert_eq!(cal.local_date(p.deadline), next_day);
        }
        prop_assert_eq!(covered, i64::from(len));
        prop_assert_eq!(cal.period_position(start.pred_opt().unwrap()), None);
        prop_assert_eq!(cal.period_position(end.succ_opt().unwrap()), None);
    }

    #[test]
    fn day_is_the_clamped_count_of_days(
        len in 1i64..=400,
        offset in -100i64..600,
    ) {
        let start = NaiveDate::from_ymd_opt(2025, 2, 22).unwrap();
        let end = start + Duration::days(len - 1);
        let cal = Calendar::new(
            start, end, chrono_tz::Asia::Jakarta, Weekday::Fri,
            NaiveTime::from_hms_opt(9, 0, 0).unwrap(), None,
        ).unwrap();
        let date = start + Duration::days(offset);
        prop_assert_eq!(cal.day(date), (offset + 1).clamp(0, len));
        let as_of = cal.parse_as_of(&date.to_string()).unwrap();
        prop_assert_eq!(as_of.local_date, date);
        prop_assert!(as_of.date_only);
        prop_assert!(as_of.instant < cal.start_of_day(date.succ_opt().unwrap()));
        prop_assert!(as_of.instant >= cal.start_of_day(date) + Duration::hours(23));
    }
}

// ---------------------------------------------------------------------------
// Achievement and rating
// ---------------------------------------------------------------------------

fn decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (-1_000_000i64..1_000_000).prop_map(|c| Decimal::new(c, 2)),
        (-1_000_000_000_000i64..1_000_000_000_000).prop_map(|c| Decimal::new(c, 3)),
        (-100i64..100).prop_map(Decimal::from),
    ]
}

proptest! {
    #[test]
    fn achievement_rises_with_realisation_for_higher(
        a in decimal(), b in decimal(), t in decimal(), last in any::<bool>(),
    ) {
        prop_assume!(!t.is_zero());
        let t = t.abs();
        let (r1, r2) = if a <= b { (a, b) } else { (b, a) };
        let kind = if last { Kind::Last } else { Kind::Sum };
        let (a1, a2) = (
            achievement(kind, Polarity::Higher, r1, t),
            achievement(kind, Polarity::Higher, r2, t),
        );
        prop_assert!(a1 <= a2, "R {} -> {}, R {} -> {} (T {})", r1, a1, r2, a2, t);
        prop_assert!(Rating::of(a1) <= Rating::of(a2));
    }

    #[test]
    fn achievement_falls_with_realisation_for_lower(
        a in decimal(), b in decimal(), t in decimal(),
    ) {
        // T = 0 is allowed for lower.
        let t = t.abs();
        let (r1, r2) = if a <= b { (a, b) } else { (b, a) };
        let (a1, a2) = (
            achievement(Kind::Last, Polarity::Lower, r1, t),
            achievement(Kind::Last, Polarity::Lower, r2, t),
        );
        prop_assert!(a1 >= a2, "R {} -> {}, R {} -> {} (T {})", r1, a1, r2, a2, t);
        prop_assert!(a1 >= Decimal::ZERO && a2 >= Decimal::ZERO, "floored at 0");
        prop_assert!(Rating::of(a1) >= Rating::of(a2));
    }

    #[test]
    fn achievement_is_rounded_to_two_decimals(
        r in decimal(), t in decimal(), lower in any::<bool>(),
    ) {
        prop_assume!(!t.is_zero());
        let polarity = if lower { Polarity::Lower } else { Polarity::Higher };
        let a = achievement(Kind::Last, polarity, r, t.abs());
        prop_assert_eq!(a, a.round_dp(2));
    }

    #[test]
    fn the_rating_never_falls_as_achievement_rises(
        a in -20_000i64..40_000, b in -20_000i64..40_000,
    ) {
        let (x, y) = (Decimal::new(a.min(b), 2), Decimal::new(a.max(b), 2));
        prop_assert!(Rating::of(x) <= Rating::of(y), "{} -> {:?}, {} -> {:?}", x, Rating::of(x), y, Rating::of(y));
    }
}

#[test]
fn ratings_are_ordered_from_sangat_rendah_to_sangat_tinggi() {
    // The monotonicity properties compare ratings with Ord: check that order.
    let order = [
        Rating::of(Decimal::ZERO),
        Rating::of(Decimal::from(51)),
        Rating::of(Decimal::from(66)),
        Rating::of(Decimal::from(76)),
        Rating::of(Decimal::from(91)),
    ];
    assert_eq!(
        order,
        [
            Rating::SangatRendah,
            Rating::Rendah,
            Rating::Sedang,
            Rating::Tinggi,
            Rating::SangatTinggi
        ]
    );
    assert!(order.windows(2).all(|w| w[0] < w[1]));
}

// ---------------------------------------------------------------------------
// The engine on random valid bundles
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct TargetSpec {
    kind: u8,
    lower: bool,
    unit: usize,
    priority: Option<usize>,
    baseline: i64,
    target: i64,
    plan: Vec<(u16, i64)>,
    due: Option<u16>,
    explicit_milestone_values: bool,
}

#[derive(Debug, Clone)]
struct EntrySpec {
    target: usize,
    day: u16,
    minutes_after_midnight: u32,
    offset: usize,
    value: i64,
    big: bool,
    status: u8,
}

#[derive(Debug, Clone)]
struct NilSpec {
    unit: usize,
    day: u16,
    minutes_after_midnight: u32,
}

#[derive(Debug, Clone)]
struct BudgetSpec {
    unit: usize,
    year: i32,
    pagu: u64,
    months: Vec<(u32, u64, u16, Option<u8>)>,
    as_strings: bool,
}

#[derive(Debug, Clone)]
struct Spec {
    start_offset: u32,
    len: u32,
    weekday: usize,
    deadline: (u32, u32),
    final_deadline: Option<(u16, u32)>,
    thresholds: Option<(u8, u8)>,
    zone: usize,
    n_clusters: usize,
    units: Vec<Option<usize>>,
    n_priorities: usize,
    targets: Vec<TargetSpec>,
    entries: Vec<EntrySpec>,
    nils: Vec<NilSpec>,
    budgets: Vec<BudgetSpec>,
    margin: Option<u8>,
    as_of_day: i32,
    as_of_moment: Option<(u32, usize)>,
}

fn target_spec() -> impl Strategy<Value = TargetSpec> {
    (
        (
            0u8..3,
            any::<bool>(),
            0usize..8,
            prop::option::of(0usize..4),
        ),
        (-50_000i64..50_000, -50_000i64..50_000),
        prop::collection::vec((any::<u16>(), -50_000i64..50_000), 0..4),
        prop::option::of(any::<u16>()),
        any::<bool>(),
    )
        .prop_map(
            |((kind, lower, unit, priority), (baseline, target), plan, due, explicit)| TargetSpec {
                kind,
                lower,
                unit,
                priority,
                baseline,
                target,
                plan,
                due,
                explicit_milestone_values: explicit,
            },
        )
}

fn entry_spec() -> impl Strategy<Value = EntrySpec> {
    (
        0usize..16,
        any::<u16>(),
        0u32..(60 * 24 * 30),
        0usize..OFFSETS.len(),
        -100_000i64..100_000,
        prop::bool::weighted(0.05),
        0u8..3,
    )
        .prop_map(
            |(target, day, minutes_after_midnight, offset, value, big, status)| EntrySpec {
                target,
                day,
                minutes_after_midnight,
                offset,
                value,
                big,
                status,
            },
        )
}

fn nil_spec() -> impl Strategy<Value = NilSpec> {
    (0usize..8, any::<u16>(), 0u32..(60 * 24 * 20)).prop_map(
        |(unit, day, minutes_after_midnight)| NilSpec {
            unit,
            day,
            minutes_after_midnight,
        },
    )
}

fn budget_spec() -> impl Strategy<Value = BudgetSpec> {
    (
        0usize..8,
        2023i32..2027,
        0u64..10_000_000_000_000,
        prop::collection::vec(
            (
                1u32..=12,
                0u64..5_000_000_000_000,
                0u16..=1000,
                prop::option::of(0u8..=100),
            ),
            0..6,
        ),
        any::<bool>(),
    )
        .prop_map(|(unit, year, pagu, months, as_strings)| BudgetSpec {
            unit,
            year,
            pagu,
            months,
            as_strings,
        })
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (
            0u32..1200,
            1u32..=150,
            0usize..7,
            (0u32..24, 0u32..60),
            prop::option::of((0u16..5, 0u32..1440)),
            prop::option::of((0u8..=100, 0u8..=80)),
            0usize..ZONES.len(),
        ),
        (
            0usize..3,
            prop::collection::vec(prop::option::of(0usize..3), 1..5),
            0usize..4,
        ),
        (
            prop::collection::vec(target_spec(), 0..7),
            prop::collection::vec(entry_spec(), 0..20),
            prop::collection::vec(nil_spec(), 0..6),
            prop::collection::vec(budget_spec(), 0..4),
            prop::option::of(0u8..=30),
        ),
        (
            -40i32..200,
            prop::option::of((0u32..86_400, 0usize..OFFSETS.len())),
        ),
    )
        .prop_map(
            |(
                (start_offset, len, weekday, deadline, final_deadline, thresholds, zone),
                (n_clusters, units, n_priorities),
                (targets, entries, nils, budgets, margin),
                (as_of_day, as_of_moment),
            )| Spec {
                start_offset,
                len,
                weekday,
                deadline,
                final_deadline,
                thresholds,
                zone,
                n_clusters,
                units,
                n_priorities,
                targets,
                entries,
                nils,
                budgets,
                margin,
                as_of_day,
                as_of_moment,
            },
        )
}

fn cents(c: i64) -> f64 {
    c as f64 / 100.0
}

/// An RFC 3339 moment `minutes` after local midnight of `date` in `tz`, written with `offset`.
fn moment_after(tz: Tz, date: NaiveDate, minutes: u32, offset: &str) -> String {
    let instant = local_instant(tz, date, NaiveTime::MIN) + Duration::minutes(i64::from(minutes));
    let fixed: FixedOffset = if offset == "Z" {
        FixedOffset::east_opt(0).unwrap()
    } else {
        offset.parse().unwrap()
    };
    let t: DateTime<FixedOffset> = instant.with_timezone(&fixed);
    if offset == "Z" {
        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    } else {
        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    }
}

/// Build a valid bundle from a spec, and the as_of text.
fn build(spec: &Spec) -> (Value, String) {
    let start = base_date() + Duration::days(i64::from(spec.start_offset));
    let len = spec.len;
    let end = start + Duration::days(i64::from(len) - 1);
    let tz = ZONES[spec.zone];
    let day = |d: u16| start + Duration::days(i64::from(u32::from(d) % len));

    let clusters: Vec<Value> = (0..spec.n_clusters)
        .map(|c| json!({"code": format!("C{c}"), "name": format!("Asda {c}")}))
        .collect();
    let units: Vec<Value> = spec
        .units
        .iter()
        .enumerate()
        .map(|(u, cluster)| {
            let mut unit = json!({"code": format!("U{u}"), "name": format!("Unit {u}")});
            if let Some(c) = cluster
                && spec.n_clusters > 0
            {
                unit["cluster"] = json!(format!("C{}", c % spec.n_clusters));
            }
            unit
        })
        .collect();
    let n_units = spec.units.len();
    let priorities: Vec<Value> = (0..spec.n_priorities)
        .map(|p| json!({"code": format!("P{p}"), "name": format!("Prioritas {p}")}))
        .collect();

    let mut kinds = Vec::new();
    let mut targets = Vec::new();
    for (i, t) in spec.targets.iter().enumerate() {
        let kind = ["sum", "last", "milestone"][t.kind as usize];
        let mut target = json!({
            "code": format!("T{i}"), "unit": format!("U{}", t.unit % n_units),
            "name": format!("Target {i}"), "kind": kind,
        });
        if let Some(p) = t.priority
            && spec.n_priorities > 0
        {
            target["priority"] = json!(format!("P{}", p % spec.n_priorities));
        }
        match kind {
            "milestone" => {
                target["polarity"] = json!("higher");
                if t.explicit_milestone_values {
                    target["baseline"] = json!(0);
                    target["target"] = json!(1);
                }
                if let Some(d) = t.due {
                    target["due"] = json!(day(d).to_string());
                }
            }
            _ => {
                let lower = kind == "last" && t.lower;
                target["polarity"] = json!(if lower { "lower" } else { "higher" });
                let baseline = if kind == "sum" {
                    t.baseline.abs()
                } else {
                    t.baseline
                };
                let goal = if !lower && t.target == 0 { 1 } else { t.target };
                target["baseline"] = json!(cents(baseline));
                target["target"] = json!(cents(goal));
                if !t.plan.is_empty() {
                    target["plan"] = Value::Array(
                        t.plan
                            .iter()
                            .map(|(d, v)| json!({"date": day(*d).to_string(), "value": cents(*v)}))
                            .collect(),
                    );
                }
            }
        }
        kinds.push(kind);
        targets.push(target);
    }

    let mut entries = Vec::new();
    if !targets.is_empty() {
        for e in &spec.entries {
            let t = e.target % targets.len();
            let activity = day(e.day);
            let value = match kinds[t] {
                "milestone" => json!(e.value.rem_euclid(2)),
                "sum" if e.big => json!(e.value.unsigned_abs() as f64 * 1e12),
                "sum" => json!(cents(e.value.abs())),
                _ if e.big => json!(e.value as f64 * 1e12),
                _ => json!(cents(e.value)),
            };
            entries.push(json!({
                "target": format!("T{t}"),
                "activity_date": activity.to_string(),
                "submitted_at": moment_after(tz, activity, e.minutes_after_midnight, OFFSETS[e.offset]),
                "value": value,
                "status": STATUS_NAMES[e.status as usize],
            }));
        }
    }
    let nil_reports: Vec<Value> = spec
        .nils
        .iter()
        .map(|n| {
            let date = day(n.day);
            json!({
                "unit": format!("U{}", n.unit % n_units),
                "date": date.to_string(),
                "submitted_at": moment_after(tz, date, n.minutes_after_midnight, "+07:00"),
            })
        })
        .collect();

    let mut program = json!({
        "code": "PRG", "name": "Program", "start": start.to_string(), "end": end.to_string(),
        "evaluation_weekday": WEEKDAY_NAMES[spec.weekday],
        "deadline_time": format!("{:02}:{:02}", spec.deadline.0, spec.deadline.1),
        "targets": targets, "entries": entries, "nil_reports": nil_reports,
    });
    if let Some((days_after, minutes)) = spec.final_deadline {
        let date = end + Duration::days(i64::from(days_after));
        program["final_deadline"] = json!(moment_after(tz, date, minutes, "+07:00"));
    }
    if let Some((at_risk, extra)) = spec.thresholds {
        let at_risk = f64::from(at_risk) / 100.0;
        program["thresholds"] =
            json!({"at_risk": at_risk, "on_track": at_risk + f64::from(extra) / 100.0});
    }

    let mut budgets = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for b in &spec.budgets {
        let unit = b.unit % n_units;
        if !seen.insert((unit, b.year)) {
            continue;
        }
        let amount = |x: u64| {
            if b.as_strings {
                json!(x.to_string())
            } else {
                json!(x)
            }
        };
        let mut months_seen = std::collections::HashSet::new();
        let mut remaining = b.pagu;
        let mut months = Vec::new();
        let mut listed: Vec<_> = b
            .months
            .iter()
            .filter(|m| months_seen.insert(m.0))
            .collect();
        // Realised spending to date must stay within the pagu, month by month.
        listed.sort_by_key(|m| m.0);
        for (month, planned, share, physical) in listed {
            let realised = (u128::from(remaining) * u128::from(*share) / 1000) as u64;
            remaining -= realised;
            let mut m =
                json!({"month": month, "planned": amount(*planned), "realised": amount(realised)});
            if let Some(p) = physical {
                m["physical_pct"] = json!(p);
            }
            months.push(m);
        }
        budgets.push(json!({"unit": format!("U{unit}"), "year": b.year, "pagu": amount(b.pagu), "months": months}));
    }

    let mut bundle = json!({
        "format": "pantau-bundle/1",
        "region": {"code": "9999", "name": "Kabupaten Uji", "timezone": tz.name()},
        "clusters": clusters, "units": units, "priorities": priorities,
        "programs": [program],
    });
    if !budgets.is_empty() {
        bundle["budgets"] = Value::Array(budgets);
    }
    if let Some(m) = spec.margin {
        bundle["budget_flag_margin"] = json!(m);
    }

    let as_of_date = start + Duration::days(i64::from(spec.as_of_day));
    let as_of = match spec.as_of_moment {
        None => as_of_date.to_string(),
        Some((secs, offset)) => {
            let offset = OFFSETS[offset];
            format!(
                "{}T{:02}:{:02}:{:02}{}",
                as_of_date,
                secs / 3600,
                secs / 60 % 60,
                secs % 60,
                offset
            )
        }
    };
    (bundle, as_of)
}

const STATUSES: [&str; 6] = [
    "achieved",
    "on_track",
    "at_risk",
    "off_track",
    "no_data",
    "not_achieved",
];

fn rating_code(pct: f64) -> &'static str {
    Rating::of(Decimal::try_from(pct).unwrap()).code()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_is_total_on_valid_bundles(spec in spec()) {
        let (bundle, as_of_text) = build(&spec);
        let text = bundle.to_string();
        let region = match load(&text) {
            Ok(region) => region,
            Err(refused) => {
                return Err(TestCaseError::fail(format!("valid bundle refused: {:#?}\n{bundle:#}", refused.problems)));
            }
        };
        let program = &region.programs[0];
        let cal = &program.calendar;
        let as_of = cal.parse_as_of(&as_of_text).unwrap();
        for options in [Options::default(), Options { verified_only: true }] {
            let evaluation = evaluate(&region, program, &as_of, options);
            let out = serde_json::to_string(&evaluation).expect("the evaluation serializes");
            let v: Value = serde_json::from_str(&out).unwrap();

            // Shape.
            prop_assert_eq!(v["targets"].as_array().unwrap().len(), spec.targets.len());
            prop_assert_eq!(v["units"].as_array().unwrap().len(), spec.units.len());
            prop_assert_eq!(v["periods"].as_array().unwrap().len(), cal.periods().len());
            prop_assert_eq!(v["days_total"].as_i64().unwrap(), i64::from(spec.len));
            let day = v["day"].as_i64().unwrap();
            prop_assert!((0..=i64::from(spec.len)).contains(&day));
            let after_end = as_of.local_date > cal.end;

            // Targets.
            for t in v["targets"].as_array().unwrap() {
                let status = t["status"].as_str().unwrap();
                prop_assert!(STATUSES.contains(&status), "{}", status);
                prop_assert!(t["expected"].is_number());
                if status == "no_data" {
                    for field in ["realized", "achievement_pct", "rating", "progress", "projected", "likely_to_miss"] {
                        prop_assert!(t[field].is_null(), "{} not null for no_data: {}", field, t);
                    }
                } else {
                    prop_assert!(t["realized"].is_number(), "{}", t);
                    let a = t["achievement_pct"].as_f64().unwrap();
                    prop_assert_eq!(t["rating"].as_str().unwrap(), rating_code(a), "{}", t);
                }
                if matches!(status, "achieved" | "not_achieved") {
                    prop_assert_eq!(&t["stale"], &json!(false));
                }
                if after_end {
                    prop_assert!(matches!(status, "achieved" | "no_data" | "not_achieved"), "{} after end", status);
                }
                prop_assert_eq!(t["projected"].is_null(), t["likely_to_miss"].is_null());
            }

            // Units and their compliance.
            let begun = cal.periods().iter().filter(|p| p.start <= as_of.local_date).count();
            let mut total = 0;
            for u in v["units"].as_array().unwrap() {
                let n = u["targets"].as_u64().unwrap();
                total += n;
                let counted: u64 = u["status_counts"].as_object().unwrap().values().map(|c| c.as_u64().unwrap()).sum();
                prop_assert_eq!(counted, n);
                let compliance = u["compliance"].as_array().unwrap();
                if n == 0 {
                    prop_assert!(compliance.is_empty());
                    prop_assert!(u["status"].is_null());
                } else {
                    prop_assert_eq!(compliance.len(), begun);
                    let a = u["achievement_pct"].as_f64().unwrap();
                    // Each target counts at most 100 (a `last` level below 0 may give less than 0).
                    prop_assert!(a <= 100.0, "unit mean {} above 100", a);
                }
                prop_assert_eq!(u["final"].is_null(), !(after_end && n > 0));
                prop_assert_eq!(u.get("budget").is_some(), !spec.budgets.is_empty());
            }
            prop_assert_eq!(total, spec.targets.len() as u64);
            prop_assert_eq!(v["summary"]["targets"].as_u64().unwrap(), total);
        }
    }

    #[test]
    fn verified_only_never_gives_more_realisation(spec in spec()) {
        let (bundle, as_of_text) = build(&spec);
        let region = load(&bundle.to_string()).map_err(|r| TestCaseError::fail(format!("{:?}", r.problems)))?;
        let program = &region.programs[0];
        let as_of = program.calendar.parse_as_of(&as_of_text).unwrap();
        let all = evaluate(&region, program, &as_of, Options::default());
        let verified = evaluate(&region, program, &as_of, Options { verified_only: true });
        for ((target, a), v) in program.targets.iter().zip(&all.targets).zip(&verified.targets) {
            // Fewer entries count: data under verified_only implies data by default.
            if v.realized.is_some() {
                prop_assert!(a.realized.is_some());
            }
            if target.kind == Kind::Sum
                && let (Some(ra), Some(rv)) = (a.realized, v.realized)
            {
                prop_assert!(rv <= ra, "{}: verified_only {} > default {}", target.code, rv, ra);
            }
        }
    }
}
