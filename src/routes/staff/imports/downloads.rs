//! Spreadsheet downloads of the live sheets (drafts included, so staff only): one department
//! or the whole city, targets or results.

use crate::auth::Staff;
use crate::error::{AppError, Result};
use crate::export::{self, XLSX};
use crate::routes::staff::{load_department, require};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// `kind=results` for the results report, `kind=midyear` for the mid-year report; the
/// target table otherwise.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    kind: Option<String>,
}

impl ExportQuery {
    fn kind(&self) -> &'static str {
        match self.kind.as_deref() {
            Some("results") => "results",
            Some("midyear") => "midyear",
            _ => "targets",
        }
    }
}

/// The mid-year reports of these departments as a workbook (404 before the check is opened).
async fn midyear_bytes(
    state: &AppState,
    mid: i64,
    departments: &[crate::db::editing::DepartmentCtx],
    year_label: &str,
) -> Result<Vec<u8>> {
    let Some(first) = departments.first() else {
        return Err(AppError::NotFound);
    };
    let check = crate::db::midyear::check(&state.pool, mid, first.fiscal_year_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut sheets = Vec::new();
    for d in departments {
        sheets.push(crate::db::midyear::sheet(&state.pool, mid, d, &check).await?);
    }
    let as_of = crate::domain::midyear::as_of_label(&state.eras, check.as_of);
    export::midyear_workbook(&format!("{year_label}中間報告（{as_of}）"), &sheets).map_err(failed)
}

/// A spreadsheet download named `filename`.
pub fn xlsx(bytes: Vec<u8>, filename: &str) -> Response {
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

fn failed(e: rust_xlsxwriter::XlsxError) -> AppError {
    tracing::error!(error = %e, "spreadsheet export failed");
    AppError::BadRequest
}

/// `GET /staff/departments/{id}/export.xlsx`.
pub async fn export_department(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<ExportQuery>,
) -> Result<Response> {
    let department = load_department(&state, &staff, id).await?;
    require(staff.roles.can_read_drafts() || staff.roles.can_edit_anything_in(id))?;
    let mid = staff.municipality_id;
    let year_label = state.eras.fiscal_year_label(department.year);
    let kind = q.kind();
    let results = kind == "results";
    let deployment = crate::db::settings::is_deployment(&state.pool, mid).await?;
    let bytes = if kind == "midyear" {
        midyear_bytes(&state, mid, std::slice::from_ref(&department), &year_label).await?
    } else if results {
        let sheet = crate::db::sheets::results_sheet(&state.pool, mid, &department).await?;
        export::results_workbook(&format!("{year_label}組織重点目標（実績・成果）"), &[sheet])
            .map_err(failed)?
    } else {
        let sheet = crate::db::sheets::target_sheet(
            &state.pool,
            mid,
            id,
            &department.name,
            department.policy_id,
        )
        .await?;
        if deployment {
            let date = crate::routes::public::drawn_up_label(&state.eras, &sheet);
            export::deployment_workbook(
                &format!("{year_label}組織目標展開整理表"),
                &[(sheet, date)],
            )
            .map_err(failed)?
        } else {
            export::targets_workbook(&format!("{year_label}組織重点目標"), &[sheet])
                .map_err(failed)?
        }
    };
    Ok(xlsx(
        bytes,
        &format!(
            "{}-{}-{}-{kind}.xlsx",
            staff.municipality_slug, department.year, department.slug
        ),
    ))
}

/// `GET /staff/admin/years/{year}/export.xlsx`: every department, one worksheet each.
pub async fn export_year(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
    Query(q): Query<ExportQuery>,
) -> Result<Response> {
    require(staff.roles.can_read_drafts())?;
    let mid = staff.municipality_id;
    let (fid, _) = crate::db::admin::year_ids(&state.pool, mid, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let departments = crate::db::public::departments(&state.pool, mid, fid).await?;
    let year_label = state.eras.fiscal_year_label(year);
    let kind = q.kind();
    let results = kind == "results";
    // One sheet per department, built as the department pages build theirs (a download, not a
    // page: a few queries per department are acceptable here).
    let mut contexts = Vec::new();
    for d in &departments {
        contexts.push(
            crate::db::editing::department(&state.pool, mid, d.id)
                .await?
                .ok_or(AppError::NotFound)?,
        );
    }
    let bytes = if kind == "midyear" {
        midyear_bytes(&state, mid, &contexts, &year_label).await?
    } else if results {
        let mut sheets = Vec::new();
        for ctx in &contexts {
            sheets.push(crate::db::sheets::results_sheet(&state.pool, mid, ctx).await?);
        }
        export::results_workbook(&format!("{year_label}組織重点目標（実績・成果）"), &sheets)
            .map_err(failed)?
    } else {
        let mut sheets = Vec::new();
        for ctx in &contexts {
            sheets.push(
                crate::db::sheets::target_sheet(&state.pool, mid, ctx.id, &ctx.name, ctx.policy_id)
                    .await?,
            );
        }
        if crate::db::settings::is_deployment(&state.pool, mid).await? {
            let dated: Vec<_> = sheets
                .into_iter()
                .map(|s| {
                    let d = crate::routes::public::drawn_up_label(&state.eras, &s);
                    (s, d)
                })
                .collect();
            export::deployment_workbook(&format!("{year_label}組織目標展開整理表"), &dated)
                .map_err(failed)?
        } else {
            export::targets_workbook(&format!("{year_label}組織重点目標"), &sheets)
                .map_err(failed)?
        }
    };
    Ok(xlsx(
        bytes,
        &format!("{}-{year}-{kind}.xlsx", staff.municipality_slug),
    ))
}
