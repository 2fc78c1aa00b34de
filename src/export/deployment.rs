//! The deployment table (組織目標展開整理表) as a workbook: one worksheet per department,
//! one row per initiative (an item without one still gets its row).

use super::{Formats, LINE_HEIGHT, formats, line_count, page_setup, sheet_names};
use crate::domain::sheet::{GoalView, InitiativeView, SheetHeader, TargetSheet};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

/// Column widths of the deployment table (番号 … 共通/課名).
const DEPLOYMENT_WIDTHS: [f64; 7] = [5.0, 22.0, 10.0, 38.0, 40.0, 8.0, 12.0];

const HEADERS: [&str; 7] = [
    "番号",
    "実施項目\n（業務目標又は事務の内容）",
    "計画・方針等の分類",
    "どの水準まで\n（達成水準又は遂行後の状態等）",
    "どのような方法で\n（目標等を達成するための取組の内容等）",
    "いつまで\n（期限）",
    "共通/課名",
];

/// The deployment tables of `sheets`, one worksheet each: title, the header line (作成日・職名・
/// 氏名, with the date already in 和暦), then one row per item.
pub fn deployment_workbook(
    title_suffix: &str,
    sheets: &[(TargetSheet, Option<String>)],
) -> Result<Vec<u8>, XlsxError> {
    let f = formats();
    let mut wb = Workbook::new();
    let names = sheet_names(sheets.iter().map(|s| s.0.department_name.as_str()));
    for ((sheet, drawn_up), name) in sheets.iter().zip(names) {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        page_setup(ws, &DEPLOYMENT_WIDTHS, 2)?;
        ws.write_string_with_format(
            0,
            0,
            format!("{} {title_suffix}", sheet.department_name),
            &f.title,
        )?;
        if let Some(h) = &sheet.header {
            ws.write_string(1, 3, header_line(h, drawn_up.as_deref()))?;
        }
        let header_format = f.header.clone().set_text_wrap();
        for (c, h) in HEADERS.iter().enumerate() {
            ws.write_string_with_format(2, c as u16, *h, &header_format)?;
        }
        ws.set_row_height(2, 34.0)?;
        let mut row = 3;
        for (n, goal) in sheet.numbered_goals() {
            // An item without an initiative yet still gets its row.
            let initiatives: Vec<Option<&InitiativeView>> = if goal.initiatives.is_empty() {
                vec![None]
            } else {
                goal.initiatives.iter().map(Some).collect()
            };
            for ini in initiatives {
                write_row(ws, &f, row, &row_cells(n, goal, ini))?;
                row += 1;
            }
        }
    }
    wb.save_to_buffer()
}

/// 「作成日 令和8年4月1日　職名 総務部長　氏名 …」.
fn header_line(h: &SheetHeader, drawn_up: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(d) = drawn_up {
        parts.push(format!("作成日 {d}"));
    }
    if !h.head_title.is_empty() {
        parts.push(format!("職名 {}", h.head_title));
    }
    if !h.head_name.is_empty() {
        parts.push(format!("氏名 {}", h.head_name));
    }
    parts.join("　")
}

/// One row's cells: the item's number, text and category, and its initiative's criteria,
/// methods, deadline and sections (「共通」 when none).
fn row_cells(n: usize, goal: &GoalView, ini: Option<&InitiativeView>) -> [String; 7] {
    let (criteria, methods, deadline, sections) = match ini {
        Some(ini) => (
            ini.criteria
                .iter()
                .map(|c| format!("・{c}"))
                .collect::<Vec<_>>(),
            ini.lines()
                .iter()
                .map(|l| format!("・{l}"))
                .collect::<Vec<_>>(),
            ini.deadline.clone().unwrap_or_default(),
            if ini.sections.is_empty() {
                "共通".to_owned()
            } else {
                ini.sections.join("\n")
            },
        ),
        None => Default::default(),
    };
    [
        n.to_string(),
        goal.text.clone(),
        goal.category.clone().unwrap_or_default(),
        criteria.join("\n"),
        methods.join("\n"),
        deadline,
        sections,
    ]
}

/// Writes a row, as tall as its longest cell needs.
fn write_row(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    cells: &[String; 7],
) -> Result<(), XlsxError> {
    let lines = cells
        .iter()
        .zip(DEPLOYMENT_WIDTHS)
        .map(|(t, w)| line_count(t, w))
        .max()
        .unwrap_or(1);
    for (c, text) in cells.iter().enumerate() {
        let format = if c == 1 { &f.goal } else { &f.cell };
        ws.write_string_with_format(row, c as u16, text, format)?;
    }
    ws.set_row_height(row, LINE_HEIGHT * lines as f64 + 4.0)?;
    Ok(())
}
