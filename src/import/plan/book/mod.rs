//! Reading a plan workbook in the layout plans are printed and kept in (and exported in):
//! one row per indicator of each item (rows of the same item share its number, or leave it
//! blank), the hierarchy as columns named by the levels (「視点」「基本目標」…, a blank cell
//! repeating the row above) or as heading rows (「1 市民が…」「(1) 窓口…」 alone on a row, their
//! level told by their numbering style), one column per fiscal year, and a sheet 「体系」 with
//! every node's key, number, name and description when there is one.

mod cells;
mod header;
mod outline;

use cells::{item_number, one_line, signed_number};

use super::{IndicatorDoc, ItemDoc, NodeDoc};
use crate::domain::era::Eras;
use crate::domain::plan::NO_TARGET;
use crate::import::cells::squash;
use crate::import::layout::{IGNORED_SHEETS, Problem};
use crate::import::spreadsheet::Grid;
use header::{Col, Header, header_at, year_in};
use outline::Outline;

/// The most items and nodes a plan file may hold.
pub const MAX_ITEMS: usize = 2000;
pub const MAX_NODES: usize = 1000;

/// A plan as read from a workbook (the city and the plan's slug come from the form).
#[derive(Debug, Clone, Default)]
pub struct ReadPlan {
    pub name: String,
    pub adopted: String,
    pub first_year: i32,
    pub last_year: i32,
    pub levels: Vec<String>,
    pub item_label: String,
    pub nodes: Vec<NodeDoc>,
    pub items: Vec<ItemDoc>,
    pub problems: Vec<Problem>,
}

impl ReadPlan {
    /// The document the workbook states for a city's plan `slug`; a revision keeps the stored
    /// name (`stored_name`) where the file has none.
    pub fn into_document(
        self,
        city: super::PlanCity,
        slug: String,
        stored_name: Option<&str>,
    ) -> super::PlanDocument {
        let name = match (self.name.is_empty(), stored_name) {
            (true, Some(s)) => s.to_owned(),
            _ => self.name,
        };
        super::PlanDocument {
            municipality: city,
            plan: super::PlanHead {
                slug,
                name,
                adopted: self.adopted,
                first_year: self.first_year,
                last_year: self.last_year,
                levels: self.levels,
                item_label: self.item_label,
            },
            nodes: self.nodes,
            items: self.items,
        }
    }
}

/// Reads the plan; `latest` is the latest fiscal year a bare 「32年度」 may mean.
pub fn read(grids: &[Grid], eras: &Eras, latest: i32) -> ReadPlan {
    let mut out = ReadPlan::default();
    let structure = grids.iter().find(|g| outline::is_structure(g));
    let found = grids
        .iter()
        .filter(|g| !IGNORED_SHEETS.iter().any(|i| g.name.starts_with(i)))
        .filter(|g| !structure.is_some_and(|s| std::ptr::eq(*g, s)))
        .find_map(|g| {
            (0..g.rows.len().min(40)).find_map(|r| header_at(g, r, eras, latest).map(|h| (g, h)))
        });
    let Some((grid, header)) = found else {
        out.problems.push(Problem {
            sheet: grids.first().map(|g| g.name.clone()).unwrap_or_default(),
            row: None,
            col: None,
            message: "計画の表が見つかりません。「番号」「取組項目」と年度（「平成28年度」「28年度」など）の列名を並べた見出しの行が必要です。".into(),
        });
        return out;
    };
    let mut outline = Outline::default();
    if let Some(s) = structure {
        outline.read_structure(s, &mut out.problems);
    }
    read_head(grid, &header, &outline, &mut out);
    let mut reader = Reader {
        grid,
        header: &header,
        eras,
        latest,
        outline,
        path: Vec::new(),
        out,
        styles: Vec::new(),
        numbers: Default::default(),
    };
    for r in header.row + 1..grid.rows.len() {
        reader.row(r);
    }
    let Reader {
        mut outline,
        mut out,
        ..
    } = reader;
    let outline_full = outline.overflowed();
    outline.resolve_restated(&mut out, &grid.name);
    out.nodes = outline.nodes();
    if outline_full || out.items.len() >= MAX_ITEMS {
        out.problems.push(Problem {
            sheet: grid.name.clone(),
            row: None,
            col: None,
            message: format!(
                "階層は{MAX_NODES}件、取組は{MAX_ITEMS}件までです。この表はそれを超えています（読んだところまでで階層{}件・取組{}件）。",
                out.nodes.len(),
                out.items.len()
            ),
        });
    }
    let depth = out
        .nodes
        .iter()
        .map(|n| n.key.split('.').count())
        .max()
        .unwrap_or(0);
    while out.levels.len() < depth {
        out.levels.push(format!("第{}階層", out.levels.len() + 1));
    }
    out
}

