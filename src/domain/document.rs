//! The shape of a year's goals as a document: what a data file (the demo cities) or, later,
//! a spreadsheet import describes. Field names are stable: data files are written against them.

use crate::domain::status::Status;
use serde::{Deserialize, Serialize};

/// A city's fiscal year: the city, its policy and pillars, the booklet and the departments'
/// goals, initiatives and criteria.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct YearDocument {
    pub municipality: MunicipalityDoc,
    pub policy: PolicyDoc,
    pub fiscal_year: FiscalYearDoc,
    pub departments: Vec<DepartmentDoc>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityDoc {
    pub slug: String,
    pub name: String,
    pub name_kana: String,
    pub local_government_code: String,
    /// How the city's sheets are laid out.
    #[serde(default)]
    pub layout: SheetLayout,
    /// The city's list of goal categories (計画・方針等の分類), in order; empty when unused.
    #[serde(default)]
    pub categories: Vec<String>,
    /// What the city's pages say about where their content comes from (empty: nothing).
    #[serde(default)]
    pub about: String,
}

/// A city's sheet layout (`municipality.sheet_layout`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetLayout {
    /// 組織目標 / 取組内容 / 課等 / 目標達成基準 under pillar headings (刈谷市).
    #[default]
    TargetTable,
    /// 組織目標展開整理表: numbered items with category, level, method, deadline (国分寺市).
    DeploymentTable,
}

