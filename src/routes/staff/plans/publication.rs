//! A plan's own publication (planning staff): a new plan is a draft only staff see; it is
//! published when its structure is ready, may be withdrawn from the public pages, and an
//! unpublished plan that never had a year published may be deleted.

use crate::auth::Staff;
use crate::db::plans;
use crate::error::{AppError, Result, render};
use crate::routes::staff::FieldErrors;
use crate::routes::staff::audit::Audit;
use crate::routes::staff::plans::editor::overview_with;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct PublicationForm {
    #[serde(default)]
    action: String,
}

/// `POST /staff/plans/{plan}/publication` with `action=publish` or `withdraw`.
pub async fn set_publication(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    Form(form): Form<PublicationForm>,
) -> Result<Response> {
    let publish = match form.action.as_str() {
        "publish" => true,
        "withdraw" => false,
        _ => return Err(AppError::BadRequest),
    };
    let (data, mut tx) = crate::routes::staff::plans::begin_write(&state, &staff, &slug).await?;
    if plans::set_plan_published(&mut tx, staff.municipality_id, data.plan.id, publish).await? {
        let action = if publish { "publish" } else { "withdraw" };
        Audit::of(action, "plan", data.plan.id)
            .record(&mut tx, &staff)
            .await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans/{slug}?saved=1#publication")).into_response())
}

/// `POST /staff/plans/{plan}/delete`: only a plan that is not public and never had a year
/// published; anything else is refused with the reason and nothing changes.
pub async fn delete_plan(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
) -> Result<Response> {
    let (data, mut tx) = crate::routes::staff::plans::begin_write(&state, &staff, &slug).await?;
    if !plans::delete_unpublished_plan(&mut tx, staff.municipality_id, data.plan.id).await? {
        tx.rollback().await?;
        let mut errors = FieldErrors::default();
        errors.push(
            "publication",
            "公表中の計画や、取組状況を公表した年度がある計画は削除できません。公表中の計画は、先に公表を取りやめてください。",
        );
        let page = overview_with(&state, staff, &data, errors).await?;
        return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
    }
    Audit::of("delete", "plan", data.plan.id)
        .record(&mut tx, &staff)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to("/staff/plans").into_response())
}
