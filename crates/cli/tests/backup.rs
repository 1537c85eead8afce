//! `pantau backup` while writes go on, and `pantau restore`: the restored
//! database exports and evaluates exactly as the original, its audit chain
//! holds, and the evidence files come back byte for byte.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

fn pantau(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(args)
        .env_remove("PANTAU_DATABASE_URL")
        .env_remove("PANTAU_EVIDENCE_DIR")
        .output()
        .expect("pantau runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
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

/// The region exports and evaluates (at `as_of_dates`) the same on both databases.
fn assert_same_figures(original: &str, restored: &str, as_of_dates: &[&str]) {
    for as_of in as_of_dates {
        let evaluate = |database: &str| {
            ok(&pantau(&[
                "evaluate",
                "--region",
                "3275",
                "--database",
                database,
                "--as-of",
                as_of,
            ]))
        };
        assert_eq!(evaluate(original), evaluate(restored), "as of {as_of}");
    }
    let export = |database: &str| {
        ok(&pantau(&[
            "export",
            "--region",
            "3275",
            "--database",
            database,
        ]))
    };
    assert_eq!(export(original), export(restored));
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bekasi-100hk.json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_writes_restores_to_identical_evaluations() {
    let dir = std::env::temp_dir().join(format!("pantau-cli-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let original = format!("sqlite:{}", dir.join("asli.db").display());
    let evidence = dir.join("bukti");
    std::fs::create_dir_all(evidence.join("3275/2025")).unwrap();
    let photo: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(evidence.join("3275/2025/foto-posyandu.jpg"), &photo).unwrap();
    std::fs::write(evidence.join("surat.pdf"), b"%PDF-1.4 surat").unwrap();
    ok(&pantau(&[
        "import",
        sample().to_str().unwrap(),
        "--database",
        &original,
    ]));

    // A writer appends audit records, as a busy server does, during the backup.
    let store = pantau_store::connect(&original).await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU32::new(0));
    let writer = {
        let (stop, written) = (stop.clone(), written.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let n = written.fetch_add(1, Ordering::Relaxed);
                store
                    .append_audit(
                        Some("3275"),
                        &pantau_store::Actor::cli(),
                        pantau_store::NewAudit {
                            action: "burst".into(),
                            entity: "test".into(),
                            entity_id: Some(n.to_string()),
                            before: None,
                            after: None,
                        },
                    )
                    .await
                    .unwrap();
            }
        })
    };
    while written.load(Ordering::Relaxed) < 20 {
        tokio::task::yield_now().await;
    }
    let archive = dir.join("cadangan.zip");
    let backup = {
        let (original, archive, evidence) = (original.clone(), archive.clone(), evidence.clone());
        tokio::task::spawn_blocking(move || {
            pantau(&[
                "backup",
                "--database",
                &original,
                "--output",
                archive.to_str().unwrap(),
                "--evidence-dir",
                evidence.to_str().unwrap(),
            ])
        })
        .await
        .unwrap()
    };
    let during = written.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    let said = ok(&backup);
    assert!(
        said.contains("1 region(s) (3275), 2 evidence file(s)"),
        "{said}"
    );
    assert!(during > 20, "writes went on during the backup");

    let restored = format!("sqlite:{}", dir.join("pulih/pantau.db").display());
    let restored_evidence = dir.join("pulih/bukti");
    let said = ok(&pantau(&[
        "restore",
        archive.to_str().unwrap(),
        "--database",
        &restored,
        "--evidence-dir",
        restored_evidence.to_str().unwrap(),
    ]));
    assert!(
        said.contains("1 region(s) (3275) valid with intact audit chains"),
        "{said}"
    );

    assert_same_figures(
        &original,
        &restored,
        &["2025-03-01", "2025-04-25", "2025-05-21"],
    );
    assert_eq!(
        std::fs::read(restored_evidence.join("3275/2025/foto-posyandu.jpg")).unwrap(),
        photo
    );
    assert_eq!(
        std::fs::read(restored_evidence.join("surat.pdf")).unwrap(),
        b"%PDF-1.4 surat"
    );
    let verify = ok(&pantau(&[
        "audit",
        "verify",
        "--region",
        "3275",
        "--database",
        &restored,
    ]));
    assert!(verify.contains("the audit chain holds"), "{verify}");

    // Nothing is overwritten without --force, and no backup over an existing file.
    refused(
        &pantau(&[
            "restore",
            archive.to_str().unwrap(),
            "--database",
            &restored,
            "--evidence-dir",
            restored_evidence.to_str().unwrap(),
        ]),
        "--force",
    );
    refused(
        &pantau(&[
            "backup",
            "--database",
            &original,
            "--output",
            archive.to_str().unwrap(),
            "--evidence-dir",
            evidence.to_str().unwrap(),
        ]),
        "exists already",
    );
    refused(
        &pantau(&[
            "backup",
            "--database",
            "postgres://nobody@127.0.0.1:1/none",
            "--output",
            dir.join("pg.zip").to_str().unwrap(),
        ]),
        "pg_dump",
    );
    std::fs::write(dir.join("bukan.zip"), b"not a zip").unwrap();
    refused(
        &pantau(&[
            "restore",
            dir.join("bukan.zip").to_str().unwrap(),
            "--database",
            &format!("sqlite:{}", dir.join("lain.db").display()),
        ]),
        "not a Pantau backup",
    );
    assert!(
        !dir.join("lain.db").exists(),
        "a refused restore writes nothing"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// docs/deploy.md's PostgreSQL steps, as written there: pg_dump while writes
/// go on, pg_restore into a new database, `pantau audit verify`; the restored
/// region exports and evaluates as the original.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgresql_steps_of_the_deploy_guide_restore_identically() {
    use sqlx::{Connection, Executor};
    let server = std::env::var("PANTAU_TEST_POSTGRES_URL").expect(
        "PANTAU_TEST_POSTGRES_URL is not set: run eval \"$(scripts/postgres start)\" first",
    );
    let (base, _) = server.rsplit_once('/').unwrap();
    let names = [
        format!("pantau_backup_src_{}", std::process::id()),
        format!("pantau_backup_dst_{}", std::process::id()),
    ];
    let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
    for name in &names {
        admin
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await
            .unwrap();
    }
    admin
        .execute(format!("CREATE DATABASE {}", names[0]).as_str())
        .await
        .unwrap();
    let original = format!("{base}/{}", names[0]);
    let restored = format!("{base}/{}", names[1]);
    ok(&pantau(&[
        "import",
        sample().to_str().unwrap(),
        "--database",
        &original,
    ]));

    let store = pantau_store::connect(&original).await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                store
                    .append_audit(
                        Some("3275"),
                        &pantau_store::Actor::cli(),
                        pantau_store::NewAudit {
                            action: "burst".into(),
                            entity: "test".into(),
                            entity_id: Some(n.to_string()),
                            before: None,
                            after: None,
                        },
                    )
                    .await
                    .unwrap();
            }
        })
    };
    let dump = std::env::temp_dir().join(format!("{}.dump", names[0]));
    let run = |program: &str, args: Vec<String>| {
        let out = Command::new(program).args(&args).output().expect(program);
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let dumped = {
        let (original, dump) = (original.clone(), dump.clone());
        tokio::task::spawn_blocking(move || {
            // docs/deploy.md: pg_dump --format=custom --file=pantau.dump "$PANTAU_DATABASE_URL"
            let out = Command::new("pg_dump")
                .args(["--format=custom", "--file"])
                .arg(&dump)
                .arg(&original)
                .output()
                .expect("pg_dump");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        })
    };
    dumped.await.unwrap();
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    // docs/deploy.md: createdb, then pg_restore --no-owner --dbname=NEW pantau.dump
    admin
        .execute(format!("CREATE DATABASE {}", names[1]).as_str())
        .await
        .unwrap();
    run(
        "pg_restore",
        vec![
            "--no-owner".into(),
            format!("--dbname={restored}"),
            dump.display().to_string(),
        ],
    );
    let verify = ok(&pantau(&[
        "audit",
        "verify",
        "--region",
        "3275",
        "--database",
        &restored,
    ]));
    assert!(verify.contains("the audit chain holds"), "{verify}");
    assert_same_figures(&original, &restored, &["2025-03-01", "2025-05-21"]);
    let _ = std::fs::remove_file(&dump);
    for name in &names {
        admin
            .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
            .await
            .unwrap();
    }
}