/// The title row above the header (「第2次加須市行政経営プラン（平成28年3月策定）」), the years,
/// the levels and the item label.
fn read_head(grid: &Grid, header: &Header, outline: &Outline, out: &mut ReadPlan) {
    let title = (0..header.row)
        .flat_map(|r| grid.rows[r].iter())
        .map(|t| t.trim())
        .find(|t| !t.is_empty())
        .unwrap_or("");
    match title
        .strip_suffix(['）', ')'])
        .and_then(|t| t.rsplit_once(['（', '(']))
    {
        Some((name, adopted)) if !name.trim().is_empty() => {
            out.name = name.trim().to_owned();
            out.adopted = adopted.trim().to_owned();
        }
        _ => out.name = title.to_owned(),
    }
    let years = header.years();
    out.first_year = years.first().map(|y| y.1).unwrap_or(0);
    out.last_year = years.last().map(|y| y.1).unwrap_or(0);
    if years.windows(2).any(|w| w[1].1 != w[0].1 + 1) {
        out.problems.push(Problem {
            sheet: grid.name.clone(),
            row: Some(header.row + 1),
            col: years.first().map(|y| y.0),
            message: "年度の列は1年ずつ続けて並べてください。".into(),
        });
    }
    out.levels = if header.levels.is_empty() {
        outline.level_names()
    } else {
        header.levels.clone()
    };
    out.item_label = if header::is_item_word(&grid.name) {
        squash(&grid.name)
    } else {
        header.item_word.clone()
    };
}

struct Reader<'a> {
    grid: &'a Grid,
    header: &'a Header,
    eras: &'a Eras,
    latest: i32,
    outline: Outline,
    /// The texts of the current place, top level first.
    path: Vec<String>,
    out: ReadPlan,
    /// Numbering styles of heading rows in the order first seen (their level).
    styles: Vec<outline::Style>,
    /// The item numbers read so far.
    numbers: std::collections::HashSet<i32>,
}

