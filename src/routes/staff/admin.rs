//! Planning staff (admin) pages: fiscal years with carry-over and the year's organization
//! (departments and sections). The policy's pillars are in `pillars.rs`, accounts in
//! `accounts.rs`.

use super::{FieldErrors, Place, clean, move_recorded, require};
use crate::auth::Staff;
use crate::db::admin::{self as adb, OrgDepartment, OrgSection, YearRow};
use crate::db::editing::{self, AuditEntry, Item};
use crate::error::{AppError, Result, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use std::collections::HashMap;

/// Values a person typed into one of the page's forms, kept when it comes back with errors.
#[derive(Debug, Clone, Default)]
pub struct Typed(pub HashMap<String, String>);

impl Typed {
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map(String::as_str).unwrap_or("")
    }
}

pub(super) fn audit_entry<'a>(
    staff: &Staff,
    action: &'static str,
    entity: &'static str,
    id: i64,
    department: Option<i64>,
    after: Option<&'a serde_json::Value>,
    before: Option<&'a serde_json::Value>,
) -> AuditEntry<'a, serde_json::Value> {
    AuditEntry {
        user_id: staff.user_id,
        action,
        entity,
        entity_id: id,
        department_id: department,
        goal_id: None,
        before,
        after,
    }
}

/// A year as listed, with its label.
pub struct YearView {
    row: YearRow,
    label: String,
}

#[derive(Template)]
#[template(path = "staff/admin/index.html")]
pub struct AdminPage {
    staff: Staff,
    years: Vec<YearView>,
    policy: Option<(i64, String, String)>,
    errors: FieldErrors,
    typed: Typed,
}

async fn admin_page(
    state: &AppState,
    staff: Staff,
    errors: FieldErrors,
    typed: Typed,
) -> Result<AdminPage> {
    let years = adb::years(&state.pool, staff.municipality_id)
        .await?
        .into_iter()
        .map(|row| YearView {
            label: state.eras.fiscal_year_label(row.year),
            row,
        })
        .collect();
    let policy = adb::policy_of_city(&state.pool, staff.municipality_id).await?;
    Ok(AdminPage {
        staff,
        years,
        policy,
        errors,
        typed,
    })
}

/// `GET /staff/admin`: the planning staff's hub.
pub async fn show_admin(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    require(staff.roles.is_admin())?;
    Ok(
        render(&admin_page(&state, staff, FieldErrors::default(), Typed::default()).await?)?
            .into_response(),
    )
}

#[derive(Debug, Deserialize)]
pub struct YearForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    tables_title: String,
    #[serde(default)]
    copy_from: String,
    #[serde(default)]
    copy_goals: Option<String>,
}

/// The planning page again with the year form's messages and what was typed (422).
async fn year_refused(
    state: &AppState,
    staff: Staff,
    errors: FieldErrors,
    form: YearForm,
) -> Result<Response> {
    let typed = Typed(HashMap::from([
        ("year".into(), form.year),
        ("title".into(), form.title),
        ("tables_title".into(), form.tables_title),
        ("copy_from".into(), form.copy_from),
    ]));
    let page = admin_page(state, staff, errors, typed).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// `POST /staff/admin/years`: a new fiscal year, optionally copied from an earlier one.
pub async fn create_year(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<YearForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mid = staff.municipality_id;
    let mut errors = FieldErrors::default();
    let year = crate::domain::metric::normalize_digits(form.year.trim())
        .parse::<i32>()
        .ok()
        .filter(|y| (1900..=2200).contains(y));
    if year.is_none() {
        errors.push("year", "年度は西暦の4桁（例：2027）で入力してください。");
    }
    let title = clean(&form.title);
    if title.is_empty() || title.chars().count() > 100 {
        errors.push(
            "title",
            "冊子の表題を100文字以内で入力してください（例：刈谷市組織重点目標）。",
        );
    }
    let tables_title = clean(&form.tables_title);
    if tables_title.is_empty() || tables_title.chars().count() > 100 {
        errors.push(
            "tables_title",
            "各部の表の見出しを100文字以内で入力してください。",
        );
    }
    let years = adb::years(&state.pool, mid).await?;
    let source = match form.copy_from.as_str() {
        "" => None,
        s => match s
            .parse::<i32>()
            .ok()
            .and_then(|y| years.iter().find(|r| r.year == y))
        {
            Some(r) => Some(r),
            None => {
                errors.push("copy_from", "引き継ぐ年度を選び直してください。");
                None
            }
        },
    };
    if let Some(y) = year
        && years.iter().any(|r| r.year == y)
    {
        errors.push(
            "year",
            format!("{}は既にあります。", state.eras.fiscal_year_label(y)),
        );
    }
    let policy = adb::policy_of_city(&state.pool, mid).await?;
    if policy.is_none() && source.is_none() {
        errors.push(
            "year",
            "行政経営方針がまだ登録されていません。先に柱を登録してください。",
        );
    }
    let (Some(year), true) = (year, errors.is_empty()) else {
        return year_refused(&state, staff, errors, form).await;
    };
    let policy_id = source
        .map(|s| s.policy_id)
        .or(policy.map(|p| p.0))
        .ok_or(AppError::Forbidden)?;
    let mut tx = state.pool.begin().await?;
    let new_year = adb::NewYear {
        year,
        policy_id,
        title: &title,
        tables_title: &tables_title,
        copy_from: source.map(|s| s.id),
        copy_goals: form.copy_goals.is_some(),
        copy_roles: source.is_none_or(|s| s.year < year),
    };
    let id = match adb::create_year(&mut tx, mid, &new_year).await {
        Ok(id) => id,
        // Created by someone else since the check above (two planning staff at once).
        Err(e)
            if e.as_database_error()
                .is_some_and(|d| d.is_unique_violation()) =>
        {
            drop(tx);
            let mut errors = FieldErrors::default();
            errors.push(
                "year",
                format!("{}は既にあります。", state.eras.fiscal_year_label(year)),
            );
            return year_refused(&state, staff, errors, form).await;
        }
        Err(e) => return Err(e.into()),
    };
    let after = serde_json::json!({ "year": year, "title": title, "copied_from": source.map(|s| s.year), "goals_copied": form.copy_goals.is_some() });
    editing::audit(
        &mut tx,
        mid,
        audit_entry(
            &staff,
            "create",
            "fiscal_year",
            id,
            None,
            Some(&after),
            None,
        ),
    )
    .await?;
    tx.commit().await?;
    // Made from a later year: the organization page says so.
    let to = match source {
        Some(s) if s.year > year => format!("/staff/admin/years/{year}?from={}", s.year),
        _ => format!("/staff/admin/years/{year}"),
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Template)]
#[template(path = "staff/admin/organization.html")]
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
}

