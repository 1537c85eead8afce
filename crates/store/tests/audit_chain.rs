//! The audit log is a hash chain per region: `verify_audit_chain` recomputes
//! it and names the first record edited, deleted or added behind the store's
//! back, on SQLite and on PostgreSQL.

#[macro_use]
mod common;

use chrono::{Duration, Utc};
use common::*;
use pantau_store::{
    AuditFilter, BrokenLink, BrokenReason, EntryFilter, ImportMode, ImportSource, NewAudit,
    REFUSAL_WINDOW,
};

backend_tests!(
    an_untouched_log_verifies,
    an_edited_record_breaks_the_chain_at_that_record,
    a_deleted_record_breaks_the_chain_after_it,
    a_deleted_last_record_is_found_by_the_head,
    a_record_slipped_in_is_found,
    regions_have_chains_of_their_own,
    concurrent_appends_keep_one_chain,
    fifty_refusals_are_one_record_that_reads_fifty,
    a_closed_window_is_chained_as_one_summary,
    the_log_filters_by_actor_action_entity_and_moment,
    an_import_records_its_counts_and_the_file_hash,
    imported_entries_are_marked_and_submitted_ones_are_not,
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

/// The region's records of `action`, oldest first.
async fn records_of(db: &Db, action: &str) -> Vec<pantau_store::AuditRecord> {
    db.audit_page(
        REGION,
        &AuditFilter {
            action: Some(action.into()),
            oldest_first: true,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn refuse(db: &Db, who: &str, what: &str, at: chrono::DateTime<Utc>) {
    db.record_refusal(
        REGION,
        &actor(who, None),
        what,
        Some(serde_json::json!({"role": "operator"})),
        at,
    )
    .await
    .unwrap();
}

async fn fifty_refusals_are_one_record_that_reads_fifty(db: Db) {
    import(&*db.store, &sample(), ImportMode::NewRegion).await;
    let before = db
        .count_audit(REGION, &AuditFilter::default())
        .await
        .unwrap();
    let now = Utc::now();
    for n in 0..50 {
        refuse(&db, "op-dp3a", "audit.read", now + Duration::seconds(n)).await;
    }
    let after = db
        .count_audit(REGION, &AuditFilter::default())
        .await
        .unwrap();
    assert!(
        after - before <= 2,
        "{} records for 50 refusals",
        after - before
    );
    let refused = records_of(&db, pantau_store::audit::REFUSED).await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].actor, "op-dp3a");
    assert_eq!(refused[0].entity, "audit.read");
    assert_eq!(
        refused[0].repeated,
        Some(50),
        "the count is read with the record"
    );
    // Another actor, or another thing refused, counts on its own.
    refuse(&db, "op-dlh", "audit.read", now).await;
    refuse(&db, "op-dp3a", "queue.read", now).await;
    let refused = records_of(&db, pantau_store::audit::REFUSED).await;
    assert_eq!(refused.len(), 3);
    assert_eq!(refused[1].repeated, None, "a single refusal has no count");
    let report = db.verify_audit_chain(REGION).await.unwrap();
    assert_eq!(report.broken, None);
}

async fn a_closed_window_is_chained_as_one_summary(db: Db) {
    import(&*db.store, &sample(), ImportMode::NewRegion).await;
    let now = Utc::now();
    for n in 0..50 {
        refuse(&db, "op-dp3a", "audit.read", now + Duration::seconds(n)).await;
    }
    // After the window, the next refusal first chains the count of the last one.
    let later = now + REFUSAL_WINDOW + Duration::minutes(1);
    refuse(&db, "op-dp3a", "audit.read", later).await;
    let summaries = records_of(&db, pantau_store::audit::REFUSED_REPEATED).await;
    assert_eq!(summaries.len(), 1);
    let detail = summaries[0].after.as_ref().unwrap();
    assert_eq!(detail["count"], 50);
    assert_eq!(summaries[0].actor, "op-dp3a");
    assert_eq!(summaries[0].entity, "audit.read");
    let refused = records_of(&db, pantau_store::audit::REFUSED).await;
    assert_eq!(
        refused.len(),
        2,
        "the new window opens with a record of its own"
    );
    assert_eq!(
        refused[0].repeated, None,
        "the closed window's count is chained, not pending"
    );
    assert_eq!(detail["first_record"], refused[0].id);
    assert!(
        summaries[0].id < refused[1].id,
        "the summary comes before the new window"
    );
    // A window with a single refusal closes without a summary.
    refuse(
        &db,
        "op-dp3a",
        "audit.read",
        later + REFUSAL_WINDOW + Duration::minutes(1),
    )
    .await;
    assert_eq!(
        records_of(&db, pantau_store::audit::REFUSED_REPEATED)
            .await
            .len(),
        1
    );
    assert_eq!(records_of(&db, pantau_store::audit::REFUSED).await.len(), 3);
    let report = db.verify_audit_chain(REGION).await.unwrap();
    assert_eq!(report.broken, None);
}

async fn the_log_filters_by_actor_action_entity_and_moment(db: Db) {
    import(&*db.store, &sample(), ImportMode::NewRegion).await;
    for (who, action) in [("admin", "edit"), ("asda1", "edit"), ("admin", "delete")] {
        db.append_audit(Some(REGION), &actor(who, None), note(action))
            .await
            .unwrap();
    }
    let count = |filter: AuditFilter| {
        let db = &db;
        async move {
            let total = db.count_audit(REGION, &filter).await.unwrap();
            let page = db.audit_page(REGION, &filter).await.unwrap();
            assert_eq!(page.len() as i64, total);
            page
        }
    };
    let by_admin = count(AuditFilter {
        actor: Some("admin".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(by_admin.len(), 2);
    assert!(by_admin.iter().all(|r| r.actor == "admin"));
    let edits = count(AuditFilter {
        action: Some("edit".into()),
        entity: Some("test".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(edits.len(), 2);
    let both = count(AuditFilter {
        actor: Some("admin".into()),
        action: Some("delete".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(both.len(), 1);
    assert_eq!(
        count(AuditFilter {
            actor: Some("ADMIN".into()),
            ..Default::default()
        })
        .await
        .len(),
        0,
        "an actor is matched exactly"
    );
    let now = Utc::now();
    let all = db
        .count_audit(REGION, &AuditFilter::default())
        .await
        .unwrap();
    let within = count(AuditFilter {
        from: Some(now - Duration::hours(1)),
        until: Some(now + Duration::hours(1)),
        ..Default::default()
    })
    .await;
    assert_eq!(within.len() as i64, all);
    let none_after = count(AuditFilter {
        from: Some(now + Duration::hours(1)),
        ..Default::default()
    })
    .await;
    assert!(none_after.is_empty());
    let none_before = count(AuditFilter {
        until: Some(now - Duration::hours(1)),
        ..Default::default()
    })
    .await;
    assert!(none_before.is_empty());
    let facets = db.audit_facets(REGION).await.unwrap();
    assert_eq!(facets.actors, ["admin", "asda1", "cli"]);
    assert_eq!(facets.actions, ["delete", "edit", "import"]);
    assert_eq!(facets.entities, ["region", "test"]);
}

async fn an_import_records_its_counts_and_the_file_hash(db: Db) {
    let text = sample_text();
    let source = ImportSource::of(Some("bekasi-100hk.json"), text.as_bytes());
    // The SHA-256 of the bytes as given, in hex.
    assert_eq!(
        ImportSource::of(None, b"abc").sha256,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let summary = db
        .import_bundle_from(
            &sample(),
            ImportMode::NewRegion,
            &actor("cli", None),
            Some(&source),
        )
        .await
        .unwrap();
    assert_eq!(summary.entries_verified, 324);
    let imports = records_of(&db, "import").await;
    assert_eq!(imports.len(), 1);
    let detail = imports[0].after.as_ref().unwrap();
    assert_eq!(detail["source"]["sha256"], source.sha256.as_str());
    assert_eq!(detail["source"]["file"], "bekasi-100hk.json");
    assert_eq!(detail["source"]["bytes"], text.len());
    assert_eq!(detail["programs"], summary.programs);
    assert_eq!(detail["targets"], summary.targets);
    assert_eq!(detail["entries_added"], summary.entries_added);
    assert_eq!(detail["entries_verified"], 324);
    assert_eq!(detail["budgets"], summary.budgets);
    assert!(summary.targets > 0 && summary.entries_added > 0 && summary.budgets > 0);
    assert_eq!(db.verify_audit_chain(REGION).await.unwrap().broken, None);
}

async fn imported_entries_are_marked_and_submitted_ones_are_not(db: Db) {
    import(&*db.store, &sample(), ImportMode::NewRegion).await;
    let imported = db.entries(REGION, &EntryFilter::default()).await.unwrap();
    assert!(!imported.is_empty());
    assert!(imported.iter().all(|e| e.imported_at.is_some()));
    let program = &sample().programs[0];
    let target = &program.targets[0];
    let id = db
        .create_entry(
            REGION,
            &pantau_store::NewEntry {
                program: program.code.clone(),
                target: target.code.clone(),
                activity_date: program.start,
                value: rust_decimal::Decimal::ONE,
                note: None,
                submitted_at: Utc::now(),
            },
            &actor("op-dp3a", None),
        )
        .await
        .unwrap();
    let entries = db.entries(REGION, &EntryFilter::default()).await.unwrap();
    let own = entries.iter().find(|e| e.id == id).unwrap();
    assert_eq!(
        own.imported_at, None,
        "an entry submitted here is not imported"
    );
}
