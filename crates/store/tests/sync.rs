//! Exchange between levels: a receiver applies complete snapshots of a
//! region's program, counting rows imported, updated, unchanged, deleted and
//! refused; a retried push is answered again and not applied twice; the
//! sender's queue keeps one snapshot per program until it is delivered.

#[macro_use]
mod common;

use chrono::{Duration, Utc};
use common::*;
use pantau_store::{NewPush, Push, PushAnswer, StoreError, snapshots_of};
use serde_json::{Value, json};

backend_tests!(
    a_push_counts_its_rows_and_missing_rows_become_deletions,
    a_retried_push_is_answered_again_and_a_reused_key_refused,
    a_dry_run_writes_nothing,
    a_row_that_breaks_a_rule_is_refused_alone,
    only_a_registered_region_with_its_token_is_taken,
    the_queue_keeps_the_newest_snapshot_per_program_until_delivered,
);

const REGION: &str = "3275";

/// The sample's one program as a snapshot, changed by `edit`.
fn snapshot(edit: impl FnOnce(&mut Value)) -> (pantau_domain::bundle::Bundle, String) {
    let mut doc = sample_json();
    edit(&mut doc);
    let bundle = snapshots_of(&bundle_from(&doc)).remove(0);
    let text = serde_json::to_string(&bundle).unwrap();
    let sha = pantau_store::ImportSource::of(None, text.as_bytes()).sha256;
    (bundle, sha)
}

fn push(bundle: pantau_domain::bundle::Bundle, sha: String, key: &str, dry_run: bool) -> Push {
    Push {
        region: REGION.into(),
        snapshot: bundle,
        idempotency_key: Some(key.into()),
        body_sha256: sha,
        dry_run,
    }
}

async fn registered(db: &Db) -> String {
    db.sync_allow(REGION, "Kota Bekasi", &actor("cli", None))
        .await
        .unwrap()
}

fn counts(answer: &PushAnswer) -> [usize; 5] {
    [
        answer.imported,
        answer.updated,
        answer.unchanged,
        answer.deleted,
        answer.refused,
    ]
}

/// The stored entries of the program as (target, date, value) in order.
async fn stored_rows(db: &Db) -> Vec<(String, String, String)> {
    export(&*db.store, REGION).await.programs[0]
        .entries
        .iter()
        .map(|e| {
            (
                e.target.clone(),
                e.activity_date.to_string(),
                e.value.normalize().to_string(),
            )
        })
        .collect()
}

async fn a_push_counts_its_rows_and_missing_rows_become_deletions(db: Db) {
    registered(&db).await;
    let (bundle, sha) = snapshot(|_| {});
    let entries = bundle.programs[0].entries.len();
    let nils = bundle.programs[0].nil_reports.len();
    let first = db
        .apply_push(&push(bundle, sha, "k1", false), &actor("sync", None))
        .await
        .unwrap();
    assert_eq!(counts(&first), [entries + nils, 0, 0, 0, 0]);
    assert!(!first.dry_run && !first.replayed && first.accepted_at.is_some());
    assert_eq!(stored_rows(&db).await.len(), entries);

    // The next snapshot: one value set to zero (a real value, not a gap), one
    // note changed, the last entry and the last nil report gone.
    let (bundle, sha) = snapshot(|doc| {
        let program = &mut doc["programs"][0];
        program["entries"][0]["value"] = json!(0);
        program["entries"][1]["note"] = json!("diperbaiki");
        program["entries"].as_array_mut().unwrap().pop();
        program["nil_reports"].as_array_mut().unwrap().pop();
    });
    let second = db
        .apply_push(
            &push(bundle.clone(), sha, "k2", false),
            &actor("sync", None),
        )
        .await
        .unwrap();
    assert_eq!(
        counts(&second),
        [0, 2, entries - 3 + nils - 1, 2, 0],
        "{second:?}"
    );
    let rows = stored_rows(&db).await;
    assert_eq!(rows.len(), entries - 1);
    let first_entry = &bundle.programs[0].entries[0];
    assert_eq!(
        rows[0],
        (
            first_entry.target.clone(),
            first_entry.activity_date.to_string(),
            "0".into()
        )
    );
    let stored = export(&*db.store, REGION).await;
    assert_eq!(stored.programs[0].nil_reports.len(), nils - 1);
    assert_eq!(
        stored.programs[0].entries[1].note.as_deref(),
        Some("diperbaiki")
    );

    // The same snapshot again: every row unchanged.
    let (bundle, sha) = snapshot(|doc| {
        let program = &mut doc["programs"][0];
        program["entries"][0]["value"] = json!(0);
        program["entries"][1]["note"] = json!("diperbaiki");
        program["entries"].as_array_mut().unwrap().pop();
        program["nil_reports"].as_array_mut().unwrap().pop();
    });
    let third = db
        .apply_push(&push(bundle, sha, "k3", false), &actor("sync", None))
        .await
        .unwrap();
    assert_eq!(counts(&third), [0, 0, entries - 1 + nils - 1, 0, 0]);

    let regions = db.sync_regions().await.unwrap();
    assert_eq!(regions.len(), 1);
    assert_eq!(regions[0].last_push_at, third.accepted_at);
    assert_eq!(regions[0].last_program.as_deref(), Some("100HK"));
    assert!(!regions[0].is_late(Utc::now(), Duration::days(7)));
    assert!(regions[0].is_late(Utc::now() + Duration::days(8), Duration::days(7)));
}

