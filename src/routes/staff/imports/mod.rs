//! Spreadsheet imports: the upload form and template, the preview (what would change, every
//! problem with its place), the confirmation, and the progress of the application, which runs
//! in the background so the server stays responsive.

pub mod downloads;

use crate::auth::Staff;
use crate::db::admin as adb;
use crate::db::imports::{self, ImportJob};
use crate::domain::document::GoalDoc;
use crate::domain::sheet::{OutcomeBlock, outcome_blocks};
use crate::error::{AppError, Result, render};
use crate::export::{self, TemplateInfo};
use crate::import::layout::{self, Parsed, Problem};
use crate::import::spreadsheet::{self, MAX_FILE_BYTES, ReadError};
use crate::import::upload::{self, DepartmentChange};
use crate::routes::staff::{FieldErrors, require};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A year to choose on the form.
pub struct YearChoice {
    year: i32,
    label: String,
}

#[derive(Template)]
#[template(path = "staff/imports/form.html")]
pub struct ImportFormPage {
    staff: Staff,
    years: Vec<YearChoice>,
    selected: Option<i32>,
    errors: FieldErrors,
    max_mb: usize,
}

#[derive(Debug, Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

async fn year_choices(state: &AppState, mid: i64) -> Result<Vec<YearChoice>> {
    Ok(adb::years(&state.pool, mid)
        .await?
        .into_iter()
        .map(|y| YearChoice {
            year: y.year,
            label: state.eras.fiscal_year_label(y.year),
        })
        .collect())
}

async fn form_page(
    state: &AppState,
    staff: Staff,
    selected: Option<i32>,
    errors: FieldErrors,
) -> Result<ImportFormPage> {
    let years = year_choices(state, staff.municipality_id).await?;
    let selected = selected.or_else(|| years.first().map(|y| y.year));
    Ok(ImportFormPage {
        staff,
        years,
        selected,
        errors,
        max_mb: MAX_FILE_BYTES / (1024 * 1024),
    })
}

/// `GET /staff/import`.
pub async fn show_import_form(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<YearQuery>,
) -> Result<Response> {
    require(staff.roles.can_import())?;
    Ok(render(&form_page(&state, staff, q.year, FieldErrors::default()).await?)?.into_response())
}

/// `GET /staff/import/template.xlsx?year=`: the template, listing the year's organization.
pub async fn download_template(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<YearQuery>,
) -> Result<Response> {
    require(staff.roles.can_import())?;
    let mid = staff.municipality_id;
    let years = adb::years(&state.pool, mid).await?;
    let year = q
        .year
        .or_else(|| years.first().map(|y| y.year))
        .ok_or(AppError::NotFound)?;
    let (fid, _) = adb::year_ids(&state.pool, mid, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let departments = adb::org_departments(&state.pool, mid, fid).await?;
    let sections = adb::org_sections(&state.pool, mid, fid).await?;
    let pillars = crate::db::imports::pillars_of_year(&state.pool, mid, fid).await?;
    let info = TemplateInfo {
        year_label: state.eras.fiscal_year_label(year),
        departments: departments
            .iter()
            .map(|d| {
                (
                    d.name.clone(),
                    sections
                        .iter()
                        .filter(|s| s.department_id == d.id)
                        .map(|s| s.name.clone())
                        .collect(),
                )
            })
            .collect(),
        pillars,
    };
    let bytes = export::template_workbook(&info).map_err(|e| {
        tracing::error!(error = %e, "template export failed");
        AppError::BadRequest
    })?;
    Ok(crate::routes::staff::imports::downloads::xlsx(
        bytes,
        &format!("mokuhyo-import-template-{year}.xlsx"),
    ))
}

/// What an upload form sent: its file (`file`) and its other fields (at most a few short ones).
#[derive(Default)]
pub(crate) struct Upload {
    pub year: Option<i32>,
    pub fields: std::collections::HashMap<String, String>,
    pub filename: String,
    pub bytes: Vec<u8>,
    pub too_large: bool,
}

pub(crate) async fn read_upload(mut multipart: Multipart) -> Result<Upload> {
    let mut u = Upload::default();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest)?
    {
        match field.name() {
            Some("year") => {
                let text = field.text().await.map_err(|_| AppError::BadRequest)?;
                u.year = crate::domain::metric::normalize_digits(text.trim())
                    .parse()
                    .ok();
            }
            Some(name) if name != "file" => {
                let name = name.to_owned();
                let text = field.text().await.map_err(|_| AppError::BadRequest)?;
                if u.fields.len() < 20 && text.len() <= 1000 {
                    u.fields.insert(name, text);
                }
            }
            Some("file") => {
                u.filename =
                    crate::domain::text::clean(field.file_name().unwrap_or_default()).into_owned();
                // Read in chunks so an oversized file is noticed without holding it twice.
                while let Some(chunk) = field.chunk().await.map_err(|_| AppError::BadRequest)? {
                    if u.bytes.len() + chunk.len() > MAX_FILE_BYTES {
                        u.too_large = true;
                        u.bytes.clear();
                        break;
                    }
                    u.bytes.extend_from_slice(&chunk);
                }
            }
            _ => {}
        }
    }
    Ok(u)
}

