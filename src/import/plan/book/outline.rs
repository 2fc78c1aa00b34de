//! The plan's hierarchy as a workbook states it: read from the sheet 「体系」 when there is one,
//! else built from the texts of the level columns and heading rows (「(1) 窓口サービスの向上」 is
//! number 「(1)」 and name 「窓口サービスの向上」); and the ※再掲 places, found by their text.

use super::{NodeDoc, ReadPlan};
use crate::export::{STRUCTURE_HEADERS, STRUCTURE_SHEET};
use crate::import::cells::squash;
use crate::import::layout::Problem;
use crate::import::plan::RestatedDoc;
use crate::import::spreadsheet::Grid;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Default)]
pub struct Outline {
    /// By key; a key's parts are numbers, so keys sort as paths when compared as number lists.
    nodes: BTreeMap<Vec<i32>, NodeDoc>,
    /// Level names from the 「体系」 sheet, by depth.
    level_names: Vec<String>,
    /// ※再掲 cells to resolve once every node is known: (item index, row, text).
    restated: Vec<(usize, usize, String)>,
    /// (parent key, the text as looked up) → key; and each parent's highest child number.
    index: HashMap<(Vec<i32>, String), Vec<i32>>,
    next: HashMap<Vec<i32>, i32>,
    overflow: bool,
}

/// Whether a sheet is the hierarchy's (its name, or its first row's headers).
pub fn is_structure(grid: &Grid) -> bool {
    squash(&grid.name) == STRUCTURE_SHEET || squash(grid.cell(0, 0)) == STRUCTURE_HEADERS[0]
}

fn text_of(n: &NodeDoc) -> String {
    squash(&format!("{}{}", n.label, n.title))
}

fn parts(key: &str) -> Option<Vec<i32>> {
    key.split('.')
        .map(|p| p.trim().parse::<i32>().ok().filter(|n| *n > 0))
        .collect()
}

impl Outline {
    pub fn read_structure(&mut self, grid: &Grid, problems: &mut Vec<Problem>) {
        let col = |name: &str| {
            grid.rows
                .first()
                .and_then(|r| r.iter().position(|t| squash(t) == name))
        };
        let cols: Vec<Option<usize>> = STRUCTURE_HEADERS.iter().map(|h| col(h)).collect();
        let Some(key_col) = cols[0] else { return };
        let at = |r: usize, k: usize| {
            cols[k]
                .map(|c| grid.cell(r, c).trim().to_owned())
                .unwrap_or_default()
        };
        for r in 1..grid.rows.len() {
            let key = at(r, 0);
            if key.is_empty() {
                continue;
            }
            let problem = |message: String| Problem {
                sheet: grid.name.clone(),
                row: Some(r + 1),
                col: Some(key_col),
                message,
            };
            let Some(path) = parts(&key) else {
                problems.push(problem(format!(
                    "階層番号「{key}」は「1.2.3」のように数字を「.」でつないでください。"
                )));
                continue;
            };
            let title = at(r, 3);
            if title.is_empty() {
                problems.push(problem(format!("階層番号「{key}」の名称がありません。")));
                continue;
            }
            let depth = path.len();
            let level = at(r, 1);
            if !level.is_empty() && self.level_names.len() < depth {
                self.level_names.resize(depth, String::new());
            }
            if !level.is_empty() && self.level_names[depth - 1].is_empty() {
                self.level_names[depth - 1] = level;
            }
            let node = NodeDoc {
                key: path
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join("."),
                label: at(r, 2),
                title,
                description: at(r, 4),
            };
            if self.nodes.insert(path, node).is_some() {
                problems.push(problem(format!("階層番号「{key}」が2回あります。")));
            }
        }
    }

    pub fn level_names(&self) -> Vec<String> {
        self.level_names.clone()
    }

