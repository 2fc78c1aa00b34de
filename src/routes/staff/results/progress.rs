//! Where a year stands, for planning staff: each department's targets and results against
//! the year's deadlines, and each section's results entry with what is missing.

use crate::auth::Staff;
use crate::db::results as rdb;
use crate::domain::numbering::circled;
use crate::error::{AppError, Result, render};
use crate::routes::staff::require;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;

/// A section's entry progress.
pub struct ProgressView {
    department_id: i64,
    department: String,
    section: String,
    initiatives: i64,
    recorded: i64,
    missing: Vec<(i64, String)>,
}

/// A department's stages against their deadlines.
pub struct StageView {
    department_id: i64,
    department: String,
    /// Per stage: (state label, late).
    stages: Vec<(&'static str, bool)>,
}

#[derive(Template)]
#[template(path = "staff/results/progress.html")]
pub struct ProgressPage {
    staff: Staff,
    year: i32,
    year_label: String,
    /// Per stage: (label, 「令和9年3月31日（あと5日）」 or None).
    deadlines: Vec<(&'static str, Option<String>)>,
    departments: Vec<StageView>,
    /// Whether the results deadline has passed (unrecorded sections are late).
    results_late: bool,
    rows: Vec<ProgressView>,
    total: i64,
    recorded: i64,
}

/// `GET /staff/admin/years/{year}/progress`: who has recorded results, and what is missing.
pub async fn show_progress(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
) -> Result<Html<String>> {
    require(staff.roles.is_admin())?;
    let (fid, _) = crate::db::admin::year_ids(&state.pool, staff.municipality_id, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows: Vec<ProgressView> = rdb::progress(&state.pool, staff.municipality_id, fid)
        .await?
        .into_iter()
        .map(|r| ProgressView {
            department_id: r.department_id,
            department: r.department,
            section: r.section,
            initiatives: r.initiatives,
            recorded: r.recorded,
            missing: r
                .missing
                .0
                .into_iter()
                .map(|(id, g, i, text)| (id, format!("組織目標{g} {}{text}", circled(i as usize))))
                .collect(),
        })
        .collect();
    // An initiative with two sections counts under both; the totals count it once.
    let (total, recorded) = rdb::progress_totals(&state.pool, staff.municipality_id, fid).await?;
    let (deadlines, departments, results_late) = stage_views(&state, &staff, fid).await?;
    render(&ProgressPage {
        year,
        year_label: state.eras.fiscal_year_label(year),
        deadlines,
        departments,
        results_late,
        staff,
        rows,
        total,
        recorded,
    })
}

/// Each department's stages against the year's deadlines.
#[allow(clippy::type_complexity)]
async fn stage_views(
    state: &AppState,
    staff: &Staff,
    fid: i64,
) -> Result<(Vec<(&'static str, Option<String>)>, Vec<StageView>, bool)> {
    use crate::domain::stages::{Due, Stage, done};
    let mid = staff.municipality_id;
    let (stored, work) = tokio::try_join!(
        crate::db::deadlines::deadlines(&state.pool, mid, fid),
        crate::db::deadlines::section_work(&state.pool, mid, fid),
    )?;
    let today = state.clock.today();
    let due = |s: Stage| {
        stored
            .iter()
            .find(|(k, _)| k == s.key())
            .map(|(_, d)| Due::of(*d, today))
    };
    let deadlines = Stage::ALL
        .into_iter()
        .map(|s| {
            let label = stored.iter().find(|(k, _)| k == s.key()).map(|(_, d)| {
                format!(
                    "{}（{}）",
                    state.eras.date_label(*d),
                    Due::of(*d, today).label()
                )
            });
            (s.label(), label)
        })
        .collect();
    let mut departments: Vec<StageView> = Vec::new();
    for w in &work {
        if departments
            .last()
            .is_some_and(|d| d.department_id == w.department_id)
        {
            continue;
        }
        // One column per stage, in the order of the deadlines' headers.
        let stages = [
            (Stage::Targets, &w.targets_state),
            (Stage::Midyear, &w.midyear_state),
            (Stage::Results, &w.results_state),
        ]
        .into_iter()
        .map(|(s, st)| {
            let late = !done(st) && due(s).is_some_and(|d| d.is_late());
            (
                crate::routes::staff::sheets::workflow::state_label(st),
                late,
            )
        })
        .collect();
        departments.push(StageView {
            department_id: w.department_id,
            department: w.department.clone(),
            stages,
        });
    }
    let results_late = due(Stage::Results).is_some_and(|d| d.is_late());
    Ok((deadlines, departments, results_late))
}
