//! Every main page, as each role that sees it, at 390 px and 1280 px in a
//! real headless Chromium:
//! - `fits::*`: nothing sticks out sideways. The page is no wider than the
//!   viewport (`document.documentElement.scrollWidth <= innerWidth`), and no
//!   element's right edge passes the viewport unless it sits in a box of its
//!   own that scrolls sideways (an ancestor with `overflow-x: auto` or
//!   `scroll`, such as `.scroll` around a wide table). The failure names each
//!   element that sticks out by a CSS selector.
//! - `accessible::*`: axe-core (from npm, pinned in package-lock.json at the
//!   repository root; `npm ci` installs it) finds no violation of impact
//!   serious or critical. The failure lists each rule with the nodes it hit.
//!
//! The pages and their roles are listed once in `chromium/mod.rs` (`PAGES`),
//! which `scripts/screenshots` uses too. A page that does not pass yet carries
//! an `#[ignore = "…"]` below saying what is wrong; remove it once it passes
//! (`cargo test -p pantau-web --test pages_in_browser -- --include-ignored`
//! runs them all).
//!
//! SQLite only: the pages are drawn the same from either store, and each
//! case already starts its own Chromium.

mod chromium;
mod support;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use chromium::{Browser, Driver, Page, Role, WIDTHS};
use serde_json::json;

/// How long one page's checks may take, all roles and widths together.
const CASE: Duration = Duration::from_secs(240);

/// The test accounts of `support::spawn_app` for each role.
fn username(role: Role) -> Option<&'static str> {
    match role {
        Role::Anonymous => None,
        Role::Admin => Some("admin"),
        Role::Evaluator => Some("asda1"),
        Role::Operator => Some("op-dp3a"),
        Role::Leader => Some("leader"),
        Role::Finance => Some("finance"),
        Role::Supervisor => Some("pembina"),
    }
}

/// The elements that stick out of the viewport sideways outside any box
/// that scrolls sideways, outermost only, as `[selector, right edge]`; and
/// the page's and the viewport's widths.
const OVERFLOW: &str = r#"
const width = window.innerWidth;
const root = document.documentElement;
const scrollsSideways = (el) => {
  for (let a = el.parentElement; a && a !== root; a = a.parentElement) {
    if (a === document.body) continue;
    const x = getComputedStyle(a).overflowX;
    if (x === 'auto' || x === 'scroll') return true;
  }
  return false;
};
const selector = (el) => {
  const parts = [];
  for (let e = el; e && e !== root && parts.length < 4; e = e.parentElement) {
    let part = e.tagName.toLowerCase();
    if (e.id) { parts.unshift(part + '#' + e.id); break; }
    const classes = [...e.classList].slice(0, 2);
    if (classes.length) part += '.' + classes.join('.');
    const parent = e.parentElement;
    if (parent) {
      const same = [...parent.children].filter((c) => c.tagName === e.tagName);
      if (same.length > 1) part += ':nth-of-type(' + (same.indexOf(e) + 1) + ')';
    }
    parts.unshift(part);
  }
  return parts.join(' > ');
};
const out = new Set();
for (const el of document.body.querySelectorAll('*')) {
  const box = el.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) continue;
  if (box.right <= width + 0.5) continue;
  if (getComputedStyle(el).position === 'fixed') continue;
  if (scrollsSideways(el)) continue;
  out.add(el);
}
const outermost = [...out].filter((el) => !out.has(el.parentElement));
return {
  scrollWidth: root.scrollWidth,
  innerWidth: width,
  elements: outermost.slice(0, 20).map((el) => [selector(el), Math.round(el.getBoundingClientRect().right)]),
  more: Math.max(0, outermost.length - 20),
};
"#;

/// axe-core's serious and critical violations on the page, as
/// `[id, impact, help, [targets]]`. axe is injected first when missing.
const AXE: &str = r#"
const done = arguments[arguments.length - 1];
// axe's shortest selector, and the id of what a box without one holds
// (`div:nth-child(12)` says little; `holding table#agenda-targets` does).
const describe = (target) => {
  const el = document.querySelector(target);
  if (!el || el.id || !el.firstElementChild) return target;
  const inner = el.querySelector('[id]');
  const held = inner
    ? inner.tagName.toLowerCase() + '#' + inner.id
    : el.firstElementChild.outerHTML.split('>')[0] + '>';
  return target + ' holding ' + held;
};
axe.run(document, { resultTypes: ['violations'] }).then(
  (results) => done(results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => [v.id, v.impact, v.help, v.nodes.map((n) => describe(n.target.join(' ')))])),
  (error) => done('axe failed: ' + error),
);
"#;

/// axe-core's script, as `npm ci` installed it at the repository root.
fn axe_source() -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): run `npm ci` at the repository root (scripts/test does)",
            path.display()
        )
    })
}

#[derive(Clone, Copy)]
enum Check {
    Fits,
    Accessible,
}

