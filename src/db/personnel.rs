//! Personnel lists: the accounts made from them with their year's roles, uploads awaiting
//! confirmation, and one-time sign-in links.

use crate::directory::Derived;
use crate::domain::personnel::{Existing, ListRow};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};

/// The accounts made from lists, with the roles lists manage in the year `fy` (heads and
/// chiefs of its departments and sections, viewers), by staff number.
pub async fn existing(conn: &mut PgConnection, mid: i64, fy: i64) -> sqlx::Result<Vec<Existing>> {
    let rows = sqlx::query!(
        r#"SELECT u.id, u.employee_number AS "number!", u.display_name, u.email, u.disabled,
                  r.role AS "role?", r.department_id, r.section_id
             FROM app_user u
             LEFT JOIN role_assignment r ON r.municipality_id = u.municipality_id AND r.user_id = u.id
                  AND (r.role = 'viewer'
                       OR r.department_id IN (SELECT id FROM department WHERE municipality_id = $1 AND fiscal_year_id = $2)
                       OR r.section_id IN (SELECT id FROM section WHERE municipality_id = $1 AND fiscal_year_id = $2))
            WHERE u.municipality_id = $1 AND u.source = 'list' AND u.employee_number IS NOT NULL
            ORDER BY u.employee_number, r.id"#,
        mid,
        fy
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<Existing> = Vec::new();
    for r in rows {
        if out.last().is_none_or(|e| e.id != r.id) {
            out.push(Existing {
                id: r.id,
                number: r.number,
                name: r.display_name,
                email: r.email,
                disabled: r.disabled,
                roles: vec![],
            });
        }
        let role = match (r.role.as_deref(), r.department_id, r.section_id) {
            (Some("viewer"), _, _) => Some(Derived::Viewer),
            (Some("department_head"), Some(d), _) => Some(Derived::Head(d)),
            (Some("section_chief"), _, Some(s)) => Some(Derived::Chief(s)),
            _ => None,
        };
        if let (Some(role), Some(e)) = (role, out.last_mut()) {
            e.roles.push(role);
        }
    }
    Ok(out)
}

/// What the accounts looked like, as one string: a preview of other accounts is stale.
pub fn fingerprint(existing: &[Existing]) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for e in existing {
        hash.update(format!(
            "{}|{}|{}|{:?}|{}|{:?}\n",
            e.id, e.number, e.name, e.email, e.disabled, e.roles
        ));
    }
    hex::encode(hash.finalize())
}

/// Takes the city's personnel lock for the transaction: one list is confirmed at a time.
pub async fn lock(tx: &mut PgConnection, mid: i64) -> sqlx::Result<()> {
    sqlx::query!("SELECT pg_advisory_xact_lock(7301, $1::int)", mid as i32)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Keeps an uploaded list for its preview; returns its id.
pub async fn create_upload(
    pool: &PgPool,
    mid: i64,
    year: i32,
    by: i64,
    filename: &str,
    rows: &[ListRow],
    fingerprint: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO personnel_upload (municipality_id, year, created_by, filename, rows, fingerprint)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        mid,
        year,
        by,
        filename,
        Json(rows) as _,
        fingerprint
    )
    .fetch_one(pool)
    .await
}

/// A kept list: (year, filename, rows, fingerprint, state).
pub struct Upload {
    pub year: i32,
    pub filename: String,
    pub rows: Vec<ListRow>,
    pub fingerprint: String,
    pub state: String,
}

pub async fn upload(conn: &mut PgConnection, mid: i64, id: i64) -> sqlx::Result<Option<Upload>> {
    sqlx::query!(
        r#"SELECT year, filename, rows AS "rows: Json<Vec<ListRow>>", fingerprint, state
             FROM personnel_upload WHERE municipality_id = $1 AND id = $2"#,
        mid,
        id
    )
    .map(|r| Upload {
        year: r.year,
        filename: r.filename,
        rows: r.rows.0,
        fingerprint: r.fingerprint,
        state: r.state,
    })
    .fetch_optional(&mut *conn)
    .await
}

/// Moves a previewed list on (`applied`, `stale`); false when it was not `previewed`.
pub async fn settle(tx: &mut PgConnection, id: i64, state: &str) -> sqlx::Result<bool> {
    let moved = sqlx::query!(
        "UPDATE personnel_upload SET state = $2 WHERE id = $1 AND state = 'previewed'",
        id,
        state
    )
    .execute(&mut *tx)
    .await?;
    Ok(moved.rows_affected() == 1)
}

/// Makes the account of a listed person (no password: they set it through a link).
pub async fn create_account(
    tx: &mut PgConnection,
    mid: i64,
    username: &str,
    row: &ListRow,
) -> sqlx::Result<i64> {
    let email = (!row.mail.is_empty()).then_some(row.mail.as_str());
    sqlx::query_scalar!(
        "INSERT INTO app_user (municipality_id, username, display_name, source, employee_number, email)
         VALUES ($1, $2, $3, 'list', $4, $5) RETURNING id",
        mid,
        username,
        row.name,
        row.number,
        email
    )
    .fetch_one(&mut *tx)
    .await
}

/// The list's name and address for an account, and enabled.
pub async fn refresh_account(
    tx: &mut PgConnection,
    mid: i64,
    id: i64,
    row: &ListRow,
) -> sqlx::Result<()> {
    let email = (!row.mail.is_empty()).then_some(row.mail.as_str());
    sqlx::query!(
        "UPDATE app_user SET display_name = $3, email = COALESCE($4, email), disabled = false
          WHERE municipality_id = $1 AND id = $2",
        mid,
        id,
        row.name,
        email
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Keeps a one-time link's hash for an account, valid until `expires_at`.
pub async fn create_link(
    tx: &mut PgConnection,
    mid: i64,
    user_id: i64,
    token_hash: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO sign_in_link (token_hash, municipality_id, user_id, expires_at) VALUES ($1, $2, $3, $4)",
        token_hash,
        mid,
        user_id,
        expires_at
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The account a link is for, while it is unused, unexpired and the account enabled:
/// (city id, user id, display name, username).
pub async fn link_account(
    conn: &mut PgConnection,
    token_hash: &str,
) -> sqlx::Result<Option<(i64, i64, String, String)>> {
    sqlx::query!(
        "SELECT u.municipality_id, u.id, u.display_name, u.username FROM sign_in_link l
           JOIN app_user u ON u.municipality_id = l.municipality_id AND u.id = l.user_id
          WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now() AND NOT u.disabled",
        token_hash
    )
    .map(|r| (r.municipality_id, r.id, r.display_name, r.username))
    .fetch_optional(&mut *conn)
    .await
}

/// Uses a link up (once: a second use finds nothing) and sets the account's password.
pub async fn use_link(
    tx: &mut PgConnection,
    token_hash: &str,
    password_hash: &str,
) -> sqlx::Result<Option<i64>> {
    let Some((mid, user_id, _, _)) = link_account(&mut *tx, token_hash).await? else {
        return Ok(None);
    };
    let used = sqlx::query!(
        "UPDATE sign_in_link SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL",
        token_hash
    )
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() != 1 {
        return Ok(None);
    }
    sqlx::query!(
        "UPDATE app_user SET password_hash = $3 WHERE municipality_id = $1 AND id = $2",
        mid,
        user_id,
        password_hash
    )
    .execute(&mut *tx)
    .await?;
    Ok(Some(user_id))
}
