//! Spreadsheets in the official layouts: the target table (組織目標 / 取組内容 / 課等 /
//! 目標達成基準) and the results report (… / 実績 / 成果), one worksheet per department, with
//! pillar-group heading rows, goal cells merged across their initiatives, wrapped text, the
//! header row repeated on every printed page and A4 landscape page setup.

use crate::domain::sheet::{ResultsSheet, TargetSheet};
use crate::domain::status::Status;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

mod plan;
mod sheet_names;
pub use plan::{STRUCTURE_HEADERS, STRUCTURE_SHEET, actuals_workbook, plan_workbook};
pub use sheet_names::sheet_names;

/// The MIME type of .xlsx files.
mod deployment;
pub use deployment::deployment_workbook;

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Column widths (in characters) of the target table and the results report.
const TARGET_WIDTHS: [f64; 4] = [28.0, 42.0, 14.0, 42.0];
const RESULTS_WIDTHS: [f64; 5] = [24.0, 32.0, 12.0, 36.0, 42.0];

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

/// The results reports of `sheets` (one worksheet each).
pub fn results_workbook(title_suffix: &str, sheets: &[ResultsSheet]) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let mut wb = Workbook::new();
    let names = sheet_names(sheets.iter().map(|s| s.department_name.as_str()));
    for (sheet, name) in sheets.iter().zip(names) {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        page_setup(ws, &RESULTS_WIDTHS, 1)?;
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
                let cells: Vec<Vec<String>> = goal
                    .initiatives
                    .iter()
                    .map(|i| {
                        let items: Vec<String> =
                            i.performance.iter().map(|p| format!("・{p}")).collect();
                        vec![
                            format!("{}{}{}", i.number, i.text, status_line(i.status)),
                            i.sections.join("\n"),
                            items.join("\n"),
                            i.outcome.join("\n"),
                        ]
                    })
                    .collect();
                let text = format!("{}{}", goal.text, status_line(goal.status));
                row += write_goal(ws, row, &RESULTS_WIDTHS, &text, &cells, &f)?;
            }
        }
    }
    wb.save_to_buffer()
}

/// What the import template lists for reference: the year's departments with their sections,
/// and the pillars.
pub struct TemplateInfo {
    pub year_label: String,
    pub departments: Vec<(String, Vec<String>)>,
    pub pillars: Vec<(i32, String)>,
}

/// The template's columns: header, what goes in, an example.
pub const TEMPLATE_COLUMNS: &[(&str, &str, &str)] = &[
    (
        "部",
        "部の名前（「一覧」シートのとおり）。空欄なら上の行と同じ部。",
        "総務部",
    ),
    (
        "柱",
        "組織目標が属する柱の番号。複数なら「1,5」。空欄なら上の行と同じ組織目標の柱。",
        "1",
    ),
    (
        "組織目標",
        "部長が定める組織目標。同じ組織目標の取組を続けて書くときは、空欄・同じ文・セル結合のどれでもかまいません。",
        "市民サービスの向上",
    ),
    (
        "番号",
        "取組の番号（①、1 など）。省略可。並び順で番号が付きます。",
        "①",
    ),
    (
        "取組内容",
        "課長が定める取組内容。先頭の「①」などは番号として扱います。",
        "窓口の待ち時間を短縮する",
    ),
    (
        "課等",
        "担当する課等。複数なら改行か「、」で区切ります。",
        "市民課",
    ),
    (
        "目標達成基準",
        "1行に1つ（先頭の「・」は省略可）、または1行に1つずつ行を分けて書きます（取組内容は空欄）。",
        "・平均待ち時間 15分以下",
    ),
    (
        "実績値",
        "年度末の実績値。目標達成基準と同じ順に1行ずつ。数値の基準には数値（全角可、単位可）。ない基準は「－」、対象外は「対象外：理由」。",
        "12分",
    ),
    (
        "実績",
        "取組の実績。1行に1項目。",
        "・呼出システムを導入した",
    ),
    ("成果", "取組の成果。1行に1段落。", "待ち時間が短くなった。"),
    (
        "達成状況",
        "取組の達成状況：達成／一部達成／未達成／着手／未着手。実績値から判定される状況と違うときは、部長の評価として記録されます。",
        "達成",
    ),
    (
        "組織目標の達成状況",
        "組織目標の達成状況（同じ5つの言葉）。",
        "達成",
    ),
];

