//! The public pages citizens read: cities, a city's years, the year's booklet and each
//! department's target table. Only published content is shown: a department's page serves
//! its frozen publication (the latest, or an earlier version), never the live draft, and
//! anything unpublished answers 404. Pages are rendered once and then served from memory with
//! a strong ETag (see [`crate::cache`]).

use crate::db::public as q;
use crate::db::publication::{self as pubdb, PublishedDepartment};
use crate::domain::sheet::TargetSheet;
use crate::error::{AppError, Result, render};
use crate::routes::paths::CityYearDepartment;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};

/// A fiscal year as listed on a city's page.
pub struct YearLink {
    year: i32,
    label: String,
    title: String,
    /// The year's page: its booklet, or its results when only those are published.
    href: String,
}

#[derive(Template)]
#[template(path = "public/city.html")]
pub struct CityPage {
    city: q::Municipality,
    years: Vec<YearLink>,
    plans: Vec<PlanLink>,
}

/// `/{city}`: the city's published fiscal years, newest first.
/// A multi-year plan on the city page.
pub struct PlanLink {
    slug: String,
    name: String,
    period: String,
}

pub async fn show_city(
    State(state): State<AppState>,
    Path(city): Path<String>,
) -> Result<Html<String>> {
    let city = q::municipality(&state.pool, &city)
        .await?
        .ok_or(AppError::NotFound)?;
    let (all, published, plans) = tokio::try_join!(
        q::fiscal_years(&state.pool, city.id),
        pubdb::published_years_with_targets(&state.pool, city.id),
        crate::db::plans::plans_of_city(&state.pool, city.id, true)
    )?;
    let years: Vec<YearLink> = all
        .into_iter()
        .filter_map(|fy| {
            let (_, targets) = published.iter().find(|(y, _)| *y == fy.year)?;
            let href = if *targets {
                format!("/{}/{}", city.slug, fy.year)
            } else {
                format!("/{}/{}/results", city.slug, fy.year)
            };
            Some(YearLink {
                year: fy.year,
                label: state.eras.fiscal_year_label(fy.year),
                title: fy.title,
                href,
            })
        })
        .collect();
    if years.is_empty() && plans.is_empty() {
        return Err(AppError::NotFound);
    }
    let plans = plans
        .into_iter()
        .map(|(slug, name, first, last)| PlanLink {
            slug,
            name,
            period: format!(
                "{}～{}",
                state.eras.fiscal_year_label(first),
                state.eras.fiscal_year_label(last)
            ),
        })
        .collect();
    render(&CityPage { city, years, plans })
}

#[derive(Template)]
#[template(path = "public/booklet.html")]
pub struct BookletPage {
    city: q::Municipality,
    fy: q::FiscalYear,
    year_label: String,
    introduction: Vec<q::BookletSection>,
    pillars: Vec<q::Pillar>,
    departments: Vec<PublishedDepartment>,
    has_results: bool,
    /// 「令和8年9月末時点」 when the year's mid-year reports are published.
    midyear: Option<String>,
    /// 「PDF版（A4横・621 KB）」.
    pdf_label: String,
}

impl BookletPage {
    /// The departments' part is the first when there is no はじめに.
    fn tables_number(&self) -> u8 {
        if self.introduction.is_empty() { 1 } else { 2 }
    }
}

