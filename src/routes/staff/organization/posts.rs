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
    /// Also the same post in the year before: after the April transfers the new holder
    /// evaluates the predecessor's year.
    #[serde(default)]
    with_previous: Option<String>,
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
        with_previous: form.with_previous.is_some(),
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
        with_previous: form.with_previous.is_some(),
    };
    replace(&state, staff, place, &form.username).await
}

/// Replaces one post's holder, audited with who held it before.
async fn record(
    tx: &mut sqlx::PgConnection,
    staff: &Staff,
    post: Post,
    user_id: i64,
    name: &str,
    department_id: Option<i64>,
) -> Result<()> {
    let (Post::Head(id) | Post::Chief(id)) = post;
    let previous = posts::replace_holder(tx, staff.municipality_id, post, user_id).await?;
    let before = serde_json::json!({ "holders": previous });
    let after = serde_json::json!({ "holder": name, "role": post.role() });
    Audit::of("update", "post_holder", id)
        .department_opt(department_id)
        .before(&before)
        .after(&after)
        .record(tx, staff)
        .await?;
    Ok(())
}

/// Where a post sits.
struct Place {
    post: Post,
    item: Item,
    year: i32,
    department_id: i64,
    field: String,
    with_previous: bool,
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
    let scope = Scope::organization(Some((item, id)));
    change(state, &staff, scope, async |tx| {
        let mut post = Some(place.post);
        // The post, then (when asked) the same post in the year before, one year back.
        while let Some(p) = post {
            let (Post::Head(pid) | Post::Chief(pid)) = p;
            if pid != id
                && !crate::db::editing::lock_row(tx, item, staff.municipality_id, pid).await?
            {
                break;
            }
            let department = match (p, pid == id) {
                (_, true) => Some(place.department_id),
                (Post::Head(d), false) => Some(d),
                (Post::Chief(_), false) => None,
            };
            record(tx, &staff, p, user_id, &name, department).await?;
            post = match (place.with_previous, pid == id) {
                (true, true) => posts::previous(tx, staff.municipality_id, p).await?,
                _ => None,
            };
        }
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!(
        "/staff/admin/years/{}#department-{}",
        place.year, place.department_id
    ))
    .into_response())
}
