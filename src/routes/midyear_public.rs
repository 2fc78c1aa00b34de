//! The published mid-year check (中間報告) for citizens: the year's list of departments and
//! each department's report 「中間報告（令和8年9月末時点）」, every version kept. Published
//! versions only.

use crate::db::midyear as mdb;
use crate::db::public as q;
use crate::domain::midyear::{MidyearSheet, as_of_label};
use crate::error::{AppError, Result, render};
use crate::routes::paths::{CityYear, CityYearDepartment};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};

async fn published(
    state: &AppState,
    city: &str,
    year: i32,
) -> Result<(q::Municipality, q::FiscalYear, Vec<mdb::Published>)> {
    let (city, fy) = q::city_year(&state.pool, city, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let reports = mdb::latest(&state.pool, city.id, fy.id).await?;
    if reports.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok((city, fy, reports))
}

#[derive(Template)]
#[template(path = "public/midyear_booklet.html")]
pub struct MidyearBookletPage {
    city: q::Municipality,
    fy: q::FiscalYear,
    year_label: String,
    as_of: String,
    /// (slug, name, 「令和8年10月15日公表」, progress counts)
    departments: Vec<(String, String, String, String)>,
}

/// `/{city}/{year}/midyear`: the year's mid-year reports, department by department.
pub async fn show_booklet(
    State(state): State<AppState>,
    CityYear { city, year }: CityYear,
) -> Result<Html<String>> {
    let (city, fy, reports) = published(&state, &city, year).await?;
    let as_of = as_of_label(&state.eras, reports[0].content.0.as_of);
    let departments = reports
        .into_iter()
        .map(|r| {
            let counts = r
                .content
                .0
                .progress_counts()
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(w, n)| format!("{w} {n}件"))
                .collect::<Vec<_>>()
                .join("・");
            (
                r.slug,
                r.content.0.department_name,
                format!("{}公表", state.eras.date_label(r.published_on)),
                counts,
            )
        })
        .collect();
    render(&MidyearBookletPage {
        year_label: state.eras.fiscal_year_label(fy.year),
        as_of,
        city,
        fy,
        departments,
    })
}

#[derive(Template)]
#[template(path = "public/midyear_department.html")]
pub struct MidyearDepartmentPage {
    city: q::Municipality,
    fy: q::FiscalYear,
    year_label: String,
    as_of: String,
    sheet: MidyearSheet,
    published: String,
    slug: String,
    versions: Vec<(i32, String, bool)>,
    superseded: bool,
    /// 「PDF版（A4横・88 KB）」 on the latest version.
    pdf_label: String,
}

impl MidyearDepartmentPage {
    /// Citizens record nothing (the shared table asks).
    fn can_record(&self, _initiative: &i64) -> bool {
        false
    }
}

/// `/{city}/{year}/midyear/{department}` (and `.pdf`) and `…/versions/{n}`.
pub async fn show_department(
    State(state): State<AppState>,
    mut p: CityYearDepartment,
) -> Result<Response> {
    let pdf = match (p.department.strip_suffix(".pdf"), p.version) {
        (Some(slug), None) => Some(slug.to_owned()),
        _ => None,
    };
    if let Some(slug) = &pdf {
        p.department = slug.clone();
    }
    let (city, fy, reports) = published(&state, &p.city, p.year).await?;
    let r = reports
        .into_iter()
        .find(|r| r.slug == p.department)
        .ok_or(AppError::NotFound)?;
    let (one, all) = mdb::versions(&state.pool, city.id, r.department_id, p.version).await?;
    let (shown, sheet) = one.ok_or(AppError::NotFound)?;
    let first = all.first().map(|(_, d)| *d).unwrap_or(r.published_on);
    let doc = (shown == r.version).then(|| {
        let dates = (first, r.published_on);
        crate::routes::pdf_reports::midyear_doc(&state.eras, &city, &fy, &r.slug, &sheet, dates)
    });
    if pdf.is_some() {
        return crate::routes::pdf::serve(doc.ok_or(AppError::NotFound)?).await;
    }
    let pdf_label = match doc {
        Some(doc) => crate::pdf::link_label(doc, "A4横").await,
        None => String::new(),
    };
    let label = |v: i32, d| {
        let what = if v == 1 { "公表" } else { "改訂" };
        format!("{}{what}", state.eras.date_label(d))
    };
    let published = all
        .iter()
        .find(|(v, _)| *v == shown)
        .map(|(v, d)| label(*v, *d))
        .unwrap_or_default();
    let versions = all
        .iter()
        .map(|(v, d)| (*v, label(*v, *d), *v == shown))
        .collect();
    Ok(render(&MidyearDepartmentPage {
        pdf_label,
        year_label: state.eras.fiscal_year_label(fy.year),
        as_of: as_of_label(&state.eras, sheet.as_of),
        superseded: shown != r.version,
        slug: r.slug,
        sheet,
        published,
        versions,
        city,
        fy,
    })?
    .into_response())
}
