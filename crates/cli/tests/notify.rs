//! `pantau serve` refuses unusable reminder settings before it opens the
//! database or listens, naming the flag.

use std::process::{Command, Output};

fn serve(args: &[&str]) -> Output {
    let dir = std::env::temp_dir().join(format!("pantau-cli-notify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = format!("sqlite:{}", dir.join("never-opened.db").display());
    let out = Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["serve", "--database", &database, "--listen", "127.0.0.1:0"])
        .args(args)
        .env_remove("PANTAU_SMTP_URL")
        .env_remove("PANTAU_SMTP_FROM")
        .env_remove("PANTAU_WEBHOOK_URL")
        .env_remove("PANTAU_REMINDER_OFFSETS")
        .output()
        .expect("pantau runs");
    assert!(
        !dir.join("never-opened.db").exists(),
        "the database was opened before the settings were checked"
    );
    out
}

fn refused_with(out: &Output, expected: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for text in expected {
        assert!(stderr.contains(text), "{text:?} in {stderr}");
    }
}

#[test]
fn offsets_after_the_deadline_are_refused() {
    let out = serve(&[
        "--smtp-url",
        "smtp://127.0.0.1:2525",
        "--smtp-from",
        "pantau@example.go.id",
        "--reminder-offsets",
        "-1d@15:00,1d@07:00",
    ]);
    refused_with(
        &out,
        &["--reminder-offsets", "\"1d@07:00\"", "before the deadline"],
    );
}

#[test]
fn malformed_offsets_are_refused() {
    let out = serve(&[
        "--webhook-url",
        "http://127.0.0.1:9/hook",
        "--reminder-offsets",
        "-1d@25:00",
    ]);
    refused_with(
        &out,
        &["--reminder-offsets", "\"25:00\" is not a time of day"],
    );
}

#[test]
fn smtp_url_needs_a_from_address() {
    let out = serve(&["--smtp-url", "smtp://127.0.0.1:2525"]);
    refused_with(&out, &["--smtp-from", "PANTAU_SMTP_FROM"]);
}

#[test]
fn unusable_smtp_url_and_from_are_refused() {
    let out = serve(&[
        "--smtp-url",
        "imap://mail.example",
        "--smtp-from",
        "pantau@example.go.id",
    ]);
    refused_with(&out, &["--smtp-url", "imap://mail.example"]);
    let out = serve(&[
        "--smtp-url",
        "smtp://127.0.0.1:2525",
        "--smtp-from",
        "not an address",
    ]);
    refused_with(&out, &["--smtp-from", "not an address"]);
}

#[test]
fn unusable_webhook_url_is_refused() {
    let out = serve(&["--webhook-url", "gateway.example/hook"]);
    refused_with(&out, &["--webhook-url", "gateway.example/hook"]);
}
