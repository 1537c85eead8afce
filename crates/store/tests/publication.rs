//! Publication on both backends: only a known program is published, each
//! publication and withdrawal is audited and changes the region's version
//! (so cached public pages are read again), publishing twice records once,
//! and the open-data licence is one of the listed ones.

#[macro_use]
mod common;

use common::*;
use pantau_store::{ImportMode, StoreError};

backend_tests!(
    a_program_is_published_and_withdrawn_with_audit_and_new_versions,
    only_a_known_program_of_a_known_region_is_published,
    the_licence_is_the_default_until_one_of_the_list_is_chosen,
);

async fn a_program_is_published_and_withdrawn_with_audit_and_new_versions(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let admin = actor("admin", None);
    assert!(db.publications("3275").await.unwrap().is_empty());
    let before = db.region_version("3275").await.unwrap();
    db.publish("3275", "100HK", &admin).await.unwrap();
    let published = db.region_version("3275").await.unwrap();
    assert!(published.data > before.data, "publishing bumps the version");
    let list = db.publications("3275").await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].program.as_str(), list[0].published_by.as_str()),
        ("100HK", "admin")
    );
    // Twice: nothing changes, nothing more is recorded.
    db.publish("3275", "100HK", &admin).await.unwrap();
    assert_eq!(db.region_version("3275").await.unwrap(), published);
    db.withdraw("3275", "100HK", &admin).await.unwrap();
    assert!(db.publications("3275").await.unwrap().is_empty());
    assert!(db.region_version("3275").await.unwrap().data > published.data);
    assert!(matches!(
        db.withdraw("3275", "100HK", &admin).await,
        Err(StoreError::NotFound { .. })
    ));
    let log = db.audit_log("3275", 10).await.unwrap();
    let actions: Vec<_> = log
        .iter()
        .filter(|r| r.entity == "program")
        .map(|r| (r.action.as_str(), r.entity_id.as_deref(), r.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("withdraw", Some("100HK"), "admin"),
            ("publish", Some("100HK"), "admin")
        ]
    );
    assert!(
        db.verify_audit_chain("3275")
            .await
            .unwrap()
            .broken
            .is_none()
    );
}

async fn only_a_known_program_of_a_known_region_is_published(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let admin = actor("admin", None);
    assert!(matches!(
        db.publish("3275", "NOPE", &admin).await,
        Err(StoreError::NotFound {
            what: "program",
            ..
        })
    ));
    assert!(matches!(
        db.publish("9999", "100HK", &admin).await,
        Err(StoreError::UnknownRegion(_))
    ));
    assert!(db.publications("3275").await.unwrap().is_empty());
    assert!(db.publications("9999").await.unwrap().is_empty());
    assert!(
        db.audit_log("3275", 10)
            .await
            .unwrap()
            .iter()
            .all(|r| r.entity != "program")
    );
}

async fn the_licence_is_the_default_until_one_of_the_list_is_chosen(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let admin = actor("admin", None);
    assert_eq!(db.open_data_licence("3275").await.unwrap(), "CC-BY-4.0");
    let refused = db
        .set_open_data_licence("3275", "all rights reserved", &admin)
        .await;
    assert!(matches!(refused, Err(StoreError::Invalid { ref field, .. }) if field == "licence"));
    db.set_open_data_licence("3275", "CC0-1.0", &admin)
        .await
        .unwrap();
    assert_eq!(db.open_data_licence("3275").await.unwrap(), "CC0-1.0");
    let log = db.audit_log("3275", 5).await.unwrap();
    assert_eq!(log[0].entity, "open_data_licence");
    assert_eq!(
        log[0].after,
        Some(serde_json::json!({"licence": "CC0-1.0"}))
    );
}
