//! The stored plan as a document, and what a document would change in it: the preview of a
//! plan workbook lists exactly these changes.

use super::{IndicatorDoc, ItemDoc, NodeDoc, PlanCity, PlanDocument, PlanHead, RestatedDoc};
use crate::db::plans::PlanData;
use std::collections::HashMap;

impl PlanDocument {
    /// The stored plan as the document that would write it. A year without a target is 「—」.
    pub fn from_data(data: &PlanData, municipality: PlanCity) -> Self {
        let p = &data.plan;
        let keys = node_keys(data);
        let nodes = data
            .nodes
            .iter()
            .map(|n| NodeDoc {
                key: keys[&n.id].clone(),
                label: n.label.clone(),
                title: n.title.clone(),
                description: n.description.clone(),
            })
            .collect::<Vec<_>>();
        let mut nodes = nodes;
        // Depth first, siblings by number: the order does not depend on row ids.
        nodes.sort_by_cached_key(|n| {
            n.key
                .split('.')
                .map(|p| p.parse::<i32>().unwrap_or(0))
                .collect::<Vec<_>>()
        });
        let mut targets: HashMap<(i64, i32), &str> = HashMap::new();
        for t in &data.targets {
            targets.insert((t.indicator_id, t.year), &t.written);
        }
        let items = data
            .items
            .iter()
            .map(|i| item_doc(data, i, &keys, &targets))
            .collect();
        PlanDocument {
            municipality,
            plan: PlanHead {
                slug: p.slug.clone(),
                name: p.name.clone(),
                adopted: p.adopted.clone(),
                first_year: p.first_year,
                last_year: p.last_year,
                levels: p.level_names.clone(),
                item_label: p.item_label.clone(),
            },
            nodes,
            items,
        }
    }
}

/// Each node's key (「1.2.3」: its number and its ancestors').
pub fn node_keys(data: &PlanData) -> HashMap<i64, String> {
    let by_id: HashMap<i64, &crate::db::plans::NodeRow> =
        data.nodes.iter().map(|n| (n.id, n)).collect();
    let mut keys = HashMap::new();
    for n in &data.nodes {
        let mut path = vec![n.number.to_string()];
        let mut at = n.parent_id;
        while let Some(id) = at {
            let Some(parent) = by_id.get(&id) else { break };
            path.push(parent.number.to_string());
            at = parent.parent_id;
        }
        path.reverse();
        keys.insert(n.id, path.join("."));
    }
    keys
}

