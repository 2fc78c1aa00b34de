//! A multi-year plan as the workbook plans are kept in: one row per indicator of each 取組項目
//! (an item without indicators has one row), the hierarchy as columns (one per level, 「1 市役所力の向上」),
//! 番号, 取組項目, 取組内容, 目標値等 (indicator, unit, baseline), one column per fiscal year (labelled
//! in 和暦) with the target as printed, 担当課 and the places that list the item again (※再掲);
//! then, for reading the file back, the baseline's fiscal year and value and whether less is
//! better (「以上」「以下」「ちょうど」).

use crate::db::plans::PlanData;
use crate::domain::metric::Comparator;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};
use std::collections::HashMap;

/// Column headers after the hierarchy's levels and before the years.
const ITEM_HEADERS: [&str; 6] = ["番号", "取組項目", "取組内容", "目標値等", "単位", "現状値"];

/// The plan's workbook; `year_label` names a fiscal year (「平成28年度」).
pub fn plan_workbook(
    data: &PlanData,
    year_label: impl Fn(i32) -> String,
) -> Result<Vec<u8>, XlsxError> {
    let cell = cell_format();
    let header = header_format()
        .set_text_wrap()
        .set_align(FormatAlign::Center);
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let columns = Columns::of(data, &year_label);
    plan_sheet_head(ws, data, &columns, &header)?;
    let tree = Tree::of(data);
    let mut row = 2u32;
    for item in &data.items {
        for cells in tree.item_rows(item, &columns, &year_label) {
            for (c, v) in cells.iter().enumerate() {
                ws.write_string_with_format(row, c as u16, v, &cell)?;
            }
            row += 1;
        }
    }
    structure_sheet(&mut wb, data, &cell, &header)?;
    wb.save_to_buffer()
}

/// A table cell: wrapped, top-aligned, bordered.
fn cell_format() -> Format {
    Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin)
}

/// A column header: bold, bordered, shaded.
fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#E8EEF5")
}

/// The plan sheet's columns: the hierarchy's levels, the item's, one per year, then the rest.
struct Columns {
    names: Vec<String>,
    levels: usize,
    years: Vec<i32>,
}

impl Columns {
    fn of(data: &PlanData, year_label: &impl Fn(i32) -> String) -> Self {
        let plan = &data.plan;
        let years: Vec<i32> = (plan.first_year..=plan.last_year).collect();
        let mut names: Vec<String> = plan.level_names.clone();
        names.extend(ITEM_HEADERS.iter().map(|h| (*h).to_owned()));
        names.extend(years.iter().map(|y| year_label(*y)));
        names.extend(["担当課", "再掲", "基準年度", "基準値", "達成の向き"].map(str::to_owned));
        Columns {
            names,
            levels: plan.level_names.len(),
            years,
        }
    }
}

/// The sheet's title, header row and column widths, set up for printing on A4 landscape.
fn plan_sheet_head(
    ws: &mut rust_xlsxwriter::Worksheet,
    data: &PlanData,
    columns: &Columns,
    header: &Format,
) -> Result<(), XlsxError> {
    let plan = &data.plan;
    ws.set_name(plan.item_label.chars().take(31).collect::<String>())?;
    ws.set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(1, 1)?;
    ws.write_string_with_format(
        0,
        0,
        format!("{}（{}）", plan.name, plan.adopted),
        &Format::new().set_bold().set_font_size(14),
    )?;
    for (c, h) in columns.names.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, h, header)?;
    }
    let widths = [14.0, 18.0, 18.0, 18.0];
    for c in 0..columns.levels {
        ws.set_column_width(c as u16, *widths.get(c).unwrap_or(&16.0))?;
    }
    for (k, w) in [6.0, 24.0, 40.0, 30.0, 8.0, 18.0].iter().enumerate() {
        ws.set_column_width((columns.levels + k) as u16, *w)?;
    }
    Ok(())
}

/// The plan's nodes and targets by id, to write items' rows from.
struct Tree<'a> {
    data: &'a PlanData,
    nodes: HashMap<i64, &'a crate::db::plans::NodeRow>,
    targets: HashMap<(i64, i32), &'a str>,
}

