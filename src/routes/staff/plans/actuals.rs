//! Recording a plan year's actuals: the responsible sections (and planning staff) enter each
//! indicator's actual (a number for a numeric target; words and whether the target was
//! reached for a word target) and a short 実績 note for the item. A published year is frozen.

use crate::auth::Staff;
use crate::db::plans::{self, PlanData};
use crate::domain::plan::PlanValue;
use crate::error::{AppError, Result, render};
use crate::routes::paths::PlanAnd;
use crate::routes::plans::{ItemView, items};
use crate::routes::staff::plans::{check_year, load, may_record};
use crate::routes::staff::{FieldErrors, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

/// An indicator's field on the form.
pub struct ActualField {
    id: i64,
    name: String,
    unit: String,
    target: String,
    numeric: bool,
    value: String,
    achieved: String,
    version: i32,
}

#[derive(Template)]
#[template(path = "staff/plans/actuals_form.html")]
pub struct ActualsFormPage {
    staff: Staff,
    slug: String,
    plan_name: String,
    item_label: String,
    item: ItemView,
    year: i32,
    year_label: String,
    years: Vec<(i32, String)>,
    fields: Vec<ActualField>,
    /// The item's 実績 note for the year, and its version.
    note: String,
    note_version: i32,
    /// 「令和元年6月28日」 when the year is published (the form is then closed).
    published_on: Option<String>,
    errors: FieldErrors,
    conflict: bool,
}

/// An indicator's row of the form, when it has a target in `year`: the stored actual, or
/// what was typed.
fn actual_field(
    data: &PlanData,
    ind: &crate::domain::plan_view::IndicatorView,
    year: i32,
    typed: Option<&HashMap<String, String>>,
) -> Option<ActualField> {
    let target = data
        .targets
        .iter()
        .find(|t| t.indicator_id == ind.id && t.year == year)?;
    let target_value = match (target.value, &target.word) {
        (Some(v), _) => PlanValue::Number(v),
        (None, Some(w)) => PlanValue::Word(w.clone()),
        _ => return None,
    };
    if target_value.is_no_target() {
        return None;
    }
    let stored = data
        .actuals
        .iter()
        .find(|a| a.indicator_id == ind.id && a.year == year);
    let stored_value = stored
        .map(|a| match (a.value, &a.word) {
            (Some(v), _) => PlanValue::Number(v).display(),
            (None, Some(w)) => w.clone(),
            _ => String::new(),
        })
        .unwrap_or_default();
    let stored_achieved = match stored.and_then(|a| a.achieved) {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    let get = |k: String, default: &str| {
        typed
            .and_then(|t| t.get(&k).cloned())
            .unwrap_or_else(|| default.to_owned())
    };
    Some(ActualField {
        id: ind.id,
        name: ind.name.clone(),
        unit: ind.unit.clone(),
        numeric: matches!(target_value, PlanValue::Number(_)),
        target: target.written.clone(),
        value: get(format!("value_{}", ind.id), &stored_value),
        achieved: get(format!("achieved_{}", ind.id), stored_achieved),
        version: stored.map(|a| a.version).unwrap_or(0),
    })
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &AppState,
    staff: Staff,
    data: &PlanData,
    number: i32,
    year: i32,
    typed: Option<&HashMap<String, String>>,
    errors: FieldErrors,
    conflict: bool,
) -> Result<ActualsFormPage> {
    let item = items(data, &state.eras, Some(number))
        .into_iter()
        .find(|i| i.number == number)
        .ok_or(AppError::NotFound)?;
    let fields = item
        .indicators
        .iter()
        .filter_map(|ind| actual_field(data, ind, year, typed))
        .collect();
    let stored_note = data
        .notes
        .iter()
        .find(|n| n.item_id == item.id && n.year == year);
    let note = typed
        .and_then(|t| t.get("note").cloned())
        .unwrap_or_else(|| stored_note.map(|n| n.note.clone()).unwrap_or_default());
    Ok(ActualsFormPage {
        note,
        note_version: stored_note.map(|n| n.version).unwrap_or(0),
        published_on: data
            .year_state(year)
            .and_then(|y| y.published_on)
            .map(|d| state.eras.date_label(d)),
        staff,
        slug: data.plan.slug.clone(),
        plan_name: data.plan.name.clone(),
        item_label: data.plan.item_label.clone(),
        item,
        year,
        year_label: state.eras.fiscal_year_label(year),
        years: (data.plan.first_year..=data.plan.last_year)
            .map(|y| (y, state.eras.fiscal_year_label(y)))
            .collect(),
        fields,
        errors,
        conflict,
    })
}

/// `GET /staff/plans/{plan}/items/{n}?year=`.
pub async fn edit_actuals(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, number): PlanAnd<i32>,
    Query(q): Query<YearQuery>,
) -> Result<Response> {
    let data = load(&state, &staff, &slug).await?;
    let item = data
        .items
        .iter()
        .find(|i| i.number == number)
        .ok_or(AppError::NotFound)?;
    require(may_record(&staff, &data, item.id))?;
    let year = q.year.unwrap_or(data.plan.first_year);
    check_year(&data, year)?;
    let page = form_page(
        &state,
        staff,
        &data,
        number,
        year,
        None,
        FieldErrors::default(),
        false,
    )?;
    Ok(render(&page)?.into_response())
}

/// `POST /staff/plans/{plan}/items/{n}`: saves the year's actuals of every indicator, or none.
pub async fn save_actuals(
    State(state): State<AppState>,
    staff: Staff,
    PlanAnd(slug, number): PlanAnd<i32>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response> {
    let data = load(&state, &staff, &slug).await?;
    let item = data
        .items
        .iter()
        .find(|i| i.number == number)
        .ok_or(AppError::NotFound)?
        .clone();
    require(may_record(&staff, &data, item.id))?;
    let year: i32 = form
        .get("year")
        .and_then(|y| y.parse().ok())
        .ok_or(AppError::BadRequest)?;
    check_year(&data, year)?;
    let page_of = |data: &PlanData, typed, errors, conflict| {
        form_page(
            &state,
            staff.clone(),
            data,
            number,
            year,
            typed,
            errors,
            conflict,
        )
    };
    let page = page_of(&data, None, FieldErrors::default(), false)?;
    let mut errors = FieldErrors::default();
    let (note, note_version) = read_note(&page, &form, &mut errors);
    let writes = read_fields(&page.fields, &form, &mut errors);
    let mid = staff.municipality_id;
    if !errors.is_empty() {
        let page = page_of(&data, Some(&form), errors, false)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let mut tx = crate::routes::staff::plans::lock(&state, mid, &slug).await?;
    // Published meanwhile (frozen), an indicator removed or the item renumbered meanwhile, or
    // saved by someone since this form was shown (the note or any actual): nothing is
    // written, and the form shows what is stored now.
    let now = crate::routes::staff::plans::load_locked(&mut tx, &staff, &slug).await?;
    let saved = still_as_shown(&now, item.id, number, year, &form, &writes)
        && write_actuals(
            &mut tx,
            &staff,
            Actuals {
                item_id: item.id,
                year,
                note: form
                    .contains_key("note")
                    .then_some((note_version, note.as_str())),
                writes: &writes,
            },
        )
        .await?;
    if !saved {
        tx.rollback().await?;
        let fresh = load(&state, &staff, &slug).await?;
        let page = page_of(&fresh, Some(&form), FieldErrors::default(), true)?;
        return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans/{slug}/items/{number}?year={year}")).into_response())
}

/// One indicator's actual as the form sends it: (indicator, version, value, word, achieved).
type Write = (
    i64,
    i32,
    Option<rust_decimal::Decimal>,
    Option<String>,
    Option<bool>,
);

/// Each field's actual, or the message beside it.
fn read_fields(
    fields: &[ActualField],
    form: &HashMap<String, String>,
    errors: &mut FieldErrors,
) -> Vec<Write> {
    let mut writes = Vec::new();
    for f in fields {
        let raw = form
            .get(&format!("value_{}", f.id))
            .map(|s| s.trim())
            .unwrap_or("");
        let achieved = form
            .get(&format!("achieved_{}", f.id))
            .map(String::as_str)
            .unwrap_or("");
        let version: i32 = form
            .get(&format!("version_{}", f.id))
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1);
        let field = format!("value_{}", f.id);
        if PlanValue::is_too_large(raw) {
            errors.push(&field, crate::domain::metric::TOO_LARGE);
            continue;
        }
        let parsed = PlanValue::parse(raw);
        let (value, word) = match parsed {
            None => (None, None),
            Some(PlanValue::Number(n)) if f.numeric => (Some(n), None),
            Some(_) if f.numeric => {
                errors.push(
                    &field,
                    format!(
                        "「{}」の実績は数値で入力してください（例：75、▲554）。",
                        f.name
                    ),
                );
                continue;
            }
            Some(v) => (None, Some(v.display())),
        };
        if word.as_ref().is_some_and(|w| w.chars().count() > 100) {
            errors.push(
                &field,
                format!("「{}」の実績は100文字以内で入力してください。", f.name),
            );
            continue;
        }
        let achieved = match achieved {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        if !f.numeric && word.is_some() && achieved.is_none() {
            errors.push(
                &format!("achieved_{}", f.id),
                format!(
                    "「{}」の目標（{}）を達成したかどうかを選んでください。",
                    f.name, f.target
                ),
            );
        }
        writes.push((
            f.id,
            version,
            value,
            word,
            if f.numeric { None } else { achieved },
        ));
    }
    writes
}

/// The 実績 note as typed and the version it was read at; a published year refuses both.
fn read_note(
    page: &ActualsFormPage,
    form: &HashMap<String, String>,
    errors: &mut FieldErrors,
) -> (String, i32) {
    if page.published_on.is_some() {
        errors.push(
            "year",
            "この年度の取組状況は公表済みのため、実績は変更できません。",
        );
    }
    let note = crate::routes::staff::clean(form.get("note").map(String::as_str).unwrap_or(""));
    if note.chars().count() > 1000 {
        errors.push("note", "実績は1000文字以内で入力してください。");
    }
    let version = form
        .get("note_version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1);
    (note, version)
}

/// Whether the year, the item and every indicator of the form are as the form was shown
/// (not published meanwhile, not renumbered, no indicator removed).
fn still_as_shown(
    now: &PlanData,
    item_id: i64,
    number: i32,
    year: i32,
    form: &HashMap<String, String>,
    writes: &[Write],
) -> bool {
    now.year_state(year)
        .is_some_and(|y| y.published_on.is_none())
        && now
            .items
            .iter()
            .any(|i| i.id == item_id && i.number == number)
        && form
            .keys()
            .filter_map(|k| k.strip_prefix("version_")?.parse::<i64>().ok())
            .chain(writes.iter().map(|w| w.0))
            .all(|id| {
                now.indicators
                    .iter()
                    .any(|x| x.id == id && x.item_id == item_id)
            })
}

/// What one save of an item's year writes: the note (with the version it was read at), unless
/// the form has no note field, and the actuals.
struct Actuals<'a> {
    item_id: i64,
    year: i32,
    note: Option<(i32, &'a str)>,
    writes: &'a [Write],
}

/// Writes the note and the actuals, each only if its version is unchanged; false at the first
/// that was saved by someone since (the caller rolls back).
async fn write_actuals(
    tx: &mut sqlx::PgConnection,
    staff: &Staff,
    a: Actuals<'_>,
) -> sqlx::Result<bool> {
    let mid = staff.municipality_id;
    if let Some((version, note)) = a.note
        && !plans::save_note(tx, mid, a.item_id, a.year, version, note, staff.user_id).await?
    {
        return Ok(false);
    }
    for (id, version, value, word, achieved) in a.writes {
        let saved = plans::save_actual(
            tx,
            mid,
            *id,
            a.year,
            *version,
            *value,
            word.as_deref(),
            *achieved,
            staff.user_id,
        )
        .await?;
        if !saved {
            return Ok(false);
        }
    }
    Ok(true)
}
