//! A year's actuals from a workbook: one row per indicator (the item's number, the indicator's
//! name, and the year's actual; for a word target whether it was reached), as the actuals
//! workbook is downloaded, or the plan workbook with a 実績 column added. Rows are matched to
//! the stored indicators by the item's number and the indicator's name (or, when the name is
//! left out, its order under the item).

use crate::db::plans::PlanData;
use crate::domain::plan::PlanValue;
use crate::import::cells::squash;
use crate::import::layout::{IGNORED_SHEETS, Problem};
use crate::import::spreadsheet::Grid;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One indicator's actual as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActualRow {
    pub indicator_id: i64,
    pub item_number: i32,
    pub indicator: String,
    /// As typed (for the preview).
    pub written: String,
    pub value: Option<Decimal>,
    pub word: Option<String>,
    pub achieved: Option<bool>,
}

const NUMBER: &[&str] = &["番号", "No", "No.", "NO", "NO.", "項番", "取組番号"];
const INDICATOR: &[&str] = &[
    "目標値等",
    "指標",
    "指標名",
    "目標指標",
    "成果指標",
    "目標項目",
];
const ACTUAL: &[&str] = &["実績", "実績値", "実績（数値）"];
const ACHIEVED: &[&str] = &["達成", "達成状況", "達成したか", "目標の達成"];

fn key(text: &str) -> String {
    squash(text)
}

/// The header: number, indicator and actual columns (the actual may be headed 「令和2年度実績」).
fn header(grid: &Grid, r: usize, year_label: &str) -> Option<(usize, usize, usize, Option<usize>)> {
    let row = grid.rows.get(r)?;
    let find = |words: &[&str]| row.iter().position(|t| words.contains(&key(t).as_str()));
    let actual = find(ACTUAL).or_else(|| {
        let with_year = format!("{}実績", squash(year_label));
        row.iter().position(|t| key(t) == with_year)
    })?;
    Some((find(NUMBER)?, find(INDICATOR)?, actual, find(ACHIEVED)))
}

/// Reads the year's actuals; problems are placed by sheet, row and column.
pub fn read(
    grids: &[Grid],
    data: &PlanData,
    year: i32,
    year_label: &str,
) -> (Vec<ActualRow>, Vec<Problem>) {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let found = grids
        .iter()
        .filter(|g| !IGNORED_SHEETS.iter().any(|i| g.name.starts_with(i)))
        .find_map(|g| {
            (0..g.rows.len().min(40)).find_map(|r| header(g, r, year_label).map(|h| (g, r, h)))
        });
    let Some((grid, at, (number_col, name_col, actual_col, achieved_col))) = found else {
        problems.push(Problem {
            sheet: grids.first().map(|g| g.name.clone()).unwrap_or_default(),
            row: None,
            col: None,
            message: "実績の表が見つかりません。「番号」「目標値等」「実績」の列名を並べた見出しの行が必要です（実績の表をダウンロードして使えます）。".into(),
        });
        return (rows, problems);
    };
    let mut item: Option<i32> = None;
    let mut position = 0usize;
    for r in at + 1..grid.rows.len() {
        let cell = |c: usize| grid.cell(r, c).trim().to_owned();
        let number = cell(number_col);
        if !number.is_empty() {
            let n = squash(&number);
            let n = n.trim_start_matches(['-', '－', 'ー']);
            match n.parse::<i32>() {
                Ok(n) if Some(n) != item => {
                    item = Some(n);
                    position = 0;
                }
                Ok(_) => {}
                Err(_) => continue,
            }
        }
        let name = cell(name_col);
        let written = cell(actual_col);
        if name.is_empty() && written.is_empty() {
            continue;
        }
        position += 1;
        let Some(n) = item else { continue };
        let cols = Cols {
            number: number_col,
            name: name_col,
            actual: actual_col,
            achieved: achieved_col,
        };
        match row_actual(grid, r, &cols, data, year, n, position, &name, written) {
            Ok(Some(found))
                if rows
                    .iter()
                    .any(|x: &ActualRow| x.indicator_id == found.indicator_id) =>
            {
                problems.push(Problem {
                    sheet: grid.name.clone(),
                    row: Some(r + 1),
                    col: Some(name_col),
                    message: format!("-{n}「{}」の実績が2回あります。", found.indicator),
                });
            }
            Ok(Some(found)) => rows.push(found),
            Ok(None) => {}
            Err(p) => problems.push(p),
        }
    }
    (rows, problems)
}

/// The columns of the actuals table.
struct Cols {
    number: usize,
    name: usize,
    actual: usize,
    achieved: Option<usize>,
}

