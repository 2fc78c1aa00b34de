//! Understanding the grids of an uploaded spreadsheet as goals, initiatives, criteria and
//! results of departments, the way a person reading the sheet would.
//!
//! Two layouts are read by the same code, told apart by their header row (the first row within
//! the first ten holding both 「組織目標」 and 「取組内容」; columns are found by their header
//! words, in any order):
//! - the import template: one row per initiative with a 部 column and a 柱 column;
//! - the official table as exported (one sheet per department, named after it, title row,
//!   pillar heading rows 「(1) …」 spanning the table, goal cells merged over their initiatives).
//!
//! A goal cell left empty, merged, or repeating the goal above continues that goal; an
//! initiative cell likewise continues the initiative (so criteria may be one per row). Numbers
//! (「①」, 「1.」, 「(1)」) before initiatives and bullets (「・」) before criteria are dropped,
//! full-width digits and stray spaces are normalized, and a trailing 「【◎達成】」 (as the
//! results export writes it) is read as the status.

use super::cells::{
    actual, heading_pillars, items, lines, one_line, parse_status, pillar_numbers, section_names,
    squash, status_words, strip_number, strip_status,
};
use super::document::{GoalDoc, InitiativeDoc, InitiativeResultsDoc};
use super::spreadsheet::Grid;
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
    /// The departments the uploader may import into (None: all).
    pub allowed: Option<Vec<i64>>,
    /// The city's goal categories (計画・方針等の分類).
    pub categories: Vec<String>,
    /// Whether the city uses the deployment table (「共通」 then means no section).
    pub deployment: bool,
}

