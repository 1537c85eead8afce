//! Budget figures in the store, on SQLite and PostgreSQL alike: BPKAD's entry,
//! a unit's submission and its review, imports that replace a year all or
//! nothing, and refusals that write nothing. Every write shows in the region's
//! bundle (what the engine evaluates) and its version counters, with an audit record.

#[macro_use]
mod common;

use common::*;
use pantau_domain::bundle::{Bundle, Rupiah};
use pantau_store::budgets::{BudgetStatus, ImportedYear, MonthEntry, MonthFigures};
use pantau_store::{Review, StoreError};
use rust_decimal::Decimal;

backend_tests!(
    finance_sets_a_month_and_the_engine_reads_it,
    a_unit_submits_and_finance_reviews,
    refused_figures_write_nothing,
    import_replaces_the_listed_units_all_or_nothing,
    pagu_is_set_and_never_below_spending,
    entered_figures_round_trip_through_the_bundle,
    concurrent_writers_never_pass_the_pagu_together,
);

fn rp(amount: u128) -> Rupiah {
    Rupiah(amount)
}

fn month_of(
    bundle: &Bundle,
    unit: &str,
    year: i32,
    month: u32,
) -> Option<(u128, u128, Option<Decimal>)> {
    bundle
        .budgets
        .iter()
        .find(|b| b.unit == unit && b.year == year)?
        .months
        .iter()
        .find(|m| m.month == month)
        .map(|m| (m.planned.0, m.realised.0, m.physical_pct))
}

async fn sample_db(db: &Db) {
    import(&**db, &sample(), pantau_store::ImportMode::NewRegion).await;
}

/// The region as the engine reads it still validates.
async fn bundle(db: &Db) -> Bundle {
    let bundle = db.region_bundle("3275").await.unwrap();
    pantau_domain::validate(&bundle).expect("the stored region validates");
    bundle
}

async fn finance_sets_a_month_and_the_engine_reads_it(db: Db) {
    sample_db(&db).await;
    let before = db.region_version("3275").await.unwrap();
    let bpkad = actor("bpkad", None);
    let figures = MonthFigures {
        planned: rp(2_970_000_000),
        realised: rp(1_250_000_001),
        physical_pct: Some(Decimal::new(8125, 2)),
    };
    db.set_budget_month(
        "3275",
        "DP3A",
        2025,
        11,
        &MonthEntry::Finance(figures),
        &bpkad,
    )
    .await
    .unwrap();
    assert_eq!(
        month_of(&bundle(&db).await, "DP3A", 2025, 11),
        Some((2_970_000_000, 1_250_000_001, Some(Decimal::new(8125, 2))))
    );
    let after = db.region_version("3275").await.unwrap();
    assert!(after.plan > before.plan && after.data > before.data);

    let year = db.budget_year("3275", "DP3A", 2025).await.unwrap().unwrap();
    assert_eq!(year.pagu, rp(24_750_000_000));
    assert_eq!(year.months.len(), 12);
    let november = &year.months[10];
    assert_eq!(november.status, BudgetStatus::Verified);
    assert_eq!(november.entered_by.as_deref(), Some("bpkad"));

    let log = db.audit_log("3275", 1).await.unwrap();
    assert_eq!(log[0].entity, "budget_month");
    assert_eq!(log[0].entity_id.as_deref(), Some("DP3A/2025/11"));
    assert_eq!(log[0].before.as_ref().unwrap()["realised"], "0");
    assert_eq!(log[0].after.as_ref().unwrap()["realised"], "1250000001");

    // The region's year lists the units with a budget, in unit order.
    let years = db.budget_years("3275", 2025).await.unwrap();
    assert_eq!(years.len(), 20);
    assert_eq!(years[0].unit, "SETDA");
    assert!(db.budget_years("3275", 2024).await.unwrap().is_empty());
}