/// The indicator a row names: by name under the item numbered `n`, or the `position`-th when
/// the row leaves the name empty. Err((whether the item itself is missing, message)).
fn find_indicator<'a>(
    data: &'a PlanData,
    n: i32,
    position: usize,
    name: &str,
) -> Result<&'a crate::db::plans::IndicatorRow, (bool, String)> {
    let Some(stored) = data.items.iter().find(|i| i.number == n) else {
        return Err((true, format!("番号「-{n}」の項目は計画にありません。")));
    };
    let mut indicators = data.indicators.iter().filter(|x| x.item_id == stored.id);
    let indicator = if name.is_empty() {
        indicators.nth(position - 1)
    } else {
        indicators.find(|x| squash(&x.name) == squash(name))
    };
    indicator.ok_or_else(|| (false, format!("-{n} に目標値等「{name}」はありません。")))
}

/// The actual as written: a number where the target is one, else a word of at most 100.
fn written_value(
    written: &str,
    numeric: bool,
    n: i32,
    indicator: &str,
) -> Result<(Option<rust_decimal::Decimal>, Option<String>), String> {
    let (value, word) = match PlanValue::parse(written) {
        None => (None, None),
        Some(PlanValue::Number(v)) if numeric => (Some(v), None),
        Some(_) if numeric => {
            return Err(format!(
                "-{n}「{indicator}」の実績は数値で書いてください（例：75、▲554）。"
            ));
        }
        Some(v) => (None, Some(v.display())),
    };
    if word.as_ref().is_some_and(|w| w.chars().count() > 100) {
        return Err("実績は100文字以内で書いてください。".into());
    }
    Ok((value, word))
}

/// One row's actual for item `n` (its `position`-th indicator row), None when there is none
/// to record, or the problem at its place.
#[allow(clippy::too_many_arguments)]
fn row_actual(
    grid: &Grid,
    r: usize,
    cols: &Cols,
    data: &PlanData,
    year: i32,
    n: i32,
    position: usize,
    name: &str,
    written: String,
) -> Result<Option<ActualRow>, Problem> {
    let (number_col, name_col, actual_col, achieved_col) =
        (cols.number, cols.name, cols.actual, cols.achieved);
    let cell = |c: usize| grid.cell(r, c).trim().to_owned();
    let problem = |col: usize, message: String| Problem {
        sheet: grid.name.clone(),
        row: Some(r + 1),
        col: Some(col),
        message,
    };
    let indicator =
        find_indicator(data, n, position, name).map_err(|(missing_item, message)| {
            problem(if missing_item { number_col } else { name_col }, message)
        })?;
    let target = data
        .targets
        .iter()
        .find(|t| t.indicator_id == indicator.id && t.year == year);
    let numeric = target.is_some_and(|t| t.value.is_some());
    if target.is_none_or(|t| t.word.as_deref() == Some(crate::domain::plan::NO_TARGET)) {
        if !written.is_empty() {
            return Err(problem(
                actual_col,
                format!(
                    "-{n}「{}」はこの年度に目標がありません（実績は記録しません）。",
                    indicator.name
                ),
            ));
        }
        return Ok(None);
    }
    let achieved_text = achieved_col.map(cell).unwrap_or_default();
    let achieved = achieved_in(&achieved_text)
        .map_err(|message| problem(achieved_col.unwrap_or(actual_col), message))?;
    let (value, word) = written_value(&written, numeric, n, &indicator.name)
        .map_err(|message| problem(actual_col, message))?;
    if !numeric && word.is_some() && achieved.is_none() {
        return Err(problem(
            achieved_col.unwrap_or(actual_col),
            format!(
                "-{n}「{}」の目標を達成したかどうか（達成・未達成）を書いてください。",
                indicator.name
            ),
        ));
    }
    Ok(Some(ActualRow {
        indicator_id: indicator.id,
        item_number: n,
        indicator: indicator.name.clone(),
        written,
        value,
        word,
        achieved: if numeric { None } else { achieved },
    }))
}

/// 「達成」「○」 (reached), 「未達成」「×」 (not), empty (not said), or what to write instead.
fn achieved_in(text: &str) -> Result<Option<bool>, String> {
    match squash(text).as_str() {
        "" => Ok(None),
        "達成" | "○" | "〇" | "◎" | "はい" | "済" | "達成した" => Ok(Some(true)),
        "未達成" | "×" | "いいえ" | "達成しなかった" => Ok(Some(false)),
        other => Err(format!(
            "達成「{other}」は「達成」か「未達成」で書いてください。"
        )),
    }
}
