//! Building departments' goal trees from the classified rows of one sheet.

mod fields;

use super::super::cells::{
    items, one_line, parse_status, pillar_numbers, squash, status_words, strip_number, strip_status,
};
use super::header::{Col, Header};
use super::rows::{Named, Row, sheet_department};
use super::{Context, DepartmentTree, NewDepartment, Parsed, Problem};
use crate::domain::document::{GoalDoc, InitiativeDoc, InitiativeMidyearDoc, InitiativeResultsDoc};
use crate::import::spreadsheet::Grid;

/// Limits as the editing forms state them.
const MAX_GOAL: usize = 400;
const MAX_INITIATIVE: usize = 400;
const MAX_CRITERION: usize = 300;
/// Longest name of a department or section (as the organization page takes).
const MAX_UNIT_NAME: usize = 50;

/// Reads one sheet into `out`.
pub(super) struct SheetReader<'a> {
    grid: &'a Grid,
    ctx: &'a Context,
    out: &'a mut Parsed,
    header: Option<Header>,
    /// The department rows belong to when the table has no 部 column (sheet name or title).
    titled: Option<(i64, String)>,
    /// The department of the current row.
    department: Option<(i64, String)>,
    told_no_department: bool,
    heading: Option<Vec<i32>>,
    /// The goal and initiative being filled (indexes into the department's tree).
    goal: Option<usize>,
    initiative: Option<usize>,
}

impl<'a> SheetReader<'a> {
    pub fn new(grid: &'a Grid, ctx: &'a Context, out: &'a mut Parsed) -> Self {
        let mut reader = Self {
            grid,
            ctx,
            out,
            header: None,
            titled: None,
            department: None,
            told_no_department: false,
            heading: None,
            goal: None,
            initiative: None,
        };
        reader.titled = sheet_department(&grid.name, ctx).and_then(|n| reader.resolve(n, 0, None));
        reader
    }

    fn problem(&mut self, r: usize, col: Option<usize>, message: String) {
        self.out.problems.push(Problem {
            sheet: self.grid.name.clone(),
            row: Some(r + 1),
            col,
            message,
        });
    }

