//! Measurable targets inside a criterion's text (目標達成基準).
//!
//! A criterion is kept as written; where its text states one target quantity, such as
//! 「検証参加職員数 50人」 or 「ジェネリック医薬品利用率 88.8%以上」, the quantity is parsed into a
//! [`Metric`] so results can later be compared with it. Text with no quantity (「導入の可否の判断」)
//! or with several (「歴史博物館 3回 美術館 3回」) stays text-only: guessing which of several
//! numbers is the target would be wrong more often than useful.

use rust_decimal::Decimal;
use std::str::FromStr;

/// How an actual value is compared with the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    /// 以上 — also assumed when the text states a bare number: targets are floors.
    AtLeast,
    /// 以下
    AtMost,
    /// Exactly the target (never parsed from text; set by an editor).
    Exactly,
}

impl Comparator {
    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AtLeast => "at_least",
            Self::AtMost => "at_most",
            Self::Exactly => "exactly",
        }
    }

    /// Parses the database spelling.
    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "at_least" => Some(Self::AtLeast),
            "at_most" => Some(Self::AtMost),
            "exactly" => Some(Self::Exactly),
            _ => None,
        }
    }

    /// How it reads on screen.
    pub fn label(self) -> &'static str {
        match self {
            Self::AtLeast => "以上",
            Self::AtMost => "以下",
            Self::Exactly => "ちょうど",
        }
    }
}

/// A target value with its unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metric {
    pub target_value: Decimal,
    pub unit: String,
    pub comparator: Comparator,
}

/// Units a target may carry, longest first so 千人 wins over 人.
const UNITS: &[&str] = &[
    "事業所",
    "自治会",
    "避難所",
    "千人",
    "か所",
    "箇所",
    "団体",
    "事業",
    "業務",
    "地区",
    "路線",
    "公園",
    "会場",
    "施設",
    "所属",
    "世帯",
    "千円",
    "万円",
    "km",
    "件",
    "回",
    "人",
    "名",
    "%",
    "m",
    "橋",
    "基",
    "台",
    "本",
    "日",
    "校",
    "園",
    "円",
];

/// Converts full-width digits and punctuation to ASCII (「１，１００」 → "1,100").
pub fn normalize_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '，' => ',',
            '．' => '.',
            '％' => '%',
            'ｍ' => 'm',
            'ｋ' => 'k',
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// The largest magnitude the database's numbers hold (NUMERIC(18,4): 14 integer digits).
pub const MAX_ABS: Decimal = Decimal::from_parts(0x107A_4000, 0x5AF3, 0, false, 0); // 10^14

/// Parses a number written with optional thousands commas and decimals ("1,100", "88.8");
/// None when it is not one, or has more integer digits than the database holds.
pub fn parse_number(s: &str) -> Option<Decimal> {
    parse_any_number(s).filter(|v| v.abs() < MAX_ABS)
}

/// Whether `s` is written as a number but too large to be stored (see [`MAX_ABS`]).
pub fn is_too_large(s: &str) -> bool {
    let s = normalize_digits(s.trim());
    let plain: String = s.chars().filter(|&c| c != ',').collect();
    let digits = plain
        .split('.')
        .next()
        .unwrap_or("")
        .trim_start_matches('0');
    parse_any_number(&s).is_none_or(|v| v.abs() >= MAX_ABS)
        && !plain.is_empty()
        && plain.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.len() > 14
}

/// The message shown beside a number field that holds too many digits.
pub const TOO_LARGE: &str = "数値の桁が多すぎます。整数部は14桁までで入力してください。";

fn parse_any_number(s: &str) -> Option<Decimal> {
    let s = normalize_digits(s.trim());
    if s.is_empty() || s.starts_with(',') || s.ends_with(',') || s.contains(",,") {
        return None;
    }
    let plain: String = s.chars().filter(|&c| c != ',').collect();
    if !plain.chars().all(|c| c.is_ascii_digit() || c == '.') || plain.starts_with('.') {
        return None;
    }
    Decimal::from_str(&plain).ok()
}

/// The target stated by a criterion's text, if it states exactly one.
pub fn parse_metric(text: &str) -> Option<Metric> {
    let text = normalize_digits(text);
    let mut found = text.split_whitespace().filter_map(parse_token);
    let first = found.next()?;
    if found.next().is_some() {
        return None;
    }
    Some(first)
}

