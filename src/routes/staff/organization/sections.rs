//! A year's sections for planning staff: added, renamed, reordered and retired; the move to
//! another department is in `section_transfer.rs`.

use crate::auth::Staff;
use crate::db::admin::{self as adb, OrgSection};
use crate::db::editing::{self, Item};
use crate::error::{AppError, Result};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::organization::{
    NameForm, Renamed, department_year, organization_error, rename, valid_name,
};
use crate::routes::staff::sheets::edit::{Scope, change};
use crate::routes::staff::{Place, clean, move_recorded, require};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;

/// `POST /staff/admin/sections/{id}/move` with `direction=up|down` (within its department).
pub async fn move_section(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let (section, year) = section_year(&state, &staff, id).await?;
    move_recorded(
        &state,
        &staff,
        Place {
            item: Item::Section,
            id,
            department_id: Some(section.department_id),
            goal_id: None,
            parent: None,
        },
        Some(&form.direction),
    )
    .await?;
    Ok(Redirect::to(&format!("/staff/admin/years/{year}#section-{id}")).into_response())
}

/// `POST /staff/admin/departments/{id}/sections`: a section at the end of the department.
pub async fn create_section(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let (_, year, fid) = department_year(&state, &staff, id).await?;
    let name = clean(&form.name);
    let field = format!("new_section_{id}");
    if !valid_name(&name) {
        return organization_error(
            &state,
            staff,
            year,
            &field,
            "課等の名前を50文字以内で入力してください。",
            vec![(field.as_str(), form.name.as_str())],
        )
        .await;
    }
    let inserted = change(&state, &staff, Scope::organization(None), async |tx| {
        let sid = adb::insert_section(tx, staff.municipality_id, fid, id, &name).await?;
        let after = serde_json::json!({ "name": name });
        Audit::of("create", "section", sid)
            .department(id)
            .after(&after)
            .record(tx, &staff)
            .await?;
        Ok(sid)
    })
    .await;
    match inserted {
        Ok(_) => {}
        // A section of this name is in the year (meanwhile): say which department has it.
        Err(AppError::Conflict) => {
            let holder =
                adb::section_holder(&state.pool, staff.municipality_id, year, &name).await?;
            let message = adb::duplicate_section_message(&name, holder.as_deref());
            return organization_error(
                &state,
                staff,
                year,
                &field,
                &message,
                vec![(field.as_str(), form.name.as_str())],
            )
            .await;
        }
        Err(e) => return Err(e),
    }
    Ok(Redirect::to(&format!("/staff/admin/years/{year}#department-{id}")).into_response())
}

/// The section (of this city) with its year.
pub(super) async fn section_year(
    state: &AppState,
    staff: &Staff,
    id: i64,
) -> Result<(OrgSection, i32)> {
    let row = adb::section_year(&state.pool, staff.municipality_id, id).await?;
    let (year, fid) = row.ok_or(AppError::NotFound)?;
    let section = adb::org_sections(&state.pool, staff.municipality_id, fid)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((section, year))
}

/// `POST /staff/admin/sections/{id}`: renames a section.
pub async fn rename_section(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let (section, year) = section_year(&state, &staff, id).await?;
    let target = Renamed {
        item: Item::Section,
        id,
        department_id: section.department_id,
        old_name: section.name,
        noun: "課等",
        anchor: format!("department-{}", section.department_id),
    };
    rename(&state, staff, year, target, &form.name).await
}

/// `POST /staff/admin/sections/{id}/delete`: only when no initiative names the section.
pub async fn delete_section(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let (section, year) = section_year(&state, &staff, id).await?;
    if section.initiatives > 0 {
        let field = format!("section_{id}");
        let message = format!(
            "{}は取組内容{}件の担当になっているため、この年度から外せません。",
            section.name, section.initiatives
        );
        return organization_error(&state, staff, year, &field, &message, vec![]).await;
    }
    change(&state, &staff, Scope::organization(None), async |tx| {
        editing::delete_any(tx, Item::Section, staff.municipality_id, id).await?;
        let before = serde_json::json!({ "name": section.name });
        Audit::of("delete", "section", id)
            .department(section.department_id)
            .before(&before)
            .record(tx, &staff)
            .await?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!(
        "/staff/admin/years/{year}#department-{}",
        section.department_id
    ))
    .into_response())
}