/// The import template: an empty 取込 sheet with the column headers, a 記入例 sheet, a 説明
/// sheet documenting each column, and an 一覧 sheet with the year's departments, sections and
/// pillars (sheets named 記入例/説明/一覧… are never imported).
pub fn template_workbook(info: &TemplateInfo) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let mut wb = Workbook::new();
    let widths = [
        12.0, 6.0, 30.0, 6.0, 36.0, 14.0, 36.0, 12.0, 30.0, 30.0, 10.0, 10.0,
    ];
    for (name, example) in [("取込", false), ("記入例", true)] {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        page_setup(ws, &widths, 0)?;
        for (c, (h, _, _)) in TEMPLATE_COLUMNS.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &f.header)?;
        }
        ws.set_freeze_panes(1, 0)?;
        if example {
            for (c, (_, _, e)) in TEMPLATE_COLUMNS.iter().enumerate() {
                ws.write_string_with_format(1, c as u16, *e, &f.cell)?;
            }
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("説明")?;
    ws.set_column_width(0, 18.0)?;
    ws.set_column_width(1, 90.0)?;
    ws.write_string_with_format(
        0,
        0,
        format!("{} 組織目標・実績 取り込み用ひな形", info.year_label),
        &f.title,
    )?;
    let notes = [
        "「取込」シート（または同じ列見出しのシート）に1行1取組で書きます。列の順番は変えてもかまいません。",
        "目標だけを取り込むときは、実績値・実績・成果・達成状況の列を空欄のままにします（空欄の実績は変更されません）。",
        "ファイルに含まれる部の組織目標は、ファイルの内容に置き換わります。ファイルにない部は変わりません。",
        "書き出した Excel（公表用の表の形）も、そのまま取り込めます。",
        "取り込む前に確認画面で、追加・変更・削除の件数と問題の箇所（シート・行・列）が表示されます。",
        "ファイルは .xlsx または CSV（UTF-8 / Shift_JIS）、5MB・20,000行までです。マクロ付きのファイルは取り込めません。",
    ];
    for (i, n) in notes.iter().enumerate() {
        ws.write_string(1 + i as u32, 0, format!("・{n}"))?;
    }
    let top = notes.len() as u32 + 2;
    ws.write_string_with_format(top, 0, "列", &f.header)?;
    ws.write_string_with_format(top, 1, "書き方", &f.header)?;
    for (i, (h, d, _)) in TEMPLATE_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(top + 1 + i as u32, 0, *h, &f.goal)?;
        ws.write_string_with_format(top + 1 + i as u32, 1, *d, &f.cell)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("一覧")?;
    ws.set_column_width(0, 16.0)?;
    ws.set_column_width(1, 60.0)?;
    ws.write_string_with_format(0, 0, "部", &f.header)?;
    ws.write_string_with_format(0, 1, "課等", &f.header)?;
    let mut row = 1;
    for (d, sections) in &info.departments {
        ws.write_string_with_format(row, 0, d, &f.cell)?;
        ws.write_string_with_format(row, 1, sections.join("、"), &f.cell)?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, "柱", &f.header)?;
    ws.write_string_with_format(row, 1, "柱の名前", &f.header)?;
    for (n, title) in &info.pillars {
        row += 1;
        ws.write_number_with_format(row, 0, *n as f64, &f.cell)?;
        ws.write_string_with_format(row, 1, title, &f.cell)?;
    }
    wb.save_to_buffer()
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
