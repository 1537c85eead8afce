//! What the server suites share: the real server on a free port, on a fresh
//! SQLite or PostgreSQL database with the sample imported and one account per
//! role; a browser-like client; the macro that runs a test on both backends.
//! Each test file that wants it says `#[macro_use] mod support;`.

// Each test file is its own crate and uses only part of this module.
#![allow(dead_code, unused_macros)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use pantau_store::{Actor, ImportMode, NewUser, Role, Store};

/// The text of a PDF as poppler's pdftotext reads it, laid out
/// (`scripts/readers` installs it).
pub fn pdf_text(pdf: &[u8]) -> String {
    let file = std::env::temp_dir().join(format!("{}.pdf", unique("pantau_pdf")));
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext runs: install it with scripts/readers");
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "pdftotext reads the PDF");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every account's password.
pub const PASSWORD: &str = "rahasia-uji-123";

pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub store: Arc<dyn Store>,
    leftovers: Leftovers,
}

/// Another app server on the database of `first`, listening for the others'
/// changes as `pantau serve` does (`first` listens too once it has one
/// beside it). `via` is the database address to connect through (a
/// [`Relay`]'s), `first`'s own when none.
pub async fn spawn_beside(first: &TestApp, via: Option<&str>) -> TestApp {
    first.store.watch_versions().await.unwrap();
    let database_url = via.unwrap_or(first.database_url()).to_owned();
    let store = pantau_store::connect(&database_url).await.unwrap();
    store.watch_versions().await.unwrap();
    let config = pantau_web::Config {
        evidence_dir: first.leftovers.evidence_dir.clone(),
        max_evidence_bytes: 64 * 1024,
        ..Default::default()
    };
    let base = serve(store.clone(), config).await;
    TestApp {
        base,
        store,
        // The first server's database and evidence: it removes them.
        leftovers: Leftovers {
            database_url: String::new(),
            evidence_dir: std::path::PathBuf::new(),
        },
    }
}

async fn serve(store: Arc<dyn Store>, config: pantau_web::Config) -> String {
    serve_state(pantau_web::AppState::new(store, config)).await
}

/// Serve `state` on a free loopback port; its base URL.
async fn serve_state(state: pantau_web::AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            pantau_web::router(state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

/// A TCP relay between an app server and PostgreSQL that counts the bytes
/// the app server sends: every query, and every other message, reaches
/// PostgreSQL through it, so an unchanged count means none was sent.
pub struct Relay {
    /// The database address through the relay.
    pub url: String,
    sent: Arc<std::sync::atomic::AtomicU64>,
}

impl Relay {
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

/// A [`Relay`] to the PostgreSQL database at `database_url`
/// (`postgres://USER@HOST:PORT/DB`).
pub async fn relay(database_url: &str) -> Relay {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (user, rest) = database_url.split_once('@').unwrap();
    let (target, database) = rest.split_once('/').unwrap();
    let target = target.to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("{user}@{}/{database}", listener.local_addr().unwrap());
    let sent = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = tokio::net::TcpStream::connect(&target).await else {
                continue;
            };
            let counter = counter.clone();
            let (mut from_client, mut to_client) = client.into_split();
            let (mut from_server, mut to_server) = server.into_split();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                while let Ok(n) = from_client.read(&mut buf).await {
                    if n == 0 || to_server.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                    counter.fetch_add(n as u64, Ordering::SeqCst);
                }
            });
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
            });
        }
    });
    Relay { url, sent }
}

