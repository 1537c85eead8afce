//! The real server on a free port, against SQLite and against PostgreSQL: the
//! same suite on both. A browser-like client (cookies, forms) logs in, reports,
//! verifies, and reads the figures back; forbidden actions are refused and
//! change nothing.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use pantau_store::{Actor, ImportMode, NewUser, Role, Store};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

const PASSWORD: &str = "rahasia-uji-123";

struct TestApp {
    base: String,
    store: Arc<dyn Store>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

async fn database_url(backend: &str) -> String {
    match backend {
        "sqlite" => format!(
            "sqlite:{}",
            std::env::temp_dir()
                .join(format!("{}.db", unique("pantau_web")))
                .display()
        ),
        _ => {
            use sqlx::Connection;
            let server = std::env::var("PANTAU_TEST_POSTGRES_URL").expect(
                "PANTAU_TEST_POSTGRES_URL is not set: run eval \"$(scripts/postgres start)\" first",
            );
            let name = unique("pantau_web");
            let mut conn = sqlx::PgConnection::connect(&server).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .unwrap();
            let (base, _) = server.rsplit_once('/').unwrap();
            format!("{base}/{name}")
        }
    }
}

async fn spawn_app(backend: &str) -> TestApp {
    let store = pantau_store::connect(&database_url(backend).await)
        .await
        .unwrap();
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/bekasi-100hk.json"
    ))
    .unwrap();
    let bundle = pantau_domain::parse(&sample).unwrap();
    store
        .import_bundle(&bundle, ImportMode::NewRegion, &Actor::cli())
        .await
        .unwrap();
    let hash = pantau_store::password::hash(PASSWORD);
    let accounts: [(&str, Role, Option<&str>, &[&str]); 6] = [
        ("admin", Role::Admin, None, &[]),
        ("asda1", Role::Evaluator, None, &["ASDA1"]),
        ("asda2", Role::Evaluator, None, &["ASDA2"]),
        ("op-dp3a", Role::Operator, Some("DP3A"), &[]),
        ("op-dlh", Role::Operator, Some("DLH"), &[]),
        ("leader", Role::Leader, None, &[]),
    ];
    for (username, role, unit, clusters) in accounts {
        let user = NewUser {
            region: "3275".into(),
            username: username.into(),
            display_name: username.into(),
            email: None,
            password_hash: hash.clone(),
            role,
            unit: unit.map(str::to_owned),
            clusters: clusters.iter().map(|c| c.to_string()).collect(),
        };
        store.create_user(&user, &Actor::cli()).await.unwrap();
    }
    let evidence_dir = std::env::temp_dir().join(unique("pantau_evidence"));
    let config = pantau_web::Config {
        evidence_dir,
        max_evidence_bytes: 64 * 1024,
        ..Default::default()
    };
    let state = pantau_web::AppState::new(store.clone(), config);
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
    TestApp {
        base: format!("http://{addr}"),
        store,
    }
}

/// A browser: keeps cookies, does not follow redirects (so they can be checked).
struct Browser {
    client: reqwest::Client,
    base: String,
}

