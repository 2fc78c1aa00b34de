//! The goal tree of a year's document: goals with their pillars, initiatives with their
//! sections, and criteria with their parsed metrics, matched by position under their parent.

mod batch;
mod kept;

use crate::domain::document::GoalDoc;
use crate::domain::document::ImportReport;
use crate::domain::metric::{Metric, parse_metric};
use batch::{NewNode, Stored, insert_criteria, insert_nodes};
use kept::{delete_gone, tree_ids};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use std::collections::HashMap;

/// A goal or an initiative: a text and a note at a position under a parent, linked to an
/// ordered set of other rows (pillars, or responsible sections).
#[derive(Clone, Copy)]
pub(super) enum Node {
    Goal,
    Initiative,
}

/// Runs one statement written twice, for goals (`$goal`) and for initiatives (`$initiative`),
/// with the same arguments; both are checked when the code compiles.
macro_rules! per_node {
    ($node:expr, $conn:expr, $goal:tt, $initiative:tt $(, $arg:expr)* $(,)?) => {
        match $node {
            Node::Goal => sqlx::query!($goal $(, $arg)*).execute($conn).await?,
            Node::Initiative => sqlx::query!($initiative $(, $arg)*).execute($conn).await?,
        }
    };
}
pub(super) use per_node;

/// A goal or initiative as it is in the database.
#[derive(sqlx::FromRow)]
pub(super) struct ExistingNode {
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
pub(super) struct ExistingCriterion {
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

/// What the document's names and numbers refer to, and how notes and criteria are treated.
struct Refs<'a> {
    mid: i64,
    section_ids: &'a HashMap<String, i64>,
    pillar_ids: &'a HashMap<i32, i64>,
    category_ids: &'a HashMap<String, i64>,
    notes: Notes,
}

/// Ids of one level by (parent id, position): the stored rows kept and the rows inserted.
type IdsAt = HashMap<(i64, i32), i64>;

/// Writes the goal trees of `trees` (department id, goals), replacing each department's goals
/// (and only those departments'). Returns the ids per department, in the order given.
///
/// Level by level (goals, initiatives, criteria): stored rows that differ are updated one by
/// one; new rows of a level are inserted in one statement (with their links in another), so a
/// large first import costs a handful of statements, not one per cell.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn upsert_goals(
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
    let refs = Refs {
        mid,
        section_ids,
        pillar_ids,
        category_ids,
        notes,
    };
    let department_ids: Vec<i64> = trees.iter().map(|(id, _)| *id).collect();
    let stored = Stored::load(tx, mid, fid, &department_ids).await?;
    let goal_ids = write_goals(tx, &refs, trees, &stored, r).await?;
    let initiative_ids = write_initiatives(tx, &refs, trees, &goal_ids, &stored, r).await?;
    let criterion_ids =
        write_criteria(tx, mid, trees, &goal_ids, &initiative_ids, &stored, r).await?;
    let mut kept_by_initiative: HashMap<i64, Vec<i64>> = HashMap::new();
    if criteria == Criteria::Keep {
        for c in &stored.criteria {
            kept_by_initiative
                .entry(c.initiative_id)
                .or_default()
                .push(c.id);
        }
    }
    let (all_ids, kept) = tree_ids(
        trees,
        &goal_ids,
        &initiative_ids,
        &criterion_ids,
        &kept_by_initiative,
    );
    delete_gone(tx, &stored, &kept, r).await?;
    Ok(all_ids)
}

