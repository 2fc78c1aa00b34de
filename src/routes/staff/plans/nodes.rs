//! The plan's nodes in the editor: added under a parent (or at the top), edited, moved under
//! another parent or among their siblings, and removed when nothing is under them.

use crate::auth::Staff;
use crate::db::plan_edit::{self, Node};
use crate::db::plans::PlanData;
use crate::domain::plan_limits as limits;
use crate::error::{AppError, Result, render};
use crate::routes::paths::PlanAnd;
use crate::routes::staff::audit::Audit;
use crate::routes::staff::plans::editor::node_text;
use crate::routes::staff::{FieldErrors, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NodeForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    /// The parent's id, "" for the top level.
    #[serde(default)]
    parent: String,
    #[serde(default)]
    version: i32,
}

impl NodeForm {
    fn check(&self, errors: &mut FieldErrors) -> Option<Node> {
        let title = self.title.trim();
        if title.is_empty() {
            errors.push("title", "名前を入力してください。");
        } else if limits::too_long(title, limits::NODE_TITLE_MAX) {
            errors.push("title", "名前は200文字以内で入力してください。");
        }
        if limits::too_long(self.label.trim(), limits::NODE_LABEL_MAX) {
            errors.push(
                "label",
                "番号は10文字以内で入力してください（例：1、(1)、①）。",
            );
        }
        if limits::too_long(self.description.trim(), limits::NODE_DESCRIPTION_MAX) {
            errors.push("description", "説明は2000文字以内で入力してください。");
        }
        errors.is_empty().then(|| Node {
            label: self.label.trim().to_owned(),
            title: title.to_owned(),
            description: crate::routes::staff::clean(&self.description),
        })
    }
}

#[derive(Template)]
#[template(path = "staff/plans/node.html")]
pub struct NodePage {
    staff: Staff,
    slug: String,
    plan_name: String,
    /// The node edited (None: a new one).
    id: Option<i64>,
    level: String,
    form: NodeForm,
    /// Parents it may go under: (id, indented text); "" is the top level.
    parents: Vec<(String, String)>,
    errors: FieldErrors,
    conflict: bool,
}

/// The ids of a node and everything under it.
fn subtree(data: &PlanData, id: i64) -> Vec<i64> {
    let mut out = vec![id];
    let mut k = 0;
    while k < out.len() {
        let at = out[k];
        out.extend(
            data.nodes
                .iter()
                .filter(|n| n.parent_id == Some(at))
                .map(|n| n.id),
        );
        k += 1;
    }
    out
}

/// Where a node of this height (levels below it) may go: parents deep enough to hold it.
fn parents(data: &PlanData, node: Option<i64>, height: usize) -> Vec<(String, String)> {
    let levels = data.plan.level_names.len();
    let own = node.map(|id| subtree(data, id)).unwrap_or_default();
    let mut out = Vec::new();
    if height < levels {
        out.push((
            String::new(),
            format!("（最上位の{}）", data.plan.level_names[0]),
        ));
    }
    for row in crate::routes::staff::plans::editor::tree(data) {
        if own.contains(&row.id) || row.depth + 1 + height >= levels {
            continue;
        }
        out.push((
            row.id.to_string(),
            format!("{}{}", "　".repeat(row.depth), row.text),
        ));
    }
    out
}

fn level_name(data: &PlanData, depth: usize) -> String {
    data.plan
        .level_names
        .get(depth)
        .cloned()
        .unwrap_or_default()
}

fn depth_of(data: &PlanData, parent: Option<i64>) -> Option<usize> {
    match parent {
        None => Some(0),
        Some(p) => data
            .nodes
            .iter()
            .find(|n| n.id == p)
            .map(|n| n.depth as usize + 1),
    }
}

fn page(
    staff: Staff,
    data: &PlanData,
    id: Option<i64>,
    form: NodeForm,
    errors: FieldErrors,
    conflict: bool,
) -> NodePage {
    let height = id.map(|i| height_of(data, i)).unwrap_or(0);
    let depth = depth_of(data, form.parent.parse().ok()).unwrap_or(0);
    NodePage {
        slug: data.plan.slug.clone(),
        plan_name: data.plan.name.clone(),
        level: level_name(data, depth),
        parents: parents(data, id, height),
        staff,
        id,
        form,
        errors,
        conflict,
    }
}

