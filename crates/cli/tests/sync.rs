//! Exchange between levels, end to end: a kab/kota's server pushes its
//! region to its province's server, two real `pantau serve` processes on
//! loopback, through a proxy that cuts the link mid-push. The push stays
//! queued across a bad link and a restart of the sender, is retried, and the
//! province ends with exactly the kab/kota's data, once.

mod serving;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::Output;
use std::sync::{Arc, Mutex};

use serving::{Server, ok, pantau, scratch};

/// What the proxy does to one connection.
#[derive(Debug, Clone, Copy)]
enum Cut {
    /// Forward this many bytes of the request, then cut both ways: the
    /// receiver never sees the whole push.
    RequestAfter(usize),
    /// Forward the whole request, then cut before the answer: the receiver
    /// applies the push, the sender never learns it.
    Answer,
    /// Forward everything.
    Nothing,
}

/// A loopback proxy to `target`; each new connection takes the next cut of
/// the plan (`Nothing` when the plan is used up). The plan can be changed
/// between commands.
struct Proxy {
    addr: SocketAddr,
    plan: Arc<Mutex<Vec<Cut>>>,
    connections: Arc<Mutex<usize>>,
}

impl Proxy {
    fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let plan: Arc<Mutex<Vec<Cut>>> = Arc::default();
        let connections: Arc<Mutex<usize>> = Arc::default();
        let (shared_plan, shared_count) = (plan.clone(), connections.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let cut = {
                    let mut plan = shared_plan.lock().unwrap();
                    if plan.is_empty() {
                        Cut::Nothing
                    } else {
                        plan.remove(0)
                    }
                };
                *shared_count.lock().unwrap() += 1;
                std::thread::spawn(move || relay(client, target, cut));
            }
        });
        Proxy {
            addr,
            plan,
            connections,
        }
    }

    fn plan(&self, cuts: &[Cut]) {
        *self.plan.lock().unwrap() = cuts.to_vec();
    }

    fn connections(&self) -> usize {
        *self.connections.lock().unwrap()
    }
}