/// The goals of each department: stored ones updated where they differ, new ones inserted.
/// Returns each department's goal ids in document order.
async fn write_goals(
    tx: &mut PgConnection,
    refs: &Refs<'_>,
    trees: &[(i64, &[GoalDoc])],
    stored: &Stored,
    r: &mut ImportReport,
) -> sqlx::Result<Vec<Vec<i64>>> {
    let goal_at: HashMap<(i64, i32), &ExistingNode> = stored
        .goals
        .iter()
        .map(|g| ((g.parent_id, g.position), g))
        .collect();
    let mut new_goals = Vec::new();
    let mut kept: IdsAt = HashMap::new();
    for (did, goals) in trees {
        for (gi, g) in goals.iter().enumerate() {
            let position = gi as i32 + 1;
            let mut pillars: Vec<i64> = g.pillars.iter().map(|n| refs.pillar_ids[n]).collect();
            pillars.sort_unstable();
            pillars.dedup();
            let note = (refs.notes == Notes::Replace).then_some(&g.note);
            let category = g
                .category
                .as_ref()
                .map(|c| refs.category_ids[c].to_string());
            let Some(existing) = goal_at.get(&(*did, position)).copied() else {
                new_goals.push(NewNode {
                    parent: *did,
                    position,
                    text: &g.text,
                    note: note.cloned().flatten(),
                    links: pillars,
                    attr: category,
                });
                continue;
            };
            update_node(
                tx,
                Node::Goal,
                refs.mid,
                &g.text,
                note,
                &pillars,
                existing,
                r,
            )
            .await?;
            let attr = match refs.notes {
                Notes::Replace => Some(category),
                Notes::Keep => category.map(Some),
            };
            set_attr(tx, Node::Goal, existing.id, Some(existing), attr, r).await?;
            kept.insert((*did, position), existing.id);
        }
    }
    kept.extend(insert_nodes(tx, Node::Goal, refs.mid, &new_goals, r).await?);
    Ok(trees
        .iter()
        .map(|(did, goals)| {
            (0..goals.len())
                .map(|gi| kept[&(*did, gi as i32 + 1)])
                .collect()
        })
        .collect())
}

/// The initiatives under each goal; returns their ids by (goal id, position).
async fn write_initiatives(
    tx: &mut PgConnection,
    refs: &Refs<'_>,
    trees: &[(i64, &[GoalDoc])],
    goal_ids: &[Vec<i64>],
    stored: &Stored,
    r: &mut ImportReport,
) -> sqlx::Result<IdsAt> {
    let initiative_at: HashMap<(i64, i32), &ExistingNode> = stored
        .initiatives
        .iter()
        .map(|i| ((i.parent_id, i.position), i))
        .collect();
    let mut new_initiatives = Vec::new();
    let mut ids: IdsAt = HashMap::new();
    for ((_, goals), goal_ids) in trees.iter().zip(goal_ids) {
        for (g, goal_id) in goals.iter().zip(goal_ids) {
            for (ii, i) in g.initiatives.iter().enumerate() {
                let position = ii as i32 + 1;
                let sections: Vec<i64> = i.sections.iter().map(|s| refs.section_ids[s]).collect();
                let note = (refs.notes == Notes::Replace).then_some(&i.note);
                let Some(existing) = initiative_at.get(&(*goal_id, position)).copied() else {
                    new_initiatives.push(NewNode {
                        parent: *goal_id,
                        position,
                        text: &i.text,
                        note: note.cloned().flatten(),
                        links: sections,
                        attr: i.deadline.clone(),
                    });
                    continue;
                };
                let node = Node::Initiative;
                update_node(tx, node, refs.mid, &i.text, note, &sections, existing, r).await?;
                let attr = match refs.notes {
                    Notes::Replace => Some(i.deadline.clone()),
                    Notes::Keep => i.deadline.clone().map(Some),
                };
                set_attr(tx, node, existing.id, Some(existing), attr, r).await?;
                ids.insert((*goal_id, position), existing.id);
            }
        }
    }
    ids.extend(insert_nodes(tx, Node::Initiative, refs.mid, &new_initiatives, r).await?);
    Ok(ids)
}

/// The criteria under each initiative; returns their ids by (initiative id, position).
async fn write_criteria(
    tx: &mut PgConnection,
    mid: i64,
    trees: &[(i64, &[GoalDoc])],
    goal_ids: &[Vec<i64>],
    initiative_ids: &IdsAt,
    stored: &Stored,
    r: &mut ImportReport,
) -> sqlx::Result<IdsAt> {
    let criterion_at: HashMap<(i64, i32), &ExistingCriterion> = stored
        .criteria
        .iter()
        .map(|c| ((c.initiative_id, c.position), c))
        .collect();
    let mut new_criteria = Vec::new();
    let mut ids: IdsAt = HashMap::new();
    for ((_, goals), goal_ids) in trees.iter().zip(goal_ids) {
        for (g, goal_id) in goals.iter().zip(goal_ids) {
            for (ii, i) in g.initiatives.iter().enumerate() {
                let iid = initiative_ids[&(*goal_id, ii as i32 + 1)];
                for (ci, text) in i.criteria.iter().enumerate() {
                    let position = ci as i32 + 1;
                    match criterion_at.get(&(iid, position)).copied() {
                        Some(existing) => {
                            update_criterion(tx, text, existing, r).await?;
                            ids.insert((iid, position), existing.id);
                        }
                        None => new_criteria.push((iid, position, text.as_str())),
                    }
                }
            }
        }
    }
    ids.extend(insert_criteria(tx, mid, &new_criteria, r).await?);
    Ok(ids)
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
    per_node!(
        node,
        &mut *tx,
        "UPDATE goal SET category_id = $2::text::bigint, version = version + $3 WHERE id = $1",
        "UPDATE initiative SET deadline = $2, version = version + $3 WHERE id = $1",
        id,
        attr,
        bump
    );
    if existing.is_some() {
        r.updated += 1;
    }
    Ok(())
}

