//! The real server on a free port, against SQLite and against PostgreSQL: the
//! same suite on both. A browser-like client (cookies, forms) logs in, reports,
//! verifies, and reads the figures back; forbidden actions are refused and
//! change nothing.

use pantau_store::Actor;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

#[macro_use]
mod support;
use support::{Browser, PASSWORD, TestApp, csrf_in, spawn_app};

impl TestApp {
    /// The unit's entries still waiting for verification, newest first.
    async fn submitted_entries_of(&self, unit: &str) -> Vec<pantau_store::EntryRow> {
        self.store
            .entries(
                "3275",
                &pantau_store::EntryFilter {
                    status: Some(pantau_domain::bundle::EntryStatus::Submitted),
                    unit: Some(unit.into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
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

/// The evaluation through the API; `as_of=now` counts entries submitted today,
/// after the sample program's final deadline (without it, the official final
/// figures as of that deadline).
async fn api_evaluation(browser: &Browser, as_of: &str) -> serde_json::Value {
    let (status, body) = browser
        .get(&format!("/api/v1/programs/100HK/evaluation?as_of={as_of}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// An activity date, a value, an evidence file, and the message the refusal must carry.
type BadReport = (
    &'static str,
    &'static str,
    Option<(&'static str, Vec<u8>)>,
    &'static str,
);

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

async fn report_verify_and_see_it(backend: &str) {
    let app = spawn_app(backend).await;
    let operator = app.logged_in("op-dp3a").await;
    let before = realized(&api_evaluation(&operator, "now").await, "DP3A-01");

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
    let after = realized(&api_evaluation(&operator, "now").await, "DP3A-01");
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
    // The evaluator can open the photo attached to it, served as what it is.
    let link = queue.find("href=\"/bukti/").expect("an evidence link") + 6;
    let path = &queue[link..link + queue[link..].find('"').unwrap()];
    let response = evaluator
        .client
        .get(format!("{}{path}", evaluator.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);
    let (status, _) = app.browser().get(path).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "not without a log-in");
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
    // Today's report counts in the figures as of now, not in the official
    // final ones the page shows by default once the program has ended.
    let (_, official) = leader.get("/target/100HK/DP3A-01").await;
    assert!(
        official.contains(&format!(
            "id=\"target-realized\">{}<",
            format!("{before}").replace('.', ",")
        )),
        "the official figures leave out today's report"
    );
    let (_, target_page) = leader.get("/target/100HK/DP3A-01?as_of=now").await;
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
    let submitted = app.submitted_entries_of("DP3A").await;
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
    assert!(log.iter().map(|r| r.refusals()).sum::<i64>() >= 5);
}

async fn bad_input_gets_a_clear_message_and_writes_nothing(backend: &str) {
    let app = spawn_app(backend).await;
    let before = app.entry_count(None).await;
    let operator = app.logged_in("op-dp3a").await;
    let cases: Vec<BadReport> = vec![
        (
            "2025-05-10",
            "banyak",
            None,
            "Nilai: &#34;banyak&#34; bukan angka",
        ),
        (
            "2025-07-01",
            "3",
            None,
            "Tanggal kegiatan: 1 Juli 2025 di luar masa program",
        ),
        (
            "2025-05-10",
            "3",
            Some(("virus.exe", b"MZ\x90\0".to_vec())),
            "Bukti: hanya foto JPEG atau PNG",
        ),
        (
            "2025-05-10",
            "3",
            Some(("big.png", [PNG, &vec![0u8; 70 * 1024]].concat())),
            "Bukti: berkas lebih dari",
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
    // The refused report comes back in its form, with what was typed.
    let (status, body) = operator
        .report("DP3A-01", "2025-05-10", "banyak", None, None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("value=\"banyak\""), "the typed value is kept");
    assert!(
        body.contains("form class=\"card\""),
        "the check-in page, not an error page"
    );
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
    // Every page says what it may load, and travels compressed on slow links.
    let response = browser
        .client
        .get(format!("{}/dasbor", app.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    let headers = response.headers();
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["content-encoding"], "gzip");
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

/// Every role against every route that reads or changes something: what is
/// forbidden is refused (403; anonymous callers are sent to the log-in) and
/// changes nothing.
async fn role_by_route_matrix(backend: &str) {
    let app = spawn_app(backend).await;
    let submitted = app.submitted_entries_of("DP3A").await[0].id;
    let review_path = format!("/verifikasi/{submitted}");
    // (method, path, roles allowed)
    let routes: Vec<(&str, String, &[&str])> = vec![
        (
            "GET",
            "/dasbor".into(),
            &["admin", "asda1", "op-dp3a", "leader"],
        ),
        (
            "GET",
            "/unit/DP3A".into(),
            &["admin", "asda1", "op-dp3a", "leader"],
        ),
        ("GET", "/lapor".into(), &["op-dp3a"]),
        ("GET", "/verifikasi".into(), &["asda1"]),
        ("GET", "/audit".into(), &["admin"]),
        ("GET", "/admin".into(), &["admin"]),
        ("GET", "/admin/pengguna".into(), &["admin"]),
        ("POST", "/lapor/nihil".into(), &["op-dp3a"]),
        ("POST", review_path.clone(), &["asda1"]),
        ("POST", "/admin/priority".into(), &["admin"]),
        ("POST", "/admin/pengguna".into(), &["admin"]),
    ];
    for role in ["anonymous", "op-dp3a", "asda1", "leader", "admin"] {
        for (method, path, allowed) in &routes {
            // A fresh world per refused call would be slow; instead count what a refusal must not change.
            let entries = app.entry_count(None).await;
            let users = app.store.users("3275").await.unwrap().len();
            let priorities = app
                .store
                .region_bundle("3275")
                .await
                .unwrap()
                .priorities
                .len();
            let browser = if role == "anonymous" {
                app.browser()
            } else {
                app.logged_in(role).await
            };
            let status = if *method == "GET" {
                browser.get(path).await.0
            } else {
                let csrf = if role == "anonymous" {
                    csrf_in(&browser.get("/masuk").await.1)
                } else {
                    browser.csrf().await
                };
                let form: Vec<(&str, &str)> = vec![
                    ("csrf", &csrf),
                    ("program", "100HK"),
                    ("date", "2025-05-12"),
                    ("decision", "verify"),
                    ("code", "P8"),
                    ("name", "Prioritas uji"),
                    ("username", "baru"),
                    ("role", "leader"),
                    ("password", "kata-sandi-baru"),
                ];
                browser.post(path, &form).await.0
            };
            let is_allowed = allowed.contains(&role);
            if is_allowed {
                assert!(
                    status == StatusCode::OK || status == StatusCode::SEE_OTHER,
                    "{role} {method} {path}: {status}"
                );
            } else if role == "anonymous" {
                assert_eq!(status, StatusCode::SEE_OTHER, "anonymous {method} {path}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{role} {method} {path}");
            }
            if !is_allowed {
                assert_eq!(
                    app.entry_count(None).await,
                    entries,
                    "{role} {method} {path} wrote entries"
                );
                assert_eq!(app.store.users("3275").await.unwrap().len(), users);
                assert_eq!(
                    app.store
                        .region_bundle("3275")
                        .await
                        .unwrap()
                        .priorities
                        .len(),
                    priorities
                );
            }
        }
    }
    // What the allowed calls did.
    let entry = app.store.entry("3275", submitted).await.unwrap().unwrap();
    assert_eq!(entry.status, pantau_domain::bundle::EntryStatus::Verified);
    let bundle = app.store.region_bundle("3275").await.unwrap();
    assert!(bundle.priorities.iter().any(|p| p.code == "P8"));
    assert!(app.store.user_by_username("baru").await.unwrap().is_some());
}

async fn api_tokens_write_and_sessions_only_read(backend: &str) {
    let app = spawn_app(backend).await;
    let client = reqwest::Client::new();
    let operator_token = app
        .store
        .create_api_token("op-dp3a", "uji", &Actor::cli())
        .await
        .unwrap();
    let evaluator_token = app
        .store
        .create_api_token("asda2", "uji", &Actor::cli())
        .await
        .unwrap();
    let post = |path: String, token: &str, body: serde_json::Value| {
        client
            .post(format!("{}{path}", app.base))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let created = post(
        "/api/v1/entries".into(),
        &operator_token,
        serde_json::json!({"program": "100HK", "target": "DP3A-01", "activity_date": "2025-05-12", "value": 4}),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    // Another unit's target, a bad value, a bad date: refused with the field named.
    let other = post(
        "/api/v1/entries".into(),
        &operator_token,
        serde_json::json!({"program": "100HK", "target": "DLH-01", "activity_date": "2025-05-12", "value": 4}),
    )
    .await
    .unwrap();
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    let bad = post(
        "/api/v1/entries".into(),
        &operator_token,
        serde_json::json!({"program": "100HK", "target": "DP3A-01", "activity_date": "12/05/2025", "value": 4}),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("activity_date"));
    // ASDA2 does not evaluate DP3A (ASDA1).
    let review = post(
        format!("/api/v1/entries/{id}/review"),
        &evaluator_token,
        serde_json::json!({"decision": "verify"}),
    )
    .await
    .unwrap();
    assert_eq!(review.status(), StatusCode::FORBIDDEN);
    let asda1 = app
        .store
        .create_api_token("asda1", "uji", &Actor::cli())
        .await
        .unwrap();
    let empty_reason = post(
        format!("/api/v1/entries/{id}/review"),
        &asda1,
        serde_json::json!({"decision": "return", "reason": " "}),
    )
    .await
    .unwrap();
    // Well formed, refused by a rule: 422.
    assert_eq!(empty_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let returned = post(
        format!("/api/v1/entries/{id}/review"),
        &asda1,
        serde_json::json!({"decision": "return", "reason": "Lampirkan foto kegiatan"}),
    )
    .await
    .unwrap();
    assert_eq!(returned.status(), StatusCode::NO_CONTENT);
    let listed: serde_json::Value = client
        .get(format!(
            "{}/api/v1/entries?target=DP3A-01&status=returned",
            app.base
        ))
        .bearer_auth(&operator_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == id && e["return_reason"] == "Lampirkan foto kegiatan")
    );
    // A wrong token is 401; a session may read but not write.
    let wrong = post(
        "/api/v1/entries".into(),
        "pantau_wrong",
        serde_json::json!({}),
    )
    .await
    .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let browser = app.logged_in("op-dp3a").await;
    let response = browser
        .client
        .post(format!("{}/api/v1/entries", app.base))
        .json(&serde_json::json!({"program": "100HK", "target": "DP3A-01", "activity_date": "2025-05-12", "value": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let (status, _) = browser.get("/api/v1/programs").await;
    assert_eq!(status, StatusCode::OK);
}

async fn admin_edits_go_through_bundle_validation(backend: &str) {
    let app = spawn_app(backend).await;
    let admin = app.logged_in("admin").await;
    let csrf = admin.csrf().await;
    // A unit in an unknown cluster is refused, naming the unit and the field
    // in words in the page's language, and nothing changes.
    for (lang, words) in [
        (
            "en",
            "Unit DISKAN › Assistant (cluster): &#34;ASDA9&#34; is not in the plan",
        ),
        (
            "id",
            "Perangkat daerah DISKAN › Asisten Daerah: &#34;ASDA9&#34; tidak ada dalam rencana",
        ),
    ] {
        admin.get(&format!("/bahasa/{lang}")).await;
        let (status, page) = admin
            .post(
                "/admin/unit",
                &[
                    ("csrf", &csrf),
                    ("code", "DISKAN"),
                    ("name", "Dinas Perikanan"),
                    ("cluster", "ASDA9"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains(words), "{page}");
    }
    assert!(
        !app.store
            .region_bundle("3275")
            .await
            .unwrap()
            .units
            .iter()
            .any(|u| u.code == "DISKAN")
    );
    // A valid one is added, with an audit record of its own.
    let (status, _) = admin
        .post(
            "/admin/unit",
            &[
                ("csrf", &csrf),
                ("code", "DISKAN"),
                ("name", "Dinas Perikanan"),
                ("cluster", "ASDA2"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        app.store
            .region_bundle("3275")
            .await
            .unwrap()
            .units
            .iter()
            .any(|u| u.code == "DISKAN")
    );
    let log = app.store.audit_log("3275", 5).await.unwrap();
    assert!(log.iter().any(|r| r.action == "create"
        && r.entity == "unit"
        && r.entity_id.as_deref() == Some("DISKAN")));
    // A target of kind sum with polarity lower is refused (bundle.md rule).
    let (status, page) = admin
        .post(
            "/admin/target",
            &[
                ("csrf", &csrf),
                ("program", "100HK"),
                ("code", "DISKAN-01"),
                ("unit", "DISKAN"),
                ("name", "Produksi ikan"),
                ("kind", "sum"),
                ("polarity", "lower"),
                ("baseline", "0"),
                ("target", "10"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The domain's refusal, worded on the page: the item by its code and the
    // field by its label, never a JSON path or the English message.
    assert!(
        page.contains(
            "Program 100HK › Target DISKAN-01 › Arah capaian: target yang dijumlahkan tidak bisa"
        ),
        "{page}"
    );
    assert!(!page.contains("programs["), "{page}");
    // A bundle upload with problems lists them all and writes nothing.
    let mut bundle: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/bekasi-100hk.json"
        ))
        .unwrap(),
    )
    .unwrap();
    bundle["programs"][0]["targets"][0]["unit"] = "DP3X".into();
    bundle["programs"][0]["entries"][0]["activity_date"] = "2026-01-01".into();
    let form = Form::new().text("csrf", csrf.clone()).part(
        "bundle",
        Part::bytes(bundle.to_string().into_bytes()).file_name("bundle.json"),
    );
    let response = admin
        .client
        .post(format!("{}/admin/impor", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let page = response.text().await.unwrap();
    assert!(
        page.contains(
            "Program ke-1 › Target ke-1 › Perangkat daerah: &#34;DP3X&#34; tidak ada dalam rencana"
        ),
        "{page}"
    );
    assert!(
        page.contains(
            "Program ke-1 › Laporan ke-1 › Tanggal kegiatan: 1 Januari 2026 di luar masa program"
        ),
        "{page}"
    );
    assert!(!page.contains("programs[0]"), "{page}");
}

on_both_backends!(
    colour_strips_have_a_legend_in_the_pages_language,
    report_verify_and_see_it,
    forbidden_actions_are_refused_and_change_nothing,
    bad_input_gets_a_clear_message_and_writes_nothing,
    languages_and_openapi,
    role_by_route_matrix,
    api_tokens_write_and_sessions_only_read,
    admin_edits_go_through_bundle_validation,
);

/// The reporting strips' colours are named next to them, in the page's language.
async fn colour_strips_have_a_legend_in_the_pages_language(backend: &str) {
    let app = spawn_app(backend).await;
    let leader = app.logged_in("leader").await;
    for (lang, words) in [
        (
            "id",
            ["Warna laporan", "Tepat waktu", "Terlambat", "Tidak lapor"],
        ),
        ("en", ["Report colours", "On time", "Late", "Missing"]),
    ] {
        leader.get(&format!("/bahasa/{lang}")).await;
        for path in ["/dasbor", "/unit/DP3A"] {
            let (status, page) = leader.get(path).await;
            assert_eq!(status, StatusCode::OK);
            let legend = page
                .split("id=\"compliance-legend\"")
                .nth(1)
                .and_then(|rest| rest.split("</p>").next())
                .unwrap_or_else(|| panic!("{path} ({lang}) has no legend: {page}"));
            for word in words {
                assert!(legend.contains(word), "{path} ({lang}): {legend}");
            }
            for colour in ["c-on_time", "c-late", "c-missing", "c-open"] {
                assert!(legend.contains(colour), "{path} ({lang}): {legend}");
            }
        }
    }
}
