//! Review and publication of a department's targets: submit (提出), return (差し戻し) with a
//! comment, approve (承認), reopen, publish (公表), and the draft preview.
//!
//! | action  | from                | to        | who                                        |
//! |---------|---------------------|-----------|--------------------------------------------|
//! | submit  | draft, published    | submitted | a section chief of the department, the head, planning staff |
//! | return  | submitted           | draft     | the head, planning staff (a comment is required) |
//! | approve | submitted           | approved  | the head, planning staff                   |
//! | reopen  | approved            | draft     | the head, planning staff                   |
//! | publish | approved            | published | planning staff                             |

use super::{load_department, require};
use crate::auth::Staff;
use crate::db::public as q;
use crate::db::publication as pubdb;
use crate::error::{AppError, Result};
use crate::routes::public::draft_page;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

/// How a state reads on screen.
pub fn state_label(state: &str) -> &'static str {
    match state {
        "submitted" => "提出済み（承認待ち）",
        "approved" => "承認済み（公表待ち）",
        "published" => "公表済み",
        _ => "下書き",
    }
}

/// How an action reads in the history.
pub fn action_label(action: &str) -> &'static str {
    match action {
        "submit" => "提出",
        "return" => "差し戻し",
        "approve" => "承認",
        "reopen" => "承認の取り消し（再開）",
        "publish" => "公表",
        _ => "その他",
    }
}

/// The transition of an action: the states it leaves, the state it reaches, and whether this
/// person may take it in `department`.
pub fn rule(
    staff: &Staff,
    department: i64,
    action: &str,
) -> Option<(&'static [&'static str], &'static str, bool)> {
    let roles = &staff.roles;
    let reviewer = roles.can_edit_goals(department);
    match action {
        "submit" => Some((
            &["draft", "published"],
            "submitted",
            roles.can_add_initiative(department),
        )),
        "return" => Some((&["submitted"], "draft", reviewer)),
        "approve" => Some((&["submitted"], "approved", reviewer)),
        "reopen" => Some((&["approved"], "draft", reviewer)),
        "publish" => Some((&["approved"], "published", roles.is_admin())),
        _ => None,
    }
}

#[derive(Debug, Deserialize)]
pub struct WorkflowForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    comment: String,
}

/// `POST /staff/departments/{id}/workflow`.
pub async fn change_state(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<WorkflowForm>,
) -> Result<Response> {
    let department = load_department(&state, &staff, id).await?;
    let (from, to, allowed) = rule(&staff, id, &form.action).ok_or(AppError::Forbidden)?;
    require(allowed)?;
    let comment = form.comment.trim();
    if form.action == "return" && comment.is_empty() {
        return Err(AppError::CommentRequired);
    }
    let mid = staff.municipality_id;
    if form.action == "publish" {
        let (current, _) = pubdb::sheet_state(&state.pool, mid, id).await?;
        if !from.contains(&current.as_str()) {
            return Err(AppError::Conflict);
        }
        let today = chrono::Local::now().date_naive();
        let published = pubdb::publish_if_changed(
            &state.pool,
            mid,
            department.fiscal_year_id,
            id,
            &department.name,
            department.policy_id,
            Some(staff.user_id),
            today,
        )
        .await?;
        if published.is_none() {
            // Nothing changed since the last publication: no new version, but the review is done.
            let mut tx = state.pool.begin().await?;
            pubdb::transition(
                &mut tx,
                mid,
                id,
                from,
                to,
                "publish",
                Some("公表済みの内容から変更がないため、新しい版は作成していません。"),
                Some(staff.user_id),
            )
            .await?;
            tx.commit().await?;
        }
    } else {
        let mut tx = state.pool.begin().await?;
        let comment = (!comment.is_empty()).then_some(comment);
        if !pubdb::transition(
            &mut tx,
            mid,
            id,
            from,
            to,
            &form.action,
            comment,
            Some(staff.user_id),
        )
        .await?
        {
            return Err(AppError::Conflict);
        }
        tx.commit().await?;
    }
    Ok(Redirect::to(&format!("/staff/departments/{id}#workflow")).into_response())
}

/// `GET /staff/departments/{id}/preview`: the live draft in the public layout, marked 下書き.
pub async fn show_preview(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Html<String>> {
    let department = load_department(&state, &staff, id).await?;
    require(staff.roles.can_read_drafts() || staff.roles.can_edit_anything_in(id))?;
    let (city, fy) = q::city_year(&state.pool, &staff.municipality_slug, department.year)
        .await?
        .ok_or(AppError::NotFound)?;
    let sheet = pubdb::target_sheet(
        &state.pool,
        staff.municipality_id,
        id,
        &department.name,
        department.policy_id,
    )
    .await?;
    let page = draft_page(
        city,
        fy,
        state.eras.fiscal_year_label(department.year),
        department.slug.clone(),
        sheet,
    );
    Ok(Html(page.render()?))
}
