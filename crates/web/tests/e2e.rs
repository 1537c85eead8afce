//! One walk through Pantau in a real headless Chromium, driven over WebDriver
//! (Debian's chromium and chromium-driver; `scripts/chromium` installs them).
//! An operator lands on the week's page and reports a value with a photo
//! through it, confirms an implausible value and deletes it again, an
//! evaluator verifies the report from the queue, the leader reads the new figure on the
//! target page and finds the unit on the dashboard. Screenshots of the pages
//! at phone width land in /tmp/pantau-e2e-<backend>-<page>.png for a look.

mod chromium;
mod support;

use std::time::{Duration, Instant};

use chromium::{Driver, WAIT};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use pantau_domain::bundle::EntryStatus;
use rust_decimal::Decimal;
use serde_json::json;
use support::{PASSWORD, TestApp};

/// How long the whole walk may take.
const WALK: Duration = Duration::from_secs(180);
/// A phone's viewport (an iPhone 12-15), in CSS pixels.
const PHONE: (u32, u32) = (390, 844);

/// A valid 2×2 RGB PNG: the photo the operator attaches.
const PHOTO: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a,
    0x73, 0x00, 0x00, 0x00, 0x16, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xb8, 0x23, 0x27, 0x27,
    0xb7, 0xc0, 0x86, 0x41, 0x2e, 0xe0, 0xce, 0xff, 0xff, 0xff, 0x01, 0x22, 0x46, 0x06, 0x5a, 0x7c,
    0x38, 0xd9, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The browser at the test server.
struct Browser {
    client: Client,
    base: String,
    backend: &'static str,
}

impl Browser {
    async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("opening {path}: {e}"));
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let url = self.client.current_url().await.unwrap();
            if url.path() == path {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "expected to be on {path}, still on {url}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The element `css` selects, waiting for it to appear.
    async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!("no {css} on {}: {e}", self.path().await),
        }
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// The text of the element `css` selects once it contains `needle`: a
    /// form that posts back to its own page leaves the old page in view for a
    /// moment, and its elements go stale when the new one replaces it.
    async fn text_containing(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let found = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.ok(),
                Err(_) => None,
            };
            match found {
                Some(text) if text.contains(needle) => return text,
                _ if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                other => panic!(
                    "{css} on {} did not come to contain {needle:?} within {WAIT:?}: {other:?}",
                    self.path().await
                ),
            }
        }
    }

    /// Wait until the element `css` selects reads `expected` (across a page
    /// load that replaces an element of the same kind).
    async fn wait_for_text(&self, css: &str, expected: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let found = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.ok(),
                Err(_) => None,
            };
            if found.as_deref() == Some(expected) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{css} on {} reads {found:?}, not {expected:?}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Log in through the form; operators land on their week, everyone
    /// else on the dashboard.
    async fn log_in(&self, username: &str) {
        self.goto("/masuk").await;
        self.find("#username")
            .await
            .send_keys(username)
            .await
            .unwrap();
        self.find("#password")
            .await
            .send_keys(PASSWORD)
            .await
            .unwrap();
        self.find("main form button[type=submit]")
            .await
            .click()
            .await
            .unwrap();
        let landing = if username.starts_with("op-") {
            "/lapor"
        } else {
            "/dasbor"
        };
        self.wait_for_path(landing).await;
        assert!(
            self.text("header").await.contains(username),
            "{username}'s name is in the header"
        );
    }

    /// Log out with the header's button; lands on the log-in page.
    async fn log_out(&self) {
        self.find("header form[action=\"/keluar\"] button")
            .await
            .click()
            .await
            .unwrap();
        self.wait_for_path("/masuk").await;
        self.find("#username").await;
    }

    async fn script(&self, script: &str, args: Vec<serde_json::Value>) -> serde_json::Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script {script}: {e}"))
    }

    /// Size the window so that the page's viewport is `width` × `height`
    /// CSS pixels (the window's own frame, if any, comes on top).
    async fn viewport(&self, width: u32, height: u32) {
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

    /// A screenshot of the whole page `width` CSS pixels wide, to
    /// /tmp/pantau-e2e-<backend>-<name>.png. Returns by how many pixels the
    /// page is wider than the viewport (0 when nothing sticks out sideways).
    async fn screenshot(&self, name: &str, width: u32) -> i64 {
        self.viewport(width, PHONE.1).await;
        let measured = self
            .script(
                "const root = document.documentElement; \
                 return [root.scrollWidth - root.clientWidth, root.scrollHeight]",
                vec![],
            )
            .await;
        let overflow = measured[0].as_i64().unwrap_or_default();
        let height = measured[1].as_u64().unwrap_or(u64::from(PHONE.1));
        let height = u32::try_from(height)
            .unwrap_or(u32::MAX)
            .clamp(PHONE.1, 10_000);
        self.viewport(width, height).await;
        let png = self.client.screenshot().await.unwrap();
        self.viewport(width, PHONE.1).await;
        let path = format!("/tmp/pantau-e2e-{}-{name}.png", self.backend);
        std::fs::write(&path, png).unwrap();
        eprintln!("e2e: {path} ({width} × {height}, {overflow}px sideways overflow)");
        overflow
    }

    /// As [`Browser::screenshot`] at phone width; the page must not be wider
    /// than the phone (wide tables scroll inside their own box).
    async fn phone_screenshot(&self, name: &str) {
        let overflow = self.screenshot(name, PHONE.0).await;
        assert!(
            overflow <= 0,
            "{} sticks out {overflow}px sideways on a {}px-wide phone",
            self.path().await,
            PHONE.0
        );
    }
}

