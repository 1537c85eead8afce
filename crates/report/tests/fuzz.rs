//! Fuzzed XLSX imports: any bytes given as the plan or the entries workbook
//! are read into the region's bundle, or refused with problems, without a
//! panic or a hang. Seeds and kept failures: fuzz/corpus/plan_xlsx/ and
//! fuzz/corpus/entries_xlsx/ (the templates filled from the seed bundle;
//! `cargo test -p pantau-report --test fuzz -- --ignored` writes them again).

#[path = "../../../fuzz/harness.rs"]
mod harness;
#[path = "../../../fuzz/xlsx.rs"]
mod xlsx;

use harness::{bounded, bytes_or_mutated_seed, config, corpus_dir, realise, seeds};
use pantau_domain::bundle::Bundle;
use pantau_report::import;
use proptest::prelude::*;
use proptest::sample::Index;

const PLAN: &str = "plan_xlsx";
const ENTRIES: &str = "entries_xlsx";

fn base() -> Bundle {
    let text = std::fs::read_to_string(corpus_dir("bundle").join("small.json")).unwrap();
    pantau_domain::parse(&text).expect("the seed bundle parses")
}

/// Read a workbook into the seed bundle; what comes back was validated.
fn run(target: &'static str, bytes: Vec<u8>) {
    bounded(target, move || {
        let base = base();
        if let Ok(bundle) = import::read(&bytes, &base, &mut |_| {}) {
            pantau_domain::validate(&bundle).expect("an imported bundle is valid");
        }
    });
}

fn edited(target: &'static str, seed: &Index, edits: &[xlsx::XlsxEdit]) -> Vec<u8> {
    let seeds = seeds(target);
    let others: Vec<Vec<u8>> = seeds.iter().map(|(_, b)| b.clone()).collect();
    let bytes = &seeds[seed.index(seeds.len())].1;
    // Kept failures need not be zips; only zips are taken apart.
    if zip::ZipArchive::new(std::io::Cursor::new(bytes)).is_err() {
        return bytes.clone();
    }
    xlsx::edit_xlsx(bytes, edits, &others)
}

#[test]
fn every_seed_is_read_without_a_panic() {
    for target in [PLAN, ENTRIES] {
        for (_, bytes) in seeds(target) {
            run(target, bytes);
        }
    }
}

#[test]
fn the_template_seeds_import() {
    // The mutations start from workbooks that pass, so they reach the checks.
    for target in [PLAN, ENTRIES] {
        let template = std::fs::read(corpus_dir(target).join("template.xlsx")).unwrap();
        if let Err(problems) = import::read(&template, &base(), &mut |_| {}) {
            panic!("{target}: {problems:?}");
        }
    }
}

#[test]
#[ignore = "writes the seed corpus; run by hand when the templates change"]
fn write_seed_corpus() {
    let bundle = base();
    for (target, bytes) in [
        (PLAN, pantau_report::template::plan(Some(&bundle)).unwrap()),
        (
            ENTRIES,
            pantau_report::template::entries(Some(&bundle)).unwrap(),
        ),
    ] {
        std::fs::create_dir_all(corpus_dir(target)).unwrap();
        std::fs::write(corpus_dir(target).join("template.xlsx"), &bytes).unwrap();
        // Found by fuzzing: a header cell naming shared string 910, which
        // made calamine panic (see pantau_report::workbook).
        let regression = |name: &str, edits: &[(&str, &str)]| {
            let mut parts = xlsx::unzip(&bytes);
            let (_, sheet) = parts
                .iter_mut()
                .find(|(name, _)| name == "xl/worksheets/sheet1.xml")
                .unwrap();
            let mut text = String::from_utf8(sheet.clone()).unwrap();
            for (from, to) in edits {
                assert!(text.contains(from), "{from} not in {text}");
                text = text.replacen(from, to, 1);
            }
            *sheet = text.into_bytes();
            std::fs::write(corpus_dir(target).join(name), xlsx::rezip(&parts)).unwrap();
        };
        regression(
            "regression-shared-string-index.xlsx",
            &[(r#"t="s"><v>0</v>"#, r#"t="s"><v>910</v>"#)],
        );
        if target == ENTRIES {
            // Found by fuzzing: date cells far past any calendar, which made
            // calamine's date conversion panic (see pantau_report::import).
            regression(
                "regression-date-serial.xlsx",
                &[
                    ("<v>45717</v>", "<v>1e308</v>"),
                    ("<v>45723.354166666664</v>", "<v>-1e308</v>"),
                ],
            );
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn plan_bytes_do_not_panic(input in bytes_or_mutated_seed()) {
        run(PLAN, realise(&seeds(PLAN), &input));
    }

    #[test]
    fn entries_bytes_do_not_panic(input in bytes_or_mutated_seed()) {
        run(ENTRIES, realise(&seeds(ENTRIES), &input));
    }

    #[test]
    fn edited_plan_workbooks_do_not_panic(
        seed in any::<Index>(),
        edits in proptest::collection::vec(xlsx::xlsx_edit(), 1..4),
    ) {
        run(PLAN, edited(PLAN, &seed, &edits));
    }

    #[test]
    fn edited_entries_workbooks_do_not_panic(
        seed in any::<Index>(),
        edits in proptest::collection::vec(xlsx::xlsx_edit(), 1..4),
    ) {
        run(ENTRIES, edited(ENTRIES, &seed, &edits));
    }
}
