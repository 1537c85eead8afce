//! The store's test suite: every test runs twice, once on SQLite
//! (`sqlite::NAME`) and once on PostgreSQL (`postgres::NAME`), each time on a
//! fresh, empty, migrated store. The PostgreSQL half needs a server:
//! `eval "$(scripts/postgres start)"` sets `PANTAU_TEST_POSTGRES_URL`; without
//! it those tests fail (they are never skipped).

#[macro_use]
mod common;

use std::str::FromStr;

use common::*;
use pantau_domain::bundle::Bundle;
use pantau_store::{ImportMode, NewAudit, RegionRow, Role, StoreError};
use rust_decimal::Decimal;
use serde_json::{Value, json};

backend_tests!(
    store_reports_its_backend_and_migrates_again,
    import_creates_the_region,
    export_evaluates_like_the_original,
    export_import_export_is_identical,
    new_region_twice_is_refused_and_changes_nothing,
    merge_of_the_same_bundle_adds_nothing,
    merge_adds_exactly_the_new_rows_and_updates_plan_rows_by_code,
    merge_creates_a_missing_region,
    refused_bundle_writes_nothing,
    refused_merge_writes_nothing,
    failure_in_the_database_mid_import_writes_nothing,
    regions_are_independent,
    users_are_per_region,
    create_user_for_each_role,
    create_user_refusals,
    password_hash_and_disabled_change,
    unknown_user,
    user_profile_is_kept_and_changed_with_its_audit_record,
    user_profile_refusals_change_nothing,
    audit_records_every_change,
    audit_before_is_the_previous_state,
    audit_log_is_newest_first_limited_and_per_region,
    amounts_and_decimals_round_trip_exactly,
    identical_entries_in_one_bundle_are_all_kept,
    sub_second_submission_moments_round_trip,
    entry_and_its_evidence_are_written_together,
    a_failing_evidence_insert_writes_no_entry,
    entry_values_follow_the_domain_rule,
    entries_are_paged_by_id,
    entries_are_searched_sorted_and_counted,
);

// ---------------------------------------------------------------------------
// Bundles used by several tests.

/// An entry the sample does not have (DP3A-01 is a `sum`: it raises realisation).
fn extra_entry() -> Value {
    json!({
        "target": "DP3A-01", "activity_date": "2025-05-03",
        "submitted_at": "2025-05-05T10:15:00+07:00",
        "value": 7, "status": "submitted", "note": "Revitalisasi posyandu di Mustikajaya"
    })
}

/// A nil report the sample does not have.
fn extra_nil_report() -> Value {
    json!({
        "unit": "DISNAKER", "date": "2025-04-01",
        "submitted_at": "2025-04-04T08:00:00+07:00", "reason": "Tidak ada kegiatan pekan ini"
    })
}

fn with_entry(mut doc: Value, entry: Value) -> Value {
    doc["programs"][0]["entries"]
        .as_array_mut()
        .unwrap()
        .push(entry);
    doc
}

/// Kabupaten Bekasi: the sample's codes (units, targets, program) with its own
/// names, a different unit order, every other entry, three nil reports and its
/// own pagu figures.
fn kabupaten() -> Value {
    let mut doc = sample_json();
    doc["region"] = json!({"code": "3216", "name": "Kabupaten Bekasi", "timezone": "Asia/Jakarta"});
    let units = doc["units"].as_array_mut().unwrap();
    units.reverse();
    for unit in units.iter_mut() {
        let name = format!("{} Kabupaten Bekasi", unit["name"].as_str().unwrap());
        unit["name"] = json!(name);
    }
    let program = &mut doc["programs"][0];
    program["name"] = json!("Program 100 Hari Kerja Bupati Bekasi");
    let entries: Vec<Value> = program["entries"]
        .as_array()
        .unwrap()
        .iter()
        .step_by(2)
        .cloned()
        .collect();
    program["entries"] = json!(entries);
    let nil: Vec<Value> = program["nil_reports"].as_array().unwrap()[..3].to_vec();
    program["nil_reports"] = json!(nil);
    for budget in doc["budgets"].as_array_mut().unwrap() {
        let pagu: u64 = match &budget["pagu"] {
            Value::String(s) => s.parse().unwrap(),
            other => other.as_u64().unwrap(),
        };
        budget["pagu"] = json!((pagu + 1_000_000).to_string());
    }
    doc
}

/// A small region with exact decimals and amounts above 2^53.
fn denpasar() -> Value {
    json!({
        "format": "pantau-bundle/1",
        "region": {"code": "5171", "name": "Kota Denpasar", "timezone": "Asia/Makassar"},
        "clusters": [{"code": "ASDA1", "name": "Asisten Pemerintahan"}],
        "units": [
            {"code": "U1", "name": "Dinas Satu", "cluster": "ASDA1"},
            {"code": "U2", "name": "Dinas Dua"}
        ],
        "priorities": [{"code": "P1", "name": "Prioritas Satu"}],
        "programs": [{
            "code": "100HK", "name": "Program 100 Hari Kerja",
            "start": "2025-02-22", "end": "2025-05-20",
            "evaluation_weekday": "monday", "deadline_time": "16:30",
            "final_deadline": "2025-05-22T12:00:00+08:00",
            "thresholds": {"on_track": 0.85, "at_risk": 0.65},
            "targets": [
                {"code": "T1", "unit": "U1", "priority": "P1", "name": "Jumlah", "measure": "km",
                 "kind": "sum", "polarity": "higher", "baseline": 0.5, "target": 1234.567,
                 "plan": [{"date": "2025-03-31", "value": 0.1}, {"date": "2025-04-30", "value": 600.25}]},
                {"code": "T2", "unit": "U1", "name": "Titik genangan",
                 "kind": "last", "polarity": "lower", "baseline": 12.75, "target": 3.3333},
                {"code": "T3", "unit": "U2", "priority": "P1", "name": "Perwali ditetapkan",
                 "kind": "milestone", "polarity": "higher", "due": "2025-04-30"}
            ],
            "entries": [
                {"target": "T1", "activity_date": "2025-02-24", "submitted_at": "2025-02-24T09:00:00+08:00",
                 "value": 0.1, "status": "verified", "note": "satu"},
                {"target": "T1", "activity_date": "2025-03-03", "submitted_at": "2025-03-03T01:00:00Z",
                 "value": 218.01, "status": "submitted"},
                {"target": "T1", "activity_date": "2025-03-10", "submitted_at": "2025-03-10T23:30:00+07:00",
                 "value": 0.2, "status": "verified"},
                {"target": "T1", "activity_date": "2025-03-11", "submitted_at": "2025-03-11T10:00:00+08:00",
                 "value": 0.0000001, "status": "returned", "note": "salah ketik"},
                {"target": "T2", "activity_date": "2025-03-01", "submitted_at": "2025-03-02T10:00:00+08:00",
                 "value": 10.5, "status": "verified"},
                {"target": "T2", "activity_date": "2025-04-01", "submitted_at": "2025-04-02T10:00:00+08:00",
                 "value": 3.25, "status": "submitted"},
                {"target": "T3", "activity_date": "2025-04-20", "submitted_at": "2025-04-21T10:00:00+08:00",
                 "value": 1}
            ],
            "nil_reports": [
                {"unit": "U2", "date": "2025-03-05", "submitted_at": "2025-03-10T15:00:00+08:00"}
            ]
        }],
        "budget_flag_margin": 7.5,
        "budgets": [
            {"unit": "U1", "year": 2025, "pagu": "9007199254740993",
             "months": [
                {"month": 1, "planned": "4503599627370497", "realised": "4503599627370495", "physical_pct": 12.34},
                {"month": 3, "planned": 1, "realised": 0}
             ]},
            {"unit": "U2", "year": 2025, "pagu": 18014398509481985u64,
             "months": [{"month": 2, "planned": 9007199254740993u64, "realised": 9007199254740991u64, "physical_pct": 0.1}]}
        ]
    })
}

async fn audit_count(db: &Db, region: &str) -> usize {
    db.audit_log(region, 1000).await.expect("audit log").len()
}

// ---------------------------------------------------------------------------
// Tests, each run on both backends.

async fn store_reports_its_backend_and_migrates_again(db: Db) {
    assert_eq!(
        db.backend(),
        db.backend,
        "the store reports the backend it was opened on"
    );
    assert!(
        db.regions().await.unwrap().is_empty(),
        "a fresh store is empty"
    );
    import(&*db, &sample(), ImportMode::NewRegion).await;
    db.migrate()
        .await
        .expect("migrating a migrated store again is a no-op");
    assert_eq!(
        export(&*db, "3275").await,
        sample(),
        "data survives a second migration"
    );
}

