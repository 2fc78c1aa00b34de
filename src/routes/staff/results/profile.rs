//! The department head's year-end writing: the department page for citizens (name and
//! reading, 基本方針, 部の仕事, 総括) and the status judgment of each goal.

use crate::auth::Staff;
use crate::db::editing::{self, DepartmentCtx, GoalCtx};
use crate::db::results::{self as rdb, Profile};
use crate::domain::status::Status;
use crate::error::{AppError, Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::{FieldErrors, clean, load_department, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff/results/profile_form.html")]
pub struct ProfilePage {
    staff: Staff,
    department: DepartmentCtx,
    form: ProfileForm,
    errors: FieldErrors,
    conflict: Option<Profile>,
}

/// What the profile form posts.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    head_name: String,
    #[serde(default)]
    head_name_kana: String,
    #[serde(default)]
    basic_policy: String,
    #[serde(default)]
    duties: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    version: i32,
}

async fn load(state: &AppState, staff: &Staff, id: i64) -> Result<DepartmentCtx> {
    let department = load_department(state, staff, id).await?;
    require(staff.roles.can_edit_goals(id))?;
    crate::routes::staff::results::require_results_editable(state, staff, id).await?;
    Ok(department)
}

/// `GET /staff/departments/{id}/profile`.
pub async fn edit_profile(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let department = load(&state, &staff, id).await?;
    let p = rdb::profile(&state.pool, staff.municipality_id, id).await?;
    let form = ProfileForm {
        head_name: p.head_name,
        head_name_kana: p.head_name_kana,
        basic_policy: p.basic_policy,
        duties: p.duties,
        summary: p.summary,
        version: p.version,
    };
    Ok(render(&ProfilePage {
        staff,
        department,
        form,
        errors: FieldErrors::default(),
        conflict: None,
    })?
    .into_response())
}

/// Readings are written in hiragana (spaces allowed between family and given names).
fn is_reading(s: &str) -> bool {
    s.chars()
        .all(|c| matches!(c, 'ぁ'..='ゖ' | 'ー' | ' ' | '\u{3000}'))
}

/// The head's page as typed, with a message beside each field that is wrong.
fn read_profile(form: &ProfileForm, errors: &mut FieldErrors) -> Profile {
    let p = Profile {
        head_name: clean(&form.head_name),
        head_name_kana: clean(&form.head_name_kana),
        basic_policy: clean(&form.basic_policy),
        duties: clean(&form.duties),
        summary: clean(&form.summary),
        version: form.version,
    };
    if p.head_name.is_empty() || p.head_name.chars().count() > 30 {
        errors.push("head_name", "部長の氏名を30文字以内で入力してください。");
    }
    if p.head_name_kana.is_empty()
        || p.head_name_kana.chars().count() > 60
        || !is_reading(&p.head_name_kana)
    {
        errors.push(
            "head_name_kana",
            "ふりがなをひらがなで入力してください（例：かりや たろう）。",
        );
    }
    for (field, value, max, name) in [
        ("basic_policy", &p.basic_policy, 200, "基本方針"),
        ("duties", &p.duties, 2000, "部の仕事"),
        ("summary", &p.summary, 4000, "総括"),
    ] {
        if value.chars().count() > max {
            errors.push(field, format!("{name}は{max}文字以内で入力してください。"));
        }
    }
    p
}

/// `POST /staff/departments/{id}/profile`.
pub async fn save_profile(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(mut form): Form<ProfileForm>,
) -> Result<Response> {
    let department = load(&state, &staff, id).await?;
    let mut errors = FieldErrors::default();
    let p = read_profile(&form, &mut errors);
    if !errors.is_empty() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&ProfilePage {
                staff,
                department,
                form,
                errors,
                conflict: None,
            })?,
        )
            .into_response());
    }
    let mid = staff.municipality_id;
    let before = rdb::profile(&state.pool, mid, id).await?;
    let scope = crate::routes::staff::sheets::edit::Scope::results(id, None);
    let saved = crate::routes::staff::sheets::edit::change(&state, &staff, scope, async |tx| {
        if !rdb::save_profile(tx, mid, id, form.version, &p).await? {
            return Ok(false);
        }
        Audit::of(
            if form.version == 0 {
                "create"
            } else {
                "update"
            },
            "department_profile",
            id,
        )
        .department(id)
        .before(&before)
        .after(&p)
        .record(tx, &staff)
        .await?;
        Ok(true)
    })
    .await?;
    if !saved {
        form.version = before.version;
        let page = ProfilePage {
            staff,
            department,
            form,
            errors: FieldErrors::default(),
            conflict: Some(before),
        };
        return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
    }
    Ok(Redirect::to(&format!("/staff/departments/{id}/results")).into_response())
}

