//! A year's organization for planning staff: departments and sections added, renamed,
//! reordered and retired (names unique in the year, every change audited).

pub mod accounts;
pub mod deadlines;
pub mod directory;
pub mod evaluation;
pub mod mail;
pub mod midyear;
pub mod personnel;
pub mod personnel_apply;
pub mod pillars;
pub mod posts;
pub mod section_transfer;
pub mod sections;
pub mod settings;
pub mod years;

use crate::auth::Staff;
use crate::db::admin::{self as adb, OrgDepartment, OrgSection};
use crate::db::editing::{self, Item};
use crate::error::{AppError, Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::organization::years::Typed;
use crate::routes::staff::sheets::edit::{Scope, change};
use crate::routes::staff::{FieldErrors, Place, clean, move_recorded, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff/organization/organization.html")]
pub struct OrganizationPage {
    staff: Staff,
    year: i32,
    year_label: String,
    departments: Vec<OrgDepartment>,
    sections: Vec<OrgSection>,
    errors: FieldErrors,
    typed: Typed,
    /// The later year this one was just made from (its label), if so.
    from_later: Option<String>,
    holders: Vec<crate::db::posts::Holder>,
    /// Accounts that may take a post: (username, display name), for the holder fields.
    accounts: Vec<(String, String)>,
}

impl OrganizationPage {
    fn sections_of(&self, department: &i64) -> Vec<&OrgSection> {
        self.sections
            .iter()
            .filter(|s| s.department_id == *department)
            .collect()
    }

    /// Who holds a department's head post, or a section's chief post: 「山田 太郎（yamada）」.
    fn head_of(&self, department: &i64) -> String {
        self.holder_of(Some(*department), None)
    }

    fn chief_of(&self, section: &i64) -> String {
        self.holder_of(None, Some(*section))
    }

    fn holder_of(&self, department: Option<i64>, section: Option<i64>) -> String {
        let names: Vec<String> = self
            .holders
            .iter()
            .filter(|h| h.department_id == department && h.section_id == section)
            .map(|h| format!("{}（{}）", h.display_name, h.username))
            .collect();
        if names.is_empty() {
            "未設定".to_owned()
        } else {
            names.join("、")
        }
    }
}

async fn fiscal_year_id(state: &AppState, staff: &Staff, year: i32) -> Result<i64> {
    let ids = adb::year_ids(&state.pool, staff.municipality_id, year).await?;
    ids.map(|(id, _)| id).ok_or(AppError::NotFound)
}

async fn organization_page(
    state: &AppState,
    staff: Staff,
    year: i32,
    errors: FieldErrors,
    typed: Typed,
) -> Result<OrganizationPage> {
    let fid = fiscal_year_id(state, &staff, year).await?;
    let mid = staff.municipality_id;
    let (departments, sections, holders, accounts) = tokio::try_join!(
        adb::org_departments(&state.pool, mid, fid),
        adb::org_sections(&state.pool, mid, fid),
        crate::db::posts::holders(&state.pool, mid, fid),
        crate::db::posts::accounts(&state.pool, mid),
    )?;
    Ok(OrganizationPage {
        year_label: state.eras.fiscal_year_label(year),
        staff,
        year,
        departments,
        sections,
        errors,
        typed,
        from_later: None,
        holders,
        accounts,
    })
}

/// `GET /staff/admin/years/{year}`: the year's departments and sections.
pub async fn show_organization(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
    Query(q): Query<FromQuery>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mut page = organization_page(
        &state,
        staff,
        year,
        FieldErrors::default(),
        Typed::default(),
    )
    .await?;
    page.from_later = q
        .from
        .and_then(|f| f.parse::<i32>().ok())
        .filter(|from| *from > year)
        .map(|from| state.eras.fiscal_year_label(from));
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct FromQuery {
    from: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NameForm {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    pub(super) direction: String,
}

/// Re-renders the organization page with one form's error (422).
pub(super) async fn organization_error(
    state: &AppState,
    staff: Staff,
    year: i32,
    field: &str,
    message: &str,
    typed: Vec<(&str, &str)>,
) -> Result<Response> {
    let mut errors = FieldErrors::default();
    errors.push(field, message);
    let typed = Typed(
        typed
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    );
    let page = organization_page(state, staff, year, errors, typed).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub(super) fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().count() <= 50
}

/// `POST /staff/admin/years/{year}/departments`: a department at the end of the list.
pub async fn create_department(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
    Form(form): Form<NameForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let fid = fiscal_year_id(&state, &staff, year).await?;
    let name = clean(&form.name);
    let slug = form.slug.trim().to_ascii_lowercase();
    let typed = vec![
        ("new_department_name", form.name.as_str()),
        ("new_department_slug", form.slug.as_str()),
    ];
    if !valid_name(&name) {
        return organization_error(
            &state,
            staff,
            year,
            "new_department_name",
            "部の名前を50文字以内で入力してください。",
            typed,
        )
        .await;
    }
    let slug_ok = slug.len() <= 41
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !slug_ok {
        return organization_error(&state, staff, year, "new_department_slug", "URL用の名前は半角英小文字で始まる英小文字・数字・ハイフンで入力してください（例：kikaku-zaisei）。", typed).await;
    }
    let inserted = change(&state, &staff, Scope::organization(None), async |tx| {
        let id = adb::insert_department(tx, staff.municipality_id, fid, &slug, &name).await?;
        let after = serde_json::json!({ "name": name, "slug": slug });
        Audit::of("create", "department", id)
            .department(id)
            .after(&after)
            .record(tx, &staff)
            .await?;
        Ok(id)
    })
    .await;
    let id = match inserted {
        Ok(id) => id,
        // The name or the slug is taken in the year (meanwhile).
        Err(AppError::Conflict) => {
            return organization_error(
                &state,
                staff,
                year,
                "new_department_name",
                "同じ名前またはURL用の名前の部がこの年度に既にあります。",
                typed,
            )
            .await;
        }
        Err(e) => return Err(e),
    };
    Ok(Redirect::to(&format!("/staff/admin/years/{year}#department-{id}")).into_response())
}

/// The department (of this city) and its year.
pub(super) async fn department_year(
    state: &AppState,
    staff: &Staff,
    id: i64,
) -> Result<(OrgDepartment, i32, i64)> {
    let row = adb::department_year(&state.pool, staff.municipality_id, id).await?;
    let (year, fid) = row.ok_or(AppError::NotFound)?;
    let department = adb::org_departments(&state.pool, staff.municipality_id, fid)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((department, year, fid))
}

/// `POST /staff/admin/departments/{id}`: renames a department.
pub async fn rename_department(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let (department, year, _) = department_year(&state, &staff, id).await?;
    let target = Renamed {
        item: Item::Department,
        id,
        department_id: id,
        old_name: department.name,
        noun: "部",
        anchor: format!("department-{id}"),
    };
    rename(&state, staff, year, target, &form.name).await
}

/// `POST /staff/admin/departments/{id}/move` with `direction=up|down`.
pub async fn move_department(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let (_, year, _) = department_year(&state, &staff, id).await?;
    move_recorded(
        &state,
        &staff,
        Place {
            item: Item::Department,
            id,
            department_id: Some(id),
            goal_id: None,
            parent: None,
        },
        Some(&form.direction),
    )
    .await?;
    Ok(Redirect::to(&format!("/staff/admin/years/{year}#department-{id}")).into_response())
}

/// `POST /staff/admin/departments/{id}/delete`: retires a department from the year; only
/// when it has no goals (they would be lost) — move or delete them first.
pub async fn delete_department(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let (department, year, _) = department_year(&state, &staff, id).await?;
    if department.goals > 0 {
        let field = format!("department_{id}");
        let message = format!(
            "{}には組織目標が{}件あるため、この年度から外せません。先に組織目標を削除してください。",
            department.name, department.goals
        );
        return organization_error(&state, staff, year, &field, &message, vec![]).await;
    }
    if adb::has_publications(&state.pool, staff.municipality_id, id).await? {
        // Publications are kept for citizens and refer to the department.
        let field = format!("department_{id}");
        let message = format!(
            "{}は公表済みの版があるため、この年度から外せません。",
            department.name
        );
        return organization_error(&state, staff, year, &field, &message, vec![]).await;
    }
    change(&state, &staff, Scope::organization(None), async |tx| {
        editing::delete_any(tx, Item::Department, staff.municipality_id, id).await?;
        let before = serde_json::json!({ "name": department.name, "slug": department.slug });
        Audit::of("delete", "department", id)
            .department(id)
            .before(&before)
            .record(tx, &staff)
            .await?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/staff/admin/years/{year}")).into_response())
}

/// A department or section being renamed.
pub(super) struct Renamed {
    pub(super) item: Item,
    pub(super) id: i64,
    pub(super) department_id: i64,
    pub(super) old_name: String,
    /// 「部」 or 「課等」, for messages.
    pub(super) noun: &'static str,
    pub(super) anchor: String,
}

/// Renames a department or section (names are unique within the year), with its audit entry.
pub(super) async fn rename(
    state: &AppState,
    staff: Staff,
    year: i32,
    target: Renamed,
    typed: &str,
) -> Result<Response> {
    let name = clean(typed);
    let field = format!("{}_{}", target.item.table(), target.id);
    if !valid_name(&name) {
        let message = format!("{}の名前を50文字以内で入力してください。", target.noun);
        return organization_error(
            state,
            staff,
            year,
            &field,
            &message,
            vec![(field.as_str(), typed)],
        )
        .await;
    }
    let renamed = change(state, &staff, Scope::organization(None), async |tx| {
        editing::rename_item(tx, target.item, staff.municipality_id, target.id, &name).await?;
        let (before, after) = (
            serde_json::json!({ "name": target.old_name }),
            serde_json::json!({ "name": name }),
        );
        Audit::of("update", target.item.table(), target.id)
            .department(target.department_id)
            .before(&before)
            .after(&after)
            .record(tx, &staff)
            .await?;
        Ok(())
    })
    .await;
    if let Err(AppError::Conflict) = renamed {
        // The name is taken in the year (meanwhile): for a section, say which department has it.
        let message = if target.item == Item::Section {
            let holder =
                adb::section_holder(&state.pool, staff.municipality_id, year, &name).await?;
            adb::duplicate_section_message(&name, holder.as_deref())
        } else {
            format!("同じ名前の{}がこの年度に既にあります。", target.noun)
        };
        return organization_error(
            state,
            staff,
            year,
            &field,
            &message,
            vec![(field.as_str(), typed)],
        )
        .await;
    }
    renamed?;
    Ok(Redirect::to(&format!("/staff/admin/years/{year}#{}", target.anchor)).into_response())
}
