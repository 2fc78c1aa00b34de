//! Multi-year plans for staff: the responsible sections record each year's actuals per
//! indicator (a number for a numeric target; words and whether the target was reached for a
//! word target), and planning staff preview and publish a year's progress.

pub mod actuals;
pub mod actuals_import;
pub mod editor;
pub mod import;
pub mod item_editor;
mod item_form;
pub mod nodes;
pub mod publication;
pub mod years;

use crate::auth::Staff;
use crate::db::plans::{self, PlanData};
use crate::error::{AppError, Result, render};
use crate::routes::staff::{FieldErrors, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "staff/plans/list.html")]
pub struct PlansPage {
    staff: Staff,
    plans: Vec<PlanSummary>,
    errors: FieldErrors,
}

pub struct PlanSummary {
    slug: String,
    name: String,
    /// Whether citizens see the plan (a draft otherwise).
    published: bool,
    years: Vec<YearRow>,
    items: Vec<(i32, String, bool)>,
}

/// A plan year on the staff page: its evaluation's state and the publication form.
pub struct YearRow {
    year: i32,
    label: String,
    reviewed: bool,
    /// 「令和元年6月28日」 once published.
    published_on: Option<String>,
    /// The 公表日 typed (kept when the form is refused).
    typed: String,
}

pub(super) async fn load(state: &AppState, staff: &Staff, slug: &str) -> Result<PlanData> {
    plans::load(&state.pool, staff.municipality_id, slug, true)
        .await?
        .ok_or(AppError::NotFound)
}

/// A transaction holding a plan's lock (every writer of a plan takes it first; waited for
/// without holding a connection). Another writer holding it too long: 409, nothing written.
pub(super) async fn lock(state: &AppState, mid: i64, slug: &str) -> Result<Tx> {
    crate::db::plan_imports::begin_locked(&state.pool, mid, slug)
        .await?
        .ok_or(AppError::Conflict)
}

/// The plan as stored, read inside the locked transaction (one connection, no second one).
pub(super) async fn load_locked(tx: &mut Tx, staff: &Staff, slug: &str) -> Result<PlanData> {
    plans::load_in(tx, staff.municipality_id, slug)
        .await?
        .ok_or(AppError::NotFound)
}

/// A write to a plan by planning staff: the transaction holding the plan's lock, and the
/// plan as stored once the lock is held.
pub(super) async fn begin_write(
    state: &AppState,
    staff: &Staff,
    slug: &str,
) -> Result<(PlanData, Tx)> {
    require(staff.roles.is_admin())?;
    let mut tx = lock(state, staff.municipality_id, slug).await?;
    let data = load_locked(&mut tx, staff, slug).await?;
    Ok((data, tx))
}

pub(super) type Tx = sqlx::Transaction<'static, sqlx::Postgres>;

/// The section ids this person is chief of (any year).
fn own_sections(staff: &Staff) -> Vec<i64> {
    staff
        .roles
        .all()
        .iter()
        .filter_map(|r| match r {
            crate::domain::permission::Role::SectionChief { section, .. } => Some(*section),
            _ => None,
        })
        .collect()
}

/// Planning staff record every item; a section chief the items linked to their section.
pub(super) fn may_record(staff: &Staff, data: &PlanData, item_id: i64) -> bool {
    let own = own_sections(staff);
    staff.roles.is_admin()
        || data
            .items
            .iter()
            .any(|i| i.id == item_id && i.section_ids.iter().any(|s| own.contains(s)))
}

/// The staff plans page; `typed` is a refused publication form's plan, year and date.
pub(super) async fn plans_page(
    state: &AppState,
    staff: Staff,
    errors: FieldErrors,
    typed: Option<(&str, i32, &str)>,
) -> Result<PlansPage> {
    let mut summaries = Vec::new();
    for (slug, name, _, _) in
        plans::plans_of_city(&state.pool, staff.municipality_id, false).await?
    {
        let data = load(state, &staff, &slug).await?;
        summaries.push(PlanSummary {
            published: data.plan.published_at.is_some(),
            years: data
                .years
                .iter()
                .map(|y| YearRow {
                    year: y.year,
                    label: state.eras.fiscal_year_label(y.year),
                    reviewed: y.reviewed,
                    published_on: y.published_on.map(|d| state.eras.date_label(d)),
                    typed: typed
                        .filter(|t| t.0 == slug && t.1 == y.year)
                        .map(|t| t.2.to_owned())
                        .unwrap_or_default(),
                })
                .collect(),
            items: data
                .items
                .iter()
                .map(|i| (i.number, i.title.clone(), may_record(&staff, &data, i.id)))
                .collect(),
            slug,
            name,
        });
    }
    Ok(PlansPage {
        staff,
        plans: summaries,
        errors,
    })
}

/// `GET /staff/plans`: the city's plans, each item marked where this person records.
pub async fn show_plans(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    require(staff.roles.can_read_drafts())?;
    let page = plans_page(&state, staff, FieldErrors::default(), None).await?;
    Ok(render(&page)?.into_response())
}

pub(super) fn check_year(data: &PlanData, year: i32) -> Result<()> {
    if (data.plan.first_year..=data.plan.last_year).contains(&year) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// `GET /staff/plans/{plan}/export.xlsx`: the whole plan as the workbook plans are kept in.
pub async fn export_plan(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
) -> Result<Response> {
    require(staff.roles.can_read_drafts())?;
    let data = load(&state, &staff, &slug).await?;
    let eras = state.eras.clone();
    let bytes =
        crate::export::plan_workbook(&data, |y| eras.fiscal_year_label(y)).map_err(|e| {
            tracing::error!(error = %e, "plan export failed");
            AppError::BadRequest
        })?;
    Ok(crate::routes::staff::imports::downloads::xlsx(
        bytes,
        &format!("{}.xlsx", data.plan.slug),
    ))
}
