//! A guard: what a person reads is written by `pantau-present` only.
//!
//! Scans the sources of the crates that show things to people (web, report,
//! notify, cli; their `src` only, not their `tests`, and not the unit-test
//! module that ends a file) for formatting that belongs here: a hand-made
//! decimal comma, month and day names, strftime patterns for people, rupiah
//! and percent written around a number, the status and period labels. It fails
//! naming `file:line` and the pattern, so a regression is caught where it is
//! written. The patterns are tested below on bad and good lines.
//!
//! SVG coordinates (`x="{:.1}"`), machine formats (ISO dates in JSON and CSV,
//! parsing of input) and the `.ftl` texts are not matched or not scanned.

use std::path::{Path, PathBuf};

/// The source folders scanned, from the workspace's `crates`.
const SCANNED: [&str; 4] = ["web/src", "report/src", "notify/src", "cli/src"];

/// Legitimate exceptions: (file, pattern, a piece of the offending line, why).
/// Each must still match something, so the list cannot go stale.
///
/// All of them are column or row headers of the reports that happen to use a
/// status word: they head a rate or a list of periods, not the state of one
/// report, which `present::compliance` writes. (Were the headers to move into
/// `present`, these entries would report themselves as no longer needed.)
const ALLOWED: &[(&str, &str, &str, &str)] = &[
    (
        "report/src/minutes.rs",
        "status label",
        r#"t("Tepat waktu", "On time")"#,
        "header of the on-time rate column",
    ),
    (
        "report/src/tables.rs",
        "status label",
        r#"("on_time_rate", "Tepat waktu""#,
        "XLSX header of the on-time rate",
    ),
    (
        "report/src/pdf.rs",
        "status label",
        r#"["Tepat waktu", rate(s.on_time_rate)]"#,
        "PDF row header of the on-time rate",
    ),
    (
        "report/src/pdf.rs",
        "status label",
        r#"vec!["Tepat waktu".to_owned(), rate(s.on_time_rate)]"#,
        "PDF row header of the on-time rate",
    ),
    (
        "report/src/minutes.rs",
        "status label",
        r#"("Tidak lapor", "Missing")"#,
        "minutes' header of the column listing the periods not reported",
    ),
    (
        "report/src/minutes.rs",
        "status label",
        r#"("Terlambat", "Late")"#,
        "minutes' header of the column listing the periods reported late",
    ),
];

// ---- the patterns ------------------------------------------------------------

/// Indonesian and English month names, as whole words in a string literal.
const MONTHS: [&str; 17] = [
    "Januari", "Februari", "Maret", "Mei", "Juni", "Juli", "Agustus", "Oktober", "Desember",
    "January", "February", "March", "June", "July", "August", "October", "December",
];

/// Short month names that are not words: only a literal of their own.
const SHORT_MONTHS: [&str; 4] = ["Agu", "Okt", "Des", "Mei"];

/// Day names (not "Minggu", which also means "week").
const DAYS: [&str; 6] = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"];

/// Labels `present` writes (status, compliance, verdict, entry, follow-up, rating).
const LABELS: [&str; 16] = [
    "Sesuai jalur",
    "Tertinggal",
    "Berisiko",
    "Belum ada data",
    "Tidak tercapai",
    "Tercapai",
    "Tepat waktu",
    "Terlambat",
    "Tidak lapor",
    "Belum jatuh tempo",
    "Menunggu verifikasi",
    "Terverifikasi",
    "Dikembalikan",
    "Lewat tenggat",
    "Sangat Tinggi",
    "Sangat Rendah",
];

/// strftime pieces that only people read: names of months and days, day-first
/// dates, times of day. ISO dates (`%Y-%m-%d`, `%Y-%m`) are machine formats.
const STRFTIME: [&str; 12] = [
    "%B", "%b", "%A", "%a", "%e", "%d %", "%d/%m", "%d-%m", "%d.%m", "%m/%d", "%H:%M", "%H.%M",
];

/// One offence: the line and the pattern's name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hit {
    line: usize,
    pattern: &'static str,
    text: String,
}

/// The string literals of `code` with the line each starts on; comments
/// skipped, char literals (`'"'`) and lifetimes told apart, raw strings read.
fn literals(code: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i += 2;
            }
            '\'' => {
                // A char literal: 'x' or '\x..'; else a lifetime.
                if next == Some('\\') {
                    // Past the quote, the backslash and the escaped character.
                    i += 3;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                } else if chars.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            'r' if matches!(next, Some('"') | Some('#'))
                && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while chars.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if chars.get(j) != Some(&'"') {
                    i += 1;
                    continue;
                }
                j += 1;
                let start = (line, j);
                let end = loop {
                    if j >= chars.len() {
                        break j;
                    }
                    if chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
                        break j;
                    }
                    if chars[j] == '\n' {
                        line += 1;
                    }
                    j += 1;
                };
                out.push((
                    start.0,
                    chars[start.1..end.min(chars.len())].iter().collect(),
                ));
                i = end + 1 + hashes;
            }
            '"' => {
                let start = line;
                let mut text = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        // An escape: keep it as written; a line continuation is a new line.
                        text.push('\\');
                        i += 1;
                    }
                    if let Some(&c) = chars.get(i) {
                        if c == '\n' {
                            line += 1;
                        }
                        text.push(c);
                    }
                    i += 1;
                }
                i += 1;
                out.push((start, text));
            }
            _ => i += 1,
        }
    }
    out
}

