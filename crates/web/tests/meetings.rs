//! Evaluation meetings through the real server, on SQLite and on PostgreSQL:
//! the agenda, notes, overrides, follow-ups, closing with frozen minutes, and
//! every refusal (checked to change nothing and to be audited).

use chrono::{TimeZone, Utc};
use pantau_store::meetings::{FollowUpFilter, MeetingKey, MeetingStatus};
use reqwest::StatusCode;

#[macro_use]
mod support;
use support::{Browser, TestApp, pdf_text, spawn_app};

const WEEK6: &str = "/rapat/100HK/ASDA1/6";

/// The part of `html` from the element with `marker` (e.g. `data-unit="DP3A"`)
/// inside the table `table` to the end of its row.
fn row<'a>(html: &'a str, table: &str, marker: &str) -> Option<&'a str> {
    let table_at = html.find(&format!("id=\"{table}\""))?;
    let rest = &html[table_at..];
    let table_end = rest.find("</table>")?;
    let rest = &rest[..table_end];
    let at = rest.find(marker)?;
    let end = rest[at..].find("</tr>")?;
    Some(&rest[at..at + end])
}

impl Browser {}

async fn denials(app: &TestApp) -> usize {
    app.store
        .audit_log("3275", 1000)
        .await
        .unwrap()
        .iter()
        .map(|r| r.refusals() as usize)
        .sum()
}