async fn import_creates_the_region(db: Db) {
    let bundle = sample();
    let summary = import(&*db, &bundle, ImportMode::NewRegion).await;
    assert_eq!(summary.region, "3275");
    assert!(summary.created);
    assert_eq!(summary.units, 44);
    assert_eq!(summary.programs, 1);
    assert_eq!(summary.targets, 24);
    assert_eq!(summary.entries_added, 369);
    assert_eq!(summary.nil_reports_added, 11);
    assert_eq!(summary.budgets, 20);
    assert_eq!(
        db.regions().await.unwrap(),
        vec![RegionRow {
            code: "3275".into(),
            name: "Kota Bekasi".into(),
            timezone: "Asia/Jakarta".into(),
        }]
    );
    match db.region_bundle("3216").await {
        Err(StoreError::UnknownRegion(code)) => assert_eq!(code, "3216"),
        other => panic!("export of a region not imported: expected UnknownRegion, got {other:?}"),
    }
}

async fn export_evaluates_like_the_original(db: Db) {
    let original = sample();
    import(&*db, &original, ImportMode::NewRegion).await;
    let exported = export(&*db, "3275").await;

    let want = evaluations(&original);
    // The comparison means something: the dates and the option change the
    // figures (the sample's unverified entries come in the last week).
    assert!(
        want[0] != want[2] && want[2] != want[4],
        "the dates evaluate differently"
    );
    assert!(
        want[4] != want[5],
        "verified_only changes the figures at 2025-05-21"
    );
    assert!(
        want[4]["summary"]["budget"].is_object(),
        "the sample's budgets show in the evaluation"
    );
    assert_same_evaluations(&evaluations(&exported), &want);

    // And the bundle itself comes back whole: same rows, same order, same values.
    assert_eq!(exported.units, original.units);
    assert_eq!(exported.programs[0].targets, original.programs[0].targets);
    assert_eq!(exported.programs[0].entries, original.programs[0].entries);
    assert_eq!(
        exported.programs[0].nil_reports,
        original.programs[0].nil_reports
    );
    assert_eq!(exported.budgets, original.budgets);
    assert_eq!(exported, original);
}

async fn export_import_export_is_identical(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let first = export_json(&export(&*db, "3275").await);

    // What `pantau import` would read: the exported text, parsed again.
    let reread = pantau_domain::parse(&first).expect("an export parses");
    let other = db.another().await;
    let summary = import(&*other, &reread, ImportMode::NewRegion).await;
    assert_eq!(summary.entries_added, 369);
    assert_eq!(summary.nil_reports_added, 11);
    let second = export_json(&export(&*other, "3275").await);
    assert_eq!(
        first, second,
        "export -> import -> export changes the bundle"
    );
    assert_same_evaluations(&evaluations(&reread), &evaluations(&sample()));
}

async fn new_region_twice_is_refused_and_changes_nothing(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let before = export_json(&export(&*db, "3275").await);
    let audit_before = db.audit_log("3275", 1000).await.unwrap();
    assert_eq!(audit_before.len(), 1);

    // A changed bundle, so that anything written would show.
    let mut doc = with_entry(sample_json(), extra_entry());
    doc["region"]["name"] = json!("Kota Bekasi (diubah)");
    doc["units"][0]["name"] = json!("Nama baru");
    match db
        .import_bundle(
            &bundle_from(&doc),
            ImportMode::NewRegion,
            &actor("cli", None),
        )
        .await
    {
        Err(StoreError::RegionExists(code)) => assert_eq!(code, "3275"),
        other => panic!("second NewRegion import: expected RegionExists, got {other:?}"),
    }
    assert_eq!(export_json(&export(&*db, "3275").await), before);
    assert_eq!(db.regions().await.unwrap().len(), 1);
    assert_eq!(db.regions().await.unwrap()[0].name, "Kota Bekasi");
    assert_eq!(db.audit_log("3275", 1000).await.unwrap(), audit_before);
}

async fn merge_of_the_same_bundle_adds_nothing(db: Db) {
    let bundle = sample();
    import(&*db, &bundle, ImportMode::NewRegion).await;
    let before = export_json(&export(&*db, "3275").await);
    for round in 0..2 {
        let summary = import(&*db, &bundle, ImportMode::Merge).await;
        assert!(!summary.created, "round {round}: the region existed");
        assert_eq!(
            summary.entries_added, 0,
            "round {round}: entries added twice"
        );
        assert_eq!(
            summary.nil_reports_added, 0,
            "round {round}: nil reports added twice"
        );
        assert_eq!(summary.targets, 24);
    }
    let after = export(&*db, "3275").await;
    assert_eq!(export_json(&after), before);
    assert_eq!(after.programs[0].entries.len(), 369);
    assert_eq!(after.programs[0].nil_reports.len(), 11);
    assert_eq!(after.units.len(), 44);
    assert_same_evaluations(&evaluations(&after), &evaluations(&bundle));
    assert_eq!(db.regions().await.unwrap().len(), 1);

    // Merging the export (moments rewritten in the region's offset) adds nothing either.
    let reread = pantau_domain::parse(&before).unwrap();
    let summary = import(&*db, &reread, ImportMode::Merge).await;
    assert_eq!((summary.entries_added, summary.nil_reports_added), (0, 0));
}

async fn merge_adds_exactly_the_new_rows_and_updates_plan_rows_by_code(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;

    let doc = with_entry(sample_json(), extra_entry());
    let summary = import(&*db, &bundle_from(&doc), ImportMode::Merge).await;
    assert_eq!(summary.entries_added, 1);
    assert_eq!(summary.nil_reports_added, 0);
    let after = export(&*db, "3275").await;
    assert_eq!(after.programs[0].entries.len(), 370);
    assert_eq!(
        after.programs[0].entries.last().unwrap(),
        bundle_from(&doc).programs[0].entries.last().unwrap()
    );
    let merged = evaluations(&bundle_from(&doc));
    assert_same_evaluations(&evaluations(&after), &merged);
    assert_ne!(merged, evaluations(&sample()), "the extra entry counts");

    // A nil report, and plan rows changed by code: renamed, not duplicated.
    let mut doc = doc;
    doc["programs"][0]["nil_reports"]
        .as_array_mut()
        .unwrap()
        .push(extra_nil_report());
    doc["units"][1]["name"] = json!("Dinas yang berganti nama");
    doc["programs"][0]["targets"][0]["name"] = json!("Posyandu direvitalisasi (revisi)");
    doc["programs"][0]["targets"][0]["target"] = json!(150);
    let summary = import(&*db, &bundle_from(&doc), ImportMode::Merge).await;
    assert_eq!(summary.entries_added, 0);
    assert_eq!(summary.nil_reports_added, 1);
    let after = export(&*db, "3275").await;
    assert_eq!(after.units.len(), 44);
    assert_eq!(after.units[1].name, "Dinas yang berganti nama");
    assert_eq!(after.programs[0].targets.len(), 24);
    assert_eq!(
        after.programs[0].targets[0].name,
        "Posyandu direvitalisasi (revisi)"
    );
    assert_eq!(
        after.programs[0].targets[0].target,
        Some(Decimal::from(150))
    );
    assert_eq!(after.programs[0].nil_reports.len(), 12);
    assert_eq!(after, bundle_from(&doc));
    assert_eq!(
        audit_count(&db, "3275").await,
        3,
        "one audit record per import"
    );
}

async fn merge_creates_a_missing_region(db: Db) {
    let summary = import(&*db, &sample(), ImportMode::Merge).await;
    assert!(summary.created);
    assert_eq!(summary.entries_added, 369);
    assert_eq!(summary.nil_reports_added, 11);
    assert_eq!(export(&*db, "3275").await, sample());
}

