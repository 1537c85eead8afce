//! The public portal on both backends: nothing is public until an admin
//! publishes it (pages, API, downloads, catalogue), publishing and
//! withdrawing are audited, public pages leave no session row and set no
//! cookie, the public API is the engine's verified-only evaluation, and no
//! submitted or returned entry ever changes a public figure or download.

#[macro_use]
mod support;

use pantau_store::{Actor, NewEntry, Review};
use proptest::strategy::{Strategy, ValueTree};
use reqwest::StatusCode;
use serde_json::Value;
use support::*;

on_both_backends!(
    nothing_is_public_until_published_and_withdrawing_hides_it_again,
    public_pages_leave_no_session_and_set_no_cookie,
    the_public_api_is_the_verified_only_evaluation,
    unverified_and_returned_entries_never_change_public_figures,
    the_catalogue_speaks_ckan_and_dcat,
);

const AS_OF: &str = "2025-05-21";

/// Every public address of the sample's program, with what it should answer
/// once published.
fn public_paths() -> Vec<String> {
    vec![
        "/publik/3275/program/100HK".into(),
        "/publik/3275/program/100HK/target/DP3A-01".into(),
        "/publik/3275/program/100HK/angka.csv".into(),
        "/publik/3275/program/100HK/angka.json".into(),
        "/publik/3275/program/100HK/angka.csv?target=DP3A-01".into(),
        "/api/v1/public/3275/programs/100HK/evaluation".into(),
        "/publik/3275/api/3/action/package_show?id=pantau-3275-100hk".into(),
        "/publik/3275/api/3/action/package_show?id=pantau-3275-100hk-dp3a-01".into(),
    ]
}

async fn json(browser: &Browser, path: &str) -> (StatusCode, Value) {
    let (status, body) = browser.get(path).await;
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}")),
    )
}