async fn hold_a_meeting_and_close_it(backend: &str) {
    let app = spawn_app(backend).await;
    let asda1 = app.logged_in("asda1").await;
    let (status, list) = asda1.get("/rapat").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("href=\"/rapat/100HK/semua/akhir\""));
    // The list is paged: week 6 is found by its period.
    let (status, list) = asda1.get("/rapat?periode=6").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&format!("href=\"{WEEK6}\"")), "{list}");

    // The agenda is ready before anything is recorded: as of Fri 4 Apr 09:00,
    // KEC-BANTARGEBANG had not reported for periods 4, 5 nor 6.
    let (status, page) = asda1.get(WEEK6).await;
    assert_eq!(status, StatusCode::OK);
    let line = row(&page, "agenda-reporting", "data-unit=\"KEC-BANTARGEBANG\"").expect(&page);
    assert!(
        line.contains("Tidak lapor") && line.contains("4, 5"),
        "{line}"
    );
    let satpol = row(&page, "agenda-reporting", "data-unit=\"SATPOLPP\"").unwrap();
    assert!(satpol.contains("<td>3</td>"), "late in period 3: {satpol}");
    let stale = row(
        &page,
        "agenda-targets",
        "data-target=\"KEC-BANTARGEBANG-01\"",
    )
    .unwrap();
    assert!(stale.contains("Tidak diperbarui 14 hari"), "{stale}");
    assert!(
        row(&page, "agenda-targets", "data-target=\"DLH-01\"").is_none(),
        "ASDA2's target"
    );
    assert!(page.contains("action=\"/rapat/100HK/ASDA1/6/tutup\""));
    assert!(
        app.store
            .meeting("3275", &MeetingKey::weekly("100HK", "ASDA1", 6))
            .await
            .unwrap()
            .is_none()
    );
    let capaian_before = row(&page, "units", "data-unit=\"DP3A\"")
        .unwrap()
        .to_owned();

    // Notes, an override (refused without a justification), a follow-up.
    let (status, _) = asda1
        .submit(
            &format!("{WEEK6}/catatan"),
            &[("unit", "DP3A"), ("text", "Posyandu sesuai rencana")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, answer) = asda1
        .submit(
            &format!("{WEEK6}/koreksi"),
            &[
                ("subject", "DINSOS/DINSOS-02"),
                ("status", "on_track"),
                ("justification", "  "),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer.contains("justification"), "{answer}");
    let (status, _) = asda1
        .submit(
            &format!("{WEEK6}/koreksi"),
            &[
                ("subject", "DINSOS/DINSOS-02"),
                ("status", "on_track"),
                (
                    "justification",
                    "Penyaluran tahap 2 sudah berjalan, data menyusul",
                ),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, answer) = asda1
        .submit(
            &format!("{WEEK6}/tindak-lanjut"),
            &[
                ("unit", "DP3A"),
                ("due", "2025-04-01"),
                ("description", "x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "due before the meeting");
    assert!(answer.contains("due"), "{answer}");
    let (status, _) = asda1
        .submit(
            &format!("{WEEK6}/tindak-lanjut"),
            &[
                ("unit", "KEC-BANTARGEBANG"),
                ("due", "2025-04-10"),
                ("description", "Kirim laporan periode 4-6"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = asda1.get(WEEK6).await;
    assert!(
        row(&page, "units", "data-unit=\"DP3A\"")
            .unwrap()
            .contains("Posyandu sesuai rencana")
    );
    // The override sits beside the computed status, which stays.
    let o = row(&page, "overrides", "data-unit=\"DINSOS\"").unwrap();
    assert!(
        o.contains("class=\"s-off_track computed\">Tertinggal"),
        "{o}"
    );
    assert!(
        o.contains("class=\"s-on_track overridden\">Sesuai jalur"),
        "{o}"
    );
    assert!(o.contains("Penyaluran tahap 2"), "{o}");
    assert!(
        row(&page, "agenda-targets", "data-target=\"DINSOS-02\"")
            .unwrap()
            .contains("Tertinggal")
    );
    assert!(page.contains("Kirim laporan periode 4-6"));

    // The chair signs by full name and NIP, never by username.
    app.store
        .set_user_profile(
            "3275",
            "asda1",
            &pantau_store::UserProfile {
                full_name: Some("Drs. Uji Asisten Satu, M.Si.".into()),
                nip: Some("196805121990031004".into()),
            },
            &pantau_store::Actor::cli(),
        )
        .await
        .unwrap();

    // Closing needs the confirmation, then freezes the minutes.
    let (status, answer) = asda1.submit(&format!("{WEEK6}/tutup"), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer.contains("confirm"), "{answer}");
    let (status, _) = asda1
        .submit(&format!("{WEEK6}/tutup"), &[("confirm", "yes")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let meeting = app
        .store
        .meeting("3275", &MeetingKey::weekly("100HK", "ASDA1", 6))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(meeting.status, MeetingStatus::Closed);
    let (status, minutes) = asda1.get(&format!("{WEEK6}/berita-acara")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(minutes.contains("@page{size:A4"));
    assert!(minutes.contains("<strong class=\"signatory\">Drs. Uji Asisten Satu, M.Si.</strong>"));
    assert!(minutes.contains("196805121990031004"));
    assert!(
        minutes.contains("Bekasi, 4 April 2025"),
        "signed at the place on the meeting day"
    );
    assert!(
        !minutes.contains(">asda1<"),
        "no username in the berita acara"
    );
    assert!(minutes.contains("Posyandu sesuai rencana"));
    // The frozen units' figures are the live page's at the deadline.
    let frozen_unit = row(&minutes, "units", "data-unit=\"DP3A\"").unwrap();
    let live_capaian = capaian_before
        .split("<td class=\"num\">")
        .nth(2)
        .and_then(|c| c.split('<').next())
        .expect("the live row's capaian");
    assert!(
        frozen_unit.contains(live_capaian),
        "{live_capaian} in {frozen_unit}"
    );

    // An entry that counts at the deadline changes the live figures...
    let unit_page = "/unit/DP3A?as_of=2025-04-04T09:00:00%2B07:00";
    let (_, live_before) = asda1.get(unit_page).await;
    app.store
        .create_entry(
            "3275",
            &pantau_store::NewEntry {
                program: "100HK".into(),
                target: "DP3A-01".into(),
                activity_date: chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap(),
                value: rust_decimal::Decimal::from(30),
                note: Some("Susulan".into()),
                submitted_at: Utc.with_ymd_and_hms(2025, 4, 3, 3, 0, 0).unwrap(),
            },
            &pantau_store::Actor::cli(),
        )
        .await
        .unwrap();
    let (_, live_after) = asda1.get(unit_page).await;
    assert_ne!(
        row(&live_before, "targets", "data-target=\"DP3A-01\""),
        row(&live_after, "targets", "data-target=\"DP3A-01\""),
        "the entry counts as of the deadline"
    );
    // ... but not the frozen minutes, nor the closed meeting's page.
    let (_, minutes_again) = asda1.get(&format!("{WEEK6}/berita-acara")).await;
    assert_eq!(minutes_again, minutes);
    let (_, page) = asda1.get(WEEK6).await;
    assert!(page.contains("id=\"closed\""));
    assert!(!page.contains("/tutup\""), "no forms on a closed meeting");
    // A closed meeting refuses changes, saying why.
    let (status, answer) = asda1
        .submit(
            &format!("{WEEK6}/catatan"),
            &[("unit", "DP3A"), ("text", "Terlambat")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer.contains("closed"), "{answer}");
    // The leader reads the minutes.
    let leader = app.logged_in("leader").await;
    assert_eq!(
        leader.get(&format!("{WEEK6}/berita-acara")).await.1,
        minutes
    );
    // The berita acara as a PDF to sign, from the frozen minutes.
    assert!(minutes.contains("berita-acara.pdf"));
    let (status, content_type, pdf) = leader.download(&format!("{WEEK6}/berita-acara.pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/pdf");
    let text = pdf_text(&pdf);
    for expected in [
        "BERITA ACARA RAPAT EVALUASI MINGGUAN",
        "Kota Bekasi",
        "Minggu ke-6",
        "Posyandu sesuai rencana",
        "DP3A",
        "Halaman 1 dari",
        "Bekasi, 4 April 2025",
        "Drs. Uji Asisten Satu, M.Si.",
        "196805121990031004",
    ] {
        assert!(text.contains(expected), "{expected} in the PDF:\n{text}");
    }
    assert!(!text.contains("asda1"), "no username in the PDF:\n{text}");
    // The page and the PDF come from one document: the same words.
    for words in [
        "Angka per",
        "Capaian perangkat daerah",
        "Tindak lanjut yang disepakati",
    ] {
        assert!(
            minutes.contains(words) && text.contains(words),
            "{words} on both"
        );
    }
    // The late entry above changes nothing in it either.
    let (_, _, again) = leader.download(&format!("{WEEK6}/berita-acara.pdf")).await;
    assert_eq!(pdf_text(&again), text);
    // An operator may not read it.
    let operator = app.logged_in("op-dp3a").await;
    assert_eq!(
        operator
            .download(&format!("{WEEK6}/berita-acara.pdf"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

/// The capaian shown on the final evaluation page.
fn final_capaian(page: &str) -> String {
    let marker = "id=\"final-capaian\">";
    let start = page.find(marker).expect("the final capaian") + marker.len();
    page[start..start + page[start..].find('<').unwrap()].to_owned()
}

/// Closing the final meeting freezes the final evaluation: the page, the PDF
/// and the XLSX keep its figures whatever arrives later.
async fn closing_the_final_meeting_freezes_the_final_evaluation(backend: &str) {
    let app = spawn_app(backend).await;
    let admin = app.logged_in("admin").await;
    let (status, before) = admin.get("/laporan/akhir?program=100HK").await;
    assert_eq!(status, StatusCode::OK);
    assert!(before.contains("id=\"not-frozen\""));

    let (status, _) = admin
        .submit(
            "/rapat/100HK/semua/akhir/catatan",
            &[("unit", "DP3A"), ("text", "Program selesai")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = admin
        .submit("/rapat/100HK/semua/akhir/tutup", &[("confirm", "yes")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let frozen = app
        .store
        .final_minutes("3275", "100HK")
        .await
        .unwrap()
        .expect("the final minutes")
        .evaluation
        .expect("the final meeting keeps the whole evaluation");
    let frozen_capaian = format!(
        "{:.2}%",
        pantau_domain::rating::round2(frozen.summary.achievement_pct.unwrap())
    )
    .replace('.', ",");

    let (_, after) = admin.get("/laporan/akhir?program=100HK").await;
    assert!(after.contains("id=\"frozen\""));
    assert_eq!(final_capaian(&after), frozen_capaian);

    // A report that counts as of the meeting's moment is recorded after the
    // meeting closed (say, imported late): a target behind reaches its value.
    let region = pantau_domain::validate(&app.store.region_bundle("3275").await.unwrap()).unwrap();
    let program = region.program("100HK").unwrap();
    let (target, result) = program
        .targets
        .iter()
        .zip(&frozen.targets)
        .find(|(t, r)| {
            t.polarity == pantau_domain::bundle::Polarity::Higher
                && t.kind != pantau_domain::bundle::Kind::Milestone
                && r.achievement_pct
                    .is_some_and(|a| a < rust_decimal::Decimal::from(90))
        })
        .expect("a target behind its plan");
    assert_eq!(target.code, result.code);
    app.store
        .create_entry(
            "3275",
            &pantau_store::NewEntry {
                program: "100HK".into(),
                target: target.code.clone(),
                activity_date: chrono::NaiveDate::from_ymd_opt(2025, 5, 19).unwrap(),
                value: target.target,
                note: Some("Susulan".into()),
                submitted_at: Utc.with_ymd_and_hms(2025, 5, 20, 3, 0, 0).unwrap(),
            },
            &pantau_store::Actor::cli(),
        )
        .await
        .unwrap();
    let region = pantau_domain::validate(&app.store.region_bundle("3275").await.unwrap()).unwrap();
    let program = region.program("100HK").unwrap();
    let as_of = program.calendar.parse_as_of(&frozen.as_of).unwrap();
    let live = pantau_domain::evaluate(&region, program, &as_of, Default::default());
    let moved = live.targets.iter().find(|t| t.code == result.code).unwrap();
    assert_ne!(moved.achievement_pct, result.achievement_pct);
    assert_ne!(
        live.summary
            .achievement_pct
            .map(pantau_domain::rating::round2),
        frozen
            .summary
            .achievement_pct
            .map(pantau_domain::rating::round2),
        "the late report moves the live figures"
    );
    let (_, later) = admin.get("/laporan/akhir?program=100HK").await;
    assert_eq!(
        final_capaian(&later),
        frozen_capaian,
        "but not the frozen ones"
    );
    let (status, content_type, pdf) = admin
        .download("/laporan/unduh?program=100HK&kind=final&format=pdf")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/pdf");
    assert!(pdf_text(&pdf).contains(&frozen_capaian));
    // The final meeting's own berita acara prints too.
    let (status, _, pdf) = admin
        .download("/rapat/100HK/semua/akhir/berita-acara.pdf")
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = pdf_text(&pdf);
    assert!(text.contains("BERITA ACARA RAPAT EVALUASI AKHIR"), "{text}");
    assert!(text.contains("Program selesai"), "{text}");
}

async fn refusals_are_audited_and_change_nothing(backend: &str) {
    let app = spawn_app(backend).await;
    let key = MeetingKey::weekly("100HK", "ASDA1", 6);
    let asda2 = app.logged_in("asda2").await;
    let leader = app.logged_in("leader").await;
    let operator = app.logged_in("op-dp3a").await;
    let finance = app.logged_in("finance").await;
    let asda1 = app.logged_in("asda1").await;
    let before = denials(&app).await;
    // An evaluator of another cluster reads, but holds nothing.
    let (status, page) = asda2.get(WEEK6).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("/catatan\""));
    for (who, browser) in [
        ("asda2", &asda2),
        ("leader", &leader),
        ("op-dp3a", &operator),
    ] {
        for (path, fields) in [
            ("catatan", vec![("unit", "DP3A"), ("text", "x")]),
            (
                "koreksi",
                vec![
                    ("subject", "DP3A"),
                    ("status", "on_track"),
                    ("justification", "x"),
                ],
            ),
            (
                "tindak-lanjut",
                vec![
                    ("unit", "DP3A"),
                    ("due", "2025-04-10"),
                    ("description", "x"),
                ],
            ),
            ("tutup", vec![("confirm", "yes")]),
        ] {
            let (status, _) = browser.submit(&format!("{WEEK6}/{path}"), &fields).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{who} {path}");
        }
    }
    // The final meeting is the admin's.
    let (status, _) = asda1
        .submit(
            "/rapat/100HK/semua/akhir/catatan",
            &[("unit", "DP3A"), ("text", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Operators and finance do not see meetings; finance has no follow-ups.
    assert_eq!(operator.get("/rapat").await.0, StatusCode::FORBIDDEN);
    assert_eq!(operator.get(WEEK6).await.0, StatusCode::FORBIDDEN);
    assert_eq!(finance.get("/rapat").await.0, StatusCode::FORBIDDEN);
    assert_eq!(finance.get("/tindak-lanjut").await.0, StatusCode::FORBIDDEN);
    assert_eq!(denials(&app).await, before + 12 + 1 + 4);
    assert!(
        app.store.meeting("3275", &key).await.unwrap().is_none(),
        "nothing written"
    );
    assert!(
        app.store
            .meetings("3275", "100HK")
            .await
            .unwrap()
            .is_empty()
    );
    // A form without its token is refused too.
    let (status, _) = asda1
        .post(
            &format!("{WEEK6}/catatan"),
            &[("unit", "DP3A"), ("text", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A unit outside the cluster is refused naming the field.
    let (status, answer) = asda1
        .submit(
            &format!("{WEEK6}/catatan"),
            &[("unit", "DLH"), ("text", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer.contains("unit"), "{answer}");
    assert!(app.store.meeting("3275", &key).await.unwrap().is_none());
    // The admin holds the final meeting; its page lists every unit.
    let admin = app.logged_in("admin").await;
    let (status, page) = admin.get("/rapat/100HK/semua/akhir").await;
    assert_eq!(status, StatusCode::OK);
    assert!(row(&page, "units", "data-unit=\"DLH\"").is_some());
    assert!(row(&page, "units", "data-unit=\"DP3A\"").is_some());
    assert!(page.contains("action=\"/rapat/100HK/semua/akhir/tutup\""));
    assert_eq!(
        admin.get("/rapat/100HK/ASDA9/2").await.0,
        StatusCode::NOT_FOUND
    );
    // The API reads a meeting with the same rights: its live agenda while open.
    let (status, body) = asda2.get("/api/v1/meetings/100HK/ASDA1/6").await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "open");
    assert_eq!(json["minutes"]["as_of"], "2025-04-04T09:00:00+07:00");
    let reporting = json["minutes"]["agenda"]["reporting"].as_array().unwrap();
    assert_eq!(reporting.len(), 2);
    assert_eq!(reporting[1]["unit"], "KEC-BANTARGEBANG");
    assert_eq!(reporting[1]["missing_periods"], serde_json::json!([4, 5]));
    assert_eq!(
        operator.get("/api/v1/meetings/100HK/ASDA1/6").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        finance.get("/api/v1/follow-ups").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin.get("/rapat/100HK/ASDA1/14").await.0,
        StatusCode::NOT_FOUND
    );
}

async fn follow_ups_come_back_overdue_and_the_owner_marks_them_done(backend: &str) {
    let app = spawn_app(backend).await;
    let asda1 = app.logged_in("asda1").await;
    // Made at the meeting of Fri 21 Mar (period 4), due Tue 25 Mar.
    let (status, _) = asda1
        .submit(
            "/rapat/100HK/ASDA1/4/tindak-lanjut",
            &[
                ("unit", "DP3A"),
                ("due", "2025-03-25"),
                ("description", "Data 20 posyandu baru"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = app
        .store
        .follow_ups("3275", &FollowUpFilter::default())
        .await
        .unwrap()[0]
        .id;
    let marker = format!("data-follow-up=\"{id}\" class=\"f-overdue\"");
    // It opens the next meeting's agenda, overdue.
    let (_, next) = asda1.get("/rapat/100HK/ASDA1/5").await;
    assert!(next.contains(&marker), "{next}");
    assert!(
        next.find("id=\"agenda-follow-ups\"").unwrap()
            < next.find("id=\"agenda-reporting\"").unwrap_or(usize::MAX)
    );
    // Not on its own meeting's agenda (it was made there), nor on ASDA2's.
    let (_, own) = asda1.get("/rapat/100HK/ASDA1/4").await;
    assert!(
        row(
            &own,
            "agenda-follow-ups",
            &format!("data-follow-up=\"{id}\"")
        )
        .is_none()
    );
    assert!(
        row(
            &own,
            "follow-ups-created",
            &format!("data-follow-up=\"{id}\"")
        )
        .is_some()
    );
    let (_, other) = asda1.get("/rapat/100HK/ASDA2/5").await;
    assert!(!other.contains(&format!("data-follow-up=\"{id}\"")));

    // Another unit's operator may not mark it done; nor may the evaluator.
    let dlh = app.logged_in("op-dlh").await;
    let done_path = format!("/tindak-lanjut/{id}/selesai");
    assert_eq!(
        dlh.submit(&done_path, &[("note", "x")]).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        asda1.submit(&done_path, &[("note", "x")]).await.0,
        StatusCode::FORBIDDEN
    );
    let (_, dlh_list) = dlh.get("/tindak-lanjut").await;
    assert!(!dlh_list.contains(&format!("data-follow-up=\"{id}\"")));
    // The owner sees it with a form; a note is required.
    let owner = app.logged_in("op-dp3a").await;
    assert!(
        owner
            .get("/dasbor")
            .await
            .1
            .contains("href=\"/tindak-lanjut\""),
        "in the operator's menu"
    );
    let (status, list) = owner.get("/tindak-lanjut").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&format!("action=\"{done_path}\"")), "{list}");
    assert!(list.contains("Lewat tenggat"));
    let (status, answer) = owner.submit(&done_path, &[("note", " ")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer.contains("note"), "{answer}");
    let (status, _) = owner
        .submit(
            &done_path,
            &[("note", "20 posyandu terdata, daftar di bukti")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let done = app.store.follow_up("3275", id).await.unwrap().unwrap();
    assert_eq!(done.done_by.as_deref(), Some("op-dp3a"));
    assert_eq!(
        done.done_note.as_deref(),
        Some("20 posyandu terdata, daftar di bukti")
    );
    let (_, list) = owner.get("/tindak-lanjut").await;
    assert!(!list.contains(&format!("action=\"{done_path}\"")));
    assert!(list.contains("20 posyandu terdata"));
    // Done, it leaves the next agenda; marking it again is refused.
    let (_, next) = asda1.get("/rapat/100HK/ASDA1/5").await;
    assert!(
        row(
            &next,
            "agenda-follow-ups",
            &format!("data-follow-up=\"{id}\"")
        )
        .is_none()
    );
    assert_eq!(
        owner.submit(&done_path, &[("note", "lagi")]).await.0,
        StatusCode::BAD_REQUEST
    );
    let (status, body) = owner.get("/api/v1/follow-ups").await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["items"][0]["id"], id);
    assert_eq!(json["items"][0]["state"], "done");
    assert_eq!(json["items"][0]["meeting_period"], 4);
    assert_eq!(
        dlh.get("/api/v1/follow-ups").await.1,
        r#"{"items":[],"next_cursor":null}"#
    );
    // The evaluator of the cluster and the leader see it.
    assert!(
        asda1
            .get("/tindak-lanjut")
            .await
            .1
            .contains("20 posyandu terdata")
    );
    let leader = app.logged_in("leader").await;
    assert!(
        leader
            .get("/tindak-lanjut")
            .await
            .1
            .contains("20 posyandu terdata")
    );
}

on_both_backends!(
    closing_the_final_meeting_freezes_the_final_evaluation,
    hold_a_meeting_and_close_it,
    refusals_are_audited_and_change_nothing,
    follow_ups_come_back_overdue_and_the_owner_marks_them_done,
);
