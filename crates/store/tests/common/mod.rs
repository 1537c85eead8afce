//! Shared helpers of the store's test suite: a fresh, empty, migrated store per
//! test on either backend, the sample bundle, and the engine's evaluation of a
//! bundle as JSON (the contract of bundle.md, "Evaluation output").
//!
//! SQLite: a new database file in the system's temp directory, removed when the
//! test passes. PostgreSQL: a new database on the server named by
//! `PANTAU_TEST_POSTGRES_URL`, dropped when the test passes (kept, and named on
//! standard error, when it fails, to look into).

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use pantau_domain::bundle::Bundle;
use pantau_domain::{Options, evaluate, validate};
use pantau_store::{Actor, Backend, ImportMode, ImportSummary, NewUser, Role, Store};
use serde_json::Value;
use sqlx::{Connection, Executor};

/// The environment variable naming the PostgreSQL server the tests use.
pub const POSTGRES_URL_VAR: &str = "PANTAU_TEST_POSTGRES_URL";

/// The as_of dates at which bundles are compared: before the midpoint, late in
/// the program, and the day after its end (final verdicts, last deadline).
pub const AS_OF_DATES: [&str; 3] = ["2025-03-01", "2025-04-25", "2025-05-21"];

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name no other test (in this process or another) uses.
fn unique_name(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// What a test gets: a fresh store of one backend, and the means to make more
/// of the same backend.
pub struct Db {
    pub backend: Backend,
    pub store: Arc<dyn Store>,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(PathBuf),
    Postgres {
        server_url: String,
        database: String,
    },
}

impl std::ops::Deref for Db {
    type Target = dyn Store;
    fn deref(&self) -> &Self::Target {
        &*self.store
    }
}

impl Db {
    /// A fresh, empty, migrated store of `backend`.
    pub async fn fresh(backend: Backend) -> Db {
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{}.db", unique_name("pantau_test")));
                let url = format!("sqlite:{}", path.display());
                let store = pantau_store::connect(&url)
                    .await
                    .unwrap_or_else(|err| panic!("cannot open a SQLite store at {url}: {err}"));
                Db {
                    backend,
                    store,
                    cleanup: Cleanup::Sqlite(path),
                }
            }
            Backend::Postgres => {
                let server_url = postgres_server_url();
                let database = unique_name("pantau_test");
                let mut admin = sqlx::PgConnection::connect(&server_url)
                    .await
                    .unwrap_or_else(|err| {
                        panic!(
                            "cannot connect to the PostgreSQL server at {server_url} ({POSTGRES_URL_VAR}): {err}\n\
                             Is it running? Start one with: eval \"$(scripts/postgres start)\""
                        )
                    });
                admin
                    .execute(format!("CREATE DATABASE \"{database}\"").as_str())
                    .await
                    .unwrap_or_else(|err| panic!("cannot create database {database}: {err}"));
                admin.close().await.ok();
                let url = with_database(&server_url, &database);
                let store = pantau_store::connect(&url)
                    .await
                    .unwrap_or_else(|err| panic!("cannot open a PostgreSQL store at {url}: {err}"));
                Db {
                    backend,
                    store,
                    cleanup: Cleanup::Postgres {
                        server_url,
                        database,
                    },
                }
            }
        }
    }

    /// A second store on the same database, as a second app server has.
    pub async fn second_store(&self) -> Arc<dyn Store> {
        let url = match &self.cleanup {
            Cleanup::Sqlite(path) => format!("sqlite:{}", path.display()),
            Cleanup::Postgres {
                server_url,
                database,
            } => with_database(server_url, database),
        };
        pantau_store::connect(&url).await.unwrap()
    }

    /// Run SQL on the database directly, behind the store's back, as someone
    /// with access to the database server could.
    pub async fn behind_the_back(&self, sql: &str) {
        match &self.cleanup {
            Cleanup::Sqlite(path) => {
                let mut conn =
                    sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
                        .await
                        .unwrap();
                conn.execute(sql).await.unwrap();
            }
            Cleanup::Postgres {
                server_url,
                database,
            } => {
                let mut conn = sqlx::PgConnection::connect(&with_database(server_url, database))
                    .await
                    .unwrap();
                conn.execute(sql).await.unwrap();
            }
        }
    }

    /// Another fresh, empty store of the same backend.
    pub async fn another(&self) -> Db {
        Db::fresh(self.backend).await
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let failed = std::thread::panicking();
        match &self.cleanup {
            Cleanup::Sqlite(path) => {
                if failed {
                    eprintln!(
                        "keeping the failed test's SQLite database {}",
                        path.display()
                    );
                    return;
                }
                for suffix in ["", "-wal", "-shm"] {
                    let mut name = path.clone().into_os_string();
                    name.push(suffix);
                    let _ = std::fs::remove_file(name);
                }
            }
            Cleanup::Postgres {
                server_url,
                database,
            } => {
                if failed {
                    eprintln!(
                        "keeping the failed test's PostgreSQL database {database} on {server_url}"
                    );
                    return;
                }
                // Best effort, on a thread of its own: Drop cannot await, and
                // the test's runtime may be the current-thread one.
                let server_url = server_url.clone();
                let database = database.clone();
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    runtime.block_on(async {
                        let mut admin = sqlx::PgConnection::connect(&server_url).await.ok()?;
                        let sql = format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
                        admin.execute(sql.as_str()).await.ok()?;
                        admin.close().await.ok()
                    })
                })
                .join();
            }
        }
    }
}

