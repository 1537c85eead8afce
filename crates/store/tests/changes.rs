//! What changed in a region's reports since a data version: the rows a cache
//! applies instead of reloading the region, and the ids that place them.

#[macro_use]
mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use common::*;
use pantau_domain::bundle::EntryStatus;
use pantau_store::{EntryChange, ImportMode, NewEntry, NewNilReport, Review};
use rust_decimal::Decimal;

backend_tests!(
    each_report_change_is_listed_once_with_its_version,
    a_plan_change_asks_for_a_whole_load,
    a_snapshot_names_the_rows_of_its_bundle,
);

const REGION: &str = "3275";

fn entry(target: &str, day: u32, value: i64) -> NewEntry {
    NewEntry {
        program: "100HK".into(),
        target: target.into(),
        activity_date: NaiveDate::from_ymd_opt(2025, 4, day).unwrap(),
        value: Decimal::from(value),
        note: None,
        submitted_at: Utc.with_ymd_and_hms(2025, 4, day, 3, 0, 0).unwrap(),
    }
}

async fn each_report_change_is_listed_once_with_its_version(db: Db) {
    import(&*db.store, &sample(), ImportMode::NewRegion).await;
    let actor = actor("cli", None);
    let start = db.region_version(REGION).await.unwrap();
    let changes = db.data_changes_since(REGION, start).await.unwrap().unwrap();
    assert_eq!(changes.version, start);
    assert!(changes.entries.is_empty() && changes.deleted_entries.is_empty());

    let kept = db
        .create_entry(REGION, &entry("DP3A-01", 10, 3), &actor)
        .await
        .unwrap();
    let gone = db
        .create_entry(REGION, &entry("DP3A-01", 11, 4), &actor)
        .await
        .unwrap();
    db.update_entry(
        REGION,
        kept,
        &EntryChange {
            activity_date: NaiveDate::from_ymd_opt(2025, 4, 12).unwrap(),
            value: Decimal::from(5),
            note: Some("diperbaiki".into()),
            submitted_at: Utc.with_ymd_and_hms(2025, 4, 12, 3, 0, 0).unwrap(),
        },
        &actor,
    )
    .await
    .unwrap();
    db.review_entry(REGION, kept, &Review::Verify, &actor)
        .await
        .unwrap();
    db.delete_entry(REGION, gone, &actor).await.unwrap();
    let nil = NewNilReport {
        program: "100HK".into(),
        unit: "DLH".into(),
        date: NaiveDate::from_ymd_opt(2025, 4, 14).unwrap(),
        reason: Some("libur".into()),
        submitted_at: Utc.with_ymd_and_hms(2025, 4, 14, 3, 0, 0).unwrap(),
    };
    let nil_id = db.create_nil_report(REGION, &nil, &actor).await.unwrap();

    let now = db.region_version(REGION).await.unwrap();
    assert_eq!(
        now.plan, start.plan,
        "reports leave the plan's version alone"
    );
    assert_eq!(now.data, start.data + 6, "one data version per write");
    let changes = db.data_changes_since(REGION, start).await.unwrap().unwrap();
    assert_eq!(changes.version, now);
    // The entry as it stands after its last change, once, with that change's version.
    assert_eq!(changes.entries.len(), 1, "{:?}", changes.entries);
    let row = &changes.entries[0];
    assert_eq!(
        (
            row.id,
            row.changed_in,
            row.target.as_str(),
            row.value,
            row.status
        ),
        (
            kept,
            start.data + 4,
            "DP3A-01",
            Decimal::from(5),
            EntryStatus::Verified
        )
    );
    assert_eq!(
        row.activity_date,
        NaiveDate::from_ymd_opt(2025, 4, 12).unwrap()
    );
    assert_eq!(changes.deleted_entries, vec![(gone, start.data + 5)]);
    assert_eq!(changes.nil_reports.len(), 1);
    assert_eq!(
        (
            changes.nil_reports[0].id,
            changes.nil_reports[0].unit.as_str()
        ),
        (nil_id, "DLH")
    );
    // Since a later version, only what came after it.
    let later = pantau_store::RegionVersion {
        data: start.data + 5,
        ..start
    };
    let changes = db.data_changes_since(REGION, later).await.unwrap().unwrap();
    assert!(changes.entries.is_empty() && changes.deleted_entries.is_empty());
    assert_eq!(changes.nil_reports.len(), 1);
}

async fn a_plan_change_asks_for_a_whole_load(db: Db) {
    import(&*db.store, &sample(), ImportMode::NewRegion).await;
    let start = db.region_version(REGION).await.unwrap();
    import(&*db.store, &sample(), ImportMode::Merge).await;
    assert!(
        db.data_changes_since(REGION, start)
            .await
            .unwrap()
            .is_none()
    );
    // And a version too far behind to list is answered the same way.
    let now = db.region_version(REGION).await.unwrap();
    let ancient = pantau_store::RegionVersion {
        data: now.data - pantau_store::CHANGES_KEPT - 1,
        ..now
    };
    assert!(
        db.data_changes_since(REGION, ancient)
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_snapshot_names_the_rows_of_its_bundle(db: Db) {
    import(&*db.store, &sample(), ImportMode::NewRegion).await;
    let added = db
        .create_entry(REGION, &entry("DP3A-02", 10, 1), &actor("cli", None))
        .await
        .unwrap();
    let snapshot = db.region_snapshot(REGION).await.unwrap();
    assert_eq!(snapshot.version, db.region_version(REGION).await.unwrap());
    assert_eq!(snapshot.ids.len(), snapshot.bundle.programs.len());
    for (ids, program) in snapshot.ids.iter().zip(&snapshot.bundle.programs) {
        assert_eq!(ids.program, program.code);
        assert_eq!(ids.entries.len(), program.entries.len());
        assert_eq!(ids.nil_reports.len(), program.nil_reports.len());
        assert!(ids.entries.is_sorted(), "the bundle lists entries by id");
    }
    assert_eq!(snapshot.ids[0].entries.last(), Some(&added));
    let program = &snapshot.bundle.programs[0];
    assert_eq!(program.entries.last().unwrap().target, "DP3A-02");
}

/// Two app servers on one PostgreSQL: the watching one answers the region's
/// version from what the other's commits notified, without asking the
/// database (a version changed behind both their backs goes unseen), and
/// learns the next commit at once.
#[tokio::test]
async fn postgres_servers_learn_versions_from_notifications() {
    let db = Db::fresh(pantau_store::Backend::Postgres).await;
    import(&*db.store, &sample(), ImportMode::NewRegion).await;
    let watching = db.second_store().await;
    watching.watch_versions().await.unwrap();
    let start = watching.region_version(REGION).await.unwrap();
    assert_eq!(start, db.region_version(REGION).await.unwrap());

    db.behind_the_back("UPDATE regions SET data_version = data_version + 100")
        .await;
    assert_eq!(
        watching.region_version(REGION).await.unwrap(),
        start,
        "answered from the notifications, not the database"
    );

    db.create_entry(REGION, &entry("DP3A-01", 10, 3), &actor("cli", None))
        .await
        .unwrap();
    let expected = pantau_store::RegionVersion {
        plan: start.plan,
        data: start.data + 101,
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let seen = watching.region_version(REGION).await.unwrap();
        if seen == expected {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the commit was not notified: {seen:?}, expected {expected:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