impl SheetLayout {
    pub fn as_str(self) -> &'static str {
        match self {
            SheetLayout::TargetTable => "target_table",
            SheetLayout::DeploymentTable => "deployment_table",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDoc {
    pub name: String,
    pub pillar_set_name: String,
    pub pillars: Vec<PillarDoc>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PillarDoc {
    pub number: i32,
    pub title: String,
    #[serde(default)]
    pub viewpoint: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FiscalYearDoc {
    pub year: i32,
    pub title: String,
    pub tables_title: String,
    #[serde(default)]
    pub introduction: Vec<BookletSectionDoc>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BookletSectionDoc {
    pub heading: String,
    #[serde(default)]
    pub paragraphs: Vec<String>,
    #[serde(default)]
    pub show_pillars: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentDoc {
    pub slug: String,
    pub name: String,
    pub sections: Vec<String>,
    /// The sheet's header (作成日, 職名, 氏名), where the layout shows one.
    #[serde(default)]
    pub header: Option<HeaderDoc>,
    #[serde(default)]
    pub goals: Vec<GoalDoc>,
    /// The head's page of a results document (name and reading, 基本方針, 部の仕事, 総括).
    #[serde(default)]
    pub profile: Option<ProfileDoc>,
}

/// A department head's page as a results document prints it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileDoc {
    pub head_name: String,
    pub head_name_kana: String,
    #[serde(default)]
    pub basic_policy: String,
    #[serde(default)]
    pub duties: String,
    /// Paragraphs separated by a blank line.
    #[serde(default)]
    pub summary: String,
}

/// A department sheet's header: when it was drawn up, and its head's title and name.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderDoc {
    pub drawn_up_on: chrono::NaiveDate,
    pub head_title: String,
    pub head_name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GoalDoc {
    pub pillars: Vec<i32>,
    pub text: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub initiatives: Vec<InitiativeDoc>,
    /// The goal's status as the head judged it (results only).
    #[serde(default)]
    pub status: Option<Status>,
    /// The result as the document prints it, when that is more than the status word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_label: Option<String>,
    /// The goal's category (one of the city's `categories`).
    #[serde(default)]
    pub category: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InitiativeDoc {
    pub text: String,
    pub sections: Vec<String>,
    #[serde(default)]
    pub criteria: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Year-end results, when the document carries them.
    #[serde(default)]
    pub results: Option<InitiativeResultsDoc>,
    /// When it is to be done (「1月」, 「年度末」, 「随時」).
    #[serde(default)]
    pub deadline: Option<String>,
    /// The mid-year check (中間報告), when the document carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub midyear: Option<InitiativeMidyearDoc>,
}

/// An initiative's first half: 上半期の取組状況 items, the progress word (進捗状況) and
/// 下期に向けた課題・対応 paragraphs.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InitiativeMidyearDoc {
    #[serde(default)]
    pub performance: Vec<String>,
    #[serde(default)]
    pub progress: Option<String>,
    #[serde(default)]
    pub issues: Vec<String>,
}

impl InitiativeMidyearDoc {
    pub fn is_empty(&self) -> bool {
        self.performance.is_empty() && self.progress.is_none() && self.issues.is_empty()
    }
}

/// An initiative's year-end results: 実績 items, 成果 paragraphs, the status as judged, and
/// per criterion (in order) what was achieved.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InitiativeResultsDoc {
    #[serde(default)]
    pub performance: Vec<String>,
    #[serde(default)]
    pub outcome: Vec<String>,
    #[serde(default)]
    pub status: Option<Status>,
    /// One entry per criterion; `None` leaves that criterion's stored result as it is.
    #[serde(default)]
    pub actuals: Vec<Option<ActualDoc>>,
}

/// What a criterion achieved.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActualDoc {
    /// A number (for a criterion with a numeric target), as written in canonical form.
    Value(rust_decimal::Decimal),
    /// A short text.
    Text(String),
    /// Not applicable this year, with the reason.
    NotApplicable(String),
}

impl YearDocument {
    /// Problems that would make the document inconsistent, in Japanese, in document order.
    /// An empty list means it can be applied.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let pillar_numbers: Vec<i32> = self.policy.pillars.iter().map(|p| p.number).collect();
        let all_sections: Vec<&str> = self
            .departments
            .iter()
            .flat_map(|d| d.sections.iter().map(String::as_str))
            .collect();
        let mut seen = std::collections::HashSet::new();
        for s in &all_sections {
            if !seen.insert(*s) {
                problems.push(format!("課等「{s}」が複数の部に登録されています。"));
            }
        }
        for d in &self.departments {
            for (gi, g) in d.goals.iter().enumerate() {
                let at = format!("{} 組織目標{}", d.name, gi + 1);
                if g.text.trim().is_empty() {
                    problems.push(format!("{at}: 組織目標が空です。"));
                }
                if g.pillars.is_empty() && !pillar_numbers.is_empty() {
                    problems.push(format!("{at}: 柱が指定されていません。"));
                }
                if let Some(c) = &g.category
                    && !self.municipality.categories.contains(c)
                {
                    problems.push(format!("{at}: 分類「{c}」は市の分類の一覧にありません。"));
                }
                for p in &g.pillars {
                    if !pillar_numbers.contains(p) {
                        problems.push(format!("{at}: 柱({p})は行政経営方針にありません。"));
                    }
                }
                for (ii, i) in g.initiatives.iter().enumerate() {
                    let at = format!("{at} 取組内容{}", crate::domain::numbering::circled(ii + 1));
                    if i.text.trim().is_empty() {
                        problems.push(format!("{at}: 取組内容が空です。"));
                    }
                    for s in &i.sections {
                        if !all_sections.contains(&s.as_str()) {
                            problems
                                .push(format!("{at}: 課等「{s}」はこの年度の組織にありません。"));
                        }
                    }
                    if let Some(d) = &i.deadline
                        && crate::domain::deadline::parse_deadline(d).as_ref() != Some(d)
                    {
                        problems.push(format!("{at}: いつまで「{d}」が読めません。"));
                    }
                    if i.criteria.iter().any(|c| c.trim().is_empty()) {
                        problems.push(format!("{at}: 空の目標達成基準があります。"));
                    }
                }
            }
        }
        problems
    }
}

/// What applying a document changed, counted in rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    pub deleted: usize,
}

impl ImportReport {
    /// Whether nothing was written.
    pub fn is_unchanged(&self) -> bool {
        *self == Self::default()
    }
}
