//! Understanding the grids of an uploaded spreadsheet as goals, initiatives, criteria and
//! results of departments, the way a person reading the sheet would. Three steps:
//! 1. [`rows::classify`] says what each row is: a column header (found by its words, in any
//!    order, wherever it stands and however often it is repeated), a title naming the
//!    department and perhaps the year, a pillar heading 「(1) …」, a note 「※…」, a page
//!    number, blank, or data;
//! 2. [`tree::SheetReader`] builds each department's goal tree from the data rows under the
//!    current header, department and pillar heading;
//! 3. [`parse`] puts the sheets together and leaves stored results alone where the file has
//!    none.
//!
//! The layouts read this way include the import template (one row per initiative, 部 and 柱
//! columns), the table as exported or printed (one sheet per department, title row, pillar
//! headings spanning the table, goal cells merged over their initiatives), a city's own
//! workbook (several departments on one sheet, the header repeated before every pillar group,
//! a No. column, notes), the results report (実績 / 成果, no criteria) and the deployment table.
//!
//! A goal cell left empty, merged, or repeating a goal of the department continues that goal;
//! an initiative cell likewise continues the initiative (so criteria may be one per row).
//! Numbers (「①」, 「1.」, 「(1)」) before initiatives and bullets (「・」) before criteria are
//! dropped, full-width digits and stray spaces are normalized, and a trailing 「【◎達成】」 (as
//! the results export writes it) is read as the status.

mod header;
mod rows;
mod tree;

use super::spreadsheet::Grid;

pub use crate::domain::upload::{
    Context, DepartmentTree, NewDepartment, NewSection, Parsed, Problem, column_letter,
};

/// Sheets whose names start with these are guidance, never read (the template's 記入例, 説明
/// and 一覧 sheets).
pub const IGNORED_SHEETS: &[&str] = &["記入例", "説明", "一覧"];

/// The most departments and sections one file may create.
const MAX_NEW_DEPARTMENTS: usize = 100;
const MAX_NEW_SECTIONS: usize = 1000;

/// Reads all grids against `ctx`.
pub fn parse(grids: &[Grid], ctx: &Context) -> Parsed {
    let mut p = Parsed::default();
    let mut read_any = false;
    for grid in grids {
        // The template's guidance sheets carry example rows that must not be imported.
        if IGNORED_SHEETS.iter().any(|p| grid.name.starts_with(p)) {
            continue;
        }
        let rows = rows::classify(grid, ctx);
        if !rows.iter().any(|r| matches!(r, rows::Row::Header(_))) {
            continue;
        }
        read_any = true;
        tree::SheetReader::new(grid, ctx, &mut p).read(&rows);
    }
    // A department named only by a sheet or title without any goal is not created.
    let used: Vec<i64> = p.departments.iter().map(|d| d.department_id).collect();
    p.new_departments.retain(|d| used.contains(&d.id));
    if p.new_departments.len() > MAX_NEW_DEPARTMENTS || p.new_sections.len() > MAX_NEW_SECTIONS {
        p.problems.push(Problem {
            sheet: grids.first().map(|g| g.name.clone()).unwrap_or_default(),
            row: None,
            col: None,
            message: format!(
                "この年度の組織にない部が{}、課等が{}あります。一度に作れるのは部{MAX_NEW_DEPARTMENTS}・課等{MAX_NEW_SECTIONS}までです。部・課等の列や表題を確かめてください。",
                p.new_departments.len(),
                p.new_sections.len()
            ),
        });
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
        if i.midyear.as_ref().is_some_and(|m| m.is_empty()) {
            i.midyear = None;
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
