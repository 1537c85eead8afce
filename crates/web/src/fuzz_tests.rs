//! Fuzzed uploads: any bytes given as a budget import (CSV or XLSX) are read
//! and checked against the region, and any bytes given as evidence are
//! typed and, when a picture, made into a thumbnail, without a panic or a
//! hang. Seeds and kept failures: fuzz/corpus/{budget_csv,budget_xlsx,evidence}/
//! (`cargo test -p pantau-web --lib fuzz -- --ignored` writes the generated ones again).

#[path = "../../../fuzz/harness.rs"]
mod harness;
#[path = "../../../fuzz/xlsx.rs"]
mod xlsx;

use harness::{
    bounded, bytes_or_mutated_seed, config, corpus_dir, realise, replace_tokens, seeds, token_edits,
};
use image::ImageFormat;
use pantau_domain::model::Region;
use proptest::prelude::*;
use proptest::sample::Index;

use crate::budget_import;
use crate::service::entries::EvidenceFile;

const CSV: &str = "budget_csv";
const XLSX: &str = "budget_xlsx";
const EVIDENCE: &str = "evidence";

fn region() -> Region {
    let text = std::fs::read_to_string(corpus_dir("bundle").join("small.json")).unwrap();
    pantau_domain::load(&text).expect("the seed bundle is valid")
}

fn run_budget(target: &'static str, bytes: Vec<u8>) {
    bounded(target, move || {
        let sheet = if target == CSV {
            budget_import::read_csv("anggaran.csv", &bytes)
        } else {
            budget_import::read_xlsx(&bytes)
        };
        if let Ok(sheet) = sheet {
            let _ = budget_import::check(&sheet, &region());
        }
    });
}

fn run_evidence(bytes: Vec<u8>) {
    bounded(EVIDENCE, move || {
        let Ok(file) = EvidenceFile::read("bukti", bytes, 10 * 1024 * 1024) else {
            return;
        };
        let format = match file.content_type() {
            "image/png" => ImageFormat::Png,
            "image/jpeg" => ImageFormat::Jpeg,
            _ => return,
        };
        let _ = crate::thumbnail::make(file.bytes(), format);
    });
}

#[test]
fn every_seed_is_read_without_a_panic() {
    for target in [CSV, XLSX] {
        for (_, bytes) in seeds(target) {
            run_budget(target, bytes);
        }
    }
    for (_, bytes) in seeds(EVIDENCE) {
        run_evidence(bytes);
    }
}

#[test]
fn the_budget_seeds_import_and_the_evidence_seeds_are_typed() {
    // The mutations start from files that pass, so they reach the checks.
    let region = region();
    let csv = std::fs::read(corpus_dir(CSV).join("anggaran.csv")).unwrap();
    let sheet = budget_import::read_csv("anggaran.csv", &csv).unwrap();
    budget_import::check(&sheet, &region).unwrap();
    let xlsx = std::fs::read(corpus_dir(XLSX).join("anggaran.xlsx")).unwrap();
    let sheet = budget_import::read_xlsx(&xlsx).unwrap();
    budget_import::check(&sheet, &region).unwrap();
    for (name, kind) in [
        ("tiny.png", "image/png"),
        ("tiny.jpg", "image/jpeg"),
        ("tiny.pdf", "application/pdf"),
    ] {
        let bytes = std::fs::read(corpus_dir(EVIDENCE).join(name)).unwrap();
        let file = EvidenceFile::read(name, bytes, 1024 * 1024).unwrap();
        assert_eq!(file.content_type(), kind);
    }
}

#[test]
#[ignore = "writes the generated seeds; run by hand when the formats change"]
fn write_seed_corpus() {
    let csv = std::fs::read(corpus_dir(CSV).join("anggaran.csv")).unwrap();
    let sheet = budget_import::read_csv("anggaran.csv", &csv).unwrap();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let out = workbook.add_worksheet();
    out.set_name(budget_import::SHEET).unwrap();
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                budget_import::Cell::Text(t) => match t.parse::<f64>() {
                    // Numbers as a spreadsheet keeps them, as the template writes them.
                    Ok(n) if r > 0 => out.write_number(r, c, n).map(|_| ()),
                    _ => out.write_string(r, c, t).map(|_| ()),
                },
                _ => Ok(()),
            }
            .unwrap();
        }
    }
    std::fs::write(
        corpus_dir(XLSX).join("anggaran.xlsx"),
        workbook.save_to_buffer().unwrap(),
    )
    .unwrap();
    let picture =
        image::RgbImage::from_fn(3, 2, |x, y| image::Rgb([x as u8 * 80, y as u8 * 120, 60]));
    for (name, format) in [
        ("tiny.png", ImageFormat::Png),
        ("tiny.jpg", ImageFormat::Jpeg),
    ] {
        let mut bytes = std::io::Cursor::new(Vec::new());
        picture.write_to(&mut bytes, format).unwrap();
        std::fs::write(corpus_dir(EVIDENCE).join(name), bytes.into_inner()).unwrap();
    }
}

fn edited_xlsx(seed: &Index, edits: &[xlsx::XlsxEdit]) -> Vec<u8> {
    let seeds = seeds(XLSX);
    let others: Vec<Vec<u8>> = seeds.iter().map(|(_, b)| b.clone()).collect();
    let bytes = &seeds[seed.index(seeds.len())].1;
    // Kept failures need not be zips; only zips are taken apart.
    if zip::ZipArchive::new(std::io::Cursor::new(bytes)).is_err() {
        return bytes.clone();
    }
    xlsx::edit_xlsx(bytes, edits, &others)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn budget_csv_bytes_do_not_panic(input in bytes_or_mutated_seed()) {
        run_budget(CSV, realise(&seeds(CSV), &input));
    }

    #[test]
    fn edited_budget_csv_does_not_panic(seed in any::<Index>(), edits in token_edits()) {
        let seeds = seeds(CSV);
        run_budget(CSV, replace_tokens(&seeds[seed.index(seeds.len())].1, &edits));
    }

    #[test]
    fn budget_xlsx_bytes_do_not_panic(input in bytes_or_mutated_seed()) {
        run_budget(XLSX, realise(&seeds(XLSX), &input));
    }

    #[test]
    fn edited_budget_xlsx_does_not_panic(
        seed in any::<Index>(),
        edits in proptest::collection::vec(xlsx::xlsx_edit(), 1..4),
    ) {
        run_budget(XLSX, edited_xlsx(&seed, &edits));
    }

    #[test]
    fn evidence_bytes_do_not_panic(input in bytes_or_mutated_seed()) {
        run_evidence(realise(&seeds(EVIDENCE), &input));
    }
}