async fn refused_bundle_writes_nothing(db: Db) {
    let mut doc = with_entry(sample_json(), extra_entry());
    doc["programs"][0]["targets"][0]["unit"] = json!("DP3X");
    for mode in [ImportMode::NewRegion, ImportMode::Merge] {
        match db
            .import_bundle(&bundle_from(&doc), mode, &actor("cli", None))
            .await
        {
            Err(StoreError::Refused(refused)) => {
                assert!(
                    refused
                        .problems
                        .iter()
                        .any(|p| p.path == "programs[0].targets[0].unit"
                            && p.message.contains("DP3X")),
                    "{mode:?}: the problem names the path and the unit: {:?}",
                    refused.problems
                );
            }
            other => panic!("{mode:?}: expected Refused, got {other:?}"),
        }
        assert!(
            db.regions().await.unwrap().is_empty(),
            "{mode:?}: no region written"
        );
        assert_eq!(
            audit_count(&db, "3275").await,
            0,
            "{mode:?}: no audit record"
        );
        assert!(matches!(
            db.region_bundle("3275").await,
            Err(StoreError::UnknownRegion(_))
        ));
    }
}

async fn refused_merge_writes_nothing(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let before = export_json(&export(&*db, "3275").await);
    let mut doc = with_entry(sample_json(), extra_entry());
    doc["region"]["name"] = json!("Kota Bekasi (diubah)");
    doc["units"][0]["name"] = json!("Nama baru");
    // A milestone takes 0 or 1 only.
    doc["programs"][0]["entries"]
        .as_array_mut()
        .unwrap()
        .push(json!({"target": "DLH-01", "activity_date": "2025-04-01",
                     "submitted_at": "2025-04-01T10:00:00+07:00", "value": 2}));
    match db
        .import_bundle(&bundle_from(&doc), ImportMode::Merge, &actor("cli", None))
        .await
    {
        Err(StoreError::Refused(refused)) => {
            assert!(!refused.problems.is_empty());
            assert!(
                refused
                    .problems
                    .iter()
                    .any(|p| p.path.starts_with("programs[0].entries[370]")),
                "{:?}",
                refused.problems
            );
        }
        other => panic!("expected Refused, got {other:?}"),
    }
    assert_eq!(export_json(&export(&*db, "3275").await), before);
    assert_eq!(db.regions().await.unwrap()[0].name, "Kota Bekasi");
    assert_eq!(audit_count(&db, "3275").await, 1);
}

/// A bundle that the validator accepts but the database cannot hold: a pagu
/// above the largest BIGINT, met after the region, its units, targets and
/// entries were written in the same transaction.
async fn failure_in_the_database_mid_import_writes_nothing(db: Db) {
    let mut doc = sample_json();
    let last = doc["budgets"].as_array().unwrap().len() - 1;
    doc["budgets"][last]["pagu"] = json!(u64::MAX.to_string());
    let bundle = bundle_from(&doc);
    pantau_domain::validate(&bundle).expect("the validator accepts the bundle");
    match db
        .import_bundle(&bundle, ImportMode::NewRegion, &actor("cli", None))
        .await
    {
        Err(StoreError::Invalid { field, message }) => {
            assert_eq!(field, format!("budgets[{last}].pagu"));
            assert!(message.contains(&u64::MAX.to_string()), "{message}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(
        db.regions().await.unwrap().is_empty(),
        "the region was rolled back"
    );
    assert_eq!(audit_count(&db, "3275").await, 0);

    // The same in a merge into an existing region: its rows stay as they were.
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let before = export_json(&export(&*db, "3275").await);
    let mut doc = with_entry(doc, extra_entry());
    doc["units"][0]["name"] = json!("Nama baru");
    match db
        .import_bundle(&bundle_from(&doc), ImportMode::Merge, &actor("cli", None))
        .await
    {
        Err(StoreError::Invalid { .. }) => {}
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(export_json(&export(&*db, "3275").await), before);
    assert_eq!(audit_count(&db, "3275").await, 1);
}

async fn regions_are_independent(db: Db) {
    let kab = bundle_from(&kabupaten());
    let kota = sample();
    // Kabupaten first, so that the two regions' ids interleave differently.
    let summary = import(&*db, &kab, ImportMode::NewRegion).await;
    assert_eq!(summary.entries_added, kab.programs[0].entries.len());
    let summary = import(&*db, &kota, ImportMode::NewRegion).await;
    assert_eq!(
        summary.entries_added, 369,
        "same codes in another region are not duplicates"
    );
    assert_eq!(summary.nil_reports_added, 11);

    let regions: Vec<String> = db
        .regions()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.code)
        .collect();
    assert_eq!(regions, ["3216", "3275"]);

    let got_kab = export(&*db, "3216").await;
    let got_kota = export(&*db, "3275").await;
    assert_eq!(got_kab.programs[0].entries.len(), 185);
    assert_eq!(got_kab.programs[0].nil_reports.len(), 3);
    assert_eq!(got_kab, kab);
    assert_eq!(got_kota, kota);
    assert_same_evaluations(&evaluations(&got_kab), &evaluations(&kab));
    assert_same_evaluations(&evaluations(&got_kota), &evaluations(&kota));

    // A merge into one region touches only that region.
    let doc = with_entry(kabupaten(), extra_entry());
    let summary = import(&*db, &bundle_from(&doc), ImportMode::Merge).await;
    assert_eq!(summary.entries_added, 1);
    assert_eq!(export(&*db, "3216").await, bundle_from(&doc));
    assert_eq!(export(&*db, "3275").await, kota);
    assert_eq!(audit_count(&db, "3216").await, 2);
    assert_eq!(audit_count(&db, "3275").await, 1);
}

async fn users_are_per_region(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let mut kab = kabupaten();
    // Kabupaten has no DP3A and no ASDA3.
    kab["units"]
        .as_array_mut()
        .unwrap()
        .retain(|u| u["code"] != "DP3A");
    kab["clusters"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["code"] != "ASDA3");
    for unit in kab["units"].as_array_mut().unwrap() {
        if unit["cluster"] == "ASDA3" {
            unit["cluster"] = json!("ASDA1");
        }
    }
    let program = &mut kab["programs"][0];
    program["targets"]
        .as_array_mut()
        .unwrap()
        .retain(|t| t["unit"] != "DP3A");
    program["entries"]
        .as_array_mut()
        .unwrap()
        .retain(|e| !e["target"].as_str().unwrap().starts_with("DP3A"));
    program["nil_reports"]
        .as_array_mut()
        .unwrap()
        .retain(|n| n["unit"] != "DP3A");
    kab["budgets"]
        .as_array_mut()
        .unwrap()
        .retain(|b| b["unit"] != "DP3A");
    import(&*db, &bundle_from(&kab), ImportMode::NewRegion).await;

    let mut op = new_user("3216", "op.dp3a.kab", Role::Operator);
    op.unit = Some("DP3A".into());
    match db.create_user(&op, &actor("admin", None)).await {
        Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "unit"),
        other => panic!("a unit of another region: expected Invalid, got {other:?}"),
    }
    let mut ev = new_user("3216", "asda3.kab", Role::Evaluator);
    ev.clusters = vec!["ASDA3".into()];
    match db.create_user(&ev, &actor("admin", None)).await {
        Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "clusters"),
        other => panic!("a cluster of another region: expected Invalid, got {other:?}"),
    }
    assert!(db.users("3216").await.unwrap().is_empty());

    let mut kota_op = new_user("3275", "op.dlh.kota", Role::Operator);
    kota_op.unit = Some("DLH".into());
    db.create_user(&kota_op, &actor("admin", None))
        .await
        .unwrap();
    let mut kab_op = new_user("3216", "op.dlh.kab", Role::Operator);
    kab_op.unit = Some("DLH".into());
    db.create_user(&kab_op, &actor("admin", None))
        .await
        .unwrap();
    let mut kab_ev = new_user("3216", "asda1.kab", Role::Evaluator);
    kab_ev.clusters = vec!["ASDA1".into(), "ASDA2".into()];
    db.create_user(&kab_ev, &actor("admin", None))
        .await
        .unwrap();

    let names =
        |users: Vec<pantau_store::User>| users.into_iter().map(|u| u.username).collect::<Vec<_>>();
    assert_eq!(names(db.users("3275").await.unwrap()), ["op.dlh.kota"]);
    assert_eq!(
        names(db.users("3216").await.unwrap()),
        ["asda1.kab", "op.dlh.kab"]
    );
    let kab_op = db.user_by_username("op.dlh.kab").await.unwrap().unwrap();
    assert_eq!(kab_op.region, "3216");
    assert_eq!(kab_op.unit.as_deref(), Some("DLH"));
    let kab_ev = db.user_by_username("asda1.kab").await.unwrap().unwrap();
    assert_eq!(kab_ev.clusters, ["ASDA1", "ASDA2"]);
    assert_eq!(audit_count(&db, "3216").await, 3);
    assert_eq!(audit_count(&db, "3275").await, 2);
}