/// One whitespace-separated token such as "50人", "3件の実施", "年1回", "88.8%以上".
fn parse_token(token: &str) -> Option<Metric> {
    let token = token.strip_prefix('年').unwrap_or(token);
    let digits_end = token
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == ',' || c == '.'))
        .map(|(i, _)| i)?;
    let (number, rest) = token.split_at(digits_end);
    if number.is_empty() {
        return None;
    }
    let target_value = parse_number(number)?;
    let unit = UNITS.iter().find(|u| rest.starts_with(**u))?;
    let rest = &rest[unit.len()..];
    let (comparator, rest) = if let Some(r) = rest.strip_prefix("以上") {
        (Comparator::AtLeast, r)
    } else if let Some(r) = rest.strip_prefix("以下") {
        (Comparator::AtMost, r)
    } else {
        (Comparator::AtLeast, rest)
    };
    // What follows the unit must be words (「の実施」, 「開催」), not another quantity such as
    // 「300日(80人)」, and must not continue the unit into another word (「2次計画」 has no unit).
    if rest.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(Metric {
        target_value,
        unit: (*unit).to_owned(),
        comparator,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str) -> Option<(String, String, Comparator)> {
        parse_metric(text).map(|m| (m.target_value.normalize().to_string(), m.unit, m.comparator))
    }

    #[test]
    fn parses_one_stated_target() {
        let cases = [
            ("検証参加職員数 50人", "50", "人", Comparator::AtLeast),
            ("実証実験 3件の実施", "3", "件", Comparator::AtLeast),
            (
                "公式アプリ総ダウンロード数 33,000件",
                "33000",
                "件",
                Comparator::AtLeast,
            ),
            (
                "ジェネリック医薬品利用率 88.8%以上",
                "88.8",
                "%",
                Comparator::AtLeast,
            ),
            (
                "コンビニ交付サービスの利用割合 43.0%",
                "43",
                "%",
                Comparator::AtLeast,
            ),
            (
                "主要観光拠点の利用者数 11,575千人",
                "11575",
                "千人",
                Comparator::AtLeast,
            ),
            ("庁内研修の実施 年1回", "1", "回", Comparator::AtLeast),
            (
                "5歳児健康診査検討委員会 2回開催",
                "2",
                "回",
                Comparator::AtLeast,
            ),
            (
                "重要給水施設(52施設)に至る管路耐震化 2か所",
                "2",
                "か所",
                Comparator::AtLeast,
            ),
            ("污水管整備 1.6km", "1.6", "km", Comparator::AtLeast),
            (
                "ミライク刈谷2026の実施参加者数 １，１００人",
                "1100",
                "人",
                Comparator::AtLeast,
            ),
            ("待ち時間 10日以下", "10", "日", Comparator::AtMost),
        ];
        for (text, value, unit, cmp) in cases {
            assert_eq!(
                m(text),
                Some((value.to_owned(), unit.to_owned(), cmp)),
                "{text}"
            );
        }
    }

    #[test]
    fn leaves_text_without_a_single_target_alone() {
        for text in [
            "導入の可否の判断",
            "財務会計システムに電子決裁及び電子請求の導入 運用開始 令和9年3月",
            "土曜日等閉庁時における交付窓口の開設 土曜日等 12回 時間外 48回",
            "企画展の開催 歴史博物館 3回 美術館 3回",
            "第1 2次交通安全計画の策定",
            "産後ケアの総利用日数（実利用者数） 宿泊型 300日(80人)",
            "新規保育園の令和10年度開設準備",
        ] {
            assert_eq!(m(text), None, "{text}");
        }
    }

    #[test]
    fn numbers_accept_full_width_digits_and_commas() {
        assert_eq!(parse_number("１，１００"), Some(Decimal::from(1100)));
        assert_eq!(parse_number("1,100"), Some(Decimal::from(1100)));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number(",100"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(
            parse_number("99999999999999"),
            Some(Decimal::from(99_999_999_999_999i64))
        );
        assert_eq!(
            parse_number("100000000000000"),
            None,
            "15 digits do not fit"
        );
        assert_eq!(parse_number("123456789012345678901234567890"), None);
        assert!(is_too_large("100,000,000,000,000"));
        assert!(is_too_large(
            "１２３４５６７８９０１２３４５６７８９０１２３"
        ));
        assert!(!is_too_large("99999999999999") && !is_too_large("abc") && !is_too_large("1.5"));
    }
}
