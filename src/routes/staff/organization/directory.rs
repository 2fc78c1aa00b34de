//! `/staff/admin/directory`: the city's directory setting, read-only (it is set on the
//! server with `mokuhyo directory --apply`), its password never shown.

use crate::auth::Staff;
use crate::directory::DirectoryConfig;
use crate::error::{Result, render};
use crate::routes::staff::require;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "staff/organization/directory.html")]
pub struct DirectoryPage {
    staff: Staff,
    /// The stored `directory.toml`, its password hidden; None: no directory.
    setting: Option<String>,
    /// What is wrong with it, if it does not read.
    problem: Option<String>,
}

/// `GET /staff/admin/directory`.
pub async fn show_directory(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let text = crate::db::directory::setting(&state.pool, staff.municipality_id).await?;
    let problem = text
        .as_deref()
        .and_then(|t| DirectoryConfig::parse(t).err());
    let page = DirectoryPage {
        staff,
        setting: text.as_deref().map(DirectoryConfig::redacted),
        problem,
    };
    Ok(render(&page)?.into_response())
}
