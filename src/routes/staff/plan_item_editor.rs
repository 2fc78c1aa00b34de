//! Items in the plan editor: number, name, 取組内容, 担当課 (the sections of the year's
//! organization, plus names not in it), the home place and ※再掲 places, and the indicators
//! with a baseline and a target per plan year. Saved with optimistic locking (409 with both
//! versions); each change is in the item's history; a changed target is kept as a revision.

use super::plan_editor::audit;
use super::{FieldErrors, require};
use crate::auth::Staff;
use crate::db::plan_edit;
use crate::db::plans::PlanData;
use crate::error::{AppError, Result, render};
use crate::import::plan::{IndicatorDoc, ItemDoc, PlanCity, PlanDocument, RestatedDoc, node_keys};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use std::collections::HashMap;

/// Restated places offered on the form.
const RESTATED_ROWS: usize = 3;

/// An indicator's fields as typed.
#[derive(Debug, Clone, Default)]
pub struct IndicatorForm {
    /// The stored indicator's id ("" for a new one).
    id: String,
    name: String,
    unit: String,
    baseline: String,
    baseline_year: String,
    baseline_value: String,
    comparator: String,
    /// One per plan year.
    targets: Vec<String>,
    remove: bool,
}

/// The item form's fields as typed.
#[derive(Debug, Clone, Default)]
pub struct ItemForm {
    number: String,
    title: String,
    content: String,
    node: String,
    restated: Vec<(String, String)>,
    sections: Vec<String>,
    other_sections: String,
    indicators: Vec<IndicatorForm>,
    version: i32,
}

fn all<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn one(pairs: &[(String, String)], key: &str) -> String {
    all(pairs, key)
        .first()
        .map(|v| v.to_string())
        .unwrap_or_default()
}

impl ItemForm {
    fn parse(pairs: &[(String, String)], years: &[i32]) -> Self {
        let count: usize = one(pairs, "indicator_count").parse().unwrap_or(0).min(30);
        ItemForm {
            number: one(pairs, "number"),
            title: one(pairs, "title"),
            content: one(pairs, "content"),
            node: one(pairs, "node"),
            restated: (0..RESTATED_ROWS)
                .map(|k| {
                    (
                        one(pairs, &format!("restated_node_{k}")),
                        one(pairs, &format!("restated_number_{k}")),
                    )
                })
                .collect(),
            sections: all(pairs, "section")
                .into_iter()
                .map(str::to_owned)
                .collect(),
            other_sections: one(pairs, "other_sections"),
            indicators: (0..count)
                .map(|k| IndicatorForm {
                    id: one(pairs, &format!("id_{k}")),
                    name: one(pairs, &format!("name_{k}")),
                    unit: one(pairs, &format!("unit_{k}")),
                    baseline: one(pairs, &format!("baseline_{k}")),
                    baseline_year: one(pairs, &format!("baseline_year_{k}")),
                    baseline_value: one(pairs, &format!("baseline_value_{k}")),
                    comparator: one(pairs, &format!("comparator_{k}")),
                    targets: years
                        .iter()
                        .map(|y| one(pairs, &format!("target_{k}_{y}")))
                        .collect(),
                    remove: !one(pairs, &format!("remove_{k}")).is_empty(),
                })
                .collect(),
            version: one(pairs, "version").parse().unwrap_or(-1),
        }
    }

