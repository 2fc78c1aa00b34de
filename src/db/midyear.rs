//! The mid-year check (中間報告): a year's check as opened (基準日, progress words), each
//! initiative's first half, the head's comments, the live sheet built from them, and its
//! publications (`publication.kind = 'midyear'`, written by `db::publication::publish_sheet`).

use crate::db::editing::DepartmentCtx;
use crate::domain::midyear::{MidyearGoal, MidyearGroup, MidyearInitiative, MidyearSheet};
use chrono::NaiveDate;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;

/// A year's check as planning staff opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub as_of: NaiveDate,
    pub words: Vec<String>,
}

/// The year's check, if opened.
pub async fn check(pool: &PgPool, mid: i64, fiscal_year_id: i64) -> sqlx::Result<Option<Check>> {
    sqlx::query!(
        "SELECT as_of, words FROM midyear_check WHERE municipality_id = $1 AND fiscal_year_id = $2",
        mid,
        fiscal_year_id
    )
    .map(|r| Check {
        as_of: r.as_of,
        words: r.words,
    })
    .fetch_optional(pool)
    .await
}

/// The words the city used last (its latest year's check), if any.
pub async fn last_words(pool: &PgPool, mid: i64) -> sqlx::Result<Option<Vec<String>>> {
    sqlx::query_scalar!(
        "SELECT c.words FROM midyear_check c JOIN fiscal_year f ON f.municipality_id = c.municipality_id AND f.id = c.fiscal_year_id
          WHERE c.municipality_id = $1 ORDER BY f.year DESC LIMIT 1",
        mid
    )
    .fetch_optional(pool)
    .await
}

/// Opens (or changes) a year's check; returns what it was.
pub async fn open(
    tx: &mut PgConnection,
    mid: i64,
    fiscal_year_id: i64,
    check: &Check,
) -> sqlx::Result<Option<Check>> {
    let before = sqlx::query!(
        "SELECT as_of, words FROM midyear_check WHERE municipality_id = $1 AND fiscal_year_id = $2 FOR UPDATE",
        mid,
        fiscal_year_id
    )
    .map(|r| Check {
        as_of: r.as_of,
        words: r.words,
    })
    .fetch_optional(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO midyear_check (municipality_id, fiscal_year_id, as_of, words) VALUES ($1, $2, $3, $4)
         ON CONFLICT (municipality_id, fiscal_year_id) DO UPDATE SET as_of = EXCLUDED.as_of, words = EXCLUDED.words",
        mid,
        fiscal_year_id,
        check.as_of,
        &check.words
    )
    .execute(&mut *tx)
    .await?;
    Ok(before)
}

/// An initiative's first half as recorded (version 0: nothing yet).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub performance: Vec<String>,
    pub progress: Option<String>,
    pub issues: Vec<String>,
    pub version: i32,
}

/// Every recorded first half of a department's initiatives, by initiative.
pub async fn entries(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
) -> sqlx::Result<HashMap<i64, Entry>> {
    let rows = sqlx::query!(
        r#"SELECT m.initiative_id, m.performance, m.progress AS "progress?", m.issues, m.version
             FROM initiative_midyear m
             JOIN initiative i ON i.municipality_id = m.municipality_id AND i.id = m.initiative_id
             JOIN goal g ON g.municipality_id = i.municipality_id AND g.id = i.goal_id
            WHERE m.municipality_id = $1 AND g.department_id = $2"#,
        mid,
        department_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let entry = Entry {
                performance: r.performance,
                progress: r.progress,
                issues: r.issues,
                version: r.version,
            };
            (r.initiative_id, entry)
        })
        .collect())
}

/// One initiative's first half.
pub async fn entry(pool: &PgPool, mid: i64, initiative_id: i64) -> sqlx::Result<Entry> {
    let row = sqlx::query!(
        r#"SELECT performance, progress AS "progress?", issues, version FROM initiative_midyear
            WHERE municipality_id = $1 AND initiative_id = $2"#,
        mid,
        initiative_id
    )
    .map(|r| Entry {
        performance: r.performance,
        progress: r.progress,
        issues: r.issues,
        version: r.version,
    })
    .fetch_optional(pool)
    .await?;
    Ok(row.unwrap_or_default())
}

