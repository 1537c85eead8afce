//! The templates and their import: an export read back evaluates the same,
//! and a template full of errors gets every one of them, with nothing written.

mod common;

use pantau_domain::Options;
use pantau_report::import::{self, ImportProblem};
use pantau_report::{Report, template};
use rust_xlsxwriter::Workbook;

fn json(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

#[test]
fn export_to_xlsx_import_and_evaluate_gives_the_same_evaluation() {
    let (bundle, region) = common::sample();
    // An export after everything was reported carries every entry and nil report.
    let evaluation = common::evaluate(&region, "2025-12-31");
    let report = Report::new(&region, &bundle, &region.programs[0], &evaluation);
    let export = pantau_report::xlsx::export(&report).unwrap();
    let plan = template::plan(Some(&bundle)).unwrap();

    let empty = import::empty_bundle(
        &bundle.region.code,
        &bundle.region.name,
        bundle.region.timezone.clone(),
    );
    let mut seen = Vec::new();
    let planned = import::read(&plan, &empty, &mut |p| seen.push(p)).unwrap();
    assert_eq!(seen.last().unwrap().done, seen.last().unwrap().total);
    assert!(seen.last().unwrap().total > 0);
    assert!(planned.programs[0].entries.is_empty());
    let imported = import::read(&export, &planned, &mut |_| {}).unwrap();

    assert_eq!(imported.units, bundle.units);
    assert_eq!(imported.budgets, bundle.budgets);
    assert_eq!(imported.programs[0].targets, bundle.programs[0].targets);
    assert_eq!(
        imported.programs[0].entries.len(),
        bundle.programs[0].entries.len()
    );
    let again = pantau_domain::validate(&imported).unwrap();
    for as_of in ["2025-03-07", "2025-04-25", "2025-05-20", "2025-05-22"] {
        let program = &again.programs[0];
        let at = program.calendar.parse_as_of(as_of).unwrap();
        let after = pantau_domain::evaluate(&again, program, &at, Options::default());
        assert_eq!(
            json(&after),
            json(&common::evaluate(&region, as_of)),
            "as of {as_of}"
        );
    }

    // Reading the same export again adds nothing.
    let twice = import::read(&export, &imported, &mut |_| {}).unwrap();
    assert_eq!(twice, imported);
    // The filled entries template reads back the same way.
    let entries = template::entries(Some(&bundle)).unwrap();
    let from_template = import::read(&entries, &planned, &mut |_| {}).unwrap();
    assert_eq!(
        from_template.programs[0].entries,
        imported.programs[0].entries
    );
    assert_eq!(
        from_template.programs[0].nil_reports,
        imported.programs[0].nil_reports
    );
}

/// Write rows (all text or numbers) under a header as one sheet.
fn sheet(workbook: &mut Workbook, name: &str, header: &[&str], rows: &[Vec<Value>]) {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name).unwrap();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match value {
                Value::T(text) => {
                    sheet.write_string(r, c, *text).unwrap();
                }
                Value::N(n) => {
                    sheet.write_number(r, c, *n).unwrap();
                }
                Value::E => {}
            }
        }
    }
}

