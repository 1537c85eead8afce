//! `pantau import` within the program length cap: three years unless
//! `--max-program-years` (or `PANTAU_MAX_PROGRAM_YEARS`) says otherwise.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pantau(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pantau"));
    command
        .args(args)
        .env_remove("PANTAU_MAX_PROGRAM_YEARS")
        .env_remove("PANTAU_DATABASE_URL");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("pantau runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pantau-cli-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// The small bundle with its program stretched to four years.
fn four_year_bundle() -> PathBuf {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/small-bundle.json"),
    )
    .unwrap();
    let mut bundle: serde_json::Value = serde_json::from_str(&text).unwrap();
    let program = &mut bundle["programs"][0];
    program["end"] = "2029-02-20".into();
    program["final_deadline"] = "2029-02-21T09:00:00+07:00".into();
    let path = scratch("four-years.json");
    std::fs::write(&path, serde_json::to_string(&bundle).unwrap()).unwrap();
    path
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_program_longer_than_the_cap_is_refused_and_nothing_is_written() {
    let bundle = four_year_bundle();
    let database = format!("sqlite:{}", scratch("refused.db").display());
    let out = pantau(
        &["import", bundle.to_str().unwrap(), "--database", &database],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let says = stderr(&out);
    assert!(says.contains("programs[0]"), "names the program: {says}");
    assert!(says.contains("1096"), "names the cap: {says}");
    // Nothing was written: the region is not there to export.
    let export = pantau(
        &["export", "--region", "3275", "--database", &database],
        &[],
    );
    assert!(!export.status.success(), "no region after a refused import");
}

#[test]
fn the_cap_is_set_by_flag_or_environment() {
    let bundle = four_year_bundle();
    let by_flag = format!("sqlite:{}", scratch("flag.db").display());
    let out = pantau(
        &[
            "import",
            bundle.to_str().unwrap(),
            "--database",
            &by_flag,
            "--max-program-years",
            "5",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let by_env = format!("sqlite:{}", scratch("env.db").display());
    let out = pantau(
        &["import", bundle.to_str().unwrap(), "--database", &by_env],
        &[("PANTAU_MAX_PROGRAM_YEARS", "5")],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    // A cap below the program is still a refusal.
    let short = format!("sqlite:{}", scratch("short.db").display());
    let out = pantau(
        &[
            "import",
            bundle.to_str().unwrap(),
            "--database",
            &short,
            "--max-program-years",
            "1",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