/// `POST /staff/import`: reads and checks the file, previews it, and shows the preview.
pub async fn upload_file(
    State(state): State<AppState>,
    staff: Staff,
    multipart: Multipart,
) -> Result<Response> {
    require(staff.roles.can_import())?;
    let mid = staff.municipality_id;
    let u = read_upload(multipart).await?;
    let mut errors = FieldErrors::default();
    let year_ids = match u.year {
        Some(y) => adb::year_ids(&state.pool, mid, y).await?,
        None => None,
    };
    let Some((fid, _)) = year_ids else {
        errors.push("year", "取り込む年度を選んでください。");
        return refuse(&state, staff, u.year, errors).await;
    };
    let read = if u.too_large {
        Err(ReadError::TooLarge {
            size: format!("{}MBを超えています", MAX_FILE_BYTES / (1024 * 1024)),
        })
    } else {
        let (name, bytes) = (u.filename.clone(), u.bytes);
        // Unzipping and parsing is CPU work: off the async threads.
        tokio::task::spawn_blocking(move || spreadsheet::read(&name, &bytes))
            .await
            .map_err(|_| AppError::BadRequest)?
    };
    let grids = match read {
        Ok(g) => g,
        Err(e) => {
            errors.push("file", e.to_string());
            return refuse(&state, staff, u.year, errors).await;
        }
    };
    let mut ctx = imports::context(&state.pool, mid, fid).await?;
    ctx.eras = Some((*state.eras).clone());
    // Planning staff may set up the year's organization from the file.
    ctx.create_units = staff.roles.is_admin();
    if !staff.roles.is_admin() {
        ctx.allowed = Some(
            ctx.departments
                .iter()
                .map(|d| d.0)
                .filter(|d| staff.roles.can_edit_goals(*d))
                .collect(),
        );
    }
    let parsed = tokio::task::spawn_blocking(move || layout::parse(&grids, &ctx))
        .await
        .map_err(|_| AppError::BadRequest)?;
    // A file with problems is never written, not even in the rolled-back preview (it may
    // name sections or pillars that do not exist).
    let (preview, fingerprint) = if parsed.problems.is_empty() {
        upload::preview(&state.pool, mid, fid, &parsed).await?
    } else {
        (Vec::new(), String::new())
    };
    let filename = if u.filename.is_empty() {
        "（名前なし）".to_owned()
    } else {
        u.filename.chars().take(200).collect()
    };
    let id = imports::create(
        &state.pool,
        mid,
        fid,
        staff.user_id,
        &filename,
        &parsed,
        &preview,
        &fingerprint,
    )
    .await?;
    Ok(Redirect::to(&format!("/staff/import/{id}")).into_response())
}