    /// The key of the node at a path of texts, top first; nodes not yet known are added (None
    /// once the file has named more than [`super::MAX_NODES`] nodes: it is refused then).
    pub fn place(&mut self, path: &[String]) -> Option<String> {
        if self.index.len() != self.nodes.len() {
            self.reindex();
        }
        let mut parent: Vec<i32> = Vec::new();
        for text in path {
            let want = squash(text);
            let found = self.index.get(&(parent.clone(), want.clone())).cloned();
            parent = match found {
                Some(k) => k,
                None => {
                    if self.nodes.len() >= super::MAX_NODES {
                        self.overflow = true;
                        return None;
                    }
                    let next = self.next.get(&parent).copied().unwrap_or(0) + 1;
                    let mut key = parent.clone();
                    key.push(next);
                    let (label, title) = split_label(text);
                    let node = NodeDoc {
                        key: key.iter().map(i32::to_string).collect::<Vec<_>>().join("."),
                        label,
                        title,
                        description: String::new(),
                    };
                    self.add(key.clone(), node);
                    key
                }
            };
        }
        (!parent.is_empty()).then(|| self.nodes[&parent].key.clone())
    }

    /// Whether the file named more nodes than a plan may have.
    pub fn overflowed(&self) -> bool {
        self.overflow
    }

    fn add(&mut self, key: Vec<i32>, node: NodeDoc) {
        let (parent, last) = key.split_at(key.len() - 1);
        let next = self.next.entry(parent.to_vec()).or_insert(0);
        *next = (*next).max(last[0]);
        self.index
            .insert((parent.to_vec(), text_of(&node)), key.clone());
        self.nodes.insert(key, node);
    }

    /// The lookups, after the 「体系」 sheet filled the nodes.
    fn reindex(&mut self) {
        let nodes = std::mem::take(&mut self.nodes);
        self.index.clear();
        self.next.clear();
        for (k, n) in nodes {
            self.add(k, n);
        }
    }

    pub fn restated_at(&mut self, item: usize, row: usize, text: String) {
        if !text.trim().is_empty() {
            self.restated.push((item, row, text));
        }
    }

    /// Each ※再掲 line 「(1) 窓口サービスの向上（-30）」: the node by its text and the number
    /// printed there.
    pub fn resolve_restated(&mut self, out: &mut ReadPlan, sheet: &str) {
        let mut by_text: HashMap<String, Vec<&NodeDoc>> = HashMap::new();
        for n in self.nodes.values() {
            by_text.entry(text_of(n)).or_default().push(n);
        }
        for (item, row, text) in std::mem::take(&mut self.restated) {
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let problem = |message: String| Problem {
                    sheet: sheet.to_owned(),
                    row: Some(row + 1),
                    col: None,
                    message,
                };
                let parsed = line
                    .strip_suffix(['）', ')'])
                    .and_then(|l| l.rsplit_once(['（', '(']))
                    .and_then(|(node, n)| super::item_number(n).map(|n| (node.trim(), n)));
                let Some((node, number)) = parsed else {
                    out.problems.push(problem(format!("再掲「{line}」は「(1) 窓口サービスの向上（-30）」のように、階層の名前と括弧の中の番号で書いてください。")));
                    continue;
                };
                let want = squash(node);
                let found: Vec<&NodeDoc> = by_text.get(&want).cloned().unwrap_or_default();
                match found.as_slice() {
                    [one] => out.items[item].restated.push(RestatedDoc {
                        node: one.key.clone(),
                        number,
                    }),
                    [] => out.problems.push(problem(format!("再掲先「{node}」が階層にありません。"))),
                    _ => out.problems.push(problem(format!("再掲先「{node}」は階層に{}か所あり、どれか分かりません。体系シートで名前を分けてください。", found.len()))),
                }
            }
        }
    }

    pub fn nodes(&self) -> Vec<NodeDoc> {
        self.nodes.values().cloned().collect()
    }
}

/// How a heading is numbered; headings of one style are one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Digits,
    Paren,
    Circled,
    Bracket,
    Kanji,
    Kana,
    Plain,
}

