//! The plan editor (planning staff): a new plan's head, the plan's overview (its head form and
//! its hierarchy with the items under each node), and the nodes — added, edited, moved under
//! another parent or among their siblings, removed when empty. Items are edited in
//! [`crate::routes::staff::plans::item_editor`].

use crate::auth::Staff;
use crate::db::plan_edit::{self, Head};
use crate::db::plans::PlanData;
use crate::domain::plan_limits::{self as limits, too_long};
use crate::error::{Result, render};
use crate::routes::staff::audit::Audit;
use crate::routes::staff::plans::import::slug_problem;
use crate::routes::staff::{FieldErrors, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use std::collections::HashMap;

/// The head form's fields as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HeadForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    adopted: String,
    #[serde(default)]
    first_year: String,
    #[serde(default)]
    last_year: String,
    #[serde(default)]
    levels: String,
    #[serde(default)]
    item_label: String,
    #[serde(default)]
    version: i32,
}

impl HeadForm {
    fn of(data: &PlanData) -> Self {
        let p = &data.plan;
        HeadForm {
            slug: p.slug.clone(),
            name: p.name.clone(),
            adopted: p.adopted.clone(),
            first_year: p.first_year.to_string(),
            last_year: p.last_year.to_string(),
            levels: p.level_names.join("\n"),
            item_label: p.item_label.clone(),
            version: data.plan.version,
        }
    }

    /// The hierarchy's level names, one per line, at least as many as the tree is deep.
    fn checked_levels(&self, depth: usize, errors: &mut FieldErrors) -> Vec<String> {
        let levels: Vec<String> = self
            .levels
            .lines()
            .map(|l| l.split_whitespace().collect::<String>())
            .filter(|l| !l.is_empty())
            .collect();
        if levels.is_empty() {
            errors.push(
                "levels",
                "階層の名前を1行に1つ入力してください（例：視点、基本目標、施策）。",
            );
        } else if levels.len() > limits::MAX_LEVELS
            || levels.iter().any(|l| too_long(l, limits::LEVEL_NAME_MAX))
        {
            errors.push(
                "levels",
                "階層は6段まで、名前は20文字以内で入力してください。",
            );
        } else if levels.len() < depth {
            errors.push(
                "levels",
                format!(
                    "この計画の体系は{depth}段あります。階層の名前を{depth}つ以上入力してください。"
                ),
            );
        }
        levels
    }

    /// The head, or the messages beside the fields; `depth` is how deep the tree already is.
    fn check(&self, depth: usize, errors: &mut FieldErrors) -> Option<Head> {
        let name = self.name.trim();
        if name.is_empty() {
            errors.push("name", "計画の名前を入力してください。");
        } else if too_long(name, limits::NAME_MAX) {
            errors.push(
                "name",
                format!(
                    "計画の名前は{}文字以内で入力してください。",
                    limits::NAME_MAX
                ),
            );
        }
        if too_long(self.adopted.trim(), limits::ADOPTED_MAX) {
            errors.push(
                "adopted",
                "策定は50文字以内で入力してください（例：平成28年3月策定）。",
            );
        }
        let year = |s: &str| {
            s.trim()
                .parse::<i32>()
                .ok()
                .filter(|y| limits::YEARS.contains(y))
        };
        let (first, last) = (year(&self.first_year), year(&self.last_year));
        match (first, last) {
            (None, _) => errors.push("first_year", "計画の最初の年度を選んでください。"),
            (_, None) => errors.push("last_year", "計画の最後の年度を選んでください。"),
            (Some(f), Some(l)) if l < f => errors.push(
                "last_year",
                "最後の年度は最初の年度と同じか、それより後にしてください。",
            ),
            (Some(f), Some(l)) if l - f >= limits::MAX_PERIOD => {
                errors.push("last_year", "計画の期間は20年度までです。")
            }
            _ => {}
        }
        let levels = self.checked_levels(depth, errors);
        let item_label = self.item_label.trim();
        if item_label.is_empty() || too_long(item_label, limits::ITEM_LABEL_MAX) {
            errors.push(
                "item_label",
                "項目の呼び方を20文字以内で入力してください（例：取組項目）。",
            );
        }
        if !errors.is_empty() {
            return None;
        }
        Some(Head {
            name: name.to_owned(),
            adopted: self.adopted.trim().to_owned(),
            first_year: first?,
            last_year: last?,
            levels,
            item_label: item_label.to_owned(),
        })
    }
}

