//! The goal tree of a year's document: goals with their pillars, initiatives with their
//! sections, and criteria with their parsed metrics, matched by position under their parent.

use super::document::GoalDoc;
use super::{ImportReport, delete_ids};
use crate::domain::metric::{Metric, parse_metric};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use std::collections::HashMap;

/// A goal or an initiative: a text and a note at a position under a parent, linked to an
/// ordered set of other rows (pillars, or responsible sections).
#[derive(Clone, Copy)]
enum Node {
    Goal,
    Initiative,
}

impl Node {
    // Every SQL string below is built from these literals only, never from input.
    fn table(self) -> &'static str {
        match self {
            Node::Goal => "goal",
            Node::Initiative => "initiative",
        }
    }
    fn parent_column(self) -> &'static str {
        match self {
            Node::Goal => "department_id",
            Node::Initiative => "goal_id",
        }
    }
    fn link_table(self) -> &'static str {
        match self {
            Node::Goal => "goal_pillar",
            Node::Initiative => "initiative_section",
        }
    }
    fn set_attr_sql(self) -> &'static str {
        match self {
            Node::Goal => {
                "UPDATE goal SET category_id = $2::bigint, version = version + $3 WHERE id = $1"
            }
            Node::Initiative => {
                "UPDATE initiative SET deadline = $2, version = version + $3 WHERE id = $1"
            }
        }
    }
    fn insert_links_sql(self) -> &'static str {
        match self {
            Node::Goal => "INSERT INTO goal_pillar (municipality_id, goal_id, pillar_id) SELECT $1, $2, unnest($3::bigint[])",
            Node::Initiative => {
                "INSERT INTO initiative_section (municipality_id, initiative_id, section_id, position)
                 SELECT $1, $2, s.id, s.ord FROM unnest($3::bigint[]) WITH ORDINALITY AS s(id, ord)"
            }
        }
    }
}

/// A goal or initiative as it is in the database.
#[derive(sqlx::FromRow)]
struct ExistingNode {
    id: i64,
    parent_id: i64,
    position: i32,
    text: String,
    note: Option<String>,
    /// Pillar ids (sorted) for goals, section ids (in order) for initiatives.
    links: Vec<i64>,
    /// The node's optional attribute as text: a goal's category id, an initiative's deadline.
    attr: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ExistingCriterion {
    id: i64,
    initiative_id: i64,
    position: i32,
    text: String,
    target_value: Option<Decimal>,
    unit: Option<String>,
    comparator: Option<String>,
}

/// The ids a department's goal tree was written to, in document order: per goal its id and
/// per initiative its id and its criteria's ids.
pub type TreeIds = Vec<(i64, Vec<(i64, Vec<i64>)>)>;

/// How notes (editorial remarks kept with goals and initiatives) are treated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Notes {
    /// The document's notes replace the stored ones (data files, which carry them).
    Replace,
    /// Stored notes are kept (spreadsheets, which have no place for them).
    Keep,
}

/// Whether the document states the criteria.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Criteria {
    /// The document's criteria replace the stored ones.
    Replace,
    /// The document has no criteria (a results report): the stored ones are kept.
    Keep,
}

