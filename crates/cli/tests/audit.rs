//! `pantau audit verify` on SQLite and on PostgreSQL: an intact log passes,
//! a row edited directly in the database is named, with exit code 1.

use std::process::{Command, Output};

use sqlx::{Connection, Executor};

fn pantau(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(args)
        .args(["--database", database])
        .env_remove("PANTAU_DATABASE_URL")
        .output()
        .expect("pantau runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Import the small bundle, add two accounts (three audit records in all),
/// check, edit the second record in the database, check again.
async fn verify_catches_an_edit(database: &str, edit: impl AsyncFnOnce(&str)) {
    let bundle = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/small-bundle.json");
    let imported = pantau(database, &["import", bundle.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    // The import's record says what it brought and the SHA-256 of the file.
    {
        let store = pantau_store::connect(database).await.unwrap();
        let log = store.audit_log("3275", 10).await.unwrap();
        let detail = log[0].after.as_ref().unwrap();
        assert_eq!(log[0].action, "import");
        let bytes = std::fs::read(&bundle).unwrap();
        let source = pantau_store::ImportSource::of(None, &bytes);
        assert_eq!(detail["source"]["sha256"], source.sha256.as_str());
        assert_eq!(detail["source"]["bytes"], bytes.len());
        assert!(detail["programs"].as_u64().unwrap() > 0, "{detail}");
        assert!(detail["targets"].as_u64().unwrap() > 0, "{detail}");
        assert!(detail.get("entries_added").is_some(), "{detail}");
    }
    for name in ["satu", "dua"] {
        let out = pantau(
            database,
            &["user", "add", name, "--region", "3275", "--role", "leader"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let intact = pantau(database, &["audit", "verify", "--region", "3275"]);
    assert!(intact.status.success(), "{}", stderr(&intact));
    assert!(
        stdout(&intact).contains("the audit chain holds (3 record(s) checked)"),
        "{}",
        stdout(&intact)
    );

    edit(
        "UPDATE audit_log SET actor = 'orang-lain' WHERE id = (SELECT MIN(id) + 1 FROM audit_log)",
    )
    .await;
    let broken = pantau(database, &["audit", "verify", "--region", "3275"]);
    assert_eq!(broken.status.code(), Some(1), "{}", stderr(&broken));
    assert!(
        stderr(&broken).contains("the audit chain is broken: record")
            && stderr(&broken).contains("(1 record(s) before it hold)"),
        "{}",
        stderr(&broken)
    );

    let unknown = pantau(database, &["audit", "verify", "--region", "9999"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));
}

#[tokio::test]
async fn verify_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("pantau-cli-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _ = std::fs::remove_file(dir.join("audit.db"));
    let database = format!("sqlite:{}", dir.join("audit.db").display());
    verify_catches_an_edit(&database, async |sql: &str| {
        let mut conn = sqlx::SqliteConnection::connect(&database).await.unwrap();
        conn.execute(sql).await.unwrap();
    })
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn verify_on_postgres() {
    let server = std::env::var("PANTAU_TEST_POSTGRES_URL").expect(
        "PANTAU_TEST_POSTGRES_URL is not set: run eval \"$(scripts/postgres start)\" first",
    );
    let name = format!("pantau_cli_audit_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
    admin
        .execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
        .await
        .unwrap();
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    let database = format!("{base}/{name}");
    verify_catches_an_edit(&database, async |sql: &str| {
        let mut conn = sqlx::PgConnection::connect(&database).await.unwrap();
        conn.execute(sql).await.unwrap();
    })
    .await;
    admin
        .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
        .await
        .unwrap();
}
