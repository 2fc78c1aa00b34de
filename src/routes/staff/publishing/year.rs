//! A year's publication overview for planning staff, and publishing every approved
//! department's targets and results in one step, on a date they choose (a past year's real
//! date; never a future one).

use crate::auth::Staff;
use crate::db::publication as pubdb;
use crate::error::{AppError, Result, render};
use crate::routes::staff::organization::years::Typed;
use crate::routes::staff::sheets::workflow::state_label;
use crate::routes::staff::{FieldErrors, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::NaiveDate;
use serde::Deserialize;

/// A department on the overview.
pub struct OverviewView {
    id: i64,
    name: String,
    state: String,
    state_label: &'static str,
    published: Option<String>,
    edited_since: bool,
    results_state: String,
    results_label: &'static str,
    results_version: Option<i32>,
    midyear_label: &'static str,
    midyear_version: Option<i32>,
}

#[derive(Template)]
#[template(path = "staff/publishing/year.html")]
pub struct OverviewPage {
    staff: Staff,
    year: i32,
    year_label: String,
    rows: Vec<OverviewView>,
    approved: usize,
    approved_results: usize,
    approved_midyear: usize,
    /// Whether the year's mid-year check is open (else no column).
    midyear: bool,
    /// The 公表日 field as typed (default today).
    published_on: String,
    /// Departments publishing without review would take: with goals, with results.
    with_goals: usize,
    with_results: usize,
    /// The form publishing without review, as typed.
    skip_on: String,
    skip_kind: String,
    errors: FieldErrors,
}

async fn fiscal_year_id(state: &AppState, staff: &Staff, year: i32) -> Result<(i64, i64)> {
    crate::db::admin::year_ids(&state.pool, staff.municipality_id, year)
        .await?
        .ok_or(AppError::NotFound)
}

async fn overview_page(
    state: &AppState,
    staff: Staff,
    year: i32,
    typed: Typed,
    errors: FieldErrors,
) -> Result<OverviewPage> {
    let (fid, _) = fiscal_year_id(state, &staff, year).await?;
    let (overview, check) = tokio::try_join!(
        pubdb::overview(&state.pool, staff.municipality_id, fid),
        crate::db::midyear::check(&state.pool, staff.municipality_id, fid),
    )?;
    let approved_midyear = overview
        .iter()
        .filter(|r| r.midyear_state == "approved")
        .count();
    let with_goals = overview.iter().filter(|r| r.has_goals).count();
    let with_results = overview.iter().filter(|r| r.has_results).count();
    let rows: Vec<OverviewView> = overview
        .into_iter()
        .map(|r| OverviewView {
            state_label: state_label(&r.state),
            published: r
                .version
                .zip(r.published_on)
                .map(|(v, d)| format!("第{v}版（{}）", state.eras.date_label(d))),
            edited_since: r.edited_since,
            results_label: state_label(&r.results_state),
            results_version: r.results_version,
            results_state: r.results_state,
            midyear_label: state_label(&r.midyear_state),
            midyear_version: r.midyear_version,
            id: r.id,
            name: r.name,
            state: r.state,
        })
        .collect();
    let approved = rows.iter().filter(|r| r.state == "approved").count();
    let approved_results = rows
        .iter()
        .filter(|r| r.results_state == "approved")
        .count();
    let today = state.clock.today().format("%Y-%m-%d").to_string();
    let published_on = typed
        .0
        .get("published_on")
        .cloned()
        .unwrap_or(today.clone());
    let skip_on = typed.0.get("skip_on").cloned().unwrap_or(today);
    let skip_kind = typed.0.get("kind").cloned().unwrap_or("results".to_owned());
    Ok(OverviewPage {
        year_label: state.eras.fiscal_year_label(year),
        staff,
        year,
        rows,
        approved,
        approved_results,
        approved_midyear,
        midyear: check.is_some(),
        published_on,
        with_goals,
        with_results,
        skip_on,
        skip_kind,
        errors,
    })
}

/// `GET /staff/admin/years/{year}/publication`: every department's review state.
pub async fn show_overview(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let page = overview_page(
        &state,
        staff,
        year,
        Typed::default(),
        FieldErrors::default(),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

/// The 公表日 typed, or the message shown beside the field.
pub fn check_publication_date(
    typed: &str,
    today: NaiveDate,
) -> std::result::Result<NaiveDate, &'static str> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(today);
    }
    let date = NaiveDate::parse_from_str(typed, "%Y-%m-%d")
        .map_err(|_| "公表日は「2019-03-29」の形（年-月-日）で入力してください。")?;
    if date > today {
        return Err("公表日に先の日付は指定できません。今日か、それより前の日付にしてください。");
    }
    if date < NaiveDate::from_ymd_opt(1989, 1, 8).expect("a valid date") {
        return Err("公表日は平成元年（1989年1月8日）以降の日付にしてください。");
    }
    Ok(date)
}

#[derive(Debug, Deserialize)]
pub struct PublishYearForm {
    #[serde(default)]
    published_on: String,
}

/// `POST /staff/admin/years/{year}/publish`: publishes every approved department's targets
/// and results at once, dated as chosen.
pub async fn publish_year(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
    Form(form): Form<PublishYearForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let (fid, policy_id) = fiscal_year_id(&state, &staff, year).await?;
    let on = match check_publication_date(&form.published_on, state.clock.today()) {
        Ok(on) => on,
        Err(message) => {
            let mut errors = FieldErrors::default();
            errors.push("published_on", message);
            let typed = [("published_on", form.published_on)];
            return refused(&state, staff, year, typed, errors).await;
        }
    };
    let mid = staff.municipality_id;
    for row in pubdb::overview(&state.pool, mid, fid).await? {
        // Only what is still approved when its turn comes: a department published meanwhile
        // by someone else is left as it is.
        let request = pubdb::PublishRequest {
            mid,
            fiscal_year_id: fid,
            department_id: row.id,
            kind: "targets",
            from: &["approved"],
            user_id: Some(staff.user_id),
            on,
            note: None,
        };
        let kinds = Kinds {
            targets: row.state == "approved",
            midyear: row.midyear_state == "approved",
            results: row.results_state == "approved",
        };
        publish_department(&state, request, &row, policy_id, kinds).await?;
    }
    Ok(Redirect::to(&format!("/staff/admin/years/{year}/publication")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct PublishAllForm {
    #[serde(default)]
    published_on: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    confirmed: Option<String>,
}

/// The history note of a publication made without review.
pub const WITHOUT_REVIEW: &str = "企画担当が審査を省略して、年度の全部局をまとめて公表しました。";

/// `POST /staff/admin/years/{year}/publish-all`: publishes every department's targets and/or
/// results whatever their review state (a past year brought in from the city's files), on the
/// date chosen; each step is in the department's history, by the planning staff member.
pub async fn publish_all(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
    Form(form): Form<PublishAllForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let (fid, policy_id) = fiscal_year_id(&state, &staff, year).await?;
    let mut errors = FieldErrors::default();
    let on = check_publication_date(&form.published_on, state.clock.today())
        .map_err(|m| errors.push("skip_on", m))
        .ok();
    let (targets, results) = match form.kind.as_str() {
        "targets" => (true, false),
        "results" => (false, true),
        "both" => (true, true),
        _ => {
            errors.push(
                "kind",
                "公表するもの（組織目標・実績・成果）を選んでください。",
            );
            (false, false)
        }
    };
    if form.confirmed.is_none() {
        errors.push(
            "confirmed",
            "審査を省略して公表することを確かめたら、チェックを入れてください。",
        );
    }
    let (Some(on), true) = (on, errors.is_empty()) else {
        let typed = [("skip_on", form.published_on), ("kind", form.kind)];
        return refused(&state, staff, year, typed, errors).await;
    };
    let mid = staff.municipality_id;
    for row in pubdb::overview(&state.pool, mid, fid).await? {
        let request = pubdb::PublishRequest {
            mid,
            fiscal_year_id: fid,
            department_id: row.id,
            kind: "targets",
            from: pubdb::ANY_STATE,
            user_id: Some(staff.user_id),
            on,
            note: Some(WITHOUT_REVIEW),
        };
        let kinds = Kinds {
            targets: targets && row.has_goals,
            midyear: false,
            results: results && row.has_results,
        };
        publish_department(&state, request, &row, policy_id, kinds).await?;
    }
    Ok(Redirect::to(&format!("/staff/admin/years/{year}/publication")).into_response())
}

/// Which of a department's sheets to publish.
struct Kinds {
    targets: bool,
    midyear: bool,
    results: bool,
}

/// Publishes one department's live targets, mid-year report and/or results as `request` says
/// (its `kind` is set here).
async fn publish_department(
    state: &AppState,
    mut request: pubdb::PublishRequest<'_>,
    row: &pubdb::OverviewRow,
    policy_id: i64,
    kinds: Kinds,
) -> Result<()> {
    let mid = request.mid;
    let Kinds {
        targets,
        midyear,
        results,
    } = kinds;
    if midyear
        && let Some(check) =
            crate::db::midyear::check(&state.pool, mid, request.fiscal_year_id).await?
    {
        let department = crate::db::editing::department(&state.pool, mid, row.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let sheet = crate::db::midyear::sheet(&state.pool, mid, &department, &check).await?;
        request.kind = "midyear";
        pubdb::publish_sheet(&state.pool, &request, &sheet).await?;
    }
    if targets {
        request.kind = "targets";
        let sheet =
            crate::db::sheets::target_sheet(&state.pool, mid, row.id, &row.name, policy_id).await?;
        pubdb::publish_sheet(&state.pool, &request, &sheet).await?;
    }
    if results {
        let department = crate::db::editing::department(&state.pool, mid, row.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let sheet = crate::db::sheets::results_sheet(&state.pool, mid, &department).await?;
        request.kind = "results";
        pubdb::publish_sheet(&state.pool, &request, &sheet).await?;
    }
    Ok(())
}

/// The overview again with a form's messages and what was typed (422).
async fn refused<const N: usize>(
    state: &AppState,
    staff: Staff,
    year: i32,
    typed: [(&str, String); N],
    errors: FieldErrors,
) -> Result<Response> {
    let typed = Typed(typed.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
    let page = overview_page(state, staff, year, typed, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}
