//! Signing in and out, and changing one's password.

use crate::auth::guard::{CurrentStaff, LOGIN_COOKIE};
use crate::auth::{Staff, hashing, password, session};
use crate::db::staff as staff_db;
use crate::error::{AppError, Result, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;
use std::net::SocketAddr;

/// Failed sign-ins for one account from one address within the window before that pair is
/// blocked (a colleague at the same address, signing into their own account, is not).
pub const MAX_FAILURES: i64 = 10;
/// Failed sign-ins from one address, over all accounts, before the address is blocked: one
/// machine guessing many accounts (high, since a city hall's staff share a proxy's address).
pub const MAX_ADDRESS_FAILURES: i64 = 50;
/// The throttling window.
pub const FAILURE_WINDOW_MINUTES: i32 = 15;

/// How long an attempt waits before its password is checked when the account has had many
/// failures from anywhere: nothing up to [`MAX_FAILURES`], then 0.25 s doubling up to 8 s. The
/// account's owner is slowed down, never locked out.
pub fn account_delay(account_failures: i64) -> std::time::Duration {
    let over = account_failures - MAX_FAILURES;
    if over <= 0 {
        return std::time::Duration::ZERO;
    }
    let millis = 250u64.saturating_mul(1 << over.min(5));
    std::time::Duration::from_millis(millis.min(8_000))
}

#[derive(Template)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    csrf: String,
    username: String,
    next: String,
    error: Option<String>,
    /// Cities whose staff sign in through their directory: (slug, name).
    cities: Vec<(String, String)>,
    /// The city chosen on the form.
    city: String,
}

/// The cities whose directories staff may sign in through (the login page's list).
async fn directory_cities(state: &AppState) -> Result<Vec<(String, String)>> {
    Ok(crate::db::directory::cities(&state.pool)
        .await?
        .into_iter()
        .map(|(slug, name, _)| (slug, name))
        .collect())
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// The address sign-in failures are counted against: the TCP peer, or — behind a trusted
/// reverse proxy — the address that proxy appended last to `X-Forwarded-For` (earlier entries
/// can be forged by the client).
pub fn client_address(
    peer: Option<SocketAddr>,
    forwarded_for: Option<&str>,
    trust_proxy: bool,
) -> String {
    if trust_proxy
        && let Some(last) = forwarded_for
            .and_then(|f| f.rsplit(',').next())
            .map(str::trim)
            .filter(|a| !a.is_empty())
    {
        return last.to_owned();
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_address_comes_from_the_proxy_only_when_trusted() {
        let peer: SocketAddr = "10.0.0.5:443".parse().unwrap();
        assert_eq!(
            client_address(Some(peer), Some("203.0.113.9"), false),
            "10.0.0.5"
        );
        assert_eq!(
            client_address(Some(peer), Some("1.1.1.1, 203.0.113.9"), true),
            "203.0.113.9"
        );
        assert_eq!(client_address(Some(peer), None, true), "10.0.0.5");
        assert_eq!(client_address(None, None, false), "unknown");
    }

    #[test]
    fn only_our_staff_pages_are_targets_after_sign_in() {
        assert_eq!(
            safe_next(Some("/staff/goals/1/edit")),
            "/staff/goals/1/edit"
        );
        assert_eq!(safe_next(Some("https://evil.example/")), "/staff");
        assert_eq!(safe_next(Some("/staff//evil.example")), "/staff");
        assert_eq!(safe_next(None), "/staff");
        assert_eq!(safe_next(Some("/staff/a\nb")), "/staff");
        assert_eq!(safe_next(Some("/staff/a\r\nSet-Cookie: x=1")), "/staff");
        assert_eq!(safe_next(Some("/staff/a b")), "/staff");
        assert_eq!(safe_next(Some("/staff/検索")), "/staff");
        assert_eq!(
            safe_next(Some("/staff/plans/kazo?x=%E3%81%82")),
            "/staff/plans/kazo?x=%E3%81%82"
        );
    }
}

/// Whether the request came over HTTPS (directly or through a proxy that says so).
fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v == "https")
}

