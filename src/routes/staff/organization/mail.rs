//! The city's mail relay (planning staff only): the setting, a test message sent right away,
//! and the record of every message (宛先, 件名, 送信日時 or the last error). The relay's
//! password is written, never shown.

use crate::auth::Staff;
use crate::db::mail::{self as mdb, MailSetting};
use crate::error::{Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::organization::years::Typed;
use crate::routes::staff::sheets::edit::{Scope, change};
use crate::routes::staff::{FieldErrors, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "staff/organization/mail.html")]
pub struct MailPage {
    staff: Staff,
    configured: bool,
    has_password: bool,
    /// The values shown in the form (the stored ones, or what was typed).
    typed: Typed,
    /// The result of a test message: (sent, text).
    tested: Option<(bool, String)>,
    errors: FieldErrors,
}

/// The form's values before anything is stored.
fn defaults() -> Typed {
    Typed(HashMap::from([
        ("port".to_owned(), "25".to_owned()),
        ("security".to_owned(), "none".to_owned()),
        ("remind_days".to_owned(), "3".to_owned()),
    ]))
}

/// The fields of the form, as stored.
fn typed_from(s: &MailSetting) -> Typed {
    Typed(HashMap::from([
        ("host".to_owned(), s.host.clone()),
        ("port".to_owned(), s.port.to_string()),
        ("security".to_owned(), s.security.clone()),
        (
            "username".to_owned(),
            s.username.clone().unwrap_or_default(),
        ),
        ("sender".to_owned(), s.sender.clone()),
        ("app_url".to_owned(), s.app_url.clone()),
        ("remind_days".to_owned(), s.remind_days.to_string()),
    ]))
}

async fn page(
    state: &AppState,
    staff: Staff,
    typed: Option<Typed>,
    tested: Option<(bool, String)>,
    errors: FieldErrors,
) -> Result<MailPage> {
    let mut conn = state.pool.acquire().await?;
    let stored = mdb::setting(&mut conn, staff.municipality_id).await?;
    let own = crate::db::staff::email_of(&mut conn, staff.municipality_id, staff.user_id).await?;
    let mut typed =
        typed.unwrap_or_else(|| stored.as_ref().map(typed_from).unwrap_or_else(defaults));
    typed
        .0
        .entry("to".to_owned())
        .or_insert(own.unwrap_or_default());
    Ok(MailPage {
        staff,
        configured: stored.is_some(),
        has_password: stored.is_some_and(|s| s.password.is_some()),
        typed,
        tested,
        errors,
    })
}

/// `GET /staff/admin/mail`.
pub async fn show_mail(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    require(staff.roles.is_admin())?;
    Ok(render(&page(&state, staff, None, None, FieldErrors::default()).await?)?.into_response())
}

/// A host name or address: letters, digits, dots, hyphens (and an IPv6 address's colons).
fn host_ok(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
}

/// The typed setting, or the messages beside its fields.
fn parse_setting(
    mid: i64,
    form: &HashMap<String, String>,
    errors: &mut FieldErrors,
) -> MailSetting {
    let get = |k: &str| form.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let host = get("host");
    if !host_ok(&host) {
        errors.push("host", "メールサーバーのホスト名またはIPアドレスを入力してください（例：mail.city.example.lg.jp）。");
    }
    let port = get("port")
        .parse::<i32>()
        .ok()
        .filter(|p| (1..=65535).contains(p));
    if port.is_none() {
        errors.push(
            "port",
            "ポート番号は1〜65535の数字で入力してください（多くは25、587、465）。",
        );
    }
    let security = get("security");
    if !matches!(security.as_str(), "none" | "starttls" | "tls") {
        errors.push("security", "暗号化の方式を選んでください。");
    }
    let username = get("username");
    if username.chars().count() > 200 {
        errors.push("username", "ユーザー名は200文字以内にしてください。");
    }
    let password = form.get("password").cloned().unwrap_or_default();
    if password.chars().count() > 200 {
        errors.push("password", "パスワードは200文字以内にしてください。");
    }
    let sender = get("sender");
    if !crate::mail::address_ok(&sender) {
        errors.push(
            "sender",
            "送信元のメールアドレスを正しく入力してください（例：kikaku@city.example.lg.jp）。",
        );
    }
    let app_url = get("app_url").trim_end_matches('/').to_owned();
    let url_ok = (app_url.starts_with("http://") || app_url.starts_with("https://"))
        && app_url.len() <= 300
        && !app_url
            .chars()
            .any(|c| c.is_whitespace() || "<>\"".contains(c))
        && app_url.split("://").nth(1).is_some_and(|h| !h.is_empty());
    if !url_ok {
        errors.push(
            "app_url",
            "職員が Mokuhyo を開くアドレスを http:// または https:// から入力してください。",
        );
    }
    let remind_days = get("remind_days")
        .parse::<i32>()
        .ok()
        .filter(|d| (1..=30).contains(d));
    if remind_days.is_none() {
        errors.push(
            "remind_days",
            "お知らせを送る日数は1〜30の数字で入力してください。",
        );
    }
    MailSetting {
        municipality_id: mid,
        host,
        port: port.unwrap_or(25),
        security,
        username: (!username.is_empty()).then_some(username),
        password: (!password.is_empty()).then_some(password),
        sender,
        app_url,
        remind_days: remind_days.unwrap_or(3),
    }
}

