//! Spreadsheet uploads waiting for confirmation, and their application in the background.

use crate::import::layout::Parsed;
use crate::import::upload::{self, DepartmentChange, Progress};
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, Transaction};

/// An upload as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportJob {
    pub id: i64,
    pub fiscal_year_id: i64,
    pub year: i32,
    pub created_by: i64,
    pub filename: String,
    pub parsed: Json<Parsed>,
    pub preview: Json<Vec<DepartmentChange>>,
    pub fingerprint: String,
    pub state: String,
    pub done_departments: i32,
    pub total_departments: i32,
    pub report: Option<Json<Vec<DepartmentChange>>>,
    pub message: Option<String>,
}

/// Marks uploads left `running` by a server that stopped as failed (their transaction was
/// rolled back when the connection closed); returns how many.
pub async fn fail_interrupted(pool: &PgPool) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE import_job SET state = 'failed', finished_at = now(),
                message = '取り込みの途中でサーバーが停止しました。何も書き込まれていません。もう一度アップロードしてください。'
         WHERE state = 'running'",
    )
    .execute(pool)
    .await?
    .rows_affected())
}

/// Stores a previewed upload; returns its id. Uploads older than 30 days are removed then
/// (the stored file contents are only needed until confirmation).
#[allow(clippy::too_many_arguments)]
pub async fn create(
    pool: &PgPool,
    mid: i64,
    fid: i64,
    user_id: i64,
    filename: &str,
    parsed: &Parsed,
    preview: &[DepartmentChange],
    fingerprint: &str,
) -> sqlx::Result<i64> {
    sqlx::query("DELETE FROM import_job WHERE municipality_id = $1 AND created_at < now() - interval '30 days'")
        .bind(mid)
        .execute(pool)
        .await?;
    sqlx::query_scalar(
        "INSERT INTO import_job (municipality_id, fiscal_year_id, created_by, filename, parsed, preview, fingerprint, total_departments)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(mid)
    .bind(fid)
    .bind(user_id)
    .bind(filename)
    .bind(Json(parsed))
    .bind(Json(preview))
    .bind(fingerprint)
    .bind(parsed.departments.len() as i32)
    .fetch_one(pool)
    .await
}

/// An upload of this city, or None.
pub async fn find(pool: &PgPool, mid: i64, id: i64) -> sqlx::Result<Option<ImportJob>> {
    sqlx::query_as(
        "SELECT j.id, j.fiscal_year_id, f.year, j.created_by, j.filename, j.parsed, j.preview, j.fingerprint, j.state,
                j.done_departments, j.total_departments, j.report, j.message
         FROM import_job j JOIN fiscal_year f ON f.municipality_id = j.municipality_id AND f.id = j.fiscal_year_id
         WHERE j.municipality_id = $1 AND j.id = $2",
    )
    .bind(mid)
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Marks a previewed upload as running; false when it was not waiting (confirmed twice).
pub async fn start(pool: &PgPool, mid: i64, id: i64) -> sqlx::Result<bool> {
    let n = sqlx::query(
        "UPDATE import_job SET state = 'running' WHERE municipality_id = $1 AND id = $2 AND state = 'previewed'",
    )
    .bind(mid)
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

async fn finish(
    pool: &PgPool,
    id: i64,
    state: &str,
    report: Option<&[DepartmentChange]>,
    message: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE import_job SET state = $2, report = $3, message = $4, finished_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(report.map(Json))
    .bind(message)
    .execute(pool)
    .await?;
    Ok(())
}

/// Why an application did not write.
const STALE: &str = "プレビューの後に、取り込み先の組織目標や実績が変更されました。最新の内容を確かめるため、もう一度アップロードしてください。";

/// Applies a running upload in one transaction: refuses (`stale`) if the departments changed
/// since the preview or a department is now locked; records the outcome on the job. Audit
/// entries record each changed department.
pub async fn run(pool: &PgPool, mid: i64, job: &ImportJob) -> sqlx::Result<()> {
    let outcome = apply(pool, mid, job).await;
    match outcome {
        Ok(Ok(report)) => finish(pool, job.id, "done", Some(&report), None).await,
        Ok(Err(message)) => finish(pool, job.id, "stale", None, Some(&message)).await,
        Err(e) => {
            tracing::error!(error = %e, job = job.id, "import failed");
            finish(
                pool,
                job.id,
                "failed",
                None,
                Some("取り込み中にエラーが発生しました。何も書き込まれていません。時間をおいてもう一度お試しください。"),
            )
            .await
        }
    }
}

async fn apply(
    pool: &PgPool,
    mid: i64,
    job: &ImportJob,
) -> sqlx::Result<Result<Vec<DepartmentChange>, String>> {
    let mut tx: Transaction<'_, Postgres> = pool.begin().await?;
    let ids: Vec<i64> = job
        .parsed
        .departments
        .iter()
        .map(|d| d.department_id)
        .collect();
    // Serializes uploads to the same departments: the second waits, then sees a new print.
    sqlx::query("SELECT id FROM department WHERE municipality_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE")
        .bind(mid)
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    if upload::fingerprint(&mut tx, mid, &ids).await? != job.fingerprint {
        return Ok(Err(STALE.to_owned()));
    }
    let progress = Progress {
        pool,
        job_id: job.id,
    };
    let report = upload::write(
        &mut tx,
        mid,
        job.fiscal_year_id,
        &job.parsed,
        Some(progress),
    )
    .await?;
    if let Some(refused) = report.iter().find_map(|c| c.refused.clone()) {
        return Ok(Err(refused));
    }
    for change in report.iter().filter(|c| !c.is_unchanged()) {
        crate::db::editing::audit(
            &mut tx,
            mid,
            crate::db::editing::AuditEntry {
                user_id: job.created_by,
                action: "import",
                entity: "department",
                entity_id: change.department_id,
                department_id: Some(change.department_id),
                goal_id: None,
                before: None,
                after: Some(&serde_json::json!({
                    "file": job.filename,
                    "inserted": change.inserted,
                    "updated": change.updated,
                    "deleted": change.deleted,
                    "results": change.results_written,
                })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Ok(report))
}

/// The pillars (number, title) of a year's policy.
pub async fn pillars_of_year(
    pool: &PgPool,
    mid: i64,
    fid: i64,
) -> sqlx::Result<Vec<(i32, String)>> {
    sqlx::query_as(
        "SELECT p.number, p.title FROM pillar p JOIN fiscal_year f ON f.municipality_id = p.municipality_id AND f.policy_id = p.policy_id
         WHERE f.municipality_id = $1 AND f.id = $2 AND p.parent_id IS NULL ORDER BY p.number",
    )
    .bind(mid)
    .bind(fid)
    .fetch_all(pool)
    .await
}