async fn nothing_is_public_until_published_and_withdrawing_hides_it_again(backend: &str) {
    let app = spawn_app(backend).await;
    let anonymous = app.browser();
    for path in public_paths() {
        let (status, _) = anonymous.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path} before publishing");
    }
    let (status, page) = anonymous.get("/publik/3275").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"no-programs\""), "{page}");
    assert!(!page.contains("100HK"), "the program is not named: {page}");
    assert_eq!(
        json(&anonymous, "/api/v1/public/3275/programs").await.1,
        serde_json::json!([])
    );
    let (_, list) = json(&anonymous, "/publik/3275/api/3/action/package_list").await;
    assert_eq!(list["result"], serde_json::json!([]));
    let (_, search) = json(&anonymous, "/publik/3275/api/3/action/package_search").await;
    assert_eq!(search["result"]["count"], 0);
    let (_, catalog) = json(&anonymous, "/publik/3275/catalog.jsonld").await;
    assert_eq!(catalog["dcat:dataset"], serde_json::json!([]));
    // Unknown regions: nothing at all.
    for path in [
        "/publik/9999",
        "/api/v1/public/9999/programs",
        "/publik/9999/catalog.jsonld",
        "/publik/9999/api/3/action/package_list",
    ] {
        assert_eq!(anonymous.get(path).await.0, StatusCode::NOT_FOUND, "{path}");
    }

    // Only an admin publishes, with the form's token.
    let operator = app.logged_in("op-dp3a").await;
    let csrf = operator.csrf().await;
    let (status, _) = operator
        .post(
            "/admin/publikasi",
            &[("csrf", &csrf), ("action", "publish"), ("program", "100HK")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let admin = app.logged_in("admin").await;
    let (status, _) = admin
        .post(
            "/admin/publikasi",
            &[
                ("csrf", "wrong"),
                ("action", "publish"),
                ("program", "100HK"),
            ],
        )
        .await;
    assert_ne!(status, StatusCode::SEE_OTHER, "a wrong token is refused");
    assert!(app.store.publications("3275").await.unwrap().is_empty());
    let (status, _) = admin
        .submit(
            "/admin/publikasi",
            &[("action", "publish"), ("program", "100HK")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = admin.get("/admin/publikasi").await;
    assert!(page.contains("/publik/3275/program/100HK"), "{page}");

    for path in public_paths() {
        let (status, body) = anonymous.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path} once published: {body}");
    }
    let (_, page) = anonymous.get("/publik/3275").await;
    assert!(page.contains("data-program=\"100HK\""), "{page}");
    // The indicator page says how often it moves and what it counts.
    let (_, page) = anonymous
        .get(&format!(
            "/publik/3275/program/100HK/target/DP3A-01?as_of={AS_OF}"
        ))
        .await;
    assert!(
        page.contains("mingguan, periode ditutup setiap Jumat pukul 09.00"),
        "{page}"
    );
    let verified = app
        .scalar::<i64>(
            "SELECT COUNT(*) FROM entries e JOIN targets t ON t.id = e.target_id \
         WHERE t.code = 'DP3A-01' AND e.status = 'verified'",
        )
        .await;
    assert!(verified > 0);
    assert!(
        page.contains(&format!("{verified} laporan terverifikasi dihitung")),
        "{verified} verified: {page}"
    );
    // A target the program does not have is still not found.
    assert_eq!(
        anonymous
            .get("/publik/3275/program/100HK/target/NOPE")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        anonymous
            .get("/publik/3275/program/100HK/angka.csv?target=NOPE")
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    let (status, _) = admin
        .submit(
            "/admin/publikasi",
            &[("action", "withdraw"), ("program", "100HK")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    for path in public_paths() {
        assert_eq!(
            anonymous.get(&path).await.0,
            StatusCode::NOT_FOUND,
            "{path} after withdrawal"
        );
    }
    let log = app.store.audit_log("3275", 20).await.unwrap();
    let actions: Vec<_> = log
        .iter()
        .filter(|r| r.entity == "program")
        .map(|r| (r.action.as_str(), r.actor.as_str()))
        .collect();
    assert_eq!(actions, [("withdraw", "admin"), ("publish", "admin")]);
}

async fn public_pages_leave_no_session_and_set_no_cookie(backend: &str) {
    let app = spawn_app(backend).await;
    app.store
        .publish("3275", "100HK", &Actor::cli())
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut paths = public_paths();
    paths.extend([
        "/publik/3275".to_owned(),
        "/publik/3275/program/100HK?as_of=2025-04-25".to_owned(),
        "/publik/3275/catalog.jsonld".to_owned(),
        "/api/v1/public/3275/programs".to_owned(),
    ]);
    for path in &paths {
        let response = client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            response.headers().get("set-cookie").is_none(),
            "{path} sets a cookie: {:?}",
            response.headers().get("set-cookie")
        );
    }
    assert_eq!(app.scalar::<i64>("SELECT COUNT(*) FROM sessions").await, 0);
    // The page says what it counts, and when, in the visitor's language.
    let (_, page) = app
        .browser()
        .get("/publik/3275/program/100HK?as_of=2025-04-25")
        .await;
    assert!(page.contains("id=\"verified-only\""));
    assert!(page.contains("25 April 2025"), "{page}");
    assert!(page.contains("as_of=2025-04-25"), "links keep the moment");
}

/// The engine's verified-only evaluation of what the store holds, with the
/// unverified entries left out as the public model leaves them.
async fn engine_evaluation(app: &TestApp, as_of: &str) -> Value {
    let bundle = app.store.region_bundle("3275").await.unwrap();
    let mut region = pantau_domain::validate(&bundle).unwrap();
    for program in &mut region.programs {
        program
            .entries
            .retain(|e| e.status == pantau_domain::bundle::EntryStatus::Verified);
    }
    let program = &region.programs[0];
    let as_of = program.calendar.parse_as_of(as_of).unwrap();
    let evaluation = pantau_domain::evaluate(
        &region,
        program,
        &as_of,
        pantau_domain::Options {
            verified_only: true,
        },
    );
    serde_json::to_value(&evaluation).unwrap()
}

async fn the_public_api_is_the_verified_only_evaluation(backend: &str) {
    let app = spawn_app(backend).await;
    app.store
        .publish("3275", "100HK", &Actor::cli())
        .await
        .unwrap();
    let anonymous = app.browser();
    for as_of in ["2025-03-01", "2025-04-25", AS_OF] {
        let (status, got) = json(
            &anonymous,
            &format!("/api/v1/public/3275/programs/100HK/evaluation?as_of={as_of}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(got, engine_evaluation(&app, as_of).await, "at {as_of}");
    }
    let (_, programs) = json(&anonymous, "/api/v1/public/3275/programs").await;
    assert_eq!(programs[0]["code"], "100HK");
    assert_eq!(programs[0]["licence"], "CC-BY-4.0");
    let (status, refused) = json(
        &anonymous,
        "/api/v1/public/3275/programs/100HK/evaluation?as_of=kemarin",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    // The download carries the licence, the moment and verified_only.
    let (_, csv) = anonymous
        .get(&format!(
            "/publik/3275/program/100HK/angka.csv?as_of={AS_OF}"
        ))
        .await;
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("licence") && header.contains("verified_only"),
        "{header}"
    );
    assert_eq!(csv.lines().count(), 1 + 24, "a line per target");
    app.store
        .set_open_data_licence("3275", "CC0-1.0", &Actor::cli())
        .await
        .unwrap();
    let (_, doc) = json(&anonymous, "/publik/3275/program/100HK/angka.json").await;
    assert_eq!(doc["licence"], "CC0-1.0");
    assert_eq!(doc["verified_only"], true);
    assert!(
        doc["figures"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["licence"] == "CC0-1.0")
    );
}

/// What the public sees of the program at the moment: evaluation, CSV, JSON
/// and the program's page.
async fn public_figures(browser: &Browser) -> (String, String, String, String) {
    let get = |path: String| async move { browser.get(&path).await.1 };
    (
        get(format!(
            "/api/v1/public/3275/programs/100HK/evaluation?as_of={AS_OF}"
        ))
        .await,
        get(format!(
            "/publik/3275/program/100HK/angka.csv?as_of={AS_OF}"
        ))
        .await,
        get(format!(
            "/publik/3275/program/100HK/angka.json?as_of={AS_OF}"
        ))
        .await,
        get(format!("/publik/3275/program/100HK?as_of={AS_OF}")).await,
    )
}

async fn unverified_and_returned_entries_never_change_public_figures(backend: &str) {
    let app = spawn_app(backend).await;
    app.store
        .publish("3275", "100HK", &Actor::cli())
        .await
        .unwrap();
    let anonymous = app.browser();
    let bundle = app.store.region_bundle("3275").await.unwrap();
    let targets: Vec<(String, bool)> = bundle.programs[0]
        .targets
        .iter()
        .map(|t| {
            (
                t.code.clone(),
                t.kind == pantau_domain::bundle::Kind::Milestone,
            )
        })
        .collect();
    // Random reports: which target, which day of the program, what value,
    // and whether it is returned or left waiting.
    let reports = proptest::collection::vec(
        (0..targets.len(), 0i64..88, 0u32..500, proptest::bool::ANY),
        1..6,
    );
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let before = public_figures(&anonymous).await;
    let start = chrono::NaiveDate::from_ymd_opt(2025, 2, 22).unwrap();
    for case in 0..6 {
        let batch = reports.new_tree(&mut runner).unwrap().current();
        for (target, day, value, returned) in batch {
            let (code, milestone) = &targets[target];
            let activity_date = start + chrono::Duration::days(day);
            let entry = NewEntry {
                program: "100HK".into(),
                target: code.clone(),
                activity_date,
                value: if *milestone {
                    rust_decimal::Decimal::ONE
                } else {
                    rust_decimal::Decimal::from(value)
                },
                note: None,
                submitted_at: activity_date.and_hms_opt(3, 0, 0).unwrap().and_utc(),
            };
            let id = app
                .store
                .create_entry("3275", &entry, &Actor::cli())
                .await
                .unwrap_or_else(|e| panic!("case {case}: {entry:?}: {e}"));
            if returned {
                app.store
                    .review_entry(
                        "3275",
                        id,
                        &Review::Return {
                            reason: "bukti kurang".into(),
                        },
                        &Actor::cli(),
                    )
                    .await
                    .unwrap();
            }
        }
        let after = public_figures(&anonymous).await;
        assert_eq!(
            after.0, before.0,
            "case {case}: the public evaluation changed"
        );
        assert_eq!(after.1, before.1, "case {case}: the CSV changed");
        assert_eq!(after.2, before.2, "case {case}: the JSON changed");
        assert_eq!(after.3, before.3, "case {case}: the page changed");
    }
    // The check can fail: verifying one changes the figures.
    let waiting = app
        .store
        .entries(
            "3275",
            &pantau_store::EntryFilter {
                status: Some(pantau_domain::bundle::EntryStatus::Submitted),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let first = waiting
        .iter()
        .find(|e| e.activity_date <= chrono::NaiveDate::from_ymd_opt(2025, 5, 20).unwrap());
    if let Some(entry) = first {
        app.store
            .review_entry("3275", entry.id, &Review::Verify, &Actor::cli())
            .await
            .unwrap();
        assert_ne!(
            public_figures(&anonymous).await.0,
            before.0,
            "a verified entry counts"
        );
    }
}

async fn the_catalogue_speaks_ckan_and_dcat(backend: &str) {
    let app = spawn_app(backend).await;
    app.store
        .publish("3275", "100HK", &Actor::cli())
        .await
        .unwrap();
    let anonymous = app.browser();
    let (status, list) = json(&anonymous, "/publik/3275/api/3/action/package_list").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["success"], true);
    assert!(
        list["help"]
            .as_str()
            .unwrap()
            .contains("help_show?name=package_list")
    );
    let names = list["result"].as_array().unwrap();
    assert_eq!(names.len(), 1 + 24, "the program and each indicator");
    let (_, page) = json(
        &anonymous,
        "/publik/3275/api/3/action/package_search?q=*:*&rows=10&start=20",
    )
    .await;
    assert_eq!(page["result"]["count"], 25);
    assert_eq!(page["result"]["results"].as_array().unwrap().len(), 5);
    let (status, bad) = json(
        &anonymous,
        "/publik/3275/api/3/action/package_search?rows=x",
    )
    .await;
    assert_eq!(
        (status, &bad["success"]),
        (StatusCode::CONFLICT, &Value::Bool(false))
    );
    let (_, shown) = json(
        &anonymous,
        "/publik/3275/api/3/action/package_show?id=pantau-3275-100hk-dp3a-01",
    )
    .await;
    let dataset = &shown["result"];
    assert_eq!(dataset["license_id"], "CC-BY-4.0");
    let extras: std::collections::HashMap<String, String> = dataset["extras"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["key"].as_str().unwrap().to_owned(),
                e["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for field in [
        "nama_indikator",
        "konsep",
        "definisi",
        "rumus_perhitungan",
        "satuan",
        "interpretasi",
        "sumber_data",
        "frekuensi_penerbitan",
        "jadwal_rilis",
    ] {
        assert!(
            extras.contains_key(field),
            "MS-Ind field {field}: {extras:?}"
        );
    }
    let csv_url = dataset["resources"][0]["url"].as_str().unwrap();
    let path = &csv_url[csv_url.find("/publik/").unwrap()..];
    let (status, csv) = anonymous.get(path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(csv.lines().count(), 2, "the indicator's own line: {csv}");
    let (_, orgs) = json(&anonymous, "/publik/3275/api/3/action/organization_list").await;
    assert_eq!(orgs["result"], serde_json::json!(["pemda-3275"]));
    let (status, _) = json(&anonymous, "/publik/3275/api/3/action/package_show?id=nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, first) = json(&anonymous, "/publik/3275/catalog.jsonld").await;
    assert_eq!(first["@type"], "dcat:Catalog");
    assert_eq!(first["hydra:view"]["hydra:totalItems"], 25);
    let datasets = first["dcat:dataset"].as_array().unwrap();
    assert_eq!(datasets.len(), 25);
    assert!(datasets[1]["pantau:msInd"]["nama_indikator"].is_string());
    assert!(
        first["hydra:view"].get("hydra:nextPage").is_none(),
        "one page of 25"
    );
    assert_eq!(
        anonymous.get("/publik/3275/catalog.jsonld?page=0").await.0,
        StatusCode::BAD_REQUEST
    );
}
