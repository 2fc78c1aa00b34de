//! A plan year's evaluation: 評価済み (reviewed), its publication with a 公表日 and the snapshot
//! of its progress as published, and the audit entries of both.

use sqlx::{PgConnection, PgPool};

/// What publishing a year did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    Done,
    /// It was published before (its date stays).
    Already,
    /// It is not 評価済み.
    NotReviewed,
}

/// Publishes a reviewed year's progress with its 公表日, in the caller's transaction (which
/// holds the plan's lock).
pub async fn publish_year(
    tx: &mut PgConnection,
    mid: i64,
    plan_id: i64,
    year: i32,
    on: chrono::NaiveDate,
    user: i64,
    snapshot: serde_json::Value,
) -> sqlx::Result<Published> {
    let reviewed: bool = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM plan_year_review WHERE municipality_id = $1 AND policy_id = $2 AND year = $3) AS "value!""#, mid, plan_id, year)
    .fetch_one(&mut *tx)
    .await?;
    if !reviewed {
        return Ok(Published::NotReviewed);
    }
    let inserted = sqlx::query!("INSERT INTO plan_year_publication (municipality_id, policy_id, year, published_on, published_by, snapshot)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (policy_id, year) DO NOTHING", mid, plan_id, year, on, user, snapshot)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(Published::Already);
    }
    audit_year(tx, mid, user, "publish", plan_id, year).await?;
    Ok(Published::Done)
}

async fn audit_year(
    tx: &mut PgConnection,
    mid: i64,
    user: i64,
    action: &str,
    plan_id: i64,
    year: i32,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO audit_event (municipality_id, user_id, action, entity, entity_id, after)
         VALUES ($1, $2, $3, 'plan_year', $4, jsonb_build_object('year', $5::int))",
        mid,
        user,
        action,
        plan_id,
        year
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Marks a year 評価済み (again: nothing changes). True when it is marked.
pub async fn review_year(
    tx: &mut PgConnection,
    mid: i64,
    plan_id: i64,
    year: i32,
    user: i64,
) -> sqlx::Result<bool> {
    let n = sqlx::query!("INSERT INTO plan_year_review (municipality_id, policy_id, year, reviewed_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (policy_id, year) DO NOTHING", mid, plan_id, year, user)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n > 0 {
        audit_year(tx, mid, user, "review", plan_id, year).await?;
    }
    Ok(true)
}

/// Takes the 評価済み mark back; false (nothing changed) when the year is published.
pub async fn unreview_year(
    tx: &mut PgConnection,
    mid: i64,
    plan_id: i64,
    year: i32,
) -> sqlx::Result<bool> {
    let published: bool = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM plan_year_publication WHERE municipality_id = $1 AND policy_id = $2 AND year = $3) AS "value!""#, mid, plan_id, year)
    .fetch_one(&mut *tx)
    .await?;
    if published {
        return Ok(false);
    }
    sqlx::query!(
        "DELETE FROM plan_year_review WHERE municipality_id = $1 AND policy_id = $2 AND year = $3",
        mid,
        plan_id,
        year
    )
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// A published year's items as they were published (None for a year published before
/// snapshots were kept: it is shown from the current rows).
pub async fn published_items(
    pool: &PgPool,
    mid: i64,
    plan_id: i64,
    year: i32,
) -> sqlx::Result<Option<Vec<crate::domain::plan_view::ItemView>>> {
    let snapshot: Option<Option<serde_json::Value>> = sqlx::query_scalar!(r#"SELECT snapshot AS "snapshot?" FROM plan_year_publication WHERE municipality_id = $1 AND policy_id = $2 AND year = $3"#, mid, plan_id, year)
    .fetch_optional(pool)
    .await?;
    Ok(snapshot
        .flatten()
        .and_then(|v| serde_json::from_value(v).ok()))
}
