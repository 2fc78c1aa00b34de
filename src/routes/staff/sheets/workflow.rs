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

use crate::auth::Staff;
use crate::db::public as q;
use crate::db::publication as pubdb;
use crate::error::{AppError, Result};
use crate::routes::public::draft_page;
use crate::routes::staff::{load_department, require};
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
    /// `targets` (the default) or `results`.
    #[serde(default)]
    kind: String,
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
    let kind = match form.kind.as_str() {
        "results" => "results",
        "midyear" => "midyear",
        _ => "targets",
    };
    // No step on a mid-year report before planning staff open the year's check.
    let check = if kind == "midyear" {
        Some(crate::routes::staff::midyear::opened(&state, &staff, &department).await?)
    } else {
        None
    };
    let comment = form.comment.trim();
    if form.action == "return" && comment.is_empty() {
        return Err(AppError::CommentRequired);
    }
    let mid = staff.municipality_id;
    if form.action == "publish" {
        let request = pubdb::PublishRequest {
            mid,
            fiscal_year_id: department.fiscal_year_id,
            department_id: id,
            kind,
            from,
            user_id: Some(staff.user_id),
            on: state.clock.today(),
            note: None,
        };
        let outcome = if kind == "results" {
            let sheet = crate::db::sheets::results_sheet(&state.pool, mid, &department).await?;
            pubdb::publish_sheet(&state.pool, &request, &sheet).await?
        } else if let Some(check) = &check {
            let sheet = crate::db::midyear::sheet(&state.pool, mid, &department, check).await?;
            pubdb::publish_sheet(&state.pool, &request, &sheet).await?
        } else {
            let sheet = crate::db::sheets::target_sheet(
                &state.pool,
                mid,
                id,
                &department.name,
                department.policy_id,
            )
            .await?;
            pubdb::publish_sheet(&state.pool, &request, &sheet).await?
        };
        if let pubdb::Published::NotInState(current) = outcome {
            return Err(if current == "published" {
                AppError::AlreadyPublished
            } else {
                AppError::Conflict
            });
        }
    } else {
        let comment = (!comment.is_empty()).then_some(comment);
        let step = crate::mail::Step {
            department: &department,
            kind,
            action: &form.action,
            comment,
        };
        review_step(&state, &staff, step, from, to).await?;
    }
    let back = match kind {
        "targets" => format!("/staff/departments/{id}#workflow"),
        other => format!("/staff/departments/{id}/{other}#workflow"),
    };
    Ok(Redirect::to(&back).into_response())
}

/// A review step other than publishing, and the messages it sends, in one transaction.
async fn review_step(
    state: &AppState,
    staff: &Staff,
    step: crate::mail::Step<'_>,
    from: &[&str],
    to: &str,
) -> Result<()> {
    let mid = staff.municipality_id;
    let mut tx = state.pool.begin().await?;
    crate::db::changes::scope_changes_to(&mut tx, mid).await?;
    if !crate::db::review::transition_of(
        &mut tx,
        mid,
        step.department.id,
        step.kind,
        from,
        to,
        step.action,
        step.comment,
        Some(staff.user_id),
    )
    .await?
    {
        return Err(AppError::Conflict);
    }
    crate::mail::notify_review(&mut tx, &state.eras, staff, step).await?;
    tx.commit().await?;
    Ok(())
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
    let sheet = crate::db::sheets::target_sheet(
        &state.pool,
        staff.municipality_id,
        id,
        &department.name,
        department.policy_id,
    )
    .await?;
    let page = draft_page(&state.eras, city, fy, department.slug.clone(), sheet);
    Ok(Html(page.render()?))
}

/// A diff line as shown: its kind (for the mark and the class) and text.
pub struct DiffLine {
    kind: &'static str,
    mark: &'static str,
    text: String,
}

#[derive(Template)]
#[template(path = "staff/sheets/diff.html")]
pub struct DiffPage {
    staff: Staff,
    department: crate::db::editing::DepartmentCtx,
    published: Option<String>,
    lines: Vec<DiffLine>,
    changes: usize,
}

/// `GET /staff/departments/{id}/diff`: the draft against the latest publication.
pub async fn show_diff(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    axum::extract::Query(query): axum::extract::Query<DiffQuery>,
) -> Result<Html<String>> {
    use crate::domain::diff::{Line, diff, lines, results_lines};
    let department = load_department(&state, &staff, id).await?;
    require(staff.roles.can_read_drafts() || staff.roles.can_edit_anything_in(id))?;
    let mid = staff.municipality_id;
    let results = query.kind.as_deref() == Some("results");
    let (old, new, published) = if results {
        let (latest, _) = pubdb::results_version(&state.pool, mid, id, None).await?;
        let live = crate::db::sheets::results_sheet(&state.pool, mid, &department).await?;
        let published = latest.as_ref().map(|(v, _)| format!("実績・成果 第{v}版"));
        (
            latest.map(|(_, s)| results_lines(&s.0)).unwrap_or_default(),
            results_lines(&live),
            published,
        )
    } else {
        let (latest, live) = tokio::try_join!(
            pubdb::publication(&state.pool, mid, id, None),
            crate::db::sheets::target_sheet(
                &state.pool,
                mid,
                id,
                &department.name,
                department.policy_id
            ),
        )?;
        let old = latest
            .as_ref()
            .map(|p| lines(&p.content.0))
            .unwrap_or_default();
        let published = latest.map(|p| {
            format!(
                "第{}版（{}）",
                p.version,
                state.eras.date_label(p.published_on)
            )
        });
        (old, lines(&live), published)
    };
    let lines: Vec<DiffLine> = diff(&old, &new)
        .into_iter()
        .map(|l| match l {
            Line::Same(text) => DiffLine {
                kind: "same",
                mark: "",
                text,
            },
            Line::Removed(text) => DiffLine {
                kind: "removed",
                mark: "削除",
                text,
            },
            Line::Added(text) => DiffLine {
                kind: "added",
                mark: "追加",
                text,
            },
        })
        .collect();
    let changes = lines.iter().filter(|l| l.kind != "same").count();
    Ok(Html(
        DiffPage {
            staff,
            department,
            published,
            lines,
            changes,
        }
        .render()?,
    ))
}

/// Which sheet to compare: the targets (default) or `kind=results`.
#[derive(Debug, Deserialize)]
pub struct DiffQuery {
    kind: Option<String>,
}

/// The actions this person may take on a sheet in `state`: (action, button label, needs a comment).
pub fn available_actions(
    staff: &Staff,
    department: i64,
    state: &str,
) -> Vec<(&'static str, &'static str, bool)> {
    [
        ("submit", "提出する", false),
        ("approve", "承認する", false),
        ("return", "差し戻す", true),
        ("reopen", "承認を取り消して再開する", false),
        ("publish", "公表する", false),
    ]
    .into_iter()
    .filter(|(action, _, _)| {
        rule(staff, department, action)
            .is_some_and(|(from, _, allowed)| allowed && from.contains(&state))
    })
    .collect()
}
