//! Performance benchmarks (docs/performance.md).
//!
//! - `engine/evaluate_1m`: the engine alone on the validated model of a
//!   generated bundle of 400 units, 20,000 targets and 1,000,000 entries, as of
//!   2025-04-25. Goal: at most 0.5 s (median) on one core.
//! - `bundle/parse_validate_1m`: serde parse and validation of that bundle's
//!   JSON text.
//! - `evaluation/to_json_1m`: writing the engine's output as JSON, the rest of
//!   what `pantau evaluate` does.
//! - The same on a Bekasi-sized bundle (37 units, 400 targets, 10,000 entries).
//!
//! Run: `cargo bench -p pantau-domain --bench engine` (one core:
//! `taskset -c 0 cargo bench -p pantau-domain --bench engine`).

#[path = "support/generate.rs"]
mod generate;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use pantau_domain::model::Region;
use pantau_domain::{AsOf, Options, evaluate, parse, validate};

const SEED: u64 = 1;
const AS_OF: &str = "2025-04-25";

/// A generated bundle as JSON text and as the validated model.
struct Fixture {
    json: String,
    region: Region,
    as_of: AsOf,
}

fn fixture(units: usize, targets: usize, entries: usize) -> Fixture {
    let bundle = generate::generate_bundle(units, targets, entries, SEED);
    let json = serde_json::to_string(&bundle).expect("a bundle serializes");
    drop(bundle);
    let region = validate(&parse(&json).expect("the generated bundle parses"))
        .expect("the generated bundle is valid");
    let as_of = region.programs[0]
        .calendar
        .parse_as_of(AS_OF)
        .expect("a valid as-of date");
    eprintln!(
        "fixture: {units} units, {targets} targets, {entries} entries, {:.1} MB of JSON",
        json.len() as f64 / 1e6
    );
    Fixture {
        json,
        region,
        as_of,
    }
}

fn bench_size(c: &mut Criterion, suffix: &str, fx: &Fixture, large: bool) {
    let program = &fx.region.programs[0];
    let (measure, warm_up) = if large {
        (Duration::from_secs(12), Duration::from_secs(2))
    } else {
        (Duration::from_secs(5), Duration::from_secs(1))
    };

    let mut engine = c.benchmark_group("engine");
    engine
        .sample_size(10)
        .measurement_time(measure)
        .warm_up_time(warm_up);
    engine.bench_function(format!("evaluate_{suffix}"), |b| {
        b.iter_with_large_drop(|| {
            evaluate(
                black_box(&fx.region),
                black_box(program),
                black_box(&fx.as_of),
                Options::default(),
            )
        })
    });
    engine.finish();

    let mut bundle = c.benchmark_group("bundle");
    // Parsing a 1M-entry bundle takes about a second: give it room for 10 samples.
    let parse_measure = if large {
        Duration::from_secs(25)
    } else {
        measure
    };
    bundle
        .sample_size(10)
        .measurement_time(parse_measure)
        .warm_up_time(warm_up);
    bundle.bench_function(format!("parse_validate_{suffix}"), |b| {
        b.iter_with_large_drop(|| {
            let parsed = parse(black_box(&fx.json)).expect("parses");
            validate(&parsed).expect("valid")
        })
    });
    bundle.finish();

    let evaluation = evaluate(&fx.region, program, &fx.as_of, Options::default());
    let mut output = c.benchmark_group("evaluation");
    output
        .sample_size(10)
        .measurement_time(measure)
        .warm_up_time(warm_up);
    output.bench_function(format!("to_json_{suffix}"), |b| {
        b.iter_batched_ref(
            || Vec::with_capacity(1 << 20),
            |buf: &mut Vec<u8>| {
                serde_json::to_writer(buf, black_box(&evaluation)).expect("serializes")
            },
            BatchSize::LargeInput,
        )
    });
    output.finish();
}

fn benches(c: &mut Criterion) {
    let small = fixture(37, 400, 10_000);
    bench_size(c, "10k", &small, false);
    drop(small);
    let large = fixture(400, 20_000, 1_000_000);
    bench_size(c, "1m", &large, true);
}

criterion_group!(engine, benches);
criterion_main!(engine);
