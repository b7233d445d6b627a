//! Operators' passwords: Argon2id PHC strings.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

use crate::error::{Error, Result};

pub fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Unexpected(anyhow::anyhow!("failed to hash a password: {e}")))
}

/// Constant work whether or not `stored` is a real hash, so that timing does not tell which
/// usernames exist.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not-a-password").unwrap_or_default());
    let phc = stored.unwrap_or(dummy);
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && stored.is_some()
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_verify_and_are_argon2id() {
        let h = super::hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(super::verify("correct horse", Some(&h)));
        assert!(!super::verify("wrong horse", Some(&h)));
        assert!(!super::verify("correct horse", None));
        assert!(!super::verify("x", Some("not a phc string")));
    }
}
