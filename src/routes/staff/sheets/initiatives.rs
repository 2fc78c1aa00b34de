//! Initiatives (取組内容): add under a goal, edit (text and responsible sections), delete and
//! reorder; numbers ①②… follow from the order. Heads and planning staff for any initiative
//! of the department; section chiefs for initiatives their section is responsible for.

use crate::auth::Staff;
use crate::db::editing::{self, Choice, DepartmentCtx, GoalCtx, InitiativeCtx, Item, Labelled};
use crate::domain::numbering::circled;
use crate::error::{AppError, Result, render};
use crate::routes::staff::sheets::edit::{self, Scope};
use crate::routes::staff::sheets::goals::RowAction;
use crate::routes::staff::{
    FieldErrors, Place, clean, delete_recorded, load_department, move_recorded, not_blank, require,
    require_editable,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::{Deserialize, Serialize};
use validator::Validate;

/// What the initiative form posts.
#[derive(Debug, Clone, Default, Deserialize, Validate)]
pub struct InitiativeForm {
    #[validate(
        custom(function = "not_blank", message = "取組内容を入力してください。"),
        length(max = 400, message = "取組内容は400文字以内で入力してください。")
    )]
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub section: Vec<i64>,
    /// いつまで (deployment-table cities only).
    #[serde(default)]
    pub deadline: String,
    #[serde(default)]
    pub version: Option<i32>,
}

/// An initiative as recorded in the audit trail and shown in a conflict.
#[derive(Debug, Clone, Serialize)]
pub struct InitiativeSnapshot {
    pub text: String,
    pub sections: Vec<String>,
}

#[derive(Template)]
#[template(path = "staff/sheets/initiative_form.html")]
pub struct InitiativeFormPage {
    staff: Staff,
    department: DepartmentCtx,
    goal: GoalCtx,
    heading: String,
    action: String,
    form: InitiativeForm,
    errors: FieldErrors,
    sections: Vec<Choice>,
    conflict: Option<InitiativeSnapshot>,
    /// The city uses the deployment table: a deadline, and 「共通」 (no section) allowed.
    deployment: bool,
}

impl InitiativeFormPage {
    fn checked(&self, id: &i64) -> bool {
        self.form.section.contains(id)
    }
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    staff: Staff,
    department: DepartmentCtx,
    goal: GoalCtx,
    initiative: Option<&InitiativeCtx>,
    form: InitiativeForm,
    errors: FieldErrors,
    conflict: Option<InitiativeSnapshot>,
) -> Result<InitiativeFormPage> {
    let staff_mid = staff.municipality_id;
    let sections = editing::section_choices(&state.pool, staff_mid, department.id).await?;
    let (heading, action) = match initiative {
        Some(i) => (
            format!("取組内容{}の編集", circled(i.position as usize)),
            format!("/staff/initiatives/{}", i.id),
        ),
        None => (
            "取組内容の追加".to_owned(),
            format!("/staff/goals/{}/initiatives", goal.id),
        ),
    };
    Ok(InitiativeFormPage {
        staff,
        department,
        goal,
        heading,
        action,
        form,
        errors,
        sections,
        conflict,
        deployment: crate::db::settings::is_deployment(&state.pool, staff_mid).await?,
    })
}

/// Checks the form; a section chief (not head) must keep one of their own sections responsible.
fn validate(
    form: &mut InitiativeForm,
    choices: &[Choice],
    staff: &Staff,
    department_id: i64,
    deployment: bool,
) -> FieldErrors {
    form.text = clean(&form.text);
    let mut seen = Vec::new();
    form.section.retain(|s| {
        if seen.contains(s) {
            false
        } else {
            seen.push(*s);
            true
        }
    });
    let mut errors = match form.validate() {
        Ok(()) => FieldErrors::default(),
        Err(e) => FieldErrors::from_validation(&e, &["text"]),
    };
    // In a deployment table an item without a section is the whole department's (共通),
    // which only the head or planning staff decide.
    if form.section.is_empty() && !(deployment && staff.roles.can_edit_goals(department_id)) {
        errors.push("section", "担当する課等を1つ以上選んでください。");
    }
    form.deadline = form.deadline.trim().to_owned();
    if deployment && !form.deadline.is_empty() {
        match crate::domain::deadline::parse_deadline(&form.deadline) {
            Some(d) => form.deadline = d,
            None => errors.push("deadline", crate::domain::deadline::DEADLINE_HELP),
        }
    }
    if form
        .section
        .iter()
        .any(|s| !choices.iter().any(|c| c.id == *s))
    {
        errors.push("section", "この部にない課等が指定されました。");
    }
    if !staff.roles.can_edit_goals(department_id) {
        let own = staff.roles.own_sections_in(department_id);
        if !form.section.iter().any(|s| own.contains(s)) {
            let names: Vec<&str> = choices
                .iter()
                .filter(|c| own.contains(&c.id))
                .map(|c| c.label.as_str())
                .collect();
            errors.push(
                "section",
                format!(
                    "担当する課等に、ご自分の課等（{}）を含めてください。",
                    names.join("・")
                ),
            );
        }
    }
    errors
}

