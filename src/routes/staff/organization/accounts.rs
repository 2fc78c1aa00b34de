//! Staff accounts and their roles, managed by planning staff.

use crate::auth::{Staff, password};
use crate::db::admin::{self as adb, UserRow};
use crate::db::staff::{self as staff_db, GrantError, grant_role};
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

/// A role target to choose: a department (by slug) or a section (by name) of the year.
pub struct TargetChoice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "staff/organization/accounts.html")]
pub struct UsersPage {
    staff: Staff,
    users: Vec<UserRow>,
    /// The latest year (roles are granted for it).
    year: i32,
    year_label: String,
    targets: Vec<TargetChoice>,
    errors: FieldErrors,
    typed: Typed,
}

async fn users_page(
    state: &AppState,
    staff: Staff,
    errors: FieldErrors,
    typed: Typed,
) -> Result<UsersPage> {
    let mid = staff.municipality_id;
    let users = adb::users(&state.pool, mid).await?;
    let year = staff_db::latest_year(&mut *state.pool.acquire().await?, mid).await?;
    let rows = staff_db::role_targets(&state.pool, mid, year).await?;
    let targets = rows
        .into_iter()
        .map(|(value, label, dept)| TargetChoice {
            label: if value.starts_with("s:") {
                format!("{label}（{dept}）")
            } else {
                label
            },
            value,
        })
        .collect();
    Ok(UsersPage {
        staff,
        users,
        year,
        year_label: state.eras.fiscal_year_label(year),
        targets,
        errors,
        typed,
    })
}

/// `GET /staff/admin/users`.
pub async fn show_users(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    require(staff.roles.is_admin())?;
    Ok(
        render(&users_page(&state, staff, FieldErrors::default(), Typed::default()).await?)?
            .into_response(),
    )
}

#[derive(Debug, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// `admin`, `viewer`, `d:slug` (head) or `s:name` (chief) → role and target.
fn parse_role(value: &str) -> Option<(&'static str, Option<&str>)> {
    match value {
        "admin" => Some(("admin", None)),
        "viewer" => Some(("viewer", None)),
        v => match v.split_once(':') {
            Some(("d", slug)) => Some(("department_head", Some(slug))),
            Some(("s", name)) => Some(("section_chief", Some(name))),
            _ => None,
        },
    }
}

const EMAIL_HELP: &str =
    "メールアドレスを正しく入力してください（例：yamada@city.example.lg.jp）。";

