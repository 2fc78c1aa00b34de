//! Applying a year's document (see [`document`]) to the database: the one code path by which
//! whole years of goals come in, used by the demo data now and by spreadsheet imports later.
//!
//! Rows are matched by their natural keys — the city by slug, the policy by name, pillars by
//! number, the year by its western year, departments by slug, sections by name, and goals,
//! initiatives and criteria by their position under their parent — and written only where they
//! differ, so applying the same document twice changes nothing (no row is rewritten, no version
//! bumped). Everything happens in one transaction: a document applies whole or not at all.

pub mod document;

use crate::domain::metric::{Metric, parse_metric};
use document::YearDocument;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;

/// What applying a document changed, counted in rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
    pub deleted: usize,
}

impl ImportReport {
    /// Whether nothing was written.
    pub fn is_unchanged(&self) -> bool {
        *self == Self::default()
    }
}

/// Why a document was not applied.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the document has problems: {}", .0.join(" / "))]
    Invalid(Vec<String>),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Applies `doc` in one transaction.
pub async fn apply(pool: &PgPool, doc: &YearDocument) -> Result<ImportReport, ImportError> {
    let problems = doc.problems();
    if !problems.is_empty() {
        return Err(ImportError::Invalid(problems));
    }
    let mut tx = pool.begin().await?;
    sqlx::query("SET CONSTRAINTS ALL DEFERRED")
        .execute(&mut *tx)
        .await?;
    let mut r = ImportReport::default();
    let municipality_id = upsert_municipality(&mut tx, doc, &mut r).await?;
    let (policy_id, pillar_ids) = upsert_policy(&mut tx, municipality_id, doc, &mut r).await?;
    let fiscal_year_id =
        upsert_fiscal_year(&mut tx, municipality_id, policy_id, doc, &mut r).await?;
    upsert_booklet(&mut tx, municipality_id, fiscal_year_id, doc, &mut r).await?;
    let (department_ids, section_ids) =
        upsert_organization(&mut tx, municipality_id, fiscal_year_id, doc, &mut r).await?;
    upsert_goals(
        &mut tx,
        municipality_id,
        fiscal_year_id,
        doc,
        &department_ids,
        &section_ids,
        &pillar_ids,
        &mut r,
    )
    .await?;
    delete_retired_organization(&mut tx, municipality_id, fiscal_year_id, doc, &mut r).await?;
    tx.commit().await?;
    Ok(r)
}

