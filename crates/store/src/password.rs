//! Password hashing with argon2id (the crate's defaults, a salt per hash).

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

/// The PHC string of a new argon2id hash of `password`.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any password")
        .to_string()
}

/// True when `password` matches the stored PHC string.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Check a log-in's password against the account's stored hash, or, when
/// there is no account to log in to (unknown or disabled: `None`), against a
/// dummy hash made with the same parameters, which nothing matches. Either
/// way one argon2 verification is done, so the time taken does not tell
/// which accounts exist.
pub fn verify_login(password: &str, stored: Option<&str>) -> bool {
    match stored {
        Some(phc) => verify(password, phc),
        None => {
            // The answer is false whatever the dummy says: only the work counts.
            let _ = verify(password, dummy_hash());
            false
        }
    }
}

/// A hash of a random password, made once per process by [`hash`], so that it
/// has the parameters every stored hash has.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| hash(&generate()));
    &DUMMY
}

/// A new random password of 16 letters and digits, for accounts made from the command line.
pub fn generate() -> String {
    use argon2::password_hash::rand_core::RngCore;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// A new API token: a prefix that says what it is, and 40 random letters and digits.
pub fn generate_token() -> String {
    use argon2::password_hash::rand_core::RngCore;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut bytes = [0u8; 40];
    OsRng.fill_bytes(&mut bytes);
    let body: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("pantau_{body}")
}

/// What the store keeps of a token: its SHA-256 in hex. A token is random
/// enough that a fast hash suffices, and a lookup needs no per-row work.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_checks_the_stored_hash() {
        let stored = hash("rahasia-uji-123");
        assert!(verify_login("rahasia-uji-123", Some(&stored)));
        assert!(!verify_login("salah", Some(&stored)));
    }

    #[test]
    fn no_account_never_logs_in() {
        assert!(!verify_login("rahasia-uji-123", None));
        assert!(!verify_login("", None));
    }

    #[test]
    fn the_dummy_hash_costs_what_a_stored_hash_costs() {
        // Same algorithm, version and parameters: the same work to verify.
        let dummy = PasswordHash::new(dummy_hash()).expect("the dummy is a PHC string");
        let stored_text = hash("rahasia-uji-123");
        let stored = PasswordHash::new(&stored_text).unwrap();
        assert_eq!(dummy.algorithm, stored.algorithm);
        assert_eq!(dummy.version, stored.version);
        assert_eq!(dummy.params, stored.params);
        assert_eq!(dummy.hash.map(|h| h.len()), stored.hash.map(|h| h.len()));
        assert_ne!(dummy.salt, stored.salt, "a salt of its own");
    }
}
