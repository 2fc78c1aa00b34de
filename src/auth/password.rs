//! Password hashing with argon2id (PHC strings; the parameters travel with each hash).

use argon2::password_hash::phc::{PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::cell::RefCell;

/// Shorter passwords are refused.
pub const MIN_LENGTH: usize = 10;
/// Longer passwords are refused (hashing cost is bounded).
pub const MAX_LENGTH: usize = 200;
/// Stored hashes asking for more memory than this (KiB) are not computed (never match).
const MAX_MEMORY_KIB: u32 = 256 * 1024;

thread_local! {
    /// Each thread's argon2 working memory, kept between hashes: allocating and freeing 19 MiB
    /// per sign-in leaves the allocator holding more and more of it (measured: +19 MB per
    /// attempt up to ~400 MB); reusing one buffer per thread keeps it at one.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
    /// Whether this thread keeps its memory ([`keep_memory_on_this_thread`]).
    static KEEP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Called by the hashing threads (`auth::hashing`): this thread keeps its argon2 memory between
/// hashes. Other threads (a command, the demo loader) allocate it for each hash and free it.
pub(super) fn keep_memory_on_this_thread() {
    KEEP.with(|k| k.set(true));
}

/// argon2 into `out` with this thread's kept memory.
fn compute(
    argon: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> bool {
    let blocks = params.block_count();
    let mut run = |memory: &mut Vec<Block>| {
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon
            .hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
            .is_ok()
    };
    if KEEP.with(|k| k.get()) {
        MEMORY.with(|memory| run(&mut memory.borrow_mut()))
    } else {
        run(&mut Vec::new())
    }
}

/// Hashes a password with argon2id (the crate's default parameters) and a random salt.
pub fn hash(password: &str) -> String {
    let params = Params::default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt_bytes: [u8; 16] = rand::random();
    let salt = Salt::new(&salt_bytes).expect("16 bytes are a valid salt");
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    assert!(
        compute(&argon, &params, password.as_bytes(), &salt_bytes, &mut out),
        "argon2 hashing with default parameters cannot fail"
    );
    let output = argon2::password_hash::phc::Output::new(&out).expect("a valid output length");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: argon2::password_hash::phc::ParamsString::try_from(&params)
            .expect("default parameters encode"),
        salt: Some(salt),
        hash: Some(output),
    }
    .to_string()
}

/// Whether `password` matches `hash` (a PHC string of argon2, any variant and parameters it
/// names). A malformed hash never matches.
pub fn verify(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > MAX_MEMORY_KIB {
        return false;
    }
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    compute(
        &argon,
        &params,
        password.as_bytes(),
        salt.as_ref(),
        &mut out,
    ) && constant_time_eq(&out, expected.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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

/// A new password and its confirmation, as typed: the field and message of what is wrong.
pub fn check_pair(new: &str, confirmation: &str, names: &[&str]) -> Option<(&'static str, String)> {
    if let Some(message) = check_new(new, names) {
        Some(("new_password", message))
    } else if new != confirmation {
        Some((
            "new_password_confirmation",
            "確認用のパスワードが一致しません。".to_owned(),
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
        // A hash made by the argon2 crate's own hasher verifies too (accounts made earlier).
        use argon2::password_hash::PasswordHasher;
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery")
            .unwrap()
            .to_string();
        assert!(verify("correct horse battery", &theirs));
        assert!(!verify("correct horse batter", &theirs));
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
