//! What was read from an uploaded spreadsheet, before and after it is checked against the
//! year: the departments' goal trees, the problems found, the units to create, and what
//! applying it does to each department. Produced by `import::layout`, stored with the upload
//! by `db::imports`, shown by the import pages.

use crate::domain::document::GoalDoc;
use crate::domain::era::Eras;
use serde::{Deserialize, Serialize};

/// What the file may refer to: the fiscal year's organization and the policy's pillars.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// (id, name) of the year's departments.
    pub departments: Vec<(i64, String)>,
    /// Names of the year's sections.
    pub sections: Vec<String>,
    /// Pillar numbers of the year's policy.
    pub pillars: Vec<i32>,
    /// The pillars' numbers and titles (to read headings that name a pillar by its title).
    pub pillar_titles: Vec<(i32, String)>,
    /// The departments the uploader may import into (None: all).
    pub allowed: Option<Vec<i64>>,
    /// The city's goal categories (計画・方針等の分類).
    pub categories: Vec<String>,
    /// Whether the city uses the deployment table (「共通」 then means no section).
    pub deployment: bool,
    /// Whether departments and sections the file names that the year lacks become new ones
    /// (planning staff) rather than problems.
    pub create_units: bool,
    /// The fiscal year imported into, and the era table (to compare with titles' years).
    pub year: Option<i32>,
    pub eras: Option<Eras>,
}

impl Context {
    pub(crate) fn may_import(&self, department_id: i64) -> bool {
        self.allowed
            .as_ref()
            .is_none_or(|a| a.contains(&department_id))
    }

    /// What a person who may not change the organization should do about a missing name.
    pub(crate) fn ask_planning(&self) -> &'static str {
        "組織に加えるよう企画担当に依頼するか、名前を年度の組織のとおりに直してください。"
    }
}

/// A problem found in the file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Problem {
    pub sheet: String,
    /// 1-based row as the spreadsheet program numbers it.
    pub row: Option<usize>,
    /// 0-based column (shown as a letter).
    pub col: Option<usize>,
    pub message: String,
}

impl Problem {
    /// 「シート「総務部」 12行目 D列」.
    pub fn place(&self) -> String {
        let mut s = format!("シート「{}」", self.sheet);
        if let Some(r) = self.row {
            s.push_str(&format!(" {r}行目"));
        }
        if let Some(c) = self.col {
            s.push_str(&format!(" {}列", column_letter(c)));
        }
        s
    }
}

/// A department's goal tree as the file states it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct DepartmentTree {
    pub department_id: i64,
    pub name: String,
    pub goals: Vec<GoalDoc>,
    /// False when the sheet has no 目標達成基準 column (the results report's layout): the
    /// stored criteria are then kept, not emptied.
    #[serde(default = "yes")]
    pub criteria_given: bool,
}

fn yes() -> bool {
    true
}

/// Everything read from a file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Parsed {
    pub departments: Vec<DepartmentTree>,
    pub problems: Vec<Problem>,
    /// Whether the file has any results column (実績, 成果, 実績値, 達成状況).
    pub has_results: bool,
    /// Whether the file has mid-year columns (上半期の取組状況, 進捗状況).
    #[serde(default)]
    pub has_midyear: bool,
    /// Departments the file names that the year lacks, to be created (file order).
    #[serde(default)]
    pub new_departments: Vec<NewDepartment>,
    /// Sections the file names that the year lacks, with the department they are under.
    #[serde(default)]
    pub new_sections: Vec<NewSection>,
    /// Things worth a look that do not stop the import (a title naming another year).
    #[serde(default)]
    pub notices: Vec<Problem>,
}

/// A department to create; `id` is provisional (below zero) and stands for it in the trees
/// and in [`NewSection::department_id`] until it exists.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct NewDepartment {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct NewSection {
    pub department_id: i64,
    pub department: String,
    pub name: String,
}

/// "A", "B", … "Z", "AA", …
pub fn column_letter(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push((b'A' + (c % 26) as u8) as char);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.iter().rev().collect()
}

/// What an upload does to one department.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct DepartmentChange {
    pub department_id: i64,
    pub name: String,
    pub goals: usize,
    pub initiatives: usize,
    pub criteria: usize,
    /// Rows of the goal tree inserted / updated / deleted.
    pub inserted: usize,
    pub updated: usize,
    pub deleted: usize,
    /// Results rows (criterion results, initiative and goal results) written.
    pub results_written: usize,
    /// Initiatives' mid-year rows written.
    #[serde(default)]
    pub midyear_written: usize,
    /// Why the department cannot take these changes now (its sheet is locked), if so.
    pub refused: Option<String>,
    /// Per goal of the file, in order, against what is stored at its place: 「追加」,
    /// 「変更」 or 「変更なし」 (filled by the preview).
    #[serde(default)]
    pub goal_marks: Vec<String>,
    /// Stored goals the file no longer has (they are removed), by text.
    #[serde(default)]
    pub removed_goals: Vec<String>,
}

impl DepartmentChange {
    pub fn is_unchanged(&self) -> bool {
        self.inserted + self.updated + self.deleted + self.results_written + self.midyear_written
            == 0
    }
}
