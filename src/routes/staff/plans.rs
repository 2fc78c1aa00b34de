//! Multi-year plans for staff: the responsible sections record each year's actuals per
//! indicator (a number for a numeric target; words and whether the target was reached for a
//! word target), and planning staff preview and publish a year's progress.

use super::{FieldErrors, require};
use crate::auth::Staff;
use crate::db::plans::{self, PlanData};
use crate::domain::plan::PlanValue;
use crate::error::{AppError, Result, render};
use crate::routes::plans::{ItemView, items, progress_page};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "staff/plans.html")]
pub struct PlansPage {
    staff: Staff,
    plans: Vec<PlanSummary>,
}

pub struct PlanSummary {
    slug: String,
    name: String,
    years: Vec<(i32, String, bool)>,
    items: Vec<(i32, String, bool)>,
}

async fn load(state: &AppState, staff: &Staff, slug: &str) -> Result<PlanData> {
    plans::load(&state.pool, staff.municipality_id, slug, true)
        .await?
        .ok_or(AppError::NotFound)
}

/// The section names this person is chief of (any year).
async fn own_section_names(state: &AppState, staff: &Staff) -> Result<Vec<String>> {
    let ids: Vec<i64> = staff
        .roles
        .all()
        .iter()
        .filter_map(|r| match r {
            crate::domain::permission::Role::SectionChief { section, .. } => Some(*section),
            _ => None,
        })
        .collect();
    Ok(plans::section_names(&state.pool, staff.municipality_id, &ids).await?)
}

fn may_record(staff: &Staff, own: &[String], sections: &[String]) -> bool {
    staff.roles.is_admin() || sections.iter().any(|s| own.contains(s))
}

