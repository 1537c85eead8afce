//! The exports read back by real readers: LibreOffice headless converts the
//! XLSX's sheets to CSV, pdftotext reads the PDF; the figures they find equal
//! the engine's, written as the pages write them (pantau-present): two-decimal
//! percentages, rupiah with a space and grouping, moments in words, never an
//! ISO moment. `scripts/readers` installs both (Debian's packages).

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use pantau_domain::evaluation::{FinalVerdict, Status};
use pantau_present::Lang;
use pantau_report::pdf::Signature;
use pantau_report::{Report, final_evaluation, tables};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Every sheet of `xlsx` as CSV rows, converted by LibreOffice.
fn libreoffice_sheets(xlsx: &[u8], dir: &Path) -> HashMap<String, Vec<Vec<String>>> {
    let input = dir.join("report.xlsx");
    std::fs::write(&input, xlsx).unwrap();
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("profile").display()
        ))
        .args([
            "--headless",
            "--convert-to",
            // Comma, double quote, UTF-8, from row 1, raw values (not as
            // shown), every sheet to its own file.
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
        ])
        .arg(dir)
        .arg(&input)
        .output()
        .expect("soffice runs: install it with scripts/readers");
    assert!(
        out.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut sheets = HashMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if let Some(sheet) = name
            .strip_prefix("report-")
            .and_then(|n| n.strip_suffix(".csv"))
        {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_path(&path)
                .unwrap();
            let rows = reader
                .records()
                .map(|r| r.unwrap().iter().map(str::to_owned).collect())
                .collect();
            sheets.insert(sheet.to_owned(), rows);
        }
    }
    sheets
}

fn close(found: &str, expected: Option<f64>, what: &str) {
    match expected {
        None => assert_eq!(found, "", "{what}: expected an empty cell"),
        Some(expected) => {
            // Percent cells hold the percent (96.53), as the pages write it.
            let plain = found.replace(',', "");
            let value: f64 = plain
                .strip_suffix('%')
                .unwrap_or(&plain)
                .parse()
                .unwrap_or_else(|_| panic!("{what}: \"{found}\" is not a number"));
            assert!(
                (value - expected).abs() < 1e-9 * expected.abs().max(1.0),
                "{what}: LibreOffice reads {value}, the engine says {expected}"
            );
        }
    }
}

/// A percentage as the XLSX stores it: the percent, rounded to 2 decimals.
fn percent(pct: Option<Decimal>) -> Option<f64> {
    pct.map(|p| pantau_domain::rating::round2(p).to_f64().unwrap())
}

/// A rate (0.9) as the XLSX stores it: in percent (90).
fn rate(r: Option<Decimal>) -> Option<f64> {
    r.map(|r| {
        pantau_domain::rating::round2(r * Decimal::ONE_HUNDRED)
            .to_f64()
            .unwrap()
    })
}

/// Whether `text` holds an ISO moment such as `2025-04-25T09:00` (the regex
/// `\d{4}-\d{2}-\d{2}T`).
fn has_iso_moment(text: &str) -> bool {
    let pattern = b"dddd-dd-ddT";
    text.as_bytes().windows(pattern.len()).any(|w| {
        w.iter().zip(pattern).all(|(c, p)| match p {
            b'd' => c.is_ascii_digit(),
            p => c == p,
        })
    })
}

/// Every percentage in `text`: the figures before each '%'.
fn percentages(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in text.match_indices('%') {
        let before: String = text[..i]
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
            .collect();
        if !before.is_empty() {
            found.push(before.chars().rev().collect::<String>() + "%");
        }
    }
    found
}

/// A percentage written as the pages write it: grouped thousands, a decimal
/// comma and two decimals ("97,50%", "1.234,00%").
fn two_decimals(pct: &str) -> bool {
    let Some((int, frac)) = pct.strip_suffix('%').and_then(|n| n.split_once(',')) else {
        return false;
    };
    frac.len() == 2
        && frac.chars().all(|c| c.is_ascii_digit())
        && int.split('.').enumerate().all(|(i, g)| {
            !g.is_empty()
                && g.chars().all(|c| c.is_ascii_digit())
                && if i == 0 { g.len() <= 3 } else { g.len() == 3 }
        })
}

