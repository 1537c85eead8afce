//! What an account may say about the person who holds it: a full name and the
//! civil servant number (NIP, *Nomor Induk Pegawai*). The store refuses what
//! these refuse, and a form can check the same before it posts.

/// A NIP is 18 digits: birth date (8), appointment month (6), sex (1), serial (3).
pub const NIP_DIGITS: usize = 18;

/// The longest full name kept, in characters.
pub const FULL_NAME_MAX_CHARS: usize = 200;

/// Why a NIP is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NipProblem {
    #[error("a NIP is {NIP_DIGITS} digits, got {0}")]
    Length(usize),
    #[error(
        "a NIP is {NIP_DIGITS} digits without spaces or punctuation, got {character:?} at position {position}"
    )]
    NotDigit { position: usize, character: char },
}

/// Check a NIP: exactly [`NIP_DIGITS`] ASCII digits, nothing else.
pub fn check_nip(nip: &str) -> Result<(), NipProblem> {
    if let Some((i, character)) = nip.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(NipProblem::NotDigit {
            position: i + 1,
            character,
        });
    }
    match nip.len() {
        NIP_DIGITS => Ok(()),
        n => Err(NipProblem::Length(n)),
    }
}

/// Why a full name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FullNameProblem {
    #[error("a full name is at most {FULL_NAME_MAX_CHARS} characters, got {0}")]
    TooLong(usize),
    #[error("a full name is one line without control characters")]
    ControlCharacter,
}

/// Check a full name: at most [`FULL_NAME_MAX_CHARS`] characters, one line.
pub fn check_full_name(name: &str) -> Result<(), FullNameProblem> {
    let chars = name.chars().count();
    if chars > FULL_NAME_MAX_CHARS {
        return Err(FullNameProblem::TooLong(chars));
    }
    if name.chars().any(char::is_control) {
        return Err(FullNameProblem::ControlCharacter);
    }
    Ok(())
}
