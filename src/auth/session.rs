//! Sessions in PostgreSQL, so any number of server processes share them. The cookie carries
//! a random id; the table stores only its SHA-256. A session ends after an idle timeout and
//! after an absolute lifetime, whichever comes first.

use crate::domain::permission::{Role, Roles};
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

/// The session cookie's name.
pub const COOKIE: &str = "mokuhyo_session";
/// Idle timeout.
pub const IDLE_MINUTES: i64 = 120;
/// Absolute lifetime.
pub const LIFETIME_HOURS: i64 = 12;

/// A signed-in staff member, with their roles in their city.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user_id: i64,
    pub municipality_id: i64,
    pub municipality_slug: String,
    pub municipality_name: String,
    pub username: String,
    pub display_name: String,
    pub csrf_token: String,
    pub roles: Roles,
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session for `user_id`; returns the cookie value. A new id at every sign-in.
pub async fn create(pool: &PgPool, user_id: i64) -> sqlx::Result<String> {
    let token = random_token();
    sqlx::query(
        "INSERT INTO session (id_hash, municipality_id, user_id, csrf_token)
         SELECT $1, municipality_id, id, $3 FROM app_user WHERE id = $2",
    )
    .bind(digest(&token))
    .bind(user_id)
    .bind(random_token())
    .execute(pool)
    .await?;
    Ok(token)
}

/// Ends a session.
pub async fn delete(pool: &PgPool, token: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM session WHERE id_hash = $1")
        .bind(digest(token))
        .execute(pool)
        .await?;
    Ok(())
}

/// Ends every session of a user except `keep` (after a password change).
pub async fn delete_others(pool: &PgPool, user_id: i64, keep: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM session WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id)
        .bind(digest(keep))
        .execute(pool)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: i64,
    municipality_id: i64,
    municipality_slug: String,
    municipality_name: String,
    username: String,
    display_name: String,
    csrf_token: String,
    refresh: bool,
}

/// The staff member behind a cookie value, if the session is alive. Marks the session as
/// seen (at most once a minute, to spare a write per request).
pub async fn load(pool: &PgPool, token: &str) -> sqlx::Result<Option<Staff>> {
    let hash = digest(token);
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT u.id AS user_id, u.municipality_id, m.slug AS municipality_slug, m.name AS municipality_name,
                u.username, u.display_name, s.csrf_token,
                s.last_seen_at < now() - interval '1 minute' AS refresh
         FROM session s
         JOIN app_user u ON u.municipality_id = s.municipality_id AND u.id = s.user_id
         JOIN municipality m ON m.id = u.municipality_id
         WHERE s.id_hash = $1
           AND NOT u.disabled
           AND s.last_seen_at > now() - make_interval(mins => $2)
           AND s.created_at > now() - make_interval(hours => $3)",
    )
    .bind(&hash)
    .bind(IDLE_MINUTES as i32)
    .bind(LIFETIME_HOURS as i32)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.refresh {
        sqlx::query("UPDATE session SET last_seen_at = now() WHERE id_hash = $1")
            .bind(&hash)
            .execute(pool)
            .await?;
    }
    let roles = load_roles(pool, row.municipality_id, row.user_id).await?;
    Ok(Some(Staff {
        user_id: row.user_id,
        municipality_id: row.municipality_id,
        municipality_slug: row.municipality_slug,
        municipality_name: row.municipality_name,
        username: row.username,
        display_name: row.display_name,
        csrf_token: row.csrf_token,
        roles,
    }))
}

/// A user's roles.
pub async fn load_roles(pool: &PgPool, municipality_id: i64, user_id: i64) -> sqlx::Result<Roles> {
    /// Role, department, section, and the section's department.
    type RoleRow = (String, Option<i64>, Option<i64>, Option<i64>);
    let rows: Vec<RoleRow> = sqlx::query_as(
        "SELECT r.role, r.department_id, r.section_id, s.department_id
         FROM role_assignment r
         LEFT JOIN section s ON s.municipality_id = r.municipality_id AND s.id = r.section_id
         WHERE r.municipality_id = $1 AND r.user_id = $2",
    )
    .bind(municipality_id)
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    Ok(Roles::new(
        rows.into_iter()
            .filter_map(
                |(role, department, section, section_department)| match role.as_str() {
                    "admin" => Some(Role::Admin),
                    "viewer" => Some(Role::Viewer),
                    "department_head" => department.map(Role::DepartmentHead),
                    "section_chief" => match (section, section_department) {
                        (Some(section), Some(department)) => Some(Role::SectionChief {
                            section,
                            department,
                        }),
                        _ => None,
                    },
                    _ => None,
                },
            )
            .collect(),
    ))
}