async fn a_retried_push_is_answered_again_and_a_reused_key_refused(db: Db) {
    registered(&db).await;
    let (bundle, sha) = snapshot(|_| {});
    let entries = bundle.programs[0].entries.len();
    let first = db
        .apply_push(
            &push(bundle.clone(), sha.clone(), "k1", false),
            &actor("sync", None),
        )
        .await
        .unwrap();
    // The answer was lost on the way: the sender sends the same push again.
    let again = db
        .apply_push(&push(bundle, sha, "k1", false), &actor("sync", None))
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(counts(&again), counts(&first));
    assert_eq!(again.accepted_at, first.accepted_at);
    assert_eq!(stored_rows(&db).await.len(), entries, "nothing added twice");

    let (other, other_sha) = snapshot(|doc| {
        doc["programs"][0]["entries"].as_array_mut().unwrap().pop();
    });
    let err = db
        .apply_push(&push(other, other_sha, "k1", false), &actor("sync", None))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid { field, .. } if field == "Idempotency-Key"),
        "{err}"
    );
    assert_eq!(
        stored_rows(&db).await.len(),
        entries,
        "the other push is not applied"
    );

    let (bundle, sha) = snapshot(|_| {});
    let mut keyless = push(bundle, sha, "k9", false);
    keyless.idempotency_key = None;
    let err = db
        .apply_push(&keyless, &actor("sync", None))
        .await
        .unwrap_err();
    assert!(matches!(&err, StoreError::Invalid { field, .. } if field == "Idempotency-Key"));
}

async fn a_dry_run_writes_nothing(db: Db) {
    registered(&db).await;
    let (bundle, sha) = snapshot(|_| {});
    let entries = bundle.programs[0].entries.len();
    let nils = bundle.programs[0].nil_reports.len();
    let checked = db
        .apply_push(
            &push(bundle.clone(), sha.clone(), "k1", true),
            &actor("sync", None),
        )
        .await
        .unwrap();
    assert!(checked.dry_run && checked.accepted_at.is_none());
    assert_eq!(counts(&checked), [entries + nils, 0, 0, 0, 0]);
    assert!(db.regions().await.unwrap().is_empty(), "no region written");
    assert_eq!(db.sync_regions().await.unwrap()[0].last_push_at, None);

    // The key of a dry run is not spent: the real push with it is applied.
    let real = db
        .apply_push(&push(bundle, sha, "k1", false), &actor("sync", None))
        .await
        .unwrap();
    assert!(!real.replayed);
    assert_eq!(counts(&real), counts(&checked));

    let (smaller, sha) = snapshot(|doc| {
        doc["programs"][0]["entries"] = json!([]);
    });
    let checked = db
        .apply_push(&push(smaller, sha, "k2", true), &actor("sync", None))
        .await
        .unwrap();
    assert_eq!(checked.deleted, entries);
    assert_eq!(stored_rows(&db).await.len(), entries, "nothing deleted");
}