/// Updates a stored goal or initiative where the document differs (text, note, links).
#[allow(clippy::too_many_arguments)]
async fn update_node(
    tx: &mut PgConnection,
    node: Node,
    mid: i64,
    text: &str,
    // None: keep the stored note.
    note: Option<&Option<String>>,
    links: &[i64],
    existing: &ExistingNode,
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    let note = note.unwrap_or(&existing.note);
    if existing.text != text || existing.note != *note {
        r.updated += 1;
        per_node!(
            node,
            &mut *tx,
            "UPDATE goal SET text = $2, note = $3, version = version + 1 WHERE id = $1",
            "UPDATE initiative SET text = $2, note = $3, version = version + 1 WHERE id = $1",
            existing.id,
            text,
            note.as_deref()
        );
    }
    if existing.links != links {
        let n = per_node!(
            node,
            &mut *tx,
            "DELETE FROM goal_pillar WHERE municipality_id = $1 AND goal_id = $2",
            "DELETE FROM initiative_section WHERE municipality_id = $1 AND initiative_id = $2",
            mid,
            existing.id
        )
        .rows_affected();
        r.deleted += n as usize;
        let n = per_node!(
            node,
            &mut *tx,
            "INSERT INTO goal_pillar (municipality_id, goal_id, pillar_id) SELECT $1, $2, unnest($3::bigint[])",
            "INSERT INTO initiative_section (municipality_id, initiative_id, section_id, position)
             SELECT $1, $2, s.id, s.ord FROM unnest($3::bigint[]) WITH ORDINALITY AS s(id, ord)",
            mid,
            existing.id,
            links
        )
        .rows_affected();
        r.inserted += n as usize;
    }
    Ok(())
}

/// Updates a stored criterion (and the metric its text states) where the document differs.
async fn update_criterion(
    tx: &mut PgConnection,
    text: &str,
    existing: &ExistingCriterion,
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    let metric = parse_metric(text);
    let (value, unit, comparator) = metric_columns(metric.as_ref());
    let same_value = existing.target_value.map(|v| v.normalize()) == value.map(|v| v.normalize());
    if existing.text != text
        || !same_value
        || existing.unit != unit
        || existing.comparator.as_deref() != comparator
    {
        r.updated += 1;
        sqlx::query!("UPDATE criterion SET text = $2, target_value = $3, unit = $4, comparator = $5, version = version + 1 WHERE id = $1", existing.id, text, value, unit, comparator)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

pub(super) fn metric_columns(
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

/// The tables a document's writer removes rows from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rows {
    Goal,
    Initiative,
    Criterion,
    BookletSection,
    Section,
    Department,
}

/// Deletes rows of one of the document's tables by id.
pub(crate) async fn delete_ids(
    tx: &mut PgConnection,
    table: Rows,
    ids: &[i64],
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let done = match table {
        Rows::Goal => sqlx::query!("DELETE FROM goal WHERE id = ANY($1)", ids),
        Rows::Initiative => sqlx::query!("DELETE FROM initiative WHERE id = ANY($1)", ids),
        Rows::Criterion => sqlx::query!("DELETE FROM criterion WHERE id = ANY($1)", ids),
        Rows::BookletSection => sqlx::query!("DELETE FROM booklet_section WHERE id = ANY($1)", ids),
        Rows::Section => sqlx::query!("DELETE FROM section WHERE id = ANY($1)", ids),
        Rows::Department => sqlx::query!("DELETE FROM department WHERE id = ANY($1)", ids),
    }
    .execute(&mut *tx)
    .await?;
    r.deleted += done.rows_affected() as usize;
    Ok(())
}