/// 3–40 of A–Z a–z 0–9 . _ - (as the database's CHECK says).
fn username_allowed(username: &str) -> bool {
    (3..=40).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// `POST /staff/admin/users`: an account with a first role.
pub async fn create_user(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<UserForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mid = staff.municipality_id;
    let mut errors = FieldErrors::default();
    let username = form.username.trim().to_owned();
    if !username_allowed(&username) {
        errors.push(
            "username",
            "ユーザー名は半角英数字と . _ - で3〜40文字にしてください。",
        );
    }
    let display_name = clean(&form.display_name);
    if display_name.is_empty() || display_name.chars().count() > 50 {
        errors.push("display_name", "表示名を50文字以内で入力してください。");
    }
    if let Some(m) = password::check_new(&form.password, &[form.username.trim(), &display_name]) {
        errors.push("password", m);
    }
    let email = form.email.trim().to_owned();
    if !email.is_empty() && !crate::mail::address_ok(&email) {
        errors.push("email", EMAIL_HELP);
    }
    let role = parse_role(&form.role);
    if role.is_none() {
        errors.push("role", "役割を選んでください。");
    }
    let typed = Typed(HashMap::from([
        ("username".to_owned(), form.username.clone()),
        ("display_name".to_owned(), form.display_name.clone()),
        ("email".to_owned(), form.email.clone()),
        ("role".to_owned(), form.role.clone()),
    ]));
    let (Some((role, target)), true) = (role, errors.is_empty()) else {
        let page = users_page(&state, staff, errors, typed).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let pw = form.password.clone();
    let hash = crate::auth::hashing::hash(pw).await?;
    let created = change(&state, &staff, Scope::organization(None), async |tx| {
        let user_id = staff_db::insert_user(tx, mid, &username, &display_name, &hash).await?;
        if !email.is_empty() {
            staff_db::set_email(tx, mid, user_id, Some(&email)).await?;
        }
        let year = staff_db::latest_year(tx, mid).await?;
        granted(grant_role(tx, mid, user_id, role, year, target).await)?;
        let after = serde_json::json!({ "username": username, "display_name": display_name, "email": email, "role": form.role });
        Audit::of("create", "app_user", user_id)
            .after(&after)
            .record(tx, &staff)
            .await?;
        Ok(user_id)
    })
    .await;
    let user_id = match created {
        Ok(id) => id,
        // The username was taken meanwhile (the only unique value of the account).
        Err(AppError::Conflict) => {
            let mut errors = FieldErrors::default();
            errors.push("username", "このユーザー名は既に使われています。");
            let page = users_page(&state, staff, errors, typed).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
        Err(e) => return Err(e),
    };
    Ok(Redirect::to(&format!("/staff/admin/users#user-{user_id}")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

/// A role granted, or 404 when its department or section is not the year's.
fn granted(result: std::result::Result<(), GrantError>) -> Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(GrantError::Database(e)) => Err(e.into()),
        Err(_) => Err(AppError::NotFound),
    }
}

async fn own_user(state: &AppState, staff: &Staff, id: i64) -> Result<()> {
    let found = staff_db::user_exists(&state.pool, staff.municipality_id, id).await?;
    if found {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// `POST /staff/admin/users/{id}/roles`: adds a role (for the latest year).
pub async fn add_role(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    own_user(&state, &staff, id).await?;
    let Some((role, target)) = parse_role(&form.role) else {
        let mut errors = FieldErrors::default();
        errors.push(&format!("role_{id}"), "役割を選んでください。");
        let page = users_page(&state, staff, errors, Typed::default()).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let mid = staff.municipality_id;
    change(&state, &staff, Scope::organization(None), async |tx| {
        let year = staff_db::latest_year(tx, mid).await?;
        granted(grant_role(tx, mid, id, role, year, target).await)?;
        let after = serde_json::json!({ "role": form.role });
        Audit::of("update", "app_user", id)
            .after(&after)
            .record(tx, &staff)
            .await?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/staff/admin/users#user-{id}")).into_response())
}

/// `POST /staff/admin/roles/{id}/delete`: removes a role. Planning staff cannot remove their
/// own admin role (so a city is never left without one by accident).
pub async fn remove_role(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mid = staff.municipality_id;
    let row = staff_db::role_assignment(&state.pool, mid, id).await?;
    let (user_id, role) = row.ok_or(AppError::NotFound)?;
    if user_id == staff.user_id && role == "admin" {
        let mut errors = FieldErrors::default();
        errors.push(
            &format!("role_{user_id}"),
            "自分自身の管理者の役割は外せません。他の管理者に依頼してください。",
        );
        let page = users_page(&state, staff, errors, Typed::default()).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    change(&state, &staff, Scope::organization(None), async |tx| {
        staff_db::delete_role_assignment(tx, mid, id).await?;
        let before = serde_json::json!({ "role": role, "role_assignment": id });
        Audit::of("delete", "role_assignment", id)
            .before(&before)
            .record(tx, &staff)
            .await?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/staff/admin/users#user-{user_id}")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    disabled: String,
}

/// `POST /staff/admin/users/{id}/disable` with `disabled=true|false`; disabling ends the
/// person's sessions.
pub async fn set_disabled(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<DisableForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    own_user(&state, &staff, id).await?;
    let disabled = form.disabled == "true";
    if disabled && id == staff.user_id {
        return Err(AppError::Forbidden);
    }
    let mid = staff.municipality_id;
    change(&state, &staff, Scope::organization(None), async |tx| {
        staff_db::set_disabled(tx, mid, id, disabled).await?;
        let after = serde_json::json!({ "disabled": disabled });
        Audit::of("update", "app_user", id)
            .after(&after)
            .record(tx, &staff)
            .await?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/staff/admin/users#user-{id}")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

/// `POST /staff/admin/users/{id}/email`: sets (or, empty, removes) an account's address.
pub async fn set_email(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<EmailForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    own_user(&state, &staff, id).await?;
    let email = form.email.trim().to_owned();
    if !email.is_empty() && !crate::mail::address_ok(&email) {
        let mut errors = FieldErrors::default();
        errors.push(&format!("email_{id}"), EMAIL_HELP);
        let typed = Typed(HashMap::from([(format!("email_{id}"), form.email.clone())]));
        let page = users_page(&state, staff, errors, typed).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let mid = staff.municipality_id;
    change(&state, &staff, Scope::organization(None), async |tx| {
        let new = (!email.is_empty()).then_some(email.as_str());
        let before = staff_db::set_email(tx, mid, id, new).await?;
        Audit::of("update", "app_user", id)
            .before(&serde_json::json!({ "email": before.flatten() }))
            .after(&serde_json::json!({ "email": new }))
            .record(tx, &staff)
            .await?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/staff/admin/users#user-{id}")).into_response())
}
