//! Real servers for the notifier's tests: aiosmtpd (started from
//! `smtp_server.py` on a free port; `scripts/smtp` installs it) and a small
//! axum webhook receiver; a region in WITA with operators and evaluators.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use pantau_store::{Actor, ImportMode, NewUser, Role, Store};
use serde::Deserialize;
use serde_json::{Value, json};

pub const REGION: &str = "7371";

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|err| panic!("{text}: {err}"))
        .with_timezone(&Utc)
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A message the SMTP server accepted.
#[derive(Debug, Clone, Deserialize)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
}

/// aiosmtpd in a child process, stopped when dropped.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

impl SmtpServer {
    /// Start a server that refuses the first `refuse` messages with a 451.
    pub fn start(refuse: u32) -> SmtpServer {
        // The free port may be taken between our probe and the server's bind
        // (tests run in parallel): try a few ports before giving up.
        for _ in 0..5 {
            if let Some(server) = SmtpServer::try_start(refuse) {
                return server;
            }
        }
        panic!("the SMTP server did not start: is aiosmtpd installed? Run scripts/smtp");
    }

    fn try_start(refuse: u32) -> Option<SmtpServer> {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_server.py");
        let dir = std::env::temp_dir().join(format!(
            "pantau_smtp_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let port = free_port();
        let mut child = Command::new("python3")
            .arg(&script)
            .args(["--port", &port.to_string()])
            .arg("--dir")
            .arg(&dir)
            .args(["--refuse", &refuse.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs (scripts/smtp installs what the SMTP server needs)");
        let mut line = String::new();
        let _ = BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line);
        let server = SmtpServer { child, port, dir };
        // Dropping a server that did not start stops its process.
        (line.trim() == "ready").then_some(server)
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message accepted so far, in the order accepted.
    pub fn received(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).expect("a received message");
                serde_json::from_str(&text).expect("the recorder's JSON")
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A POST the webhook receiver got.
#[derive(Debug, Clone)]
pub struct Hook {
    pub idempotency_key: Option<String>,
    pub content_type: Option<String>,
    pub body: Value,
    /// The status it answered.
    pub status: u16,
}

/// An HTTP server on a free port that records every POST to `/hook` and
/// answers 503 to the first `fail` of them.
pub struct WebhookServer {
    pub url: String,
    pub hooks: Arc<Mutex<Vec<Hook>>>,
}

impl WebhookServer {
    pub async fn start(fail: usize) -> WebhookServer {
        use axum::http::{HeaderMap, StatusCode};
        let hooks: Arc<Mutex<Vec<Hook>>> = Arc::default();
        let recorded = hooks.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let recorded = recorded.clone();
                async move {
                    let mut hooks = recorded.lock().unwrap();
                    let status = if hooks.len() < fail {
                        StatusCode::SERVICE_UNAVAILABLE
                    } else {
                        StatusCode::OK
                    };
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    hooks.push(Hook {
                        idempotency_key: header("idempotency-key"),
                        content_type: header("content-type"),
                        body: serde_json::from_str(&body).unwrap_or(Value::String(body)),
                        status: status.as_u16(),
                    });
                    status
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        WebhookServer { url, hooks }
    }

    pub fn hooks(&self) -> Vec<Hook> {
        self.hooks.lock().unwrap().clone()
    }
}

/// Kota Makassar (WITA): DP3A and DINKES in ASDA1, DLH in ASDA2, BAPPEDA
/// (ASDA1) without targets. Program 100HK, 22 Feb - 20 May 2025, Fridays
/// 09:00 WITA: period 1 (22-27 Feb) is due Fri 28 Feb 09:00 WITA = 01:00 UTC.
/// DP3A has reported period 1 on time.
pub fn bundle() -> pantau_domain::bundle::Bundle {
    bundle_in(REGION, "Kota Makassar", "Asia/Makassar")
}

/// The same region under another code, name and time zone.
pub fn bundle_in(code: &str, name: &str, timezone: &str) -> pantau_domain::bundle::Bundle {
    let doc = json!({
        "format": "pantau-bundle/1",
        "region": {"code": code, "name": name, "timezone": timezone},
        "clusters": [
            {"code": "ASDA1", "name": "Asisten Pemerintahan dan Kesejahteraan Rakyat"},
            {"code": "ASDA2", "name": "Asisten Perekonomian dan Pembangunan"}
        ],
        "units": [
            {"code": "DP3A", "name": "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "cluster": "ASDA1"},
            {"code": "DLH", "name": "Dinas Lingkungan Hidup", "cluster": "ASDA2"},
            {"code": "DINKES", "name": "Dinas Kesehatan", "cluster": "ASDA1"},
            {"code": "BAPPEDA", "name": "Badan Perencanaan Pembangunan Daerah", "cluster": "ASDA1"}
        ],
        "priorities": [],
        "programs": [{
            "code": "100HK",
            "name": "Program 100 Hari Kerja",
            "start": "2025-02-22",
            "end": "2025-05-20",
            "timezone": timezone,
            "evaluation_weekday": "friday",
            "deadline_time": "09:00",
            "targets": [
                {"code": "DP3A-01", "unit": "DP3A", "name": "Posyandu direvitalisasi", "kind": "sum", "polarity": "higher", "baseline": 0, "target": 100},
                {"code": "DLH-01", "unit": "DLH", "name": "Bank sampah baru", "kind": "sum", "polarity": "higher", "baseline": 0, "target": 20},
                {"code": "DINKES-01", "unit": "DINKES", "name": "Puskesmas buka 24 jam", "kind": "sum", "polarity": "higher", "baseline": 0, "target": 10}
            ],
            "entries": [
                {"target": "DP3A-01", "activity_date": "2025-02-24", "submitted_at": "2025-02-26T10:00:00+08:00", "value": 4, "status": "submitted"}
            ],
            "nil_reports": []
        }]
    });
    pantau_domain::parse(&doc.to_string()).expect("the test bundle parses")
}

fn user(
    region: &str,
    username: &str,
    name: &str,
    email: Option<&str>,
    role: Role,
    unit: Option<&str>,
    clusters: &[&str],
) -> NewUser {
    NewUser {
        region: region.into(),
        username: username.into(),
        display_name: name.into(),
        email: email.map(str::to_owned),
        password_hash: "not-a-real-hash".into(),
        role,
        unit: unit.map(str::to_owned),
        clusters: clusters.iter().map(|c| (*c).to_owned()).collect(),
    }
}

/// The region and its accounts: an operator per unit with e-mail, a second
/// DLH operator without e-mail (reached by webhook only), a disabled DLH
/// operator, an evaluator per cluster, a leader.
pub async fn prepare(store: &dyn Store) {
    prepare_in(store, REGION, "Kota Makassar", "Asia/Makassar", "").await;
}

/// [`prepare`] for another region: usernames and e-mail addresses end in `suffix`.
pub async fn prepare_in(store: &dyn Store, code: &str, name: &str, timezone: &str, suffix: &str) {
    let actor = Actor::cli();
    store
        .import_bundle(
            &bundle_in(code, name, timezone),
            ImportMode::NewRegion,
            &actor,
        )
        .await
        .expect("the test region imports");
    let user = |username: &str,
                display: &str,
                email: Option<&str>,
                role: Role,
                unit: Option<&str>,
                clusters: &[&str]| {
        let email = email.map(|e| {
            let (local, domain) = e.split_once('@').expect("an address");
            format!("{local}{suffix}@{domain}")
        });
        user(
            code,
            &format!("{username}{suffix}"),
            display,
            email.as_deref(),
            role,
            unit,
            clusters,
        )
    };
    let users = [
        user(
            "op-dp3a",
            "Operator DP3A",
            Some("dp3a@makassarkota.go.id"),
            Role::Operator,
            Some("DP3A"),
            &[],
        ),
        user(
            "op-dlh",
            "Operator DLH",
            Some("dlh@makassarkota.go.id"),
            Role::Operator,
            Some("DLH"),
            &[],
        ),
        user(
            "op-dlh-wa",
            "Operator DLH (WhatsApp)",
            None,
            Role::Operator,
            Some("DLH"),
            &[],
        ),
        user(
            "op-dlh-old",
            "Operator DLH lama",
            Some("dlh-lama@makassarkota.go.id"),
            Role::Operator,
            Some("DLH"),
            &[],
        ),
        user(
            "op-dinkes",
            "Operator Dinkes",
            Some("dinkes@makassarkota.go.id"),
            Role::Operator,
            Some("DINKES"),
            &[],
        ),
        user(
            "op-bappeda",
            "Operator Bappeda",
            Some("bappeda@makassarkota.go.id"),
            Role::Operator,
            Some("BAPPEDA"),
            &[],
        ),
        user(
            "asda1",
            "Asisten I",
            Some("asda1@makassarkota.go.id"),
            Role::Evaluator,
            None,
            &["ASDA1"],
        ),
        user(
            "asda2",
            "Asisten II",
            Some("asda2@makassarkota.go.id"),
            Role::Evaluator,
            None,
            &["ASDA2"],
        ),
        user(
            "leader",
            "Sekretaris Daerah",
            Some("sekda@makassarkota.go.id"),
            Role::Leader,
            None,
            &[],
        ),
    ];
    for u in &users {
        store.create_user(u, &actor).await.expect("a test account");
    }
    store
        .set_disabled(&format!("op-dlh-old{suffix}"), true, &actor)
        .await
        .expect("disable an account");
}