fn csrf_in(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

impl TestApp {
    fn browser(&self) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
        }
    }

    async fn logged_in(&self, username: &str) -> Browser {
        let browser = self.browser();
        let status = browser.log_in(username, PASSWORD).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{username} logs in");
        browser
    }

    async fn entry_count(&self, status: Option<pantau_domain::bundle::EntryStatus>) -> usize {
        self.store
            .entries(
                "3275",
                &pantau_store::EntryFilter {
                    status,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .len()
    }
}

impl Browser {
    async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    async fn log_in(&self, username: &str, password: &str) -> StatusCode {
        let (_, page) = self.get("/masuk").await;
        let csrf = csrf_in(&page);
        self.post(
            "/masuk",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
            ],
        )
        .await
        .0
    }

    async fn csrf(&self) -> String {
        csrf_in(&self.get("/dasbor").await.1)
    }

    async fn report(
        &self,
        target: &str,
        date: &str,
        value: &str,
        evidence: Option<(&str, Vec<u8>)>,
        csrf: Option<String>,
    ) -> (StatusCode, String) {
        let csrf = match csrf {
            Some(token) => token,
            None => self.csrf().await,
        };
        let mut form = Form::new()
            .text("csrf", csrf)
            .text("program", "100HK")
            .text("target", target.to_owned())
            .text("activity_date", date.to_owned())
            .text("value", value.to_owned())
            .text("note", "uji");
        if let Some((name, bytes)) = evidence {
            form = form.part("evidence", Part::bytes(bytes).file_name(name.to_owned()));
        }
        let response = self
            .client
            .post(format!("{}/lapor", self.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

fn realized(evaluation: &serde_json::Value, target: &str) -> f64 {
    evaluation["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == target)
        .unwrap()["realized"]
        .as_f64()
        .unwrap_or(0.0)
}

/// The evaluation through the API; `as_of` empty means now, which counts
/// entries submitted today (after the sample program ended).
async fn api_evaluation(browser: &Browser, as_of: &str) -> serde_json::Value {
    let (status, body) = browser
        .get(&format!("/api/v1/programs/100HK/evaluation?as_of={as_of}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

async fn report_verify_and_see_it(backend: &str) {
    let app = spawn_app(backend).await;
    let operator = app.logged_in("op-dp3a").await;
    let before = realized(&api_evaluation(&operator, "").await, "DP3A-01");

    let (status, body) = operator
        .report(
            "DP3A-01",
            "2025-05-10",
            "7",
            Some(("posyandu.png", PNG.to_vec())),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, checkin) = operator.get("/lapor?program=100HK").await;
    assert!(
        checkin.contains("Menunggu verifikasi"),
        "the new entry awaits verification"
    );

    // Submitted entries count by default; the figure moves at once.
    let after = realized(&api_evaluation(&operator, "").await, "DP3A-01");
    assert_eq!(after, before + 7.0);

    let evaluator = app.logged_in("asda1").await;
    let (_, queue) = evaluator.get("/verifikasi").await;
    let new_id = app
        .store
        .entries(
            "3275",
            &pantau_store::EntryFilter {
                target: Some("DP3A-01".into()),
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap()[0]
        .id;
    assert!(
        queue.contains(&format!("data-entry=\"{new_id}\"")),
        "the entry is in ASDA1's queue"
    );
    let csrf = csrf_in(&queue);
    let (status, _) = evaluator
        .post(
            &format!("/verifikasi/{new_id}"),
            &[("csrf", &csrf), ("decision", "verify")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let entry = app.store.entry("3275", new_id).await.unwrap().unwrap();
    assert_eq!(entry.status, pantau_domain::bundle::EntryStatus::Verified);

    let leader = app.logged_in("leader").await;
    let (status, dashboard) = leader.get("/dasbor").await;
    assert_eq!(status, StatusCode::OK);
    assert!(dashboard.contains("data-unit=\"DP3A\""));
    let (_, target_page) = leader.get("/target/100HK/DP3A-01").await;
    assert!(
        target_page.contains("<svg"),
        "the trajectory chart is drawn"
    );
    let shown = format!("{}", after).replace('.', ",");
    assert!(
        target_page.contains(&format!("id=\"target-realized\">{shown}<")),
        "the page shows {shown}"
    );

    // An operator may not change an entry once verified.
    let result = app
        .store
        .update_entry(
            "3275",
            new_id,
            &pantau_store::EntryChange {
                activity_date: entry.activity_date,
                value: rust_decimal::Decimal::ONE,
                note: None,
                submitted_at: chrono::Utc::now(),
            },
            &Actor::cli(),
        )
        .await;
    assert!(matches!(
        result,
        Err(pantau_store::StoreError::EntryLocked(_))
    ));

    let log = app.store.audit_log("3275", 20).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
    for expected in ["verify", "create", "submit", "login"] {
        assert!(
            actions.contains(&expected),
            "audit has {expected}: {actions:?}"
        );
    }
}

async fn forbidden_actions_are_refused_and_change_nothing(backend: &str) {
    let app = spawn_app(backend).await;
    let entries_before = app.entry_count(None).await;

    // An operator reporting for another unit's target.
    let operator = app.logged_in("op-dlh").await;
    let (status, _) = operator
        .report("DP3A-01", "2025-05-10", "3", None, None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An operator verifying, a leader reporting, an evaluator of another cluster verifying.
    let submitted = app
        .store
        .entries(
            "3275",
            &pantau_store::EntryFilter {
                status: Some(pantau_domain::bundle::EntryStatus::Submitted),
                unit: Some("DP3A".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let id = submitted
        .first()
        .expect("the sample has submitted DP3A entries")
        .id
        .to_string();
    let csrf = operator.csrf().await;
    let (status, _) = operator
        .post(
            &format!("/verifikasi/{id}"),
            &[("csrf", &csrf), ("decision", "verify")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let leader = app.logged_in("leader").await;
    let (status, _) = leader
        .report("DP3A-01", "2025-05-10", "3", None, None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = leader.get("/lapor").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let other = app.logged_in("asda2").await;
    let csrf = other.csrf().await;
    let (status, _) = other
        .post(
            &format!("/verifikasi/{id}"),
            &[("csrf", &csrf), ("decision", "verify")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = other.get("/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Nobody logged in: pages send to the log-in, the API answers 401.
    let anonymous = app.browser();
    let (status, _) = anonymous.get("/dasbor").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = anonymous.get("/api/v1/programs/100HK/evaluation").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    assert_eq!(
        app.entry_count(None).await,
        entries_before,
        "nothing was written"
    );
    let still = app
        .store
        .entry("3275", id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status, pantau_domain::bundle::EntryStatus::Submitted);
    let log = app.store.audit_log("3275", 50).await.unwrap();
    assert!(
        log.iter()
            .filter(|r| r.action == "permission_denied")
            .count()
            >= 5
    );
}

async fn bad_input_gets_a_clear_message_and_writes_nothing(backend: &str) {
    let app = spawn_app(backend).await;
    let before = app.entry_count(None).await;
    let operator = app.logged_in("op-dp3a").await;
    let cases: Vec<(&str, &str, Option<(&str, Vec<u8>)>, &str)> = vec![
        (
            "2025-05-10",
            "banyak",
            None,
            "value: &#34;banyak&#34; is not a number",
        ),
        (
            "2025-07-01",
            "3",
            None,
            "activity_date: 2025-07-01 is outside the program",
        ),
        (
            "2025-05-10",
            "3",
            Some(("virus.exe", b"MZ\x90\0".to_vec())),
            "evidence: only JPEG or PNG",
        ),
        (
            "2025-05-10",
            "3",
            Some(("big.png", [PNG, &vec![0u8; 70 * 1024]].concat())),
            "evidence: the file is larger",
        ),
    ];
    for (date, value, evidence, message) in cases {
        let (status, body) = operator
            .report("DP3A-01", date, value, evidence, None)
            .await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::PAYLOAD_TOO_LARGE,
            "{message}: {status}"
        );
        if status == StatusCode::BAD_REQUEST {
            assert!(body.contains(message), "{message} in {body}");
        }
    }
    // A date in the future.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    let (status, _) = operator.report("DP3A-01", &tomorrow, "3", None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A form without its CSRF token, or with a wrong one.
    let (status, _) = operator
        .report("DP3A-01", "2025-05-10", "3", None, Some("forged".into()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.entry_count(None).await, before, "nothing was written");

    // A wrong password is refused; after five the account is throttled.
    let stranger = app.browser();
    for _ in 0..5 {
        assert_eq!(
            stranger.log_in("asda1", "salah").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        stranger.log_in("asda1", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn languages_and_openapi(backend: &str) {
    let app = spawn_app(backend).await;
    let browser = app.logged_in("leader").await;
    let (_, page) = browser.get("/dasbor?as_of=2025-04-25").await;
    assert!(page.contains("Tingkat pelaporan"), "Indonesian by default");
    let (status, _) = browser.get("/bahasa/en").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = browser.get("/dasbor?as_of=2025-04-25").await;
    assert!(page.contains("Reporting rate"), "English after the switch");
    let (status, doc) = browser.get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/api/v1/programs/{code}/evaluation"]["get"].is_object());
    // The API gives the same document as the engine on the stored bundle.
    let api = api_evaluation(&browser, "2025-05-21").await;
    let bundle = app.store.region_bundle("3275").await.unwrap();
    let region = pantau_domain::validate(&bundle).unwrap();
    let program = &region.programs[0];
    let as_of = program.calendar.parse_as_of("2025-05-21").unwrap();
    let direct = serde_json::to_value(pantau_domain::evaluate(
        &region,
        program,
        &as_of,
        Default::default(),
    ))
    .unwrap();
    assert_eq!(api, direct);
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name("sqlite").await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name("postgres").await })*
        }
    };
}

on_both_backends!(
    report_verify_and_see_it,
    forbidden_actions_are_refused_and_change_nothing,
    bad_input_gets_a_clear_message_and_writes_nothing,
    languages_and_openapi,
);
