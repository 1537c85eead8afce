//! PNGs of Pantau's main pages as each role sees them, at 390 px (a phone)
//! and 1280 px (a desktop), in real headless Chromium: the same pages, roles
//! and WebDriver set-up as the page checks (`tests/pages_in_browser.rs`).
//!
//! Run through `scripts/screenshots`, which starts `pantau demo` first:
//! `screenshots BASE_URL OUT_DIR` logs in with the demo's accounts and writes
//! `OUT_DIR/<role>-<page>-<width>.png`, e.g. `operator-checkin-390.png`.

#[path = "../tests/chromium/mod.rs"]
mod chromium;

use std::path::PathBuf;

use chromium::{Driver, PAGES, Role, WIDTHS};

/// The demo's account for each role (`pantau demo` prints them).
fn demo_account(role: Role) -> Option<&'static str> {
    match role {
        Role::Anonymous => None,
        Role::Admin => Some("admin"),
        Role::Evaluator => Some("asda1"),
        Role::Operator => Some("operator-dp3a"),
        Role::Leader => Some("pimpinan"),
        Role::Finance => Some("bpkad"),
        Role::Supervisor => Some("pembina"),
    }
}

const ROLES: [Role; 7] = [
    Role::Anonymous,
    Role::Admin,
    Role::Evaluator,
    Role::Operator,
    Role::Leader,
    Role::Finance,
    Role::Supervisor,
];

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(base), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: screenshots BASE_URL OUT_DIR (scripts/screenshots runs it)");
        std::process::exit(2);
    };
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out).unwrap();
    let password =
        std::env::var("PANTAU_DEMO_PASSWORD").unwrap_or_else(|_| "pantau-demo".to_owned());
    let driver = Driver::start().await;
    let browser = driver.connect(base.trim_end_matches('/')).await;
    let mut written = 0;
    for role in ROLES {
        let pages: Vec<_> = PAGES.iter().filter(|p| p.roles.contains(&role)).collect();
        if pages.is_empty() {
            continue;
        }
        browser.log_in(demo_account(role), &password).await;
        for page in pages {
            for width in WIDTHS {
                browser.viewport(width, chromium::HEIGHT).await;
                browser.goto(page.path).await;
                let png = browser.full_page_png(width).await;
                let path = out.join(format!("{}-{}-{width}.png", role.name(), page.name));
                std::fs::write(&path, png).unwrap();
                println!("{}", path.display());
                written += 1;
            }
        }
    }
    browser.client.close().await.unwrap();
    drop(driver);
    println!("{written} screenshots in {}", out.display());
}
