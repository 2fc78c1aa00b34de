//! A plan year's evaluation: planning staff preview the year's progress, mark it 評価済み once
//! the sections' actuals are in, and publish it with the date citizens see. A published year
//! is frozen: its actuals can no longer be changed, and later target revisions do not alter
//! what it shows.

use crate::auth::Staff;
use crate::db::plan_years;
use crate::error::{AppError, Result, render};
use crate::routes::paths::PlanAnd;
use crate::routes::plan_progress::progress_page;
use crate::routes::plans::progress_items;
use crate::routes::staff::publishing::year::check_publication_date;
use crate::routes::staff::{FieldErrors, require};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

/// `GET /staff/plans/{plan}/progress/{year}`: the progress as citizens would see it, with
/// every recorded actual (published or not).
pub async fn preview_progress(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, year): PlanAnd<i32>,
) -> Result<Response> {
    require(staff.roles.can_read_drafts())?;
    let data = crate::routes::staff::plans::load(&state, &staff, &slug).await?;
    crate::routes::staff::plans::check_year(&data, year)?;
    let city = crate::db::public::municipality(&state.pool, &staff.municipality_slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let frozen = plan_years::published_items(&state.pool, city.id, data.plan.id, year).await?;
    let page = progress_page(&state, city, data, year, frozen);
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    undo: String,
}

/// `POST /staff/plans/{plan}/years/{year}/review`: marks the year 評価済み (or, with `undo`,
/// takes the mark back while the year is unpublished).
pub async fn review_year(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, year): PlanAnd<i32>,
    Form(form): Form<ReviewForm>,
) -> Result<Response> {
    let (data, mut tx) = crate::routes::staff::plans::begin_write(&state, &staff, &slug).await?;
    crate::routes::staff::plans::check_year(&data, year)?;
    let done = if form.undo.is_empty() {
        plan_years::review_year(
            &mut tx,
            staff.municipality_id,
            data.plan.id,
            year,
            staff.user_id,
        )
        .await?
    } else {
        plan_years::unreview_year(&mut tx, staff.municipality_id, data.plan.id, year).await?
    };
    if !done {
        tx.rollback().await?;
        return refuse(
            &state,
            staff,
            &slug,
            year,
            "publish",
            "公表済みの年度は評価を取り消せません。",
            "",
        )
        .await;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans#plan-{slug}-{year}")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    published_on: String,
}

/// `POST /staff/plans/{plan}/years/{year}/publish`: publishes a reviewed year with its 公表日.
pub async fn publish_year(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, year): PlanAnd<i32>,
    Form(form): Form<PublishForm>,
) -> Result<Response> {
    let (data, mut tx) = crate::routes::staff::plans::begin_write(&state, &staff, &slug).await?;
    crate::routes::staff::plans::check_year(&data, year)?;
    let on = match check_publication_date(&form.published_on, state.clock.today()) {
        Ok(d) => d,
        Err(message) => {
            return refuse(
                &state,
                staff,
                &slug,
                year,
                "published_on",
                message,
                &form.published_on,
            )
            .await;
        }
    };
    // Read under the lock (by `begin_write`): the progress as published.
    let snapshot = serde_json::to_value(progress_items(&data, &state.eras))
        .map_err(|_| AppError::BadRequest)?;
    match plan_years::publish_year(
        &mut tx,
        staff.municipality_id,
        data.plan.id,
        year,
        on,
        staff.user_id,
        snapshot,
    )
    .await?
    {
        plan_years::Published::Done | plan_years::Published::Already => {}
        plan_years::Published::NotReviewed => {
            tx.rollback().await?;
            let message = "評価済みにしてから公表してください（実績を確かめて「評価済みにする」を押します）。";
            return refuse(
                &state,
                staff,
                &slug,
                year,
                "published_on",
                message,
                &form.published_on,
            )
            .await;
        }
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans#plan-{slug}-{year}")).into_response())
}

/// The plans page again with a message beside one year's field.
async fn refuse(
    state: &AppState,
    staff: Staff,
    slug: &str,
    year: i32,
    field: &str,
    message: &str,
    typed: &str,
) -> Result<Response> {
    let mut errors = FieldErrors::default();
    errors.push(&format!("{field}-{slug}-{year}"), message);
    let page =
        crate::routes::staff::plans::plans_page(state, staff, errors, Some((slug, year, typed)))
            .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}
