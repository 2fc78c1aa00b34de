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

/// The first key of the advisory locks that hold running imports (the second is the job's id).
pub const LEASE_KEY: i32 = 0x6d6f_6b75; // "moku"

/// Marks uploads left `running` by a server that stopped as failed: those started more than
/// `grace` ago whose lease nobody holds (the applying transaction, and its lock, ended with
/// the server's connection; nothing was written). Imports another live server is applying
/// hold their lease and are left alone. Returns how many were marked.
pub async fn fail_interrupted(pool: &PgPool, grace: std::time::Duration) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE import_job SET state = 'failed', finished_at = now(),
                message = '取り込みの途中でサーバーが停止しました。何も書き込まれていません。もう一度アップロードしてください。'
         WHERE state = 'running'
           AND COALESCE(started_at, created_at) < now() - make_interval(secs => $2)
           AND pg_try_advisory_xact_lock($1, (id % 2147483647)::int)",
    )
    .bind(LEASE_KEY)
    .bind(grace.as_secs_f64())
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
        "UPDATE import_job SET state = 'running', started_at = now() WHERE municipality_id = $1 AND id = $2 AND state = 'previewed'",
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
        // Recorded in the applying transaction itself.
        Ok(Ok(_)) => Ok(()),
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
    // The lease: held until this transaction ends, so no other server takes the job for
    // interrupted while it is being applied.
    sqlx::query("SELECT pg_advisory_xact_lock($1, ($2 % 2147483647)::int)")
        .bind(LEASE_KEY)
        .bind(job.id)
        .execute(&mut *tx)
        .await?;
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
    // The review states held for the rest of the transaction: a department approved meanwhile
    // is refused as locked (its approval also changed the fingerprint).
    let approved = lock_sheets(&mut tx, mid, &ids).await?;
    if upload::fingerprint(&mut tx, mid, &ids).await? != job.fingerprint {
        if let Some(name) = approved.first() {
            return Ok(Err(format!(
                "プレビューの後に{name}が承認されたため、変更できません。差し戻してから、もう一度アップロードしてください。"
            )));
        }
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
    // Done in the same transaction as the writes: the job cannot be left `running` after them.
    sqlx::query(
        "UPDATE import_job SET state = 'done', report = $2, message = NULL, finished_at = now() WHERE id = $1",
    )
    .bind(job.id)
    .bind(Json(&report))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(report))
}

/// Locks the targets and results sheets of `ids` (those that have been reviewed at all; a
/// sheet never moved is a draft) against review steps until the transaction ends; returns the
/// names of departments with an approved sheet, in display order.
async fn lock_sheets(
    tx: &mut Transaction<'_, Postgres>,
    mid: i64,
    ids: &[i64],
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT d.name, s.state FROM sheet s JOIN department d ON d.municipality_id = s.municipality_id AND d.id = s.department_id
         WHERE s.municipality_id = $1 AND s.department_id = ANY($2)
         ORDER BY d.position, s.kind FOR SHARE OF s",
    )
    .bind(mid)
    .bind(ids)
    .fetch_all(&mut **tx)
    .await?;
    let mut approved: Vec<String> = Vec::new();
    for (name, state) in rows {
        if state == "approved" && !approved.contains(&name) {
            approved.push(name);
        }
    }
    Ok(approved)
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