    fn cell(&self, r: usize, c: Option<usize>) -> &'a str {
        c.map(|c| self.grid.cell(r, c)).unwrap_or("")
    }

    fn col(&self, c: Col) -> Option<usize> {
        self.header.as_ref().and_then(|h| h.col(c))
    }

    /// The department a name means, or None (with a problem) when the uploader may not
    /// import into it. New departments get a provisional id below zero.
    fn resolve(&mut self, named: Named, r: usize, col: Option<usize>) -> Option<(i64, String)> {
        match named {
            Named::Known(id, name) if self.ctx.may_import(id) => Some((id, name)),
            Named::Known(_, name) => {
                self.problem(r, col, format!("{name}の目標を取り込む権限がありません（部長が取り込めるのは自分の部だけです）。"));
                None
            }
            Named::New(name) => {
                let news = &mut self.out.new_departments;
                let id = match news.iter().find(|d| squash(&d.name) == squash(&name)) {
                    Some(d) => d.id,
                    None => {
                        let id = -(news.len() as i64) - 1;
                        news.push(NewDepartment {
                            id,
                            name: name.clone(),
                        });
                        id
                    }
                };
                Some((id, name))
            }
        }
    }

    fn reset(&mut self) {
        self.goal = None;
        self.initiative = None;
    }

    pub fn read(mut self, rows: &[Row]) {
        for (r, row) in rows.iter().enumerate() {
            match row {
                Row::Blank | Row::Note => {}
                Row::Header(h) => {
                    let has_results = h.has_results();
                    self.out.has_results |= has_results;
                    self.out.has_midyear |= h.has_midyear();
                    if h.col(Col::Actuals).is_some() && h.col(Col::Criteria).is_none() {
                        self.header = None;
                        self.problem(r, h.col(Col::Actuals), "実績値の列は、目標達成基準の列と一緒に使ってください（どの基準の実績値か分からないため）。".to_owned());
                        continue;
                    }
                    // A header repeated after a page break continues the table.
                    self.header = Some(h.clone());
                }
                Row::Title {
                    department,
                    year,
                    text,
                } => self.title(r, department.clone(), *year, text),
                Row::Pillars(ns) => self.pillars(r, ns),
                Row::Data if self.header.is_some() => self.data(r),
                Row::Data => {}
            }
        }
    }

    fn title(&mut self, r: usize, department: Option<Named>, year: Option<i32>, text: &str) {
        if let (Some(y), Some(want)) = (year, self.ctx.year)
            && y != want
            && let Some(eras) = &self.ctx.eras
        {
            self.out.notices.push(Problem {
                sheet: self.grid.name.clone(),
                row: Some(r + 1),
                col: None,
                message: format!(
                    "表題「{text}」は{}のものですが、取り込み先は{}です。年度が正しいか確かめてください。",
                    eras.fiscal_year_label(y),
                    eras.fiscal_year_label(want)
                ),
            });
        }
        if let Some(named) = department {
            self.titled = self.resolve(named, r, Some(0));
            self.told_no_department = self.titled.is_none();
            self.heading = None;
            self.reset();
        }
    }

    fn pillars(&mut self, r: usize, numbers: &[i32]) {
        if self.col(Col::Pillar).is_some() {
            return;
        }
        for n in numbers {
            if !self.ctx.pillars.contains(n) {
                self.problem(
                    r,
                    Some(0),
                    format!("柱({n})はこの年度の行政経営方針にありません。"),
                );
            }
        }
        // The same heading again (after a page break) continues the goal above.
        if self.heading.as_deref() != Some(numbers) {
            self.reset();
        }
        self.heading = Some(numbers.to_vec());
    }

    /// The department of data row `r`, from the 部 column or the sheet's title/name.
    fn row_department(&mut self, r: usize) -> Option<(i64, String)> {
        let Some(c) = self.col(Col::Department) else {
            if self.titled.is_none() && !self.told_no_department {
                self.told_no_department = true;
                let example = self
                    .ctx
                    .departments
                    .first()
                    .map(|d| d.1.as_str())
                    .unwrap_or("総務部")
                    .to_owned();
                self.problem(r, None, format!(
                    "この表がどの部のものか分かりません。表の上に部の名前の行（例：「{example} 令和8年度組織目標」）を置くか、シート名を部の名前にするか、「部」の列を設けてください。"
                ));
            }
            return self.titled.clone();
        };
        let text = self.grid.cell(r, c).trim();
        if text.is_empty() {
            if self.department.is_none() {
                self.problem(r, Some(c), "部が入力されていません。".to_owned());
            }
            return self.department.clone();
        }
        let named = self
            .ctx
            .departments
            .iter()
            .find(|(_, n)| squash(n) == squash(text))
            .map(|(id, n)| Named::Known(*id, n.clone()))
            .or_else(|| {
                self.ctx
                    .create_units
                    .then(|| Named::New(text.split_whitespace().collect()))
            });
        match named {
            Some(Named::New(n)) if n.chars().count() > MAX_UNIT_NAME => {
                self.problem(
                    r,
                    Some(c),
                    format!("部「{n}」は{MAX_UNIT_NAME}文字以内の名前にしてください。"),
                );
                None
            }
            Some(n) => self.resolve(n, r, Some(c)),
            None => {
                self.problem(
                    r,
                    Some(c),
                    format!(
                        "部「{text}」はこの年度の組織にありません。{}",
                        self.ctx.ask_planning()
                    ),
                );
                None
            }
        }
    }

    fn data(&mut self, r: usize) {
        let department = self.row_department(r);
        if department.as_ref().map(|d| d.0) != self.department.as_ref().map(|d| d.0) {
            self.reset();
        }
        self.department = department.clone();
        let Some((id, name)) = department else {
            return;
        };
        let dept = department_index(&mut self.out.departments, id, &name);
        if self.col(Col::Criteria).is_none() {
            self.out.departments[dept].criteria_given = false;
        }
        let Some(pillars) = self.row_pillars(r) else {
            return;
        };
        let Some(gi) = self.goal_of_row(r, dept, pillars) else {
            return;
        };
        let Some(ii) = self.initiative_of_row(r, dept, gi) else {
            return;
        };
        self.criteria_and_results(r, dept, gi, ii);
    }

    /// The pillars of a row: its 柱 cell, the goal above's, or the heading's; `Some(None)`
    /// when none is given (only a problem if a new goal starts here).
    fn row_pillars(&mut self, r: usize) -> Option<Option<Vec<i32>>> {
        if self.ctx.pillars.is_empty() {
            return Some(Some(Vec::new()));
        }
        let Some(c) = self.col(Col::Pillar) else {
            return Some(self.heading.clone());
        };
        let text = self.grid.cell(r, c);
        if text.trim().is_empty() {
            return Some(None);
        }
        match pillar_numbers(text) {
            Some(ns) => {
                for n in &ns {
                    if !self.ctx.pillars.contains(n) {
                        self.problem(
                            r,
                            Some(c),
                            format!("柱({n})はこの年度の行政経営方針にありません。"),
                        );
                    }
                }
                Some(Some(ns))
            }
            None => {
                self.problem(
                    r,
                    Some(c),
                    format!(
                        "柱「{}」が読めません。柱の番号を「1」や「1,5」のように書いてください。",
                        text.trim()
                    ),
                );
                None
            }
        }
    }

    /// The goal row `r` belongs to: the one above continued (goal cell empty or merged), the
    /// same text again (a goal continued after a page break), or a new one.
    fn goal_of_row(&mut self, r: usize, dept: usize, pillars: Option<Vec<i32>>) -> Option<usize> {
        let goal_col = self.col(Col::Goal);
        let (text, cell_status) = strip_status(self.cell(r, goal_col));
        let text = one_line(&text);
        let status = match self.col(Col::GoalStatus) {
            Some(c) if !self.grid.cell(r, c).trim().is_empty() => {
                Some(parse_status(self.grid.cell(r, c)))
            }
            _ => cell_status,
        };
        let goals = &self.out.departments[dept].goals;
        let same_pillars = |g: &GoalDoc| pillars.as_ref().is_none_or(|p| *p == g.pillars);
        let found = if text.is_empty() {
            self.goal
        } else {
            goals
                .iter()
                .rposition(|g| g.text == text && same_pillars(g))
        };
        let gi = match found {
            Some(gi) => {
                if Some(gi) != self.goal {
                    self.initiative = None;
                }
                gi
            }
            None => self.new_goal(r, dept, text, pillars)?,
        };
        self.goal = Some(gi);
        match status {
            Some(Ok(s)) => self.out.departments[dept].goals[gi].status = Some(s),
            Some(Err(word)) => {
                let c = self.col(Col::GoalStatus).or(goal_col);
                self.problem(
                    r,
                    c,
                    format!(
                        "達成状況「{word}」が読めません。{}のいずれかを書いてください。",
                        status_words()
                    ),
                );
            }
            None => {}
        }
        Some(gi)
    }

    fn new_goal(
        &mut self,
        r: usize,
        dept: usize,
        text: String,
        pillars: Option<Vec<i32>>,
    ) -> Option<usize> {
        let goal_col = self.col(Col::Goal);
        if text.is_empty() {
            let what = if self
                .col(Col::Initiative)
                .is_some_and(|c| !self.grid.cell(r, c).trim().is_empty())
            {
                "この取組内容の組織目標が分かりません。組織目標の列に目標を書いてください（上の行の目標の続きなら、その目標と同じ表の中に置いてください）。"
            } else {
                "組織目標が入力されていません。"
            };
            self.problem(r, goal_col, what.to_owned());
            return None;
        }
        if text.chars().count() > MAX_GOAL {
            self.problem(
                r,
                goal_col,
                format!("組織目標は{MAX_GOAL}文字以内にしてください。"),
            );
        }
        let Some(pillars) = pillars.or_else(|| {
            self.goal
                .map(|g| self.out.departments[dept].goals[g].pillars.clone())
        }) else {
            let c = self.col(Col::Pillar).or(goal_col);
            self.problem(r, c, "柱が分かりません。表の上か目標の前に「(1) …」のような柱の見出し行を置くか、「柱」の列に番号を書いてください。".to_owned());
            return None;
        };
        let category = self.category(r);
        let goals = &mut self.out.departments[dept].goals;
        goals.push(GoalDoc {
            pillars,
            text,
            note: None,
            initiatives: Vec::new(),
            status: None,
            status_label: None,
            category,
        });
        self.initiative = None;
        Some(goals.len() - 1)
    }

    /// The initiative row `r` fills: the one above continued, the same text again, a new one,
    /// or None (a goal-only row).
    fn initiative_of_row(&mut self, r: usize, dept: usize, gi: usize) -> Option<usize> {
        let header = self.header.clone()?;
        let init_col = header.col(Col::Initiative);
        let (raw, _) = strip_status(self.cell(r, init_col));
        let text = if header.methods {
            // Methods are a list: one line per bullet, bullets dropped.
            items(&raw).join("\n")
        } else {
            one_line(strip_number(&raw).1)
        };
        let goal = &self.out.departments[dept].goals[gi];
        let found = if text.is_empty() {
            self.initiative
        } else {
            goal.initiatives.iter().rposition(|i| i.text == text)
        };
        if let Some(ii) = found {
            self.initiative = Some(ii);
            return Some(ii);
        }
        if text.is_empty() {
            let filled = |c: Col| !self.cell(r, header.col(c)).trim().is_empty();
            if filled(Col::Criteria)
                || filled(Col::Sections)
                || filled(Col::Performance)
                || filled(Col::Outcome)
            {
                self.problem(r, init_col, "取組内容が入力されていません。".to_owned());
            }
            return None;
        }
        if text.chars().count() > MAX_INITIATIVE {
            self.problem(
                r,
                init_col,
                format!("取組内容は{MAX_INITIATIVE}文字以内にしてください。"),
            );
        }
        let sections = self.sections(r, dept);
        let deadline = self.deadline(r);
        let has_results = header.has_results();
        let has_midyear = header.has_midyear();
        let goal = &mut self.out.departments[dept].goals[gi];
        goal.initiatives.push(InitiativeDoc {
            text,
            sections,
            criteria: Vec::new(),
            note: None,
            results: has_results.then(InitiativeResultsDoc::default),
            deadline,
            midyear: has_midyear.then(InitiativeMidyearDoc::default),
        });
        self.initiative = Some(goal.initiatives.len() - 1);
        self.initiative
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
