//! Recording year-end results of an initiative (実績, 成果, actual values per criterion, the
//! status and its override), and the entry progress planning staff chase.

pub mod profile;
pub mod progress;

use crate::auth::Staff;
use crate::db::editing::{self, DepartmentCtx, InitiativeCtx};
use crate::db::results::{self as rdb, CriterionWithResult, InitiativeResult};
use crate::domain::metric::Comparator;
use crate::domain::numbering::circled;
use crate::domain::status::{self, CriterionResult, Status};
use crate::error::{AppError, Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::{FieldErrors, load_department, require};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::collections::HashMap;

mod posted;

/// One criterion row of the form, with what was typed.
#[derive(Clone)]
pub struct CriterionField {
    id: i64,
    text: String,
    /// 「3件以上」 when the criterion has a metric.
    target: Option<String>,
    unit: String,
    actual: String,
    not_applicable: bool,
    reason: String,
}

#[derive(Template)]
#[template(path = "staff/results/results_form.html")]
pub struct ResultsPage {
    staff: Staff,
    department: DepartmentCtx,
    initiative_label: String,
    criteria: Vec<CriterionField>,
    performance: String,
    outcome: String,
    version: i32,
    computed: Option<Status>,
    can_override: bool,
    status_override: String,
    override_reason: String,
    statuses: [Status; 6],
    errors: FieldErrors,
    conflict: bool,
    /// What the section recorded at the mid-year check, shown beside the form.
    midyear: crate::db::midyear::Entry,
}

async fn load(state: &AppState, staff: &Staff, id: i64) -> Result<(InitiativeCtx, DepartmentCtx)> {
    let initiative = editing::initiative(&state.pool, staff.municipality_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let goal = editing::goal(&state.pool, staff.municipality_id, initiative.goal_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let department = load_department(state, staff, goal.department_id).await?;
    require(
        staff
            .roles
            .can_edit_initiative(department.id, &initiative.section_ids),
    )?;
    require_results_editable(state, staff, department.id).await?;
    Ok((initiative, department))
}

/// Results are locked while submitted (except for the head and planning staff, who review
/// them) and once approved (until reopened), like the targets.
pub async fn require_results_editable(
    state: &AppState,
    staff: &Staff,
    department_id: i64,
) -> Result<()> {
    let (sheet_state, _) = crate::db::review::sheet_state_of(
        &state.pool,
        staff.municipality_id,
        department_id,
        "results",
    )
    .await?;
    crate::routes::staff::sheets::edit::check_editable(&sheet_state, staff, department_id)
}

/// 「①窓口の改善」.
fn initiative_label(initiative: &InitiativeCtx) -> String {
    format!(
        "{}{}",
        circled(initiative.position as usize),
        initiative.text
    )
}

fn target_label(c: &CriterionWithResult) -> Option<String> {
    let value = c.target_value?;
    let cmp = c
        .comparator
        .as_deref()
        .and_then(Comparator::from_db)
        .unwrap_or(Comparator::AtLeast);
    Some(format!(
        "{}{}{}",
        value.normalize(),
        c.unit.clone().unwrap_or_default(),
        cmp.label()
    ))
}

fn judged(c: &CriterionWithResult) -> CriterionResult {
    CriterionResult {
        target: c.target_value.map(|v| {
            (
                v,
                c.comparator
                    .as_deref()
                    .and_then(Comparator::from_db)
                    .unwrap_or(Comparator::AtLeast),
            )
        }),
        actual: c.actual_value,
        not_applicable: c.not_applicable,
    }
}

/// `GET /staff/initiatives/{id}/results`.
pub async fn edit_results(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (initiative, department) = load(&state, &staff, id).await?;
    let mid = staff.municipality_id;
    let ids = [id];
    let (criteria, result, midyear) = tokio::try_join!(
        rdb::criteria_with_results(&state.pool, mid, &ids),
        rdb::initiative_result(&state.pool, mid, id),
        crate::db::midyear::entry(&state.pool, mid, id),
    )?;
    let computed = status::computed(&criteria.iter().map(judged).collect::<Vec<_>>());
    let fields = criteria
        .iter()
        .map(|c| CriterionField {
            id: c.id,
            text: c.text.clone(),
            target: target_label(c),
            unit: c.unit.clone().unwrap_or_default(),
            actual: c
                .actual_value
                .map(|v| v.normalize().to_string())
                .or_else(|| c.actual_text.clone())
                .unwrap_or_default(),
            not_applicable: c.not_applicable,
            reason: c.not_applicable_reason.clone().unwrap_or_default(),
        })
        .collect();
    let page = ResultsPage {
        can_override: staff.roles.can_edit_goals(department.id),
        staff,
        initiative_label: initiative_label(&initiative),
        department,
        criteria: fields,
        performance: result.performance.join("\n"),
        outcome: result.outcome.join("\n\n"),
        version: result.version,
        computed,
        status_override: result.status_override.unwrap_or_default(),
        override_reason: result.override_reason.unwrap_or_default(),
        statuses: Status::ALL,
        errors: FieldErrors::default(),
        conflict: false,
        midyear,
    };
    Ok(render(&page)?.into_response())
}

/// `POST /staff/initiatives/{id}/results`: everything of the form in one transaction.
pub async fn save_results(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (initiative, department) = load(&state, &staff, id).await?;
    let mid = staff.municipality_id;
    let form: HashMap<String, String> = fields.into_iter().collect();
    let get = |k: &str| form.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let ids = [id];
    let (criteria, midyear, current) = tokio::try_join!(
        rdb::criteria_with_results(&state.pool, mid, &ids),
        crate::db::midyear::entry(&state.pool, mid, id),
        rdb::initiative_result(&state.pool, mid, id),
    )?;
    let can_override = staff.roles.can_edit_goals(department.id);
    let mut errors = FieldErrors::default();
    let (parsed, typed) = posted::criteria(&form, &criteria, &mut errors);
    let (performance, outcome) = posted::texts(&get("performance"), &get("outcome"), &mut errors);
    let requested = get("status_override");
    let override_reason = get("override_reason");
    let override_status = posted::status_override(
        &requested,
        &override_reason,
        &current,
        can_override,
        &mut errors,
    )?;
    let version: i32 = get("version").parse().unwrap_or(-1);
    let render_form = |errors: FieldErrors, conflict: bool, version: i32| ResultsPage {
        can_override,
        staff: staff.clone(),
        initiative_label: initiative_label(&initiative),
        department: department.clone(),
        criteria: typed.clone(),
        performance: get("performance"),
        outcome: get("outcome"),
        version,
        computed: status::computed(&criteria.iter().map(judged).collect::<Vec<_>>()),
        status_override: requested.clone(),
        override_reason: override_reason.clone(),
        statuses: Status::ALL,
        errors,
        conflict,
        midyear: midyear.clone(),
    };
    if !errors.is_empty() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&render_form(errors, false, version))?,
        )
            .into_response());
    }
    let result = InitiativeResult::judged(
        performance,
        outcome,
        override_status,
        &override_reason,
        version,
    );
    let saved = write_results(
        &state,
        &staff,
        Write::new(&department, &initiative, &current, &result, &parsed),
    )
    .await?;
    if !saved {
        let mut errors = FieldErrors::default();
        errors.push("performance", "他の人が先にこの取組の実績を更新しました。下の入力内容は保存されていません。最新の内容を確認してから、もう一度保存してください。");
        let page = render_form(errors, true, current.version);
        return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
    }
    Ok(Redirect::to(&format!(
        "/staff/departments/{}/results#initiative-{id}",
        department.id
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "staff/results/results_report.html")]
pub struct ResultsReportPage {
    staff: Staff,
    department: DepartmentCtx,
    year_label: String,
    sheet: crate::domain::sheet::ResultsSheet,
    recordable: Vec<i64>,
    can_judge: bool,
    state_label: &'static str,
    comment: Option<String>,
    actions: Vec<(&'static str, &'static str, bool)>,
}

impl ResultsReportPage {
    fn can_record(&self, initiative: &i64) -> bool {
        self.recordable.contains(initiative)
    }
}

/// `GET /staff/departments/{id}/results`: the department's results in the report layout
/// (組織目標 / 取組内容 / 課等 / 実績 / 成果, with statuses) as a draft, with links to record them.
pub async fn show_department_results(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Html<String>> {
    let department = load_department(&state, &staff, id).await?;
    require(staff.roles.can_read_drafts() || staff.roles.can_edit_anything_in(id))?;
    let mid = staff.municipality_id;
    let (sheet, initiatives) = tokio::try_join!(
        crate::db::sheets::results_sheet(&state.pool, mid, &department),
        crate::db::public::initiatives(&state.pool, mid, id)
    )?;
    let (sheet_state, comment) =
        crate::db::review::sheet_state_of(&state.pool, mid, id, "results").await?;
    let locked = sheet_state == "approved"
        || (sheet_state == "submitted" && !staff.roles.can_edit_goals(id));
    let recordable = if locked {
        vec![]
    } else {
        initiatives
            .into_iter()
            .filter(|i| staff.roles.can_edit_initiative(id, &i.section_ids))
            .map(|i| i.id)
            .collect()
    };
    render(&ResultsReportPage {
        state_label: crate::routes::staff::sheets::workflow::state_label(&sheet_state),
        comment,
        actions: crate::routes::staff::sheets::workflow::available_actions(
            &staff,
            id,
            &sheet_state,
        ),
        year_label: state.eras.fiscal_year_label(department.year),
        can_judge: staff.roles.can_edit_goals(id) && sheet_state != "approved",
        staff,
        department,
        sheet,
        recordable,
    })
}

/// What saving an initiative's results writes, and against what it was read.
struct Write<'a> {
    department: &'a DepartmentCtx,
    initiative: &'a InitiativeCtx,
    current: &'a InitiativeResult,
    version: i32,
    result: &'a InitiativeResult,
    parsed: &'a [posted::Criterion],
}

impl<'a> Write<'a> {
    fn new(
        department: &'a DepartmentCtx,
        initiative: &'a InitiativeCtx,
        current: &'a InitiativeResult,
        result: &'a InitiativeResult,
        parsed: &'a [posted::Criterion],
    ) -> Self {
        Write {
            department,
            initiative,
            current,
            version: result.version,
            result,
            parsed,
        }
    }
}

/// Saves the results and the criteria's actuals with their audit entry, through the one
/// editing path; false when someone else saved first.
async fn write_results(state: &AppState, staff: &Staff, w: Write<'_>) -> Result<bool> {
    let mid = staff.municipality_id;
    let id = w.initiative.id;
    let scope = crate::routes::staff::sheets::edit::Scope::results(w.department.id, None);
    crate::routes::staff::sheets::edit::change(state, staff, scope, async |tx| {
        if !rdb::save_initiative_result(tx, mid, id, w.version, w.result).await? {
            return Ok(false);
        }
        for (cid, value, text, reason) in w.parsed {
            rdb::save_criterion_result(tx, mid, *cid, *value, text.as_deref(), reason.as_deref())
                .await?;
        }
        let (current, result) = (w.current, w.result);
        let before = serde_json::json!({ "performance": current.performance, "outcome": current.outcome, "status_override": current.status_override });
        let after = serde_json::json!({
            "performance": result.performance, "outcome": result.outcome, "status_override": result.status_override,
            "override_reason": result.override_reason,
            "criteria": w.parsed.iter().map(|(cid, v, t, r)| serde_json::json!({ "criterion": cid, "actual": v.map(|v| v.normalize().to_string()).or(t.clone()), "not_applicable": r })).collect::<Vec<_>>(),
        });
        Audit::of(if w.version == 0 { "create" } else { "update" }, "initiative_result", id).department(w.department.id).goal(w.initiative.goal_id).before(&before).after(&after).record(tx, staff).await?;
        Ok(true)
    })
    .await
}
