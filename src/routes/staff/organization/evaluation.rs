//! `/staff/admin/years/{year}/evaluation`: planning staff record an outside committee's
//! evaluation — the city's scale (defined once: the committee's name and its grades, such as
//! A–E or S/A/B/C) and each department's grade and comment. Citizens see it with the
//! department's results once they are published (again).

use crate::auth::Staff;
use crate::db::outside;
use crate::error::{AppError, Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::organization::years::Typed;
use crate::routes::staff::{FieldErrors, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;

#[derive(Template)]
#[template(path = "staff/organization/evaluation.html")]
pub struct EvaluationPage {
    staff: Staff,
    year: i32,
    year_label: String,
    committee: String,
    grades: String,
    /// (department id, name, grade, comment) as stored or typed.
    departments: Vec<(i64, String, String, String)>,
    scale: Vec<String>,
    errors: FieldErrors,
    saved: bool,
}

async fn year_of(state: &AppState, staff: &Staff, year: i32) -> Result<i64> {
    require(staff.roles.is_admin())?;
    Ok(
        crate::db::admin::year_ids(&state.pool, staff.municipality_id, year)
            .await?
            .ok_or(AppError::NotFound)?
            .0,
    )
}

async fn page(
    state: &AppState,
    staff: Staff,
    year: i32,
    fy: i64,
    typed: Option<&Typed>,
) -> Result<EvaluationPage> {
    let mid = staff.municipality_id;
    let (committee, scale) = outside::scale(&state.pool, mid).await?.unwrap_or_default();
    let rows = outside::grades(&state.pool, mid, fy).await?;
    let pick = |key: String, stored: String| typed.map_or(stored, |t| t.get(&key).to_owned());
    Ok(EvaluationPage {
        year,
        year_label: state.eras.fiscal_year_label(year),
        committee: pick("committee".into(), committee),
        grades: pick("grades".into(), scale.join("\n")),
        departments: rows
            .into_iter()
            .map(|(id, name, grade, comment)| {
                let grade = pick(format!("grade_{id}"), grade.unwrap_or_default());
                let comment = pick(format!("comment_{id}"), comment.unwrap_or_default());
                (id, name, grade, comment)
            })
            .collect(),
        scale,
        staff,
        errors: FieldErrors::default(),
        saved: false,
    })
}

/// `GET /staff/admin/years/{year}/evaluation`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<Response> {
    let fy = year_of(&state, &staff, year).await?;
    let mut p = page(&state, staff, year, fy, None).await?;
    p.saved = query.as_deref() == Some("saved=1");
    Ok(render(&p)?.into_response())
}

/// The scale as typed: one grade a line, no blanks, no repeats.
fn scale_of(text: &str) -> Vec<String> {
    let mut grades: Vec<String> = Vec::new();
    for g in text.lines().map(str::trim).filter(|g| !g.is_empty()) {
        if !grades.iter().any(|x| x == g) {
            grades.push(g.to_owned());
        }
    }
    grades
}

/// What is wrong with a submitted evaluation, field by field.
fn check(
    typed: &Typed,
    departments: &[(i64, String, String, String)],
) -> (FieldErrors, Vec<String>) {
    let mut errors = FieldErrors::default();
    let committee = typed.get("committee").trim();
    let scale = scale_of(typed.get("grades"));
    if committee.is_empty() || committee.chars().count() > 100 {
        errors.push(
            "committee",
            "委員会などの名前を100文字以内で入力してください。",
        );
    }
    if scale.is_empty() || scale.len() > 12 || scale.iter().any(|g| g.chars().count() > 20) {
        errors.push(
            "grades",
            "評価の段階を1行に1つ（12段階まで、各20文字まで）入力してください。",
        );
    }
    for (id, name, _, _) in departments {
        let grade = typed.get(&format!("grade_{id}")).trim();
        let comment = typed.get(&format!("comment_{id}"));
        if !grade.is_empty() && !scale.iter().any(|g| g == grade) {
            errors.push(
                &format!("grade_{id}"),
                format!("{name}の評価を段階の中から選んでください。"),
            );
        }
        if grade.is_empty() && !comment.trim().is_empty() {
            errors.push(
                &format!("grade_{id}"),
                format!("{name}のコメントには評価も選んでください。"),
            );
        }
        if comment.chars().count() > 4000 {
            errors.push(
                &format!("comment_{id}"),
                format!("{name}のコメントは4000文字以内にしてください。"),
            );
        }
    }
    (errors, scale)
}

/// `POST /staff/admin/years/{year}/evaluation`: the scale and every department's grade, in
/// one transaction, or nothing (with a message beside each wrong field).
pub async fn save(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let fy = year_of(&state, &staff, year).await?;
    let typed = Typed(form.into_iter().filter(|(k, _)| k != "csrf").collect());
    let mut p = page(&state, staff, year, fy, Some(&typed)).await?;
    let (errors, scale) = check(&typed, &p.departments);
    if !errors.is_empty() {
        p.errors = errors;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
    }
    let mid = p.staff.municipality_id;
    let mut tx = state.pool.begin().await?;
    outside::save_scale(&mut tx, mid, typed.get("committee").trim(), &scale).await?;
    for (id, _, grade, comment) in &p.departments {
        let grade = grade.trim();
        let value = (!grade.is_empty()).then_some((grade, comment.trim()));
        outside::save_grade(&mut tx, mid, fy, *id, value).await?;
    }
    let after: Vec<_> = p
        .departments
        .iter()
        .map(|(_, name, grade, comment)| serde_json::json!({ "department": name, "grade": grade, "comment": comment }))
        .collect();
    Audit::of("update", "outside_evaluation", fy)
        .after(&serde_json::json!({ "committee": typed.get("committee").trim(), "grades": scale, "departments": after }))
        .record(&mut tx, &p.staff)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/admin/years/{year}/evaluation?saved=1")).into_response())
}
