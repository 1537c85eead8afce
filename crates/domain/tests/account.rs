//! The rules of an account holder's full name and NIP.

use pantau_domain::account::{
    FULL_NAME_MAX_CHARS, FullNameProblem, NIP_DIGITS, NipProblem, check_full_name, check_nip,
};

#[test]
fn a_nip_is_exactly_eighteen_ascii_digits() {
    assert_eq!(NIP_DIGITS, 18);
    assert_eq!(check_nip("196805121994031002"), Ok(()));
    assert_eq!(check_nip("000000000000000000"), Ok(()));
    assert_eq!(check_nip(""), Err(NipProblem::Length(0)));
    assert_eq!(check_nip("19680512199403100"), Err(NipProblem::Length(17)));
    assert_eq!(
        check_nip("1968051219940310021"),
        Err(NipProblem::Length(19))
    );
}

#[test]
fn a_nip_names_its_first_character_that_is_not_a_digit() {
    assert_eq!(
        check_nip("19680512 199403 1 002"),
        Err(NipProblem::NotDigit {
            position: 9,
            character: ' '
        })
    );
    assert_eq!(
        check_nip("19680512-199403-1-002"),
        Err(NipProblem::NotDigit {
            position: 9,
            character: '-'
        })
    );
    assert_eq!(
        check_nip(" 196805121994031002"),
        Err(NipProblem::NotDigit {
            position: 1,
            character: ' '
        })
    );
    // Digits of other scripts are not NIP digits, even 18 of them.
    let arabic_indic = "١٩٦٨٠٥١٢١٩٩٤٠٣١٠٠٢";
    assert_eq!(arabic_indic.chars().count(), 18);
    assert_eq!(
        check_nip(arabic_indic),
        Err(NipProblem::NotDigit {
            position: 1,
            character: '١'
        })
    );
    let message = check_nip("19680512199403100X").unwrap_err().to_string();
    assert!(message.contains("'X' at position 18"), "{message}");
    let message = check_nip("1968").unwrap_err().to_string();
    assert_eq!(message, "a NIP is 18 digits, got 4");
}

#[test]
fn a_full_name_is_one_line_of_at_most_two_hundred_characters() {
    assert_eq!(FULL_NAME_MAX_CHARS, 200);
    assert_eq!(check_full_name("Dr. H. Ahmad Fauzi, M.Si."), Ok(()));
    assert_eq!(check_full_name(&"a".repeat(200)), Ok(()));
    // Characters, not bytes.
    assert_eq!(check_full_name(&"é".repeat(200)), Ok(()));
    assert_eq!(
        check_full_name(&"a".repeat(201)),
        Err(FullNameProblem::TooLong(201))
    );
    assert_eq!(
        check_full_name("Ahmad\nFauzi"),
        Err(FullNameProblem::ControlCharacter)
    );
    assert_eq!(
        check_full_name("Ahmad\tFauzi"),
        Err(FullNameProblem::ControlCharacter)
    );
}
