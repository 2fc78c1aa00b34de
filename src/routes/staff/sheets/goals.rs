//! Goals (組織目標): add, edit (text and pillars), delete and reorder. Department heads of
//! the department and planning staff only.

use crate::auth::Staff;
use crate::db::editing::{self, Choice, DepartmentCtx, GoalCtx, Item, Labelled};
use crate::error::{AppError, Result, render};
use crate::routes::staff::sheets::edit::{self, Scope};
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

/// What the goal form posts.
#[derive(Debug, Clone, Default, Deserialize, Validate)]
pub struct GoalForm {
    #[validate(
        custom(function = "not_blank", message = "組織目標を入力してください。"),
        length(max = 400, message = "組織目標は400文字以内で入力してください。")
    )]
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub pillar: Vec<i64>,
    /// The category's id, or empty for none.
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub version: Option<i32>,
}

/// A goal as recorded in the audit trail and shown in a conflict.
#[derive(Debug, Clone, Serialize)]
pub struct GoalSnapshot {
    pub text: String,
    pub pillars: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/sheets/goal_form.html")]
pub struct GoalFormPage {
    staff: Staff,
    department: DepartmentCtx,
    heading: String,
    action: String,
    form: GoalForm,
    errors: FieldErrors,
    pillars: Vec<Choice>,
    /// The city's categories (id, name); empty when it uses none.
    categories: Vec<(i64, String)>,
    conflict: Option<GoalSnapshot>,
}

impl GoalFormPage {
    fn checked(&self, id: &i64) -> bool {
        self.form.pillar.contains(id)
    }

