//! What one request may cost: body limits by route, imports read within a
//! time limit, text within its caps, slow and surplus connections, and the
//! leaders' trends bounded whatever the program's length.

#[macro_use]
mod support;

use std::time::Duration;

use pantau_store::{Actor, ImportMode};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use support::{TestApp, csrf_in, spawn_app, spawn_app_with};

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

fn sample() -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/bekasi-100hk.json"
        ))
        .unwrap(),
    )
    .unwrap()
}

async fn post_multipart(
    browser: &support::Browser,
    path: &str,
    form: Form,
) -> (StatusCode, String) {
    let response = browser
        .client
        .post(format!("{}{path}", browser.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The status line the server answers a POST whose headers declare a body
/// of `length` bytes, before any of it is sent.
async fn declared(app: &TestApp, path: &str, length: usize) -> String {
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: pantau\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut status = [0u8; 12];
    stream.read_exact(&mut status).await.unwrap();
    String::from_utf8_lossy(&status).into_owned()
}

async fn stored(app: &TestApp) -> serde_json::Value {
    serde_json::to_value(app.store.region_bundle("3275").await.unwrap()).unwrap()
}

on_both_backends!(
    each_kind_of_route_has_its_body_limit,
    an_import_past_its_time_limit_says_so_and_writes_nothing,
    text_over_its_cap_is_refused_naming_the_field,
    the_leaders_trends_show_half_a_year_of_a_long_program,
);

async fn each_kind_of_route_has_its_body_limit(backend: &str) {
    let app = spawn_app(backend).await;

    // Log-in: 8 KiB.
    let visitor = app.browser();
    let csrf = csrf_in(&visitor.get("/masuk").await.1);
    let long = "x".repeat(9 * KIB);
    let (status, _) = visitor
        .post(
            "/masuk",
            &[("csrf", &csrf), ("username", "admin"), ("password", &long)],
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "a 9 KiB log-in");
    assert_eq!(
        visitor.log_in("admin", support::PASSWORD).await,
        StatusCode::SEE_OTHER,
        "a log-in of the usual size"
    );

    // Forms: 64 KiB.
    let evaluator = app.logged_in("asda1").await;
    let csrf = evaluator.csrf().await;
    let long = "x".repeat(70 * KIB);
    let (status, _) = evaluator
        .post(
            "/verifikasi/1",
            &[("csrf", &csrf), ("decision", "return"), ("reason", &long)],
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "a 70 KiB form");

    // Evidence: the evidence limit (64 KiB in the tests) and the form's room;
    // an import file: 20 MiB. Six MiB is refused as evidence, taken as an
    // import. A body over the limit is answered before it is read.
    assert_eq!(declared(&app, "/lapor", 6 * MIB).await, "HTTP/1.1 413");
    assert_eq!(
        declared(&app, "/api/v1/entries/1/evidence", 6 * MIB).await,
        "HTTP/1.1 413"
    );
    assert_eq!(
        declared(&app, "/admin/impor", 21 * MIB).await,
        "HTTP/1.1 413"
    );
    let admin = app.logged_in("admin").await;
    let csrf = admin.csrf().await;
    let mut bundle = sample().to_string();
    let padding = 6 * MIB - bundle.len();
    bundle.push_str(&" ".repeat(padding));
    let form = Form::new().text("csrf", csrf).part(
        "bundle",
        Part::bytes(bundle.into_bytes()).file_name("bundle.json"),
    );
    let (status, page) = post_multipart(&admin, "/admin/impor", form).await;
    assert_eq!(status, StatusCode::OK, "a 6 MiB import is read: {page}");
}

async fn an_import_past_its_time_limit_says_so_and_writes_nothing(backend: &str) {
    let app = spawn_app_with(backend, |config| {
        config.import_time_limit = Duration::from_nanos(1);
    })
    .await;
    let before = stored(&app).await;

    // A bundle that would rename a unit.
    let admin = app.logged_in("admin").await;
    let mut bundle = sample();
    bundle["units"][0]["name"] = "Nama baru".into();
    let form = Form::new().text("csrf", admin.csrf().await).part(
        "bundle",
        Part::bytes(bundle.to_string().into_bytes()).file_name("rencana-baru.json"),
    );
    let (_, page) = post_multipart(&admin, "/admin/impor", form).await;
    assert!(
        page.contains(
            "rencana-baru.json: membaca dan memeriksa berkas ini memakan waktu lebih dari"
        ),
        "{page}"
    );
    assert!(page.contains("tidak ada yang diimpor"), "{page}");

    // A budget sheet.
    let finance = app.logged_in("finance").await;
    let budgets_before = format!("{:?}", app.store.budget_years("3275", 2025).await.unwrap());
    let csv = "unit,year,month,planned,realised,physical_pct\nDP3A,2025,6,1000,500,10\n";
    let form = Form::new()
        .text("csrf", finance.csrf().await)
        .text("year", "2025")
        .part(
            "file",
            Part::bytes(csv.as_bytes().to_vec()).file_name("anggaran.csv"),
        );
    finance.get("/bahasa/en").await;
    let (_, page) = post_multipart(&finance, "/anggaran/impor", form).await;
    assert!(
        page.contains("anggaran.csv: reading and checking this file took longer than"),
        "{page}"
    );
    assert!(page.contains("nothing was imported"), "{page}");
    assert_eq!(
        format!("{:?}", app.store.budget_years("3275", 2025).await.unwrap()),
        budgets_before
    );

    // A workbook: its job ends with the message.
    let workbook = admin
        .download("/laporan/unduh?program=100HK&format=xlsx")
        .await
        .2;
    let form = Form::new()
        .text("csrf", admin.csrf().await)
        .part("file", Part::bytes(workbook).file_name("ekspor.xlsx"));
    let response = admin
        .client
        .post(format!("{}/laporan/impor", admin.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let status_path = response.headers()["location"].to_str().unwrap().to_owned();
    let mut page = String::new();
    for _ in 0..600 {
        page = admin.get(&status_path).await.1;
        if page.contains("id=\"import-failed\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        page.contains("ekspor.xlsx: membaca dan memeriksa berkas ini memakan waktu lebih dari"),
        "{page}"
    );

    assert_eq!(stored(&app).await, before, "nothing was written");
}

async fn text_over_its_cap_is_refused_naming_the_field(backend: &str) {
    let app = spawn_app(backend).await;
    let entries = || async {
        app.store
            .entries("3275", &Default::default())
            .await
            .unwrap()
            .len()
    };
    let count = entries().await;

    // An entry's note: 2,000 characters, said on the page in its language.
    let operator = app.logged_in("op-dp3a").await;
    let report = |note: String, csrf: String| {
        Form::new()
            .text("csrf", csrf)
            .text("program", "100HK")
            .text("target", "DP3A-01")
            .text("activity_date", "2025-05-10")
            .text("value", "1")
            .text("note", note)
    };
    let csrf = csrf_in(&operator.get("/lapor").await.1);
    let (_, page) = post_multipart(&operator, "/lapor", report("n".repeat(2001), csrf)).await;
    assert!(
        page.contains("Keterangan: panjangnya 2.001 karakter; paling banyak 2.000 karakter."),
        "{page}"
    );
    operator.get("/bahasa/en").await;
    let csrf = csrf_in(&operator.get("/lapor").await.1);
    let (_, page) = post_multipart(&operator, "/lapor", report("n".repeat(2001), csrf)).await;
    assert!(
        page.contains("Note: it has 2,001 characters; at most 2,000 are allowed."),
        "{page}"
    );
    assert_eq!(entries().await, count, "no entry was written");

    // A review's reason.
    let evaluator = app.logged_in("asda1").await;
    let submitted = app
        .store
        .entries("3275", &Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.unit == "DP3A" && e.status == pantau_domain::bundle::EntryStatus::Submitted)
        .expect("a submitted DP3A entry");
    let csrf = evaluator.csrf().await;
    let long = "r".repeat(2001);
    let (status, page) = evaluator
        .post(
            &format!("/verifikasi/{}", submitted.id),
            &[("csrf", &csrf), ("decision", "return"), ("reason", &long)],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("reason: has 2001 characters; at most 2000"),
        "{page}"
    );
    let after = app
        .store
        .entry("3275", submitted.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, submitted.status, "the entry was not returned");

    // A username: 64 characters, on the users page and in the store.
    let admin = app.logged_in("admin").await;
    let name = "u".repeat(65);
    let (_, page) = admin
        .submit(
            "/admin/pengguna",
            &[
                ("username", &name),
                ("name", "Panjang"),
                ("role", "leader"),
                ("password", "rahasia-panjang-1"),
            ],
        )
        .await;
    assert!(
        page.contains("Nama pengguna: panjangnya 65 karakter; paling banyak 64 karakter."),
        "{page}"
    );
    assert!(app.store.user_by_username(&name).await.unwrap().is_none());
    let new = pantau_store::NewUser {
        region: "3275".into(),
        username: name.clone(),
        display_name: "Panjang".into(),
        email: None,
        password_hash: String::new(),
        role: pantau_store::Role::Leader,
        unit: None,
        clusters: Vec::new(),
    };
    let refused = app
        .store
        .create_user(&new, &Actor::cli())
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "username: has 65 characters; at most 64 are allowed"
    );
}

async fn the_leaders_trends_show_half_a_year_of_a_long_program(backend: &str) {
    let app = spawn_app(backend).await;
    let leader = app.logged_in("leader").await;
    let trend = |page: &str| {
        page.split("<figure id=\"trend\">")
            .nth(1)
            .and_then(|rest| rest.split("</figure>").next())
            .unwrap_or_else(|| panic!("a trend chart: {page}"))
            .to_owned()
    };
    // The sample's thirteen weeks are all shown.
    let (_, page) = leader.get("/pimpinan?as_of=2025-05-20").await;
    assert!(!page.contains("id=\"trend-window\""), "{page}");
    assert!(trend(&page).contains(">M1<"));

    // Stretched to nearly two years, it shows its last 26 weeks, said in words.
    let mut bundle = sample();
    bundle["programs"][0]["end"] = "2026-12-31".into();
    bundle["programs"][0]["final_deadline"] = "2027-01-01T09:00:00+07:00".into();
    let bundle: pantau_domain::bundle::Bundle = serde_json::from_value(bundle).unwrap();
    app.store
        .import_bundle(&bundle, ImportMode::Merge, &Actor::cli())
        .await
        .unwrap();
    let (_, page) = leader.get("/pimpinan?as_of=2026-12-31").await;
    let chart = trend(&page);
    assert!(
        !chart.contains(">M1<"),
        "the first weeks are left out: {chart}"
    );
    // One point per week and series at most.
    assert!(chart.matches("<circle").count() <= 2 * 26, "{chart}");
    assert!(chart.matches("<circle").count() >= 26, "{chart}");
    assert!(
        page.contains("Tren menampilkan 26 minggu terakhir: Minggu ke-"),
        "{page}"
    );
}

/// A server of its own on `app`'s store with `config`.
async fn serve(app: &TestApp, config: pantau_web::Config) -> std::net::SocketAddr {
    let state = pantau_web::AppState::new(app.store.clone(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(pantau_web::serve_until(
        listener,
        state,
        std::future::pending(),
    ));
    addr
}

/// Read until the server closes the connection; a guard ends a hang.
async fn until_closed(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    match tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut seen)).await {
        Ok(_) => seen,
        Err(_) => panic!("the server kept the connection open"),
    }
}

const GET: &[u8] = b"GET /masuk HTTP/1.1\r\nHost: pantau\r\nConnection: close\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_ends_its_headers_is_cut_off() {
    let app = spawn_app("sqlite").await;
    let addr = serve(
        &app,
        pantau_web::Config {
            header_read_timeout: Duration::from_millis(200),
            ..Default::default()
        },
    )
    .await;
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /masuk HTTP/1.1\r\nHost: pantau\r\n")
        .await
        .unwrap();
    let answer = until_closed(&mut slow).await;
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "no page for half a request"
    );
    // A whole request is still served.
    let mut whole = tokio::net::TcpStream::connect(addr).await.unwrap();
    whole.write_all(GET).await.unwrap();
    let answer = until_closed(&mut whole).await;
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_wait_for_one_to_close() {
    let app = spawn_app("sqlite").await;
    let addr = serve(
        &app,
        pantau_web::Config {
            max_connections: 1,
            header_read_timeout: Duration::from_secs(120),
            ..Default::default()
        },
    )
    .await;
    // The first connection is served and kept open.
    let mut first = tokio::net::TcpStream::connect(addr).await.unwrap();
    first
        .write_all(b"GET /masuk HTTP/1.1\r\nHost: pantau\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 12];
    first.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    // The second is not answered while the first holds the only slot...
    let mut second = tokio::net::TcpStream::connect(addr).await.unwrap();
    second.write_all(GET).await.unwrap();
    let mut byte = [0u8; 1];
    let waited = tokio::time::timeout(Duration::from_millis(500), second.read(&mut byte)).await;
    assert!(
        waited.is_err(),
        "the second connection was answered at once"
    );
    // ...and is once it closes.
    drop(first);
    let answer = until_closed(&mut second).await;
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
}