impl Context {
    fn may_import(&self, department_id: i64) -> bool {
        self.allowed
            .as_ref()
            .is_none_or(|a| a.contains(&department_id))
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
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
}

/// Header words (spaces removed) and the column each names.
const HEADERS: &[(&str, Col)] = &[
    ("部", Col::Department),
    ("部名", Col::Department),
    ("部局", Col::Department),
    ("柱", Col::Pillar),
    ("柱番号", Col::Pillar),
    ("市役所づくり", Col::Pillar),
    ("組織目標", Col::Goal),
    ("組織目標の達成状況", Col::GoalStatus),
    ("目標の達成状況", Col::GoalStatus),
    ("番号", Col::Number),
    ("取組番号", Col::Number),
    ("No", Col::Number),
    ("No.", Col::Number),
    ("取組内容", Col::Initiative),
    ("課等", Col::Sections),
    ("担当課", Col::Sections),
    ("担当課等", Col::Sections),
    ("目標達成基準", Col::Criteria),
    ("実績値", Col::Actuals),
    ("実績", Col::Performance),
    ("成果", Col::Outcome),
    ("達成状況", Col::Status),
    ("取組の達成状況", Col::Status),
    ("評価", Col::Status),
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
];

/// The header word whose column holds methods, one per line (kept as lines, not joined).
const METHODS_HEADER: &str = "どのような方法で";

struct Header {
    row: usize,
    cols: Vec<(Col, usize)>,
    /// The initiative column is a deployment table's methods (one item per line).
    methods: bool,
}

impl Header {
    fn col(&self, c: Col) -> Option<usize> {
        self.cols.iter().find(|(k, _)| *k == c).map(|(_, i)| *i)
    }
}

fn find_header(grid: &Grid) -> Option<Header> {
    for (r, row) in grid.rows.iter().enumerate().take(10) {
        let mut cols = Vec::new();
        let mut methods = false;
        for (c, text) in row.iter().enumerate() {
            if grid.is_merged_copy(r, c) {
                continue;
            }
            // A note in brackets after the word (「いつまで（期限）」) is not part of it.
            let key = squash(text);
            let key = key.split('(').next().unwrap_or("");
            let key = key.trim_end_matches(['※', '*']);
            if let Some((word, col)) = HEADERS.iter().find(|(w, _)| *w == key)
                && !cols.iter().any(|(k, _)| k == col)
            {
                cols.push((*col, c));
                methods |= *word == METHODS_HEADER;
            }
        }
        let h = Header {
            row: r,
            cols,
            methods,
        };
        if h.col(Col::Goal).is_some() && h.col(Col::Initiative).is_some() {
            return Some(h);
        }
    }
    None
}

/// Sheets whose names start with these are guidance, never read (the template's 記入例, 説明
/// and 一覧 sheets).
pub const IGNORED_SHEETS: &[&str] = &["記入例", "説明", "一覧"];

/// Limits as the editing forms state them.
const MAX_GOAL: usize = 400;
const MAX_INITIATIVE: usize = 400;
const MAX_CRITERION: usize = 300;

/// Reads all grids against `ctx`.
pub fn parse(grids: &[Grid], ctx: &Context) -> Parsed {
    let mut p = Parsed::default();
    let mut read_any = false;
    for grid in grids {
        // The template's guidance sheets carry example rows that must not be imported.
        if IGNORED_SHEETS.iter().any(|p| grid.name.starts_with(p)) {
            continue;
        }
        let Some(header) = find_header(grid) else {
            continue;
        };
        read_any = true;
        parse_sheet(grid, &header, ctx, &mut p);
    }
    // Results cells left empty leave the stored results alone (a targets-only upload through
    // the template must not wipe what sections recorded).
    for i in p
        .departments
        .iter_mut()
        .flat_map(|d| d.goals.iter_mut())
        .flat_map(|g| g.initiatives.iter_mut())
    {
        if i.results.as_ref().is_some_and(|r| {
            r.performance.is_empty()
                && r.outcome.is_empty()
                && r.status.is_none()
                && r.actuals.iter().all(Option::is_none)
        }) {
            i.results = None;
        }
    }
    if !read_any {
        p.problems.push(Problem {
            sheet: grids.first().map(|g| g.name.clone()).unwrap_or_default(),
            row: None,
            col: None,
            message: "見出しの行（「組織目標」と「取組内容」を含む行）が見つかりません。取り込み用のひな形の列見出しをそのまま使ってください。".to_owned(),
        });
    }
    p
}

/// The department a sheet without a 部 column is about: its name or its title (row 1 begins
/// with the department's name, as the export writes it).
fn sheet_department(grid: &Grid, header: &Header, ctx: &Context) -> Option<(i64, String)> {
    let sheet = squash(&grid.name);
    let titles: Vec<String> = (0..header.row).map(|r| squash(grid.cell(r, 0))).collect();
    // Longest name first, so 「市民部」 does not claim a sheet of 「市民協働部」.
    let mut ds = ctx.departments.clone();
    ds.sort_by_key(|(_, n)| std::cmp::Reverse(n.chars().count()));
    ds.into_iter().find(|(_, name)| {
        let n = squash(name);
        sheet == n || titles.iter().any(|t| t.starts_with(&n))
    })
}

struct Cursor {
    department: Option<(i64, String)>,
    heading_pillars: Option<Vec<i32>>,
    /// The goal being filled: index into the department's goals, its text and pillars.
    goal: Option<(usize, String, Vec<i32>)>,
    /// The initiative being filled (index into the goal's initiatives) and its cell text.
    initiative: Option<(usize, String)>,
}

fn parse_sheet(grid: &Grid, header: &Header, ctx: &Context, p: &mut Parsed) {
    let mut trees = std::mem::take(&mut p.departments);
    parse_rows(grid, header, ctx, p, &mut trees);
    p.departments = trees;
}

/// Problems of one sheet, added to the parse's list.
struct Problems<'a> {
    sheet: &'a str,
    list: &'a mut Vec<Problem>,
}

impl Problems<'_> {
    fn add(&mut self, row: usize, col: Option<usize>, message: String) {
        self.list.push(Problem {
            sheet: self.sheet.to_owned(),
            row: Some(row + 1),
            col,
            message,
        });
    }
}