async fn create_user_for_each_role(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let started = chrono::Utc::now() - chrono::Duration::seconds(5);
    let mut admin = new_user("3275", "admin.bekasi", Role::Admin);
    admin.password_hash = pantau_store::password::hash("rahasia-admin");
    let mut evaluator = new_user("3275", "asda1", Role::Evaluator);
    evaluator.clusters = vec!["ASDA1".into(), "ASDA3".into()];
    evaluator.email = None;
    let mut operator = new_user("3275", "op.dp3a", Role::Operator);
    operator.unit = Some("DP3A".into());
    let leader = new_user("3275", "walikota", Role::Leader);

    let mut ids = Vec::new();
    for user in [&admin, &evaluator, &operator, &leader] {
        let id = db
            .create_user(user, &actor("cli", None))
            .await
            .unwrap_or_else(|err| panic!("create {}: {err:?}", user.username));
        ids.push(id);
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 4, "every user has its own id: {ids:?}");

    for (user, id) in [&admin, &evaluator, &operator, &leader]
        .into_iter()
        .zip(&ids)
    {
        let got = db
            .user_by_username(&user.username)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{} not found", user.username));
        assert_eq!(got.id, *id);
        assert_eq!(got.region, "3275");
        assert_eq!(got.username, user.username);
        assert_eq!(got.display_name, user.display_name);
        assert_eq!(got.email, user.email);
        assert_eq!(got.password_hash, user.password_hash);
        assert_eq!(got.role, user.role);
        assert_eq!(got.unit, user.unit);
        assert_eq!(got.clusters, user.clusters);
        assert!(!got.disabled);
        assert!(
            got.created_at >= started && got.created_at <= chrono::Utc::now(),
            "created_at {} is now",
            got.created_at
        );
    }
    let got = db.user_by_username("asda1").await.unwrap().unwrap();
    assert_eq!(got.role, Role::Evaluator);
    assert_eq!(got.clusters, ["ASDA1", "ASDA3"]);
    assert_eq!(got.unit, None);
    let got = db.user_by_username("op.dp3a").await.unwrap().unwrap();
    assert_eq!(got.role, Role::Operator);
    assert_eq!(got.unit.as_deref(), Some("DP3A"));
    assert!(got.clusters.is_empty());
    assert!(pantau_store::password::verify(
        "rahasia-admin",
        &db.user_by_username("admin.bekasi")
            .await
            .unwrap()
            .unwrap()
            .password_hash
    ));

    let all: Vec<String> = db
        .users("3275")
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(all, ["admin.bekasi", "asda1", "op.dp3a", "walikota"]);
    assert!(db.user_by_username("nobody").await.unwrap().is_none());
    assert!(db.users("3216").await.unwrap().is_empty());
}

async fn create_user_refusals(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let cli = actor("cli", None);
    let invalid_field = |result: Result<i64, StoreError>, what: &str| match result {
        Err(StoreError::Invalid { field, .. }) => field,
        other => panic!("{what}: expected Invalid, got {other:?}"),
    };

    let op = new_user("3275", "op.tanpa.unit", Role::Operator);
    assert_eq!(
        invalid_field(db.create_user(&op, &cli).await, "operator without unit"),
        "unit"
    );

    let mut op = new_user("3275", "op.dp3x", Role::Operator);
    op.unit = Some("DP3X".into());
    assert_eq!(
        invalid_field(db.create_user(&op, &cli).await, "unknown unit"),
        "unit"
    );

    let ev = new_user("3275", "asda.tanpa.cluster", Role::Evaluator);
    assert_eq!(
        invalid_field(
            db.create_user(&ev, &cli).await,
            "evaluator without clusters"
        ),
        "clusters"
    );

    // The unknown cluster comes after a known one: the user row is already
    // written in the transaction when the unknown one is found.
    let mut ev = new_user("3275", "asda9", Role::Evaluator);
    ev.clusters = vec!["ASDA1".into(), "ASDA9".into()];
    assert_eq!(
        invalid_field(db.create_user(&ev, &cli).await, "unknown cluster"),
        "clusters"
    );

    let empty = new_user("3275", "  ", Role::Leader);
    assert_eq!(
        invalid_field(db.create_user(&empty, &cli).await, "empty username"),
        "username"
    );

    match db
        .create_user(&new_user("9999", "orang.asing", Role::Leader), &cli)
        .await
    {
        Err(StoreError::UnknownRegion(code)) => assert_eq!(code, "9999"),
        other => panic!("unknown region: expected UnknownRegion, got {other:?}"),
    }

    for name in [
        "op.tanpa.unit",
        "op.dp3x",
        "asda.tanpa.cluster",
        "asda9",
        "  ",
        "orang.asing",
    ] {
        assert!(
            db.user_by_username(name).await.unwrap().is_none(),
            "refused user {name:?} was written"
        );
    }
    assert!(db.users("3275").await.unwrap().is_empty());
    assert_eq!(
        audit_count(&db, "3275").await,
        1,
        "refusals append no audit record"
    );

    let leader = new_user("3275", "walikota", Role::Leader);
    db.create_user(&leader, &cli).await.unwrap();
    let mut again = new_user("3275", "walikota", Role::Admin);
    again.display_name = "Orang lain".into();
    match db.create_user(&again, &cli).await {
        Err(StoreError::UsernameTaken(name)) => assert_eq!(name, "walikota"),
        other => panic!("duplicate username: expected UsernameTaken, got {other:?}"),
    }
    // Usernames are unique across regions too (log-in names no region).
    import(&*db, &bundle_from(&kabupaten()), ImportMode::NewRegion).await;
    match db
        .create_user(&new_user("3216", "walikota", Role::Leader), &cli)
        .await
    {
        Err(StoreError::UsernameTaken(name)) => assert_eq!(name, "walikota"),
        other => panic!("username of another region: expected UsernameTaken, got {other:?}"),
    }
    let kept = db.user_by_username("walikota").await.unwrap().unwrap();
    assert_eq!((kept.region.as_str(), kept.role), ("3275", Role::Leader));
    assert_eq!(kept.display_name, leader.display_name);
    assert_eq!(db.users("3275").await.unwrap().len(), 1);
    assert!(db.users("3216").await.unwrap().is_empty());
}

async fn password_hash_and_disabled_change(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let mut user = new_user("3275", "op.dlh", Role::Operator);
    user.unit = Some("DLH".into());
    user.password_hash = pantau_store::password::hash("lama-sekali");
    db.create_user(&user, &actor("cli", None)).await.unwrap();

    let new_hash = pantau_store::password::hash("baru-sekali");
    db.set_password_hash("op.dlh", &new_hash, None, &actor("admin", Some(1)))
        .await
        .unwrap();
    let got = db.user_by_username("op.dlh").await.unwrap().unwrap();
    assert_eq!(got.password_hash, new_hash);
    assert!(pantau_store::password::verify(
        "baru-sekali",
        &got.password_hash
    ));
    assert!(!pantau_store::password::verify(
        "lama-sekali",
        &got.password_hash
    ));

    db.set_disabled("op.dlh", true, &actor("admin", Some(1)))
        .await
        .unwrap();
    let got = db.user_by_username("op.dlh").await.unwrap().unwrap();
    assert!(got.disabled);
    // Nothing else changed.
    assert_eq!(got.password_hash, new_hash);
    assert_eq!(got.unit.as_deref(), Some("DLH"));
    assert_eq!(got.role, Role::Operator);
    assert!(db.users("3275").await.unwrap()[0].disabled);

    db.set_disabled("op.dlh", false, &actor("admin", Some(1)))
        .await
        .unwrap();
    assert!(
        !db.user_by_username("op.dlh")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );

    // Another user is untouched by these changes.
    let other = new_user("3275", "walikota", Role::Leader);
    db.create_user(&other, &actor("cli", None)).await.unwrap();
    db.set_disabled("op.dlh", true, &actor("admin", Some(1)))
        .await
        .unwrap();
    let untouched = db.user_by_username("walikota").await.unwrap().unwrap();
    assert!(!untouched.disabled);
    assert_eq!(untouched.password_hash, other.password_hash);
}

