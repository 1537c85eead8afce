//! The operator's week ("Laporan minggu ini"): where operators land, what
//! each target shows, implausible values held back until confirmed,
//! messages in the page's language, corrections that keep what was typed,
//! deletion after confirmation, and a success message after every action.

#[macro_use]
mod support;

use pantau_domain::bundle::EntryStatus;
use pantau_store::{Actor, EntryFilter, EntryRow, NewUser, Review, Role};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use rust_decimal::Decimal;
use support::{Browser, PASSWORD, TestApp, csrf_in, spawn_app};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// A report as the week page's form sends it.
#[derive(Default)]
struct Report<'a> {
    target: &'a str,
    value: &'a str,
    date: &'a str,
    note: &'a str,
    evidence: Option<Vec<u8>>,
    /// Extra fields: `confirmed`, `confirmed_value`, `pending_evidence`…
    extra: Vec<(&'a str, String)>,
}

async fn send(browser: &Browser, path: &str, report: Report<'_>) -> (StatusCode, String, String) {
    let csrf = csrf_in(&browser.get("/lapor").await.1);
    let mut form = Form::new()
        .text("csrf", csrf)
        .text("program", "100HK")
        .text("target", report.target.to_owned())
        .text(
            "activity_date",
            if report.date.is_empty() {
                "2025-05-10".to_owned()
            } else {
                report.date.to_owned()
            },
        )
        .text("value", report.value.to_owned())
        .text("note", report.note.to_owned());
    for (name, value) in report.extra {
        form = form.text(name.to_owned(), value);
    }
    if let Some(bytes) = report.evidence {
        form = form.part("evidence", Part::bytes(bytes).file_name("bukti.png"));
    }
    let response = browser
        .client
        .post(format!("{}{path}", browser.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

async fn entries_of(app: &TestApp, target: &str) -> Vec<EntryRow> {
    app.store
        .entries(
            "3275",
            &EntryFilter {
                target: Some(target.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

/// The value of a hidden or text field named `name` in `html`, after `from`.
fn field_after<'h>(html: &'h str, from: &str, name: &str) -> &'h str {
    let start = html
        .find(from)
        .unwrap_or_else(|| panic!("{from} in the page"));
    let rest = &html[start..];
    let at = rest
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("a {name} field after {from}"))
        + name.len()
        + 15;
    &rest[at..at + rest[at..].find('"').unwrap()]
}

/// An operator of SATPOLPP, whose SATPOLPP-02 is a level (`last`): 35 to 80 percent.
async fn satpol_operator(app: &TestApp) -> Browser {
    let user = NewUser {
        region: "3275".into(),
        username: "op-satpol".into(),
        display_name: "op-satpol".into(),
        email: None,
        password_hash: pantau_store::password::hash(PASSWORD),
        role: Role::Operator,
        unit: Some("SATPOLPP".into()),
        clusters: Vec::new(),
    };
    app.store.create_user(&user, &Actor::cli()).await.unwrap();
    app.logged_in("op-satpol").await
}

async fn operators_land_on_their_week(backend: &str) {
    let app = spawn_app(backend).await;
    for (username, landing) in [
        ("op-dp3a", "/lapor"),
        ("leader", "/dasbor"),
        ("asda1", "/dasbor"),
    ] {
        let browser = app.browser();
        let csrf = csrf_in(&browser.get("/masuk").await.1);
        let response = browser
            .client
            .post(format!("{}/masuk", app.base))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", username),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], landing, "{username} lands");
        let home = browser
            .client
            .get(format!("{}/", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(home.headers()["location"], landing, "{username}'s home");
    }

    let operator = app.logged_in("op-dp3a").await;
    let (status, page) = operator.get("/lapor").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<h1>Laporan minggu ini · DP3A</h1>"),
        "{page}"
    );
    // Each target: its goal, its realisation as of now, what to enter.
    let form = &page[page.find("data-target=\"DP3A-01\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(
        form.contains("<dd class=\"goal\">120 posyandu</dd>"),
        "{form}"
    );
    assert!(
        form.contains("<dd class=\"realized\">124 posyandu</dd>"),
        "{form}"
    );
    assert!(form.contains("Tambahan minggu ini (posyandu)"), "{form}");
    // The sample program's last week has reports from DP3A-01, none from DP3A-02.
    assert!(form.contains("sudah dilaporkan"), "{form}");
    let other = &page[page.find("data-target=\"DP3A-02\"").unwrap()..];
    assert!(other[..other.find("</form>").unwrap()].contains("belum dilaporkan"));
    // The last period's deadline (21 May 2025) is long gone.
    assert!(page.contains("21 Mei 2025 pukul 09.00 WIB"));
    assert!(
        page.contains("id=\"countdown\" class=\"countdown over\">lewat "),
        "{page}"
    );
    assert!(page.contains(" hari</span>"));
    assert!(page.contains("id=\"unit-reported\""));

    // A milestone is a choice, not a number; a level asks for the current value.
    let dlh = app.logged_in("op-dlh").await;
    let (_, page) = dlh.get("/lapor").await;
    let form = &page[page.find("data-target=\"DLH-01\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(
        form.contains("type=\"radio\" name=\"value\" value=\"1\""),
        "{form}"
    );
    assert!(form.contains("> Sudah</label>") && form.contains("> Belum</label>"));
    assert!(
        !form.contains("inputmode=\"decimal\""),
        "no number field: {form}"
    );
    let satpol = satpol_operator(&app).await;
    let (_, page) = satpol.get("/lapor").await;
    assert!(
        page.contains("Nilai terkini (persen)"),
        "a level asks for the current value"
    );

    // In English, the same page in English.
    operator.get("/bahasa/en").await;
    let (_, page) = operator.get("/lapor").await;
    assert!(
        page.contains("This week&#39;s report · DP3A")
            || page.contains("This week's report · DP3A"),
        "{page}"
    );
    assert!(page.contains("This week&#39;s addition") || page.contains("This week's addition"));
    assert!(page.contains(" days overdue</span>"));
}

async fn implausible_values_ask_for_confirmation(backend: &str) {
    let app = spawn_app(backend).await;
    let operator = app.logged_in("op-dp3a").await;
    let before = entries_of(&app, "DP3A-01").await.len();

    // 124 + 60 = 184 posyandu is past 150% of 120: asked, not saved, not refused.
    let (status, _, page) = send(
        &operator,
        "/lapor",
        Report {
            target: "DP3A-01",
            value: "60",
            note: "rekap sekaligus",
            evidence: Some(PNG.to_vec()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(status, StatusCode::OK, "a doubt is not a refusal");
    assert_eq!(
        entries_of(&app, "DP3A-01").await.len(),
        before,
        "not saved yet"
    );
    let form = &page[page.find("data-target=\"DP3A-01\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(form.contains("Periksa lagi nilai ini"), "{form}");
    assert!(
        form.contains(
            "Nilai: dengan nilai ini realisasi menjadi 184, lebih dari 150% target (batas 180)"
        ),
        "the warning names the field and why: {form}"
    );
    assert!(form.contains("value=\"60\""), "the value is kept");
    assert!(
        form.contains(">rekap sekaligus</textarea>"),
        "the note is kept"
    );
    assert!(form.contains("name=\"confirmed\" value=\"1\""));
    assert!(form.contains(">Ya, kirim</button>"));
    let pending = field_after(&page, "data-target=\"DP3A-01\"", "pending_evidence").to_owned();
    assert!(form.contains("bukti.png"), "the chosen photo is kept");

    // Confirmed: saved, with the photo chosen the first time.
    let (status, location, _) = send(
        &operator,
        "/lapor",
        Report {
            target: "DP3A-01",
            value: "60",
            note: "rekap sekaligus",
            extra: vec![
                ("confirmed", "1".into()),
                ("confirmed_value", "60".into()),
                ("pending_evidence", pending),
                ("pending_name", "bukti.png".into()),
            ],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/lapor?program=100HK");
    let saved = entries_of(&app, "DP3A-01").await;
    assert_eq!(saved.len(), before + 1);
    let entry = saved
        .iter()
        .find(|e| e.value == d("60"))
        .expect("the entry");
    assert_eq!(entry.note.as_deref(), Some("rekap sekaligus"));
    let evidence = app.store.evidence_of_entry("3275", entry.id).await.unwrap();
    assert_eq!(evidence.len(), 1, "the kept photo is attached");
    assert_eq!(std::fs::read(&evidence[0].stored_path).unwrap(), PNG);
    let (_, page) = operator.get(&location).await;
    assert!(page.contains("<p class=\"flash\" role=\"status\">Laporan tersimpan.</p>"));

    // A confirmation for another value checks the new value again.
    let (status, _, page) = send(
        &operator,
        "/lapor",
        Report {
            target: "DP3A-02",
            value: "9",
            extra: vec![("confirmed", "1".into()), ("confirmed_value", "1".into())],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Ya, kirim"), "asked again for 9");

    // A level: negative, or jumping by more than half the target (80 / 2).
    let satpol = satpol_operator(&app).await;
    let levels = entries_of(&app, "SATPOLPP-02").await.len();
    let (status, _, page) = send(
        &satpol,
        "/lapor",
        Report {
            target: "SATPOLPP-02",
            value: "-5",
            ..Default::default()
        },
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Nilai: -5 bernilai negatif."), "{page}");
    assert!(
        page.contains("Nilai: nilai terkini melonjak dari 82 menjadi -5"),
        "{page}"
    );
    let (status, _, page) = send(
        &satpol,
        "/lapor",
        Report {
            target: "SATPOLPP-02",
            value: "41,5",
            ..Default::default()
        },
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("melonjak dari 82 menjadi 41,5"), "{page}");
    assert!(page.contains("value=\"41,5\""), "typed with its comma");
    assert_eq!(entries_of(&app, "SATPOLPP-02").await.len(), levels);
    // A plausible level is saved at once.
    let (status, _, _) = send(
        &satpol,
        "/lapor",
        Report {
            target: "SATPOLPP-02",
            value: "83,5",
            ..Default::default()
        },
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        entries_of(&app, "SATPOLPP-02")
            .await
            .iter()
            .any(|e| e.value == d("83.5")),
        "83,5 is 83.5"
    );
    // A negative addition to a cumulative target stays refused.
    let (status, _, page) = send(
        &operator,
        "/lapor",
        Report {
            target: "DP3A-02",
            value: "-1",
            extra: vec![("confirmed", "1".into())],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Nilai: -1 negatif"), "{page}");
}

async fn messages_come_in_the_page_language(backend: &str) {
    let app = spawn_app(backend).await;
    let before = entries_of(&app, "DP3A-01").await.len();
    let operator = app.logged_in("op-dp3a").await;
    let cases = [
        (
            "abc",
            "2025-05-10",
            None,
            "Nilai: &#34;abc&#34; bukan angka",
        ),
        (
            "3",
            "2025-07-01",
            None,
            "Tanggal kegiatan: 1 Juli 2025 di luar masa program (22 Februari 2025 s.d. 20 Mei 2025)",
        ),
        (
            "3",
            "2025-05-10",
            Some(b"MZ\x90\0".to_vec()),
            "Bukti: hanya foto JPEG atau PNG dan berkas PDF yang diterima",
        ),
    ];
    for (value, date, evidence, message) in cases {
        let (status, _, page) = send(
            &operator,
            "/lapor",
            Report {
                target: "DP3A-01",
                value,
                date,
                note: "catatan",
                evidence,
                ..Default::default()
            },
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{message}");
        assert!(page.contains(message), "{message} in {page}");
        assert!(
            !page.contains(" is not "),
            "no English on an Indonesian page"
        );
        assert!(page.contains(">catatan</textarea>"), "the note is kept");
    }
    operator.get("/bahasa/en").await;
    let (status, _, page) = send(
        &operator,
        "/lapor",
        Report {
            target: "DP3A-01",
            value: "abc",
            ..Default::default()
        },
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("Value: &#34;abc&#34; is not a number"),
        "{page}"
    );
    let (_, _, page) = send(
        &operator,
        "/lapor",
        Report {
            target: "DP3A-01",
            value: "60",
            ..Default::default()
        },
    )
    .await;
    assert!(
        page.contains("Value: with this value the realisation becomes 184, more than 150% of the target (limit 180)."),
        "{page}"
    );
    assert!(page.contains(">Yes, send</button>"));
    assert_eq!(entries_of(&app, "DP3A-01").await.len(), before);
    // The success message follows the language too.
    let csrf = operator.csrf().await;
    let (status, _) = operator
        .post(
            "/lapor/nihil",
            &[
                ("csrf", &csrf),
                ("program", "100HK"),
                ("date", "2025-05-12"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = operator.get("/lapor?program=100HK").await;
    assert!(page.contains("<p class=\"flash\" role=\"status\">Nil report saved.</p>"));
    // A nil report for a day outside the program is refused in words too.
    let (status, page) = operator
        .post(
            "/lapor/nihil",
            &[
                ("csrf", &csrf),
                ("program", "100HK"),
                ("date", "2025-07-01"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("Date: 1 July 2025 is outside the program (22 February 2025 to 20 May 2025)"),
        "{page}"
    );
}

async fn a_correction_keeps_note_comma_and_takes_new_evidence(backend: &str) {
    let app = spawn_app(backend).await;
    let operator = app.logged_in("op-dp3a").await;
    let (status, _, _) = send(
        &operator,
        "/lapor",
        Report {
            target: "DP3A-02",
            value: "2,5",
            note: "catatan asli",
            ..Default::default()
        },
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = entries_of(&app, "DP3A-02")
        .await
        .into_iter()
        .find(|e| e.value == d("2.5"))
        .unwrap()
        .id;
    // The evaluator returns it, asking for a photo.
    app.store
        .review_entry(
            "3275",
            id,
            &Review::Return {
                reason: "Lampirkan foto peresmian".into(),
            },
            &Actor::cli(),
        )
        .await
        .unwrap();
    let (_, page) = operator.get("/lapor").await;
    let row = &page[page.find(&format!("data-entry=\"{id}\"")).unwrap()..];
    let row = &row[..row.find("</tbody>").unwrap()];
    assert!(row.contains("Lampirkan foto peresmian"));
    assert!(
        row.contains("name=\"value\" inputmode=\"decimal\" value=\"2,5\""),
        "{row}"
    );
    assert!(
        row.contains(">catatan asli</textarea>"),
        "the note is kept: {row}"
    );
    assert!(
        row.contains("enctype=\"multipart/form-data\"")
            && row.contains("name=\"evidence\" type=\"file\"")
    );

    // Sent back unchanged but for the photo: the value, note and a new file.
    let (status, location, _) = send(
        &operator,
        &format!("/lapor/{id}/ubah"),
        Report {
            target: "DP3A-02",
            value: "2,5",
            date: "2025-05-10",
            note: "catatan asli",
            evidence: Some(PNG.to_vec()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/lapor?program=100HK");
    let entry = app.store.entry("3275", id).await.unwrap().unwrap();
    assert_eq!(entry.value, d("2.5"));
    assert_eq!(entry.note.as_deref(), Some("catatan asli"));
    assert_eq!(entry.status, EntryStatus::Submitted, "back in the queue");
    assert_eq!(
        app.store.evidence_of_entry("3275", id).await.unwrap().len(),
        1
    );
    let (_, page) = operator.get(&location).await;
    assert!(page.contains("<p class=\"flash\" role=\"status\">Perbaikan tersimpan.</p>"));
    let (_, page) = operator.get(&location).await;
    assert!(!page.contains("class=\"flash\""), "shown once");

    // A correction to an implausible value asks first too.
    let (status, _, page) = send(
        &operator,
        &format!("/lapor/{id}/ubah"),
        Report {
            target: "DP3A-02",
            value: "9",
            note: "catatan asli",
            ..Default::default()
        },
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let row = &page[page.find(&format!("data-entry=\"{id}\"")).unwrap()..];
    assert!(
        row.contains("<details class=\"entry-actions edit\" open>"),
        "the form stays open"
    );
    assert!(row.contains("Ya, kirim"));
    assert_eq!(
        app.store.entry("3275", id).await.unwrap().unwrap().value,
        d("2.5")
    );
    // A wrong value in a correction: refused in the page's language, in its form.
    let (status, _, page) = send(
        &operator,
        &format!("/lapor/{id}/ubah"),
        Report {
            target: "DP3A-02",
            value: "dua",
            note: "catatan asli",
            ..Default::default()
        },
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Nilai: &#34;dua&#34; bukan angka"));
}

async fn delete_asks_first_and_says_it_is_done(backend: &str) {
    let app = spawn_app(backend).await;
    let operator = app.logged_in("op-dp3a").await;
    let (status, _, _) = send(
        &operator,
        "/lapor",
        Report {
            target: "DP3A-02",
            value: "1",
            ..Default::default()
        },
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = entries_of(&app, "DP3A-02")
        .await
        .into_iter()
        .find(|e| {
            e.status == EntryStatus::Submitted
                && e.value == Decimal::ONE
                && e.activity_date.to_string() == "2025-05-10"
        })
        .unwrap()
        .id;
    // The page offers deletion behind a second button.
    let (_, page) = operator.get("/lapor").await;
    let row = &page[page.find(&format!("data-entry=\"{id}\"")).unwrap()..];
    let row = &row[..row.find("</tbody>").unwrap()];
    assert!(row.contains("<summary>Hapus laporan</summary>"));
    assert!(row.contains("Hapus laporan ini?") && row.contains(">Ya, hapus</button>"));
    // Without the confirmation: the question, nothing deleted.
    let path = format!("/lapor/{id}/hapus");
    let (status, page) = operator.submit(&path, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<details class=\"entry-actions delete\" open>"),
        "asked"
    );
    assert!(app.store.entry("3275", id).await.unwrap().is_some());
    // Confirmed: gone, and said so once.
    let (status, _) = operator.submit(&path, &[("confirmed", "1")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(app.store.entry("3275", id).await.unwrap().is_none());
    let (_, page) = operator.get("/lapor").await;
    assert!(page.contains("<p class=\"flash\" role=\"status\">Laporan dihapus.</p>"));
    let (_, page) = operator.get("/lapor").await;
    assert!(!page.contains("Laporan dihapus."));
    // Another unit's operator may not, confirmed or not.
    let other = app.logged_in("op-dlh").await;
    let some = entries_of(&app, "DP3A-01")
        .await
        .into_iter()
        .find(|e| e.status == EntryStatus::Submitted)
        .unwrap()
        .id;
    let (status, _) = other
        .submit(&format!("/lapor/{some}/hapus"), &[("confirmed", "1")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = other.submit(&format!("/lapor/{some}/hapus"), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(app.store.entry("3275", some).await.unwrap().is_some());
}

on_both_backends!(
    operators_land_on_their_week,
    implausible_values_ask_for_confirmation,
    messages_come_in_the_page_language,
    a_correction_keeps_note_comma_and_takes_new_evidence,
    delete_asks_first_and_says_it_is_done,
);