/// Writes the goal trees of `trees` (department id, goals), replacing each department's goals
/// (and only those departments'). Returns the ids per department, in the order given.
#[allow(clippy::too_many_arguments)]
pub(super) async fn upsert_goals(
    tx: &mut PgConnection,
    mid: i64,
    fid: i64,
    trees: &[(i64, &[GoalDoc])],
    section_ids: &HashMap<String, i64>,
    pillar_ids: &HashMap<i32, i64>,
    category_ids: &HashMap<String, i64>,
    notes: Notes,
    criteria: Criteria,
    r: &mut ImportReport,
) -> sqlx::Result<Vec<TreeIds>> {
    let department_ids: Vec<i64> = trees.iter().map(|(id, _)| *id).collect();
    let goals: Vec<ExistingNode> = sqlx::query_as(
        "SELECT g.id, g.department_id AS parent_id, g.position, g.text, g.note, g.category_id::text AS attr,
                COALESCE(array_agg(gp.pillar_id ORDER BY gp.pillar_id) FILTER (WHERE gp.pillar_id IS NOT NULL), '{}') AS links
         FROM goal g
         JOIN department d ON d.municipality_id = g.municipality_id AND d.id = g.department_id
         LEFT JOIN goal_pillar gp ON gp.municipality_id = g.municipality_id AND gp.goal_id = g.id
         WHERE g.municipality_id = $1 AND d.fiscal_year_id = $2 AND d.id = ANY($3)
         GROUP BY g.id",
    )
    .bind(mid)
    .bind(fid)
    .bind(&department_ids)
    .fetch_all(&mut *tx)
    .await?;
    let initiatives: Vec<ExistingNode> = sqlx::query_as(
        "SELECT i.id, i.goal_id AS parent_id, i.position, i.text, i.note, i.deadline AS attr,
                COALESCE(array_agg(s.section_id ORDER BY s.position) FILTER (WHERE s.section_id IS NOT NULL), '{}') AS links
         FROM initiative i
         JOIN goal g ON g.municipality_id = i.municipality_id AND g.id = i.goal_id
         JOIN department d ON d.municipality_id = g.municipality_id AND d.id = g.department_id
         LEFT JOIN initiative_section s ON s.municipality_id = i.municipality_id AND s.initiative_id = i.id
         WHERE i.municipality_id = $1 AND d.fiscal_year_id = $2 AND d.id = ANY($3)
         GROUP BY i.id",
    )
    .bind(mid)
    .bind(fid)
    .bind(&department_ids)
    .fetch_all(&mut *tx)
    .await?;
    let criteria_rows: Vec<ExistingCriterion> = sqlx::query_as(
        "SELECT c.id, c.initiative_id, c.position, c.text, c.target_value, c.unit, c.comparator
         FROM criterion c
         JOIN initiative i ON i.municipality_id = c.municipality_id AND i.id = c.initiative_id
         JOIN goal g ON g.municipality_id = i.municipality_id AND g.id = i.goal_id
         JOIN department d ON d.municipality_id = g.municipality_id AND d.id = g.department_id
         WHERE c.municipality_id = $1 AND d.fiscal_year_id = $2 AND d.id = ANY($3)",
    )
    .bind(mid)
    .bind(fid)
    .bind(&department_ids)
    .fetch_all(&mut *tx)
    .await?;
    let goal_at: HashMap<(i64, i32), &ExistingNode> = goals
        .iter()
        .map(|g| ((g.parent_id, g.position), g))
        .collect();
    let initiative_at: HashMap<(i64, i32), &ExistingNode> = initiatives
        .iter()
        .map(|i| ((i.parent_id, i.position), i))
        .collect();
    let criterion_at: HashMap<(i64, i32), &ExistingCriterion> = criteria_rows
        .iter()
        .map(|c| ((c.initiative_id, c.position), c))
        .collect();
    let mut kept_goals = Vec::new();
    let mut kept_initiatives = Vec::new();
    let mut kept_criteria = Vec::new();

    let mut all_ids = Vec::with_capacity(trees.len());
    for (did, goals) in trees {
        let did = *did;
        let mut tree_ids = TreeIds::new();
        for (gi, g) in goals.iter().enumerate() {
            let position = gi as i32 + 1;
            let mut pillars: Vec<i64> = g.pillars.iter().map(|n| pillar_ids[n]).collect();
            pillars.sort_unstable();
            pillars.dedup();
            let existing = goal_at.get(&(did, position)).copied();
            let note = (notes == Notes::Replace).then_some(&g.note);
            let goal_id = upsert_node(
                tx,
                Node::Goal,
                mid,
                did,
                position,
                &g.text,
                note,
                &pillars,
                existing,
                r,
            )
            .await?;
            let category = g.category.as_ref().map(|c| category_ids[c].to_string());
            let attr = match notes {
                Notes::Replace => Some(category),
                Notes::Keep => category.map(Some),
            };
            set_attr(tx, Node::Goal, goal_id, existing, attr, r).await?;
            kept_goals.push(goal_id);
            let mut initiative_ids = Vec::with_capacity(g.initiatives.len());

            for (ii, i) in g.initiatives.iter().enumerate() {
                let position = ii as i32 + 1;
                let sections: Vec<i64> = i.sections.iter().map(|s| section_ids[s]).collect();
                let existing = initiative_at.get(&(goal_id, position)).copied();
                let note = (notes == Notes::Replace).then_some(&i.note);
                let initiative_id = upsert_node(
                    tx,
                    Node::Initiative,
                    mid,
                    goal_id,
                    position,
                    &i.text,
                    note,
                    &sections,
                    existing,
                    r,
                )
                .await?;
                let attr = match notes {
                    Notes::Replace => Some(i.deadline.clone()),
                    Notes::Keep => i.deadline.clone().map(Some),
                };
                set_attr(tx, Node::Initiative, initiative_id, existing, attr, r).await?;
                kept_initiatives.push(initiative_id);
                let mut criterion_ids = Vec::with_capacity(i.criteria.len());

                if criteria == Criteria::Keep {
                    let mut kept: Vec<&ExistingCriterion> = criteria_rows
                        .iter()
                        .filter(|c| c.initiative_id == initiative_id)
                        .collect();
                    kept.sort_by_key(|c| c.position);
                    kept_criteria.extend(kept.iter().map(|c| c.id));
                    criterion_ids.extend(kept.iter().map(|c| c.id));
                }
                for (ci, text) in i.criteria.iter().enumerate() {
                    let existing = criterion_at.get(&(initiative_id, ci as i32 + 1)).copied();
                    let id =
                        upsert_criterion(tx, mid, initiative_id, ci as i32 + 1, text, existing, r)
                            .await?;
                    kept_criteria.push(id);
                    criterion_ids.push(id);
                }
                initiative_ids.push((initiative_id, criterion_ids));
            }
            tree_ids.push((goal_id, initiative_ids));
        }
        all_ids.push(tree_ids);
    }
    // Deleting a goal or initiative cascades to what hangs below it, so each level deletes only
    // the rows whose parent is kept.
    let gone_criteria: Vec<i64> = criteria_rows
        .iter()
        .filter(|c| !kept_criteria.contains(&c.id) && kept_initiatives.contains(&c.initiative_id))
        .map(|c| c.id)
        .collect();
    delete_ids(tx, "criterion", &gone_criteria, r).await?;
    let gone_initiatives: Vec<i64> = initiatives
        .iter()
        .filter(|i| !kept_initiatives.contains(&i.id) && kept_goals.contains(&i.parent_id))
        .map(|i| i.id)
        .collect();
    delete_ids(tx, "initiative", &gone_initiatives, r).await?;
    let gone_goals: Vec<i64> = goals
        .iter()
        .filter(|g| !kept_goals.contains(&g.id))
        .map(|g| g.id)
        .collect();
    delete_ids(tx, "goal", &gone_goals, r).await?;
    Ok(all_ids)
}

