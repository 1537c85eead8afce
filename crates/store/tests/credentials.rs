//! Credentials that can be revoked, on both backends: sessions know their
//! account and end with a password change, a reset or disabling; they keep the
//! moment they began; API tokens note their last use, to the minute.

#[macro_use]
mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use pantau_store::{ImportMode, Role, SessionWrite, Store};

backend_tests!(
    a_session_keeps_its_account_and_the_moment_it_began,
    a_password_change_ends_the_other_sessions,
    a_reset_ends_every_session,
    disabling_ends_the_sessions_at_once,
    a_taken_session_id_is_not_overwritten,
    a_token_notes_its_last_use_to_the_minute,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

async fn with_users(db: &Db, names: &[&str]) {
    import(&**db, &sample(), ImportMode::NewRegion).await;
    for name in names {
        db.create_user(&new_user("3275", name, Role::Leader), &actor("admin", None))
            .await
            .unwrap();
    }
}

/// A session of `username` (none: an anonymous one) begun at `now`.
async fn session(store: &dyn Store, id: &str, username: Option<&str>, now: DateTime<Utc>) {
    let write = SessionWrite {
        data: "{}",
        expires_at: now + Duration::hours(12),
        username,
    };
    assert!(store.session_create(id, &write, now).await.unwrap());
}

async fn alive(store: &dyn Store, id: &str) -> bool {
    store.session_load(id).await.unwrap().is_some()
}

async fn a_session_keeps_its_account_and_the_moment_it_began(db: Db) {
    with_users(&db, &["ani"]).await;
    let t0 = at("2025-03-01T08:00:00Z");
    session(&*db, "s1", Some("ani"), t0).await;
    // Later saves change the record and its expiry, never the moment it began.
    let later = SessionWrite {
        data: "{\"x\":1}",
        expires_at: t0 + Duration::hours(20),
        username: Some("ani"),
    };
    db.session_save("s1", &later, t0 + Duration::hours(8))
        .await
        .unwrap();
    let row = db.session_load("s1").await.unwrap().unwrap();
    assert_eq!(row.created_at, t0);
    assert_eq!(row.expires_at, t0 + Duration::hours(20));
    assert_eq!(row.data, "{\"x\":1}");
    // A save of a session not stored yet begins it.
    db.session_save("s2", &later, t0 + Duration::hours(9))
        .await
        .unwrap();
    let row = db.session_load("s2").await.unwrap().unwrap();
    assert_eq!(row.created_at, t0 + Duration::hours(9));
    // The account is kept: ending its sessions ends both.
    assert_eq!(db.end_sessions_of("ani", None).await.unwrap(), 2);
    assert!(!alive(&*db, "s1").await);
}

async fn a_password_change_ends_the_other_sessions(db: Db) {
    with_users(&db, &["ani", "budi"]).await;
    let now = Utc::now();
    session(&*db, "ani-phone", Some("ani"), now).await;
    session(&*db, "ani-laptop", Some("ani"), now).await;
    session(&*db, "budi", Some("budi"), now).await;
    session(&*db, "anonymous", None, now).await;
    let by_ani = actor("ani", None);
    db.set_password_hash("ani", "new-hash", Some("ani-laptop"), &by_ani)
        .await
        .unwrap();
    assert!(!alive(&*db, "ani-phone").await);
    assert!(alive(&*db, "ani-laptop").await);
    assert!(alive(&*db, "budi").await);
    assert!(alive(&*db, "anonymous").await);
    // From the command line: none kept.
    db.set_password_hash("ani", "newer-hash", None, &actor("cli", None))
        .await
        .unwrap();
    assert!(!alive(&*db, "ani-laptop").await);
    assert!(alive(&*db, "budi").await);
    // An unknown account changes nothing.
    assert!(
        db.set_password_hash("nobody", "x", None, &actor("cli", None))
            .await
            .is_err()
    );
    assert!(alive(&*db, "budi").await);
}

async fn a_reset_ends_every_session(db: Db) {
    with_users(&db, &["lupa"]).await;
    let now = Utc::now();
    session(&*db, "lupa-1", Some("lupa"), now).await;
    session(&*db, "lupa-2", Some("lupa"), now).await;
    let token = db
        .create_password_reset("lupa", now, &actor("lupa", None))
        .await
        .unwrap();
    // A refused link ends nothing.
    assert!(
        db.use_password_reset("pantau_wrong", "h", now)
            .await
            .unwrap()
            .is_err()
    );
    assert!(alive(&*db, "lupa-1").await);
    assert_eq!(
        db.use_password_reset(&token, "new-hash", now + Duration::minutes(5))
            .await
            .unwrap(),
        Ok("lupa".to_owned())
    );
    assert!(!alive(&*db, "lupa-1").await);
    assert!(!alive(&*db, "lupa-2").await);
}

async fn disabling_ends_the_sessions_at_once(db: Db) {
    with_users(&db, &["ani", "budi"]).await;
    let now = Utc::now();
    session(&*db, "ani", Some("ani"), now).await;
    session(&*db, "budi", Some("budi"), now).await;
    let admin = actor("admin", None);
    db.set_disabled("ani", true, &admin).await.unwrap();
    assert!(!alive(&*db, "ani").await);
    assert!(alive(&*db, "budi").await);
    // Enabling again brings no session back, and ends none.
    db.set_disabled("ani", false, &admin).await.unwrap();
    assert!(!alive(&*db, "ani").await);
    db.set_disabled("budi", false, &admin).await.unwrap();
    assert!(alive(&*db, "budi").await);
}

async fn a_taken_session_id_is_not_overwritten(db: Db) {
    with_users(&db, &["ani"]).await;
    let now = Utc::now();
    session(&*db, "same", Some("ani"), now).await;
    let other = SessionWrite {
        data: "{\"other\":true}",
        expires_at: now + Duration::hours(1),
        username: None,
    };
    assert!(!db.session_create("same", &other, now).await.unwrap());
    assert_eq!(db.session_load("same").await.unwrap().unwrap().data, "{}");
}

async fn a_token_notes_its_last_use_to_the_minute(db: Db) {
    with_users(&db, &["bot"]).await;
    let admin = actor("admin", None);
    let token = db.create_api_token("bot", "skrip", &admin).await.unwrap();
    let last_used = || async { db.api_tokens("3275", "bot").await.unwrap()[0].last_used_at };
    assert_eq!(last_used().await, None);
    let t0 = at("2025-03-01T08:00:00Z");
    let user = db.use_api_token(&token, t0).await.unwrap().unwrap();
    assert_eq!(user.username, "bot");
    assert_eq!(last_used().await, Some(t0));
    // Within the minute nothing is written; after it, the new moment.
    db.use_api_token(&token, t0 + Duration::seconds(30))
        .await
        .unwrap();
    assert_eq!(last_used().await, Some(t0));
    db.use_api_token(&token, t0 + Duration::seconds(61))
        .await
        .unwrap();
    assert_eq!(last_used().await, Some(t0 + Duration::seconds(61)));
    // An unknown token is nobody's, and notes nothing.
    assert!(
        db.use_api_token("pantau_wrong", t0)
            .await
            .unwrap()
            .is_none()
    );
    // A disabled account's token still names it: the caller refuses it.
    db.set_disabled("bot", true, &admin).await.unwrap();
    assert!(
        db.use_api_token(&token, t0)
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
}