impl<'a> Tree<'a> {
    fn of(data: &'a PlanData) -> Self {
        Tree {
            data,
            nodes: data.nodes.iter().map(|n| (n.id, n)).collect(),
            targets: data
                .targets
                .iter()
                .map(|t| ((t.indicator_id, t.year), t.written.as_str()))
                .collect(),
        }
    }

    fn node_text(&self, id: i64) -> String {
        self.nodes
            .get(&id)
            .map(|n| {
                if n.label.is_empty() {
                    n.title.clone()
                } else {
                    format!("{} {}", n.label, n.title)
                }
            })
            .unwrap_or_default()
    }

    /// A node's path from the top: its ancestors' ids, itself last.
    fn path_of(&self, id: i64) -> Vec<i64> {
        let mut path = vec![id];
        let mut at = id;
        while let Some(p) = self.nodes.get(&at).and_then(|n| n.parent_id) {
            path.push(p);
            at = p;
        }
        path.reverse();
        path
    }

    /// An item's rows: one per indicator (at least one), its place and columns on each.
    fn item_rows(
        &self,
        item: &crate::db::plans::ItemRow,
        columns: &Columns,
        year_label: &impl Fn(i32) -> String,
    ) -> Vec<Vec<String>> {
        let data = self.data;
        let levels = columns.levels;
        let home = data
            .places
            .iter()
            .find(|p| p.item_id == item.id && !p.restated);
        let restated: Vec<String> = data
            .places
            .iter()
            .filter(|p| p.item_id == item.id && p.restated)
            .map(|p| format!("{}（-{}）", self.node_text(p.node_id), p.number))
            .collect();
        let indicators: Vec<_> = data
            .indicators
            .iter()
            .filter(|x| x.item_id == item.id)
            .collect();
        let mut rows = Vec::new();
        for k in 0..indicators.len().max(1) {
            let mut cells: Vec<String> = vec![String::new(); columns.names.len()];
            if let Some(home) = home {
                for (level, id) in self
                    .path_of(home.node_id)
                    .into_iter()
                    .enumerate()
                    .take(levels)
                {
                    cells[level] = self.node_text(id);
                }
            }
            cells[levels] = format!("-{}", item.number);
            cells[levels + 1] = item.title.clone();
            cells[levels + 2] = item.content.clone();
            let after = levels + 6 + columns.years.len();
            cells[after] = item.sections.join("・");
            cells[after + 1] = restated.join("\n");
            if let Some(x) = indicators.get(k) {
                cells[levels + 3] = x.name.clone();
                cells[levels + 4] = x.unit.clone();
                cells[levels + 5] = x.baseline.clone().unwrap_or_default();
                for (j, y) in columns.years.iter().enumerate() {
                    cells[levels + 6 + j] = self
                        .targets
                        .get(&(x.id, *y))
                        .copied()
                        .unwrap_or("")
                        .to_owned();
                }
                cells[after + 2] = x.baseline_year.map(year_label).unwrap_or_default();
                cells[after + 3] = x
                    .baseline_value
                    .map(|v| v.normalize().to_string())
                    .unwrap_or_default();
                cells[after + 4] = Comparator::from_db(&x.comparator)
                    .map(Comparator::label)
                    .unwrap_or("")
                    .to_owned();
            }
            rows.push(cells);
        }
        rows
    }
}

/// The sheet 「体系」: every node of the hierarchy (also those no item is under), with its
/// key (「1.2.3」), level, number, name and description, depth first.
fn structure_sheet(
    wb: &mut Workbook,
    data: &PlanData,
    cell: &Format,
    header: &Format,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(STRUCTURE_SHEET)?;
    for (c, (h, w)) in STRUCTURE_HEADERS
        .iter()
        .zip([10.0, 10.0, 8.0, 36.0, 70.0])
        .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, header)?;
        ws.set_column_width(c as u16, w)?;
    }
    let keys = crate::import::plan::node_keys(data);
    let mut nodes: Vec<(Vec<i32>, &crate::db::plans::NodeRow)> = data
        .nodes
        .iter()
        .map(|n| {
            let path = keys[&n.id]
                .split('.')
                .filter_map(|p| p.parse().ok())
                .collect();
            (path, n)
        })
        .collect();
    nodes.sort_by(|a, b| a.0.cmp(&b.0));
    for (r, (_, n)) in nodes.iter().enumerate() {
        let level = data
            .plan
            .level_names
            .get(n.depth as usize)
            .cloned()
            .unwrap_or_default();
        let cells = [
            keys[&n.id].clone(),
            level,
            n.label.clone(),
            n.title.clone(),
            n.description.clone(),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string_with_format(r as u32 + 1, c as u16, v, cell)?;
        }
    }
    Ok(())
}

