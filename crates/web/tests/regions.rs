//! The tree of regions: supervisors (pembina) of a province and of the
//! nation read the figures below them, live, and write nothing.

#[macro_use]
mod support;

use pantau_store::{Actor, ImportMode, NewUser, RegionRow, Role, Store};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{csrf_in, spawn_app, spawn_app_with};

on_both_backends!(
    a_province_reads_its_kab_kota_and_the_nation_its_provinces,
    a_report_in_a_kab_kota_shows_at_once_above_it,
    only_supervisors_above_a_region_read_it,
    a_supervisor_writes_nothing,
    supervisors_belong_above_and_no_one_else_to_the_nation,
    a_server_keeping_one_region_in_memory_rolls_up_the_same,
    a_supervisor_drills_down_to_a_read_only_dashboard,
);

async fn add_region(store: &dyn Store, code: &str, name: &str) {
    store
        .add_region(
            &RegionRow {
                code: code.into(),
                name: name.into(),
                timezone: "Asia/Jakarta".into(),
            },
            &Actor::cli(),
        )
        .await
        .unwrap();
}

async fn add_user(store: &dyn Store, username: &str, region: &str, role: Role, unit: Option<&str>) {
    store
        .create_user(
            &NewUser {
                region: region.into(),
                username: username.into(),
                display_name: username.into(),
                email: None,
                password_hash: pantau_store::password::hash(support::PASSWORD),
                role,
                unit: unit.map(Into::into),
                clusters: vec![],
            },
            &Actor::cli(),
        )
        .await
        .unwrap();
}

async fn add_supervisor(store: &dyn Store, username: &str, region: &str) {
    add_user(store, username, region, Role::Supervisor, None).await;
}

/// The sample's plan and reports under another region's code and name.
fn sample_as(code: &str, name: &str) -> pantau_domain::bundle::Bundle {
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/bekasi-100hk.json"
    ))
    .unwrap();
    let mut bundle = pantau_domain::parse(&sample).unwrap();
    bundle.region.code = code.into();
    bundle.region.name = name.into();
    bundle
}

/// The nation, provinces 31 (no kab/kota) and 32, a second kab/kota 3276 (the
/// sample again under another code), and supervisors of 32 and of the nation.
async fn tree(app: &support::TestApp) {
    let store = app.store.as_ref();
    add_region(store, "ID", "Indonesia").await;
    add_region(store, "32", "Jawa Barat").await;
    add_region(store, "31", "DKI Jakarta").await;
    let bundle = sample_as("3276", "Kota Kembar");
    store
        .import_bundle(&bundle, ImportMode::NewRegion, &Actor::cli())
        .await
        .unwrap();
    add_supervisor(store, "pembina-jabar", "32").await;
    add_supervisor(store, "pembina-nasional", "ID").await;
}

