//! The published OpenAPI document is a contract: a change to it shows up here
//! as a snapshot diff to review (`INSTA_UPDATE=always cargo test -p pantau-web --test openapi`).

#[test]
fn openapi_document_is_stable() {
    let doc = serde_json::to_value(pantau_web::openapi_document()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    insta::assert_json_snapshot!("openapi", doc);
}
