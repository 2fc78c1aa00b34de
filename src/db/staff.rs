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
            let id: Option<i64> = sqlx::query_scalar!("SELECT d.id FROM department d JOIN fiscal_year f ON f.municipality_id = d.municipality_id AND f.id = d.fiscal_year_id
                 WHERE d.municipality_id = $1 AND f.year = $2 AND d.slug = $3", mid, year, target.unwrap_or(""))
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
            let id: Option<i64> = sqlx::query_scalar!("SELECT s.id FROM section s JOIN fiscal_year f ON f.municipality_id = s.municipality_id AND f.id = s.fiscal_year_id
                 WHERE s.municipality_id = $1 AND f.year = $2 AND s.name = $3", mid, year, target.unwrap_or(""))
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
    insert_role(tx, mid, user_id, role, department, section).await?;
    Ok(())
}

/// Grants a resolved role (nothing when held already).
pub async fn insert_role(
    tx: &mut PgConnection,
    mid: i64,
    user_id: i64,
    role: &str,
    department: Option<i64>,
    section: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO role_assignment (municipality_id, user_id, role, department_id, section_id)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        mid,
        user_id,
        role,
        department,
        section
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Recent sign-in attempts that were not successful (or are being checked right now).
#[derive(Debug, Clone, Copy)]
pub struct AttemptCounts {
    /// For this account from this address.
    pub pair: i64,
    /// From this address, for any account.
    pub address: i64,
    /// For this account, from any address.
    pub account: i64,
}

/// Records a sign-in attempt before its password is checked and counts the attempts within
/// the window, this one included. Two statements, each committed: an attempt's count sees
/// every attempt recorded before it, so of N simultaneous attempts the k-th sees at least k.
pub async fn begin_attempt(
    pool: &sqlx::PgPool,
    client_addr: &str,
    username: &str,
    minutes: i32,
) -> sqlx::Result<(i64, AttemptCounts)> {
    let username: String = username.chars().take(100).collect();
    let id: i64 = sqlx::query_scalar!(
        "INSERT INTO login_failure (client_addr, username) VALUES ($1, $2) RETURNING id",
        client_addr,
        username
    )
    .fetch_one(pool)
    .await?;
    let (pair, address, account): (i64, i64, i64) = sqlx::query!(r#"SELECT count(*) FILTER (WHERE client_addr = $1 AND username = $2) AS "pair!",  count(*) FILTER (WHERE client_addr = $1) AS "address!",  count(*) FILTER (WHERE username = $2) AS "account!"  FROM login_failure  WHERE (client_addr = $1 OR username = $2)  AND attempted_at > now() - make_interval(mins => $3)"#, client_addr, &username, minutes)
    .map(|r| (r.pair, r.address, r.account))
    .fetch_one(pool)
    .await?;
    Ok((
        id,
        AttemptCounts {
            pair,
            address,
            account,
        },
    ))
}

/// Forgets an attempt that was refused unchecked (throttled), so a block does not extend itself.
pub async fn forget_attempt(pool: &sqlx::PgPool, id: i64) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM login_failure WHERE id = $1", id)
        .execute(pool)
        .await?;
    Ok(())
}

/// After a successful sign-in: this attempt and the pair's earlier failures are forgotten.
pub async fn clear_pair(
    pool: &sqlx::PgPool,
    id: i64,
    client_addr: &str,
    username: &str,
) -> sqlx::Result<()> {
    let username: String = username.chars().take(100).collect();
    sqlx::query!(
        "DELETE FROM login_failure WHERE id = $1 OR (client_addr = $2 AND username = $3)",
        id,
        client_addr,
        username
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Removes sign-in failures and sessions nobody needs any more: failures older than a day,
/// sessions past their lifetime or idle timeout. Returns how many rows went.
pub async fn purge_expired(pool: &sqlx::PgPool) -> sqlx::Result<u64> {
    let failures =
        sqlx::query!("DELETE FROM login_failure WHERE attempted_at < now() - interval '1 day'")
            .execute(pool)
            .await?
            .rows_affected();
    let sessions = sqlx::query!(
        "DELETE FROM session WHERE last_seen_at < now() - make_interval(mins => $1) \
         OR created_at < now() - make_interval(hours => $2)",
        crate::auth::session::IDLE_MINUTES as i32,
        crate::auth::session::LIFETIME_HOURS as i32
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(failures + sessions)
}

/// An enabled account with a password of its own, by username: its id and password hash.
pub async fn account_for_sign_in(
    pool: &sqlx::PgPool,
    username: &str,
) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query!(
        r#"SELECT id, password_hash AS "password_hash!" FROM app_user
            WHERE username = $1 AND NOT disabled AND password_hash IS NOT NULL"#,
        username
    )
    .map(|r| (r.id, r.password_hash))
    .fetch_optional(pool)
    .await
}

/// A user's password hash (None: the account signs in through the directory).
pub async fn password_hash(
    pool: &sqlx::PgPool,
    mid: i64,
    user_id: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "SELECT password_hash FROM app_user WHERE id = $1 AND municipality_id = $2",
        user_id,
        mid
    )
    .fetch_one(pool)
    .await
}

/// Replaces a user's password hash.
pub async fn set_password_hash(
    pool: &sqlx::PgPool,
    mid: i64,
    user_id: i64,
    hash: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE app_user SET password_hash = $3 WHERE id = $1 AND municipality_id = $2",
        user_id,
        mid,
        hash
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Every section of a city (all years): id and name.
pub async fn section_names(pool: &sqlx::PgPool, mid: i64) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query!(
        "SELECT id, name FROM section WHERE municipality_id = $1",
        mid
    )
    .map(|r| (r.id, r.name))
    .fetch_all(pool)
    .await
}

/// The latest fiscal year of a city (0 when it has none): roles are granted for it.
pub async fn latest_year(conn: &mut PgConnection, mid: i64) -> sqlx::Result<i32> {
    sqlx::query_scalar!(
        r#"SELECT COALESCE(max(year), 0) AS "value!" FROM fiscal_year WHERE municipality_id = $1"#,
        mid
    )
    .fetch_one(&mut *conn)
    .await
}

/// The roles that can be granted in `year`: `d:slug` (head of a department) and `s:name`
/// (chief of a section), with their label and department name.
pub async fn role_targets(
    pool: &sqlx::PgPool,
    mid: i64,
    year: i32,
) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query!(r#"SELECT 'd:' || d.slug AS "key!", d.name || '長' AS "label!", d.name AS "department!" FROM department d
         JOIN fiscal_year f ON f.municipality_id = d.municipality_id AND f.id = d.fiscal_year_id
         WHERE d.municipality_id = $1 AND f.year = $2
         UNION ALL
         SELECT 's:' || s.name, s.name || '長', d.name FROM section s
         JOIN department d ON d.municipality_id = s.municipality_id AND d.id = s.department_id
         JOIN fiscal_year f ON f.municipality_id = s.municipality_id AND f.id = s.fiscal_year_id
         WHERE s.municipality_id = $1 AND f.year = $2
         ORDER BY 1"#, mid, year)
    .map(|r| (r.key, r.label, r.department))
    .fetch_all(pool)
    .await
}

/// Creates an account; returns its id. A taken username is a unique violation.
pub async fn insert_user(
    tx: &mut PgConnection,
    mid: i64,
    username: &str,
    display_name: &str,
    password_hash: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!("INSERT INTO app_user (municipality_id, username, display_name, password_hash) VALUES ($1, $2, $3, $4) RETURNING id", mid, username, display_name, password_hash)
        .fetch_one(&mut *tx)
        .await
}

/// Sets (or, with None, removes) an account's e-mail address; returns the address it had,
/// or None when the account is not the city's.
pub async fn set_email(
    tx: &mut PgConnection,
    mid: i64,
    user_id: i64,
    email: Option<&str>,
) -> sqlx::Result<Option<Option<String>>> {
    let before = sqlx::query_scalar!(
        r#"SELECT email AS "email?" FROM app_user WHERE municipality_id = $1 AND id = $2 FOR UPDATE"#,
        mid,
        user_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if before.is_some() {
        sqlx::query!(
            "UPDATE app_user SET email = $3 WHERE municipality_id = $1 AND id = $2",
            mid,
            user_id,
            email
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(before)
}

/// An account's e-mail address.
pub async fn email_of(
    conn: &mut PgConnection,
    mid: i64,
    user_id: i64,
) -> sqlx::Result<Option<String>> {
    let email = sqlx::query_scalar!(
        r#"SELECT email AS "email?" FROM app_user WHERE municipality_id = $1 AND id = $2"#,
        mid,
        user_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(email.flatten())
}

/// Whether a user belongs to the city.
pub async fn user_exists(pool: &sqlx::PgPool, mid: i64, user_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM app_user WHERE municipality_id = $1 AND id = $2) AS "value!""#, mid, user_id)
    .fetch_one(pool)
    .await
}

/// A role assignment's user and role.
pub async fn role_assignment(
    pool: &sqlx::PgPool,
    mid: i64,
    id: i64,
) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query!(
        "SELECT user_id, role FROM role_assignment WHERE municipality_id = $1 AND id = $2",
        mid,
        id
    )
    .map(|r| (r.user_id, r.role))
    .fetch_optional(pool)
    .await
}

/// Removes a role assignment.
pub async fn delete_role_assignment(tx: &mut PgConnection, mid: i64, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM role_assignment WHERE municipality_id = $1 AND id = $2",
        mid,
        id
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Disables (ending every session) or re-enables an account.
pub async fn set_disabled(
    tx: &mut PgConnection,
    mid: i64,
    user_id: i64,
    disabled: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE app_user SET disabled = $3 WHERE municipality_id = $1 AND id = $2",
        mid,
        user_id,
        disabled
    )
    .execute(&mut *tx)
    .await?;
    if disabled {
        sqlx::query!(
            "DELETE FROM session WHERE municipality_id = $1 AND user_id = $2",
            mid,
            user_id
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Creates an account in the city `city` (by slug); returns (city id, user id), or None when
/// there is no such city. A taken username is the database's unique violation.
pub async fn insert_user_in_city(
    tx: &mut PgConnection,
    city: &str,
    username: &str,
    display_name: &str,
    password_hash: &str,
) -> sqlx::Result<Option<(i64, i64)>> {
    let row = sqlx::query!(
        "INSERT INTO app_user (municipality_id, username, display_name, password_hash)
         SELECT id, $2, $3, $4 FROM municipality WHERE slug = $1 RETURNING municipality_id, id",
        city,
        username,
        display_name,
        password_hash,
    )
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|r| (r.municipality_id, r.id)))
}

/// Whether an account named `username` exists in any city.
pub async fn username_exists(pool: &sqlx::PgPool, username: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM app_user WHERE username = $1) AS "exists!""#,
        username
    )
    .fetch_one(pool)
    .await
}
