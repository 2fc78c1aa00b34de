//! A multi-year plan as a document (the 加須市 demo file, or what a plan workbook is read as):
//! the plan's head, its nodes (pillar rows), items, indicators and their targets by year, and
//! the checks a document must pass before it is applied (`import::plan`).

use crate::domain::plan::PlanValue;
use crate::domain::plan_limits as limits;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanDocument {
    pub municipality: PlanCity,
    pub plan: PlanHead,
    pub nodes: Vec<NodeDoc>,
    pub items: Vec<ItemDoc>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanCity {
    pub slug: String,
    pub name: String,
    pub name_kana: String,
    pub local_government_code: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanHead {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub adopted: String,
    pub first_year: i32,
    pub last_year: i32,
    pub levels: Vec<String>,
    pub item_label: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NodeDoc {
    /// The path of positions ("1.2.3"); its length is the level (1 = the top level).
    pub key: String,
    #[serde(default)]
    pub label: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDoc {
    pub number: i32,
    pub title: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub sections: Vec<String>,
    /// The node the item belongs to.
    pub node: String,
    /// Other places that list it again (※再掲), with the number printed there.
    #[serde(default)]
    pub restated: Vec<RestatedDoc>,
    #[serde(default)]
    pub indicators: Vec<IndicatorDoc>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RestatedDoc {
    pub node: String,
    pub number: i32,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDoc {
    pub name: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub baseline: Option<String>,
    #[serde(default)]
    pub baseline_year: Option<i32>,
    #[serde(default)]
    pub baseline_value: Option<String>,
    #[serde(default)]
    pub comparator: Option<String>,
    /// One per plan year, first year first.
    pub targets: Vec<String>,
}

impl PlanDocument {
    /// Problems that make the document inconsistent, in Japanese; empty when it can be applied.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let p = &self.plan;
        if p.name.trim().is_empty() {
            out.push("計画の名前がありません。表の上の行に計画の名前を書いてください（例：第2次行政経営プラン（平成28年3月策定））。".to_owned());
        }
        if p.levels.is_empty() || self.nodes.is_empty() {
            out.push("計画の階層（視点・基本目標など）がありません。階層の列か見出しの行を入れてください。".to_owned());
        }
        if !limits::period_ok(p.first_year, p.last_year) {
            out.push(format!(
                "計画の期間は{}年度から{}年度までの間で、1年度から{}年度までにしてください。",
                limits::YEARS.start(),
                limits::YEARS.end(),
                limits::MAX_PERIOD
            ));
        }
        out.extend(head_problems(p));
        let years = (p.last_year - p.first_year + 1).max(0) as usize;
        let keys: Vec<&str> = self.nodes.iter().map(|n| n.key.as_str()).collect();
        for n in &self.nodes {
            out.extend(node_problems(n));
            let depth = n.key.split('.').count();
            if depth > p.levels.len() {
                out.push(format!(
                    "階層「{}」は定義された階層（{}段）より深いです。",
                    n.key,
                    p.levels.len()
                ));
            }
            if let Some((parent, _)) = n.key.rsplit_once('.')
                && !keys.contains(&parent)
            {
                out.push(format!("階層「{}」の親「{parent}」がありません。", n.key));
            }
        }
        let mut numbers = std::collections::HashSet::new();
        for i in &self.items {
            let at = format!("{}-{}", p.item_label, i.number);
            out.extend(item_problems(i).into_iter().map(|m| format!("{at}: {m}")));
            if !numbers.insert(i.number) || i.restated.iter().any(|r| !numbers.insert(r.number)) {
                out.push(format!("{at}: 番号が重複しています。"));
            }
            for node in std::iter::once(&i.node).chain(i.restated.iter().map(|r| &r.node)) {
                if !keys.contains(&node.as_str()) {
                    out.push(format!("{at}: 階層「{node}」がありません。"));
                }
            }
            for ind in &i.indicators {
                if ind.targets.len() != years {
                    out.push(format!(
                        "{at}: 「{}」の目標値が{}年度分ではありません。",
                        ind.name, years
                    ));
                }
                if ind.targets.iter().any(|t| PlanValue::parse(t).is_none()) {
                    out.push(format!("{at}: 「{}」に空の目標値があります。", ind.name));
                }
            }
        }
        out
    }
}

/// Longer than the editor allows: "「what」は N文字以内にしてください。".
fn length(out: &mut Vec<String>, what: &str, text: &str, max: usize) {
    if limits::too_long(text, max) {
        out.push(format!("{what}は{max}文字以内にしてください。"));
    }
}

fn head_problems(p: &PlanHead) -> Vec<String> {
    let mut out = Vec::new();
    length(&mut out, "計画の名前", &p.name, limits::NAME_MAX);
    length(&mut out, "策定", &p.adopted, limits::ADOPTED_MAX);
    length(
        &mut out,
        "項目の呼び方",
        &p.item_label,
        limits::ITEM_LABEL_MAX,
    );
    if p.levels.len() > limits::MAX_LEVELS
        || p.levels
            .iter()
            .any(|l| limits::too_long(l, limits::LEVEL_NAME_MAX))
    {
        out.push(format!(
            "階層は{}段まで、名前は{}文字以内にしてください。",
            limits::MAX_LEVELS,
            limits::LEVEL_NAME_MAX
        ));
    }
    out
}

fn node_problems(n: &NodeDoc) -> Vec<String> {
    let mut out = Vec::new();
    let at = |what: &str| format!("階層「{}」の{what}", n.key);
    length(&mut out, &at("番号"), &n.label, limits::NODE_LABEL_MAX);
    length(&mut out, &at("名前"), &n.title, limits::NODE_TITLE_MAX);
    length(
        &mut out,
        &at("説明"),
        &n.description,
        limits::NODE_DESCRIPTION_MAX,
    );
    out
}

fn item_problems(i: &ItemDoc) -> Vec<String> {
    let mut out = Vec::new();
    if !limits::ITEM_NUMBERS.contains(&i.number) {
        out.push(format!(
            "番号は{}から{}までにしてください。",
            limits::ITEM_NUMBERS.start(),
            limits::ITEM_NUMBERS.end()
        ));
    }
    length(&mut out, "名前", &i.title, limits::ITEM_TITLE_MAX);
    length(&mut out, "取組内容", &i.content, limits::ITEM_CONTENT_MAX);
    if i.sections.len() > limits::MAX_SECTIONS
        || i.sections
            .iter()
            .any(|s| limits::too_long(s, limits::SECTION_NAME_MAX))
    {
        out.push(format!(
            "担当課は{}件まで、名前は{}文字以内にしてください。",
            limits::MAX_SECTIONS,
            limits::SECTION_NAME_MAX
        ));
    }
    for x in &i.indicators {
        length(&mut out, "指標の名前", &x.name, limits::INDICATOR_NAME_MAX);
        length(&mut out, "単位", &x.unit, limits::UNIT_MAX);
        length(
            &mut out,
            "現状値",
            x.baseline.as_deref().unwrap_or(""),
            limits::BASELINE_MAX,
        );
        if x.baseline_year
            .is_some_and(|y| !limits::BASELINE_YEARS.contains(&y))
        {
            out.push(format!("「{}」の基準年度が範囲外です。", x.name));
        }
        if x.targets.iter().any(|t| PlanValue::is_too_large(t))
            || x.baseline_value
                .as_deref()
                .is_some_and(PlanValue::is_too_large)
        {
            out.push(format!(
                "「{}」: {}",
                x.name,
                crate::domain::metric::TOO_LARGE
            ));
        }
        if x.targets
            .iter()
            .any(|t| limits::too_long(t, limits::TARGET_MAX))
        {
            out.push(format!(
                "「{}」の目標値は{}文字以内にしてください。",
                x.name,
                limits::TARGET_MAX
            ));
        }
    }
    out
}