/// Years a plan may start or end in, with their labels: from 2000 (or the stored plan's
/// first year, if earlier) to 15 years ahead (or its last year, if later), so that a form
/// saved untouched never changes the period.
fn year_choices(state: &AppState, stored: Option<(i32, i32)>) -> Vec<(i32, String)> {
    let now: i32 = chrono::Datelike::year(&state.clock.today());
    let first = stored.map_or(2000, |(f, _)| f.min(2000));
    let last = stored.map_or(now + 15, |(_, l)| l.max(now + 15));
    (first..=last)
        .map(|y| (y, state.eras.fiscal_year_label(y)))
        .collect()
}

#[derive(Template)]
#[template(path = "staff/plans/new.html")]
pub struct NewPlanPage {
    staff: Staff,
    form: HeadForm,
    years: Vec<(i32, String)>,
    errors: FieldErrors,
}

/// `GET /staff/plans/new`.
pub async fn new_plan_form(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let now = chrono::Datelike::year(&state.clock.today());
    let form = HeadForm {
        first_year: (now + 1).to_string(),
        last_year: (now + 5).to_string(),
        levels: "基本目標\n施策".into(),
        item_label: "取組項目".into(),
        ..HeadForm::default()
    };
    let page = NewPlanPage {
        years: year_choices(&state, None),
        staff,
        form,
        errors: FieldErrors::default(),
    };
    Ok(render(&page)?.into_response())
}

