//! Criteria (目標達成基準): add under an initiative, edit (text and optional metric: target
//! value, unit, comparator), delete and reorder. Whoever may edit the initiative.

use crate::auth::Staff;
use crate::db::editing::{self, CriterionCtx, DepartmentCtx, InitiativeCtx, Item};
use crate::domain::metric::{Comparator, normalize_digits, parse_number};
use crate::domain::numbering::circled;
use crate::error::{AppError, Result, render};
use crate::routes::staff::sheets::edit::{self, Scope};
use crate::routes::staff::sheets::goals::RowAction;
use crate::routes::staff::sheets::initiatives::load_initiative;
use crate::routes::staff::{FieldErrors, Place, clean, delete_recorded, move_recorded, not_blank};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use validator::Validate;

/// What the criterion form posts. The target value is text so that 「１，１００」 can be typed.
#[derive(Debug, Clone, Default, Deserialize, Validate)]
pub struct CriterionForm {
    #[validate(
        custom(function = "not_blank", message = "目標達成基準を入力してください。"),
        length(max = 300, message = "目標達成基準は300文字以内で入力してください。")
    )]
    #[serde(default)]
    pub text: String,
    #[validate(length(max = 30, message = "目標値は30文字以内で入力してください。"))]
    #[serde(default)]
    pub target_value: String,
    #[validate(length(max = 20, message = "単位は20文字以内で入力してください。"))]
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub comparator: String,
    #[serde(default)]
    pub version: Option<i32>,
}

/// A criterion as recorded in the audit trail and shown in a conflict.
#[derive(Debug, Clone, Serialize)]
pub struct CriterionSnapshot {
    pub text: String,
    pub target: Option<String>,
}

fn target_label(
    value: Option<Decimal>,
    unit: Option<&str>,
    comparator: Option<&str>,
) -> Option<String> {
    let value = value?;
    let comparator = comparator
        .and_then(Comparator::from_db)
        .unwrap_or(Comparator::AtLeast);
    Some(format!(
        "{}{}（{}）",
        value.normalize(),
        unit.unwrap_or(""),
        comparator.label()
    ))
}

