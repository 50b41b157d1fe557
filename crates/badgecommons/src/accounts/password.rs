//! Password hashing with argon2id (the `argon2` crate's default, with its recommended parameters).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

use crate::web::Failure;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 1024;

/// Checks a new password's length, the one rule that helps (NIST SP 800-63B).
pub fn check_strength(password: &str) -> Result<(), Failure> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(Failure::Invalid(format!(
            "The password must be at least {MIN_LENGTH} characters long."
        )));
    }
    if length > MAX_LENGTH {
        return Err(Failure::Invalid(format!(
            "The password must be at most {MAX_LENGTH} characters long."
        )));
    }
    Ok(())
}

pub fn hash_password(password: &str) -> Result<String, Failure> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| Failure::Internal(format!("argon2: {err}")))
}

/// Whether `password` matches `stored`; a malformed stored hash matches nothing.
pub fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to check against when the username is unknown, so that a wrong username takes as long
/// as a wrong password and does not reveal who has an account.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash_password("decoy password for timing").unwrap_or_default());
    &DECOY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_argon2id_and_matches_only_its_password() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(password_matches("correct horse battery", &hash));
        assert!(!password_matches("correct horse battery!", &hash));
        assert!(!password_matches("anything", "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused_with_the_rule() {
        let err = check_strength("short").unwrap_err();
        assert!(err.to_string().contains("at least 10"));
        assert!(check_strength("long enough pass").is_ok());
    }
}