enum Value {
    T(&'static str),
    N(f64),
    E,
}
use Value::{E, N, T};

fn problem(sheet: &str, row: u32, column: &str, reason: &str) -> (String, u32, String, String) {
    (sheet.into(), row, column.into(), reason.into())
}

#[tokio::test]
async fn a_template_full_of_errors_gets_every_one_and_nothing_is_written() {
    let (bundle, _) = common::sample();
    let url = format!(
        "sqlite:{}",
        common::scratch("store").join("pantau.db").display()
    );
    let store = pantau_store::connect(&url).await.unwrap();
    store
        .import_bundle(
            &bundle,
            pantau_store::ImportMode::NewRegion,
            &pantau_store::Actor::cli(),
        )
        .await
        .unwrap();
    let before = store.region_bundle("3275").await.unwrap();
    let version = store.region_version("3275").await.unwrap();

    let mut workbook = Workbook::new();
    sheet(
        &mut workbook,
        "clusters",
        &["code", "name"],
        &[
            vec![T("ASDA9"), T("Asisten Baru")],
            vec![T("ASDA9"), T("Lagi")],
        ],
    );
    sheet(
        &mut workbook,
        "units",
        &["code", "name", "cluster"],
        &[
            vec![T("DBARU"), T("Dinas Baru"), T("ASDA7")],
            vec![T("DLAIN"), E, T("ASDA9")],
        ],
    );
    sheet(&mut workbook, "priorities", &["code", "name"], &[]);
    sheet(
        &mut workbook,
        "programs",
        &["code", "name", "start", "end"],
        &[
            vec![
                T("RPJMD"),
                T("Tahun pertama"),
                T("2025-01-01"),
                T("2025-12-31"),
            ],
            vec![T("BAD"), T("Salah"), T("2025-13-01"), T("2025-12-31")],
        ],
    );
    sheet(
        &mut workbook,
        "targets",
        &[
            "program", "code", "unit", "name", "kind", "polarity", "baseline", "target",
        ],
        &[
            vec![
                T("RPJMD"),
                T("T1"),
                T("DBARU"),
                T("Satu"),
                T("sumx"),
                T("higher"),
                N(0.0),
                N(10.0),
            ],
            vec![
                T("RPJMD"),
                T("T2"),
                T("DXXX"),
                T("Dua"),
                T("sum"),
                T("higher"),
                T("nol"),
                N(10.0),
            ],
            vec![
                T("RPJMD"),
                T("T3"),
                T("DBARU"),
                T("Tiga"),
                T("last"),
                T("higher"),
                N(5.0),
                N(0.0),
            ],
            vec![
                T("NOPE"),
                T("T4"),
                T("DBARU"),
                T("Empat"),
                T("sum"),
                T("higher"),
                N(0.0),
                N(1.0),
            ],
        ],
    );
    sheet(
        &mut workbook,
        "plan",
        &["program", "target", "date", "value"],
        &[vec![T("RPJMD"), T("T3"), T("2026-01-05"), N(3.0)]],
    );
    sheet(
        &mut workbook,
        "entries",
        &[
            "program",
            "target",
            "activity_date",
            "submitted_at",
            "value",
        ],
        &[
            vec![T("RPJMD"), T("T3"), T("2025-03-01"), T("kemarin"), N(4.0)],
            vec![
                T("RPJMD"),
                T("T3"),
                T("2025-03-01"),
                T("2025-03-02T08:00:00+07:00"),
                T("empat"),
            ],
            vec![
                T("RPJMD"),
                T("T3"),
                T("2026-03-01"),
                T("2026-03-02T08:00:00+07:00"),
                N(4.0),
            ],
        ],
    );
    sheet(&mut workbook, "budgets", &["unit", "year", "month"], &[]);
    let bytes = workbook.save_to_buffer().unwrap();

    let problems: Vec<ImportProblem> = import::read(&bytes, &before, &mut |_| {}).unwrap_err();
    let mut found: Vec<_> = problems
        .iter()
        .map(|p| (p.sheet.clone(), p.row, p.column.clone(), p.reason.clone()))
        .collect();
    found.sort();
    let mut expected = vec![
        problem("budgets", 1, "", "missing column(s): pagu"),
        problem(
            "clusters",
            3,
            "A (code)",
            "duplicate code \"ASDA9\" (first at row 2)",
        ),
        problem("units", 3, "B (name)", "required, but empty"),
        problem(
            "programs",
            3,
            "C (start)",
            "\"2025-13-01\" is not a date YYYY-MM-DD",
        ),
        problem(
            "targets",
            2,
            "E (kind)",
            "\"sumx\" is not one of: sum, last, milestone",
        ),
        problem(
            "targets",
            3,
            "G (baseline)",
            "\"nol\" is not a number (use a dot for decimals)",
        ),
        problem("targets", 3, "C (unit)", "unknown unit \"DXXX\""),
        problem("targets", 5, "A (program)", "unknown program \"NOPE\""),
        problem(
            "entries",
            2,
            "D (submitted_at)",
            "\"kemarin\" is not a moment like 2025-03-07T08:30:00+07:00",
        ),
        problem(
            "entries",
            3,
            "E (value)",
            "\"empat\" is not a number (use a dot for decimals)",
        ),
        // Found by the bundle's validation, mapped back to the cells.
        problem("units", 2, "C (cluster)", "unknown cluster \"ASDA7\""),
        problem(
            "targets",
            4,
            "H (target)",
            "target must not be 0 for polarity higher",
        ),
        problem(
            "plan",
            2,
            "C (date)",
            "2026-01-05 is outside the program (2025-01-01 to 2025-12-31)",
        ),
        problem(
            "entries",
            4,
            "C (activity_date)",
            "2026-03-01 is outside the program (2025-01-01 to 2025-12-31)",
        ),
    ];
    expected.sort();
    assert_eq!(found, expected);

    // Nothing reached the store.
    assert_eq!(store.region_bundle("3275").await.unwrap(), before);
    assert_eq!(store.region_version("3275").await.unwrap(), version);
}

#[test]
fn something_that_is_not_a_workbook_is_refused_with_a_reason() {
    let (bundle, _) = common::sample();
    let problems = import::read(b"not a spreadsheet", &bundle, &mut |_| {}).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].reason.contains("not a readable XLSX workbook"));
}
