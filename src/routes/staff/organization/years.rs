//! Planning staff (admin) pages: fiscal years with carry-over and the year's organization
//! (departments and sections). The policy's pillars are in `pillars.rs`, accounts in
//! `accounts.rs`.

use crate::auth::Staff;
use crate::db::admin::{self as adb, YearRow};
use crate::error::{AppError, Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::sheets::edit::{Scope, change};
use crate::routes::staff::{FieldErrors, clean, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use std::collections::HashMap;

/// Values a person typed into one of the page's forms, kept when it comes back with errors.
#[derive(Debug, Clone, Default)]
pub struct Typed(pub HashMap<String, String>);

impl Typed {
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map(String::as_str).unwrap_or("")
    }
}

/// A year as listed, with its label.
pub struct YearView {
    row: YearRow,
    label: String,
}

#[derive(Template)]
#[template(path = "staff/organization/years.html")]
pub struct AdminPage {
    staff: Staff,
    years: Vec<YearView>,
    policy: Option<(i64, String, String)>,
    errors: FieldErrors,
    typed: Typed,
}

async fn admin_page(
    state: &AppState,
    staff: Staff,
    errors: FieldErrors,
    typed: Typed,
) -> Result<AdminPage> {
    let years = adb::years(&state.pool, staff.municipality_id)
        .await?
        .into_iter()
        .map(|row| YearView {
            label: state.eras.fiscal_year_label(row.year),
            row,
        })
        .collect();
    let policy = adb::policy_of_city(&state.pool, staff.municipality_id).await?;
    Ok(AdminPage {
        staff,
        years,
        policy,
        errors,
        typed,
    })
}

/// `GET /staff/admin`: the planning staff's hub.
pub async fn show_admin(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    require(staff.roles.is_admin())?;
    Ok(
        render(&admin_page(&state, staff, FieldErrors::default(), Typed::default()).await?)?
            .into_response(),
    )
}

#[derive(Debug, Deserialize)]
pub struct YearForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    tables_title: String,
    #[serde(default)]
    copy_from: String,
    #[serde(default)]
    copy_goals: Option<String>,
}

/// The planning page again with the year form's messages and what was typed (422).
async fn year_refused(
    state: &AppState,
    staff: Staff,
    errors: FieldErrors,
    form: YearForm,
) -> Result<Response> {
    let typed = Typed(HashMap::from([
        ("year".into(), form.year),
        ("title".into(), form.title),
        ("tables_title".into(), form.tables_title),
        ("copy_from".into(), form.copy_from),
    ]));
    let page = admin_page(state, staff, errors, typed).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// The year the new one is copied from (None: a year from nothing), and a message when the
/// new year exists already or the source is not one of the city's.
fn source_year<'a>(
    state: &AppState,
    form: &YearForm,
    year: Option<i32>,
    years: &'a [YearRow],
    errors: &mut FieldErrors,
) -> Option<&'a YearRow> {
    let source = (!form.copy_from.is_empty()).then(|| {
        form.copy_from
            .parse::<i32>()
            .ok()
            .and_then(|y| years.iter().find(|r| r.year == y))
    });
    if matches!(source, Some(None)) {
        errors.push("copy_from", "引き継ぐ年度を選び直してください。");
    }
    if let Some(y) = year
        && years.iter().any(|r| r.year == y)
    {
        errors.push(
            "year",
            format!("{}は既にあります。", state.eras.fiscal_year_label(y)),
        );
    }
    source.flatten()
}

/// The new year's number and titles as typed, with a message beside each that is wrong.
fn read_year_form(form: &YearForm, errors: &mut FieldErrors) -> (Option<i32>, String, String) {
    let year = crate::domain::metric::normalize_digits(form.year.trim())
        .parse::<i32>()
        .ok()
        .filter(|y| (1900..=2200).contains(y));
    if year.is_none() {
        errors.push("year", "年度は西暦の4桁（例：2027）で入力してください。");
    }
    let title = clean(&form.title);
    if title.is_empty() || title.chars().count() > 100 {
        errors.push(
            "title",
            "冊子の表題を100文字以内で入力してください（例：刈谷市組織重点目標）。",
        );
    }
    let tables_title = clean(&form.tables_title);
    if tables_title.is_empty() || tables_title.chars().count() > 100 {
        errors.push(
            "tables_title",
            "各部の表の見出しを100文字以内で入力してください。",
        );
    }
    (year, title, tables_title)
}

/// `POST /staff/admin/years`: a new fiscal year, optionally copied from an earlier one.
pub async fn create_year(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<YearForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mid = staff.municipality_id;
    let mut errors = FieldErrors::default();
    let (year, title, tables_title) = read_year_form(&form, &mut errors);
    let years = adb::years(&state.pool, mid).await?;
    let source = source_year(&state, &form, year, &years, &mut errors);
    let policy = adb::policy_of_city(&state.pool, mid).await?;
    if policy.is_none() && source.is_none() {
        errors.push(
            "year",
            "行政経営方針がまだ登録されていません。先に柱を登録してください。",
        );
    }
    let (Some(year), true) = (year, errors.is_empty()) else {
        return year_refused(&state, staff, errors, form).await;
    };
    let policy_id = source
        .map(|s| s.policy_id)
        .or(policy.map(|p| p.0))
        .ok_or(AppError::Forbidden)?;
    let new_year = adb::NewYear {
        year,
        policy_id,
        title: &title,
        tables_title: &tables_title,
        copy_from: source.map(|s| s.id),
        copy_goals: form.copy_goals.is_some(),
        copy_roles: source.is_none_or(|s| s.year < year),
    };
    let created = change(&state, &staff, Scope::organization(None), async |tx| {
        let id = adb::create_year(tx, mid, &new_year).await?;
        let after = serde_json::json!({ "year": year, "title": title, "copied_from": source.map(|s| s.year), "goals_copied": form.copy_goals.is_some() });
        Audit::of("create", "fiscal_year", id)
            .after(&after)
            .record(tx, &staff)
            .await?;
        Ok(id)
    })
    .await;
    match created {
        Ok(_) => {}
        // Created by someone else since the check above (two planning staff at once).
        Err(AppError::Conflict) => {
            let mut errors = FieldErrors::default();
            errors.push(
                "year",
                format!("{}は既にあります。", state.eras.fiscal_year_label(year)),
            );
            return year_refused(&state, staff, errors, form).await;
        }
        Err(e) => return Err(e),
    }
    // Made from a later year: the organization page says so.
    let to = match source {
        Some(s) if s.year > year => format!("/staff/admin/years/{year}?from={}", s.year),
        _ => format!("/staff/admin/years/{year}"),
    };
    Ok(Redirect::to(&to).into_response())
}