/// Only our own staff pages are valid targets after sign-in (no open redirect), written in
/// visible ASCII (a line break or a space cannot go into a `Location` header); anything
/// else falls back to the staff home.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/staff")
                && !n.contains("//")
                && !n.contains('\\')
                && n.len() <= 2000
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n.to_owned()
        }
        _ => "/staff".to_owned(),
    }
}

/// `GET /login`.
pub async fn show_login(
    State(state): State<AppState>,
    Extension(CurrentStaff(current)): Extension<CurrentStaff>,
    headers: HeaderMap,
    jar: CookieJar,
    Query(q): Query<NextQuery>,
) -> Result<Response> {
    let next = safe_next(q.next.as_deref());
    if current.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let (jar, csrf) = login_csrf(jar, &headers);
    Ok((
        jar,
        render(&LoginPage {
            csrf,
            username: String::new(),
            next,
            error: None,
            cities: directory_cities(&state).await?,
            city: String::new(),
        })?,
    )
        .into_response())
}

/// The sign-in form's token: the pre-sign-in cookie's value, set when missing.
pub(crate) fn login_csrf(jar: CookieJar, headers: &HeaderMap) -> (CookieJar, String) {
    if let Some(c) = jar.get(LOGIN_COOKIE) {
        let value = c.value().to_owned();
        return (jar, value);
    }
    let token = session::random_token();
    let cookie = Cookie::build((LOGIN_COOKIE, token.clone()))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(is_https(headers))
        .build();
    (jar.add(cookie), token)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
    /// The city whose directory to sign in through, where several have one.
    city: Option<String>,
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let client = client_address(
        connect.map(|Extension(c)| c.0),
        forwarded,
        state.trust_proxy,
    );
    // (The guard has taken control characters out of the form already.)
    let username = form.username.trim();
    // Counted before the password is checked, so parallel guesses cannot slip past the count.
    let (attempt, counts) =
        staff_db::begin_attempt(&state.pool, &client, username, FAILURE_WINDOW_MINUTES).await?;
    if counts.pair > MAX_FAILURES || counts.address > MAX_ADDRESS_FAILURES {
        staff_db::forget_attempt(&state.pool, attempt).await?;
        tracing::warn!(client = %client, "sign-in throttled");
        return Err(AppError::TooManyRequests);
    }
    let delay = account_delay(counts.account);
    if !delay.is_zero() {
        tracing::warn!(client = %client, delay_ms = delay.as_millis() as u64, "sign-in slowed down: many failures for this account");
        tokio::time::sleep(delay).await;
    }
    let outcome = check_credentials(&state, username, &form).await?;
    let user_id = match outcome {
        Ok(id) => id,
        Err((message, status, failure)) => {
            // A failure's attempt stays recorded; a directory that is down is nobody's.
            if !failure {
                staff_db::forget_attempt(&state.pool, attempt).await?;
            }
            let (jar, csrf) = login_csrf(jar, &headers);
            let page = LoginPage {
                csrf,
                username: form.username,
                next: safe_next(form.next.as_deref()),
                error: Some(message),
                cities: directory_cities(&state).await?,
                city: form.city.unwrap_or_default(),
            };
            return Ok((status, jar, render(&page)?).into_response());
        }
    };
    crate::db::directory::signed_in(&state.pool, user_id).await?;
    staff_db::clear_pair(&state.pool, attempt, &client, username).await?;
    // A fresh session id at every sign-in; any session this browser had ends.
    if let Some(old) = jar.get(session::COOKIE) {
        session::delete(&state.pool, old.value()).await?;
    }
    let jar = start_session(&state, jar, &headers, user_id).await?;
    Ok((jar, Redirect::to(&safe_next(form.next.as_deref()))).into_response())
}

