//! What the server suites share: the real server on a free port, on a fresh
//! SQLite or PostgreSQL database with the sample imported and one account per
//! role. Each test file that wants it says `mod support;`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use pantau_store::{Actor, ImportMode, NewUser, Role, Store};

/// Every account's password.
pub const PASSWORD: &str = "rahasia-uji-123";

pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub store: Arc<dyn Store>,
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
    let store = pantau_store::connect(&database_url(backend).await)
        .await
        .unwrap();
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
    let config = pantau_web::Config {
        evidence_dir,
        max_evidence_bytes: 64 * 1024,
        ..Default::default()
    };
    let state = pantau_web::AppState::new(store.clone(), config);
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
    TestApp {
        base: format!("http://{addr}"),
        store,
    }
}
