//! The staff pages (behind sign-in, under `/staff`): the home page, a department's editor,
//! the forms for goals, initiatives and criteria, and the audit trail.
//!
//! Every handler loads what it acts on scoped to the signed-in person's city (another city's
//! id is a 404), asks `domain::permission` whether this person may act (403 if not), and
//! writes the change and its audit entry in one transaction.

pub mod accounts;
pub mod admin;
pub mod criteria;
pub mod edit;
pub mod export;
pub mod goals;
pub mod imports;
pub mod initiatives;
pub mod organization;
pub mod pillars;
pub mod plan_actuals;
pub mod plan_actuals_import;
pub mod plan_editor;
pub mod plan_import;
pub mod plan_item_editor;
mod plan_item_form;
pub mod plan_nodes;
pub mod plan_publication;
pub mod plan_years;
pub mod plans;
pub mod profile;
pub mod results;
pub mod section_transfer;
pub mod sections;
pub mod settings;
pub mod site;
pub mod workflow;
pub mod year_publication;

use crate::auth::Staff;
use crate::db::editing::{self, AuditRow, DepartmentCtx};
use crate::db::public as q;
use crate::domain::numbering::circled;
use crate::error::{AppError, Result, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
pub use edit::{Place, delete_recorded, move_recorded, require_editable};
use std::collections::HashMap;
use validator::ValidationErrors;

/// Per-field Japanese messages for a form, in the form's order.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    /// The messages of a failed `validate()`, first message per field, ordered by `fields`.
    pub fn from_validation(errors: &ValidationErrors, fields: &[&str]) -> Self {
        let mut out = Vec::new();
        let map = errors.field_errors();
        for field in fields {
            if let Some(first) = map.get(*field).and_then(|e| e.first()) {
                let message = first
                    .message
                    .as_ref()
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "入力内容を確認してください。".into());
                out.push(((*field).to_owned(), message));
            }
        }
        Self(out)
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field.to_owned(), message.into()));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn all(&self) -> &[(String, String)] {
        &self.0
    }
}

/// A validator rule: text that is not only spaces.
pub fn not_blank(value: &str) -> std::result::Result<(), validator::ValidationError> {
    if value.trim().is_empty() {
        Err(validator::ValidationError::new("blank"))
    } else {
        Ok(())
    }
}

/// Normalizes typed text: trims, unifies line breaks.
pub fn clean(text: &str) -> String {
    text.replace("\r\n", "\n").trim().to_owned()
}

/// A department this person's city owns, or 404.
pub async fn load_department(state: &AppState, staff: &Staff, id: i64) -> Result<DepartmentCtx> {
    editing::department(&state.pool, staff.municipality_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// 403 unless `allowed`.
pub fn require(allowed: bool) -> Result<()> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A department on the home page.
pub struct HomeDepartment {
    id: i64,
    name: String,
    can_edit: bool,
    initiative_count: i64,
}

#[derive(Template)]
#[template(path = "staff/home.html")]
pub struct HomePage {
    staff: Staff,
    year_label: String,
    year: Option<i32>,
    departments: Vec<HomeDepartment>,
    role_labels: Vec<String>,
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
        });
    };
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

/// A criterion in the editor.
pub struct EditorCriterion {
    id: i64,
    text: String,
    version: i32,
}

/// An initiative in the editor, with what this person may do to it.
pub struct EditorInitiative {
    id: i64,
    number: String,
    text: String,
    version: i32,
    sections: Vec<String>,
    criteria: Vec<EditorCriterion>,
    can_edit: bool,
    deadline: Option<String>,
}

/// A goal in the editor.
pub struct EditorGoal {
    id: i64,
    text: String,
    version: i32,
    pillars: Vec<String>,
    initiatives: Vec<EditorInitiative>,
    category: Option<String>,
}