/// What every PDF must read like: percentages with two decimals, the moment
/// of its figures in words, no ISO moment.
fn reads_like_the_pages(text: &str) {
    assert!(text.contains("Angka per"), "no \"Angka per\" in\n{text}");
    assert!(!has_iso_moment(text), "an ISO moment in\n{text}");
    let pcts = percentages(text);
    assert!(!pcts.is_empty(), "no percentage in\n{text}");
    for p in pcts {
        assert!(two_decimals(&p), "\"{p}\" is not written with two decimals");
    }
}

#[test]
fn the_checks_themselves() {
    assert!(has_iso_moment("per 2025-04-25T09:00:00+07:00"));
    assert!(!has_iso_moment("per 25 April 2025 pukul 09.00 WIB"));
    assert_eq!(percentages("a 97,50% b 100% c"), ["97,50%", "100%"]);
    assert!(two_decimals("97,50%") && two_decimals("1.234,00%"));
    assert!(!two_decimals("97,5%") && !two_decimals("100%") && !two_decimals("1234,00%"));
}

fn number(n: Option<Decimal>) -> Option<f64> {
    n.map(|n| pantau_domain::rating::round2(n).to_f64().unwrap())
}

#[test]
fn libreoffice_reads_the_engines_figures_from_the_xlsx() {
    let (bundle, region) = common::sample();
    let evaluation = common::evaluate(&region, "2025-04-25");
    let report = Report::new(&region, &bundle, &region.programs[0], &evaluation);
    let xlsx = pantau_report::xlsx::export(&report).unwrap();
    let dir = common::scratch("xlsx");
    let sheets = libreoffice_sheets(&xlsx, &dir);
    let mut names: Vec<&str> = sheets.keys().map(String::as_str).collect();
    names.sort();
    let mut expected = tables::names(&report);
    expected.sort();
    assert_eq!(names, expected, "one CSV per sheet");

    // Units: capaian, reporting rates, counts, as numbers.
    let units = &sheets["units"];
    let header = &units[0];
    let col = |label: &str| header.iter().position(|h| h == label).unwrap();
    assert_eq!(units.len(), evaluation.units.len() + 1);
    for (row, unit) in units[1..].iter().zip(&evaluation.units) {
        assert_eq!(row[col("Kode OPD")], unit.code);
        close(
            &row[col("Capaian (%)")],
            percent(unit.achievement_pct),
            &unit.code,
        );
        close(
            &row[col("Tingkat pelaporan")],
            rate(unit.reporting_rate),
            &unit.code,
        );
        close(
            &row[col("Tingkat tepat waktu")],
            rate(unit.on_time_rate),
            &unit.code,
        );
        close(
            &row[col("Jumlah target")],
            Some(unit.targets.into()),
            &unit.code,
        );
        close(
            &row[col("Sesuai jalur")],
            Some(unit.status_counts.get(Status::OnTrack).into()),
            &unit.code,
        );
    }

    // Targets: realisation, expected value, capaian.
    let targets = &sheets["targets"];
    let header = &targets[0];
    let col = |label: &str| header.iter().position(|h| h == label).unwrap();
    for (row, target) in targets[1..].iter().zip(&evaluation.targets) {
        assert_eq!(row[col("Kode target")], target.code);
        close(
            &row[col("Realisasi")],
            number(target.realized),
            &target.code,
        );
        close(
            &row[col("Seharusnya")],
            number(target.expected),
            &target.code,
        );
        close(
            &row[col("Capaian (%)")],
            percent(target.achievement_pct),
            &target.code,
        );
        assert_eq!(
            row[col("Status")],
            pantau_present::status(Lang::Id, target.status)
        );
    }

    // Summary: the program's capaian and rate.
    let summary = &sheets["summary"];
    let value = |key: &str| {
        summary
            .iter()
            .find(|r| r[0] == key)
            .map(|r| r[2].clone())
            .unwrap()
    };
    close(
        &value("achievement_pct"),
        percent(evaluation.summary.achievement_pct),
        "summary",
    );
    close(
        &value("reporting_rate"),
        rate(evaluation.summary.reporting_rate),
        "summary",
    );
    close(
        &value("targets"),
        Some(evaluation.summary.targets.into()),
        "summary",
    );
    // The moment of the figures in words, never as ISO text.
    assert_eq!(value("as_of"), "akhir 25 April 2025");
    for (name, rows) in &sheets {
        for row in rows {
            for cell in row {
                assert!(!has_iso_moment(cell), "{name}: an ISO moment \"{cell}\"");
            }
        }
    }
    let no_data = pantau_present::status(Lang::Id, Status::NoData);
    assert!(sheets["units"][0].iter().any(|h| h == no_data));

    // Weekly compliance: one row per unit and begun period.
    let compliance = &sheets["compliance"];
    let periods: usize = evaluation.units.iter().map(|u| u.compliance.len()).sum();
    assert_eq!(compliance.len(), periods + 1);

    // Budget: whole rupiah and percentages.
    let budget = &sheets["budget"];
    let header = &budget[0];
    let col = |label: &str| header.iter().position(|h| h == label).unwrap();
    let with_budget: Vec<_> = evaluation
        .units
        .iter()
        .filter_map(|u| Some((u, u.budget.as_ref()?.as_ref()?)))
        .collect();
    assert!(!with_budget.is_empty(), "the sample has budgets");
    assert_eq!(budget.len(), with_budget.len() + 1);
    for (row, (unit, b)) in budget[1..].iter().zip(with_budget) {
        assert_eq!(row[col("Kode OPD")], unit.code);
        close(&row[col("Pagu")], Some(b.pagu.0 as f64), &unit.code);
        close(
            &row[col("Realisasi s.d. bulan ini")],
            Some(b.realised_to_date.0 as f64),
            &unit.code,
        );
        close(
            &row[col("Serapan (%)")],
            percent(b.absorption_pct),
            &unit.code,
        );
    }

    // Entries: what was reported by as_of.
    let entries = &sheets["entries"];
    let as_of = chrono::DateTime::parse_from_rfc3339(&evaluation.as_of).unwrap();
    let reported = bundle.programs[0]
        .entries
        .iter()
        .filter(|e| e.submitted_at <= as_of)
        .count();
    assert_eq!(entries.len(), reported + 1);
}