fn parse_rows(
    grid: &Grid,
    header: &Header,
    ctx: &Context,
    p: &mut Parsed,
    trees: &mut Vec<DepartmentTree>,
) {
    let col = |c: Col| header.col(c);
    let results_cols = [
        Col::Actuals,
        Col::Performance,
        Col::Outcome,
        Col::Status,
        Col::GoalStatus,
    ];
    let has_results = results_cols.iter().any(|c| col(*c).is_some());
    p.has_results |= has_results;
    let mut probs = Problems {
        sheet: &grid.name,
        list: &mut p.problems,
    };
    if col(Col::Actuals).is_some() && col(Col::Criteria).is_none() {
        probs.add(
            header.row,
            col(Col::Actuals),
            "実績値の列は、目標達成基準の列と一緒に使ってください（どの基準の実績値か分からないため）。".to_owned(),
        );
        return;
    }
    let fixed_department = if col(Col::Department).is_none() {
        let d = sheet_department(grid, header, ctx);
        if d.is_none() {
            probs.add(
                header.row,
                None,
                format!(
                    "このシートがどの部のものか分かりません。シート名を部の名前（例：「{}」）にするか、「部」の列を設けてください。",
                    ctx.departments.first().map(|d| d.1.as_str()).unwrap_or("総務部")
                ),
            );
            return;
        }
        if let Some((id, name)) = &d
            && !ctx.may_import(*id)
        {
            probs.add(header.row, None, format!("{name}の目標を取り込む権限がありません（部長が取り込めるのは自分の部だけです）。"));
            return;
        }
        d
    } else {
        None
    };
    let mut cur = Cursor {
        department: fixed_department,
        heading_pillars: None,
        goal: None,
        initiative: None,
    };
    let cell = |r: usize, c: Option<usize>| c.map(|c| grid.cell(r, c)).unwrap_or("");

    for r in header.row + 1..grid.rows.len() {
        let row = &grid.rows[r];
        let filled: Vec<&str> = row
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        if filled.is_empty() {
            continue;
        }
        // A heading row: one text across the row (merged, or only in the first cell).
        if col(Col::Pillar).is_none()
            && filled.iter().all(|s| *s == filled[0])
            && let Some(numbers) = heading_pillars(filled[0])
        {
            for n in &numbers {
                if !ctx.pillars.contains(n) {
                    probs.add(
                        r,
                        Some(0),
                        format!("柱({n})はこの年度の行政経営方針にありません。"),
                    );
                }
            }
            cur.heading_pillars = Some(numbers);
            cur.goal = None;
            cur.initiative = None;
            continue;
        }

        // The department.
        if let Some(c) = col(Col::Department) {
            let name = squash(grid.cell(r, c));
            if !name.is_empty() {
                let found = ctx.departments.iter().find(|(_, n)| squash(n) == name);
                match found {
                    Some(d) if !ctx.may_import(d.0) => {
                        probs.add(
                            r,
                            Some(c),
                            format!("{}の目標を取り込む権限がありません（部長が取り込めるのは自分の部だけです）。", d.1),
                        );
                        cur.department = None;
                        continue;
                    }
                    Some(d) => {
                        if cur.department.as_ref().map(|x| x.0) != Some(d.0) {
                            cur.goal = None;
                            cur.initiative = None;
                        }
                        cur.department = Some(d.clone());
                    }
                    None => {
                        probs.add(
                            r,
                            Some(c),
                            format!(
                                "部「{}」はこの年度の組織にありません。",
                                grid.cell(r, c).trim()
                            ),
                        );
                        cur.department = None;
                        continue;
                    }
                }
            }
        }
        let Some((department_id, department_name)) = cur.department.clone() else {
            probs.add(
                r,
                col(Col::Department),
                "部が入力されていません。".to_owned(),
            );
            continue;
        };

        // The pillars (a city without pillars has goals without them).
        let pillars = match col(Col::Pillar) {
            _ if ctx.pillars.is_empty() => Some(Vec::new()),
            Some(c) => {
                let text = grid.cell(r, c);
                if text.trim().is_empty() {
                    cur.goal.as_ref().map(|g| g.2.clone())
                } else {
                    match pillar_numbers(text) {
                        Some(ns) => {
                            for n in &ns {
                                if !ctx.pillars.contains(n) {
                                    probs.add(
                                        r,
                                        Some(c),
                                        format!("柱({n})はこの年度の行政経営方針にありません。"),
                                    );
                                }
                            }
                            Some(ns)
                        }
                        None => {
                            probs.add(
                                r,
                                Some(c),
                                format!("柱「{}」が読めません。柱の番号を「1」や「1,5」のように書いてください。", text.trim()),
                            );
                            continue;
                        }
                    }
                }
            }
            None => cur.heading_pillars.clone(),
        };

        // The goal: a new one, or the one above continued.
        let goal_col = col(Col::Goal);
        let (goal_text, cell_goal_status) = strip_status(cell(r, goal_col));
        let goal_text = one_line(&goal_text);
        let goal_status = match col(Col::GoalStatus) {
            Some(c) if !grid.cell(r, c).trim().is_empty() => Some(parse_status(grid.cell(r, c))),
            _ => cell_goal_status,
        };
        let dept = department_index(trees, department_id, &department_name);
        if col(Col::Criteria).is_none() {
            trees[dept].criteria_given = false;
        }
        let continues = match &cur.goal {
            None => false,
            Some((_, text, gp)) => {
                goal_text.is_empty()
                    || (goal_text == *text && pillars.as_ref().is_none_or(|p| p == gp))
            }
        };
        if !continues {
            if goal_text.is_empty() {
                probs.add(r, goal_col, "組織目標が入力されていません。".to_owned());
                continue;
            }
            if goal_text.chars().count() > MAX_GOAL {
                probs.add(
                    r,
                    goal_col,
                    format!("組織目標は{MAX_GOAL}文字以内にしてください。"),
                );
            }
            let Some(pillars) = pillars else {
                probs.add(
                    r,
                    col(Col::Pillar).or(goal_col),
                    "柱が指定されていません（柱の列、または「(1) …」の見出し行で指定してください）。".to_owned(),
                );
                continue;
            };
            let category = match col(Col::Category) {
                Some(c) if !grid.cell(r, c).trim().is_empty() => {
                    let name = grid
                        .cell(r, c)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ");
                    if !ctx.categories.contains(&name) {
                        probs.add(
                            r,
                            Some(c),
                            format!(
                                "分類「{name}」は市の分類の一覧（{}）にありません。",
                                ctx.categories.join("・")
                            ),
                        );
                    }
                    Some(name)
                }
                _ => None,
            };
            let goals = &mut trees[dept].goals;
            goals.push(GoalDoc {
                pillars: pillars.clone(),
                text: goal_text.clone(),
                note: None,
                initiatives: Vec::new(),
                status: None,
                status_label: None,
                category,
            });
            cur.goal = Some((goals.len() - 1, goal_text.clone(), pillars));
            cur.initiative = None;
        }
        let gi = cur.goal.as_ref().map(|g| g.0).unwrap_or_default();
        match goal_status {
            Some(Ok(s)) => trees[dept].goals[gi].status = Some(s),
            Some(Err(word)) => probs.add(
                r,
                col(Col::GoalStatus).or(goal_col),
                format!(
                    "達成状況「{word}」が読めません。{}のいずれかを書いてください。",
                    status_words()
                ),
            ),
            None => {}
        }

        // The initiative: a new one, the one above continued, or none (a goal-only row).
        let init_col = col(Col::Initiative);
        let raw = cell(r, init_col);
        let (cell_status_text, cell_status) = strip_status(raw);
        let text = if header.methods {
            // Methods are a list: one line per bullet, bullets dropped.
            items(&cell_status_text).join("\n")
        } else {
            one_line(strip_number(&cell_status_text).1)
        };
        if let Some(c) = col(Col::Number) {
            let n = grid.cell(r, c).trim();
            if !n.is_empty() && strip_number(&format!("{n} ")).0.is_none() {
                probs.add(
                    r,
                    Some(c),
                    format!("番号「{n}」が読めません。「1」や「①」のように書いてください。"),
                );
            }
        }
        let criteria_text = cell(r, col(Col::Criteria));
        let continues_initiative = match &cur.initiative {
            None => false,
            Some((_, t)) => text.is_empty() || *t == text,
        };
        if text.is_empty() && !continues_initiative {
            if !criteria_text.trim().is_empty() || !cell(r, col(Col::Sections)).trim().is_empty() {
                probs.add(r, init_col, "取組内容が入力されていません。".to_owned());
            }
            continue;
        }
        let goal = &mut trees[dept].goals[gi];
        if !continues_initiative {
            if text.chars().count() > MAX_INITIATIVE {
                probs.add(
                    r,
                    init_col,
                    format!("取組内容は{MAX_INITIATIVE}文字以内にしてください。"),
                );
            }
            let raw_sections = cell(r, col(Col::Sections));
            let common = ctx.deployment && squash(raw_sections) == "共通";
            let sections = if common {
                Vec::new()
            } else {
                section_names(raw_sections)
            };
            if sections.is_empty() && !common {
                probs.add(
                    r,
                    col(Col::Sections).or(init_col),
                    "課等が入力されていません。".to_owned(),
                );
            }
            for s in &sections {
                if !ctx.sections.iter().any(|k| squash(k) == *s) {
                    probs.add(
                        r,
                        col(Col::Sections),
                        format!("課等「{s}」はこの年度の組織にありません。"),
                    );
                }
            }
            let sections = sections
                .into_iter()
                .map(|s| {
                    ctx.sections
                        .iter()
                        .find(|k| squash(k) == s)
                        .cloned()
                        .unwrap_or(s)
                })
                .collect();
            goal.initiatives.push(InitiativeDoc {
                text: text.clone(),
                sections,
                criteria: Vec::new(),
                note: None,
                results: has_results.then(InitiativeResultsDoc::default),
                deadline: match col(Col::Deadline) {
                    Some(c) if !grid.cell(r, c).trim().is_empty() => {
                        let d = crate::domain::deadline::parse_deadline(grid.cell(r, c));
                        if d.is_none() {
                            probs.add(
                                r,
                                Some(c),
                                format!(
                                    "いつまで「{}」が読めません。{}",
                                    grid.cell(r, c).trim(),
                                    crate::domain::deadline::DEADLINE_HELP
                                ),
                            );
                        }
                        d
                    }
                    _ => None,
                },
            });
            cur.initiative = Some((goal.initiatives.len() - 1, text.clone()));
        }
        let ii = cur.initiative.as_ref().map(|i| i.0).unwrap_or_default();
        let initiative = &mut goal.initiatives[ii];

        // Criteria, and the actual values beside them (line by line).
        let new_criteria = items(criteria_text);
        let actual_lines = lines(cell(r, col(Col::Actuals)));
        if !actual_lines.is_empty() && actual_lines.len() != new_criteria.len() {
            probs.add(
                r,
                col(Col::Actuals),
                format!(
                    "実績値が{}行、目標達成基準が{}件あります。実績値は目標達成基準と同じ順に1行ずつ書いてください（ない基準は「－」）。",
                    actual_lines.len(),
                    new_criteria.len()
                ),
            );
        }
        let merged_copy = |c: Option<usize>| c.is_some_and(|c| grid.is_merged_copy(r, c));
        for (k, criterion) in new_criteria.iter().enumerate() {
            if merged_copy(col(Col::Criteria)) {
                break;
            }
            if criterion.chars().count() > MAX_CRITERION {
                probs.add(
                    r,
                    col(Col::Criteria),
                    format!("目標達成基準は{MAX_CRITERION}文字以内にしてください。"),
                );
            }
            let actual = actual_lines
                .get(k)
                .and_then(|a| match actual(a, criterion) {
                    Ok(v) => v,
                    Err(m) => {
                        probs.add(r, col(Col::Actuals), m);
                        None
                    }
                });
            initiative.criteria.push(criterion.clone());
            if let Some(res) = initiative.results.as_mut() {
                res.actuals.push(actual);
            }
        }
        if let Some(res) = initiative.results.as_mut() {
            if !merged_copy(col(Col::Performance)) {
                res.performance
                    .extend(items(cell(r, col(Col::Performance))));
            }
            if !merged_copy(col(Col::Outcome)) {
                res.outcome.extend(lines(cell(r, col(Col::Outcome))));
            }
            let status = match col(Col::Status) {
                Some(c) if !grid.cell(r, c).trim().is_empty() => {
                    Some(parse_status(grid.cell(r, c)))
                }
                _ => cell_status,
            };
            match status {
                Some(Ok(s)) => res.status = Some(s),
                Some(Err(word)) => probs.add(
                    r,
                    col(Col::Status).or(init_col),
                    format!(
                        "達成状況「{word}」が読めません。{}のいずれかを書いてください。",
                        status_words()
                    ),
                ),
                None => {}
            }
        }
    }
}

fn department_index(trees: &mut Vec<DepartmentTree>, id: i64, name: &str) -> usize {
    match trees.iter().position(|d| d.department_id == id) {
        Some(i) => i,
        None => {
            trees.push(DepartmentTree {
                department_id: id,
                name: name.to_owned(),
                goals: Vec::new(),
                criteria_given: true,
            });
            trees.len() - 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }
}