async fn get(app: &support::TestApp, username: &str, path: &str) -> (StatusCode, Value) {
    let token = app
        .store
        .create_api_token(username, "uji", &Actor::cli())
        .await
        .unwrap();
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn post(app: &support::TestApp, username: &str, path: &str, body: Value) -> StatusCode {
    let token = app
        .store
        .create_api_token(username, "uji", &Actor::cli())
        .await
        .unwrap();
    reqwest::Client::new()
        .post(format!("{}/api/v1{path}", app.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
}

/// DISHUB-01 is far from its target (12 of 40): an operator of DISHUB in
/// `region` reports 100 through the API, which reaches it.
async fn report_far_target(app: &support::TestApp, region: &str, username: &str) {
    add_user(
        app.store.as_ref(),
        username,
        region,
        Role::Operator,
        Some("DISHUB"),
    )
    .await;
    let status = post(
        app,
        username,
        "/entries",
        json!({"program": "100HK", "target": "DISHUB-01", "activity_date": "2025-03-14", "value": 100}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn a_province_reads_its_kab_kota_and_the_nation_its_provinces(backend: &str) {
    let app = spawn_app(backend).await;
    tree(&app).await;
    let as_of = "2025-04-15";
    let (status, own) = get(
        &app,
        "leader",
        &format!("/programs/100HK/evaluation?as_of={as_of}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (status, province) = get(
        &app,
        "pembina-jabar",
        &format!("/regions/32/children?as_of={as_of}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{province}");
    assert_eq!(
        province["region"],
        json!({"code": "32", "name": "Jawa Barat"})
    );
    assert_eq!(province["as_of"], as_of);
    let children = province["children"].as_array().unwrap();
    let codes: Vec<&str> = children
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["3275", "3276"]);
    assert_eq!(children[0]["name"], "Kota Bekasi");
    assert_eq!(children[0]["programs"][0]["code"], "100HK");
    // The evaluation's summary, unchanged; the budget is the summary's.
    assert_eq!(children[0]["programs"][0]["summary"], own["summary"]);
    assert_eq!(children[0]["budget"], own["summary"]["budget"]);
    assert!(!children[0]["budget"].is_null(), "the sample has budgets");

    let (status, nation) = get(
        &app,
        "pembina-nasional",
        &format!("/regions/ID/children?as_of={as_of}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{nation}");
    let children = nation["children"].as_array().unwrap();
    let codes: Vec<&str> = children
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["31", "32"]);
    assert_eq!(children[0]["programs"], json!([]));
    assert_eq!(children[0]["budget"], Value::Null);
    let jabar = &children[1];
    assert_eq!(jabar["programs"].as_array().unwrap().len(), 1);
    let rolled = &jabar["programs"][0]["summary"];
    let one = &own["summary"];
    // Two identical kab/kota: the mean is the kab/kota's, the sums double,
    // and absorption (of the sums) is the kab/kota's.
    assert_eq!(rolled["achievement_pct"], one["achievement_pct"]);
    assert_eq!(rolled["rating"], one["rating"]);
    assert_eq!(rolled["reporting_rate"], one["reporting_rate"]);
    assert_eq!(
        rolled["targets"].as_u64().unwrap(),
        2 * one["targets"].as_u64().unwrap()
    );
    assert_eq!(
        rolled["units_with_targets"].as_u64().unwrap(),
        2 * one["units_with_targets"].as_u64().unwrap()
    );
    assert_eq!(
        jabar["budget"]["absorption_pct"],
        one["budget"]["absorption_pct"]
    );
    let rupiah = |v: &Value| v.as_str().unwrap().parse::<u128>().unwrap();
    assert_eq!(
        rupiah(&jabar["budget"]["pagu"]),
        2 * rupiah(&one["budget"]["pagu"])
    );
    assert_eq!(jabar["budget"], rolled["budget"]);

    // The nation may read a province's children too; a kab/kota has none.
    let (status, again) = get(
        &app,
        "pembina-nasional",
        &format!("/regions/32/children?as_of={as_of}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["children"], province["children"]);
    let (status, none) = get(&app, "pembina-jabar", "/regions/3275/children").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none["children"], json!([]));
}

async fn a_report_in_a_kab_kota_shows_at_once_above_it(backend: &str) {
    let app = spawn_app(backend).await;
    tree(&app).await;
    let moment = "2025-04-15T12:00:00+07:00";
    let path = format!("/regions/32/children?as_of={}", moment.replace('+', "%2B"));
    let (_, before) = get(&app, "pembina-jabar", &path).await;
    let (_, nation_before) = get(&app, "pembina-nasional", "/regions/ID/children?as_of=now").await;
    let (_, province_before) = get(&app, "pembina-jabar", "/regions/32/children?as_of=now").await;
    assert_eq!(
        province_before["children"][0]["programs"][0]["summary"],
        province_before["children"][1]["programs"][0]["summary"],
        "twins before the report"
    );

    report_far_target(&app, "3275", "op-dishub").await;

    // The report is submitted now, after the moment: the figures at the
    // moment stay, and those at now change at once.
    let (_, same) = get(&app, "pembina-jabar", &path).await;
    assert_eq!(same["children"], before["children"]);
    let (_, province) = get(&app, "pembina-jabar", "/regions/32/children?as_of=now").await;
    let (_, own) = get(&app, "leader", "/programs/100HK/evaluation?as_of=now").await;
    let (_, twin) = get(&app, "pembina-jabar", "/regions/32/children?as_of=now").await;
    assert_eq!(
        province["children"][0]["programs"][0]["summary"],
        own["summary"]
    );
    assert_eq!(twin["children"], province["children"]);
    // The kab/kota that reported differs from its untouched twin, in the
    // province's answer and in the nation's roll-up.
    let bekasi = &province["children"][0]["programs"][0]["summary"];
    let kembar = &province["children"][1]["programs"][0]["summary"];
    assert_ne!(bekasi, kembar);
    let (_, nation) = get(&app, "pembina-nasional", "/regions/ID/children?as_of=now").await;
    let rolled = &nation["children"][1]["programs"][0]["summary"];
    let mean = (bekasi["achievement_pct"].as_f64().unwrap()
        + kembar["achievement_pct"].as_f64().unwrap())
        / 2.0;
    assert!((rolled["achievement_pct"].as_f64().unwrap() - mean).abs() <= 0.005 + 1e-9);
    assert_ne!(
        nation["children"][1]["programs"][0]["summary"],
        nation_before["children"][1]["programs"][0]["summary"]
    );
}

async fn only_supervisors_above_a_region_read_it(backend: &str) {
    let app = spawn_app(backend).await;
    tree(&app).await;
    let store = app.store.as_ref();
    add_region(store, "33", "Jawa Tengah").await;
    add_supervisor(store, "pembina-jateng", "33").await;
    for (who, path) in [
        ("leader", "/regions/32/children"),
        ("admin", "/regions/ID/children"),
        ("pembina-jabar", "/regions/ID/children"),
        ("pembina-jabar", "/regions/31/children"),
        ("pembina-jateng", "/regions/32/children"),
        ("pembina-jateng", "/regions/3275/children"),
    ] {
        let (status, body) = get(&app, who, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who} {path}: {body}");
        assert_eq!(body["error"], "forbidden", "{body}");
    }
    for (who, path) in [
        ("pembina-nasional", "/regions/99/children"),
        ("pembina-nasional", "/regions/3299/children"),
        ("pembina-nasional", "/regions/KOTA/children"),
    ] {
        let (status, body) = get(&app, who, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who} {path}: {body}");
    }
    let (status, body) = get(&app, "pembina-jabar", "/regions/32/children?as_of=kemarin").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["message"].as_str().unwrap().starts_with("as_of:"),
        "{body}"
    );
}

async fn a_supervisor_writes_nothing(backend: &str) {
    let app = spawn_app(backend).await;
    tree(&app).await;
    let entries_before = app
        .store
        .entries("3275", &Default::default())
        .await
        .unwrap()
        .len();
    let attempts = [
        (
            "/entries",
            json!({"program": "100HK", "target": "DP3A-01", "activity_date": "2025-03-14", "value": 2}),
        ),
        (
            "/nil-reports",
            json!({"program": "100HK", "date": "2025-03-14"}),
        ),
        ("/entries/1/review", json!({"decision": "verify"})),
    ];
    for (path, body) in attempts {
        let status = post(&app, "pembina-nasional", path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        app.store
            .entries("3275", &Default::default())
            .await
            .unwrap()
            .len(),
        entries_before
    );
    // The pages' writes: every form refuses a supervisor.
    let browser = app.logged_in("pembina-nasional").await;
    let csrf = csrf_in(&browser.get("/wilayah/ID").await.1);
    for path in [
        "/lapor",
        "/lapor/nihil",
        "/verifikasi/1",
        "/admin/pengguna",
        "/admin/units",
        "/anggaran/unit/DP3A/pagu",
        "/anggaran/verifikasi",
        "/tindak-lanjut/1/selesai",
        "/rapat/100HK/ASDA1/1/tutup",
    ] {
        let (status, _) = browser.post(path, &[("csrf", csrf.as_str())]).await;
        assert!(status.is_client_error(), "{path}: {status}");
    }
    // Its pages are the regions below, read-only: no form posts anywhere.
    let (status, page) = browser.get("/wilayah/32").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Kota Bekasi") && page.contains("3276"),
        "{page}"
    );
    assert!(!page.contains("method=\"post\" action=\"/wilayah"));
    let (status, page) = browser.get("/wilayah/3275?as_of=2025-04-15").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("100 Hari"), "{page}");
    let (status, _) = app.logged_in("leader").await.get("/wilayah/32").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.store
            .entries("3275", &Default::default())
            .await
            .unwrap()
            .len(),
        entries_before
    );
}

async fn supervisors_belong_above_and_no_one_else_to_the_nation(backend: &str) {
    let app = spawn_app(backend).await;
    tree(&app).await;
    let store = app.store.as_ref();
    let user = |region: &str, role: Role| NewUser {
        region: region.into(),
        username: support::unique("u"),
        display_name: "x".into(),
        email: None,
        password_hash: "x".into(),
        role,
        unit: None,
        clusters: vec![],
    };
    let err = store
        .create_user(&user("3275", Role::Supervisor), &Actor::cli())
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("role:"), "{err}");
    let err = store
        .create_user(&user("ID", Role::Leader), &Actor::cli())
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("role:"), "{err}");
    // A province is a pemda with its own units: its own staff belong to it.
    store
        .create_user(&user("32", Role::Leader), &Actor::cli())
        .await
        .unwrap();

    // Region codes: a bad one is named, a duplicate and a kab/kota refused.
    let row = |code: &str| RegionRow {
        code: code.into(),
        name: "Nama".into(),
        timezone: "Asia/Jakarta".into(),
    };
    let err = store
        .add_region(&row("3a"), &Actor::cli())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("\"3a\" is not a Kemendagri region code"),
        "{err}"
    );
    let err = store
        .add_region(&row("32"), &Actor::cli())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already registered"), "{err}");
    let err = store
        .add_region(&row("3201"), &Actor::cli())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("pantau import"), "{err}");
    // A province is a pemda too: its own plan imports under its code, and
    // merges into the province `region add` made.
    let bundle = sample_as("32", "Jawa Barat");
    store
        .import_bundle(&bundle, ImportMode::Merge, &Actor::cli())
        .await
        .unwrap();
    let programs = store.region_programs().await.unwrap();
    assert_eq!(
        programs.iter().filter(|p| p.0 == "32").count(),
        bundle.programs.len(),
        "{programs:?}"
    );
}

/// With room for one region's model, every roll-up evicts one kab/kota to
/// load the other: the figures are those of a server that keeps both, and a
/// report in the evicted one still shows at once.
async fn a_server_keeping_one_region_in_memory_rolls_up_the_same(backend: &str) {
    let app = spawn_app_with(backend, |config| config.regions_kept = 1).await;
    tree(&app).await;
    let (_, own) = get(&app, "leader", "/programs/100HK/evaluation?as_of=now").await;
    let (status, province) = get(&app, "pembina-jabar", "/regions/32/children?as_of=now").await;
    assert_eq!(status, StatusCode::OK, "{province}");
    for child in province["children"].as_array().unwrap() {
        assert_eq!(
            child["programs"][0]["summary"], own["summary"],
            "{}",
            child["code"]
        );
    }
    // Reading the leader's dashboard loads Kota Bekasi, evicting the twin.
    let (_, again) = get(&app, "leader", "/programs/100HK/evaluation?as_of=now").await;
    assert_eq!(again["summary"], own["summary"]);
    report_far_target(&app, "3276", "op-kembar").await;
    let (_, after) = get(&app, "pembina-jabar", "/regions/32/children?as_of=now").await;
    let bekasi = &after["children"][0]["programs"][0]["summary"];
    let kembar = &after["children"][1]["programs"][0]["summary"];
    assert_eq!(after["children"][1]["code"], "3276");
    assert_eq!(bekasi, &own["summary"], "Kota Bekasi did not change");
    assert_ne!(kembar, &own["summary"], "the twin's report shows");
    // The nation's roll-up reads both through the same one-region cache.
    let (_, nation) = get(&app, "pembina-nasional", "/regions/ID/children?as_of=now").await;
    let rolled = &nation["children"][1]["programs"][0]["summary"];
    assert_eq!(
        rolled["targets"].as_u64().unwrap(),
        2 * own["summary"]["targets"].as_u64().unwrap()
    );
    let mean = (bekasi["achievement_pct"].as_f64().unwrap()
        + kembar["achievement_pct"].as_f64().unwrap())
        / 2.0;
    assert!((rolled["achievement_pct"].as_f64().unwrap() - mean).abs() <= 0.005 + 1e-9);
}

/// The text of the element with `id`, tags dropped.
fn text_of(page: &str, id: &str) -> String {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let open_end = start + page[start..].find('>').unwrap() + 1;
    let close = open_end + page[open_end..].find("</").unwrap();
    page[open_end..close].trim().to_owned()
}

/// The supervisor's list shows each region's weekly reporting as a strip and
/// its last push when it pushes here; a kab/kota's programs open its own
/// dashboard, read-only, with the leaders' figures at the same moment.
async fn a_supervisor_drills_down_to_a_read_only_dashboard(backend: &str) {
    let app = spawn_app(backend).await;
    tree(&app).await;
    app.store
        .sync_allow("3276", "Kota Kembar", &Actor::cli())
        .await
        .unwrap();
    let browser = app.logged_in("pembina-jabar").await;
    let (status, list) = browser.get("/wilayah/32?as_of=2025-04-15").await;
    assert_eq!(status, StatusCode::OK);
    // Weeks up to the moment: the sample's first reports are due in March.
    assert!(list.contains("id=\"heat-legend\""), "{list}");
    let bekasi_row = &list[list.find("data-code=\"3275\"").unwrap()..];
    let bekasi_row = &bekasi_row[..bekasi_row.find("</tr>").unwrap()];
    let cells = bekasi_row.matches("<span class=\"h").count();
    assert!((5..=13).contains(&cells), "{cells} weeks: {bekasi_row}");
    assert!(bekasi_row.contains("laporan masuk ("), "{bekasi_row}");
    // Only the twin pushes here: it shows it never has, and is not late yet.
    let kembar_row = &list[list.find("data-code=\"3276\"").unwrap()..];
    let kembar_row = &kembar_row[..kembar_row.find("</tr>").unwrap()];
    assert!(kembar_row.contains("belum pernah"), "{kembar_row}");
    assert!(!kembar_row.contains("data-late"));
    assert!(!bekasi_row.contains("belum pernah"));

    // Kota Bekasi's page links each program to its dashboard, keeping the moment.
    let (_, city) = browser.get("/wilayah/3275?as_of=2025-04-15").await;
    let link = "/wilayah/3275/dasbor?program=100HK&#38;as_of=2025-04-15";
    assert!(city.contains(link), "{city}");
    let (status, seen) = browser
        .get("/wilayah/3275/dasbor?program=100HK&as_of=2025-04-15")
        .await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    let (_, own) = app
        .logged_in("leader")
        .await
        .get("/dasbor?program=100HK&as_of=2025-04-15")
        .await;
    for id in ["summary-capaian", "moment", "status-counts"] {
        assert_eq!(text_of(&seen, id), text_of(&own, id), "#{id}");
    }
    assert!(seen.contains("id=\"read-only\""));
    assert!(seen.contains("href=\"/wilayah/3275?as_of=2025-04-15\""));
    assert!(
        !seen.contains("href=\"/unit/"),
        "no unit pages for a supervisor"
    );
    assert!(!own.contains("id=\"read-only\""));

    // Not below the supervisor, or not a supervisor: refused.
    let (status, _) = browser.get("/wilayah/3175/dasbor").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .logged_in("leader")
        .await
        .get("/wilayah/3275/dasbor")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = browser.get("/wilayah/xx/dasbor").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A province's own plan shows beside its kab/kota, with its dashboard.
    let (_, before) = browser.get("/wilayah/32").await;
    assert!(!before.contains("id=\"own-programs\""));
    // No moment asked: each program at its default, and the page says so.
    assert!(before.contains("id=\"moment-default\""), "{before}");
    assert!(!list.contains("id=\"moment-default\""));
    let bundle = sample_as("32", "Jawa Barat");
    app.store
        .import_bundle(&bundle, ImportMode::Merge, &Actor::cli())
        .await
        .unwrap();
    let (_, after) = browser.get("/wilayah/32").await;
    assert!(after.contains("id=\"own-programs\""), "{after}");
    assert!(after.contains("/wilayah/32/dasbor?program=100HK"));
    let (status, province) = browser.get("/wilayah/32/dasbor?program=100HK").await;
    assert_eq!(status, StatusCode::OK);
    assert!(province.contains("Jawa Barat"));
}
