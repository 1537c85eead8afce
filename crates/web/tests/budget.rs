//! Serapan anggaran through the real server, on SQLite and PostgreSQL: the
//! region's absorption as the engine computes it, BPKAD's entry moving the
//! figures, a unit's own entry and its review, the refusals of every other
//! role, imports that list every problem and write nothing, and the API.

use pantau_store::Actor;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

#[macro_use]
mod support;
use support::{Browser, PASSWORD, TestApp, spawn_app};

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() { super::$name("sqlite").await })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() { super::$name("postgres").await })*
        }
    };
}

both_backends!(
    region_absorption_is_the_engines,
    finance_enters_a_month_and_the_figures_move,
    a_unit_enters_its_own_month_and_finance_reviews_it,
    other_roles_are_refused_and_change_nothing,
    import_with_errors_lists_every_problem_and_writes_nothing,
    valid_imports_replace_the_year,
    api_reads_and_writes_with_the_same_rights,
);

impl Browser {
    async fn json(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Post a month's figures through the unit page's form.
    async fn month(&self, unit: &str, month: &str, fields: &[(&str, &str)]) -> StatusCode {
        let csrf = self.csrf().await;
        let mut form = vec![("csrf", csrf.as_str()), ("year", "2025"), ("month", month)];
        form.extend_from_slice(fields);
        self.post(&format!("/anggaran/unit/{unit}/bulan"), &form)
            .await
            .0
    }

    async fn import(&self, year: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, String) {
        let form = Form::new()
            .text("csrf", self.csrf().await)
            .text("year", year.to_owned())
            .part("file", Part::bytes(bytes).file_name(name.to_owned()));
        let response = self
            .client
            .post(format!("{}/anggaran/impor", self.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

/// A unit's figures from `GET /api/v1/budgets`.
fn unit_of<'a>(budgets: &'a Value, code: &str) -> &'a Value {
    budgets["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == code)
        .map(|u| &u["budget"])
        .unwrap_or_else(|| panic!("no {code} in {budgets}"))
}

async fn region_absorption_is_the_engines(backend: &str) {
    let app = spawn_app(backend).await;
    let leader = app.logged_in("leader").await;
    let (status, page) = leader.get("/anggaran").await;
    assert_eq!(status, StatusCode::OK);
    // The sample's figures run to October: the newspaper's 50.70%.
    assert!(
        page.contains("Serapan 50,70% s.d. akhir Oktober 2025"),
        "{page}"
    );
    let engine = leader
        .json("/api/v1/programs/100HK/evaluation?as_of=2025-10-31")
        .await;
    assert_eq!(engine["summary"]["budget"]["absorption_pct"], json!(50.7));
    let api = leader.json("/api/v1/budgets?year=2025&month=10").await;
    assert_eq!(api["region"], engine["summary"]["budget"]);
    assert_eq!(
        (api["year"].as_i64(), api["month"].as_i64()),
        (Some(2025), Some(10))
    );
    assert_eq!(api["units"].as_array().unwrap().len(), 20);
    for unit in engine["units"].as_array().unwrap() {
        if !unit["budget"].is_null() {
            assert_eq!(
                unit_of(&api, unit["code"].as_str().unwrap()),
                &unit["budget"]
            );
        }
    }
    // Another month, and English.
    let (_, march) = leader.get("/anggaran?year=2025&month=3").await;
    let engine_march = leader
        .json("/api/v1/programs/100HK/evaluation?as_of=2025-03-31")
        .await;
    let pct = engine_march["summary"]["budget"]["absorption_pct"]
        .as_f64()
        .unwrap();
    assert!(march.contains(&format!(
        "Serapan {}% s.d. akhir Maret 2025",
        format!("{pct:.2}").replace('.', ",")
    )));
    leader.get("/bahasa/en").await;
    let (_, english) = leader.get("/anggaran?year=2025&month=10").await;
    assert!(english.contains("Absorption 50.70% to the end of October 2025"));
    // Every unit with a budget is ranked, flagged ones marked.
    assert_eq!(english.matches("data-unit=").count(), 40);
    let flagged = api["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["budget"]["flagged"] == true)
        .count();
    assert!(flagged > 0);
    assert_eq!(english.matches("class=\"flagged\"").count(), flagged);
    assert!(english.contains("<span id=\"flag-margin\">10</span> pp"));

    // A unit's page: chart, figures, months.
    let (status, unit) = leader.get("/anggaran/unit/DP3A?year=2025&month=10").await;
    assert_eq!(status, StatusCode::OK);
    assert!(unit.contains("<svg") && unit.contains("<polyline"));
    assert!(unit.contains("Rp 17,949,626,000"), "the realised to date");
    assert_eq!(unit.matches("data-month=").count(), 12);
    // Readers get no entry form.
    assert!(!unit.contains("id=\"month-form\"") && !unit.contains("id=\"pagu-form\""));
    let (status, _) = leader.get("/anggaran/unit/NOPE").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = leader.get("/anggaran?month=13").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("month"));
}

async fn finance_enters_a_month_and_the_figures_move(backend: &str) {
    let app = spawn_app(backend).await;
    let finance = app.logged_in("finance").await;
    let before = finance.json("/api/v1/budgets?year=2025&month=11").await;
    assert_eq!(unit_of(&before, "DP3A")["realised_to_date"], "17949626000");
    let (_, page) = finance.get("/anggaran/unit/DP3A?year=2025").await;
    assert!(page.contains("id=\"month-form\"") && page.contains("id=\"pagu-form\""));
    let status = finance
        .month(
            "DP3A",
            "11",
            &[
                ("planned", "2.970.000.000"),
                ("realised", "1.250.000.000"),
                ("physical_pct", "81,5"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let after = finance.json("/api/v1/budgets?year=2025&month=11").await;
    let dp3a = unit_of(&after, "DP3A");
    assert_eq!(dp3a["realised_to_date"], "19199626000");
    assert_eq!(dp3a["physical_pct"], json!(81.5));
    let region_before: u128 = before["region"]["realised_to_date"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let region_after: u128 = after["region"]["realised_to_date"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(region_after - region_before, 1_250_000_000);
    // The engine's evaluation sees it too.
    let engine = finance
        .json("/api/v1/programs/100HK/evaluation?as_of=2025-11-30")
        .await;
    assert_eq!(engine["summary"]["budget"], after["region"]);
    // BPKAD's own figures are verified at once.
    let (_, page) = finance.get("/anggaran/unit/DP3A?year=2025&month=11").await;
    assert!(page.contains("data-month=\"11\" data-status=\"verified\""));

    // A bad amount is refused, naming the field, and changes nothing.
    for (field, value) in [
        ("realised", "1,5"),
        ("realised", "-3"),
        ("physical_pct", "101"),
        ("planned", "12.50"),
    ] {
        let mut fields = vec![("realised", "1"), ("planned", "1")];
        fields.retain(|(f, _)| *f != field);
        fields.push((field, value));
        let status = finance.month("DP3A", "12", &fields).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}={value}");
    }
    // The refused form comes back with its message and what was typed.
    let csrf = finance.csrf().await;
    let (status, page) = finance
        .post(
            "/anggaran/unit/DP3A/bulan",
            &[
                ("csrf", &csrf),
                ("year", "2025"),
                ("month", "12"),
                ("realised", "1,5"),
                ("physical_pct", "12"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("class=\"error\" role=\"alert\">realised: &#34;1,5&#34; is not whole rupiah")
            || page.contains("realised: &quot;1,5&quot; is not whole rupiah"),
        "{page}"
    );
    assert!(page.contains("name=\"realised\" inputmode=\"numeric\" required value=\"1,5\""));
    let (status, page) = finance
        .post(
            "/anggaran/unit/DP3A/pagu",
            &[("csrf", &csrf), ("year", "2025"), ("pagu", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("is below what has been spent"), "{page}");
    // Beyond the pagu: refused.
    let status = finance
        .month("DP3A", "12", &[("realised", "5.550.374.001")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let unchanged = finance.json("/api/v1/budgets?year=2025&month=12").await;
    assert_eq!(
        unit_of(&unchanged, "DP3A")["realised_to_date"],
        "19199626000"
    );

    // A blank plan keeps the month's plan (API without `planned` too).
    let status = finance.month("DP3A", "12", &[("realised", "1")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let year = finance.json("/api/v1/budgets/DP3A?year=2025").await;
    assert_eq!(year["months"][11]["planned"], "4950000000");
    assert_eq!(year["months"][11]["realised"], "1");

    // A new year's pagu.
    let csrf = finance.csrf().await;
    let (status, _) = finance
        .post(
            "/anggaran/unit/DP3A/pagu",
            &[
                ("csrf", &csrf),
                ("year", "2026"),
                ("pagu", "26.000.000.000"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let year = finance.json("/api/v1/budgets/DP3A?year=2026").await;
    assert_eq!(year["pagu"], "26000000000");
}

async fn a_unit_enters_its_own_month_and_finance_reviews_it(backend: &str) {
    let app = spawn_app(backend).await;
    let operator = app.logged_in("op-dp3a").await;
    let (_, page) = operator.get("/anggaran/unit/DP3A?year=2025").await;
    assert!(page.contains("id=\"month-form\"") && !page.contains("id=\"pagu-form\""));
    // The plan stays BPKAD's even if a planned field is posted.
    let status = operator
        .month(
            "DP3A",
            "11",
            &[
                ("realised", "900000000"),
                ("physical_pct", "80"),
                ("planned", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let year = operator.json("/api/v1/budgets/DP3A?year=2025").await;
    let november = &year["months"][10];
    assert_eq!(november["status"], "submitted");
    assert_eq!(november["planned"], "2970000000");
    assert_eq!(november["realised"], "900000000");
    // Submitted figures count, as submitted entries do.
    assert_eq!(november["to_date"]["realised_to_date"], "18849626000");

    let finance = app.logged_in("finance").await;
    let (status, queue) = finance.get("/anggaran/verifikasi").await;
    assert_eq!(status, StatusCode::OK);
    assert!(queue.contains("data-waiting=\"DP3A/2025/11\""));
    let csrf = finance.csrf().await;
    let (status, _) = finance
        .post(
            "/anggaran/verifikasi",
            &[
                ("csrf", &csrf),
                ("unit", "DP3A"),
                ("year", "2025"),
                ("month", "11"),
                ("decision", "return"),
                ("reason", "Lampirkan SP2D"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Returned: no longer counted; the unit sees why.
    let budgets = operator.json("/api/v1/budgets?year=2025&month=11").await;
    assert_eq!(unit_of(&budgets, "DP3A")["realised_to_date"], "17949626000");
    let (_, page) = operator.get("/anggaran/unit/DP3A?year=2025&month=11").await;
    assert!(page.contains("Lampirkan SP2D"));

    // Entered again and verified: counted, and settled for the unit.
    let status = operator
        .month("DP3A", "11", &[("realised", "950000000")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = finance
        .post(
            "/anggaran/verifikasi",
            &[
                ("csrf", &csrf),
                ("unit", "DP3A"),
                ("year", "2025"),
                ("month", "11"),
                ("decision", "verify"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let budgets = operator.json("/api/v1/budgets?year=2025&month=11").await;
    assert_eq!(unit_of(&budgets, "DP3A")["realised_to_date"], "18899626000");
    let status = operator.month("DP3A", "11", &[("realised", "1")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, queue) = finance.get("/anggaran/verifikasi").await;
    assert!(!queue.contains("data-waiting="));
}

async fn other_roles_are_refused_and_change_nothing(backend: &str) {
    let app = spawn_app(backend).await;
    let bundle_before = app.store.region_bundle("3275").await.unwrap();
    let denials_before = denials(&app).await;
    let mut refused = 0;
    for username in ["op-dlh", "leader", "asda1", "admin"] {
        let browser = app.logged_in(username).await;
        // Another unit's month (or any, for roles that enter none).
        assert_eq!(
            browser.month("DP3A", "11", &[("realised", "1")]).await,
            StatusCode::FORBIDDEN,
            "{username} month"
        );
        let csrf = browser.csrf().await;
        let (status, _) = browser
            .post(
                "/anggaran/unit/DP3A/pagu",
                &[("csrf", &csrf), ("year", "2025"), ("pagu", "1")],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username} pagu");
        let (status, _) = browser.get("/anggaran/verifikasi").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username} queue");
        let (status, _) = browser
            .post(
                "/anggaran/verifikasi",
                &[
                    ("csrf", &csrf),
                    ("unit", "DP3A"),
                    ("year", "2025"),
                    ("month", "10"),
                    ("decision", "verify"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username} review");
        refused += 4;
        if username != "admin" {
            let (status, _) = browser.get("/anggaran/impor").await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{username} import page");
            let (status, _) = browser
                .import("2025", "a.csv", b"unit,month,pagu\n".to_vec())
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{username} import");
            let (status, _) = browser.get("/anggaran/templat.csv").await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{username} template");
            refused += 3;
        }
    }
    // An operator cannot verify, even its own unit's month.
    let own = app.logged_in("op-dp3a").await;
    assert_eq!(
        own.month("DP3A", "11", &[("realised", "5")]).await,
        StatusCode::SEE_OTHER
    );
    let csrf = own.csrf().await;
    let (status, _) = own
        .post(
            "/anggaran/verifikasi",
            &[
                ("csrf", &csrf),
                ("unit", "DP3A"),
                ("year", "2025"),
                ("month", "11"),
                ("decision", "verify"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    refused += 1;
    // A form without its token is refused before anything.
    let finance = app.logged_in("finance").await;
    let (status, _) = finance
        .post(
            "/anggaran/unit/DP3A/bulan",
            &[("year", "2025"), ("month", "12"), ("realised", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let mut after = app.store.region_bundle("3275").await.unwrap();
    // Only op-dp3a's own November changed.
    let dp3a = after.budgets.iter_mut().find(|b| b.unit == "DP3A").unwrap();
    assert_eq!(dp3a.months[10].realised.0, 5);
    dp3a.months[10].realised.0 = 0;
    assert!(after == bundle_before);
    assert_eq!(denials(&app).await - denials_before, refused);
}

async fn denials(app: &TestApp) -> usize {
    app.store
        .audit_log("3275", 10_000)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.entity.starts_with("budget."))
        .map(|r| r.refusals() as usize)
        .sum()
}

async fn import_with_errors_lists_every_problem_and_writes_nothing(backend: &str) {
    let app = spawn_app(backend).await;
    let finance = app.logged_in("finance").await;
    let before = app.store.region_bundle("3275").await.unwrap();
    let csv = "unit;month;pagu;planned;realised;physical_pct\n\
               DP3A;1;10.000.000;1.000.000;500.000;5\n\
               NOPE;1;1000;0;0;\n\
               DP3A;2;;1,5;0;\n\
               DP3A;13;;0;0;\n\
               DP3A;3;;0;0;101\n\
               DP3A;1;;0;0;\n\
               DLH;1;1.000;0;600;\n\
               DLH;2;;0;401;\n\
               DLH;3;2.000;0;0;\n\
               DISDIK;1;;0;0;\n";
    let (status, page) = finance
        .import("2025", "anggaran.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    for (row, column) in [
        (3, "unit"),
        (4, "planned"),
        (5, "month"),
        (6, "physical_pct"),
        (7, "month"),
        (9, "realised"),
        (10, "pagu"),
        (11, "pagu"),
    ] {
        let cell = format!("<td class=\"num\">{row}</td><td>{column}</td>");
        assert!(
            page.contains(&cell),
            "row {row} {column} not listed:\n{page}"
        );
    }
    assert_eq!(page.matches("<td>anggaran.csv</td>").count(), 8);
    assert!(app.store.region_bundle("3275").await.unwrap() == before);

    // XLSX: a fractional number cell and a missing column, named by sheet and cell.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("anggaran").unwrap();
    for (c, h) in ["unit", "month", "pagu", "planned", "realised"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "DP3A").unwrap();
    sheet.write_number(1, 1, 1.0).unwrap();
    sheet.write_number(1, 2, 1_000_000.0).unwrap();
    sheet.write_number(1, 3, 1000.5).unwrap();
    sheet.write_number(1, 4, -1.0).unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let (status, page) = finance.import("2025", "anggaran.xlsx", bytes).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("<td>anggaran</td><td class=\"num\">2</td><td>planned</td>"),
        "{page}"
    );
    assert!(page.contains("<td>anggaran</td><td class=\"num\">2</td><td>realised</td>"));
    let (status, page) = finance
        .import("2025", "x.csv", b"unit,month\nDP3A,1\n".to_vec())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("<td>pagu</td>") && page.contains("<td>realised</td>"));
    assert!(app.store.region_bundle("3275").await.unwrap() == before);
}

async fn valid_imports_replace_the_year(backend: &str) {
    let app = spawn_app(backend).await;
    let admin = app.logged_in("admin").await;
    // The template carries the stored figures: importing it back changes nothing.
    let response = admin
        .client
        .get(format!("{}/anggaran/templat.csv?year=2025", admin.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let template = response.text().await.unwrap();
    // Headers in words; sheets with the older headers (`unit,month,...`, above) import too.
    assert!(template.starts_with("OPD,Bulan,Pagu,Rencana,Realisasi,Fisik (%)"));
    assert!(template.contains("DP3A,1,24750000000,495000000,373205000,8.1"));
    let before = app.store.region_bundle("3275").await.unwrap();
    let (status, page) = admin.import("2025", "t.csv", template.into_bytes()).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let after = app.store.region_bundle("3275").await.unwrap();
    let engine = |b: &pantau_domain::bundle::Bundle| {
        let region = pantau_domain::validate(b).unwrap();
        pantau_domain::budget::year_figures(&region, 2025, 10)
    };
    assert_eq!(engine(&after), engine(&before));

    // The XLSX template too, and a sheet with new figures replaces the unit's year.
    let finance = app.logged_in("finance").await;
    let response = finance
        .client
        .get(format!("{}/anggaran/templat.xlsx?year=2025", finance.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let xlsx = response.bytes().await.unwrap().to_vec();
    let (status, page) = finance.import("2025", "t.xlsx", xlsx).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(
        engine(&app.store.region_bundle("3275").await.unwrap()),
        engine(&before)
    );

    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in [
        "unit",
        "month",
        "pagu",
        "planned",
        "realised",
        "physical_pct",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "DP3A").unwrap();
    sheet.write_number(1, 1, 1.0).unwrap();
    sheet.write_string(1, 2, "30.000.000.000").unwrap();
    sheet.write_number(1, 3, 3_000_000_000.0).unwrap();
    sheet.write_number(1, 4, 1_500_000_000.0).unwrap();
    sheet.write_number(1, 5, 12.25).unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let (status, page) = finance.import("2025", "baru.xlsx", bytes.clone()).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let year = finance.json("/api/v1/budgets/DP3A?year=2025").await;
    assert_eq!(year["pagu"], "30000000000");
    assert_eq!(year["months"].as_array().unwrap().len(), 1);
    assert_eq!(year["months"][0]["physical_pct"], json!(12.25));
    let budgets = finance.json("/api/v1/budgets?year=2025&month=10").await;
    assert_eq!(unit_of(&budgets, "DP3A")["absorption_pct"], json!(5.0));
    // Other units keep theirs.
    assert_eq!(unit_of(&budgets, "DLH")["realised_to_date"], "152415606000");
    let log = app.store.audit_log("3275", 1).await.unwrap();
    assert_eq!(
        (log[0].action.as_str(), log[0].entity.as_str()),
        ("import", "budget")
    );
    // What it brought, and which file: its name and the SHA-256 of its bytes.
    let detail = log[0].after.as_ref().unwrap();
    assert_eq!(detail["budgets"], 1);
    assert_eq!(detail["months"], 1);
    let source = pantau_store::ImportSource::of(Some("baru.xlsx"), &bytes);
    assert_eq!(detail["source"]["sha256"], source.sha256.as_str());
    assert_eq!(detail["source"]["file"], "baru.xlsx");
    assert_eq!(source.sha256.len(), 64);
}

async fn api_reads_and_writes_with_the_same_rights(backend: &str) {
    let app = spawn_app(backend).await;
    let token = |user: &'static str| {
        let store = app.store.clone();
        async move {
            store
                .create_api_token(user, "uji", &Actor::cli())
                .await
                .unwrap()
        }
    };
    let client = reqwest::Client::new();
    let put = |token: String, path: &'static str, body: Value| {
        let client = client.clone();
        let url = format!("{}/api/v1/budgets/{path}", app.base);
        async move {
            let response = client
                .put(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let finance = token("finance").await;
    let (status, body) = put(
        finance.clone(),
        "DP3A/2025/11",
        json!({"planned": "2970000000", "realised": 1000, "physical_pct": 80}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "verified");
    let (status, _) = put(finance.clone(), "DP3A/2025/12", json!({"realised": 0})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = put(finance.clone(), "DP3A/2025/11", json!({"realised": 1.5})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("realised"),
        "{body}"
    );
    let (status, body) = put(
        finance.clone(),
        "DP3A/2025/11",
        json!({"realised": 1, "physical_pct": 10.125}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("physical_pct"));

    let other = token("op-dlh").await;
    let (status, _) = put(other, "DP3A/2025/12", json!({"realised": 1})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let own = token("op-dp3a").await;
    let (status, body) = put(own.clone(), "DP3A/2025/12", json!({"realised": 2})).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("submitted"))
    );
    // The plan is BPKAD's to set.
    let (status, _) = put(own, "DP3A/2025/12", json!({"realised": 2, "planned": 5})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let leader = token("leader").await;
    let (status, _) = put(leader.clone(), "DP3A/2025/12", json!({"realised": 3})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let read = |path: &'static str| {
        let client = client.clone();
        let leader = leader.clone();
        let url = format!("{}/api/v1/{path}", app.base);
        async move {
            client
                .get(url)
                .bearer_auth(leader)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let year = read("budgets/DP3A?year=2025").await;
    assert_eq!(year["pagu"], "24750000000");
    assert_eq!(year["months"][10]["realised"], "1000");
    assert_eq!(year["months"][10]["status"], "verified");
    assert_eq!(year["months"][11]["status"], "submitted");
    assert_eq!(year["months"][11]["planned"], "4950000000");
    assert_eq!(
        year["months"][11]["to_date"]["realised_to_date"],
        "17949627002"
    );
    let budgets = read("budgets?year=2025&month=12").await;
    assert_eq!(unit_of(&budgets, "DP3A")["realised_to_date"], "17949627002");
    assert!(
        unit_of(&budgets, "DP3A")["absorption_pct"].is_f64()
            || unit_of(&budgets, "DP3A")["absorption_pct"].is_u64()
    );
    // A session alone does not write.
    let browser = app.logged_in("finance").await;
    let response = browser
        .client
        .put(format!("{}/api/v1/budgets/DP3A/2025/12", app.base))
        .json(&json!({"realised": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let _ = PASSWORD;
}