async fn load_goal(
    state: &AppState,
    staff: &Staff,
    goal_id: i64,
) -> Result<(GoalCtx, DepartmentCtx)> {
    let goal = editing::goal(&state.pool, staff.municipality_id, goal_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let department = load_department(state, staff, goal.department_id).await?;
    Ok((goal, department))
}

/// `GET /staff/goals/{id}/initiatives/new`.
pub async fn new_initiative(
    State(state): State<AppState>,
    staff: Staff,
    Path(goal_id): Path<i64>,
) -> Result<Response> {
    let (goal, department) = load_goal(&state, &staff, goal_id).await?;
    require(staff.roles.can_add_initiative(department.id))?;
    require_editable(&state, &staff, department.id).await?;
    let form = InitiativeForm {
        section: staff.roles.own_sections_in(department.id),
        ..Default::default()
    };
    let page = form_page(
        &state,
        staff,
        department,
        goal,
        None,
        form,
        FieldErrors::default(),
        None,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

/// An initiative's place: under its goal.
fn place(id: i64, department_id: i64, goal_id: i64) -> Place {
    Place {
        item: Item::Initiative,
        id,
        department_id: Some(department_id),
        goal_id: Some(goal_id),
        parent: Some((Item::Goal, goal_id)),
    }
}

/// Writes an initiative's sections (and deadline, in a deployment table); returns what the
/// audit trail records of it.
async fn write_attributes(
    tx: &mut sqlx::PgConnection,
    mid: i64,
    id: i64,
    form: &InitiativeForm,
    deployment: bool,
) -> Result<InitiativeSnapshot> {
    editing::set_initiative_sections(tx, mid, id, &form.section).await?;
    if deployment {
        let deadline = Some(form.deadline.as_str()).filter(|d| !d.is_empty());
        editing::set_initiative_deadline(tx, mid, id, deadline).await?;
    }
    Ok(InitiativeSnapshot {
        text: form.text.clone(),
        sections: editing::labels(tx, mid, Labelled::Section, &form.section).await?,
    })
}

/// `POST /staff/goals/{id}/initiatives`: appended as the goal's last initiative.
pub async fn create_initiative(
    State(state): State<AppState>,
    staff: Staff,
    Path(goal_id): Path<i64>,
    Form(mut form): Form<InitiativeForm>,
) -> Result<Response> {
    let (goal, department) = load_goal(&state, &staff, goal_id).await?;
    require(staff.roles.can_add_initiative(department.id))?;
    require_editable(&state, &staff, department.id).await?;
    let mid = staff.municipality_id;
    let choices = editing::section_choices(&state.pool, mid, department.id).await?;
    let deployment = crate::db::settings::is_deployment(&state.pool, mid).await?;
    let errors = validate(&mut form, &choices, &staff, department.id, deployment);
    if !errors.is_empty() {
        let page = form_page(&state, staff, department, goal, None, form, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let scope = Scope::targets(department.id, Some((Item::Goal, goal_id)));
    let id = edit::change(&state, &staff, scope, async |tx| {
        let id = editing::insert_item(tx, Item::Initiative, mid, goal_id, &form.text).await?;
        let after = write_attributes(tx, mid, id, &form, deployment).await?;
        place(id, department.id, goal_id)
            .record(tx, &staff, "create", None::<&()>, Some(&after))
            .await?;
        Ok(id)
    })
    .await?;
    Ok(Redirect::to(&format!(
        "/staff/departments/{}#initiative-{id}",
        department.id
    ))
    .into_response())
}

/// The initiative, its goal and department, if this person may edit it.
pub async fn load_initiative(
    state: &AppState,
    staff: &Staff,
    id: i64,
) -> Result<(InitiativeCtx, GoalCtx, DepartmentCtx)> {
    let initiative = editing::initiative(&state.pool, staff.municipality_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (goal, department) = load_goal(state, staff, initiative.goal_id).await?;
    require(
        staff
            .roles
            .can_edit_initiative(department.id, &initiative.section_ids),
    )?;
    require_editable(state, staff, department.id).await?;
    Ok((initiative, goal, department))
}

/// `GET /staff/initiatives/{id}/edit`.
pub async fn edit_initiative(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (initiative, goal, department) = load_initiative(&state, &staff, id).await?;
    let form = InitiativeForm {
        text: initiative.text.clone(),
        section: initiative.section_ids.clone(),
        deadline: initiative.deadline.clone().unwrap_or_default(),
        version: Some(initiative.version),
    };
    let page = form_page(
        &state,
        staff,
        department,
        goal,
        Some(&initiative),
        form,
        FieldErrors::default(),
        None,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

/// `POST /staff/initiatives/{id}`: saves unless someone else saved first (409 with both).
pub async fn update_initiative(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(mut form): Form<InitiativeForm>,
) -> Result<Response> {
    let (initiative, goal, department) = load_initiative(&state, &staff, id).await?;
    let mid = staff.municipality_id;
    let choices = editing::section_choices(&state.pool, mid, department.id).await?;
    let deployment = crate::db::settings::is_deployment(&state.pool, mid).await?;
    let errors = validate(&mut form, &choices, &staff, department.id, deployment);
    if !errors.is_empty() {
        let page = form_page(
            &state,
            staff,
            department,
            goal,
            Some(&initiative),
            form,
            errors,
            None,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let scope = Scope::targets(department.id, Some((Item::Initiative, id)));
    let conflict = edit::change(&state, &staff, scope, async |tx| {
        let before = InitiativeSnapshot {
            text: initiative.text.clone(),
            sections: editing::labels(tx, mid, Labelled::Section, &initiative.section_ids).await?,
        };
        let version = form.version.unwrap_or(-1);
        if !editing::update_text(tx, Item::Initiative, mid, id, version, &form.text).await? {
            return Ok(Some(before));
        }
        let after = write_attributes(tx, mid, id, &form, deployment).await?;
        place(id, department.id, goal.id)
            .record(tx, &staff, "update", Some(&before), Some(&after))
            .await?;
        Ok(None)
    })
    .await?;
    if let Some(before) = conflict {
        form.version = Some(initiative.version);
        let page = form_page(
            &state,
            staff,
            department,
            goal,
            Some(&initiative),
            form,
            FieldErrors::default(),
            Some(before),
        )
        .await?;
        return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
    }
    Ok(Redirect::to(&format!(
        "/staff/departments/{}#initiative-{id}",
        department.id
    ))
    .into_response())
}

/// `POST /staff/initiatives/{id}/delete`: with its criteria; the rest renumber.
pub async fn delete_initiative(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(action): Form<RowAction>,
) -> Result<Response> {
    let (initiative, goal, department) = load_initiative(&state, &staff, id).await?;
    let mut conn = state.pool.acquire().await?;
    let sections = editing::labels(
        &mut conn,
        staff.municipality_id,
        Labelled::Section,
        &initiative.section_ids,
    )
    .await?;
    drop(conn);
    let before = InitiativeSnapshot {
        text: initiative.text.clone(),
        sections,
    };
    let place = place(id, department.id, goal.id);
    delete_recorded(&state, &staff, place, action.version, &before).await?;
    Ok(Redirect::to(&format!(
        "/staff/departments/{}#goal-{}",
        department.id, goal.id
    ))
    .into_response())
}

/// `POST /staff/initiatives/{id}/move` with `direction=up|down`.
pub async fn move_initiative(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(action): Form<RowAction>,
) -> Result<Response> {
    let (_, goal, department) = load_initiative(&state, &staff, id).await?;
    let place = place(id, department.id, goal.id);
    move_recorded(&state, &staff, place, action.direction.as_deref()).await?;
    Ok(Redirect::to(&format!(
        "/staff/departments/{}#initiative-{id}",
        department.id
    ))
    .into_response())
}
