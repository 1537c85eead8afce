//! Document numbers (nomor surat) of the berita acara: a pattern set per
//! region, e.g. `{nomor}/BA-EVAL/{bulan_romawi}/{tahun}`, filled with the
//! region's sequence number of the year, the month and the year of closing.
//! Pure: the store keeps the pattern and the sequence, never reusing a number.

/// The pattern a region starts with.
pub const DEFAULT_PATTERN: &str = "{nomor}/BA-EVAL/{bulan_romawi}/{tahun}";

/// The longest pattern accepted.
pub const MAX_PATTERN_CHARS: usize = 80;

/// The placeholders a pattern may use.
pub const PLACEHOLDERS: [&str; 5] = ["nomor", "nomor3", "bulan", "bulan_romawi", "tahun"];

/// Why a pattern is refused; the page words each one in its language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("the pattern is empty")]
    Empty,
    #[error("the pattern is longer than {MAX_PATTERN_CHARS} characters")]
    TooLong,
    #[error("the pattern has no {{nomor}} (or {{nomor3}}): numbers would repeat")]
    NoNumber,
    #[error("the pattern has more than one {{nomor}}")]
    TwoNumbers,
    #[error("the pattern has no {{tahun}}: the sequence starts again every year")]
    NoYear,
    #[error("the pattern has an unknown placeholder {{{0}}}")]
    Unknown(String),
    #[error("the pattern has a brace that is not closed or not opened")]
    Unbalanced,
    #[error("the pattern has a line break or a control character")]
    Control,
}

enum Piece<'a> {
    Text(&'a str),
    Field(&'a str),
}

fn pieces(pattern: &str) -> Result<Vec<Piece<'_>>, PatternError> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        match (rest.find('{'), rest.find('}')) {
            (None, None) => {
                out.push(Piece::Text(rest));
                break;
            }
            (Some(open), Some(close)) if open < close => {
                if open > 0 {
                    out.push(Piece::Text(&rest[..open]));
                }
                let name = &rest[open + 1..close];
                if name.contains('{') {
                    return Err(PatternError::Unbalanced);
                }
                out.push(Piece::Field(name));
                rest = &rest[close + 1..];
            }
            _ => return Err(PatternError::Unbalanced),
        }
    }
    Ok(out)
}

/// Check a pattern as an admin typed it (trimmed): one `{nomor}` (or
/// `{nomor3}`, zero-padded to three digits), a `{tahun}` (the sequence is per
/// year, so a number without the year would come back), known placeholders only.
pub fn validate_pattern(pattern: &str) -> Result<(), PatternError> {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return Err(PatternError::Empty);
    }
    if pattern.chars().count() > MAX_PATTERN_CHARS {
        return Err(PatternError::TooLong);
    }
    if pattern.chars().any(char::is_control) {
        return Err(PatternError::Control);
    }
    let mut numbers = 0;
    let mut year = false;
    for piece in pieces(pattern)? {
        if let Piece::Field(name) = piece {
            match name {
                "nomor" | "nomor3" => numbers += 1,
                "tahun" => year = true,
                "bulan" | "bulan_romawi" => {}
                other => return Err(PatternError::Unknown(other.to_owned())),
            }
        }
    }
    match numbers {
        0 => Err(PatternError::NoNumber),
        1 if !year => Err(PatternError::NoYear),
        1 => Ok(()),
        _ => Err(PatternError::TwoNumbers),
    }
}

/// The month in Roman numerals, as Indonesian letters number it (IV for April).
pub fn roman_month(month: u32) -> &'static str {
    const ROMAN: [&str; 12] = [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ];
    ROMAN[(month.clamp(1, 12) - 1) as usize]
}

/// The number `sequence` of `year`, in `month`, written by a valid `pattern`.
pub fn document_number(
    pattern: &str,
    sequence: u32,
    month: u32,
    year: i32,
) -> Result<String, PatternError> {
    validate_pattern(pattern)?;
    let mut out = String::new();
    for piece in pieces(pattern.trim())? {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Field("nomor") => out.push_str(&sequence.to_string()),
            Piece::Field("nomor3") => out.push_str(&format!("{sequence:03}")),
            Piece::Field("bulan") => out.push_str(&format!("{month:02}")),
            Piece::Field("bulan_romawi") => out.push_str(roman_month(month)),
            Piece::Field("tahun") => out.push_str(&year.to_string()),
            Piece::Field(other) => return Err(PatternError::Unknown(other.to_owned())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pattern_writes_the_usual_number() {
        assert_eq!(
            document_number(DEFAULT_PATTERN, 7, 4, 2025).unwrap(),
            "7/BA-EVAL/IV/2025"
        );
        assert_eq!(
            document_number("000.{nomor3}/SETDA/{bulan}/{tahun}", 7, 12, 2025).unwrap(),
            "000.007/SETDA/12/2025"
        );
    }

    #[test]
    fn patterns_that_would_repeat_or_cannot_be_read_are_refused() {
        assert_eq!(validate_pattern("  "), Err(PatternError::Empty));
        assert_eq!(validate_pattern("BA/{tahun}"), Err(PatternError::NoNumber));
        assert_eq!(validate_pattern("{nomor}/BA"), Err(PatternError::NoYear));
        assert_eq!(
            validate_pattern("{nomor}/{nomor}/{tahun}"),
            Err(PatternError::TwoNumbers)
        );
        assert_eq!(
            validate_pattern("{nomor}/{hari}/{tahun}"),
            Err(PatternError::Unknown("hari".into()))
        );
        assert_eq!(
            validate_pattern("{nomor/{tahun}"),
            Err(PatternError::Unbalanced)
        );
        assert_eq!(
            validate_pattern("{nomor}}/{tahun}"),
            Err(PatternError::Unbalanced)
        );
        assert_eq!(
            validate_pattern(&format!("{{nomor}}/{{tahun}}/{}", "x".repeat(80))),
            Err(PatternError::TooLong)
        );
    }

    #[test]
    fn months_are_roman() {
        assert_eq!(roman_month(1), "I");
        assert_eq!(roman_month(9), "IX");
        assert_eq!(roman_month(12), "XII");
    }
}
