//! XLSX edits for the fuzz harness (fuzz/harness.rs): a seed workbook is
//! unzipped, a part is changed, and the parts are zipped again, so that the
//! input gets past the zip reader to the sheet reader and the import's checks.

#![allow(dead_code)]

use std::io::{Cursor, Read, Write};

use proptest::prelude::*;
use proptest::sample::Index;

use super::harness::{Mutation, mutate, mutation, replace_tokens, token_edits};

/// One change to an XLSX file that keeps it a zip: to one part's bytes or
/// tokens, or leaving a part out; the rest is zipped again as it was.
#[derive(Debug, Clone)]
pub enum XlsxEdit {
    Tokens(Index, Vec<(Index, Index)>),
    Bytes(Index, Vec<Mutation>),
    Drop(Index),
}

pub fn xlsx_edit() -> impl Strategy<Value = XlsxEdit> {
    prop_oneof![
        4 => (any::<Index>(), token_edits()).prop_map(|(part, t)| XlsxEdit::Tokens(part, t)),
        2 => (any::<Index>(), proptest::collection::vec(mutation(), 1..4))
            .prop_map(|(part, m)| XlsxEdit::Bytes(part, m)),
        1 => any::<Index>().prop_map(XlsxEdit::Drop),
    ]
}

/// The parts of a zip, in order. The seeds are well-formed zips.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a seed is a zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("a seed's part");
            let mut data = Vec::new();
            file.read_to_end(&mut data).expect("a seed's part reads");
            (file.name().to_owned(), data)
        })
        .collect()
}

pub fn rezip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in parts {
        writer
            .start_file(name.as_str(), options)
            .expect("a zip part");
        writer.write_all(data).expect("a zip part's data");
    }
    writer.finish().expect("the zip").into_inner()
}

/// An XLSX seed with its parts edited; sheet XML is preferred, since the
/// cells are what the imports read.
pub fn edit_xlsx(seed: &[u8], edits: &[XlsxEdit], others: &[Vec<u8>]) -> Vec<u8> {
    let mut parts = unzip(seed);
    for edit in edits {
        if parts.is_empty() {
            break;
        }
        match edit {
            XlsxEdit::Tokens(part, tokens) => {
                let cells: Vec<usize> = (0..parts.len())
                    .filter(|&i| {
                        parts[i].0.contains("worksheets/") || parts[i].0.contains("sharedStrings")
                    })
                    .collect();
                let i = if cells.is_empty() {
                    part.index(parts.len())
                } else {
                    cells[part.index(cells.len())]
                };
                parts[i].1 = replace_tokens(&parts[i].1, tokens);
            }
            XlsxEdit::Bytes(part, mutations) => {
                let i = part.index(parts.len());
                parts[i].1 = mutate(std::mem::take(&mut parts[i].1), mutations, others);
            }
            XlsxEdit::Drop(part) => {
                let i = part.index(parts.len());
                parts.remove(i);
            }
        }
    }
    rezip(&parts)
}
