//! After a document's levels are written: the ids in document order, and the stored rows the
//! document no longer has, removed.

use super::{IdsAt, Rows, Stored, TreeIds, delete_ids};
use crate::domain::document::{GoalDoc, ImportReport};
use sqlx::PgConnection;
use std::collections::{HashMap, HashSet};

/// The rows the document keeps, by level.
#[derive(Default)]
pub(super) struct Kept {
    goals: HashSet<i64>,
    initiatives: HashSet<i64>,
    criteria: HashSet<i64>,
}

/// The ids in document order (criteria a results report leaves alone first), and what is kept.
pub(super) fn tree_ids(
    trees: &[(i64, &[GoalDoc])],
    goal_ids: &[Vec<i64>],
    initiative_ids: &IdsAt,
    criterion_ids: &IdsAt,
    kept_by_initiative: &HashMap<i64, Vec<i64>>,
) -> (Vec<TreeIds>, Kept) {
    let mut kept = Kept::default();
    let mut all_ids = Vec::with_capacity(trees.len());
    for ((_, goals), ids) in trees.iter().zip(goal_ids) {
        let mut tree_ids = TreeIds::new();
        for (g, goal_id) in goals.iter().zip(ids) {
            kept.goals.insert(*goal_id);
            let mut initiatives = Vec::with_capacity(g.initiatives.len());
            for (ii, i) in g.initiatives.iter().enumerate() {
                let iid = initiative_ids[&(*goal_id, ii as i32 + 1)];
                kept.initiatives.insert(iid);
                let mut criteria: Vec<i64> =
                    kept_by_initiative.get(&iid).cloned().unwrap_or_default();
                criteria
                    .extend((0..i.criteria.len()).map(|ci| criterion_ids[&(iid, ci as i32 + 1)]));
                kept.criteria.extend(criteria.iter().copied());
                initiatives.push((iid, criteria));
            }
            tree_ids.push((*goal_id, initiatives));
        }
        all_ids.push(tree_ids);
    }
    (all_ids, kept)
}

/// Removes the stored rows the document no longer has. Deleting a goal or initiative cascades
/// to what hangs below it, so each level deletes only the rows whose parent is kept.
pub(super) async fn delete_gone(
    tx: &mut PgConnection,
    stored: &Stored,
    kept: &Kept,
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    let gone_criteria: Vec<i64> = stored
        .criteria
        .iter()
        .filter(|c| !kept.criteria.contains(&c.id) && kept.initiatives.contains(&c.initiative_id))
        .map(|c| c.id)
        .collect();
    delete_ids(tx, Rows::Criterion, &gone_criteria, r).await?;
    let gone_initiatives: Vec<i64> = stored
        .initiatives
        .iter()
        .filter(|i| !kept.initiatives.contains(&i.id) && kept.goals.contains(&i.parent_id))
        .map(|i| i.id)
        .collect();
    delete_ids(tx, Rows::Initiative, &gone_initiatives, r).await?;
    let gone_goals: Vec<i64> = stored
        .goals
        .iter()
        .filter(|g| !kept.goals.contains(&g.id))
        .map(|g| g.id)
        .collect();
    delete_ids(tx, Rows::Goal, &gone_goals, r).await
}
