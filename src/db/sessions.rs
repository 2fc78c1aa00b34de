//! Staff sessions: rows keyed by the SHA-256 of the cookie's token (`auth::session` makes and
//! hashes tokens), and the roles a signed-in person holds.

use sqlx::PgPool;

/// Stores a new session for `user_id`.
pub async fn insert(pool: &PgPool, id_hash: &str, user_id: i64, csrf: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO session (id_hash, municipality_id, user_id, csrf_token)
         SELECT $1, municipality_id, id, $3 FROM app_user WHERE id = $2",
        id_hash,
        user_id,
        csrf,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends a session.
pub async fn delete(pool: &PgPool, id_hash: &str) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM session WHERE id_hash = $1", id_hash)
        .execute(pool)
        .await?;
    Ok(())
}

/// Ends every session of a user except the one hashed `keep`.
pub async fn delete_others(pool: &PgPool, user_id: i64, keep: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM session WHERE user_id = $1 AND id_hash <> $2",
        user_id,
        keep,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A live session's person and city.
pub struct SessionRow {
    pub user_id: i64,
    pub municipality_id: i64,
    pub municipality_slug: String,
    pub municipality_name: String,
    pub username: String,
    pub display_name: String,
    pub csrf_token: String,
    /// Whether the session was last marked seen over a minute ago.
    pub refresh: bool,
}

/// The session hashed `id_hash` if it is alive (idle for less than `idle_minutes`, younger
/// than `lifetime_hours`) and its account is not disabled.
pub async fn load(
    pool: &PgPool,
    id_hash: &str,
    idle_minutes: i32,
    lifetime_hours: i32,
) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as!(
        SessionRow,
        r#"SELECT u.id AS user_id, u.municipality_id, m.slug AS municipality_slug,
                  m.name AS municipality_name, u.username, u.display_name, s.csrf_token,
                  s.last_seen_at < now() - interval '1 minute' AS "refresh!"
           FROM session s
           JOIN app_user u ON u.municipality_id = s.municipality_id AND u.id = s.user_id
           JOIN municipality m ON m.id = u.municipality_id
           WHERE s.id_hash = $1
             AND NOT u.disabled
             AND s.last_seen_at > now() - make_interval(mins => $2)
             AND s.created_at > now() - make_interval(hours => $3)"#,
        id_hash,
        idle_minutes,
        lifetime_hours,
    )
    .fetch_optional(pool)
    .await
}

/// Marks a session as seen now.
pub async fn touch(pool: &PgPool, id_hash: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE session SET last_seen_at = now() WHERE id_hash = $1",
        id_hash
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// One role a person holds: the role's name, its department or section, and the section's
/// department.
pub struct RoleRow {
    pub role: String,
    pub department_id: Option<i64>,
    pub section_id: Option<i64>,
    pub section_department_id: Option<i64>,
}

/// A person's role rows.
pub async fn roles(pool: &PgPool, mid: i64, user_id: i64) -> sqlx::Result<Vec<RoleRow>> {
    sqlx::query_as!(
        RoleRow,
        r#"SELECT r.role, r.department_id AS "department_id?", r.section_id AS "section_id?",
                  s.department_id AS "section_department_id?"
           FROM role_assignment r
           LEFT JOIN section s ON s.municipality_id = r.municipality_id AND s.id = r.section_id
           WHERE r.municipality_id = $1 AND r.user_id = $2"#,
        mid,
        user_id,
    )
    .fetch_all(pool)
    .await
}