impl CriterionSnapshot {
    fn of(c: &CriterionCtx) -> Self {
        Self {
            text: c.text.clone(),
            target: target_label(c.target_value, c.unit.as_deref(), c.comparator.as_deref()),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/sheets/criterion_form.html")]
pub struct CriterionFormPage {
    staff: Staff,
    department: DepartmentCtx,
    initiative_label: String,
    heading: String,
    action: String,
    form: CriterionForm,
    errors: FieldErrors,
    conflict: Option<CriterionSnapshot>,
}

fn page(
    staff: Staff,
    department: DepartmentCtx,
    initiative: &InitiativeCtx,
    criterion_id: Option<i64>,
    form: CriterionForm,
    errors: FieldErrors,
    conflict: Option<CriterionSnapshot>,
) -> CriterionFormPage {
    let (heading, action) = match criterion_id {
        Some(id) => (
            "目標達成基準の編集".to_owned(),
            format!("/staff/criteria/{id}"),
        ),
        None => (
            "目標達成基準の追加".to_owned(),
            format!("/staff/initiatives/{}/criteria", initiative.id),
        ),
    };
    let initiative_label = format!(
        "{}{}",
        circled(initiative.position as usize),
        initiative.text
    );
    CriterionFormPage {
        staff,
        department,
        initiative_label,
        heading,
        action,
        form,
        errors,
        conflict,
    }
}

/// Checks the form; returns the metric to store, if any.
fn validate(form: &mut CriterionForm) -> (FieldErrors, Option<(Decimal, String, &'static str)>) {
    form.text = clean(&form.text);
    form.target_value = normalize_digits(form.target_value.trim());
    form.unit = form.unit.trim().to_owned();
    let mut errors = match form.validate() {
        Ok(()) => FieldErrors::default(),
        Err(e) => FieldErrors::from_validation(&e, &["text", "target_value", "unit"]),
    };
    let comparator = match form.comparator.as_str() {
        "" | "at_least" => Comparator::AtLeast,
        "at_most" => Comparator::AtMost,
        "exactly" => Comparator::Exactly,
        _ => {
            errors.push("comparator", "比較の方法を選び直してください。");
            Comparator::AtLeast
        }
    };
    let value = if form.target_value.is_empty() {
        None
    } else {
        match parse_number(&form.target_value) {
            Some(v) => Some(v),
            None if crate::domain::metric::is_too_large(&form.target_value) => {
                errors.push("target_value", crate::domain::metric::TOO_LARGE);
                None
            }
            None => {
                errors.push(
                    "target_value",
                    "目標値は数値で入力してください（例：1,100 や 43.5）。",
                );
                None
            }
        }
    };
    if value.is_some() && form.unit.is_empty() {
        errors.push(
            "unit",
            "目標値の単位を入力してください（例：件、回、人、%）。",
        );
    }
    if form.target_value.is_empty() && !form.unit.is_empty() {
        errors.push(
            "target_value",
            "単位を入力した場合は、目標値も入力してください。",
        );
    }
    let metric = match (value, errors.is_empty()) {
        (Some(v), true) => Some((v, form.unit.clone(), comparator.as_str())),
        _ => None,
    };
    (errors, metric)
}

/// `GET /staff/initiatives/{id}/criteria/new`.
pub async fn new_criterion(
    State(state): State<AppState>,
    staff: Staff,
    Path(initiative_id): Path<i64>,
) -> Result<Response> {
    let (initiative, _, department) = load_initiative(&state, &staff, initiative_id).await?;
    let p = page(
        staff,
        department,
        &initiative,
        None,
        CriterionForm::default(),
        FieldErrors::default(),
        None,
    );
    Ok(render(&p)?.into_response())
}

/// A criterion's place: under its initiative.
fn place(id: i64, department_id: i64, goal_id: i64, initiative_id: i64) -> Place {
    Place {
        item: Item::Criterion,
        id,
        department_id: Some(department_id),
        goal_id: Some(goal_id),
        parent: Some((Item::Initiative, initiative_id)),
    }
}

/// Writes a criterion's metric; returns what the audit trail records of it.
async fn write_metric(
    tx: &mut sqlx::PgConnection,
    mid: i64,
    id: i64,
    form: &CriterionForm,
    metric: Option<&(Decimal, String, &'static str)>,
) -> Result<CriterionSnapshot> {
    editing::set_metric(tx, mid, id, metric.map(|(v, u, c)| (*v, u.as_str(), *c))).await?;
    Ok(CriterionSnapshot {
        text: form.text.clone(),
        target: metric.and_then(|(v, u, c)| target_label(Some(*v), Some(u), Some(c))),
    })
}

/// `POST /staff/initiatives/{id}/criteria`.
pub async fn create_criterion(
    State(state): State<AppState>,
    staff: Staff,
    Path(initiative_id): Path<i64>,
    Form(mut form): Form<CriterionForm>,
) -> Result<Response> {
    let (initiative, goal, department) = load_initiative(&state, &staff, initiative_id).await?;
    let (errors, metric) = validate(&mut form);
    if !errors.is_empty() {
        let p = page(staff, department, &initiative, None, form, errors, None);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
    }
    let mid = staff.municipality_id;
    let scope = Scope::targets(department.id, Some((Item::Initiative, initiative_id)));
    edit::change(&state, &staff, scope, async |tx| {
        let id = editing::insert_item(tx, Item::Criterion, mid, initiative_id, &form.text).await?;
        let after = write_metric(tx, mid, id, &form, metric.as_ref()).await?;
        place(id, department.id, goal.id, initiative_id)
            .record(tx, &staff, "create", None::<&()>, Some(&after))
            .await
    })
    .await?;
    Ok(Redirect::to(&format!(
        "/staff/departments/{}#initiative-{initiative_id}",
        department.id
    ))
    .into_response())
}

async fn load_criterion(
    state: &AppState,
    staff: &Staff,
    id: i64,
) -> Result<(CriterionCtx, InitiativeCtx, DepartmentCtx)> {
    let criterion = editing::criterion(&state.pool, staff.municipality_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (initiative, _, department) =
        load_initiative(state, staff, criterion.initiative_id).await?;
    Ok((criterion, initiative, department))
}

/// `GET /staff/criteria/{id}/edit`.
pub async fn edit_criterion(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (c, initiative, department) = load_criterion(&state, &staff, id).await?;
    let form = CriterionForm {
        text: c.text.clone(),
        target_value: c
            .target_value
            .map(|v| v.normalize().to_string())
            .unwrap_or_default(),
        unit: c.unit.clone().unwrap_or_default(),
        comparator: c.comparator.clone().unwrap_or_default(),
        version: Some(c.version),
    };
    let p = page(
        staff,
        department,
        &initiative,
        Some(id),
        form,
        FieldErrors::default(),
        None,
    );
    Ok(render(&p)?.into_response())
}

/// `POST /staff/criteria/{id}`.
pub async fn update_criterion(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(mut form): Form<CriterionForm>,
) -> Result<Response> {
    let (c, initiative, department) = load_criterion(&state, &staff, id).await?;
    let (errors, metric) = validate(&mut form);
    if !errors.is_empty() {
        let p = page(staff, department, &initiative, Some(id), form, errors, None);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
    }
    let mid = staff.municipality_id;
    let before = CriterionSnapshot::of(&c);
    let scope = Scope::targets(department.id, Some((Item::Criterion, id)));
    let saved = edit::change(&state, &staff, scope, async |tx| {
        let version = form.version.unwrap_or(-1);
        if !editing::update_text(tx, Item::Criterion, mid, id, version, &form.text).await? {
            return Ok(false);
        }
        let after = write_metric(tx, mid, id, &form, metric.as_ref()).await?;
        place(id, department.id, c.goal_id, initiative.id)
            .record(tx, &staff, "update", Some(&before), Some(&after))
            .await?;
        Ok(true)
    })
    .await?;
    if !saved {
        form.version = Some(c.version);
        let p = page(
            staff,
            department,
            &initiative,
            Some(id),
            form,
            FieldErrors::default(),
            Some(before),
        );
        return Ok((StatusCode::CONFLICT, render(&p)?).into_response());
    }
    Ok(Redirect::to(&format!(
        "/staff/departments/{}#initiative-{}",
        department.id, initiative.id
    ))
    .into_response())
}

/// `POST /staff/criteria/{id}/delete`.
pub async fn delete_criterion(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(action): Form<RowAction>,
) -> Result<Response> {
    let (c, initiative, department) = load_criterion(&state, &staff, id).await?;
    let place = place(id, department.id, c.goal_id, initiative.id);
    delete_recorded(
        &state,
        &staff,
        place,
        action.version,
        &CriterionSnapshot::of(&c),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/staff/departments/{}#initiative-{}",
        department.id, initiative.id
    ))
    .into_response())
}

/// `POST /staff/criteria/{id}/move` with `direction=up|down`.
pub async fn move_criterion(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(action): Form<RowAction>,
) -> Result<Response> {
    let (c, initiative, department) = load_criterion(&state, &staff, id).await?;
    let place = place(id, department.id, c.goal_id, initiative.id);
    move_recorded(&state, &staff, place, action.direction.as_deref()).await?;
    Ok(Redirect::to(&format!(
        "/staff/departments/{}#initiative-{}",
        department.id, initiative.id
    ))
    .into_response())
}
