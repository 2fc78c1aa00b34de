//! Column header rows: which column holds what, found by the header words in any order.

use super::super::cells::squash;
use crate::import::spreadsheet::Grid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Col {
    Department,
    Pillar,
    Goal,
    GoalStatus,
    Number,
    Initiative,
    Sections,
    Criteria,
    Actuals,
    Performance,
    Outcome,
    Status,
    Category,
    Deadline,
    /// The mid-year check: 上半期の取組状況, 進捗状況, 下期に向けた課題・対応.
    MidPerformance,
    Progress,
    MidIssues,
}

/// Header words (normalized by [`key`]) and the column each names.
const HEADERS: &[(&str, Col)] = &[
    ("部", Col::Department),
    ("部名", Col::Department),
    ("部局", Col::Department),
    ("部局名", Col::Department),
    ("柱", Col::Pillar),
    ("柱番号", Col::Pillar),
    ("市役所づくり", Col::Pillar),
    ("組織目標", Col::Goal),
    ("組織重点目標", Col::Goal),
    ("重点目標", Col::Goal),
    ("目標", Col::Goal),
    ("部の目標", Col::Goal),
    ("部目標", Col::Goal),
    ("部長目標", Col::Goal),
    ("組織目標の達成状況", Col::GoalStatus),
    ("目標の達成状況", Col::GoalStatus),
    ("番号", Col::Number),
    ("取組番号", Col::Number),
    ("No", Col::Number),
    ("No.", Col::Number),
    ("NO.", Col::Number),
    ("NO", Col::Number),
    ("№", Col::Number),
    ("項番", Col::Number),
    ("取組内容", Col::Initiative),
    ("主な取組内容", Col::Initiative),
    ("取組", Col::Initiative),
    ("主な取組", Col::Initiative),
    ("具体的な取組", Col::Initiative),
    ("具体的取組", Col::Initiative),
    ("取組事項", Col::Initiative),
    ("取組項目", Col::Initiative),
    ("課等", Col::Sections),
    ("課", Col::Sections),
    ("担当課", Col::Sections),
    ("担当課等", Col::Sections),
    ("所管課", Col::Sections),
    ("担当", Col::Sections),
    ("担当課名", Col::Sections),
    ("課等名", Col::Sections),
    ("担当部署", Col::Sections),
    ("所属", Col::Sections),
    ("担当所属", Col::Sections),
    ("目標達成基準", Col::Criteria),
    ("達成基準", Col::Criteria),
    ("指標", Col::Criteria),
    ("成果指標", Col::Criteria),
    ("達成目標", Col::Criteria),
    ("目標値", Col::Criteria),
    ("数値目標", Col::Criteria),
    ("実績値", Col::Actuals),
    ("実績", Col::Performance),
    ("取組実績", Col::Performance),
    ("取組の実績", Col::Performance),
    ("取組結果", Col::Performance),
    ("実施結果", Col::Performance),
    ("取組状況", Col::Performance),
    ("実施状況", Col::Performance),
    ("成果", Col::Outcome),
    ("成果・効果", Col::Outcome),
    ("効果", Col::Outcome),
    ("取組の成果", Col::Outcome),
    ("成果・課題", Col::Outcome),
    ("達成状況", Col::Status),
    ("取組の達成状況", Col::Status),
    ("評価", Col::Status),
    ("達成度", Col::Status),
    ("評価結果", Col::Status),
    ("自己評価", Col::Status),
    // The deployment table (組織目標展開整理表).
    ("実施項目", Col::Goal),
    ("計画・方針等の分類", Col::Category),
    ("分類", Col::Category),
    ("どの水準まで", Col::Criteria),
    ("どのような方法で", Col::Initiative),
    ("いつまで", Col::Deadline),
    ("期限", Col::Deadline),
    ("共通/課名", Col::Sections),
    ("課名", Col::Sections),
    // The mid-year check (中間報告, 上半期レビュー). 「上期（4月～9月）の取組実績」 reads as 「上期」.
    ("上半期の取組状況", Col::MidPerformance),
    ("上半期の取組実績", Col::MidPerformance),
    ("上期の取組状況", Col::MidPerformance),
    ("上期の取組実績", Col::MidPerformance),
    ("上半期の実績", Col::MidPerformance),
    ("上半期実績", Col::MidPerformance),
    ("上期実績", Col::MidPerformance),
    ("中間実績", Col::MidPerformance),
    ("上期", Col::MidPerformance),
    ("上半期", Col::MidPerformance),
    ("上半期の取組", Col::MidPerformance),
    ("上期の取組", Col::MidPerformance),
    ("上半期の主な取組", Col::MidPerformance),
    ("中間時点の取組状況", Col::MidPerformance),
    ("9月末時点の取組状況", Col::MidPerformance),
    ("中間報告", Col::MidPerformance),
    ("進捗状況", Col::Progress),
    ("進捗", Col::Progress),
    ("進捗度", Col::Progress),
    ("進捗評価", Col::Progress),
    ("進捗区分", Col::Progress),
    ("進捗率", Col::Progress),
    ("進み具合", Col::Progress),
    ("達成見込み", Col::Progress),
    ("達成見込", Col::Progress),
    ("中間評価", Col::Progress),
    ("下期に向けた課題", Col::MidIssues),
    ("下期に向けた課題・対応", Col::MidIssues),
    ("下半期に向けた課題", Col::MidIssues),
    ("下半期に向けた課題・対応", Col::MidIssues),
    ("下期の課題", Col::MidIssues),
    ("下期", Col::MidIssues),
    ("下半期", Col::MidIssues),
    ("今後の課題", Col::MidIssues),
    ("課題・対応", Col::MidIssues),
    ("課題と対応", Col::MidIssues),
    ("課題", Col::MidIssues),
    ("今後の対応", Col::MidIssues),
    ("今後の方向性", Col::MidIssues),
    ("今後の取組方針", Col::MidIssues),
    ("課題・今後の対応", Col::MidIssues),
    ("課題及び今後の対応", Col::MidIssues),
    ("課題と今後の取組", Col::MidIssues),
    ("下半期の取組", Col::MidIssues),
    ("下半期の取組予定", Col::MidIssues),
    ("下期の取組", Col::MidIssues),
    ("下期の取組予定", Col::MidIssues),
];

