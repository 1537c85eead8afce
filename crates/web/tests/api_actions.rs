//! The API's twins of the pages' actions: each through the same service
//! function as its page, with the page's rights. Per action one call that
//! succeeds, its effect read back from the store, and one by another role
//! that is refused (403, audited) and writes nothing. Then the cursor paging
//! of the lists.

#[macro_use]
mod support;

use std::sync::Arc;

use pantau_store::meetings::MeetingKey;
use pantau_store::{Actor, Store};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::spawn_app;

on_both_backends!(
    archived_targets_take_no_new_reports,
    nil_reports_are_the_operators,
    evidence_goes_to_an_entry_of_the_own_unit,
    meetings_are_recorded_by_their_holder,
    follow_ups_are_completed_by_the_owner_unit,
    an_operator_writes_its_own_units_budget_month,
    entries_and_follow_ups_come_a_page_at_a_time,
);

/// A client of the API with one account's token.
#[derive(Clone)]
struct Caller {
    base: String,
    token: String,
    client: reqwest::Client,
}

impl Caller {
    async fn of(app: &support::TestApp, username: &str) -> Caller {
        let token = app
            .store
            .create_api_token(username, "uji", &Actor::cli())
            .await
            .unwrap();
        Caller {
            base: format!("{}/api/v1", app.base),
            token,
            client: reqwest::Client::new(),
        }
    }

    async fn answer(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        Self::answer(
            self.client
                .post(format!("{}{path}", self.base))
                .bearer_auth(&self.token)
                .json(&body),
        )
        .await
    }

    async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        Self::answer(
            self.client
                .put(format!("{}{path}", self.base))
                .bearer_auth(&self.token)
                .json(&body),
        )
        .await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        Self::answer(
            self.client
                .get(format!("{}{path}", self.base))
                .bearer_auth(&self.token),
        )
        .await
    }

    async fn upload(&self, path: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        Self::answer(
            self.client
                .post(format!("{}{path}", self.base))
                .bearer_auth(&self.token)
                .multipart(form),
        )
        .await
    }
}

/// The refusals the audit log holds for `attempted` (repetitions counted).
async fn refusals(store: &Arc<dyn Store>, attempted: &str) -> usize {
    store
        .audit_log("3275", 1000)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.entity == attempted)
        .map(|r| r.refusals() as usize)
        .sum()
}

fn assert_forbidden((status, body): (StatusCode, Value)) {
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "forbidden", "{body}");
}