/// `POST /staff/plans/new`.
pub async fn create_plan(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<HeadForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mid = staff.municipality_id;
    let mut errors = FieldErrors::default();
    let slug = form.slug.trim().to_owned();
    if let Some(p) = slug_problem(&slug) {
        errors.push("slug", p);
    }
    let head = form.check(0, &mut errors);
    let mut tx = crate::routes::staff::plans::lock(&state, mid, &slug).await?;
    if errors.get("slug").is_none()
        && crate::db::plans::plans_of_city(&state.pool, mid, false)
            .await?
            .iter()
            .any(|p| p.0 == slug)
    {
        errors.push(
            "slug",
            "この名前の計画はすでにあります。別の名前にしてください。",
        );
    }
    if let Some(h) = &head
        && crate::db::plan_imports::name_taken(&state.pool, mid, &h.name, &slug).await?
    {
        errors.push(
            "name",
            "同じ名前の計画（または行政経営方針）がすでにあります。",
        );
    }
    let Some(head) = head.filter(|_| errors.is_empty()) else {
        tx.rollback().await?;
        let page = NewPlanPage {
            years: year_choices(&state, None),
            staff,
            form,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let id = plan_edit::create_plan(&mut tx, mid, &slug, &head).await?;
    Audit::of("create", "plan", id)
        .after(&head)
        .record(&mut tx, &staff)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans/{slug}")).into_response())
}

/// A node on the overview, depth first.
pub struct TreeRow {
    pub(super) id: i64,
    pub(super) depth: usize,
    level: String,
    pub(super) text: String,
    description: String,
    /// (number, title) of the items whose home is here, then the places listing one again.
    items: Vec<(i32, String, bool)>,
    has_children: bool,
    first: bool,
    last: bool,
    /// The next level's name when a child may be added.
    child_level: Option<String>,
}

pub fn node_text(label: &str, title: &str) -> String {
    if label.is_empty() {
        title.to_owned()
    } else {
        format!("{label} {title}")
    }
}

/// The hierarchy depth first, each node with its items.
pub fn tree(data: &PlanData) -> Vec<TreeRow> {
    let mut children: HashMap<Option<i64>, Vec<&crate::db::plans::NodeRow>> = HashMap::new();
    for n in &data.nodes {
        children.entry(n.parent_id).or_default().push(n);
    }
    for list in children.values_mut() {
        list.sort_by_key(|n| n.number);
    }
    let levels = &data.plan.level_names;
    let mut out = Vec::new();
    // Depth first: a parent's children in number order.
    fn walk(
        at: Option<i64>,
        depth: usize,
        children: &HashMap<Option<i64>, Vec<&crate::db::plans::NodeRow>>,
        data: &PlanData,
        levels: &[String],
        out: &mut Vec<TreeRow>,
    ) {
        let Some(list) = children.get(&at) else {
            return;
        };
        for (k, n) in list.iter().enumerate() {
            let items = data
                .places
                .iter()
                .filter(|p| p.node_id == n.id)
                .filter_map(|p| {
                    let item = data.items.iter().find(|i| i.id == p.item_id)?;
                    Some((p.number, item.title.clone(), p.restated))
                })
                .collect();
            out.push(TreeRow {
                id: n.id,
                depth,
                level: levels.get(depth).cloned().unwrap_or_default(),
                text: node_text(&n.label, &n.title),
                description: n.description.clone(),
                items,
                has_children: children.contains_key(&Some(n.id)),
                first: k == 0,
                last: k + 1 == list.len(),
                child_level: levels.get(depth + 1).cloned(),
            });
            walk(Some(n.id), depth + 1, children, data, levels, out);
        }
    }
    walk(None, 0, &children, data, levels, &mut out);
    out
}

#[derive(Template)]
#[template(path = "staff/plans/overview.html")]
pub struct OverviewPage {
    staff: Staff,
    slug: String,
    plan_name: String,
    item_label: String,
    top_level: String,
    form: HeadForm,
    years: Vec<(i32, String)>,
    tree: Vec<TreeRow>,
    errors: FieldErrors,
    conflict: bool,
    notice: Option<String>,
    /// 「令和8年12月7日」 when the plan is public.
    published_on: Option<String>,
    /// Whether it may be deleted (never published, no year published).
    deletable: bool,
}

fn max_depth(data: &PlanData) -> usize {
    data.nodes
        .iter()
        .map(|n| n.depth as usize + 1)
        .max()
        .unwrap_or(0)
}

async fn overview(
    state: &AppState,
    staff: Staff,
    data: &PlanData,
    form: Option<HeadForm>,
    errors: FieldErrors,
    conflict: bool,
    notice: Option<String>,
) -> Result<OverviewPage> {
    Ok(OverviewPage {
        staff,
        slug: data.plan.slug.clone(),
        plan_name: data.plan.name.clone(),
        item_label: data.plan.item_label.clone(),
        top_level: data.plan.level_names.first().cloned().unwrap_or_default(),
        form: form.unwrap_or_else(|| HeadForm::of(data)),
        years: year_choices(state, Some((data.plan.first_year, data.plan.last_year))),
        tree: tree(data),
        errors,
        conflict,
        notice,
        published_on: data.plan.published_at.map(|at| {
            state
                .eras
                .date_label(crate::domain::clock::in_japan(at).date_naive())
        }),
        deletable: data.plan.published_at.is_none() && data.published_years.is_empty(),
    })
}

/// The overview with a message (a refused removal).
pub(super) async fn overview_with(
    state: &AppState,
    staff: Staff,
    data: &PlanData,
    errors: FieldErrors,
) -> Result<OverviewPage> {
    overview(state, staff, data, None, errors, false, None).await
}

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// `GET /staff/plans/{plan}`: the editor's overview.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let data = crate::routes::staff::plans::load(&state, &staff, &slug).await?;
    let notice = q.saved.map(|_| "保存しました。".to_owned());
    Ok(render(
        &overview(
            &state,
            staff,
            &data,
            None,
            FieldErrors::default(),
            false,
            notice,
        )
        .await?,
    )?
    .into_response())
}

/// `POST /staff/plans/{plan}`: saves the head.
pub async fn save_head(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    Form(form): Form<HeadForm>,
) -> Result<Response> {
    let mid = staff.municipality_id;
    let (data, mut tx) = crate::routes::staff::plans::begin_write(&state, &staff, &slug).await?;
    let mut errors = FieldErrors::default();
    let head = form.check(max_depth(&data), &mut errors);
    if let Some(h) = &head
        && crate::db::plan_imports::name_taken(&state.pool, mid, &h.name, &slug).await?
    {
        errors.push(
            "name",
            "同じ名前の計画（または行政経営方針）がすでにあります。",
        );
    }
    let Some(head) = head.filter(|_| errors.is_empty()) else {
        let page = overview(&state, staff, &data, Some(form), errors, false, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    if !plan_edit::update_head(&mut tx, mid, data.plan.id, form.version, &head).await? {
        tx.rollback().await?;
        let fresh = crate::routes::staff::plans::load(&state, &staff, &slug).await?;
        let page = overview(
            &state,
            staff,
            &fresh,
            Some(form),
            FieldErrors::default(),
            true,
            None,
        )
        .await?;
        return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
    }
    let before = HeadForm::of(&data);
    Audit::of("update", "plan", data.plan.id)
        .before(&before.levels)
        .after(&head.levels.join("\n"))
        .record(&mut tx, &staff)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans/{slug}?saved=1")).into_response())
}