async fn refuse(
    state: &AppState,
    staff: Staff,
    year: Option<i32>,
    errors: FieldErrors,
) -> Result<Response> {
    let page = form_page(state, staff, year, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// A department of the preview: what changes, and its tree as it will be stored.
pub struct PreviewDepartment {
    change: DepartmentChange,
    goals: Vec<(String, GoalDoc)>,
    /// False when the file has no 目標達成基準 column (stored criteria are kept).
    criteria_given: bool,
}

/// A department under 「新しく作る部・課等」: its name, whether it is new itself, and its new
/// sections (file order).
pub struct NewUnit {
    department: String,
    new: bool,
    sections: Vec<String>,
}

fn new_units(parsed: &Parsed) -> Vec<NewUnit> {
    let mut out: Vec<NewUnit> = parsed
        .new_departments
        .iter()
        .map(|d| NewUnit {
            department: d.name.clone(),
            new: true,
            sections: Vec::new(),
        })
        .collect();
    for s in &parsed.new_sections {
        match out.iter_mut().find(|u| u.department == s.department) {
            Some(u) => u.sections.push(s.name.clone()),
            None => out.push(NewUnit {
                department: s.department.clone(),
                new: false,
                sections: vec![s.name.clone()],
            }),
        }
    }
    out
}

fn preview_departments(parsed: &Parsed, changes: &[DepartmentChange]) -> Vec<PreviewDepartment> {
    changes
        .iter()
        .zip(&parsed.departments)
        .map(|(c, d)| PreviewDepartment {
            change: c.clone(),
            criteria_given: d.criteria_given,
            goals: d
                .goals
                .iter()
                .enumerate()
                .map(|(k, g)| (c.goal_marks.get(k).cloned().unwrap_or_default(), g.clone()))
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff/imports/show.html")]
pub struct ImportPage {
    staff: Staff,
    departments: Vec<PreviewDepartment>,
    new_units: Vec<NewUnit>,
    notices: Vec<Problem>,
    job_id: i64,
    year: i32,
    year_label: String,
    filename: String,
    state: String,
    problems: Vec<Problem>,
    changes: Vec<DepartmentChange>,
    has_results: bool,
    has_midyear: bool,
    done: i32,
    total: i32,
    message: Option<String>,
}

impl ImportPage {
    fn any_refused(&self) -> bool {
        self.changes.iter().any(|c| c.refused.is_some())
    }

    fn can_confirm(&self) -> bool {
        self.state == "previewed"
            && self.problems.is_empty()
            && !self.changes.is_empty()
            && self.changes.iter().all(|c| c.refused.is_none())
            && self.changes.iter().any(|c| !c.is_unchanged())
    }

    fn outcome(&self, paragraphs: &[String]) -> Vec<OutcomeBlock> {
        outcome_blocks(paragraphs)
    }

    fn percent(&self) -> i32 {
        (self.done * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// Only the uploader and planning staff see an upload.
async fn load_job(state: &AppState, staff: &Staff, id: i64) -> Result<ImportJob> {
    let job = imports::find(&state.pool, staff.municipality_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(staff.roles.is_admin() || job.created_by == staff.user_id)?;
    Ok(job)
}

/// `GET /staff/import/{id}`: the preview, the progress, or the outcome.
pub async fn show_import(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let job = load_job(&state, &staff, id).await?;
    let changes = job
        .report
        .clone()
        .map(|r| r.0)
        .unwrap_or(job.preview.0.clone());
    let page = ImportPage {
        year_label: state.eras.fiscal_year_label(job.year),
        year: job.year,
        staff,
        job_id: job.id,
        filename: job.filename,
        state: job.state,
        problems: job.parsed.0.problems.clone(),
        departments: preview_departments(&job.parsed.0, &changes),
        new_units: new_units(&job.parsed.0),
        notices: job.parsed.0.notices.clone(),
        has_results: job.parsed.0.has_results,
        has_midyear: job.parsed.0.has_midyear,
        changes,
        done: job.done_departments,
        total: job.total_departments,
        message: job.message,
    };
    Ok(render(&page)?.into_response())
}

/// `POST /staff/import/{id}/confirm`: starts the application in the background.
pub async fn confirm_import(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    require(staff.roles.can_import())?;
    let job = load_job(&state, &staff, id).await?;
    if !job.parsed.0.problems.is_empty() {
        return Err(AppError::Conflict);
    }
    if imports::start(&state.pool, staff.municipality_id, id).await? {
        let pool = state.pool.clone();
        let mid = staff.municipality_id;
        tokio::spawn(async move {
            if let Err(e) = crate::import::job::run(&pool, mid, &job).await {
                tracing::error!(error = %e, job = job.id, "could not record the import outcome");
            }
        });
    }
    Ok(Redirect::to(&format!("/staff/import/{id}")).into_response())
}
