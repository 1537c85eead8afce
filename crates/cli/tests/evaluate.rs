//! The `pantau` binary end to end: arguments, exit status, JSON and table output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pantau(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(args)
        .env_remove("PANTAU_LANG")
        .output()
        .expect("pantau runs")
}

fn small_bundle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/small-bundle.json")
}

fn sample_bundle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bekasi-100hk.json")
}

fn write_temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pantau-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn evaluate_prints_the_documented_figures() {
    let out = pantau(&[
        "evaluate",
        small_bundle().to_str().unwrap(),
        "--as-of",
        "2025-04-25",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["program"], "100HK");
    assert_eq!(doc["as_of"], "2025-04-25T23:59:59+07:00");
    assert_eq!(doc["day"], 63);
    assert_eq!(doc["days_total"], 88);
    assert_eq!(doc["periods"].as_array().unwrap().len(), 13);
    let target = &doc["targets"][0];
    assert_eq!(target["code"], "DP3A-01");
    assert_eq!(target["realized"], 95.0);
    assert_eq!(target["expected"], 80.0);
    assert_eq!(target["achievement_pct"], 79.17);
    assert_eq!(target["rating"], "tinggi");
    assert_eq!(target["progress"], 1.19);
    assert_eq!(target["status"], "on_track");
    assert_eq!(target["projected"], 133.31);
    assert_eq!(target["likely_to_miss"], false);
    // The documented order of the top-level keys (two-space indent in the pretty output).
    let text = String::from_utf8(out.stdout).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  \"")?.split('"').next())
        .collect();
    assert_eq!(
        keys,
        [
            "program",
            "as_of",
            "day",
            "days_total",
            "periods",
            "targets",
            "units",
            "priorities",
            "clusters",
            "summary"
        ]
    );
}

#[test]
fn verified_only_leaves_out_submitted_entries() {
    let out = pantau(&[
        "evaluate",
        small_bundle().to_str().unwrap(),
        "--as-of",
        "2025-04-25",
        "--verified-only",
    ]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["targets"][0]["realized"], 12.0);
}

