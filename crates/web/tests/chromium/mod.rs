//! Real headless Chromium over WebDriver (Debian's chromium and
//! chromium-driver; `scripts/chromium` installs them), and the list of
//! Pantau's main pages with the roles that see each. Shared by the page
//! checks (`tests/pages_in_browser.rs`) and the screenshot maker
//! (`examples/screenshots.rs`, run by `scripts/screenshots`), so that both
//! visit the same pages as the same people.

// The test and the example each use part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// How long to wait for a page or an element before failing.
pub const WAIT: Duration = Duration::from_secs(15);
/// The widths every page is looked at: a phone (an iPhone 12-15) and a desktop.
pub const WIDTHS: [u32; 2] = [390, 1280];
/// The viewport's height while a page is checked.
pub const HEIGHT: u32 = 844;

/// Who looks at a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Nobody logged in.
    Anonymous,
    Admin,
    /// An Asda of cluster ASDA1.
    Evaluator,
    /// The operator of DP3A.
    Operator,
    Leader,
    Finance,
    /// A pembina of province 32, above Kota Bekasi.
    Supervisor,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Anonymous => "anonymous",
            Role::Admin => "admin",
            Role::Evaluator => "evaluator",
            Role::Operator => "operator",
            Role::Leader => "leader",
            Role::Finance => "finance",
            Role::Supervisor => "supervisor",
        }
    }
}

use Role::*;

/// A main page and who sees it.
pub struct Page {
    /// Short name, used in test names and screenshot file names.
    pub name: &'static str,
    pub path: &'static str,
    pub roles: &'static [Role],
}

/// Pantau's main pages, each with every role that may open it. The sample's
/// program is 100HK; DP3A is a unit of cluster ASDA1.
pub const PAGES: &[Page] = &[
    Page {
        name: "regions",
        path: "/wilayah/32",
        roles: &[Supervisor],
    },
    Page {
        name: "region-dashboard",
        path: "/wilayah/3275/dasbor",
        roles: &[Supervisor],
    },
    Page {
        name: "login",
        path: "/masuk",
        roles: &[Anonymous],
    },
    Page {
        name: "dashboard",
        path: "/dasbor",
        roles: &[Admin, Evaluator, Operator, Leader, Finance],
    },
    Page {
        name: "leaders",
        path: "/pimpinan",
        roles: &[Admin, Evaluator, Operator, Leader, Finance],
    },
    Page {
        name: "unit",
        path: "/unit/DP3A",
        roles: &[Admin, Evaluator, Operator, Leader, Finance],
    },
    Page {
        name: "target",
        path: "/target/100HK/DP3A-01",
        roles: &[Admin, Evaluator, Operator, Leader, Finance],
    },
    Page {
        name: "checkin",
        path: "/lapor",
        roles: &[Operator],
    },
    Page {
        name: "queue",
        path: "/verifikasi",
        roles: &[Evaluator],
    },
    Page {
        name: "meetings",
        path: "/rapat",
        roles: &[Admin, Evaluator, Leader],
    },
    Page {
        name: "meeting",
        path: "/rapat/100HK/ASDA1/6",
        roles: &[Admin, Evaluator, Leader],
    },
    Page {
        name: "follow-ups",
        path: "/tindak-lanjut",
        roles: &[Admin, Evaluator, Operator, Leader],
    },
    Page {
        name: "budget",
        path: "/anggaran",
        roles: &[Admin, Evaluator, Operator, Leader, Finance],
    },
    Page {
        name: "budget-unit",
        path: "/anggaran/unit/DP3A",
        roles: &[Admin, Evaluator, Operator, Leader, Finance],
    },
    Page {
        name: "budget-queue",
        path: "/anggaran/verifikasi",
        roles: &[Finance],
    },
    Page {
        name: "budget-import",
        path: "/anggaran/impor",
        roles: &[Admin, Finance],
    },
    Page {
        name: "reports",
        path: "/laporan",
        roles: &[Admin, Evaluator, Operator, Leader, Finance],
    },
    Page {
        name: "final-report",
        path: "/laporan/akhir",
        roles: &[Admin, Evaluator, Operator, Leader, Finance],
    },
    Page {
        name: "admin",
        path: "/admin",
        roles: &[Admin],
    },
    Page {
        name: "users",
        path: "/admin/pengguna",
        roles: &[Admin],
    },
    Page {
        name: "user-edit",
        path: "/admin/pengguna/op-dp3a",
        roles: &[Admin],
    },
    Page {
        name: "identity",
        path: "/admin/identitas",
        roles: &[Admin],
    },
    Page {
        name: "documents",
        path: "/admin/dokumen",
        roles: &[Admin],
    },
    Page {
        name: "history",
        path: "/lapor/riwayat",
        roles: &[Operator],
    },
    Page {
        name: "minutes",
        path: "/rapat/100HK/ASDA1/6/berita-acara",
        roles: &[Admin, Evaluator, Leader],
    },
    Page {
        name: "forgot-password",
        path: "/lupa-sandi",
        roles: &[Anonymous],
    },
    Page {
        name: "audit",
        path: "/audit",
        roles: &[Admin],
    },
    Page {
        name: "feedback-form",
        path: "/publik/3275/masukan?program=100HK&target=DLH-01",
        roles: &[Anonymous],
    },
    Page {
        name: "feedback-list",
        path: "/masukan",
        roles: &[Admin, Operator],
    },
    Page {
        name: "feedback-holidays",
        path: "/masukan/hari-libur",
        roles: &[Admin],
    },
    Page {
        name: "not-found",
        path: "/tidak-ada",
        roles: &[Anonymous, Operator],
    },
    Page {
        name: "forbidden",
        path: "/admin",
        roles: &[Operator],
    },
    Page {
        name: "public-region",
        path: "/publik/3275",
        roles: &[Anonymous],
    },
    Page {
        name: "public-program",
        path: "/publik/3275/program/100HK",
        roles: &[Anonymous],
    },
    Page {
        name: "public-target",
        path: "/publik/3275/program/100HK/target/DP3A-01",
        roles: &[Anonymous],
    },
    Page {
        name: "publication",
        path: "/admin/publikasi",
        roles: &[Admin],
    },
];

