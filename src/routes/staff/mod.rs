//! The staff pages (behind sign-in, under `/staff`), by what they act on: a department's
//! yearly sheets and their review (`sheets/`), year-end results (`results/`), the year's
//! organization and the accounts (`organization/`), spreadsheets in and out (`imports/`),
//! multi-year plans (`plans/`), and publishing (`publishing/`); the home page here, and what
//! every handler shares in `form.rs`.
//!
//! Every handler loads what it acts on scoped to the signed-in person's city (another city's
//! id is a 404), asks `domain::permission` whether this person may act (403 if not), and
//! writes the change and its audit entry in one transaction.

pub mod imports;
pub mod midyear;
pub mod organization;
pub mod plans;
pub mod publishing;
pub mod results;
pub mod sheets;

pub mod audit;
mod form;

use crate::auth::Staff;
use crate::db::public as q;
use crate::error::{Result, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
pub use form::{FieldErrors, clean, load_department, not_blank, refused, require};
pub use sheets::edit::{Place, delete_recorded, move_recorded, require_editable};
use std::collections::HashMap;

/// A department on the home page.
pub struct HomeDepartment {
    id: i64,
    name: String,
    can_edit: bool,
    initiative_count: i64,
}

/// Something due from this person, with its deadline.
pub struct HomeTask {
    stage: &'static str,
    due: String,
    /// 「あと5日」「期限を3日過ぎています」.
    when: String,
    late: bool,
    what: String,
    path: String,
}

#[derive(Template)]
#[template(path = "staff/home.html")]
pub struct HomePage {
    staff: Staff,
    year_label: String,
    year: Option<i32>,
    departments: Vec<HomeDepartment>,
    role_labels: Vec<String>,
    tasks: Vec<HomeTask>,
}

/// What is due from this person in the year `fiscal_year_id`: the tasks of each stage that
/// has a deadline (none asked for when the year has no deadlines).
async fn home_tasks(state: &AppState, staff: &Staff, fiscal_year_id: i64) -> Result<Vec<HomeTask>> {
    use crate::db::deadlines::{self as ddb, PostHolder};
    use crate::domain::permission::Role;
    use crate::domain::stages::{Due, Stage, tasks};
    let mid = staff.municipality_id;
    let deadlines = ddb::deadlines(&state.pool, mid, fiscal_year_id).await?;
    if deadlines.is_empty() {
        return Ok(vec![]);
    }
    let work = ddb::section_work(&state.pool, mid, fiscal_year_id).await?;
    let posts: Vec<PostHolder> = staff
        .roles
        .all()
        .iter()
        .filter_map(|r| {
            let (role, department_id, section_id) = match r {
                Role::DepartmentHead(d) => ("department_head", Some(*d), None),
                Role::SectionChief {
                    section,
                    department,
                } => ("section_chief", Some(*department), Some(*section)),
                _ => return None,
            };
            Some(PostHolder {
                user_id: staff.user_id,
                display_name: staff.display_name.clone(),
                email: None,
                role: role.to_owned(),
                department_id,
                section_id,
            })
        })
        .collect();
    let posts: Vec<&PostHolder> = posts.iter().collect();
    let today = state.clock.today();
    let mut out = Vec::new();
    for (key, due_on) in deadlines {
        let Some(stage) = Stage::from_key(&key) else {
            continue;
        };
        let due = Due::of(due_on, today);
        for t in tasks(stage, &posts, &work) {
            out.push(HomeTask {
                stage: stage.label(),
                due: state.eras.date_label(due_on),
                when: due.label(),
                late: due.is_late(),
                what: t.what,
                path: t.path,
            });
        }
    }
    Ok(out)
}

/// `GET /staff`: what this person can edit in the current (latest) year.
pub async fn show_home(State(state): State<AppState>, staff: Staff) -> Result<Html<String>> {
    let years = q::fiscal_years(&state.pool, staff.municipality_id).await?;
    let Some(fy) = years.first() else {
        return render(&HomePage {
            staff,
            year_label: String::new(),
            year: None,
            departments: vec![],
            role_labels: vec![],
            tasks: vec![],
        });
    };
    let tasks = home_tasks(&state, &staff, fy.id).await?;
    let departments = q::departments(&state.pool, staff.municipality_id, fy.id).await?;
    let names: HashMap<i64, String> = departments.iter().map(|d| (d.id, d.name.clone())).collect();
    let role_labels = role_labels(&state, &staff, &names).await?;
    let departments = departments
        .into_iter()
        .filter(|d| staff.roles.can_read_drafts() || staff.roles.can_edit_anything_in(d.id))
        .map(|d| HomeDepartment {
            can_edit: staff.roles.can_edit_anything_in(d.id),
            id: d.id,
            name: d.name,
            initiative_count: d.initiative_count,
        })
        .collect();
    render(&HomePage {
        year_label: state.eras.fiscal_year_label(fy.year),
        year: Some(fy.year),
        staff,
        departments,
        role_labels,
        tasks,
    })
}

async fn role_labels(
    state: &AppState,
    staff: &Staff,
    department_names: &HashMap<i64, String>,
) -> Result<Vec<String>> {
    use crate::domain::permission::Role;
    let sections = crate::db::staff::section_names(&state.pool, staff.municipality_id).await?;
    let section_name = |id: i64| {
        sections
            .iter()
            .find(|(s, _)| *s == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    Ok(staff
        .roles
        .all()
        .iter()
        .map(|r| match r {
            Role::Admin => "企画担当（管理者）".to_owned(),
            Role::Viewer => "閲覧者".to_owned(),
            Role::DepartmentHead(d) => format!(
                "{}長",
                department_names
                    .get(d)
                    .cloned()
                    .unwrap_or_else(|| "部".into())
            ),
            Role::SectionChief { section, .. } => format!("{}長", section_name(*section)),
        })
        .collect())
}