async fn a_unit_submits_and_finance_reviews(db: Db) {
    sample_db(&db).await;
    let unit = actor("op-dp3a", None);
    let bpkad = actor("bpkad", None);
    let submit = |realised: u128| MonthEntry::Unit {
        realised: rp(realised),
        physical_pct: Some(Decimal::from(80)),
    };
    // November carries only BPKAD's plan: open for the unit's actuals; the plan stays.
    db.set_budget_month("3275", "DP3A", 2025, 11, &submit(900_000_000), &unit)
        .await
        .unwrap();
    assert_eq!(
        month_of(&bundle(&db).await, "DP3A", 2025, 11),
        Some((2_970_000_000, 900_000_000, Some(Decimal::from(80))))
    );
    let waiting = db.budget_months_waiting("3275").await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!((waiting[0].unit.as_str(), waiting[0].month), ("DP3A", 11));
    assert_eq!(waiting[0].status, BudgetStatus::Submitted);

    // Returned: no longer counted, and a reason is needed.
    let no_reason = Review::Return { reason: " ".into() };
    assert!(matches!(
        db.review_budget_month("3275", "DP3A", 2025, 11, &no_reason, &bpkad)
            .await,
        Err(StoreError::Invalid { .. })
    ));
    let back = Review::Return {
        reason: "Lampirkan SP2D".into(),
    };
    db.review_budget_month("3275", "DP3A", 2025, 11, &back, &bpkad)
        .await
        .unwrap();
    assert_eq!(month_of(&bundle(&db).await, "DP3A", 2025, 11), None);
    assert!(db.budget_months_waiting("3275").await.unwrap().is_empty());
    let year = db.budget_year("3275", "DP3A", 2025).await.unwrap().unwrap();
    assert_eq!(year.months[10].status, BudgetStatus::Returned);
    assert_eq!(
        year.months[10].return_reason.as_deref(),
        Some("Lampirkan SP2D")
    );

    // Entered again, verified, then settled for the unit.
    db.set_budget_month("3275", "DP3A", 2025, 11, &submit(950_000_000), &unit)
        .await
        .unwrap();
    db.review_budget_month("3275", "DP3A", 2025, 11, &Review::Verify, &bpkad)
        .await
        .unwrap();
    assert_eq!(
        month_of(&bundle(&db).await, "DP3A", 2025, 11).map(|m| m.1),
        Some(950_000_000)
    );
    let again = db
        .set_budget_month("3275", "DP3A", 2025, 11, &submit(1), &unit)
        .await;
    assert!(matches!(again, Err(StoreError::Invalid { ref field, .. }) if field == "month"));
    assert!(matches!(
        db.review_budget_month("3275", "DP3A", 2025, 11, &Review::Verify, &bpkad)
            .await,
        Err(StoreError::Invalid { .. })
    ));
    // October's imported actuals are settled too.
    assert!(
        db.set_budget_month("3275", "DP3A", 2025, 10, &submit(1), &unit)
            .await
            .is_err()
    );
    let log = db.audit_log("3275", 10).await.unwrap();
    let actions: Vec<&str> = log.iter().take(4).map(|r| r.action.as_str()).collect();
    assert_eq!(actions[..4], ["verify", "submit", "return", "submit"]);
}

async fn refused_figures_write_nothing(db: Db) {
    sample_db(&db).await;
    let bpkad = actor("bpkad", None);
    let before = db.region_bundle("3275").await.unwrap();
    let log_before = db.audit_log("3275", 1000).await.unwrap().len();
    let version = db.region_version("3275").await.unwrap();
    let fin = |planned: u128, realised: u128, physical: Option<Decimal>| {
        MonthEntry::Finance(MonthFigures {
            planned: rp(planned),
            realised: rp(realised),
            physical_pct: physical,
        })
    };
    let cases: Vec<(&str, i32, u32, MonthEntry, &str)> = vec![
        // DP3A spent 17,949,626,000 to October of a 24,750,000,000 pagu.
        ("DP3A", 2025, 11, fin(0, 6_800_374_001, None), "realised"),
        ("DP3A", 2025, 13, fin(0, 1, None), "month"),
        ("DP3A", 2025, 0, fin(0, 1, None), "month"),
        (
            "DP3A",
            2025,
            11,
            fin(0, 1, Some(Decimal::new(10001, 2))),
            "physical_pct",
        ),
        (
            "DP3A",
            2025,
            11,
            fin(0, 1, Some(Decimal::from(-1))),
            "physical_pct",
        ),
        ("DP3A", 2030, 1, fin(0, 1, None), "pagu"),
        (
            "DP3A",
            2025,
            11,
            fin(u128::from(u64::MAX), 1, None),
            "planned",
        ),
    ];
    for (unit, year, month, entry, field) in cases {
        match db
            .set_budget_month("3275", unit, year, month, &entry, &bpkad)
            .await
        {
            Err(StoreError::Invalid {
                field: got,
                message,
            }) => {
                assert_eq!(got, field, "{message}")
            }
            other => panic!("{unit}/{year}/{month}: expected a refusal of {field}, got {other:?}"),
        }
    }
    assert!(matches!(
        db.set_budget_month("3275", "NOPE", 2025, 1, &fin(0, 0, None), &bpkad)
            .await,
        Err(StoreError::NotFound { what: "unit", .. })
    ));
    assert!(matches!(
        db.review_budget_month("3275", "DP3A", 2025, 11, &Review::Verify, &bpkad)
            .await,
        Err(StoreError::Invalid { .. })
    ));
    // Exactly the pagu is fine.
    db.set_budget_month(
        "3275",
        "DP3A",
        2025,
        12,
        &fin(4_950_000_000, 6_800_374_000, None),
        &bpkad,
    )
    .await
    .unwrap();
    let mut after = db.region_bundle("3275").await.unwrap();
    let dp3a = after.budgets.iter_mut().find(|b| b.unit == "DP3A").unwrap();
    dp3a.months[11].realised = Rupiah(0);
    assert!(after == before, "only December's realised changed");
    assert_eq!(
        db.audit_log("3275", 1000).await.unwrap().len(),
        log_before + 1
    );
    assert_eq!(
        db.region_version("3275").await.unwrap().plan,
        version.plan + 1
    );
}

