//! What the admin manages beyond the plan, on both backends: the region's
//! letterhead (a checked PNG logo), accounts edited in full, API tokens listed
//! and revoked, and password reset links that work once and expire.

#[macro_use]
mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use pantau_store::{
    ImportMode, LogoChange, PlanItem, ResetRefused, Role, StoreError, Use, UserEdit, UserProfile,
};

backend_tests!(
    identity_is_stored_with_a_checked_logo,
    a_user_is_edited_by_the_same_rules_as_created,
    tokens_are_listed_and_revoked,
    a_reset_link_works_once_and_expires,
    deletion_is_refused_while_used_and_archiving_keeps_history,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// A PNG's signature and IHDR chunk of `width` × `height`: enough for the check.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    bytes.extend(width.to_be_bytes());
    bytes.extend(height.to_be_bytes());
    bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

fn field_of(err: StoreError) -> String {
    match err {
        StoreError::Invalid { field, .. } => field,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

async fn identity_is_stored_with_a_checked_logo(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let admin = actor("admin", None);
    let logo = png(200, 240);
    db.set_identity(
        "3275",
        "Pemerintah Kota Bekasi",
        Some(" Bekasi "),
        LogoChange::Set(logo.clone()),
        &admin,
    )
    .await
    .unwrap();
    let head = db.letterhead("3275").await.unwrap();
    assert_eq!(head.name, "Pemerintah Kota Bekasi");
    assert_eq!(head.place.as_deref(), Some("Bekasi"));
    assert_eq!(head.logo_png.as_deref(), Some(&logo[..]));

    // Not a PNG, too wide, too large: refused, naming the logo; nothing changes.
    for bad in [b"GIF89a-not-a-png-at-all-really".to_vec(), png(1025, 10), {
        let mut big = png(10, 10);
        big.resize(512 * 1024 + 1, 0);
        big
    }] {
        let err = db
            .set_identity("3275", "Lain", None, LogoChange::Set(bad), &admin)
            .await
            .unwrap_err();
        assert_eq!(field_of(err), "logo");
    }
    assert_eq!(db.letterhead("3275").await.unwrap(), head);

    // Keep the logo while renaming; then remove it.
    db.set_identity(
        "3275",
        "Kota Bekasi",
        Some("Bekasi"),
        LogoChange::Keep,
        &admin,
    )
    .await
    .unwrap();
    assert_eq!(db.letterhead("3275").await.unwrap().logo_png, Some(logo));
    assert_eq!(export(&*db, "3275").await.region.name, "Kota Bekasi");
    db.set_identity("3275", "Kota Bekasi", None, LogoChange::Remove, &admin)
        .await
        .unwrap();
    let head = db.letterhead("3275").await.unwrap();
    assert_eq!((head.place, head.logo_png), (None, None));
    let log = db.audit_log("3275", 10).await.unwrap();
    assert_eq!(
        log.iter().filter(|r| r.entity == "region.identity").count(),
        3
    );
}

async fn a_user_is_edited_by_the_same_rules_as_created(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let admin = actor("admin", None);
    let mut op = new_user("3275", "op", Role::Operator);
    op.unit = Some("DP3A".into());
    db.create_user(&op, &admin).await.unwrap();
    let mut edit = UserEdit {
        display_name: "Asisten I".into(),
        email: Some("asda@bekasikota.go.id".into()),
        role: Role::Evaluator,
        unit: Some("DP3A".into()),
        clusters: vec!["ASDA1".into()],
        profile: UserProfile {
            full_name: Some("Dra. Siti Aminah".into()),
            nip: Some("197001012000032001".into()),
        },
    };
    db.edit_user("3275", "op", &edit, &admin).await.unwrap();
    let user = db.user_by_username("op").await.unwrap().unwrap();
    assert_eq!(user.role, Role::Evaluator);
    assert_eq!(user.unit, None, "an evaluator has no unit");
    assert_eq!(user.clusters, vec!["ASDA1".to_owned()]);
    assert_eq!(user.nip.as_deref(), Some("197001012000032001"));
    assert_eq!(user.email.as_deref(), Some("asda@bekasikota.go.id"));

    // Refused with the field named, and nothing written.
    edit.clusters.clear();
    assert_eq!(
        field_of(db.edit_user("3275", "op", &edit, &admin).await.unwrap_err()),
        "clusters"
    );
    edit.clusters = vec!["NOPE".into()];
    assert_eq!(
        field_of(db.edit_user("3275", "op", &edit, &admin).await.unwrap_err()),
        "clusters"
    );
    edit.role = Role::Operator;
    edit.unit = None;
    assert_eq!(
        field_of(db.edit_user("3275", "op", &edit, &admin).await.unwrap_err()),
        "unit"
    );
    edit.role = Role::Finance;
    edit.profile.nip = Some("123".into());
    assert_eq!(
        field_of(db.edit_user("3275", "op", &edit, &admin).await.unwrap_err()),
        "nip"
    );
    edit.profile.nip = None;
    edit.email = Some("no address".into());
    assert_eq!(
        field_of(db.edit_user("3275", "op", &edit, &admin).await.unwrap_err()),
        "email"
    );
    assert_eq!(db.user_by_username("op").await.unwrap().unwrap(), user);

    // Another region's admin cannot reach the account.
    edit.email = None;
    assert!(matches!(
        db.edit_user("9999", "op", &edit, &admin).await,
        Err(StoreError::UnknownUser(_))
    ));
    edit.role = Role::Finance;
    db.edit_user("3275", "op", &edit, &admin).await.unwrap();
    let user = db.user_by_username("op").await.unwrap().unwrap();
    assert_eq!((user.role, user.clusters.len()), (Role::Finance, 0));
    let log = db.audit_log("3275", 5).await.unwrap();
    assert!(log.iter().any(|r| r.entity == "user" && r.action == "edit"));
}

async fn tokens_are_listed_and_revoked(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let admin = actor("admin", None);
    db.create_user(&new_user("3275", "bot", Role::Leader), &admin)
        .await
        .unwrap();
    let first = db.create_api_token("bot", "dasbor", &admin).await.unwrap();
    let second = db.create_api_token("bot", "skrip", &admin).await.unwrap();
    let tokens = db.api_tokens("3275", "bot").await.unwrap();
    let names: Vec<&str> = tokens.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["dasbor", "skrip"]);
    assert!(db.api_tokens("9999", "bot").await.unwrap().is_empty());
    assert!(matches!(
        db.revoke_api_token("9999", "bot", tokens[0].id, &admin)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    db.revoke_api_token("3275", "bot", tokens[0].id, &admin)
        .await
        .unwrap();
    assert!(db.user_by_api_token(&first).await.unwrap().is_none());
    assert!(db.user_by_api_token(&second).await.unwrap().is_some());
    let log = db.audit_log("3275", 3).await.unwrap();
    assert_eq!(
        (log[0].action.as_str(), log[0].entity.as_str()),
        ("revoke", "api_token")
    );
}

async fn a_reset_link_works_once_and_expires(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let admin = actor("admin", None);
    db.create_user(&new_user("3275", "lupa", Role::Leader), &admin)
        .await
        .unwrap();
    let t0 = at("2025-03-01T08:00:00Z");
    let token = db
        .create_password_reset("lupa", t0, &actor("lupa", None))
        .await
        .unwrap();
    assert_eq!(
        db.check_password_reset(&token, t0 + Duration::minutes(59))
            .await
            .unwrap(),
        Ok("lupa".to_owned())
    );
    assert_eq!(
        db.use_password_reset(&token, "new-hash", t0 + Duration::hours(1))
            .await
            .unwrap(),
        Err(ResetRefused::Expired)
    );
    assert_eq!(
        db.use_password_reset("pantau_wrong", "new-hash", t0)
            .await
            .unwrap(),
        Err(ResetRefused::Unknown)
    );
    assert_eq!(
        db.use_password_reset(&token, "new-hash", t0 + Duration::minutes(30))
            .await
            .unwrap(),
        Ok("lupa".to_owned())
    );
    assert_eq!(
        db.user_by_username("lupa")
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "new-hash"
    );
    assert_eq!(
        db.use_password_reset(&token, "other", t0 + Duration::minutes(31))
            .await
            .unwrap(),
        Err(ResetRefused::Used)
    );
    assert_eq!(
        db.user_by_username("lupa")
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "new-hash"
    );
    let log = db.audit_log("3275", 5).await.unwrap();
    let actions: Vec<&str> = log
        .iter()
        .filter(|r| r.entity == "user.password")
        .map(|r| r.action.as_str())
        .collect();
    assert_eq!(actions, ["reset_used", "reset_requested"]);
}

async fn deletion_is_refused_while_used_and_archiving_keeps_history(db: Db) {
    import(&*db, &sample(), ImportMode::NewRegion).await;
    let admin = actor("admin", None);
    let bundle = export(&*db, "3275").await;
    let program = &bundle.programs[0];
    let target = &program.entries[0].target;
    let item = PlanItem::Target {
        program: program.code.clone(),
        code: target.clone(),
    };
    let entries = program
        .entries
        .iter()
        .filter(|e| &e.target == target)
        .count() as i64;
    let refused = db
        .delete_plan_item("3275", &item, &admin)
        .await
        .unwrap()
        .unwrap_err();
    assert!(refused.contains(&(Use::Entries, entries)), "{refused:?}");
    let unit = PlanItem::Unit(program.targets[0].unit.clone());
    let refused = db
        .delete_plan_item("3275", &unit, &admin)
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        refused.iter().any(|(what, _)| *what == Use::Targets),
        "{refused:?}"
    );
    assert_eq!(export(&*db, "3275").await, bundle);
    // Archived: listed as such, the plan and its history unchanged.
    db.set_archived("3275", &item, true, &admin).await.unwrap();
    db.set_archived("3275", &unit, true, &admin).await.unwrap();
    let archived = db.archived_items("3275").await.unwrap();
    assert_eq!(archived, vec![unit.clone(), item.clone()]);
    assert_eq!(export(&*db, "3275").await, bundle);
    db.set_archived("3275", &unit, false, &admin).await.unwrap();
    assert_eq!(db.archived_items("3275").await.unwrap(), vec![item]);
    // Unused: deleted, and audited.
    let mut with_new = bundle.clone();
    with_new.priorities.push(pantau_domain::bundle::Priority {
        code: "P9".into(),
        name: "Uji".into(),
    });
    import(&*db, &with_new, ImportMode::Merge).await;
    db.delete_plan_item("3275", &PlanItem::Priority("P9".into()), &admin)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !export(&*db, "3275")
            .await
            .priorities
            .iter()
            .any(|p| p.code == "P9")
    );
    assert!(matches!(
        db.delete_plan_item("3275", &PlanItem::Priority("P9".into()), &admin)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let log = db.audit_log("3275", 10).await.unwrap();
    assert!(
        log.iter()
            .any(|r| r.action == "delete" && r.entity == "priority")
    );
    assert!(
        log.iter()
            .any(|r| r.action == "archive" && r.entity == "target")
    );
}
