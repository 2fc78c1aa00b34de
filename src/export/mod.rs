//! Spreadsheets in the official layouts: the target table (組織目標 / 取組内容 / 課等 /
//! 目標達成基準) and the results report (… / 実績 / 成果), one worksheet per department, with
//! pillar-group heading rows, goal cells merged across their initiatives, wrapped text, the
//! header row repeated on every printed page and A4 landscape page setup.

use crate::domain::sheet::{ResultsSheet, TargetSheet};
use crate::domain::status::Status;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

mod plan;
mod sheet_names;
mod template;
pub use plan::{STRUCTURE_HEADERS, STRUCTURE_SHEET, actuals_workbook, plan_workbook};
pub use sheet_names::sheet_names;
pub use template::{TEMPLATE_COLUMNS, TemplateInfo, template_workbook};

/// The MIME type of .xlsx files.
mod deployment;
pub use deployment::deployment_workbook;

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Column widths (in characters) of the target table and the results report.
const TARGET_WIDTHS: [f64; 4] = [28.0, 42.0, 14.0, 42.0];
const RESULTS_WIDTHS: [f64; 5] = [24.0, 32.0, 12.0, 36.0, 42.0];
const MIDYEAR_WIDTHS: [f64; 6] = [22.0, 30.0, 12.0, 34.0, 10.0, 36.0];

/// A4 in Excel's paper-size numbering.
const A4: u8 = 9;

struct Formats {
    title: Format,
    heading: Format,
    header: Format,
    cell: Format,
    goal: Format,
}

fn formats() -> Formats {
    let cell = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    Formats {
        title: Format::new().set_bold().set_font_size(14),
        heading: Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter),
        header: Format::new()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_border(FormatBorder::Thin)
            .set_background_color("#E8EEF5"),
        goal: cell.clone().set_bold(),
        cell,
    }
}

fn page_setup(ws: &mut Worksheet, widths: &[f64], header_row: u32) -> Result<(), XlsxError> {
    ws.set_landscape()
        .set_paper_size(A4)
        .set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(header_row, header_row)?;
    for (i, w) in widths.iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
    }
    Ok(())
}

fn status_line(status: Option<Status>) -> String {
    status
        .map(|s| format!("\n【{}{}】", s.symbol(), s.label()))
        .unwrap_or_default()
}

/// Points per printed line of 11-point text (CJK glyphs need a little more than Latin).
const LINE_HEIGHT: f64 = 16.0;

/// How many lines `text` takes in a column `width` characters wide: a full-width (CJK)
/// character takes about two character widths, ASCII one.
fn line_count(text: &str, width: f64) -> usize {
    let usable = (width - 1.0).max(1.0);
    text.split('\n')
        .map(|line| {
            let w: f64 = line
                .chars()
                .map(|c| if c.is_ascii() { 1.1 } else { 2.0 })
                .sum();
            ((w / usable).ceil() as usize).max(1)
        })
        .sum()
}

/// Writes one goal: its cell in column A (merged down across its initiatives) and one row per
/// initiative with `cells` in columns B…; sets each row's height so wrapped text shows whole
/// (spreadsheet programs do not grow rows written by a library), the last row taking whatever
/// the goal cell needs beyond its initiatives. Returns the number of rows written.
fn write_goal(
    ws: &mut Worksheet,
    first: u32,
    widths: &[f64],
    goal: &str,
    initiatives: &[Vec<String>],
    f: &Formats,
) -> Result<u32, XlsxError> {
    let n = initiatives.len().max(1) as u32;
    if n > 1 {
        ws.merge_range(first, 0, first + n - 1, 0, goal, &f.goal)?;
    } else {
        ws.write_string_with_format(first, 0, goal, &f.goal)?;
    }
    let empty = vec![String::new(); widths.len() - 1];
    let rows: Vec<&Vec<String>> = if initiatives.is_empty() {
        vec![&empty]
    } else {
        initiatives.iter().collect()
    };
    let mut heights: Vec<f64> = rows
        .iter()
        .map(|cells| {
            let lines = cells
                .iter()
                .zip(&widths[1..])
                .map(|(text, w)| line_count(text, *w))
                .max()
                .unwrap_or(1);
            LINE_HEIGHT * lines as f64 + 4.0
        })
        .collect();
    let goal_height = LINE_HEIGHT * line_count(goal, widths[0]) as f64 + 4.0;
    let total: f64 = heights.iter().sum();
    if goal_height > total
        && let Some(last) = heights.last_mut()
    {
        *last += goal_height - total;
    }
    for (k, (cells, height)) in rows.iter().zip(&heights).enumerate() {
        let r = first + k as u32;
        for (c, text) in cells.iter().enumerate() {
            ws.write_string_with_format(r, c as u16 + 1, text, &f.cell)?;
        }
        ws.set_row_height(r, *height)?;
    }
    Ok(n)
}

/// The target tables of `sheets` (one worksheet each).
pub fn targets_workbook(title_suffix: &str, sheets: &[TargetSheet]) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let mut wb = Workbook::new();
    let names = sheet_names(sheets.iter().map(|s| s.department_name.as_str()));
    for (sheet, name) in sheets.iter().zip(names) {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        page_setup(ws, &TARGET_WIDTHS, 1)?;
        ws.write_string_with_format(
            0,
            0,
            format!("{} {title_suffix}", sheet.department_name),
            &f.title,
        )?;
        for (c, h) in ["組織目標", "取組内容", "課等", "目標達成基準"]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(1, c as u16, *h, &f.header)?;
        }
        let mut row = 2;
        for group in &sheet.groups {
            let heading: Vec<String> = group
                .pillars
                .iter()
                .map(|p| format!("({}) {}", p.number, p.title))
                .collect();
            ws.merge_range(row, 0, row, 3, &heading.join("\n"), &f.heading)?;
            ws.set_row_height(row, 16.0 * heading.len().max(1) as f64)?;
            row += 1;
            for goal in &group.goals {
                let cells: Vec<Vec<String>> = goal
                    .initiatives
                    .iter()
                    .map(|i| {
                        let criteria: Vec<String> =
                            i.criteria.iter().map(|c| format!("・{c}")).collect();
                        vec![
                            format!("{}{}", i.number, i.text),
                            i.sections.join("\n"),
                            criteria.join("\n"),
                        ]
                    })
                    .collect();
                row += write_goal(ws, row, &TARGET_WIDTHS, &goal.text, &cells, &f)?;
            }
        }
    }
    wb.save_to_buffer()
}

