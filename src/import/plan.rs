//! A multi-year plan as a document (the 加須市 demo file) and its idempotent application:
//! the plan (a policy) by slug, its nodes (pillar rows) by their number under their parent, items by number, indicators by position under
//! their item, targets by year. Applying the same document twice writes nothing, and the
//! actuals recorded against indicators survive a reload.

use super::ImportError;
use crate::domain::plan::PlanValue;
use rust_decimal::Decimal;
use serde::Deserialize;
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;
use std::str::FromStr;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanDocument {
    pub municipality: PlanCity,
    pub plan: PlanHead,
    pub nodes: Vec<NodeDoc>,
    pub items: Vec<ItemDoc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanCity {
    pub slug: String,
    pub name: String,
    pub name_kana: String,
    pub local_government_code: String,
}

#[derive(Debug, Clone, Deserialize)]
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

#[derive(Debug, Clone, Deserialize)]
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

#[derive(Debug, Clone, Deserialize)]
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestatedDoc {
    pub node: String,
    pub number: i32,
}

#[derive(Debug, Clone, Deserialize)]
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

/// Applies a plan document in one transaction; returns the number of rows written.
pub async fn apply(pool: &PgPool, doc: &PlanDocument) -> Result<usize, ImportError> {
    let problems = doc.problems();
    if !problems.is_empty() {
        return Err(ImportError::Invalid(problems));
    }
    let mut tx = pool.begin().await?;
    let mut written = 0;
    let m = &doc.municipality;
    written += exec(
        sqlx::query(
            "INSERT INTO municipality (slug, name, name_kana, local_government_code) VALUES ($1, $2, $3, $4)
             ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, name_kana = EXCLUDED.name_kana,
                 local_government_code = EXCLUDED.local_government_code
             WHERE (municipality.name, municipality.name_kana, municipality.local_government_code::text)
                   IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.name_kana, EXCLUDED.local_government_code::text)",
        )
        .bind(&m.slug)
        .bind(&m.name)
        .bind(&m.name_kana)
        .bind(&m.local_government_code),
        &mut tx,
    )
    .await?;
    let mid: i64 = sqlx::query_scalar("SELECT id FROM municipality WHERE slug = $1")
        .bind(&m.slug)
        .fetch_one(&mut *tx)
        .await?;
    let p = &doc.plan;
    // The plan is a policy: its top level is named like a city's pillars, deeper levels follow.
    let (top, sublevels) = p
        .levels
        .split_first()
        .map(|(t, s)| (t.clone(), s.to_vec()))
        .unwrap_or_default();
    written += exec(
        sqlx::query(
            "INSERT INTO policy (municipality_id, slug, name, pillar_set_name, sublevel_names, adopted, first_year, last_year, item_label)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (municipality_id, slug) DO UPDATE SET name = EXCLUDED.name, pillar_set_name = EXCLUDED.pillar_set_name,
                 sublevel_names = EXCLUDED.sublevel_names, adopted = EXCLUDED.adopted, first_year = EXCLUDED.first_year,
                 last_year = EXCLUDED.last_year, item_label = EXCLUDED.item_label
             WHERE (policy.name, policy.pillar_set_name, policy.sublevel_names, policy.adopted, policy.first_year,
                    policy.last_year, policy.item_label)
                   IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.pillar_set_name, EXCLUDED.sublevel_names, EXCLUDED.adopted,
                                     EXCLUDED.first_year, EXCLUDED.last_year, EXCLUDED.item_label)",
        )
        .bind(mid)
        .bind(&p.slug)
        .bind(&p.name)
        .bind(&top)
        .bind(&sublevels)
        .bind(&p.adopted)
        .bind(p.first_year)
        .bind(p.last_year)
        .bind(&p.item_label),
        &mut tx,
    )
    .await?;
    let plan_id: i64 =
        sqlx::query_scalar("SELECT id FROM policy WHERE municipality_id = $1 AND slug = $2")
            .bind(mid)
            .bind(&p.slug)
            .fetch_one(&mut *tx)
            .await?;
    let (n, nodes) = write_nodes(&mut tx, mid, plan_id, &doc.nodes).await?;
    written += n;
    written += write_items(&mut tx, mid, plan_id, doc, &nodes).await?;
    tx.commit().await?;
    Ok(written)
}

