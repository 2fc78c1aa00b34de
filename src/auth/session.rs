//! Sessions in PostgreSQL, so any number of server processes share them. The cookie carries
//! a random id; the table stores only its SHA-256. A session ends after an idle timeout and
//! after an absolute lifetime, whichever comes first.

use crate::db::sessions;
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

pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session for `user_id`; returns the cookie value. A new id at every sign-in.
pub async fn create(pool: &PgPool, user_id: i64) -> sqlx::Result<String> {
    let token = random_token();
    sessions::insert(pool, &digest(&token), user_id, &random_token()).await?;
    Ok(token)
}

/// Ends a session.
pub async fn delete(pool: &PgPool, token: &str) -> sqlx::Result<()> {
    sessions::delete(pool, &digest(token)).await
}

/// Ends every session of a user except `keep` (after a password change).
pub async fn delete_others(pool: &PgPool, user_id: i64, keep: &str) -> sqlx::Result<()> {
    sessions::delete_others(pool, user_id, &digest(keep)).await
}

/// The staff member behind a cookie value, if the session is alive. Marks the session as
/// seen (at most once a minute, to spare a write per request).
pub async fn load(pool: &PgPool, token: &str) -> sqlx::Result<Option<Staff>> {
    let hash = digest(token);
    let row = sessions::load(pool, &hash, IDLE_MINUTES as i32, LIFETIME_HOURS as i32).await?;
    let Some(row) = row else { return Ok(None) };
    if row.refresh {
        sessions::touch(pool, &hash).await?;
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
    let rows = sessions::roles(pool, municipality_id, user_id).await?;
    Ok(Roles::new(
        rows.into_iter()
            .filter_map(|r| match r.role.as_str() {
                "admin" => Some(Role::Admin),
                "viewer" => Some(Role::Viewer),
                "department_head" => r.department_id.map(Role::DepartmentHead),
                "section_chief" => match (r.section_id, r.section_department_id) {
                    (Some(section), Some(department)) => Some(Role::SectionChief {
                        section,
                        department,
                    }),
                    _ => None,
                },
                _ => None,
            })
            .collect(),
    ))
}
