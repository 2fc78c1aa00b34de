//! A city's settings for how its sheets are laid out: the layout and the list of goal
//! categories (計画・方針等の分類).

use sqlx::{PgConnection, PgPool};

/// The city's layout and its categories (id, name, goals using it) in order.
pub async fn layout_settings(
    pool: &PgPool,
    mid: i64,
) -> sqlx::Result<(String, Vec<(i64, String, i64)>)> {
    let layout: String =
        sqlx::query_scalar!("SELECT sheet_layout FROM municipality WHERE id = $1", mid)
            .fetch_one(pool)
            .await?;
    let categories = sqlx::query!(r#"SELECT c.id, c.name, (SELECT count(*) FROM goal g WHERE g.municipality_id = c.municipality_id AND g.category_id = c.id) AS "count!"
         FROM goal_category c WHERE c.municipality_id = $1 ORDER BY c.position, c.id"#, mid).map(|r| (r.id, r.name, r.count))
    .fetch_all(pool)
    .await?;
    Ok((layout, categories))
}

/// The city's category names in order.
pub async fn categories(pool: &PgPool, mid: i64) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query!(
        "SELECT id, name FROM goal_category WHERE municipality_id = $1 ORDER BY position, id",
        mid
    )
    .map(|r| (r.id, r.name))
    .fetch_all(pool)
    .await
}

/// Saves the layout and the category list (in `tx`): new names are added, kept ones
/// reordered, missing ones removed. Returns the names that could not be removed because
/// goals still use them (then nothing should be committed).
pub async fn save_layout(
    tx: &mut PgConnection,
    mid: i64,
    layout: &str,
    names: &[String],
) -> sqlx::Result<Vec<String>> {
    sqlx::query!(
        "UPDATE municipality SET sheet_layout = $2 WHERE id = $1",
        mid,
        layout
    )
    .execute(&mut *tx)
    .await?;
    let in_use: Vec<String> = sqlx::query_scalar!("SELECT c.name FROM goal_category c WHERE c.municipality_id = $1 AND NOT (c.name = ANY($2))
           AND EXISTS (SELECT 1 FROM goal g WHERE g.municipality_id = c.municipality_id AND g.category_id = c.id)
         ORDER BY c.position", mid, names)
    .fetch_all(&mut *tx)
    .await?;
    if !in_use.is_empty() {
        return Ok(in_use);
    }
    sqlx::query!(
        "DELETE FROM goal_category WHERE municipality_id = $1 AND NOT (name = ANY($2))",
        mid,
        names
    )
    .execute(&mut *tx)
    .await?;
    for (i, name) in names.iter().enumerate() {
        sqlx::query!(
            "INSERT INTO goal_category (municipality_id, position, name) VALUES ($1, $2, $3)
             ON CONFLICT (municipality_id, name) DO UPDATE SET position = EXCLUDED.position",
            mid,
            i as i32 + 1,
            name
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(Vec::new())
}

/// Whether the city lays its sheets out as a deployment table.
pub async fn is_deployment(pool: &PgPool, mid: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT sheet_layout = 'deployment_table' AS "value!" FROM municipality WHERE id = $1"#,
        mid
    )
    .fetch_one(pool)
    .await
}

/// Where the city's live public pages are (links leaving a static copy point there); "" when
/// not set.
pub async fn public_base_url(pool: &PgPool, mid: i64) -> sqlx::Result<String> {
    sqlx::query_scalar!(
        "SELECT public_base_url FROM municipality WHERE id = $1",
        mid
    )
    .fetch_one(pool)
    .await
}

/// Sets [`public_base_url`] (checked by the caller; the table checks its shape again).
pub async fn set_public_base_url(
    tx: &mut sqlx::PgConnection,
    mid: i64,
    url: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE municipality SET public_base_url = $2 WHERE id = $1",
        mid,
        url
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}
