//! `/login/welcome/{token}`: a person made from the personnel list sets their own password
//! with the one-time link planning staff handed them (or the city's relay sent them), and is
//! signed in. The link works once, until it expires, and only while the account is enabled.

use crate::auth::{hashing, password, session};
use crate::db::personnel as pdb;
use crate::error::{Result, render};
use crate::routes::auth::{login_csrf, start_session};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "auth/welcome.html")]
pub struct WelcomePage {
    csrf: String,
    token: String,
    /// (display name, username) while the link works; None: it does not.
    account: Option<(String, String)>,
    errors: Vec<(&'static str, String)>,
}

impl WelcomePage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// A token as it may appear: 64 hex digits (anything else finds nothing, unread).
fn plausible(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn account_of(state: &AppState, token: &str) -> Result<Option<(String, String)>> {
    if !plausible(token) {
        return Ok(None);
    }
    let mut conn = state.pool.acquire().await?;
    Ok(pdb::link_account(&mut conn, &session::digest(token))
        .await?
        .map(|(_, _, name, username)| (name, username)))
}

fn page(
    jar: CookieJar,
    headers: &HeaderMap,
    token: String,
    account: Option<(String, String)>,
    errors: Vec<(&'static str, String)>,
) -> (CookieJar, WelcomePage) {
    let (jar, csrf) = login_csrf(jar, headers);
    (
        jar,
        WelcomePage {
            csrf,
            token,
            account,
            errors,
        },
    )
}

/// `GET /login/welcome/{token}`.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    Path(token): Path<String>,
) -> Result<Response> {
    let account = account_of(&state, &token).await?;
    let status = if account.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let (jar, p) = page(jar, &headers, token, account, vec![]);
    Ok((status, jar, render(&p)?).into_response())
}

#[derive(Deserialize)]
pub struct WelcomeForm {
    new_password: String,
    new_password_confirmation: String,
}

/// `POST /login/welcome/{token}`: sets the password, uses the link up, signs in.
pub async fn set_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<WelcomeForm>,
) -> Result<Response> {
    let Some((name, username)) = account_of(&state, &token).await? else {
        let (jar, p) = page(jar, &headers, token, None, vec![]);
        return Ok((StatusCode::NOT_FOUND, jar, render(&p)?).into_response());
    };
    let errors: Vec<_> = password::check_pair(
        &form.new_password,
        &form.new_password_confirmation,
        &[&username, &name],
    )
    .into_iter()
    .collect();
    if !errors.is_empty() {
        let (jar, p) = page(jar, &headers, token, Some((name, username)), errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, jar, render(&p)?).into_response());
    }
    let hash = hashing::hash(form.new_password.clone()).await?;
    let mut tx = state.pool.begin().await?;
    let used = pdb::use_link(&mut tx, &session::digest(&token), &hash).await?;
    tx.commit().await?;
    let Some(user_id) = used else {
        // Used meanwhile (another tab, another person): it works once.
        let (jar, p) = page(jar, &headers, token, None, vec![]);
        return Ok((StatusCode::NOT_FOUND, jar, render(&p)?).into_response());
    };
    let jar = start_session(&state, jar, &headers, user_id).await?;
    Ok((jar, Redirect::to("/staff")).into_response())
}