/// What a test leaves on disk: removed when it passes, kept when it fails so
/// that it can be looked at. Without this a full run left hundreds of
/// databases behind, enough to fill a small CI disk.
struct Leftovers {
    database_url: String,
    evidence_dir: std::path::PathBuf,
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "keeping the failed test's database {} and evidence {}",
                self.database_url,
                self.evidence_dir.display()
            );
            return;
        }
        let _ = std::fs::remove_dir_all(&self.evidence_dir);
        if let Some(path) = self.database_url.strip_prefix("sqlite:") {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
            return;
        }
        let (Some((_, database)), Ok(server)) = (
            self.database_url.rsplit_once('/'),
            std::env::var("PANTAU_TEST_POSTGRES_URL"),
        ) else {
            return;
        };
        let database = database.to_owned();
        // Drop cannot await, and the test's runtime may be busy: a thread of its own.
        let _ = std::thread::spawn(move || {
            use sqlx::{Connection, Executor};
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&server).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
                admin.execute(sql.as_str()).await.ok()?;
                admin.close().await.ok()
            })
        })
        .join();
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A name no other test (nor another run) uses.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

async fn database_url(backend: &str) -> String {
    match backend {
        "sqlite" => format!(
            "sqlite:{}",
            std::env::temp_dir()
                .join(format!("{}.db", unique("pantau_web")))
                .display()
        ),
        _ => {
            use sqlx::Connection;
            let server = std::env::var("PANTAU_TEST_POSTGRES_URL").expect(
                "PANTAU_TEST_POSTGRES_URL is not set: run eval \"$(scripts/postgres start)\" first",
            );
            let name = unique("pantau_web");
            let mut conn = sqlx::PgConnection::connect(&server).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .unwrap();
            let (base, _) = server.rsplit_once('/').unwrap();
            format!("{base}/{name}")
        }
    }
}

/// The server on `backend` ("sqlite" or "postgres"), the sample region 3275
/// imported, accounts admin, asda1 (ASDA1), asda2 (ASDA2), op-dp3a (DP3A),
/// op-dlh (DLH), leader and finance (BPKAD).
pub async fn spawn_app(backend: &str) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// [`spawn_app`] with the server's settings changed by `tweak`.
#[allow(dead_code)] // not every suite changes a setting
pub async fn spawn_app_with(backend: &str, tweak: impl FnOnce(&mut pantau_web::Config)) -> TestApp {
    spawn(backend, tweak, None).await
}

/// [`spawn_app`] on PostgreSQL, reading from the streaming replica whose
/// server is `replica_server` (`PANTAU_TEST_PG_REPLICA_URL`, a replica of
/// `PANTAU_TEST_POSTGRES_URL`), as `pantau serve --database-read` does.
/// Returns once the replica has replayed the test's database as set up.
pub async fn spawn_app_reading_replica(replica_server: &str) -> TestApp {
    spawn("postgres", |_| {}, Some(replica_server)).await
}

