//! 「ホームページ用のファイル」: planning staff download a published year as a static site
//! (.zip) for the city's own website, and set the address links leaving it point to.

use crate::auth::Staff;
use crate::error::{AppError, Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::{FieldErrors, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff/publishing/site.html")]
pub struct SitePage {
    staff: Staff,
    base_url: String,
    /// (year, label) of the years with something published.
    years: Vec<(i32, String)>,
    errors: FieldErrors,
}

async fn site_page(
    state: &AppState,
    staff: Staff,
    typed: Option<String>,
    errors: FieldErrors,
) -> Result<SitePage> {
    let mid = staff.municipality_id;
    let (stored, years) = tokio::try_join!(
        crate::db::settings::public_base_url(&state.pool, mid),
        crate::db::publication::published_years(&state.pool, mid),
    )?;
    Ok(SitePage {
        years: years
            .into_iter()
            .map(|y| (y, state.eras.fiscal_year_label(y)))
            .collect(),
        base_url: typed.unwrap_or(stored),
        staff,
        errors,
    })
}

/// `GET /staff/admin/site`.
pub async fn show_site(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let page = site_page(&state, staff, None, FieldErrors::default()).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct SiteForm {
    #[serde(default)]
    base_url: String,
}

/// The address as stored, or the message shown beside the field.
pub fn check_base_url(typed: &str) -> std::result::Result<String, &'static str> {
    let url = typed.trim();
    if url.is_empty() {
        return Ok(String::new());
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("「https://」で始まるアドレスを入力してください（例：https://mokuhyo.city.example.lg.jp）。")?;
    if url.chars().count() > 200 {
        return Err("アドレスは200文字以内にしてください。");
    }
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty()
        || url.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c, '<' | '>' | '"' | '\'' | '`' | '?' | '#')
        })
    {
        return Err(
            "アドレスの形が正しくありません。空白や記号（< > \" ? #）を含めずに入力してください。",
        );
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// `POST /staff/admin/site`: saves the address.
pub async fn save_site(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<SiteForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    match check_base_url(&form.base_url) {
        Ok(url) => {
            let scope = crate::routes::staff::sheets::edit::Scope::organization(None);
            crate::routes::staff::sheets::edit::change(&state, &staff, scope, async |tx| {
                let mid = staff.municipality_id;
                crate::db::settings::set_public_base_url(tx, mid, &url).await?;
                let after = serde_json::json!({ "public_base_url": url });
                Audit::of("update", "municipality", mid)
                    .after(&after)
                    .record(tx, &staff)
                    .await?;
                Ok(())
            })
            .await?;
            Ok(Redirect::to("/staff/admin/site").into_response())
        }
        Err(message) => {
            let mut errors = FieldErrors::default();
            errors.push("base_url", message);
            let page = site_page(&state, staff, Some(form.base_url), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// `GET /staff/admin/years/{year}/site.zip`.
pub async fn download_site(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mid = staff.municipality_id;
    let base = crate::db::settings::public_base_url(&state.pool, mid).await?;
    let base = (!base.is_empty()).then_some(base);
    let site =
        match crate::site::build(&state, &staff.municipality_slug, year, base.as_deref()).await {
            Ok(site) => site,
            Err(crate::site::SiteError::NothingPublished) => return Err(AppError::NotFound),
            Err(e) => {
                tracing::error!(error = %e, "static site not built");
                return Err(AppError::BadRequest);
            }
        };
    let bytes = crate::site::zip(&site).map_err(|e| {
        tracing::error!(error = %e, "static site not zipped");
        AppError::BadRequest
    })?;
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}.zip\"", site.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
