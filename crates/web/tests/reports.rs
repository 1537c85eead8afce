//! Reports over HTTP, on SQLite and on PostgreSQL: downloads from the pages
//! and the API with the right content types and rights; the spreadsheet
//! import is for admins only and writes all or nothing.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use rust_xlsxwriter::Workbook;

mod support;
use support::{PASSWORD, TestApp, spawn_app, spawn_beside};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

struct Browser {
    client: reqwest::Client,
    base: String,
}

struct Got {
    status: StatusCode,
    content_type: String,
    location: String,
    bytes: Vec<u8>,
}

impl Got {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

fn csrf_in(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

async fn browser(app: &TestApp, username: Option<&str>) -> Browser {
    let browser = Browser {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: app.base.clone(),
    };
    if let Some(username) = username {
        let page = browser.get("/masuk").await.text();
        let response = browser
            .client
            .post(format!("{}/masuk", browser.base))
            .form(&[
                ("csrf", csrf_in(&page).as_str()),
                ("username", username),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "{username} logs in"
        );
    }
    browser
}

impl Browser {
    async fn get(&self, path: &str) -> Got {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        Got {
            status: response.status(),
            content_type: header(reqwest::header::CONTENT_TYPE),
            location: header(reqwest::header::LOCATION),
            bytes: response.bytes().await.unwrap().to_vec(),
        }
    }

    async fn upload(&self, bytes: Vec<u8>) -> Got {
        let csrf = csrf_in(&self.get("/dasbor").await.text());
        let form = Form::new()
            .text("csrf", csrf)
            .part("file", Part::bytes(bytes).file_name("impor.xlsx"));
        let response = self
            .client
            .post(format!("{}/laporan/impor", self.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        Got {
            status: response.status(),
            content_type: String::new(),
            location: response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            bytes: response.bytes().await.unwrap().to_vec(),
        }
    }

    /// Follow an import's page until it is no longer running (bounded).
    async fn import_outcome(&self, location: &str) -> String {
        for _ in 0..600 {
            let page = self.get(location).await;
            assert_eq!(page.status, StatusCode::OK);
            let text = page.text();
            if !text.contains("http-equiv=\"refresh\"") {
                return text;
            }
            assert!(
                text.contains("<progress"),
                "a running import shows its progress"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the import did not finish");
    }
}

async fn downloads_have_their_types_and_need_a_login(backend: &str) {
    let app = spawn_app(backend).await;
    let anonymous = browser(&app, None).await;
    let page = anonymous.get("/laporan/unduh?format=xlsx").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location, "/masuk");
    let api = anonymous
        .get("/api/v1/programs/100HK/report?format=xlsx")
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);

    // Any role of the region reads its reports: an operator here.
    let operator = browser(&app, Some("op-dp3a")).await;
    let reports = operator.get("/laporan").await;
    assert_eq!(reports.status, StatusCode::OK);
    assert!(reports.text().contains("id=\"report-download\""));
    assert!(
        !reports.text().contains("id=\"report-import\""),
        "import is for admins"
    );

    let xlsx = operator
        .get("/laporan/unduh?program=100HK&as_of=2025-04-25&format=xlsx")
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert_eq!(xlsx.content_type, XLSX);
    assert!(xlsx.bytes.starts_with(b"PK"), "an XLSX is a zip");

    let csv = operator
        .get("/laporan/unduh?program=100HK&as_of=2025-04-25&format=csv&table=units")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    let text = csv.text();
    assert!(text.starts_with("unit,unit_name,cluster,targets,achievement_pct"));
    // The figure the engine gives through the API is the CSV's.
    let evaluation: serde_json::Value = serde_json::from_slice(
        &operator
            .get("/api/v1/programs/100HK/evaluation?as_of=2025-04-25")
            .await
            .bytes,
    )
    .unwrap();
    let dp3a = evaluation["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "DP3A")
        .unwrap();
    let row = text.lines().find(|l| l.starts_with("DP3A,")).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(row.as_bytes());
    let record = reader.records().next().unwrap().unwrap();
    assert_eq!(
        record[4].parse::<f64>().unwrap(),
        dp3a["achievement_pct"].as_f64().unwrap()
    );

    let pdf = operator
        .get("/laporan/unduh?program=100HK&as_of=2025-04-25&format=pdf")
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));

    // The final evaluation: refused before the end date, there from it.
    let early = operator
        .get("/laporan/unduh?program=100HK&as_of=2025-04-25&format=pdf&kind=final")
        .await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST);
    assert!(early.text().contains("end date"));
    let fin = operator
        .get("/laporan/unduh?program=100HK&format=pdf&kind=final")
        .await;
    assert_eq!(fin.status, StatusCode::OK);
    assert!(fin.bytes.starts_with(b"%PDF-"));
    let page = operator.get("/laporan/akhir?program=100HK").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("id=\"final-units\""));

    // The API: the same files; bad input names its field.
    let api = operator
        .get("/api/v1/programs/100HK/report?format=csv&table=summary&as_of=2025-04-25")
        .await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.content_type, "text/csv; charset=utf-8");
    assert!(api.text().starts_with("key,item,value"));
    let api = operator
        .get("/api/v1/programs/100HK/report?format=xlsx&kind=final")
        .await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.content_type, XLSX);
    let bad = operator
        .get("/api/v1/programs/100HK/report?format=doc")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("format"));
    let bad = operator
        .get("/api/v1/programs/100HK/report?format=csv")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("table"));
    let missing = operator
        .get("/api/v1/programs/NOPE/report?format=xlsx")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // The templates.
    for name in ["rencana.xlsx", "realisasi.xlsx", "rencana.xlsx?isi=1"] {
        let template = operator.get(&format!("/laporan/templat/{name}")).await;
        assert_eq!(template.status, StatusCode::OK, "{name}");
        assert_eq!(template.content_type, XLSX);
    }
}