/// Levels below a node (0: none).
fn height_of(data: &PlanData, id: i64) -> usize {
    let depth = |x: i64| {
        data.nodes
            .iter()
            .find(|n| n.id == x)
            .map(|n| n.depth)
            .unwrap_or(0)
    };
    let top = depth(id);
    subtree(data, id)
        .into_iter()
        .map(|x| (depth(x) - top) as usize)
        .max()
        .unwrap_or(0)
}

#[derive(Debug, Deserialize)]
pub struct ParentQuery {
    #[serde(default)]
    parent: Option<i64>,
}

/// `GET /staff/plans/{plan}/nodes/new?parent=`.
pub async fn new_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    Query(q): Query<ParentQuery>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let data = crate::routes::staff::plans::load(&state, &staff, &slug).await?;
    let form = NodeForm {
        parent: q.parent.map(|p| p.to_string()).unwrap_or_default(),
        ..NodeForm::default()
    };
    Ok(render(&page(
        staff,
        &data,
        None,
        form,
        FieldErrors::default(),
        false,
    ))?
    .into_response())
}

/// The parent a form names, checked against the plan and the levels; None with a message.
fn check_parent(
    data: &PlanData,
    form: &NodeForm,
    node: Option<i64>,
    errors: &mut FieldErrors,
) -> Option<(Option<i64>, usize)> {
    let parent: Option<i64> = if form.parent.trim().is_empty() {
        None
    } else {
        match form.parent.trim().parse::<i64>() {
            Ok(p) if data.nodes.iter().any(|n| n.id == p) => Some(p),
            _ => {
                errors.push("parent", "上の階層を一覧から選んでください。");
                return None;
            }
        }
    };
    let depth = depth_of(data, parent)?;
    let height = node.map(|i| height_of(data, i)).unwrap_or(0);
    if node.is_some_and(|i| parent.is_some_and(|p| subtree(data, i).contains(&p))) {
        errors.push("parent", "自分の下の階層へは移せません。");
        return None;
    }
    if depth + height >= data.plan.level_names.len() {
        errors.push(
            "parent",
            format!(
                "この計画の階層は{}段までです。",
                data.plan.level_names.len()
            ),
        );
        return None;
    }
    Some((parent, depth))
}

/// `POST /staff/plans/{plan}/nodes/new`.
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    Form(form): Form<NodeForm>,
) -> Result<Response> {
    let (data, mut tx) = crate::routes::staff::plans::begin_write(&state, &staff, &slug).await?;
    let mut errors = FieldErrors::default();
    let place = check_parent(&data, &form, None, &mut errors);
    let node = form.check(&mut errors);
    let (Some((parent, depth)), Some(node)) = (place, node) else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&page(staff, &data, None, form, errors, false))?,
        )
            .into_response());
    };
    let siblings = plan_edit::children_count(&mut tx, data.plan.id, parent).await?;
    if siblings >= 99 {
        tx.rollback().await?;
        errors.push("parent", "ひとつの階層の下に置けるのは99件までです。");
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&page(staff, &data, None, form, errors, false))?,
        )
            .into_response());
    }
    let id = plan_edit::insert_node(
        &mut tx,
        staff.municipality_id,
        data.plan.id,
        parent,
        depth as i32,
        &node,
    )
    .await?;
    Audit::of("create", "plan_node", id)
        .after(&node)
        .record(&mut tx, &staff)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans/{slug}#node-{id}")).into_response())
}

fn find(data: &PlanData, id: i64) -> Result<&crate::db::plans::NodeRow> {
    data.nodes
        .iter()
        .find(|n| n.id == id)
        .ok_or(AppError::NotFound)
}

