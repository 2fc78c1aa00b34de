//! The due dates of a year's stages, and what each department and section still has to do
//! for them (the review state of the department's sheets, the results not yet recorded), with
//! the people who hold the posts.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

/// A year's stage deadlines: (stage, due date), stages in the order of the year (the mid-year
/// check's only once it is opened).
pub async fn deadlines(
    pool: &PgPool,
    mid: i64,
    fiscal_year_id: i64,
) -> sqlx::Result<Vec<(String, NaiveDate)>> {
    sqlx::query!(
        "SELECT d.stage, d.due_on FROM stage_deadline d
          WHERE d.municipality_id = $1 AND d.fiscal_year_id = $2 AND (d.stage <> 'midyear' OR EXISTS
                (SELECT 1 FROM midyear_check c WHERE c.municipality_id = $1 AND c.fiscal_year_id = $2))
         ORDER BY array_position(ARRAY['targets', 'midyear', 'results'], d.stage)",
        mid,
        fiscal_year_id
    )
    .map(|r| (r.stage, r.due_on))
    .fetch_all(pool)
    .await
}

/// Sets (or, with None, removes) a stage's deadline; returns the date it had.
pub async fn set_deadline(
    tx: &mut PgConnection,
    mid: i64,
    fiscal_year_id: i64,
    stage: &str,
    due_on: Option<NaiveDate>,
) -> sqlx::Result<Option<NaiveDate>> {
    let before = sqlx::query_scalar!(
        "SELECT due_on FROM stage_deadline WHERE municipality_id = $1 AND fiscal_year_id = $2 AND stage = $3 FOR UPDATE",
        mid,
        fiscal_year_id,
        stage
    )
    .fetch_optional(&mut *tx)
    .await?;
    match due_on {
        Some(day) => {
            sqlx::query!(
                "INSERT INTO stage_deadline (municipality_id, fiscal_year_id, stage, due_on) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (fiscal_year_id, stage) DO UPDATE SET due_on = EXCLUDED.due_on",
                mid,
                fiscal_year_id,
                stage,
                day
            )
            .execute(&mut *tx)
            .await?;
        }
        None => {
            sqlx::query!(
                "DELETE FROM stage_deadline WHERE municipality_id = $1 AND fiscal_year_id = $2 AND stage = $3",
                mid,
                fiscal_year_id,
                stage
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(before)
}

/// A section of the year (or a department without sections) with the state of its
/// department's sheets and its results entry.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SectionWork {
    pub department_id: i64,
    pub department: String,
    pub section_id: Option<i64>,
    pub section: Option<String>,
    /// The review state of the department's targets and results (`draft` when never moved).
    pub targets_state: String,
    pub midyear_state: String,
    pub results_state: String,
    pub initiatives: i64,
    pub recorded: i64,
    /// Initiatives with their first half recorded (the mid-year check).
    pub midyear_recorded: i64,
}

/// Every section of a year, in the organization's order, with what its stages need.
pub async fn section_work(
    pool: &PgPool,
    mid: i64,
    fiscal_year_id: i64,
) -> sqlx::Result<Vec<SectionWork>> {
    sqlx::query_as!(
        SectionWork,
        r#"SELECT d.id AS department_id, d.name AS department, s.id AS "section_id?", s.name AS "section?",
                COALESCE(ts.state, 'draft') AS "targets_state!", COALESCE(ms.state, 'draft') AS "midyear_state!",
                COALESCE(rs.state, 'draft') AS "results_state!",
                count(i.id) AS "initiatives!",
                count(i.id) FILTER (WHERE cardinality(r.performance) > 0 OR cardinality(r.outcome) > 0) AS "recorded!",
                count(i.id) FILTER (WHERE cardinality(m.performance) > 0 OR m.progress IS NOT NULL) AS "midyear_recorded!"
         FROM department d
         LEFT JOIN sheet ts ON ts.municipality_id = d.municipality_id AND ts.department_id = d.id AND ts.kind = 'targets'
         LEFT JOIN sheet rs ON rs.municipality_id = d.municipality_id AND rs.department_id = d.id AND rs.kind = 'results'
         LEFT JOIN sheet ms ON ms.municipality_id = d.municipality_id AND ms.department_id = d.id AND ms.kind = 'midyear'
         LEFT JOIN section s ON s.municipality_id = d.municipality_id AND s.department_id = d.id
         LEFT JOIN initiative_section x ON x.municipality_id = s.municipality_id AND x.section_id = s.id
         LEFT JOIN initiative i ON i.municipality_id = x.municipality_id AND i.id = x.initiative_id
         LEFT JOIN initiative_result r ON r.municipality_id = i.municipality_id AND r.initiative_id = i.id
         LEFT JOIN initiative_midyear m ON m.municipality_id = i.municipality_id AND m.initiative_id = i.id
         WHERE d.municipality_id = $1 AND d.fiscal_year_id = $2
         GROUP BY d.id, d.name, d.position, s.id, s.name, s.position, ts.state, ms.state, rs.state
         ORDER BY d.position, s.position NULLS FIRST"#,
        mid,
        fiscal_year_id
    )
    .fetch_all(pool)
    .await
}

/// A person holding a post in a year (a head of a department, a chief of a section) or
/// planning staff; disabled accounts are left out.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostHolder {
    pub user_id: i64,
    pub display_name: String,
    pub email: Option<String>,
    pub role: String,
    /// The department of a head, or of a chief's section.
    pub department_id: Option<i64>,
    pub section_id: Option<i64>,
}

/// The heads and chiefs of a year, and the city's planning staff.
pub async fn post_holders(
    tx: &mut PgConnection,
    mid: i64,
    fiscal_year_id: i64,
) -> sqlx::Result<Vec<PostHolder>> {
    sqlx::query_as!(
        PostHolder,
        r#"SELECT u.id AS user_id, u.display_name, u.email AS "email?", r.role,
                COALESCE(d.id, s.department_id) AS "department_id?", s.id AS "section_id?"
         FROM role_assignment r
         JOIN app_user u ON u.municipality_id = r.municipality_id AND u.id = r.user_id
         LEFT JOIN department d ON d.municipality_id = r.municipality_id AND d.id = r.department_id
         LEFT JOIN section s ON s.municipality_id = r.municipality_id AND s.id = r.section_id
         WHERE r.municipality_id = $1 AND NOT u.disabled
           AND (r.role = 'admin' OR d.fiscal_year_id = $2 OR s.fiscal_year_id = $2)
         ORDER BY u.id, r.id"#,
        mid,
        fiscal_year_id
    )
    .fetch_all(&mut *tx)
    .await
}

/// A deadline whose reminder is due today in a city that sends e-mail.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueReminder {
    pub municipality_id: i64,
    pub fiscal_year_id: i64,
    pub year: i32,
    pub stage: String,
    pub due_on: NaiveDate,
}

/// The deadlines from `today` to each city's reminder horizon (`remind_days` ahead), in the
/// cities with a mail relay.
pub async fn due_reminders(pool: &PgPool, today: NaiveDate) -> sqlx::Result<Vec<DueReminder>> {
    sqlx::query_as!(
        DueReminder,
        "SELECT d.municipality_id, d.fiscal_year_id, f.year, d.stage, d.due_on
         FROM stage_deadline d
         JOIN mail_setting m ON m.municipality_id = d.municipality_id
         JOIN fiscal_year f ON f.municipality_id = d.municipality_id AND f.id = d.fiscal_year_id
         WHERE d.due_on >= $1 AND d.due_on - m.remind_days <= $1
           AND (d.stage <> 'midyear' OR EXISTS (SELECT 1 FROM midyear_check c
                 WHERE c.municipality_id = d.municipality_id AND c.fiscal_year_id = d.fiscal_year_id))
         ORDER BY d.municipality_id, d.due_on",
        today
    )
    .fetch_all(pool)
    .await
}
