//! Staff accounts and their roles.

use sqlx::PgConnection;

/// Why a role could not be granted.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("unknown role {0:?} (admin, viewer, department_head, section_chief)")]
    UnknownRole(String),
    #[error("{0} needs a department slug or section name for fiscal {1}, and none matched {2:?}")]
    NoTarget(String, i32, String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Grants `role` to a user: `admin`/`viewer`, `department_head` of the department with slug
/// `target`, or `section_chief` of the section named `target`, in fiscal `year`.
pub async fn grant_role(
    tx: &mut PgConnection,
    mid: i64,
    user_id: i64,
    role: &str,
    year: i32,
    target: Option<&str>,
) -> Result<(), GrantError> {
    let (department, section): (Option<i64>, Option<i64>) = match role {
        "admin" | "viewer" => (None, None),
        "department_head" => {
            let id: Option<i64> = sqlx::query_scalar(
                "SELECT d.id FROM department d JOIN fiscal_year f ON f.municipality_id = d.municipality_id AND f.id = d.fiscal_year_id
                 WHERE d.municipality_id = $1 AND f.year = $2 AND d.slug = $3",
            )
            .bind(mid)
            .bind(year)
            .bind(target.unwrap_or(""))
            .fetch_optional(&mut *tx)
            .await?;
            (
                Some(id.ok_or_else(|| {
                    GrantError::NoTarget(role.into(), year, target.unwrap_or("").into())
                })?),
                None,
            )
        }
        "section_chief" => {
            let id: Option<i64> = sqlx::query_scalar(
                "SELECT s.id FROM section s JOIN fiscal_year f ON f.municipality_id = s.municipality_id AND f.id = s.fiscal_year_id
                 WHERE s.municipality_id = $1 AND f.year = $2 AND s.name = $3",
            )
            .bind(mid)
            .bind(year)
            .bind(target.unwrap_or(""))
            .fetch_optional(&mut *tx)
            .await?;
            (
                None,
                Some(id.ok_or_else(|| {
                    GrantError::NoTarget(role.into(), year, target.unwrap_or("").into())
                })?),
            )
        }
        other => return Err(GrantError::UnknownRole(other.into())),
    };
    sqlx::query(
        "INSERT INTO role_assignment (municipality_id, user_id, role, department_id, section_id)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(mid)
    .bind(user_id)
    .bind(role)
    .bind(department)
    .bind(section)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