async fn upsert_municipality(
    tx: &mut PgConnection,
    doc: &YearDocument,
    r: &mut ImportReport,
) -> sqlx::Result<i64> {
    let m = &doc.municipality;
    let existing: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, name, name_kana, local_government_code::text FROM municipality WHERE slug = $1 FOR UPDATE",
    )
    .bind(&m.slug)
    .fetch_optional(&mut *tx)
    .await?;
    match existing {
        None => {
            r.inserted += 1;
            sqlx::query_scalar(
                "INSERT INTO municipality (slug, name, name_kana, local_government_code) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(&m.slug)
            .bind(&m.name)
            .bind(&m.name_kana)
            .bind(&m.local_government_code)
            .fetch_one(&mut *tx)
            .await
        }
        Some((id, name, kana, code)) => {
            if (name.as_str(), kana.as_str(), code.as_str())
                != (&m.name, &m.name_kana, &m.local_government_code)
            {
                r.updated += 1;
                sqlx::query("UPDATE municipality SET name = $2, name_kana = $3, local_government_code = $4 WHERE id = $1")
                    .bind(id)
                    .bind(&m.name)
                    .bind(&m.name_kana)
                    .bind(&m.local_government_code)
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(id)
        }
    }
}

/// Returns the policy id and the pillar ids by number.
async fn upsert_policy(
    tx: &mut PgConnection,
    mid: i64,
    doc: &YearDocument,
    r: &mut ImportReport,
) -> sqlx::Result<(i64, HashMap<i32, i64>)> {
    let p = &doc.policy;
    let existing: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, pillar_set_name FROM policy WHERE municipality_id = $1 AND name = $2",
    )
    .bind(mid)
    .bind(&p.name)
    .fetch_optional(&mut *tx)
    .await?;
    let policy_id = match existing {
        None => {
            r.inserted += 1;
            sqlx::query_scalar("INSERT INTO policy (municipality_id, name, pillar_set_name) VALUES ($1, $2, $3) RETURNING id")
                .bind(mid)
                .bind(&p.name)
                .bind(&p.pillar_set_name)
                .fetch_one(&mut *tx)
                .await?
        }
        Some((id, set_name)) => {
            if set_name != p.pillar_set_name {
                r.updated += 1;
                sqlx::query("UPDATE policy SET pillar_set_name = $2 WHERE id = $1")
                    .bind(id)
                    .bind(&p.pillar_set_name)
                    .execute(&mut *tx)
                    .await?;
            }
            id
        }
    };
    let rows: Vec<(i64, i32, String, Vec<String>)> =
        sqlx::query_as("SELECT id, number, title, viewpoint FROM pillar WHERE municipality_id = $1 AND policy_id = $2")
            .bind(mid)
            .bind(policy_id)
            .fetch_all(&mut *tx)
            .await?;
    let mut ids: HashMap<i32, i64> = rows.iter().map(|(id, n, _, _)| (*n, *id)).collect();
    // Pillars missing from the document are kept: other years' goals may still refer to them.
    for pd in &p.pillars {
        match rows.iter().find(|(_, n, _, _)| *n == pd.number) {
            None => {
                r.inserted += 1;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO pillar (municipality_id, policy_id, number, title, viewpoint) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(mid)
                .bind(policy_id)
                .bind(pd.number)
                .bind(&pd.title)
                .bind(&pd.viewpoint)
                .fetch_one(&mut *tx)
                .await?;
                ids.insert(pd.number, id);
            }
            Some((id, _, title, viewpoint)) => {
                if *title != pd.title || *viewpoint != pd.viewpoint {
                    r.updated += 1;
                    sqlx::query("UPDATE pillar SET title = $2, viewpoint = $3 WHERE id = $1")
                        .bind(id)
                        .bind(&pd.title)
                        .bind(&pd.viewpoint)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
    }
    Ok((policy_id, ids))
}

async fn upsert_fiscal_year(
    tx: &mut PgConnection,
    mid: i64,
    policy_id: i64,
    doc: &YearDocument,
    r: &mut ImportReport,
) -> sqlx::Result<i64> {
    let f = &doc.fiscal_year;
    let existing: Option<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT id, policy_id, title, tables_title FROM fiscal_year WHERE municipality_id = $1 AND year = $2 FOR UPDATE",
    )
    .bind(mid)
    .bind(f.year)
    .fetch_optional(&mut *tx)
    .await?;
    match existing {
        None => {
            r.inserted += 1;
            sqlx::query_scalar(
                "INSERT INTO fiscal_year (municipality_id, year, policy_id, title, tables_title) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(mid)
            .bind(f.year)
            .bind(policy_id)
            .bind(&f.title)
            .bind(&f.tables_title)
            .fetch_one(&mut *tx)
            .await
        }
        Some((id, pid, title, tables_title)) => {
            if pid != policy_id || title != f.title || tables_title != f.tables_title {
                r.updated += 1;
                sqlx::query("UPDATE fiscal_year SET policy_id = $2, title = $3, tables_title = $4 WHERE id = $1")
                    .bind(id)
                    .bind(policy_id)
                    .bind(&f.title)
                    .bind(&f.tables_title)
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(id)
        }
    }
}

async fn upsert_booklet(
    tx: &mut PgConnection,
    mid: i64,
    fid: i64,
    doc: &YearDocument,
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    let rows: Vec<(i64, i32, String, Vec<String>, bool)> = sqlx::query_as(
        "SELECT id, position, heading, paragraphs, show_pillars FROM booklet_section WHERE municipality_id = $1 AND fiscal_year_id = $2",
    )
    .bind(mid)
    .bind(fid)
    .fetch_all(&mut *tx)
    .await?;
    for (i, s) in doc.fiscal_year.introduction.iter().enumerate() {
        let position = i as i32 + 1;
        match rows.iter().find(|row| row.1 == position) {
            None => {
                r.inserted += 1;
                sqlx::query(
                    "INSERT INTO booklet_section (municipality_id, fiscal_year_id, position, heading, paragraphs, show_pillars)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(mid)
                .bind(fid)
                .bind(position)
                .bind(&s.heading)
                .bind(&s.paragraphs)
                .bind(s.show_pillars)
                .execute(&mut *tx)
                .await?;
            }
            Some((id, _, heading, paragraphs, show)) => {
                if *heading != s.heading || *paragraphs != s.paragraphs || *show != s.show_pillars {
                    r.updated += 1;
                    sqlx::query("UPDATE booklet_section SET heading = $2, paragraphs = $3, show_pillars = $4 WHERE id = $1")
                        .bind(id)
                        .bind(&s.heading)
                        .bind(&s.paragraphs)
                        .bind(s.show_pillars)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
    }
    let extra: Vec<i64> = rows
        .iter()
        .filter(|row| row.1 as usize > doc.fiscal_year.introduction.len())
        .map(|row| row.0)
        .collect();
    delete_ids(tx, "booklet_section", &extra, r).await
}

/// Departments by slug and sections by name, with their ids.
async fn upsert_organization(
    tx: &mut PgConnection,
    mid: i64,
    fid: i64,
    doc: &YearDocument,
    r: &mut ImportReport,
) -> sqlx::Result<(HashMap<String, i64>, HashMap<String, i64>)> {
    let depts: Vec<(i64, String, String, i32)> =
        sqlx::query_as("SELECT id, slug, name, position FROM department WHERE municipality_id = $1 AND fiscal_year_id = $2")
            .bind(mid)
            .bind(fid)
            .fetch_all(&mut *tx)
            .await?;
    let mut dept_ids = HashMap::new();
    for (i, d) in doc.departments.iter().enumerate() {
        let position = i as i32 + 1;
        let id = match depts.iter().find(|row| row.1 == d.slug) {
            None => {
                r.inserted += 1;
                sqlx::query_scalar(
                    "INSERT INTO department (municipality_id, fiscal_year_id, slug, name, position) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(mid)
                .bind(fid)
                .bind(&d.slug)
                .bind(&d.name)
                .bind(position)
                .fetch_one(&mut *tx)
                .await?
            }
            Some((id, _, name, pos)) => {
                if *name != d.name || *pos != position {
                    r.updated += 1;
                    sqlx::query("UPDATE department SET name = $2, position = $3, version = version + 1 WHERE id = $1")
                        .bind(id)
                        .bind(&d.name)
                        .bind(position)
                        .execute(&mut *tx)
                        .await?;
                }
                *id
            }
        };
        dept_ids.insert(d.slug.clone(), id);
    }
    let sections: Vec<(i64, String, i64, i32)> =
        sqlx::query_as("SELECT id, name, department_id, position FROM section WHERE municipality_id = $1 AND fiscal_year_id = $2")
            .bind(mid)
            .bind(fid)
            .fetch_all(&mut *tx)
            .await?;
    let mut section_ids = HashMap::new();
    for d in &doc.departments {
        let did = dept_ids[&d.slug];
        for (i, name) in d.sections.iter().enumerate() {
            let position = i as i32 + 1;
            let id = match sections.iter().find(|row| row.1 == *name) {
                None => {
                    r.inserted += 1;
                    sqlx::query_scalar(
                        "INSERT INTO section (municipality_id, fiscal_year_id, department_id, name, position) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(mid)
                    .bind(fid)
                    .bind(did)
                    .bind(name)
                    .bind(position)
                    .fetch_one(&mut *tx)
                    .await?
                }
                Some((id, _, dept, pos)) => {
                    if *dept != did || *pos != position {
                        r.updated += 1;
                        sqlx::query("UPDATE section SET department_id = $2, position = $3, version = version + 1 WHERE id = $1")
                            .bind(id)
                            .bind(did)
                            .bind(position)
                            .execute(&mut *tx)
                            .await?;
                    }
                    *id
                }
            };
            section_ids.insert(name.clone(), id);
        }
    }
    Ok((dept_ids, section_ids))
}

/// Sections and departments the document no longer lists. Runs after the goals, so no
/// initiative still refers to a section being removed.
async fn delete_retired_organization(
    tx: &mut PgConnection,
    mid: i64,
    fid: i64,
    doc: &YearDocument,
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    let slugs: Vec<&str> = doc.departments.iter().map(|d| d.slug.as_str()).collect();
    let names: Vec<&str> = doc
        .departments
        .iter()
        .flat_map(|d| d.sections.iter().map(String::as_str))
        .collect();
    let sections: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM section WHERE municipality_id = $1 AND fiscal_year_id = $2 AND NOT (name = ANY($3))",
    )
    .bind(mid)
    .bind(fid)
    .bind(&names)
    .fetch_all(&mut *tx)
    .await?;
    delete_ids(tx, "section", &sections, r).await?;
    let depts: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM department WHERE municipality_id = $1 AND fiscal_year_id = $2 AND NOT (slug = ANY($3))",
    )
    .bind(mid)
    .bind(fid)
    .bind(&slugs)
    .fetch_all(&mut *tx)
    .await?;
    delete_ids(tx, "department", &depts, r).await
}

#[derive(sqlx::FromRow)]
struct ExistingGoal {
    id: i64,
    department_id: i64,
    position: i32,
    text: String,
    note: Option<String>,
    pillar_ids: Vec<i64>,
}

#[derive(sqlx::FromRow)]
struct ExistingInitiative {
    id: i64,
    goal_id: i64,
    position: i32,
    text: String,
    note: Option<String>,
    section_ids: Vec<i64>,
}

#[derive(sqlx::FromRow)]
struct ExistingCriterion {
    id: i64,
    initiative_id: i64,
    position: i32,
    text: String,
    target_value: Option<Decimal>,
    unit: Option<String>,
    comparator: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn upsert_goals(
    tx: &mut PgConnection,
    mid: i64,
    fid: i64,
    doc: &YearDocument,
    department_ids: &HashMap<String, i64>,
    section_ids: &HashMap<String, i64>,
    pillar_ids: &HashMap<i32, i64>,
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    let goals: Vec<ExistingGoal> = sqlx::query_as(
        "SELECT g.id, g.department_id, g.position, g.text, g.note,
                COALESCE(array_agg(gp.pillar_id ORDER BY gp.pillar_id) FILTER (WHERE gp.pillar_id IS NOT NULL), '{}') AS pillar_ids
         FROM goal g
         JOIN department d ON d.municipality_id = g.municipality_id AND d.id = g.department_id
         LEFT JOIN goal_pillar gp ON gp.municipality_id = g.municipality_id AND gp.goal_id = g.id
         WHERE g.municipality_id = $1 AND d.fiscal_year_id = $2
         GROUP BY g.id",
    )
    .bind(mid)
    .bind(fid)
    .fetch_all(&mut *tx)
    .await?;
    let initiatives: Vec<ExistingInitiative> = sqlx::query_as(
        "SELECT i.id, i.goal_id, i.position, i.text, i.note,
                COALESCE(array_agg(s.section_id ORDER BY s.position) FILTER (WHERE s.section_id IS NOT NULL), '{}') AS section_ids
         FROM initiative i
         JOIN goal g ON g.municipality_id = i.municipality_id AND g.id = i.goal_id
         JOIN department d ON d.municipality_id = g.municipality_id AND d.id = g.department_id
         LEFT JOIN initiative_section s ON s.municipality_id = i.municipality_id AND s.initiative_id = i.id
         WHERE i.municipality_id = $1 AND d.fiscal_year_id = $2
         GROUP BY i.id",
    )
    .bind(mid)
    .bind(fid)
    .fetch_all(&mut *tx)
    .await?;
    let criteria: Vec<ExistingCriterion> = sqlx::query_as(
        "SELECT c.id, c.initiative_id, c.position, c.text, c.target_value, c.unit, c.comparator
         FROM criterion c
         JOIN initiative i ON i.municipality_id = c.municipality_id AND i.id = c.initiative_id
         JOIN goal g ON g.municipality_id = i.municipality_id AND g.id = i.goal_id
         JOIN department d ON d.municipality_id = g.municipality_id AND d.id = g.department_id
         WHERE c.municipality_id = $1 AND d.fiscal_year_id = $2",
    )
    .bind(mid)
    .bind(fid)
    .fetch_all(&mut *tx)
    .await?;
    let goal_at: HashMap<(i64, i32), &ExistingGoal> = goals
        .iter()
        .map(|g| ((g.department_id, g.position), g))
        .collect();
    let initiative_at: HashMap<(i64, i32), &ExistingInitiative> = initiatives
        .iter()
        .map(|i| ((i.goal_id, i.position), i))
        .collect();
    let criterion_at: HashMap<(i64, i32), &ExistingCriterion> = criteria
        .iter()
        .map(|c| ((c.initiative_id, c.position), c))
        .collect();
    let mut kept_goals = Vec::new();
    let mut kept_initiatives = Vec::new();
    let mut kept_criteria = Vec::new();

    for d in &doc.departments {
        let did = department_ids[&d.slug];
        for (gi, g) in d.goals.iter().enumerate() {
            let position = gi as i32 + 1;
            let mut wanted_pillars: Vec<i64> = g.pillars.iter().map(|n| pillar_ids[n]).collect();
            wanted_pillars.sort_unstable();
            wanted_pillars.dedup();
            let goal_id = match goal_at.get(&(did, position)) {
                None => {
                    r.inserted += 1;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO goal (municipality_id, department_id, position, text, note) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(mid)
                    .bind(did)
                    .bind(position)
                    .bind(&g.text)
                    .bind(&g.note)
                    .fetch_one(&mut *tx)
                    .await?;
                    set_goal_pillars(tx, mid, id, &wanted_pillars, r).await?;
                    id
                }
                Some(existing) => {
                    if existing.text != g.text || existing.note != g.note {
                        r.updated += 1;
                        sqlx::query("UPDATE goal SET text = $2, note = $3, version = version + 1 WHERE id = $1")
                            .bind(existing.id)
                            .bind(&g.text)
                            .bind(&g.note)
                            .execute(&mut *tx)
                            .await?;
                    }
                    if existing.pillar_ids != wanted_pillars {
                        let n = sqlx::query(
                            "DELETE FROM goal_pillar WHERE municipality_id = $1 AND goal_id = $2",
                        )
                        .bind(mid)
                        .bind(existing.id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        r.deleted += n as usize;
                        set_goal_pillars(tx, mid, existing.id, &wanted_pillars, r).await?;
                    }
                    existing.id
                }
            };
            kept_goals.push(goal_id);

            for (ii, i) in g.initiatives.iter().enumerate() {
                let position = ii as i32 + 1;
                let wanted_sections: Vec<i64> = i.sections.iter().map(|s| section_ids[s]).collect();
                let initiative_id = match initiative_at.get(&(goal_id, position)) {
                    None => {
                        r.inserted += 1;
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO initiative (municipality_id, goal_id, position, text, note) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                        )
                        .bind(mid)
                        .bind(goal_id)
                        .bind(position)
                        .bind(&i.text)
                        .bind(&i.note)
                        .fetch_one(&mut *tx)
                        .await?;
                        set_initiative_sections(tx, mid, id, &wanted_sections, r).await?;
                        id
                    }
                    Some(existing) => {
                        if existing.text != i.text || existing.note != i.note {
                            r.updated += 1;
                            sqlx::query("UPDATE initiative SET text = $2, note = $3, version = version + 1 WHERE id = $1")
                                .bind(existing.id)
                                .bind(&i.text)
                                .bind(&i.note)
                                .execute(&mut *tx)
                                .await?;
                        }
                        if existing.section_ids != wanted_sections {
                            let n = sqlx::query("DELETE FROM initiative_section WHERE municipality_id = $1 AND initiative_id = $2")
                                .bind(mid)
                                .bind(existing.id)
                                .execute(&mut *tx)
                                .await?
                                .rows_affected();
                            r.deleted += n as usize;
                            set_initiative_sections(tx, mid, existing.id, &wanted_sections, r)
                                .await?;
                        }
                        existing.id
                    }
                };
                kept_initiatives.push(initiative_id);

                for (ci, text) in i.criteria.iter().enumerate() {
                    let position = ci as i32 + 1;
                    let metric = parse_metric(text);
                    let (value, unit, comparator) = metric_columns(metric.as_ref());
                    match criterion_at.get(&(initiative_id, position)) {
                        None => {
                            r.inserted += 1;
                            let id: i64 = sqlx::query_scalar(
                                "INSERT INTO criterion (municipality_id, initiative_id, position, text, target_value, unit, comparator)
                                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                            )
                            .bind(mid)
                            .bind(initiative_id)
                            .bind(position)
                            .bind(text)
                            .bind(value)
                            .bind(&unit)
                            .bind(comparator)
                            .fetch_one(&mut *tx)
                            .await?;
                            kept_criteria.push(id);
                        }
                        Some(existing) => {
                            let same_value = existing.target_value.map(|v| v.normalize())
                                == value.map(|v| v.normalize());
                            if existing.text != *text
                                || !same_value
                                || existing.unit != unit
                                || existing.comparator.as_deref() != comparator
                            {
                                r.updated += 1;
                                sqlx::query(
                                    "UPDATE criterion SET text = $2, target_value = $3, unit = $4, comparator = $5, version = version + 1 WHERE id = $1",
                                )
                                .bind(existing.id)
                                .bind(text)
                                .bind(value)
                                .bind(&unit)
                                .bind(comparator)
                                .execute(&mut *tx)
                                .await?;
                            }
                            kept_criteria.push(existing.id);
                        }
                    }
                }
            }
        }
    }
    // Deleting a goal or initiative cascades to what hangs below it; count only what was
    // removed explicitly at each level and below a kept parent.
    let gone_criteria: Vec<i64> = criteria
        .iter()
        .filter(|c| !kept_criteria.contains(&c.id) && kept_initiatives.contains(&c.initiative_id))
        .map(|c| c.id)
        .collect();
    delete_ids(tx, "criterion", &gone_criteria, r).await?;
    let gone_initiatives: Vec<i64> = initiatives
        .iter()
        .filter(|i| !kept_initiatives.contains(&i.id) && kept_goals.contains(&i.goal_id))
        .map(|i| i.id)
        .collect();
    delete_ids(tx, "initiative", &gone_initiatives, r).await?;
    let gone_goals: Vec<i64> = goals
        .iter()
        .filter(|g| !kept_goals.contains(&g.id))
        .map(|g| g.id)
        .collect();
    delete_ids(tx, "goal", &gone_goals, r).await
}

fn metric_columns(
    metric: Option<&Metric>,
) -> (Option<Decimal>, Option<String>, Option<&'static str>) {
    match metric {
        Some(m) => (
            Some(m.target_value),
            Some(m.unit.clone()),
            Some(m.comparator.as_str()),
        ),
        None => (None, None, None),
    }
}

async fn set_goal_pillars(
    tx: &mut PgConnection,
    mid: i64,
    goal_id: i64,
    pillars: &[i64],
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    let n = sqlx::query(
        "INSERT INTO goal_pillar (municipality_id, goal_id, pillar_id) SELECT $1, $2, unnest($3::bigint[])",
    )
    .bind(mid)
    .bind(goal_id)
    .bind(pillars)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    r.inserted += n as usize;
    Ok(())
}

async fn set_initiative_sections(
    tx: &mut PgConnection,
    mid: i64,
    initiative_id: i64,
    sections: &[i64],
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    let n = sqlx::query(
        "INSERT INTO initiative_section (municipality_id, initiative_id, section_id, position)
         SELECT $1, $2, s.id, s.ord FROM unnest($3::bigint[]) WITH ORDINALITY AS s(id, ord)",
    )
    .bind(mid)
    .bind(initiative_id)
    .bind(sections)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    r.inserted += n as usize;
    Ok(())
}

/// Deletes rows of one of this module's tables by id.
async fn delete_ids(
    tx: &mut PgConnection,
    table: &'static str,
    ids: &[i64],
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    // `table` is always one of this module's literals, never input.
    let n = sqlx::query(&format!("DELETE FROM {table} WHERE id = ANY($1)"))
        .bind(ids)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    r.deleted += n as usize;
    Ok(())
}
