//! Plan workbooks between preview and application, the stored plan's fingerprint (so a
//! confirmation after someone else changed the plan is refused), and the lock every writer
//! of a plan takes first.

use crate::domain::plan_document::{PlanCity, PlanDocument};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanImport {
    pub id: i64,
    pub created_by: i64,
    pub filename: String,
    pub plan_slug: String,
    pub new_plan: bool,
    pub document: sqlx::types::Json<PlanDocument>,
    pub fingerprint: String,
    pub state: String,
}

pub async fn create(
    pool: &PgPool,
    mid: i64,
    user: i64,
    filename: &str,
    new_plan: bool,
    doc: &PlanDocument,
    fingerprint: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!("INSERT INTO plan_import (municipality_id, created_by, filename, plan_slug, new_plan, document, fingerprint)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id", mid, user, filename, doc.plan.slug, new_plan, sqlx::types::Json(doc) as _, fingerprint)
    .fetch_one(pool)
    .await
}

pub async fn get(pool: &PgPool, mid: i64, id: i64) -> sqlx::Result<Option<PlanImport>> {
    sqlx::query_as!(PlanImport, r#"SELECT id, created_by, filename, plan_slug, new_plan, document AS "document!: sqlx::types::Json<PlanDocument>", fingerprint, state
         FROM plan_import WHERE municipality_id = $1 AND id = $2"#, mid, id)
    .fetch_optional(pool)
    .await
}

pub async fn set_state(tx: &mut PgConnection, id: i64, state: &str) -> sqlx::Result<()> {
    sqlx::query!("UPDATE plan_import SET state = $2, applied_at = CASE WHEN $2 = 'applied' THEN now() END WHERE id = $1", id, state)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Serializes the writers of one plan (by city and slug, so a plan being created is covered
/// too): taken first in every transaction that changes a plan, released at its end.
pub async fn lock_plan(tx: &mut PgConnection, mid: i64, slug: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('plan:' || $1::text || ':' || $2, 0))",
        mid.to_string(),
        slug
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// How long a writer waits for a plan another writer holds.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// A transaction holding the plan's lock (as [`lock_plan`]), or None when another writer
/// held it for [`LOCK_WAIT`]. While it waits it holds no connection: it tries the lock, gives
/// the connection back and tries again a moment later, so writers queueing for one plan never
/// use up the pool other cities' requests need.
pub async fn begin_locked(
    pool: &PgPool,
    mid: i64,
    slug: &str,
) -> sqlx::Result<Option<sqlx::Transaction<'static, sqlx::Postgres>>> {
    let started = std::time::Instant::now();
    let mut pause = 5u64;
    loop {
        let mut tx = pool.begin().await?;
        crate::db::changes::scope_changes_to(&mut tx, mid).await?;
        let got: bool = sqlx::query_scalar!(r#"SELECT pg_try_advisory_xact_lock(hashtextextended('plan:' || $1::text || ':' || $2, 0)) AS "value!""#, mid.to_string(), slug)
        .fetch_one(&mut *tx)
        .await?;
        if got {
            return Ok(Some(tx));
        }
        tx.rollback().await?;
        if started.elapsed() >= LOCK_WAIT {
            return Ok(None);
        }
        // A little randomness so that waiters do not all come back at once.
        let jitter = rand::random::<u64>() % pause;
        tokio::time::sleep(std::time::Duration::from_millis(pause + jitter)).await;
        pause = (pause * 2).min(100);
    }
}

/// The stored plan's fingerprint ("" when there is none): a hash of the document it is.
pub async fn fingerprint(
    conn: &mut PgConnection,
    city: &PlanCity,
    mid: i64,
    slug: &str,
) -> sqlx::Result<String> {
    let Some(data) = crate::db::plans::load_in(conn, mid, slug).await? else {
        return Ok(String::new());
    };
    Ok(document_fingerprint(&PlanDocument::from_data(
        &data,
        city.clone(),
    )))
}

pub fn document_fingerprint(doc: &PlanDocument) -> String {
    let json = serde_json::to_vec(doc).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether another policy or plan of the city has this name (names are unique in a city).
pub async fn name_taken(pool: &PgPool, mid: i64, name: &str, slug: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM policy WHERE municipality_id = $1 AND name = $2 AND slug IS DISTINCT FROM $3) AS "value!""#, mid, name, slug)
    .fetch_one(pool)
    .await
}

/// A plan year's actuals workbook awaiting confirmation, as stored (`T`: its rows).
#[derive(sqlx::FromRow)]
pub struct ActualsImport<T> {
    pub year: i32,
    pub filename: String,
    pub rows: sqlx::types::Json<Vec<T>>,
    pub fingerprint: String,
    pub state: String,
}

/// Keeps a previewed actuals workbook; its id.
#[allow(clippy::too_many_arguments)]
pub async fn create_actuals_import<T: serde::Serialize>(
    pool: &PgPool,
    mid: i64,
    policy_id: i64,
    year: i32,
    user: i64,
    filename: &str,
    rows: &[T],
    fingerprint: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!("INSERT INTO plan_actual_import (municipality_id, policy_id, year, created_by, filename, rows, fingerprint)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id", mid, policy_id, year, user, filename, sqlx::types::Json(rows) as _, fingerprint)
    .fetch_one(pool)
    .await
}

pub async fn actuals_import<T: serde::de::DeserializeOwned + Send + Unpin + 'static>(
    pool: &PgPool,
    mid: i64,
    policy_id: i64,
    id: i64,
) -> sqlx::Result<Option<ActualsImport<T>>> {
    sqlx::query_as!(ActualsImport::<T>, r#"SELECT year, filename, rows AS "rows!: sqlx::types::Json<Vec<T>>", fingerprint, state FROM plan_actual_import
         WHERE municipality_id = $1 AND policy_id = $2 AND id = $3"#, mid, policy_id, id)
    .fetch_optional(pool)
    .await
}

pub async fn set_actuals_import_state(
    tx: &mut PgConnection,
    id: i64,
    state: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE plan_actual_import SET state = $2 WHERE id = $1",
        id,
        state
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A plan import's state, its row locked until the transaction ends.
pub async fn state_for_update(tx: &mut PgConnection, id: i64) -> sqlx::Result<String> {
    sqlx::query_scalar!("SELECT state FROM plan_import WHERE id = $1 FOR UPDATE", id)
        .fetch_one(&mut *tx)
        .await
}

/// The plan's history records the workbook it was imported from.
pub async fn audit_import(
    tx: &mut PgConnection,
    mid: i64,
    user: i64,
    slug: &str,
    filename: &str,
) -> sqlx::Result<()> {
    sqlx::query!("INSERT INTO audit_event (municipality_id, user_id, action, entity, entity_id, after)
         SELECT $1, $2, 'import', 'plan', id, jsonb_build_object('file', $4::text) FROM policy WHERE municipality_id = $1 AND slug = $3", mid, user, slug, filename)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