async fn exec<'q>(
    q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    tx: &mut PgConnection,
) -> sqlx::Result<usize> {
    Ok(q.execute(&mut *tx).await?.rows_affected() as usize)
}

/// Nodes parents first (keys sort that way by length); returns rows written.
async fn write_nodes(
    tx: &mut PgConnection,
    mid: i64,
    plan_id: i64,
    nodes: &[NodeDoc],
) -> sqlx::Result<(usize, HashMap<String, i64>)> {
    let mut sorted: Vec<&NodeDoc> = nodes.iter().collect();
    sorted.sort_by_key(|n| n.key.split('.').count());
    let mut ids: HashMap<String, i64> = HashMap::new();
    let mut written = 0;
    for n in sorted {
        let (parent, position) = match n.key.rsplit_once('.') {
            Some((parent, last)) => (ids.get(parent).copied(), last.parse::<i32>().unwrap_or(0)),
            None => (None, n.key.parse::<i32>().unwrap_or(0)),
        };
        let depth = n.key.split('.').count() as i32 - 1;
        written += exec(
            sqlx::query(
                "INSERT INTO pillar (municipality_id, policy_id, parent_id, depth, number, label, title, description)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (policy_id, (COALESCE(parent_id, 0)), number) DO UPDATE SET depth = EXCLUDED.depth,
                     label = EXCLUDED.label, title = EXCLUDED.title, description = EXCLUDED.description
                 WHERE (pillar.depth, pillar.label, pillar.title, pillar.description)
                       IS DISTINCT FROM (EXCLUDED.depth, EXCLUDED.label, EXCLUDED.title, EXCLUDED.description)",
            )
            .bind(mid)
            .bind(plan_id)
            .bind(parent)
            .bind(depth)
            .bind(position)
            .bind(&n.label)
            .bind(&n.title)
            .bind(&n.description),
            tx,
        )
        .await?;
        let id: i64 = sqlx::query_scalar(
            "SELECT id FROM pillar WHERE policy_id = $1 AND parent_id IS NOT DISTINCT FROM $2 AND number = $3",
        )
        .bind(plan_id)
        .bind(parent)
        .bind(position)
        .fetch_one(&mut *tx)
        .await?;
        ids.insert(n.key.clone(), id);
    }
    Ok((written, ids))
}

async fn write_items(
    tx: &mut PgConnection,
    mid: i64,
    plan_id: i64,
    doc: &PlanDocument,
    nodes: &HashMap<String, i64>,
) -> sqlx::Result<usize> {
    let mut written = 0;
    for item in &doc.items {
        written += exec(
            sqlx::query(
                "INSERT INTO plan_item (municipality_id, policy_id, number, title, content, sections) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (policy_id, number) DO UPDATE SET title = EXCLUDED.title, content = EXCLUDED.content, sections = EXCLUDED.sections
                 WHERE (plan_item.title, plan_item.content, plan_item.sections) IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.content, EXCLUDED.sections)",
            )
            .bind(mid)
            .bind(plan_id)
            .bind(item.number)
            .bind(&item.title)
            .bind(&item.content)
            .bind(&item.sections),
            tx,
        )
        .await?;
        let item_id: i64 =
            sqlx::query_scalar("SELECT id FROM plan_item WHERE policy_id = $1 AND number = $2")
                .bind(plan_id)
                .bind(item.number)
                .fetch_one(&mut *tx)
                .await?;
        let places: Vec<(i64, i32, bool)> =
            std::iter::once((nodes[&item.node], item.number, false))
                .chain(
                    item.restated
                        .iter()
                        .map(|r| (nodes[&r.node], r.number, true)),
                )
                .collect();
        let node_ids: Vec<i64> = places.iter().map(|p| p.0).collect();
        written += exec(
            sqlx::query(
                "DELETE FROM plan_item_place WHERE item_id = $1 AND NOT (node_id = ANY($2))",
            )
            .bind(item_id)
            .bind(&node_ids),
            tx,
        )
        .await?;
        for (node_id, number, restated) in places {
            written += exec(
                sqlx::query(
                    "INSERT INTO plan_item_place (municipality_id, item_id, node_id, number, restated) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (item_id, node_id) DO UPDATE SET number = EXCLUDED.number, restated = EXCLUDED.restated
                     WHERE (plan_item_place.number, plan_item_place.restated) IS DISTINCT FROM (EXCLUDED.number, EXCLUDED.restated)",
                )
                .bind(mid)
                .bind(item_id)
                .bind(node_id)
                .bind(number)
                .bind(restated),
                tx,
            )
            .await?;
        }
        written +=
            write_indicators(tx, mid, item_id, doc.plan.first_year, &item.indicators).await?;
    }
    Ok(written)
}

