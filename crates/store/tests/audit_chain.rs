//! The audit log is a hash chain per region: `verify_audit_chain` recomputes
//! it and names the first record edited, deleted or added behind the store's
//! back, on SQLite and on PostgreSQL.

#[macro_use]
mod common;

use common::*;
use pantau_store::{BrokenLink, BrokenReason, ImportMode, NewAudit};

backend_tests!(
    an_untouched_log_verifies,
    an_edited_record_breaks_the_chain_at_that_record,
    a_deleted_record_breaks_the_chain_after_it,
    a_deleted_last_record_is_found_by_the_head,
    a_record_slipped_in_is_found,
    regions_have_chains_of_their_own,
    concurrent_appends_keep_one_chain,
);

const REGION: &str = "3275";

fn note(action: &str) -> NewAudit {
    NewAudit {
        action: action.into(),
        entity: "test".into(),
        entity_id: Some("1".into()),
        before: None,
        after: Some(serde_json::json!({"why": action, "nested": {"b": 1, "a": [1, 2]}})),
    }
}

/// The sample imported (its own audit record) and five more records.
async fn with_records(db: &Db) -> Vec<i64> {
    import(&*db.store, &sample(), ImportMode::NewRegion).await;
    for n in 0..5 {
        db.append_audit(
            Some(REGION),
            &actor("admin", None),
            note(&format!("step-{n}")),
        )
        .await
        .unwrap();
    }
    let mut ids: Vec<i64> = db
        .audit_log(REGION, 100)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    ids.sort();
    ids
}

async fn an_untouched_log_verifies(db: Db) {
    let ids = with_records(&db).await;
    let report = db.verify_audit_chain(REGION).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.checked, ids.len() as u64);
    assert_eq!(report.unchained, 0);
}

async fn an_edited_record_breaks_the_chain_at_that_record(db: Db) {
    let ids = with_records(&db).await;
    db.behind_the_back(&format!(
        "UPDATE audit_log SET actor = 'someone-else' WHERE id = {}",
        ids[3]
    ))
    .await;
    let report = db.verify_audit_chain(REGION).await.unwrap();
    assert_eq!(
        report.broken,
        Some(BrokenLink {
            record: ids[3],
            reason: BrokenReason::HashMismatch
        })
    );
    assert_eq!(report.checked, 3, "the records before it still hold");
    assert!(
        report
            .broken
            .unwrap()
            .to_string()
            .contains(&ids[3].to_string())
    );

    // Editing the JSON of another record is found as well, at the earlier one.
    db.behind_the_back(&format!(
        "UPDATE audit_log SET after_value = '{{}}' WHERE id = {}",
        ids[1]
    ))
    .await;
    let report = db.verify_audit_chain(REGION).await.unwrap();
    assert_eq!(report.broken.unwrap().record, ids[1]);
}

async fn a_deleted_record_breaks_the_chain_after_it(db: Db) {
    let ids = with_records(&db).await;
    db.behind_the_back(&format!("DELETE FROM audit_log WHERE id = {}", ids[2]))
        .await;
    let report = db.verify_audit_chain(REGION).await.unwrap();
    assert_eq!(
        report.broken,
        Some(BrokenLink {
            record: ids[3],
            reason: BrokenReason::HashMismatch
        })
    );
}

async fn a_deleted_last_record_is_found_by_the_head(db: Db) {
    let ids = with_records(&db).await;
    let last = *ids.last().unwrap();
    db.behind_the_back(&format!("DELETE FROM audit_log WHERE id = {last}"))
        .await;
    let report = db.verify_audit_chain(REGION).await.unwrap();
    assert_eq!(
        report.broken,
        Some(BrokenLink {
            record: ids[ids.len() - 2],
            reason: BrokenReason::TailMissing
        })
    );
}

async fn a_record_slipped_in_is_found(db: Db) {
    with_records(&db).await;
    db.behind_the_back(
        "INSERT INTO audit_log (region_id, at, actor, action, entity, chain_hash) \
         SELECT region_id, at, actor, 'forged', entity, chain_hash FROM audit_log \
         WHERE id = (SELECT MAX(id) FROM audit_log)",
    )
    .await;
    let report = db.verify_audit_chain(REGION).await.unwrap();
    assert_eq!(
        report.broken.map(|b| b.reason),
        Some(BrokenReason::HashMismatch)
    );
}

async fn regions_have_chains_of_their_own(db: Db) {
    with_records(&db).await;
    let mut other = sample();
    other.region.code = "3276".into();
    other.region.name = "Kota Lain".into();
    import(&*db.store, &other, ImportMode::NewRegion).await;
    db.append_audit(Some("3276"), &actor("admin", None), note("elsewhere"))
        .await
        .unwrap();
    db.append_audit(None, &actor("cli", None), note("no region"))
        .await
        .unwrap();
    db.append_audit(Some(REGION), &actor("admin", None), note("after"))
        .await
        .unwrap();
    for region in [REGION, "3276"] {
        let report = db.verify_audit_chain(region).await.unwrap();
        assert_eq!(report.broken, None, "{region}");
    }
    assert_eq!(db.verify_audit_chain("3276").await.unwrap().checked, 2);
    assert!(db.verify_audit_chain("9999").await.is_err());
}

async fn concurrent_appends_keep_one_chain(db: Db) {
    import(&*db.store, &sample(), ImportMode::NewRegion).await;
    let store = db.store.clone();
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in 0..5 {
                    store
                        .append_audit(
                            Some(REGION),
                            &actor("admin", None),
                            note(&format!("{w}-{n}")),
                        )
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let report = db.verify_audit_chain(REGION).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.checked, 41);
}
