//! The mid-year check (中間報告) for staff: the department's report as a draft with its review
//! (the same states and steps as the targets and results), and each initiative's first half
//! recorded by its section (上半期の取組状況, 進捗状況, 下期に向けた課題・対応).

pub mod comments;

use crate::auth::Staff;
use crate::db::editing::{self, DepartmentCtx};
use crate::db::midyear::{self as mdb, Check, Entry};
use crate::domain::midyear::{MidyearSheet, as_of_label};
use crate::domain::numbering::circled;
use crate::error::{AppError, Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::sheets::edit::{Scope, change, check_editable};
use crate::routes::staff::sheets::workflow::{available_actions, state_label};
use crate::routes::staff::{FieldErrors, load_department, refused, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

/// The department's year's check, or 404 when planning staff have not opened it.
pub async fn opened(state: &AppState, staff: &Staff, department: &DepartmentCtx) -> Result<Check> {
    mdb::check(
        &state.pool,
        staff.municipality_id,
        department.fiscal_year_id,
    )
    .await?
    .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "staff/midyear/report.html")]
pub struct ReportPage {
    staff: Staff,
    department: DepartmentCtx,
    year_label: String,
    as_of: String,
    sheet: MidyearSheet,
    recordable: Vec<i64>,
    can_comment: bool,
    state_label: &'static str,
    comment: Option<String>,
    actions: Vec<(&'static str, &'static str, bool)>,
}

impl ReportPage {
    fn can_record(&self, initiative: &i64) -> bool {
        self.recordable.contains(initiative)
    }
}

#[derive(Template)]
#[template(path = "staff/midyear/not_open.html")]
pub struct NotOpenPage {
    staff: Staff,
    department: DepartmentCtx,
    year_label: String,
}

/// `GET /staff/departments/{id}/midyear`: the report as a draft, its review, links to record.
pub async fn show_report(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let department = load_department(&state, &staff, id).await?;
    require(staff.roles.can_read_drafts() || staff.roles.can_edit_anything_in(id))?;
    let mid = staff.municipality_id;
    let Some(check) = mdb::check(&state.pool, mid, department.fiscal_year_id).await? else {
        let page = NotOpenPage {
            year_label: state.eras.fiscal_year_label(department.year),
            staff,
            department,
        };
        return Ok(render(&page)?.into_response());
    };
    let (sheet, initiatives, (sheet_state, comment)) = tokio::try_join!(
        mdb::sheet(&state.pool, mid, &department, &check),
        crate::db::public::initiatives(&state.pool, mid, id),
        crate::db::review::sheet_state_of(&state.pool, mid, id, "midyear"),
    )?;
    let editable = check_editable(&sheet_state, &staff, id).is_ok();
    let recordable = initiatives
        .into_iter()
        .filter(|i| editable && staff.roles.can_edit_initiative(id, &i.section_ids))
        .map(|i| i.id)
        .collect();
    Ok(render(&ReportPage {
        state_label: state_label(&sheet_state),
        comment,
        actions: available_actions(&staff, id, &sheet_state),
        year_label: state.eras.fiscal_year_label(department.year),
        as_of: as_of_label(&state.eras, check.as_of),
        can_comment: editable && staff.roles.can_edit_goals(id),
        staff,
        department,
        sheet,
        recordable,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "staff/midyear/entry_form.html")]
pub struct EntryPage {
    staff: Staff,
    department: DepartmentCtx,
    initiative_label: String,
    as_of: String,
    words: Vec<String>,
    performance: String,
    progress: String,
    issues: String,
    version: i32,
    errors: FieldErrors,
    conflict: bool,
}

/// The initiative, its department and the year's check, for someone who may record it now.
async fn load(
    state: &AppState,
    staff: &Staff,
    id: i64,
) -> Result<(editing::InitiativeCtx, DepartmentCtx, Check)> {
    let mid = staff.municipality_id;
    let initiative = editing::initiative(&state.pool, mid, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let goal = editing::goal(&state.pool, mid, initiative.goal_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let department = load_department(state, staff, goal.department_id).await?;
    require(
        staff
            .roles
            .can_edit_initiative(department.id, &initiative.section_ids),
    )?;
    let check = opened(state, staff, &department).await?;
    let (sheet_state, _) =
        crate::db::review::sheet_state_of(&state.pool, mid, department.id, "midyear").await?;
    check_editable(&sheet_state, staff, department.id)?;
    Ok((initiative, department, check))
}

fn label(initiative: &editing::InitiativeCtx) -> String {
    format!(
        "{}{}",
        circled(initiative.position as usize),
        initiative.text
    )
}

/// `GET /staff/initiatives/{id}/midyear`.
pub async fn edit_entry(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (initiative, department, check) = load(&state, &staff, id).await?;
    let entry = mdb::entry(&state.pool, staff.municipality_id, id).await?;
    Ok(render(&EntryPage {
        initiative_label: label(&initiative),
        as_of: as_of_label(&state.eras, check.as_of),
        words: check.words,
        performance: entry.performance.join("\n"),
        progress: entry.progress.unwrap_or_default(),
        issues: entry.issues.join("\n\n"),
        version: entry.version,
        errors: FieldErrors::default(),
        conflict: false,
        staff,
        department,
    })?
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    performance: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    issues: String,
    #[serde(default)]
    version: String,
}

/// Lines (one item each) and paragraphs (blank-line separated) of a text area.
pub fn items(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

pub fn paragraphs(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The entry as posted, or the messages beside its fields.
fn checked(form: &EntryForm, words: &[String]) -> std::result::Result<Entry, FieldErrors> {
    let mut errors = FieldErrors::default();
    let performance = items(&form.performance);
    if performance.len() > 50 || performance.iter().any(|p| p.chars().count() > 300) {
        errors.push(
            "performance",
            "上半期の取組状況は1行300文字以内、50行までで入力してください。",
        );
    }
    let progress = form.progress.trim();
    if !progress.is_empty() && !words.iter().any(|w| w == progress) {
        errors.push("progress", "進捗状況は一覧から選んでください。");
    }
    let issues = paragraphs(&form.issues);
    if issues.iter().map(|p| p.chars().count()).sum::<usize>() > 4000 {
        errors.push(
            "issues",
            "下期に向けた課題・対応は4000文字以内で入力してください。",
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Entry {
        performance,
        progress: (!progress.is_empty()).then(|| progress.to_owned()),
        issues,
        version: form.version.trim().parse().unwrap_or(-1),
    })
}

/// `POST /staff/initiatives/{id}/midyear`: saved in one transaction through the editing path.
pub async fn save_entry(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<EntryForm>,
) -> Result<Response> {
    let (initiative, department, check) = load(&state, &staff, id).await?;
    let page = |errors: FieldErrors, conflict: bool| EntryPage {
        staff: staff.clone(),
        department: department.clone(),
        initiative_label: label(&initiative),
        as_of: as_of_label(&state.eras, check.as_of),
        words: check.words.clone(),
        performance: form.performance.clone(),
        progress: form.progress.clone(),
        issues: form.issues.clone(),
        version: form.version.trim().parse().unwrap_or(-1),
        errors,
        conflict,
    };
    let entry = match checked(&form, &check.words) {
        Ok(entry) => entry,
        Err(errors) => return refused(StatusCode::UNPROCESSABLE_ENTITY, &page(errors, false)),
    };
    let mid = staff.municipality_id;
    let scope = Scope::midyear(department.id, None);
    let saved = change(&state, &staff, scope, async |tx| {
        if !mdb::save_entry(tx, mid, id, entry.version, &entry).await? {
            return Ok(false);
        }
        let after = serde_json::json!({ "performance": entry.performance, "progress": entry.progress, "issues": entry.issues });
        let action = if entry.version == 0 { "create" } else { "update" };
        Audit::of(action, "initiative_midyear", id)
            .department(department.id)
            .goal(initiative.goal_id)
            .after(&after)
            .record(tx, &staff)
            .await?;
        Ok(true)
    })
    .await?;
    if !saved {
        let errors = FieldErrors::one(
            "performance",
            "他の人が先にこの取組の中間報告を更新しました。下の入力内容は保存されていません。最新の内容を確認してから、もう一度保存してください。",
        );
        return refused(StatusCode::CONFLICT, &page(errors, true));
    }
    Ok(Redirect::to(&format!(
        "/staff/departments/{}/midyear#initiative-{id}",
        department.id
    ))
    .into_response())
}
