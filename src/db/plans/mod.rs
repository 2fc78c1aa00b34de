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
    pub version: i32,
    /// When planning staff published the plan (None: a draft only staff see).
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NodeRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    /// The position among its siblings.
    pub number: i32,
    pub version: i32,
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
    /// The sections (of any year) that record it.
    pub section_ids: Vec<i64>,
    pub version: i32,
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
    /// Each plan year's evaluation, first year first.
    pub years: Vec<YearState>,
    /// Every revision of a target, oldest first.
    pub revisions: Vec<RevisionRow>,
    /// Each item's 実績 note per year (published years only unless staff).
    pub notes: Vec<NoteRow>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoteRow {
    pub item_id: i64,
    pub year: i32,
    pub note: String,
    pub version: i32,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct YearState {
    pub year: i32,
    pub reviewed: bool,
    pub published_on: Option<chrono::NaiveDate>,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RevisionRow {
    pub indicator_id: i64,
    pub year: i32,
    pub before: String,
    pub after: String,
    pub revised_at: chrono::DateTime<chrono::Utc>,
}

impl PlanData {
    pub fn year_state(&self, year: i32) -> Option<&YearState> {
        self.years.iter().find(|y| y.year == year)
    }

    /// Whether an indicator has an actual in a published year (which must not change).
    pub fn has_published_actual(&self, indicator_id: i64) -> bool {
        self.actuals
            .iter()
            .any(|a| a.indicator_id == indicator_id && self.published_years.contains(&a.year))
    }

    /// Whether any indicator of an item has an actual in a published year.
    pub fn item_has_published_actual(&self, item_id: i64) -> bool {
        self.indicators
            .iter()
            .any(|x| x.item_id == item_id && self.has_published_actual(x.id))
    }

    /// The target of an indicator for a year as it stood at `at` (a publication): the value
    /// before the first revision after it, or the current target.
    pub fn target_at(
        &self,
        indicator_id: i64,
        year: i32,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Option<String> {
        let current = self
            .targets
            .iter()
            .find(|t| t.indicator_id == indicator_id && t.year == year)
            .map(|t| t.written.clone());
        let Some(at) = at else { return current };
        self.revisions
            .iter()
            .find(|r| r.indicator_id == indicator_id && r.year == year && r.revised_at > at)
            .map(|r| r.before.clone())
            .or(current)
    }
}

/// A city's plans (slug, name, first and last year), all of them (staff) or the published.
pub async fn plans_of_city(
    pool: &PgPool,
    mid: i64,
    published_only: bool,
) -> sqlx::Result<Vec<(String, String, i32, i32)>> {
    sqlx::query!(r#"SELECT slug AS "slug!", name, first_year AS "first_year!", last_year AS "last_year!" FROM policy
         WHERE municipality_id = $1 AND slug IS NOT NULL AND (NOT $2 OR published_at IS NOT NULL)
         ORDER BY first_year DESC, id"#, mid, published_only).map(|r| (r.slug, r.name, r.first_year, r.last_year))
    .fetch_all(pool)
    .await
}

/// Publishes a plan (`true`) or withdraws it from the public pages; false when it is
/// already so.
pub async fn set_plan_published(
    tx: &mut PgConnection,
    mid: i64,
    policy_id: i64,
    published: bool,
) -> sqlx::Result<bool> {
    Ok(sqlx::query!(
        "UPDATE policy SET published_at = CASE WHEN $3 THEN now() END
         WHERE municipality_id = $1 AND id = $2 AND (published_at IS NOT NULL) <> $3",
        mid,
        policy_id,
        published
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1)
}

/// Publishes a plan of the demo (loading it again changes nothing).
pub async fn publish_demo_plan(pool: &PgPool, city: &str, slug: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE policy SET published_at = now() WHERE slug = $2 AND published_at IS NULL
           AND municipality_id = (SELECT id FROM municipality WHERE slug = $1)",
        city,
        slug
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes a plan that is not published and never had a year published, with everything
/// under it; false when it is (or was) public.
pub async fn delete_unpublished_plan(
    tx: &mut PgConnection,
    mid: i64,
    policy_id: i64,
) -> sqlx::Result<bool> {
    Ok(sqlx::query!(
        "DELETE FROM policy p WHERE p.municipality_id = $1 AND p.id = $2 AND p.slug IS NOT NULL
           AND p.published_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM plan_year_publication y WHERE y.policy_id = p.id)
           AND NOT EXISTS (SELECT 1 FROM fiscal_year f WHERE f.policy_id = p.id)",
        mid,
        policy_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1)
}

mod load;
pub use load::{load, load_in};

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
    let current: Option<i32> = sqlx::query_scalar!("SELECT version FROM plan_actual WHERE municipality_id = $1 AND indicator_id = $2 AND year = $3 FOR UPDATE", mid, indicator_id, year)
    .fetch_optional(&mut *tx)
    .await?;
    if current.unwrap_or(0) != version {
        return Ok(false);
    }
    if value.is_none() && word.is_none() {
        sqlx::query!("DELETE FROM plan_actual WHERE municipality_id = $1 AND indicator_id = $2 AND year = $3", mid, indicator_id, year)
            .execute(&mut *tx)
            .await?;
        return Ok(true);
    }
    sqlx::query!("INSERT INTO plan_actual (municipality_id, indicator_id, year, value, word, achieved, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (indicator_id, year) DO UPDATE SET value = EXCLUDED.value, word = EXCLUDED.word,
             achieved = EXCLUDED.achieved, updated_by = EXCLUDED.updated_by, updated_at = now(),
             version = plan_actual.version + 1", mid, indicator_id, year, value, word, achieved, user_id)
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// Saves an item's 実績 note for a year if nobody saved since `version` (0: none yet); an
/// empty note removes it. False on a conflict.
pub async fn save_note(
    tx: &mut PgConnection,
    mid: i64,
    item_id: i64,
    year: i32,
    version: i32,
    note: &str,
    user_id: i64,
) -> sqlx::Result<bool> {
    let current: Option<(i32, String)> = sqlx::query!("SELECT version, note FROM plan_item_note WHERE municipality_id = $1 AND item_id = $2 AND year = $3 FOR UPDATE", mid, item_id, year).map(|r| (r.version, r.note))
    .fetch_optional(&mut *tx)
    .await?;
    if current.as_ref().map(|c| c.0).unwrap_or(0) != version {
        return Ok(false);
    }
    if current.as_ref().map(|c| c.1.as_str()).unwrap_or("") == note {
        return Ok(true);
    }
    if note.is_empty() {
        sqlx::query!(
            "DELETE FROM plan_item_note WHERE municipality_id = $1 AND item_id = $2 AND year = $3",
            mid,
            item_id,
            year
        )
        .execute(&mut *tx)
        .await?;
        return Ok(true);
    }
    sqlx::query!("INSERT INTO plan_item_note (municipality_id, item_id, year, note, updated_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (item_id, year) DO UPDATE SET note = EXCLUDED.note, updated_by = EXCLUDED.updated_by,
             updated_at = now(), version = plan_item_note.version + 1", mid, item_id, year, note, user_id)
    .execute(&mut *tx)
    .await?;
    Ok(true)
}
