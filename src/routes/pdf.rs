//! The PDFs citizens download: a department's published targets
//! (`/{city}/{year}/departments/{department}.pdf`) and the year's booklet (`/{city}/{year}.pdf`:
//! cover, contents, はじめに, the pillars, every published department in order). Served
//! through the page cache like the pages (ETag, 304, forgotten with the city's pages).

use crate::db::public as q;
use crate::db::public::{FiscalYear, Municipality};
use crate::db::publication as pubdb;
use crate::domain::era::Eras;
use crate::domain::sheet::{ResultsSheet, TargetSheet};
use crate::error::{AppError, Result};
use crate::pdf::{Booklet, Cover, Doc, Part, Template};
use crate::state::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

/// 「令和8年6月1日公表」, with 「・令和8年9月1日改訂」 when a later version was published.
pub fn published_label(
    eras: &crate::domain::era::Eras,
    first: NaiveDate,
    last: NaiveDate,
) -> String {
    let mut label = format!("{}公表", eras.date_label(first));
    if last > first {
        label.push_str(&format!("・{}改訂", eras.date_label(last)));
    }
    label
}

/// Serves `doc` (made once, see `pdf::made`).
pub(crate) async fn serve(doc: Doc) -> Result<Response> {
    let file = doc.file.clone();
    let bytes = crate::pdf::render(doc).await?;
    Ok(pdf_response(bytes, &file))
}

fn pdf_response(bytes: std::sync::Arc<[u8]>, file: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{file}\""),
            ),
        ],
        axum::body::Bytes::from_owner(bytes),
    )
        .into_response()
}

/// The header line of a deployment table (作成日・職名・氏名), where recorded.
fn header_line(
    eras: &crate::domain::era::Eras,
    sheet: &crate::domain::sheet::TargetSheet,
) -> Option<String> {
    let h = sheet.header.as_ref()?;
    let mut parts = Vec::new();
    if let Some(d) = h.drawn_up_on {
        parts.push(format!("作成日 {}", eras.date_label(d)));
    }
    if !h.head_title.is_empty() {
        parts.push(format!("職名 {}", h.head_title));
    }
    if !h.head_name.is_empty() {
        parts.push(format!("氏名 {}", h.head_name));
    }
    (!parts.is_empty()).then(|| parts.join("　"))
}

/// `GET /{city}/{year}/departments/{department}.pdf`: the latest published version.
pub async fn department(state: &AppState, city: &str, year: i32, slug: &str) -> Result<Response> {
    let p = crate::routes::public::published(state, city, year, slug, None).await?;
    let first = p
        .versions
        .first()
        .map(|(_, d)| *d)
        .unwrap_or(p.publication.published_on);
    let dates = (first, p.publication.published_on);
    let sheet = &p.publication.content.0;
    serve(department_doc(
        &state.eras,
        &p.city,
        &p.fy,
        slug,
        sheet,
        dates,
    ))
    .await
}

/// A department's target table as a PDF, published on `dates` (first, latest).
pub fn department_doc(
    eras: &Eras,
    city: &Municipality,
    fy: &FiscalYear,
    slug: &str,
    sheet: &TargetSheet,
    (first, last): (NaiveDate, NaiveDate),
) -> Doc {
    let year_label = eras.fiscal_year_label(fy.year);
    let heading = format!(
        "{} {year_label}{}",
        sheet.department_name,
        city.sheet_title()
    );
    let cover = Cover {
        title: format!("{heading}（{}）", city.name),
        published: published_label(eras, first, last),
        city: city.name.clone(),
        layout: city.sheet_layout.clone(),
    };
    let part = Part {
        heading,
        context: format!("{} {year_label}{}", city.name, fy.tables_title),
        header: header_line(eras, sheet),
        sheet,
    };
    Doc {
        template: Template::Year,
        data: crate::pdf::data(&cover, &[part], None),
        ident: format!("/{}/{}/departments/{slug}.pdf", city.slug, fy.year),
        file: format!("{}-{}-{slug}.pdf", city.slug, fy.year),
    }
}

