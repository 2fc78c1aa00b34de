//! Writes of the plan editor: the plan's head, its nodes (added, edited, moved under another
//! parent or among siblings, removed when empty), and the audit trail of each item. Every
//! write runs in the caller's transaction, which holds the plan's lock
//! ([`crate::db::plan_imports::lock_plan`]).

use sqlx::PgConnection;

/// The plan's own fields as the head form edits them.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Head {
    pub name: String,
    pub adopted: String,
    pub first_year: i32,
    pub last_year: i32,
    /// Level names from the top; at least one, at most six.
    pub levels: Vec<String>,
    pub item_label: String,
}

/// Creates a plan (a policy with a slug and years); its id.
pub async fn create_plan(
    tx: &mut PgConnection,
    mid: i64,
    slug: &str,
    h: &Head,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!("INSERT INTO policy (municipality_id, slug, name, pillar_set_name, sublevel_names, adopted, first_year, last_year, item_label)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id", mid, slug, h.name, &h.levels[0], &h.levels[1..], h.adopted, h.first_year, h.last_year, h.item_label)
    .fetch_one(&mut *tx)
    .await
}

/// Saves the head if nobody saved since `version`; false on a conflict.
pub async fn update_head(
    tx: &mut PgConnection,
    mid: i64,
    plan_id: i64,
    version: i32,
    h: &Head,
) -> sqlx::Result<bool> {
    let n = sqlx::query!("UPDATE policy SET name = $4, pillar_set_name = $5, sublevel_names = $6, adopted = $7, first_year = $8,
             last_year = $9, item_label = $10, version = version + 1
         WHERE municipality_id = $1 AND id = $2 AND version = $3", mid, plan_id, version, h.name, &h.levels[0], &h.levels[1..], h.adopted, h.first_year, h.last_year, h.item_label)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 1 {
        // Targets outside the new period go (an item keeps its targets of the years left).
        sqlx::query!("DELETE FROM plan_target t USING plan_indicator x, plan_item i
             WHERE t.indicator_id = x.id AND x.item_id = i.id AND i.policy_id = $1 AND NOT (t.year BETWEEN $2 AND $3)", plan_id, h.first_year, h.last_year)
        .execute(&mut *tx)
        .await?;
    }
    Ok(n == 1)
}

/// A node's fields as the node form edits them.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Node {
    pub label: String,
    pub title: String,
    pub description: String,
}

