//! The exports read back by real readers: LibreOffice headless converts the
//! XLSX's sheets to CSV, pdftotext reads the PDF; the figures they find equal
//! the engine's. `scripts/readers` installs both (Debian's packages).

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use pantau_domain::evaluation::{FinalVerdict, Status};
use pantau_report::pdf::{Signature, id_pct, id_rate, verdict_label};
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
            // Percent cells may come as written ("96.53%") or as stored (0.9653).
            let plain = found.replace(',', "");
            let value: f64 = match plain.strip_suffix('%') {
                Some(pct) => pct.parse::<f64>().map(|p| p / 100.0),
                None => plain.parse(),
            }
            .unwrap_or_else(|_| panic!("{what}: \"{found}\" is not a number"));
            assert!(
                (value - expected).abs() < 1e-9 * expected.abs().max(1.0),
                "{what}: LibreOffice reads {value}, the engine says {expected}"
            );
        }
    }
}

fn fraction(pct: Option<Decimal>) -> Option<f64> {
    pct.map(|p| {
        (pantau_domain::rating::round2(p) / Decimal::ONE_HUNDRED)
            .to_f64()
            .unwrap()
    })
}

fn rate(r: Option<Decimal>) -> Option<f64> {
    r.map(|r| {
        (pantau_domain::rating::round2(r * Decimal::ONE_HUNDRED) / Decimal::ONE_HUNDRED)
            .to_f64()
            .unwrap()
    })
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
            fraction(unit.achievement_pct),
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
            fraction(target.achievement_pct),
            &target.code,
        );
        assert_eq!(row[col("Status")], target.status.code());
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
        fraction(evaluation.summary.achievement_pct),
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
            fraction(b.absorption_pct),
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

    // The summary line and every unit's verdict and capaian.
    let summary_line = lines
        .iter()
        .find(|l| l.trim_start().starts_with("Capaian program"))
        .unwrap();
    assert!(summary_line.contains(&id_pct(evaluation.summary.achievement_pct)));
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
                    && l.contains(verdict_label(unit.verdict))
            })
            .unwrap_or_else(|| panic!("no line for {} in\n{text}", unit.code));
        assert!(
            line.contains(&id_pct(unit.achievement_pct)),
            "{}: {line}",
            unit.code
        );
        assert!(
            line.contains(&id_rate(unit.reporting_rate)),
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
    for cluster in &evaluation.clusters {
        // The chart's label line starts with the code too; the table's has the percentage.
        assert!(
            text.lines().any(
                |l| l.split_whitespace().next() == Some(cluster.code.as_str())
                    && l.contains(&id_pct(cluster.achievement_pct))
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
