//! Writing a plan document: one transaction, rows matched by their natural keys and written
//! only where they differ, rows the document no longer holds removed, and every change of an
//! existing target kept as a revision.

use crate::db::year_document::ImportError;
use crate::domain::plan::PlanValue;
use crate::domain::plan_document::*;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;
use std::str::FromStr;

/// Applies a plan document in one transaction; returns the number of rows written.
pub async fn apply(pool: &PgPool, doc: &PlanDocument) -> Result<usize, ImportError> {
    let mut tx = pool.begin().await?;
    let written = apply_in(&mut tx, doc, None).await?;
    tx.commit().await?;
    Ok(written)
}

/// Applies a plan document inside the caller's transaction (`user`: who revises, kept with
/// each target revision). The document is the whole plan: nodes and items it does not hold
/// are removed.
pub async fn apply_in(
    tx: &mut PgConnection,
    doc: &PlanDocument,
    user: Option<i64>,
) -> Result<usize, ImportError> {
    let problems = doc.problems();
    if !problems.is_empty() {
        return Err(ImportError::Invalid(problems));
    }
    let mut written = 0;
    let m = &doc.municipality;
    written += exec(
        sqlx::query!("INSERT INTO municipality (slug, name, name_kana, local_government_code) VALUES ($1, $2, $3, $4)
             ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, name_kana = EXCLUDED.name_kana,
                 local_government_code = EXCLUDED.local_government_code
             WHERE (municipality.name, municipality.name_kana, municipality.local_government_code::text)
                   IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.name_kana, EXCLUDED.local_government_code::text)", m.slug, m.name, m.name_kana, m.local_government_code),
        tx,
    )
    .await?;
    let mid: i64 = sqlx::query_scalar!("SELECT id FROM municipality WHERE slug = $1", m.slug)
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
        sqlx::query!("INSERT INTO policy (municipality_id, slug, name, pillar_set_name, sublevel_names, adopted, first_year, last_year, item_label)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (municipality_id, slug) DO UPDATE SET name = EXCLUDED.name, pillar_set_name = EXCLUDED.pillar_set_name,
                 sublevel_names = EXCLUDED.sublevel_names, adopted = EXCLUDED.adopted, first_year = EXCLUDED.first_year,
                 last_year = EXCLUDED.last_year, item_label = EXCLUDED.item_label, version = policy.version + 1
             WHERE (policy.name, policy.pillar_set_name, policy.sublevel_names, policy.adopted, policy.first_year,
                    policy.last_year, policy.item_label)
                   IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.pillar_set_name, EXCLUDED.sublevel_names, EXCLUDED.adopted,
                                     EXCLUDED.first_year, EXCLUDED.last_year, EXCLUDED.item_label)", mid, p.slug, p.name, top, &sublevels[..], p.adopted, p.first_year, p.last_year, p.item_label),
        tx,
    )
    .await?;
    let plan_id: i64 = sqlx::query_scalar!(
        "SELECT id FROM policy WHERE municipality_id = $1 AND slug = $2",
        mid,
        p.slug
    )
    .fetch_one(&mut *tx)
    .await?;
    let (n, nodes) = write_nodes(tx, mid, plan_id, &doc.nodes).await?;
    written += n;
    let writer = Writer { mid, plan_id, user };
    written += writer.items(tx, doc, &nodes).await?;
    written += writer.prune(tx, doc, &nodes).await?;
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
            sqlx::query!("INSERT INTO pillar (municipality_id, policy_id, parent_id, depth, number, label, title, description)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (policy_id, (COALESCE(parent_id, 0)), number) DO UPDATE SET depth = EXCLUDED.depth,
                     label = EXCLUDED.label, title = EXCLUDED.title, description = EXCLUDED.description
                 WHERE (pillar.depth, pillar.label, pillar.title, pillar.description)
                       IS DISTINCT FROM (EXCLUDED.depth, EXCLUDED.label, EXCLUDED.title, EXCLUDED.description)", mid, plan_id, parent, depth, position, n.label, n.title, n.description),
            tx,
        )
        .await?;
        let id: i64 = sqlx::query_scalar!("SELECT id FROM pillar WHERE policy_id = $1 AND parent_id IS NOT DISTINCT FROM $2 AND number = $3", plan_id, parent, position)
        .fetch_one(&mut *tx)
        .await?;
        ids.insert(n.key.clone(), id);
    }
    Ok((written, ids))
}

/// Writes one item of a plan (matched by its number) with its places, indicators and targets,
/// as the editor saves it; `nodes` maps node keys to ids. Returns rows written.
#[allow(clippy::too_many_arguments)]
pub async fn write_item(
    tx: &mut PgConnection,
    mid: i64,
    plan_id: i64,
    doc: &PlanDocument,
    item: &ItemDoc,
    nodes: &HashMap<String, i64>,
    user: i64,
) -> sqlx::Result<usize> {
    Writer {
        mid,
        plan_id,
        user: Some(user),
    }
    .item(tx, doc, item, nodes)
    .await
}

