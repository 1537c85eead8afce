//! Log-in throttling, through the real server on both backends: an account
//! and an address (a pair) are blocked after five failures, while the same
//! account from elsewhere and other accounts from the same address still get
//! in; an account failing from many addresses is slowed, never locked;
//! `X-Forwarded-For` counts only from a trusted proxy; the state is in the
//! database, so it holds across app servers; unknown and disabled accounts
//! answer like a wrong password. Password-reset requests are throttled from
//! the database too.

#[macro_use]
mod support;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use pantau_store::{MessageStatus, Store};
use pantau_web::Config;
use reqwest::StatusCode;
use support::*;

on_both_backends!(
    a_pair_is_blocked_but_the_account_gets_in_from_elsewhere,
    failures_behind_one_address_block_no_other_account,
    an_account_failing_from_many_addresses_is_slowed_not_locked,
    forwarded_for_is_ignored_from_an_untrusted_peer,
    forwarded_for_is_honoured_from_a_trusted_proxy,
    the_throttle_holds_across_app_servers,
    unknown_and_disabled_accounts_answer_like_a_wrong_password,
    reset_requests_are_throttled_across_app_servers,
);

/// Another app server over the same database, with `config`; its base URL.
async fn serve(store: Arc<dyn Store>, config: Config) -> String {
    let state = pantau_web::AppState::new(store, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            pantau_web::router(state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

/// A server that trusts the proxy at 127.0.0.1 (where the tests connect from).
async fn behind_proxy(app: &TestApp) -> String {
    let config = Config {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    };
    serve(app.store.clone(), config).await
}

/// A browser on `base` connecting from `from` (any 127.x.y.z reaches the
/// server over loopback) and, when given, sending `X-Forwarded-For`.
fn browser(base: &str, from: &str, forwarded: Option<&str>) -> Browser {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(forwarded) = forwarded {
        headers.insert("x-forwarded-for", forwarded.parse().unwrap());
    }
    Browser {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .local_address(from.parse::<IpAddr>().unwrap())
            .default_headers(headers)
            .build()
            .unwrap(),
        base: base.to_owned(),
    }
}

/// A log-in attempt's response, headers and all.
async fn attempt(browser: &Browser, username: &str, password: &str) -> reqwest::Response {
    let (_, page) = browser.get("/masuk").await;
    browser
        .client
        .post(format!("{}/masuk", browser.base))
        .form(&[
            ("csrf", csrf_in(&page).as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

async fn fail_five_times(browser: &Browser, username: &str) {
    for n in 1..=5 {
        assert_eq!(
            browser.log_in(username, "salah").await,
            StatusCode::UNAUTHORIZED,
            "failure {n} of {username} is answered as a wrong password"
        );
    }
}

/// The addresses of the region's failed log-ins of `username`, oldest first.
async fn failed_addresses(app: &TestApp, username: &str) -> Vec<String> {
    let mut addresses: Vec<String> = app
        .store
        .audit_log("3275", 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "login_failed" && r.actor == username)
        .map(|r| r.after.unwrap()["address"].as_str().unwrap().to_owned())
        .collect();
    addresses.reverse();
    addresses
}

async fn a_pair_is_blocked_but_the_account_gets_in_from_elsewhere(backend: &str) {
    let app = spawn_app(backend).await;
    let here = browser(&app.base, "127.0.0.1", None);
    fail_five_times(&here, "asda1").await;
    // The right password from the same address waits, and is told how long.
    let response = attempt(&here, "asda1", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=61).contains(&retry), "a minute's block: {retry}");
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Terlalu banyak percobaan")
    );
    // The same account from another address gets in: no lock-out.
    let elsewhere = browser(&app.base, "127.0.0.2", None);
    assert_eq!(
        elsewhere.log_in("asda1", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    // The failures were audited, with their address.
    assert_eq!(failed_addresses(&app, "asda1").await, vec!["127.0.0.1"; 5]);
    // A success from elsewhere does not unblock the failing pair.
    assert_eq!(
        here.log_in("asda1", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn failures_behind_one_address_block_no_other_account(backend: &str) {
    let app = spawn_app(backend).await;
    // Twenty failures from one address (an office behind one proxy), over
    // four accounts, and more for names that do not exist.
    let office = browser(&app.base, "127.0.0.1", None);
    for username in ["asda2", "op-dp3a", "op-dlh", "finance"] {
        fail_five_times(&office, username).await;
    }
    for n in 0..5 {
        assert_eq!(
            office.log_in(&format!("tamu-{n}"), "salah").await,
            StatusCode::UNAUTHORIZED
        );
    }
    // Everyone else in the office still gets in.
    for username in ["leader", "admin", "asda1"] {
        let colleague = browser(&app.base, "127.0.0.1", None);
        assert_eq!(
            colleague.log_in(username, PASSWORD).await,
            StatusCode::SEE_OTHER,
            "{username} gets in from the same address"
        );
    }
    // The accounts that failed wait there, with the right password too.
    let again = browser(&app.base, "127.0.0.1", None);
    assert_eq!(
        again.log_in("asda2", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn an_account_failing_from_many_addresses_is_slowed_not_locked(backend: &str) {
    let app = spawn_app(backend).await;
    let proxied = behind_proxy(&app).await;
    // Eleven addresses, a failure each: past the calm ten, which slows
    // attempts on the account down but refuses none.
    for n in 1..=11 {
        let attacker = browser(&proxied, "127.0.0.1", Some(&format!("198.51.100.{n}")));
        assert_eq!(
            attacker.log_in("asda1", "salah").await,
            StatusCode::UNAUTHORIZED,
            "a failure is answered as one, not refused"
        );
    }
    // The right password gets in from a new address, and from one that failed.
    let owner = browser(&proxied, "127.0.0.1", Some("203.0.113.50"));
    assert_eq!(owner.log_in("asda1", PASSWORD).await, StatusCode::SEE_OTHER);
    let owner = browser(&proxied, "127.0.0.1", Some("198.51.100.3"));
    assert_eq!(owner.log_in("asda1", PASSWORD).await, StatusCode::SEE_OTHER);
    assert_eq!(failed_addresses(&app, "asda1").await.len(), 11);
}

async fn forwarded_for_is_ignored_from_an_untrusted_peer(backend: &str) {
    let app = spawn_app(backend).await;
    // No trusted proxy: each attempt names another address, all count as the peer's.
    for n in 1..=5 {
        let liar = browser(&app.base, "127.0.0.1", Some(&format!("198.51.100.{n}")));
        assert_eq!(
            liar.log_in("asda1", "salah").await,
            StatusCode::UNAUTHORIZED
        );
    }
    let liar = browser(&app.base, "127.0.0.1", Some("198.51.100.99"));
    assert_eq!(
        liar.log_in("asda1", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(failed_addresses(&app, "asda1").await, vec!["127.0.0.1"; 5]);
    // A server that trusts another proxy ignores the header from 127.0.0.1 too.
    let config = Config {
        trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
        ..Default::default()
    };
    let other = serve(app.store.clone(), config).await;
    let liar = browser(&other, "127.0.0.1", Some("198.51.100.100"));
    assert_eq!(
        liar.log_in("asda1", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn forwarded_for_is_honoured_from_a_trusted_proxy(backend: &str) {
    let app = spawn_app(backend).await;
    let proxied = behind_proxy(&app).await;
    let a = browser(&proxied, "127.0.0.1", Some("198.51.100.7"));
    fail_five_times(&a, "asda1").await;
    assert_eq!(
        a.log_in("asda1", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the proxy gets in; what a client writes to the
    // left of the proxy's own entry is not believed.
    let b = browser(&proxied, "127.0.0.1", Some("198.51.100.7, 198.51.100.8"));
    assert_eq!(b.log_in("asda1", PASSWORD).await, StatusCode::SEE_OTHER);
    assert_eq!(
        failed_addresses(&app, "asda1").await,
        vec!["198.51.100.7"; 5]
    );
    // The proxy's own address is not blocked by its clients' failures.
    let direct = browser(&proxied, "127.0.0.1", None);
    assert_eq!(
        direct.log_in("asda1", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

async fn the_throttle_holds_across_app_servers(backend: &str) {
    let app = spawn_app(backend).await;
    let first = browser(&app.base, "127.0.0.1", None);
    fail_five_times(&first, "asda1").await;
    // A second app server over the same database (a restart, or another
    // server behind the balancer) knows the failures.
    let second_server = serve(app.store.clone(), Config::default()).await;
    let second = browser(&second_server, "127.0.0.1", None);
    assert_eq!(
        second.log_in("asda1", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let elsewhere = browser(&second_server, "127.0.0.2", None);
    assert_eq!(
        elsewhere.log_in("asda1", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

async fn unknown_and_disabled_accounts_answer_like_a_wrong_password(backend: &str) {
    let app = spawn_app(backend).await;
    app.store
        .set_disabled("finance", true, &pantau_store::Actor::cli())
        .await
        .unwrap();
    let browser = app.browser();
    let wrong = attempt(&browser, "asda1", "salah").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong = main_of(&wrong.text().await.unwrap());
    for (username, password) in [("tidak-ada", PASSWORD), ("finance", PASSWORD)] {
        let response = attempt(&browser, username, password).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{username}");
        let page = main_of(&response.text().await.unwrap());
        assert_eq!(
            page.replace(username, "asda1"),
            wrong,
            "{username} is answered like a wrong password"
        );
    }
    // The disabled account's failure is audited like any other.
    assert_eq!(failed_addresses(&app, "finance").await, vec!["127.0.0.1"]);
    // An unknown name is throttled like a known one: the throttle tells nothing.
    for _ in 0..4 {
        assert_eq!(
            browser.log_in("tidak-ada", "salah").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        browser.log_in("TIDAK-ADA", "salah").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the name is counted whatever its case"
    );
}

/// The page's own part, without the CSRF token that differs per answer.
fn main_of(page: &str) -> String {
    let start = page.find("<main").expect("a main element");
    let token = csrf_in(page);
    page[start..].replace(&token, "TOKEN")
}

async fn reset_requests_are_throttled_across_app_servers(backend: &str) {
    let app = spawn_app(backend).await;
    let admin = app.logged_in("admin").await;
    let (status, _) = admin
        .submit(
            "/admin/pengguna/leader",
            &[
                ("name", "Wali Kota"),
                ("email", "walikota@bekasikota.go.id"),
                ("role", "leader"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let second_server = serve(app.store.clone(), Config::default()).await;
    // Two requests on each server: three links at most, the same answer to all.
    for base in [&app.base, &app.base, &second_server, &second_server] {
        let asker = browser(base, "127.0.0.1", None);
        let (_, form) = asker.get("/lupa-sandi").await;
        let (status, _) = asker
            .post(
                "/lupa-sandi",
                &[("csrf", &csrf_in(&form)), ("username", "leader")],
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let mails = app
        .store
        .outbox_messages("3275", Some(MessageStatus::Pending), 10)
        .await
        .unwrap();
    assert_eq!(mails.len(), 3, "the fourth request sent nothing");
}
