//! Password hashing with argon2id (PHC strings; the parameters travel with each hash).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Shorter passwords are refused.
pub const MIN_LENGTH: usize = 10;
/// Longer passwords are refused (hashing cost is bounded).
pub const MAX_LENGTH: usize = 200;

/// Hashes a password with argon2id and a random salt.
pub fn hash(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 hashing with default parameters cannot fail")
        .to_string()
}

/// Whether `password` matches `hash`. A malformed hash never matches.
pub fn verify(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the time of one verification, for unknown usernames.
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let _ = verify(
        password,
        DUMMY.get_or_init(|| hash("no account has this password")),
    );
}

/// A Japanese message when `password` is not acceptable as a new password.
pub fn check_new(password: &str) -> Option<String> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        Some(format!(
            "パスワードは{MIN_LENGTH}文字以上で入力してください。"
        ))
    } else if n > MAX_LENGTH {
        Some(format!(
            "パスワードは{MAX_LENGTH}文字以内で入力してください。"
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let h = hash("correct horse battery");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batter", &h));
        assert!(!verify("anything", "not a hash"));
        assert_ne!(hash("same"), hash("same"), "salted");
    }

    #[test]
    fn new_passwords_have_a_minimum_length() {
        assert!(check_new("short").is_some());
        assert!(check_new("long enough!").is_none());
    }
}