/// Whether `word` stands alone in `text` (not part of a longer word).
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The pattern a string literal breaks, if any.
fn literal_offence(text: &str) -> Option<&'static str> {
    if MONTHS.iter().any(|m| has_word(text, m)) || SHORT_MONTHS.contains(&text) {
        return Some("month name");
    }
    if DAYS.iter().any(|d| has_word(text, d)) {
        return Some("day name");
    }
    if STRFTIME.iter().any(|p| text.contains(p)) || text.contains("%Y-%m-%d %H") {
        return Some("strftime for people");
    }
    // "Rp {}", "Rp {:.2}", "Rp{amount}": a number written after the currency.
    if text.match_indices("Rp").any(|(at, _)| {
        let alone = !text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let rest = text[at + 2..].trim_start_matches([' ', '.', '\u{a0}']);
        alone && rest.starts_with('{')
    }) {
        return Some("rupiah around a number");
    }
    // "{}%", "{:.2}%", "{v:.0}%": a number written before a percent sign.
    if text.contains("}%") && !text.contains("}}%") {
        return Some("percent after a number");
    }
    if LABELS.iter().any(|l| has_word(text, l)) {
        return Some("status label");
    }
    // `present::period`, `period_short`, `day_of`.
    if ["Minggu ke-", "hari ke-", "Week {"]
        .iter()
        .any(|p| text.contains(p))
    {
        return Some("period label");
    }
    None
}

