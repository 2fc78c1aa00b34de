//! The data of a report of tables (`templates/pdf/report.typ`): 達成状況のまとめ, a plan year's
//! 取組状況 — a heading, paragraphs, an optional chart, tables with header rows and row
//! headers, notes.

use serde::Serialize;

#[derive(Serialize)]
pub struct Report {
    pub title: String,
    pub city: String,
    /// 「令和8年6月1日公表」.
    pub published: String,
    /// A4 landscape (wide tables) rather than portrait.
    pub landscape: bool,
    /// The line above the heading (「刈谷市 第8次行政経営プラン」).
    pub context: String,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub chart: Option<Chart>,
    pub tables: Vec<Table>,
    pub notes: Vec<String>,
}

/// A chart drawn as SVG, with the text a screen reader reads for it.
#[derive(Serialize)]
pub struct Chart {
    pub svg: String,
    pub alt: String,
    pub caption: String,
}

#[derive(Serialize)]
pub struct Table {
    /// A heading above the table (empty: none).
    pub heading: String,
    pub caption: String,
    /// Relative column widths.
    pub columns: Vec<f64>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// A closing row (合計), empty for none.
    pub footer: Vec<Cell>,
}

/// A cell. A cell standing for several rows (an item over its indicators) is written in the
/// first of them and left open below, over empty cells open above ([`Cell::over`]), rather
/// than spanning rows: so the page's text reads it before the rows it heads.
#[derive(Serialize, Clone)]
pub struct Cell {
    pub text: String,
    /// A row header (`<th scope="row">`).
    pub head: bool,
    /// Aligned right.
    pub number: bool,
    /// No rule above (continuing the cell of the row above) or below.
    pub open_top: bool,
    pub open_bottom: bool,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            head: false,
            number: false,
            open_top: false,
            open_bottom: false,
        }
    }

    pub fn head(text: impl Into<String>) -> Self {
        Cell {
            head: true,
            ..Cell::text(text)
        }
    }

    pub fn number(n: impl ToString) -> Self {
        Cell {
            number: true,
            ..Cell::text(n.to_string())
        }
    }

    /// Row `i` of `rows` of a cell written in the first: this cell there, an empty one after.
    pub fn over(self, i: usize, rows: usize) -> Self {
        let cell = if i == 0 { self } else { Cell::text("") };
        Cell {
            open_top: i > 0,
            open_bottom: i + 1 < rows,
            ..cell
        }
    }
}

impl Report {
    pub fn data(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}
