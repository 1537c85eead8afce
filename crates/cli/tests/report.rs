//! `pantau report` and `pantau import-xlsx` end to end.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pantau(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(args)
        .env_remove("PANTAU_DATABASE_URL")
        .output()
        .expect("pantau runs")
}

fn sample_bundle() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/bekasi-100hk.json")
        .display()
        .to_string()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pantau-cli-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn report_writes_csv_tables_xlsx_and_the_final_pdf() {
    let dir = scratch("files");
    let csv = dir.join("csv");
    let out = pantau(&[
        "report",
        "--bundle",
        &sample_bundle(),
        "--as-of",
        "2025-04-25",
        "--format",
        "csv",
        "--output",
        csv.to_str().unwrap(),
    ]);
    ok(&out);
    for table in [
        "summary",
        "units",
        "targets",
        "compliance",
        "entries",
        "nil_reports",
        "budget",
    ] {
        let text = std::fs::read_to_string(csv.join(format!("{table}.csv"))).unwrap();
        assert!(text.lines().count() > 1, "{table} has rows");
    }
    let summary = std::fs::read_to_string(csv.join("summary.csv")).unwrap();
    // The CSV is a machine format: the moment stays ISO; only the item's
    // label follows the pages' "Angka per".
    assert!(
        summary.contains("as_of,Angka per,2025-04-25T23:59:59+07:00"),
        "{summary}"
    );

    let xlsx = dir.join("report.xlsx");
    ok(&pantau(&[
        "report",
        "--bundle",
        &sample_bundle(),
        "--format",
        "xlsx",
        "--output",
        xlsx.to_str().unwrap(),
    ]));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));

    // The final evaluation defaults to the end date; before it, it is refused.
    let pdf = dir.join("final.pdf");
    ok(&pantau(&[
        "report",
        "--bundle",
        &sample_bundle(),
        "--kind",
        "final",
        "--format",
        "pdf",
        "--output",
        pdf.to_str().unwrap(),
    ]));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let early = pantau(&[
        "report",
        "--bundle",
        &sample_bundle(),
        "--kind",
        "final",
        "--format",
        "pdf",
        "--as-of",
        "2025-04-25",
        "--output",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(early.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&early.stderr).contains("end date"));
}

#[test]
fn import_xlsx_writes_a_filled_template_into_the_database() {
    let dir = scratch("import");
    let database = format!("sqlite:{}", dir.join("pantau.db").display());
    // The sample's plan as a template, from the report crate's writer.
    let bundle = pantau_domain::parse(&std::fs::read_to_string(sample_bundle()).unwrap()).unwrap();
    let plan = dir.join("rencana.xlsx");
    std::fs::write(&plan, pantau_report::template::plan(Some(&bundle)).unwrap()).unwrap();
    let entries = dir.join("realisasi.xlsx");
    std::fs::write(
        &entries,
        pantau_report::template::entries(Some(&bundle)).unwrap(),
    )
    .unwrap();

    let refused = pantau(&[
        "import-xlsx",
        plan.to_str().unwrap(),
        "--region",
        "3275",
        "--database",
        &database,
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--region-name"));

    ok(&pantau(&[
        "import-xlsx",
        plan.to_str().unwrap(),
        "--region",
        "3275",
        "--region-name",
        "Kota Bekasi",
        "--database",
        &database,
    ]));
    let out = pantau(&[
        "import-xlsx",
        entries.to_str().unwrap(),
        "--region",
        "3275",
        "--database",
        &database,
    ]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("369 entries"));

    // The database evaluates like the bundle.
    let from_db = pantau(&[
        "evaluate",
        "--region",
        "3275",
        "--database",
        &database,
        "--as-of",
        "2025-04-25",
    ]);
    ok(&from_db);
    let from_bundle = pantau(&["evaluate", &sample_bundle(), "--as-of", "2025-04-25"]);
    let a: serde_json::Value = serde_json::from_slice(&from_db.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&from_bundle.stdout).unwrap();
    assert_eq!(a, b);
}
