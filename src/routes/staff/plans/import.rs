//! Plan workbooks: the upload (a new plan, or a revision of one), the preview of exactly what
//! it changes, and the confirmation, which writes the whole plan in one transaction or
//! nothing. Planning staff only.

use crate::auth::Staff;
use crate::db::plan_imports::{self, PlanImport};
use crate::error::{AppError, Result, render};
use crate::import::layout::Problem;
use crate::import::plan::book;
use crate::import::plan::{Changes, PlanCity, PlanDocument, compare};
use crate::import::spreadsheet::{self, MAX_FILE_BYTES, ReadError};
use crate::routes::staff::imports::{Upload, read_upload};
use crate::routes::staff::{FieldErrors, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "staff/plans/import_form.html")]
pub struct FormPage {
    staff: Staff,
    plans: Vec<(String, String)>,
    mode: String,
    slug: String,
    plan: String,
    errors: FieldErrors,
    problems: Vec<Problem>,
    max_mb: usize,
}

async fn form_page(
    state: &AppState,
    staff: Staff,
    u: Option<&Upload>,
    errors: FieldErrors,
    problems: Vec<Problem>,
) -> Result<FormPage> {
    let plans = crate::db::plans::plans_of_city(&state.pool, staff.municipality_id, false)
        .await?
        .into_iter()
        .map(|(slug, name, _, _)| (slug, name))
        .collect();
    let get = |k: &str| {
        u.and_then(|u| u.fields.get(k))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    Ok(FormPage {
        staff,
        plans,
        mode: Some(get("mode"))
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "new".into()),
        slug: get("slug"),
        plan: get("plan"),
        errors,
        problems,
        max_mb: MAX_FILE_BYTES / (1024 * 1024),
    })
}

/// `GET /staff/plans/import`.
pub async fn show_form(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    require(staff.roles.is_admin())?;
    Ok(
        render(&form_page(&state, staff, None, FieldErrors::default(), Vec::new()).await?)?
            .into_response(),
    )
}

async fn refuse(
    state: &AppState,
    staff: Staff,
    u: &Upload,
    errors: FieldErrors,
    problems: Vec<Problem>,
) -> Result<Response> {
    let page = form_page(state, staff, Some(u), errors, problems).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub async fn city_of(state: &AppState, staff: &Staff) -> Result<PlanCity> {
    let m = crate::db::public::municipality(&state.pool, &staff.municipality_slug)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(PlanCity {
        slug: m.slug,
        name: m.name,
        name_kana: m.name_kana,
        local_government_code: m.local_government_code,
    })
}

/// A plan's URL name: lower-case letters, digits and hyphens.
pub fn slug_problem(slug: &str) -> Option<&'static str> {
    if slug.is_empty() {
        Some("計画のURLに使う名前を入力してください（例：gyosei-keiei-3）。")
    } else if matches!(slug, "new" | "import") {
        Some("「new」「import」は使えません。別の名前にしてください。")
    } else if slug.len() > 40
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || slug.starts_with('-')
    {
        Some(
            "半角の英小文字・数字・ハイフンで、40文字以内で入力してください（例：gyosei-keiei-3）。",
        )
    } else {
        None
    }
}

/// What stops a plan document read from a workbook: the reader's problems, then the
/// document's own, published actuals it would lose, and a name another plan has.
async fn document_problems(
    state: &AppState,
    mid: i64,
    mut problems: Vec<Problem>,
    doc: &PlanDocument,
    stored: Option<&crate::db::plans::PlanData>,
) -> Result<Vec<Problem>> {
    let problem = |message: String| Problem {
        sheet: doc.plan.item_label.clone(),
        row: None,
        col: None,
        message,
    };
    if problems.is_empty() {
        problems.extend(doc.problems().into_iter().map(problem));
    }
    // `stored` holds the published years' actuals only: none of them may go with a removal.
    if let Some(published) = stored.map(|d| lost_actuals(d, doc))
        && published > 0
    {
        problems.push(problem(format!("このファイルでは、公表済みの年度の実績（{published}件）がある{}や目標値等がなくなります。公表した数値は変えられないため、取り込めません。その{}や目標値等を残してください。", doc.plan.item_label, doc.plan.item_label)));
    }
    if problems.is_empty()
        && plan_imports::name_taken(&state.pool, mid, &doc.plan.name, &doc.plan.slug).await?
    {
        problems.push(problem(format!("「{}」という名前の計画（または行政経営方針）がすでにあります。表の上の計画の名前を変えるか、改定として取り込んでください。", doc.plan.name)));
    }
    Ok(problems)
}