/// `POST /staff/admin/mail`: saves the relay (`action=delete`: stops sending e-mail). An
/// empty password keeps the stored one unless `clear_password` is ticked.
pub async fn save_mail(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mid = staff.municipality_id;
    if form.get("action").map(String::as_str) == Some("delete") {
        change(&state, &staff, Scope::organization(None), async |tx| {
            if mdb::delete_setting(tx, mid).await? {
                Audit::of("delete", "mail_setting", mid)
                    .record(tx, &staff)
                    .await?;
            }
            Ok(())
        })
        .await?;
        return Ok(Redirect::to("/staff/admin/mail").into_response());
    }
    let mut errors = FieldErrors::default();
    let setting = parse_setting(mid, &form, &mut errors);
    if !errors.is_empty() {
        let mut typed = form.clone();
        typed.remove("password");
        let page = page(&state, staff, Some(Typed(typed)), None, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let clear = form.get("clear_password").is_some_and(|v| v == "on");
    let keep_password = setting.password.is_none() && !clear;
    change(&state, &staff, Scope::organization(None), async |tx| {
        mdb::save_setting(tx, &setting, keep_password).await?;
        // What changed, without the password.
        let after = serde_json::json!({
            "host": setting.host, "port": setting.port, "security": setting.security,
            "username": setting.username, "sender": setting.sender, "app_url": setting.app_url,
            "remind_days": setting.remind_days, "password_changed": !keep_password,
        });
        Audit::of("update", "mail_setting", mid)
            .after(&after)
            .record(tx, &staff)
            .await?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to("/staff/admin/mail").into_response())
}

#[derive(Debug, Deserialize)]
pub struct TestForm {
    #[serde(default)]
    to: String,
}

/// `POST /staff/admin/mail/test`: sends a message to `to` through the stored relay now
/// (within the relay timeout) and shows how it went; recorded in the mail log.
pub async fn send_test(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<TestForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mid = staff.municipality_id;
    let to = form.to.trim().to_owned();
    let mut errors = FieldErrors::default();
    if !crate::mail::address_ok(&to) {
        errors.push("to", "送信先のメールアドレスを正しく入力してください。");
    }
    let stored = mdb::setting(&mut *state.pool.acquire().await?, mid).await?;
    let setting = match stored {
        Some(s) if errors.is_empty() => s,
        other => {
            if errors.is_empty() {
                errors.push("to", "先にメールサーバーの設定を保存してください。");
            }
            let mut typed = other.as_ref().map(typed_from).unwrap_or_else(defaults);
            typed.0.insert("to".to_owned(), form.to.clone());
            let page = page(&state, staff, Some(typed), None, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let (subject, body) = crate::mail::texts::test(&staff.municipality_name, &setting.host);
    let timeout = crate::mail::send::SenderConfig::from_env().timeout;
    let sent = crate::mail::send::send_now(&setting, &to, &subject, &body, timeout).await;
    mdb::record_test(
        &state.pool,
        mid,
        &to,
        &subject,
        &body,
        sent.as_ref().err().map(String::as_str),
    )
    .await?;
    let tested = match sent {
        Ok(()) => (
            true,
            format!("{to} にテストメールを送信しました。届いたか確かめてください。"),
        ),
        Err(e) => (false, format!("送信できませんでした：{e}")),
    };
    let mut typed = typed_from(&setting);
    typed.0.insert("to".to_owned(), to);
    let page = page(
        &state,
        staff,
        Some(typed),
        Some(tested),
        FieldErrors::default(),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

/// A message as the log shows it.
pub struct LogRow {
    created: String,
    recipient: String,
    reason: &'static str,
    subject: String,
    /// 「送信済み（…）」「送信待ち（…）」「送信できませんでした」.
    state: String,
    sent: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/organization/mail_log.html")]
pub struct MailLogPage {
    staff: Staff,
    rows: Vec<LogRow>,
    older: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct LogQuery {
    before: Option<i64>,
}

const LOG_PAGE: i64 = 100;

fn reason_label(reason: &str) -> &'static str {
    match reason {
        "submitted" => "提出のお知らせ",
        "returned" => "差し戻しのお知らせ",
        "approved" => "承認のお知らせ",
        "reminder" => "期限のお知らせ",
        "welcome" => "ログイン用リンク",
        _ => "テスト",
    }
}

/// `GET /staff/admin/mail/sent`: the city's messages, newest first, 100 a page.
pub async fn show_log(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<LogQuery>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let rows = mdb::log(&state.pool, staff.municipality_id, q.before, LOG_PAGE).await?;
    let at = |t: chrono::DateTime<chrono::Utc>| {
        crate::domain::clock::in_japan(t)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let older = (rows.len() as i64 == LOG_PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let rows = rows
        .into_iter()
        .map(|m| LogRow {
            created: at(m.created_at),
            state: match (m.sent_at, m.failed_at) {
                (Some(t), _) => format!("送信済み（{}）", at(t)),
                (None, Some(t)) => format!("送信できませんでした（{}）", at(t)),
                (None, None) if m.attempts == 0 => "送信待ち".to_owned(),
                (None, None) => format!(
                    "送信待ち（{}回失敗、次の試行 {}）",
                    m.attempts,
                    at(m.next_attempt_at)
                ),
            },
            sent: m.sent_at.is_some(),
            recipient: m.recipient,
            reason: reason_label(&m.reason),
            subject: m.subject,
            error: m.last_error,
        })
        .collect();
    Ok(render(&MailLogPage { staff, rows, older })?.into_response())
}
