//! Publications of a department's sheets: the frozen versions the public pages serve, the
//! published years and departments, and publishing (a sheet's state checked and changed in the
//! same transaction as its version is stored).

use super::review::{Lock, lock_sheet, transition_of};
use super::sheets::target_sheet;
use crate::domain::sheet::TargetSheet;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use sqlx::types::Json;

/// A department as published: its latest publication of the targets.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublishedDepartment {
    pub id: i64,
    pub slug: String,
    pub position: i32,
    pub name: String,
    pub publication_id: i64,
    pub version: i32,
    pub published_on: NaiveDate,
    pub goal_count: i64,
    pub initiative_count: i64,
}

/// The departments of a year that have published targets, in display order, each with its
/// latest publication (names and counts as published, not as edited since).
pub async fn published_departments(
    pool: &PgPool,
    mid: i64,
    fiscal_year_id: i64,
) -> sqlx::Result<Vec<PublishedDepartment>> {
    sqlx::query_as!(PublishedDepartment, r#"SELECT id AS "id!", slug AS "slug!", position AS "position!", name AS "name!", publication_id AS "publication_id!", version AS "version!", published_on AS "published_on!", goal_count AS "goal_count!", initiative_count AS "initiative_count!" FROM (
             SELECT DISTINCT ON (p.department_id)
                    d.id, d.slug, d.position, p.content->>'department_name' AS name,
                    p.id AS publication_id, p.version, p.published_on,
                    (SELECT count(*) FROM jsonb_array_elements(p.content->'groups') g, jsonb_array_elements(g->'goals') x) AS goal_count,
                    (SELECT count(*) FROM jsonb_array_elements(p.content->'groups') g, jsonb_array_elements(g->'goals') x,
                                          jsonb_array_elements(x->'initiatives') i) AS initiative_count
             FROM publication p
             JOIN department d ON d.municipality_id = p.municipality_id AND d.id = p.department_id
             WHERE p.municipality_id = $1 AND p.fiscal_year_id = $2 AND p.kind = 'targets'
             ORDER BY p.department_id, p.version DESC
         ) latest ORDER BY position"#, mid, fiscal_year_id)
    .fetch_all(pool)
    .await
}

/// One published version of a department's targets.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Publication {
    pub id: i64,
    pub version: i32,
    pub published_on: NaiveDate,
    pub published_at: DateTime<Utc>,
    pub content: Json<TargetSheet>,
}

/// The latest publication, or the given version.
pub async fn publication(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
    version: Option<i32>,
) -> sqlx::Result<Option<Publication>> {
    sqlx::query_as!(Publication, r#"SELECT id, version, published_on, published_at, content AS "content!: Json<TargetSheet>" FROM publication
         WHERE municipality_id = $1 AND department_id = $2 AND kind = 'targets' AND ($3::int IS NULL OR version = $3)
         ORDER BY version DESC LIMIT 1"#, mid, department_id, version)
    .fetch_optional(pool)
    .await
}

/// Every version of a department's published targets, oldest first.
pub async fn versions(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
) -> sqlx::Result<Vec<(i32, NaiveDate)>> {
    sqlx::query!("SELECT version, published_on FROM publication WHERE municipality_id = $1 AND department_id = $2 AND kind = 'targets' ORDER BY version", mid, department_id).map(|r| (r.version, r.published_on))
    .fetch_all(pool)
    .await
}

/// The years of a city with anything published, newest first.
pub async fn published_years(pool: &PgPool, mid: i64) -> sqlx::Result<Vec<i32>> {
    sqlx::query_scalar!("SELECT DISTINCT f.year FROM fiscal_year f JOIN publication p ON p.municipality_id = f.municipality_id AND p.fiscal_year_id = f.id
         WHERE f.municipality_id = $1 ORDER BY f.year DESC", mid)
    .fetch_all(pool)
    .await
}

/// The years of a city with anything published, newest first, each with whether its targets
/// are published (a past year may have only its results).
pub async fn published_years_with_targets(
    pool: &PgPool,
    mid: i64,
) -> sqlx::Result<Vec<(i32, bool)>> {
    sqlx::query!(
        r#"SELECT f.year, bool_or(p.kind = 'targets') AS "bool_or!" FROM fiscal_year f
         JOIN publication p ON p.municipality_id = f.municipality_id AND p.fiscal_year_id = f.id
         WHERE f.municipality_id = $1 GROUP BY f.year ORDER BY f.year DESC"#,
        mid
    )
    .map(|r| (r.year, r.bool_or))
    .fetch_all(pool)
    .await
}

/// Publishes a department's live targets from any state, unless they equal the latest
/// version; returns the new version.
#[allow(clippy::too_many_arguments)]
pub async fn publish_if_changed(
    pool: &PgPool,
    mid: i64,
    fiscal_year_id: i64,
    department_id: i64,
    department_name: &str,
    policy_id: i64,
    user_id: Option<i64>,
    on: NaiveDate,
) -> sqlx::Result<Option<i32>> {
    let sheet = target_sheet(pool, mid, department_id, department_name, policy_id).await?;
    let request = PublishRequest {
        mid,
        fiscal_year_id,
        department_id,
        kind: "targets",
        from: ANY_STATE,
        user_id,
        on,
        note: None,
    };
    Ok(match publish_sheet(pool, &request, &sheet).await? {
        Published::Version(v) => Some(v),
        Published::Unchanged | Published::NotInState(_) => None,
    })
}

/// Every review state: publishing from any of them (the demo, a test).
pub const ANY_STATE: &[&str] = &["draft", "submitted", "approved", "published"];

/// What to publish: a department's targets or results, when its sheet is in one of `from`.
pub struct PublishRequest<'a> {
    pub mid: i64,
    pub fiscal_year_id: i64,
    pub department_id: i64,
    /// "targets" or "results".
    pub kind: &'static str,
    pub from: &'a [&'a str],
    pub user_id: Option<i64>,
    pub on: NaiveDate,
    /// Recorded in the department's history with the step (e.g. that review was skipped).
    pub note: Option<&'a str>,
}

