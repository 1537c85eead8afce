//! What the report tests share: the sample region, evaluated.

#![allow(dead_code)]

use std::path::PathBuf;

use pantau_domain::bundle::Bundle;
use pantau_domain::model::Region;
use pantau_domain::{Evaluation, Options};

pub fn sample() -> (Bundle, Region) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/bekasi-100hk.json"
    ))
    .unwrap();
    let bundle = pantau_domain::parse(&text).unwrap();
    let region = pantau_domain::validate(&bundle).unwrap();
    (bundle, region)
}

pub fn evaluate(region: &Region, as_of: &str) -> Evaluation {
    let program = &region.programs[0];
    let as_of = program.calendar.parse_as_of(as_of).unwrap();
    pantau_domain::evaluate(region, program, &as_of, Options::default())
}

/// A fresh folder for one test's files.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pantau-report-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
