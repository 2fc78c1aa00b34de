//! An outside committee's evaluation: the city's scale and each department's grade and
//! comment (drafts here; citizens see them once published with the results).

use crate::domain::sheet::OutsideGrade;
use sqlx::{PgConnection, PgPool};

/// The city's committee and its grades, best first.
pub async fn scale(pool: &PgPool, mid: i64) -> sqlx::Result<Option<(String, Vec<String>)>> {
    sqlx::query!(
        "SELECT committee, grades FROM outside_scale WHERE municipality_id = $1",
        mid
    )
    .map(|r| (r.committee, r.grades))
    .fetch_optional(pool)
    .await
}

pub async fn save_scale(
    tx: &mut PgConnection,
    mid: i64,
    committee: &str,
    grades: &[String],
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO outside_scale (municipality_id, committee, grades) VALUES ($1, $2, $3)
         ON CONFLICT (municipality_id) DO UPDATE SET committee = EXCLUDED.committee,
             grades = EXCLUDED.grades, updated_at = now()",
        mid,
        committee,
        grades
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Each department of the year with its grade and comment, if graded: (id, name, grade, comment).
pub async fn grades(
    pool: &PgPool,
    mid: i64,
    fy: i64,
) -> sqlx::Result<Vec<(i64, String, Option<String>, Option<String>)>> {
    sqlx::query!(
        r#"SELECT d.id, d.name, e.grade AS "grade?", e.comment AS "comment?" FROM department d
             LEFT JOIN outside_evaluation e ON e.municipality_id = d.municipality_id AND e.department_id = d.id
            WHERE d.municipality_id = $1 AND d.fiscal_year_id = $2 ORDER BY d.position, d.id"#,
        mid,
        fy
    )
    .map(|r| (r.id, r.name, r.grade, r.comment))
    .fetch_all(pool)
    .await
}

/// Sets (or, with no grade, removes) a department's grade of the year `fy`; false when the
/// department is not the year's.
pub async fn save_grade(
    tx: &mut PgConnection,
    mid: i64,
    fy: i64,
    department: i64,
    grade: Option<(&str, &str)>,
) -> sqlx::Result<bool> {
    let ours: Option<i64> = sqlx::query_scalar!(
        "SELECT id FROM department WHERE municipality_id = $1 AND fiscal_year_id = $2 AND id = $3",
        mid,
        fy,
        department
    )
    .fetch_optional(&mut *tx)
    .await?;
    if ours.is_none() {
        return Ok(false);
    }
    match grade {
        Some((grade, comment)) => {
            sqlx::query!(
                "INSERT INTO outside_evaluation (municipality_id, department_id, grade, comment) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (municipality_id, department_id) DO UPDATE SET grade = EXCLUDED.grade,
                     comment = EXCLUDED.comment, updated_at = now()",
                mid,
                department,
                grade,
                comment
            )
            .execute(&mut *tx)
            .await?;
        }
        None => {
            sqlx::query!(
                "DELETE FROM outside_evaluation WHERE municipality_id = $1 AND department_id = $2",
                mid,
                department
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(true)
}

/// A department's grade as its results publish it.
pub async fn of_department(
    pool: &PgPool,
    mid: i64,
    department: i64,
) -> sqlx::Result<Option<OutsideGrade>> {
    sqlx::query!(
        "SELECT s.committee, e.grade, e.comment FROM outside_evaluation e
           JOIN outside_scale s ON s.municipality_id = e.municipality_id
          WHERE e.municipality_id = $1 AND e.department_id = $2",
        mid,
        department
    )
    .map(|r| OutsideGrade {
        committee: r.committee,
        grade: r.grade,
        comment: r.comment,
    })
    .fetch_optional(pool)
    .await
}
