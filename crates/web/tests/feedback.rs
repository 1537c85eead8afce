//! Citizen feedback through HTTP: the public form and status page (no
//! log-in, no session row), the spam defences, and moderation by the admin
//! and the unit's operator.

#[macro_use]
mod support;

use pantau_store::feedback::FeedbackFilter;
use reqwest::StatusCode;
use support::{Browser, TestApp, spawn_app_with};

const FORM: &str = "/publik/3275/masukan?program=100HK&target=DLH-01";
/// The first bytes of a PNG: the photo check reads the kind from them.
const PHOTO: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR a photo of a pile of rubbish";

/// The value of the first hidden field `name` of a page.
fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("a {name} field"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

fn tracking_code(html: &str) -> String {
    let marker = "id=\"tracking-code\"";
    let start = html.find(marker).expect("a tracking code")
        + html[html.find(marker).unwrap()..].find('>').unwrap()
        + 1;
    html[start..start + html[start..].find('<').unwrap()].to_owned()
}

async fn app(backend: &str, tweak: impl FnOnce(&mut pantau_web::Config)) -> TestApp {
    published(
        spawn_app_with(backend, |config| {
            // A person's minimum fill time is tested on its own; here forms go at once.
            config.feedback_min_fill = std::time::Duration::ZERO;
            tweak(config);
        })
        .await,
    )
    .await
}

/// The app once its admin published the sample's program: before, the
/// program takes no feedback at all.
async fn published(app: TestApp) -> TestApp {
    let (status, _) = app.browser().get(FORM).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no feedback before publication"
    );
    app.store
        .publish("3275", "100HK", &pantau_store::Actor::cli())
        .await
        .unwrap();
    app
}

/// Open the form and send it with these fields (and the form's own hidden
/// ones); the answer's status and page.
async fn send(
    citizen: &Browser,
    fields: &[(&str, &str)],
    photo: Option<&[u8]>,
) -> (StatusCode, String) {
    let (status, page) = citizen.get(FORM).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    send_with_token(citizen, &field(&page, "token"), fields, photo).await
}

