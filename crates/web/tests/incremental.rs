//! A report does not reload its region: the cache applies the rows changed
//! since its version. This checks, over random sequences of writes on both
//! backends, that the model so kept evaluates byte for byte as the region
//! loaded whole and validated from scratch.

mod support;

use chrono::{Days, NaiveDate, NaiveTime, TimeZone, Utc};
use pantau_domain::bundle::Kind;
use pantau_domain::model::Region;
use pantau_domain::{Options, evaluate};
use pantau_store::{Actor, EntryChange, EntryFilter, NewEntry, NewNilReport, Review, Store};
use pantau_web::evaluation::Cache;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;

/// One write, with its choices as numbers the test maps onto the region.
#[derive(Debug, Clone)]
enum Write {
    Create { target: usize, day: u64, value: u32 },
    Edit { pick: usize, day: u64, value: u32 },
    Verify { pick: usize },
    Return { pick: usize },
    Delete { pick: usize },
    Nil { unit: usize, day: u64 },
}

fn write() -> impl Strategy<Value = Write> {
    // Few days and one submission moment per day: entries of one target
    // often tie on (date, submitted_at), where only their order decides.
    let day = 0u64..6;
    prop_oneof![
        4 => (any::<usize>(), day.clone(), 0u32..40)
            .prop_map(|(target, day, value)| Write::Create { target, day, value }),
        2 => (any::<usize>(), day.clone(), 0u32..40)
            .prop_map(|(pick, day, value)| Write::Edit { pick, day, value }),
        2 => any::<usize>().prop_map(|pick| Write::Verify { pick }),
        1 => any::<usize>().prop_map(|pick| Write::Return { pick }),
        2 => any::<usize>().prop_map(|pick| Write::Delete { pick }),
        1 => (any::<usize>(), day).prop_map(|(unit, day)| Write::Nil { unit, day }),
    ]
}

/// The program's day `day` (from its start) and a moment in its office hours.
fn day_and_moment(region: &Region, day: u64) -> (NaiveDate, chrono::DateTime<Utc>) {
    let program = &region.programs[0];
    let date = program.calendar.start + Days::new(day * 9);
    let local = program
        .calendar
        .timezone
        .from_local_datetime(&date.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap()))
        .unwrap();
    (date, local.with_timezone(&Utc))
}

async fn apply(store: &dyn Store, region: &Region, write: &Write) {
    let program = &region.programs[0];
    let ids: Vec<i64> = store
        .entries(
            "3275",
            &EntryFilter {
                program: Some(program.code.clone()),
                limit: Some(100_000),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    let pick = |n: usize| ids.get(n % ids.len().max(1)).copied();
    let value_for = |target: usize, value: u32| match program.targets[target].kind {
        Kind::Milestone => Decimal::from(value % 2),
        _ => Decimal::from(value),
    };
    let actor = Actor::cli();
    // A write the store refuses (a verified entry edited, say) changes
    // nothing, which the check after it covers as well.
    let _ = match write {
        Write::Create { target, day, value } => {
            let target = target % program.targets.len();
            let (date, at) = day_and_moment(region, *day);
            let entry = NewEntry {
                program: program.code.clone(),
                target: program.targets[target].code.clone(),
                activity_date: date,
                value: value_for(target, *value),
                note: None,
                submitted_at: at,
            };
            store.create_entry("3275", &entry, &actor).await.map(|_| ())
        }
        Write::Edit {
            pick: n,
            day,
            value,
        } => match pick(*n) {
            Some(id) => {
                let row = store.entry("3275", id).await.unwrap().unwrap();
                let target = program
                    .targets
                    .iter()
                    .position(|t| t.code == row.target)
                    .unwrap();
                let (date, at) = day_and_moment(region, *day);
                let change = EntryChange {
                    activity_date: date,
                    value: value_for(target, *value),
                    note: None,
                    submitted_at: at,
                };
                store.update_entry("3275", id, &change, &actor).await
            }
            None => Ok(()),
        },
        Write::Verify { pick: n } => match pick(*n) {
            Some(id) => {
                store
                    .review_entry("3275", id, &Review::Verify, &actor)
                    .await
            }
            None => Ok(()),
        },
        Write::Return { pick: n } => match pick(*n) {
            Some(id) => {
                let review = Review::Return {
                    reason: "foto kurang jelas".into(),
                };
                store.review_entry("3275", id, &review, &actor).await
            }
            None => Ok(()),
        },
        Write::Delete { pick: n } => match pick(*n) {
            Some(id) => store.delete_entry("3275", id, &actor).await,
            None => Ok(()),
        },
        Write::Nil { unit, day } => {
            let (date, at) = day_and_moment(region, *day);
            let nil = NewNilReport {
                program: program.code.clone(),
                unit: region.units[unit % region.units.len()].code.clone(),
                date,
                reason: None,
                submitted_at: at,
            };
            store
                .create_nil_report("3275", &nil, &actor)
                .await
                .map(|_| ())
        }
    };
}

/// Every program's evaluation as JSON, at three moments, counting submitted
/// entries and verified ones only.
fn evaluations(region: &Region) -> Vec<String> {
    let mut out = Vec::new();
    for program in &region.programs {
        let cal = &program.calendar;
        for as_of in [
            cal.as_of_date(cal.start + Days::new(20)),
            cal.as_of_date(cal.start + Days::new(45)),
            cal.as_of_date(cal.end),
        ] {
            for verified_only in [false, true] {
                let evaluation = evaluate(region, program, &as_of, Options { verified_only });
                out.push(serde_json::to_string(&evaluation).unwrap());
            }
        }
    }
    out
}

async fn from_scratch(store: &dyn Store) -> Region {
    pantau_domain::validate(&store.region_bundle("3275").await.unwrap()).unwrap()
}

fn incremental_equals_from_scratch(backend: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(support::spawn_app(backend));
    let store = app.store.clone();
    let plan = runtime.block_on(from_scratch(store.as_ref()));
    // One cache lives through every case, as on a server: each case starts
    // from what the ones before it wrote.
    let cache = Cache::default();
    let cases = if backend == "sqlite" { 32 } else { 24 };
    let mut runner = TestRunner::new(Config::with_cases(cases));
    runner
        .run(
            &proptest::collection::vec((write(), any::<bool>()), 1..12),
            |writes| {
                runtime.block_on(async {
                    for (write, look_now) in &writes {
                        apply(store.as_ref(), &plan, write).await;
                        // The cache is sometimes read between writes, sometimes
                        // only after several: both paths bring it up to date.
                        if *look_now {
                            cache.region(store.as_ref(), "3275").await.unwrap();
                        }
                    }
                    let kept = cache.region(store.as_ref(), "3275").await.unwrap();
                    let whole = from_scratch(store.as_ref()).await;
                    prop_assert_eq!(evaluations(&kept), evaluations(&whole));
                    Ok(())
                })
            },
        )
        .unwrap();
    // The writes reached the model without a whole reload each time: the
    // region holds their entries (the sample's ~400 and more).
    let region = runtime
        .block_on(cache.region(store.as_ref(), "3275"))
        .unwrap();
    assert!(
        region.programs[0].entries.len() > 100,
        "{}",
        region.programs[0].entries.len()
    );
}

#[test]
fn sqlite_incremental_equals_from_scratch() {
    incremental_equals_from_scratch("sqlite");
}

#[test]
fn postgres_incremental_equals_from_scratch() {
    incremental_equals_from_scratch("postgres");
}