/// The server URL from the environment; fails the test (never skips it) when unset.
pub fn postgres_server_url() -> String {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "{POSTGRES_URL_VAR} is not set: the PostgreSQL half of the store's test suite needs a server.\n\
             Start a throw-away one from the repository root with\n\
             \n    eval \"$(scripts/postgres start)\"\n\n\
             and stop it afterwards with `scripts/postgres stop $PANTAU_TEST_PG_DATA`."
        ),
    }
}

/// `server_url` with its database name replaced by `database`.
pub fn with_database(server_url: &str, database: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

/// Generate each listed test twice, as `sqlite::NAME` and `postgres::NAME`; each
/// test is an `async fn NAME(db: Db)` in the including module.
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::common::Db::fresh(pantau_store::Backend::Sqlite).await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::common::Db::fresh(pantau_store::Backend::Postgres).await).await;
                }
            )*
        }
    };
}

/// The sample: Kota Bekasi's Program 100 Hari Kerja with budgets.
pub fn sample_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/bekasi-100hk.json")
}

pub fn sample_text() -> String {
    std::fs::read_to_string(sample_path())
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", sample_path().display()))
}

pub fn sample() -> Bundle {
    pantau_domain::parse(&sample_text()).expect("the sample parses")
}

/// The sample as JSON, to change before parsing.
pub fn sample_json() -> Value {
    serde_json::from_str(&sample_text()).expect("the sample is JSON")
}

pub fn bundle_from(doc: &Value) -> Bundle {
    pantau_domain::parse(&doc.to_string())
        .unwrap_or_else(|err| panic!("the test bundle parses: {err:?}"))
}

/// Every program of `bundle` evaluated at every date of [`AS_OF_DATES`], with
/// and without `verified_only`, as the JSON the CLI and the API print.
pub fn evaluations(bundle: &Bundle) -> Vec<Value> {
    let region = validate(bundle).unwrap_or_else(|err| panic!("the bundle validates: {err:?}"));
    let mut out = Vec::new();
    for program in &region.programs {
        for date in AS_OF_DATES {
            let as_of = program.calendar.parse_as_of(date).expect("a date parses");
            for verified_only in [false, true] {
                let evaluation = evaluate(&region, program, &as_of, Options { verified_only });
                out.push(serde_json::to_value(&evaluation).expect("an evaluation serializes"));
            }
        }
    }
    out
}

/// Assert two lists of evaluations are equal, naming the first that differs.
pub fn assert_same_evaluations(got: &[Value], want: &[Value]) {
    assert_eq!(got.len(), want.len(), "number of evaluations");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if g != w {
            let program = i / (AS_OF_DATES.len() * 2);
            let date = AS_OF_DATES[(i / 2) % AS_OF_DATES.len()];
            let verified_only = i % 2 == 1;
            panic!(
                "evaluation of program #{program} at {date} (verified_only: {verified_only}) differs\n\
                 got:  {}\nwant: {}",
                first_difference(g, w, ""),
                first_difference(w, g, "")
            );
        }
    }
}

/// The path and value of the first place where `a` differs from `b`.
pub fn first_difference(a: &Value, b: &Value, path: &str) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) if w == v => {}
                    Some(w) => return first_difference(v, w, &format!("{path}.{k}")),
                    None => return format!("{path}.{k} = {v} (missing on the other side)"),
                }
            }
            for k in y.keys() {
                if !x.contains_key(k) {
                    return format!("{path}.{k} missing");
                }
            }
            format!("{path}: equal")
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                if v != w {
                    return first_difference(v, w, &format!("{path}[{i}]"));
                }
            }
            format!("{path}: equal")
        }
        _ => format!("{path} = {a}"),
    }
}

/// The bundle as the JSON `pantau export` writes.
pub fn export_json(bundle: &Bundle) -> String {
    serde_json::to_string_pretty(bundle).expect("a bundle serializes")
}

pub async fn import(store: &dyn Store, bundle: &Bundle, mode: ImportMode) -> ImportSummary {
    store
        .import_bundle(bundle, mode, &Actor::cli())
        .await
        .unwrap_or_else(|err| panic!("import of region {} failed: {err:?}", bundle.region.code))
}

pub async fn export(store: &dyn Store, region: &str) -> Bundle {
    store
        .region_bundle(region)
        .await
        .unwrap_or_else(|err| panic!("export of region {region} failed: {err:?}"))
}

/// A user of region `region` with a throw-away password hash.
pub fn new_user(region: &str, username: &str, role: Role) -> NewUser {
    NewUser {
        region: region.into(),
        username: username.into(),
        display_name: format!("Pengguna {username}"),
        email: Some(format!("{username}@bekasikota.go.id")),
        password_hash: format!("hash-of-{username}"),
        role,
        unit: None,
        clusters: Vec::new(),
    }
}

pub fn actor(label: &str, user_id: Option<i64>) -> Actor {
    Actor {
        user_id,
        label: label.into(),
    }
}
