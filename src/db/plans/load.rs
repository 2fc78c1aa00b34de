//! Reading a whole plan: from the pool with its queries in parallel (pages), or on one
//! connection inside a transaction that holds the plan's lock (writers: what they check is
//! what is stored while they write, and they never need a second connection).

use super::{
    ActualRow, IndicatorRow, ItemRow, NodeRow, NoteRow, PlaceRow, PlanData, PlanRow, RevisionRow,
    TargetRow, YearState,
};
use sqlx::{PgConnection, PgExecutor, PgPool};

async fn plan_row<'e>(
    e: impl PgExecutor<'e>,
    mid: i64,
    slug: &str,
) -> sqlx::Result<Option<PlanRow>> {
    sqlx::query_as!(PlanRow, r#"SELECT id, slug AS "slug!", name, adopted, first_year AS "first_year!", last_year AS "last_year!",
                ARRAY[pillar_set_name] || sublevel_names AS "level_names!", item_label, version, published_at AS "published_at?"
         FROM policy WHERE municipality_id = $1 AND slug = $2"#, mid, slug)
    .fetch_optional(e)
    .await
}

async fn nodes<'e>(e: impl PgExecutor<'e>, mid: i64, id: i64) -> sqlx::Result<Vec<NodeRow>> {
    sqlx::query_as!(
        NodeRow,
        r#"SELECT id, parent_id AS "parent_id?", depth, number, version, label, title, description FROM pillar
         WHERE municipality_id = $1 AND policy_id = $2 ORDER BY depth, number"#,
        mid,
        id
    )
    .fetch_all(e)
    .await
}

async fn items<'e>(e: impl PgExecutor<'e>, mid: i64, id: i64) -> sqlx::Result<Vec<ItemRow>> {
    sqlx::query_as!(ItemRow, r#"SELECT id, number, title, content, sections, version,
                ARRAY(SELECT section_id FROM plan_item_section l WHERE l.item_id = plan_item.id ORDER BY section_id) AS "section_ids!"
         FROM plan_item WHERE municipality_id = $1 AND policy_id = $2 ORDER BY number"#, mid, id)
    .fetch_all(e)
    .await
}

async fn places<'e>(e: impl PgExecutor<'e>, mid: i64, id: i64) -> sqlx::Result<Vec<PlaceRow>> {
    sqlx::query_as!(PlaceRow, "SELECT p.item_id, p.node_id, p.number, p.restated FROM plan_item_place p
         JOIN plan_item i ON i.id = p.item_id WHERE p.municipality_id = $1 AND i.policy_id = $2 ORDER BY p.number", mid, id)
    .fetch_all(e)
    .await
}

async fn indicators<'e>(
    e: impl PgExecutor<'e>,
    mid: i64,
    id: i64,
) -> sqlx::Result<Vec<IndicatorRow>> {
    sqlx::query_as!(IndicatorRow, r#"SELECT x.id, x.item_id, x.name, x.unit, x.baseline AS "baseline?", x.baseline_year AS "baseline_year?", x.baseline_value AS "baseline_value?", x.comparator FROM plan_indicator x
         JOIN plan_item i ON i.id = x.item_id WHERE x.municipality_id = $1 AND i.policy_id = $2
         ORDER BY x.item_id, x.position"#, mid, id)
    .fetch_all(e)
    .await
}

async fn targets<'e>(e: impl PgExecutor<'e>, mid: i64, id: i64) -> sqlx::Result<Vec<TargetRow>> {
    sqlx::query_as!(
        TargetRow,
        r#"SELECT t.indicator_id, t.year, t.value AS "value?", t.word AS "word?", t.written FROM plan_target t
         JOIN plan_indicator x ON x.id = t.indicator_id JOIN plan_item i ON i.id = x.item_id
         WHERE t.municipality_id = $1 AND i.policy_id = $2"#,
        mid,
        id
    )
    .fetch_all(e)
    .await
}

