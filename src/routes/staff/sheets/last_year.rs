//! The head's 前年度の振り返り (松阪市's 「実行宣言」, 真庭市's CAPD): at the start of the year the
//! head evaluates the year before for the department. Part of the targets: locked, reviewed
//! and published with them.

use crate::auth::Staff;
use crate::db::editing::DepartmentCtx;
use crate::db::last_year as ldb;
use crate::error::{Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::sheets::edit::{Scope, change, require_editable};
use crate::routes::staff::{FieldErrors, load_department, refused, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff/sheets/last_year_form.html")]
pub struct ReviewPage {
    staff: Staff,
    department: DepartmentCtx,
    year_label: String,
    text: String,
    version: i32,
    errors: FieldErrors,
    conflict: bool,
}

async fn load(state: &AppState, staff: &Staff, id: i64) -> Result<DepartmentCtx> {
    let department = load_department(state, staff, id).await?;
    require(staff.roles.can_edit_goals(id))?;
    require_editable(state, staff, id).await?;
    Ok(department)
}

/// `GET /staff/departments/{id}/last-year`.
pub async fn edit_review(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let department = load(&state, &staff, id).await?;
    let (text, version) = ldb::review(&state.pool, staff.municipality_id, id).await?;
    Ok(render(&ReviewPage {
        year_label: state.eras.fiscal_year_label(department.year - 1),
        staff,
        department,
        text,
        version,
        errors: FieldErrors::default(),
        conflict: false,
    })?
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    version: String,
}

/// `POST /staff/departments/{id}/last-year`.
pub async fn save_review(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> Result<Response> {
    let department = load(&state, &staff, id).await?;
    let text = form.text.replace("\r\n", "\n").trim().to_owned();
    let version: i32 = form.version.trim().parse().unwrap_or(-1);
    let page = |errors: FieldErrors, conflict: bool| ReviewPage {
        year_label: state.eras.fiscal_year_label(department.year - 1),
        staff: staff.clone(),
        department: department.clone(),
        text: form.text.clone(),
        version,
        errors,
        conflict,
    };
    if text.chars().count() > 4000 {
        let errors = FieldErrors::one("text", "前年度の振り返りは4000文字以内で入力してください。");
        return refused(StatusCode::UNPROCESSABLE_ENTITY, &page(errors, false));
    }
    let mid = staff.municipality_id;
    let saved = change(&state, &staff, Scope::targets(id, None), async |tx| {
        if !ldb::save_review(tx, mid, id, version, &text).await? {
            return Ok(false);
        }
        let after = serde_json::json!({ "text": text });
        Audit::of("update", "last_year_review", id)
            .department(id)
            .after(&after)
            .record(tx, &staff)
            .await?;
        Ok(true)
    })
    .await?;
    if !saved {
        let errors = FieldErrors::one(
            "text",
            "他の人が先に前年度の振り返りを更新しました。下の入力内容は保存されていません。",
        );
        return refused(StatusCode::CONFLICT, &page(errors, true));
    }
    Ok(Redirect::to(&format!("/staff/departments/{id}")).into_response())
}
