//! Opening a year's mid-year check (中間報告): its 基準日, the progress words and the deadline,
//! set by planning staff (audited). Until opened, no department has a mid-year report.

use crate::auth::Staff;
use crate::db::midyear::{self as mdb, Check};
use crate::domain::midyear::{DEFAULT_WORDS, as_of_label, parse_words};
use crate::error::{AppError, Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::organization::years::Typed;
use crate::routes::staff::sheets::edit::{Scope, change};
use crate::routes::staff::{FieldErrors, refused, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff/organization/midyear.html")]
pub struct MidyearPage {
    staff: Staff,
    year: i32,
    year_label: String,
    /// 「令和8年9月末時点」 once opened.
    opened: Option<String>,
    departments: Vec<(i64, String)>,
    typed: Typed,
    errors: FieldErrors,
}

async fn page(
    state: &AppState,
    staff: Staff,
    year: i32,
    typed: Option<Typed>,
    errors: FieldErrors,
) -> Result<MidyearPage> {
    let mid = staff.municipality_id;
    let (fid, _) = crate::db::admin::year_ids(&state.pool, mid, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let (check, last, deadlines, departments) = tokio::try_join!(
        mdb::check(&state.pool, mid, fid),
        mdb::last_words(&state.pool, mid),
        crate::db::deadlines::deadlines(&state.pool, mid, fid),
        crate::db::admin::org_departments(&state.pool, mid, fid),
    )?;
    let typed = typed.unwrap_or_else(|| {
        let as_of = check
            .as_ref()
            .map(|c| c.as_of)
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(year, 9, 30).expect("a valid date"));
        let words = check
            .as_ref()
            .map(|c| c.words.clone())
            .or(last)
            .unwrap_or_else(|| DEFAULT_WORDS.map(String::from).to_vec());
        let due = deadlines
            .iter()
            .find(|(k, _)| k == "midyear")
            .map(|(_, d)| *d);
        Typed(
            [
                ("as_of", as_of.format("%Y-%m-%d").to_string()),
                (
                    "due_on",
                    due.map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                ),
                ("words", words.join("\n")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        )
    });
    Ok(MidyearPage {
        opened: check.map(|c| as_of_label(&state.eras, c.as_of)),
        departments: departments.into_iter().map(|d| (d.id, d.name)).collect(),
        year_label: state.eras.fiscal_year_label(year),
        staff,
        year,
        typed,
        errors,
    })
}

/// `GET /staff/admin/years/{year}/midyear`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    Ok(render(&page(&state, staff, year, None, FieldErrors::default()).await?)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    words: String,
}

fn date(typed: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(typed.trim(), "%Y-%m-%d").ok()
}

/// `POST /staff/admin/years/{year}/midyear`: opens the check (or changes it).
pub async fn open(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
    Form(form): Form<OpenForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mid = staff.municipality_id;
    let (fid, _) = crate::db::admin::year_ids(&state.pool, mid, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    let in_year = |d: &NaiveDate| {
        *d >= NaiveDate::from_ymd_opt(year, 4, 1).expect("a valid date")
            && *d <= NaiveDate::from_ymd_opt(year + 1, 3, 31).expect("a valid date")
    };
    let as_of = date(&form.as_of).filter(in_year);
    if as_of.is_none() {
        errors.push(
            "as_of",
            "基準日は年度内（4月1日〜翌年3月31日）の日付を「2026-09-30」の形で入力してください。",
        );
    }
    let due = match form.due_on.trim() {
        "" => Ok(None),
        typed => date(typed).map(Some).ok_or(()),
    };
    if due.is_err() {
        errors.push(
            "due_on",
            "期限は「2026-10-31」の形（年-月-日）で入力してください。空欄なら期限なしです。",
        );
    }
    let words = parse_words(&form.words)
        .map_err(|m| errors.push("words", m))
        .ok();
    let (Some(as_of), Ok(due), Some(words), true) = (as_of, due, words, errors.is_empty()) else {
        let typed = Typed(
            [
                ("as_of", form.as_of),
                ("due_on", form.due_on),
                ("words", form.words),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        );
        let page = page(&state, staff, year, Some(typed), errors).await?;
        return refused(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let check = Check { as_of, words };
    change(&state, &staff, Scope::organization(None), async |tx| {
        let before = mdb::open(tx, mid, fid, &check).await?;
        crate::db::deadlines::set_deadline(tx, mid, fid, "midyear", due).await?;
        let before = before.map(|c| serde_json::json!({ "as_of": c.as_of, "words": c.words }));
        let after =
            serde_json::json!({ "as_of": check.as_of, "words": check.words, "due_on": due });
        Audit::of(
            if before.is_some() { "update" } else { "create" },
            "midyear_check",
            fid,
        )
        .before(&before)
        .after(&after)
        .record(tx, &staff)
        .await?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/staff/admin/years/{year}/midyear")).into_response())
}
