//! Passwords: the rules a new one must meet, and argon2id hashing at the OWASP parameters
//! (19 MiB, 2 iterations, 1 lane), run off the async executor.

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version, password_hash::SaltString,
};
use std::sync::OnceLock;

use super::model::{PASSWORD_MAX, PASSWORD_MIN};

/// Passwords long enough to pass the length rule that people still choose most often.
const COMMON: &str = include_str!("common_passwords.txt");

pub fn check_new_password(password: &str, email: &str) -> Result<(), &'static str> {
    let length = password.chars().count();
    if length < PASSWORD_MIN {
        return Err("Use at least 10 characters for your password.");
    }
    if length > PASSWORD_MAX {
        return Err("Use at most 128 characters for your password.");
    }
    let lower = password.to_lowercase();
    if COMMON.lines().any(|common| common.trim() == lower) {
        return Err("That password is one of the most common ones. Choose another.");
    }
    if password.chars().all(|c| password.starts_with(c)) {
        return Err("That password is a single repeated character. Choose another.");
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if local.chars().count() >= 4 && lower.contains(&local) {
        return Err("Your password must not contain your email address.");
    }
    Ok(())
}

fn hasher() -> Argon2<'static> {
    // 19 MiB, t = 2, p = 1: valid constants, so the fallback is never taken.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

pub async fn hash(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        hasher().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| HashError(e.to_string()))
    })
    .await
    .map_err(|e| HashError(e.to_string()))?
}

/// Checks `password` against `stored`. With no stored hash (unknown account, or one without a
/// password) a dummy hash is checked instead so the answer takes as long either way.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    let known = stored.is_some();
    let stored = stored.unwrap_or_else(|| dummy_hash().to_string());
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|parsed| hasher().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false);
    known && matches
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        hasher().hash_password(b"not a real password", &salt).map(|h| h.to_string()).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_follow_the_rules() {
        assert!(check_new_password("correct horse battery", "ada@example.com").is_ok());
        assert_eq!(
            check_new_password("short", "ada@example.com"),
            Err("Use at least 10 characters for your password.")
        );
        assert!(check_new_password(&"x".repeat(129), "ada@example.com").is_err());
        assert!(check_new_password("Password123", "ada@example.com").unwrap_err().contains("most common"));
        assert!(check_new_password("qwertyuiop", "ada@example.com").unwrap_err().contains("most common"));
        assert!(check_new_password("zzzzzzzzzzzz", "ada@example.com").unwrap_err().contains("repeated"));
        assert!(check_new_password("lovelace-2026!", "lovelace@example.com").unwrap_err().contains("email"));
    }

    #[tokio::test]
    async fn hashes_are_argon2id_at_owasp_parameters_and_verify() {
        let hash = super::hash("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify("correct horse battery".into(), Some(hash.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(hash)).await);
        assert!(!verify("anything at all".into(), None).await, "no account, no match");
    }
}