    /// The stored item as the form shows it (a new item: empty, placed at `node`).
    fn of(data: &PlanData, item: Option<&crate::db::plans::ItemRow>, node: Option<i64>) -> Self {
        let years: Vec<i32> = (data.plan.first_year..=data.plan.last_year).collect();
        let Some(item) = item else {
            return ItemForm {
                node: node.map(|n| n.to_string()).unwrap_or_default(),
                restated: vec![(String::new(), String::new()); RESTATED_ROWS],
                indicators: vec![IndicatorForm {
                    targets: vec![String::new(); years.len()],
                    comparator: "at_least".into(),
                    ..IndicatorForm::default()
                }],
                ..ItemForm::default()
            };
        };
        let places: Vec<_> = data
            .places
            .iter()
            .filter(|p| p.item_id == item.id)
            .collect();
        let mut restated: Vec<(String, String)> = places
            .iter()
            .filter(|p| p.restated)
            .map(|p| (p.node_id.to_string(), p.number.to_string()))
            .collect();
        restated.resize(
            RESTATED_ROWS.max(restated.len()),
            (String::new(), String::new()),
        );
        let mut indicators: Vec<IndicatorForm> = data
            .indicators
            .iter()
            .filter(|x| x.item_id == item.id)
            .map(|x| IndicatorForm {
                id: x.id.to_string(),
                name: x.name.clone(),
                unit: x.unit.clone(),
                baseline: x.baseline.clone().unwrap_or_default(),
                baseline_year: x.baseline_year.map(|y| y.to_string()).unwrap_or_default(),
                baseline_value: x
                    .baseline_value
                    .map(|v| v.normalize().to_string())
                    .unwrap_or_default(),
                comparator: x.comparator.clone(),
                targets: years
                    .iter()
                    .map(|y| {
                        data.targets
                            .iter()
                            .find(|t| t.indicator_id == x.id && t.year == *y)
                            .map(|t| t.written.clone())
                            .unwrap_or_default()
                    })
                    .collect(),
                remove: false,
            })
            .collect();
        indicators.push(IndicatorForm {
            targets: vec![String::new(); years.len()],
            comparator: "at_least".into(),
            ..IndicatorForm::default()
        });
        ItemForm {
            number: item.number.to_string(),
            title: item.title.clone(),
            content: item.content.clone(),
            node: places
                .iter()
                .find(|p| !p.restated)
                .map(|p| p.node_id.to_string())
                .unwrap_or_default(),
            restated,
            sections: item.sections.clone(),
            other_sections: String::new(),
            indicators,
            version: item.version,
        }
    }
}

/// The item the form describes, or the messages beside its fields.
fn check(
    form: &ItemForm,
    data: &PlanData,
    own_id: Option<i64>,
    org: &[String],
    errors: &mut FieldErrors,
) -> Option<ItemDoc> {
    let keys = node_keys(data);
    let taken: Vec<i32> = data
        .places
        .iter()
        .filter(|p| Some(p.item_id) != own_id)
        .map(|p| p.number)
        .collect();
    let number = match form.number.trim().parse::<i32>() {
        Ok(n) if (1..=99999).contains(&n) => {
            if taken.contains(&n) {
                errors.push(
                    "number",
                    format!(
                        "番号「-{n}」はほかの{}（または再掲）で使われています。",
                        data.plan.item_label
                    ),
                );
            }
            n
        }
        _ => {
            errors.push("number", "番号を1から99999までの数字で入力してください。");
            0
        }
    };
    let title = form.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        errors.push(
            "title",
            format!("{}の名前を入力してください。", data.plan.item_label),
        );
    } else if title.chars().count() > 200 {
        errors.push("title", "名前は200文字以内で入力してください。");
    }
    if form.content.trim().chars().count() > 2000 {
        errors.push("content", "取組内容は2000文字以内で入力してください。");
    }
    let node_key = |v: &str| {
        v.trim()
            .parse::<i64>()
            .ok()
            .and_then(|id| keys.get(&id).cloned())
    };
    let node = node_key(&form.node);
    if node.is_none() {
        errors.push("node", "この項目を置く階層を選んでください。");
    }
    let mut restated = Vec::new();
    for (k, (n, num)) in form.restated.iter().enumerate() {
        if n.trim().is_empty() && num.trim().is_empty() {
            continue;
        }
        let field = format!("restated_{k}");
        match (node_key(n), num.trim().parse::<i32>()) {
            (Some(key), Ok(x)) if x > 0 && x != number && !taken.contains(&x) && !restated.iter().any(|r: &RestatedDoc| r.number == x) && Some(&key) != node.as_ref() => {
                restated.push(RestatedDoc { node: key, number: x })
            }
            (None, _) => errors.push(&field, "再掲する階層を選んでください。"),
            _ => errors.push(&field, "再掲の番号は、ほかと重ならない数字で入力してください（本来の位置と同じ階層は選べません）。"),
        }
    }
    let mut sections: Vec<String> = form
        .sections
        .iter()
        .filter(|s| org.contains(s) || !s.trim().is_empty())
        .cloned()
        .collect();
    for name in form.other_sections.split(['・', '、', ',', '，', '\n']) {
        let name = name.split_whitespace().collect::<String>();
        if !name.is_empty() && !sections.contains(&name) {
            sections.push(name);
        }
    }
    if sections.len() > 20 || sections.iter().any(|s| s.chars().count() > 50) {
        errors.push("sections", "担当課は20件まで、名前は50文字以内です。");
    }
    let indicators = check_indicators(form, data, errors);
    errors.is_empty().then(|| ItemDoc {
        number,
        title,
        content: super::clean(&form.content),
        sections,
        node: node.unwrap_or_default(),
        restated,
        indicators,
    })
}