async fn a_row_that_breaks_a_rule_is_refused_alone(db: Db) {
    registered(&db).await;
    let (bundle, sha) = snapshot(|doc| {
        doc["programs"][0]["entries"][2]["target"] = json!("NOPE-01");
    });
    let entries = bundle.programs[0].entries.len();
    let nils = bundle.programs[0].nil_reports.len();
    let answer = db
        .apply_push(&push(bundle, sha, "k1", false), &actor("sync", None))
        .await
        .unwrap();
    assert_eq!(counts(&answer), [entries - 1 + nils, 0, 0, 0, 1]);
    assert_eq!(answer.conflicts.len(), 1);
    assert_eq!(answer.conflicts[0].path, "programs[0].entries[2]");
    assert!(
        answer.conflicts[0].reason.contains("NOPE-01"),
        "{:?}",
        answer.conflicts[0]
    );
    assert_eq!(stored_rows(&db).await.len(), entries - 1);

    // A problem of the plan refuses the push whole.
    let (bundle, sha) = snapshot(|doc| {
        doc["programs"][0]["targets"][0]["unit"] = json!("NOPE");
    });
    let err = db
        .apply_push(&push(bundle, sha, "k2", false), &actor("sync", None))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Refused(_)), "{err}");
}

async fn only_a_registered_region_with_its_token_is_taken(db: Db) {
    let (bundle, sha) = snapshot(|_| {});
    let err = db
        .apply_push(
            &push(bundle.clone(), sha.clone(), "k1", false),
            &actor("sync", None),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert!(db.regions().await.unwrap().is_empty());

    let token = registered(&db).await;
    assert!(db.sync_token_matches(REGION, &token).await.unwrap());
    assert!(
        !db.sync_token_matches(REGION, "pantau_sync_wrong")
            .await
            .unwrap()
    );
    assert!(!db.sync_token_matches("3276", &token).await.unwrap());
    // A new token replaces the old.
    let renewed = registered(&db).await;
    assert!(!db.sync_token_matches(REGION, &token).await.unwrap());
    assert!(db.sync_token_matches(REGION, &renewed).await.unwrap());

    // The snapshot must be of the region it is pushed to.
    let mut wrong = push(bundle, sha, "k1", false);
    wrong.region = "3276".into();
    db.sync_allow("3276", "Kota Depok", &actor("cli", None))
        .await
        .unwrap();
    let err = db
        .apply_push(&wrong, &actor("sync", None))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid { field, .. } if field == "region.code"),
        "{err}"
    );

    // The name is the registered one, whatever the sender calls itself.
    let (bundle, sha) = snapshot(|doc| doc["region"]["name"] = json!("Bekasi Raya"));
    db.apply_push(&push(bundle, sha, "k2", false), &actor("sync", None))
        .await
        .unwrap();
    assert_eq!(export(&*db.store, REGION).await.region.name, "Kota Bekasi");
}

async fn the_queue_keeps_the_newest_snapshot_per_program_until_delivered(db: Db) {
    let now = Utc::now();
    let queued = |key: &str, program: &str, body: &str| NewPush {
        url: "https://pantau.jabarprov.go.id".into(),
        token: "pantau_sync_x".into(),
        region: REGION.into(),
        program: program.into(),
        idempotency_key: key.into(),
        body: body.into(),
    };
    db.queue_push(&queued("k1", "100HK", "old"), now)
        .await
        .unwrap();
    db.queue_push(&queued("k2", "RPJMD", "other"), now)
        .await
        .unwrap();
    let newer = db
        .queue_push(&queued("k3", "100HK", "new"), now)
        .await
        .unwrap();
    let waiting = db.waiting_pushes().await.unwrap();
    assert_eq!(waiting.len(), 2);
    let hk = waiting.iter().find(|p| p.program == "100HK").unwrap();
    assert_eq!(
        (hk.id, hk.body.as_str(), hk.idempotency_key.as_str()),
        (newer, "new", "k3")
    );

    let later = now + Duration::seconds(30);
    db.push_failed(newer, "connection reset", later)
        .await
        .unwrap();
    let waiting = db.waiting_pushes().await.unwrap();
    let hk = waiting.iter().find(|p| p.id == newer).unwrap();
    assert_eq!(hk.attempts, 1);
    assert_eq!(hk.last_error.as_deref(), Some("connection reset"));
    assert!(hk.next_attempt_at > now + Duration::seconds(29));

    db.push_delivered(newer, "{}", later).await.unwrap();
    let waiting = db.waiting_pushes().await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].program, "RPJMD");
    // A delivered push is not replaced by the next snapshot: it stays as a record.
    db.queue_push(&queued("k4", "100HK", "newest"), now)
        .await
        .unwrap();
    assert_eq!(db.waiting_pushes().await.unwrap().len(), 2);
}