/// Starts a session for `user_id`: its cookie set, the sign-in form's cookie gone.
pub(crate) async fn start_session(
    state: &AppState,
    jar: CookieJar,
    headers: &HeaderMap,
    user_id: i64,
) -> Result<CookieJar> {
    let token = session::create(&state.pool, user_id).await?;
    tracing::info!(user_id, "signed in");
    let cookie = Cookie::build((session::COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(is_https(headers))
        .build();
    Ok(jar
        .add(cookie)
        .remove(Cookie::build(LOGIN_COOKIE).path("/login")))
}

/// A refused sign-in: the message, the status, and whether it counts as a failed attempt.
type Refused = (String, StatusCode, bool);

/// The account `username` and the form's password sign in to: a local account by its
/// password, else a directory's person (see `auth::directory`).
async fn check_credentials(
    state: &AppState,
    username: &str,
    form: &LoginForm,
) -> Result<std::result::Result<i64, Refused>> {
    use crate::auth::directory::{Outcome, sign_in};
    let wrong = || {
        Err((
            "ユーザー名またはパスワードが正しくありません。".to_owned(),
            StatusCode::UNAUTHORIZED,
            true,
        ))
    };
    let pw = form.password.clone();
    if let Some((id, hash)) = staff_db::account_for_sign_in(&state.pool, username).await? {
        return Ok(if hashing::verify(pw, hash).await? {
            Ok(id)
        } else {
            wrong()
        });
    }
    match sign_in(state, username, form.city.as_deref(), &form.password).await? {
        Some(Outcome::SignedIn(id)) => Ok(Ok(id)),
        Some(Outcome::Refused(message, status, failure)) => Ok(Err((message, status, failure))),
        None => {
            hashing::verify_dummy(pw).await?;
            Ok(wrong())
        }
    }
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> Result<Response> {
    if let Some(c) = jar.get(session::COOKIE) {
        session::delete(&state.pool, c.value()).await?;
    }
    let jar = jar.remove(Cookie::build(session::COOKIE).path("/"));
    Ok((jar, Redirect::to("/")).into_response())
}

#[derive(Template)]
#[template(path = "staff/password.html")]
pub struct PasswordPage {
    staff: Staff,
    errors: Vec<(&'static str, String)>,
    done: bool,
    /// The account signs in through the directory (no password here).
    directory: bool,
}

impl PasswordPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// `GET /staff/password`.
pub async fn show_password(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    let directory = staff_db::password_hash(&state.pool, staff.municipality_id, staff.user_id)
        .await?
        .is_none();
    Ok(render(&PasswordPage {
        staff,
        errors: vec![],
        done: false,
        directory,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_confirmation: String,
}

/// `POST /staff/password`: needs the current password; ends the person's other sessions.
pub async fn change_password(
    State(state): State<AppState>,
    staff: Staff,
    jar: CookieJar,
    Form(form): Form<PasswordForm>,
) -> Result<Response> {
    let Some(hash) =
        staff_db::password_hash(&state.pool, staff.municipality_id, staff.user_id).await?
    else {
        // Signs in through the directory: its password is changed there.
        return Err(AppError::Forbidden);
    };
    let current = form.current_password.clone();
    let current_ok = hashing::verify(current, hash).await?;
    let mut errors = Vec::new();
    if !current_ok {
        errors.push((
            "current_password",
            "現在のパスワードが正しくありません。".to_owned(),
        ));
    }
    let names = [staff.username.as_str(), staff.display_name.as_str()];
    errors.extend(password::check_pair(
        &form.new_password,
        &form.new_password_confirmation,
        &names,
    ));
    if !errors.is_empty() {
        let page = PasswordPage {
            staff,
            errors,
            done: false,
            directory: false,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let new = form.new_password.clone();
    let new_hash = hashing::hash(new).await?;
    staff_db::set_password_hash(&state.pool, staff.municipality_id, staff.user_id, &new_hash)
        .await?;
    if let Some(c) = jar.get(session::COOKIE) {
        session::delete_others(&state.pool, staff.user_id, c.value()).await?;
    }
    Ok(render(&PasswordPage {
        staff,
        errors: vec![],
        done: true,
        directory: false,
    })?
    .into_response())
}
