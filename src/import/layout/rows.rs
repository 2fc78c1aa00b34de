//! What each row of a sheet is, before any of it is read as goals: a column header, a title
//! (naming a department and perhaps the year), a pillar heading, a note, a page number,
//! blank, or data.

use super::super::cells::{heading_pillars, squash, strip_number};
use super::Context;
use super::header::{Header, header_at};
use crate::import::spreadsheet::Grid;

/// A department a sheet, title or cell names: one of the year's, or a new one (when the
/// uploader may create the year's organization).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Named {
    Known(i64, String),
    New(String),
}

#[derive(Debug, Clone)]
pub(super) enum Row {
    Blank,
    /// 「※…」, 「注）…」, 「備考…」, a page number: not part of any table.
    Note,
    Header(Header),
    /// A title row (「企画財政部 平成30年度組織重点目標（実績・成果）」).
    Title {
        department: Option<Named>,
        year: Option<i32>,
        text: String,
    },
    /// A pillar heading spanning the table (「(1) 市民の…」).
    Pillars(Vec<i32>),
    Data,
}

/// Endings of the names of a city's departments (部局).
const DEPARTMENT_ENDINGS: &[&str] = &[
    "部",
    "局",
    "室",
    "本部",
    "事務局",
    "委員会",
    "センター",
    "課",
    "所",
    "会",
    "署",
];

/// Words a title row holds after the department's name.
const TITLE_WORDS: &[&str] = &["年度", "目標", "実績", "成果", "組織", "結果"];

/// Classifies every row of `grid`.
pub(super) fn classify(grid: &Grid, ctx: &Context) -> Vec<Row> {
    let mut seen_header = false;
    (0..grid.rows.len())
        .map(|r| {
            let row = classify_row(grid, r, ctx, seen_header);
            seen_header |= matches!(row, Row::Header(_));
            row
        })
        .collect()
}

fn classify_row(grid: &Grid, r: usize, ctx: &Context, seen_header: bool) -> Row {
    let filled: Vec<(usize, &str)> = grid.rows[r]
        .iter()
        .enumerate()
        .map(|(c, s)| (c, s.trim()))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    let Some(&(first_col, first)) = filled.first() else {
        return Row::Blank;
    };
    if let Some(h) = header_at(grid, r) {
        return Row::Header(h);
    }
    // One text across the row (merged, or in one cell only); above the first table a title
    // may share its row with other cells (作成日, 氏名).
    let single = filled.iter().all(|(_, s)| *s == first);
    if !single && seen_header {
        return Row::Data;
    }
    if single && (is_note(first) || is_page_number(first)) {
        return Row::Note;
    }
    if single && let Some(ns) = pillar_heading(first, ctx) {
        return Row::Pillars(ns);
    }
    let spans = single && (filled.len() > 1 || grid.is_merged_copy(r, first_col + 1));
    let department = department_in(first, ctx);
    let year = ctx.eras.as_ref().and_then(|e| e.fiscal_year_in(first));
    let rest_of = |name: &str| {
        let t = squash(strip_number(title_start(first)).1);
        t.get(squash(name).len()..).unwrap_or("").to_owned()
    };
    let title_words = |rest: &str| TITLE_WORDS.iter().any(|w| rest.contains(w));
    // In the table, a title is plainly one (spanning the row, naming a year, or the bare name
    // of the department), never a goal that starts with a department's name.
    let plain = !seen_header || spans || year.is_some();
    let title = match &department {
        Some(Named::Known(_, name)) => {
            let rest = rest_of(name);
            rest.is_empty() || (plain && title_words(&rest))
        }
        Some(Named::New(name)) => {
            let rest = rest_of(name);
            (rest.is_empty() && (spans || !seen_header))
                || (plain && year.is_some() && title_words(&rest))
        }
        None => !seen_header && (year.is_some() || spans),
    };
    if title {
        Row::Title {
            department,
            year,
            text: first.to_owned(),
        }
    } else if seen_header {
        Row::Data
    } else {
        // Text above the first table that says nothing we use (作成日, 職名…).
        Row::Note
    }
}

