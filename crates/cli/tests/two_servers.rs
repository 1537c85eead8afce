//! Two `pantau serve` processes on one PostgreSQL, as a province runs them
//! behind a load balancer: a report written through one shows in the
//! other's figures within a second, learnt from PostgreSQL's notification
//! of the commit rather than from a version query per request.

mod serving;

use std::time::{Duration, Instant};

use serving::{Server, ok, pantau, request, scratch};

/// The realisation of target DP3A-01 in the evaluation a server answers, as
/// of tomorrow: a report sent today counts.
fn realised(server: &Server, token: &str) -> serde_json::Value {
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    let (status, body) = request(
        server.addr,
        "GET",
        &format!("/api/v1/programs/100HK/evaluation?as_of={tomorrow}"),
        token,
        "",
    )
    .expect("the evaluation answers");
    assert_eq!(status, 200, "{body}");
    let evaluation: serde_json::Value = serde_json::from_str(&body).unwrap();
    evaluation["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "DP3A-01")
        .expect("the target is evaluated")["realized"]
        .clone()
}

#[test]
fn a_report_through_one_server_shows_on_the_other_within_a_second() {
    let server_url = std::env::var("PANTAU_TEST_POSTGRES_URL").expect(
        "PANTAU_TEST_POSTGRES_URL is not set: run eval \"$(scripts/postgres start)\" first",
    );
    let name = format!("pantau_two_servers_{}", std::process::id());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let admin_sql = |sql: String| {
        runtime.block_on(async {
            use sqlx::{Connection, Executor};
            let mut admin = sqlx::PgConnection::connect(&server_url).await.unwrap();
            admin.execute(sql.as_str()).await.unwrap();
        })
    };
    admin_sql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    admin_sql(format!("CREATE DATABASE {name}"));
    let (base, _) = server_url.rsplit_once('/').unwrap();
    let database = format!("{base}/{name}");

    let bundle = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/small-bundle.json");
    ok(&pantau(&database, &["import", bundle.to_str().unwrap()]));
    for (user, role, unit) in [
        ("op", "operator", Some("DP3A")),
        ("pimpinan", "leader", None),
    ] {
        let mut args = vec!["user", "add", user, "--region", "3275", "--role", role];
        if let Some(unit) = unit {
            args.extend(["--unit", unit]);
        }
        ok(&pantau(&database, &args));
    }
    let token = |user: &str| {
        ok(&pantau(
            &database,
            &["user", "token", user, "--name", "uji"],
        ))
        .trim()
        .to_owned()
    };
    let (operator, leader) = (token("op"), token("pimpinan"));

    let dir = scratch("two-servers");
    let writer = Server::start(&database, &dir);
    let reader = Server::start(&database, &dir);
    // The reader has the region cached before the report arrives.
    let before = realised(&reader, &leader);

    let (status, body) = request(
        writer.addr,
        "POST",
        "/api/v1/entries",
        &operator,
        r#"{"program":"100HK","target":"DP3A-01","activity_date":"2025-03-05","value":7}"#,
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let written = Instant::now();
    loop {
        let now = realised(&reader, &leader);
        if now != before {
            eprintln!(
                "the other server showed {before} -> {now} after {:?}",
                written.elapsed()
            );
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "the other server still shows {before} a second after the report"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop((writer, reader));
    admin_sql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    let _ = std::fs::remove_dir_all(&dir);
}
