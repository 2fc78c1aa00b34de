//! A department's editor page: its goals, initiatives and criteria with what this person may
//! do to each, and the review state of its sheets.

use crate::auth::Staff;
use crate::db::editing::DepartmentCtx;
use crate::db::public as q;
use crate::domain::numbering::circled;
use crate::error::{Result, render};
use crate::routes::staff::{load_department, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use std::collections::HashMap;

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
    /// Last year's published result of the initiative it was carried from.
    last: Option<crate::domain::sheet::ResultsInitiative>,
}

/// A goal in the editor.
pub struct EditorGoal {
    id: i64,
    text: String,
    version: i32,
    pillars: Vec<String>,
    initiatives: Vec<EditorInitiative>,
    category: Option<String>,
    /// Last year's published result of the goal it was carried from.
    last: Option<crate::domain::sheet::ResultsGoal>,
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
#[template(path = "staff/sheets/department.html")]
pub struct DepartmentEditorPage {
    staff: Staff,
    department: DepartmentCtx,
    year_label: String,
    goals: Vec<EditorGoal>,
    can_edit_goals: bool,
    can_add_initiative: bool,
    workflow: WorkflowView,
    /// 「前年度（令和7年度）」 when last year's results sit beside the carried items.
    last_year: Option<String>,
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
    let actions = super::workflow::available_actions(staff, department.id, &sheet_state);
    Ok(WorkflowView {
        state_label: super::workflow::state_label(&sheet_state),
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
                    super::workflow::action_label(&e.action),
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
    let (pillars, goals, initiatives, criteria, mut last) = tokio::try_join!(
        q::pillars(&state.pool, mid, department.policy_id),
        q::goals(&state.pool, mid, id),
        q::initiatives(&state.pool, mid, id),
        q::criteria(&state.pool, mid, id),
        crate::db::last_year::of_department(&state.pool, mid, id),
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
            last: last.initiatives.remove(&i.id),
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
            last: last.goals.remove(&g.id),
            id: g.id,
            text: g.text,
            version: g.version,
            category: g.category,
        })
        .collect();
    let workflow = workflow_view(&state, &staff, &department).await?;
    render(&DepartmentEditorPage {
        last_year: last
            .year
            .map(|y| format!("前年度（{}）", state.eras.fiscal_year_label(y))),
        workflow,
        can_edit_goals: staff.roles.can_edit_goals(id),
        can_add_initiative: staff.roles.can_add_initiative(id),
        year_label: state.eras.fiscal_year_label(department.year),
        staff,
        department,
        goals,
    })
}
