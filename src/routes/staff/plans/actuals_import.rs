//! A year's actuals from a workbook (planning staff): the workbook to fill (every indicator
//! with a target that year), the upload, the preview of exactly what changes, and the
//! confirmation, which writes every actual or none — refused when the year is published or
//! someone recorded actuals since the preview.

use crate::auth::Staff;
use crate::db::plans::PlanData;
use crate::error::{AppError, Result, render};
use crate::import::layout::Problem;
use crate::import::plan::actuals::{self, ActualRow};
use crate::routes::paths::PlanAnd;
use crate::routes::staff::audit::Audit;
use crate::routes::staff::imports::read_upload;
use crate::routes::staff::plans::import::read_grids;
use crate::routes::staff::require;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

/// `GET /staff/plans/{plan}/years/{year}/actuals.xlsx`.
pub async fn download(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, year): PlanAnd<i32>,
) -> Result<Response> {
    require(staff.roles.can_read_drafts())?;
    let data = crate::routes::staff::plans::load(&state, &staff, &slug).await?;
    crate::routes::staff::plans::check_year(&data, year)?;
    let label = state.eras.fiscal_year_label(year);
    let bytes = crate::export::actuals_workbook(&data, year, &label).map_err(|e| {
        tracing::error!(error = %e, "actuals export failed");
        AppError::BadRequest
    })?;
    Ok(crate::routes::staff::imports::downloads::xlsx(
        bytes,
        &format!("{slug}-{year}-actuals.xlsx"),
    ))
}

