//! The fuzz harness the import tests share (included with `#[path]` by
//! crates/domain/tests/fuzz.rs, crates/report/tests/fuzz.rs and
//! crates/web/src/fuzz_tests.rs): cargo-fuzz needs a nightly toolchain, so the
//! inputs are made by proptest on stable Rust instead.
//!
//! Each target gets raw bytes and mutations of its seed corpus
//! (`fuzz/corpus/<target>/`): byte flips, truncation, splicing, duplicated
//! chunks and dictionary words; JSON and XLSX seeds also get edits that keep
//! their structure (a value at a random path; a token of a sheet's XML, then
//! zipped again), so that the inputs get past the first parser and reach the
//! checks behind it. Every case runs on a thread of its own and must answer
//! within [`TIME_LIMIT`], so a hang fails the test instead of stalling it.
//!
//! The number of cases is `PROPTEST_CASES` (default 256 per target). A failing
//! input is shrunk and printed; keep it as a file in the target's corpus, where
//! every run replays it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;

/// How long one case may take before it counts as a hang: far above what any
/// input takes (milliseconds), so that a slow machine never trips it.
pub const TIME_LIMIT: Duration = Duration::from_secs(10);

/// The cases per target: `PROPTEST_CASES`, or 256.
pub fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    Config {
        cases,
        // Failures are kept as corpus files, which every run replays.
        failure_persistence: None,
        ..Config::default()
    }
}

/// The folder of a target's seed corpus.
pub fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

/// A target's seeds, by file name; a target without seeds is a mistake.
pub fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir(target);
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus {} cannot be read: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a corpus entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("a corpus file"))
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// Run `f` on a thread of its own; its panic is this thread's panic, and no
/// answer within [`TIME_LIMIT`] is a hang.
pub fn bounded<F: FnOnce() + Send + 'static>(what: &str, f: F) {
    let (done, answer) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(format!("fuzz {what}"))
        .spawn(move || {
            f();
            let _ = done.send(());
        })
        .expect("a thread for the case");
    match answer.recv_timeout(TIME_LIMIT) {
        Ok(()) => handle.join().expect("the case finished"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the case ended without saying so"),
        },
        // The thread is left behind: there is no way to stop it.
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: no answer within {TIME_LIMIT:?}: the input hangs the parser")
        }
    }
}

/// Words that parsers of these formats treat specially: numbers at and past
/// the limits, dates that do not exist, spreadsheet cell references far out,
/// cell types, the budget's column names, codes of the seed bundle.
pub const DICTIONARY: &[&str] = &[
    "",
    "0",
    "1",
    "-1",
    "-0",
    "13",
    "100.001",
    "1.5",
    "12,5",
    "1e308",
    "1e400",
    "-1e308",
    "NaN",
    "inf",
    "99999999999999999999",
    "9007199254740993",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "79228162514264337593543950336",
    "1.250.000.000",
    "Rp 1.000",
    "45,25%",
    "2025-02-30",
    "2025-13-01",
    "0000-01-01",
    "9999-12-31",
    "+275760-09-13",
    "2025-03-01T08:30:00+25:00",
    "24:00",
    "23:59:60",
    "Asia/Jakarta",
    "Mars/Olympus",
    "A0",
    "A1",
    "XFD1048576",
    "A1048577",
    "ZZZZ1",
    "AAAAAAAAAAAAA4294967296",
    "s",
    "n",
    "b",
    "e",
    "d",
    "str",
    "inlineStr",
    "unit",
    "month",
    "pagu",
    "planned",
    "realised",
    "physical_pct",
    "100HK",
    "DP3A",
    "DP3A-01",
    "DLH-02",
    "ASDA1",
    "P1",
    "sum",
    "milestone",
    "lower",
    "friday",
    "verified",
    "=SUM(A1:A9)",
    "\"",
    "&amp;",
    "&#0;",
    "&#xFFFF;",
    "\u{feff}",
    "\u{0}",
    "é\u{301}",
    "𝕏",
];

/// Bytes that change how the formats read: quotes, brackets, separators.
const SPECIAL_BYTES: &[u8] = b"\x00\xff\x80\x7f\"\\{}[]<>,;:=\n\r\t. -09eE%";

