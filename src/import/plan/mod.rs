//! A multi-year plan as a document (the 加須市 demo file) and its idempotent application:
//! the plan (a policy) by slug, its nodes (pillar rows) by their number under their parent, items by number, indicators by position under
//! their item, targets by year. Applying the same document twice writes nothing, and the
//! actuals recorded against indicators survive a reload.

use crate::domain::plan::PlanValue;
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
        if p.last_year < p.first_year || p.last_year - p.first_year >= 20 {
            out.push("計画の期間は1年度から20年度までにしてください。".to_owned());
        }
        let years = (p.last_year - p.first_year + 1).max(0) as usize;
        let keys: Vec<&str> = self.nodes.iter().map(|n| n.key.as_str()).collect();
        for n in &self.nodes {
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

pub mod actuals;
pub mod apply;
pub mod book;
pub mod compare;
pub use apply::apply;
pub use compare::{Changes, ItemChange, NodeChange, compare, node_keys};
