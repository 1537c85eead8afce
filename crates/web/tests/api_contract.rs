//! The API's contract for failures: every refusal, the framework's own
//! included, is a JSON `ApiError` with the status the document names, and
//! closed sets of values are enums both in the document and on the server.

#[macro_use]
mod support;

use pantau_store::Actor;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::spawn_app;

on_both_backends!(framework_rejections_are_api_errors);

/// A call's status, its JSON body (or Null) and its Allow header.
struct Answer {
    status: StatusCode,
    body: Value,
    allow: Option<String>,
    content_type: String,
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let allow = response
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_owned());
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        allow,
        content_type,
    }
}

/// An `ApiError` with this status and code whose message mentions `names`.
fn assert_error(answer: &Answer, status: StatusCode, code: &str, names: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert!(
        answer.content_type.starts_with("application/json"),
        "{status}: {}",
        answer.content_type
    );
    assert_eq!(answer.body["error"], code, "{}", answer.body);
    let message = answer.body["message"].as_str().unwrap();
    assert!(message.contains(names), "{message} should name {names}");
}

async fn framework_rejections_are_api_errors(backend: &str) {
    let app = spawn_app(backend).await;
    let operator = app
        .store
        .create_api_token("op-dp3a", "uji", &Actor::cli())
        .await
        .unwrap();
    let evaluator = app
        .store
        .create_api_token("asda1", "uji", &Actor::cli())
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let get = |path: &str, token: &str| {
        client
            .get(format!("{}/api/v1{path}", app.base))
            .bearer_auth(token)
            .send()
    };

    // The query string: a non-integer, out of its range, not in its set.
    let a = answer(get("/entries?limit=abc", &operator).await.unwrap()).await;
    assert_error(&a, StatusCode::BAD_REQUEST, "bad_request", "limit");
    let a = answer(get("/entries?limit=0", &operator).await.unwrap()).await;
    assert_error(&a, StatusCode::BAD_REQUEST, "bad_request", "limit");
    let a = answer(get("/entries?status=lost", &operator).await.unwrap()).await;
    assert_error(&a, StatusCode::BAD_REQUEST, "bad_request", "status");
    let a = answer(get("/budgets?month=13", &operator).await.unwrap()).await;
    assert_error(&a, StatusCode::BAD_REQUEST, "bad_request", "month");
    let a = answer(
        get("/programs/100HK/report?format=csv&table=all", &operator)
            .await
            .unwrap(),
    )
    .await;
    assert_error(&a, StatusCode::BAD_REQUEST, "bad_request", "table");
    // A value in its set is taken.
    let a = answer(
        get("/entries?status=verified&limit=2", &operator)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body["items"].as_array().unwrap().len() <= 2);

    // A path segment that is not an integer, named after the route's parameter.
    let review = |path: String, token: &str, body: Value| {
        client
            .post(format!("{}/api/v1{path}", app.base))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let a = answer(
        review(
            "/entries/abc/review".into(),
            &evaluator,
            json!({"decision": "verify"}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_error(&a, StatusCode::BAD_REQUEST, "bad_request", "id");
    let a = answer(
        client
            .put(format!("{}/api/v1/budgets/DP3A/dua/1", app.base))
            .bearer_auth(&operator)
            .json(&json!({"realised": 1}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&a, StatusCode::BAD_REQUEST, "bad_request", "year");

    // The body: not JSON, malformed, a field missing or of the wrong type or value.
    let a = answer(
        client
            .post(format!("{}/api/v1/entries", app.base))
            .bearer_auth(&operator)
            .header("content-type", "text/plain")
            .body("program=100HK")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(
        &a,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "application/json",
    );
    let a = answer(
        client
            .post(format!("{}/api/v1/entries", app.base))
            .bearer_auth(&operator)
            .header("content-type", "application/json")
            .body("{\"program\": ")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&a, StatusCode::BAD_REQUEST, "bad_request", "JSON");
    let post = |body: Value| review("/entries".into(), &operator, body);
    let a = answer(
        post(json!({"program": "100HK", "activity_date": "2025-05-12", "value": 1}))
            .await
            .unwrap(),
    )
    .await;
    assert_error(&a, StatusCode::BAD_REQUEST, "bad_request", "target");
    let a = answer(
        post(json!({"program": "100HK", "target": "DP3A-01", "activity_date": "2025-05-12", "value": [1]}))
            .await
            .unwrap(),
    )
    .await;
    assert_error(&a, StatusCode::BAD_REQUEST, "bad_request", "value");
    let a = answer(
        review(
            "/entries/1/review".into(),
            &evaluator,
            json!({"decision": "maybe"}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_error(&a, StatusCode::BAD_REQUEST, "bad_request", "decision");
    // Well formed but refused by a rule of the domain: 422.
    let a = answer(
        post(json!({"program": "100HK", "target": "DP3A-01", "activity_date": "2099-01-01", "value": 1}))
            .await
            .unwrap(),
    )
    .await;
    assert_error(
        &a,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unprocessable",
        "activity_date",
    );

    // No such route under /api/v1: 404; a route without the method: 405 with Allow.
    let a = answer(get("/nothing/here", &operator).await.unwrap()).await;
    assert_error(
        &a,
        StatusCode::NOT_FOUND,
        "not_found",
        "/api/v1/nothing/here",
    );
    let a = answer(get("/entries/1/review", &operator).await.unwrap()).await;
    assert_error(
        &a,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "GET",
    );
    assert_eq!(a.allow.as_deref(), Some("POST"));
    let a = answer(
        client
            .delete(format!("{}/api/v1/programs", app.base))
            .bearer_auth(&operator)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(
        &a,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "DELETE",
    );
    assert!(a.allow.unwrap().contains("GET"));
    // Without a caller: 401 as JSON, before anything else is looked at.
    let a = answer(
        client
            .get(format!("{}/api/v1/entries?limit=abc", app.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&a, StatusCode::UNAUTHORIZED, "unauthorized", "Bearer");
    // The pages keep their HTML 404.
    let page = client
        .get(format!("{}/tidak-ada", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(
        !page
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap().starts_with("application/json"))
    );

    // A body over the server's limit is refused before it is read, and the
    // answer is an ApiError like every other (the test server takes 64 KiB of
    // evidence plus 64 KiB of form).
    let huge = "x".repeat(200 * 1024);
    let a = answer(
        client
            .post(format!("{}/api/v1/entries", app.base))
            .bearer_auth(&operator)
            .header("content-type", "application/json")
            .body(format!("{{\"note\": \"{huge}\"}}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(
        &a,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "body",
    );
}

/// The document names, for every operation, the errors it may answer with,
/// and closed sets of values as enums.
#[test]
fn the_document_names_every_error_and_closed_set() {
    let doc = serde_json::to_value(pantau_web::openapi_document()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(!paths.is_empty());
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            for status in ["401", "500"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} documents no {status}"
                );
            }
            if operation.get("parameters").is_some() || operation.get("requestBody").is_some() {
                assert!(
                    responses.contains_key("400"),
                    "{method} {path} documents no 400"
                );
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ApiError",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    let schemas = &doc["components"]["schemas"];
    let values = |name: &str| -> Vec<String> {
        let schema = &schemas[name];
        schema["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is not an enum: {schema}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(values("ReportFormat"), ["xlsx", "csv", "pdf"]);
    assert_eq!(values("ReportKind"), ["export", "final"]);
    assert!(values("ReportTable").contains(&"nil_reports".to_owned()));
    assert_eq!(values("EntryState"), ["submitted", "verified", "returned"]);
    assert_eq!(values("Decision"), ["verify", "return"]);
    assert_eq!(values("FollowUpStatus"), ["open", "done", "overdue"]);
    assert!(values("ErrorCode").contains(&"unprocessable".to_owned()));
}