/// Adds a node last under `parent` (None: the top level); its id.
pub async fn insert_node(
    tx: &mut PgConnection,
    mid: i64,
    plan_id: i64,
    parent: Option<i64>,
    depth: i32,
    n: &Node,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!("INSERT INTO pillar (municipality_id, policy_id, parent_id, depth, number, label, title, description)
         VALUES ($1, $2, $3, $4,
                 (SELECT COALESCE(max(number), 0) + 1 FROM pillar WHERE policy_id = $2 AND parent_id IS NOT DISTINCT FROM $3),
                 $5, $6, $7)
         RETURNING id", mid, plan_id, parent, depth, n.label, n.title, n.description)
    .fetch_one(&mut *tx)
    .await
}

/// Saves a node if nobody saved since `version`, moving it (last) under `parent` when that
/// changed (its subtree's depths follow); false on a conflict.
#[allow(clippy::too_many_arguments)]
pub async fn update_node(
    tx: &mut PgConnection,
    mid: i64,
    plan_id: i64,
    node_id: i64,
    version: i32,
    n: &Node,
    parent: Option<i64>,
    depth: i32,
) -> sqlx::Result<bool> {
    let moved = sqlx::query!("UPDATE pillar SET label = $5, title = $6, description = $7, version = version + 1,
             number = CASE WHEN parent_id IS NOT DISTINCT FROM $8 THEN number
                      ELSE (SELECT COALESCE(max(number), 0) + 1 FROM pillar WHERE policy_id = $2 AND parent_id IS NOT DISTINCT FROM $8) END,
             parent_id = $8, depth = $9
         WHERE municipality_id = $1 AND policy_id = $2 AND id = $3 AND version = $4", mid, plan_id, node_id, version, n.label, n.title, n.description, parent, depth)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 0 {
        return Ok(false);
    }
    sqlx::query!("WITH RECURSIVE sub(id, depth) AS (
             SELECT id, depth FROM pillar WHERE id = $1
             UNION ALL SELECT p.id, sub.depth + 1 FROM pillar p JOIN sub ON p.parent_id = sub.id)
         UPDATE pillar SET depth = sub.depth FROM sub WHERE pillar.id = sub.id AND pillar.depth <> sub.depth", node_id)
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// The deepest level under a node, counted from the node (0: no children).
pub async fn subtree_height(tx: &mut PgConnection, node_id: i64) -> sqlx::Result<i32> {
    sqlx::query_scalar!(
        r#"WITH RECURSIVE sub(id, h) AS (
             SELECT id, 0 FROM pillar WHERE id = $1
             UNION ALL SELECT p.id, sub.h + 1 FROM pillar p JOIN sub ON p.parent_id = sub.id)
         SELECT max(h) AS "value!" FROM sub"#,
        node_id
    )
    .fetch_one(&mut *tx)
    .await
}

/// Removes a node that has no children and lists no item; false (nothing removed) otherwise.
pub async fn delete_node(
    tx: &mut PgConnection,
    mid: i64,
    plan_id: i64,
    node_id: i64,
) -> sqlx::Result<bool> {
    let n = sqlx::query!(
        "DELETE FROM pillar WHERE municipality_id = $1 AND policy_id = $2 AND id = $3
           AND NOT EXISTS (SELECT 1 FROM pillar c WHERE c.parent_id = $3)
           AND NOT EXISTS (SELECT 1 FROM plan_item_place p WHERE p.node_id = $3)",
        mid,
        plan_id,
        node_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Swaps a node with its previous (`up`) or next sibling; false when there is none.
pub async fn move_node(
    tx: &mut PgConnection,
    plan_id: i64,
    node_id: i64,
    up: bool,
) -> sqlx::Result<bool> {
    let me: Option<(Option<i64>, i32)> = sqlx::query!(
        r#"SELECT parent_id AS "parent_id?", number FROM pillar WHERE policy_id = $1 AND id = $2"#,
        plan_id,
        node_id
    )
    .map(|r| (r.parent_id, r.number))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((parent, number)) = me else {
        return Ok(false);
    };
    let other: Option<(i64, i32)> = if up {
        sqlx::query!(
            "SELECT id, number FROM pillar WHERE policy_id = $1 AND parent_id IS NOT DISTINCT FROM $2 AND number < $3 ORDER BY number DESC LIMIT 1",
            plan_id,
            parent,
            number
        )
        .map(|r| (r.id, r.number))
        .fetch_optional(&mut *tx)
        .await?
    } else {
        sqlx::query!(
            "SELECT id, number FROM pillar WHERE policy_id = $1 AND parent_id IS NOT DISTINCT FROM $2 AND number > $3 ORDER BY number LIMIT 1",
            plan_id,
            parent,
            number
        )
        .map(|r| (r.id, r.number))
        .fetch_optional(&mut *tx)
        .await?
    };
    let Some((other_id, other_number)) = other else {
        return Ok(false);
    };
    // The siblings' numbers are unique at every row: park one on a free number first.
    let free: i32 = sqlx::query_scalar!(r#"SELECT min(n) AS "value!" FROM generate_series(1, 99) n
         WHERE NOT EXISTS (SELECT 1 FROM pillar WHERE policy_id = $1 AND parent_id IS NOT DISTINCT FROM $2 AND number = n)"#, plan_id, parent)
    .fetch_one(&mut *tx)
    .await?;
    for (id, to) in [(node_id, free), (other_id, number), (node_id, other_number)] {
        sqlx::query!(
            "UPDATE pillar SET number = $2, version = version + 1 WHERE id = $1",
            id,
            to
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(true)
}

/// Renumbers an item (its home place's number follows); false when the number is taken.
pub async fn renumber_item(
    tx: &mut PgConnection,
    plan_id: i64,
    item_id: i64,
    number: i32,
) -> sqlx::Result<bool> {
    let taken: bool = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM plan_item_place p JOIN plan_item i ON i.id = p.item_id
                        WHERE i.policy_id = $1 AND p.number = $2 AND NOT (p.item_id = $3 AND NOT p.restated)) AS "value!""#, plan_id, number, item_id)
    .fetch_one(&mut *tx)
    .await?;
    if taken {
        return Ok(false);
    }
    sqlx::query!(
        "UPDATE plan_item SET number = $2 WHERE id = $1",
        item_id,
        number
    )
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// Removes an item (with its indicators, targets and actuals).
pub async fn delete_item(
    tx: &mut PgConnection,
    mid: i64,
    plan_id: i64,
    item_id: i64,
) -> sqlx::Result<bool> {
    let n = sqlx::query!(
        "DELETE FROM plan_item WHERE municipality_id = $1 AND policy_id = $2 AND id = $3",
        mid,
        plan_id,
        item_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// An item's version now (locked for the rest of the transaction), None when it is gone.
pub async fn item_version(
    tx: &mut PgConnection,
    plan_id: i64,
    item_id: i64,
) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar!(
        "SELECT version FROM plan_item WHERE policy_id = $1 AND id = $2 FOR UPDATE",
        plan_id,
        item_id
    )
    .fetch_optional(&mut *tx)
    .await
}

/// One change of an item as its history lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemEvent {
    pub at: chrono::DateTime<chrono::Utc>,
    pub action: String,
    pub who: Option<String>,
}

/// The item's changes, newest first (the last 30).
pub async fn item_history(
    pool: &sqlx::PgPool,
    mid: i64,
    item_id: i64,
) -> sqlx::Result<Vec<ItemEvent>> {
    sqlx::query_as!(
        ItemEvent,
        r#"SELECT e.at, e.action, u.display_name AS "who?" FROM audit_event e
         LEFT JOIN app_user u ON u.id = e.user_id
         WHERE e.municipality_id = $1 AND e.entity = 'plan_item' AND e.entity_id = $2
         ORDER BY e.at DESC, e.id DESC LIMIT 30"#,
        mid,
        item_id
    )
    .fetch_all(pool)
    .await
}

/// Removes an item's indicators `gone` and closes the gaps in the positions, so the
/// indicators kept stay matched with their own targets and actuals.
pub async fn remove_indicators(
    tx: &mut PgConnection,
    item_id: i64,
    gone: &[i64],
) -> sqlx::Result<()> {
    if gone.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "DELETE FROM plan_indicator WHERE item_id = $1 AND id = ANY($2)",
        item_id,
        gone
    )
    .execute(&mut *tx)
    .await?;
    let left: Vec<(i64, i32)> = sqlx::query!(
        "SELECT id, position FROM plan_indicator WHERE item_id = $1 ORDER BY position",
        item_id
    )
    .map(|r| (r.id, r.position))
    .fetch_all(&mut *tx)
    .await?;
    // One at a time, lowest first: each moves into a place already free (UNIQUE positions).
    for (k, (id, position)) in left.into_iter().enumerate() {
        if position != k as i32 + 1 {
            sqlx::query!(
                "UPDATE plan_indicator SET position = $2 WHERE id = $1",
                id,
                k as i32 + 1
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

/// The id of the plan's item with this number.
pub async fn item_id(tx: &mut PgConnection, policy_id: i64, number: i32) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "SELECT id FROM plan_item WHERE policy_id = $1 AND number = $2",
        policy_id,
        number
    )
    .fetch_one(&mut *tx)
    .await
}

/// How many nodes sit directly under `parent` (None: the top level).
pub async fn children_count(
    tx: &mut PgConnection,
    policy_id: i64,
    parent: Option<i64>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "value!" FROM pillar WHERE policy_id = $1 AND parent_id IS NOT DISTINCT FROM $2"#, policy_id, parent)
    .fetch_one(&mut *tx)
    .await
}
