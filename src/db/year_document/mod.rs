//! Applying a year's document (`domain::document`) to the database: the one code path by
//! which whole years of goals come in (the demo cities' data files; spreadsheet uploads use
//! its goal-tree writer, `db::goal_tree`).
//!
//! Rows are matched by their natural keys — the city by slug, the policy by name, pillars by
//! number, the year by its western year, departments by slug, sections by name, and goals,
//! initiatives and criteria by their position under their parent — and written only where they
//! differ, so applying the same document twice changes nothing (no row is rewritten, no version
//! bumped). Everything happens in one transaction: a document applies whole or not at all.

mod results;

use super::goal_tree as goals;
use crate::domain::document::{self, ImportReport, YearDocument};
use goals::{Rows, delete_ids};
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;

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
    sqlx::query!("SET CONSTRAINTS ALL DEFERRED")
        .execute(&mut *tx)
        .await?;
    let mut r = ImportReport::default();
    let municipality_id = upsert_municipality(&mut tx, doc, &mut r).await?;
    let category_ids = upsert_categories(
        &mut tx,
        municipality_id,
        &doc.municipality.categories,
        &mut r,
    )
    .await?;
    let (policy_id, pillar_ids) = upsert_policy(&mut tx, municipality_id, doc, &mut r).await?;
    let fiscal_year_id =
        upsert_fiscal_year(&mut tx, municipality_id, policy_id, doc, &mut r).await?;
    upsert_booklet(&mut tx, municipality_id, fiscal_year_id, doc, &mut r).await?;
    let (department_ids, section_ids) =
        upsert_organization(&mut tx, municipality_id, fiscal_year_id, doc, &mut r).await?;
    let trees: Vec<(i64, &[document::GoalDoc])> = doc
        .departments
        .iter()
        .map(|d| (department_ids[&d.slug], d.goals.as_slice()))
        .collect();
    goals::upsert_goals(
        &mut tx,
        municipality_id,
        fiscal_year_id,
        &trees,
        &section_ids,
        &pillar_ids,
        &category_ids,
        goals::Notes::Replace,
        goals::Criteria::Replace,
        &mut r,
    )
    .await?;
    upsert_headers(&mut tx, municipality_id, doc, &department_ids, &mut r).await?;
    results::upsert_results(&mut tx, municipality_id, doc, &department_ids, &mut r).await?;
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
    let existing: Option<(i64, String, String, String, String, String)> = sqlx::query!(r#"SELECT id, name, name_kana, local_government_code::text AS "local_government_code!", sheet_layout, about FROM municipality WHERE slug = $1 FOR UPDATE"#, m.slug).map(|r| (r.id, r.name, r.name_kana, r.local_government_code, r.sheet_layout, r.about))
    .fetch_optional(&mut *tx)
    .await?;
    match existing {
        None => {
            r.inserted += 1;
            sqlx::query_scalar!("INSERT INTO municipality (slug, name, name_kana, local_government_code, sheet_layout, about) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", m.slug, m.name, m.name_kana, m.local_government_code, m.layout.as_str(), m.about)
            .fetch_one(&mut *tx)
            .await
        }
        Some((id, name, kana, code, layout, about)) => {
            if (
                name.as_str(),
                kana.as_str(),
                code.as_str(),
                layout.as_str(),
                about.as_str(),
            ) != (
                &m.name,
                &m.name_kana,
                &m.local_government_code,
                m.layout.as_str(),
                &m.about,
            ) {
                r.updated += 1;
                sqlx::query!("UPDATE municipality SET name = $2, name_kana = $3, local_government_code = $4, sheet_layout = $5, about = $6 WHERE id = $1", id, m.name, m.name_kana, m.local_government_code, m.layout.as_str(), m.about)
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(id)
        }
    }
}

/// The city's goal categories by name (added or reordered; ones no longer listed are kept, as
/// goals of other years may use them).
async fn upsert_categories(
    tx: &mut PgConnection,
    mid: i64,
    names: &[String],
    r: &mut ImportReport,
) -> sqlx::Result<HashMap<String, i64>> {
    let rows: Vec<(i64, String, i32)> = sqlx::query!(
        "SELECT id, name, position FROM goal_category WHERE municipality_id = $1",
        mid
    )
    .map(|r| (r.id, r.name, r.position))
    .fetch_all(&mut *tx)
    .await?;
    let mut ids: HashMap<String, i64> = rows.iter().map(|(id, n, _)| (n.clone(), *id)).collect();
    for (i, name) in names.iter().enumerate() {
        let position = i as i32 + 1;
        match rows.iter().find(|row| row.1 == *name) {
            None => {
                r.inserted += 1;
                let id: i64 = sqlx::query_scalar!("INSERT INTO goal_category (municipality_id, position, name) VALUES ($1, $2, $3) RETURNING id", mid, position, name)
                .fetch_one(&mut *tx)
                .await?;
                ids.insert(name.clone(), id);
            }
            Some((id, _, pos)) if *pos != position => {
                r.updated += 1;
                sqlx::query!(
                    "UPDATE goal_category SET position = $2 WHERE id = $1",
                    id,
                    position
                )
                .execute(&mut *tx)
                .await?;
            }
            Some(_) => {}
        }
    }
    Ok(ids)
}

/// The departments' sheet headers (作成日, 職名, 氏名), kept in the department's profile.
async fn upsert_headers(
    tx: &mut PgConnection,
    mid: i64,
    doc: &YearDocument,
    department_ids: &HashMap<String, i64>,
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    for d in &doc.departments {
        let Some(h) = &d.header else { continue };
        // Some(true): inserted, Some(false): updated, None: already as stated.
        let written: Option<bool> = sqlx::query_scalar!(r#"INSERT INTO department_profile (municipality_id, department_id, head_name, head_title, drawn_up_on)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (department_id) DO UPDATE SET head_name = EXCLUDED.head_name, head_title = EXCLUDED.head_title,
                 drawn_up_on = EXCLUDED.drawn_up_on, version = department_profile.version + 1
             WHERE (department_profile.head_name, department_profile.head_title, department_profile.drawn_up_on)
                   IS DISTINCT FROM (EXCLUDED.head_name, EXCLUDED.head_title, EXCLUDED.drawn_up_on)
             RETURNING (xmax = 0) AS "value!""#, mid, department_ids[&d.slug], h.head_name, h.head_title, h.drawn_up_on)
        .fetch_optional(&mut *tx)
        .await?;
        match written {
            Some(true) => r.inserted += 1,
            Some(false) => r.updated += 1,
            None => {}
        }
    }
    Ok(())
}

/// Returns the policy id and the pillar ids by number.
async fn upsert_policy(
    tx: &mut PgConnection,
    mid: i64,
    doc: &YearDocument,
    r: &mut ImportReport,
) -> sqlx::Result<(i64, HashMap<i32, i64>)> {
    let p = &doc.policy;
    let existing: Option<(i64, String)> = sqlx::query!(
        "SELECT id, pillar_set_name FROM policy WHERE municipality_id = $1 AND name = $2",
        mid,
        p.name
    )
    .map(|r| (r.id, r.pillar_set_name))
    .fetch_optional(&mut *tx)
    .await?;
    let policy_id = match existing {
        None => {
            r.inserted += 1;
            sqlx::query_scalar!("INSERT INTO policy (municipality_id, name, pillar_set_name) VALUES ($1, $2, $3) RETURNING id", mid, p.name, p.pillar_set_name)
                .fetch_one(&mut *tx)
                .await?
        }
        Some((id, set_name)) => {
            if set_name != p.pillar_set_name {
                r.updated += 1;
                sqlx::query!(
                    "UPDATE policy SET pillar_set_name = $2 WHERE id = $1",
                    id,
                    p.pillar_set_name
                )
                .execute(&mut *tx)
                .await?;
            }
            id
        }
    };
    let rows: Vec<(i64, i32, String, Vec<String>)> =
        sqlx::query!("SELECT id, number, title, viewpoint FROM pillar WHERE municipality_id = $1 AND policy_id = $2 AND parent_id IS NULL", mid, policy_id).map(|r| (r.id, r.number, r.title, r.viewpoint))
            .fetch_all(&mut *tx)
            .await?;
    let mut ids: HashMap<i32, i64> = rows.iter().map(|(id, n, _, _)| (*n, *id)).collect();
    // Pillars missing from the document are kept: other years' goals may still refer to them.
    for pd in &p.pillars {
        match rows.iter().find(|(_, n, _, _)| *n == pd.number) {
            None => {
                r.inserted += 1;
                let id: i64 = sqlx::query_scalar!("INSERT INTO pillar (municipality_id, policy_id, number, title, viewpoint) VALUES ($1, $2, $3, $4, $5) RETURNING id", mid, policy_id, pd.number, pd.title, &pd.viewpoint[..])
                .fetch_one(&mut *tx)
                .await?;
                ids.insert(pd.number, id);
            }
            Some((id, _, title, viewpoint)) => {
                if *title != pd.title || *viewpoint != pd.viewpoint {
                    r.updated += 1;
                    sqlx::query!(
                        "UPDATE pillar SET title = $2, viewpoint = $3 WHERE id = $1",
                        id,
                        pd.title,
                        &pd.viewpoint[..]
                    )
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
    let existing: Option<(i64, i64, String, String)> = sqlx::query!("SELECT id, policy_id, title, tables_title FROM fiscal_year WHERE municipality_id = $1 AND year = $2 FOR UPDATE", mid, f.year).map(|r| (r.id, r.policy_id, r.title, r.tables_title))
    .fetch_optional(&mut *tx)
    .await?;
    match existing {
        None => {
            r.inserted += 1;
            sqlx::query_scalar!("INSERT INTO fiscal_year (municipality_id, year, policy_id, title, tables_title) VALUES ($1, $2, $3, $4, $5) RETURNING id", mid, f.year, policy_id, f.title, f.tables_title)
            .fetch_one(&mut *tx)
            .await
        }
        Some((id, pid, title, tables_title)) => {
            if pid != policy_id || title != f.title || tables_title != f.tables_title {
                r.updated += 1;
                sqlx::query!("UPDATE fiscal_year SET policy_id = $2, title = $3, tables_title = $4 WHERE id = $1", id, policy_id, f.title, f.tables_title)
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
    let rows: Vec<(i64, i32, String, Vec<String>, bool)> = sqlx::query!("SELECT id, position, heading, paragraphs, show_pillars FROM booklet_section WHERE municipality_id = $1 AND fiscal_year_id = $2", mid, fid).map(|r| (r.id, r.position, r.heading, r.paragraphs, r.show_pillars))
    .fetch_all(&mut *tx)
    .await?;
    for (i, s) in doc.fiscal_year.introduction.iter().enumerate() {
        let position = i as i32 + 1;
        match rows.iter().find(|row| row.1 == position) {
            None => {
                r.inserted += 1;
                sqlx::query!("INSERT INTO booklet_section (municipality_id, fiscal_year_id, position, heading, paragraphs, show_pillars)
                     VALUES ($1, $2, $3, $4, $5, $6)", mid, fid, position, s.heading, &s.paragraphs[..], s.show_pillars)
                .execute(&mut *tx)
                .await?;
            }
            Some((id, _, heading, paragraphs, show)) => {
                if *heading != s.heading || *paragraphs != s.paragraphs || *show != s.show_pillars {
                    r.updated += 1;
                    sqlx::query!("UPDATE booklet_section SET heading = $2, paragraphs = $3, show_pillars = $4 WHERE id = $1", id, s.heading, &s.paragraphs[..], s.show_pillars)
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
    delete_ids(tx, Rows::BookletSection, &extra, r).await
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
        sqlx::query!("SELECT id, slug, name, position FROM department WHERE municipality_id = $1 AND fiscal_year_id = $2", mid, fid).map(|r| (r.id, r.slug, r.name, r.position))
            .fetch_all(&mut *tx)
            .await?;
    let mut dept_ids = HashMap::new();
    for (i, d) in doc.departments.iter().enumerate() {
        let position = i as i32 + 1;
        let id = match depts.iter().find(|row| row.1 == d.slug) {
            None => {
                r.inserted += 1;
                sqlx::query_scalar!("INSERT INTO department (municipality_id, fiscal_year_id, slug, name, position) VALUES ($1, $2, $3, $4, $5) RETURNING id", mid, fid, d.slug, d.name, position)
                .fetch_one(&mut *tx)
                .await?
            }
            Some((id, _, name, pos)) => {
                if *name != d.name || *pos != position {
                    r.updated += 1;
                    sqlx::query!("UPDATE department SET name = $2, position = $3, version = version + 1 WHERE id = $1", id, d.name, position)
                        .execute(&mut *tx)
                        .await?;
                }
                *id
            }
        };
        dept_ids.insert(d.slug.clone(), id);
    }
    let sections: Vec<(i64, String, i64, i32)> =
        sqlx::query!("SELECT id, name, department_id, position FROM section WHERE municipality_id = $1 AND fiscal_year_id = $2", mid, fid).map(|r| (r.id, r.name, r.department_id, r.position))
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
                    sqlx::query_scalar!("INSERT INTO section (municipality_id, fiscal_year_id, department_id, name, position) VALUES ($1, $2, $3, $4, $5) RETURNING id", mid, fid, did, name, position)
                    .fetch_one(&mut *tx)
                    .await?
                }
                Some((id, _, dept, pos)) => {
                    if *dept != did || *pos != position {
                        r.updated += 1;
                        sqlx::query!("UPDATE section SET department_id = $2, position = $3, version = version + 1 WHERE id = $1", id, did, position)
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
    let sections: Vec<i64> = sqlx::query_scalar!("SELECT id FROM section WHERE municipality_id = $1 AND fiscal_year_id = $2 AND NOT (name = ANY($3))", mid, fid, &names[..] as &[&str])
    .fetch_all(&mut *tx)
    .await?;
    delete_ids(tx, Rows::Section, &sections, r).await?;
    let depts: Vec<i64> = sqlx::query_scalar!("SELECT id FROM department WHERE municipality_id = $1 AND fiscal_year_id = $2 AND NOT (slug = ANY($3))", mid, fid, &slugs[..] as &[&str])
    .fetch_all(&mut *tx)
    .await?;
    delete_ids(tx, Rows::Department, &depts, r).await
}