/// One change to a file's bytes.
#[derive(Debug, Clone)]
pub enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, Index),
    Truncate(Index),
    Delete(Index, u8),
    /// Copy a chunk and put it in again elsewhere.
    Duplicate(Index, u16, Index),
    /// A chunk of another seed, put in here.
    Splice(Index, Index, u16, Index),
    Word(Index, Index),
    /// The same bytes over and over: a long run.
    Repeat(Index, u8, u16),
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit(at, bit)),
        (any::<Index>(), any::<Index>()).prop_map(|(at, b)| Mutation::SetByte(at, b)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), 1u8..64).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (any::<Index>(), 1u16..512, any::<Index>())
            .prop_map(|(from, n, to)| Mutation::Duplicate(from, n, to)),
        (any::<Index>(), any::<Index>(), 1u16..512, any::<Index>())
            .prop_map(|(seed, from, n, to)| Mutation::Splice(seed, from, n, to)),
        (any::<Index>(), any::<Index>()).prop_map(|(at, w)| Mutation::Word(at, w)),
        (any::<Index>(), any::<u8>(), 1u16..4096).prop_map(|(at, b, n)| Mutation::Repeat(at, b, n)),
    ]
}

fn position(at: &Index, len: usize) -> usize {
    at.index(len + 1)
}

/// Apply the mutations in turn; `others` are the seeds to splice from.
pub fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation], others: &[Vec<u8>]) -> Vec<u8> {
    for m in mutations {
        match m {
            Mutation::FlipBit(at, bit) if !bytes.is_empty() => {
                let i = at.index(bytes.len());
                bytes[i] ^= 1 << bit;
            }
            Mutation::SetByte(at, b) if !bytes.is_empty() => {
                let i = at.index(bytes.len());
                bytes[i] = SPECIAL_BYTES[b.index(SPECIAL_BYTES.len())];
            }
            Mutation::Truncate(at) => bytes.truncate(position(at, bytes.len())),
            Mutation::Delete(at, n) => {
                let from = position(at, bytes.len());
                let to = (from + usize::from(*n)).min(bytes.len());
                bytes.drain(from..to);
            }
            Mutation::Duplicate(from, n, to) => {
                let from = position(from, bytes.len());
                let end = (from + usize::from(*n)).min(bytes.len());
                let chunk = bytes[from..end].to_vec();
                let to = position(to, bytes.len());
                bytes.splice(to..to, chunk);
            }
            Mutation::Splice(seed, from, n, to) if !others.is_empty() => {
                let other = &others[seed.index(others.len())];
                let from = position(from, other.len());
                let end = (from + usize::from(*n)).min(other.len());
                let to = position(to, bytes.len());
                bytes.splice(to..to, other[from..end].iter().copied());
            }
            Mutation::Word(at, w) => {
                let to = position(at, bytes.len());
                let word = DICTIONARY[w.index(DICTIONARY.len())].as_bytes();
                bytes.splice(to..to, word.iter().copied());
            }
            Mutation::Repeat(at, b, n) => {
                let to = position(at, bytes.len());
                bytes.splice(to..to, std::iter::repeat_n(*b, usize::from(*n)));
            }
            _ => {}
        }
    }
    bytes
}

/// Raw bytes, or a seed (picked by the index) with byte mutations.
pub fn bytes_or_mutated_seed() -> impl Strategy<Value = (Option<Index>, Vec<u8>, Vec<Mutation>)> {
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..2048)
            .prop_map(|bytes| (None, bytes, Vec::new())),
        4 => (any::<Index>(), proptest::collection::vec(mutation(), 1..8))
            .prop_map(|(seed, ms)| (Some(seed), Vec::new(), ms)),
    ]
}

/// The input a [`bytes_or_mutated_seed`] value stands for.
pub fn realise(
    seeds: &[(String, Vec<u8>)],
    (seed, raw, mutations): &(Option<Index>, Vec<u8>, Vec<Mutation>),
) -> Vec<u8> {
    let Some(seed) = seed else {
        return raw.clone();
    };
    let others: Vec<Vec<u8>> = seeds.iter().map(|(_, b)| b.clone()).collect();
    mutate(seeds[seed.index(seeds.len())].1.clone(), mutations, &others)
}