async fn send_with_token(
    citizen: &Browser,
    token: &str,
    fields: &[(&str, &str)],
    photo: Option<&[u8]>,
) -> (StatusCode, String) {
    let mut form = reqwest::multipart::Form::new()
        .text("token", token.to_owned())
        .text("program", "100HK")
        .text("target", "DLH-01")
        .text("website", "");
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    if let Some(bytes) = photo {
        form = form.part(
            "photo",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("tumpukan.png"),
        );
    }
    let response = citizen
        .client
        .post(format!("{}/publik/3275/masukan", citizen.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn cases(app: &TestApp) -> usize {
    app.store
        .feedback_list("3275", &FeedbackFilter::default())
        .await
        .unwrap()
        .len()
}

async fn the_whole_loop(backend: &str) {
    let app = app(backend, |_| {}).await;
    let citizen = app.browser();
    let (status, page) = send(
        &citizen,
        &[
            ("category", "pengaduan"),
            ("body", "Sampah menumpuk di Jalan Ahmad Yani"),
            ("name", "Siti"),
            ("contact", "siti@example.id"),
        ],
        Some(PHOTO),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let code = tracking_code(&page);
    assert_eq!(code.len(), 12, "{code}");
    let status_path = format!("/publik/3275/masukan/{code}");
    let (status, page) = citizen.get(&status_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Sampah menumpuk"), "{page}");
    assert!(page.contains(">Diterima<"), "{page}");
    assert!(
        !page.contains("siti@example.id"),
        "a contact is never shown publicly"
    );
    // A citizen's visits leave no session behind.
    assert_eq!(app.scalar::<i64>("SELECT COUNT(*) FROM sessions").await, 0);

    let admin = app.logged_in("admin").await;
    let (_, list) = admin.get("/masukan").await;
    assert!(list.contains(&code), "{list}");
    let case_path = format!("/masukan/kasus/{code}");
    let (_, case_page) = admin.get(&case_path).await;
    assert!(
        case_page.contains("siti@example.id"),
        "the admin sees the contact"
    );
    let (status, _, photo) = admin.download(&format!("{case_path}/foto")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(photo, PHOTO);
    // An answer before the case is dispatched is not the admin's to give.
    let (status, _) = admin
        .submit(&case_path, &[("action", "answer"), ("answer", "x")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, page) = admin.submit(&case_path, &[("action", "verify")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let (status, page) = admin
        .submit(&case_path, &[("action", "dispatch"), ("unit", "NOPE")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("Perangkat daerah: "),
        "the field is named: {page}"
    );
    let (status, _) = admin
        .submit(&case_path, &[("action", "dispatch"), ("unit", "DLH")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The operator of another unit neither sees nor answers the case.
    let other = app.logged_in("op-dp3a").await;
    assert_eq!(other.get(&case_path).await.0, StatusCode::FORBIDDEN);
    let (status, _) = other
        .submit(
            &case_path,
            &[("action", "answer"), ("answer", "bukan kami")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!other.get("/masukan").await.1.contains(&code));

    let operator = app.logged_in("op-dlh").await;
    let (_, list) = operator.get("/masukan").await;
    assert!(list.contains(&code), "{list}");
    let (status, page) = operator
        .submit(&case_path, &[("action", "answer"), ("answer", "  ")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Jawaban: wajib diisi."), "{page}");
    let (status, _) = operator.submit(&case_path, &[("action", "verify")]).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the admin's step is not the unit's"
    );
    let (status, _) = operator
        .submit(
            &case_path,
            &[
                ("action", "answer"),
                ("answer", "Sudah diangkut hari Senin"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let (_, page) = citizen.get(&status_path).await;
    assert!(page.contains("Sudah diangkut hari Senin"), "{page}");
    assert!(page.contains("Ditindaklanjuti"), "{page}");
    let token = field(&page, "token");
    // A made-up token does not move the case.
    let (status, _) = citizen
        .post(&status_path, &[("token", "1.00"), ("decision", "accept")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, page) = citizen
        .post(
            &status_path,
            &[("token", &token), ("decision", "reopen"), ("reason", " ")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Alasan: wajib diisi."), "{page}");
    let (status, _) = citizen
        .post(
            &status_path,
            &[
                ("token", &token),
                ("decision", "reopen"),
                ("reason", "Masih menumpuk di ujung jalan"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = citizen.get(&status_path).await;
    assert!(page.contains("Dibuka kembali"), "{page}");
    assert!(page.contains("Masih menumpuk di ujung jalan"), "{page}");

    let (status, _) = operator
        .submit(
            &case_path,
            &[
                ("action", "answer"),
                ("answer", "Ujung jalan dibersihkan Selasa"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = citizen.get(&status_path).await;
    assert!(page.contains("Ujung jalan dibersihkan Selasa"), "{page}");
    let token = field(&page, "token");
    let (status, _) = citizen
        .post(&status_path, &[("token", &token), ("decision", "accept")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = citizen.get(&status_path).await;
    assert!(page.contains(">Selesai<"), "{page}");

    // Every step is in the audit log, without the sender.
    let audited = app
        .scalar::<i64>(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'feedback' AND entity_id = '{code}'"
        ))
        .await;
    assert_eq!(
        audited, 7,
        "send, verify, dispatch, answer, reopen, answer, accept"
    );

    // The published thread under the target: the case and its answer, no contact or code.
    let state = pantau_web::AppState::new(app.store.clone(), pantau_web::Config::default());
    let thread =
        pantau_web::published_thread(&state, "3275", "100HK", "DLH-01", pantau_present::Lang::Id)
            .await
            .unwrap();
    assert!(
        thread.contains("Ujung jalan dibersihkan Selasa"),
        "{thread}"
    );
    assert!(
        !thread.contains("siti@example.id") && !thread.contains("Siti") && !thread.contains(&code)
    );
    // And on the public indicator page itself, for anyone.
    let (status, page) = app
        .browser()
        .get("/publik/3275/program/100HK/target/DLH-01")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Ujung jalan dibersihkan Selasa"), "{page}");
    assert!(!page.contains("siti@example.id") && !page.contains(&code));
}

async fn spam_is_refused(backend: &str) {
    // The usual minimum fill time: a form sent at once is a script's.
    let app = published(spawn_app_with(backend, |_| {}).await).await;
    let citizen = app.browser();
    let (status, page) = send(
        &citizen,
        &[("category", "aspirasi"), ("body", "cepat")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("terlalu cepat"), "{page}");
    assert!(
        page.contains("cepat</textarea>"),
        "what was written is kept"
    );
    // A token not signed by the server.
    let (_, page) = citizen.get(FORM).await;
    let token = field(&page, "token");
    let (issued, tag) = token.split_once('.').unwrap();
    let forged = format!("{}.{tag}", issued.parse::<i64>().unwrap() - 60);
    let (status, _) = send_with_token(
        &citizen,
        &forged,
        &[("category", "aspirasi"), ("body", "x")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send_with_token(
        &citizen,
        "",
        &[("category", "aspirasi"), ("body", "x")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(cases(&app).await, 0);

    let app = self::app(backend, |_| {}).await;
    let citizen = app.browser();
    // A filled honeypot looks sent and is not kept.
    let (status, page) = send(
        &citizen,
        &[
            ("category", "aspirasi"),
            ("body", "beli obat"),
            ("website", "http://spam"),
        ],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tracking_code(&page).len(), 12);
    assert_eq!(cases(&app).await, 0);
    // Not a photo, and no text: refused naming the field, nothing kept.
    let (status, page) = send(
        &citizen,
        &[("category", "aspirasi"), ("body", "ada")],
        Some(&b"%PDF-1.4"[..]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Foto: hanya foto JPEG atau PNG"), "{page}");
    let (status, page) = send(&citizen, &[("category", "aspirasi"), ("body", " ")], None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Isi masukan: wajib diisi."), "{page}");
    assert_eq!(cases(&app).await, 0);
    // An unknown program or target has no form.
    assert_eq!(
        citizen
            .get("/publik/3275/masukan?program=100HK&target=NOPE")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        citizen
            .get("/publik/9999/masukan?program=100HK&target=DLH-01")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.scalar::<i64>("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn rate_limits_hold(backend: &str) {
    let app = app(backend, |config| config.feedback_per_address_hour = 2).await;
    let citizen = app.browser();
    for n in 0..2 {
        let (status, page) = send(
            &citizen,
            &[("category", "aspirasi"), ("body", &format!("ke-{n}"))],
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
    }
    let (status, page) = send(
        &citizen,
        &[("category", "aspirasi"), ("body", "ke-3")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        page.contains("Terlalu banyak masukan dari alamat Anda"),
        "{page}"
    );
    assert_eq!(cases(&app).await, 2);

    // The region's limit, in the page's language.
    let app = self::app(backend, |config| config.feedback_per_region_hour = 1).await;
    let citizen = app.browser();
    assert_eq!(citizen.get("/bahasa/en").await.0, StatusCode::SEE_OTHER);
    let (status, _) = send(&citizen, &[("category", "aspirasi"), ("body", "one")], None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, page) = send(&citizen, &[("category", "aspirasi"), ("body", "two")], None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        page.contains("Too much feedback arrived in the last hour"),
        "{page}"
    );
    assert_eq!(cases(&app).await, 1);
}

async fn moderation_is_for_staff(backend: &str) {
    let app = app(backend, |_| {}).await;
    let anonymous = app.browser();
    for path in [
        "/masukan",
        "/masukan/hari-libur",
        "/masukan/kasus/ABCDEFGHJKMN",
    ] {
        let (status, _) = anonymous.get(path).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path} sends to the log-in");
    }
    let (status, _) = anonymous
        .post("/masukan/kasus/ABCDEFGHJKMN", &[("action", "verify")])
        .await;
    assert!(status == StatusCode::SEE_OTHER || status == StatusCode::FORBIDDEN);
    assert_eq!(
        app.logged_in("leader").await.get("/masukan").await.0,
        StatusCode::FORBIDDEN
    );
    let operator = app.logged_in("op-dlh").await;
    assert_eq!(
        operator.get("/masukan/hari-libur").await.0,
        StatusCode::FORBIDDEN
    );

    // The admin edits the region's calendar.
    let admin = app.logged_in("admin").await;
    let (status, page) = admin.get("/masukan/hari-libur").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Hari Kemerdekaan"),
        "the national list to start with"
    );
    let (status, page) = admin
        .submit(
            "/masukan/hari-libur",
            &[("op", "add"), ("date", "2026-13-01"), ("name", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("Tanggal: ") && page.contains("2026-13-01") && page.contains("bukan tanggal"),
        "{page}"
    );
    let (status, _) = admin
        .submit(
            "/masukan/hari-libur",
            &[
                ("op", "add"),
                ("date", "2026-03-10"),
                ("name", "Hari Jadi Kota Bekasi"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cal = app.store.work_calendar("3275").await.unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
    assert!(!cal.is_working_day(day));
    let (status, _) = admin
        .submit(
            "/masukan/hari-libur",
            &[("op", "remove"), ("date", "2026-03-10")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        app.store
            .work_calendar("3275")
            .await
            .unwrap()
            .is_working_day(day)
    );
}

on_both_backends!(
    the_whole_loop,
    spam_is_refused,
    rate_limits_hold,
    moderation_is_for_staff
);
