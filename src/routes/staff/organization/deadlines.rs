//! The due dates of a year's stages (目標の入力, 実績の入力), set and moved by planning staff
//! (each move audited). Today's date is Japan's.

use crate::auth::Staff;
use crate::db::deadlines as ddb;
use crate::domain::stages::{Due, Stage};
use crate::error::{AppError, Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::organization::years::Typed;
use crate::routes::staff::sheets::edit::{Scope, change};
use crate::routes::staff::{FieldErrors, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::NaiveDate;
use std::collections::HashMap;

/// A stage's row on the form.
pub struct StageField {
    key: &'static str,
    label: &'static str,
    value: String,
    /// 「令和9年3月31日（あと5日）」 for the stored date.
    current: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/organization/deadlines.html")]
pub struct DeadlinesPage {
    staff: Staff,
    year: i32,
    year_label: String,
    today: String,
    stages: Vec<StageField>,
    errors: FieldErrors,
}

async fn page(
    state: &AppState,
    staff: Staff,
    year: i32,
    fid: i64,
    errors: FieldErrors,
    typed: Typed,
) -> Result<DeadlinesPage> {
    let stored = ddb::deadlines(&state.pool, staff.municipality_id, fid).await?;
    let today = state.clock.today();
    let stages = Stage::ALL
        .into_iter()
        .map(|s| {
            let due = stored.iter().find(|(k, _)| k == s.key()).map(|(_, d)| *d);
            StageField {
                key: s.key(),
                label: s.label(),
                value: typed.0.get(s.key()).cloned().unwrap_or_else(|| {
                    due.map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default()
                }),
                current: due.map(|d| {
                    format!(
                        "{}（{}）",
                        state.eras.date_label(d),
                        Due::of(d, today).label()
                    )
                }),
            }
        })
        .collect();
    Ok(DeadlinesPage {
        staff,
        year,
        year_label: state.eras.fiscal_year_label(year),
        today: state.eras.date_label(today),
        stages,
        errors,
    })
}

async fn year_id(state: &AppState, staff: &Staff, year: i32) -> Result<i64> {
    let (fid, _) = crate::db::admin::year_ids(&state.pool, staff.municipality_id, year)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(fid)
}

/// `GET /staff/admin/years/{year}/deadlines`.
pub async fn show_deadlines(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let fid = year_id(&state, &staff, year).await?;
    let page = page(
        &state,
        staff,
        year,
        fid,
        FieldErrors::default(),
        Typed::default(),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

/// A typed date: `2027-03-31` (what a date field sends) or `2027/3/31`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = crate::domain::metric::normalize_digits(text.trim());
    NaiveDate::parse_from_str(&t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&t, "%Y/%m/%d"))
        .ok()
}

/// `POST /staff/admin/years/{year}/deadlines`: every stage's date (empty: none). A date in
/// the past is refused unless it is the one already set.
pub async fn save_deadlines(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let fid = year_id(&state, &staff, year).await?;
    let mid = staff.municipality_id;
    let stored = ddb::deadlines(&state.pool, mid, fid).await?;
    let today = state.clock.today();
    let mut errors = FieldErrors::default();
    let mut wanted: Vec<(Stage, Option<NaiveDate>)> = Vec::new();
    for stage in Stage::ALL {
        let typed = form.get(stage.key()).map(|v| v.trim()).unwrap_or("");
        let before = stored
            .iter()
            .find(|(k, _)| k == stage.key())
            .map(|(_, d)| *d);
        let date = if typed.is_empty() {
            None
        } else if let Some(d) = parse_date(typed) {
            Some(d)
        } else {
            errors.push(stage.key(), "日付は 2027-03-31 の形で入力してください。");
            continue;
        };
        if let Some(d) = date
            && d < today
            && Some(d) != before
        {
            errors.push(
                stage.key(),
                format!(
                    "過去の日付は期限にできません。今日（{}）以降の日付を入力してください。",
                    state.eras.date_label(today)
                ),
            );
            continue;
        }
        if date != before {
            wanted.push((stage, date));
        }
    }
    if !errors.is_empty() {
        let typed = Typed(
            form.into_iter()
                .filter(|(k, _)| Stage::from_key(k).is_some())
                .collect(),
        );
        let page = page(&state, staff, year, fid, errors, typed).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    change(&state, &staff, Scope::organization(None), async |tx| {
        for (stage, date) in &wanted {
            let before = ddb::set_deadline(tx, mid, fid, stage.key(), *date).await?;
            Audit::of("update", "stage_deadline", fid)
                .before(&serde_json::json!({ "stage": stage.key(), "due_on": before }))
                .after(&serde_json::json!({ "stage": stage.key(), "due_on": date }))
                .record(tx, &staff)
                .await?;
        }
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/staff/admin/years/{year}/deadlines")).into_response())
}