async fn import_replaces_the_listed_units_all_or_nothing(db: Db) {
    sample_db(&db).await;
    let bpkad = actor("bpkad", None);
    let figures = |planned: u128, realised: u128| MonthFigures {
        planned: rp(planned),
        realised: rp(realised),
        physical_pct: None,
    };
    let good = vec![
        ImportedYear {
            unit: "DP3A".into(),
            pagu: rp(30_000_000_000),
            months: vec![(1, figures(1_000, 999)), (2, figures(2_000, 1_500))],
        },
        // A unit without a budget so far.
        ImportedYear {
            unit: "SETWAN".into(),
            pagu: rp(5_000),
            months: vec![(12, figures(5_000, 5_000))],
        },
    ];
    let before = db.region_bundle("3275").await.unwrap();
    let log_before = db.audit_log("3275", 1000).await.unwrap().len();

    // One bad unit refuses the whole import.
    for bad in [
        ImportedYear {
            unit: "NOPE".into(),
            pagu: rp(1),
            months: vec![],
        },
        ImportedYear {
            unit: "DLH".into(),
            pagu: rp(10),
            months: vec![(1, figures(0, 6)), (2, figures(0, 5))],
        },
        ImportedYear {
            unit: "DLH".into(),
            pagu: rp(10),
            months: vec![(1, figures(0, 1)), (1, figures(0, 1))],
        },
        ImportedYear {
            unit: "DP3A".into(),
            pagu: rp(10),
            months: vec![],
        },
    ] {
        let mut years = good.clone();
        years.push(bad.clone());
        assert!(
            db.replace_budget_years("3275", 2025, &years, &bpkad, None)
                .await
                .is_err(),
            "{bad:?}"
        );
        assert!(
            db.region_bundle("3275").await.unwrap() == before,
            "{bad:?} wrote nothing"
        );
    }
    assert_eq!(db.audit_log("3275", 1000).await.unwrap().len(), log_before);

    assert_eq!(
        db.replace_budget_years("3275", 2025, &good, &bpkad, None)
            .await
            .unwrap(),
        3
    );
    let after = bundle(&db).await;
    let dp3a = after
        .budgets
        .iter()
        .find(|b| b.unit == "DP3A" && b.year == 2025)
        .unwrap();
    assert_eq!(dp3a.pagu, rp(30_000_000_000));
    // The old months are gone, not merged.
    assert_eq!(dp3a.months.len(), 2);
    assert_eq!(
        month_of(&after, "SETWAN", 2025, 12),
        Some((5_000, 5_000, None))
    );
    // Units not listed keep theirs.
    assert_eq!(
        after.budgets.iter().find(|b| b.unit == "DLH"),
        before.budgets.iter().find(|b| b.unit == "DLH")
    );
    let log = db.audit_log("3275", 1).await.unwrap();
    assert_eq!(
        (log[0].action.as_str(), log[0].entity.as_str()),
        ("import", "budget")
    );
    assert_eq!(log[0].after.as_ref().unwrap()["months"], 3);
}

async fn pagu_is_set_and_never_below_spending(db: Db) {
    sample_db(&db).await;
    let bpkad = actor("bpkad", None);
    // A new year: created with its pagu and no months.
    db.set_budget_pagu("3275", "DP3A", 2026, rp(26_000_000_000), &bpkad)
        .await
        .unwrap();
    let year = db.budget_year("3275", "DP3A", 2026).await.unwrap().unwrap();
    assert_eq!((year.pagu, year.months.len()), (rp(26_000_000_000), 0));
    // Below what DP3A spent in 2025 (17,949,626,000): refused, nothing changes.
    let refused = db
        .set_budget_pagu("3275", "DP3A", 2025, rp(17_949_625_999), &bpkad)
        .await;
    assert!(matches!(refused, Err(StoreError::Invalid { ref field, .. }) if field == "pagu"));
    db.set_budget_pagu("3275", "DP3A", 2025, rp(17_949_626_000), &bpkad)
        .await
        .unwrap();
    let after = bundle(&db).await;
    let dp3a = after
        .budgets
        .iter()
        .find(|b| b.unit == "DP3A" && b.year == 2025)
        .unwrap();
    assert_eq!(dp3a.pagu, rp(17_949_626_000));
    let log = db.audit_log("3275", 1).await.unwrap();
    assert_eq!(log[0].before.as_ref().unwrap()["pagu"], "24750000000");
    assert_eq!(log[0].after.as_ref().unwrap()["pagu"], "17949626000");
}

