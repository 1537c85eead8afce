//! `docs/bundle.schema.json` is generated from the Rust types of the bundle;
//! this test fails when the two drift apart. Regenerate with
//! `PANTAU_UPDATE_SCHEMA=1 cargo test -p pantau-domain --test schema`.

use std::path::PathBuf;

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/bundle.schema.json")
}

#[test]
fn published_schema_matches_the_rust_types() {
    let generated =
        serde_json::to_string_pretty(&pantau_domain::bundle::json_schema()).unwrap() + "\n";
    let path = schema_path();
    if std::env::var_os("PANTAU_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        published == generated,
        "docs/bundle.schema.json is out of date: run PANTAU_UPDATE_SCHEMA=1 cargo test -p pantau-domain --test schema"
    );
}

#[test]
fn schema_names_the_contract_fields() {
    let schema = pantau_domain::bundle::json_schema();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required, ["format", "region"]);
    let defs = &schema["$defs"];
    let entry_required = defs["Entry"]["required"].as_array().unwrap();
    for field in ["target", "activity_date", "submitted_at", "value"] {
        assert!(
            entry_required.iter().any(|v| v == field),
            "Entry.{field} is required"
        );
    }
    let kinds: Vec<&str> = defs["Kind"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["const"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["sum", "last", "milestone"]);
    assert_eq!(schema["properties"]["format"]["const"], "pantau-bundle/1");
    assert_eq!(defs["Rupiah"]["oneOf"][1]["pattern"], "^[0-9]+$");
}
