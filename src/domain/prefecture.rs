//! Prefectures, named from a local government code's first two digits (JIS X 0401).

const NAMES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// The two-digit prefecture code of a local government code (「232106」 → 「23」).
pub fn code_of(local_government_code: &str) -> &str {
    local_government_code.get(..2).unwrap_or("")
}

/// The prefecture a two-digit code names, or None (a code outside 01–47).
pub fn name(code: &str) -> Option<&'static str> {
    let n: usize = code.parse().ok().filter(|_| code.len() == 2)?;
    NAMES.get(n.checked_sub(1)?).copied()
}

/// Text folded for finding a city by name or reading: full-width letters and digits to
/// ASCII lower case, katakana to hiragana, spaces removed (「カリヤ」 and 「かりや」 match).
pub fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            '！'..='～' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefectures_are_named_from_the_code() {
        assert_eq!(name(code_of("232106")), Some("愛知県"));
        assert_eq!(name(code_of("011002")), Some("北海道"));
        assert_eq!(name(code_of("472018")), Some("沖縄県"));
        assert_eq!(name("00"), None);
        assert_eq!(name("48"), None);
        assert_eq!(name("9"), None);
        assert_eq!(name(code_of("")), None);
    }

    #[test]
    fn readings_fold_so_either_script_finds_a_city() {
        assert_eq!(fold("カリヤシ"), "かりやし");
        assert_eq!(fold(" かり や "), "かりや");
        assert_eq!(fold("ＫＡＲＩＹＡ"), "kariya");
        assert!(fold("刈谷市").contains(&fold("刈谷")));
    }
}
