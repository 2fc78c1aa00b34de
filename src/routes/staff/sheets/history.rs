//! The audit trail: a goal's history and a department's.

use crate::auth::Staff;
use crate::db::editing::{self, AuditRow};
use crate::error::{AppError, Result, render};
use crate::routes::staff::{load_department, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;

#[derive(Template)]
#[template(path = "staff/sheets/history.html")]
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