#[derive(Template)]
#[template(path = "staff/results/goal_status_form.html")]
pub struct GoalStatusPage {
    staff: Staff,
    department: DepartmentCtx,
    goal: GoalCtx,
    status_override: String,
    override_reason: String,
    version: i32,
    statuses: [Status; 6],
    errors: FieldErrors,
}

#[derive(Debug, Deserialize)]
pub struct GoalStatusForm {
    #[serde(default)]
    status_override: String,
    #[serde(default)]
    override_reason: String,
    #[serde(default)]
    version: i32,
}

async fn load_goal(state: &AppState, staff: &Staff, id: i64) -> Result<(GoalCtx, DepartmentCtx)> {
    let goal = editing::goal(&state.pool, staff.municipality_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let department = load(state, staff, goal.department_id).await?;
    Ok((goal, department))
}

/// `GET /staff/goals/{id}/status`.
pub async fn edit_goal_status(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (goal, department) = load_goal(&state, &staff, id).await?;
    let (status, reason, version) =
        rdb::goal_override(&state.pool, staff.municipality_id, id).await?;
    let page = GoalStatusPage {
        staff,
        department,
        goal,
        status_override: status.unwrap_or_default(),
        override_reason: reason.unwrap_or_default(),
        version,
        statuses: Status::ALL,
        errors: FieldErrors::default(),
    };
    Ok(render(&page)?.into_response())
}

/// `POST /staff/goals/{id}/status`: the head's judgment of a goal (empty: follow the initiatives).
pub async fn save_goal_status(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<GoalStatusForm>,
) -> Result<Response> {
    let (goal, department) = load_goal(&state, &staff, id).await?;
    let mut errors = FieldErrors::default();
    let status = match form.status_override.as_str() {
        "" => None,
        s => Status::from_db(s).or_else(|| {
            errors.push("status_override", "判定を選び直してください。");
            None
        }),
    };
    let reason = clean(&form.override_reason);
    if status.is_some() && reason.is_empty() {
        errors.push("override_reason", "判定を変更する理由を入力してください。");
    }
    if !errors.is_empty() {
        let page = GoalStatusPage {
            staff,
            department,
            goal,
            status_override: form.status_override,
            override_reason: form.override_reason,
            version: form.version,
            statuses: Status::ALL,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let mid = staff.municipality_id;
    let scope = crate::routes::staff::sheets::edit::Scope::results(department.id, None);
    crate::routes::staff::sheets::edit::change(&state, &staff, scope, async |tx| {
        let saved = rdb::save_goal_override(
            tx,
            mid,
            id,
            form.version,
            status.map(Status::as_str),
            status.map(|_| reason.as_str()),
        )
        .await?;
        if !saved {
            return Err(AppError::Conflict);
        }
        let after = serde_json::json!({ "status_override": status.map(Status::as_str), "override_reason": status.map(|_| reason.clone()) });
        Audit::of("update", "goal_result", id).department(department.id).goal(id).after(&after).record(tx, &staff).await?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!(
        "/staff/departments/{}/results#goal-{}",
        department.id, goal.id
    ))
    .into_response())
}