/// What a confirmation writes into, as a fingerprint: the year's stored actuals, and the
/// indicators they belong to with the year's targets (an indicator removed or its target
/// changed since the preview makes the preview stale).
fn fingerprint(data: &PlanData, year: i32) -> String {
    let actuals = data.actuals.iter().filter(|a| a.year == year).map(|a| {
        format!(
            "a|{}|{:?}|{:?}|{:?}|{}",
            a.indicator_id, a.value, a.word, a.achieved, a.version
        )
    });
    let indicators = data
        .indicators
        .iter()
        .map(|x| format!("i|{}|{}", x.id, x.item_id));
    let targets = data
        .targets
        .iter()
        .filter(|t| t.year == year)
        .map(|t| format!("t|{}|{:?}|{:?}", t.indicator_id, t.value, t.word));
    let mut rows: Vec<String> = actuals.chain(indicators).chain(targets).collect();
    rows.sort();
    Sha256::digest(rows.join("\n").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A row of the preview: what is stored and what the file says.
pub struct Change {
    item: i32,
    indicator: String,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "staff/plans/actuals_import.html")]
pub struct ActualsPage {
    staff: Staff,
    slug: String,
    plan_name: String,
    year: i32,
    year_label: String,
    filename: String,
    problems: Vec<Problem>,
    changes: Vec<Change>,
    /// The stored import (None: the file was refused).
    id: Option<i64>,
    state: String,
    stale: bool,
}

fn shown(
    value: Option<rust_decimal::Decimal>,
    word: Option<&String>,
    achieved: Option<bool>,
) -> String {
    let v = match (value, word) {
        (Some(v), _) => crate::domain::plan::PlanValue::Number(v).display(),
        (None, Some(w)) => w.clone(),
        _ => return "（なし）".into(),
    };
    match achieved {
        Some(true) => format!("{v}（達成）"),
        Some(false) => format!("{v}（未達成）"),
        None => v,
    }
}

fn changes(data: &PlanData, year: i32, rows: &[ActualRow]) -> Vec<Change> {
    rows.iter()
        .filter_map(|r| {
            let stored = data
                .actuals
                .iter()
                .find(|a| a.indicator_id == r.indicator_id && a.year == year);
            let before = stored
                .map(|a| shown(a.value, a.word.as_ref(), a.achieved))
                .unwrap_or_else(|| "（なし）".into());
            let after = shown(r.value, r.word.as_ref(), r.achieved);
            (before != after).then(|| Change {
                item: r.item_number,
                indicator: r.indicator.clone(),
                before,
                after,
            })
        })
        .collect()
}

/// `POST /staff/plans/{plan}/years/{year}/actuals`: reads the file; a clean one is kept for
/// the preview.
pub async fn upload(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, year): PlanAnd<i32>,
    multipart: Multipart,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let data = crate::routes::staff::plans::load(&state, &staff, &slug).await?;
    crate::routes::staff::plans::check_year(&data, year)?;
    let u = read_upload(multipart).await?;
    let label = state.eras.fiscal_year_label(year);
    let mut page = ActualsPage {
        slug: slug.clone(),
        plan_name: data.plan.name.clone(),
        year,
        year_label: label.clone(),
        filename: u.filename.chars().take(200).collect(),
        problems: Vec::new(),
        changes: Vec::new(),
        id: None,
        state: "previewed".into(),
        stale: false,
        staff,
    };
    let grids = match read_grids(&u).await? {
        Ok(g) => g,
        Err(message) => {
            page.problems.push(Problem {
                sheet: page.filename.clone(),
                row: None,
                col: None,
                message,
            });
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let (rows, mut problems) = actuals::read(&grids, &data, year, &label);
    if data
        .year_state(year)
        .is_some_and(|y| y.published_on.is_some())
    {
        problems.insert(
            0,
            Problem {
                sheet: page.filename.clone(),
                row: None,
                col: None,
                message: format!("{label}の取組状況は公表済みのため、実績は変更できません。"),
            },
        );
    }
    if !problems.is_empty() {
        page.problems = problems;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let id = crate::db::plan_imports::create_actuals_import(
        &state.pool,
        page.staff.municipality_id,
        data.plan.id,
        year,
        page.staff.user_id,
        &page.filename,
        &rows,
        &fingerprint(&data, year),
    )
    .await?;
    Ok(Redirect::to(&format!("/staff/plans/{slug}/actuals-imports/{id}")).into_response())
}

struct Stored {
    year: i32,
    filename: String,
    rows: Vec<ActualRow>,
    fingerprint: String,
    state: String,
}

async fn stored(state: &AppState, staff: &Staff, data: &PlanData, id: i64) -> Result<Stored> {
    let r = crate::db::plan_imports::actuals_import::<ActualRow>(
        &state.pool,
        staff.municipality_id,
        data.plan.id,
        id,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Stored {
        year: r.year,
        filename: r.filename,
        rows: r.rows.0,
        fingerprint: r.fingerprint,
        state: r.state,
    })
}

fn preview(state: &AppState, staff: Staff, data: &PlanData, id: i64, s: Stored) -> ActualsPage {
    ActualsPage {
        slug: data.plan.slug.clone(),
        plan_name: data.plan.name.clone(),
        year: s.year,
        year_label: state.eras.fiscal_year_label(s.year),
        changes: changes(data, s.year, &s.rows),
        stale: s.state == "stale"
            || (s.state == "previewed" && fingerprint(data, s.year) != s.fingerprint),
        filename: s.filename,
        problems: Vec::new(),
        id: Some(id),
        state: s.state,
        staff,
    }
}

/// `GET /staff/plans/{plan}/actuals-imports/{id}`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, id): PlanAnd<i64>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let data = crate::routes::staff::plans::load(&state, &staff, &slug).await?;
    let s = stored(&state, &staff, &data, id).await?;
    Ok(render(&preview(&state, staff, &data, id, s))?.into_response())
}

/// `POST /staff/plans/{plan}/actuals-imports/{id}/confirm`.
pub async fn confirm(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, id): PlanAnd<i64>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mid = staff.municipality_id;
    let mut tx = crate::routes::staff::plans::lock(&state, mid, &slug).await?;
    // Read under the lock: every writer of the plan's actuals takes it first.
    let data = crate::routes::staff::plans::load_locked(&mut tx, &staff, &slug).await?;
    let s = stored(&state, &staff, &data, id).await?;
    let published = data
        .year_state(s.year)
        .is_some_and(|y| y.published_on.is_some());
    if s.state != "previewed" {
        tx.rollback().await?;
        return Ok(
            Redirect::to(&format!("/staff/plans/{slug}/actuals-imports/{id}")).into_response(),
        );
    }
    if published || fingerprint(&data, s.year) != s.fingerprint {
        crate::db::plan_imports::set_actuals_import_state(&mut tx, id, "stale").await?;
        tx.commit().await?;
        let s = stored(&state, &staff, &data, id).await?;
        return Ok((
            StatusCode::CONFLICT,
            render(&preview(&state, staff, &data, id, s))?,
        )
            .into_response());
    }
    for r in &s.rows {
        let version = data
            .actuals
            .iter()
            .find(|a| a.indicator_id == r.indicator_id && a.year == s.year)
            .map(|a| a.version)
            .unwrap_or(0);
        crate::db::plans::save_actual(
            &mut tx,
            mid,
            r.indicator_id,
            s.year,
            version,
            r.value,
            r.word.as_deref(),
            r.achieved,
            staff.user_id,
        )
        .await?;
    }
    crate::db::plan_imports::set_actuals_import_state(&mut tx, id, "applied").await?;
    Audit::of("import", "plan_actuals", data.plan.id)
        .after(&s.filename)
        .record(&mut tx, &staff)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans/{slug}/actuals-imports/{id}")).into_response())
}