/// The review state of the department's targets, for the editor page.
pub struct WorkflowView {
    state_label: &'static str,
    comment: Option<String>,
    /// (action, button label, needs a comment)
    actions: Vec<(&'static str, &'static str, bool)>,
    events: Vec<(String, &'static str, String, String)>,
    published: Option<String>,
    changed_since_publication: bool,
    locked: bool,
}

#[derive(Template)]
#[template(path = "staff/department.html")]
pub struct DepartmentEditorPage {
    staff: Staff,
    department: DepartmentCtx,
    year_label: String,
    goals: Vec<EditorGoal>,
    can_edit_goals: bool,
    can_add_initiative: bool,
    workflow: WorkflowView,
}

async fn workflow_view(
    state: &AppState,
    staff: &Staff,
    department: &DepartmentCtx,
) -> Result<WorkflowView> {
    use crate::db::publication as pubdb;
    let mid = staff.municipality_id;
    let (sheet_state, comment) =
        crate::db::review::sheet_state(&state.pool, mid, department.id).await?;
    let (events, latest, live) = tokio::try_join!(
        crate::db::review::events(&state.pool, mid, department.id, "targets"),
        pubdb::publication(&state.pool, mid, department.id, None),
        crate::db::sheets::target_sheet(
            &state.pool,
            mid,
            department.id,
            &department.name,
            department.policy_id
        ),
    )?;
    let actions = workflow::available_actions(staff, department.id, &sheet_state);
    Ok(WorkflowView {
        state_label: workflow::state_label(&sheet_state),
        locked: sheet_state == "approved"
            || (sheet_state == "submitted" && !staff.roles.can_edit_goals(department.id)),
        comment,
        actions,
        events: events
            .into_iter()
            .map(|e| {
                (
                    crate::domain::clock::in_japan(e.at)
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                    workflow::action_label(&e.action),
                    e.who.unwrap_or_default(),
                    e.comment.unwrap_or_default(),
                )
            })
            .collect(),
        changed_since_publication: latest.as_ref().is_some_and(|p| p.content.0 != live),
        published: latest.map(|p| {
            format!(
                "第{}版（{}）",
                p.version,
                state.eras.date_label(p.published_on)
            )
        }),
    })
}

/// `GET /staff/departments/{id}`: the department's goals with the actions this person may take.
pub async fn show_department(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Html<String>> {
    let department = load_department(&state, &staff, id).await?;
    require(staff.roles.can_read_drafts() || staff.roles.can_edit_anything_in(id))?;
    let mid = staff.municipality_id;
    let (pillars, goals, initiatives, criteria) = tokio::try_join!(
        q::pillars(&state.pool, mid, department.policy_id),
        q::goals(&state.pool, mid, id),
        q::initiatives(&state.pool, mid, id),
        q::criteria(&state.pool, mid, id),
    )?;
    let mut criteria_of: HashMap<i64, Vec<EditorCriterion>> = HashMap::new();
    for c in criteria {
        criteria_of
            .entry(c.initiative_id)
            .or_default()
            .push(EditorCriterion {
                id: c.id,
                text: c.text,
                version: c.version,
            });
    }
    let mut initiatives_of: HashMap<i64, Vec<EditorInitiative>> = HashMap::new();
    for i in initiatives {
        let list = initiatives_of.entry(i.goal_id).or_default();
        list.push(EditorInitiative {
            id: i.id,
            number: circled(list.len() + 1),
            can_edit: staff.roles.can_edit_initiative(id, &i.section_ids),
            text: i.text,
            version: i.version,
            sections: i.sections,
            criteria: criteria_of.remove(&i.id).unwrap_or_default(),
            deadline: i.deadline,
        });
    }
    let goals = goals
        .into_iter()
        .map(|g| EditorGoal {
            pillars: g
                .pillar_ids
                .iter()
                .filter_map(|pid| pillars.iter().find(|p| p.id == *pid))
                .map(|p| format!("({}) {}", p.number, p.title))
                .collect(),
            initiatives: initiatives_of.remove(&g.id).unwrap_or_default(),
            id: g.id,
            text: g.text,
            version: g.version,
            category: g.category,
        })
        .collect();
    let workflow = workflow_view(&state, &staff, &department).await?;
    render(&DepartmentEditorPage {
        workflow,
        can_edit_goals: staff.roles.can_edit_goals(id),
        can_add_initiative: staff.roles.can_add_initiative(id),
        year_label: state.eras.fiscal_year_label(department.year),
        staff,
        department,
        goals,
    })
}

#[derive(Template)]
#[template(path = "staff/history.html")]
pub struct HistoryPage {
    staff: Staff,
    heading: String,
    back: String,
    events: Vec<AuditView>,
}

/// An audit entry as shown.
pub struct AuditView {
    at: String,
    who: String,
    action: &'static str,
    entity: &'static str,
    before: String,
    after: String,
}

impl AuditView {
    fn from_row(row: AuditRow) -> Self {
        let show = |v: Option<serde_json::Value>| {
            v.map(|v| serde_json::to_string_pretty(&v).unwrap_or_default())
                .unwrap_or_default()
        };
        Self {
            at: crate::domain::clock::in_japan(row.at)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            who: row.who.unwrap_or_else(|| "（不明）".into()),
            action: match row.action.as_str() {
                "create" => "追加",
                "update" => "変更",
                "delete" => "削除",
                "move" => "並べ替え",
                "import" => "Excelからの取り込み",
                _ => "その他",
            },
            entity: match row.entity.as_str() {
                "goal" => "組織目標",
                "initiative" => "取組内容",
                "criterion" => "目標達成基準",
                "department" => "部",
                "section" => "課等",
                _ => "その他",
            },
            before: show(row.before),
            after: show(row.after),
        }
    }
}

/// `GET /staff/goals/{id}/history`: the goal's own history, with its initiatives' and criteria's.
pub async fn show_goal_history(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Html<String>> {
    let goal = editing::goal(&state.pool, staff.municipality_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(staff.roles.can_read_drafts() || staff.roles.can_edit_anything_in(goal.department_id))?;
    let events = editing::audit_trail(&state.pool, staff.municipality_id, None, Some(id)).await?;
    render(&HistoryPage {
        heading: format!("変更履歴：{}", goal.text),
        back: format!("/staff/departments/{}#goal-{}", goal.department_id, goal.id),
        staff,
        events: events.into_iter().map(AuditView::from_row).collect(),
    })
}

/// `GET /staff/departments/{id}/history`: every change in a department (planning staff).
pub async fn show_department_history(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Html<String>> {
    let department = load_department(&state, &staff, id).await?;
    require(staff.roles.is_admin())?;
    let events = editing::audit_trail(&state.pool, staff.municipality_id, Some(id), None).await?;
    render(&HistoryPage {
        heading: format!("変更履歴：{}", department.name),
        back: format!("/staff/departments/{id}"),
        staff,
        events: events.into_iter().map(AuditView::from_row).collect(),
    })
}