/// Sets a node's attribute (`Some(value)`) where it differs; `None` keeps the stored one. A row
/// inserted just now is not counted or versioned again.
async fn set_attr(
    tx: &mut PgConnection,
    node: Node,
    id: i64,
    existing: Option<&ExistingNode>,
    attr: Option<Option<String>>,
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    let Some(attr) = attr else {
        return Ok(());
    };
    let stored = existing.and_then(|e| e.attr.clone());
    if stored == attr {
        return Ok(());
    }
    let bump = i32::from(existing.is_some());
    sqlx::query(node.set_attr_sql())
        .bind(id)
        .bind(&attr)
        .bind(bump)
        .execute(&mut *tx)
        .await?;
    if existing.is_some() {
        r.updated += 1;
    }
    Ok(())
}

/// Inserts a goal or initiative, or updates it where it differs; returns its id.
#[allow(clippy::too_many_arguments)]
async fn upsert_node(
    tx: &mut PgConnection,
    node: Node,
    mid: i64,
    parent_id: i64,
    position: i32,
    text: &str,
    // None: keep the stored note (NULL for a new row).
    note: Option<&Option<String>>,
    links: &[i64],
    existing: Option<&ExistingNode>,
    r: &mut ImportReport,
) -> sqlx::Result<i64> {
    let (table, parent) = (node.table(), node.parent_column());
    let Some(existing) = existing else {
        r.inserted += 1;
        let id: i64 = sqlx::query_scalar(&format!(
            "INSERT INTO {table} (municipality_id, {parent}, position, text, note) VALUES ($1, $2, $3, $4, $5) RETURNING id"
        ))
        .bind(mid)
        .bind(parent_id)
        .bind(position)
        .bind(text)
        .bind(note.cloned().flatten())
        .fetch_one(&mut *tx)
        .await?;
        insert_links(tx, node, mid, id, links, r).await?;
        return Ok(id);
    };
    let note = note.unwrap_or(&existing.note);
    if existing.text != text || existing.note != *note {
        r.updated += 1;
        sqlx::query(&format!(
            "UPDATE {table} SET text = $2, note = $3, version = version + 1 WHERE id = $1"
        ))
        .bind(existing.id)
        .bind(text)
        .bind(note)
        .execute(&mut *tx)
        .await?;
    }
    if existing.links != links {
        let link_table = node.link_table();
        let n = sqlx::query(&format!(
            "DELETE FROM {link_table} WHERE municipality_id = $1 AND {table}_id = $2"
        ))
        .bind(mid)
        .bind(existing.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        r.deleted += n as usize;
        insert_links(tx, node, mid, existing.id, links, r).await?;
    }
    Ok(existing.id)
}

async fn insert_links(
    tx: &mut PgConnection,
    node: Node,
    mid: i64,
    id: i64,
    links: &[i64],
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    let n = sqlx::query(node.insert_links_sql())
        .bind(mid)
        .bind(id)
        .bind(links)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    r.inserted += n as usize;
    Ok(())
}

/// Inserts a criterion (with the metric its text states), or updates it where it differs.
async fn upsert_criterion(
    tx: &mut PgConnection,
    mid: i64,
    initiative_id: i64,
    position: i32,
    text: &str,
    existing: Option<&ExistingCriterion>,
    r: &mut ImportReport,
) -> sqlx::Result<i64> {
    let metric = parse_metric(text);
    let (value, unit, comparator) = metric_columns(metric.as_ref());
    let Some(existing) = existing else {
        r.inserted += 1;
        return sqlx::query_scalar(
            "INSERT INTO criterion (municipality_id, initiative_id, position, text, target_value, unit, comparator)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(mid)
        .bind(initiative_id)
        .bind(position)
        .bind(text)
        .bind(value)
        .bind(&unit)
        .bind(comparator)
        .fetch_one(&mut *tx)
        .await;
    };
    let same_value = existing.target_value.map(|v| v.normalize()) == value.map(|v| v.normalize());
    if existing.text != text
        || !same_value
        || existing.unit != unit
        || existing.comparator.as_deref() != comparator
    {
        r.updated += 1;
        sqlx::query(
            "UPDATE criterion SET text = $2, target_value = $3, unit = $4, comparator = $5, version = version + 1 WHERE id = $1",
        )
        .bind(existing.id)
        .bind(text)
        .bind(value)
        .bind(&unit)
        .bind(comparator)
        .execute(&mut *tx)
        .await?;
    }
    Ok(existing.id)
}

fn metric_columns(
    metric: Option<&Metric>,
) -> (Option<Decimal>, Option<String>, Option<&'static str>) {
    match metric {
        Some(m) => (
            Some(m.target_value),
            Some(m.unit.clone()),
            Some(m.comparator.as_str()),
        ),
        None => (None, None, None),
    }
}
