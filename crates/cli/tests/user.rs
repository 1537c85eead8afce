//! `pantau user add` and `pantau user profile`: the holder's full name and NIP.

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