/// `GET /staff/plans`: the city's plans, each item marked where this person records.
pub async fn show_plans(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    require(staff.roles.can_read_drafts())?;
    let own = own_section_names(&state, &staff).await?;
    let mut summaries = Vec::new();
    for (slug, name, _, _) in plans::plans_of_city(&state.pool, staff.municipality_id).await? {
        let data = load(&state, &staff, &slug).await?;
        summaries.push(PlanSummary {
            years: (data.plan.first_year..=data.plan.last_year)
                .map(|y| {
                    (
                        y,
                        state.eras.fiscal_year_label(y),
                        data.published_years.contains(&y),
                    )
                })
                .collect(),
            items: data
                .items
                .iter()
                .map(|i| {
                    (
                        i.number,
                        i.title.clone(),
                        may_record(&staff, &own, &i.sections),
                    )
                })
                .collect(),
            slug,
            name,
        });
    }
    let page = PlansPage {
        staff,
        plans: summaries,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

/// An indicator's field on the form.
pub struct ActualField {
    id: i64,
    name: String,
    unit: String,
    target: String,
    numeric: bool,
    value: String,
    achieved: String,
    version: i32,
}

#[derive(Template)]
#[template(path = "staff/plan_item_form.html")]
pub struct PlanItemFormPage {
    staff: Staff,
    slug: String,
    plan_name: String,
    item_label: String,
    item: ItemView,
    year: i32,
    year_label: String,
    years: Vec<(i32, String)>,
    fields: Vec<ActualField>,
    errors: FieldErrors,
    conflict: bool,
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &AppState,
    staff: Staff,
    data: &PlanData,
    number: i32,
    year: i32,
    typed: Option<&HashMap<String, String>>,
    errors: FieldErrors,
    conflict: bool,
) -> Result<PlanItemFormPage> {
    let item = items(data, &state.eras, Some(number))
        .into_iter()
        .find(|i| i.number == number)
        .ok_or(AppError::NotFound)?;
    let fields = item
        .indicators
        .iter()
        .filter_map(|ind| {
            let target = data
                .targets
                .iter()
                .find(|t| t.indicator_id == ind.id && t.year == year)?;
            let target_value = match (target.value, &target.word) {
                (Some(v), _) => PlanValue::Number(v),
                (None, Some(w)) => PlanValue::Word(w.clone()),
                _ => return None,
            };
            if target_value.is_no_target() {
                return None;
            }
            let stored = data
                .actuals
                .iter()
                .find(|a| a.indicator_id == ind.id && a.year == year);
            let stored_value = stored
                .map(|a| match (a.value, &a.word) {
                    (Some(v), _) => PlanValue::Number(v).display(),
                    (None, Some(w)) => w.clone(),
                    _ => String::new(),
                })
                .unwrap_or_default();
            let stored_achieved = match stored.and_then(|a| a.achieved) {
                Some(true) => "yes",
                Some(false) => "no",
                None => "",
            };
            let get = |k: String, default: &str| {
                typed
                    .and_then(|t| t.get(&k).cloned())
                    .unwrap_or_else(|| default.to_owned())
            };
            Some(ActualField {
                id: ind.id,
                name: ind.name.clone(),
                unit: ind.unit.clone(),
                numeric: matches!(target_value, PlanValue::Number(_)),
                target: target.written.clone(),
                value: get(format!("value_{}", ind.id), &stored_value),
                achieved: get(format!("achieved_{}", ind.id), stored_achieved),
                version: stored.map(|a| a.version).unwrap_or(0),
            })
        })
        .collect();
    Ok(PlanItemFormPage {
        staff,
        slug: data.plan.slug.clone(),
        plan_name: data.plan.name.clone(),
        item_label: data.plan.item_label.clone(),
        item,
        year,
        year_label: state.eras.fiscal_year_label(year),
        years: (data.plan.first_year..=data.plan.last_year)
            .map(|y| (y, state.eras.fiscal_year_label(y)))
            .collect(),
        fields,
        errors,
        conflict,
    })
}

fn check_year(data: &PlanData, year: i32) -> Result<()> {
    if (data.plan.first_year..=data.plan.last_year).contains(&year) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// `GET /staff/plans/{plan}/items/{n}?year=`.
pub async fn edit_actuals(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, number)): Path<(String, i32)>,
    Query(q): Query<YearQuery>,
) -> Result<Response> {
    let data = load(&state, &staff, &slug).await?;
    let item = data
        .items
        .iter()
        .find(|i| i.number == number)
        .ok_or(AppError::NotFound)?;
    let own = own_section_names(&state, &staff).await?;
    require(may_record(&staff, &own, &item.sections))?;
    let year = q.year.unwrap_or(data.plan.first_year);
    check_year(&data, year)?;
    let page = form_page(
        &state,
        staff,
        &data,
        number,
        year,
        None,
        FieldErrors::default(),
        false,
    )?;
    Ok(render(&page)?.into_response())
}

/// `POST /staff/plans/{plan}/items/{n}`: saves the year's actuals of every indicator, or none.
pub async fn save_actuals(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, number)): Path<(String, i32)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response> {
    let data = load(&state, &staff, &slug).await?;
    let item = data
        .items
        .iter()
        .find(|i| i.number == number)
        .ok_or(AppError::NotFound)?
        .clone();
    let own = own_section_names(&state, &staff).await?;
    require(may_record(&staff, &own, &item.sections))?;
    let year: i32 = form
        .get("year")
        .and_then(|y| y.parse().ok())
        .ok_or(AppError::BadRequest)?;
    check_year(&data, year)?;
    let page = form_page(
        &state,
        staff.clone(),
        &data,
        number,
        year,
        None,
        FieldErrors::default(),
        false,
    )?;
    let mut errors = FieldErrors::default();
    let mut writes = Vec::new();
    for f in &page.fields {
        let raw = form
            .get(&format!("value_{}", f.id))
            .map(|s| s.trim())
            .unwrap_or("");
        let achieved = form
            .get(&format!("achieved_{}", f.id))
            .map(String::as_str)
            .unwrap_or("");
        let version: i32 = form
            .get(&format!("version_{}", f.id))
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1);
        let field = format!("value_{}", f.id);
        let parsed = PlanValue::parse(raw);
        let (value, word) = match parsed {
            None => (None, None),
            Some(PlanValue::Number(n)) if f.numeric => (Some(n), None),
            Some(_) if f.numeric => {
                errors.push(
                    &field,
                    format!(
                        "「{}」の実績は数値で入力してください（例：75、▲554）。",
                        f.name
                    ),
                );
                continue;
            }
            Some(v) => (None, Some(v.display())),
        };
        if word.as_ref().is_some_and(|w| w.chars().count() > 100) {
            errors.push(
                &field,
                format!("「{}」の実績は100文字以内で入力してください。", f.name),
            );
            continue;
        }
        let achieved = match achieved {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        if !f.numeric && word.is_some() && achieved.is_none() {
            errors.push(
                &format!("achieved_{}", f.id),
                format!(
                    "「{}」の目標（{}）を達成したかどうかを選んでください。",
                    f.name, f.target
                ),
            );
        }
        writes.push((
            f.id,
            version,
            value,
            word,
            if f.numeric { None } else { achieved },
        ));
    }
    let mid = staff.municipality_id;
    if !errors.is_empty() {
        let page = form_page(
            &state,
            staff,
            &data,
            number,
            year,
            Some(&form),
            errors,
            false,
        )?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let mut tx = state.pool.begin().await?;
    for (id, version, value, word, achieved) in &writes {
        if !plans::save_actual(
            &mut tx,
            mid,
            *id,
            year,
            *version,
            *value,
            word.as_deref(),
            *achieved,
            staff.user_id,
        )
        .await?
        {
            tx.rollback().await?;
            // Someone saved first: show what is stored now, keep what this person typed.
            let fresh = load(&state, &staff, &slug).await?;
            let page = form_page(
                &state,
                staff,
                &fresh,
                number,
                year,
                Some(&form),
                FieldErrors::default(),
                true,
            )?;
            return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
        }
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans/{slug}/items/{number}?year={year}")).into_response())
}

/// `GET /staff/plans/{plan}/progress/{year}`: the progress as citizens would see it, with
/// every recorded actual (published or not).
pub async fn preview_progress(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, year)): Path<(String, i32)>,
) -> Result<Response> {
    require(staff.roles.can_read_drafts())?;
    let data = load(&state, &staff, &slug).await?;
    check_year(&data, year)?;
    let city = crate::db::public::municipality(&state.pool, &staff.municipality_slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = progress_page(&state, city, data, year);
    Ok(render(&page)?.into_response())
}

/// `POST /staff/plans/{plan}/years/{year}/publish`: planning staff only.
pub async fn publish_year(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, year)): Path<(String, i32)>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let data = load(&state, &staff, &slug).await?;
    check_year(&data, year)?;
    plans::publish_year(&state.pool, staff.municipality_id, data.plan.id, year).await?;
    Ok(Redirect::to("/staff/plans").into_response())
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
    Ok(super::export::xlsx(
        bytes,
        &format!("{}.xlsx", data.plan.slug),
    ))
}