/// The database `primary_url` names, on the server `replica_server` names.
pub fn on_replica(primary_url: &str, replica_server: &str) -> String {
    let (_, name) = primary_url.rsplit_once('/').unwrap();
    let (base, _) = replica_server.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// The replica's store, once it has replayed the primary's region 3275 as it is now.
async fn caught_up_replica(primary: &dyn Store, url: &str) -> Arc<dyn Store> {
    let wanted = primary.region_version("3275").await.unwrap();
    for _ in 0..300 {
        if let Ok(replica) = pantau_store::connect_replica(primary, url).await
            && replica.region_version("3275").await.ok() == Some(wanted)
        {
            return replica;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the replica {url} did not replay the test's database within 30 seconds");
}

async fn spawn(
    backend: &str,
    tweak: impl FnOnce(&mut pantau_web::Config),
    replica_server: Option<&str>,
) -> TestApp {
    let database_url = database_url(backend).await;
    let store = pantau_store::connect(&database_url).await.unwrap();
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/bekasi-100hk.json"
    ))
    .unwrap();
    let bundle = pantau_domain::parse(&sample).unwrap();
    store
        .import_bundle(&bundle, ImportMode::NewRegion, &Actor::cli())
        .await
        .unwrap();
    let hash = pantau_store::password::hash(PASSWORD);
    let accounts: [(&str, Role, Option<&str>, &[&str]); 7] = [
        ("admin", Role::Admin, None, &[]),
        ("asda1", Role::Evaluator, None, &["ASDA1"]),
        ("asda2", Role::Evaluator, None, &["ASDA2"]),
        ("op-dp3a", Role::Operator, Some("DP3A"), &[]),
        ("op-dlh", Role::Operator, Some("DLH"), &[]),
        ("leader", Role::Leader, None, &[]),
        ("finance", Role::Finance, None, &[]),
    ];
    for (username, role, unit, clusters) in accounts {
        let user = NewUser {
            region: "3275".into(),
            username: username.into(),
            display_name: username.into(),
            email: None,
            password_hash: hash.clone(),
            role,
            unit: unit.map(str::to_owned),
            clusters: clusters.iter().map(|c| c.to_string()).collect(),
        };
        store.create_user(&user, &Actor::cli()).await.unwrap();
    }
    let evidence_dir = std::env::temp_dir().join(unique("pantau_evidence"));
    let mut config = pantau_web::Config {
        evidence_dir: evidence_dir.clone(),
        max_evidence_bytes: 64 * 1024,
        ..Default::default()
    };
    tweak(&mut config);
    let mut state = pantau_web::AppState::new(store.clone(), config);
    if let Some(server) = replica_server {
        let replica = caught_up_replica(store.as_ref(), &on_replica(&database_url, server)).await;
        state = state.with_replica(replica);
    }
    let base = serve_state(state).await;
    TestApp {
        base,
        store,
        leftovers: Leftovers {
            database_url,
            evidence_dir,
        },
    }
}

/// Run each named `async fn(backend: &str)` as a test on SQLite and on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name("sqlite").await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name("postgres").await })*
        }
    };
}

/// A browser: keeps cookies, does not follow redirects (so they can be checked).
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
}

/// The CSRF token of the first form of a page.
pub fn csrf_in(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

impl TestApp {
    /// The database's address, for a test that looks at rows directly.
    pub fn database_url(&self) -> &str {
        &self.leftovers.database_url
    }

    /// One value (one row, one column) of `sql` on the app's database, for a
    /// test that counts or reads rows directly, on either backend.
    pub async fn scalar<T>(&self, sql: &str) -> T
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Sqlite>
            + sqlx::Type<sqlx::Sqlite>
            + for<'r> sqlx::Decode<'r, sqlx::Postgres>
            + sqlx::Type<sqlx::Postgres>
            + Send
            + Unpin,
    {
        use sqlx::Connection;
        let url = self.database_url();
        if url.starts_with("sqlite:") {
            let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
        } else {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
        }
    }

    pub fn browser(&self) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
        }
    }

    pub async fn logged_in(&self, username: &str) -> Browser {
        let browser = self.browser();
        let status = browser.log_in(username, PASSWORD).await;
        assert_eq!(status, reqwest::StatusCode::SEE_OTHER, "{username} logs in");
        browser
    }
}

impl Browser {
    pub async fn get(&self, path: &str) -> (reqwest::StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (reqwest::StatusCode, String) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    pub async fn log_in(&self, username: &str, password: &str) -> reqwest::StatusCode {
        let (_, page) = self.get("/masuk").await;
        let csrf = csrf_in(&page);
        self.post(
            "/masuk",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
            ],
        )
        .await
        .0
    }

    /// The session's CSRF token, from a page every role may open.
    pub async fn csrf(&self) -> String {
        csrf_in(&self.get("/dasbor").await.1)
    }

    /// Post a form with the session's token; the caller checks the answer.
    pub async fn submit(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (reqwest::StatusCode, String) {
        let csrf = self.csrf().await;
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post(path, &form).await
    }

    /// A download: its status, content type and bytes.
    pub async fn download(&self, path: &str) -> (reqwest::StatusCode, String, Vec<u8>) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (
            response.status(),
            content_type,
            response.bytes().await.unwrap().to_vec(),
        )
    }
}
