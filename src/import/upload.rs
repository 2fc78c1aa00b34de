//! Applying what was read from an uploaded spreadsheet ([`layout::Parsed`]) to a fiscal year
//! that already has its organization: each department in the file gets its goal tree (and,
//! where the file has results columns, its results) replaced; other departments are untouched.
//!
//! The same code serves the preview (run in a transaction that is rolled back, so the counts
//! are exactly what confirming would write) and the application (committed whole, or not at
//! all).

use super::layout::{DepartmentTree, Parsed};
use crate::db::goal_tree::{self as goals, Criteria, Notes};
use crate::db::imports;
use crate::domain::document::GoalDoc;
use crate::domain::document::ImportReport;
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;

pub use crate::domain::upload::DepartmentChange;

pub use crate::db::results_write::IMPORTED_STATUS_REASON;
use crate::db::results_write::write_results;

/// Marks each goal of `file` against `stored` (matched by place, as the writer matches them):
/// 「追加」, 「変更」 or 「変更なし」; and the stored goals beyond the file's.
pub fn goal_marks(
    file: &DepartmentTree,
    stored: &[GoalDoc],
    with_results: bool,
) -> (Vec<String>, Vec<String>) {
    let same_initiative = |a: &crate::domain::document::InitiativeDoc,
                           b: &crate::domain::document::InitiativeDoc| {
        a.text == b.text
            && a.sections == b.sections
            && (!file.criteria_given || a.criteria == b.criteria)
            && (!with_results
                || a.results.as_ref().is_none_or(|r| {
                    b.results
                        .as_ref()
                        .is_some_and(|s| s.performance == r.performance && s.outcome == r.outcome)
                }))
    };
    let marks = file
        .goals
        .iter()
        .enumerate()
        .map(|(k, g)| match stored.get(k) {
            None => "追加",
            Some(s)
                if s.text == g.text
                    && s.pillars == g.pillars
                    && s.initiatives.len() == g.initiatives.len()
                    && g.initiatives
                        .iter()
                        .zip(&s.initiatives)
                        .all(|(a, b)| same_initiative(a, b)) =>
            {
                "変更なし"
            }
            Some(_) => "変更",
        })
        .map(str::to_owned)
        .collect();
    let removed = stored
        .iter()
        .skip(file.goals.len())
        .map(|g| g.text.clone())
        .collect();
    (marks, removed)
}

/// Where to report progress while applying: the job row, through its own connection (the
/// application's transaction is invisible until it commits).
pub struct Progress<'a> {
    pub pool: &'a PgPool,
    pub job_id: i64,
}

/// Writes `parsed` into the year in `tx` (which the caller commits or rolls back); returns
/// what changed per department. Departments whose sheet is locked get `refused` set (and the
/// caller must not commit).
pub async fn write(
    tx: &mut PgConnection,
    mid: i64,
    fid: i64,
    parsed: &Parsed,
    progress: Option<Progress<'_>>,
) -> sqlx::Result<Vec<DepartmentChange>> {
    imports::defer_constraints(tx).await?;
    let created = match create_units(tx, mid, fid, parsed).await? {
        Ok(ids) => ids,
        Err(message) => {
            return Ok(refused_whole(parsed, |id| id, &message));
        }
    };
    let real_id = |id: i64| created.get(&id).copied().unwrap_or(id);
    let ids: Vec<i64> = parsed.departments.iter().map(|d| d.department_id).collect();
    let imports::WriteMaps {
        sections,
        pillars,
        categories,
        states,
    } = imports::write_maps(tx, mid, fid, &ids).await?;

    // The organization may have changed since the file was checked (a section removed): such
    // a file is refused whole rather than half understood.
    let stale_reference = parsed.departments.iter().flat_map(|d| &d.goals).any(|g| {
        g.pillars.iter().any(|p| !pillars.contains_key(p))
            || g.initiatives
                .iter()
                .flat_map(|i| &i.sections)
                .any(|s| !sections.contains_key(s))
    });
    if stale_reference {
        let message = "ファイルを確認した後に、課等または柱が変更されました。もう一度アップロードしてください。";
        return Ok(refused_whole(parsed, real_id, message));
    }
    let mut changes = Vec::with_capacity(parsed.departments.len());
    for (n, d) in parsed.departments.iter().enumerate() {
        let mut r = ImportReport::default();
        let ids = goals::upsert_goals(
            tx,
            mid,
            fid,
            &[(real_id(d.department_id), d.goals.as_slice())],
            &sections,
            &pillars,
            &categories,
            Notes::Keep,
            if d.criteria_given {
                Criteria::Replace
            } else {
                Criteria::Keep
            },
            &mut r,
        )
        .await?;
        let results_written = match ids.first() {
            Some(ids) if parsed.has_results => write_results(tx, mid, &d.goals, ids).await?,
            _ => 0,
        };
        let midyear_written = match ids.first() {
            Some(ids) if parsed.has_midyear => {
                crate::db::midyear_write::write_document(tx, mid, fid, &d.goals, ids).await?
            }
            _ => 0,
        };
        let refused = locked_sheet(&states, d, &r, (results_written, midyear_written));
        let mut change = change_of(d, real_id(d.department_id), r, results_written, refused);
        change.midyear_written = midyear_written;
        changes.push(change);
        if let Some(p) = &progress {
            imports::set_progress(p.pool, p.job_id, n as i32 + 1).await?;
        }
    }
    Ok(changes)
}

