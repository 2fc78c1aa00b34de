//! Reads and writes behind the staff editing pages. Every statement is scoped by
//! municipality_id, so an id from another city finds nothing (and the handler answers 404).
//! Updates are guarded by the row's `version`: a stale version changes nothing and the
//! caller reports a conflict instead of overwriting someone else's work.

use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

/// A department with its year, for staff pages.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DepartmentCtx {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub fiscal_year_id: i64,
    pub year: i32,
    pub policy_id: i64,
}

/// A goal as edited.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GoalCtx {
    pub id: i64,
    pub department_id: i64,
    pub position: i32,
    pub text: String,
    pub version: i32,
    pub pillar_ids: Vec<i64>,
    pub category_id: Option<i64>,
}

/// An initiative as edited, with the goal and department it belongs to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InitiativeCtx {
    pub id: i64,
    pub goal_id: i64,
    pub department_id: i64,
    pub position: i32,
    pub text: String,
    pub version: i32,
    pub section_ids: Vec<i64>,
    pub deadline: Option<String>,
}

/// A criterion as edited, with what it hangs under.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CriterionCtx {
    pub id: i64,
    pub initiative_id: i64,
    pub goal_id: i64,
    pub department_id: i64,
    pub section_ids: Vec<i64>,
    pub position: i32,
    pub text: String,
    pub target_value: Option<Decimal>,
    pub unit: Option<String>,
    pub comparator: Option<String>,
    pub version: i32,
}

/// A pillar or a section to choose from.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Choice {
    pub id: i64,
    pub label: String,
}

