//! Items in the plan editor: number, name, 取組内容, 担当課 (the sections of the year's
//! organization, plus names not in it), the home place and ※再掲 places, and the indicators
//! with a baseline and a target per plan year. Saved with optimistic locking (409 with both
//! versions); each change is in the item's history; a changed target is kept as a revision.

use crate::auth::Staff;
use crate::db::plan_edit;
use crate::db::plans::PlanData;
use crate::error::{AppError, Result, render};
use crate::import::plan::{ItemDoc, PlanCity, PlanDocument, node_keys};
use crate::routes::paths::PlanAnd;
use crate::routes::staff::audit::Audit;
use crate::routes::staff::plans::item_form::{IndicatorForm, ItemForm, check};
use crate::routes::staff::{FieldErrors, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "staff/plans/item.html")]
pub struct ItemPage {
    staff: Staff,
    slug: String,
    plan_name: String,
    item_label: String,
    /// The item's number as stored (None: a new item).
    number: Option<i32>,
    years: Vec<(i32, String)>,
    year_choices: Vec<(i32, String)>,
    nodes: Vec<(String, String)>,
    /// The organization's section names offered (and its year's label).
    org: Vec<String>,
    org_year: String,
    form: ItemForm,
    errors: FieldErrors,
    /// What is stored now, when someone saved first.
    stored: Option<ItemDoc>,
    history: Vec<(String, &'static str, String)>,
    has_actuals: bool,
    saved: bool,
}

impl ItemPage {
    fn checked(&self, name: &str) -> bool {
        self.form.sections.iter().any(|s| s == name)
    }

    fn target(&self, x: &IndicatorForm, j: &usize) -> String {
        x.targets.get(*j).cloned().unwrap_or_default()
    }

    fn extra_sections(&self) -> String {
        let mut out: Vec<&str> = self
            .form
            .sections
            .iter()
            .filter(|s| !self.org.contains(s))
            .map(String::as_str)
            .collect();
        if !self.form.other_sections.trim().is_empty() {
            out.push(self.form.other_sections.trim());
        }
        out.join("・")
    }
}

/// The organization's sections offered as 担当課: those of the plan's latest year the city has.
async fn organization(
    state: &AppState,
    mid: i64,
    data: &PlanData,
) -> Result<(Vec<String>, String)> {
    let years = crate::db::admin::years(&state.pool, mid).await?;
    let Some(y) = years
        .iter()
        .find(|y| y.year <= data.plan.last_year)
        .or(years.first())
    else {
        return Ok((Vec::new(), String::new()));
    };
    let names = crate::db::admin::org_sections(&state.pool, mid, y.id)
        .await?
        .into_iter()
        .map(|s| s.name)
        .collect();
    Ok((names, state.eras.fiscal_year_label(y.year)))
}

fn action_label(a: &str) -> &'static str {
    match a {
        "create" => "追加",
        "delete" => "削除",
        "import" => "取り込み",
        _ => "変更",
    }
}

async fn page(
    state: &AppState,
    staff: Staff,
    data: &PlanData,
    number: Option<i32>,
    form: ItemForm,
    errors: FieldErrors,
    stored: Option<ItemDoc>,
) -> Result<ItemPage> {
    let (org, org_year) = organization(state, staff.municipality_id, data).await?;
    let item = number.and_then(|n| data.items.iter().find(|i| i.number == n));
    let history = match item {
        Some(i) => plan_edit::item_history(&state.pool, staff.municipality_id, i.id)
            .await?
            .into_iter()
            .map(|e| {
                let at = crate::domain::clock::in_japan(e.at);
                (
                    format!(
                        "{} {}",
                        state.eras.date_label(at.date_naive()),
                        at.format("%H:%M")
                    ),
                    action_label(&e.action),
                    e.who.unwrap_or_default(),
                )
            })
            .collect(),
        None => Vec::new(),
    };
    let indicator_ids: Vec<i64> = item
        .map(|i| {
            data.indicators
                .iter()
                .filter(|x| x.item_id == i.id)
                .map(|x| x.id)
                .collect()
        })
        .unwrap_or_default();
    Ok(ItemPage {
        slug: data.plan.slug.clone(),
        plan_name: data.plan.name.clone(),
        item_label: data.plan.item_label.clone(),
        number,
        years: (data.plan.first_year..=data.plan.last_year)
            .map(|y| {
                (
                    y,
                    crate::routes::plans::plan_year_label(&state.eras, data.plan.first_year, y),
                )
            })
            .collect(),
        year_choices: (data.plan.first_year - 10..=data.plan.last_year)
            .map(|y| (y, state.eras.fiscal_year_label(y)))
            .collect(),
        nodes: crate::routes::staff::plans::editor::tree(data)
            .into_iter()
            .map(|r| {
                (
                    r.id.to_string(),
                    format!("{}{}", "　".repeat(r.depth), r.text),
                )
            })
            .collect(),
        org,
        org_year,
        form,
        errors,
        stored,
        history,
        saved: false,
        has_actuals: data
            .actuals
            .iter()
            .any(|a| indicator_ids.contains(&a.indicator_id)),
        staff,
    })
}

