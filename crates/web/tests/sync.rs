//! The receiving end of exchange between levels over HTTP: who may push
//! which region, what a push answers, a retried push answered again, and
//! the status of the regions that push here.

#[macro_use]
mod support;

use pantau_store::Actor;
use reqwest::StatusCode;
use serde_json::Value;
use support::{spawn_app, spawn_app_with};

on_both_backends!(
    a_push_is_taken_only_from_a_registered_region_below,
    the_receivers_admin_sees_each_regions_last_push_and_which_are_late,
);

/// The sample region's one program as a snapshot.
fn snapshot() -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/bekasi-100hk.json"
    ))
    .unwrap();
    let bundle = pantau_domain::parse(&text).unwrap();
    serde_json::to_string(&pantau_store::snapshots_of(&bundle)[0]).unwrap()
}

async fn post(
    base: &str,
    path: &str,
    token: Option<&str>,
    key: Option<&str>,
    body: String,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("content-type", "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(base: &str, path: &str, token: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn a_push_is_taken_only_from_a_registered_region_below(backend: &str) {
    // The province of Jawa Barat (32); the sample's Kota Bekasi lies below it.
    let app = spawn_app_with(backend, |config| {
        config.sync_region = Some(pantau_domain::RegionCode::parse("32").unwrap());
    })
    .await;
    let base = app.base.as_str();
    let path = "/api/v1/sync/regions/3275";

    let (status, body) = post(base, path, None, Some("k1"), snapshot()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = post(base, path, Some("pantau_sync_x"), Some("k1"), snapshot()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "not registered: {body}");

    let token = app
        .store
        .sync_allow("3275", "Kota Bekasi", &Actor::cli())
        .await
        .unwrap();
    let (status, body) = post(
        base,
        "/api/v1/sync/regions/3171",
        Some(&token),
        Some("k1"),
        snapshot(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "Jakarta is not below Jawa Barat: {body}"
    );
    assert_eq!(body["error"], "forbidden");
    let (status, _) = post(
        base,
        "/api/v1/sync/regions/bekasi",
        Some(&token),
        Some("k1"),
        snapshot(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, body) = post(base, path, Some(&token), None, snapshot()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "no key: {body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key")
    );

    // The server holds the same rows already: each is unchanged.
    let (status, checked) = post(
        base,
        &format!("{path}?dry_run=true"),
        Some(&token),
        None,
        snapshot(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    assert_eq!(checked["dry_run"], true);
    assert_eq!(checked["accepted_at"], Value::Null);
    let rows = checked["unchanged"].as_u64().unwrap();
    assert!(rows > 300, "{checked}");

    let (status, first) = post(base, path, Some(&token), Some("k1"), snapshot()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(
        (
            &first["imported"],
            &first["updated"],
            &first["deleted"],
            &first["refused"]
        ),
        (&0.into(), &0.into(), &0.into(), &0.into())
    );
    assert_eq!(first["unchanged"], rows);
    let (status, again) = post(base, path, Some(&token), Some("k1"), snapshot()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["replayed"], true);
    assert_eq!(again["accepted_at"], first["accepted_at"]);

    let mut other: Value = serde_json::from_str(&snapshot()).unwrap();
    other["programs"][0]["entries"]
        .as_array_mut()
        .unwrap()
        .pop();
    let (status, body) = post(base, path, Some(&token), Some("k1"), other.to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let admin = app
        .store
        .create_api_token("admin", "uji", &Actor::cli())
        .await
        .unwrap();
    let (status, shown) = get(base, "/api/v1/sync/status", &admin).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["region"], "32");
    assert_eq!(shown["late_after_days"], 7);
    assert_eq!(shown["regions"][0]["code"], "3275");
    assert_eq!(shown["regions"][0]["last_push_at"], first["accepted_at"]);
    assert_eq!(shown["regions"][0]["late"], false);
    let operator = app
        .store
        .create_api_token("op-dp3a", "uji", &Actor::cli())
        .await
        .unwrap();
    let (status, _) = get(base, "/api/v1/sync/status", &operator).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A server started without a region code takes no pushes.
    let plain = spawn_app(backend).await;
    let (status, body) = post(&plain.base, path, Some(&token), Some("k1"), snapshot()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

/// The admin of the region a server takes pushes for sees, on the admin
/// page, every region registered to push and which are late.
async fn the_receivers_admin_sees_each_regions_last_push_and_which_are_late(backend: &str) {
    // The sample's own region takes pushes here, so that its admin is the receiver's.
    let app = spawn_app_with(backend, |config| {
        config.sync_region = Some(pantau_domain::RegionCode::parse("3275").unwrap());
        config.sync_late_after = chrono::Duration::days(7);
    })
    .await;
    let browser = app.logged_in("admin").await;
    let (_, before) = browser.get("/admin").await;
    assert!(
        !before.contains("id=\"pushes\""),
        "no region pushes here yet"
    );
    app.store
        .sync_allow("327501", "Kecamatan Uji", &Actor::cli())
        .await
        .unwrap();
    let (status, page) = browser.get("/admin").await;
    assert_eq!(status, StatusCode::OK);
    let row = &page[page
        .find("data-code=\"327501\"")
        .expect("the registered region")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("Kecamatan Uji") && row.contains("belum pernah"),
        "{row}"
    );
    assert!(!row.contains("data-late"), "registered just now: {row}");

    // Past the limit without a push, it is late.
    let late = spawn_app_with(backend, |config| {
        config.sync_region = Some(pantau_domain::RegionCode::parse("3275").unwrap());
        config.sync_late_after = chrono::Duration::seconds(-1);
    })
    .await;
    late.store
        .sync_allow("327501", "Kecamatan Uji", &Actor::cli())
        .await
        .unwrap();
    let (_, page) = late.logged_in("admin").await.get("/admin").await;
    let row = &page[page.find("data-code=\"327501\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("data-late=\"1\"") && row.contains("terlambat"),
        "{row}"
    );

    // An operator is not an admin.
    let (status, _) = app.logged_in("op-dp3a").await.get("/admin").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
