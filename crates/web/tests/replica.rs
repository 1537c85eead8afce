//! `pantau serve --database-read`: reads from a real PostgreSQL streaming
//! replica (scripts/test starts one with pg_basebackup and exports
//! PANTAU_TEST_PG_REPLICA_URL), with read-your-writes for the caller that
//! wrote. Replay is paused on the replica while a report is written, so the
//! replica is provably behind: the writer sees its report, others do not
//! until replay resumes.

#[macro_use]
mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

/// Replay is paused on the one replica every test shares: one test at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn replica_server() -> Option<String> {
    match std::env::var("PANTAU_TEST_PG_REPLICA_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            eprintln!(
                "skipped: PANTAU_TEST_PG_REPLICA_URL is not set; scripts/test starts a replica \
                 (PANTAU_TEST_PG_REPLICATION=1 scripts/postgres start, then scripts/postgres replica)"
            );
            None
        }
    }
}

/// Replay paused on the replica server until this is dropped (a failing
/// test too, or every later one would wait for it).
struct Paused {
    server: String,
}

async fn admin(server: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(server).await.unwrap()
}

impl Paused {
    async fn pause(server: &str) -> Paused {
        let mut conn = admin(server).await;
        sqlx::query("SELECT pg_wal_replay_pause()")
            .execute(&mut conn)
            .await
            .unwrap();
        let paused = Paused {
            server: server.to_owned(),
        };
        // The pause is asked for; wait until replay has stopped.
        for _ in 0..100 {
            let state: String = sqlx::query_scalar("SELECT pg_get_wal_replay_pause_state()")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            if state == "paused" {
                return paused;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("replay on the replica did not pause");
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        let server = self.server.clone();
        // Drop cannot await: a runtime of its own on a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut conn = admin(&server).await;
                sqlx::query("SELECT pg_wal_replay_resume()")
                    .execute(&mut conn)
                    .await
                    .unwrap();
            })
        })
        .join();
    }
}

/// Ask `seen` every 100 ms for up to 10 seconds; whether it said yes.
async fn eventually<F, Fut>(mut seen: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if seen().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// A report of DP3A-01 through the week page's form, with `note`.
async fn report_through_the_page(operator: &Browser, note: &str) {
    let csrf = csrf_in(&operator.get("/lapor").await.1);
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("program", "100HK")
        .text("target", "DP3A-01")
        .text("activity_date", "2025-05-10")
        .text("value", "1")
        .text("note", note.to_owned());
    let response = operator
        .client
        .post(format!("{}/lapor", operator.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the report is taken: {}",
        response.text().await.unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_read_the_replica_and_the_writer_reads_its_own_report() {
    let Some(server) = replica_server() else {
        return;
    };
    let _one = ONE_AT_A_TIME.lock().await;
    let app = spawn_app_reading_replica(&server).await;
    let operator = app.logged_in("op-dp3a").await;
    let evaluator = app.logged_in("asda1").await;
    let note = "laporan lewat replika";
    let paused = Paused::pause(&server).await;

    report_through_the_page(&operator, note).await;
    // The writer's own next pages come from the main database: its history
    // lists the report, and the dashboard's figures count it.
    let (status, history) = operator.get("/lapor/riwayat").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        history.contains(note),
        "the writer sees its report: {history}"
    );
    // Anyone else reads the replica, paused before the report.
    let (status, queue) = evaluator.get("/verifikasi").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !queue.contains(note),
        "the evaluator's queue comes from the paused replica"
    );
    let (_, history) = operator.get("/lapor/riwayat").await;
    assert!(history.contains(note), "and the writer still sees it");

    drop(paused);
    assert!(
        eventually(|| async { evaluator.get("/verifikasi").await.1.contains(note) }).await,
        "once the replica replays the report the evaluator sees it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_reads_honour_the_writing_tokens_own_writes() {
    let Some(server) = replica_server() else {
        return;
    };
    let _one = ONE_AT_A_TIME.lock().await;
    let app = spawn_app_reading_replica(&server).await;
    let actor = pantau_store::Actor::cli();
    let writer = app
        .store
        .create_api_token("op-dp3a", "replica test", &actor)
        .await
        .unwrap();
    let reader = app
        .store
        .create_api_token("asda1", "replica test", &actor)
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let ids = |token: String| {
        let client = client.clone();
        let url = format!("{}/api/v1/entries?limit=200&target=DP3A-01", app.base);
        async move {
            let page: Value = client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            page["items"]
                .as_array()
                .expect("a page of entries")
                .iter()
                .map(|e| e["id"].as_i64().unwrap())
                .collect::<Vec<i64>>()
        }
    };
    let paused = Paused::pause(&server).await;

    let response = client
        .post(format!("{}/api/v1/entries", app.base))
        .bearer_auth(&writer)
        .json(&json!({"program": "100HK", "target": "DP3A-01", "activity_date": "2025-05-12", "value": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_i64().expect("the new entry's id");

    assert!(
        ids(writer.clone()).await.contains(&id),
        "the token that wrote reads its entry"
    );
    assert!(
        !ids(reader.clone()).await.contains(&id),
        "another token reads the paused replica"
    );

    drop(paused);
    assert!(
        eventually(|| {
            let ids = ids(reader.clone());
            async move { ids.await.contains(&id) }
        })
        .await,
        "once the replica replays the entry the other token reads it too"
    );
}

/// The evaluation cache asked through a store that lags the one it was
/// brought up from (a replica a moment behind, here an older copy of a
/// SQLite database) keeps its newer model: a plan change does not go back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_keeps_a_newer_model_than_a_lagging_store_has() {
    let dir = std::env::temp_dir().join(unique("pantau_lagging"));
    std::fs::create_dir_all(&dir).unwrap();
    let main = pantau_store::connect(&format!("sqlite:{}", dir.join("main.db").display()))
        .await
        .unwrap();
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/bekasi-100hk.json"
    ))
    .unwrap();
    let actor = pantau_store::Actor::cli();
    main.import_bundle(
        &pantau_domain::parse(&sample).unwrap(),
        pantau_store::ImportMode::NewRegion,
        &actor,
    )
    .await
    .unwrap();
    let lagging_path = dir.join("lagging.db");
    main.snapshot_into(&lagging_path).await.unwrap();
    let lagging = pantau_store::connect(&format!("sqlite:{}", lagging_path.display()))
        .await
        .unwrap();
    // A plan change on the main database only.
    let mut renamed: Value = serde_json::from_str(&sample).unwrap();
    renamed["units"][0]["name"] = "Sekretariat Daerah (baru)".into();
    main.import_bundle(
        &pantau_domain::parse(&renamed.to_string()).unwrap(),
        pantau_store::ImportMode::Merge,
        &actor,
    )
    .await
    .unwrap();
    let old = lagging.region_version("3275").await.unwrap();
    let new = main.region_version("3275").await.unwrap();
    assert!(new.plan > old.plan, "{old:?} {new:?}");

    let cache = pantau_web::evaluation::Cache::default();
    let (version, _) = cache.current(lagging.as_ref(), "3275").await.unwrap();
    assert_eq!(version, old);
    let (version, region) = cache.current(main.as_ref(), "3275").await.unwrap();
    assert_eq!(version, new);
    assert_eq!(region.units[0].name, "Sekretariat Daerah (baru)");
    let (version, region) = cache.current(lagging.as_ref(), "3275").await.unwrap();
    assert_eq!(
        version, new,
        "the cache does not go back to the lagging store's model"
    );
    assert_eq!(region.units[0].name, "Sekretariat Daerah (baru)");
    drop((main, lagging));
    let _ = std::fs::remove_dir_all(&dir);
}