/// The name of the hierarchy's sheet.
pub const STRUCTURE_SHEET: &str = "体系";
/// Its columns.
pub const STRUCTURE_HEADERS: [&str; 5] = ["階層番号", "階層", "番号", "名称", "説明"];

/// An indicator's recorded actual in `year` as written, and 「達成」/「未達成」 where recorded.
fn recorded(data: &PlanData, indicator: i64, year: i32) -> (String, &'static str) {
    let actual = data
        .actuals
        .iter()
        .find(|a| a.indicator_id == indicator && a.year == year);
    let written = actual
        .map(|a| match (a.value, &a.word) {
            (Some(v), _) => crate::domain::plan::PlanValue::Number(v).display(),
            (None, Some(w)) => w.clone(),
            _ => String::new(),
        })
        .unwrap_or_default();
    let achieved = match actual.and_then(|a| a.achieved) {
        Some(true) => "達成",
        Some(false) => "未達成",
        None => "",
    };
    (written, achieved)
}

/// A year's actuals workbook: one row per indicator with a target that year — 番号, 取組項目,
/// 目標値等, 単位, the target, and the columns to fill: 実績 (the recorded one if any) and 達成
/// (for a word target). It reads back through the actuals import.
pub fn actuals_workbook(
    data: &PlanData,
    year: i32,
    year_label: &str,
) -> Result<Vec<u8>, XlsxError> {
    let header = header_format();
    let cell = cell_format();
    let input = Format::new()
        .set_border(FormatBorder::Thin)
        .set_background_color("#FFFBE6");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(
        format!("{year_label}実績")
            .chars()
            .take(31)
            .collect::<String>(),
    )?;
    ws.write_string_with_format(
        0,
        0,
        format!("{} {year_label}の実績", data.plan.name),
        &Format::new().set_bold().set_font_size(14),
    )?;
    let target_header = format!("目標（{year_label}）");
    let headers = [
        "番号",
        "取組項目",
        "目標値等",
        "単位",
        target_header.as_str(),
        "実績",
        "達成",
    ];
    for (c, (h, w)) in headers
        .iter()
        .zip([8.0, 30.0, 40.0, 8.0, 14.0, 16.0, 10.0])
        .enumerate()
    {
        ws.write_string_with_format(1, c as u16, *h, &header)?;
        ws.set_column_width(c as u16, w)?;
    }
    ws.set_repeat_rows(1, 1)?;
    let mut row = 2u32;
    for item in &data.items {
        for x in data.indicators.iter().filter(|x| x.item_id == item.id) {
            let Some(t) = data
                .targets
                .iter()
                .find(|t| t.indicator_id == x.id && t.year == year)
            else {
                continue;
            };
            if t.word.as_deref() == Some(crate::domain::plan::NO_TARGET) {
                continue;
            }
            let (written, achieved) = recorded(data, x.id, year);
            let cells = [
                format!("-{}", item.number),
                item.title.clone(),
                x.name.clone(),
                x.unit.clone(),
                t.written.clone(),
            ];
            for (c, v) in cells.iter().enumerate() {
                ws.write_string_with_format(row, c as u16, v, &cell)?;
            }
            ws.write_string_with_format(row, 5, &written, &input)?;
            ws.write_string_with_format(
                row,
                6,
                if t.value.is_some() { "" } else { achieved },
                &input,
            )?;
            row += 1;
        }
    }
    wb.save_to_buffer()
}