fn relay(client: TcpStream, target: SocketAddr, cut: Cut) {
    let Ok(server) = TcpStream::connect(target) else {
        return;
    };
    let (mut from_client, mut to_server) =
        (client.try_clone().unwrap(), server.try_clone().unwrap());
    let limit = match cut {
        Cut::RequestAfter(bytes) => bytes,
        _ => usize::MAX,
    };
    let upstream = std::thread::spawn(move || {
        let mut sent = 0;
        let mut buf = [0u8; 4096];
        loop {
            let n = match from_client.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let n = n.min(limit - sent);
            if to_server.write_all(&buf[..n]).is_err() {
                break;
            }
            sent += n;
            if sent >= limit {
                // The link goes blank mid-push.
                let _ = to_server.shutdown(Shutdown::Both);
                let _ = from_client.shutdown(Shutdown::Both);
                return;
            }
        }
        let _ = to_server.shutdown(Shutdown::Write);
    });
    let (mut from_server, mut to_client) = (server, client);
    let mut buf = [0u8; 4096];
    loop {
        let n = match from_server.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Cut::Answer = cut {
            // The answer is lost on the way back.
            break;
        }
        if to_client.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to_client.shutdown(Shutdown::Both);
    let _ = from_server.shutdown(Shutdown::Both);
    let _ = upstream.join();
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The rows of a region's export that a push carries: each entry and nil
/// report of each program, in order.
fn rows(database: &str) -> Vec<String> {
    let exported: serde_json::Value =
        serde_json::from_str(&ok(&pantau(database, &["export", "--region", "3275"]))).unwrap();
    let mut rows = Vec::new();
    for program in exported["programs"].as_array().unwrap() {
        for entry in program["entries"].as_array().unwrap() {
            rows.push(format!(
                "{} {} {} {} {} {}",
                entry["target"],
                entry["activity_date"],
                entry["submitted_at"],
                entry["value"],
                entry["status"],
                entry["note"]
            ));
        }
        for nil in program["nil_reports"].as_array().unwrap() {
            rows.push(format!(
                "{} {} {}",
                nil["unit"], nil["date"], nil["submitted_at"]
            ));
        }
    }
    rows
}

#[test]
fn a_push_cut_mid_way_is_retried_and_lands_exactly_once() {
    let dir = scratch("sync");
    let sender = format!("sqlite:{}", dir.join("kota.db").display());
    let receiver = format!("sqlite:{}", dir.join("provinsi.db").display());
    let bundle =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bekasi-100hk.json");
    ok(&pantau(&sender, &["import", bundle.to_str().unwrap()]));
    ok(&pantau(&receiver, &["migrate"]));

    // Only a region below the province's may be registered there.
    let refused = pantau(
        &receiver,
        &[
            "sync",
            "allow",
            "3171",
            "--name",
            "Jakarta Pusat",
            "--region-code",
            "32",
        ],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("not below"),
        "{}",
        stderr(&refused)
    );
    let token = ok(&pantau(
        &receiver,
        &[
            "sync",
            "allow",
            "3275",
            "--name",
            "Kota Bekasi",
            "--region-code",
            "32",
        ],
    ))
    .trim()
    .to_owned();
    assert!(token.starts_with("pantau_sync_"), "{token}");

    let province = Server::start_with(&receiver, &dir, &["--region-code", "32"]);
    let direct = format!("http://{}", province.addr);

    // A wrong token is refused, and nothing is queued for it.
    let wrong = pantau(
        &sender,
        &[
            "sync",
            "push",
            "--to",
            &direct,
            "--token",
            "pantau_sync_wrong",
            "--dry-run",
        ],
    );
    assert!(!wrong.status.success());
    assert!(stderr(&wrong).contains("401"), "{}", stderr(&wrong));

    // A dry run counts what the push would do and writes nothing.
    let dry = ok(&pantau(
        &sender,
        &[
            "sync",
            "push",
            "--to",
            &direct,
            "--token",
            &token,
            "--dry-run",
        ],
    ));
    let sent = rows(&sender);
    assert!(
        dry.contains(&format!(
            "3275 100HK: imported {}, updated 0, unchanged 0, deleted 0, refused 0 (dry run",
            sent.len()
        )),
        "{dry}"
    );
    let nothing = pantau(&receiver, &["export", "--region", "3275"]);
    assert!(!nothing.status.success(), "the dry run wrote the region");

    // The link goes blank twice mid-push: the push stays queued.
    let proxy = Proxy::start(province.addr);
    let through = format!("http://{}", proxy.addr);
    proxy.plan(&[Cut::RequestAfter(20_000), Cut::RequestAfter(300)]);
    let cut = pantau(
        &sender,
        &[
            "sync",
            "push",
            "--to",
            &through,
            "--token",
            &token,
            "--attempts",
            "2",
            "--backoff-ms",
            "20",
        ],
    );
    assert_eq!(cut.status.code(), Some(1), "{}", stderr(&cut));
    assert!(stderr(&cut).contains("still queued"), "{}", stderr(&cut));
    assert_eq!(proxy.connections(), 2);
    assert!(
        !pantau(&receiver, &["export", "--region", "3275"])
            .status
            .success()
    );

    // A later run (a new process: the sender restarted) delivers it; the
    // first answer is lost on the way back, the retry gets it again.
    proxy.plan(&[Cut::Answer]);
    let delivered = pantau(
        &sender,
        &["sync", "run", "--attempts", "4", "--backoff-ms", "20"],
    );
    assert!(delivered.status.success(), "{}", stderr(&delivered));
    assert!(
        stdout(&delivered).contains(&format!("3275 100HK: imported {}", sent.len())),
        "{}",
        stdout(&delivered)
    );
    assert!(
        stdout(&delivered).contains("delivered before"),
        "{}",
        stdout(&delivered)
    );
    assert_eq!(proxy.connections(), 4);

    // Exactly the sender's rows, once.
    assert_eq!(rows(&receiver), sent);

    // Nothing left to deliver; the province sees the push, on time.
    ok(&pantau(&sender, &["sync", "run"]));
    assert_eq!(proxy.connections(), 4);
    let status = ok(&pantau(&receiver, &["sync", "status"]));
    assert!(status.starts_with("3275\tKota Bekasi\t"), "{status}");
    assert!(status.trim_end().ends_with("100HK\ton time"), "{status}");

    // The same snapshot again: every row unchanged.
    let again = ok(&pantau(
        &sender,
        &["sync", "push", "--to", &through, "--token", &token],
    ));
    assert!(
        again.contains(&format!(
            "imported 0, updated 0, unchanged {}, deleted 0",
            sent.len()
        )),
        "{again}"
    );
    assert_eq!(rows(&receiver), sent);
}
