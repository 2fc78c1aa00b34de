//! Spreadsheet uploads waiting for confirmation, and their application in the background.

use crate::domain::upload::{Context, DepartmentChange, Parsed};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;

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
    Ok(sqlx::query!("UPDATE import_job SET state = 'failed', finished_at = now(),
                message = '取り込みの途中でサーバーが停止しました。何も書き込まれていません。もう一度アップロードしてください。'
         WHERE state = 'running'
           AND COALESCE(started_at, created_at) < now() - make_interval(secs => $2)
           AND pg_try_advisory_xact_lock($1, (id % 2147483647)::int)", LEASE_KEY, grace.as_secs_f64())
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
    sqlx::query!("DELETE FROM import_job WHERE municipality_id = $1 AND created_at < now() - interval '30 days'", mid)
        .execute(pool)
        .await?;
    sqlx::query_scalar!("INSERT INTO import_job (municipality_id, fiscal_year_id, created_by, filename, parsed, preview, fingerprint, total_departments)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id", mid, fid, user_id, filename, Json(parsed) as _, Json(preview) as _, fingerprint, parsed.departments.len() as i32)
    .fetch_one(pool)
    .await
}

/// An upload of this city, or None.
pub async fn find(pool: &PgPool, mid: i64, id: i64) -> sqlx::Result<Option<ImportJob>> {
    sqlx::query_as!(ImportJob, r#"SELECT j.id, j.fiscal_year_id, f.year, j.created_by, j.filename, j.parsed AS "parsed!: Json<Parsed>", j.preview AS "preview!: Json<Vec<DepartmentChange>>", j.fingerprint, j.state,
                j.done_departments, j.total_departments, j.report AS "report?: Json<Vec<DepartmentChange>>", j.message AS "message?"
         FROM import_job j JOIN fiscal_year f ON f.municipality_id = j.municipality_id AND f.id = j.fiscal_year_id
         WHERE j.municipality_id = $1 AND j.id = $2"#, mid, id)
    .fetch_optional(pool)
    .await
}

/// Marks a previewed upload as running; false when it was not waiting (confirmed twice).
pub async fn start(pool: &PgPool, mid: i64, id: i64) -> sqlx::Result<bool> {
    let n = sqlx::query!("UPDATE import_job SET state = 'running', started_at = now() WHERE municipality_id = $1 AND id = $2 AND state = 'previewed'", mid, id)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn finish(
    pool: &PgPool,
    id: i64,
    state: &str,
    report: Option<&[DepartmentChange]>,
    message: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!("UPDATE import_job SET state = $2, report = $3, message = $4, finished_at = now() WHERE id = $1", id, state, report.map(Json) as _, message)
    .execute(pool)
    .await?;
    Ok(())
}

/// The pillars (number, title) of a year's policy.
pub async fn pillars_of_year(
    pool: &PgPool,
    mid: i64,
    fid: i64,
) -> sqlx::Result<Vec<(i32, String)>> {
    sqlx::query!("SELECT p.number, p.title FROM pillar p JOIN fiscal_year f ON f.municipality_id = p.municipality_id AND f.policy_id = p.policy_id
         WHERE f.municipality_id = $1 AND f.id = $2 AND p.parent_id IS NULL ORDER BY p.number", mid, fid).map(|r| (r.number, r.title))
    .fetch_all(pool)
    .await
}

/// The year's departments, sections and pillars, for reading a file against.
pub async fn context(pool: &PgPool, mid: i64, fid: i64) -> sqlx::Result<Context> {
    let departments: Vec<(i64, String)> = sqlx::query!("SELECT id, name FROM department WHERE municipality_id = $1 AND fiscal_year_id = $2 ORDER BY position, id", mid, fid).map(|r| (r.id, r.name))
    .fetch_all(pool)
    .await?;
    let sections: Vec<String> = sqlx::query_scalar!("SELECT name FROM section WHERE municipality_id = $1 AND fiscal_year_id = $2 ORDER BY position, id", mid, fid)
    .fetch_all(pool)
    .await?;
    let pillar_titles = pillars_of_year(pool, mid, fid).await?;
    let pillars: Vec<i32> = pillar_titles.iter().map(|(number, _)| *number).collect();
    let year: i32 = sqlx::query_scalar!(
        "SELECT year FROM fiscal_year WHERE municipality_id = $1 AND id = $2",
        mid,
        fid
    )
    .fetch_one(pool)
    .await?;
    let categories: Vec<String> = sqlx::query_scalar!(
        "SELECT name FROM goal_category WHERE municipality_id = $1 ORDER BY position, id",
        mid
    )
    .fetch_all(pool)
    .await?;
    let deployment = crate::db::settings::is_deployment(pool, mid).await?;
    Ok(Context {
        departments,
        sections,
        pillars,
        pillar_titles,
        allowed: None,
        categories,
        deployment,
        create_units: false,
        year: Some(year),
        eras: None,
    })
}

/// A digest of everything an upload would replace in `departments` (goal trees with their
/// versions, results, sheet states): equal digests mean nobody changed them in between.
pub async fn fingerprint(
    conn: &mut PgConnection,
    mid: i64,
    departments: &[i64],
) -> sqlx::Result<String> {
    sqlx::query_scalar!(r#"SELECT COALESCE(md5(string_agg(x, ',' ORDER BY x)), '') AS "digest!" FROM (
             SELECT 'g' || g.id || ':' || g.version AS x FROM goal g
                 WHERE g.municipality_id = $1 AND g.department_id = ANY($2)
             UNION ALL SELECT 'i' || i.id || ':' || i.version FROM initiative i JOIN goal g ON g.id = i.goal_id
                 WHERE g.municipality_id = $1 AND g.department_id = ANY($2)
             UNION ALL SELECT 'c' || c.id || ':' || c.version FROM criterion c JOIN initiative i ON i.id = c.initiative_id JOIN goal g ON g.id = i.goal_id
                 WHERE g.municipality_id = $1 AND g.department_id = ANY($2)
             UNION ALL SELECT 'r' || r.initiative_id || ':' || r.version FROM initiative_result r JOIN initiative i ON i.id = r.initiative_id JOIN goal g ON g.id = i.goal_id
                 WHERE g.municipality_id = $1 AND g.department_id = ANY($2)
             UNION ALL SELECT 'm' || m.initiative_id || ':' || m.version FROM initiative_midyear m JOIN initiative i ON i.id = m.initiative_id JOIN goal g ON g.id = i.goal_id
                 WHERE g.municipality_id = $1 AND g.department_id = ANY($2)
             UNION ALL SELECT 'q' || r.goal_id || ':' || r.version FROM goal_result r JOIN goal g ON g.id = r.goal_id
                 WHERE g.municipality_id = $1 AND g.department_id = ANY($2)
             UNION ALL SELECT 'a' || r.criterion_id || ':' || md5(ROW(r.actual_value, r.actual_text, r.not_applicable, r.not_applicable_reason)::text)
                 FROM criterion_result r JOIN criterion c ON c.id = r.criterion_id JOIN initiative i ON i.id = c.initiative_id JOIN goal g ON g.id = i.goal_id
                 WHERE g.municipality_id = $1 AND g.department_id = ANY($2)
             UNION ALL SELECT 's' || department_id || kind || state FROM sheet WHERE municipality_id = $1 AND department_id = ANY($2)
         ) t"#, mid, departments)
    .fetch_one(&mut *conn)
    .await
}

/// Locks the targets and results sheets of `ids` (those that have been reviewed at all; a
/// sheet never moved is a draft) against review steps until the transaction ends; returns the
/// names of departments with an approved sheet, in display order.
pub async fn lock_sheets(
    tx: &mut PgConnection,
    mid: i64,
    ids: &[i64],
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String, String)> = sqlx::query!("SELECT d.name, s.state FROM sheet s JOIN department d ON d.municipality_id = s.municipality_id AND d.id = s.department_id
         WHERE s.municipality_id = $1 AND s.department_id = ANY($2)
         ORDER BY d.position, s.kind FOR SHARE OF s", mid, ids).map(|r| (r.name, r.state))
    .fetch_all(&mut *tx)
    .await?;
    let mut approved: Vec<String> = Vec::new();
    for (name, state) in rows {
        if state == "approved" && !approved.contains(&name) {
            approved.push(name);
        }
    }
    Ok(approved)
}

/// Takes the lease of a job being applied (held until the transaction ends).
pub async fn take_lease(tx: &mut PgConnection, job_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock($1, ($2::bigint % 2147483647)::int)",
        LEASE_KEY,
        job_id
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Locks the departments an upload writes, in id order.
pub async fn lock_departments(tx: &mut PgConnection, mid: i64, ids: &[i64]) -> sqlx::Result<()> {
    sqlx::query!("SELECT id FROM department WHERE municipality_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE", mid, ids)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(())
}

/// Records a job as applied, in the applying transaction.
pub async fn mark_done(
    tx: &mut PgConnection,
    job_id: i64,
    report: &[DepartmentChange],
) -> sqlx::Result<()> {
    sqlx::query!("UPDATE import_job SET state = 'done', report = $2, message = NULL, finished_at = now() WHERE id = $1", job_id, Json(report) as _)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The goal trees stored for `departments` (goals, initiatives with their sections, criteria
/// texts, 実績 and 成果), as documents: what a preview compares a file with. Two statements.
pub async fn stored_trees(
    conn: &mut PgConnection,
    mid: i64,
    departments: &[i64],
) -> sqlx::Result<std::collections::HashMap<i64, Vec<crate::domain::document::GoalDoc>>> {
    use crate::domain::document::{GoalDoc, InitiativeDoc, InitiativeResultsDoc};
    let goals: Vec<(i64, i64, String, Vec<i32>)> = sqlx::query!(r#"SELECT g.id, g.department_id, g.text,
                COALESCE((SELECT array_agg(p.number ORDER BY p.number) FROM goal_pillar gp JOIN pillar p ON p.id = gp.pillar_id
                          WHERE gp.goal_id = g.id), '{}') AS "coalesce!"
         FROM goal g WHERE g.municipality_id = $1 AND g.department_id = ANY($2) ORDER BY g.department_id, g.position"#, mid, departments).map(|r| (r.id, r.department_id, r.text, r.coalesce))
    .fetch_all(&mut *conn)
    .await?;
    // goal id, text, sections, criteria, 実績, 成果.
    type Row = (
        i64,
        String,
        Vec<String>,
        Vec<String>,
        Option<Vec<String>>,
        Option<Vec<String>>,
    );
    let goal_ids: Vec<i64> = goals.iter().map(|g| g.0).collect();
    let initiatives: Vec<Row> = sqlx::query!(r#"SELECT i.goal_id, i.text,
                COALESCE((SELECT array_agg(s.name ORDER BY x.position) FROM initiative_section x JOIN section s ON s.id = x.section_id
                          WHERE x.initiative_id = i.id), '{}') AS "sections!",
                COALESCE((SELECT array_agg(c.text ORDER BY c.position) FROM criterion c WHERE c.initiative_id = i.id), '{}') AS "criteria!",
                r.performance AS "performance?", r.outcome AS "outcome?"
         FROM initiative i LEFT JOIN initiative_result r ON r.initiative_id = i.id
         WHERE i.municipality_id = $1 AND i.goal_id = ANY($2) ORDER BY i.goal_id, i.position"#, mid, &goal_ids[..])
    .map(|r| (r.goal_id, r.text, r.sections, r.criteria, r.performance, r.outcome))
    .fetch_all(&mut *conn)
    .await?;
    let mut by_goal: std::collections::HashMap<i64, Vec<InitiativeDoc>> = Default::default();
    for (goal_id, text, sections, criteria, performance, outcome) in initiatives {
        by_goal.entry(goal_id).or_default().push(InitiativeDoc {
            text,
            sections,
            criteria,
            note: None,
            results: Some(InitiativeResultsDoc {
                performance: performance.unwrap_or_default(),
                outcome: outcome.unwrap_or_default(),
                status: None,
                actuals: Vec::new(),
            }),
            deadline: None,
            midyear: None,
        });
    }
    let mut out: std::collections::HashMap<i64, Vec<GoalDoc>> = Default::default();
    for (id, department_id, text, pillars) in goals {
        out.entry(department_id).or_default().push(GoalDoc {
            pillars,
            text,
            note: None,
            initiatives: by_goal.remove(&id).unwrap_or_default(),
            status: None,
            status_label: None,
            category: None,
        });
    }
    Ok(out)
}

/// What writing an upload refers to: the year's sections by name, pillars by number, the
/// city's categories by name, and the review state of each (department, kind).
pub struct WriteMaps {
    pub sections: HashMap<String, i64>,
    pub pillars: HashMap<i32, i64>,
    pub categories: HashMap<String, i64>,
    pub states: HashMap<(i64, String), String>,
}

pub async fn write_maps(
    tx: &mut PgConnection,
    mid: i64,
    fid: i64,
    departments: &[i64],
) -> sqlx::Result<WriteMaps> {
    let sections = sqlx::query!(
        "SELECT name, id FROM section WHERE municipality_id = $1 AND fiscal_year_id = $2",
        mid,
        fid
    )
    .map(|r| (r.name, r.id))
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    let pillars = sqlx::query!("SELECT p.number, p.id FROM pillar p JOIN fiscal_year f ON f.municipality_id = p.municipality_id AND f.policy_id = p.policy_id
         WHERE f.municipality_id = $1 AND f.id = $2 AND p.parent_id IS NULL", mid, fid).map(|r| (r.number, r.id))
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    let categories = sqlx::query!(
        "SELECT name, id FROM goal_category WHERE municipality_id = $1",
        mid
    )
    .map(|r| (r.name, r.id))
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    let states = sqlx::query!("SELECT department_id, kind, state FROM sheet WHERE municipality_id = $1 AND department_id = ANY($2)", mid, departments).map(|r| (r.department_id, r.kind, r.state))
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|(d, k, s)| ((d, k), s))
    .collect();
    Ok(WriteMaps {
        sections,
        pillars,
        categories,
        states,
    })
}

/// Defers the position constraints to commit (rows of a tree change places while written).
pub async fn defer_constraints(tx: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("SET CONSTRAINTS ALL DEFERRED")
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// How many departments of a running job are written (through the pool: the applying
/// transaction is invisible until it commits).
pub async fn set_progress(pool: &PgPool, job_id: i64, done: i32) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE import_job SET done_departments = $2 WHERE id = $1",
        job_id,
        done
    )
    .execute(pool)
    .await?;
    Ok(())
}