impl OrganizationPage {
    fn sections_of(&self, department: &i64) -> Vec<&OrgSection> {
        self.sections
            .iter()
            .filter(|s| s.department_id == *department)
            .collect()
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
    let (departments, sections) = tokio::try_join!(
        adb::org_departments(&state.pool, staff.municipality_id, fid),
        adb::org_sections(&state.pool, staff.municipality_id, fid),
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
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    direction: String,
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

fn valid_name(name: &str) -> bool {
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
    let mut tx = state.pool.begin().await?;
    let inserted = adb::insert_department(&mut tx, staff.municipality_id, fid, &slug, &name).await;
    let id = match inserted {
        Ok(id) => id,
        Err(e)
            if e.as_database_error()
                .is_some_and(|d| d.is_unique_violation()) =>
        {
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
        Err(e) => return Err(e.into()),
    };
    let after = serde_json::json!({ "name": name, "slug": slug });
    editing::audit(
        &mut tx,
        staff.municipality_id,
        audit_entry(
            &staff,
            "create",
            "department",
            id,
            Some(id),
            Some(&after),
            None,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/admin/years/{year}#department-{id}")).into_response())
}

/// The department (of this city) and its year.
async fn department_year(
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
    let mut tx = state.pool.begin().await?;
    editing::delete_any(&mut tx, Item::Department, staff.municipality_id, id).await?;
    let before = serde_json::json!({ "name": department.name, "slug": department.slug });
    editing::audit(
        &mut tx,
        staff.municipality_id,
        audit_entry(
            &staff,
            "delete",
            "department",
            id,
            Some(id),
            None,
            Some(&before),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/admin/years/{year}")).into_response())
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
    let mut tx = state.pool.begin().await?;
    let inserted = adb::insert_section(&mut tx, staff.municipality_id, fid, id, &name).await;
    let sid = match inserted {
        Ok(sid) => sid,
        Err(e)
            if e.as_database_error()
                .is_some_and(|d| d.is_unique_violation()) =>
        {
            drop(tx);
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
        Err(e) => return Err(e.into()),
    };
    let after = serde_json::json!({ "name": name });
    editing::audit(
        &mut tx,
        staff.municipality_id,
        audit_entry(
            &staff,
            "create",
            "section",
            sid,
            Some(id),
            Some(&after),
            None,
        ),
    )
    .await?;
    tx.commit().await?;
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

/// A department or section being renamed.
struct Renamed {
    item: Item,
    id: i64,
    department_id: i64,
    old_name: String,
    /// 「部」 or 「課等」, for messages.
    noun: &'static str,
    anchor: String,
}

/// Renames a department or section (names are unique within the year), with its audit entry.
async fn rename(
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
    let mut tx = state.pool.begin().await?;
    if let Err(e) = editing::rename_item(
        &mut tx,
        target.item,
        staff.municipality_id,
        target.id,
        &name,
    )
    .await
    {
        if e.as_database_error()
            .is_some_and(|d| d.is_unique_violation())
        {
            drop(tx);
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
        return Err(e.into());
    }
    let (before, after) = (
        serde_json::json!({ "name": target.old_name }),
        serde_json::json!({ "name": name }),
    );
    let entry = audit_entry(
        &staff,
        "update",
        target.item.table(),
        target.id,
        Some(target.department_id),
        Some(&after),
        Some(&before),
    );
    editing::audit(&mut tx, staff.municipality_id, entry).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/admin/years/{year}#{}", target.anchor)).into_response())
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
    let mut tx = state.pool.begin().await?;
    editing::delete_any(&mut tx, Item::Section, staff.municipality_id, id).await?;
    let before = serde_json::json!({ "name": section.name });
    editing::audit(
        &mut tx,
        staff.municipality_id,
        audit_entry(
            &staff,
            "delete",
            "section",
            id,
            Some(section.department_id),
            None,
            Some(&before),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/staff/admin/years/{year}#department-{}",
        section.department_id
    ))
    .into_response())
}