async fn unknown_user(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    match db
        .set_password_hash("nobody", "x", None, &actor("cli", None))
        .await
    {
        Err(StoreError::UnknownUser(name)) => assert_eq!(name, "nobody"),
        other => panic!("set_password_hash: expected UnknownUser, got {other:?}"),
    }
    match db.set_disabled("nobody", true, &actor("cli", None)).await {
        Err(StoreError::UnknownUser(name)) => assert_eq!(name, "nobody"),
        other => panic!("set_disabled: expected UnknownUser, got {other:?}"),
    }
    assert!(db.user_by_username("nobody").await.unwrap().is_none());
    assert_eq!(
        audit_count(&db, "3275").await,
        1,
        "no audit record for an unknown user"
    );
}

async fn user_profile_is_kept_and_changed_with_its_audit_record(db: Db) {
    use pantau_store::UserProfile;
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let asda = {
        let mut user = new_user("3275", "asda1", Role::Evaluator);
        user.clusters = vec!["ASDA1".into()];
        user
    };
    let profile = UserProfile {
        full_name: Some("  Dr. H. Ahmad Fauzi, M.Si. ".into()),
        nip: Some("196805121994031002".into()),
    };
    db.create_user_with_profile(&asda, &profile, &actor("cli", None))
        .await
        .unwrap();
    let got = db.user_by_username("asda1").await.unwrap().unwrap();
    assert_eq!(got.full_name.as_deref(), Some("Dr. H. Ahmad Fauzi, M.Si."));
    assert_eq!(got.nip.as_deref(), Some("196805121994031002"));
    assert_eq!(got.clusters, ["ASDA1"]);
    let created = &db.audit_log("3275", 1).await.unwrap()[0];
    assert_eq!(created.entity, "user");
    assert_eq!(
        created.after.as_ref().unwrap()["nip"],
        json!("196805121994031002")
    );

    // An account without a profile has neither, as before.
    db.create_user(
        &new_user("3275", "walikota", Role::Leader),
        &actor("cli", None),
    )
    .await
    .unwrap();
    let plain = db.user_by_username("walikota").await.unwrap().unwrap();
    assert_eq!((plain.full_name, plain.nip), (None, None));

    // A 200-character name (not bytes: each of these is two) is kept.
    let long_name = "é".repeat(200);
    let change = UserProfile {
        full_name: Some(long_name.clone()),
        nip: Some("198703152010012004".into()),
    };
    let before = audit_count(&db, "3275").await;
    db.set_user_profile("3275", "walikota", &change, &actor("admin", Some(1)))
        .await
        .unwrap();
    let got = db.user_by_username("walikota").await.unwrap().unwrap();
    assert_eq!(got.full_name.as_deref(), Some(long_name.as_str()));
    assert_eq!(got.nip.as_deref(), Some("198703152010012004"));
    assert_eq!(audit_count(&db, "3275").await, before + 1);
    let record = &db.audit_log("3275", 1).await.unwrap()[0];
    assert_eq!(
        (
            record.action.as_str(),
            record.entity.as_str(),
            record.actor.as_str()
        ),
        ("edit", "user.profile", "admin")
    );
    assert_eq!(record.entity_id.as_deref(), Some("walikota"));
    assert_eq!(record.before, Some(json!({"full_name": null, "nip": null})));
    assert_eq!(
        record.after,
        Some(json!({"full_name": long_name, "nip": "198703152010012004"}))
    );

    // Empty clears; the other account is untouched.
    let cleared = UserProfile {
        full_name: Some("Wali Kota".into()),
        nip: Some("  ".into()),
    };
    db.set_user_profile("3275", "walikota", &cleared, &actor("admin", Some(1)))
        .await
        .unwrap();
    let got = db.user_by_username("walikota").await.unwrap().unwrap();
    assert_eq!(got.full_name.as_deref(), Some("Wali Kota"));
    assert_eq!(got.nip, None);
    let untouched = db.user_by_username("asda1").await.unwrap().unwrap();
    assert_eq!(untouched.nip.as_deref(), Some("196805121994031002"));
    // Listing a region carries them too.
    let listed = db.users("3275").await.unwrap();
    assert_eq!(
        listed[0].full_name.as_deref(),
        Some("Dr. H. Ahmad Fauzi, M.Si.")
    );
}

async fn user_profile_refusals_change_nothing(db: Db) {
    use pantau_store::UserProfile;
    import(&*db, &sample(), ImportMode::NewRegion).await;
    db.create_user(
        &new_user("3275", "walikota", Role::Leader),
        &actor("cli", None),
    )
    .await
    .unwrap();
    let with_nip = |nip: &str| UserProfile {
        full_name: None,
        nip: Some(nip.into()),
    };
    let refused = [
        ("nip", with_nip("19680512199403100"), "got 17"),
        ("nip", with_nip("1968051219940310021"), "got 19"),
        (
            "nip",
            with_nip("19680512 199403 1 002"),
            "' ' at position 9",
        ),
        ("nip", with_nip("19680512199403100X"), "'X' at position 18"),
        ("nip", with_nip("١٩٦٨٠٥١٢١٩٩٤٠٣١٠٠٢"), "at position 1"),
        (
            "full_name",
            UserProfile {
                full_name: Some("a".repeat(201)),
                nip: None,
            },
            "got 201",
        ),
        (
            "full_name",
            UserProfile {
                full_name: Some("Wali\nKota".into()),
                nip: None,
            },
            "one line",
        ),
    ];
    let before = audit_count(&db, "3275").await;
    for (field, profile, says) in &refused {
        match db
            .set_user_profile("3275", "walikota", profile, &actor("admin", None))
            .await
        {
            Err(StoreError::Invalid { field: f, message }) => {
                assert_eq!(&f, field, "{profile:?}");
                assert!(message.contains(says), "{profile:?}: {message}");
            }
            other => panic!("{profile:?}: expected Invalid, got {other:?}"),
        }
        let mut user = new_user("3275", "baru", Role::Leader);
        user.display_name = "Baru".into();
        match db
            .create_user_with_profile(&user, profile, &actor("admin", None))
            .await
        {
            Err(StoreError::Invalid { field: f, .. }) => assert_eq!(&f, field),
            other => panic!("{profile:?}: expected Invalid, got {other:?}"),
        }
    }
    // A user of another region, or none.
    for (region, username) in [("3216", "walikota"), ("3275", "nobody")] {
        match db
            .set_user_profile(
                region,
                username,
                &with_nip("196805121994031002"),
                &actor("admin", None),
            )
            .await
        {
            Err(StoreError::UnknownUser(name)) => assert_eq!(name, username),
            other => panic!("{region}/{username}: expected UnknownUser, got {other:?}"),
        }
    }
    assert!(db.user_by_username("baru").await.unwrap().is_none());
    let got = db.user_by_username("walikota").await.unwrap().unwrap();
    assert_eq!((got.full_name, got.nip), (None, None));
    assert_eq!(audit_count(&db, "3275").await, before);
}

