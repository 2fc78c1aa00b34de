//! Last year beside this year: for a department carried from the year before, what its
//! predecessor published as results — each goal's and initiative's status, 実績 and 成果 —
//! keyed by the carried goal's and initiative's own id (through `predecessor_id`).

use crate::domain::sheet::{ResultsGoal, ResultsInitiative, ResultsSheet};
use sqlx::PgPool;
use sqlx::types::Json;
use std::collections::HashMap;

/// Last year's published results beside a department's carried items.
#[derive(Debug, Default)]
pub struct LastYear {
    /// The year the results are of.
    pub year: Option<i32>,
    pub goals: HashMap<i64, ResultsGoal>,
    pub initiatives: HashMap<i64, ResultsInitiative>,
}

/// Two statements: the carried items' predecessors, and the predecessor department's latest
/// published results.
pub async fn of_department(pool: &PgPool, mid: i64, department_id: i64) -> sqlx::Result<LastYear> {
    let (links, published) = tokio::try_join!(
        sqlx::query!(
            r#"SELECT 'goal' AS "kind!", g.id AS "id!", g.predecessor_id AS "predecessor!" FROM goal g
                WHERE g.municipality_id = $1 AND g.department_id = $2 AND g.predecessor_id IS NOT NULL
               UNION ALL
               SELECT 'initiative', i.id, i.predecessor_id FROM initiative i
                 JOIN goal g ON g.municipality_id = i.municipality_id AND g.id = i.goal_id
                WHERE i.municipality_id = $1 AND g.department_id = $2 AND i.predecessor_id IS NOT NULL"#,
            mid,
            department_id
        )
        .fetch_all(pool),
        sqlx::query!(
            r#"SELECT f.year, p.content AS "content!: Json<ResultsSheet>" FROM department d
                 JOIN publication p ON p.municipality_id = d.municipality_id AND p.department_id = d.predecessor_id
                                   AND p.kind = 'results'
                 JOIN fiscal_year f ON f.municipality_id = p.municipality_id AND f.id = p.fiscal_year_id
                WHERE d.municipality_id = $1 AND d.id = $2
                ORDER BY p.version DESC LIMIT 1"#,
            mid,
            department_id
        )
        .fetch_optional(pool),
    )?;
    let Some(published) = published else {
        return Ok(LastYear::default());
    };
    let mut goals: HashMap<i64, ResultsGoal> = HashMap::new();
    let mut initiatives: HashMap<i64, ResultsInitiative> = HashMap::new();
    // Only what says something: a judgment, 実績 or 成果.
    for goal in published.content.0.groups.into_iter().flat_map(|g| g.goals) {
        for i in &goal.initiatives {
            if i.status.is_some() || !i.performance.is_empty() || !i.outcome.is_empty() {
                initiatives.insert(i.id, i.clone());
            }
        }
        if goal.status.is_some() {
            goals.insert(goal.id, goal);
        }
    }
    let mut out = LastYear {
        year: Some(published.year),
        ..LastYear::default()
    };
    for link in links {
        if link.kind == "goal" {
            if let Some(g) = goals.remove(&link.predecessor) {
                out.goals.insert(link.id, g);
            }
        } else if let Some(i) = initiatives.remove(&link.predecessor) {
            out.initiatives.insert(link.id, i);
        }
    }
    Ok(out)
}

/// The head's 前年度の振り返り of a department and its version (0: never saved).
pub async fn review(pool: &PgPool, mid: i64, department_id: i64) -> sqlx::Result<(String, i32)> {
    let row = sqlx::query!(
        "SELECT text, version FROM last_year_review WHERE municipality_id = $1 AND department_id = $2",
        mid,
        department_id
    )
    .map(|r| (r.text, r.version))
    .fetch_optional(pool)
    .await?;
    Ok(row.unwrap_or_default())
}

/// Saves the 振り返り if it is still at `version`; false when someone saved first.
pub async fn save_review(
    tx: &mut sqlx::PgConnection,
    mid: i64,
    department_id: i64,
    version: i32,
    text: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "INSERT INTO last_year_review (municipality_id, department_id, text) VALUES ($1, $2, $3)
         ON CONFLICT (department_id) DO UPDATE SET text = EXCLUDED.text, version = last_year_review.version + 1
           WHERE last_year_review.version = $4",
        mid,
        department_id,
        text,
        version
    )
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