/// Writes items and what hangs under them for one plan.
struct Writer {
    mid: i64,
    plan_id: i64,
    user: Option<i64>,
}

impl Writer {
    async fn items(
        &self,
        tx: &mut PgConnection,
        doc: &PlanDocument,
        nodes: &HashMap<String, i64>,
    ) -> sqlx::Result<usize> {
        let mut written = 0;
        for item in &doc.items {
            written += self.item(tx, doc, item, nodes).await?;
        }
        Ok(written)
    }

    async fn item(
        &self,
        tx: &mut PgConnection,
        doc: &PlanDocument,
        item: &ItemDoc,
        nodes: &HashMap<String, i64>,
    ) -> sqlx::Result<usize> {
        let before: Option<Vec<String>> = sqlx::query_scalar!(
            "SELECT sections FROM plan_item WHERE policy_id = $1 AND number = $2",
            self.plan_id,
            item.number
        )
        .fetch_optional(&mut *tx)
        .await?;
        let mut written = exec(
            sqlx::query!("INSERT INTO plan_item (municipality_id, policy_id, number, title, content, sections) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (policy_id, number) DO UPDATE SET title = EXCLUDED.title, content = EXCLUDED.content, sections = EXCLUDED.sections
                 WHERE (plan_item.title, plan_item.content, plan_item.sections) IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.content, EXCLUDED.sections)", self.mid, self.plan_id, item.number, item.title, item.content, &item.sections[..]),
            tx,
        )
        .await?;
        let item_id: i64 = sqlx::query_scalar!(
            "SELECT id FROM plan_item WHERE policy_id = $1 AND number = $2",
            self.plan_id,
            item.number
        )
        .fetch_one(&mut *tx)
        .await?;
        if before.as_ref() != Some(&item.sections) {
            link_sections(tx, self.mid, item_id, &item.sections).await?;
        }
        written += self.places(tx, item_id, item, nodes).await?;
        written += self
            .indicators(
                tx,
                item_id,
                doc.plan.first_year,
                doc.plan.last_year,
                &item.indicators,
            )
            .await?;
        if written > 0 && before.is_some() {
            sqlx::query!(
                "UPDATE plan_item SET version = version + 1 WHERE id = $1",
                item_id
            )
            .execute(&mut *tx)
            .await?;
        }
        Ok(written)
    }

    async fn places(
        &self,
        tx: &mut PgConnection,
        item_id: i64,
        item: &ItemDoc,
        nodes: &HashMap<String, i64>,
    ) -> sqlx::Result<usize> {
        let places: Vec<(i64, i32, bool)> =
            std::iter::once((nodes[&item.node], item.number, false))
                .chain(
                    item.restated
                        .iter()
                        .map(|r| (nodes[&r.node], r.number, true)),
                )
                .collect();
        let node_ids: Vec<i64> = places.iter().map(|p| p.0).collect();
        // A place that changes between home and ※再掲 is written anew, so the one home a
        // moment holds stays one.
        let mut written = exec(
            sqlx::query!(
                "DELETE FROM plan_item_place WHERE item_id = $1
                 AND (NOT (node_id = ANY($2)) OR (node_id = $3) = restated)",
                item_id,
                &node_ids[..],
                node_ids[0]
            ),
            tx,
        )
        .await?;
        for (node_id, number, restated) in places {
            written += exec(
                sqlx::query!("INSERT INTO plan_item_place (municipality_id, item_id, node_id, number, restated) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (item_id, node_id) DO UPDATE SET number = EXCLUDED.number, restated = EXCLUDED.restated
                     WHERE (plan_item_place.number, plan_item_place.restated) IS DISTINCT FROM (EXCLUDED.number, EXCLUDED.restated)", self.mid, item_id, node_id, number, restated),
                tx,
            )
            .await?;
        }
        Ok(written)
    }

    async fn indicators(
        &self,
        tx: &mut PgConnection,
        item_id: i64,
        first_year: i32,
        last_year: i32,
        indicators: &[IndicatorDoc],
    ) -> sqlx::Result<usize> {
        let mut written = exec(
            sqlx::query!(
                "DELETE FROM plan_indicator WHERE item_id = $1 AND position > $2",
                item_id,
                indicators.len() as i32
            ),
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
                sqlx::query!("INSERT INTO plan_indicator (municipality_id, item_id, position, name, unit, baseline, baseline_year, baseline_value, comparator)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (item_id, position) DO UPDATE SET name = EXCLUDED.name, unit = EXCLUDED.unit, baseline = EXCLUDED.baseline,
                         baseline_year = EXCLUDED.baseline_year, baseline_value = EXCLUDED.baseline_value, comparator = EXCLUDED.comparator
                     WHERE (plan_indicator.name, plan_indicator.unit, plan_indicator.baseline, plan_indicator.baseline_year,
                            plan_indicator.baseline_value, plan_indicator.comparator)
                           IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.unit, EXCLUDED.baseline, EXCLUDED.baseline_year,
                                             EXCLUDED.baseline_value, EXCLUDED.comparator)", self.mid, item_id, k as i32 + 1, ind.name, ind.unit, ind.baseline, ind.baseline_year, baseline_value, comparator),
                tx,
            )
            .await?;
            let indicator_id: i64 = sqlx::query_scalar!(
                "SELECT id FROM plan_indicator WHERE item_id = $1 AND position = $2",
                item_id,
                k as i32 + 1
            )
            .fetch_one(&mut *tx)
            .await?;
            written += exec(
                sqlx::query!("DELETE FROM plan_target WHERE indicator_id = $1 AND NOT (year BETWEEN $2 AND $3)", indicator_id, first_year, last_year),
                tx,
            )
            .await?;
            for (y, target) in ind.targets.iter().enumerate() {
                written += self
                    .target(tx, indicator_id, first_year + y as i32, target)
                    .await?;
            }
        }
        Ok(written)
    }