    fn selected(&self, id: &i64) -> bool {
        self.form.category == id.to_string()
    }
}

/// The pillars and categories a goal of `department` may take.
struct Choices {
    pillars: Vec<Choice>,
    categories: Vec<(i64, String)>,
}

async fn choices(state: &AppState, mid: i64, department: &DepartmentCtx) -> Result<Choices> {
    Ok(Choices {
        pillars: editing::pillar_choices(&state.pool, mid, department.policy_id).await?,
        categories: crate::db::settings::categories(&state.pool, mid).await?,
    })
}

/// The category a form chose (already validated).
fn chosen_category(form: &GoalForm) -> Option<i64> {
    form.category.parse().ok()
}

fn category_label(categories: &[(i64, String)], id: Option<i64>) -> Option<String> {
    id.and_then(|id| categories.iter().find(|c| c.0 == id).map(|c| c.1.clone()))
}

async fn form_page(
    state: &AppState,
    staff: Staff,
    department: DepartmentCtx,
    goal_id: Option<i64>,
    form: GoalForm,
    errors: FieldErrors,
    conflict: Option<GoalSnapshot>,
) -> Result<GoalFormPage> {
    let Choices {
        pillars,
        categories,
    } = choices(state, staff.municipality_id, &department).await?;
    let (heading, action) = match goal_id {
        Some(id) => ("組織目標の編集".to_owned(), format!("/staff/goals/{id}")),
        None => (
            "組織目標の追加".to_owned(),
            format!("/staff/departments/{}/goals", department.id),
        ),
    };
    Ok(GoalFormPage {
        staff,
        department,
        heading,
        action,
        form,
        errors,
        pillars,
        categories,
        conflict,
    })
}

fn validate(form: &mut GoalForm, choices: &Choices) -> FieldErrors {
    form.text = clean(&form.text);
    let mut errors = match form.validate() {
        Ok(()) => FieldErrors::default(),
        Err(e) => FieldErrors::from_validation(&e, &["text"]),
    };
    // A city without pillars (a deployment table) has goals without them.
    if form.pillar.is_empty() && !choices.pillars.is_empty() {
        errors.push(
            "pillar",
            "該当する柱（市役所づくり）を1つ以上選んでください。",
        );
    }
    if form
        .pillar
        .iter()
        .any(|p| !choices.pillars.iter().any(|c| c.id == *p))
    {
        errors.push("pillar", "選べない柱が指定されました。");
    }
    if !form.category.is_empty()
        && !chosen_category(form).is_some_and(|id| choices.categories.iter().any(|c| c.0 == id))
    {
        errors.push("category", "計画・方針等の分類を一覧から選んでください。");
    }
    errors
}

/// `GET /staff/departments/{id}/goals/new`.
pub async fn new_goal(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let department = load_department(&state, &staff, id).await?;
    require(staff.roles.can_edit_goals(id))?;
    require_editable(&state, &staff, id).await?;
    let page = form_page(
        &state,
        staff,
        department,
        None,
        GoalForm::default(),
        FieldErrors::default(),
        None,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

/// `POST /staff/departments/{id}/goals`.
pub async fn create_goal(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(mut form): Form<GoalForm>,
) -> Result<Response> {
    let department = load_department(&state, &staff, id).await?;
    require(staff.roles.can_edit_goals(id))?;
    require_editable(&state, &staff, id).await?;
    let mid = staff.municipality_id;
    let choices = choices(&state, mid, &department).await?;
    let errors = validate(&mut form, &choices);
    if !errors.is_empty() {
        let page = form_page(&state, staff, department, None, form, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let scope = Scope::targets(id, Some((Item::Department, id)));
    let goal_id = edit::change(&state, &staff, scope, async |tx| {
        let goal_id = editing::insert_item(tx, Item::Goal, mid, id, &form.text).await?;
        editing::set_goal_pillars(tx, mid, goal_id, &form.pillar).await?;
        editing::set_goal_category(tx, mid, goal_id, chosen_category(&form)).await?;
        let after = GoalSnapshot {
            text: form.text.clone(),
            pillars: editing::labels(tx, mid, Labelled::Pillar, &form.pillar).await?,
            category: category_label(&choices.categories, chosen_category(&form)),
        };
        place(goal_id, id)
            .record(tx, &staff, "create", None::<&()>, Some(&after))
            .await?;
        Ok(goal_id)
    })
    .await?;
    Ok(Redirect::to(&format!("/staff/departments/{id}#goal-{goal_id}")).into_response())
}

/// A goal's place: in its department.
fn place(id: i64, department_id: i64) -> Place {
    Place {
        item: Item::Goal,
        id,
        department_id: Some(department_id),
        goal_id: Some(id),
        parent: Some((Item::Department, department_id)),
    }
}

async fn load_goal(state: &AppState, staff: &Staff, id: i64) -> Result<(GoalCtx, DepartmentCtx)> {
    let goal = editing::goal(&state.pool, staff.municipality_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let department = load_department(state, staff, goal.department_id).await?;
    require(staff.roles.can_edit_goals(goal.department_id))?;
    require_editable(state, staff, goal.department_id).await?;
    Ok((goal, department))
}

/// `GET /staff/goals/{id}/edit`.
pub async fn edit_goal(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (goal, department) = load_goal(&state, &staff, id).await?;
    let form = GoalForm {
        text: goal.text,
        pillar: goal.pillar_ids,
        category: goal.category_id.map(|c| c.to_string()).unwrap_or_default(),
        version: Some(goal.version),
    };
    let page = form_page(
        &state,
        staff,
        department,
        Some(id),
        form,
        FieldErrors::default(),
        None,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

/// `POST /staff/goals/{id}`: saves unless someone else saved first (then 409 with both versions).
pub async fn update_goal(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(mut form): Form<GoalForm>,
) -> Result<Response> {
    let (goal, department) = load_goal(&state, &staff, id).await?;
    let mid = staff.municipality_id;
    let choices = choices(&state, mid, &department).await?;
    let errors = validate(&mut form, &choices);
    if !errors.is_empty() {
        let page = form_page(&state, staff, department, Some(id), form, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let scope = Scope::targets(goal.department_id, Some((Item::Goal, id)));
    let conflict = edit::change(&state, &staff, scope, async |tx| {
        let before = GoalSnapshot {
            text: goal.text.clone(),
            pillars: editing::labels(tx, mid, Labelled::Pillar, &goal.pillar_ids).await?,
            category: category_label(&choices.categories, goal.category_id),
        };
        let version = form.version.unwrap_or(-1);
        if !editing::update_text(tx, Item::Goal, mid, id, version, &form.text).await? {
            return Ok(Some(before));
        }
        editing::set_goal_pillars(tx, mid, id, &form.pillar).await?;
        editing::set_goal_category(tx, mid, id, chosen_category(&form)).await?;
        let after = GoalSnapshot {
            text: form.text.clone(),
            pillars: editing::labels(tx, mid, Labelled::Pillar, &form.pillar).await?,
            category: category_label(&choices.categories, chosen_category(&form)),
        };
        place(id, goal.department_id)
            .record(tx, &staff, "update", Some(&before), Some(&after))
            .await?;
        Ok(None)
    })
    .await?;
    if let Some(before) = conflict {
        // Show the other person's saved version beside what this person typed, and take the
        // current version so that saving again (after merging) is a deliberate overwrite.
        form.version = Some(goal.version);
        let page = form_page(
            &state,
            staff,
            department,
            Some(id),
            form,
            FieldErrors::default(),
            Some(before),
        )
        .await?;
        return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
    }
    Ok(Redirect::to(&format!(
        "/staff/departments/{}#goal-{id}",
        goal.department_id
    ))
    .into_response())
}

/// What delete and move forms post.
#[derive(Debug, Deserialize)]
pub struct RowAction {
    #[serde(default)]
    pub version: Option<i32>,
    #[serde(default)]
    pub direction: Option<String>,
}

/// `POST /staff/goals/{id}/delete`: with its initiatives and criteria; refused if changed meanwhile.
pub async fn delete_goal(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(action): Form<RowAction>,
) -> Result<Response> {
    let (goal, _) = load_goal(&state, &staff, id).await?;
    let mut conn = state.pool.acquire().await?;
    let pillars = editing::labels(
        &mut conn,
        staff.municipality_id,
        Labelled::Pillar,
        &goal.pillar_ids,
    )
    .await?;
    drop(conn);
    let before = GoalSnapshot {
        text: goal.text.clone(),
        pillars,
        category: None,
    };
    delete_recorded(
        &state,
        &staff,
        place(id, goal.department_id),
        action.version,
        &before,
    )
    .await?;
    Ok(Redirect::to(&format!("/staff/departments/{}", goal.department_id)).into_response())
}

/// `POST /staff/goals/{id}/move` with `direction=up|down`.
pub async fn move_goal(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(action): Form<RowAction>,
) -> Result<Response> {
    let (goal, _) = load_goal(&state, &staff, id).await?;
    move_recorded(
        &state,
        &staff,
        place(id, goal.department_id),
        action.direction.as_deref(),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/staff/departments/{}#goal-{id}",
        goal.department_id
    ))
    .into_response())
}
