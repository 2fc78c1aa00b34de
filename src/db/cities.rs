//! Cities (municipalities) as a whole: creating one with its policy, finding one by slug, and
//! the demo loader's view of a year's departments.

use sqlx::{PgConnection, PgPool};

/// A new city, as `mokuhyo create-city` is given it.
pub struct NewCity<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub kana: &'a str,
    pub code: &'a str,
    pub policy: &'a str,
    pub pillar_set: &'a str,
}

/// Creates a city and its policy; returns the city's id. A taken slug or code is the
/// database's unique violation (its constraint names the column).
pub async fn create(tx: &mut PgConnection, c: &NewCity<'_>) -> sqlx::Result<i64> {
    let mid = sqlx::query_scalar!(
        "INSERT INTO municipality (slug, name, name_kana, local_government_code)
         VALUES ($1, $2, $3, $4) RETURNING id",
        c.slug,
        c.name,
        c.kana,
        c.code,
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO policy (municipality_id, name, pillar_set_name) VALUES ($1, $2, $3)",
        mid,
        c.policy,
        c.pillar_set,
    )
    .execute(&mut *tx)
    .await?;
    Ok(mid)
}

/// The id of the city with `slug`.
pub async fn id_by_slug(pool: &PgPool, slug: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!("SELECT id FROM municipality WHERE slug = $1", slug)
        .fetch_optional(pool)
        .await
}

/// Whether the database holds no city yet (a first start, before the demo is loaded).
/// A city's name (「刈谷市」).
pub async fn name_of(conn: &mut PgConnection, mid: i64) -> sqlx::Result<String> {
    sqlx::query_scalar!("SELECT name FROM municipality WHERE id = $1", mid)
        .fetch_one(&mut *conn)
        .await
}

pub async fn none_yet(pool: &PgPool) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"SELECT NOT EXISTS (SELECT 1 FROM municipality) AS "none!""#)
        .fetch_one(pool)
        .await
}

/// The city's latest fiscal year (None before its first).
pub async fn latest_year(conn: &mut PgConnection, mid: i64) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar!(
        r#"SELECT max(year) AS "value?" FROM fiscal_year WHERE municipality_id = $1"#,
        mid
    )
    .fetch_one(conn)
    .await
}

/// A department of a year, with the ids around it.
pub struct YearDepartment {
    pub municipality_id: i64,
    pub fiscal_year_id: i64,
    pub policy_id: i64,
    pub department_id: i64,
    pub name: String,
}

/// The departments of the city `slug`'s fiscal `year`, in order.
pub async fn year_departments(
    pool: &PgPool,
    slug: &str,
    year: i32,
) -> sqlx::Result<Vec<YearDepartment>> {
    sqlx::query_as!(
        YearDepartment,
        "SELECT m.id AS municipality_id, f.id AS fiscal_year_id, f.policy_id,
                d.id AS department_id, d.name
         FROM municipality m
         JOIN fiscal_year f ON f.municipality_id = m.id
         JOIN department d ON d.municipality_id = m.id AND d.fiscal_year_id = f.id
         WHERE m.slug = $1 AND f.year = $2 ORDER BY d.position",
        slug,
        year,
    )
    .fetch_all(pool)
    .await
}