async fn audit_records_every_change(db: Db) {
    let started = chrono::Utc::now() - chrono::Duration::seconds(5);
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let admin_hash = pantau_store::password::hash("rahasia");
    let mut admin = new_user("3275", "admin.bekasi", Role::Admin);
    admin.password_hash = admin_hash.clone();
    let admin_id = db.create_user(&admin, &actor("cli", None)).await.unwrap();
    let by_admin = actor("admin.bekasi", Some(admin_id));
    let mut evaluator = new_user("3275", "asda2", Role::Evaluator);
    evaluator.clusters = vec!["ASDA2".into()];
    db.create_user(&evaluator, &by_admin).await.unwrap();
    let new_hash = pantau_store::password::hash("rahasia-baru");
    db.set_password_hash("asda2", &new_hash, None, &by_admin)
        .await
        .unwrap();
    db.set_disabled("asda2", true, &by_admin).await.unwrap();
    db.append_audit(
        Some("3275"),
        &by_admin,
        NewAudit {
            action: "login".into(),
            entity: "session".into(),
            entity_id: Some("admin.bekasi".into()),
            before: None,
            after: Some(json!({"address": "10.0.0.7"})),
        },
    )
    .await
    .unwrap();

    let log = db.audit_log("3275", 100).await.unwrap();
    let summary: Vec<(&str, &str, &str, Option<&str>)> = log
        .iter()
        .map(|r| {
            (
                r.actor.as_str(),
                r.action.as_str(),
                r.entity.as_str(),
                r.entity_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("admin.bekasi", "login", "session", Some("admin.bekasi")),
            ("admin.bekasi", "edit", "user.disabled", Some("asda2")),
            ("admin.bekasi", "edit", "user.password", Some("asda2")),
            ("admin.bekasi", "create", "user", Some("asda2")),
            ("cli", "create", "user", Some("admin.bekasi")),
            ("cli", "import", "region", Some("3275")),
        ]
    );
    let [login, disabled, password, create_ev, create_admin, import] = &log[..] else {
        unreachable!()
    };
    assert_eq!(login.before, None);
    assert_eq!(login.after, Some(json!({"address": "10.0.0.7"})));
    assert_eq!(disabled.before, Some(json!(false)));
    assert_eq!(disabled.after, Some(json!(true)));
    assert_eq!(create_ev.before, None);
    let after = create_ev
        .after
        .as_ref()
        .expect("a create records the new user");
    assert_eq!(after["username"], "asda2");
    assert_eq!(after["role"], "evaluator");
    assert_eq!(after["clusters"], json!(["ASDA2"]));
    assert_eq!(create_admin.after.as_ref().unwrap()["role"], "admin");
    assert_eq!(import.before, None);
    let after = import
        .after
        .as_ref()
        .expect("an import records its summary");
    assert_eq!(after["region"], "3275");
    assert_eq!(after["entries_added"], 369);
    assert_eq!(after["nil_reports_added"], 11);
    assert_eq!(after["created"], true);

    // No password hash ever lands in the log.
    for record in &log {
        let text = format!("{:?} {:?}", record.before, record.after);
        for hash in [&admin_hash, &evaluator.password_hash, &new_hash] {
            assert!(
                !text.contains(hash.as_str()),
                "{} leaks a password hash",
                record.action
            );
        }
    }
    assert_eq!(
        (password.before.clone(), password.after.clone()),
        (None, None)
    );

    for pair in log.windows(2) {
        assert!(pair[0].id > pair[1].id, "newest first by id");
        assert!(pair[0].at >= pair[1].at, "newest first by time");
    }
    for record in &log {
        assert!(
            record.at >= started && record.at <= chrono::Utc::now(),
            "{} at {}",
            record.action,
            record.at
        );
    }
}

async fn audit_before_is_the_previous_state(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    db.create_user(
        &new_user("3275", "walikota", Role::Leader),
        &actor("cli", None),
    )
    .await
    .unwrap();
    db.set_disabled("walikota", true, &actor("cli", None))
        .await
        .unwrap();
    // Disabling a disabled user: the record must say it was disabled before.
    db.set_disabled("walikota", true, &actor("cli", None))
        .await
        .unwrap();
    let log = db.audit_log("3275", 2).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[1].before.clone(), log[1].after.clone()),
        (Some(json!(false)), Some(json!(true)))
    );
    assert_eq!(
        (log[0].before.clone(), log[0].after.clone()),
        (Some(json!(true)), Some(json!(true))),
        "the second set_disabled(true) records before = the state before it (true)"
    );
}

async fn audit_log_is_newest_first_limited_and_per_region(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    import(&*db, &bundle_from(&kabupaten()), ImportMode::NewRegion).await;
    let login = |n: usize| NewAudit {
        action: "login".into(),
        entity: "session".into(),
        entity_id: Some(format!("user{n}")),
        before: None,
        after: None,
    };
    for n in 0..5 {
        let region = if n % 2 == 0 { "3275" } else { "3216" };
        db.append_audit(Some(region), &actor(&format!("user{n}"), None), login(n))
            .await
            .unwrap();
    }
    // An attempt that names no region belongs to neither log.
    db.append_audit(None, &actor("203.0.113.9", None), login(99))
        .await
        .unwrap();
    match db
        .append_audit(Some("9999"), &actor("x", None), login(98))
        .await
    {
        Err(StoreError::UnknownRegion(code)) => assert_eq!(code, "9999"),
        other => panic!("audit for an unknown region: expected UnknownRegion, got {other:?}"),
    }

    let ids = |log: &[pantau_store::AuditRecord]| {
        log.iter()
            .map(|r| r.entity_id.clone().unwrap())
            .collect::<Vec<_>>()
    };
    let kota = db.audit_log("3275", 100).await.unwrap();
    assert_eq!(ids(&kota), ["user4", "user2", "user0", "3275"]);
    assert_eq!(kota[0].actor, "user4");
    assert_eq!(kota[0].before, None);
    assert_eq!(kota[0].after, None);
    let kab = db.audit_log("3216", 100).await.unwrap();
    assert_eq!(ids(&kab), ["user3", "user1", "3216"]);

    let newest_two = db.audit_log("3275", 2).await.unwrap();
    assert_eq!(ids(&newest_two), ["user4", "user2"]);
    assert_eq!(newest_two[..], kota[..2]);
    assert_eq!(db.audit_log("3275", 1).await.unwrap()[..], kota[..1]);
    assert!(db.audit_log("3275", 0).await.unwrap().is_empty());
    assert!(db.audit_log("9999", 100).await.unwrap().is_empty());
}

