//! Reading the text of one cell the way a person would: spaces and full-width characters
//! normalized, bulleted items, initiative numbers (「①」, 「1.」), a trailing status
//! (「【◎達成】」), pillar numbers and headings, section lists and actual values.

use crate::domain::document::ActualDoc;
use crate::domain::metric::{normalize_digits, parse_metric, parse_number};
use crate::domain::status::Status;

/// Longest short text accepted as an actual (as the results form).
const MAX_ACTUAL_TEXT: usize = 200;

/// Removes every kind of space and makes full-width ASCII half-width.
pub(crate) fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(half_width)
        .collect()
}

pub(super) fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Trims each line, drops empty lines, and joins runs of spaces (full-width included).
pub(super) fn lines(s: &str) -> Vec<String> {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .split('\n')
        .map(|l| {
            l.split(|c: char| c.is_whitespace())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// A single-line text with spaces tidied (line breaks inside a title cell become one space
/// only where they split ASCII words; Japanese joins without a space).
pub(crate) fn one_line(s: &str) -> String {
    let parts = lines(s);
    let mut out = String::new();
    for p in parts {
        if let (Some(a), Some(b)) = (out.chars().last(), p.chars().next())
            && a.is_ascii_alphanumeric()
            && b.is_ascii_alphanumeric()
        {
            out.push(' ');
        }
        out.push_str(&p);
    }
    out
}

pub(super) const BULLETS: &[char] = &[
    '・', '･', '•', '●', '■', '◆', '◇', '□', '-', '－', '‐', '*', '＊',
];

/// Splits a cell into items: lines starting with a bullet start an item, other lines continue
/// the item above (wrapped text); without any bullet every line is an item.
pub(super) fn items(s: &str) -> Vec<String> {
    let ls = lines(s);
    let bulleted = ls.iter().any(|l| l.starts_with(BULLETS));
    let mut out: Vec<String> = Vec::new();
    for l in ls {
        match l.strip_prefix(BULLETS) {
            Some(rest) => out.push(rest.trim().to_owned()),
            None if bulleted && !out.is_empty() => {
                if let Some(last) = out.last_mut() {
                    last.push_str(&l);
                }
            }
            None => out.push(l),
        }
    }
    out.retain(|i| !i.is_empty());
    out
}

/// Strips a leading initiative number (「①」, 「1.」, 「１．」, 「(1)」, 「1)」, 「1 」); returns
/// the number when there was one.
pub(super) fn strip_number(s: &str) -> (Option<u32>, &str) {
    let t = s.trim_start();
    if let Some(c) = t.chars().next() {
        let circled = match c {
            '①'..='⑳' => Some(c as u32 - '①' as u32 + 1),
            '㉑'..='㉟' => Some(c as u32 - '㉑' as u32 + 21),
            '㊱'..='㊿' => Some(c as u32 - '㊱' as u32 + 36),
            _ => None,
        };
        if let Some(n) = circled {
            return (Some(n), t[c.len_utf8()..].trim_start());
        }
    }
    // Digits, possibly full-width, in one of the usual wrappers.
    let (open, rest) = match t.chars().next() {
        Some(c @ ('(' | '（')) => (true, &t[c.len_utf8()..]),
        _ => (false, t),
    };
    let digits: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || ('０'..='９').contains(c))
        .collect();
    if digits.is_empty() || digits.chars().count() > 3 {
        return (None, t);
    }
    let after = &rest[digits.len()..];
    let closers: &[char] = if open {
        &[')', '）']
    } else {
        &['.', '．', ')', '）', '、', ' ', '\u{3000}']
    };
    match after.chars().next() {
        Some(c) if closers.contains(&c) => {
            let n = normalize_digits(&digits).parse().ok();
            (n, after[c.len_utf8()..].trim_start())
        }
        _ => (None, t),
    }
}

/// Splits a trailing 「【◎達成】」 off a cell; the status is None when absent.
pub(super) fn strip_status(s: &str) -> (String, Option<Result<Status, String>>) {
    let t = s.trim_end();
    if t.ends_with('】')
        && let Some(open) = t.rfind('【')
    {
        let word = &t[open + '【'.len_utf8()..t.len() - '】'.len_utf8()];
        return (t[..open].trim_end().to_owned(), Some(parse_status(word)));
    }
    (t.to_owned(), None)
}

/// A status word, with or without its symbol (「◎達成」, 「達成」).
pub(super) fn parse_status(s: &str) -> Result<Status, String> {
    let w = squash(s);
    let w = w.trim_start_matches(['◎', '○', '〇', '×', '△', '－', '-', '―']);
    Status::ALL
        .into_iter()
        .find(|st| st.label() == w)
        .ok_or_else(|| s.trim().to_owned())
}

pub(super) fn status_words() -> String {
    Status::ALL
        .iter()
        .map(|s| format!("「{}」", s.label()))
        .collect::<Vec<_>>()
        .join("")
}

/// Pillar numbers in a cell: 「1」, 「１」, 「1,5」, 「1・5」, 「(1)(5)」, 「（１）」.
pub(super) fn pillar_numbers(s: &str) -> Option<Vec<i32>> {
    let t = normalize_digits(s);
    let mut out = Vec::new();
    let mut digits = String::new();
    for c in t.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                out.push(digits.parse().ok()?);
                digits.clear();
            }
            if !matches!(
                c,
                ' ' | ',' | '、' | '・' | '(' | ')' | '（' | '）' | '/' | '\n' | '\r' | '，'
            ) {
                return None;
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A pillar heading row (「(1) 市民の…」, one line per pillar): the numbers, or None.
pub(super) fn heading_pillars(text: &str) -> Option<Vec<i32>> {
    let ls = lines(text);
    if ls.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for l in &ls {
        let n = normalize_digits(l);
        let rest = n.strip_prefix(['(', '（'])?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let after = &rest[digits.len()..];
        if digits.is_empty() || !after.starts_with([')', '）']) {
            return None;
        }
        out.push(digits.parse().ok()?);
    }
    Some(out)
}

/// Section names in a cell, split at line breaks and list punctuation.
pub(super) fn section_names(s: &str) -> Vec<String> {
    s.split(['\n', '\r', '、', ',', '，', '/', '／'])
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(""))
        .filter(|p| !p.is_empty())
        .collect()
}

/// An actual value line: 「－」 (nothing), 「対象外：理由」, a number (for a criterion with a
/// numeric target, its unit allowed after it), or a short text.
pub(super) fn actual(line: &str, criterion: &str) -> Result<Option<ActualDoc>, String> {
    let t = line.trim();
    if matches!(t, "－" | "-" | "―" | "ー" | "—") {
        return Ok(None);
    }
    if let Some(rest) = t.strip_prefix("対象外") {
        let reason = rest
            .trim_start_matches([':', '：', '(', '（', ' ', '　'])
            .trim_end_matches([')', '）'])
            .trim();
        if reason.is_empty() {
            return Err(format!(
                "「{criterion}」を対象外にする理由を「対象外：理由」の形で書いてください。"
            ));
        }
        return Ok(Some(ActualDoc::NotApplicable(reason.to_owned())));
    }
    match parse_metric(criterion) {
        Some(m) => {
            let n = normalize_digits(t);
            let n = n.trim_end_matches(m.unit.as_str()).trim();
            parse_number(n)
                .map(|v| Some(ActualDoc::Value(v.normalize())))
                .ok_or_else(|| {
                    format!("「{criterion}」の実績値「{t}」は数値ではありません（例：1,100）。")
                })
        }
        None if t.chars().count() > MAX_ACTUAL_TEXT => Err(format!(
            "「{criterion}」の実績は{MAX_ACTUAL_TEXT}文字以内にしてください。"
        )),
        None => Ok(Some(ActualDoc::Text(t.to_owned()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_before_initiatives_are_dropped() {
        assert_eq!(strip_number("①窓口の改善"), (Some(1), "窓口の改善"));
        assert_eq!(strip_number("⑫ 窓口"), (Some(12), "窓口"));
        assert_eq!(strip_number("１．窓口"), (Some(1), "窓口"));
        assert_eq!(strip_number("(2)窓口"), (Some(2), "窓口"));
        assert_eq!(strip_number("（３）窓口"), (Some(3), "窓口"));
        // A figure that is part of the text stays.
        assert_eq!(strip_number("2026年度の目標"), (None, "2026年度の目標"));
        assert_eq!(strip_number("5G の活用"), (None, "5G の活用"));
    }

    #[test]
    fn criteria_items_follow_bullets_and_wrapped_lines() {
        assert_eq!(
            items("・会議 4回\n・研修の実施"),
            vec!["会議 4回", "研修の実施"]
        );
        assert_eq!(
            items("・長い基準の\n続き\n・次"),
            vec!["長い基準の続き", "次"]
        );
        assert_eq!(items("一つ目\n\n二つ目　 "), vec!["一つ目", "二つ目"]);
    }

    #[test]
    fn pillar_cells_and_headings() {
        assert_eq!(pillar_numbers("１"), Some(vec![1]));
        assert_eq!(pillar_numbers("1,5"), Some(vec![1, 5]));
        assert_eq!(pillar_numbers("(1)（５）"), Some(vec![1, 5]));
        assert_eq!(pillar_numbers("第一"), None);
        assert_eq!(heading_pillars("(1) 市民の…\n（５）職員"), Some(vec![1, 5]));
        assert_eq!(heading_pillars("総務部"), None);
    }

    #[test]
    fn trailing_status_is_read() {
        let (t, s) = strip_status("①窓口\n【◎達成】");
        assert_eq!(t, "①窓口");
        assert_eq!(s, Some(Ok(Status::Achieved)));
        assert_eq!(parse_status("一部 達成"), Ok(Status::PartlyAchieved));
        assert!(parse_status("まあまあ").is_err());
    }

    #[test]
    fn actual_values_need_numbers_where_the_target_is_a_number() {
        let c = "相談件数 1,100件以上";
        assert_eq!(
            actual("１，２００件", c),
            Ok(Some(ActualDoc::Value(1200.into())))
        );
        assert!(
            actual("たくさん", c)
                .unwrap_err()
                .contains("数値ではありません")
        );
        assert_eq!(actual("－", c), Ok(None));
        assert_eq!(
            actual("対象外：中止", c),
            Ok(Some(ActualDoc::NotApplicable("中止".into())))
        );
        assert_eq!(
            actual("実施した", "研修の実施"),
            Ok(Some(ActualDoc::Text("実施した".into())))
        );
    }
}