fn is_note(text: &str) -> bool {
    let t = squash(text);
    [
        "※",
        "注)",
        "注）",
        "(注)",
        "（注）",
        "【注】",
        "注:",
        "注：",
        "備考",
        "*",
        "＊",
        "出典",
        "資料:",
        "参考:",
        "(参考)",
        "問合せ",
        "問い合わせ",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

/// 「- 3 -」, 「3/12」, 「P.3」, 「3ページ」.
fn is_page_number(text: &str) -> bool {
    let t = squash(text);
    let t = t.trim_matches(['-', '－', '—', 'ー']);
    let t = t
        .strip_prefix("P.")
        .or_else(|| t.strip_prefix("p."))
        .unwrap_or(t);
    let t = t.strip_suffix("ページ").unwrap_or(t);
    !t.is_empty()
        && t.split('/').count() <= 2
        && t.split('/')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// A pillar heading: 「(1) …」 (one line per pillar), or a line naming one of the year's
/// pillars by its title, numbered (「1 市民の…」, 「【1】…」, 「柱1 …」) or not.
pub(super) fn pillar_heading(text: &str, ctx: &Context) -> Option<Vec<i32>> {
    if let Some(ns) = heading_pillars(text) {
        return Some(ns);
    }
    let t = text.trim().trim_start_matches('柱').trim_start();
    let (number, rest) = match t
        .strip_prefix(['【', '['])
        .and_then(|r| r.split_once(['】', ']']))
    {
        Some((digits, rest)) => (
            crate::domain::metric::normalize_digits(digits)
                .trim()
                .parse::<u32>()
                .ok(),
            rest,
        ),
        None => strip_number(t),
    };
    let number = number.map(|n| n as i32);
    // 「【1】…」 is a heading like 「(1) …」 when the year has that pillar.
    if t.starts_with(['【', '['])
        && let Some(n) = number
        && ctx.pillars.contains(&n)
    {
        return Some(vec![n]);
    }
    let rest = squash(rest);
    let named = ctx.pillar_titles.iter().find(|(_, title)| {
        let title = squash(title);
        title.chars().count() >= 4 && (rest == title || rest.starts_with(&title))
    });
    match (named, number) {
        (Some((n, _)), None) => Some(vec![*n]),
        (Some((n, _)), Some(k)) if *n == k => Some(vec![*n]),
        _ => None,
    }
}

/// The department a title or sheet name starts with: one of the year's (the longest name
/// first, so 「市民部」 does not claim 「市民協働部」's), or — when the uploader may create the
/// organization — a new name ending as department names do.
pub(super) fn department_in(text: &str, ctx: &Context) -> Option<Named> {
    let text = title_start(text);
    let t = squash(strip_number(text).1);
    let mut ds: Vec<&(i64, String)> = ctx.departments.iter().collect();
    ds.sort_by_key(|(_, n)| std::cmp::Reverse(n.chars().count()));
    if let Some((id, name)) = ds.iter().find(|(_, n)| t.starts_with(&squash(n))) {
        return Some(Named::Known(*id, name.clone()));
    }
    if !ctx.create_units {
        return None;
    }
    // The words before a space, an era or 年度.
    let head: String = strip_number(text)
        .1
        .split([' ', '\u{3000}', '\t'])
        .next()
        .unwrap_or("")
        .to_owned();
    let mut head = head.as_str();
    for cut in [
        "平成", "令和", "昭和", "年度", "組織", "の", "】", "]", "］", "〕", "（", "(",
    ] {
        if let Some(at) = head.find(cut) {
            head = &head[..at];
        }
    }
    let head = head.trim_end_matches(|c: char| c.is_ascii_digit() || ('０'..='９').contains(&c));
    let n = head.chars().count();
    ((2..=30).contains(&n) && DEPARTMENT_ENDINGS.iter().any(|e| head.ends_with(e)))
        .then(|| Named::New(head.to_owned()))
}

/// A title without what may stand before the department's name: a fiscal year
/// (「平成30年度 企画財政部 …」) and opening brackets (「【企画財政部】」).
fn title_start(text: &str) -> &str {
    let t = text
        .trim_start()
        .trim_start_matches(['【', '[', '［', '〔', '<', '＜']);
    if let Some(at) = t.find("年度") {
        let before = &t[..at];
        let number = ["平成", "令和", "昭和"]
            .iter()
            .find_map(|e| before.trim().strip_prefix(e))
            .unwrap_or(before);
        let era_year = number.trim().chars().all(|c| {
            c.is_ascii_digit() || ('０'..='９').contains(&c) || c == '元' || c.is_whitespace()
        });
        if era_year && !before.trim().is_empty() {
            return t[at + "年度".len()..]
                .trim_start()
                .trim_start_matches(['【', '[', '［', '〔']);
        }
    }
    t
}

/// The department a sheet's name gives: 「企画財政部」, 「1企画財政部」, 「企画財政部（実績）」.
pub(super) fn sheet_department(name: &str, ctx: &Context) -> Option<Named> {
    let t = name.trim_start_matches(|c: char| {
        c.is_ascii_digit()
            || ('０'..='９').contains(&c)
            || matches!(c, '.' | '．' | '_' | '-' | ' ' | '\u{3000}' | '、')
    });
    let t = t.split(['(', '（', '【', '[']).next().unwrap_or("").trim();
    match department_in(t, ctx)? {
        Named::Known(id, n) if squash(&n) == squash(t) => Some(Named::Known(id, n)),
        Named::New(n) if squash(&n) == squash(t) => Some(Named::New(n)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(create: bool) -> Context {
        Context {
            departments: vec![(1, "市民部".into()), (2, "市民協働部".into())],
            pillar_titles: vec![(1, "市民の安全を守る市役所づくり".into())],
            pillars: vec![1],
            create_units: create,
            ..Context::default()
        }
    }

    #[test]
    fn page_numbers_and_notes() {
        assert!(is_page_number("- 3 -"));
        assert!(is_page_number("3/12"));
        assert!(is_page_number("P.3"));
        assert!(!is_page_number("3月"));
        assert!(is_note("※ 実績は3月末現在"));
        assert!(is_note("注）数値は速報値"));
        assert!(is_note("出典：企画政策課調べ"));
        assert!(!is_note("市民の注意"));
    }

    #[test]
    fn departments_are_found_in_titles_and_sheet_names() {
        let c = ctx(false);
        assert_eq!(
            department_in("市民協働部 平成30年度組織重点目標", &c),
            Some(Named::Known(2, "市民協働部".into()))
        );
        assert_eq!(
            sheet_department("1市民部", &c),
            Some(Named::Known(1, "市民部".into()))
        );
        assert_eq!(
            sheet_department("市民協働部（実績）", &c),
            Some(Named::Known(2, "市民協働部".into()))
        );
        assert_eq!(sheet_department("Sheet1", &c), None);
        assert_eq!(department_in("企画財政部 平成30年度", &c), None);
        let c = ctx(true);
        assert_eq!(
            department_in("企画財政部 平成30年度組織重点目標（実績・成果）", &c),
            Some(Named::New("企画財政部".into()))
        );
        assert_eq!(
            department_in("企画財政部平成30年度組織重点目標", &c),
            Some(Named::New("企画財政部".into()))
        );
        assert_eq!(sheet_department("Sheet1", &c), None);
        assert_eq!(department_in("平成30年度 組織重点目標", &c), None);
        assert_eq!(
            department_in("平成30年度 企画財政部 組織重点目標", &c),
            Some(Named::New("企画財政部".into()))
        );
        assert_eq!(
            department_in("【企画財政部】平成30年度 組織目標", &c),
            Some(Named::New("企画財政部".into()))
        );
        let c = ctx(false);
        assert_eq!(
            department_in("令和元年度　市民協働部の組織目標", &c),
            Some(Named::Known(2, "市民協働部".into()))
        );
    }

    #[test]
    fn pillar_headings_by_number_or_title() {
        let c = ctx(false);
        assert_eq!(
            pillar_heading("(1) 市民の安全を守る市役所づくり", &c),
            Some(vec![1])
        );
        assert_eq!(
            pillar_heading("1　市民の安全を守る市役所づくり", &c),
            Some(vec![1])
        );
        assert_eq!(
            pillar_heading("【1】市民の安全を守る市役所づくり", &c),
            Some(vec![1])
        );
        assert_eq!(
            pillar_heading("市民の安全を守る市役所づくり", &c),
            Some(vec![1])
        );
        assert_eq!(pillar_heading("2　市民の安全を守る市役所づくり", &c), None);
        assert_eq!(
            pillar_heading("【1】将来を見据えた市役所づくり", &c),
            Some(vec![1])
        );
        assert_eq!(pillar_heading("【7】将来を見据えた市役所づくり", &c), None);
        assert_eq!(pillar_heading("防災訓練を実施する", &c), None);
    }
}
