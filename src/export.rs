//! Spreadsheets in the official layouts: the target table (組織目標 / 取組内容 / 課等 /
//! 目標達成基準) and the results report (… / 実績 / 成果), one worksheet per department, with
//! pillar-group heading rows, goal cells merged across their initiatives, wrapped text, the
//! header row repeated on every printed page and A4 landscape page setup.

use crate::domain::sheet::{ResultsSheet, TargetSheet};
use crate::domain::status::Status;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// The MIME type of .xlsx files.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

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

/// Worksheet names are at most 31 characters and cannot hold some punctuation.
fn sheet_name(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect()
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

/// Writes a goal cell (merged down across `rows` rows when it spans several initiatives).
fn goal_cell(
    ws: &mut Worksheet,
    first: u32,
    rows: u32,
    text: &str,
    f: &Format,
) -> Result<(), XlsxError> {
    if rows > 1 {
        ws.merge_range(first, 0, first + rows - 1, 0, text, f)?;
    } else {
        ws.write_string_with_format(first, 0, text, f)?;
    }
    Ok(())
}

/// The target tables of `sheets` (one worksheet each).
pub fn targets_workbook(title_suffix: &str, sheets: &[TargetSheet]) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let mut wb = Workbook::new();
    for sheet in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&sheet.department_name))?;
        page_setup(ws, &[28.0, 42.0, 14.0, 42.0], 1)?;
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
                let n = goal.initiatives.len().max(1) as u32;
                goal_cell(ws, row, n, &goal.text, &f.goal)?;
                if goal.initiatives.is_empty() {
                    for c in 1..4 {
                        ws.write_string_with_format(row, c, "", &f.cell)?;
                    }
                }
                for (k, i) in goal.initiatives.iter().enumerate() {
                    let r = row + k as u32;
                    ws.write_string_with_format(r, 1, format!("{}{}", i.number, i.text), &f.cell)?;
                    ws.write_string_with_format(r, 2, i.sections.join("\n"), &f.cell)?;
                    let criteria: Vec<String> =
                        i.criteria.iter().map(|c| format!("・{c}")).collect();
                    ws.write_string_with_format(r, 3, criteria.join("\n"), &f.cell)?;
                }
                row += n;
            }
        }
    }
    wb.save_to_buffer()
}

/// The results reports of `sheets` (one worksheet each).
pub fn results_workbook(title_suffix: &str, sheets: &[ResultsSheet]) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let mut wb = Workbook::new();
    for sheet in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&sheet.department_name))?;
        page_setup(ws, &[24.0, 32.0, 12.0, 36.0, 42.0], 1)?;
        ws.write_string_with_format(
            0,
            0,
            format!("{} {title_suffix}", sheet.department_name),
            &f.title,
        )?;
        for (c, h) in ["組織目標", "取組内容", "課等", "実績", "成果"]
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
            ws.merge_range(row, 0, row, 4, &heading.join("\n"), &f.heading)?;
            ws.set_row_height(row, 16.0 * heading.len().max(1) as f64)?;
            row += 1;
            for goal in &group.goals {
                let n = goal.initiatives.len().max(1) as u32;
                goal_cell(
                    ws,
                    row,
                    n,
                    &format!("{}{}", goal.text, status_line(goal.status)),
                    &f.goal,
                )?;
                for (k, i) in goal.initiatives.iter().enumerate() {
                    let r = row + k as u32;
                    ws.write_string_with_format(
                        r,
                        1,
                        format!("{}{}{}", i.number, i.text, status_line(i.status)),
                        &f.cell,
                    )?;
                    ws.write_string_with_format(r, 2, i.sections.join("\n"), &f.cell)?;
                    let items: Vec<String> =
                        i.performance.iter().map(|p| format!("・{p}")).collect();
                    ws.write_string_with_format(r, 3, items.join("\n"), &f.cell)?;
                    ws.write_string_with_format(r, 4, i.outcome.join("\n"), &f.cell)?;
                }
                row += n;
            }
        }
    }
    wb.save_to_buffer()
}
