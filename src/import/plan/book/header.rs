//! The column header of a plan workbook: which column holds what, the hierarchy's level
//! columns (every named column before the item's number), and one column per fiscal year.

use crate::domain::era::Eras;
use crate::import::cells::squash;
use crate::import::spreadsheet::Grid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Number,
    Title,
    Content,
    Indicator,
    Unit,
    Baseline,
    Year(i32),
    Sections,
    Restated,
    BaselineYear,
    BaselineValue,
    Direction,
    /// A level of the hierarchy (0 = the top).
    Level(usize),
}

/// Header words, as looked up (spaces and a bracketed note removed, full-width made half).
const WORDS: &[(Col, &[&str])] = &[
    (
        Col::Number,
        &[
            "番号",
            "No",
            "No.",
            "NO",
            "NO.",
            "項番",
            "取組番号",
            "通し番号",
        ],
    ),
    (
        Col::Title,
        &[
            "取組項目",
            "取組項目名",
            "取組名",
            "項目",
            "項目名",
            "実施項目",
            "改革項目",
            "取組事項",
        ],
    ),
    (
        Col::Content,
        &[
            "取組内容",
            "内容",
            "取組の内容",
            "概要",
            "取組概要",
            "具体的な取組",
            "実施内容",
        ],
    ),
    (
        Col::Indicator,
        &[
            "目標値等",
            "目標値",
            "指標",
            "指標名",
            "目標指標",
            "成果指標",
            "目標項目",
            "数値目標",
        ],
    ),
    (Col::Unit, &["単位"]),
    (
        Col::Baseline,
        &["現状値", "現状", "策定時", "現状値等", "計画策定時"],
    ),
    (
        Col::Sections,
        &[
            "担当課",
            "担当課名",
            "所管課",
            "担当部署",
            "担当部課",
            "担当",
            "所管",
        ],
    ),
    (Col::Restated, &["再掲", "再掲先"]),
    (Col::BaselineYear, &["基準年度"]),
    (Col::BaselineValue, &["基準値"]),
    (Col::Direction, &["達成の向き", "向き", "目標の向き"]),
];

/// The words an item's column may be headed with (its label: 取組項目, 実施項目 …).
pub fn is_item_word(text: &str) -> bool {
    WORDS[1].1.contains(&key(text).as_str())
}

fn key(text: &str) -> String {
    let s = squash(text)
        .replace("取り組み", "取組")
        .replace("取組み", "取組");
    s.split(['(', '（', '【', '['])
        .next()
        .unwrap_or("")
        .to_owned()
}

#[derive(Debug, Clone)]
pub struct Header {
    pub row: usize,
    pub cols: Vec<(usize, Col)>,
    /// The level columns' names, top first.
    pub levels: Vec<String>,
    /// The item column's own header text.
    pub item_word: String,
}

impl Header {
    pub fn col(&self, want: Col) -> Option<usize> {
        self.cols.iter().find(|(_, c)| *c == want).map(|(i, _)| *i)
    }

    /// The fiscal years, in column order, with their columns.
    pub fn years(&self) -> Vec<(usize, i32)> {
        self.cols
            .iter()
            .filter_map(|(i, c)| match c {
                Col::Year(y) => Some((*i, *y)),
                _ => None,
            })
            .collect()
    }

    pub fn level_col(&self, level: usize) -> Option<usize> {
        self.col(Col::Level(level))
    }
}

/// A fiscal year a header cell names: 「平成28年度」「令和2年度」「2016年度」, or a bare 「28年度」
/// (see [`Eras::bare_fiscal_year`]); `latest` bounds a bare year.
pub fn year_in(text: &str, eras: &Eras, latest: i32) -> Option<i32> {
    if let Some(y) = eras.fiscal_year_in(text) {
        return Some(y);
    }
    let s = squash(text);
    let n = s.strip_suffix("年度")?;
    let n: i32 = n.parse().ok()?;
    if n >= 1000 {
        return Some(n);
    }
    eras.bare_fiscal_year(n, latest)
}

/// The header at row `r`: it names an item number, an item and at least one fiscal year.
pub fn header_at(grid: &Grid, r: usize, eras: &Eras, latest: i32) -> Option<Header> {
    let row = grid.rows.get(r)?;
    let mut cols = Vec::new();
    let mut unknown = Vec::new();
    let mut item_word = String::new();
    for (c, text) in row.iter().enumerate() {
        if text.trim().is_empty() || grid.is_merged_copy(r, c) {
            continue;
        }
        let k = key(text);
        if let Some((col, _)) = WORDS.iter().find(|(_, words)| words.contains(&k.as_str())) {
            if !cols.iter().any(|(_, x)| x == col) {
                if *col == Col::Title {
                    item_word = k.clone();
                }
                cols.push((c, *col));
            }
        } else if let Some(y) = year_in(text, eras, latest) {
            cols.push((c, Col::Year(y)));
        } else {
            unknown.push((c, squash(text)));
        }
    }
    let number = cols.iter().find(|(_, x)| *x == Col::Number)?.0;
    cols.iter().find(|(_, x)| *x == Col::Title)?;
    cols.iter().find(|(_, x)| matches!(x, Col::Year(_)))?;
    let mut levels = Vec::new();
    for (c, name) in unknown.into_iter().filter(|(c, _)| *c < number) {
        cols.push((c, Col::Level(levels.len())));
        levels.push(name);
    }
    Some(Header {
        row: r,
        cols,
        levels,
        item_word,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::domain::era::Era;
    use chrono::NaiveDate;

    pub fn eras() -> Eras {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        Eras::new(vec![
            Era {
                name: "平成".into(),
                starts_on: d(1989, 1, 8),
                first_fiscal_year: 1989,
            },
            Era {
                name: "令和".into(),
                starts_on: d(2019, 5, 1),
                first_fiscal_year: 2019,
            },
        ])
    }

    #[test]
    fn years_are_read_with_or_without_their_era() {
        let e = eras();
        assert_eq!(year_in("平成28年度", &e, 2036), Some(2016));
        assert_eq!(year_in("令和2年度", &e, 2036), Some(2020));
        assert_eq!(year_in("２８年度", &e, 2036), Some(2016));
        assert_eq!(year_in("32年度", &e, 2036), Some(2020));
        assert_eq!(year_in("8年度", &e, 2036), Some(2026));
        assert_eq!(year_in("2030年度", &e, 2036), Some(2030));
        assert_eq!(year_in("目標", &e, 2036), None);
    }

    #[test]
    fn level_columns_are_the_named_columns_before_the_number() {
        let grid = Grid::new(
            "取組項目".into(),
            vec![
                vec![
                    "視点",
                    "基本目標",
                    "施策",
                    "No.",
                    "取組項目",
                    "取組内容",
                    "指標",
                    "28年度",
                    "29年度",
                    "担当課",
                    "備考",
                ]
                .into_iter()
                .map(String::from)
                .collect(),
            ],
        );
        let h = header_at(&grid, 0, &eras(), 2036).unwrap();
        assert_eq!(h.levels, vec!["視点", "基本目標", "施策"]);
        assert_eq!(h.col(Col::Number), Some(3));
        assert_eq!(h.level_col(2), Some(2));
        assert_eq!(h.years(), vec![(7, 2016), (8, 2017)]);
        assert_eq!(h.col(Col::Sections), Some(9));
        // Without a year there is no plan header.
        let grid = Grid::new(
            "x".into(),
            vec![vec![
                "番号".to_owned(),
                "取組項目".to_owned(),
                "担当課".to_owned(),
            ]],
        );
        assert!(header_at(&grid, 0, &eras(), 2036).is_none());
    }
}
