//! Administration in the browser, on both backends: plan forms in the page's
//! language, users managed (every role, edit, password, disable, tokens),
//! plan items deleted only when nothing refers to them, the region's identity
//! with a checked logo, password reset by e-mail, and error pages in one
//! language. Every admin action refuses non-admins and forms without CSRF.

#[macro_use]
mod support;

use chrono::{Duration, Utc};
use pantau_store::{Actor, MessageStatus};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use support::*;

on_both_backends!(
    plan_forms_speak_the_pages_language,
    every_admin_action_refuses_non_admins_and_missing_csrf,
    users_are_managed_in_the_browser,
    deletion_is_refused_with_the_reason,
    identity_with_a_checked_logo_shows_on_the_log_in_page,
    password_reset_by_email_works_once_and_expires,
    error_pages_speak_one_language,
);

/// A PNG's signature and IHDR chunk of `width` × `height`.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    bytes.extend(width.to_be_bytes());
    bytes.extend(height.to_be_bytes());
    bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

async fn plan_forms_speak_the_pages_language(backend: &str) {
    let app = spawn_app(backend).await;
    let admin = app.logged_in("admin").await;
    let (status, page) = admin.get("/admin").await;
    assert_eq!(status, StatusCode::OK);
    for words in [
        "Hari evaluasi",
        "Cara menghitung",
        "Arah capaian",
        "Kumulatif",
        "Makin tinggi makin baik",
        "Jumat",
        "Perangkat daerah",
    ] {
        assert!(page.contains(words), "{words} missing");
    }
    // No raw field name or code shown to people (option values and names are not shown).
    let shown: String = page
        .split('<')
        .filter_map(|tag| tag.split_once('>').map(|(_, text)| text))
        .collect::<Vec<_>>()
        .join(" ");
    for raw in [
        "evaluation_weekday",
        "deadline_time",
        "polarity",
        "friday",
        "higher",
        " sum ",
        "milestone",
    ] {
        assert!(!shown.contains(raw), "raw \"{raw}\" shown");
    }
    // A target entered through the form, without a JSON upload.
    let (status, _) = admin
        .submit(
            "/admin/target",
            &[
                ("program", "100HK"),
                ("code", "DP3A-09"),
                ("unit", "DP3A"),
                ("priority", ""),
                ("name", "Kelas parenting"),
                ("measure", "kelas"),
                ("kind", "last"),
                ("polarity", "higher"),
                ("baseline", "0"),
                ("target", "12,5"),
                ("due", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let bundle = app.store.region_bundle("3275").await.unwrap();
    let target = bundle.programs[0]
        .targets
        .iter()
        .find(|t| t.code == "DP3A-09")
        .expect("the target is added");
    assert_eq!(target.target, Some("12.5".parse().unwrap()));
    // A missing name is refused naming the field in words.
    let (status, page) = admin
        .submit("/admin/cluster", &[("code", "ASDA9"), ("name", "")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Nama: wajib diisi."), "{page}");
    // English pages say it in English.
    admin.get("/bahasa/en").await;
    let (_, page) = admin.get("/admin").await;
    for words in ["Evaluation day", "How it counts", "Cumulative", "Friday"] {
        assert!(page.contains(words), "{words} missing");
    }
    assert!(!page.contains("Hari evaluasi"));
}

async fn every_admin_action_refuses_non_admins_and_missing_csrf(backend: &str) {
    let app = spawn_app(backend).await;
    let gets = [
        "/admin",
        "/admin/pengguna",
        "/admin/pengguna/op-dp3a",
        "/admin/identitas",
    ];
    let posts = [
        "/admin/cluster",
        "/admin/target/hapus",
        "/admin/unit/hapus",
        "/admin/unit/arsip",
        "/admin/pengguna",
        "/admin/pengguna/op-dp3a",
        "/admin/pengguna/op-dp3a/sandi",
        "/admin/pengguna/op-dp3a/tautan-sandi",
        "/admin/pengguna/op-dp3a/status",
        "/admin/pengguna/op-dp3a/token/1/cabut",
    ];
    let form = [
        ("code", "X1"),
        ("name", "Nama"),
        ("program", "100HK"),
        ("username", "baru"),
        ("role", "admin"),
        ("password", "kata-sandi-baru"),
        ("disabled", "1"),
    ];
    let audit_before = app.store.audit_log("3275", 1000).await.unwrap().len();
    for role in ["op-dp3a", "asda1", "leader", "finance"] {
        let browser = app.logged_in(role).await;
        for path in gets {
            assert_eq!(
                browser.get(path).await.0,
                StatusCode::FORBIDDEN,
                "{role} GET {path}"
            );
        }
        for path in posts {
            let (status, _) = browser.submit(path, &form).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} POST {path}");
        }
        let multipart = Form::new()
            .text("csrf", browser.csrf().await)
            .text("name", "Kota Lain")
            .part("logo", Part::bytes(png(10, 10)).file_name("logo.png"));
        let response = browser
            .client
            .post(format!("{}/admin/identitas", app.base))
            .multipart(multipart)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{role} identity");
    }
    // Nothing changed: only the refusals were recorded.
    let log = app.store.audit_log("3275", 1000).await.unwrap();
    assert!(
        log[..log.len() - audit_before]
            .iter()
            .all(|r| r.action == "permission_denied" || r.action == "login")
    );
    assert_eq!(app.store.letterhead("3275").await.unwrap().logo_png, None);
    // The admin without the form's token is refused too, on every new form.
    let admin = app.logged_in("admin").await;
    for path in posts {
        let (status, _) = admin.post(path, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "no csrf: POST {path}");
    }
    for path in ["/lupa-sandi", "/sandi/pantau_x"] {
        let (status, _) = app
            .browser()
            .post(
                path,
                &[("username", "admin"), ("password", "x"), ("again", "x")],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "no csrf: POST {path}");
    }
    let multipart = Form::new().text("name", "Kota Lain");
    let response = admin
        .client
        .post(format!("{}/admin/identitas", app.base))
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_ne!(
        app.store.letterhead("3275").await.unwrap().name,
        "Kota Lain"
    );
}

async fn users_are_managed_in_the_browser(backend: &str) {
    let app = spawn_app(backend).await;
    let admin = app.logged_in("admin").await;
    let (_, page) = admin.get("/admin/pengguna").await;
    // Every role offered, in words.
    for role in [
        "BPKAD (keuangan)",
        "Pimpinan",
        "Evaluator (Asisten Daerah)",
        "Operator",
        "Admin",
    ] {
        assert!(page.contains(role), "{role} missing");
    }
    let (status, _) = admin
        .submit(
            "/admin/pengguna",
            &[
                ("username", "bpkad2"),
                ("name", "Staf BPKAD"),
                ("email", "bpkad2@bekasikota.go.id"),
                ("role", "finance"),
                ("unit", ""),
                ("password", "kata-sandi-awal"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let user = app.store.user_by_username("bpkad2").await.unwrap().unwrap();
    assert_eq!(user.role, pantau_store::Role::Finance);
    // Search and pages.
    let (_, page) = admin.get("/admin/pengguna?q=bpkad").await;
    assert!(page.contains("data-user=\"bpkad2\""));
    assert!(!page.contains("data-user=\"op-dlh\""));
    assert!(page.contains("1 dari 1 pengguna"), "{page}");
    let (status, page) = admin.get("/admin/pengguna?halaman=9").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("data-user=\"admin\""),
        "a page past the end shows the last"
    );
    // Edit: evaluator of two clusters, with NIP.
    let csrf = admin.csrf().await;
    let (status, _) = admin
        .post(
            "/admin/pengguna/bpkad2",
            &[
                ("csrf", &csrf),
                ("name", "Asisten"),
                ("email", "asisten@bekasikota.go.id"),
                ("role", "evaluator"),
                ("unit", ""),
                ("clusters", "ASDA1"),
                ("clusters", "ASDA2"),
                ("full_name", "Drs. Budi Santoso"),
                ("nip", "197001012000031001"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let user = app.store.user_by_username("bpkad2").await.unwrap().unwrap();
    assert_eq!(user.role, pantau_store::Role::Evaluator);
    assert_eq!(user.clusters, ["ASDA1", "ASDA2"]);
    assert_eq!(user.nip.as_deref(), Some("197001012000031001"));
    // A bad edit names the field in words and changes nothing.
    let (status, page) = admin
        .post(
            "/admin/pengguna/bpkad2",
            &[
                ("csrf", &csrf),
                ("name", "Asisten"),
                ("role", "operator"),
                ("unit", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Perangkat daerah:"), "{page}");
    assert_eq!(
        app.store.user_by_username("bpkad2").await.unwrap().unwrap(),
        user
    );
    // A one-time password set by the admin works.
    let (status, page) = admin
        .post(
            "/admin/pengguna/bpkad2/sandi",
            &[("csrf", &csrf), ("password", "sandi-sekali-pakai")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Kata sandi baru ditetapkan"), "{page}");
    assert_eq!(
        app.browser().log_in("bpkad2", "sandi-sekali-pakai").await,
        StatusCode::SEE_OTHER
    );
    // Disabled, then enabled.
    admin
        .post(
            "/admin/pengguna/bpkad2/status",
            &[("csrf", &csrf), ("disabled", "1")],
        )
        .await;
    assert_eq!(
        app.browser().log_in("bpkad2", "sandi-sekali-pakai").await,
        StatusCode::UNAUTHORIZED
    );
    admin
        .post(
            "/admin/pengguna/bpkad2/status",
            &[("csrf", &csrf), ("disabled", "0")],
        )
        .await;
    assert_eq!(
        app.browser().log_in("bpkad2", "sandi-sekali-pakai").await,
        StatusCode::SEE_OTHER
    );
    // Tokens listed and revoked.
    let token = app
        .store
        .create_api_token("bpkad2", "skrip-laporan", &Actor::cli())
        .await
        .unwrap();
    let (_, page) = admin.get("/admin/pengguna/bpkad2").await;
    assert!(page.contains("skrip-laporan"));
    assert!(
        !page.contains(&token),
        "the token itself is never shown again"
    );
    let id = app.store.api_tokens("3275", "bpkad2").await.unwrap()[0].id;
    let (status, _) = admin
        .post(
            &format!("/admin/pengguna/bpkad2/token/{id}/cabut"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(app.store.user_by_api_token(&token).await.unwrap().is_none());
    let (_, page) = admin
        .get("/admin/pengguna/bpkad2?ok=admin-token-revoked")
        .await;
    assert!(page.contains("Token dicabut."));
}

async fn deletion_is_refused_with_the_reason(backend: &str) {
    let app = spawn_app(backend).await;
    let admin = app.logged_in("admin").await;
    let bundle = app.store.region_bundle("3275").await.unwrap();
    let program = &bundle.programs[0];
    let used = program
        .targets
        .iter()
        .find(|t| program.entries.iter().any(|e| e.target == t.code))
        .unwrap();
    let entries = program
        .entries
        .iter()
        .filter(|e| e.target == used.code)
        .count();
    let (status, page) = admin
        .submit(
            "/admin/target/hapus",
            &[("program", &program.code), ("code", &used.code)],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let expected = format!(
        "Target {} tidak dapat dihapus karena masih dipakai: {entries} laporan",
        used.code
    );
    assert!(page.contains(&expected), "{expected}\n{page}");
    // A unit with targets and users says both.
    let (status, page) = admin.submit("/admin/unit/hapus", &[("code", "DP3A")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("target") && page.contains("1 pengguna"),
        "{page}"
    );
    assert_eq!(app.store.region_bundle("3275").await.unwrap(), bundle);
    // Archiving is offered instead: the unit leaves the forms' choices, its history stays.
    assert!(
        page.contains("id=\"offer-archive\"") && page.contains("Arsipkan saja"),
        "{page}"
    );
    let (status, _) = admin
        .submit("/admin/unit/arsip", &[("code", "DP3A"), ("archived", "1")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = admin.get("/admin").await;
    assert!(page.contains("data-archived=\"1\""));
    assert!(
        !page.contains("<option value=\"DP3A\">"),
        "an archived unit is no choice"
    );
    let (_, page) = admin.get("/admin/pengguna").await;
    assert!(!page.contains("<option value=\"DP3A\">"));
    assert_eq!(app.store.region_bundle("3275").await.unwrap(), bundle);
    admin
        .submit("/admin/unit/arsip", &[("code", "DP3A"), ("archived", "0")])
        .await;
    let (_, page) = admin.get("/admin").await;
    assert!(page.contains("<option value=\"DP3A\">") && !page.contains("data-archived"));
    let log = app.store.audit_log("3275", 5).await.unwrap();
    assert!(
        log.iter()
            .any(|r| r.action == "archive" && r.entity == "unit")
    );
    // An archived target leaves the operator's week; it comes back when restored.
    let operator = app.logged_in("op-dp3a").await;
    let (_, week) = operator.get("/lapor").await;
    assert!(week.contains("DP3A-01"), "{week}");
    let (status, _) = admin
        .submit(
            "/admin/target/arsip",
            &[("program", "100HK"), ("code", "DP3A-01"), ("archived", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, week) = operator.get("/lapor").await;
    assert!(
        !week.contains("name=\"target\" value=\"DP3A-01\""),
        "{week}"
    );
    assert!(week.contains("DP3A-02"), "the other targets stay");
    // The server refuses a report for it too, whatever the form said.
    let before = app
        .store
        .count_entries("3275", &Default::default())
        .await
        .unwrap();
    let csrf = operator.csrf().await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("program", "100HK")
        .text("target", "DP3A-01")
        .text("activity_date", "2025-05-10")
        .text("value", "2")
        .text("note", "");
    let response = operator
        .client
        .post(format!("{}/lapor", operator.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("&#34;DP3A-01&#34; sudah diarsipkan dan tidak menerima laporan baru"),
        "{page}"
    );
    let after = app
        .store
        .count_entries("3275", &Default::default())
        .await
        .unwrap();
    assert_eq!(after, before, "nothing is written");
    admin
        .submit(
            "/admin/target/arsip",
            &[("program", "100HK"), ("code", "DP3A-01"), ("archived", "0")],
        )
        .await;
    // Something nothing refers to is deleted, and the deletion audited.
    admin
        .submit(
            "/admin/priority",
            &[("code", "P9"), ("name", "Prioritas uji")],
        )
        .await;
    let (status, page) = admin
        .submit("/admin/priority/hapus", &[("code", "P9")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Program prioritas P9 dihapus."), "{page}");
    assert!(
        !app.store
            .region_bundle("3275")
            .await
            .unwrap()
            .priorities
            .iter()
            .any(|p| p.code == "P9")
    );
    let log = app.store.audit_log("3275", 3).await.unwrap();
    assert!(
        log.iter()
            .any(|r| r.action == "delete" && r.entity == "priority")
    );
}

async fn identity_with_a_checked_logo_shows_on_the_log_in_page(backend: &str) {
    let app = spawn_app(backend).await;
    let admin = app.logged_in("admin").await;
    let upload = |name: &str, logo: Option<Vec<u8>>, csrf: String| {
        let mut form = Form::new()
            .text("csrf", csrf)
            .text("name", name.to_owned())
            .text("place", "Bekasi");
        if let Some(bytes) = logo {
            form = form.part("logo", Part::bytes(bytes).file_name("logo.png"));
        }
        admin
            .client
            .post(format!("{}/admin/identitas", app.base))
            .multipart(form)
            .send()
    };
    let csrf = admin.csrf().await;
    let logo = png(120, 120);
    let response = upload("Pemerintah Kota Bekasi", Some(logo.clone()), csrf.clone())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Identitas daerah disimpan.")
    );
    let head = app.store.letterhead("3275").await.unwrap();
    assert_eq!(
        (
            head.name.as_str(),
            head.place.as_deref(),
            head.logo_png.as_deref()
        ),
        ("Pemerintah Kota Bekasi", Some("Bekasi"), Some(&logo[..]))
    );
    // Not a PNG, or too wide: refused in words, nothing changed.
    for (bytes, words) in [
        (
            b"GIF89a..........................".to_vec(),
            "Logo: berkas bukan gambar PNG.",
        ),
        (
            png(2000, 100),
            "Logo: gambar lebih dari 1024 × 1024 piksel.",
        ),
    ] {
        let response = upload("Lain", Some(bytes), csrf.clone()).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.text().await.unwrap().contains(words));
    }
    assert_eq!(app.store.letterhead("3275").await.unwrap(), head);
    // The log-in page shows the region, and its logo is served.
    let (_, page) = app.browser().get("/masuk").await;
    assert!(
        page.contains("Pemerintah Kota Bekasi") && page.contains("/logo/3275"),
        "{page}"
    );
    assert!(page.contains("Lupa kata sandi?"));
    let (status, content_type, bytes) = app.browser().download("/logo/3275").await;
    assert_eq!(
        (status, content_type.as_str(), bytes),
        (StatusCode::OK, "image/png", logo)
    );
}

async fn password_reset_by_email_works_once_and_expires(backend: &str) {
    let app = spawn_app(backend).await;
    let admin = app.logged_in("admin").await;
    let csrf = admin.csrf().await;
    admin
        .post(
            "/admin/pengguna/leader",
            &[
                ("csrf", &csrf),
                ("name", "Wali Kota"),
                ("email", "walikota@bekasikota.go.id"),
                ("role", "leader"),
            ],
        )
        .await;
    // The same answer for an account, an unknown name, and an account without e-mail.
    let app = &app;
    let ask = |username: &'static str| async move {
        let browser = app.browser();
        let (_, form) = browser.get("/lupa-sandi").await;
        let (status, page) = browser
            .post(
                "/lupa-sandi",
                &[("csrf", &csrf_in(&form)), ("username", username)],
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let start = page.find("<main").unwrap();
        page[start..].to_owned()
    };
    let known = ask("leader").await;
    assert!(known.contains("tautan atur ulang telah dikirim"), "{known}");
    assert_eq!(ask("tidak-ada").await, known);
    assert_eq!(ask("asda1").await, known);
    // One mail in the outbox, to the address, with the link.
    let mails = app
        .store
        .outbox_messages("3275", Some(MessageStatus::Pending), 10)
        .await
        .unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].recipient, "walikota@bekasikota.go.id");
    assert_eq!(mails[0].subject, "Atur ulang kata sandi Pantau");
    let link_at = mails[0].body.find("/sandi/").expect("a link in the mail");
    let path: String = mails[0].body[link_at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let browser = app.browser();
    let (status, page) = browser.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    let (status, page) = browser
        .post(
            &path,
            &[
                ("csrf", &csrf_in(&page)),
                ("password", "sandi-baru-123"),
                ("again", "sandi-baru-123"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Kata sandi baru disimpan"), "{page}");
    assert_eq!(
        app.browser().log_in("leader", "sandi-baru-123").await,
        StatusCode::SEE_OTHER
    );
    // Used once: refused after, with a clear message.
    let (status, page) = browser.get(&path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("Tautan ini sudah dipakai"), "{page}");
    // A link made more than an hour ago (the clock given to the store) is expired.
    let old = app
        .store
        .create_password_reset("leader", Utc::now() - Duration::minutes(61), &Actor::cli())
        .await
        .unwrap();
    let (status, page) = browser.get(&format!("/sandi/{old}")).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("sudah kedaluwarsa"), "{page}");
    let (_, form) = browser.get("/lupa-sandi").await;
    let (status, _) = browser
        .post(
            &format!("/sandi/{old}"),
            &[
                ("csrf", &csrf_in(&form)),
                ("password", "sandi-lain-123"),
                ("again", "sandi-lain-123"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(
        app.browser().log_in("leader", "sandi-lain-123").await,
        StatusCode::UNAUTHORIZED
    );
    // The form cannot flood a mailbox: a few links per account, the same answer after.
    for _ in 0..4 {
        assert_eq!(ask("leader").await, known);
    }
    let mails = app.store.outbox_messages("3275", None, 50).await.unwrap();
    assert_eq!(mails.len(), 3, "three links per account in the window");
    // Request and use audited.
    let log = app.store.audit_log("3275", 50).await.unwrap();
    for action in ["reset_requested", "reset_used", "reset_refused"] {
        assert!(
            log.iter().any(|r| r.action == action),
            "{action} not audited"
        );
    }
}

async fn error_pages_speak_one_language(backend: &str) {
    let app = spawn_app(backend).await;
    let operator = app.logged_in("op-dp3a").await;
    let (status, page) = operator.get("/tidak-ada-halaman").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("Halaman tidak ditemukan") && page.contains("Kembali ke halaman utama"));
    assert!(
        !page.contains("Not found") && !page.contains("not found"),
        "{page}"
    );
    let (status, page) = operator.get("/admin").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        page.contains("Akses ditolak") && !page.contains("Forbidden"),
        "{page}"
    );
    assert!(page.contains("<header class=\"top\">"), "the site's look");
    operator.get("/bahasa/en").await;
    let (_, page) = operator.get("/admin").await;
    assert!(
        page.contains("Access denied") && !page.contains("Akses ditolak"),
        "{page}"
    );
    assert!(page.contains("lang=\"en\""));
    let (_, page) = operator.get("/tidak-ada-halaman").await;
    assert!(
        page.contains("Page not found") && !page.contains("tidak ditemukan"),
        "{page}"
    );
}