impl Reader<'_> {
    fn cell(&self, r: usize, col: Col) -> String {
        self.header
            .col(col)
            .map(|c| self.grid.cell(r, c).trim().to_owned())
            .unwrap_or_default()
    }

    fn problem(&mut self, r: usize, col: Option<Col>, message: String) {
        self.out.problems.push(Problem {
            sheet: self.grid.name.clone(),
            row: Some(r + 1),
            col: col.and_then(|c| self.header.col(c)),
            message,
        });
    }

    fn row(&mut self, r: usize) {
        let texts: Vec<&str> = self.grid.rows[r]
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .collect();
        if texts.is_empty() || header_at(self.grid, r, self.eras, self.latest).is_some() {
            return;
        }
        let number = self.cell(r, Col::Number);
        let title = self.cell(r, Col::Title);
        let indicator = self.cell(r, Col::Indicator);
        // One text alone on its row (a merged heading repeats it), not an item's name: a
        // heading, or a note.
        if texts.iter().all(|t| *t == texts[0])
            && indicator.is_empty()
            && item_number(&number).is_none()
        {
            self.heading(r, texts[0]);
            return;
        }
        if number.is_empty() && title.is_empty() && indicator.is_empty() {
            return;
        }
        self.place(r);
        if number.is_empty() && title.is_empty() {
            if self.out.items.is_empty() {
                self.problem(
                    r,
                    Some(Col::Number),
                    "この指標の取組の番号と名前がありません。".into(),
                );
                return;
            }
        } else {
            match item_number(&number) {
                Some(n) if self.out.items.last().is_some_and(|i| i.number == n) => {}
                Some(n) => {
                    if self.numbers.contains(&n) {
                        self.problem(r, Some(Col::Number), format!("番号「-{n}」がほかの行にもあります。取組ごとに別の番号にしてください。"));
                        return;
                    }
                    if !self.start_item(r, n, title) {
                        return;
                    }
                }
                None => {
                    self.problem(
                        r,
                        Some(Col::Number),
                        format!("番号「{number}」が読めません。「-12」や「12」のように数字で書いてください。"),
                    );
                    return;
                }
            }
        }
        if !indicator.is_empty() {
            let ind = self.indicator(r, indicator);
            if let Some(item) = self.out.items.last_mut() {
                item.indicators.push(ind);
            }
        }
    }

    /// Follows the level columns: a given level replaces the place from that level down, a
    /// blank row keeps the place above.
    fn place(&mut self, r: usize) {
        let given: Vec<(usize, String)> = (0..self.header.levels.len())
            .filter_map(|l| {
                let c = self.header.level_col(l)?;
                let t = self.grid.cell(r, c).trim();
                (!t.is_empty()).then(|| (l, t.to_owned()))
            })
            .collect();
        let Some(deepest) = given.last().map(|g| g.0) else {
            return;
        };
        self.path.resize(deepest + 1, String::new());
        for (l, t) in given {
            self.path[l] = t;
        }
    }

    fn heading(&mut self, r: usize, text: &str) {
        if text.starts_with(['※', '注', '*']) {
            return;
        }
        let level = match (0..self.header.levels.len()).find(|l| {
            self.header
                .level_col(*l)
                .is_some_and(|c| self.grid.cell(r, c).trim() == text)
        }) {
            Some(l) => l,
            None => {
                let style = outline::style_of(text);
                match self.styles.iter().position(|s| *s == style) {
                    Some(l) => l,
                    None => {
                        self.styles.push(style);
                        self.styles.len() - 1
                    }
                }
            }
        };
        self.path.truncate(level);
        while self.path.len() < level {
            self.path.push(String::new());
        }
        self.path.push(text.to_owned());
    }

    fn start_item(&mut self, r: usize, number: i32, title: String) -> bool {
        if title.is_empty() {
            self.problem(
                r,
                Some(Col::Title),
                format!("番号「-{number}」の取組の名前がありません。"),
            );
            return false;
        }
        let path: Vec<String> = self
            .path
            .iter()
            .filter(|t| !t.is_empty())
            .cloned()
            .collect();
        if self.outline.overflowed() || self.out.items.len() >= MAX_ITEMS {
            return false;
        }
        let Some(node) = self.outline.place(&path) else {
            if self.outline.overflowed() {
                return false;
            }
            self.problem(r, None, format!("番号「-{number}」の取組がどの階層の下にあるか分かりません。階層の列か見出しの行を入れてください。"));
            return false;
        };
        let sections = self
            .cell(r, Col::Sections)
            .split(['\n', '\r', '・', '、', ',', '，', '/', '／'])
            .map(|p| p.split_whitespace().collect::<String>())
            .filter(|p| !p.is_empty())
            .collect();
        let restated = self.cell(r, Col::Restated);
        self.outline.restated_at(self.out.items.len(), r, restated);
        self.numbers.insert(number);
        self.out.items.push(ItemDoc {
            number,
            title: one_line(&title),
            content: self.cell(r, Col::Content),
            sections,
            node,
            restated: Vec::new(),
            indicators: Vec::new(),
        });
        true
    }

    fn indicator(&mut self, r: usize, name: String) -> IndicatorDoc {
        let targets = self
            .header
            .years()
            .iter()
            .map(|(c, _)| {
                let t = self.grid.cell(r, *c).trim();
                if t.is_empty() {
                    NO_TARGET.to_owned()
                } else {
                    t.to_owned()
                }
            })
            .collect();
        let baseline = self.cell(r, Col::Baseline);
        let year_text = self.cell(r, Col::BaselineYear);
        let baseline_year = year_in(&year_text, self.eras, self.latest);
        if !year_text.is_empty() && baseline_year.is_none() {
            self.problem(
                r,
                Some(Col::BaselineYear),
                format!("基準年度「{year_text}」が読めません（例：平成26年度）。"),
            );
        }
        let value_text = if self.header.col(Col::BaselineValue).is_some() {
            self.cell(r, Col::BaselineValue)
        } else {
            baseline.clone()
        };
        let baseline_value = signed_number(&value_text).map(|v| v.normalize().to_string());
        if self.header.col(Col::BaselineValue).is_some()
            && !value_text.is_empty()
            && baseline_value.is_none()
        {
            self.problem(
                r,
                Some(Col::BaselineValue),
                format!("基準値「{value_text}」は数値で書いてください。"),
            );
        }
        let direction = self.cell(r, Col::Direction);
        let comparator = match squash(&direction).as_str() {
            "" | "以上" | "増" | "増加" => "at_least",
            "以下" | "減" | "減少" => "at_most",
            "ちょうど" | "一致" => "exactly",
            other => {
                let message = format!(
                    "達成の向き「{other}」は「以上」「以下」「ちょうど」のどれかで書いてください。"
                );
                self.problem(r, Some(Col::Direction), message);
                "at_least"
            }
        };
        IndicatorDoc {
            name: one_line(&name),
            unit: self.cell(r, Col::Unit),
            baseline: (!baseline.is_empty()).then_some(baseline),
            baseline_year,
            baseline_value,
            comparator: Some(comparator.to_owned()),
            targets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_naming_too_many_nodes_and_items_is_refused_quickly() {
        let mut rows = vec![vec![
            "番号".to_owned(),
            "取組項目".into(),
            "指標".into(),
            "28年度".into(),
            "階層".into(),
        ]];
        let mut header = rows[0].clone();
        header.rotate_right(1); // 階層 first: a level column before the number
        rows[0] = header;
        for k in 0..20_000 {
            rows.push(vec![
                format!("視点{k}"),
                format!("{}", k + 1),
                format!("取組{k}"),
                "指標".into(),
                "1".into(),
            ]);
        }
        let grid = Grid::new("取組項目".into(), rows);
        let read = read(&[grid], &super::header::tests::eras(), 2036);
        assert!(read.nodes.len() <= MAX_NODES && read.items.len() <= MAX_ITEMS);
        assert!(
            read.problems.iter().any(|p| p.message.contains("までです")),
            "{:?}",
            read.problems.first()
        );
    }
}