#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NodeQuery {
    #[serde(default)]
    node: Option<i64>,
}

/// `GET /staff/plans/{plan}/items/new?node=`.
pub async fn new_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    Query(q): Query<NodeQuery>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let data = crate::routes::staff::plans::load(&state, &staff, &slug).await?;
    let mut form = ItemForm::of(&data, None, q.node);
    form.number = (data.places.iter().map(|p| p.number).max().unwrap_or(0) + 1).to_string();
    Ok(render(
        &page(
            &state,
            staff,
            &data,
            None,
            form,
            FieldErrors::default(),
            None,
        )
        .await?,
    )?
    .into_response())
}

/// `GET /staff/plans/{plan}/items/{n}/edit`.
pub async fn edit_form(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, number): PlanAnd<i32>,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let data = crate::routes::staff::plans::load(&state, &staff, &slug).await?;
    let item = data
        .items
        .iter()
        .find(|i| i.number == number)
        .ok_or(AppError::NotFound)?;
    let form = ItemForm::of(&data, Some(item), None);
    let mut p = page(
        &state,
        staff,
        &data,
        Some(number),
        form,
        FieldErrors::default(),
        None,
    )
    .await?;
    p.saved = q.saved.is_some();
    Ok(render(&p)?.into_response())
}

/// `POST /staff/plans/{plan}/items/new`.
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    save_item(state, staff, slug, None, pairs).await
}

/// `POST /staff/plans/{plan}/items/{n}/edit`.
pub async fn save(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, number): PlanAnd<i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    save_item(state, staff, slug, Some(number), pairs).await
}

fn nobody() -> PlanCity {
    PlanCity {
        slug: String::new(),
        name: String::new(),
        name_kana: String::new(),
        local_government_code: String::new(),
    }
}