/// What publishing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// A new version was frozen.
    Version(i32),
    /// The content equals the latest version: no new one, but the review is done.
    Unchanged,
    /// The sheet was not in a state to publish from (someone published it meanwhile); its state.
    NotInState(String),
}

/// Publishes `content` as the next version, all in one transaction with the sheet's row locked
/// first: of twenty simultaneous requests one makes the version and the others, waiting for the
/// lock, find the sheet published already.
pub async fn publish_sheet<T: serde::Serialize>(
    pool: &PgPool,
    r: &PublishRequest<'_>,
    content: &T,
) -> sqlx::Result<Published> {
    let mut tx = pool.begin().await?;
    crate::db::changes::scope_changes_to(&mut tx, r.mid).await?;
    let state = lock_sheet(&mut tx, r.mid, r.department_id, r.kind, Lock::Exclusive).await?;
    if !r.from.contains(&state.as_str()) {
        return Ok(Published::NotInState(state));
    }
    let content = serde_json::to_value(content).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let same: Option<bool> = sqlx::query_scalar!(r#"SELECT content = $4 AS "value!" FROM publication WHERE municipality_id = $1 AND department_id = $2 AND kind = $3 ORDER BY version DESC LIMIT 1"#, r.mid, r.department_id, r.kind, Json(&content) as _)
    .fetch_optional(&mut *tx)
    .await?;
    let outcome = if same == Some(true) {
        Published::Unchanged
    } else {
        let version: i32 = sqlx::query_scalar!("INSERT INTO publication (municipality_id, fiscal_year_id, department_id, kind, version, published_on, published_by, content)
             VALUES ($1, $2, $3, $7,
                     (SELECT COALESCE(max(version), 0) + 1 FROM publication WHERE municipality_id = $1 AND department_id = $3 AND kind = $7),
                     $4, $5, $6)
             RETURNING version", r.mid, r.fiscal_year_id, r.department_id, r.on, r.user_id, Json(&content) as _, r.kind)
        .fetch_one(&mut *tx)
        .await?;
        Published::Version(version)
    };
    let note = (outcome == Published::Unchanged)
        .then_some("公表済みの内容から変更がないため、新しい版は作成していません。")
        .or(r.note);
    transition_of(
        &mut tx,
        r.mid,
        r.department_id,
        r.kind,
        r.from,
        "published",
        "publish",
        note,
        r.user_id,
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// One department's review state for the planning staff's overview.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OverviewRow {
    pub id: i64,
    pub name: String,
    pub state: String,
    pub version: Option<i32>,
    pub published_on: Option<NaiveDate>,
    /// Whether staff edited the goals since the latest publication (the diff page tells exactly).
    pub edited_since: bool,
    pub results_state: String,
    pub results_version: Option<i32>,
    /// The mid-year report's review state and latest published version.
    pub midyear_state: String,
    pub midyear_version: Option<i32>,
    /// Whether it has goals, and any results recorded (what publishing without review takes).
    pub has_goals: bool,
    pub has_results: bool,
}

/// Every department of a year with its review state and latest publication, in one query.
pub async fn overview(
    pool: &PgPool,
    mid: i64,
    fiscal_year_id: i64,
) -> sqlx::Result<Vec<OverviewRow>> {
    sqlx::query_as!(OverviewRow, r#"SELECT d.id, d.name, COALESCE(s.state, 'draft') AS "state!", lp.version AS "version?", lp.published_on AS "published_on?",
                COALESCE((SELECT max(a.at) FROM audit_event a
                          WHERE a.municipality_id = d.municipality_id AND a.department_id = d.id
                            AND a.entity IN ('goal', 'initiative', 'criterion')) > lp.published_at, false) AS "edited_since!",
                COALESCE(rs.state, 'draft') AS "results_state!",
                (SELECT max(p2.version) FROM publication p2
                  WHERE p2.municipality_id = d.municipality_id AND p2.department_id = d.id AND p2.kind = 'results') AS "results_version?",
                COALESCE(ms.state, 'draft') AS "midyear_state!",
                (SELECT max(p3.version) FROM publication p3
                  WHERE p3.municipality_id = d.municipality_id AND p3.department_id = d.id AND p3.kind = 'midyear') AS "midyear_version?",
                EXISTS (SELECT 1 FROM goal g WHERE g.municipality_id = d.municipality_id AND g.department_id = d.id) AS "has_goals!",
                EXISTS (SELECT 1 FROM goal g JOIN initiative i ON i.goal_id = g.id
                        LEFT JOIN initiative_result ir ON ir.initiative_id = i.id
                        LEFT JOIN goal_result gr ON gr.goal_id = g.id
                        WHERE g.municipality_id = d.municipality_id AND g.department_id = d.id
                          AND (cardinality(ir.performance) > 0 OR cardinality(ir.outcome) > 0 OR ir.status_override IS NOT NULL
                               OR gr.status_override IS NOT NULL
                               OR EXISTS (SELECT 1 FROM criterion c JOIN criterion_result cr ON cr.criterion_id = c.id WHERE c.initiative_id = i.id))) AS "has_results!"
         FROM department d
         LEFT JOIN sheet s ON s.municipality_id = d.municipality_id AND s.department_id = d.id AND s.kind = 'targets'
         LEFT JOIN sheet rs ON rs.municipality_id = d.municipality_id AND rs.department_id = d.id AND rs.kind = 'results'
         LEFT JOIN sheet ms ON ms.municipality_id = d.municipality_id AND ms.department_id = d.id AND ms.kind = 'midyear'
         LEFT JOIN LATERAL (SELECT p.version, p.published_on, p.published_at FROM publication p
                            WHERE p.municipality_id = d.municipality_id AND p.department_id = d.id AND p.kind = 'targets'
                            ORDER BY p.version DESC LIMIT 1) lp ON true
         WHERE d.municipality_id = $1 AND d.fiscal_year_id = $2
         ORDER BY d.position"#, mid, fiscal_year_id)
    .fetch_all(pool)
    .await
}

/// A department's latest published targets, with where it sits.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublishedSheet {
    pub department_id: i64,
    pub slug: String,
    pub position: i32,
    pub year: i32,
    pub version: i32,
    pub published_on: NaiveDate,
    pub publication_id: i64,
    pub content: Json<TargetSheet>,
}

/// The latest published targets of every department of a city (of one year, when given),
/// newest year first, departments in display order. One query.
pub async fn latest_sheets(
    pool: &PgPool,
    mid: i64,
    year: Option<i32>,
) -> sqlx::Result<Vec<PublishedSheet>> {
    sqlx::query_as!(PublishedSheet, r#"SELECT department_id AS "department_id!", slug AS "slug!", position AS "position!", year AS "year!", version AS "version!", published_on AS "published_on!", publication_id AS "publication_id!", content AS "content!: Json<TargetSheet>" FROM (
             SELECT DISTINCT ON (p.department_id)
                    p.department_id, d.slug, d.position, f.year, p.version, p.published_on, p.id AS publication_id, p.content
             FROM publication p
             JOIN department d ON d.municipality_id = p.municipality_id AND d.id = p.department_id
             JOIN fiscal_year f ON f.municipality_id = p.municipality_id AND f.id = p.fiscal_year_id
             WHERE p.municipality_id = $1 AND p.kind = 'targets' AND ($2::int IS NULL OR f.year = $2)
             ORDER BY p.department_id, p.version DESC
         ) latest ORDER BY year DESC, position"#, mid, year)
    .fetch_all(pool)
    .await
}

/// One published version of a department's results.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublishedResults {
    pub department_id: i64,
    pub slug: String,
    pub position: i32,
    pub version: i32,
    pub published_on: NaiveDate,
    pub published_at: DateTime<Utc>,
    pub publication_id: i64,
    pub content: Json<crate::domain::sheet::ResultsSheet>,
}

/// The latest published results of every department of a year, in display order. One query.
pub async fn latest_results(
    pool: &PgPool,
    mid: i64,
    fiscal_year_id: i64,
) -> sqlx::Result<Vec<PublishedResults>> {
    sqlx::query_as!(PublishedResults, r#"SELECT department_id AS "department_id!", slug AS "slug!", position AS "position!", version AS "version!", published_on AS "published_on!", published_at AS "published_at!", publication_id AS "publication_id!", content AS "content!: Json<crate::domain::sheet::ResultsSheet>" FROM (
             SELECT DISTINCT ON (p.department_id)
                    p.department_id, d.slug, d.position, p.version, p.published_on, p.published_at, p.id AS publication_id, p.content
             FROM publication p
             JOIN department d ON d.municipality_id = p.municipality_id AND d.id = p.department_id
             WHERE p.municipality_id = $1 AND p.fiscal_year_id = $2 AND p.kind = 'results'
             ORDER BY p.department_id, p.version DESC
         ) latest ORDER BY position"#, mid, fiscal_year_id)
    .fetch_all(pool)
    .await
}

/// Publishes a department's live results from any state, unless they equal the latest
/// version; returns the new version.
pub async fn publish_results_if_changed(
    pool: &PgPool,
    mid: i64,
    department: &crate::db::editing::DepartmentCtx,
    user_id: Option<i64>,
    on: NaiveDate,
) -> sqlx::Result<Option<i32>> {
    let sheet = crate::db::sheets::results_sheet(pool, mid, department).await?;
    let request = PublishRequest {
        mid,
        fiscal_year_id: department.fiscal_year_id,
        department_id: department.id,
        kind: "results",
        from: ANY_STATE,
        user_id,
        on,
        note: None,
    };
    Ok(match publish_sheet(pool, &request, &sheet).await? {
        Published::Version(v) => Some(v),
        Published::Unchanged | Published::NotInState(_) => None,
    })
}

/// The latest published results of every department of a city, with their year. One query.
pub async fn latest_results_of_city(
    pool: &PgPool,
    mid: i64,
) -> sqlx::Result<Vec<(i32, String, Json<crate::domain::sheet::ResultsSheet>)>> {
    sqlx::query!(r#"SELECT DISTINCT ON (p.department_id) f.year, d.slug, p.content AS "content!: Json<crate::domain::sheet::ResultsSheet>"
         FROM publication p
         JOIN department d ON d.municipality_id = p.municipality_id AND d.id = p.department_id
         JOIN fiscal_year f ON f.municipality_id = p.municipality_id AND f.id = p.fiscal_year_id
         WHERE p.municipality_id = $1 AND p.kind = 'results'
         ORDER BY p.department_id, p.version DESC"#, mid).map(|r| (r.year, r.slug, r.content))
    .fetch_all(pool)
    .await
}

/// A department's published results: the given version (or the latest) with every version's
/// number and date, oldest first.
pub async fn results_version(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
    version: Option<i32>,
) -> sqlx::Result<(
    Option<(i32, Json<crate::domain::sheet::ResultsSheet>)>,
    Vec<(i32, NaiveDate)>,
)> {
    let one: Option<(i32, Json<crate::domain::sheet::ResultsSheet>)> = sqlx::query!(r#"SELECT version, content AS "content!: Json<crate::domain::sheet::ResultsSheet>" FROM publication
         WHERE municipality_id = $1 AND department_id = $2 AND kind = 'results' AND ($3::int IS NULL OR version = $3)
         ORDER BY version DESC LIMIT 1"#, mid, department_id, version).map(|r| (r.version, r.content))
    .fetch_optional(pool)
    .await?;
    let all: Vec<(i32, NaiveDate)> = sqlx::query!("SELECT version, published_on FROM publication WHERE municipality_id = $1 AND department_id = $2 AND kind = 'results' ORDER BY version", mid, department_id).map(|r| (r.version, r.published_on))
    .fetch_all(pool)
    .await?;
    Ok((one, all))
}

/// The same department in the year before and the year after, matched through the carry-over
/// (`predecessor_id`, so a renamed department is still found), where its targets are
/// published: (`previous`|`next`, year, slug, name).
pub async fn neighbour_years(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
) -> sqlx::Result<Vec<(String, i32, String, String)>> {
    sqlx::query!(
        r#"SELECT w.which AS "which!", f.year AS "year!", d.slug AS "slug!", d.name AS "name!"
             FROM (SELECT 'previous' AS which, predecessor_id AS id FROM department
                    WHERE municipality_id = $1 AND id = $2
                   UNION ALL
                   SELECT 'next', id FROM department WHERE municipality_id = $1 AND predecessor_id = $2) w
             JOIN department d ON d.municipality_id = $1 AND d.id = w.id
             JOIN fiscal_year f ON f.municipality_id = d.municipality_id AND f.id = d.fiscal_year_id
            WHERE EXISTS (SELECT 1 FROM publication p WHERE p.municipality_id = $1
                            AND p.department_id = d.id AND p.kind = 'targets')
            ORDER BY f.year"#,
        mid,
        department_id
    )
    .map(|r| (r.which, r.year, r.slug, r.name))
    .fetch_all(pool)
    .await
}
