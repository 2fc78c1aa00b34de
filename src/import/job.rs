//! Applying a confirmed upload in the background: one transaction holding the job's lease,
//! refused whole when the departments changed since the preview.

use super::upload::{self, DepartmentChange, Progress};
use crate::db::imports::{self, ImportJob, fingerprint, finish, lock_sheets};
use sqlx::{PgPool, Postgres, Transaction};

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
    crate::db::changes::scope_changes_to(&mut tx, mid).await?;
    // The lease: held until this transaction ends, so no other server takes the job for
    // interrupted while it is being applied.
    imports::take_lease(&mut tx, job.id).await?;
    let ids: Vec<i64> = job
        .parsed
        .departments
        .iter()
        .map(|d| d.department_id)
        .collect();
    // Serializes uploads to the same departments: the second waits, then sees a new print.
    imports::lock_departments(&mut tx, mid, &ids).await?;
    // The review states held for the rest of the transaction: a department approved meanwhile
    // is refused as locked (its approval also changed the fingerprint).
    let approved = lock_sheets(&mut tx, mid, &ids).await?;
    if fingerprint(&mut tx, mid, &ids).await? != job.fingerprint {
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
    imports::mark_done(&mut tx, job.id, &report).await?;
    tx.commit().await?;
    Ok(Ok(report))
}
