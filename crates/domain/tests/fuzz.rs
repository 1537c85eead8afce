//! Fuzzed bundles: any bytes given as a bundle are parsed and validated
//! without a panic or a hang, and a bundle that validates is evaluated
//! without one. Seeds and kept failures: fuzz/corpus/bundle/.

#[path = "../../../fuzz/harness.rs"]
mod harness;

use harness::{bounded, bytes_or_mutated_seed, config, edit_json, json_edit, realise, seeds};
use pantau_domain::{Options, evaluate, parse, validate};
use proptest::prelude::*;
use proptest::sample::Index;

const TARGET: &str = "bundle";

/// Parse, validate and, when valid, evaluate every program at its final deadline.
fn run(bytes: Vec<u8>) {
    bounded(TARGET, move || {
        let text = String::from_utf8_lossy(&bytes);
        let Ok(bundle) = parse(&text) else {
            return;
        };
        let Ok(region) = validate(&bundle) else {
            return;
        };
        for program in &region.programs {
            let as_of = program
                .calendar
                .as_of_instant(program.calendar.final_deadline());
            for verified_only in [false, true] {
                evaluate(&region, program, &as_of, Options { verified_only });
            }
        }
    });
}

#[test]
fn every_seed_is_read_without_a_panic() {
    for (_, bytes) in seeds(TARGET) {
        run(bytes);
    }
}

#[test]
fn the_seed_bundle_is_valid() {
    // The mutations start from a bundle that passes, so they reach the checks.
    let text = std::fs::read_to_string(harness::corpus_dir(TARGET).join("small.json")).unwrap();
    validate(&parse(&text).expect("the seed parses")).expect("the seed validates");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn bytes_do_not_panic(input in bytes_or_mutated_seed()) {
        run(realise(&seeds(TARGET), &input));
    }

    #[test]
    fn edited_bundles_do_not_panic(
        seed in any::<Index>(),
        edits in proptest::collection::vec(json_edit(), 1..6),
    ) {
        let seeds = seeds(TARGET);
        let bytes = &seeds[seed.index(seeds.len())].1;
        // A seed kept for its bytes need not be JSON; only JSON ones are edited.
        if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(bytes) {
            edit_json(&mut value, &edits);
            run(serde_json::to_vec(&value).unwrap());
        }
    }
}