/// `/{city}/{year}`: the year's booklet — title, contents (published departments only),
/// introduction and pillars. A year with nothing published does not exist for citizens.
pub async fn show_booklet(
    State(state): State<AppState>,
    Path((city, year)): Path<(String, String)>,
) -> Result<Response> {
    if let Some(y) = year.strip_suffix(".pdf") {
        return crate::routes::pdf::booklet(&state, &city, parse_year(y)?).await;
    }
    for format in ["json", "csv"] {
        if let Some(y) = year.strip_suffix(&format!(".{format}")) {
            return crate::routes::open_data::open_data_file(&state, &city, parse_year(y)?, format)
                .await;
        }
    }
    let year = parse_year(&year)?;
    let (city, fy) = q::city_year(&state.pool, &city, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let (introduction, pillars, departments, sheets) = tokio::try_join!(
        q::booklet_sections(&state.pool, city.id, fy.id),
        q::pillars(&state.pool, city.id, fy.policy_id),
        pubdb::published_departments(&state.pool, city.id, fy.id),
        pubdb::latest_sheets(&state.pool, city.id, Some(fy.year)),
    )?;
    if departments.is_empty() {
        return Err(AppError::NotFound);
    }
    let (has_results, midyear) =
        crate::db::midyear::year_reports(&state.pool, city.id, fy.id).await?;
    let midyear = midyear.map(|d| crate::domain::midyear::as_of_label(&state.eras, d));
    let year_label = state.eras.fiscal_year_label(fy.year);
    let doc =
        crate::routes::pdf::booklet_doc(&state.eras, &city, &fy, &introduction, &pillars, &sheets);
    let pdf_label = crate::pdf::link_label(doc, "A4横・目次付き").await;
    Ok(render(&BookletPage {
        pdf_label,
        city,
        fy,
        year_label,
        introduction,
        pillars,
        departments,
        has_results,
        midyear,
    })?
    .into_response())
}

/// A published version as linked from the page.
pub struct VersionLink {
    version: i32,
    label: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "public/department.html")]
pub struct DepartmentPage {
    city: q::Municipality,
    fy: q::FiscalYear,
    year_label: String,
    slug: String,
    sheet: TargetSheet,
    /// 「令和8年6月1日公表」 or 「令和8年6月1日公表・令和8年9月1日改訂」; `None` on a draft preview.
    publication_label: Option<String>,
    versions: Vec<VersionLink>,
    /// Whether this is an older version (a note points to the latest).
    superseded: bool,
    /// A staff preview of the live draft (shown with a 下書き banner).
    draft: bool,
    previous: Option<PublishedDepartment>,
    next: Option<PublishedDepartment>,
    /// The header's 作成日 in 和暦 (deployment tables).
    drawn_up_label: Option<String>,
    /// 「PDF版（A4横・101 KB）」 on the latest version.
    pdf_label: String,
    /// The same department in the years before and after: (label, href), e.g.
    /// 「前年度（令和7年度）の企画財政部」.
    other_years: Vec<(String, String)>,
}

impl DepartmentPage {
    /// What the city calls the sheet.
    fn sheet_title(&self) -> &'static str {
        self.city.sheet_title()
    }
}

/// The 和暦 date a sheet's header says it was drawn up.
pub fn drawn_up_label(eras: &crate::domain::era::Eras, sheet: &TargetSheet) -> Option<String> {
    sheet
        .header
        .as_ref()
        .and_then(|h| h.drawn_up_on)
        .map(|d| eras.date_label(d))
}

/// `/{city}/{year}/departments/{department}`: the latest published version.
pub async fn show_department(
    State(state): State<AppState>,
    p: CityYearDepartment,
) -> Result<Response> {
    department_page(&state, &p).await
}

/// `/{city}/{year}/departments/{department}/versions/{n}`: an earlier (or any) version.
pub async fn show_department_version(
    State(state): State<AppState>,
    p: CityYearDepartment,
) -> Result<Response> {
    department_page(&state, &p).await
}

/// A published department as its page and its PDF read it.
pub struct Published {
    pub city: q::Municipality,
    pub fy: q::FiscalYear,
    /// The year's published departments, in order, and where this one stands.
    pub departments: Vec<PublishedDepartment>,
    pub index: usize,
    /// The version asked for (None: the latest).
    pub publication: pubdb::Publication,
    /// Every version's number and date, first first.
    pub versions: Vec<(i32, chrono::NaiveDate)>,
    /// The same department's published years before and after: (which, year, slug, name).
    pub neighbours: Vec<(String, i32, String, String)>,
}