fn check_indicators(
    form: &ItemForm,
    data: &PlanData,
    errors: &mut FieldErrors,
) -> Vec<IndicatorDoc> {
    let mut out = Vec::new();
    for (k, x) in form.indicators.iter().enumerate() {
        let blank = x.name.trim().is_empty()
            && x.unit.trim().is_empty()
            && x.baseline.trim().is_empty()
            && x.targets.iter().all(|t| t.trim().is_empty());
        if x.remove || blank {
            continue;
        }
        let name = x.name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() || name.chars().count() > 300 {
            errors.push(
                &format!("name_{k}"),
                "目標値等（指標）の名前を300文字以内で入力してください。",
            );
        }
        if x.unit.trim().chars().count() > 20 || x.baseline.trim().chars().count() > 200 {
            errors.push(
                &format!("unit_{k}"),
                "単位は20文字、現状値は200文字までです。",
            );
        }
        let baseline_year = match x.baseline_year.trim() {
            "" => None,
            y => match y.parse::<i32>() {
                Ok(y) if (1950..=2100).contains(&y) => Some(y),
                _ => {
                    errors.push(
                        &format!("baseline_year_{k}"),
                        "基準年度を一覧から選んでください。",
                    );
                    None
                }
            },
        };
        let baseline_value = match x.baseline_value.trim() {
            "" => None,
            v => match crate::domain::plan::PlanValue::parse(v) {
                Some(crate::domain::plan::PlanValue::Number(n)) => Some(n.normalize().to_string()),
                _ => {
                    errors.push(
                        &format!("baseline_value_{k}"),
                        "基準値は数値で入力してください（例：72.2、▲554）。",
                    );
                    None
                }
            },
        };
        if !matches!(x.comparator.as_str(), "at_least" | "at_most" | "exactly") {
            errors.push(&format!("comparator_{k}"), "達成の向きを選んでください。");
        }
        let mut targets = Vec::new();
        for (j, t) in x.targets.iter().enumerate() {
            let t = t.trim();
            if t.chars().count() > 50 {
                let year = data.plan.first_year + j as i32;
                errors.push(
                    &format!("target_{k}_{year}"),
                    "目標値は50文字以内で入力してください。",
                );
            }
            targets.push(if t.is_empty() {
                crate::domain::plan::NO_TARGET.to_owned()
            } else {
                t.to_owned()
            });
        }
        out.push(IndicatorDoc {
            name,
            unit: x.unit.trim().to_owned(),
            baseline: Some(x.baseline.trim().to_owned()).filter(|b| !b.is_empty()),
            baseline_year,
            baseline_value,
            comparator: Some(x.comparator.clone()),
            targets,
        });
    }
    out
}

#[derive(Template)]
#[template(path = "staff/plan_edit/item.html")]
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
                let at = e.at.with_timezone(&chrono::Local);
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
        nodes: super::plan_editor::tree(data)
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
    let data = super::plans::load(&state, &staff, &slug).await?;
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
    Path((slug, number)): Path<(String, i32)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let data = super::plans::load(&state, &staff, &slug).await?;
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
    Path((slug, number)): Path<(String, i32)>,
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