#[test]
fn a_refused_bundle_lists_every_problem_and_exits_2() {
    let mut bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(small_bundle()).unwrap()).unwrap();
    bundle["programs"][0]["targets"][1]["unit"] = "DP3X".into();
    bundle["programs"][0]["entries"][0]["activity_date"] = "2025-06-01".into();
    bundle["units"][1]["cluster"] = "ASDA9".into();
    let path = write_temp("refused.json", &bundle.to_string());
    let out = pantau(&["evaluate", path.to_str().unwrap(), "--as-of", "2025-04-25"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stdout.is_empty(),
        "nothing is printed for a refused bundle"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("units[1].cluster: unknown cluster \"ASDA9\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("programs[0].targets[1].unit: unknown unit \"DP3X\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("programs[0].entries[0].activity_date: 2025-06-01 is outside the program"),
        "{stderr}"
    );
}

#[test]
fn a_type_error_names_its_path() {
    let mut bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(small_bundle()).unwrap()).unwrap();
    bundle["programs"][0]["entries"][1]["value"] = "banyak".into();
    let path = write_temp("type-error.json", &bundle.to_string());
    let out = pantau(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("programs[0].entries[1].value"), "{stderr}");
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let bundle = small_bundle();
    let bundle = bundle.to_str().unwrap();
    let out = pantau(&["evaluate", bundle, "--as-of", "25/04/2025"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--as-of"));

    let out = pantau(&["evaluate", bundle, "--program", "RPJMD"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no program \"RPJMD\""));

    let out = pantau(&["evaluate", "/nonexistent/bundle.json"]);
    assert_eq!(out.status.code(), Some(2));

    let out = pantau(&["evaluate", bundle, "--format", "xml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn several_programs_need_program_flag() {
    let mut bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(small_bundle()).unwrap()).unwrap();
    let mut second = bundle["programs"][0].clone();
    second["code"] = "RPJMD-2025".into();
    bundle["programs"].as_array_mut().unwrap().push(second);
    let path = write_temp("two-programs.json", &bundle.to_string());
    let out = pantau(&["evaluate", path.to_str().unwrap(), "--as-of", "2025-04-25"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("100HK, RPJMD-2025"));
    let out = pantau(&[
        "evaluate",
        path.to_str().unwrap(),
        "--as-of",
        "2025-04-25",
        "--program",
        "RPJMD-2025",
    ]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["program"], "RPJMD-2025");
}

#[test]
fn the_table_has_a_line_per_unit_with_its_compliance_strip() {
    let out = pantau(&[
        "evaluate",
        small_bundle().to_str().unwrap(),
        "--as-of",
        "2025-04-25",
        "--format",
        "table",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let dp3a = text
        .lines()
        .find(|l| l.starts_with("DP3A "))
        .expect("a DP3A line");
    assert!(dp3a.contains("Sesuai jalur"), "{dp3a}");
    assert!(dp3a.contains("79,17%"), "{dp3a}");
    assert!(dp3a.ends_with("✗✓✓✗✗✗✗✗✓·"), "{dp3a}");
    assert!(text.contains("Total: 2 target"), "{text}");
    // A date given alone is the end of that day; the day count as everywhere.
    assert!(
        text.contains("Angka per akhir 25 April 2025 · hari ke-63 dari 88"),
        "{text}"
    );
    assert!(
        text.contains("Keterangan: ✓ tepat waktu, ! terlambat, ✗ tidak lapor, · belum jatuh tempo"),
        "{text}"
    );

    let out = pantau(&[
        "evaluate",
        small_bundle().to_str().unwrap(),
        "--as-of",
        "2025-04-25",
        "--format",
        "table",
        "--lang",
        "en",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("On track"), "{text}");
    assert!(
        text.contains("79.17%"),
        "a decimal point in English: {text}"
    );
    let dlh = text
        .lines()
        .find(|l| l.starts_with("DLH "))
        .expect("a DLH line");
    assert!(dlh.contains("(1 not updated for 14 days)"), "{dlh}");
    // Labels are English too, the rating included.
    assert!(dlh.contains("Very low"), "{dlh}");
    assert!(
        text.contains("Figures as of the end of 25 April 2025 · day 63 of 88"),
        "{text}"
    );

    // A moment is written in the program's zone, never as ISO.
    let out = pantau(&[
        "evaluate",
        small_bundle().to_str().unwrap(),
        "--as-of",
        "2025-04-25T02:00:00Z",
        "--format",
        "table",
        "--lang",
        "en",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Figures as of 25 April 2025, 09:00 WIB"),
        "{text}"
    );
    assert!(!text.contains("2025-04-25"), "{text}");

    let out = pantau(&[
        "evaluate",
        small_bundle().to_str().unwrap(),
        "--format",
        "table",
        "--lang",
        "fr",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_sample_bundle_is_accepted_and_evaluates() {
    for as_of in ["2025-04-25", "2025-05-21"] {
        let out = pantau(&[
            "evaluate",
            sample_bundle().to_str().unwrap(),
            "--as-of",
            as_of,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["units"].as_array().unwrap().len(), 44);
        assert_eq!(doc["clusters"].as_array().unwrap().len(), 3);
        assert_eq!(doc["priorities"].as_array().unwrap().len(), 7);
    }
}

#[test]
fn schema_prints_the_bundle_schema() {
    let out = pantau(&["schema"]);
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["title"], "Pantau bundle");
}

#[test]
fn evaluate_reads_a_region_from_the_database_as_from_its_bundle() {
    let dir = std::env::temp_dir().join(format!("pantau-cli-db-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let url = format!("sqlite:{}", dir.join("pantau.db").display());
    let sample = sample_bundle();
    let out = pantau(&["import", sample.to_str().unwrap(), "--database", &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_db = pantau(&[
        "evaluate",
        "--region",
        "3275",
        "--database",
        &url,
        "--as-of",
        "2025-04-25",
    ]);
    assert!(
        from_db.status.success(),
        "{}",
        String::from_utf8_lossy(&from_db.stderr)
    );
    let from_file = pantau(&[
        "evaluate",
        sample.to_str().unwrap(),
        "--as-of",
        "2025-04-25",
    ]);
    assert_eq!(from_db.stdout, from_file.stdout);
    let unknown = pantau(&["evaluate", "--region", "9999", "--database", &url]);
    assert_eq!(unknown.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