/// Split text into tokens at the characters that separate fields in XML and
/// CSV, and replace some tokens with dictionary words: a cell reference, a
/// cell type, a value, a column name is changed while the rest stays readable.
pub fn replace_tokens(text: &[u8], edits: &[(Index, Index)]) -> Vec<u8> {
    let is_separator = |b: u8| b"\"'<>=,;\n\r\t /".contains(&b);
    let mut tokens: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, &b) in text.iter().enumerate() {
        match (is_separator(b), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                tokens.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        tokens.push((s, text.len()));
    }
    if tokens.is_empty() {
        return text.to_vec();
    }
    let mut chosen: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|(t, w)| {
            let (s, e) = tokens[t.index(tokens.len())];
            (s, e, DICTIONARY[w.index(DICTIONARY.len())])
        })
        .collect();
    chosen.sort_by_key(|c| c.0);
    chosen.dedup_by_key(|c| c.0);
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    for (s, e, word) in chosen {
        out.extend_from_slice(&text[at..s]);
        out.extend_from_slice(word.as_bytes());
        at = e;
    }
    out.extend_from_slice(&text[at..]);
    out
}

pub fn token_edits() -> impl Strategy<Value = Vec<(Index, Index)>> {
    proptest::collection::vec((any::<Index>(), any::<Index>()), 1..6)
}

/// One change to a JSON document that keeps it JSON.
#[derive(Debug, Clone)]
pub enum JsonEdit {
    /// Put a value at the node the indexes lead to.
    Set(Vec<Index>, serde_json::Value),
    /// Take the node away.
    Remove(Vec<Index>),
    /// Put a copy of one node in place of another.
    Graft(Vec<Index>, Vec<Index>),
    /// Put an array's item in again, after itself.
    DuplicateItem(Vec<Index>),
}

fn odd_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(json!(u64::MAX)),
        any::<f64>()
            .prop_filter("JSON has finite numbers", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        Just(json!(1e308)),
        Just(json!(-0.0)),
        any::<Index>().prop_map(|w| json!(DICTIONARY[w.index(DICTIONARY.len())])),
        "\\PC{0,24}".prop_map(Value::String),
        (1usize..20_000).prop_map(|n| json!("x".repeat(n))),
    ];
    leaf.prop_recursive(2, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

pub fn json_edit() -> impl Strategy<Value = JsonEdit> {
    let path = || proptest::collection::vec(any::<Index>(), 0..8);
    prop_oneof![
        4 => (path(), odd_value()).prop_map(|(p, v)| JsonEdit::Set(p, v)),
        2 => path().prop_map(JsonEdit::Remove),
        1 => (path(), path()).prop_map(|(to, from)| JsonEdit::Graft(to, from)),
        1 => path().prop_map(JsonEdit::DuplicateItem),
    ]
}

/// The JSON pointer of the node the indexes lead to, going down one level per
/// index until a leaf.
fn pointer(root: &serde_json::Value, path: &[Index]) -> String {
    let mut node = root;
    let mut pointer = String::new();
    for step in path {
        match node {
            serde_json::Value::Object(map) if !map.is_empty() => {
                let (key, next) = map.iter().nth(step.index(map.len())).unwrap();
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                node = next;
            }
            serde_json::Value::Array(items) if !items.is_empty() => {
                let i = step.index(items.len());
                pointer.push_str(&format!("/{i}"));
                node = &items[i];
            }
            _ => break,
        }
    }
    pointer
}

fn split_pointer(pointer: &str) -> Option<(&str, String)> {
    let (parent, last) = pointer.rsplit_once('/')?;
    Some((parent, last.replace("~1", "/").replace("~0", "~")))
}

pub fn edit_json(root: &mut serde_json::Value, edits: &[JsonEdit]) {
    use serde_json::Value;
    for edit in edits {
        match edit {
            JsonEdit::Set(path, value) => {
                let at = pointer(root, path);
                if let Some(node) = root.pointer_mut(&at) {
                    *node = value.clone();
                }
            }
            JsonEdit::Graft(to, from) => {
                let from = pointer(root, from);
                let Some(copy) = root.pointer(&from).cloned() else {
                    continue;
                };
                let to = pointer(root, to);
                if let Some(node) = root.pointer_mut(&to) {
                    *node = copy;
                }
            }
            JsonEdit::Remove(path) | JsonEdit::DuplicateItem(path) => {
                let at = pointer(root, path);
                let Some((parent, last)) = split_pointer(&at) else {
                    continue;
                };
                match (root.pointer_mut(parent), edit) {
                    (Some(Value::Object(map)), JsonEdit::Remove(_)) => {
                        map.remove(&last);
                    }
                    (Some(Value::Array(items)), _) => {
                        let i: usize = last.parse().expect("an array index");
                        if matches!(edit, JsonEdit::Remove(_)) {
                            items.remove(i);
                        } else {
                            let copy = items[i].clone();
                            items.insert(i, copy);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}