/// The page named `name` in [`PAGES`].
pub fn page(name: &str) -> &'static Page {
    PAGES
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no page {name} in PAGES"))
}

/// A name no other run uses.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// chromedriver on a free port, with a fresh Chromium profile directory.
/// Dropping it (also when a test panics) ends chromedriver and any Chromium
/// it left running on that profile.
pub struct Driver {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Driver {
    pub async fn start() -> Driver {
        for program in [CHROMEDRIVER, CHROMIUM] {
            assert!(
                Path::new(program).exists(),
                "{program} is missing: run scripts/chromium (as root) to install Debian's \
                 chromium and chromium-driver"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(unique("pantau_chromium"));
        std::fs::create_dir_all(dir.join("profile")).unwrap();
        let log = std::fs::File::create(dir.join("chromedriver.log")).unwrap();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{CHROMEDRIVER} does not start ({e}): see scripts/chromium")
            });
        let driver = Driver { child, port, dir };
        let deadline = Instant::now() + WAIT;
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port} within {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        driver
    }

    /// A Chromium session, `base` being the server's `http://HOST:PORT`.
    pub async fn connect(&self, base: &str) -> Browser {
        let profile = self.dir.join("profile");
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    // The machine's network is closed: Chromium's own
                    // background connections would only be refused.
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    // As on a phone: scrollbars take no room, so the
                    // viewport is the whole window's width.
                    "--hide-scrollbars",
                    format!("--window-size={},{HEIGHT}", WIDTHS[0]),
                    format!("--user-data-dir={}", profile.display()),
                ],
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        // Two rustls crypto providers are linked in a workspace build (the
        // reminders' SMTP and webhook clients bring ring); name the one to use.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = ClientBuilder::rustls()
            .expect("TLS roots for the WebDriver client")
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "no Chromium session ({e}); chromedriver's log: {}",
                    self.dir.join("chromedriver.log").display()
                )
            });
        Browser {
            client,
            base: base.to_owned(),
        }
    }

    /// Processes still running on this driver's profile: Chromium left
    /// behind when its session was not closed.
    fn leftover_browsers(&self) -> Vec<u32> {
        let marker = format!("--user-data-dir={}", self.dir.join("profile").display());
        let Ok(procs) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        procs
            .filter_map(|p| p.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| {
                    cmdline
                        .split(|b| *b == 0)
                        .any(|arg| arg == marker.as_bytes())
                })
            })
            .collect()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in self.leftover_browsers() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        if std::thread::panicking() {
            eprintln!(
                "chromedriver's log is kept in {}",
                self.dir.join("chromedriver.log").display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A Chromium session at a Pantau server.
pub struct Browser {
    pub client: Client,
    pub base: String,
}

impl Browser {
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("opening {path}: {e}"));
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    pub async fn script(&self, script: &str, args: Vec<serde_json::Value>) -> serde_json::Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script {script:.80}: {e}"))
    }

    /// Log in through the form as `username`, or only forget who was
    /// logged in when `username` is `None`.
    pub async fn log_in(&self, username: Option<&str>, password: &str) {
        self.goto("/masuk").await;
        self.client.delete_all_cookies().await.unwrap();
        let Some(username) = username else {
            return;
        };
        self.goto("/masuk").await;
        let find = |css: &'static str| async move {
            match self
                .client
                .wait()
                .at_most(WAIT)
                .for_element(Locator::Css(css))
                .await
            {
                Ok(element) => element,
                Err(e) => panic!("no {css} on the log-in page: {e}"),
            }
        };
        find("#username").await.send_keys(username).await.unwrap();
        find("#password").await.send_keys(password).await.unwrap();
        find("main form button[type=submit]")
            .await
            .click()
            .await
            .unwrap();
        let deadline = Instant::now() + WAIT;
        while self.path().await == "/masuk" {
            assert!(Instant::now() < deadline, "{username} could not log in");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Size the window so that the page's viewport is `width` × `height`
    /// CSS pixels (the window's own frame, if any, comes on top).
    pub async fn viewport(&self, width: u32, height: u32) {
        self.client.set_window_size(width, height).await.unwrap();
        let inner = self
            .script("return [window.innerWidth, window.innerHeight]", vec![])
            .await;
        let frame = |i: usize, asked: u32| {
            asked.saturating_sub(inner[i].as_u64().unwrap_or(u64::from(asked)) as u32)
        };
        let (extra_width, extra_height) = (frame(0, width), frame(1, height));
        if extra_width > 0 || extra_height > 0 {
            self.client
                .set_window_size(width + extra_width, height + extra_height)
                .await
                .unwrap();
        }
    }

    /// A PNG of the whole page (not only the viewport) `width` CSS pixels wide.
    pub async fn full_page_png(&self, width: u32) -> Vec<u8> {
        self.viewport(width, HEIGHT).await;
        let height = self
            .script("return document.documentElement.scrollHeight", vec![])
            .await
            .as_u64()
            .unwrap_or(u64::from(HEIGHT));
        let height = u32::try_from(height)
            .unwrap_or(u32::MAX)
            .clamp(HEIGHT, 12_000);
        self.viewport(width, height).await;
        let png = self.client.screenshot().await.unwrap();
        self.viewport(width, HEIGHT).await;
        png
    }
}