async fn years<'e>(
    e: impl PgExecutor<'e>,
    mid: i64,
    plan: &PlanRow,
) -> sqlx::Result<Vec<YearState>> {
    sqlx::query_as!(YearState, r#"SELECT y.year AS "year!", r.year IS NOT NULL AS "reviewed!", p.published_on AS "published_on?", p.published_at AS "published_at?"
         FROM generate_series($3::int, $4::int) AS y(year)
         LEFT JOIN plan_year_review r ON r.municipality_id = $1 AND r.policy_id = $2 AND r.year = y.year
         LEFT JOIN plan_year_publication p ON p.municipality_id = $1 AND p.policy_id = $2 AND p.year = y.year
         ORDER BY y.year"#, mid, plan.id, plan.first_year, plan.last_year)
    .fetch_all(e)
    .await
}

async fn actuals<'e>(
    e: impl PgExecutor<'e>,
    mid: i64,
    id: i64,
    all: bool,
    published: &[i32],
) -> sqlx::Result<Vec<ActualRow>> {
    sqlx::query_as!(
        ActualRow,
        "SELECT a.indicator_id, a.year, a.value, a.word, a.achieved, a.version FROM plan_actual a
         JOIN plan_indicator x ON x.id = a.indicator_id JOIN plan_item i ON i.id = x.item_id
         WHERE a.municipality_id = $1 AND i.policy_id = $2 AND ($3 OR a.year = ANY($4))",
        mid,
        id,
        all,
        published
    )
    .fetch_all(e)
    .await
}

async fn revisions<'e>(
    e: impl PgExecutor<'e>,
    mid: i64,
    id: i64,
) -> sqlx::Result<Vec<RevisionRow>> {
    sqlx::query_as!(
        RevisionRow,
        "SELECT r.indicator_id, r.year, r.before, r.after, r.revised_at FROM plan_target_revision r
         JOIN plan_indicator x ON x.id = r.indicator_id JOIN plan_item i ON i.id = x.item_id
         WHERE r.municipality_id = $1 AND i.policy_id = $2 ORDER BY r.revised_at, r.id",
        mid,
        id
    )
    .fetch_all(e)
    .await
}

async fn notes<'e>(
    e: impl PgExecutor<'e>,
    mid: i64,
    id: i64,
    all: bool,
    published: &[i32],
) -> sqlx::Result<Vec<NoteRow>> {
    sqlx::query_as!(NoteRow, "SELECT n.item_id, n.year, n.note, n.version FROM plan_item_note n JOIN plan_item i ON i.id = n.item_id
         WHERE n.municipality_id = $1 AND i.policy_id = $2 AND ($3 OR n.year = ANY($4))", mid, id, all, published)
    .fetch_all(e)
    .await
}

fn published(years: &[YearState]) -> Vec<i32> {
    years
        .iter()
        .filter(|y| y.published_on.is_some())
        .map(|y| y.year)
        .collect()
}

/// A plan with everything under it; actuals only of the published years unless
/// `all_actuals` (staff). Its queries run in parallel on the pool.
pub async fn load(
    pool: &PgPool,
    mid: i64,
    slug: &str,
    all_actuals: bool,
) -> sqlx::Result<Option<PlanData>> {
    let Some(plan) = plan_row(pool, mid, slug).await? else {
        return Ok(None);
    };
    let id = plan.id;
    let (nodes, items, places, indicators, targets, years) = tokio::try_join!(
        nodes(pool, mid, id),
        items(pool, mid, id),
        places(pool, mid, id),
        indicators(pool, mid, id),
        targets(pool, mid, id),
        years(pool, mid, &plan),
    )?;
    let published_years = published(&years);
    let (actuals, revisions, notes) = tokio::try_join!(
        actuals(pool, mid, id, all_actuals, &published_years),
        revisions(pool, mid, id),
        notes(pool, mid, id, all_actuals, &published_years),
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

/// The same as [`load`] (every actual), one query after another on `conn` — inside the
/// transaction of a writer.
pub async fn load_in(
    conn: &mut PgConnection,
    mid: i64,
    slug: &str,
) -> sqlx::Result<Option<PlanData>> {
    let Some(plan) = plan_row(&mut *conn, mid, slug).await? else {
        return Ok(None);
    };
    let id = plan.id;
    let years = years(&mut *conn, mid, &plan).await?;
    let published_years = published(&years);
    Ok(Some(PlanData {
        nodes: nodes(&mut *conn, mid, id).await?,
        items: items(&mut *conn, mid, id).await?,
        places: places(&mut *conn, mid, id).await?,
        indicators: indicators(&mut *conn, mid, id).await?,
        targets: targets(&mut *conn, mid, id).await?,
        actuals: actuals(&mut *conn, mid, id, true, &published_years).await?,
        revisions: revisions(&mut *conn, mid, id).await?,
        notes: notes(&mut *conn, mid, id, true, &published_years).await?,
        plan,
        published_years,
        years,
    }))
}
