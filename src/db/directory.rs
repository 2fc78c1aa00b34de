//! A city's directory setting, and the accounts of people who sign in through it: made or
//! refreshed at each sign-in, with the year's roles replaced by what their post gives.

use crate::directory::{Derived, OrgDepartment, Person};
use sqlx::{PgConnection, PgPool};

/// A city's stored `directory.toml`, if it has one.
pub async fn setting(pool: &PgPool, mid: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "SELECT config FROM directory_setting WHERE municipality_id = $1",
        mid
    )
    .fetch_optional(pool)
    .await
}

/// Stores (or replaces) a city's `directory.toml`.
pub async fn store_setting(pool: &PgPool, mid: i64, config: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO directory_setting (municipality_id, config) VALUES ($1, $2)
         ON CONFLICT (municipality_id) DO UPDATE SET config = EXCLUDED.config, updated_at = now()",
        mid,
        config
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The cities people can sign in to through a directory: (slug, name, config), by name.
pub async fn cities(pool: &PgPool) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query!(
        "SELECT m.slug, m.name, s.config FROM directory_setting s
         JOIN municipality m ON m.id = s.municipality_id ORDER BY m.name_kana, m.slug"
    )
    .map(|r| (r.slug, r.name, r.config))
    .fetch_all(pool)
    .await
}

/// A city by slug: its id.
pub async fn city_id(pool: &PgPool, slug: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!("SELECT id FROM municipality WHERE slug = $1", slug)
        .fetch_optional(pool)
        .await
}

/// The year whose roles a sign-in derives: `current` (the fiscal year of today) if the city
/// has it, else its latest year before it, else its earliest: (id, year).
pub async fn role_year(pool: &PgPool, mid: i64, current: i32) -> sqlx::Result<Option<(i64, i32)>> {
    sqlx::query!(
        "SELECT id, year FROM fiscal_year WHERE municipality_id = $1
         ORDER BY (year <= $2) DESC, CASE WHEN year <= $2 THEN -year ELSE year END LIMIT 1",
        mid,
        current
    )
    .map(|r| (r.id, r.year))
    .fetch_optional(pool)
    .await
}

/// The year's departments with their sections, in order.
pub async fn organization(pool: &PgPool, mid: i64, fy: i64) -> sqlx::Result<Vec<OrgDepartment>> {
    let rows = sqlx::query!(
        r#"SELECT d.id, d.name, s.id AS "section_id?", s.name AS "section_name?"
             FROM department d
             LEFT JOIN section s ON s.municipality_id = d.municipality_id AND s.department_id = d.id
            WHERE d.municipality_id = $1 AND d.fiscal_year_id = $2
            ORDER BY d.position, d.id, s.position, s.id"#,
        mid,
        fy
    )
    .fetch_all(pool)
    .await?;
    let mut org: Vec<OrgDepartment> = Vec::new();
    for r in rows {
        if org.last().is_none_or(|d| d.id != r.id) {
            org.push(OrgDepartment {
                id: r.id,
                name: r.name,
                sections: vec![],
            });
        }
        if let (Some(id), Some(name), Some(d)) = (r.section_id, r.section_name, org.last_mut()) {
            d.sections.push((id, name));
        }
    }
    Ok(org)
}

/// The sign-in name of a directory account: `name@city`, or — for a name with characters a
/// sign-in name cannot hold — a name made from its hash.
pub fn account_name(name: &str, city: &str) -> String {
    let lower = name.to_lowercase();
    let plain = lower.len() + city.len() < 80
        && lower.len() >= 2
        && lower
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if plain {
        format!("{lower}@{city}")
    } else {
        use sha2::{Digest, Sha256};
        let hash = hex::encode(Sha256::digest(lower.as_bytes()));
        format!("dir-{}@{city}", &hash[..12])
    }
}

/// Makes or refreshes the account of a person who just signed in through the directory (known
/// by the directory's own name for them) and replaces their roles in the year `fy` (and their
/// admin/viewer roles) with `derived`. Returns the account's id, or None when planning staff
/// disabled it here.
pub async fn sign_in_person(
    tx: &mut PgConnection,
    mid: i64,
    city: &str,
    person: &Person,
    fy: i64,
    derived: &[Derived],
) -> sqlx::Result<Option<i64>> {
    let name = person.name.as_str();
    let directory_name = name.to_lowercase();
    let display = if person.display_name.is_empty() {
        name
    } else {
        &person.display_name
    };
    let email = (!person.mail.is_empty() && crate::mail::address_ok(&person.mail))
        .then_some(person.mail.as_str());
    let row = sqlx::query!(
        "INSERT INTO app_user (municipality_id, username, display_name, source, directory_name,
                               email, last_sign_in_at)
         VALUES ($1, $2, $3, 'directory', $4, $5, now())
         ON CONFLICT (municipality_id, directory_name) WHERE directory_name IS NOT NULL
         DO UPDATE SET display_name = EXCLUDED.display_name,
                       email = COALESCE(EXCLUDED.email, app_user.email),
                       last_sign_in_at = now()
         RETURNING id, disabled",
        mid,
        account_name(name, city),
        display,
        directory_name,
        email
    )
    .fetch_one(&mut *tx)
    .await?;
    if row.disabled {
        return Ok(None);
    }
    sqlx::query!(
        "DELETE FROM role_assignment WHERE municipality_id = $1 AND user_id = $2
           AND (role IN ('admin', 'viewer')
                OR department_id IN (SELECT id FROM department WHERE municipality_id = $1 AND fiscal_year_id = $3)
                OR section_id IN (SELECT id FROM section WHERE municipality_id = $1 AND fiscal_year_id = $3))",
        mid,
        row.id,
        fy
    )
    .execute(&mut *tx)
    .await?;
    for d in derived {
        grant(tx, mid, row.id, *d).await?;
    }
    Ok(Some(row.id))
}

/// A role as stored: (role, department, section).
fn stored(d: Derived) -> (&'static str, Option<i64>, Option<i64>) {
    match d {
        Derived::Admin => ("admin", None, None),
        Derived::Viewer => ("viewer", None, None),
        Derived::Head(id) => ("department_head", Some(id), None),
        Derived::Chief(id) => ("section_chief", None, Some(id)),
    }
}

/// Grants a role (nothing when held already).
pub async fn grant(tx: &mut PgConnection, mid: i64, user_id: i64, d: Derived) -> sqlx::Result<()> {
    let (role, department, section) = stored(d);
    crate::db::staff::insert_role(tx, mid, user_id, role, department, section).await
}

/// Takes a role away.
pub async fn revoke(tx: &mut PgConnection, mid: i64, user_id: i64, d: Derived) -> sqlx::Result<()> {
    let (role, department, section) = stored(d);
    sqlx::query!(
        "DELETE FROM role_assignment WHERE municipality_id = $1 AND user_id = $2 AND role = $3
           AND department_id IS NOT DISTINCT FROM $4 AND section_id IS NOT DISTINCT FROM $5",
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

/// Notes a sign-in (any kind) on the account.
pub async fn signed_in(pool: &PgPool, user_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE app_user SET last_sign_in_at = now() WHERE id = $1",
        user_id
    )
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_accounts_are_named_by_city() {
        assert_eq!(account_name("Tanaka.Taro", "kariya"), "tanaka.taro@kariya");
        let odd = account_name("田中 太郎", "kariya");
        assert!(odd.starts_with("dir-") && odd.ends_with("@kariya"), "{odd}");
        assert_ne!(odd, account_name("田中 次郎", "kariya"));
        assert_ne!(account_name("a", "kariya"), "a@kariya");
    }
}