/// Run `check` on `page` as each of its roles at each width; panic with
/// every problem found.
async fn check(page: &'static Page, check: Check) {
    let axe = match check {
        Check::Accessible => Some(axe_source()),
        Check::Fits => None,
    };
    let driver = Driver::start().await;
    let app = support::spawn_app("sqlite").await;
    // The public pages show a published program.
    app.store
        .publish("3275", "100HK", &pantau_store::Actor::cli())
        .await
        .unwrap();
    // The supervisor's pages: Jawa Barat above Kota Bekasi, and its pembina.
    app.store
        .add_region(
            &pantau_store::RegionRow {
                code: "32".into(),
                name: "Jawa Barat".into(),
                timezone: "Asia/Jakarta".into(),
            },
            &pantau_store::Actor::cli(),
        )
        .await
        .unwrap();
    app.store
        .create_user(
            &pantau_store::NewUser {
                region: "32".into(),
                username: "pembina".into(),
                display_name: "Pembina Jawa Barat".into(),
                email: None,
                password_hash: pantau_store::password::hash(support::PASSWORD),
                role: pantau_store::Role::Supervisor,
                unit: None,
                clusters: vec![],
            },
            &pantau_store::Actor::cli(),
        )
        .await
        .unwrap();
    let browser = driver.connect(&app.base).await;
    let client = browser.client.clone();
    let outcome = tokio::time::timeout(
        CASE,
        tokio::spawn(async move {
            let mut problems = String::new();
            for role in page.roles {
                browser.log_in(username(*role), support::PASSWORD).await;
                for width in WIDTHS {
                    browser.viewport(width, chromium::HEIGHT).await;
                    browser.goto(page.path).await;
                    let at = browser.path().await;
                    // A page's query (the feedback form's subject) is not part of its path.
                    assert_eq!(
                        at,
                        page.path.split('?').next().unwrap_or(page.path),
                        "{} at {width} px is sent elsewhere: is the page list out of date?",
                        role.name()
                    );
                    let found = match &axe {
                        None => overflow(&browser).await,
                        Some(source) => violations(&browser, source).await,
                    };
                    if !found.is_empty() {
                        let _ = writeln!(problems, "  as {} at {width} px:\n{found}", role.name());
                    }
                }
            }
            problems
        }),
    )
    .await;
    let closed = client.close().await;
    let problems = match outcome {
        Err(_) => panic!("{} was not checked within {CASE:?}", page.path),
        Ok(Err(failure)) if failure.is_panic() => std::panic::resume_unwind(failure.into_panic()),
        Ok(Err(failure)) => panic!("checking {} did not finish: {failure}", page.path),
        Ok(Ok(problems)) => problems,
    };
    closed.expect("the browser session closes");
    drop(driver);
    let what = match check {
        Check::Fits => "sticks out sideways",
        Check::Accessible => "has serious or critical axe-core violations",
    };
    assert!(problems.is_empty(), "{} {what}:\n{problems}", page.path);
}

/// What sticks out sideways on the open page, one line each; empty when nothing.
async fn overflow(browser: &Browser) -> String {
    let found = browser.script(OVERFLOW, vec![]).await;
    let scroll_width = found["scrollWidth"].as_i64().unwrap_or_default();
    let inner_width = found["innerWidth"].as_i64().unwrap_or_default();
    let mut out = String::new();
    for element in found["elements"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "    {} reaches {} px",
            element[0].as_str().unwrap_or("?"),
            element[1]
        );
    }
    if let Some(more) = found["more"].as_u64().filter(|m| *m > 0) {
        let _ = writeln!(out, "    and {more} more");
    }
    if scroll_width > inner_width {
        let _ = writeln!(
            out,
            "    the page is {scroll_width} px wide in a {inner_width} px viewport"
        );
    }
    out
}

/// axe-core's serious and critical violations on the open page, with the
/// nodes each hit; empty when none.
async fn violations(browser: &Browser, source: &str) -> String {
    let present = browser
        .script("return typeof window.axe !== 'undefined'", vec![])
        .await;
    if present != json!(true) {
        browser.script(source, vec![]).await;
    }
    let result = browser
        .client
        .execute_async(AXE, vec![])
        .await
        .unwrap_or_else(|e| panic!("axe-core did not run: {e}"));
    let Some(found) = result.as_array() else {
        panic!("axe-core: {result}");
    };
    let mut out = String::new();
    let mut seen = BTreeSet::new();
    for violation in found {
        let id = violation[0].as_str().unwrap_or("?");
        if !seen.insert(id.to_owned()) {
            continue;
        }
        let nodes: Vec<&str> = violation[3]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str())
            .collect();
        let _ = writeln!(
            out,
            "    {id} ({}): {} — {} node(s): {}{}",
            violation[1].as_str().unwrap_or("?"),
            violation[2].as_str().unwrap_or("?"),
            nodes.len(),
            nodes.iter().take(8).copied().collect::<Vec<_>>().join(", "),
            if nodes.len() > 8 { ", …" } else { "" }
        );
    }
    out
}