/// An entry of the audit trail.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub at: chrono::DateTime<chrono::Utc>,
    pub who: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: i64,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub async fn department(pool: &PgPool, mid: i64, id: i64) -> sqlx::Result<Option<DepartmentCtx>> {
    sqlx::query_as!(DepartmentCtx, "SELECT d.id, d.name, d.slug, d.fiscal_year_id, f.year, f.policy_id
         FROM department d JOIN fiscal_year f ON f.municipality_id = d.municipality_id AND f.id = d.fiscal_year_id
         WHERE d.municipality_id = $1 AND d.id = $2", mid, id)
    .fetch_optional(pool)
    .await
}

pub async fn goal(pool: &PgPool, mid: i64, id: i64) -> sqlx::Result<Option<GoalCtx>> {
    sqlx::query_as!(GoalCtx, r#"SELECT g.id, g.department_id, g.position, g.text, g.version, g.category_id AS "category_id?",
                COALESCE(array_agg(gp.pillar_id ORDER BY gp.pillar_id) FILTER (WHERE gp.pillar_id IS NOT NULL), '{}') AS "pillar_ids!"
         FROM goal g LEFT JOIN goal_pillar gp ON gp.municipality_id = g.municipality_id AND gp.goal_id = g.id
         WHERE g.municipality_id = $1 AND g.id = $2
         GROUP BY g.id"#, mid, id)
    .fetch_optional(pool)
    .await
}

pub async fn initiative(pool: &PgPool, mid: i64, id: i64) -> sqlx::Result<Option<InitiativeCtx>> {
    sqlx::query_as!(InitiativeCtx, r#"SELECT i.id, i.goal_id, g.department_id, i.position, i.text, i.version, i.deadline AS "deadline?",
                COALESCE(array_agg(s.section_id ORDER BY s.position) FILTER (WHERE s.section_id IS NOT NULL), '{}') AS "section_ids!"
         FROM initiative i
         JOIN goal g ON g.municipality_id = i.municipality_id AND g.id = i.goal_id
         LEFT JOIN initiative_section s ON s.municipality_id = i.municipality_id AND s.initiative_id = i.id
         WHERE i.municipality_id = $1 AND i.id = $2
         GROUP BY i.id, g.department_id"#, mid, id)
    .fetch_optional(pool)
    .await
}

pub async fn criterion(pool: &PgPool, mid: i64, id: i64) -> sqlx::Result<Option<CriterionCtx>> {
    sqlx::query_as!(CriterionCtx, r#"SELECT c.id, c.initiative_id, i.goal_id, g.department_id,
                COALESCE((SELECT array_agg(s.section_id ORDER BY s.position) FROM initiative_section s
                          WHERE s.municipality_id = c.municipality_id AND s.initiative_id = i.id), '{}') AS "section_ids!",
                c.position, c.text, c.target_value AS "target_value?", c.unit AS "unit?", c.comparator AS "comparator?", c.version
         FROM criterion c
         JOIN initiative i ON i.municipality_id = c.municipality_id AND i.id = c.initiative_id
         JOIN goal g ON g.municipality_id = i.municipality_id AND g.id = i.goal_id
         WHERE c.municipality_id = $1 AND c.id = $2"#, mid, id)
    .fetch_optional(pool)
    .await
}

/// The pillars a goal of this department may be tied to.
pub async fn pillar_choices(pool: &PgPool, mid: i64, policy_id: i64) -> sqlx::Result<Vec<Choice>> {
    sqlx::query_as!(
        Choice,
        r#"SELECT id, format('(%s) %s', number, title) AS "label!" FROM pillar
         WHERE municipality_id = $1 AND policy_id = $2 AND parent_id IS NULL ORDER BY number"#,
        mid,
        policy_id
    )
    .fetch_all(pool)
    .await
}

/// The sections of a department.
pub async fn section_choices(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
) -> sqlx::Result<Vec<Choice>> {
    sqlx::query_as!(Choice, "SELECT id, name AS label FROM section WHERE municipality_id = $1 AND department_id = $2 ORDER BY position", mid, department_id)
    .fetch_all(pool)
    .await
}

/// Labels of the given pillar or section ids, in the order given (for the audit trail).
pub async fn labels(
    tx: &mut PgConnection,
    mid: i64,
    table: Labelled,
    ids: &[i64],
) -> sqlx::Result<Vec<String>> {
    match table {
        Labelled::Pillar => {
            sqlx::query_scalar!(
                r#"SELECT format('(%s)', p.number) AS "label!"
                   FROM unnest($2::bigint[]) WITH ORDINALITY AS x(id, ord)
                   JOIN pillar p ON p.municipality_id = $1 AND p.id = x.id ORDER BY x.ord"#,
                mid,
                ids
            )
            .fetch_all(&mut *tx)
            .await
        }
        Labelled::Section => {
            sqlx::query_scalar!(
                "SELECT s.name FROM unnest($2::bigint[]) WITH ORDINALITY AS x(id, ord)
                 JOIN section s ON s.municipality_id = $1 AND s.id = x.id ORDER BY x.ord",
                mid,
                ids
            )
            .fetch_all(&mut *tx)
            .await
        }
    }
}

/// Which table [`labels`] reads.
#[derive(Clone, Copy)]
pub enum Labelled {
    Pillar,
    Section,
}

use super::item_sql;
pub use super::item_sql::Item;

/// Locks a row until the transaction ends (the parent under which rows are added, moved or
/// removed, so their positions are given one change at a time). False when it is gone.
pub async fn lock_row(tx: &mut PgConnection, item: Item, mid: i64, id: i64) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(&item_sql::lock_row(item))
        .bind(mid)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(found.is_some())
}

/// Appends a new row at the end of its parent's list; returns its id.
pub async fn insert_item(
    tx: &mut PgConnection,
    item: Item,
    mid: i64,
    parent_id: i64,
    text: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(&item_sql::insert(item))
        .bind(mid)
        .bind(parent_id)
        .bind(text)
        .fetch_one(&mut *tx)
        .await
}

/// Updates a row's text if its version is still `version`; false when someone else saved first.
pub async fn update_text(
    tx: &mut PgConnection,
    item: Item,
    mid: i64,
    id: i64,
    version: i32,
    text: &str,
) -> sqlx::Result<bool> {
    let n = sqlx::query(&item_sql::update_text(item))
        .bind(mid)
        .bind(id)
        .bind(version)
        .bind(text)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Renames a department or section (bumping its version). A name taken in the same year is a
/// unique violation the caller reports.
pub async fn rename_item(
    tx: &mut PgConnection,
    item: Item,
    mid: i64,
    id: i64,
    name: &str,
) -> sqlx::Result<()> {
    sqlx::query(&item_sql::rename(item))
        .bind(mid)
        .bind(id)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Deletes a row if its version is still `version`, closing the gap in its siblings' order
/// (so ①②③ renumber themselves). False when someone else saved first.
pub async fn delete_item(
    tx: &mut PgConnection,
    item: Item,
    mid: i64,
    id: i64,
    version: i32,
) -> sqlx::Result<bool> {
    delete_checked(tx, item, mid, id, Some(version)).await
}

/// Deletes a row whatever its version (departments and sections retired by planning staff,
/// who check that nothing hangs below), closing the gap in its siblings' order.
pub async fn delete_any(
    tx: &mut PgConnection,
    item: Item,
    mid: i64,
    id: i64,
) -> sqlx::Result<bool> {
    delete_checked(tx, item, mid, id, None).await
}

async fn delete_checked(
    tx: &mut PgConnection,
    item: Item,
    mid: i64,
    id: i64,
    version: Option<i32>,
) -> sqlx::Result<bool> {
    let deleted: Option<(i64, i32)> = sqlx::query_as(&item_sql::delete(item))
        .bind(mid)
        .bind(id)
        .bind(version)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((parent_id, position)) = deleted else {
        return Ok(false);
    };
    sqlx::query(&item_sql::close_gap(item))
        .bind(mid)
        .bind(parent_id)
        .bind(position)
        .execute(&mut *tx)
        .await?;
    Ok(true)
}

/// Swaps a row with its neighbour above (`up`) or below. False at either end.
pub async fn move_item(
    tx: &mut PgConnection,
    item: Item,
    mid: i64,
    id: i64,
    up: bool,
) -> sqlx::Result<bool> {
    sqlx::query!("SET CONSTRAINTS ALL DEFERRED")
        .execute(&mut *tx)
        .await?;
    let n = sqlx::query(&item_sql::swap(item, up))
        .bind(mid)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    Ok(n == 2)
}

/// Replaces a goal's pillars.
/// Sets a goal's category (None: no category).
pub async fn set_goal_category(
    tx: &mut PgConnection,
    mid: i64,
    goal_id: i64,
    category_id: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE goal SET category_id = $3 WHERE municipality_id = $1 AND id = $2",
        mid,
        goal_id,
        category_id
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Sets an initiative's deadline (None: none).
pub async fn set_initiative_deadline(
    tx: &mut PgConnection,
    mid: i64,
    initiative_id: i64,
    deadline: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE initiative SET deadline = $3 WHERE municipality_id = $1 AND id = $2",
        mid,
        initiative_id,
        deadline
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn set_goal_pillars(
    tx: &mut PgConnection,
    mid: i64,
    goal_id: i64,
    pillars: &[i64],
) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM goal_pillar WHERE municipality_id = $1 AND goal_id = $2",
        mid,
        goal_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO goal_pillar (municipality_id, goal_id, pillar_id)
         SELECT $1, $2, p.id FROM pillar p WHERE p.municipality_id = $1 AND p.id = ANY($3)",
        mid,
        goal_id,
        pillars
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Replaces an initiative's responsible sections, in the given order.
pub async fn set_initiative_sections(
    tx: &mut PgConnection,
    mid: i64,
    initiative_id: i64,
    sections: &[i64],
) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM initiative_section WHERE municipality_id = $1 AND initiative_id = $2",
        mid,
        initiative_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO initiative_section (municipality_id, initiative_id, section_id, position)
         SELECT $1, $2, x.id, x.ord FROM unnest($3::bigint[]) WITH ORDINALITY AS x(id, ord)",
        mid,
        initiative_id,
        sections
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Sets a criterion's metric (all three or none).
pub async fn set_metric(
    tx: &mut PgConnection,
    mid: i64,
    criterion_id: i64,
    metric: Option<(Decimal, &str, &str)>,
) -> sqlx::Result<()> {
    let (value, unit, comparator) = match metric {
        Some((v, u, c)) => (Some(v), Some(u), Some(c)),
        None => (None, None, None),
    };
    sqlx::query!("UPDATE criterion SET target_value = $3, unit = $4, comparator = $5 WHERE municipality_id = $1 AND id = $2", mid, criterion_id, value, unit, comparator)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// What an audit entry records.
pub struct AuditEntry<'a, T: Serialize> {
    pub user_id: i64,
    pub action: &'static str,
    /// The table of the changed row (`goal`, `department`, …).
    pub entity: &'static str,
    pub entity_id: i64,
    pub department_id: Option<i64>,
    pub goal_id: Option<i64>,
    pub before: Option<&'a T>,
    pub after: Option<&'a T>,
}

/// Records a change in the audit trail, in the same transaction as the change.
pub async fn audit<T: Serialize>(
    tx: &mut PgConnection,
    mid: i64,
    e: AuditEntry<'_, T>,
) -> sqlx::Result<()> {
    sqlx::query!("INSERT INTO audit_event (municipality_id, user_id, action, entity, entity_id, department_id, goal_id, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", mid, e.user_id, e.action, e.entity, e.entity_id, e.department_id, e.goal_id, e.before.map(|b| serde_json::to_value(b).unwrap_or_default()), e.after.map(|a| serde_json::to_value(a).unwrap_or_default()))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The audit trail of a goal (its own changes and those of its initiatives and criteria),
/// or of a whole department, newest first.
pub async fn audit_trail(
    pool: &PgPool,
    mid: i64,
    department_id: Option<i64>,
    goal_id: Option<i64>,
) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as!(AuditRow, r#"SELECT a.at, u.display_name AS "who?", a.action, a.entity, a.entity_id, a.before AS "before?", a.after AS "after?"
         FROM audit_event a LEFT JOIN app_user u ON u.municipality_id = a.municipality_id AND u.id = a.user_id
         WHERE a.municipality_id = $1
           AND ($2::bigint IS NULL OR a.department_id = $2)
           AND ($3::bigint IS NULL OR a.goal_id = $3)
         ORDER BY a.at DESC, a.id DESC
         LIMIT 500"#, mid, department_id, goal_id)
    .fetch_all(pool)
    .await
}
