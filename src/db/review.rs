//! The review of a department's sheet (入力中 → 提出 → 承認 → 公表, 差し戻し): its state, the
//! lock a writer takes on it, the transitions and their events.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

/// The workflow state of a department's targets (`draft` when never moved) and the latest
/// return comment.
pub async fn sheet_state_of(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
    kind: &str,
) -> sqlx::Result<(String, Option<String>)> {
    let row: Option<(String, Option<String>)> =
        sqlx::query!(r#"SELECT state, comment AS "comment?" FROM sheet WHERE municipality_id = $1 AND department_id = $2 AND kind = $3"#, mid, department_id, kind).map(|r| (r.state, r.comment))
            .fetch_optional(pool)
            .await?;
    Ok(row.unwrap_or_else(|| ("draft".to_owned(), None)))
}

/// The workflow state of a department's targets.
pub async fn sheet_state(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
) -> sqlx::Result<(String, Option<String>)> {
    sheet_state_of(pool, mid, department_id, "targets").await
}

/// How a sheet's row is locked: shared by edits (many at once), exclusive for a review step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    Shared,
    Exclusive,
}

/// Locks a department's sheet of `kind` (targets, results) until the transaction ends,
/// making its row first if it was never moved; returns its state. Edits share the lock; a
/// review step or a publication takes it exclusively, so each waits for the other.
pub async fn lock_sheet(
    tx: &mut PgConnection,
    mid: i64,
    department_id: i64,
    kind: &str,
    lock: Lock,
) -> sqlx::Result<String> {
    sqlx::query!("INSERT INTO sheet (municipality_id, department_id, kind) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", mid, department_id, kind)
    .execute(&mut *tx)
    .await?;
    match lock {
        Lock::Shared => {
            sqlx::query_scalar!(
                "SELECT state FROM sheet WHERE municipality_id = $1 AND department_id = $2 AND kind = $3 FOR SHARE",
                mid,
                department_id,
                kind
            )
            .fetch_one(&mut *tx)
            .await
        }
        Lock::Exclusive => {
            sqlx::query_scalar!(
                "SELECT state FROM sheet WHERE municipality_id = $1 AND department_id = $2 AND kind = $3 FOR UPDATE",
                mid,
                department_id,
                kind
            )
            .fetch_one(&mut *tx)
            .await
        }
    }
}

/// Moves a department's targets to `state` (locking the row against a concurrent move)
/// if it is in one of `from`; records the event. False when the state was not one of `from`.
#[allow(clippy::too_many_arguments)]
pub async fn transition_of(
    tx: &mut PgConnection,
    mid: i64,
    department_id: i64,
    kind: &str,
    from: &[&str],
    to: &str,
    action: &str,
    comment: Option<&str>,
    user_id: Option<i64>,
) -> sqlx::Result<bool> {
    let current = lock_sheet(tx, mid, department_id, kind, Lock::Exclusive).await?;
    if !from.contains(&current.as_str()) {
        return Ok(false);
    }
    let keep_comment = if action == "return" { comment } else { None };
    sqlx::query!("UPDATE sheet SET state = $3, comment = $4, updated_at = now() WHERE municipality_id = $1 AND department_id = $2 AND kind = $5", mid, department_id, to, keep_comment, kind)
    .execute(&mut *tx)
    .await?;
    sqlx::query!("INSERT INTO sheet_event (municipality_id, department_id, kind, action, comment, user_id) VALUES ($1, $2, $6, $3, $4, $5)", mid, department_id, action, comment, user_id, kind)
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// Moves a department's targets; see [`transition_of`].
#[allow(clippy::too_many_arguments)]
pub async fn transition(
    tx: &mut PgConnection,
    mid: i64,
    department_id: i64,
    from: &[&str],
    to: &str,
    action: &str,
    comment: Option<&str>,
    user_id: Option<i64>,
) -> sqlx::Result<bool> {
    transition_of(
        tx,
        mid,
        department_id,
        "targets",
        from,
        to,
        action,
        comment,
        user_id,
    )
    .await
}

/// A workflow event as listed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SheetEvent {
    pub at: DateTime<Utc>,
    pub action: String,
    pub comment: Option<String>,
    pub who: Option<String>,
}

/// A department's workflow history, newest first.
pub async fn events(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
    kind: &str,
) -> sqlx::Result<Vec<SheetEvent>> {
    sqlx::query_as!(
        SheetEvent,
        r#"SELECT e.at, e.action, e.comment AS "comment?", u.display_name AS "who?" FROM sheet_event e
         LEFT JOIN app_user u ON u.municipality_id = e.municipality_id AND u.id = e.user_id
         WHERE e.municipality_id = $1 AND e.department_id = $2 AND e.kind = $3
         ORDER BY e.at DESC, e.id DESC LIMIT 100"#,
        mid,
        department_id,
        kind
    )
    .fetch_all(pool)
    .await
}