/// The department `slug` of a city's published year, in `version` (None: the latest); 404
/// when any of them is not published.
pub async fn published(
    state: &AppState,
    city: &str,
    year: i32,
    slug: &str,
    version: Option<i32>,
) -> Result<Published> {
    let (city, fy) = q::city_year(&state.pool, city, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let departments = pubdb::published_departments(&state.pool, city.id, fy.id).await?;
    let index = departments
        .iter()
        .position(|d| d.slug == slug)
        .ok_or(AppError::NotFound)?;
    let department = &departments[index];
    let (publication, versions, neighbours) = tokio::try_join!(
        pubdb::publication(&state.pool, city.id, department.id, version),
        pubdb::versions(&state.pool, city.id, department.id),
        pubdb::neighbour_years(&state.pool, city.id, department.id),
    )?;
    Ok(Published {
        neighbours,
        publication: publication.ok_or(AppError::NotFound)?,
        city,
        fy,
        departments,
        index,
        versions,
    })
}

async fn department_page(state: &AppState, p: &CityYearDepartment) -> Result<Response> {
    if let (Some(slug), None) = (p.department.strip_suffix(".pdf"), p.version) {
        return crate::routes::pdf::department(state, &p.city, p.year, slug).await;
    }
    let slug = p.department.as_str();
    let Published {
        city,
        fy,
        departments,
        index,
        publication,
        versions,
        neighbours,
    } = published(state, &p.city, p.year, slug, p.version).await?;
    let other_years = neighbours
        .into_iter()
        .map(|(which, year, slug, name)| {
            let when = if which == "previous" {
                "前年度"
            } else {
                "翌年度"
            };
            let label = format!("{when}（{}）の{name}", state.eras.fiscal_year_label(year));
            (label, format!("/{}/{year}/departments/{slug}", city.slug))
        })
        .collect();
    let first = versions
        .first()
        .map(|(_, d)| *d)
        .unwrap_or(publication.published_on);
    let mut label = format!("{}公表", state.eras.date_label(first));
    if publication.version > 1 {
        label.push_str(&format!(
            "・{}改訂",
            state.eras.date_label(publication.published_on)
        ));
    }
    let latest = versions
        .last()
        .map(|(v, _)| *v)
        .unwrap_or(publication.version);
    let versions = versions
        .iter()
        .map(|(v, d)| VersionLink {
            version: *v,
            label: format!(
                "{}{}",
                state.eras.date_label(*d),
                if *v == 1 { "公表" } else { "改訂" }
            ),
            current: *v == publication.version,
        })
        .collect();
    let superseded = publication.version != latest;
    let pdf_label = if superseded {
        String::new()
    } else {
        let dates = (first, publication.published_on);
        let sheet = &publication.content.0;
        let doc = crate::routes::pdf::department_doc(&state.eras, &city, &fy, slug, sheet, dates);
        crate::pdf::link_label(doc, "A4横").await
    };
    let page = DepartmentPage {
        other_years,
        pdf_label,
        year_label: state.eras.fiscal_year_label(fy.year),
        drawn_up_label: drawn_up_label(&state.eras, &publication.content.0),
        slug: slug.to_owned(),
        superseded,
        sheet: publication.content.0,
        publication_label: Some(label),
        versions,
        draft: false,
        previous: index.checked_sub(1).map(|i| departments[i].clone()),
        next: departments.get(index + 1).cloned(),
        city,
        fy,
    };
    Ok(Html(page.render()?).into_response())
}

/// The staff preview of a live draft: the public layout with a 下書き banner.
pub fn draft_page(
    eras: &crate::domain::era::Eras,
    city: q::Municipality,
    fy: q::FiscalYear,
    slug: String,
    sheet: TargetSheet,
) -> DepartmentPage {
    DepartmentPage {
        year_label: eras.fiscal_year_label(fy.year),
        drawn_up_label: drawn_up_label(eras, &sheet),
        city,
        fy,
        slug,
        sheet,
        publication_label: None,
        versions: vec![],
        superseded: false,
        draft: true,
        previous: None,
        next: None,
        pdf_label: String::new(),
        other_years: vec![],
    }
}

pub use crate::routes::paths::{parse_number, parse_year};