    /// Writes one target; a change of a target that existed is kept as a revision.
    pub async fn target(
        &self,
        tx: &mut PgConnection,
        indicator_id: i64,
        year: i32,
        target: &str,
    ) -> sqlx::Result<usize> {
        write_target(tx, self.mid, indicator_id, year, target, self.user).await
    }

    /// Removes the items and nodes the document no longer holds.
    async fn prune(
        &self,
        tx: &mut PgConnection,
        doc: &PlanDocument,
        nodes: &HashMap<String, i64>,
    ) -> sqlx::Result<usize> {
        let numbers: Vec<i32> = doc.items.iter().map(|i| i.number).collect();
        let node_ids: Vec<i64> = nodes.values().copied().collect();
        let items = exec(
            sqlx::query!(
                "DELETE FROM plan_item WHERE policy_id = $1 AND NOT (number = ANY($2))",
                self.plan_id,
                &numbers[..]
            ),
            tx,
        )
        .await?;
        let nodes = exec(
            sqlx::query!(
                "DELETE FROM pillar WHERE policy_id = $1 AND NOT (id = ANY($2))",
                self.plan_id,
                &node_ids[..]
            ),
            tx,
        )
        .await?;
        Ok(items + nodes)
    }
}

/// Writes one target (`target` as the plan prints it; an empty text removes it); a change of
/// a target that existed is kept as a revision by `user`. Returns rows written.
pub async fn write_target(
    tx: &mut PgConnection,
    mid: i64,
    indicator_id: i64,
    year: i32,
    target: &str,
    user: Option<i64>,
) -> sqlx::Result<usize> {
    let written = target.trim();
    let (value, word) = match PlanValue::parse(written) {
        Some(PlanValue::Number(n)) => (Some(n), None),
        Some(PlanValue::Word(w)) => (None, Some(w)),
        None => {
            return exec(
                sqlx::query!(
                    "DELETE FROM plan_target WHERE indicator_id = $1 AND year = $2",
                    indicator_id,
                    year
                ),
                tx,
            )
            .await;
        }
    };
    // Every sub-statement sees the table as it was before this statement: `old` is the
    // target before the write.
    let rows: Option<i64> = sqlx::query_scalar!(r#"WITH old AS (SELECT written FROM plan_target WHERE indicator_id = $2 AND year = $3),
         up AS (
             INSERT INTO plan_target (municipality_id, indicator_id, year, value, word, written) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (indicator_id, year) DO UPDATE SET value = EXCLUDED.value, word = EXCLUDED.word, written = EXCLUDED.written
             WHERE (plan_target.value, plan_target.word, plan_target.written)
                   IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.word, EXCLUDED.written)
             RETURNING 1),
         rev AS (
             INSERT INTO plan_target_revision (municipality_id, indicator_id, year, before, after, revised_by)
             SELECT $1, $2, $3, old.written, $6, $7 FROM old, up WHERE old.written <> $6)
         SELECT count(*) AS "value?" FROM up"#, mid, indicator_id, year, value, word, written, user)
    .fetch_one(&mut *tx)
    .await?;
    Ok(rows.unwrap_or(0) as usize)
}

/// Links an item to the city's sections (of every year) bearing its 担当課 names.
pub async fn link_sections(
    tx: &mut PgConnection,
    mid: i64,
    item_id: i64,
    names: &[String],
) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM plan_item_section WHERE item_id = $1", item_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "INSERT INTO plan_item_section (municipality_id, item_id, section_id)
         SELECT $1, $2, id FROM section WHERE municipality_id = $1 AND name = ANY($3)",
        mid,
        item_id,
        names
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}
