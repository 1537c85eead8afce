//! The citizen feedback loop in a real headless Chromium: a citizen sends
//! feedback with a photo through the public form, the admin verifies and
//! dispatches it, the unit's operator replies on the case's page, and the
//! citizen's status page shows the reply. On the way, axe-core (installed by
//! `npm ci` at the repository root) finds no serious or critical violation
//! on the form, the status page and the case's page, at 390 and 1280 px.
//! SQLite only, as the other browser tests.

mod chromium;
mod support;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use chromium::{Browser, Driver, WIDTHS};
use fantoccini::Locator;
use serde_json::json;

const FORM: &str = "/publik/3275/masukan?program=100HK&target=DLH-01";

/// axe-core's serious and critical violations, as `[id, impact, help, count]`.
const AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] }).then(
  (results) => done(results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => [v.id, v.impact, v.help, v.nodes.map((n) => n.target.join(' '))])),
  (error) => done('axe failed: ' + error),
);
"#;

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

/// The open page's serious and critical violations at both widths, one line each.
async fn violations(browser: &Browser, source: &str, what: &str) -> String {
    let mut out = String::new();
    let mut seen = BTreeSet::new();
    for width in WIDTHS {
        browser.viewport(width, chromium::HEIGHT).await;
        if browser
            .script("return typeof window.axe !== 'undefined'", vec![])
            .await
            != json!(true)
        {
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
        for v in found {
            let id = v[0].as_str().unwrap_or("?");
            if seen.insert((width, id.to_owned())) {
                let _ = writeln!(
                    out,
                    "  {what} at {width} px: {id} ({}): {} — {}",
                    v[1], v[2], v[3]
                );
            }
        }
    }
    out
}

async fn find(browser: &Browser, css: &str) -> fantoccini::elements::Element {
    browser
        .client
        .wait()
        .at_most(chromium::WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_sends_feedback_with_a_photo_and_reads_the_reply() {
    let axe = axe_source();
    let driver = Driver::start().await;
    let app = support::spawn_app_with("sqlite", |config| {
        config.feedback_min_fill = Duration::ZERO;
    })
    .await;
    app.store
        .publish("3275", "100HK", &pantau_store::Actor::cli())
        .await
        .unwrap();
    let browser = driver.connect(&app.base).await;
    let client = browser.client.clone();
    let photo = std::env::temp_dir().join(support::unique("pantau_feedback_photo") + ".png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR a pile of rubbish").unwrap();
    let photo_path = photo.clone();
    let outcome = tokio::time::timeout(
        Duration::from_secs(240),
        tokio::spawn(async move {
            let mut problems = String::new();
            // The citizen, logged in nowhere.
            browser.log_in(None, support::PASSWORD).await;
            browser.goto(FORM).await;
            problems += &violations(&browser, &axe, "the form").await;
            find(&browser, "input[name=category][value=pengaduan]")
                .await
                .click()
                .await
                .unwrap();
            find(&browser, "#body")
                .await
                .send_keys("Sampah menumpuk di Jalan Ahmad Yani")
                .await
                .unwrap();
            find(&browser, "#contact")
                .await
                .send_keys("0812-0000-0000")
                .await
                .unwrap();
            find(&browser, "#photo")
                .await
                .send_keys(&photo_path.display().to_string())
                .await
                .unwrap();
            find(&browser, "main form button[type=submit]")
                .await
                .click()
                .await
                .unwrap();
            let code = find(&browser, "#tracking-code").await.text().await.unwrap();
            assert_eq!(code.len(), 12, "{code}");

            // The admin verifies and dispatches, through the case's page.
            browser.log_in(Some("admin"), support::PASSWORD).await;
            let case_path = format!("/masukan/kasus/{code}");
            browser.goto(&case_path).await;
            problems += &violations(&browser, &axe, "the case (admin)").await;
            let photo_shown = browser
                .script(
                    "const i = document.querySelector('main img'); return i && i.complete && i.naturalWidth === 0 ? 'broken' : (i ? 'shown' : 'none')",
                    vec![],
                )
                .await;
            assert_ne!(photo_shown, json!("none"), "the admin sees the photo");
            browser
                .client
                .find(Locator::XPath("//form[input[@name='action' and @value='verify']]//button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            find(&browser, "p.flash").await;
            browser.goto("/masukan").await;
            problems += &violations(&browser, &axe, "the list (admin)").await;
            browser.goto(&case_path).await;
            browser
                .client
                .find(Locator::Css("select#unit"))
                .await
                .unwrap()
                .select_by_value("DLH")
                .await
                .unwrap();
            browser
                .client
                .find(Locator::XPath("//form[input[@name='action' and @value='dispatch']]//button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            find(&browser, "p.flash").await;
            browser.goto("/masukan/hari-libur").await;
            problems += &violations(&browser, &axe, "the holidays").await;

            // The operator of DLH replies.
            browser.log_in(Some("op-dlh"), support::PASSWORD).await;
            browser.goto(&case_path).await;
            problems += &violations(&browser, &axe, "the case (operator)").await;
            find(&browser, "#answer")
                .await
                .send_keys("Sudah diangkut hari Senin")
                .await
                .unwrap();
            browser
                .client
                .find(Locator::XPath("//form[input[@name='action' and @value='answer']]//button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            find(&browser, "p.flash").await;

            // The citizen's status page shows the reply.
            browser.log_in(None, support::PASSWORD).await;
            let status_path = format!("/publik/3275/masukan/{code}");
            browser.goto(&status_path).await;
            let answer = find(&browser, "#case-answer").await.text().await.unwrap();
            assert_eq!(answer, "Sudah diangkut hari Senin");
            let page = browser.client.source().await.unwrap();
            assert!(!page.contains("0812-0000-0000"), "no contact on a public page");
            problems += &violations(&browser, &axe, "the status page").await;
            // The citizen closes it.
            browser
                .client
                .find(Locator::XPath("//form[input[@name='decision' and @value='accept']]//button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            find(&browser, "p.flash").await;
            let state = find(&browser, "#case-state").await.text().await.unwrap();
            assert_eq!(state, "Selesai");
            problems
        }),
    )
    .await;
    let closed = client.close().await;
    let _ = std::fs::remove_file(&photo);
    let problems = match outcome {
        Err(_) => panic!("the feedback loop did not finish within 240 s"),
        Ok(Err(failure)) if failure.is_panic() => std::panic::resume_unwind(failure.into_panic()),
        Ok(Err(failure)) => panic!("the feedback loop did not finish: {failure}"),
        Ok(Ok(problems)) => problems,
    };
    closed.expect("the browser session closes");
    drop(driver);
    assert!(
        problems.is_empty(),
        "serious or critical axe-core violations:\n{problems}"
    );
}