/// The form again with the messages beside its fields (422).
async fn refuse(
    state: &AppState,
    staff: Staff,
    data: &PlanData,
    number: Option<i32>,
    form: ItemForm,
    errors: FieldErrors,
) -> Result<Response> {
    let page = page(state, staff, data, number, form, errors, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// Someone saved the item first (409): what is stored now beside the form as typed. `data`
/// was read under the plan's lock, so it is what is stored.
async fn conflict(
    state: &AppState,
    staff: Staff,
    data: &PlanData,
    number: Option<i32>,
    form: ItemForm,
    before: Option<ItemDoc>,
) -> Result<Response> {
    let current = number.and_then(|n| {
        PlanDocument::from_data(data, nobody())
            .items
            .into_iter()
            .find(|i| i.number == n)
    });
    let page = page(
        state,
        staff,
        data,
        number,
        form,
        FieldErrors::default(),
        current.or(before),
    )
    .await?;
    Ok((StatusCode::CONFLICT, render(&page)?).into_response())
}

async fn save_item(
    state: AppState,
    staff: Staff,
    slug: String,
    number: Option<i32>,
    pairs: Vec<(String, String)>,
) -> Result<Response> {
    let mid = staff.municipality_id;
    let (data, mut tx) = crate::routes::staff::plans::begin_write(&state, &staff, &slug).await?;
    let years: Vec<i32> = (data.plan.first_year..=data.plan.last_year).collect();
    let stored = match number {
        Some(n) => Some(
            data.items
                .iter()
                .find(|i| i.number == n)
                .ok_or(AppError::NotFound)?
                .clone(),
        ),
        None => None,
    };
    let form = ItemForm::parse(&pairs, &years);
    let mut errors = FieldErrors::default();
    let Some(item) = check(&form, &data, stored.as_ref().map(|i| i.id), &mut errors) else {
        return refuse(&state, staff, &data, number, form, errors).await;
    };
    let doc = PlanDocument::from_data(&data, nobody());
    let before = stored
        .as_ref()
        .and_then(|s| doc.items.iter().find(|i| i.number == s.number).cloned());
    if let Some(s) = &stored {
        let now = plan_edit::item_version(&mut tx, data.plan.id, s.id).await?;
        if now != Some(form.version) {
            tx.rollback().await?;
            return conflict(&state, staff, &data, number, form, before).await;
        }
        if item.number != s.number
            && !plan_edit::renumber_item(&mut tx, data.plan.id, s.id, item.number).await?
        {
            tx.rollback().await?;
            errors.push("number", "この番号はほかで使われています。");
            return refuse(&state, staff, &data, number, form, errors).await;
        }
        remove_indicators(&mut tx, s.id, &form).await?;
    }
    let nodes: HashMap<String, i64> = node_keys(&data)
        .into_iter()
        .map(|(id, key)| (key, id))
        .collect();
    crate::db::plan_apply::write_item(
        &mut tx,
        mid,
        data.plan.id,
        &doc,
        &item,
        &nodes,
        staff.user_id,
    )
    .await?;
    let item_id = plan_edit::item_id(&mut tx, data.plan.id, item.number).await?;
    let action = if stored.is_some() { "update" } else { "create" };
    Audit::of(action, "plan_item", item_id)
        .before_opt(before.as_ref())
        .after(&item)
        .record(&mut tx, &staff)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/staff/plans/{slug}/items/{}/edit?saved=1",
        item.number
    ))
    .into_response())
}

/// Removes the indicators the form ticks for removal (or left blank).
async fn remove_indicators(
    tx: &mut sqlx::PgConnection,
    item_id: i64,
    form: &ItemForm,
) -> sqlx::Result<()> {
    let gone: Vec<i64> = form
        .indicators
        .iter()
        .filter(|x| {
            x.remove || (x.name.trim().is_empty() && x.targets.iter().all(|t| t.trim().is_empty()))
        })
        .filter_map(|x| x.id.parse().ok())
        .collect();
    plan_edit::remove_indicators(tx, item_id, &gone).await
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirm: String,
}

/// `POST /staff/plans/{plan}/items/{n}/delete`: an item with recorded actuals needs the
/// confirmation box ticked.
pub async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, number): PlanAnd<i32>,
    Form(f): Form<DeleteForm>,
) -> Result<Response> {
    let (data, mut tx) = crate::routes::staff::plans::begin_write(&state, &staff, &slug).await?;
    let item = data
        .items
        .iter()
        .find(|i| i.number == number)
        .ok_or(AppError::NotFound)?
        .clone();
    let doc = PlanDocument::from_data(&data, nobody());
    let before = doc.items.iter().find(|i| i.number == number).cloned();
    let form = ItemForm::of(&data, Some(&item), None);
    let p = page(
        &state,
        staff.clone(),
        &data,
        Some(number),
        form,
        FieldErrors::default(),
        None,
    )
    .await?;
    if data.item_has_published_actual(item.id) {
        let mut p = p;
        p.errors.push(
            "confirm",
            "この項目には公表済みの年度の実績があるため、削除できません（公表した数値は変えられません）。",
        );
        return Ok((StatusCode::CONFLICT, render(&p)?).into_response());
    }
    if p.has_actuals && f.confirm.is_empty() {
        let mut p = p;
        p.errors.push(
            "confirm",
            "実績が記録されています。削除するときは「実績も削除する」にチェックを入れてください。",
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
    }
    if plan_edit::delete_item(&mut tx, staff.municipality_id, data.plan.id, item.id).await? {
        Audit::of("delete", "plan_item", item.id)
            .before_opt(before.as_ref())
            .record(&mut tx, &staff)
            .await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans/{slug}")).into_response())
}
