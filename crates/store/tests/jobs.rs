//! What app servers share besides the data: import jobs with their progress
//! (both backends), and, on PostgreSQL, the sessions and accounts a
//! listening server keeps in memory, dropped when another server or the
//! command line changes them.

#[macro_use]
mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use pantau_store::{ImportMode, JOB_RETENTION, JOB_STALE, JobState, Role, SessionWrite, Store};

backend_tests!(
    a_job_runs_reports_progress_and_ends_once,
    a_failed_job_keeps_its_reason_and_detail,
    a_job_without_heartbeat_reads_as_stopped,
    finished_jobs_are_pruned_after_their_retention,
    a_job_belongs_to_a_user_of_its_region,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

async fn with_admin(db: &Db) {
    import(&**db, &sample(), ImportMode::NewRegion).await;
    db.create_user(&new_user("3275", "admin", Role::Admin), &actor("cli", None))
        .await
        .unwrap();
}

async fn a_job_runs_reports_progress_and_ends_once(db: Db) {
    with_admin(&db).await;
    let t0 = at("2025-03-01T08:00:00Z");
    let id = db
        .job_create("3275", "admin", "realisasi.xlsx", t0)
        .await
        .unwrap();
    let job = db.job(id, t0).await.unwrap().unwrap();
    assert_eq!(
        (
            job.region.as_str(),
            job.owner.as_str(),
            job.file_name.as_str()
        ),
        ("3275", "admin", "realisasi.xlsx")
    );
    assert_eq!(job.state, JobState::Running { done: 0, total: 0 });

    db.job_progress(id, 40, 100, t0 + Duration::seconds(1))
        .await
        .unwrap();
    let job = db
        .job(id, t0 + Duration::seconds(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        job.state,
        JobState::Running {
            done: 40,
            total: 100
        }
    );

    let done = JobState::Done {
        summary: "3 entries added".into(),
    };
    assert!(
        db.job_finish(id, &done, t0 + Duration::seconds(2))
            .await
            .unwrap()
    );
    // Progress that comes late, or a second end, changes nothing.
    db.job_progress(id, 90, 100, t0 + Duration::seconds(3))
        .await
        .unwrap();
    let failed = JobState::Failed {
        message: "late".into(),
        detail: None,
    };
    assert!(
        !db.job_finish(id, &failed, t0 + Duration::seconds(3))
            .await
            .unwrap()
    );
    // A finished job does not go stale.
    let job = db.job(id, t0 + Duration::days(1)).await.unwrap().unwrap();
    assert_eq!(job.state, done);
    assert!(db.job(id + 1000, t0).await.unwrap().is_none());
    assert!(
        db.job_finish(id, &JobState::Stopped, t0).await.is_err(),
        "a job ends done or failed"
    );
}

async fn a_failed_job_keeps_its_reason_and_detail(db: Db) {
    with_admin(&db).await;
    let t0 = at("2025-03-01T08:00:00Z");
    let id = db.job_create("3275", "admin", "x.xlsx", t0).await.unwrap();
    let failed = JobState::Failed {
        message: "2 problem(s)".into(),
        detail: Some(serde_json::json!({"refused": {"problems": [{"row": 3}]}})),
    };
    assert!(db.job_finish(id, &failed, t0).await.unwrap());
    assert_eq!(db.job(id, t0).await.unwrap().unwrap().state, failed);
}

async fn a_job_without_heartbeat_reads_as_stopped(db: Db) {
    with_admin(&db).await;
    let t0 = at("2025-03-01T08:00:00Z");
    let id = db.job_create("3275", "admin", "x.xlsx", t0).await.unwrap();
    let beat = t0 + Duration::minutes(5);
    db.job_progress(id, 1, 10, beat).await.unwrap();
    let running = JobState::Running { done: 1, total: 10 };
    assert_eq!(
        db.job(id, beat + JOB_STALE).await.unwrap().unwrap().state,
        running
    );
    let later = beat + JOB_STALE + Duration::seconds(1);
    assert_eq!(
        db.job(id, later).await.unwrap().unwrap().state,
        JobState::Stopped
    );
}

async fn finished_jobs_are_pruned_after_their_retention(db: Db) {
    with_admin(&db).await;
    let t0 = at("2025-03-01T08:00:00Z");
    let old = db.job_create("3275", "admin", "a.xlsx", t0).await.unwrap();
    let done = JobState::Done {
        summary: "ok".into(),
    };
    db.job_finish(old, &done, t0).await.unwrap();
    let recent = db
        .job_create("3275", "admin", "b.xlsx", t0 + Duration::days(1))
        .await
        .unwrap();
    let now = t0 + JOB_RETENTION + Duration::hours(1);
    db.job_create("3275", "admin", "c.xlsx", now).await.unwrap();
    assert!(db.job(old, now).await.unwrap().is_none(), "pruned");
    assert!(db.job(recent, now).await.unwrap().is_some(), "kept");
}

async fn a_job_belongs_to_a_user_of_its_region(db: Db) {
    with_admin(&db).await;
    let t0 = at("2025-03-01T08:00:00Z");
    assert!(db.job_create("3275", "nobody", "x.xlsx", t0).await.is_err());
    assert!(db.job_create("9999", "admin", "x.xlsx", t0).await.is_err());
}

/// Until the notification of a change has reached `store`'s listener.
async fn until(mut reached: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !reached().await {
        assert!(
            std::time::Instant::now() < deadline,
            "the notification did not arrive"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

async fn session(store: &dyn Store, id: &str, username: &str, data: &str) {
    let now = Utc::now();
    let write = SessionWrite {
        data,
        expires_at: now + Duration::hours(12),
        username: Some(username),
    };
    store.session_save(id, &write, now).await.unwrap();
}

async fn data_of(store: &dyn Store, id: &str) -> Option<String> {
    store.session_load(id).await.unwrap().map(|row| row.data)
}

/// Two app servers on one PostgreSQL, and the command line: the listening
/// server answers sessions and accounts from memory (a change behind every
/// server's back goes unseen), and drops them when another server or the
/// command line changes them through the store.
#[tokio::test]
async fn postgres_servers_keep_sessions_until_another_changes_them() {
    let db = Db::fresh(pantau_store::Backend::Postgres).await;
    with_admin(&db).await;
    db.create_user(&new_user("3275", "ani", Role::Leader), &actor("cli", None))
        .await
        .unwrap();
    let server = db.second_store().await;
    server.watch_versions().await.unwrap();
    session(&*server, "s1", "ani", "{\"a\":1}").await;
    session(&*server, "s2", "admin", "{\"b\":1}").await;
    let name = server
        .user_by_username("ani")
        .await
        .unwrap()
        .unwrap()
        .display_name;

    db.behind_the_back("UPDATE sessions SET data = '{\"changed\":1}'")
        .await;
    db.behind_the_back("UPDATE users SET display_name = 'behind'")
        .await;
    assert_eq!(data_of(&*server, "s1").await.as_deref(), Some("{\"a\":1}"));
    assert_eq!(
        server
            .user_by_username("ani")
            .await
            .unwrap()
            .unwrap()
            .display_name,
        name,
        "answered from memory, not the database"
    );

    // Another server saves s1: this one drops what it kept of it only.
    session(&*db, "s1", "ani", "{\"a\":2}").await;
    until(async || data_of(&*server, "s1").await.as_deref() == Some("{\"a\":2}")).await;
    assert_eq!(data_of(&*server, "s2").await.as_deref(), Some("{\"b\":1}"));

    // The command line (a store of its own) disables ani: her session ends
    // and her account reads again.
    let cli = db.second_store().await;
    cli.set_disabled("ani", true, &pantau_store::Actor::cli())
        .await
        .unwrap();
    until(async || data_of(&*server, "s1").await.is_none()).await;
    let ani = server.user_by_username("ani").await.unwrap().unwrap();
    assert!(ani.disabled);
    assert_eq!(ani.display_name, "behind", "read again");

    // A session ended elsewhere ends here.
    db.session_delete("s2").await.unwrap();
    until(async || data_of(&*server, "s2").await.is_none()).await;
}

/// A server not listening keeps nothing: every read asks the database.
#[tokio::test]
async fn postgres_servers_not_listening_read_the_database() {
    let db = Db::fresh(pantau_store::Backend::Postgres).await;
    with_admin(&db).await;
    let server = db.second_store().await;
    session(&*server, "s1", "admin", "{\"a\":1}").await;
    assert!(data_of(&*server, "s1").await.is_some());
    db.behind_the_back("DELETE FROM sessions").await;
    assert!(data_of(&*server, "s1").await.is_none());
}