/// The pattern a line of code breaks, if any (beyond its literals).
fn code_offence(line: &str) -> Option<&'static str> {
    let code = line.split("//").next().unwrap_or(line);
    let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    // `replace('.', ",")`, `replace(".", ',')`, `replace('.', &mark)`; removing
    // the dots of typed input (`replace('.', "")`) is parsing, not writing.
    let comma = ["replace('.',", r#"replace(".","#];
    let by_hand = comma.iter().any(|p| {
        compact.match_indices(p).any(|(at, _)| {
            let with = &compact[at + p.len()..];
            !(with.starts_with(r#""")"#) || with.starts_with("'')"))
        })
    });
    by_hand.then_some("decimal comma by hand")
}

/// Every offence in a source file's text. A file's unit tests (from a
/// `#[cfg(test)]` at the start of a line to the end) are not scanned: they
/// assert texts, they do not write them.
fn offences(source: &str) -> Vec<Hit> {
    let code = match source.find("\n#[cfg(test)]") {
        Some(at) => &source[..at],
        None => source,
    };
    let lines: Vec<&str> = code.lines().collect();
    let mut hits = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        if let Some(pattern) = code_offence(line) {
            hits.push(Hit {
                line: n + 1,
                pattern,
                text: line.trim().to_owned(),
            });
        }
    }
    for (n, text) in literals(code) {
        if let Some(pattern) = literal_offence(&text) {
            hits.push(Hit {
                line: n,
                pattern,
                text: lines
                    .get(n - 1)
                    .map_or(String::new(), |l| l.trim().to_owned()),
            });
        }
    }
    hits.sort_by_key(|h| h.line);
    hits
}

// ---- the scan -----------------------------------------------------------------

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates/present lies in crates")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn formatting_for_people_lives_in_pantau_present() {
    let crates = crates_dir();
    let mut files = Vec::new();
    for dir in SCANNED {
        rust_files(&crates.join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() > 20, "the scan found the sources: {files:?}");
    let mut used = vec![false; ALLOWED.len()];
    let mut failures = Vec::new();
    for file in &files {
        let name = file
            .strip_prefix(&crates)
            .expect("under crates")
            .to_string_lossy()
            .replace('\\', "/");
        let source = std::fs::read_to_string(file).expect("a readable source");
        for hit in offences(&source) {
            let allowed = ALLOWED.iter().position(|(f, p, piece, _)| {
                *f == name && *p == hit.pattern && hit.text.contains(piece)
            });
            match allowed {
                Some(i) => used[i] = true,
                None => failures.push(format!(
                    "crates/{name}:{}: {} — {}",
                    hit.line, hit.pattern, hit.text
                )),
            }
        }
    }
    for (i, (file, pattern, piece, _)) in ALLOWED.iter().enumerate() {
        if !used[i] {
            failures.push(format!(
                "allow-list entry no longer needed: {file} {pattern} {piece:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "formatting for people outside pantau-present (use a pantau_present function, \
         or add a commented exception to ALLOWED):\n{}",
        failures.join("\n")
    );
}

// ---- the guard's own tests ----------------------------------------------------

/// The patterns a source breaks, each once.
fn patterns_of(source: &str) -> Vec<&'static str> {
    let mut patterns: Vec<_> = offences(source).into_iter().map(|h| h.pattern).collect();
    patterns.dedup();
    patterns
}

#[test]
fn bad_lines_are_caught() {
    let bad = [
        (
            r#"let s = v.to_string().replace('.', ",");"#,
            "decimal comma by hand",
        ),
        (
            r#"let s = v.to_string().replace(".", ",");"#,
            "decimal comma by hand",
        ),
        (
            r#"let s = text.replace('.', &comma);"#,
            "decimal comma by hand",
        ),
        (
            r#"const BULAN: [&str; 2] = ["Januari", "Februari"];"#,
            "month name",
        ),
        (r#"format!("{} Desember {}", d, y)"#, "month name"),
        (r#"let m = "Okt";"#, "month name"),
        (r#"let m = "October";"#, "month name"),
        (r#"format!("Jumat, {}", d)"#, "day name"),
        (r#"d.format("%d %B %Y").to_string()"#, "strftime for people"),
        (r#"t.format("%Y-%m-%d %H:%M")"#, "strftime for people"),
        (r#"d.format("%d/%m/%Y")"#, "strftime for people"),
        (r#"t.format("%H.%M")"#, "strftime for people"),
        (r#"format!("Rp {}", amount)"#, "rupiah around a number"),
        (r#"format!("Rp {amount:.0}")"#, "rupiah around a number"),
        (r#"format!("Rp. {}", amount)"#, "rupiah around a number"),
        (r#"format!("{:.2}%", pct)"#, "percent after a number"),
        (r#"format!("{v:.1}%")"#, "percent after a number"),
        (r#"format!("{}%", pct)"#, "percent after a number"),
        (
            r###"r##"<text x="{}">{3}%</text>"##"###,
            "percent after a number",
        ),
        (r#"Status::OnTrack => "Sesuai jalur","#, "status label"),
        (r#"None => "Belum ada data".to_owned(),"#, "status label"),
        (r#"label: "Tertinggal","#, "status label"),
        (r#"("on_time", "Tepat waktu"),"#, "status label"),
        (r#"format!("Minggu ke-{}", p.index)"#, "period label"),
        (r#"format!("hari ke-{day} dari {total}")"#, "period label"),
    ];
    for (line, pattern) in bad {
        assert_eq!(patterns_of(line), [pattern], "{line}");
    }
    // A literal over several lines names the line it starts on.
    let source = "fn a() {}\nlet s = \"a\n{}%\";\n";
    assert_eq!(
        offences(source),
        [Hit {
            line: 2,
            pattern: "percent after a number",
            text: "let s = \"a".to_owned(),
        }]
    );
}

#[test]
fn good_lines_pass() {
    let good = [
        // SVG coordinates and sizes are not for people.
        r##"write!(s, r#"<rect x="{x:.1}" y="{y:.1}" width="100%"/>"#, x = 1.0, y = 2.0)"##,
        r#"format!("{x:.1},{y:.1}")"#,
        r##"write!(s, r#"<path d="M{a} {b}V{c}H{d}"/>"#)"##,
        // Machine formats: ISO dates parsed or in keys.
        r#"NaiveDate::parse_from_str(text, "%Y-%m-%d")"#,
        r#"let key = d.format("%Y-%m").to_string();"#,
        // Parsing input that people typed.
        r#"let rest = text.strip_prefix("Rp").unwrap_or(text);"#,
        r#"let clean = text.replace('.', "");"#,
        // Calls into present, and comments that show its output.
        r#"present::status(lang, Status::OnTrack)"#,
        r#"// "97,50%" and "Rp 1.250.000.000" as the pages write them"#,
        r#"/// "Sesuai jalur" / "On track""#,
        // Words that contain a name, a char literal, a lifetime, a raw string.
        r#"let s = "Meiliana Desemberta";"#,
        r#"fn f<'a>(c: char) -> bool { c == '"' || c == '\'' }"#,
        r##"let s = r#"plain "text""#;"##,
        // A percent sign for CSS or escaped braces.
        r#"format!("{{}}%")"#,
        r#"let w = "100%";"#,
    ];
    for line in good {
        assert_eq!(patterns_of(line), Vec::<&str>::new(), "{line}");
    }
    // A file's unit tests may assert texts.
    let source = "fn a() {}\n#[cfg(test)]\nmod tests {\n    const X: &str = \"Januari\";\n}\n";
    assert!(offences(source).is_empty());
}
