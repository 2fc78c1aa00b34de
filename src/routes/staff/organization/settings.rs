//! The city's sheet layout (刈谷市-style target table or 国分寺市-style deployment table) and
//! its list of goal categories, managed by planning staff.

use crate::auth::Staff;
use crate::db::settings;
use crate::error::{Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::organization::years::Typed;
use crate::routes::staff::{FieldErrors, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff/organization/settings.html")]
pub struct LayoutPage {
    staff: Staff,
    layout: String,
    /// (name, goals using it)
    categories: Vec<(String, i64)>,
    errors: FieldErrors,
    typed: Typed,
}

impl LayoutPage {
    fn categories_text(&self) -> String {
        if self.typed.0.contains_key("categories") {
            self.typed.get("categories").to_owned()
        } else {
            self.categories
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

async fn layout_page(
    state: &AppState,
    staff: Staff,
    errors: FieldErrors,
    typed: Typed,
) -> Result<LayoutPage> {
    let (layout, categories) =
        settings::layout_settings(&state.pool, staff.municipality_id).await?;
    Ok(LayoutPage {
        staff,
        layout: typed.0.get("layout").cloned().unwrap_or(layout),
        categories: categories
            .into_iter()
            .map(|(_, n, used)| (n, used))
            .collect(),
        errors,
        typed,
    })
}

/// `GET /staff/admin/layout`.
pub async fn show_layout(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let page = layout_page(&state, staff, FieldErrors::default(), Typed::default()).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct LayoutForm {
    #[serde(default)]
    layout: String,
    #[serde(default)]
    categories: String,
}

/// `POST /staff/admin/layout`.
pub async fn save_layout(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<LayoutForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mut errors = FieldErrors::default();
    if !matches!(form.layout.as_str(), "target_table" | "deployment_table") {
        errors.push("layout", "表の形式を選んでください。");
    }
    let mut names: Vec<String> = Vec::new();
    for line in form.categories.lines() {
        let name = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() || names.contains(&name) {
            continue;
        }
        if name.chars().count() > 40 {
            errors.push("categories", "分類の名前は1行40文字以内にしてください。");
        }
        names.push(name);
    }
    if names.len() > 50 {
        errors.push("categories", "分類は50個までです。");
    }
    let typed = || {
        Typed(
            [
                ("layout".to_owned(), form.layout.clone()),
                ("categories".to_owned(), form.categories.clone()),
            ]
            .into_iter()
            .collect(),
        )
    };
    if errors.is_empty() {
        let mid = staff.municipality_id;
        let mut tx = state.pool.begin().await?;
        crate::db::changes::scope_changes_to(&mut tx, mid).await?;
        let in_use = settings::save_layout(&mut tx, mid, &form.layout, &names).await?;
        if in_use.is_empty() {
            let after = serde_json::json!({ "layout": form.layout, "categories": names });
            Audit::of("update", "municipality", mid)
                .after(&after)
                .record(&mut tx, &staff)
                .await?;
            tx.commit().await?;
            return Ok(Redirect::to("/staff/admin/layout").into_response());
        }
        errors.push(
            "categories",
            format!(
                "分類「{}」は組織目標で使われているため削除できません。先に組織目標の分類を変えてください。",
                in_use.join("」「")
            ),
        );
    }
    let page = layout_page(&state, staff, errors, typed()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}
