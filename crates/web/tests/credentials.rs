//! Credentials that can be revoked (issue 12): a password change ends the
//! account's other sessions, disabling ends them at once, a session ends a
//! fixed time after log-in however busy, the CSRF token and the session id are
//! new at log-in, cookies take the `__Host-` prefix behind https, a visitor who
//! never logs in leaves no session row, and a revoked token or a disabled
//! account's token gets 401 from the API.

#[macro_use]
mod support;

use pantau_store::Actor;
use reqwest::StatusCode;
use sqlx::Connection;
use support::*;

on_both_backends!(
    a_password_change_ends_the_other_sessions,
    disabling_an_account_ends_its_sessions_at_once,
    a_session_ends_a_fixed_time_after_log_in,
    the_csrf_token_and_the_session_are_new_at_log_in,
    cookies_take_the_host_prefix_with_secure_cookies,
    an_anonymous_visitor_leaves_no_session_row,
    a_revoked_token_or_a_disabled_account_gets_401,
);

/// Move the beginning of every session to `ago` before now; returns how many.
async fn sessions_begun(app: &TestApp, ago: chrono::Duration) -> u64 {
    let url = app.database_url();
    let sql = "UPDATE sessions SET created_at = $1";
    let at = chrono::Utc::now() - ago;
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(sql)
            .bind(at)
            .execute(&mut conn)
            .await
            .unwrap()
            .rows_affected()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sql)
            .bind(at)
            .execute(&mut conn)
            .await
            .unwrap()
            .rows_affected()
    }
}

async fn sessions_of(app: &TestApp, username: &str) -> i64 {
    app.scalar::<i64>(&format!(
            "SELECT COUNT(*) FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = '{username}')"
        ),
    )
    .await
}

/// Whether the browser is still logged in: the dashboard, not a redirect to the log-in.
async fn logged_in(browser: &Browser) -> bool {
    let response = browser
        .client
        .get(format!("{}/dasbor", browser.base))
        .send()
        .await
        .unwrap();
    match response.status() {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert_eq!(response.headers()["location"], "/masuk");
            false
        }
        other => panic!("/dasbor answered {other}"),
    }
}

