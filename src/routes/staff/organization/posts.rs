//! The April transfers: replacing the holder of a post (a department's head, a section's
//! chief) for a year, one post at a time on the organization page. The rights move with the
//! post; what the previous holder wrote stays signed with their name in what was published.

use crate::auth::Staff;
use crate::db::editing::Item;
use crate::db::posts::{self, Post};
use crate::error::{AppError, Result};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::organization::organization_error;
use crate::routes::staff::require;
use crate::routes::staff::sheets::edit::{Scope, change};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct HolderForm {
    #[serde(default)]
    username: String,
}

/// `POST /staff/admin/departments/{id}/holder`: a new head of the department.
pub async fn replace_head(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<HolderForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let (year, _) = crate::db::admin::department_year(&state.pool, staff.municipality_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let place = Place {
        post: Post::Head(id),
        item: Item::Department,
        year,
        department_id: id,
        field: format!("holder_department_{id}"),
    };
    replace(&state, staff, place, &form.username).await
}

/// `POST /staff/admin/sections/{id}/holder`: a new chief of the section.
pub async fn replace_chief(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<HolderForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let (section, year) =
        crate::routes::staff::organization::sections::section_year(&state, &staff, id).await?;
    let place = Place {
        post: Post::Chief(id),
        item: Item::Section,
        year,
        department_id: section.department_id,
        field: format!("holder_section_{id}"),
    };
    replace(&state, staff, place, &form.username).await
}

/// Where a post sits.
struct Place {
    post: Post,
    item: Item,
    year: i32,
    department_id: i64,
    field: String,
}

/// Finds the account named, then replaces the holder with the post's row locked, audited.
async fn replace(state: &AppState, staff: Staff, place: Place, typed: &str) -> Result<Response> {
    let username = typed.trim();
    let account = if username.is_empty() || username.chars().count() > 200 {
        None
    } else {
        posts::account(&state.pool, staff.municipality_id, username).await?
    };
    let Some((user_id, name)) = account else {
        let message = if username.is_empty() {
            "新しく就く人のログイン名を入力してください。"
        } else {
            "そのログイン名の職員（無効にされていないアカウント）がいません。職員の一覧で確かめてください。"
        };
        let typed = vec![(place.field.as_str(), typed)];
        return organization_error(state, staff, place.year, &place.field, message, typed).await;
    };
    let (Post::Head(id) | Post::Chief(id)) = place.post;
    let item = place.item;
    let mid = staff.municipality_id;
    change(
        state,
        &staff,
        Scope::organization(Some((item, id))),
        async |tx| {
            let previous = posts::replace_holder(tx, mid, place.post, user_id).await?;
            let before = serde_json::json!({ "holders": previous });
            let after = serde_json::json!({ "holder": name, "role": place.post.role() });
            Audit::of("update", "post_holder", id)
                .department(place.department_id)
                .before(&before)
                .after(&after)
                .record(tx, &staff)
                .await?;
            Ok(())
        },
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/staff/admin/years/{}#department-{}",
        place.year, place.department_id
    ))
    .into_response())
}
