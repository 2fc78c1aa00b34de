//! Year-end results: reading and writing what each initiative achieved, and the entry
//! progress planning staff chase before the deadline.

use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};

/// A criterion with its target and recorded result.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CriterionWithResult {
    pub id: i64,
    pub initiative_id: i64,
    pub text: String,
    pub target_value: Option<Decimal>,
    pub unit: Option<String>,
    pub comparator: Option<String>,
    pub actual_value: Option<Decimal>,
    pub actual_text: Option<String>,
    pub not_applicable: bool,
    pub not_applicable_reason: Option<String>,
}

/// An initiative's recorded results.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct InitiativeResult {
    pub performance: Vec<String>,
    pub outcome: Vec<String>,
    pub status_override: Option<String>,
    pub override_reason: Option<String>,
    pub version: i32,
}

/// The criteria (with results) of the given initiatives, in order.
pub async fn criteria_with_results(
    pool: &PgPool,
    mid: i64,
    initiative_ids: &[i64],
) -> sqlx::Result<Vec<CriterionWithResult>> {
    sqlx::query_as!(CriterionWithResult, r#"SELECT c.id, c.initiative_id, c.text, c.target_value AS "target_value?", c.unit AS "unit?", c.comparator AS "comparator?",
                r.actual_value AS "actual_value?", r.actual_text AS "actual_text?", COALESCE(r.not_applicable, false) AS "not_applicable!", r.not_applicable_reason AS "not_applicable_reason?"
         FROM criterion c LEFT JOIN criterion_result r ON r.municipality_id = c.municipality_id AND r.criterion_id = c.id
         WHERE c.municipality_id = $1 AND c.initiative_id = ANY($2)
         ORDER BY c.initiative_id, c.position"#, mid, initiative_ids)
    .fetch_all(pool)
    .await
}

/// An initiative's results (empty, version 0, when nothing is recorded yet).
pub async fn initiative_result(
    pool: &PgPool,
    mid: i64,
    initiative_id: i64,
) -> sqlx::Result<InitiativeResult> {
    let row: Option<InitiativeResult> = sqlx::query_as!(InitiativeResult, r#"SELECT performance, outcome, status_override AS "status_override?", override_reason AS "override_reason?", version FROM initiative_result
         WHERE municipality_id = $1 AND initiative_id = $2"#, mid, initiative_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.unwrap_or_default())
}

/// The results of every initiative of a department, by initiative id.
pub async fn department_results(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
) -> sqlx::Result<Vec<(i64, InitiativeResult)>> {
    /// Initiative id, 実績, 成果, override, its reason, version.
    type Row = (
        i64,
        Vec<String>,
        Vec<String>,
        Option<String>,
        Option<String>,
        i32,
    );
    let rows: Vec<Row> = sqlx::query!("SELECT r.initiative_id, r.performance, r.outcome, r.status_override, r.override_reason, r.version
         FROM initiative_result r
         JOIN initiative i ON i.municipality_id = r.municipality_id AND i.id = r.initiative_id
         JOIN goal g ON g.municipality_id = i.municipality_id AND g.id = i.goal_id
         WHERE r.municipality_id = $1 AND g.department_id = $2", mid, department_id)
    .map(|r| (r.initiative_id, r.performance, r.outcome, r.status_override, r.override_reason, r.version))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, performance, outcome, status_override, override_reason, version)| {
                (
                    id,
                    InitiativeResult {
                        performance,
                        outcome,
                        status_override,
                        override_reason,
                        version,
                    },
                )
            },
        )
        .collect())
}