/// What applying a document would change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    /// The plan's own fields (「計画の名前：A → B」).
    pub head: Vec<String>,
    pub nodes: Vec<NodeChange>,
    pub items: Vec<ItemChange>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.head.is_empty() && self.nodes.is_empty() && self.items.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeChange {
    /// 「追加」「変更」「削除」.
    pub kind: &'static str,
    pub key: String,
    /// As printed: 「(1) 窓口サービスの向上」.
    pub text: String,
    pub details: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemChange {
    pub kind: &'static str,
    pub number: i32,
    pub title: String,
    pub details: Vec<String>,
}

pub const ADDED: &str = "追加";
pub const CHANGED: &str = "変更";
pub const REMOVED: &str = "削除";

fn node_text(n: &NodeDoc) -> String {
    if n.label.is_empty() {
        n.title.clone()
    } else {
        format!("{} {}", n.label, n.title)
    }
}

fn field(out: &mut Vec<String>, name: &str, old: &str, new: &str) {
    if old != new {
        out.push(format!("{name}：{} → {}", shown(old), shown(new)));
    }
}

fn shown(s: &str) -> String {
    if s.is_empty() {
        "（なし）".to_owned()
    } else {
        let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if one.chars().count() > 60 {
            format!("{}…", one.chars().take(60).collect::<String>())
        } else {
            one
        }
    }
}

/// The changes from `old` (stored; None for a new plan) to `new`; `year_label` names a year.
pub fn compare(
    old: Option<&PlanDocument>,
    new: &PlanDocument,
    year_label: &dyn Fn(i32) -> String,
) -> Changes {
    let empty = PlanDocument {
        municipality: new.municipality.clone(),
        plan: PlanHead {
            slug: new.plan.slug.clone(),
            name: String::new(),
            adopted: String::new(),
            first_year: new.plan.first_year,
            last_year: new.plan.last_year,
            levels: Vec::new(),
            item_label: String::new(),
        },
        nodes: Vec::new(),
        items: Vec::new(),
    };
    let old = old.unwrap_or(&empty);
    let mut c = Changes::default();
    let (o, n) = (&old.plan, &new.plan);
    field(&mut c.head, "計画の名前", &o.name, &n.name);
    field(&mut c.head, "策定", &o.adopted, &n.adopted);
    field(
        &mut c.head,
        "期間",
        &format!("{}〜{}", year_label(o.first_year), year_label(o.last_year)),
        &format!("{}〜{}", year_label(n.first_year), year_label(n.last_year)),
    );
    field(
        &mut c.head,
        "階層",
        &o.levels.join("・"),
        &n.levels.join("・"),
    );
    field(&mut c.head, "項目の呼び方", &o.item_label, &n.item_label);
    compare_nodes(old, new, &mut c);
    let old_items: HashMap<i32, &ItemDoc> = old.items.iter().map(|i| (i.number, i)).collect();
    let new_numbers: std::collections::HashSet<i32> = new.items.iter().map(|i| i.number).collect();
    for item in &new.items {
        match old_items.get(&item.number) {
            None => c.items.push(ItemChange {
                kind: ADDED,
                number: item.number,
                title: item.title.clone(),
                details: Vec::new(),
            }),
            Some(before) => {
                let d = item_details(old, new, before, item, year_label);
                if !d.is_empty() {
                    c.items.push(ItemChange {
                        kind: CHANGED,
                        number: item.number,
                        title: item.title.clone(),
                        details: d,
                    });
                }
            }
        }
    }
    for item in &old.items {
        if !new_numbers.contains(&item.number) {
            c.items.push(ItemChange {
                kind: REMOVED,
                number: item.number,
                title: item.title.clone(),
                details: Vec::new(),
            });
        }
    }
    c
}

/// A node as the preview names it (its key when the document lacks it).
fn node_name(doc: &PlanDocument, key: &str) -> String {
    doc.nodes
        .iter()
        .find(|x| x.key == key)
        .map(node_text)
        .unwrap_or_else(|| key.to_owned())
}

/// What changed in one item, field by field and target by target.
fn item_details(
    old: &PlanDocument,
    new: &PlanDocument,
    before: &ItemDoc,
    item: &ItemDoc,
    year_label: &dyn Fn(i32) -> String,
) -> Vec<String> {
    let mut d = Vec::new();
    field(&mut d, "名前", &before.title, &item.title);
    field(&mut d, "取組内容", &before.content, &item.content);
    field(
        &mut d,
        "担当課",
        &before.sections.join("・"),
        &item.sections.join("・"),
    );
    field(
        &mut d,
        "位置",
        &node_name(old, &before.node),
        &node_name(new, &item.node),
    );
    let places = |doc: &PlanDocument, i: &ItemDoc| {
        i.restated
            .iter()
            .map(|r| format!("{}（-{}）", node_name(doc, &r.node), r.number))
            .collect::<Vec<_>>()
            .join("・")
    };
    field(&mut d, "再掲", &places(old, before), &places(new, item));
    compare_indicators(before, item, new.plan.first_year, year_label, &mut d);
    d
}

fn compare_nodes(old: &PlanDocument, new: &PlanDocument, c: &mut Changes) {
    let old_nodes: HashMap<&str, &NodeDoc> =
        old.nodes.iter().map(|x| (x.key.as_str(), x)).collect();
    let new_keys: std::collections::HashSet<&str> =
        new.nodes.iter().map(|x| x.key.as_str()).collect();
    for node in &new.nodes {
        match old_nodes.get(node.key.as_str()) {
            None => c.nodes.push(NodeChange {
                kind: ADDED,
                key: node.key.clone(),
                text: node_text(node),
                details: Vec::new(),
            }),
            Some(before) => {
                let mut d = Vec::new();
                field(&mut d, "番号", &before.label, &node.label);
                field(&mut d, "名前", &before.title, &node.title);
                field(&mut d, "説明", &before.description, &node.description);
                if !d.is_empty() {
                    c.nodes.push(NodeChange {
                        kind: CHANGED,
                        key: node.key.clone(),
                        text: node_text(node),
                        details: d,
                    });
                }
            }
        }
    }
    for node in &old.nodes {
        if !new_keys.contains(node.key.as_str()) {
            c.nodes.push(NodeChange {
                kind: REMOVED,
                key: node.key.clone(),
                text: node_text(node),
                details: Vec::new(),
            });
        }
    }
}

fn compare_indicators(
    before: &ItemDoc,
    after: &ItemDoc,
    first_year: i32,
    year_label: &dyn Fn(i32) -> String,
    d: &mut Vec<String>,
) {
    let count = before.indicators.len().max(after.indicators.len());
    for k in 0..count {
        match (before.indicators.get(k), after.indicators.get(k)) {
            (Some(b), None) => d.push(format!("指標「{}」を削除", b.name)),
            (None, Some(a)) => d.push(format!("指標「{}」を追加", a.name)),
            (Some(b), Some(a)) => {
                let at = format!("指標「{}」の", a.name);
                field(d, &format!("{at}名前"), &b.name, &a.name);
                field(d, &format!("{at}単位"), &b.unit, &a.unit);
                let opt = |s: &Option<String>| s.clone().unwrap_or_default();
                field(
                    d,
                    &format!("{at}現状値"),
                    &opt(&b.baseline),
                    &opt(&a.baseline),
                );
                let year = |y: Option<i32>| y.map(year_label).unwrap_or_default();
                field(
                    d,
                    &format!("{at}基準年度"),
                    &year(b.baseline_year),
                    &year(a.baseline_year),
                );
                field(
                    d,
                    &format!("{at}基準値"),
                    &opt(&b.baseline_value),
                    &opt(&a.baseline_value),
                );
                let dir = |s: &Option<String>| {
                    crate::domain::metric::Comparator::from_db(s.as_deref().unwrap_or("at_least"))
                        .map(|c| c.label().to_owned())
                        .unwrap_or_default()
                };
                field(
                    d,
                    &format!("{at}達成の向き"),
                    &dir(&b.comparator),
                    &dir(&a.comparator),
                );
                for (y, (tb, ta)) in b.targets.iter().zip(&a.targets).enumerate() {
                    field(
                        d,
                        &format!("{at}目標値（{}）", year_label(first_year + y as i32)),
                        tb,
                        ta,
                    );
                }
            }
            (None, None) => {}
        }
    }
}

/// A stored item as a document: its places by node key, its indicators with a target for
/// every year of the plan (「—」 where there is none).
fn item_doc(
    data: &PlanData,
    i: &crate::db::plans::ItemRow,
    keys: &HashMap<i64, String>,
    targets: &HashMap<(i64, i32), &str>,
) -> ItemDoc {
    let p = &data.plan;
    let places = data.places.iter().filter(|x| x.item_id == i.id);
    ItemDoc {
        number: i.number,
        title: i.title.clone(),
        content: i.content.clone(),
        sections: i.sections.clone(),
        node: places
            .clone()
            .find(|x| !x.restated)
            .map(|x| keys[&x.node_id].clone())
            .unwrap_or_default(),
        restated: places
            .filter(|x| x.restated)
            .map(|x| RestatedDoc {
                node: keys[&x.node_id].clone(),
                number: x.number,
            })
            .collect(),
        indicators: data
            .indicators
            .iter()
            .filter(|x| x.item_id == i.id)
            .map(|x| IndicatorDoc {
                name: x.name.clone(),
                unit: x.unit.clone(),
                baseline: x.baseline.clone(),
                baseline_year: x.baseline_year,
                baseline_value: x.baseline_value.map(|v| v.normalize().to_string()),
                comparator: Some(x.comparator.clone()),
                targets: (p.first_year..=p.last_year)
                    .map(|y| {
                        targets
                            .get(&(x.id, y))
                            .copied()
                            .unwrap_or(crate::domain::plan::NO_TARGET)
                            .to_owned()
                    })
                    .collect(),
            })
            .collect(),
    }
}