async fn amounts_and_decimals_round_trip_exactly(db: Db) {
    let bundle = bundle_from(&denpasar());
    import(&*db, &bundle, ImportMode::NewRegion).await;
    let got = export(&*db, "5171").await;
    assert_eq!(got, bundle);

    // Decimals come back with the same digits, not just an equal value.
    let text = |values: Vec<Decimal>| {
        values
            .into_iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
    };
    let values = |b: &Bundle| {
        b.programs[0]
            .entries
            .iter()
            .map(|e| e.value)
            .collect::<Vec<_>>()
    };
    assert_eq!(text(values(&got)), text(values(&bundle)));
    assert_eq!(
        got.programs[0].entries[0].value,
        Decimal::from_str("0.1").unwrap()
    );
    assert_eq!(
        got.programs[0].entries[1].value,
        Decimal::from_str("218.01").unwrap()
    );
    assert_eq!(
        got.programs[0].entries[3].value,
        Decimal::from_str("0.0000001").unwrap()
    );
    let t1 = &got.programs[0].targets[0];
    assert_eq!(t1.baseline, Some(Decimal::from_str("0.5").unwrap()));
    assert_eq!(t1.target, Some(Decimal::from_str("1234.567").unwrap()));
    assert_eq!(
        t1.plan.as_ref().unwrap()[0].value,
        Decimal::from_str("0.1").unwrap()
    );
    assert_eq!(
        got.programs[0].targets[1].target,
        Some(Decimal::from_str("3.3333").unwrap())
    );
    let thresholds = got.programs[0].thresholds.unwrap();
    assert_eq!(thresholds.on_track, Decimal::from_str("0.85").unwrap());
    assert_eq!(thresholds.at_risk, Decimal::from_str("0.65").unwrap());
    assert_eq!(
        got.budget_flag_margin,
        Some(Decimal::from_str("7.5").unwrap())
    );

    // Money: whole rupiah above 2^53, written as strings of digits.
    assert_eq!(got.budgets[0].pagu.0, 9_007_199_254_740_993);
    assert_eq!(got.budgets[0].months[0].planned.0, 4_503_599_627_370_497);
    assert_eq!(got.budgets[0].months[0].realised.0, 4_503_599_627_370_495);
    assert_eq!(
        got.budgets[0].months[0].physical_pct,
        Some(Decimal::from_str("12.34").unwrap())
    );
    assert_eq!(got.budgets[0].months[1].physical_pct, None);
    assert_eq!(got.budgets[1].pagu.0, 18_014_398_509_481_985);
    assert_eq!(got.budgets[1].months[0].realised.0, 9_007_199_254_740_991);
    let doc = serde_json::to_value(&got).unwrap();
    assert_eq!(doc["budgets"][0]["pagu"], json!("9007199254740993"));
    assert_eq!(
        doc["budgets"][1]["months"][0]["planned"],
        json!("9007199254740993")
    );
    assert_eq!(doc["programs"][0]["entries"][0]["value"], json!(0.1));
    assert_eq!(doc["programs"][0]["entries"][1]["value"], json!(218.01));

    // Moments: the same instants, whatever offset they were written with; shown
    // in the region's zone (WITA, +08:00).
    let moments = |b: &Bundle| {
        b.programs[0]
            .entries
            .iter()
            .map(|e| e.submitted_at.timestamp())
            .collect::<Vec<_>>()
    };
    assert_eq!(moments(&got), moments(&bundle));
    assert_eq!(
        got.programs[0].entries[1].submitted_at.to_rfc3339(),
        "2025-03-03T09:00:00+08:00"
    );
    assert_eq!(
        got.programs[0].final_deadline.unwrap().to_rfc3339(),
        "2025-05-22T12:00:00+08:00"
    );
    assert_eq!(got.region.timezone.as_deref(), Some("Asia/Makassar"));

    let want = evaluations(&bundle);
    assert_same_evaluations(&evaluations(&got), &want);
    let final_eval = &want[4];
    let u1 = final_eval["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "U1")
        .unwrap();
    assert_eq!(u1["budget"]["pagu"], json!("9007199254740993"));
    assert_eq!(
        final_eval["summary"]["budget"]["pagu"],
        json!("27021597764222978")
    );

    // And again through a second store, from the exported text.
    let other = db.another().await;
    let reread = pantau_domain::parse(&export_json(&got)).unwrap();
    import(&*other, &reread, ImportMode::NewRegion).await;
    assert_eq!(
        export_json(&export(&*other, "5171").await),
        export_json(&got)
    );
}

/// Two reports alike in target, activity date, moment and value (say, two
/// kecamatan sent in one batch) are two reports: a new region keeps both, and
/// the evaluation counts both.
async fn identical_entries_in_one_bundle_are_all_kept(db: Db) {
    let mut doc = denpasar();
    let mut twin = doc["programs"][0]["entries"][2].clone();
    twin["note"] = json!("laporan kecamatan kedua");
    doc = with_entry(doc, twin);
    let bundle = bundle_from(&doc);
    let summary = import(&*db, &bundle, ImportMode::NewRegion).await;
    assert_eq!(
        summary.entries_added, 8,
        "every entry of a new region is written"
    );
    let got = export(&*db, "5171").await;
    assert_eq!(got.programs[0].entries.len(), 8);
    assert_same_evaluations(&evaluations(&got), &evaluations(&bundle));
}

/// RFC 3339 moments may carry fractions of a second; they come back as given,
/// and merging the same bundle again still adds nothing.
async fn sub_second_submission_moments_round_trip(db: Db) {
    use chrono::SubsecRound;
    let mut doc = denpasar();
    doc["programs"][0]["entries"][0]["submitted_at"] = json!("2025-02-24T09:00:00.123456789+08:00");
    doc["programs"][0]["entries"][1]["submitted_at"] = json!("2025-03-03T01:00:00.5Z");
    doc["programs"][0]["nil_reports"][0]["submitted_at"] =
        json!("2025-03-10T15:00:00.000000001+08:00");
    let bundle = bundle_from(&doc);
    import(&*db, &bundle, ImportMode::NewRegion).await;
    let got = export(&*db, "5171").await;
    // Both backends keep moments to the microsecond (PostgreSQL's precision).
    assert_eq!(
        got.programs[0].entries[0].submitted_at,
        bundle.programs[0].entries[0].submitted_at.trunc_subsecs(6)
    );
    assert_eq!(
        got.programs[0].entries[0]
            .submitted_at
            .timestamp_subsec_nanos(),
        123_456_000
    );
    assert_eq!(
        got.programs[0].entries[1].submitted_at,
        bundle.programs[0].entries[1].submitted_at
    );
    assert_eq!(
        got.programs[0].nil_reports[0].submitted_at,
        bundle.programs[0].nil_reports[0]
            .submitted_at
            .trunc_subsecs(6)
    );
    let summary = import(&*db, &bundle, ImportMode::Merge).await;
    assert_eq!(
        (summary.entries_added, summary.nil_reports_added),
        (0, 0),
        "merging the same bundle again adds nothing"
    );
}

// ---------------------------------------------------------------------------
// Tests that need no backend.

#[test]
fn password_hash_round_trip() {
    let phc = pantau_store::password::hash("Bekasi-Keren-2025");
    assert!(phc.starts_with("$argon2id$"), "{phc}");
    assert!(pantau_store::password::verify("Bekasi-Keren-2025", &phc));
    assert!(!pantau_store::password::verify("bekasi-keren-2025", &phc));
    assert!(!pantau_store::password::verify("", &phc));
    assert!(!pantau_store::password::verify(
        "Bekasi-Keren-2025",
        "not a phc string"
    ));
    let again = pantau_store::password::hash("Bekasi-Keren-2025");
    assert_ne!(phc, again, "a salt per hash");
    assert!(pantau_store::password::verify("Bekasi-Keren-2025", &again));
}

#[tokio::test]
async fn unsupported_url_is_refused() {
    match pantau_store::connect("mysql://localhost/pantau").await {
        Err(StoreError::UnsupportedUrl(url)) => assert_eq!(url, "mysql://localhost/pantau"),
        Err(other) => panic!("expected UnsupportedUrl, got {other:?}"),
        Ok(_) => panic!("expected UnsupportedUrl, got a store"),
    }
}

#[test]
fn postgres_url_gets_the_test_database() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:55432/postgres", "t1"),
        "postgres://postgres@127.0.0.1:55432/t1"
    );
    assert_eq!(
        with_database("postgresql://u:p@h/db?sslmode=disable", "t2"),
        "postgresql://u:p@h/t2?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5432", "t3"),
        "postgres://h:5432/t3"
    );
}

// ---------------------------------------------------------------------------
// An entry and its evidence in one transaction.

fn new_entry(value: i64) -> pantau_store::NewEntry {
    pantau_store::NewEntry {
        program: "100HK".into(),
        target: "DP3A-01".into(),
        activity_date: chrono::NaiveDate::from_ymd_opt(2025, 3, 15).unwrap(),
        value: Decimal::from(value),
        note: Some("Posyandu Mustikajaya".into()),
        submitted_at: chrono::Utc::now(),
    }
}

fn evidence_file(path: &str) -> pantau_store::EvidenceFile {
    pantau_store::EvidenceFile {
        file_name: "foto.jpg".into(),
        content_type: "image/jpeg".into(),
        size_bytes: 2048,
        stored_path: path.into(),
    }
}

/// Entries, evidence rows (over all entries) and audit records of the region.
async fn entry_rows(db: &Db) -> (usize, usize, usize) {
    let entries = db
        .entries("3275", &pantau_store::EntryFilter::default())
        .await
        .unwrap();
    let mut evidence = 0;
    for entry in &entries {
        evidence += db.evidence_of_entry("3275", entry.id).await.unwrap().len();
    }
    (entries.len(), evidence, audit_count(db, "3275").await)
}

async fn entry_and_its_evidence_are_written_together(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let (entries, evidence, audit) = entry_rows(&db).await;
    let version = db.region_version("3275").await.unwrap();
    let files = [
        evidence_file("/var/lib/pantau/evidence/3275/a.jpg"),
        evidence_file("/var/lib/pantau/evidence/3275/b.pdf"),
    ];
    let created = db
        .create_entry_with_evidence("3275", &new_entry(7), &files, &actor("op.dp3a", Some(1)))
        .await
        .unwrap();
    assert_eq!(created.evidence.len(), 2);
    let stored = db.evidence_of_entry("3275", created.entry).await.unwrap();
    assert_eq!(
        stored.iter().map(|e| e.id).collect::<Vec<_>>(),
        created.evidence
    );
    assert_eq!(
        stored
            .iter()
            .map(|e| e.stored_path.as_str())
            .collect::<Vec<_>>(),
        files
            .iter()
            .map(|f| f.stored_path.as_str())
            .collect::<Vec<_>>()
    );
    let entry = db.entry("3275", created.entry).await.unwrap().unwrap();
    assert_eq!(entry.value, Decimal::from(7));
    assert_eq!(
        entry_rows(&db).await,
        (entries + 1, evidence + 2, audit + 3)
    );
    let records = db.audit_log("3275", 3).await.unwrap();
    let what: Vec<_> = records
        .iter()
        .rev()
        .map(|r| (r.action.as_str(), r.entity.as_str()))
        .collect();
    assert_eq!(
        what,
        [
            ("submit", "entry"),
            ("create", "evidence"),
            ("create", "evidence")
        ]
    );
    assert_eq!(
        records[0].after.as_ref().unwrap()["entry_id"],
        json!(created.entry)
    );
    let after = db.region_version("3275").await.unwrap();
    assert_eq!((after.plan, after.data), (version.plan, version.data + 1));

    // Without files it is create_entry; add_evidence still adds to an entry.
    let plain = db
        .create_entry("3275", &new_entry(3), &actor("op.dp3a", Some(1)))
        .await
        .unwrap();
    let file = evidence_file("/var/lib/pantau/evidence/3275/c.png").of_entry(plain);
    db.add_evidence("3275", &file, &actor("op.dp3a", Some(1)))
        .await
        .unwrap();
    assert_eq!(
        entry_rows(&db).await,
        (entries + 2, evidence + 3, audit + 5)
    );
}