async fn save_item(
    state: AppState,
    staff: Staff,
    slug: String,
    number: Option<i32>,
    pairs: Vec<(String, String)>,
) -> Result<Response> {
    let mid = staff.municipality_id;
    let (data, mut tx) = super::plans::begin_write(&state, &staff, &slug).await?;
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
    let (org, _) = organization(&state, mid, &data).await?;
    let mut errors = FieldErrors::default();
    let Some(item) = check(
        &form,
        &data,
        stored.as_ref().map(|i| i.id),
        &org,
        &mut errors,
    ) else {
        let page = page(&state, staff, &data, number, form, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let doc = PlanDocument::from_data(&data, nobody());
    let before = stored
        .as_ref()
        .and_then(|s| doc.items.iter().find(|i| i.number == s.number).cloned());
    if let Some(s) = &stored {
        let now = plan_edit::item_version(&mut tx, data.plan.id, s.id).await?;
        if now != Some(form.version) {
            tx.rollback().await?;
            let fresh = super::plans::load(&state, &staff, &slug).await?;
            let current = PlanDocument::from_data(&fresh, nobody())
                .items
                .into_iter()
                .find(|i| i.number == s.number);
            let page = page(
                &state,
                staff,
                &fresh,
                number,
                form,
                FieldErrors::default(),
                current.or(before),
            )
            .await?;
            return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
        }
        if item.number != s.number
            && !plan_edit::renumber_item(&mut tx, data.plan.id, s.id, item.number).await?
        {
            tx.rollback().await?;
            errors.push("number", "この番号はほかで使われています。");
            let page = page(&state, staff, &data, number, form, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
        remove_indicators(&mut tx, s.id, &form).await?;
    }
    let nodes: HashMap<String, i64> = node_keys(&data)
        .into_iter()
        .map(|(id, key)| (key, id))
        .collect();
    crate::import::plan::apply::write_item(
        &mut tx,
        mid,
        data.plan.id,
        &doc,
        &item,
        &nodes,
        staff.user_id,
    )
    .await?;
    let item_id: i64 =
        sqlx::query_scalar("SELECT id FROM plan_item WHERE policy_id = $1 AND number = $2")
            .bind(data.plan.id)
            .bind(item.number)
            .fetch_one(&mut *tx)
            .await?;
    let action = if stored.is_some() { "update" } else { "create" };
    audit(
        &mut tx,
        &staff,
        action,
        "plan_item",
        item_id,
        before.as_ref(),
        Some(&item),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/staff/plans/{slug}/items/{}/edit?saved=1",
        item.number
    ))
    .into_response())
}

/// Removes the indicators the form ticks for removal and closes the gaps in the positions,
/// so the indicators kept stay matched with their own targets and actuals.
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
    if gone.is_empty() {
        return Ok(());
    }
    sqlx::query("DELETE FROM plan_indicator WHERE item_id = $1 AND id = ANY($2)")
        .bind(item_id)
        .bind(&gone)
        .execute(&mut *tx)
        .await?;
    let left: Vec<(i64, i32)> = sqlx::query_as(
        "SELECT id, position FROM plan_indicator WHERE item_id = $1 ORDER BY position",
    )
    .bind(item_id)
    .fetch_all(&mut *tx)
    .await?;
    for (k, (id, position)) in left.into_iter().enumerate() {
        if position != k as i32 + 1 {
            sqlx::query("UPDATE plan_indicator SET position = $2 WHERE id = $1")
                .bind(id)
                .bind(k as i32 + 1)
                .execute(&mut *tx)
                .await?;
        }
    }
    Ok(())
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
    Path((slug, number)): Path<(String, i32)>,
    Form(f): Form<DeleteForm>,
) -> Result<Response> {
    let (data, mut tx) = super::plans::begin_write(&state, &staff, &slug).await?;
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
    if p.has_actuals && f.confirm.is_empty() {
        let mut p = p;
        p.errors.push(
            "confirm",
            "実績が記録されています。削除するときは「実績も削除する」にチェックを入れてください。",
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
    }
    if plan_edit::delete_item(&mut tx, staff.municipality_id, data.plan.id, item.id).await? {
        audit(
            &mut tx,
            &staff,
            "delete",
            "plan_item",
            item.id,
            before.as_ref(),
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans/{slug}")).into_response())
}
