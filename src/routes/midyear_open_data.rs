//! The published mid-year reports of a year as open data: `/{city}/{year}/midyear.json`
//! (schema `mokuhyo-midyear/1`, field names stable) and `.csv` (UTF-8 with BOM, one row per
//! initiative, formula guard), under the same licence as the year's targets.

use crate::db::midyear as mdb;
use crate::db::public as q;
use crate::error::{AppError, Result};
use crate::routes::open_data::{csv_cell, csv_table, file_response};
use crate::state::AppState;
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
pub struct OpenMidyear {
    pub schema: &'static str,
    pub license: &'static str,
    pub municipality: String,
    pub local_government_code: String,
    pub fiscal_year: i32,
    pub fiscal_year_label: String,
    pub departments: Vec<OpenMidyearDepartment>,
}

#[derive(Serialize)]
pub struct OpenMidyearDepartment {
    pub name: String,
    pub slug: String,
    pub url: String,
    pub version: i32,
    pub published_on: chrono::NaiveDate,
    /// 基準日.
    pub as_of: chrono::NaiveDate,
    pub progress_words: Vec<String>,
    /// The head's comment for the department.
    pub comment: String,
    pub goals: Vec<OpenMidyearGoal>,
}

#[derive(Serialize)]
pub struct OpenMidyearGoal {
    pub number: usize,
    pub text: String,
    pub comment: String,
    pub initiatives: Vec<OpenMidyearInitiative>,
}

#[derive(Serialize)]
pub struct OpenMidyearInitiative {
    pub number: usize,
    pub text: String,
    pub sections: Vec<String>,
    /// 上半期の取組状況.
    pub performance: Vec<String>,
    pub progress: Option<String>,
    /// 下期に向けた課題・対応.
    pub issues: Vec<String>,
}

fn document(
    state: &AppState,
    city: &q::Municipality,
    year: i32,
    reports: Vec<mdb::Published>,
) -> OpenMidyear {
    let departments = reports
        .into_iter()
        .map(|r| {
            let sheet = r.content.0;
            let goals = sheet
                .groups
                .into_iter()
                .flat_map(|g| g.goals)
                .enumerate()
                .map(|(gi, g)| OpenMidyearGoal {
                    number: gi + 1,
                    text: g.text,
                    comment: g.comment,
                    initiatives: g
                        .initiatives
                        .into_iter()
                        .enumerate()
                        .map(|(ii, i)| OpenMidyearInitiative {
                            number: ii + 1,
                            text: i.text,
                            sections: i.sections,
                            performance: i.performance,
                            progress: i.progress,
                            issues: i.issues,
                        })
                        .collect(),
                })
                .collect();
            OpenMidyearDepartment {
                url: format!("/{}/{year}/midyear/{}", city.slug, r.slug),
                name: sheet.department_name,
                slug: r.slug,
                version: r.version,
                published_on: r.published_on,
                as_of: sheet.as_of,
                progress_words: sheet.words,
                comment: sheet.comment,
                goals,
            }
        })
        .collect();
    OpenMidyear {
        schema: "mokuhyo-midyear/1",
        license: crate::routes::open_data::LICENSE,
        municipality: city.name.clone(),
        local_government_code: city.local_government_code.clone(),
        fiscal_year: year,
        fiscal_year_label: state.eras.fiscal_year_label(year),
        departments,
    }
}

const CSV_HEADER: [&str; 14] = [
    "団体コード",
    "自治体名",
    "年度",
    "基準日",
    "部",
    "組織目標番号",
    "組織目標",
    "部長コメント",
    "取組番号",
    "取組内容",
    "課等",
    "上半期の取組状況",
    "進捗状況",
    "下期に向けた課題・対応",
];

pub fn csv(data: &OpenMidyear) -> String {
    let rows = data.departments.iter().flat_map(|d| {
        d.goals.iter().flat_map(move |g| {
            g.initiatives.iter().map(move |i| {
                vec![
                    csv_cell(&data.local_government_code),
                    csv_cell(&data.municipality),
                    csv_cell(&data.fiscal_year_label),
                    d.as_of.to_string(),
                    csv_cell(&d.name),
                    g.number.to_string(),
                    csv_cell(&g.text),
                    csv_cell(&g.comment),
                    i.number.to_string(),
                    csv_cell(&i.text),
                    csv_cell(&i.sections.join(" ")),
                    csv_cell(&i.performance.join(" / ")),
                    csv_cell(i.progress.as_deref().unwrap_or("")),
                    csv_cell(&i.issues.join(" ")),
                ]
            })
        })
    });
    csv_table(&CSV_HEADER, rows)
}

/// `/{city}/{year}/midyear.json` and `.csv`.
pub async fn file(state: &AppState, city: &str, year: i32, format: &str) -> Result<Response> {
    let (city, fy) = q::city_year(&state.pool, city, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let reports = mdb::latest(&state.pool, city.id, fy.id).await?;
    if reports.is_empty() {
        return Err(AppError::NotFound);
    }
    let data = document(state, &city, year, reports);
    let body = if format == "json" {
        serde_json::to_string_pretty(&data).unwrap_or_default()
    } else {
        csv(&data)
    };
    let filename = format!("{}-{year}-midyear.{format}", city.slug);
    Ok(file_response(body, format, &filename))
}

/// `GET /{city}/{year}/midyear.json`.
pub async fn show_json(
    axum::extract::State(state): axum::extract::State<AppState>,
    crate::routes::paths::CityYear { city, year }: crate::routes::paths::CityYear,
) -> Result<Response> {
    file(&state, &city, year, "json").await
}

/// `GET /{city}/{year}/midyear.csv`.
pub async fn show_csv(
    axum::extract::State(state): axum::extract::State<AppState>,
    crate::routes::paths::CityYear { city, year }: crate::routes::paths::CityYear,
) -> Result<Response> {
    file(&state, &city, year, "csv").await
}