fn pdftotext(pdf: &[u8], dir: &Path) -> String {
    let input = dir.join("report.pdf");
    std::fs::write(&input, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&input)
        .arg("-")
        .output()
        .expect("pdftotext runs: install it with scripts/readers");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn pdftotext_reads_the_final_evaluation_as_the_engine_computed_it() {
    let (bundle, region) = common::sample();
    let end = region.programs[0].calendar.end.to_string();
    let evaluation = common::evaluate(&region, &end);
    let report = Report::new(&region, &bundle, &region.programs[0], &evaluation);
    let doc = final_evaluation::final_evaluation(&report).unwrap();
    let signature = Signature {
        place: "Bekasi".into(),
        date: String::new(),
        role: "Wali Kota Bekasi".into(),
        name: "Tri Adhianto".into(),
        letterhead: None,
    };
    let pdf = pantau_report::pdf::final_report(&report, &doc, &signature).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdftotext(&pdf, &common::scratch("pdf"));
    let lines: Vec<&str> = text.lines().collect();

    // Header, page numbers and the signature block.
    assert!(text.contains("EVALUASI AKHIR PROGRAM"));
    assert!(text.contains("Kota Bekasi"));
    assert!(text.contains("Program 100 Hari Kerja (100HK)"));
    let pages = text.matches('\u{c}').count().max(1);
    assert!(text.contains(&format!("Halaman 1 dari {pages}")), "{text}");
    assert!(text.contains("Wali Kota Bekasi"));
    assert!(text.contains("Tri Adhianto"));
    assert!(text.contains("Bekasi, 20 Mei 2025"));
    // The moment of the figures in words: the end of the last day.
    assert!(text.contains("Angka per akhir 20 Mei 2025"), "{text}");
    reads_like_the_pages(&text);
    // Rupiah as the pages write them: "Rp 12.500.000.000".
    let budget = doc.summary.budget.as_ref().expect("the sample has budgets");
    let pagu = pantau_present::rupiah(Lang::Id, budget.pagu.0 as i64);
    assert!(pagu.starts_with("Rp ") && pagu.contains('.'), "{pagu}");
    assert!(
        lines
            .iter()
            .any(|l| l.trim_start().starts_with("Pagu anggaran") && l.contains(&pagu)),
        "{pagu} in\n{text}"
    );
    assert!(
        !text.contains("Rp1") && !text.contains("Rp2"),
        "rupiah without a space"
    );

    // The summary line and every unit's verdict and capaian.
    let summary_line = lines
        .iter()
        .find(|l| l.trim_start().starts_with("Capaian program"))
        .unwrap();
    let achievement = pantau_present::pct(Lang::Id, evaluation.summary.achievement_pct);
    assert!(two_decimals(&achievement), "{achievement}");
    assert!(summary_line.contains(&achievement), "{summary_line}");
    let achieved = lines
        .iter()
        .find(|l| l.trim_start().starts_with("OPD tercapai"))
        .unwrap();
    assert!(
        achieved
            .trim_end()
            .ends_with(&doc.summary.units_achieved.to_string())
    );
    let mut checked = 0;
    for unit in doc.units.iter().filter(|u| u.verdict.is_some()) {
        let line = lines
            .iter()
            .find(|l| {
                l.split_whitespace().next() == Some(unit.code.as_str())
                    && l.contains(pantau_present::final_verdict(
                        Lang::Id,
                        unit.verdict.unwrap(),
                    ))
            })
            .unwrap_or_else(|| panic!("no line for {} in\n{text}", unit.code));
        assert!(
            line.contains(&pantau_present::pct(Lang::Id, unit.achievement_pct)),
            "{}: {line}",
            unit.code
        );
        assert!(
            line.contains(&pantau_present::rate(Lang::Id, unit.reporting_rate)),
            "{}: {line}",
            unit.code
        );
        checked += 1;
    }
    assert_eq!(checked, evaluation.summary.units_with_targets as usize);
    // On the last day a unit achieved when all its targets are achieved.
    for (unit, engine) in doc.units.iter().zip(&evaluation.units) {
        let all = engine.status_counts.get(Status::Achieved) == engine.targets;
        let expected = (engine.targets > 0).then_some(if all {
            FinalVerdict::Achieved
        } else {
            FinalVerdict::NotAchieved
        });
        assert_eq!(unit.verdict, expected, "{}", unit.code);
    }
    // After the end date the engine's own verdicts are the document's.
    let after = common::evaluate(&region, "2025-05-22");
    let report = Report::new(&region, &bundle, &region.programs[0], &after);
    let doc = final_evaluation::final_evaluation(&report).unwrap();
    for (unit, engine) in doc.units.iter().zip(&after.units) {
        assert_eq!(unit.verdict, engine.final_verdict, "{}", unit.code);
    }
}

#[test]
fn pdftotext_reads_the_weekly_evaluation_report() {
    let (bundle, region) = common::sample();
    let evaluation = common::evaluate(&region, "2025-04-25");
    let report = Report::new(&region, &bundle, &region.programs[0], &evaluation);
    let pdf = pantau_report::pdf::evaluation_report(&report, &Signature::default(), &[]).unwrap();
    let text = pdftotext(&pdf, &common::scratch("pdf-weekly"));
    assert!(text.contains("LAPORAN EVALUASI PROGRAM"));
    assert!(text.contains("hari ke-63 dari 88"), "{text}");
    assert!(text.contains("Angka per akhir 25 April 2025"), "{text}");
    reads_like_the_pages(&text);
    // Labels as the pages have them.
    assert!(!text.contains("Tanpa data"));
    assert!(
        text.contains(pantau_present::status(Lang::Id, Status::OnTrack))
            || text.contains(pantau_present::status(Lang::Id, Status::AtRisk))
    );
    for cluster in &evaluation.clusters {
        // The chart's label line starts with the code too; the table's has the percentage.
        assert!(
            text.lines().any(
                |l| l.split_whitespace().next() == Some(cluster.code.as_str())
                    && l.contains(&pantau_present::pct(Lang::Id, cluster.achievement_pct))
            ),
            "{}: {text}",
            cluster.code
        );
    }
    // Before the end date there is no final evaluation.
    assert!(matches!(
        final_evaluation::final_evaluation(&report),
        Err(pantau_report::Error::NotFinal { .. })
    ));
}

/// The weekly meeting of ASDA1 for period 9 (due Friday 25 April 09:00),
/// closed the Monday after, with a note and an override by `asda1`.
fn closed_minutes(region: &pantau_domain::model::Region) -> pantau_domain::meeting::Minutes {
    use chrono::TimeZone;
    use pantau_domain::meeting::{MeetingRecord, MeetingScope, Minutes, Note, Override};
    let program = &region.programs[0];
    let scope = MeetingScope::weekly(region, program, "ASDA1", 9).unwrap();
    let evaluation = pantau_domain::evaluate(
        region,
        program,
        &scope.as_of(program),
        pantau_domain::Options::default(),
    );
    Minutes::freeze(
        region,
        program,
        &scope,
        &evaluation,
        MeetingRecord {
            notes: vec![Note {
                unit: "DINSOS".into(),
                unit_name: "Dinas Sosial".into(),
                text: "Percepat penyaluran".into(),
                by: "asda1".into(),
            }],
            overrides: vec![Override {
                unit: "DINSOS".into(),
                unit_name: "Dinas Sosial".into(),
                target: Some("DINSOS-02".into()),
                target_name: Some("x".into()),
                computed: None,
                status: Status::AtRisk,
                justification: "Data bulan lalu belum masuk".into(),
                by: "asda1".into(),
            }],
            follow_ups_created: Vec::new(),
            earlier_follow_ups: &[],
            closed_at: chrono::Utc.with_ymd_and_hms(2025, 4, 28, 3, 0, 0).unwrap(),
            closed_by: "asda1".into(),
        },
    )
}

#[test]
fn pdftotext_reads_the_berita_acara_signed_on_the_meeting_day() {
    use pantau_report::minutes::{self, MinutesDocument, Signatory};
    let (_, region) = common::sample();
    let minutes = closed_minutes(&region);
    let chair = Signatory {
        role: pantau_domain::role::Role::Evaluator,
        office: Some("Asisten Pemerintahan dan Kesejahteraan Rakyat".into()),
        full_name: Some("Dr. Hj. Siti Aminah, M.Si.".into()),
        nip: Some("19700101 199003 2 001".into()),
    };
    let document = MinutesDocument::build(&minutes, Lang::Id, None, &[chair]);
    let text = pdftotext(
        &minutes::pdf(&document).unwrap(),
        &common::scratch("pdf-minutes"),
    );
    assert!(
        text.contains("BERITA ACARA RAPAT EVALUASI MINGGUAN"),
        "{text}"
    );
    // Signed where the region sits, on the meeting's day: not the day it was
    // closed (Monday 28 April), not today; by name and NIP, never a username.
    assert!(text.contains("Bekasi, 25 April 2025"), "{text}");
    assert!(text.contains("Dr. Hj. Siti Aminah, M.Si."), "{text}");
    assert!(text.contains("NIP 19700101 199003 2 001"), "{text}");
    assert!(!text.contains("asda1"), "a username in\n{text}");
    // The moment of the figures, the period and the closing in words.
    let as_of = region.programs[0]
        .calendar
        .parse_as_of(&minutes.as_of)
        .unwrap();
    let timezone = region.programs[0].calendar.timezone;
    let figures = pantau_present::figures_as_of(Lang::Id, timezone, &as_of);
    assert_eq!(figures, document.figures_as_of);
    assert!(text.contains(&figures), "{figures} in\n{text}");
    assert!(text.contains("Minggu ke-9"), "{text}");
    reads_like_the_pages(&text);
    // Every unit of the cluster with targets, with its figures as the pages write them.
    for unit in minutes.units.iter().filter(|u| u.result.targets > 0) {
        let achievement = pantau_present::pct(Lang::Id, unit.result.achievement_pct);
        assert!(
            text.lines()
                .any(|l| l.split_whitespace().next() == Some(&unit.result.code)
                    && l.contains(&achievement)),
            "{} {achievement} in\n{text}",
            unit.result.code
        );
    }
    // The note and the override, with the labels of the pages.
    assert!(text.contains("Percepat penyaluran"));
    assert!(text.contains(pantau_present::status(Lang::Id, Status::AtRisk)));

    // The same document serialises for the web page: plain strings.
    let json = serde_json::to_value(&document).unwrap();
    assert_eq!(json["signature"]["place_date"], "Bekasi, 25 April 2025");
    assert_eq!(json["figures_as_of"], figures.as_str());

    // In English, every word changes and the figures stay.
    let english = MinutesDocument::build(&minutes, Lang::En, Some("Bekasi"), &[]);
    let text = pdftotext(
        &minutes::pdf(&english).unwrap(),
        &common::scratch("pdf-minutes-en"),
    );
    assert!(
        text.contains("MINUTES OF THE WEEKLY EVALUATION MEETING"),
        "{text}"
    );
    assert!(text.contains("Figures as of"), "{text}");
    assert!(text.contains("Page 1 of"), "{text}");
    assert!(text.contains("Bekasi, 25 April 2025"), "{text}");
    assert!(!text.contains("asda1"));
    assert!(!has_iso_moment(&text));

    // The old entry point signs the same way, by the cluster's office.
    let pdf = pantau_report::pdf::minutes_report(&minutes, &Signature::default()).unwrap();
    let text = pdftotext(&pdf, &common::scratch("pdf-minutes-old"));
    assert!(text.contains("Bekasi, 25 April 2025"), "{text}");
    assert!(text.contains("Asisten Pemerintahan dan Kesejahteraan Rakyat"));
    assert!(!text.contains("asda1"));
}

/// User text that looks like a formula, as a unit or target name might.
const FORMULAS: [&str; 5] = [
    "=1+2",
    "+3+4",
    "-5+6",
    "@SUM(1,2)",
    "=HYPERLINK(\"http://contoh.invalid\",\"klik\")",
];

fn formula_table() -> tables::Table {
    tables::Table {
        name: "nama",
        columns: vec![
            tables::Column {
                key: "name",
                label: "Nama",
            },
            tables::Column {
                key: "plain",
                label: "Angka",
            },
        ],
        rows: FORMULAS
            .iter()
            .map(|f| vec![tables::Cell::Text(f.to_string()), tables::Cell::Int(7)])
            .collect(),
    }
}

#[test]
fn libreoffice_reads_formula_like_text_in_the_xlsx_as_text() {
    let mut book = rust_xlsxwriter::Workbook::new();
    pantau_report::xlsx::write_sheet(book.add_worksheet(), &formula_table()).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let dir = common::scratch("formula-xlsx");
    let sheets = libreoffice_sheets(&bytes, &dir);
    let rows = &sheets["nama"];
    for (row, formula) in rows[1..].iter().zip(FORMULAS) {
        // Evaluated, "=1+2" would read back as 3 and the hyperlink as "klik".
        assert_eq!(row[0], formula, "{rows:?}");
        assert_eq!(row[1], "7");
    }
}

#[test]
fn libreoffice_reads_formula_like_text_in_the_csv_as_text() {
    let csv = pantau_report::csv::table(&formula_table()).unwrap();
    let dir = common::scratch("formula-csv");
    let input = dir.join("nama.csv");
    std::fs::write(&input, &csv).unwrap();
    // LibreOffice opens the CSV as a spreadsheet program would and saves it as
    // XLSX; a formula it evaluated would be stored as a formula cell.
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("profile").display()
        ))
        .args([
            "--headless",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "xlsx",
            "--outdir",
        ])
        .arg(&dir)
        .arg(&input)
        .output()
        .expect("soffice runs: install it with scripts/readers");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(dir.join("nama.xlsx")).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let formulas = book.worksheet_formula(&sheet).unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "LibreOffice found formulas: {formulas:?}"
    );
    let values = book.worksheet_range(&sheet).unwrap();
    for (r, formula) in FORMULAS.iter().enumerate() {
        let cell = values.get((r + 1, 0)).unwrap();
        assert_eq!(
            cell,
            &calamine::Data::String(format!("'{formula}")),
            "row {}",
            r + 2
        );
    }
}