/// Saves an initiative's first half if it is still at `version` (0: never saved); false when
/// someone saved first.
pub async fn save_entry(
    tx: &mut PgConnection,
    mid: i64,
    initiative_id: i64,
    version: i32,
    entry: &Entry,
) -> sqlx::Result<bool> {
    let done = if version == 0 {
        sqlx::query!(
            "INSERT INTO initiative_midyear (municipality_id, initiative_id, performance, progress, issues)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (initiative_id) DO NOTHING",
            mid,
            initiative_id,
            &entry.performance,
            entry.progress,
            &entry.issues
        )
        .execute(&mut *tx)
        .await?
    } else {
        sqlx::query!(
            "UPDATE initiative_midyear SET performance = $3, progress = $4, issues = $5,
                    version = version + 1, updated_at = now()
              WHERE municipality_id = $1 AND initiative_id = $2 AND version = $6",
            mid,
            initiative_id,
            &entry.performance,
            entry.progress,
            &entry.issues,
            version
        )
        .execute(&mut *tx)
        .await?
    };
    Ok(done.rows_affected() == 1)
}

/// The head's comments: the department's (with its version, 0 when never saved) and each
/// goal's.
pub async fn comments(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
) -> sqlx::Result<(String, i32, HashMap<i64, String>)> {
    let (department, goals) = tokio::try_join!(
        sqlx::query!(
            "SELECT comment, version FROM department_midyear WHERE municipality_id = $1 AND department_id = $2",
            mid,
            department_id
        )
        .map(|r| (r.comment, r.version))
        .fetch_optional(pool),
        sqlx::query!(
            "SELECT m.goal_id, m.comment FROM goal_midyear m
               JOIN goal g ON g.municipality_id = m.municipality_id AND g.id = m.goal_id
              WHERE m.municipality_id = $1 AND g.department_id = $2",
            mid,
            department_id
        )
        .map(|r| (r.goal_id, r.comment))
        .fetch_all(pool),
    )?;
    let (comment, version) = department.unwrap_or_default();
    Ok((comment, version, goals.into_iter().collect()))
}

