//! The policy's pillars (柱), managed by planning staff: number, title and 視点 paragraphs.

use crate::auth::Staff;
use crate::db::admin as adb;
use crate::db::public as q;
use crate::error::{AppError, Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::organization::years::Typed;
use crate::routes::staff::sheets::edit::{Scope, change};
use crate::routes::staff::{FieldErrors, clean, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "staff/organization/pillars.html")]
pub struct PillarsPage {
    staff: Staff,
    policy: Option<(i64, String, String)>,
    pillars: Vec<q::Pillar>,
    errors: FieldErrors,
    typed: Typed,
}

async fn pillars_page(
    state: &AppState,
    staff: Staff,
    errors: FieldErrors,
    typed: Typed,
) -> Result<PillarsPage> {
    let policy = adb::policy_of_city(&state.pool, staff.municipality_id).await?;
    let pillars = match &policy {
        Some((pid, _, _)) => q::pillars(&state.pool, staff.municipality_id, *pid).await?,
        None => vec![],
    };
    Ok(PillarsPage {
        staff,
        policy,
        pillars,
        errors,
        typed,
    })
}

/// `GET /staff/admin/pillars`.
pub async fn show_pillars(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    require(staff.roles.is_admin())?;
    Ok(
        render(&pillars_page(&state, staff, FieldErrors::default(), Typed::default()).await?)?
            .into_response(),
    )
}

#[derive(Debug, Deserialize)]
pub struct PillarForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    viewpoint: String,
}

/// A pillar's number, title and 視点 paragraphs as typed, with a message beside each field
/// that is wrong (fields named with `prefix`: one form per pillar on the page).
fn read_pillar(
    form: &PillarForm,
    prefix: &str,
    errors: &mut FieldErrors,
) -> (Option<i32>, String, Vec<String>) {
    let number = crate::domain::metric::normalize_digits(form.number.trim())
        .parse::<i32>()
        .ok()
        .filter(|n| (1..=99).contains(n));
    if number.is_none() {
        errors.push(
            &format!("{prefix}number"),
            "番号は1から99の数字で入力してください。",
        );
    }
    let title = clean(&form.title);
    if title.is_empty() || title.chars().count() > 200 {
        errors.push(
            &format!("{prefix}title"),
            "柱の名前を200文字以内で入力してください。",
        );
    }
    let viewpoint: Vec<String> = form
        .viewpoint
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(clean)
        .filter(|p| !p.is_empty())
        .collect();
    if viewpoint.iter().map(|p| p.chars().count()).sum::<usize>() > 2000 {
        errors.push(
            &format!("{prefix}viewpoint"),
            "視点は2000文字以内で入力してください。",
        );
    }
    (number, title, viewpoint)
}

/// `POST /staff/admin/pillars` (new) and `POST /staff/admin/pillars/{id}` (edit).
async fn save_pillar(
    state: AppState,
    staff: Staff,
    id: Option<i64>,
    form: PillarForm,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mid = staff.municipality_id;
    let (policy_id, _, _) = adb::policy_of_city(&state.pool, mid)
        .await?
        .ok_or(AppError::NotFound)?;
    let prefix = id
        .map(|i| format!("pillar_{i}_"))
        .unwrap_or_else(|| "new_pillar_".into());
    let mut errors = FieldErrors::default();
    let (number, title, viewpoint) = read_pillar(&form, &prefix, &mut errors);
    let typed = Typed(HashMap::from([
        (format!("{prefix}number"), form.number.clone()),
        (format!("{prefix}title"), form.title.clone()),
        (format!("{prefix}viewpoint"), form.viewpoint.clone()),
    ]));
    let Some(number) = number.filter(|_| errors.is_empty()) else {
        let page = pillars_page(&state, staff, errors, typed).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let result = change(&state, &staff, Scope::organization(None), async |tx| {
        let saved = adb::save_pillar(tx, mid, policy_id, id, number, &title, &viewpoint)
            .await?
            .ok_or(AppError::NotFound)?;
        let after = serde_json::json!({ "number": number, "title": title, "viewpoint": viewpoint });
        let action = if id.is_some() { "update" } else { "create" };
        Audit::of(action, "pillar", saved)
            .after(&after)
            .record(tx, &staff)
            .await?;
        Ok(saved)
    })
    .await;
    let saved = match result {
        Ok(saved) => saved,
        // Another pillar has this number (meanwhile).
        Err(AppError::Conflict) => {
            let mut errors = FieldErrors::default();
            errors.push(
                &format!("{prefix}number"),
                format!("({number})の柱は既にあります。"),
            );
            let page = pillars_page(&state, staff, errors, typed).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
        Err(e) => return Err(e),
    };
    Ok(Redirect::to(&format!("/staff/admin/pillars#pillar-{saved}")).into_response())
}

pub async fn create_pillar(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<PillarForm>,
) -> Result<Response> {
    save_pillar(state, staff, None, form).await
}

pub async fn update_pillar(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<PillarForm>,
) -> Result<Response> {
    save_pillar(state, staff, Some(id), form).await
}
