//! A workbook's mid-year columns written: each initiative's first half (changed rows only,
//! their version moved on), the year's check opened at 9月末 with the usual words if planning
//! staff have not opened it, and the progress words the file uses added to the year's list.

use crate::db::goal_tree::TreeIds;
use crate::domain::document::GoalDoc;
use crate::domain::midyear::DEFAULT_WORDS;
use sqlx::PgConnection;

/// Writes the file's first halves of a department's initiatives; returns the rows written.
pub async fn write_document(
    tx: &mut PgConnection,
    mid: i64,
    fiscal_year_id: i64,
    goals: &[GoalDoc],
    ids: &TreeIds,
) -> sqlx::Result<usize> {
    let rows: Vec<(i64, &crate::domain::document::InitiativeMidyearDoc)> = goals
        .iter()
        .zip(ids)
        .flat_map(|(g, (_, inits))| g.initiatives.iter().zip(inits))
        .filter_map(|(i, (id, _))| i.midyear.as_ref().map(|m| (*id, m)))
        .collect();
    if rows.is_empty() {
        return Ok(0);
    }
    let mut words: Vec<String> = DEFAULT_WORDS.map(String::from).to_vec();
    for (_, m) in &rows {
        if let Some(p) = &m.progress
            && !words.contains(p)
        {
            words.push(p.clone());
        }
    }
    // Opened as planning staff would by default; an opened check keeps its 基準日 and gains
    // the file's words (at most ten in all; a word beyond stays on its initiative).
    sqlx::query!(
        "INSERT INTO midyear_check (municipality_id, fiscal_year_id, as_of, words)
         SELECT $1, f.id, make_date(f.year, 9, 30), $3 FROM fiscal_year f WHERE f.municipality_id = $1 AND f.id = $2
         ON CONFLICT (municipality_id, fiscal_year_id) DO UPDATE
            SET words = (midyear_check.words || ARRAY(SELECT w FROM unnest(EXCLUDED.words) w
                                                       WHERE w <> ALL (midyear_check.words)))[1:10]",
        mid,
        fiscal_year_id,
        &words[..words.len().min(10)]
    )
    .execute(&mut *tx)
    .await?;
    let mut written = 0;
    for (id, m) in rows {
        written += sqlx::query!(
            "INSERT INTO initiative_midyear (municipality_id, initiative_id, performance, progress, issues)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (initiative_id) DO UPDATE
                SET performance = EXCLUDED.performance, progress = EXCLUDED.progress, issues = EXCLUDED.issues,
                    version = initiative_midyear.version + 1, updated_at = now()
              WHERE (initiative_midyear.performance, initiative_midyear.progress, initiative_midyear.issues)
                    IS DISTINCT FROM (EXCLUDED.performance, EXCLUDED.progress, EXCLUDED.issues)",
            mid,
            id,
            &m.performance,
            m.progress,
            &m.issues
        )
        .execute(&mut *tx)
        .await?
        .rows_affected() as usize;
    }
    Ok(written)
}