async fn a_failing_evidence_insert_writes_no_entry(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let first = evidence_file("/var/lib/pantau/evidence/3275/a.jpg");
    db.create_entry_with_evidence(
        "3275",
        &new_entry(7),
        std::slice::from_ref(&first),
        &actor("op", None),
    )
    .await
    .unwrap();
    let before = entry_rows(&db).await;
    let version = db.region_version("3275").await.unwrap();
    let bundle = export(&*db, "3275").await;

    // The second file's row breaks the one-row-per-file constraint, in the
    // same call or against a file already recorded: nothing of it is kept.
    let twice = [
        evidence_file("/var/lib/pantau/evidence/3275/b.jpg"),
        evidence_file("/var/lib/pantau/evidence/3275/b.jpg"),
    ];
    let again = [evidence_file("/var/lib/pantau/evidence/3275/c.jpg"), first];
    for files in [&twice[..], &again[..]] {
        match db
            .create_entry_with_evidence("3275", &new_entry(9), files, &actor("op", None))
            .await
        {
            Err(StoreError::Database(_)) => {}
            other => panic!("a file recorded twice: expected a database error, got {other:?}"),
        }
        assert_eq!(entry_rows(&db).await, before);
        assert_eq!(db.region_version("3275").await.unwrap(), version);
        assert_eq!(export(&*db, "3275").await, bundle);
    }
    // An unknown target writes nothing either.
    let mut unknown = new_entry(1);
    unknown.target = "NOPE-01".into();
    match db
        .create_entry_with_evidence("3275", &unknown, &twice[..1], &actor("op", None))
        .await
    {
        Err(StoreError::NotFound { what: "target", .. }) => {}
        other => panic!("an unknown target: expected NotFound, got {other:?}"),
    }
    assert_eq!(entry_rows(&db).await, before);
}

async fn entry_values_follow_the_domain_rule(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let on = |target: &str, value: &str| {
        let mut entry = new_entry(0);
        entry.target = target.into();
        entry.value = Decimal::from_str(value).unwrap();
        entry
    };
    let before = entry_rows(&db).await;
    // DP3A-01 is a sum, DLH-01 a milestone, SATPOLPP-02 a last.
    for (target, value) in [("DP3A-01", "-1"), ("DLH-01", "2"), ("DLH-01", "0.5")] {
        let refused = db
            .create_entry_with_evidence(
                "3275",
                &on(target, value),
                &[evidence_file(&format!("/tmp/{target}-{value}.jpg"))],
                &actor("op", None),
            )
            .await;
        match refused {
            Err(StoreError::Invalid { field, message }) => {
                assert_eq!(field, "value");
                let kind = if target == "DP3A-01" {
                    pantau_domain::bundle::Kind::Sum
                } else {
                    pantau_domain::bundle::Kind::Milestone
                };
                let problem = pantau_domain::rules::check_entry_value(
                    kind,
                    Decimal::from_str(value).unwrap(),
                )
                .unwrap_err();
                assert_eq!(message, problem.to_string());
            }
            other => panic!("{target} = {value}: expected Invalid, got {other:?}"),
        }
    }
    assert_eq!(entry_rows(&db).await, before);
    let milestone = db
        .create_entry("3275", &on("DLH-01", "1"), &actor("op", None))
        .await
        .unwrap();
    db.create_entry("3275", &on("SATPOLPP-02", "-4"), &actor("op", None))
        .await
        .unwrap();
    let change = pantau_store::EntryChange {
        activity_date: chrono::NaiveDate::from_ymd_opt(2025, 3, 16).unwrap(),
        value: Decimal::from(3),
        note: None,
        submitted_at: chrono::Utc::now(),
    };
    match db
        .update_entry("3275", milestone, &change, &actor("op", None))
        .await
    {
        Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "value"),
        other => panic!("a milestone changed to 3: expected Invalid, got {other:?}"),
    }
    let kept = db.entry("3275", milestone).await.unwrap().unwrap();
    assert_eq!(kept.value, Decimal::ONE);
    // The region still exports and validates.
    pantau_domain::validate(&export(&*db, "3275").await).unwrap();
}

/// Keyset paging: after each page's last id, every entry once, in id order,
/// the filters applied before the limit.
async fn entries_are_paged_by_id(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let newest_first = db
        .entries("3275", &pantau_store::EntryFilter::default())
        .await
        .unwrap();
    assert!(newest_first.windows(2).all(|w| w[0].id > w[1].id));
    for unit in [None, Some("DP3A".to_owned())] {
        let mut want: Vec<i64> = newest_first
            .iter()
            .filter(|e| unit.as_ref().is_none_or(|u| *u == e.unit))
            .map(|e| e.id)
            .collect();
        want.sort();
        let mut got = Vec::new();
        let mut after = 0;
        loop {
            let page = db
                .entries(
                    "3275",
                    &pantau_store::EntryFilter {
                        unit: unit.clone(),
                        after_id: Some(after),
                        limit: Some(7),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert!(page.len() <= 7);
            let Some(last) = page.last() else { break };
            after = last.id;
            got.extend(page.iter().map(|e| e.id));
        }
        assert!(!want.is_empty());
        assert_eq!(got, want, "{unit:?}");
    }
}

/// Page-numbered lists: every filter, the search and the order in the SQL, and
/// a count that agrees with what the pages list.
async fn entries_are_searched_sorted_and_counted(db: Db) {
    use pantau_store::{EntryFilter, EntrySort};
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let all = db.entries("3275", &EntryFilter::default()).await.unwrap();
    let dp3a = EntryFilter {
        unit: Some("DP3A".into()),
        ..Default::default()
    };
    let want: Vec<_> = all.iter().filter(|e| e.unit == "DP3A").collect();
    assert_eq!(
        db.count_entries("3275", &dp3a).await.unwrap(),
        want.len() as i64
    );
    // Pages of 5 by activity date cover every entry once, in order.
    let mut seen = Vec::new();
    for page in 0.. {
        let rows = db
            .entries(
                "3275",
                &EntryFilter {
                    sort: EntrySort::ActivityEarliest,
                    offset: Some(page * 5),
                    limit: Some(5),
                    ..dp3a.clone()
                },
            )
            .await
            .unwrap();
        if rows.is_empty() {
            break;
        }
        seen.extend(rows);
    }
    assert_eq!(seen.len(), want.len());
    assert!(
        seen.windows(2)
            .all(|w| (w[0].activity_date, w[0].id) <= (w[1].activity_date, w[1].id))
    );
    // The search: every word, in the target's code or name, the unit or the note,
    // whatever the case; the LIKE wildcards are only characters.
    let word = want[0].target.to_lowercase();
    let found = EntryFilter {
        search: Some(format!("  {}  dp3a ", word.to_uppercase())),
        ..Default::default()
    };
    let count = db.count_entries("3275", &found).await.unwrap();
    assert_eq!(
        count,
        all.iter()
            .filter(|e| e.target.to_lowercase() == word)
            .count() as i64
    );
    for nothing in ["%", "_", "dp3a zzzz"] {
        let filter = EntryFilter {
            search: Some(nothing.into()),
            ..Default::default()
        };
        assert_eq!(
            db.count_entries("3275", &filter).await.unwrap(),
            0,
            "{nothing}"
        );
    }
    // A period: activity dates from and to, both inclusive.
    let day = want[0].activity_date;
    let on_day = EntryFilter {
        activity_from: Some(day),
        activity_to: Some(day),
        ..dp3a.clone()
    };
    let rows = db.entries("3275", &on_day).await.unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|e| e.activity_date == day));
    assert_eq!(
        db.count_entries("3275", &on_day).await.unwrap(),
        rows.len() as i64
    );
    // The audit log is counted and paged the same way.
    let audit = pantau_store::AuditFilter::default();
    let total = db.count_audit("3275", &audit).await.unwrap();
    let oldest = db
        .audit_page(
            "3275",
            &pantau_store::AuditFilter {
                oldest_first: true,
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(total >= 1 && oldest.len() == 1);
    let searched = pantau_store::AuditFilter {
        search: Some(oldest[0].action.to_uppercase()),
        ..Default::default()
    };
    assert!(db.count_audit("3275", &searched).await.unwrap() >= 1);
}
