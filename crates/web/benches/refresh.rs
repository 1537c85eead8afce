//! What one report costs the next reader, on a region of 40 units, 400
//! targets and 100,000 entries in SQLite:
//!
//! - `refresh/whole_load`: the region read as a bundle and validated, as
//!   every reader after a write did before the cache applied changes;
//! - `refresh/after_one_report`: the cache brought up to date after one new
//!   entry (the entry's write is not timed);
//! - `refresh/evaluate`: the engine on the cached model, which a changed
//!   version asks for once per program and moment.
//!
//! `cargo bench -p pantau-web --bench refresh`

#[path = "../../domain/benches/support/generate.rs"]
mod generate;

use std::time::{Duration, Instant};

use chrono::Days;
use criterion::{Criterion, criterion_group, criterion_main};
use pantau_domain::{Options, evaluate};
use pantau_store::{Actor, ImportMode, NewEntry};
use pantau_web::evaluation::Cache;

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let path = std::env::temp_dir().join(format!("pantau-bench-refresh-{}.db", std::process::id()));
    let store = runtime
        .block_on(pantau_store::connect(&format!("sqlite:{}", path.display())))
        .unwrap();
    let bundle = generate::generate_bundle(40, 400, 100_000, 1);
    runtime
        .block_on(store.import_bundle(&bundle, ImportMode::NewRegion, &Actor::cli()))
        .unwrap();
    let program = &bundle.programs[0];
    let target = program
        .targets
        .iter()
        .find(|t| t.kind == pantau_domain::bundle::Kind::Sum)
        .unwrap();
    let entry = NewEntry {
        program: program.code.clone(),
        target: target.code.clone(),
        activity_date: program.start + Days::new(30),
        value: 1.into(),
        note: None,
        submitted_at: chrono::Utc::now(),
    };

    let mut group = c.benchmark_group("refresh");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("whole_load", |b| {
        b.iter(|| {
            let cache = Cache::default();
            runtime
                .block_on(cache.region(store.as_ref(), "3275"))
                .unwrap()
        })
    });
    let cache = Cache::default();
    runtime
        .block_on(cache.region(store.as_ref(), "3275"))
        .unwrap();
    group.bench_function("after_one_report", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                runtime
                    .block_on(store.create_entry("3275", &entry, &Actor::cli()))
                    .unwrap();
                let started = Instant::now();
                runtime
                    .block_on(cache.region(store.as_ref(), "3275"))
                    .unwrap();
                spent += started.elapsed();
            }
            spent
        })
    });
    let region = runtime
        .block_on(cache.region(store.as_ref(), "3275"))
        .unwrap();
    let program = &region.programs[0];
    let as_of = program
        .calendar
        .as_of_date(program.calendar.start + Days::new(62));
    group.bench_function("evaluate", |b| {
        b.iter(|| evaluate(&region, program, &as_of, Options::default()))
    });
    group.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group!(refresh, benches);
criterion_main!(refresh);
