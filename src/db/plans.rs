//! Multi-year plans (policies with a slug and years, their pillar rows as nodes): the whole plan (hierarchy, items with their places, indicators, targets
//! and actuals) in a fixed number of queries, the actuals a section records, and the years
//! published to citizens.

use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};

#[derive(Debug, Clone, sqlx::FromRow)]
/// A policy that is a plan (it has a slug and years); `level_names` are the hierarchy's level
/// names from the top (the pillar set's name, then the sublevels).
pub struct PlanRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub adopted: String,
    pub first_year: i32,
    pub last_year: i32,
    pub level_names: Vec<String>,
    pub item_label: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NodeRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    /// The position among its siblings.
    pub number: i32,
    pub label: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub number: i32,
    pub title: String,
    pub content: String,
    pub sections: Vec<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlaceRow {
    pub item_id: i64,
    pub node_id: i64,
    pub number: i32,
    pub restated: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IndicatorRow {
    pub id: i64,
    pub item_id: i64,
    pub name: String,
    pub unit: String,
    pub baseline: Option<String>,
    pub baseline_year: Option<i32>,
    pub baseline_value: Option<Decimal>,
    pub comparator: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TargetRow {
    pub indicator_id: i64,
    pub year: i32,
    pub value: Option<Decimal>,
    pub word: Option<String>,
    pub written: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActualRow {
    pub indicator_id: i64,
    pub year: i32,
    pub value: Option<Decimal>,
    pub word: Option<String>,
    pub achieved: Option<bool>,
    pub version: i32,
}

/// Everything about a plan a page needs.
#[derive(Debug, Clone)]
pub struct PlanData {
    pub plan: PlanRow,
    pub nodes: Vec<NodeRow>,
    pub items: Vec<ItemRow>,
    pub places: Vec<PlaceRow>,
    pub indicators: Vec<IndicatorRow>,
    pub targets: Vec<TargetRow>,
    pub actuals: Vec<ActualRow>,
    pub published_years: Vec<i32>,
}

/// A city's plans (slug, name, first and last year).
pub async fn plans_of_city(
    pool: &PgPool,
    mid: i64,
) -> sqlx::Result<Vec<(String, String, i32, i32)>> {
    sqlx::query_as(
        "SELECT slug, name, first_year, last_year FROM policy
         WHERE municipality_id = $1 AND slug IS NOT NULL ORDER BY first_year DESC, id",
    )
    .bind(mid)
    .fetch_all(pool)
    .await
}

/// A plan with everything under it; actuals only of the published years unless
/// `all_actuals` (staff).
pub async fn load(
    pool: &PgPool,
    mid: i64,
    slug: &str,
    all_actuals: bool,
) -> sqlx::Result<Option<PlanData>> {
    let plan: Option<PlanRow> = sqlx::query_as(
        "SELECT id, slug, name, adopted, first_year, last_year,
                ARRAY[pillar_set_name] || sublevel_names AS level_names, item_label
         FROM policy WHERE municipality_id = $1 AND slug = $2",
    )
    .bind(mid)
    .bind(slug)
    .fetch_optional(pool)
    .await?;
    let Some(plan) = plan else { return Ok(None) };
    let id = plan.id;
    let (nodes, items, places, indicators, targets, published_years) = tokio::try_join!(
        sqlx::query_as::<_, NodeRow>(
            "SELECT id, parent_id, depth, number, label, title, description FROM pillar
             WHERE municipality_id = $1 AND policy_id = $2 ORDER BY depth, number",
        )
        .bind(mid)
        .bind(id)
        .fetch_all(pool),
        sqlx::query_as::<_, ItemRow>(
            "SELECT id, number, title, content, sections FROM plan_item
             WHERE municipality_id = $1 AND policy_id = $2 ORDER BY number",
        )
        .bind(mid)
        .bind(id)
        .fetch_all(pool),
        sqlx::query_as::<_, PlaceRow>(
            "SELECT p.item_id, p.node_id, p.number, p.restated FROM plan_item_place p
             JOIN plan_item i ON i.id = p.item_id WHERE p.municipality_id = $1 AND i.policy_id = $2 ORDER BY p.number",
        )
        .bind(mid)
        .bind(id)
        .fetch_all(pool),
        sqlx::query_as::<_, IndicatorRow>(
            "SELECT x.id, x.item_id, x.name, x.unit, x.baseline, x.baseline_year, x.baseline_value, x.comparator FROM plan_indicator x
             JOIN plan_item i ON i.id = x.item_id WHERE x.municipality_id = $1 AND i.policy_id = $2
             ORDER BY x.item_id, x.position",
        )
        .bind(mid)
        .bind(id)
        .fetch_all(pool),
        sqlx::query_as::<_, TargetRow>(
            "SELECT t.indicator_id, t.year, t.value, t.word, t.written FROM plan_target t
             JOIN plan_indicator x ON x.id = t.indicator_id JOIN plan_item i ON i.id = x.item_id
             WHERE t.municipality_id = $1 AND i.policy_id = $2",
        )
        .bind(mid)
        .bind(id)
        .fetch_all(pool),
        sqlx::query_scalar::<_, i32>(
            "SELECT year FROM plan_year_publication WHERE municipality_id = $1 AND policy_id = $2 ORDER BY year",
        )
        .bind(mid)
        .bind(id)
        .fetch_all(pool),
    )?;
    let actuals: Vec<ActualRow> = sqlx::query_as(
        "SELECT a.indicator_id, a.year, a.value, a.word, a.achieved, a.version FROM plan_actual a
         JOIN plan_indicator x ON x.id = a.indicator_id JOIN plan_item i ON i.id = x.item_id
         WHERE a.municipality_id = $1 AND i.policy_id = $2 AND ($3 OR a.year = ANY($4))",
    )
    .bind(mid)
    .bind(id)
    .bind(all_actuals)
    .bind(&published_years)
    .fetch_all(pool)
    .await?;
    Ok(Some(PlanData {
        plan,
        nodes,
        items,
        places,
        indicators,
        targets,
        actuals,
        published_years,
    }))
}

/// Saves one indicator's actual for a year if nobody saved since `version` (0: none yet);
/// `None` as the value and word removes it. False on a conflict.
#[allow(clippy::too_many_arguments)]
pub async fn save_actual(
    tx: &mut PgConnection,
    mid: i64,
    indicator_id: i64,
    year: i32,
    version: i32,
    value: Option<Decimal>,
    word: Option<&str>,
    achieved: Option<bool>,
    user_id: i64,
) -> sqlx::Result<bool> {
    let current: Option<i32> = sqlx::query_scalar(
        "SELECT version FROM plan_actual WHERE municipality_id = $1 AND indicator_id = $2 AND year = $3 FOR UPDATE",
    )
    .bind(mid)
    .bind(indicator_id)
    .bind(year)
    .fetch_optional(&mut *tx)
    .await?;
    if current.unwrap_or(0) != version {
        return Ok(false);
    }
    if value.is_none() && word.is_none() {
        sqlx::query("DELETE FROM plan_actual WHERE municipality_id = $1 AND indicator_id = $2 AND year = $3")
            .bind(mid)
            .bind(indicator_id)
            .bind(year)
            .execute(&mut *tx)
            .await?;
        return Ok(true);
    }
    sqlx::query(
        "INSERT INTO plan_actual (municipality_id, indicator_id, year, value, word, achieved, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (indicator_id, year) DO UPDATE SET value = EXCLUDED.value, word = EXCLUDED.word,
             achieved = EXCLUDED.achieved, updated_by = EXCLUDED.updated_by, updated_at = now(),
             version = plan_actual.version + 1",
    )
    .bind(mid)
    .bind(indicator_id)
    .bind(year)
    .bind(value)
    .bind(word)
    .bind(achieved)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// Publishes a year's progress (again: nothing changes).
pub async fn publish_year(pool: &PgPool, mid: i64, plan_id: i64, year: i32) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO plan_year_publication (municipality_id, policy_id, year) VALUES ($1, $2, $3)
         ON CONFLICT (policy_id, year) DO NOTHING",
    )
    .bind(mid)
    .bind(plan_id)
    .bind(year)
    .execute(pool)
    .await?;
    Ok(())
}

/// Names of the sections (in any year) the given section ids have, for matching a plan's
/// 担当課 to a section chief.
pub async fn section_names(pool: &PgPool, mid: i64, ids: &[i64]) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT name FROM section WHERE municipality_id = $1 AND id = ANY($2)")
        .bind(mid)
        .bind(ids)
        .fetch_all(pool)
        .await
}