/// An entries workbook: good rows, and with `bad` one that does not read.
fn entries_workbook(bad: bool) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("entries").unwrap();
    let header = [
        "program",
        "target",
        "activity_date",
        "submitted_at",
        "value",
        "note",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let rows: Vec<[&str; 6]> = if bad {
        vec![
            [
                "100HK",
                "DP3A-01",
                "2025-03-03",
                "2025-03-05T08:00:00+07:00",
                "2",
                "impor",
            ],
            [
                "100HK",
                "DP3A-01",
                "2025-03-04",
                "2025-03-05T08:00:00+07:00",
                "dua",
                "impor",
            ],
        ]
    } else {
        vec![[
            "100HK",
            "DP3A-01",
            "2025-03-03",
            "2025-03-05T08:00:00+07:00",
            "2",
            "impor",
        ]]
    };
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match value.parse::<f64>() {
                Ok(n) if c == 4 => sheet.write_number(r, c, n).unwrap(),
                _ => sheet.write_string(r, c, *value).unwrap(),
            };
        }
    }
    workbook.save_to_buffer().unwrap()
}

async fn import_is_for_admins_and_all_or_nothing(backend: &str) {
    let app = spawn_app(backend).await;
    let count = || async {
        app.store
            .entries("3275", &Default::default())
            .await
            .unwrap()
            .len()
    };
    let before = count().await;

    let leader = browser(&app, Some("leader")).await;
    let refused = leader.upload(entries_workbook(false)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(count().await, before);

    let admin = browser(&app, Some("admin")).await;
    assert!(
        admin
            .get("/laporan")
            .await
            .text()
            .contains("id=\"report-import\"")
    );
    let started = admin.upload(entries_workbook(true)).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    assert!(started.location.starts_with("/laporan/impor/"));
    // Another user cannot watch it.
    assert_eq!(
        leader.get(&started.location).await.status,
        StatusCode::FORBIDDEN
    );
    let outcome = admin.import_outcome(&started.location).await;
    assert!(outcome.contains("id=\"import-problems\""), "{outcome}");
    assert!(outcome.contains("<td>entries</td><td class=\"num\">3</td><td>E (value)</td>"));
    assert_eq!(
        count().await,
        before,
        "nothing written from a refused workbook"
    );

    let good = entries_workbook(false);
    let started = admin.upload(good.clone()).await;
    let outcome = admin.import_outcome(&started.location).await;
    assert!(outcome.contains("id=\"import-done\""), "{outcome}");
    assert_eq!(count().await, before + 1);
    // The import's record names the file and its SHA-256 beside the counts;
    // the entry it brought is marked as imported.
    let log = app.store.audit_log("3275", 1).await.unwrap();
    assert_eq!(log[0].action, "import");
    let detail = log[0].after.as_ref().unwrap();
    let source = pantau_store::ImportSource::of(Some("impor.xlsx"), &good);
    assert_eq!(detail["source"]["sha256"], source.sha256.as_str());
    assert_eq!(detail["source"]["file"], "impor.xlsx");
    assert_eq!(detail["entries_added"], 1);
    let newest = app
        .store
        .entries("3275", &Default::default())
        .await
        .unwrap()
        .into_iter()
        .max_by_key(|e| e.id)
        .unwrap();
    assert!(newest.imported_at.is_some());
}

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

on_both_backends!(
    downloads_have_their_types_and_need_a_login,
    import_is_for_admins_and_all_or_nothing,
);

/// Two app servers on one PostgreSQL: an import started on one is followed
/// to its end on the other, by its owner only; a job whose server stopped
/// reads as failed with nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_started_on_one_server_is_followed_on_another() {
    let a = spawn_app("postgres").await;
    let b = spawn_beside(&a, None).await;
    let admin = browser(&a, Some("admin")).await;
    let started = admin.upload(entries_workbook(false)).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let on_b = Browser {
        client: admin.client.clone(),
        base: b.base.clone(),
    };
    let outcome = on_b.import_outcome(&started.location).await;
    assert!(outcome.contains("id=\"import-done\""), "{outcome}");

    let hash = pantau_store::password::hash(PASSWORD);
    let other = pantau_store::NewUser {
        region: "3275".into(),
        username: "admin2".into(),
        display_name: "admin2".into(),
        email: None,
        password_hash: hash,
        role: pantau_store::Role::Admin,
        unit: None,
        clusters: Vec::new(),
    };
    a.store
        .create_user(&other, &pantau_store::Actor::cli())
        .await
        .unwrap();
    let admin2 = browser(&b, Some("admin2")).await;
    assert_eq!(
        admin2.get(&started.location).await.status,
        StatusCode::NOT_FOUND,
        "another admin's import is not this one's to watch"
    );

    let long_ago = chrono::Utc::now() - pantau_store::JOB_STALE - chrono::Duration::minutes(1);
    let id = a
        .store
        .job_create("3275", "admin", "lost.xlsx", long_ago)
        .await
        .unwrap();
    let page = on_b.get(&format!("/laporan/impor/{id}")).await.text();
    assert!(page.contains("id=\"import-failed\""), "{page}");
    assert!(page.contains("tidak ada yang ditulis"), "{page}");
}
