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
                ARRAY[pillar_set_name] || sublevel_names AS level_names, item_label, version
         FROM policy WHERE municipality_id = $1 AND slug = $2",
    )
    .bind(mid)
    .bind(slug)
    .fetch_optional(pool)
    .await?;
    let Some(plan) = plan else { return Ok(None) };
    let id = plan.id;
    let (nodes, items, places, indicators, targets, years) = tokio::try_join!(
        sqlx::query_as::<_, NodeRow>(
            "SELECT id, parent_id, depth, number, version, label, title, description FROM pillar
             WHERE municipality_id = $1 AND policy_id = $2 ORDER BY depth, number",
        )
        .bind(mid)
        .bind(id)
        .fetch_all(pool),
        sqlx::query_as::<_, ItemRow>(
            "SELECT id, number, title, content, sections, version,
                    ARRAY(SELECT section_id FROM plan_item_section l WHERE l.item_id = plan_item.id ORDER BY section_id) AS section_ids
             FROM plan_item WHERE municipality_id = $1 AND policy_id = $2 ORDER BY number",
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
        sqlx::query_as::<_, YearState>(
            "SELECT y.year, r.year IS NOT NULL AS reviewed, p.published_on, p.published_at
             FROM generate_series($3::int, $4::int) AS y(year)
             LEFT JOIN plan_year_review r ON r.municipality_id = $1 AND r.policy_id = $2 AND r.year = y.year
             LEFT JOIN plan_year_publication p ON p.municipality_id = $1 AND p.policy_id = $2 AND p.year = y.year
             ORDER BY y.year",
        )
        .bind(mid)
        .bind(id)
        .bind(plan.first_year)
        .bind(plan.last_year)
        .fetch_all(pool),
    )?;
    let published_years: Vec<i32> = years
        .iter()
        .filter(|y| y.published_on.is_some())
        .map(|y| y.year)
        .collect();
    let (actuals, revisions, notes) = tokio::try_join!(
        sqlx::query_as::<_, ActualRow>(
            "SELECT a.indicator_id, a.year, a.value, a.word, a.achieved, a.version FROM plan_actual a
             JOIN plan_indicator x ON x.id = a.indicator_id JOIN plan_item i ON i.id = x.item_id
             WHERE a.municipality_id = $1 AND i.policy_id = $2 AND ($3 OR a.year = ANY($4))",
        )
        .bind(mid)
        .bind(id)
        .bind(all_actuals)
        .bind(&published_years)
        .fetch_all(pool),
        sqlx::query_as::<_, RevisionRow>(
            "SELECT r.indicator_id, r.year, r.before, r.after, r.revised_at FROM plan_target_revision r
             JOIN plan_indicator x ON x.id = r.indicator_id JOIN plan_item i ON i.id = x.item_id
             WHERE r.municipality_id = $1 AND i.policy_id = $2 ORDER BY r.revised_at, r.id",
        )
        .bind(mid)
        .bind(id)
        .fetch_all(pool),
        sqlx::query_as::<_, NoteRow>(
            "SELECT n.item_id, n.year, n.note, n.version FROM plan_item_note n JOIN plan_item i ON i.id = n.item_id
             WHERE n.municipality_id = $1 AND i.policy_id = $2 AND ($3 OR n.year = ANY($4))",
        )
        .bind(mid)
        .bind(id)
        .bind(all_actuals)
        .bind(&published_years)
        .fetch_all(pool),
    )?;
    Ok(Some(PlanData {
        plan,
        nodes,
        items,
        places,
        indicators,
        targets,
        actuals,
        published_years,
        years,
        revisions,
        notes,
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
    let current: Option<(i32, String)> = sqlx::query_as(
        "SELECT version, note FROM plan_item_note WHERE municipality_id = $1 AND item_id = $2 AND year = $3 FOR UPDATE",
    )
    .bind(mid)
    .bind(item_id)
    .bind(year)
    .fetch_optional(&mut *tx)
    .await?;
    if current.as_ref().map(|c| c.0).unwrap_or(0) != version {
        return Ok(false);
    }
    if current.as_ref().map(|c| c.1.as_str()).unwrap_or("") == note {
        return Ok(true);
    }
    if note.is_empty() {
        sqlx::query(
            "DELETE FROM plan_item_note WHERE municipality_id = $1 AND item_id = $2 AND year = $3",
        )
        .bind(mid)
        .bind(item_id)
        .bind(year)
        .execute(&mut *tx)
        .await?;
        return Ok(true);
    }
    sqlx::query(
        "INSERT INTO plan_item_note (municipality_id, item_id, year, note, updated_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (item_id, year) DO UPDATE SET note = EXCLUDED.note, updated_by = EXCLUDED.updated_by,
             updated_at = now(), version = plan_item_note.version + 1",
    )
    .bind(mid)
    .bind(item_id)
    .bind(year)
    .bind(note)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    Ok(true)
}