/// Saves an initiative's results if nobody saved since `version` (0: nothing saved yet).
/// False on a conflict.
pub async fn save_initiative_result(
    tx: &mut PgConnection,
    mid: i64,
    initiative_id: i64,
    version: i32,
    r: &InitiativeResult,
) -> sqlx::Result<bool> {
    let n = if version == 0 {
        sqlx::query!("INSERT INTO initiative_result (municipality_id, initiative_id, performance, outcome, status_override, override_reason)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (initiative_id) DO NOTHING", mid, initiative_id, &r.performance[..], &r.outcome[..], r.status_override, r.override_reason)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    } else {
        sqlx::query!("UPDATE initiative_result SET performance = $4, outcome = $5, status_override = $6, override_reason = $7,
                    version = version + 1, updated_at = now()
             WHERE municipality_id = $1 AND initiative_id = $2 AND version = $3", mid, initiative_id, version, &r.performance[..], &r.outcome[..], r.status_override, r.override_reason)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    };
    Ok(n == 1)
}

/// Records a criterion's result.
pub async fn save_criterion_result(
    tx: &mut PgConnection,
    mid: i64,
    criterion_id: i64,
    actual_value: Option<Decimal>,
    actual_text: Option<&str>,
    not_applicable_reason: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!("INSERT INTO criterion_result (municipality_id, criterion_id, actual_value, actual_text, not_applicable, not_applicable_reason)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (criterion_id) DO UPDATE SET actual_value = EXCLUDED.actual_value, actual_text = EXCLUDED.actual_text,
             not_applicable = EXCLUDED.not_applicable, not_applicable_reason = EXCLUDED.not_applicable_reason", mid, criterion_id, actual_value, actual_text, not_applicable_reason.is_some(), not_applicable_reason)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Entry progress of one section (or of initiatives without a section).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProgressRow {
    pub department_id: i64,
    pub department: String,
    pub section: String,
    pub initiatives: i64,
    pub recorded: i64,
    /// (initiative id, goal position, initiative position, text) of those still missing.
    pub missing: sqlx::types::Json<Vec<(i64, i32, i32, String)>>,
}

/// Per department and responsible section: initiatives, how many have results recorded
/// (実績 or 成果 entered), and which are missing. One query.
pub async fn progress(
    pool: &PgPool,
    mid: i64,
    fiscal_year_id: i64,
) -> sqlx::Result<Vec<ProgressRow>> {
    sqlx::query_as!(ProgressRow, r#"SELECT d.id AS department_id, d.name AS department, s.name AS section,
                count(i.id) AS "initiatives!",
                count(i.id) FILTER (WHERE cardinality(r.performance) > 0 OR cardinality(r.outcome) > 0) AS "recorded!",
                COALESCE(jsonb_agg(jsonb_build_array(i.id, g.position, i.position, i.text) ORDER BY g.position, i.position)
                         FILTER (WHERE i.id IS NOT NULL AND NOT (cardinality(COALESCE(r.performance, '{}')) > 0 OR cardinality(COALESCE(r.outcome, '{}')) > 0)),
                         '[]') AS "missing!: sqlx::types::Json<Vec<(i64, i32, i32, String)>>"
         FROM department d
         JOIN section s ON s.municipality_id = d.municipality_id AND s.department_id = d.id
         LEFT JOIN initiative_section x ON x.municipality_id = s.municipality_id AND x.section_id = s.id
         LEFT JOIN initiative i ON i.municipality_id = x.municipality_id AND i.id = x.initiative_id
         LEFT JOIN goal g ON g.municipality_id = i.municipality_id AND g.id = i.goal_id
         LEFT JOIN initiative_result r ON r.municipality_id = i.municipality_id AND r.initiative_id = i.id
         WHERE d.municipality_id = $1 AND d.fiscal_year_id = $2
         GROUP BY d.id, d.name, d.position, s.id, s.name, s.position
         ORDER BY d.position, s.position"#, mid, fiscal_year_id)
    .fetch_all(pool)
    .await
}

/// The department head's page: name and reading, 基本方針, 部の仕事, 総括.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow, serde::Serialize, serde::Deserialize,
)]
pub struct Profile {
    pub head_name: String,
    pub head_name_kana: String,
    pub basic_policy: String,
    pub duties: String,
    pub summary: String,
    #[serde(skip)]
    pub version: i32,
}

/// A department's profile (empty, version 0, when not written yet).
pub async fn profile(pool: &PgPool, mid: i64, department_id: i64) -> sqlx::Result<Profile> {
    let row: Option<Profile> = sqlx::query_as!(Profile, "SELECT head_name, head_name_kana, basic_policy, duties, summary, version FROM department_profile
         WHERE municipality_id = $1 AND department_id = $2", mid, department_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.unwrap_or_default())
}

/// Saves a profile if nobody saved since `version` (0: not written yet). False on a conflict.
pub async fn save_profile(
    tx: &mut PgConnection,
    mid: i64,
    department_id: i64,
    version: i32,
    p: &Profile,
) -> sqlx::Result<bool> {
    let n = if version == 0 {
        sqlx::query!("INSERT INTO department_profile (municipality_id, department_id, head_name, head_name_kana, basic_policy, duties, summary)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (department_id) DO NOTHING", mid, department_id, p.head_name, p.head_name_kana, p.basic_policy, p.duties, p.summary)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    } else {
        sqlx::query!("UPDATE department_profile SET head_name = $4, head_name_kana = $5, basic_policy = $6, duties = $7, summary = $8,
                    version = version + 1
             WHERE municipality_id = $1 AND department_id = $2 AND version = $3", mid, department_id, version, p.head_name, p.head_name_kana, p.basic_policy, p.duties, p.summary)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    };
    Ok(n == 1)
}

/// A goal's status override and its reason.
pub async fn goal_override(
    pool: &PgPool,
    mid: i64,
    goal_id: i64,
) -> sqlx::Result<(Option<String>, Option<String>, i32)> {
    let row: Option<(Option<String>, Option<String>, i32)> =
        sqlx::query!(r#"SELECT status_override AS "status_override?", override_reason AS "override_reason?", version FROM goal_result WHERE municipality_id = $1 AND goal_id = $2"#, mid, goal_id).map(|r| (r.status_override, r.override_reason, r.version))
            .fetch_optional(pool)
            .await?;
    Ok(row.unwrap_or((None, None, 0)))
}

/// Sets (or clears) a goal's status override if nobody changed it since `version`.
pub async fn save_goal_override(
    tx: &mut PgConnection,
    mid: i64,
    goal_id: i64,
    version: i32,
    status: Option<&str>,
    reason: Option<&str>,
) -> sqlx::Result<bool> {
    let n = if version == 0 {
        sqlx::query!("INSERT INTO goal_result (municipality_id, goal_id, status_override, override_reason) VALUES ($1, $2, $3, $4)
             ON CONFLICT (goal_id) DO NOTHING", mid, goal_id, status, reason)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    } else {
        sqlx::query!("UPDATE goal_result SET status_override = $4, override_reason = $5, version = version + 1
             WHERE municipality_id = $1 AND goal_id = $2 AND version = $3", mid, goal_id, version, status, reason)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    };
    Ok(n == 1)
}

/// A goal's status set by hand: goal id, status, reason, version, and the result as printed.
pub type GoalOverride = (i64, Option<String>, Option<String>, i32, Option<String>);

/// Every goal override of a department, by goal id.
pub async fn goal_overrides(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
) -> sqlx::Result<Vec<GoalOverride>> {
    sqlx::query!("SELECT r.goal_id, r.status_override, r.override_reason, r.version, r.status_label FROM goal_result r
         JOIN goal g ON g.municipality_id = r.municipality_id AND g.id = r.goal_id
         WHERE r.municipality_id = $1 AND g.department_id = $2", mid, department_id)
    .map(|r| (r.goal_id, r.status_override, r.override_reason, r.version, r.status_label))
    .fetch_all(pool)
    .await
}

/// Initiatives of a year and how many have results recorded (each initiative once).
pub async fn progress_totals(
    pool: &PgPool,
    mid: i64,
    fiscal_year_id: i64,
) -> sqlx::Result<(i64, i64)> {
    sqlx::query!(r#"SELECT count(*) AS "initiatives!", count(*) FILTER (WHERE cardinality(r.performance) > 0 OR cardinality(r.outcome) > 0) AS "recorded!"
         FROM initiative i
         JOIN goal g ON g.municipality_id = i.municipality_id AND g.id = i.goal_id
         JOIN department d ON d.municipality_id = g.municipality_id AND d.id = g.department_id
         LEFT JOIN initiative_result r ON r.municipality_id = i.municipality_id AND r.initiative_id = i.id
         WHERE i.municipality_id = $1 AND d.fiscal_year_id = $2"#, mid, fiscal_year_id)
    .map(|r| (r.initiatives, r.recorded))
    .fetch_one(pool)
    .await
}