/// A 1×1 PNG: a region's logo.
const LOGO: [u8; 70] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0,
    0, 0, 31, 21, 196, 137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 218, 99, 100, 96, 248, 95, 15, 0, 2,
    135, 1, 128, 235, 71, 186, 146, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

#[test]
fn pdftotext_reads_the_letterhead_number_attendance_and_draft_mark() {
    use pantau_report::minutes::{self, MinutesDocument, Signatory};
    use pantau_report::{Attendee, Letterhead};
    let (_, region) = common::sample();
    let minutes = closed_minutes(&region);
    let chair = Signatory {
        role: pantau_domain::role::Role::Evaluator,
        office: Some("Asisten Pemerintahan dan Kesejahteraan Rakyat".into()),
        full_name: Some("Dr. Hj. Siti Aminah, M.Si.".into()),
        nip: Some("19700101 199003 2 001".into()),
    };
    let letterhead = Letterhead {
        name: "Pemerintah Kota Bekasi".into(),
        place: "Jalan Ahmad Yani No. 1, Bekasi".into(),
        logo_png: Some(LOGO.to_vec()),
    };
    let attendees = [
        Attendee {
            name: "Rina Marlina".into(),
            office: "Kepala DP3A".into(),
            present: true,
        },
        Attendee {
            name: "Joko Widodo".into(),
            office: "Sekretaris Dinas Sosial".into(),
            present: false,
        },
    ];
    let document = MinutesDocument::build(&minutes, Lang::Id, None, &[chair])
        .with_letterhead(&letterhead)
        .with_attendance(&attendees);
    let draft = document.clone().as_draft();
    let final_doc = document.numbered("7/BA-EVAL/IV/2025");

    let text = pdftotext(
        &minutes::pdf(&final_doc).unwrap(),
        &common::scratch("pdf-ba-final"),
    );
    assert!(text.contains("PEMERINTAH KOTA BEKASI"), "{text}");
    assert!(text.contains("Jalan Ahmad Yani No. 1, Bekasi"), "{text}");
    assert!(text.contains("Nomor: 7/BA-EVAL/IV/2025"), "{text}");
    assert!(text.contains("Daftar hadir"), "{text}");
    assert!(
        text.lines().any(|l| l.contains("Rina Marlina")
            && l.contains("Kepala DP3A")
            && l.contains("Hadir")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("Joko Widodo") && l.contains("Tidak hadir")),
        "{text}"
    );
    assert!(text.contains("NIP 19700101 199003 2 001"), "{text}");
    assert!(
        !text.contains("DRAF"),
        "a final document marked as draft:\n{text}"
    );

    let text = pdftotext(
        &minutes::pdf(&draft).unwrap(),
        &common::scratch("pdf-ba-draft"),
    );
    assert!(text.contains("DRAF"), "{text}");
    assert!(!text.contains("Nomor:"), "a draft with a number:\n{text}");
    assert!(
        text.contains("Dicetak (belum ditutup)") && !text.contains("Ditutup "),
        "a draft that says it was closed:\n{text}"
    );
    assert!(text.contains("PEMERINTAH KOTA BEKASI"), "{text}");
    assert!(text.contains("Rina Marlina"), "{text}");
}

#[test]
fn pdftotext_reads_the_letterhead_on_the_final_and_weekly_reports() {
    let (bundle, region) = common::sample();
    let end = region.programs[0].calendar.end.to_string();
    let evaluation = common::evaluate(&region, &end);
    let report = Report::new(&region, &bundle, &region.programs[0], &evaluation);
    let doc = final_evaluation::final_evaluation(&report).unwrap();
    let signature = Signature {
        letterhead: Some(pantau_report::Letterhead {
            name: "Pemerintah Kota Bekasi".into(),
            place: "Bekasi".into(),
            logo_png: Some(LOGO.to_vec()),
        }),
        ..Signature::default()
    };
    let text = pdftotext(
        &pantau_report::pdf::final_report(&report, &doc, &signature).unwrap(),
        &common::scratch("pdf-final-letterhead"),
    );
    assert!(text.contains("PEMERINTAH KOTA BEKASI"), "{text}");
    // Without one, the region's name heads the page.
    let text = pdftotext(
        &pantau_report::pdf::evaluation_report(&report, &Signature::default(), &[]).unwrap(),
        &common::scratch("pdf-weekly-letterhead"),
    );
    assert!(text.contains(&region.name.to_uppercase()), "{text}");
}
