//! The head's comments on the mid-year report: one for the department and one per goal.

use crate::auth::Staff;
use crate::db::editing::DepartmentCtx;
use crate::db::midyear as mdb;
use crate::error::{AppError, Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::sheets::edit::{Scope, change, check_editable};
use crate::routes::staff::{FieldErrors, load_department, refused, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use std::collections::HashMap;

/// A goal's comment field.
pub struct GoalComment {
    id: i64,
    text: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "staff/midyear/comments_form.html")]
pub struct CommentsPage {
    staff: Staff,
    department: DepartmentCtx,
    comment: String,
    goals: Vec<GoalComment>,
    version: i32,
    errors: FieldErrors,
    conflict: bool,
}

const MAX: usize = 4000;

async fn load(state: &AppState, staff: &Staff, id: i64) -> Result<DepartmentCtx> {
    let department = load_department(state, staff, id).await?;
    require(staff.roles.can_edit_goals(id))?;
    super::opened(state, staff, &department).await?;
    let (sheet_state, _) =
        crate::db::review::sheet_state_of(&state.pool, staff.municipality_id, id, "midyear")
            .await?;
    check_editable(&sheet_state, staff, id)?;
    Ok(department)
}

/// The department's goals (id, text) in order.
async fn goals(state: &AppState, staff: &Staff, id: i64) -> Result<Vec<(i64, String)>> {
    Ok(
        crate::db::public::goals(&state.pool, staff.municipality_id, id)
            .await?
            .into_iter()
            .map(|g| (g.id, g.text))
            .collect(),
    )
}

/// `GET /staff/departments/{id}/midyear/comments`.
pub async fn edit_comments(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let department = load(&state, &staff, id).await?;
    let ((comment, version, by_goal), goals) = tokio::try_join!(
        async { Ok::<_, AppError>(mdb::comments(&state.pool, staff.municipality_id, id).await?) },
        goals(&state, &staff, id),
    )?;
    let goals = goals
        .into_iter()
        .map(|(gid, text)| GoalComment {
            comment: by_goal.get(&gid).cloned().unwrap_or_default(),
            id: gid,
            text,
        })
        .collect();
    Ok(render(&CommentsPage {
        staff,
        department,
        comment,
        goals,
        version,
        errors: FieldErrors::default(),
        conflict: false,
    })?
    .into_response())
}

/// `POST /staff/departments/{id}/midyear/comments`: `comment`, `goal_{id}` for each goal.
pub async fn save_comments(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let department = load(&state, &staff, id).await?;
    let form: HashMap<String, String> = fields.into_iter().collect();
    let get = |k: &str| form.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let mut errors = FieldErrors::default();
    let comment = get("comment");
    if comment.chars().count() > MAX {
        errors.push(
            "comment",
            "部長のコメントは4000文字以内で入力してください。",
        );
    }
    let mut typed = Vec::new();
    for (gid, text) in goals(&state, &staff, id).await? {
        let field = format!("goal_{gid}");
        let value = get(&field);
        if value.chars().count() > MAX {
            errors.push(&field, "コメントは4000文字以内で入力してください。");
        }
        typed.push(GoalComment {
            id: gid,
            text,
            comment: value,
        });
    }
    let version: i32 = get("version").parse().unwrap_or(-1);
    let page = |errors: FieldErrors, conflict: bool, goals: Vec<GoalComment>| CommentsPage {
        staff: staff.clone(),
        department: department.clone(),
        comment: comment.clone(),
        goals,
        version,
        errors,
        conflict,
    };
    if !errors.is_empty() {
        return refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(errors, false, typed),
        );
    }
    let pairs: Vec<(i64, String)> = typed.iter().map(|g| (g.id, g.comment.clone())).collect();
    let mid = staff.municipality_id;
    let saved = change(&state, &staff, Scope::midyear(id, None), async |tx| {
        if !mdb::save_comments(tx, mid, id, version, &comment, &pairs).await? {
            return Ok(false);
        }
        let after = serde_json::json!({ "comment": comment, "goals": pairs });
        Audit::of("update", "department_midyear", id)
            .department(id)
            .after(&after)
            .record(tx, &staff)
            .await?;
        Ok(true)
    })
    .await?;
    if !saved {
        let errors = FieldErrors::one(
            "comment",
            "他の人が先にコメントを更新しました。下の入力内容は保存されていません。最新の内容を確認してから、もう一度保存してください。",
        );
        return refused(StatusCode::CONFLICT, &page(errors, true, typed));
    }
    Ok(Redirect::to(&format!("/staff/departments/{id}/midyear")).into_response())
}