/// The target's realisation now, straight from the engine on the stored bundle.
async fn realized_now(app: &TestApp, target: &str) -> Decimal {
    let bundle = app.store.region_bundle("3275").await.unwrap();
    let region = pantau_domain::validate(&bundle).unwrap();
    let program = region.programs.iter().find(|p| p.code == "100HK").unwrap();
    let as_of = program.calendar.as_of_instant(chrono::Utc::now());
    let evaluation = pantau_domain::evaluate(&region, program, &as_of, Default::default());
    let index = program
        .targets
        .iter()
        .position(|t| t.code == target)
        .unwrap();
    evaluation.targets[index].realized.unwrap_or_default()
}

/// A figure as the Indonesian pages write it: at most 2 decimals, a decimal comma.
fn indonesian(value: Decimal) -> String {
    pantau_domain::rating::round2(value)
        .normalize()
        .to_string()
        .replace('.', ",")
}

async fn walk(app: TestApp, browser: Browser) {
    let note = format!("uji e2e {}", support::unique("catatan"));
    let before = realized_now(&app, "DP3A-01").await;

    // The operator reports 7 revitalised posyandu with a photo, on a phone.
    browser.viewport(PHONE.0, PHONE.1).await;
    browser.goto("/masuk").await;
    browser.phone_screenshot("login").await;
    browser.log_in("op-dp3a").await;
    // The operator lands on the week: each target with its goal, its
    // realisation so far and what to enter, and the deadline's countdown.
    assert!(
        browser
            .text("main h1")
            .await
            .starts_with("Laporan minggu ini"),
        "the operator's week"
    );
    let facts = browser
        .text(r#"form[data-target="DP3A-01"] .week-facts"#)
        .await;
    assert!(
        facts.contains("120 posyandu")
            && facts.contains(&format!("{} posyandu", indonesian(before))),
        "goal and realisation: {facts}"
    );
    let label = browser
        .text(r#"form[data-target="DP3A-01"] label[for="value-DP3A-01"]"#)
        .await;
    assert_eq!(label, "Tambahan minggu ini (posyandu)");
    assert!(browser.text("#countdown").await.starts_with("lewat "));
    browser.screenshot("week-desktop", 1280).await;
    browser.viewport(PHONE.0, PHONE.1).await;
    let form = browser.find(r#"form[data-target="DP3A-01"]"#).await;
    let field = |css: &'static str| {
        let form = form.clone();
        async move {
            form.find(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("no {css} in the DP3A-01 form: {e}"))
        }
    };
    field("input[name=value]")
        .await
        .send_keys("7")
        .await
        .unwrap();
    let date = field("input[name=activity_date]").await;
    browser
        .script(
            "arguments[0].value = arguments[1]",
            vec![serde_json::to_value(&date).unwrap(), json!("2025-05-10")],
        )
        .await;
    assert_eq!(
        date.prop("value").await.unwrap().as_deref(),
        Some("2025-05-10")
    );
    field("textarea[name=note]")
        .await
        .send_keys(&note)
        .await
        .unwrap();
    let photo = std::env::temp_dir().join(format!("{}.png", support::unique("posyandu")));
    std::fs::write(&photo, PHOTO).unwrap();
    field("input[type=file][name=evidence]")
        .await
        .send_keys(&photo.display().to_string())
        .await
        .unwrap();
    field("button[type=submit]").await.click().await.unwrap();
    let saved = browser.text("p.flash[role=status]").await;
    assert_eq!(saved, "Laporan tersimpan.", "the saved notice");
    assert_eq!(browser.path().await, "/lapor");
    let past = browser.text("#past").await;
    assert!(
        past.contains("10 Mei 2025") && past.contains("Menunggu verifikasi"),
        "the new entry is listed as awaiting verification: {past}"
    );
    browser.phone_screenshot("checkin").await;
    let _ = std::fs::remove_file(&photo);
    confirm_an_implausible_value(&app, &browser).await;

    let entry = app
        .store
        .entries(
            "3275",
            &pantau_store::EntryFilter {
                target: Some("DP3A-01".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.note.as_deref() == Some(note.as_str()))
        .expect("the entry the browser sent is stored");
    assert_eq!(entry.value, Decimal::from(7));
    assert_eq!(entry.activity_date.to_string(), "2025-05-10");
    assert_eq!(entry.status, EntryStatus::Submitted);
    // The photo arrived whole.
    let log = app.store.audit_log("3275", 50).await.unwrap();
    let evidence = log
        .iter()
        .filter(|r| r.entity == "evidence")
        .filter_map(|r| r.after.as_ref())
        .find(|after| after["entry_id"] == json!(entry.id))
        .expect("the photo is recorded with the entry");
    assert_eq!(evidence["content_type"], "image/png");
    let stored = std::fs::read(evidence["stored_path"].as_str().unwrap()).unwrap();
    assert_eq!(stored, PHOTO, "the stored photo is the one attached");

    let after = realized_now(&app, "DP3A-01").await;
    assert_eq!(after, before + Decimal::from(7), "submitted entries count");
    browser.log_out().await;

    // The evaluator of ASDA1 verifies it from the queue.
    browser.log_in("asda1").await;
    browser.goto("/verifikasi").await;
    let card_css = format!(r#"[data-entry="{}"]"#, entry.id);
    let card = browser.find(&card_css).await;
    let card_text = card.text().await.unwrap();
    assert!(
        card_text.contains("DP3A-01") && card_text.contains(&note),
        "the card shows the report: {card_text}"
    );
    card.find(Locator::Css("button[data-action=verify]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for_path("/verifikasi").await;
    let deadline = Instant::now() + WAIT;
    while !browser
        .client
        .find_all(Locator::Css(&card_css))
        .await
        .unwrap()
        .is_empty()
    {
        assert!(
            Instant::now() < deadline,
            "the verified entry leaves the queue"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.phone_screenshot("queue").await;
    let entry = app.store.entry("3275", entry.id).await.unwrap().unwrap();
    assert_eq!(entry.status, EntryStatus::Verified);
    assert_eq!(entry.reviewed_by.as_deref(), Some("asda1"));
    assert_eq!(realized_now(&app, "DP3A-01").await, after);
    browser.log_out().await;

    // The leader sees the new figure and the unit on the dashboard.
    browser.log_in("leader").await;
    // The program has ended: its pages default to the official final figures,
    // and a report filed today counts when the figures as of now are asked for.
    browser.goto("/target/100HK/DP3A-01?as_of=now").await;
    let shown = browser.text("#target-realized").await;
    assert_eq!(
        shown,
        indonesian(after),
        "the target page shows the realisation ({before} + 7)"
    );
    let entries = browser.text("#entries").await;
    assert!(
        entries.contains("Terverifikasi"),
        "the entry shows as verified: {entries}"
    );
    browser.find("figure svg").await;
    browser.phone_screenshot("target").await;
    browser.goto("/dasbor").await;
    let row = browser.find(r#"#units tr[data-unit="DP3A"]"#).await;
    assert!(row.is_displayed().await.unwrap(), "the DP3A row is visible");
    assert!(row.text().await.unwrap().starts_with("DP3A"));
    browser.phone_screenshot("dashboard").await;
    browser.screenshot("dashboard-desktop", 1280).await;
    browser.log_out().await;

    hold_a_meeting(&app, &browser).await;
}

/// 9 more playgrounds on top of DP3A-02's 10 (target 10) is past 150% of
/// the target: the form asks, keeps what was typed, and saves on "Ya, kirim".
/// The operator then deletes it again, confirming in the row's second button.
async fn confirm_an_implausible_value(app: &TestApp, browser: &Browser) {
    let stored = || async {
        app.store
            .entries(
                "3275",
                &pantau_store::EntryFilter {
                    target: Some("DP3A-02".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
    };
    let before = stored().await.len();
    let form_css = r#"form[data-target="DP3A-02"]"#;
    let form = browser.find(form_css).await;
    form.find(Locator::Css("input[name=value]"))
        .await
        .unwrap()
        .send_keys("9")
        .await
        .unwrap();
    let date = form
        .find(Locator::Css("input[name=activity_date]"))
        .await
        .unwrap();
    browser
        .script(
            "arguments[0].value = arguments[1]",
            vec![serde_json::to_value(&date).unwrap(), json!("2025-05-10")],
        )
        .await;
    form.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let warning = browser.text(&format!("{form_css} .doubts")).await;
    assert!(
        warning.contains("Nilai: dengan nilai ini realisasi menjadi 19, lebih dari 150% target"),
        "the warning names the field and why: {warning}"
    );
    let kept = browser
        .find(&format!("{form_css} input[name=value]"))
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("9"), "the typed value is kept");
    assert_eq!(stored().await.len(), before, "not saved before confirming");
    browser.phone_screenshot("checkin-confirm").await;
    let confirm = browser.find(&format!("{form_css} button.confirm")).await;
    assert_eq!(confirm.text().await.unwrap(), "Ya, kirim");
    confirm.click().await.unwrap();
    browser
        .wait_for_text("p.flash[role=status]", "Laporan tersimpan.")
        .await;
    let entry = stored()
        .await
        .into_iter()
        .find(|e| e.value == Decimal::from(9))
        .expect("saved once confirmed");

    // Deleting asks first, in the row, without script.
    let row = format!(r#"#past [data-entry="{}"]"#, entry.id);
    browser
        .find(&format!("{row} details.delete summary"))
        .await
        .click()
        .await
        .unwrap();
    browser
        .find(&format!("{row} details.delete button[type=submit]"))
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for_text("p.flash[role=status]", "Laporan dihapus.")
        .await;
    assert!(app.store.entry("3275", entry.id).await.unwrap().is_none());
}

/// The evaluator of ASDA1 opens Friday's meeting of period 6 from the list,
/// finds its agenda ready, records a note and a follow-up, closes it and
/// prints the minutes.
async fn hold_a_meeting(app: &TestApp, browser: &Browser) {
    let meeting = "/rapat/100HK/ASDA1/6";
    browser.log_in("asda1").await;
    // The list is paged: the week is found by its period.
    browser.goto("/rapat?periode=6").await;
    browser
        .find(&format!(r#"#meetings a[href="{meeting}"]"#))
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for_path(meeting).await;
    // The agenda is ready: who did not report, which targets need a word.
    let missing = browser
        .text(r#"#agenda-reporting tr[data-unit="KEC-BANTARGEBANG"]"#)
        .await;
    assert!(missing.contains("Tidak lapor"), "{missing}");
    browser
        .find(r#"#agenda-targets tr[data-target="KEC-BANTARGEBANG-01"]"#)
        .await;

    let note = "Percepat revitalisasi posyandu";
    let form = browser.find(r#"form[data-note="DP3A"]"#).await;
    form.find(Locator::Css("textarea[name=text]"))
        .await
        .unwrap()
        .send_keys(note)
        .await
        .unwrap();
    form.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for_path(meeting).await;
    // The note is in the DP3A row once the page has come back.
    browser
        .text_containing(r#"#units tr[data-unit="DP3A"]"#, note)
        .await;

    let promise = "Laporkan data posyandu periode 4-6";
    browser
        .find(r#"#follow-up-unit option[value="KEC-BANTARGEBANG"]"#)
        .await
        .click()
        .await
        .unwrap();
    let due = browser.find("#follow-up-due").await;
    browser
        .script(
            "arguments[0].value = arguments[1]",
            vec![serde_json::to_value(&due).unwrap(), json!("2025-04-11")],
        )
        .await;
    browser
        .find("#follow-up-description")
        .await
        .send_keys(promise)
        .await
        .unwrap();
    browser
        .find("#follow-up-form button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for_path(meeting).await;
    let created = browser
        .text_containing("#follow-ups-created", promise)
        .await;
    assert!(
        created.contains(promise) && created.contains("11 April 2025"),
        "{created}"
    );
    browser.phone_screenshot("meeting").await;

    // Close it, confirming; the printable minutes follow.
    browser
        .find("#close-form input[name=confirm]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .find("#close-form button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    let minutes = format!("{meeting}/berita-acara");
    browser.wait_for_path(&minutes).await;
    assert_eq!(browser.text("#place-date").await, "Bekasi, 4 April 2025");
    assert_ne!(
        browser.text(".signatory").await,
        "asda1",
        "signed by name, never by username"
    );
    assert!(browser.text("#notes").await.contains(note));
    assert!(browser.text("#follow-ups-created").await.contains(promise));
    browser.screenshot("minutes", 794).await;
    let stored = app
        .store
        .minutes(
            "3275",
            &pantau_store::meetings::MeetingKey::weekly("100HK", "ASDA1", 6),
        )
        .await
        .unwrap()
        .expect("closing froze the minutes");
    assert_eq!(stored.follow_ups_created[0].description, promise);
    // The closed meeting shows no forms any more.
    browser.goto(meeting).await;
    browser.find("#closed").await;
    assert!(
        browser
            .client
            .find_all(Locator::Css("#close-form"))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn report_verify_and_see_it_in_chromium(backend: &'static str) {
    let started = Instant::now();
    let driver = Driver::start().await;
    let app = support::spawn_app(backend).await;
    let client = driver.connect(&app.base).await.client;
    let browser = Browser {
        client: client.clone(),
        base: app.base.clone(),
        backend,
    };
    // The walk runs apart so that the session is closed (and Chromium quits)
    // whatever happens in it; its failure is raised after.
    let outcome = tokio::time::timeout(WALK, tokio::spawn(walk(app, browser))).await;
    let closed = client.close().await;
    match outcome {
        Err(_) => panic!("the walk did not finish within {WALK:?}"),
        Ok(Err(failure)) if failure.is_panic() => std::panic::resume_unwind(failure.into_panic()),
        Ok(Err(failure)) => panic!("the walk did not finish: {failure}"),
        Ok(Ok(())) => {}
    }
    closed.expect("the browser session closes");
    drop(driver);
    eprintln!("e2e ({backend}): {:.1?}", started.elapsed());
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn report_verify_and_see_it_in_chromium() {
        super::report_verify_and_see_it_in_chromium("sqlite").await
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn report_verify_and_see_it_in_chromium() {
        super::report_verify_and_see_it_in_chromium("postgres").await
    }
}