/// The overflow check is real: an element wider than a phone is named, the
/// same element in a box that scrolls sideways is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overflow_check_names_what_sticks_out() {
    let driver = Driver::start().await;
    let app = support::spawn_app("sqlite").await;
    // The public pages show a published program.
    app.store
        .publish("3275", "100HK", &pantau_store::Actor::cli())
        .await
        .unwrap();
    let browser = driver.connect(&app.base).await;
    browser.viewport(WIDTHS[0], chromium::HEIGHT).await;
    browser.goto("/masuk").await;
    assert_eq!(overflow(&browser).await, "", "the log-in page fits a phone");
    browser
        .script(
            "const wide = document.createElement('div'); wide.id = 'too-wide'; \
             wide.style.cssText = 'width: 600px; height: 10px'; \
             document.querySelector('main').append(wide)",
            vec![],
        )
        .await;
    let found = overflow(&browser).await;
    assert!(
        found.contains("div#too-wide reaches") && found.contains("px viewport"),
        "the wide element is named: {found}"
    );
    browser
        .script(
            "const wide = document.getElementById('too-wide'); \
             const box = document.createElement('div'); box.className = 'scroll'; \
             wide.replaceWith(box); box.append(wide)",
            vec![],
        )
        .await;
    assert_eq!(
        overflow(&browser).await,
        "",
        "inside .scroll the wide element is its box's business"
    );
    browser.client.close().await.unwrap();
}

/// One test per page and check, named after the page in `chromium::PAGES`
/// (its `-` written `_`). Attributes before a name (an `#[ignore = "…"]`)
/// go on that test.
macro_rules! pages {
    (
        fits { $( $(#[$fits_attr:meta])* $fits:ident = $fits_page:literal; )* }
        accessible { $( $(#[$axe_attr:meta])* $axe:ident = $axe_page:literal; )* }
    ) => {
        mod fits {
            $(
                $(#[$fits_attr])*
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $fits() {
                    super::check(super::chromium::page($fits_page), super::Check::Fits).await
                }
            )*
        }
        mod accessible {
            $(
                $(#[$axe_attr])*
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $axe() {
                    super::check(super::chromium::page($axe_page), super::Check::Accessible).await
                }
            )*
        }
        /// Every page of the list has both checks.
        #[test]
        fn every_page_is_checked() {
            let fits: &[&str] = &[$($fits_page),*];
            let accessible: &[&str] = &[$($axe_page),*];
            for page in chromium::PAGES {
                assert!(fits.contains(&page.name), "{} has no fits test", page.name);
                assert!(accessible.contains(&page.name), "{} has no accessible test", page.name);
            }
        }
    };
}

pages! {
    fits {
        regions = "regions";
        region_dashboard = "region-dashboard";
        login = "login";
        dashboard = "dashboard";
        leaders = "leaders";
        unit = "unit";
        target = "target";
        checkin = "checkin";
        queue = "queue";
        meetings = "meetings";
        meeting = "meeting";
        follow_ups = "follow-ups";
        budget = "budget";
        budget_unit = "budget-unit";
        budget_queue = "budget-queue";
        budget_import = "budget-import";
        reports = "reports";
        final_report = "final-report";
        admin = "admin";
        users = "users";
        user_edit = "user-edit";
        identity = "identity";
        documents = "documents";
        history = "history";
        minutes = "minutes";
        forgot_password = "forgot-password";
        audit = "audit";
        feedback_form = "feedback-form";
        feedback_list = "feedback-list";
        feedback_holidays = "feedback-holidays";
        not_found = "not-found";
        forbidden = "forbidden";
        public_region = "public-region";
        public_program = "public-program";
        public_target = "public-target";
        publication = "publication";
    }
    accessible {
        regions = "regions";
        region_dashboard = "region-dashboard";
        login = "login";
        dashboard = "dashboard";
        leaders = "leaders";
        unit = "unit";
        target = "target";
        checkin = "checkin";
        queue = "queue";
        meetings = "meetings";
        meeting = "meeting";
        follow_ups = "follow-ups";
        budget = "budget";
        budget_unit = "budget-unit";
        budget_queue = "budget-queue";
        budget_import = "budget-import";
        reports = "reports";
        final_report = "final-report";
        admin = "admin";
        users = "users";
        user_edit = "user-edit";
        identity = "identity";
        documents = "documents";
        history = "history";
        minutes = "minutes";
        forgot_password = "forgot-password";
        audit = "audit";
        feedback_form = "feedback-form";
        feedback_list = "feedback-list";
        feedback_holidays = "feedback-holidays";
        not_found = "not-found";
        forbidden = "forbidden";
        public_region = "public-region";
        public_program = "public-program";
        public_target = "public-target";
        publication = "publication";
    }
}