/// What BPKAD and the units enter leaves in the region's bundle and, imported
/// elsewhere, evaluates the same; a returned month does not travel.
async fn entered_figures_round_trip_through_the_bundle(db: Db) {
    sample_db(&db).await;
    let bpkad = actor("bpkad", None);
    let unit = actor("op-dlh", None);
    db.set_budget_month(
        "3275",
        "DP3A",
        2025,
        11,
        &MonthEntry::Finance(MonthFigures {
            planned: rp(2_970_000_000),
            realised: rp(1_000_000_007),
            physical_pct: Some(Decimal::new(8050, 2)),
        }),
        &bpkad,
    )
    .await
    .unwrap();
    let submit = |realised: u128| MonthEntry::Unit {
        realised: rp(realised),
        physical_pct: None,
    };
    db.set_budget_month("3275", "DLH", 2025, 11, &submit(123), &unit)
        .await
        .unwrap();
    db.set_budget_month("3275", "DLH", 2025, 12, &submit(456), &unit)
        .await
        .unwrap();
    let back = Review::Return {
        reason: "Belum ada SP2D".into(),
    };
    db.review_budget_month("3275", "DLH", 2025, 12, &back, &bpkad)
        .await
        .unwrap();
    db.set_budget_pagu("3275", "SETWAN", 2026, rp(9_000_000_000), &bpkad)
        .await
        .unwrap();

    let exported = bundle(&db).await;
    assert_eq!(month_of(&exported, "DLH", 2025, 11).map(|m| m.1), Some(123));
    assert_eq!(month_of(&exported, "DLH", 2025, 12), None);
    let elsewhere = db.another().await;
    import(&*elsewhere, &exported, pantau_store::ImportMode::NewRegion).await;
    let again = elsewhere.region_bundle("3275").await.unwrap();
    assert!(again == exported, "export, import, export is identical");
    let region = pantau_domain::validate(&exported).unwrap();
    let region_again = pantau_domain::validate(&again).unwrap();
    for (year, month) in [(2025, 10), (2025, 11), (2025, 12), (2026, 1)] {
        assert_eq!(
            pantau_domain::budget::year_figures(&region, year, month),
            pantau_domain::budget::year_figures(&region_again, year, month)
        );
    }
    let whole = pantau_domain::budget::year_figures(&region, 2025, 12)
        .region
        .unwrap();
    let sample_region = pantau_domain::validate(&sample()).unwrap();
    let sample_whole = pantau_domain::budget::year_figures(&sample_region, 2025, 12)
        .region
        .unwrap();
    assert_eq!(
        whole.realised_to_date.0 - sample_whole.realised_to_date.0,
        1_000_000_007 + 123
    );
}

/// Twelve writers at once, each within the pagu alone, together beyond it:
/// exactly as many as fit are written, and the region still validates.
async fn concurrent_writers_never_pass_the_pagu_together(db: Db) {
    sample_db(&db).await;
    let bpkad = actor("bpkad", None);
    db.set_budget_pagu("3275", "SETWAN", 2025, rp(1_000), &bpkad)
        .await
        .unwrap();
    let writers = (1..=12u32).map(|month| {
        let store = db.store.clone();
        let bpkad = bpkad.clone();
        tokio::spawn(async move {
            let entry = MonthEntry::Finance(MonthFigures {
                planned: rp(100),
                realised: rp(100),
                physical_pct: None,
            });
            store
                .set_budget_month("3275", "SETWAN", 2025, month, &entry, &bpkad)
                .await
        })
    });
    let mut written = 0;
    for writer in writers.collect::<Vec<_>>() {
        match writer.await.unwrap() {
            Ok(()) => written += 1,
            Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "realised"),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(written, 10);
    let year = db
        .budget_year("3275", "SETWAN", 2025)
        .await
        .unwrap()
        .unwrap();
    let spent: u128 = year.months.iter().map(|m| m.realised.0).sum();
    assert_eq!(spent, 1_000);
    bundle(&db).await;
}
