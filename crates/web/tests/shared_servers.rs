//! Several app servers on one PostgreSQL, each listening for the others'
//! changes: a reader whose session, account and region are known sends
//! nothing to the database, and a session ended on one server (log-out,
//! disabling, a password change, the command line) is refused on the other
//! as soon as the change's notification arrives.

use reqwest::StatusCode;

mod support;
use support::{Browser, TestApp, relay, spawn_app, spawn_beside};

const DASHBOARD: &str = "/dasbor?program=100HK&as_of=2025-04-25";

/// The same browser (its cookies) on another server.
fn on(browser: &Browser, app: &TestApp) -> Browser {
    Browser {
        client: browser.client.clone(),
        base: app.base.clone(),
    }
}

/// Until `browser`'s dashboard sends it to the log-in. The change was
/// committed before this is called; what is waited for is its notification.
async fn until_refused(browser: &Browser) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (status, _) = browser.get(DASHBOARD).await;
        if status == StatusCode::SEE_OTHER {
            return;
        }
        assert_eq!(status, StatusCode::OK);
        assert!(
            std::time::Instant::now() < deadline,
            "the ended session is still served"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Every byte the app server sends to PostgreSQL goes through a relay that
/// counts them: a leader's warm dashboard sends none. The first request
/// after a change of the account on the other server asks again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_dashboard_sends_nothing_to_postgres() {
    let a = spawn_app("postgres").await;
    let relay = relay(a.database_url()).await;
    let b = spawn_beside(&a, Some(&relay.url)).await;
    let leader = b.logged_in("leader").await;
    for _ in 0..2 {
        let (status, page) = leader.get(DASHBOARD).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("100HK"), "{page}");
    }
    let before = relay.sent();
    assert!(before > 0, "the relay sees the server's queries");
    for _ in 0..3 {
        let (status, page) = leader.get(DASHBOARD).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("100HK"));
    }
    assert_eq!(relay.sent(), before, "warm dashboards query PostgreSQL");

    // The account changed on the other server: its notification drops it,
    // and the next request reads it again.
    let profile = pantau_store::UserProfile {
        full_name: Some("Pimpinan Baru".into()),
        nip: None,
    };
    a.store
        .set_user_profile("3275", "leader", &profile, &pantau_store::Actor::cli())
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (status, _) = leader.get(DASHBOARD).await;
        assert_eq!(status, StatusCode::OK);
        if relay.sent() > before {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the account's change was not seen"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Disabling an account on server A ends its session on server B.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_on_one_server_ends_the_session_on_the_other() {
    let a = spawn_app("postgres").await;
    let b = spawn_beside(&a, None).await;
    let leader = on(&a.logged_in("leader").await, &b);
    assert_eq!(leader.get(DASHBOARD).await.0, StatusCode::OK);
    assert_eq!(leader.get(DASHBOARD).await.0, StatusCode::OK);
    let admin = a.logged_in("admin").await;
    let (status, _) = admin
        .submit("/admin/pengguna/leader/status", &[("disabled", "1")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    until_refused(&leader).await;
}

/// Logging out on server A ends the session on server B, which had it in
/// memory: its cookie, kept from before the log-out, is refused there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_out_on_one_server_ends_the_session_on_the_other() {
    use reqwest::cookie::CookieStore;
    let a = spawn_app("postgres").await;
    let b = spawn_beside(&a, None).await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let on_a = Browser {
        client: reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: a.base.clone(),
    };
    assert_eq!(
        on_a.log_in("leader", support::PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let cookie = jar.cookies(&b.base.parse().unwrap()).unwrap();
    // A browser of its own, replaying the cookie on server B.
    let on_b = Browser {
        client: reqwest::Client::builder()
            .default_headers([(reqwest::header::COOKIE, cookie)].into_iter().collect())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: b.base.clone(),
    };
    assert_eq!(on_b.get(DASHBOARD).await.0, StatusCode::OK);
    assert_eq!(on_b.get(DASHBOARD).await.0, StatusCode::OK);
    let csrf = on_a.csrf().await;
    let (status, _) = on_a.post("/keluar", &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    until_refused(&on_b).await;
}

/// A password set with the command line (its own store on the same
/// database, as `pantau user password` does) ends the session on a server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_set_by_the_command_line_ends_the_session_on_a_server() {
    let a = spawn_app("postgres").await;
    let b = spawn_beside(&a, None).await;
    let leader = on(&a.logged_in("leader").await, &b);
    assert_eq!(leader.get(DASHBOARD).await.0, StatusCode::OK);
    assert_eq!(leader.get(DASHBOARD).await.0, StatusCode::OK);
    let cli = pantau_store::connect(a.database_url()).await.unwrap();
    let hash = pantau_store::password::hash("sandi-baru-yang-panjang");
    cli.set_password_hash("leader", &hash, None, &pantau_store::Actor::cli())
        .await
        .unwrap();
    until_refused(&leader).await;
}

async fn execute(app: &TestApp, sql: &str) {
    use sqlx::Connection;
    let url = app.database_url();
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
}

/// A session's idle limit is not written on every request, only once a
/// quarter of an hour has passed since it was: then it is pushed back to
/// 12 hours from now.
async fn the_idle_limit_is_written_now_and_then(backend: &str) {
    let app = spawn_app(backend).await;
    let leader = app.logged_in("leader").await;
    let expiry = "SELECT CAST(expires_at AS TEXT) FROM sessions";
    assert_eq!(leader.get(DASHBOARD).await.0, StatusCode::OK);
    let first = app.scalar::<String>(expiry).await;
    assert_eq!(leader.get(DASHBOARD).await.0, StatusCode::OK);
    assert_eq!(
        app.scalar::<String>(expiry).await,
        first,
        "not written per request"
    );

    // As if the session was last written 20 minutes ago.
    let past = chrono::Utc::now() + chrono::Duration::hours(12) - chrono::Duration::minutes(20);
    let past = past.format("%Y-%m-%d %H:%M:%S+00:00").to_string();
    execute(&app, &format!("UPDATE sessions SET expires_at = '{past}'")).await;
    assert_eq!(leader.get(DASHBOARD).await.0, StatusCode::OK);
    let pushed = app.scalar::<String>(expiry).await;
    assert_ne!(pushed, past);
    let pushed =
        chrono::DateTime::parse_from_str(&pushed.replace('T', " "), "%Y-%m-%d %H:%M:%S%#z")
            .or_else(|_| {
                chrono::DateTime::parse_from_str(
                    &pushed.replace('T', " "),
                    "%Y-%m-%d %H:%M:%S%.f%#z",
                )
            })
            .unwrap_or_else(|e| panic!("{pushed}: {e}"));
    let ahead = pushed.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(
        ahead > chrono::Duration::hours(12) - chrono::Duration::minutes(1),
        "pushed back to 12 h from now: {ahead}"
    );
}

mod both {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_idle_limit_is_written_now_and_then_on_sqlite() {
        the_idle_limit_is_written_now_and_then("sqlite").await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_idle_limit_is_written_now_and_then_on_postgres() {
        the_idle_limit_is_written_now_and_then("postgres").await
    }
}
