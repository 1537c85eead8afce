//! `pantau user add` and `pantau user profile`: the holder's full name and NIP;
//! `pantau user token --list/--revoke`, and sessions ended by `passwd` and `disable`.

use std::process::{Command, Output};

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn refused(out: &Output, says: &str) {
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(says), "{stderr}");
}

#[tokio::test]
async fn user_add_and_profile_set_the_full_name_and_nip() {
    let dir = std::env::temp_dir().join(format!("pantau-cli-user-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _ = std::fs::remove_file(dir.join("user.db"));
    let database = format!("sqlite:{}", dir.join("user.db").display());
    let bundle = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/small-bundle.json");
    let pantau = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pantau"))
            .args(args)
            .args(["--database", &database])
            .env_remove("PANTAU_DATABASE_URL")
            .output()
            .expect("pantau runs")
    };
    ok(&pantau(&["import", bundle.to_str().unwrap()]));

    let added = pantau(&[
        "user",
        "add",
        "asda1",
        "--region",
        "3275",
        "--role",
        "evaluator",
        "--cluster",
        "ASDA1",
        "--full-name",
        "Dr. H. Ahmad Fauzi, M.Si.",
        "--nip",
        "196805121994031002",
    ]);
    ok(&added);
    // A NIP that is not 18 digits is refused, and no account is made.
    refused(
        &pantau(&[
            "user",
            "add",
            "walikota",
            "--region",
            "3275",
            "--role",
            "leader",
            "--nip",
            "19680512 199403 1 002",
        ]),
        "nip: a NIP is 18 digits",
    );

    // What is not given stays; "" clears.
    ok(&pantau(&[
        "user",
        "profile",
        "asda1",
        "--region",
        "3275",
        "--full-name",
        "Ahmad Fauzi",
    ]));
    refused(
        &pantau(&[
            "user", "profile", "asda1", "--region", "3275", "--nip", "123",
        ]),
        "got 3",
    );
    refused(
        &pantau(&["user", "profile", "asda1", "--region", "3216", "--nip", ""]),
        "no user \"asda1\" in region 3216",
    );
    refused(
        &pantau(&["user", "profile", "asda1", "--region", "3275"]),
        "--full-name, --nip",
    );

    let store = pantau_store::connect(&database).await.unwrap();
    assert!(store.user_by_username("walikota").await.unwrap().is_none());
    let asda = store.user_by_username("asda1").await.unwrap().unwrap();
    assert_eq!(asda.full_name.as_deref(), Some("Ahmad Fauzi"));
    assert_eq!(asda.nip.as_deref(), Some("196805121994031002"));
    drop(store);

    ok(&pantau(&[
        "user", "profile", "asda1", "--region", "3275", "--nip", "",
    ]));
    let store = pantau_store::connect(&database).await.unwrap();
    let asda = store.user_by_username("asda1").await.unwrap().unwrap();
    assert_eq!(asda.full_name.as_deref(), Some("Ahmad Fauzi"));
    assert_eq!(asda.nip, None);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn tokens_are_listed_and_revoked_and_a_new_password_ends_the_sessions() {
    let dir = std::env::temp_dir().join(format!("pantau-cli-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _ = std::fs::remove_file(dir.join("token.db"));
    let database = format!("sqlite:{}", dir.join("token.db").display());
    let bundle = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/small-bundle.json");
    let pantau = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pantau"))
            .args(args)
            .args(["--database", &database])
            .env_remove("PANTAU_DATABASE_URL")
            .output()
            .expect("pantau runs")
    };
    let stdout = |out: Output| {
        ok(&out);
        String::from_utf8(out.stdout).unwrap()
    };
    ok(&pantau(&["import", bundle.to_str().unwrap()]));
    ok(&pantau(&[
        "user", "add", "bot", "--region", "3275", "--role", "leader",
    ]));
    let first = stdout(pantau(&[
        "user",
        "token",
        "bot",
        "--name",
        "dasbor dinding",
    ]));
    let second = stdout(pantau(&["user", "token", "bot", "--name", "skrip"]));
    assert_ne!(first.trim(), second.trim());

    // Used once through the store's API path: the list shows when.
    let store = pantau_store::connect(&database).await.unwrap();
    let used_at = chrono::DateTime::parse_from_rfc3339("2025-03-01T08:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    store.use_api_token(first.trim(), used_at).await.unwrap();
    drop(store);
    let list = stdout(pantau(&["user", "token", "bot", "--list"]));
    let lines: Vec<Vec<&str>> = list.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert_eq!(lines[0][1], "dasbor dinding");
    assert_eq!(lines[0][3], "2025-03-01T08:00:00Z");
    assert_eq!((lines[1][1], lines[1][3]), ("skrip", "never"));
    assert!(
        !list.contains(first.trim()),
        "the token itself is never shown again"
    );

    // Revoked: gone from the list and from the store's lookup.
    ok(&pantau(&["user", "token", "bot", "--revoke", lines[0][0]]));
    let list = stdout(pantau(&["user", "token", "bot", "--list"]));
    assert_eq!(list.lines().count(), 1);
    assert!(list.contains("skrip"));
    refused(
        &pantau(&["user", "token", "bot", "--revoke", lines[0][0]]),
        "no api token",
    );
    refused(
        &pantau(&["user", "token", "nobody", "--list"]),
        "no user \"nobody\"",
    );
    // A new token needs its name; --list and --name do not go together.
    assert!(!pantau(&["user", "token", "bot"]).status.success());
    assert!(
        !pantau(&["user", "token", "bot", "--list", "--name", "x"])
            .status
            .success()
    );
    let store = pantau_store::connect(&database).await.unwrap();
    assert!(
        store
            .user_by_api_token(first.trim())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .user_by_api_token(second.trim())
            .await
            .unwrap()
            .is_some()
    );

    // `user passwd` ends every session of the account; `user disable` as well.
    let session = || pantau_store::SessionWrite {
        data: "{}",
        expires_at: chrono::Utc::now() + chrono::Duration::hours(12),
        username: Some("bot"),
    };
    let now = chrono::Utc::now();
    assert!(store.session_create("one", &session(), now).await.unwrap());
    drop(store);
    ok(&pantau(&["user", "passwd", "bot"]));
    let store = pantau_store::connect(&database).await.unwrap();
    assert!(store.session_load("one").await.unwrap().is_none());
    assert!(store.session_create("two", &session(), now).await.unwrap());
    drop(store);
    ok(&pantau(&["user", "disable", "bot"]));
    let store = pantau_store::connect(&database).await.unwrap();
    assert!(store.session_load("two").await.unwrap().is_none());
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
