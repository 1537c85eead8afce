//! User text in CSV and XLSX exports never runs as a formula.
//!
//! A spreadsheet program treats a cell that begins with `=`, `+`, `-` or `@`
//! as a formula, and a tab or carriage return can smuggle one past a quick
//! look; a unit or target name such as `=HYPERLINK(...)` would then run on
//! the reader's machine. CSV cells get a leading apostrophe, the usual
//! neutraliser; XLSX cells are stored as text and marked "quote prefix", so
//! the value itself is unchanged and still imports as written.

use std::borrow::Cow;

/// Whether a spreadsheet program could read `text` as a formula.
pub fn is_risky(text: &str) -> bool {
    let starts_risky = text
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    // A plain number such as "-5" or "+2.5" is read as that number, which is harmless.
    starts_risky && !is_plain_number(text)
}

fn is_plain_number(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit())
}

/// `text` as a CSV cell that no spreadsheet program evaluates.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    if is_risky(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A CSV cell read back: the apostrophe [`csv_cell`] added is taken off again,
/// so an exported template imports as it was.
pub fn from_csv_cell(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if is_risky(rest) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_and_their_disguises_are_neutralised() {
        for risky in [
            "=1+2",
            "+SUM(A1:A2)",
            "-1+1",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "=HYPERLINK(\"http://x\",\"klik\")",
            "-",
        ] {
            assert!(is_risky(risky), "{risky:?}");
            assert_eq!(csv_cell(risky), format!("'{risky}"));
            assert_eq!(from_csv_cell(&csv_cell(risky)), risky);
        }
    }

    #[test]
    fn ordinary_text_and_plain_numbers_pass_unchanged() {
        for safe in [
            "Dinas Lingkungan Hidup",
            "-5",
            "+2.5",
            "1=1",
            "",
            "'quoted",
            "Rp 1.000",
        ] {
            assert!(!is_risky(safe), "{safe:?}");
            assert_eq!(csv_cell(safe), safe);
            assert_eq!(from_csv_cell(safe), safe);
        }
    }
}