/// `GET /{city}/{year}.pdf`: the whole year as the city prints it.
pub async fn booklet(state: &AppState, city: &str, year: i32) -> Result<Response> {
    let (city, fy) = q::city_year(&state.pool, city, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let (introduction, pillars, sheets) = tokio::try_join!(
        q::booklet_sections(&state.pool, city.id, fy.id),
        q::pillars(&state.pool, city.id, fy.policy_id),
        pubdb::latest_sheets(&state.pool, city.id, Some(fy.year)),
    )?;
    if sheets.is_empty() {
        return Err(AppError::NotFound);
    }
    serve(booklet_doc(
        &state.eras,
        &city,
        &fy,
        &introduction,
        &pillars,
        &sheets,
    ))
    .await
}

/// The year's booklet as a PDF: cover, contents, はじめに, the pillars, every department.
pub fn booklet_doc(
    eras: &Eras,
    city: &Municipality,
    fy: &FiscalYear,
    introduction: &[q::BookletSection],
    pillars: &[q::Pillar],
    sheets: &[pubdb::PublishedSheet],
) -> Doc {
    let year_label = eras.fiscal_year_label(fy.year);
    let dates = sheets.iter().map(|s| s.published_on);
    let first = dates.clone().min().unwrap_or_default();
    let last = dates.max().unwrap_or_default();
    let context = format!("{} {year_label}{}", city.name, fy.tables_title);
    let parts: Vec<Part<'_>> = sheets
        .iter()
        .map(|s| Part {
            heading: s.content.0.department_name.clone(),
            context: context.clone(),
            header: header_line(eras, &s.content.0),
            sheet: &s.content.0,
        })
        .collect();
    let cover_title = format!("{year_label} {}", fy.title);
    let booklet = Booklet {
        cover_title: cover_title.clone(),
        introduction: introduction
            .iter()
            .map(|s| {
                (
                    format!("({}) {}", s.position, s.heading),
                    s.paragraphs.clone(),
                )
            })
            .collect(),
        pillars_title: fy.pillar_set_name.clone(),
        pillars: pillars
            .iter()
            .map(|p| format!("({}) {}", p.number, p.title))
            .collect(),
    };
    let cover = Cover {
        title: format!("{cover_title}（{}）", city.name),
        published: published_label(eras, first, last),
        city: city.name.clone(),
        layout: city.sheet_layout.clone(),
    };
    Doc {
        template: Template::Year,
        data: crate::pdf::data(&cover, &parts, Some(&booklet)),
        ident: format!("/{}/{}.pdf", city.slug, fy.year),
        file: format!("{}-{}.pdf", city.slug, fy.year),
    }
}

/// `GET /{city}/{year}/heads.pdf`: 部長目標 結果発表, as the page shows it.
pub async fn heads(
    axum::extract::State(state): axum::extract::State<AppState>,
    crate::routes::paths::CityYear { city, year }: crate::routes::paths::CityYear,
) -> Result<Response> {
    let (city, fy) = q::city_year(&state.pool, &city, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let results = pubdb::latest_results(&state.pool, city.id, fy.id).await?;
    if !results
        .iter()
        .any(|r| r.content.0.has_judgments() || r.content.0.has_head_page())
    {
        return Err(AppError::NotFound);
    }
    serve(heads_doc(&state.eras, &city, &fy, &results)).await
}

/// One department on the heads' PDF.
fn head_of(sheet: &ResultsSheet) -> serde_json::Value {
    let goals: Vec<serde_json::Value> = sheet
        .numbered_goals()
        .into_iter()
        .map(|(n, g)| {
            let status = g
                .status_label
                .clone()
                .or(g.status.map(|s| s.label().to_owned()))
                .unwrap_or_default();
            serde_json::json!({ "number": n, "text": g.text, "status": status })
        })
        .collect();
    let summary: Vec<&str> = sheet
        .head
        .summary
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .collect();
    serde_json::json!({
        "name": sheet.department_name, "head": sheet.head.head_name,
        "kana": sheet.head.head_name_kana, "goals": goals,
        "basic_policy": sheet.head.basic_policy, "duties": sheet.head.duties,
        "summary": summary, "outside": sheet.outside,
    })
}

/// 部長目標 結果発表 as a PDF (A4 portrait).
pub fn heads_doc(
    eras: &Eras,
    city: &Municipality,
    fy: &FiscalYear,
    results: &[pubdb::PublishedResults],
) -> Doc {
    let year_label = eras.fiscal_year_label(fy.year);
    let dates = results.iter().map(|r| r.published_on);
    let first = dates.clone().min().unwrap_or_default();
    let last = dates.max().unwrap_or_default();
    let departments: Vec<serde_json::Value> =
        results.iter().map(|r| head_of(&r.content.0)).collect();
    let heading = format!("{year_label} 部長目標 結果発表");
    let data = serde_json::json!({
        "title": format!("{heading}（{}）", city.name),
        "city": city.name,
        "published": published_label(eras, first, last),
        "heading": heading,
        "about": city.about,
        "departments": departments,
    });
    Doc {
        template: Template::Heads,
        data,
        ident: format!("/{}/{}/heads.pdf", city.slug, fy.year),
        file: format!("{}-{}-heads.pdf", city.slug, fy.year),
    }
}

/// `GET /{city}/{year}/results/{department}.pdf`: the latest published results report.
pub async fn results(state: &AppState, city: &str, year: i32, slug: &str) -> Result<Response> {
    let (city, fy) = q::city_year(&state.pool, city, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let all = pubdb::latest_results(&state.pool, city.id, fy.id).await?;
    let r = all
        .iter()
        .find(|r| r.slug == slug)
        .ok_or(AppError::NotFound)?;
    let (_, versions) = pubdb::results_version(&state.pool, city.id, r.department_id, None).await?;
    let first = versions.first().map(|(_, d)| *d).unwrap_or(r.published_on);
    let dates = (first, r.published_on);
    serve(results_doc(
        &state.eras,
        &city,
        &fy,
        slug,
        &r.content.0,
        dates,
    ))
    .await
}

/// A department's results report as a PDF, published on `dates` (first, latest).
pub fn results_doc(
    eras: &Eras,
    city: &Municipality,
    fy: &FiscalYear,
    slug: &str,
    sheet: &ResultsSheet,
    (first, last): (NaiveDate, NaiveDate),
) -> Doc {
    let year_label = eras.fiscal_year_label(fy.year);
    let heading = format!("{} {year_label}の実績・成果", sheet.department_name);
    let cover = Cover {
        title: format!("{heading}（{}）", city.name),
        published: published_label(eras, first, last),
        city: city.name.clone(),
        layout: "results".to_owned(),
    };
    let context = format!("{} {year_label}{}", city.name, fy.tables_title);
    let part = crate::pdf::results_part(&heading, &context, sheet);
    Doc {
        template: Template::Year,
        data: crate::pdf::data_of(&cover, vec![part], None),
        ident: format!("/{}/{}/results/{slug}.pdf", city.slug, fy.year),
        file: format!("{}-{}-results-{slug}.pdf", city.slug, fy.year),
    }
}