/// `POST /staff/plans/import`: reads the workbook and, when it reads cleanly, keeps it for
/// the preview.
pub async fn upload(
    State(state): State<AppState>,
    staff: Staff,
    multipart: Multipart,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mid = staff.municipality_id;
    let u = read_upload(multipart).await?;
    let mut errors = FieldErrors::default();
    let existing = crate::db::plans::plans_of_city(&state.pool, mid, false).await?;
    let (new_plan, slug) = chosen_plan(&u, &existing, &mut errors);
    let grids = match read_grids(&u).await? {
        Ok(g) => Some(g),
        Err(e) => {
            errors.push("file", e);
            None
        }
    };
    if !errors.is_empty() {
        return refuse(&state, staff, &u, errors, Vec::new()).await;
    }
    let eras = (*state.eras).clone();
    let latest = chrono::Datelike::year(&state.clock.today()) + 10;
    let grids = grids.unwrap_or_default();
    let read = tokio::task::spawn_blocking(move || book::read(&grids, &eras, latest))
        .await
        .map_err(|_| AppError::BadRequest)?;
    let city = city_of(&state, &staff).await?;
    let stored = crate::db::plans::load(&state.pool, mid, &slug, false).await?;
    let doc = read
        .clone()
        .into_document(city, slug, stored.as_ref().map(|d| d.plan.name.as_str()));
    let problems = document_problems(&state, mid, read.problems, &doc, stored.as_ref()).await?;
    if !problems.is_empty() {
        return refuse(&state, staff, &u, errors, problems).await;
    }
    let fingerprint = match &stored {
        Some(data) => plan_imports::document_fingerprint(&PlanDocument::from_data(
            data,
            doc.municipality.clone(),
        )),
        None => String::new(),
    };
    let filename: String = if u.filename.is_empty() {
        "（名前なし）".to_owned()
    } else {
        u.filename.chars().take(200).collect()
    };
    let id = plan_imports::create(
        &state.pool,
        mid,
        staff.user_id,
        &filename,
        new_plan,
        &doc,
        &fingerprint,
    )
    .await?;
    Ok(Redirect::to(&format!("/staff/plans/import/{id}")).into_response())
}

/// Whether the form asks for a new plan, and the plan's slug (checked beside its field).
fn chosen_plan(
    u: &Upload,
    existing: &[(String, String, i32, i32)],
    errors: &mut FieldErrors,
) -> (bool, String) {
    let new_plan = u.fields.get("mode").map(String::as_str) != Some("revise");
    let slug = if new_plan {
        let slug = u
            .fields
            .get("slug")
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        if let Some(p) = slug_problem(&slug) {
            errors.push("slug", p);
        } else if existing.iter().any(|e| e.0 == slug) {
            errors.push(
                "slug",
                "この名前の計画はすでにあります。改定として取り込むか、別の名前にしてください。",
            );
        }
        slug
    } else {
        let plan = u.fields.get("plan").cloned().unwrap_or_default();
        if !existing.iter().any(|e| e.0 == plan) {
            errors.push("plan", "改定する計画を選んでください。");
        }
        plan
    };
    (new_plan, slug)
}

/// The file's grids, or what is wrong with it (said beside the file field).
pub(crate) async fn read_grids(
    u: &Upload,
) -> Result<std::result::Result<Vec<spreadsheet::Grid>, String>> {
    if u.too_large {
        return Ok(Err(ReadError::TooLarge {
            size: format!("{}MBを超えています", MAX_FILE_BYTES / (1024 * 1024)),
        }
        .to_string()));
    }
    let (name, bytes) = (u.filename.clone(), u.bytes.clone());
    // Unzipping and parsing is CPU work: off the async threads.
    let read = tokio::task::spawn_blocking(move || spreadsheet::read(&name, &bytes))
        .await
        .map_err(|_| AppError::BadRequest)?;
    Ok(read.map_err(|e| e.to_string()))
}

