//! `kill -9` under a burst of reports: operators post entries from several
//! connections at once, the server is killed (SIGKILL, no shutdown of any
//! kind) in the middle of it, and after a restart on the same database every
//! entry the server acknowledged with 201 is there, with what was sent.
//!
//! SQLite runs as Pantau opens it: WAL with `synchronous=NORMAL`. A commit is
//! in the WAL file, written to the operating system, before it returns, so a
//! process kill loses nothing; only a power loss may lose the last commits in
//! that mode, which no process-level test can show.
//!
//! PostgreSQL runs on a server of the test's own, with its durable defaults
//! (`fsync`, `synchronous_commit` and `full_page_writes` on), not the shared
//! test server, which turns `fsync` off for speed.

mod serving;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serving::{Server, ok, pantau, request, scratch};

/// Concurrent clients of the burst.
const CLIENTS: usize = 8;
/// Acknowledged reports before the kill: enough that it lands mid-burst.
const ACKED_BEFORE_KILL: usize = 150;

/// Every entry of the region through the API, by id: its note.
fn stored_notes(addr: SocketAddr, token: &str) -> HashMap<i64, String> {
    let mut notes = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/entries?limit=1000&cursor={c}"),
            None => "/api/v1/entries?limit=1000".to_owned(),
        };
        let (status, body) = request(addr, "GET", &path, token, "").expect("the list answers");
        assert_eq!(status, 200, "{body}");
        let page: serde_json::Value = serde_json::from_str(&body).unwrap();
        for item in page["items"].as_array().unwrap() {
            notes.insert(
                item["id"].as_i64().unwrap(),
                item["note"].as_str().unwrap_or_default().to_owned(),
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return notes,
        }
    }
}

/// The whole test on one database: set up, burst, kill, restart, compare.
fn acknowledged_reports_survive_a_kill(database: &str, dir: &Path) {
    let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/small-bundle.json");
    ok(&pantau(database, &["import", bundle.to_str().unwrap()]));
    ok(&pantau(
        database,
        &[
            "user", "add", "op-burst", "--region", "3275", "--role", "operator", "--unit", "DP3A",
        ],
    ));
    let token = ok(&pantau(
        database,
        &["user", "token", "op-burst", "--name", "burst"],
    ))
    .trim()
    .to_owned();
    assert!(!token.is_empty());

    let mut server = Server::start(database, dir);
    let addr = server.addr;
    // id -> the note sent, for every report answered with 201.
    let acked: Arc<Mutex<HashMap<i64, String>>> = Arc::default();
    // Any other answer before the kill: the burst itself must be accepted.
    let refused: Arc<Mutex<Vec<String>>> = Arc::default();
    let killed = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (acked, refused, killed, token) = (
                acked.clone(),
                refused.clone(),
                killed.clone(),
                token.clone(),
            );
            std::thread::spawn(move || {
                for n in 0.. {
                    let note = format!("burst client {client} report {n}");
                    let body = serde_json::json!({
                        "program": "100HK",
                        "target": "DP3A-01",
                        "activity_date": "2025-03-05",
                        "value": 1,
                        "note": note,
                    })
                    .to_string();
                    match request(addr, "POST", "/api/v1/entries", &token, &body) {
                        Ok((201, answer)) => {
                            let created: serde_json::Value =
                                serde_json::from_str(&answer).expect("201 names the id");
                            let id = created["id"].as_i64().expect("an id");
                            acked.lock().unwrap().insert(id, note);
                        }
                        // The server is gone: this client's burst ends.
                        _ if killed.load(Ordering::SeqCst) => return,
                        Ok((status, answer)) => {
                            refused.lock().unwrap().push(format!("{status}: {answer}"));
                        }
                        Err(err) => {
                            refused.lock().unwrap().push(err.to_string());
                            return;
                        }
                    }
                }
            })
        })
        .collect();

    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < ACKED_BEFORE_KILL {
        assert!(
            Instant::now() < deadline,
            "only {} reports acknowledged in 30 s; refused: {:?}",
            acked.lock().unwrap().len(),
            refused.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    killed.store(true, Ordering::SeqCst);
    server.kill();
    for client in clients {
        client.join().unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(refused.lock().unwrap().is_empty(), "{:?}", refused);

    let server = Server::start(database, dir);
    let stored = stored_notes(server.addr, &token);
    let unanswered = stored.values().filter(|n| n.starts_with("burst ")).count() - acked.len();
    eprintln!(
        "{database}: {} reports acknowledged before the kill, {unanswered} more stored but unanswered",
        acked.len()
    );
    let mut lost: Vec<_> = acked
        .iter()
        .filter(|(id, note)| stored.get(id) != Some(note))
        .collect();
    lost.sort();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged reports lost or changed after the kill: {lost:?}",
        lost.len(),
        acked.len()
    );
    // The database still takes reports after the restart.
    let (status, body) = request(
        server.addr,
        "POST",
        "/api/v1/entries",
        &token,
        r#"{"program":"100HK","target":"DP3A-01","activity_date":"2025-03-06","value":1}"#,
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
}

#[test]
fn sqlite_keeps_every_acknowledged_report_after_kill_9() {
    let dir = scratch("sqlite");
    let database = format!("sqlite:{}", dir.join("pantau.db").display());
    acknowledged_reports_survive_a_kill(&database, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A PostgreSQL server of the test's own, with fsync on, stopped when dropped.
struct DurablePostgres {
    url: String,
    data: String,
}

impl DurablePostgres {
    fn start() -> DurablePostgres {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/postgres");
        let out = Command::new(script)
            .arg("start")
            .env("PANTAU_TEST_PG_DURABLE", "1")
            // Clear of the shared test server's usual ports; the script steps past taken ones.
            .env(
                "PANTAU_TEST_PG_PORT",
                (58_000 + std::process::id() % 2_000).to_string(),
            )
            .stderr(Stdio::inherit())
            .output()
            .expect("scripts/postgres runs");
        let printed = ok(&out);
        let value = |name: &str| {
            printed
                .lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                .unwrap_or_else(|| panic!("scripts/postgres printed no {name}: {printed}"))
                .to_owned()
        };
        DurablePostgres {
            url: value("PANTAU_TEST_POSTGRES_URL"),
            data: value("PANTAU_TEST_PG_DATA"),
        }
    }

    fn setting(&self, name: &str) -> String {
        use sqlx::Connection;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
            let (value,): (String,) = sqlx::query_as(&format!("SHOW {name}"))
                .fetch_one(&mut conn)
                .await
                .unwrap();
            value
        })
    }
}

impl Drop for DurablePostgres {
    fn drop(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/postgres");
        let _ = Command::new(script).args(["stop", &self.data]).status();
    }
}

#[test]
fn postgres_with_fsync_keeps_every_acknowledged_report_after_kill_9() {
    let postgres = DurablePostgres::start();
    for setting in ["fsync", "synchronous_commit", "full_page_writes"] {
        assert_eq!(postgres.setting(setting), "on", "{setting}");
    }
    let dir = scratch("postgres");
    acknowledged_reports_survive_a_kill(&postgres.url, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}