/// The header word whose column holds methods, one per line (kept as lines, not joined).
const METHODS_HEADER: &str = "どのような方法で";

/// A header cell's text as looked up: spaces and a note in brackets after the word
/// (「いつまで（期限）」, 「実績(取組状況)」) dropped, 「取り組み」 spelled 「取組」.
fn key(text: &str) -> String {
    let s = squash(text)
        .replace("取り組み", "取組")
        .replace("取組み", "取組");
    let s = s.split(['(', '（', '【', '[']).next().unwrap_or("");
    s.trim_end_matches(['※', '*', '＊']).to_owned()
}

/// A column header row and the columns it names.
#[derive(Debug, Clone)]
pub(super) struct Header {
    /// The column of each kind named (first occurrence).
    pub cols: Vec<(Col, usize)>,
    /// The initiative column is a deployment table's methods (one item per line).
    pub methods: bool,
}

impl Header {
    pub fn col(&self, c: Col) -> Option<usize> {
        self.cols.iter().find(|(k, _)| *k == c).map(|(_, i)| *i)
    }

    pub fn has_results(&self) -> bool {
        [
            Col::Actuals,
            Col::Performance,
            Col::Outcome,
            Col::Status,
            Col::GoalStatus,
        ]
        .iter()
        .any(|c| self.col(*c).is_some())
    }

    /// Whether the sheet is a mid-year check: a 上半期 or a 進捗状況 column (a 課題 column alone
    /// is not one).
    pub fn has_midyear(&self) -> bool {
        self.col(Col::MidPerformance).is_some() || self.col(Col::Progress).is_some()
    }
}

/// Row `r` read as a column header row: one naming both 「組織目標」 and 「取組内容」 (or their
/// deployment-table words). Wherever it stands and however often it is repeated, such a row
/// is a header, never data.
pub(super) fn header_at(grid: &Grid, r: usize) -> Option<Header> {
    let row = grid.rows.get(r)?;
    let mut cols = Vec::new();
    let mut methods = false;
    let mut others = 0;
    for (c, text) in row.iter().enumerate() {
        if text.trim().is_empty() || grid.is_merged_copy(r, c) {
            continue;
        }
        others += 1;
        let k = key(text);
        if let Some((word, col)) = HEADERS.iter().find(|(w, _)| *w == k)
            && !cols.iter().any(|(k, _)| k == col)
        {
            cols.push((*col, c));
            methods |= *word == METHODS_HEADER;
            others -= 1;
        }
    }
    // At least three known column names, and more of them than other texts: a data row that
    // happens to hold 「目標」 and 「取組」 is not a header.
    // A mid-year sheet may call its first half plainly 「取組状況」 beside 「進捗状況」: with no
    // year-end column, that column is the first half's, not 実績.
    let year_end = [
        Col::Outcome,
        Col::Status,
        Col::Actuals,
        Col::GoalStatus,
        Col::MidPerformance,
    ];
    if cols.iter().any(|(k, _)| *k == Col::Progress)
        && !cols.iter().any(|(k, _)| year_end.contains(k))
        && let Some(p) = cols.iter_mut().find(|(k, _)| *k == Col::Performance)
    {
        p.0 = Col::MidPerformance;
    }
    let h = Header { cols, methods };
    (h.col(Col::Goal).is_some()
        && h.col(Col::Initiative).is_some()
        && h.cols.len() >= 3
        && h.cols.len() > others)
        .then_some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_words_are_read_with_their_variants() {
        assert_eq!(key("取り組み内容"), "取組内容");
        assert_eq!(key("実績（取組状況）"), "実績");
        assert_eq!(key("いつまで(期限)"), "いつまで");
        assert_eq!(key("Ｎｏ．"), "No.");
        assert_eq!(key("課　等"), "課等");
    }

    fn header(words: &[&str]) -> Header {
        let row = words.iter().map(|w| w.to_string()).collect();
        header_at(&Grid::new("中間".into(), vec![row]), 0).expect("a header row")
    }

    #[test]
    fn mid_year_columns_are_known_and_a_plain_progress_column_makes_the_first_half() {
        // An Akita city's 上半期レビュー: the period in brackets after 上期/下期.
        let h = header(&[
            "組織目標",
            "取組内容",
            "上期（4月～9月）の取組実績",
            "進捗状況",
            "下期（10月～3月）に向けた課題",
        ]);
        assert!(h.has_midyear() && !h.has_results());
        assert_eq!(h.col(Col::MidPerformance), Some(2));
        assert_eq!(h.col(Col::MidIssues), Some(4));
        // 「取組状況」 beside 「進捗状況」 and no year-end column: the first half, not 実績.
        let h = header(&["組織目標", "取組内容", "取組状況", "進捗状況", "今後の対応"]);
        assert_eq!(h.col(Col::MidPerformance), Some(2));
        assert_eq!(h.col(Col::Performance), None);
        assert!(!h.has_results());
        // Beside 成果 it stays 実績; a 課題 column alone does not make a mid-year sheet.
        let h = header(&["組織目標", "取組内容", "取組状況", "成果", "課題"]);
        assert_eq!(h.col(Col::Performance), Some(2));
        assert!(h.has_results() && !h.has_midyear());
    }
}