async fn write_indicators(
    tx: &mut PgConnection,
    mid: i64,
    item_id: i64,
    first_year: i32,
    indicators: &[IndicatorDoc],
) -> sqlx::Result<usize> {
    let mut written = exec(
        sqlx::query("DELETE FROM plan_indicator WHERE item_id = $1 AND position > $2")
            .bind(item_id)
            .bind(indicators.len() as i32),
        tx,
    )
    .await?;
    for (k, ind) in indicators.iter().enumerate() {
        let baseline_value = ind
            .baseline_value
            .as_deref()
            .and_then(|v| Decimal::from_str(v).ok());
        let comparator = ind.comparator.as_deref().unwrap_or("at_least");
        written += exec(
            sqlx::query(
                "INSERT INTO plan_indicator (municipality_id, item_id, position, name, unit, baseline, baseline_year, baseline_value, comparator)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (item_id, position) DO UPDATE SET name = EXCLUDED.name, unit = EXCLUDED.unit, baseline = EXCLUDED.baseline,
                     baseline_year = EXCLUDED.baseline_year, baseline_value = EXCLUDED.baseline_value, comparator = EXCLUDED.comparator
                 WHERE (plan_indicator.name, plan_indicator.unit, plan_indicator.baseline, plan_indicator.baseline_year,
                        plan_indicator.baseline_value, plan_indicator.comparator)
                       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.unit, EXCLUDED.baseline, EXCLUDED.baseline_year,
                                         EXCLUDED.baseline_value, EXCLUDED.comparator)",
            )
            .bind(mid)
            .bind(item_id)
            .bind(k as i32 + 1)
            .bind(&ind.name)
            .bind(&ind.unit)
            .bind(&ind.baseline)
            .bind(ind.baseline_year)
            .bind(baseline_value)
            .bind(comparator),
            tx,
        )
        .await?;
        let indicator_id: i64 = sqlx::query_scalar(
            "SELECT id FROM plan_indicator WHERE item_id = $1 AND position = $2",
        )
        .bind(item_id)
        .bind(k as i32 + 1)
        .fetch_one(&mut *tx)
        .await?;
        for (y, target) in ind.targets.iter().enumerate() {
            let (value, word) = match PlanValue::parse(target) {
                Some(PlanValue::Number(n)) => (Some(n), None),
                Some(PlanValue::Word(w)) => (None, Some(w)),
                None => continue,
            };
            written += exec(
                sqlx::query(
                    "INSERT INTO plan_target (municipality_id, indicator_id, year, value, word, written) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (indicator_id, year) DO UPDATE SET value = EXCLUDED.value, word = EXCLUDED.word, written = EXCLUDED.written
                     WHERE (plan_target.value, plan_target.word, plan_target.written)
                           IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.word, EXCLUDED.written)",
                )
                .bind(mid)
                .bind(indicator_id)
                .bind(first_year + y as i32)
                .bind(value)
                .bind(word)
                .bind(target.trim()),
                tx,
            )
            .await?;
        }
    }
    Ok(written)
}