async fn a_password_change_ends_the_other_sessions(backend: &str) {
    let app = spawn_app(backend).await;
    let admin_here = app.logged_in("admin").await;
    let admin_elsewhere = app.logged_in("admin").await;
    let operator = app.logged_in("op-dp3a").await;
    let asda = app.logged_in("asda1").await;
    assert_eq!(sessions_of(&app, "admin").await, 2);

    // The admin changes their own password: this browser stays, the other is out.
    let (status, page) = admin_here
        .submit(
            "/admin/pengguna/admin/sandi",
            &[("password", "sandi-baru-456")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(logged_in(&admin_here).await);
    assert!(!logged_in(&admin_elsewhere).await);
    assert_eq!(sessions_of(&app, "admin").await, 1);

    // Another account's password set by the admin: all of that account's sessions end.
    admin_here
        .submit(
            "/admin/pengguna/op-dp3a/sandi",
            &[("password", "sandi-baru-789")],
        )
        .await;
    assert!(!logged_in(&operator).await);
    assert!(logged_in(&asda).await, "other accounts keep their sessions");

    // From the command line (the store call it makes): every session ends.
    app.store
        .set_password_hash(
            "admin",
            &pantau_store::password::hash("sandi-ketiga-000"),
            None,
            &Actor::cli(),
        )
        .await
        .unwrap();
    assert!(!logged_in(&admin_here).await);
    assert_eq!(sessions_of(&app, "admin").await, 0);
}

async fn disabling_an_account_ends_its_sessions_at_once(backend: &str) {
    let app = spawn_app(backend).await;
    let admin = app.logged_in("admin").await;
    let operator = app.logged_in("op-dlh").await;
    assert_eq!(sessions_of(&app, "op-dlh").await, 1);
    let (status, _) = admin
        .submit("/admin/pengguna/op-dlh/status", &[("disabled", "1")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Gone from the database before the account's next request.
    assert_eq!(sessions_of(&app, "op-dlh").await, 0);
    assert!(!logged_in(&operator).await);
    // Enabled again, the account logs in anew; the old browser stays out until it does.
    admin
        .submit("/admin/pengguna/op-dlh/status", &[("disabled", "0")])
        .await;
    assert!(!logged_in(&operator).await);
    assert_eq!(
        operator.log_in("op-dlh", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    assert!(logged_in(&operator).await);
}

async fn a_session_ends_a_fixed_time_after_log_in(backend: &str) {
    let app = spawn_app(backend).await;
    let leader = app.logged_in("leader").await;
    let other = app.logged_in("leader").await;
    assert!(logged_in(&leader).await);
    // Six days and 23 hours after log-in it still works (the default is a week)...
    assert_eq!(sessions_begun(&app, chrono::Duration::hours(167)).await, 2);
    assert!(logged_in(&leader).await);
    // ...however busy, a week after it is over, and the row is deleted.
    assert_eq!(sessions_begun(&app, chrono::Duration::days(8)).await, 2);
    assert!(!logged_in(&leader).await);
    assert_eq!(sessions_of(&app, "leader").await, 1);
    assert!(!logged_in(&other).await);
    assert_eq!(sessions_of(&app, "leader").await, 0);

    // The limit is a setting: with one hour, a session begun two hours ago is over.
    let app = spawn_app_with(backend, |config| config.session_absolute_hours = 1).await;
    let leader = app.logged_in("leader").await;
    assert!(logged_in(&leader).await);
    sessions_begun(&app, chrono::Duration::hours(2)).await;
    assert!(!logged_in(&leader).await);
}

async fn the_csrf_token_and_the_session_are_new_at_log_in(backend: &str) {
    let app = spawn_app(backend).await;
    let browser = app.browser();
    let (_, page) = browser.get("/masuk").await;
    let before = csrf_in(&page);
    let response = browser
        .client
        .post(format!("{}/masuk", browser.base))
        .form(&[
            ("csrf", before.as_str()),
            ("username", "asda1"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let after = browser.csrf().await;
    assert_ne!(before, after, "a new token at log-in");
    // The token of before log-in no longer passes.
    let (status, _) = browser.post("/keluar", &[("csrf", &before)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(logged_in(&browser).await);
    // Logging in again (another account) gives a new session id as well.
    let first = app.scalar::<i64>("SELECT COUNT(*) FROM sessions").await;
    assert_eq!(first, 1);
    let id_before = session_ids(&app).await;
    assert_eq!(
        browser.log_in("asda2", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let id_after = session_ids(&app).await;
    assert_eq!(id_after.len(), 1);
    assert_ne!(id_before, id_after);
    assert_ne!(browser.csrf().await, after);
    assert_eq!(sessions_of(&app, "asda2").await, 1);
    assert_eq!(sessions_of(&app, "asda1").await, 0);
    // A log-in form without the visitor's token is refused.
    let stranger = app.browser();
    let (status, _) = stranger
        .post(
            "/masuk",
            &[
                ("csrf", after.as_str()),
                ("username", "asda1"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn session_ids(app: &TestApp) -> Vec<String> {
    let url = app.database_url();
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_scalar("SELECT id FROM sessions")
            .fetch_all(&mut conn)
            .await
            .unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar("SELECT id FROM sessions")
            .fetch_all(&mut conn)
            .await
            .unwrap()
    }
}

/// The `Set-Cookie` headers of a response.
fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The cookie named `name` among `cookies`, with its attributes.
fn cookie<'a>(cookies: &'a [String], name: &str) -> &'a str {
    cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no cookie {name} in {cookies:?}"))
}

/// Log in by hand (no cookie store: the client would not send Secure cookies
/// over http); returns the cookies of the log-in page and of the log-in.
async fn log_in_by_hand(app: &TestApp, csrf_cookie: &str) -> (Vec<String>, Vec<String>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client
        .get(format!("{}/masuk", app.base))
        .send()
        .await
        .unwrap();
    let page_cookies = set_cookies(&page);
    let csrf_pair = cookie(&page_cookies, csrf_cookie)
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = csrf_in(&page.text().await.unwrap());
    let login = client
        .post(format!("{}/masuk", app.base))
        .header("cookie", csrf_pair)
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "leader"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    (page_cookies, set_cookies(&login))
}

async fn cookies_take_the_host_prefix_with_secure_cookies(backend: &str) {
    let app = spawn_app_with(backend, |config| config.secure_cookies = true).await;
    let (page, login) = log_in_by_hand(&app, "__Host-pantau_csrf").await;
    let session = cookie(&login, "__Host-pantau_session");
    for set in [cookie(&page, "__Host-pantau_csrf"), session] {
        assert!(set.contains("; Secure"), "{set}");
        assert!(set.contains("; Path=/"), "{set}");
        assert!(set.contains("; HttpOnly"), "{set}");
        assert!(!set.to_ascii_lowercase().contains("domain="), "{set}");
    }
    assert!(!login.iter().any(|c| c.starts_with("pantau_session=")));
    // The language choice too.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let switched = client
        .get(format!("{}/bahasa/en", app.base))
        .send()
        .await
        .unwrap();
    let cookies = set_cookies(&switched);
    let lang = cookie(&cookies, "__Host-pantau_lang");
    assert!(lang.starts_with("__Host-pantau_lang=en;"), "{lang}");
    assert!(
        lang.contains("; Secure") && lang.contains("; Path=/"),
        "{lang}"
    );

    // Without secure cookies (plain http): the plain names, no Secure flag.
    let app = spawn_app(backend).await;
    let (page, login) = log_in_by_hand(&app, "pantau_csrf").await;
    for set in [
        cookie(&page, "pantau_csrf"),
        cookie(&login, "pantau_session"),
    ] {
        assert!(!set.contains("Secure"), "{set}");
        assert!(set.contains("; Path=/"), "{set}");
    }
}

async fn an_anonymous_visitor_leaves_no_session_row(backend: &str) {
    let app = spawn_app(backend).await;
    let visitor = app.browser();
    let (status, page) = visitor.get("/masuk").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("lang=\"id\""), "Indonesian by default");
    let (status, _) = visitor.get("/bahasa/en").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = visitor.get("/masuk").await;
    assert!(page.contains("lang=\"en\""), "the choice is kept");
    visitor.get("/lupa-sandi").await;
    visitor.get("/").await;
    visitor.get("/tidak-ada").await;
    // A failed log-in writes no session either.
    let csrf = csrf_in(&page);
    let (status, _) = visitor
        .post(
            "/masuk",
            &[
                ("csrf", csrf.as_str()),
                ("username", "leader"),
                ("password", "salah-sekali"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.scalar::<i64>("SELECT COUNT(*) FROM sessions").await, 0);

    // Logging in makes one, and the language chosen before stays.
    assert_eq!(
        visitor.log_in("leader", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.scalar::<i64>("SELECT COUNT(*) FROM sessions").await, 1);
    let (_, page) = visitor.get("/dasbor").await;
    assert!(page.contains("lang=\"en\""));
    // Logging out removes it, and the language still stays.
    let csrf = visitor.csrf().await;
    let (status, _) = visitor.post("/keluar", &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.scalar::<i64>("SELECT COUNT(*) FROM sessions").await, 0);
    let (_, page) = visitor.get("/masuk").await;
    assert!(page.contains("lang=\"en\""));
    visitor.get("/bahasa/id").await;
    let (_, page) = visitor.get("/masuk").await;
    assert!(page.contains("lang=\"id\""));
    assert_eq!(app.scalar::<i64>("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn a_revoked_token_or_a_disabled_account_gets_401(backend: &str) {
    let app = spawn_app(backend).await;
    let client = reqwest::Client::new();
    let call = |token: String| {
        let request = client
            .get(format!("{}/api/v1/programs/100HK/evaluation", app.base))
            .bearer_auth(token);
        async move { request.send().await.unwrap().status() }
    };
    let token = app
        .store
        .create_api_token("leader", "dasbor-dinding", &Actor::cli())
        .await
        .unwrap();
    let spare = app
        .store
        .create_api_token("leader", "cadangan", &Actor::cli())
        .await
        .unwrap();
    assert_eq!(call(token.clone()).await, StatusCode::OK);
    // The use is noted, for the list.
    let listed = app.store.api_tokens("3275", "leader").await.unwrap();
    assert!(listed[0].last_used_at.is_some());
    assert!(listed[1].last_used_at.is_none());
    // The admin's page shows it.
    let admin = app.logged_in("admin").await;
    let (_, page) = admin.get("/admin/pengguna/leader").await;
    assert!(page.contains("Terakhir dipakai"));
    assert!(page.contains("belum pernah"));
    // Revoked: 401 at once; the other token still works.
    app.store
        .revoke_api_token("3275", "leader", listed[0].id, &Actor::cli())
        .await
        .unwrap();
    assert_eq!(call(token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(call(spare.clone()).await, StatusCode::OK);
    // A disabled account's tokens stop working, and work again when enabled.
    app.store
        .set_disabled("leader", true, &Actor::cli())
        .await
        .unwrap();
    assert_eq!(call(spare.clone()).await, StatusCode::UNAUTHORIZED);
    app.store
        .set_disabled("leader", false, &Actor::cli())
        .await
        .unwrap();
    assert_eq!(call(spare).await, StatusCode::OK);
}