pub fn style_of(text: &str) -> Style {
    let (label, _) = split_label(text);
    let Some(first) = label.chars().next() else {
        return Style::Plain;
    };
    match first {
        '(' | '（' => Style::Paren,
        '【' | '[' => Style::Bracket,
        '第' => Style::Kanji,
        '\u{2460}'..='\u{2473}' => Style::Circled,
        c if c.is_ascii_digit() || ('０'..='９').contains(&c) => Style::Digits,
        _ => Style::Kana,
    }
}

/// 「(1) 窓口サービスの向上」 → (「(1)」, 「窓口サービスの向上」); a text without a number keeps
/// it all as the name.
pub fn split_label(text: &str) -> (String, String) {
    let t = text.trim();
    let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let chars: Vec<char> = t.chars().collect();
    let end = match chars.first() {
        Some('\u{2460}'..='\u{2473}') => Some(1),
        Some('(' | '（' | '【' | '[') => {
            let close = chars
                .iter()
                .position(|c| matches!(c, ')' | '）' | '】' | ']'));
            close
                .filter(|&e| e > 1 && chars[1..e].iter().all(|c| is_digit(*c)))
                .map(|e| e + 1)
        }
        Some('第') => {
            let n = chars[1..].iter().take_while(|c| is_digit(**c)).count();
            (n > 0).then_some(1 + n)
        }
        Some(c) if is_digit(*c) => {
            let n = chars
                .iter()
                .take_while(|c| is_digit(**c) || matches!(c, '-' | '－'))
                .count();
            // 「1 」「1.」 but not 「3つの…」.
            match chars.get(n) {
                Some(c) if c.is_whitespace() => Some(n),
                Some('.' | '．') if chars.get(n + 1).is_some_and(|c| !is_digit(*c)) => Some(n + 1),
                _ => None,
            }
        }
        Some(c) if ('ア'..='ン').contains(c) && chars.get(1).is_some_and(|c| c.is_whitespace()) => {
            Some(1)
        }
        _ => None,
    };
    match end {
        Some(e) if e < chars.len() => {
            let label: String = chars[..e].iter().collect();
            let title: String = chars[e..].iter().collect();
            let title = title.trim().to_owned();
            if title.is_empty() {
                (String::new(), t.to_owned())
            } else {
                (label, title)
            }
        }
        _ => (String::new(), t.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_split_from_names() {
        let s = |t: &str| split_label(t);
        assert_eq!(
            s("1 市民が利用しやすい市役所づくり"),
            ("1".into(), "市民が利用しやすい市役所づくり".into())
        );
        assert_eq!(
            s("(1) 窓口サービスの向上"),
            ("(1)".into(), "窓口サービスの向上".into())
        );
        assert_eq!(
            s("（２）職員の能力開発"),
            ("（２）".into(), "職員の能力開発".into())
        );
        assert_eq!(
            s("① 気持ちの良い窓口づくり"),
            ("①".into(), "気持ちの良い窓口づくり".into())
        );
        assert_eq!(s("市役所力の向上"), ("".into(), "市役所力の向上".into()));
        assert_eq!(s("3つの視点"), ("".into(), "3つの視点".into()));
        assert_eq!(s("第1 基本方針"), ("第1".into(), "基本方針".into()));
        assert_eq!(style_of("(3) 財政"), Style::Paren);
        assert_eq!(style_of("② 財政"), Style::Circled);
        assert_eq!(style_of("2 財政"), Style::Digits);
        assert_eq!(style_of("財政"), Style::Plain);
    }

    #[test]
    fn places_are_found_by_text_and_new_ones_numbered_after_their_siblings() {
        let mut o = Outline::default();
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(o.place(&p(&["視点A", "1 目標"])).as_deref(), Some("1.1"));
        assert_eq!(o.place(&p(&["視点A", "2 目標"])).as_deref(), Some("1.2"));
        assert_eq!(o.place(&p(&["視点B"])).as_deref(), Some("2"));
        assert_eq!(o.place(&p(&["視点A", "1  目標"])).as_deref(), Some("1.1"));
        assert_eq!(o.nodes().len(), 4);
        assert_eq!(o.nodes()[1].label, "1");
    }
}
