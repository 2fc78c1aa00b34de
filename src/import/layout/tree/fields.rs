//! The cells of a data row beyond its goal and initiative: the goal's category, the
//! initiative's sections and deadline, its criteria, and the results columns.

use super::{MAX_CRITERION, MAX_UNIT_NAME, SheetReader};
use crate::import::cells::{
    actual, items, lines, parse_status, section_names, squash, status_words, strip_status,
};
use crate::import::layout::NewSection;
use crate::import::layout::header::Col;

impl SheetReader<'_> {
    pub(super) fn category(&mut self, r: usize) -> Option<String> {
        let c = self.col(Col::Category)?;
        let raw = self.grid.cell(r, c);
        if raw.trim().is_empty() {
            return None;
        }
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if !self.ctx.categories.contains(&name) {
            let list = self.ctx.categories.join("・");
            self.problem(
                r,
                Some(c),
                format!("分類「{name}」は市の分類の一覧（{list}）にありません。"),
            );
        }
        Some(name)
    }

    /// The sections of a new initiative, as the year names them; sections the year lacks are
    /// problems, or new sections of the row's department for planning staff.
    pub(super) fn sections(&mut self, r: usize, dept: usize) -> Vec<String> {
        let c = self.col(Col::Sections);
        let raw = self.cell(r, c);
        if self.ctx.deployment && squash(raw) == "共通" {
            return Vec::new();
        }
        let names = section_names(raw);
        if names.is_empty() {
            let at = c.or(self.col(Col::Initiative));
            self.problem(r, at, "課等が入力されていません。".to_owned());
        }
        let mut out = Vec::with_capacity(names.len());
        for s in names {
            if let Some(known) = self.ctx.sections.iter().find(|k| squash(k) == s) {
                out.push(known.clone());
                continue;
            }
            if self.ctx.create_units && s.chars().count() > MAX_UNIT_NAME {
                self.problem(r, c, format!("課等「{s}」は{MAX_UNIT_NAME}文字以内の名前にしてください（課等の列には課の名前だけを書きます）。"));
            } else if self.ctx.create_units {
                let d = &self.out.departments[dept];
                if !self.out.new_sections.iter().any(|n| n.name == s) {
                    self.out.new_sections.push(NewSection {
                        department_id: d.department_id,
                        department: d.name.clone(),
                        name: s.clone(),
                    });
                }
            } else {
                self.problem(
                    r,
                    c,
                    format!(
                        "課等「{s}」はこの年度の組織にありません。{}",
                        self.ctx.ask_planning()
                    ),
                );
            }
            out.push(s);
        }
        out
    }

    pub(super) fn deadline(&mut self, r: usize) -> Option<String> {
        let c = self.col(Col::Deadline)?;
        let raw = self.grid.cell(r, c);
        if raw.trim().is_empty() {
            return None;
        }
        let d = crate::domain::deadline::parse_deadline(raw);
        if d.is_none() {
            self.problem(
                r,
                Some(c),
                format!(
                    "いつまで「{}」が読めません。{}",
                    raw.trim(),
                    crate::domain::deadline::DEADLINE_HELP
                ),
            );
        }
        d
    }

    /// Criteria, the actual values beside them (line by line), 実績, 成果 and the status.
    pub(super) fn criteria_and_results(&mut self, r: usize, dept: usize, gi: usize, ii: usize) {
        let grid = self.grid;
        let (criteria_col, actuals_col) = (self.col(Col::Criteria), self.col(Col::Actuals));
        let merged_copy = |c: Option<usize>| c.is_some_and(|c| grid.is_merged_copy(r, c));
        let new_criteria = if merged_copy(criteria_col) {
            Vec::new()
        } else {
            items(self.cell(r, criteria_col))
        };
        let actual_lines = lines(self.cell(r, actuals_col));
        if !actual_lines.is_empty() && actual_lines.len() != new_criteria.len() {
            self.problem(r, actuals_col, format!(
                "実績値が{}行、目標達成基準が{}件あります。実績値は目標達成基準と同じ順に1行ずつ書いてください（ない基準は「－」）。",
                actual_lines.len(),
                new_criteria.len()
            ));
        }
        let mut problems = Vec::new();
        {
            let initiative = &mut self.out.departments[dept].goals[gi].initiatives[ii];
            for (k, criterion) in new_criteria.iter().enumerate() {
                // The same criterion again (a row repeated after a page break) is not a second one.
                if initiative.criteria.contains(criterion) {
                    continue;
                }
                if criterion.chars().count() > MAX_CRITERION {
                    problems.push((
                        criteria_col,
                        format!("目標達成基準は{MAX_CRITERION}文字以内にしてください。"),
                    ));
                }
                let value = actual_lines
                    .get(k)
                    .and_then(|a| match actual(a, criterion) {
                        Ok(v) => v,
                        Err(m) => {
                            problems.push((actuals_col, m));
                            None
                        }
                    });
                initiative.criteria.push(criterion.clone());
                if let Some(res) = initiative.results.as_mut() {
                    res.actuals.push(value);
                }
            }
        }
        for (c, m) in problems {
            self.problem(r, c, m);
        }
        self.results(r, dept, gi, ii);
        self.midyear(r, dept, gi, ii);
    }

    /// The mid-year columns of a row: 上半期の取組状況 items, the progress word, 下期に向けた
    /// 課題・対応 paragraphs (a row continuing an initiative adds to them).
    pub(super) fn midyear(&mut self, r: usize, dept: usize, gi: usize, ii: usize) {
        let grid = self.grid;
        let merged_copy = |c: Option<usize>| c.is_some_and(|c| grid.is_merged_copy(r, c));
        let (perf_col, progress_col, issues_col) = (
            self.col(Col::MidPerformance),
            self.col(Col::Progress),
            self.col(Col::MidIssues),
        );
        let performance = if merged_copy(perf_col) {
            Vec::new()
        } else {
            items(self.cell(r, perf_col))
        };
        let issues = if merged_copy(issues_col) {
            Vec::new()
        } else {
            lines(self.cell(r, issues_col))
        };
        let progress = squash(self.cell(r, progress_col));
        if progress.chars().count() > 20 {
            let message =
                "進捗状況は20文字以内の言葉（順調・おおむね順調・遅れ など）で書いてください。";
            self.problem(r, progress_col, message.to_owned());
        }
        let initiative = &mut self.out.departments[dept].goals[gi].initiatives[ii];
        let Some(m) = initiative.midyear.as_mut() else {
            return;
        };
        for p in performance {
            if !m.performance.contains(&p) {
                m.performance.push(p);
            }
        }
        for p in issues {
            if !m.issues.contains(&p) {
                m.issues.push(p);
            }
        }
        if !progress.is_empty() && progress.chars().count() <= 20 {
            m.progress = Some(progress);
        }
    }

    pub(super) fn results(&mut self, r: usize, dept: usize, gi: usize, ii: usize) {
        let grid = self.grid;
        let merged_copy = |c: Option<usize>| c.is_some_and(|c| grid.is_merged_copy(r, c));
        let (perf_col, outcome_col, status_col) = (
            self.col(Col::Performance),
            self.col(Col::Outcome),
            self.col(Col::Status),
        );
        let init_col = self.col(Col::Initiative);
        let performance = if merged_copy(perf_col) {
            Vec::new()
        } else {
            items(self.cell(r, perf_col))
        };
        let outcome = if merged_copy(outcome_col) {
            Vec::new()
        } else {
            lines(self.cell(r, outcome_col))
        };
        let status = match status_col {
            Some(c) if !grid.cell(r, c).trim().is_empty() => Some(parse_status(grid.cell(r, c))),
            _ => strip_status(self.cell(r, init_col)).1,
        };
        let initiative = &mut self.out.departments[dept].goals[gi].initiatives[ii];
        let Some(res) = initiative.results.as_mut() else {
            return;
        };
        for p in performance {
            if !res.performance.contains(&p) {
                res.performance.push(p);
            }
        }
        for o in outcome {
            if !res.outcome.contains(&o) {
                res.outcome.push(o);
            }
        }
        match status {
            Some(Ok(s)) => res.status = Some(s),
            Some(Err(word)) => {
                let c = status_col.or(init_col);
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
    }
}