/// Every department of the file refused with one message (nothing is written).
fn refused_whole(
    parsed: &Parsed,
    real_id: impl Fn(i64) -> i64,
    message: &str,
) -> Vec<DepartmentChange> {
    parsed
        .departments
        .iter()
        .map(|d| {
            let id = real_id(d.department_id);
            change_of(d, id, ImportReport::default(), 0, Some(message.to_owned()))
        })
        .collect()
}

/// Why a department's changes cannot be taken now: the same lock as the editing forms, so an
/// approved sheet waits for a reopen (submitted ones are open to heads and planning staff, the
/// only people who import).
fn locked_sheet(
    states: &HashMap<(i64, String), String>,
    d: &DepartmentTree,
    r: &ImportReport,
    (results_written, midyear_written): (usize, usize),
) -> Option<String> {
    let state = |kind: &str| {
        states
            .get(&(d.department_id, kind.to_owned()))
            .map(String::as_str)
            .unwrap_or("draft")
    };
    if !r.is_unchanged() && state("targets") == "approved" {
        return Some(format!(
            "{}の組織目標は{}のため変更できません。差し戻してから取り込んでください。",
            d.name,
            state_label(state("targets"))
        ));
    }
    if midyear_written > 0 && state("midyear") == "approved" {
        return Some(format!(
            "{}の中間報告は{}のため変更できません。差し戻してから取り込んでください。",
            d.name,
            state_label(state("midyear"))
        ));
    }
    if results_written > 0 && state("results") == "approved" {
        return Some(format!(
            "{}の実績・成果は{}のため変更できません。差し戻してから取り込んでください。",
            d.name,
            state_label(state("results"))
        ));
    }
    None
}

fn state_label(state: &str) -> &'static str {
    match state {
        "published" => "公表済み",
        "approved" => "承認済み",
        "submitted" => "提出済み",
        _ => "下書き",
    }
}

fn change_of(
    d: &DepartmentTree,
    department_id: i64,
    r: ImportReport,
    results_written: usize,
    refused: Option<String>,
) -> DepartmentChange {
    DepartmentChange {
        department_id,
        name: d.name.clone(),
        goals: d.goals.len(),
        initiatives: d.goals.iter().map(|g| g.initiatives.len()).sum(),
        criteria: d
            .goals
            .iter()
            .flat_map(|g| &g.initiatives)
            .map(|i| i.criteria.len())
            .sum(),
        inserted: r.inserted,
        updated: r.updated,
        deleted: r.deleted,
        results_written,
        midyear_written: 0,
        refused,
        goal_marks: Vec::new(),
        removed_goals: Vec::new(),
    }
}

/// Creates the departments and sections the file names that the year lacks (in the file's
/// order); returns the real id of each provisional department id, or why the file must be
/// uploaded again (one of them was created by hand since the preview).
async fn create_units(
    tx: &mut PgConnection,
    mid: i64,
    fid: i64,
    parsed: &Parsed,
) -> sqlx::Result<Result<HashMap<i64, i64>, String>> {
    use crate::db::admin;
    let mut ids = HashMap::new();
    if parsed.new_departments.is_empty() && parsed.new_sections.is_empty() {
        return Ok(Ok(ids));
    }
    // A second upload creating the same names waits here, then finds them taken.
    admin::lock_year(tx, mid, fid).await?;
    let again = |name: &str| {
        format!(
            "ファイルを確認した後に「{name}」が組織に加えられました。もう一度アップロードしてください。"
        )
    };
    for d in &parsed.new_departments {
        if admin::unit_name_taken(tx, mid, fid, true, &d.name).await? {
            return Ok(Err(again(&d.name)));
        }
        let slug = admin::slug_for_new_department(tx, mid, fid, &d.name).await?;
        let id = admin::insert_department(tx, mid, fid, &slug, &d.name).await?;
        ids.insert(d.id, id);
    }
    for s in &parsed.new_sections {
        if admin::unit_name_taken(tx, mid, fid, false, &s.name).await? {
            return Ok(Err(again(&s.name)));
        }
        let department = ids
            .get(&s.department_id)
            .copied()
            .unwrap_or(s.department_id);
        admin::insert_section(tx, mid, fid, department, &s.name).await?;
    }
    Ok(Ok(ids))
}

/// Runs `write` and rolls it back: what confirming would do.
pub async fn preview(
    pool: &PgPool,
    mid: i64,
    fid: i64,
    parsed: &Parsed,
) -> sqlx::Result<(Vec<DepartmentChange>, String)> {
    let mut tx = pool.begin().await?;
    crate::db::changes::scope_changes_to(&mut tx, mid).await?;
    let ids: Vec<i64> = parsed.departments.iter().map(|d| d.department_id).collect();
    let print = imports::fingerprint(&mut tx, mid, &ids).await?;
    let stored = imports::stored_trees(&mut tx, mid, &ids).await?;
    let mut changes = write(&mut tx, mid, fid, parsed, None).await?;
    for (change, tree) in changes.iter_mut().zip(&parsed.departments) {
        let none = Vec::new();
        let (marks, removed) = goal_marks(
            tree,
            stored.get(&tree.department_id).unwrap_or(&none),
            parsed.has_results,
        );
        change.goal_marks = marks;
        change.removed_goals = removed;
        // A department the file creates has no id until confirmed (the preview rolled back).
        if tree.department_id < 0 {
            change.department_id = tree.department_id;
        }
    }
    tx.rollback().await?;
    Ok((changes, print))
}