/// One table of a report: its pillar heading lines and its goals, each with its text and one
/// row of cells per initiative.
type ReportGroup = (Vec<String>, Vec<(String, Vec<Vec<String>>)>);

/// A report workbook: per department (name, groups) one worksheet with the title, the column
/// headers and each group under its merged pillar heading.
fn report_workbook(
    title_suffix: &str,
    headers: &[&str],
    widths: &[f64],
    departments: Vec<(&str, Vec<ReportGroup>)>,
) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let mut wb = Workbook::new();
    let names = sheet_names(departments.iter().map(|(n, _)| *n));
    let last = headers.len() as u16 - 1;
    for ((department, groups), name) in departments.iter().zip(names) {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        page_setup(ws, widths, 1)?;
        ws.write_string_with_format(0, 0, format!("{department} {title_suffix}"), &f.title)?;
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(1, c as u16, *h, &f.header)?;
        }
        let mut row = 2;
        for (heading, goals) in groups {
            ws.merge_range(row, 0, row, last, &heading.join("\n"), &f.heading)?;
            ws.set_row_height(row, 16.0 * heading.len().max(1) as f64)?;
            row += 1;
            for (text, cells) in goals {
                row += write_goal(ws, row, widths, text, cells, &f)?;
            }
        }
    }
    wb.save_to_buffer()
}

fn heading(pillars: &[crate::domain::sheet::PillarHeading]) -> Vec<String> {
    pillars
        .iter()
        .map(|p| format!("({}) {}", p.number, p.title))
        .collect()
}

fn bulleted(items: &[String]) -> String {
    items
        .iter()
        .map(|p| format!("・{p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A sheet's groups as report tables: each goal's text and its initiatives' cells by `goal`.
fn report_groups<'a, G: 'a>(
    groups: impl Iterator<Item = (&'a [crate::domain::sheet::PillarHeading], &'a [G])>,
    goal: impl Fn(&G) -> (String, Vec<Vec<String>>),
) -> Vec<ReportGroup> {
    groups
        .map(|(pillars, goals)| (heading(pillars), goals.iter().map(&goal).collect()))
        .collect()
}

/// The results reports of `sheets` (one worksheet each).
pub fn results_workbook(title_suffix: &str, sheets: &[ResultsSheet]) -> Result<Vec<u8>, XlsxError> {
    let goal = |goal: &crate::domain::sheet::ResultsGoal| {
        let cells = goal
            .initiatives
            .iter()
            .map(|i| {
                vec![
                    format!("{}{}{}", i.number, i.text, status_line(i.status)),
                    i.sections.join("\n"),
                    bulleted(&i.performance),
                    i.outcome.join("\n"),
                ]
            })
            .collect();
        (format!("{}{}", goal.text, status_line(goal.status)), cells)
    };
    let departments = sheets
        .iter()
        .map(|s| {
            let groups = s
                .groups
                .iter()
                .map(|g| (g.pillars.as_slice(), g.goals.as_slice()));
            (s.department_name.as_str(), report_groups(groups, goal))
        })
        .collect();
    let headers = ["組織目標", "取組内容", "課等", "実績", "成果"];
    report_workbook(title_suffix, &headers, &RESULTS_WIDTHS, departments)
}

/// The mid-year reports of `sheets` (one worksheet each), in the columns the import reads
/// back: 上半期の取組状況, 進捗状況, 下期に向けた課題・対応.
pub fn midyear_workbook(
    title_suffix: &str,
    sheets: &[crate::domain::midyear::MidyearSheet],
) -> Result<Vec<u8>, XlsxError> {
    let goal = |goal: &crate::domain::midyear::MidyearGoal| {
        let cells = goal
            .initiatives
            .iter()
            .map(|i| {
                vec![
                    format!("{}{}", i.number, i.text),
                    i.sections.join("\n"),
                    bulleted(&i.performance),
                    i.progress.clone().unwrap_or_default(),
                    i.issues.join("\n"),
                ]
            })
            .collect();
        (goal.text.clone(), cells)
    };
    let departments = sheets
        .iter()
        .map(|s| {
            let groups = s
                .groups
                .iter()
                .map(|g| (g.pillars.as_slice(), g.goals.as_slice()));
            (s.department_name.as_str(), report_groups(groups, goal))
        })
        .collect();
    let headers = [
        "組織目標",
        "取組内容",
        "課等",
        "上半期の取組状況",
        "進捗状況",
        "下期に向けた課題・対応",
    ];
    report_workbook(title_suffix, &headers, &MIDYEAR_WIDTHS, departments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_count_full_width_characters_double() {
        assert_eq!(line_count("", 10.0), 1);
        assert_eq!(line_count("abc", 10.0), 1);
        // Ten CJK characters need 20 widths: three lines of a 10-wide column (9 usable).
        assert_eq!(line_count("あいうえおかきくけこ", 10.0), 3);
        assert_eq!(line_count("・一\n・二", 10.0), 2);
    }
}
