//! One program, one set of final figures: once its final deadline has passed,
//! the dashboard, the final evaluation page, its PDF and XLSX, and the API
//! evaluation all give the figures as of that deadline (domain.md, "The
//! moment of a figure"); a report filed later counts only when asked for.
//! On SQLite and on PostgreSQL.

use calamine::{Data, DataType, Reader};
use pantau_present::Lang;
use reqwest::StatusCode;
use rust_decimal::Decimal;

#[macro_use]
mod support;
use support::{TestApp, pdf_text, spawn_app};

/// The text between `id="ID">` and the next `<`.
fn by_id(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no element {id} in the page"))
        + marker.len();
    html[start..start + html[start..].find('<').unwrap()]
        .trim()
        .to_owned()
}

/// The text of the paragraph with `id="ID"`, tags left out.
fn paragraph(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element {id} in the page"));
    let end = start + html[start..].find("</p>").unwrap();
    let mut text = String::new();
    let mut in_tag = true;
    for c in html[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

fn decimal(value: &serde_json::Value) -> Decimal {
    value.to_string().parse().expect("a number")
}

/// The summary sheet's capaian: the number in the row labelled with it.
fn xlsx_capaian(bytes: &[u8]) -> f64 {
    let mut workbook =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let first = workbook.sheet_names()[0].clone();
    let range = workbook.worksheet_range(&first).unwrap();
    for row in range.rows() {
        let labelled = row.iter().any(|c| match c {
            Data::String(s) => s.contains("Capaian") || s == "achievement_pct",
            _ => false,
        });
        if labelled && let Some(value) = row.iter().find_map(|c| c.as_f64()) {
            return value;
        }
    }
    panic!("no capaian row in the summary sheet {first}");
}

async fn one_figure_at_the_final_deadline(backend: &str) {
    let app: TestApp = spawn_app(backend).await;

    // A report filed now, long after the sample program's final deadline
    // (Wed 21 May 2025 09:00 WIB): late, so outside the official figures.
    let leader = app.logged_in("leader").await;
    let late_reports = |page: &str| -> u32 {
        let note = paragraph(page, "moment-note");
        let digits: String = note
            .split(". ")
            .nth(1)
            .expect("the note counts late reports")
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().expect("a count of late reports")
    };
    let (_, before) = leader.get("/dasbor?program=100HK").await;
    let late_before = late_reports(&before);

    let late = pantau_store::NewEntry {
        program: "100HK".into(),
        target: "DP3A-01".into(),
        activity_date: chrono::NaiveDate::from_ymd_opt(2025, 5, 20).unwrap(),
        value: Decimal::from(5),
        note: Some("laporan susulan".into()),
        submitted_at: chrono::Utc::now(),
    };
    app.store
        .create_entry("3275", &late, &pantau_store::Actor::cli())
        .await
        .unwrap();

    let (status, json) = leader
        .get("/api/v1/programs/100HK/evaluation?as_of=2025-05-21T09:00:00%2B07:00")
        .await;
    assert_eq!(status, StatusCode::OK);
    let at_deadline: serde_json::Value = serde_json::from_str(&json).unwrap();
    let (_, json) = leader.get("/api/v1/programs/100HK/evaluation").await;
    let by_default: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        by_default, at_deadline,
        "after the final deadline the API's default moment is that deadline"
    );
    let capaian = decimal(&at_deadline["summary"]["achievement_pct"]);
    let shown = pantau_present::pct(Lang::Id, Some(capaian));

    // The dashboard as of its default moment.
    let (_, dashboard) = leader.get("/dasbor?program=100HK").await;
    assert_eq!(by_id(&dashboard, "summary-capaian"), shown);
    assert!(
        paragraph(&dashboard, "moment").contains("21 Mei 2025 pukul 09.00 WIB"),
        "the dashboard says its moment in words: {}",
        paragraph(&dashboard, "moment")
    );
    assert_eq!(
        late_reports(&dashboard),
        late_before + 1,
        "the late report is counted as arrived after the deadline"
    );
    assert_eq!(
        by_id(&before, "summary-capaian"),
        shown,
        "and it leaves the official figures as they were"
    );
    assert!(
        dashboard.contains("as_of=now\">"),
        "the note links to the figures as of now"
    );

    // The final evaluation page, its PDF and its XLSX.
    let (_, final_page) = leader.get("/laporan/akhir?program=100HK").await;
    assert_eq!(by_id(&final_page, "final-capaian"), shown);
    let (status, _, pdf) = leader
        .download("/laporan/unduh?program=100HK&kind=final&format=pdf")
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = pdf_text(&pdf);
    assert!(
        text.contains(&shown),
        "the final PDF shows capaian {shown}:\n{text}"
    );
    let (status, _, xlsx) = leader
        .download("/laporan/unduh?program=100HK&kind=final&format=xlsx")
        .await;
    assert_eq!(status, StatusCode::OK);
    let cell = xlsx_capaian(&xlsx);
    assert!(
        (Decimal::try_from(cell).unwrap() - capaian).abs() < Decimal::new(1, 3),
        "the XLSX holds capaian {cell}, the API {capaian}"
    );

    // Asked for now, the late report counts, and the page says these are
    // not the official figures.
    let (_, now) = leader.get("/dasbor?program=100HK&as_of=now").await;
    let note_start = now
        .find("id=\"moment-note\"")
        .expect("a note on the moment");
    assert!(now[note_start..].contains("bukan angka resmi"));
    let (_, json) = leader
        .get("/api/v1/programs/100HK/evaluation?as_of=now")
        .await;
    let later: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_ne!(
        later["as_of"], at_deadline["as_of"],
        "now is a later moment than the deadline"
    );
}

on_both_backends!(one_figure_at_the_final_deadline);
