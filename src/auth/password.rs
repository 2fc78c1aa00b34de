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

/// Words a password must not be built from, beside the person's own names: the product's
/// and the demo's (whose passwords are printed in the README).
const PRODUCT_WORDS: &[&str] = &[
    "mokuhyo",
    "mokuhyo-demo-admin",
    "mokuhyo-demo-bucho",
    "mokuhyo-demo-kacho",
    "demo",
    "admin",
    "bucho",
    "kacho",
    "kikaku",
    "shiyakusho",
];

/// A Japanese message when `password` is not acceptable as a new password for the person
/// with `names` (username, display name): too short or long, or guessable (zxcvbn's estimate
/// below 10^10 guesses), with the reason.
pub fn check_new(password: &str, names: &[&str]) -> Option<String> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Some(format!(
            "パスワードは{MIN_LENGTH}文字以上で入力してください。"
        ));
    }
    if n > MAX_LENGTH {
        return Some(format!(
            "パスワードは{MAX_LENGTH}文字以内で入力してください。"
        ));
    }
    let mut inputs: Vec<&str> = PRODUCT_WORDS.to_vec();
    inputs.extend(names.iter().map(|s| s.trim()).filter(|s| !s.is_empty()));
    // zxcvbn's cost grows with length; its estimate is settled well within 100 characters.
    let head: String = password.chars().take(100).collect();
    let estimate = zxcvbn::zxcvbn(&head, &inputs);
    if estimate.score() >= zxcvbn::Score::Three {
        return None;
    }
    let lower = password.to_lowercase();
    let reason = if names
        .iter()
        .map(|s| s.trim().to_lowercase())
        .any(|name| !name.is_empty() && lower.contains(&name))
    {
        "ユーザー名や氏名を含んでいます"
    } else if PRODUCT_WORDS
        .iter()
        .any(|w| lower.contains(w) && w.len() > 5)
    {
        "このシステムの名前や、公開されているデモ用のパスワードを含んでいます"
    } else {
        use zxcvbn::feedback::Warning;
        match estimate.feedback().and_then(|f| f.warning()) {
            Some(
                Warning::StraightRowsOfKeysAreEasyToGuess
                | Warning::ShortKeyboardPatternsAreEasyToGuess,
            ) => "キーボードの並び（qwerty など）は推測されやすいです",
            Some(
                Warning::RepeatsLikeAaaAreEasyToGuess
                | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess,
            ) => "同じ文字や同じ並びの繰り返しは推測されやすいです",
            Some(Warning::SequencesLikeAbcAreEasyToGuess) => {
                "abc や 123456 のような連続した並びは推測されやすいです"
            }
            Some(Warning::RecentYearsAreEasyToGuess | Warning::DatesAreOftenEasyToGuess) => {
                "年や日付は推測されやすいです"
            }
            Some(
                Warning::ThisIsATop10Password
                | Warning::ThisIsATop100Password
                | Warning::ThisIsACommonPassword
                | Warning::ThisIsSimilarToACommonlyUsedPassword,
            ) => "よく使われるパスワードか、それに近いものです",
            Some(
                Warning::AWordByItselfIsEasyToGuess
                | Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
                | Warning::CommonNamesAndSurnamesAreEasyToGuess,
            ) => "単語や人名だけのパスワードは推測されやすいです",
            _ => "推測されやすい組み合わせです",
        }
    };
    Some(format!(
        "このパスワードは安全ではありません（{reason}）。関係のない単語を3つ以上つなげるなど、推測されにくいものにしてください。"
    ))
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
    fn new_passwords_are_long_enough_and_hard_to_guess() {
        assert!(check_new("short", &[]).unwrap().contains("10文字以上"));
        for weak in [
            "          ",
            "aaaaaaaaaa",
            "0123456789",
            "password123",
            "qwertyuiop",
            "mokuhyo-demo-admin",
            "mokuhyo-demo-kacho",
        ] {
            let message = check_new(weak, &["yamada", "山田 太郎"]);
            assert!(message.is_some(), "{weak:?} was accepted");
            assert!(message.unwrap().contains("安全ではありません"));
        }
        let own = check_new("yamada-taro-1", &["yamada-taro", "山田 太郎"]).unwrap();
        assert!(own.contains("ユーザー名や氏名"), "{own}");
        assert!(check_new("correct horse battery staple", &["yamada"]).is_none());
        assert!(check_new("梅雨明けの刈谷で自転車を漕ぐ", &["yamada"]).is_none());
    }
}
