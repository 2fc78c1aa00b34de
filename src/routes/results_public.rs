//! The published year-end results for citizens: the results booklet and each department's
//! results report (組織目標 / 取組内容 / 課等 / 実績 / 成果), the department heads' page
//! (「部長目標 結果発表」), and the achievement summary. Published versions only.

use crate::db::public as q;
use crate::db::publication::{self as pubdb, PublishedResults};
use crate::domain::sheet::ResultsSheet;
use crate::domain::status::Status;
use crate::domain::summary::{self, Counts, Row};
use crate::error::{AppError, Result, render};
use crate::routes::paths::{CityYear, CityYearDepartment};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Html;

async fn published(
    state: &AppState,
    city: &str,
    year: i32,
) -> Result<(q::Municipality, q::FiscalYear, Vec<PublishedResults>)> {
    let (city, fy) = q::city_year(&state.pool, city, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let results = pubdb::latest_results(&state.pool, city.id, fy.id).await?;
    if results.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok((city, fy, results))
}

#[derive(Template)]
#[template(path = "public/results_booklet.html")]
pub struct ResultsBookletPage {
    city: q::Municipality,
    fy: q::FiscalYear,
    year_label: String,
    departments: Vec<(String, String, String)>,
    /// Whether the heads' page and the summary have anything to show (else not listed).
    show_heads: bool,
    show_summary: bool,
    /// Whether the year's targets are published too (else there is no booklet to link to).
    targets_published: bool,
}

/// `/{city}/{year}/results`: the results booklet's title and contents.
pub async fn show_results_booklet(
    State(state): State<AppState>,
    CityYear { city, year }: CityYear,
) -> Result<Html<String>> {
    let (city, fy, results) = published(&state, &city, year).await?;
    let targets_published =
        crate::db::publication::published_years_with_targets(&state.pool, city.id)
            .await?
            .iter()
            .any(|(y, targets)| *y == fy.year && *targets);
    let show_summary = results.iter().any(|r| r.content.0.has_judgments());
    let show_heads = show_summary || results.iter().any(|r| r.content.0.has_head_page());
    let departments = results
        .into_iter()
        .map(|r| {
            (
                r.slug,
                r.content.0.department_name,
                format!("{}公表", state.eras.date_label(r.published_on)),
            )
        })
        .collect();
    render(&ResultsBookletPage {
        year_label: state.eras.fiscal_year_label(fy.year),
        city,
        fy,
        departments,
        show_heads,
        show_summary,
        targets_published,
    })
}

#[derive(Template)]
#[template(path = "public/results_department.html")]
pub struct ResultsDepartmentPage {
    city: q::Municipality,
    fy: q::FiscalYear,
    year_label: String,
    sheet: ResultsSheet,
    published: String,
    slug: String,
    /// (version, label, whether shown)
    versions: Vec<(i32, String, bool)>,
    superseded: bool,
    can_judge: bool,
    /// 「PDF版（A4横・120 KB）」 on the latest version.
    pdf_label: String,
}

impl ResultsDepartmentPage {
    /// Citizens record nothing (the shared table template asks).
    fn can_record(&self, _initiative: &i64) -> bool {
        false
    }
}

/// `/{city}/{year}/results/{department}`: a department's published results report.
pub async fn show_results_department(
    State(state): State<AppState>,
    p: CityYearDepartment,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    if let (Some(slug), None) = (p.department.strip_suffix(".pdf"), p.version) {
        return crate::routes::pdf::results(&state, &p.city, p.year, slug).await;
    }
    Ok(results_page(&state, &p).await?.into_response())
}

/// `/{city}/{year}/results/{department}/versions/{n}`: an earlier (or any) published version.
pub async fn show_results_version(
    State(state): State<AppState>,
    p: CityYearDepartment,
) -> Result<Html<String>> {
    results_page(&state, &p).await
}

async fn results_page(state: &AppState, p: &CityYearDepartment) -> Result<Html<String>> {
    let (department, version) = (p.department.as_str(), p.version);
    let (city, fy, results) = published(state, &p.city, p.year).await?;
    let r = results
        .into_iter()
        .find(|r| r.slug == department)
        .ok_or(AppError::NotFound)?;
    let (one, all) = pubdb::results_version(&state.pool, city.id, r.department_id, version).await?;
    let (shown, sheet) = one.ok_or(AppError::NotFound)?;
    let first = all.first().map(|(_, d)| *d).unwrap_or(r.published_on);
    let mut published = format!("{}公表", state.eras.date_label(first));
    if let Some((_, on)) = all
        .iter()
        .find(|(v, _)| *v == shown)
        .filter(|(v, _)| *v > 1)
    {
        published.push_str(&format!("・{}改訂", state.eras.date_label(*on)));
    }
    let latest = all.last().map(|(v, _)| *v).unwrap_or(shown);
    let pdf_label = if shown == latest {
        let dates = (first, r.published_on);
        let doc =
            crate::routes::pdf::results_doc(&state.eras, &city, &fy, &r.slug, &sheet.0, dates);
        crate::pdf::link_label(doc, "A4横").await
    } else {
        String::new()
    };
    let versions = all
        .iter()
        .map(|(v, d)| {
            (
                *v,
                format!(
                    "{}{}",
                    state.eras.date_label(*d),
                    if *v == 1 { "公表" } else { "改訂" }
                ),
                *v == shown,
            )
        })
        .collect();
    render(&ResultsDepartmentPage {
        pdf_label,
        year_label: state.eras.fiscal_year_label(fy.year),
        published,
        slug: r.slug,
        versions,
        superseded: shown != latest,
        sheet: sheet.0,
        can_judge: false,
        city,
        fy,
    })
}

/// A department on the heads' page.
pub struct HeadView {
    slug: String,
    sheet: ResultsSheet,
    /// Number, text, status and the result as printed (when more than the status word).
    goals: Vec<(usize, String, Option<Status>, Option<String>)>,
}

#[derive(Template)]
#[template(path = "public/heads.html")]
pub struct HeadsPage {
    city: q::Municipality,
    fy: q::FiscalYear,
    year_label: String,
    departments: Vec<HeadView>,
    /// 「PDF版（A4・88 KB）」.
    pdf_label: String,
}

/// `/{city}/{year}/heads`: every department head's page (name with reading, numbered goals
/// with their status, 基本方針, 部の仕事, 総括).
pub async fn show_heads(
    State(state): State<AppState>,
    CityYear { city, year }: CityYear,
) -> Result<Html<String>> {
    let (city, fy, results) = published(&state, &city, year).await?;
    // Nobody judged and no head wrote anything: there is no such page.
    if !results
        .iter()
        .any(|r| r.content.0.has_judgments() || r.content.0.has_head_page())
    {
        return Err(AppError::NotFound);
    }
    let doc = crate::routes::pdf::heads_doc(&state.eras, &city, &fy, &results);
    let pdf_label = crate::pdf::link_label(doc, "A4").await;
    let departments = results
        .into_iter()
        .map(|r| {
            let sheet = r.content.0;
            let goals = sheet
                .numbered_goals()
                .into_iter()
                .map(|(n, g)| (n, g.text.clone(), g.status, g.status_label.clone()))
                .collect();
            HeadView {
                slug: r.slug,
                sheet,
                goals,
            }
        })
        .collect();
    render(&HeadsPage {
        pdf_label,
        year_label: state.eras.fiscal_year_label(fy.year),
        city,
        fy,
        departments,
    })
}

#[derive(Template)]
#[template(path = "public/summary.html")]
pub struct SummaryPage {
    city: q::Municipality,
    fy: q::FiscalYear,
    year_label: String,
    statuses: [Status; 6],
    departments: Vec<Row>,
    pillars: Vec<(i32, String, Counts)>,
    total: Counts,
    chart: String,
    /// What is counted: 取組内容, or 目標 where only goals were judged.
    unit: &'static str,
    /// 「PDF版（A4・60 KB）」.
    pdf_label: String,
}

/// What the summary page and its PDF show.
pub struct SummaryData {
    pub city: q::Municipality,
    pub fy: q::FiscalYear,
    pub figures: summary::Figures,
    pub chart: String,
    /// First and latest publication of the year's results.
    pub dates: (chrono::NaiveDate, chrono::NaiveDate),
}

impl SummaryData {
    pub async fn load(state: &AppState, city: &str, year: i32) -> Result<SummaryData> {
        let (city, fy, results) = published(state, city, year).await?;
        let on = results.iter().map(|r| r.published_on);
        let dates = (
            on.clone().min().unwrap_or_default(),
            on.max().unwrap_or_default(),
        );
        let sheets: Vec<ResultsSheet> = results.into_iter().map(|r| r.content.0).collect();
        if !sheets.iter().any(ResultsSheet::has_judgments) {
            return Err(AppError::NotFound);
        }
        let figures = summary::figures(&sheets);
        let year_label = state.eras.fiscal_year_label(fy.year);
        let chart = summary::bar_chart(
            &figures.departments,
            &format!("{year_label} 部ごとの{}の達成状況", figures.unit),
        );
        Ok(SummaryData {
            city,
            fy,
            figures,
            chart,
            dates,
        })
    }

    pub fn doc(&self, eras: &crate::domain::era::Eras) -> crate::pdf::Doc {
        let (city, fy) = (&self.city, &self.fy);
        crate::routes::pdf_reports::summary_doc(
            eras,
            city,
            fy,
            &self.figures,
            &self.chart,
            self.dates,
        )
    }
}

/// `/{city}/{year}/summary`: counts and rates of statuses per department and per pillar,
/// with a bar chart drawn on the server.
pub async fn show_summary(
    State(state): State<AppState>,
    CityYear { city, year }: CityYear,
) -> Result<Html<String>> {
    let data = SummaryData::load(&state, &city, year).await?;
    let pdf_label = crate::pdf::link_label(data.doc(&state.eras), "A4").await;
    let SummaryData {
        city,
        fy,
        figures,
        chart,
        ..
    } = data;
    render(&SummaryPage {
        year_label: state.eras.fiscal_year_label(fy.year),
        city,
        fy,
        statuses: Status::ALL,
        departments: figures.departments,
        pillars: figures.pillars,
        total: figures.total,
        chart,
        unit: figures.unit,
        pdf_label,
    })
}