async fn nil_reports_are_the_operators(backend: &str) {
    let app = spawn_app(backend).await;
    let operator = Caller::of(&app, "op-dp3a").await;
    let evaluator = Caller::of(&app, "asda1").await;
    let nil_records = || async {
        app.store
            .audit_log("3275", 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.entity == "nil_report" && r.action == "submit")
            .collect::<Vec<_>>()
    };
    let before = nil_records().await.len();

    let body = json!({"program": "100HK", "date": "2025-03-14", "reason": "Libur"});
    assert_forbidden(evaluator.post("/nil-reports", body.clone()).await);
    assert_eq!(nil_records().await.len(), before);
    assert_eq!(refusals(&app.store, "api.nil_report.create").await, 1);

    let (status, created) = operator.post("/nil-reports", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let records = nil_records().await;
    assert_eq!(records.len(), before + 1);
    let record = records
        .iter()
        .find(|r| r.entity_id.as_deref() == Some(&*id.to_string()))
        .expect("the nil report's audit record");
    assert_eq!(record.actor, "op-dp3a");
    let after = record.after.as_ref().unwrap();
    assert_eq!(
        (&after["unit"], &after["date"], &after["reason"]),
        (&json!("DP3A"), &json!("2025-03-14"), &json!("Libur"))
    );

    // A rule of the domain: the date inside the program.
    let (status, body) = operator
        .post(
            "/nil-reports",
            json!({"program": "100HK", "date": "2025-06-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

/// An archived target keeps its history but the API, like the pages, takes
/// no new report for it; restored, it takes them again.
async fn archived_targets_take_no_new_reports(backend: &str) {
    let app = spawn_app(backend).await;
    let operator = Caller::of(&app, "op-dp3a").await;
    let target = pantau_store::PlanItem::Target {
        program: "100HK".into(),
        code: "DP3A-01".into(),
    };
    let archive = |archived: bool| {
        let (store, target) = (app.store.clone(), target.clone());
        async move {
            store
                .set_archived("3275", &target, archived, &Actor::cli())
                .await
                .unwrap()
        }
    };
    let count = || async {
        app.store
            .count_entries("3275", &Default::default())
            .await
            .unwrap()
    };
    let report = json!({"program": "100HK", "target": "DP3A-01",
        "activity_date": "2025-05-10", "value": 2});
    archive(true).await;
    let before = count().await;
    let (status, body) = operator.post("/entries", report.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string()
            .contains("target: \\\"DP3A-01\\\" is archived and takes no new reports"),
        "{body}"
    );
    assert_eq!(count().await, before, "nothing is written");
    archive(false).await;
    let (status, body) = operator.post("/entries", report).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(count().await, before + 1);
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0000 an image";

async fn evidence_goes_to_an_entry_of_the_own_unit(backend: &str) {
    let app = spawn_app(backend).await;
    let operator = Caller::of(&app, "op-dp3a").await;
    let other_unit = Caller::of(&app, "op-dlh").await;
    let evaluator = Caller::of(&app, "asda1").await;
    let (status, created) = operator
        .post(
            "/entries",
            json!({"program": "100HK", "target": "DP3A-01", "activity_date": "2025-03-14", "value": 2}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let entry = created["id"].as_i64().unwrap();
    let path = format!("/entries/{entry}/evidence");
    let evidence = || async { app.store.evidence_of_entry("3275", entry).await.unwrap() };

    assert_forbidden(other_unit.upload(&path, "foto.png", PNG.to_vec()).await);
    assert_forbidden(evaluator.upload(&path, "foto.png", PNG.to_vec()).await);
    assert!(evidence().await.is_empty());
    assert_eq!(
        refusals(&app.store, "api.evidence.create.other_unit").await,
        1
    );
    assert_eq!(refusals(&app.store, "api.evidence.create").await, 1);

    let (status, created) = operator.upload(&path, "foto.png", PNG.to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let rows = evidence().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, created["id"].as_i64().unwrap());
    assert_eq!(rows[0].content_type, "image/png");
    assert_eq!(rows[0].file_name, "foto.png");
    assert_eq!(
        std::fs::read(&rows[0].stored_path).unwrap(),
        PNG,
        "the file is kept as sent"
    );

    // Not an image nor a PDF: refused by the rule, nothing written.
    let (status, body) = operator.upload(&path, "foto.png", b"GIF89a".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Larger than the limit (64 KiB in the tests).
    let mut big = PNG.to_vec();
    big.resize(65 * 1024, 0);
    let (status, body) = operator.upload(&path, "foto.png", big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    // No field `file`.
    let (status, body) = Caller::answer(
        operator
            .client
            .post(format!("{}{path}", operator.base))
            .bearer_auth(&operator.token)
            .multipart(reqwest::multipart::Form::new().text("note", "x")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(evidence().await.len(), 1);
}

async fn meetings_are_recorded_by_their_holder(backend: &str) {
    let app = spawn_app(backend).await;
    let holder = Caller::of(&app, "asda1").await;
    let reader = Caller::of(&app, "asda2").await;
    let operator = Caller::of(&app, "op-dp3a").await;
    let leader = Caller::of(&app, "leader").await;
    let key = MeetingKey::weekly("100HK", "ASDA1", 3);
    let meeting = "/meetings/100HK/ASDA1/3";

    // Refusals first: nothing is written, so the meeting does not even exist.
    assert_forbidden(
        reader
            .post(
                &format!("{meeting}/notes"),
                json!({"unit": "DP3A", "text": "Dipercepat"}),
            )
            .await,
    );
    assert_forbidden(
        operator
            .post(
                &format!("{meeting}/overrides"),
                json!({"subject": "DP3A", "status": "on_track", "justification": "Data terlambat"}),
            )
            .await,
    );
    assert_forbidden(
        leader
            .post(
                &format!("{meeting}/follow-ups"),
                json!({"unit": "DP3A", "due": "2025-05-20", "description": "Lengkapi bukti"}),
            )
            .await,
    );
    assert_forbidden(
        reader
            .post(&format!("{meeting}/close"), json!({"confirm": true}))
            .await,
    );
    assert!(app.store.meeting("3275", &key).await.unwrap().is_none());
    for attempted in [
        "api.meeting.note",
        "api.meeting.override",
        "api.meeting.follow_up",
        "api.meeting.close",
    ] {
        assert_eq!(refusals(&app.store, attempted).await, 1, "{attempted}");
    }

    let (status, body) = holder
        .post(
            &format!("{meeting}/notes"),
            json!({"unit": "DP3A", "text": "Dipercepat"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let id = app.store.meeting("3275", &key).await.unwrap().unwrap().id;
    let notes = app.store.meeting_notes("3275", id).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!((&*notes[0].unit, &*notes[0].text), ("DP3A", "Dipercepat"));

    let (status, body) = holder
        .post(
            &format!("{meeting}/overrides"),
            json!({"subject": "DP3A/DP3A-01", "status": "on_track", "justification": "Data terlambat"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let overrides = app.store.meeting_overrides("3275", id).await.unwrap();
    assert_eq!(overrides.len(), 1);
    assert_eq!(overrides[0].id, body["id"].as_i64().unwrap());
    assert_eq!(overrides[0].target.as_deref(), Some("DP3A-01"));
    assert_eq!(overrides[0].status.code(), "on_track");
    // Closed sets are enums: an unknown status is the document broken.
    let (status, body) = holder
        .post(
            &format!("{meeting}/overrides"),
            json!({"subject": "DP3A", "status": "great", "justification": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, body) = holder
        .post(
            &format!("{meeting}/follow-ups"),
            json!({"unit": "DP3A", "due": "2025-05-20", "description": "Lengkapi bukti"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let follow_up = app
        .store
        .follow_up("3275", body["id"].as_i64().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (&*follow_up.unit, &*follow_up.description),
        ("DP3A", "Lengkapi bukti")
    );
    assert_eq!(follow_up.meeting_id, id);

    let (status, body) = holder
        .post(&format!("{meeting}/close"), json!({"confirm": false}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(app.store.minutes("3275", &key).await.unwrap().is_none());
    let (status, body) = holder
        .post(&format!("{meeting}/close"), json!({"confirm": true}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(app.store.minutes("3275", &key).await.unwrap().is_some());
    // Closed: the minutes are frozen.
    let (status, body) = holder
        .post(
            &format!("{meeting}/notes"),
            json!({"unit": "DP3A", "text": "Terlambat"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

async fn follow_ups_are_completed_by_the_owner_unit(backend: &str) {
    let app = spawn_app(backend).await;
    let holder = Caller::of(&app, "asda1").await;
    let owner = Caller::of(&app, "op-dp3a").await;
    let other_unit = Caller::of(&app, "op-dlh").await;
    let (status, body) = holder
        .post(
            "/meetings/100HK/ASDA1/3/follow-ups",
            json!({"unit": "DP3A", "due": "2025-05-20", "description": "Lengkapi bukti"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    let path = format!("/follow-ups/{id}/complete");
    let done = || async {
        let f = app.store.follow_up("3275", id).await.unwrap().unwrap();
        (f.done_at.is_some(), f.done_note, f.done_by)
    };

    assert_forbidden(other_unit.post(&path, json!({"note": "Selesai"})).await);
    assert_forbidden(holder.post(&path, json!({"note": "Selesai"})).await);
    assert_eq!(done().await, (false, None, None));
    assert_eq!(
        refusals(&app.store, "api.follow_up.done.other_unit").await,
        1
    );
    assert_eq!(refusals(&app.store, "api.follow_up.done").await, 1);

    let (status, body) = owner.post(&path, json!({"note": "  "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = owner.post(&path, json!({"note": "Bukti diunggah"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        done().await,
        (true, Some("Bukti diunggah".into()), Some("op-dp3a".into()))
    );
    let (status, body) = owner.get("/follow-ups").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"][0]["state"], "done", "{body}");
}

async fn an_operator_writes_its_own_units_budget_month(backend: &str) {
    let app = spawn_app(backend).await;
    let operator = Caller::of(&app, "op-dp3a").await;
    let other_unit = Caller::of(&app, "op-dlh").await;
    let waiting = || async {
        app.store
            .budget_months_waiting("3275")
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.unit == "DP3A" && m.year == 2025 && m.month == 11)
            .collect::<Vec<_>>()
    };
    let body = json!({"realised": 1500000, "physical_pct": 40});
    assert_forbidden(other_unit.put("/budgets/DP3A/2025/11", body.clone()).await);
    assert!(waiting().await.is_empty());

    let (status, saved) = operator.put("/budgets/DP3A/2025/11", body).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["status"], "submitted");
    let months = waiting().await;
    assert_eq!(months.len(), 1);
    assert_eq!(months[0].realised.to_string(), "1500000");
    assert_eq!(months[0].entered_by.as_deref(), Some("op-dp3a"));
}

/// Every page of a list, following `next_cursor`.
async fn all_pages(caller: &Caller, path: &str, limit: usize) -> (Vec<i64>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            None => format!("{path}{sep}limit={limit}"),
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
        };
        let (status, page) = caller.get(&url).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit);
        pages += 1;
        ids.extend(items.iter().map(|i| i["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(items.len(), limit, "only the last page is short");
                cursor = Some(next.to_owned());
            }
            None => return (ids, pages),
        }
    }
}

async fn entries_and_follow_ups_come_a_page_at_a_time(backend: &str) {
    let app = spawn_app(backend).await;
    let admin = Caller::of(&app, "admin").await;
    let all = app
        .store
        .entries("3275", &pantau_store::EntryFilter::default())
        .await
        .unwrap();
    let mut want: Vec<i64> = all.iter().map(|e| e.id).collect();
    want.sort();
    let (got, pages) = all_pages(&admin, "/entries", 7).await;
    assert_eq!(got, want, "each entry once, in the order they were made");
    assert_eq!(pages, want.len().div_ceil(7).max(1));

    // Filters hold on every page.
    let (returned, _) = all_pages(&admin, "/entries?status=returned", 2).await;
    let want_returned: Vec<i64> = {
        let mut ids: Vec<i64> = all
            .iter()
            .filter(|e| e.status == pantau_domain::bundle::EntryStatus::Returned)
            .map(|e| e.id)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(returned, want_returned);

    // Entries that came with the imported bundle say so; one submitted here does not.
    let made = app
        .store
        .create_entry(
            "3275",
            &pantau_store::NewEntry {
                program: "100HK".into(),
                target: "DP3A-01".into(),
                activity_date: chrono::NaiveDate::from_ymd_opt(2025, 3, 3).unwrap(),
                value: rust_decimal::Decimal::ONE,
                note: None,
                submitted_at: chrono::Utc::now(),
            },
            &Actor::cli(),
        )
        .await
        .unwrap();
    let mut imported = std::collections::HashMap::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = admin
            .get(&format!("/entries?status=submitted&limit=50{cursor}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for item in page["items"].as_array().unwrap() {
            imported.insert(item["id"].as_i64().unwrap(), item["imported"].clone());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(imported.remove(&made), Some(json!(false)));
    assert!(!imported.is_empty());
    assert!(imported.values().all(|v| *v == json!(true)), "{imported:?}");

    for bad in ["abc", "f1", "e", "e-5"] {
        let (status, body) = admin.get(&format!("/entries?cursor={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"], "bad_request");
        assert!(
            body["message"].as_str().unwrap().contains("cursor"),
            "{body}"
        );
    }
    let (status, _) = admin.get("/entries?limit=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Follow-ups: made in two meetings, listed in the order made.
    let holder = Caller::of(&app, "asda1").await;
    let mut made = Vec::new();
    for (period, unit) in [
        (3, "DP3A"),
        (4, "DINSOS"),
        (3, "DINKES"),
        (5, "DP3A"),
        (4, "DP3A"),
    ] {
        let (status, body) = holder
            .post(
                &format!("/meetings/100HK/ASDA1/{period}/follow-ups"),
                json!({"unit": unit, "due": "2025-05-20", "description": "Tindak lanjut"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        made.push(body["id"].as_i64().unwrap());
    }
    assert_eq!(all_pages(&admin, "/follow-ups", 2).await.0, made);
    let operator = Caller::of(&app, "op-dp3a").await;
    let own: Vec<i64> = vec![made[0], made[3], made[4]];
    assert_eq!(all_pages(&operator, "/follow-ups", 1).await.0, own);
    let (status, body) = admin.get("/follow-ups?cursor=e1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