/// `GET /staff/plans/{plan}/nodes/{id}`.
pub async fn edit_form(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, id): PlanAnd<i64>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let data = crate::routes::staff::plans::load(&state, &staff, &slug).await?;
    let n = find(&data, id)?;
    let form = NodeForm {
        label: n.label.clone(),
        title: n.title.clone(),
        description: n.description.clone(),
        parent: n.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        version: n.version,
    };
    Ok(render(&page(
        staff,
        &data,
        Some(id),
        form,
        FieldErrors::default(),
        false,
    ))?
    .into_response())
}

/// `POST /staff/plans/{plan}/nodes/{id}`.
pub async fn save(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, id): PlanAnd<i64>,
    Form(form): Form<NodeForm>,
) -> Result<Response> {
    let (data, mut tx) = crate::routes::staff::plans::begin_write(&state, &staff, &slug).await?;
    let before = find(&data, id)?;
    let mut errors = FieldErrors::default();
    let place = check_parent(&data, &form, Some(id), &mut errors);
    let node = form.check(&mut errors);
    let (Some((parent, depth)), Some(node)) = (place, node) else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&page(staff, &data, Some(id), form, errors, false))?,
        )
            .into_response());
    };
    if !plan_edit::update_node(
        &mut tx,
        staff.municipality_id,
        data.plan.id,
        id,
        form.version,
        &node,
        parent,
        depth as i32,
    )
    .await?
    {
        tx.rollback().await?;
        let fresh = crate::routes::staff::plans::load(&state, &staff, &slug).await?;
        return Ok((
            StatusCode::CONFLICT,
            render(&page(
                staff,
                &fresh,
                Some(id),
                form,
                FieldErrors::default(),
                true,
            ))?,
        )
            .into_response());
    }
    let old = Node {
        label: before.label.clone(),
        title: before.title.clone(),
        description: before.description.clone(),
    };
    Audit::of("update", "plan_node", id)
        .before(&old)
        .after(&node)
        .record(&mut tx, &staff)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans/{slug}#node-{id}")).into_response())
}

/// `POST /staff/plans/{plan}/nodes/{id}/delete`: only a node with nothing under it.
pub async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, id): PlanAnd<i64>,
) -> Result<Response> {
    let (data, mut tx) = crate::routes::staff::plans::begin_write(&state, &staff, &slug).await?;
    let n = find(&data, id)?;
    let old = Node {
        label: n.label.clone(),
        title: n.title.clone(),
        description: n.description.clone(),
    };
    if !plan_edit::delete_node(&mut tx, staff.municipality_id, data.plan.id, id).await? {
        tx.rollback().await?;
        return Ok((
            StatusCode::CONFLICT,
            render(&refused(&state, staff, &data, &old).await?)?,
        )
            .into_response());
    }
    Audit::of("delete", "plan_node", id)
        .before(&old)
        .record(&mut tx, &staff)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans/{slug}")).into_response())
}

async fn refused(
    state: &AppState,
    staff: Staff,
    data: &PlanData,
    n: &Node,
) -> Result<crate::routes::staff::plans::editor::OverviewPage> {
    let mut errors = FieldErrors::default();
    errors.push(
        "tree",
        format!("「{}」の下に階層か項目があるため、削除できません。先に下の階層や項目を移すか削除してください。", node_text(&n.label, &n.title)),
    );
    crate::routes::staff::plans::editor::overview_with(state, staff, data, errors).await
}

#[derive(Debug, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    direction: String,
}

/// `POST /staff/plans/{plan}/nodes/{id}/move`: up or down among its siblings.
pub async fn move_node(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, id): PlanAnd<i64>,
    Form(form): Form<MoveForm>,
) -> Result<Response> {
    let (data, mut tx) = crate::routes::staff::plans::begin_write(&state, &staff, &slug).await?;
    find(&data, id)?;
    if plan_edit::move_node(&mut tx, data.plan.id, id, form.direction == "up").await? {
        Audit::of("move", "plan_node", id)
            .after(&form.direction)
            .record(&mut tx, &staff)
            .await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans/{slug}#node-{id}")).into_response())
}
