//! The berita acara as a document through the real server, on SQLite and on
//! PostgreSQL: the attendance recorded by who holds the meeting (and refused
//! to anyone else), the draft printed before closing, the number given at
//! closing from the region's pattern, and the admin's pattern page.

use pantau_store::meetings::MeetingKey;
use reqwest::StatusCode;

#[macro_use]
mod support;
use support::{pdf_text, spawn_app};

const WEEK6: &str = "/rapat/100HK/ASDA1/6";
const WEEK5: &str = "/rapat/100HK/ASDA1/5";

async fn attendance_draft_and_number(backend: &str) {
    let app = spawn_app(backend).await;
    let key = MeetingKey::weekly("100HK", "ASDA1", 6);
    let region_name = app.store.regions().await.unwrap()[0].name.clone();
    let asda1 = app.logged_in("asda1").await;
    let (status, page) = asda1.get(WEEK6).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"attendance-form\""), "{page}");
    assert!(page.contains("name=\"name_0\""));

    // The meeting's evaluator records who attended.
    let (status, _) = asda1
        .submit(
            &format!("{WEEK6}/daftar-hadir"),
            &[
                ("name_0", "Rina Marlina"),
                ("office_0", "Kepala DP3A"),
                ("present_0", "yes"),
                ("name_1", "Bambang Sutrisno"),
                ("office_1", "Sekretaris Dinas Sosial"),
                ("name_2", ""),
                ("office_2", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let recorded = app.store.attendance("3275", &key).await.unwrap();
    assert_eq!(recorded.len(), 2);
    assert!(recorded[0].present && !recorded[1].present);
    let (_, page) = asda1.get(WEEK6).await;
    assert!(page.contains("value=\"Rina Marlina\""), "{page}");

    // Another cluster's evaluator and a leader may not: nothing changes.
    for who in ["asda2", "leader"] {
        let other = app.logged_in(who).await;
        let (status, _) = other
            .submit(&format!("{WEEK6}/daftar-hadir"), &[("name_0", "Penyusup")])
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
    }
    assert_eq!(app.store.attendance("3275", &key).await.unwrap(), recorded);
    // A line without a name is refused, naming the field.
    let (status, answer) = asda1
        .submit(&format!("{WEEK6}/daftar-hadir"), &[("office_0", "Bappeda")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer.contains("attendance[1].name"), "{answer}");
    assert_eq!(app.store.attendance("3275", &key).await.unwrap(), recorded);

    // The draft, before closing: marked, without a number, with the attendance.
    let (status, content_type, pdf) = asda1
        .download(&format!("{WEEK6}/berita-acara-draf.pdf"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/pdf");
    let text = pdf_text(&pdf);
    assert!(text.contains("DRAF"), "{text}");
    assert!(!text.contains("Nomor:"), "{text}");
    assert!(text.contains("Rina Marlina"), "{text}");
    assert!(text.contains("Tidak hadir"), "{text}");
    assert!(text.contains(&region_name.to_uppercase()), "{text}");

    // Closing gives the first number of the year; the final PDF has no mark.
    let (status, _) = asda1
        .submit(&format!("{WEEK6}/tutup"), &[("confirm", "yes")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let first = app
        .store
        .document_number("3275", &key)
        .await
        .unwrap()
        .unwrap();
    assert!(first.starts_with("1/BA-EVAL/"), "{first}");
    let (_, page) = asda1.get(&format!("{WEEK6}/berita-acara")).await;
    assert!(page.contains(&format!("Nomor: {first}")), "{page}");
    assert!(!page.contains("id=\"draft-mark\""));
    let (_, _, pdf) = asda1.download(&format!("{WEEK6}/berita-acara.pdf")).await;
    let text = pdf_text(&pdf);
    assert!(text.contains(&format!("Nomor: {first}")), "{text}");
    assert!(!text.contains("DRAF"), "{text}");
    assert!(text.contains("Bambang Sutrisno"), "{text}");
    // The closed meeting's attendance can no longer change.
    let (status, _) = asda1
        .submit(&format!("{WEEK6}/daftar-hadir"), &[("name_0", "Baru")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The next closing gets the next number.
    let (status, _) = asda1
        .submit(&format!("{WEEK5}/tutup"), &[("confirm", "yes")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let second = app
        .store
        .document_number("3275", &MeetingKey::weekly("100HK", "ASDA1", 5))
        .await
        .unwrap()
        .unwrap();
    assert!(second.starts_with("2/BA-EVAL/"), "{second}");
}

async fn the_admin_sets_the_pattern_checked_in_words(backend: &str) {
    let app = spawn_app(backend).await;
    let asda1 = app.logged_in("asda1").await;
    let (status, _) = asda1.get("/admin/dokumen").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = asda1
        .submit("/admin/dokumen", &[("pattern", "{nomor}/X/{tahun}")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let admin = app.logged_in("admin").await;
    let (status, page) = admin.get("/admin/dokumen").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("{nomor}/BA-EVAL/{bulan_romawi}/{tahun}"),
        "{page}"
    );
    assert!(page.contains("1/BA-EVAL/IV/2025"), "{page}");

    let (status, page) = admin
        .submit("/admin/dokumen", &[("pattern", "{nomor}/BA-EVAL")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"pattern-error\""), "{page}");
    assert!(page.contains("pola harus memuat {tahun}"), "{page}");
    assert!(
        page.contains("value=\"{nomor}/BA-EVAL\""),
        "kept to correct: {page}"
    );
    assert_eq!(
        app.store.document_pattern("3275").await.unwrap(),
        "{nomor}/BA-EVAL/{bulan_romawi}/{tahun}"
    );

    let (status, _) = admin
        .submit(
            "/admin/dokumen",
            &[("pattern", "000.{nomor3}/SETDA/{bulan}/{tahun}")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = admin.get("/admin/dokumen?tersimpan=1").await;
    assert!(page.contains("id=\"saved\""));
    assert!(page.contains("000.001/SETDA/04/2025"), "{page}");
    assert_eq!(
        app.store.document_pattern("3275").await.unwrap(),
        "000.{nomor3}/SETDA/{bulan}/{tahun}"
    );
}

on_both_backends!(
    attendance_draft_and_number,
    the_admin_sets_the_pattern_checked_in_words,
    the_regions_identity_heads_every_pdf,
);

/// The name and place the admin sets head the berita acara and the reports.
async fn the_regions_identity_heads_every_pdf(backend: &str) {
    let app = spawn_app(backend).await;
    app.store
        .set_identity(
            "3275",
            "Pemerintah Kota Contoh Baru",
            Some("Tempat Contoh"),
            pantau_store::LogoChange::Keep,
            &pantau_store::Actor::cli(),
        )
        .await
        .unwrap();
    let asda1 = app.logged_in("asda1").await;
    for path in [
        format!("{WEEK6}/berita-acara-draf.pdf"),
        "/laporan/unduh?program=100HK&as_of=2025-04-25&format=pdf".to_owned(),
        "/laporan/unduh?program=100HK&format=pdf&kind=final".to_owned(),
    ] {
        let (status, _, pdf) = asda1.download(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let text = pdf_text(&pdf);
        assert!(
            text.contains("PEMERINTAH KOTA CONTOH BARU")
                || text.contains("Pemerintah Kota Contoh Baru"),
            "{path}: {text}"
        );
    }
}