/// Saves the head's comments if the department's are still at `version`; false when someone
/// saved first. `goals` are the department's own goals (checked by the caller).
pub async fn save_comments(
    tx: &mut PgConnection,
    mid: i64,
    department_id: i64,
    version: i32,
    comment: &str,
    goals: &[(i64, String)],
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "INSERT INTO department_midyear (municipality_id, department_id, comment) VALUES ($1, $2, $3)
         ON CONFLICT (department_id) DO UPDATE SET comment = EXCLUDED.comment, version = department_midyear.version + 1
           WHERE department_midyear.version = $4",
        mid,
        department_id,
        comment,
        version
    )
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let (ids, texts): (Vec<i64>, Vec<String>) = goals.iter().cloned().unzip();
    sqlx::query!(
        "INSERT INTO goal_midyear (municipality_id, goal_id, comment)
         SELECT $1, g, c FROM unnest($2::bigint[], $3::text[]) AS t(g, c)
         ON CONFLICT (goal_id) DO UPDATE SET comment = EXCLUDED.comment",
        mid,
        &ids,
        &texts
    )
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// The live mid-year sheet of a department: the target sheet with each initiative's first
/// half and the head's comments.
pub async fn sheet(
    pool: &PgPool,
    mid: i64,
    department: &DepartmentCtx,
    check: &Check,
) -> sqlx::Result<MidyearSheet> {
    let (targets, entries, (comment, _, goal_comments)) = tokio::try_join!(
        crate::db::sheets::target_sheet(
            pool,
            mid,
            department.id,
            &department.name,
            department.policy_id
        ),
        entries(pool, mid, department.id),
        comments(pool, mid, department.id),
    )?;
    let groups = targets
        .groups
        .into_iter()
        .map(|g| MidyearGroup {
            pillars: g.pillars,
            goals: g
                .goals
                .into_iter()
                .map(|goal| MidyearGoal {
                    comment: goal_comments.get(&goal.id).cloned().unwrap_or_default(),
                    id: goal.id,
                    text: goal.text,
                    initiatives: goal
                        .initiatives
                        .into_iter()
                        .map(|i| {
                            let e = entries.get(&i.id).cloned().unwrap_or_default();
                            MidyearInitiative {
                                id: i.id,
                                number: i.number,
                                text: i.text,
                                sections: i.sections,
                                criteria: i.criteria,
                                performance: e.performance,
                                progress: e.progress,
                                issues: e.issues,
                            }
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Ok(MidyearSheet {
        department_name: department.name.clone(),
        as_of: check.as_of,
        words: check.words.clone(),
        comment,
        groups,
    })
}

/// A department's latest published mid-year report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Published {
    pub department_id: i64,
    pub slug: String,
    pub version: i32,
    pub published_on: NaiveDate,
    pub content: Json<MidyearSheet>,
}

/// The latest published mid-year report of every department of a year, in display order.
pub async fn latest(pool: &PgPool, mid: i64, fiscal_year_id: i64) -> sqlx::Result<Vec<Published>> {
    sqlx::query_as!(
        Published,
        r#"SELECT department_id AS "department_id!", slug AS "slug!", version AS "version!",
                  published_on AS "published_on!", content AS "content!: Json<MidyearSheet>" FROM (
             SELECT DISTINCT ON (p.department_id) p.department_id, d.slug, d.position, p.version, p.published_on, p.content
               FROM publication p
               JOIN department d ON d.municipality_id = p.municipality_id AND d.id = p.department_id
              WHERE p.municipality_id = $1 AND p.fiscal_year_id = $2 AND p.kind = 'midyear'
              ORDER BY p.department_id, p.version DESC
           ) latest ORDER BY position"#,
        mid,
        fiscal_year_id
    )
    .fetch_all(pool)
    .await
}

/// A department's published mid-year reports: the given version (or the latest) and every
/// version's number and date, oldest first — one statement.
pub async fn versions(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
    version: Option<i32>,
) -> sqlx::Result<(Option<(i32, MidyearSheet)>, Vec<(i32, NaiveDate)>)> {
    let rows = sqlx::query!(
        r#"SELECT version, published_on,
                  CASE WHEN version = COALESCE($3::int, max(version) OVER ()) THEN content END AS "content?: Json<MidyearSheet>"
             FROM publication WHERE municipality_id = $1 AND department_id = $2 AND kind = 'midyear'
            ORDER BY version"#,
        mid,
        department_id,
        version
    )
    .fetch_all(pool)
    .await?;
    let shown = rows
        .iter()
        .find_map(|r| r.content.as_ref().map(|c| (r.version, c.0.clone())));
    Ok((
        shown,
        rows.iter().map(|r| (r.version, r.published_on)).collect(),
    ))
}

/// What else of a year is published beside its targets, in one statement: whether any
/// results are, and the 基準日 of its published mid-year reports, if any.
pub async fn year_reports(
    pool: &PgPool,
    mid: i64,
    fiscal_year_id: i64,
) -> sqlx::Result<(bool, Option<NaiveDate>)> {
    let row = sqlx::query!(
        r#"SELECT COALESCE(bool_or(kind = 'results'), false) AS "results!",
                  max((content->>'as_of')::date) FILTER (WHERE kind = 'midyear') AS "as_of?"
             FROM publication WHERE municipality_id = $1 AND fiscal_year_id = $2 AND kind IN ('results', 'midyear')"#,
        mid,
        fiscal_year_id
    )
    .fetch_one(pool)
    .await?;
    Ok((row.results, row.as_of))
}