#[derive(Template)]
#[template(path = "staff/plans/import_show.html")]
pub struct PreviewPage {
    staff: Staff,
    import: PlanImport,
    changes: Changes,
    /// Actuals recorded for items or indicators the file removes.
    lost_actuals: usize,
    counts: (usize, usize, usize, usize),
    stale: bool,
}

async fn preview(state: &AppState, staff: Staff, import: PlanImport) -> Result<PreviewPage> {
    let mid = staff.municipality_id;
    let doc = &import.document.0;
    let stored = crate::db::plans::load(&state.pool, mid, &import.plan_slug, true).await?;
    let old = stored
        .as_ref()
        .map(|d| PlanDocument::from_data(d, doc.municipality.clone()));
    let eras = state.eras.clone();
    let changes = compare(old.as_ref(), doc, &|y| eras.fiscal_year_label(y));
    let lost_actuals = stored.as_ref().map(|d| lost_actuals(d, doc)).unwrap_or(0);
    let now = old
        .as_ref()
        .map(plan_imports::document_fingerprint)
        .unwrap_or_default();
    let stale =
        import.state == "stale" || (import.state == "previewed" && now != import.fingerprint);
    let indicators = doc.items.iter().map(|i| i.indicators.len()).sum();
    let targets = doc
        .items
        .iter()
        .flat_map(|i| &i.indicators)
        .map(|x| x.targets.len())
        .sum();
    Ok(PreviewPage {
        staff,
        counts: (doc.nodes.len(), doc.items.len(), indicators, targets),
        import,
        changes,
        lost_actuals,
        stale,
    })
}

/// Actuals of items the document no longer has, or of indicators past the item's new count.
fn lost_actuals(data: &crate::db::plans::PlanData, doc: &PlanDocument) -> usize {
    let mut count = std::collections::HashMap::new();
    let mut position = std::collections::HashMap::new();
    for x in &data.indicators {
        let n = count.entry(x.item_id).or_insert(0usize);
        *n += 1;
        position.insert(x.id, *n);
    }
    data.actuals
        .iter()
        .filter(|a| {
            let Some(x) = data.indicators.iter().find(|x| x.id == a.indicator_id) else {
                return false;
            };
            let Some(item) = data.items.iter().find(|i| i.id == x.item_id) else {
                return false;
            };
            match doc.items.iter().find(|i| i.number == item.number) {
                None => true,
                Some(i) => position.get(&x.id).copied().unwrap_or(0) > i.indicators.len(),
            }
        })
        .count()
}

async fn get(state: &AppState, staff: &Staff, id: i64) -> Result<PlanImport> {
    plan_imports::get(&state.pool, staff.municipality_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /staff/plans/import/{id}`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let import = get(&state, &staff, id).await?;
    Ok(render(&preview(&state, staff, import).await?)?.into_response())
}

/// `POST /staff/plans/import/{id}/confirm`: writes the plan if nobody changed it since the
/// preview; otherwise nothing, and the preview says so.
pub async fn confirm(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mid = staff.municipality_id;
    let import = get(&state, &staff, id).await?;
    let slug = import.plan_slug.clone();
    if import.state != "previewed" {
        return Ok(Redirect::to(&format!("/staff/plans/import/{id}")).into_response());
    }
    let mut tx = crate::routes::staff::plans::lock(&state, mid, &slug).await?;
    let state_now = plan_imports::state_for_update(&mut tx, id).await?;
    let doc = &import.document.0;
    let now = plan_imports::fingerprint(&mut tx, &doc.municipality, mid, &slug).await?;
    let taken = plan_imports::name_taken(&state.pool, mid, &doc.plan.name, &slug).await?;
    if state_now != "previewed" || now != import.fingerprint || taken {
        plan_imports::set_state(&mut tx, id, "stale").await?;
        tx.commit().await?;
        let import = get(&state, &staff, id).await?;
        let page = preview(&state, staff, import).await?;
        return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
    }
    match crate::db::plan_apply::apply_in(&mut tx, doc, Some(staff.user_id)).await {
        Ok(_) => {}
        Err(crate::import::ImportError::Database(e)) => return Err(e.into()),
        Err(crate::import::ImportError::Invalid(_)) => return Err(AppError::BadRequest),
    }
    plan_imports::set_state(&mut tx, id, "applied").await?;
    plan_imports::audit_import(&mut tx, mid, staff.user_id, &slug, &import.filename).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/plans/import/{id}")).into_response())
}
