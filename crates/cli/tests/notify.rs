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

/// `pantau outbox` lists what the outbox holds, the failed with their error.
#[tokio::test]
async fn outbox_lists_pending_and_failed_messages() {
    use chrono::{DateTime, Duration, Utc};
    use pantau_store::{Channel, NewMessage, RetryPolicy};

    let dir = std::env::temp_dir().join(format!("pantau-cli-outbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _ = std::fs::remove_file(dir.join("outbox.db"));
    let database = format!("sqlite:{}", dir.join("outbox.db").display());
    let bundle = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/small-bundle.json");
    let pantau = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pantau"))
            .args(args)
            .args(["--database", &database])
            .output()
            .expect("pantau runs")
    };
    let out = pantau(&["import", bundle.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let store = pantau_store::connect(&database).await.unwrap();
    let now: DateTime<Utc> = "2025-02-27T07:00:00Z".parse().unwrap();
    for (key, recipient) in [
        ("k-ok", "dlh@bekasikota.go.id"),
        ("k-bad", "nobody@bekasikota.go.id"),
    ] {
        let message = NewMessage {
            region: "3275".into(),
            key: key.into(),
            channel: Channel::Email,
            recipient: recipient.into(),
            subject: "Pengingat".into(),
            body: "...".into(),
            expires_at: None,
        };
        store.enqueue(&message, now).await.unwrap();
    }
    let claimed = store
        .claim_due(now, Duration::minutes(5), 10)
        .await
        .unwrap();
    let bad = claimed.iter().find(|c| c.message.key == "k-bad").unwrap();
    store
        .mark_failed_attempt(
            bad.message.id,
            &bad.token,
            now,
            "550 5.1.1 no such mailbox",
            true,
            &RetryPolicy::default(),
        )
        .await
        .unwrap();

    let out = pantau(&["outbox", "--region", "3275"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].contains("\tfailed\t2025-02-27T07:00:00Z\t1\temail\tnobody@bekasikota.go.id\tk-bad\t550 5.1.1 no such mailbox"), "{stdout}");
    assert!(
        lines[1]
            .contains("\tpending\t2025-02-27T07:00:00Z\t0\temail\tdlh@bekasikota.go.id\tk-ok\t-"),
        "{stdout}"
    );

    let out = pantau(&["outbox", "--region", "3275", "--status", "failed"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("k-bad"), "{stdout}");

    let out = pantau(&["outbox", "--region", "9999"]);
    refused_with(&out, &["9999"]);
}
