//! Open data of a published year: `/{city}/{year}.json` (documented at `/open-data`, stable
//! field names) and `.csv` (UTF-8 with BOM, one row per criterion, formula guard), with the
//! published results where they exist. CC BY 4.0.

use crate::db::public as q;
use crate::db::publication::{self as pubdb, PublishedSheet};
use crate::domain::sheet::{InitiativeView, ResultsInitiative};
use crate::domain::status::Status;
use crate::error::{AppError, Result, render};
use crate::state::AppState;
use askama::Template;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use std::collections::HashMap;

/// The license published data is offered under.
pub const LICENSE: &str = "CC BY 4.0";
pub const LICENSE_URL: &str = "https://creativecommons.org/licenses/by/4.0/deed.ja";

#[derive(Template)]
#[template(path = "public/open_data.html")]
pub struct OpenDataPage {
    license: &'static str,
    license_url: &'static str,
}

/// `/open-data`: what the JSON and CSV hold, field by field.
pub async fn show_open_data_schema() -> Result<Html<String>> {
    render(&OpenDataPage {
        license: LICENSE,
        license_url: LICENSE_URL,
    })
}

/// The open-data document of a published year (`/{city}/{year}.json`). Field names are stable.
#[derive(Serialize)]
pub struct OpenData {
    pub schema: &'static str,
    pub license: &'static str,
    pub license_url: &'static str,
    pub municipality: OpenMunicipality,
    pub fiscal_year: i32,
    pub fiscal_year_label: String,
    pub title: String,
    /// The whole year as one PDF (`/{city}/{year}.pdf`).
    pub pdf_url: String,
    pub pillars: Vec<OpenPillar>,
    pub departments: Vec<OpenDepartment>,
}

#[derive(Serialize)]
pub struct OpenMunicipality {
    pub name: String,
    pub slug: String,
    pub local_government_code: String,
}

#[derive(Serialize)]
pub struct OpenPillar {
    pub number: i32,
    pub title: String,
    pub viewpoint: Vec<String>,
}

#[derive(Serialize)]
pub struct OpenDepartment {
    pub name: String,
    pub slug: String,
    pub version: i32,
    pub published_on: chrono::NaiveDate,
    pub url: String,
    /// The latest version as a PDF.
    pub pdf_url: String,
    /// The published results' version and date, when the year-end results are published.
    pub results_version: Option<i32>,
    pub results_published_on: Option<chrono::NaiveDate>,
    /// The head's 前年度の振り返り, published with the targets ("" when none).
    pub review: String,
    pub goals: Vec<OpenGoal>,
}

#[derive(Serialize)]
pub struct OpenGoal {
    pub number: usize,
    pub text: String,
    pub pillars: Vec<i32>,
    /// The published status (`achieved`, …), once results are published.
    pub status: Option<crate::domain::status::Status>,
    pub initiatives: Vec<OpenInitiative>,
    /// 計画・方針等の分類 (deployment-table cities), else null.
    pub category: Option<String>,
    /// Carried from the year before (「前年度から継続」).
    pub carried: bool,
}

#[derive(Serialize)]
pub struct OpenInitiative {
    pub number: usize,
    pub text: String,
    pub sections: Vec<String>,
    pub criteria: Vec<OpenCriterion>,
    /// The published status, 実績 items and 成果 paragraphs, once results are published.
    pub status: Option<crate::domain::status::Status>,
    pub performance: Vec<String>,
    pub outcome: Vec<String>,
    /// いつまで (deployment-table cities), else null.
    pub deadline: Option<String>,
}

#[derive(Serialize)]
pub struct OpenCriterion {
    pub text: String,
    /// The target as a plain number (no separators), when the criterion states one.
    pub target_value: Option<String>,
    pub unit: Option<String>,
    /// `at_least`, `at_most` or `exactly`.
    pub comparator: Option<String>,
}

fn open_data(
    city: &q::Municipality,
    fy: &q::FiscalYear,
    label: String,
    pillars: Vec<q::Pillar>,
    sheets: Vec<PublishedSheet>,
    results: Vec<pubdb::PublishedResults>,
) -> OpenData {
    let published = Results::of(results);
    let departments = sheets
        .into_iter()
        .map(|s| {
            let url = format!("/{}/{}/departments/{}", city.slug, fy.year, s.slug);
            let results = published.versions.get(&s.department_id);
            let sheet = s.content.0;
            OpenDepartment {
                goals: published.goals(&sheet),
                name: sheet.department_name,
                slug: s.slug,
                version: s.version,
                published_on: s.published_on,
                pdf_url: format!("{url}.pdf"),
                url,
                results_version: results.map(|r| r.0),
                results_published_on: results.map(|r| r.1),
                review: sheet.review.clone(),
            }
        })
        .collect();
    OpenData {
        schema: "mokuhyo-targets/1",
        license: LICENSE,
        license_url: LICENSE_URL,
        municipality: OpenMunicipality {
            name: city.name.clone(),
            slug: city.slug.clone(),
            local_government_code: city.local_government_code.clone(),
        },
        fiscal_year: fy.year,
        fiscal_year_label: label,
        pdf_url: format!("/{}/{}.pdf", city.slug, fy.year),
        title: fy.title.clone(),
        pillars: pillars
            .into_iter()
            .map(|p| OpenPillar {
                number: p.number,
                title: p.title,
                viewpoint: p.viewpoint,
            })
            .collect(),
        departments,
    }
}

/// The year's published results, by goal, initiative and department.
struct Results {
    goal_status: HashMap<i64, Status>,
    initiatives: HashMap<i64, ResultsInitiative>,
    /// (version, published on) of each department's results.
    versions: HashMap<i64, (i32, chrono::NaiveDate)>,
}

impl Results {
    fn of(results: Vec<pubdb::PublishedResults>) -> Self {
        let mut out = Results {
            goal_status: HashMap::new(),
            initiatives: HashMap::new(),
            versions: HashMap::new(),
        };
        for r in results {
            out.versions
                .insert(r.department_id, (r.version, r.published_on));
            for goal in r.content.0.groups.into_iter().flat_map(|g| g.goals) {
                if let Some(st) = goal.status {
                    out.goal_status.insert(goal.id, st);
                }
                for i in goal.initiatives {
                    out.initiatives.insert(i.id, i);
                }
            }
        }
        out
    }

    /// A sheet's goals numbered 1, 2, … across its pillar groups, with their results.
    fn goals(&self, sheet: &crate::domain::sheet::TargetSheet) -> Vec<OpenGoal> {
        sheet
            .groups
            .iter()
            .flat_map(|g| g.goals.iter().map(move |goal| (g, goal)))
            .enumerate()
            .map(|(gi, (g, goal))| OpenGoal {
                number: gi + 1,
                text: goal.text.clone(),
                pillars: g.pillars.iter().map(|p| p.number).collect(),
                status: self.goal_status.get(&goal.id).copied(),
                category: goal.category.clone(),
                carried: goal.carried,
                initiatives: goal
                    .initiatives
                    .iter()
                    .enumerate()
                    .map(|(ii, i)| self.initiative(ii + 1, i))
                    .collect(),
            })
            .collect()
    }

    fn initiative(&self, number: usize, i: &InitiativeView) -> OpenInitiative {
        let result = self.initiatives.get(&i.id);
        OpenInitiative {
            number,
            text: i.text.clone(),
            sections: i.sections.clone(),
            deadline: i.deadline.clone(),
            status: result.and_then(|r| r.status),
            performance: result.map(|r| r.performance.clone()).unwrap_or_default(),
            outcome: result.map(|r| r.outcome.clone()).unwrap_or_default(),
            criteria: i
                .criteria
                .iter()
                .enumerate()
                .map(|(ci, c)| {
                    let t = i.targets.get(ci).cloned().flatten();
                    OpenCriterion {
                        text: c.clone(),
                        target_value: t.as_ref().map(|t| t.value.clone()),
                        unit: t.as_ref().map(|t| t.unit.clone()),
                        comparator: t.map(|t| t.comparator),
                    }
                })
                .collect(),
        }
    }
}

/// Neutralizes a text cell that a spreadsheet would read as a formula, and quotes it.
pub fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The CSV of open data: UTF-8 with BOM, CRLF, one criterion per row (an initiative without
/// criteria still has its row), no merged cells, ISO dates, plain numbers.
/// The CSV's columns, one row per criterion (an initiative without one still gets its row).
const CSV_HEADER: [&str; 23] = [
    "団体コード",
    "自治体名",
    "年度",
    "年度（和暦）",
    "部",
    "公表日",
    "版",
    "組織目標番号",
    "組織目標",
    "柱",
    "取組番号",
    "取組内容",
    "課等",
    "目標達成基準番号",
    "目標達成基準",
    "目標値",
    "単位",
    "比較",
    "判定（取組内容）",
    "実績",
    "成果",
    "分類",
    "いつまで",
];

/// A CSV file as Excel in Japan opens it: a byte-order mark, the header, CRLF rows (cells
/// already neutralized with [`csv_cell`]).
pub fn csv_table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in rows {
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// An open-data file's response: JSON, or CSV offered as a download named `filename`.
pub fn file_response(body: String, format: &str, filename: &str) -> Response {
    let content_type = if format == "json" {
        "application/json; charset=utf-8"
    } else {
        "text/csv; charset=utf-8"
    };
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let disposition = format!("attachment; filename=\"{filename}\"");
    if format == "csv"
        && let Ok(v) = HeaderValue::from_str(&disposition)
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

pub fn csv(data: &OpenData) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&CSV_HEADER.join(","));
    out.push_str("\r\n");
    for d in &data.departments {
        for g in &d.goals {
            for i in &g.initiatives {
                let rows: Vec<Option<(usize, &OpenCriterion)>> = if i.criteria.is_empty() {
                    vec![None]
                } else {
                    i.criteria
                        .iter()
                        .enumerate()
                        .map(|(n, c)| Some((n + 1, c)))
                        .collect()
                };
                for row in rows {
                    out.push_str(&csv_row(data, d, g, i, row).join(","));
                    out.push_str("\r\n");
                }
            }
        }
    }
    out
}

/// One CSV row: the department, goal and initiative, and one criterion (or none).
fn csv_row(
    data: &OpenData,
    d: &OpenDepartment,
    g: &OpenGoal,
    i: &OpenInitiative,
    criterion: Option<(usize, &OpenCriterion)>,
) -> [String; 23] {
    let (cn, ctext, value, unit, cmp) = match criterion {
        Some((n, c)) => (
            n.to_string(),
            c.text.as_str(),
            c.target_value.clone().unwrap_or_default(),
            c.unit.clone().unwrap_or_default(),
            c.comparator.clone().unwrap_or_default(),
        ),
        None => (
            String::new(),
            "",
            String::new(),
            String::new(),
            String::new(),
        ),
    };
    let pillars: Vec<String> = g.pillars.iter().map(|p| p.to_string()).collect();
    [
        csv_cell(&data.municipality.local_government_code),
        csv_cell(&data.municipality.name),
        data.fiscal_year.to_string(),
        csv_cell(&data.fiscal_year_label),
        csv_cell(&d.name),
        d.published_on.to_string(),
        d.version.to_string(),
        g.number.to_string(),
        csv_cell(&g.text),
        csv_cell(&pillars.join(" ")),
        i.number.to_string(),
        csv_cell(&i.text),
        csv_cell(&i.sections.join(" ")),
        cn,
        csv_cell(ctext),
        value,
        csv_cell(&unit),
        cmp,
        i.status.map(|st| st.label().to_owned()).unwrap_or_default(),
        csv_cell(&i.performance.join(" / ")),
        csv_cell(&i.outcome.join(" ")),
        csv_cell(g.category.as_deref().unwrap_or("")),
        csv_cell(i.deadline.as_deref().unwrap_or("")),
    ]
}

/// `/{city}/{year}.json` and `.csv`.
pub async fn open_data_file(
    state: &AppState,
    city: &str,
    year: i32,
    format: &str,
) -> Result<Response> {
    let (city, fy) = q::city_year(&state.pool, city, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let (pillars, sheets, results) = tokio::try_join!(
        q::pillars(&state.pool, city.id, fy.policy_id),
        pubdb::latest_sheets(&state.pool, city.id, Some(year)),
        pubdb::latest_results(&state.pool, city.id, fy.id),
    )?;
    if sheets.is_empty() {
        return Err(AppError::NotFound);
    }
    let data = open_data(
        &city,
        &fy,
        state.eras.fiscal_year_label(year),
        pillars,
        sheets,
        results,
    );
    let body = match format {
        "json" => serde_json::to_string_pretty(&data).unwrap_or_default(),
        _ => csv(&data),
    };
    let filename = format!("{}-{}-targets.{format}", city.slug, year);
    Ok(file_response(body, format, &filename))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_neutralized_and_quoted() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("+81"), "'+81");
        assert_eq!(csv_cell("-3"), "'-3");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("防災"), "防災");
    }
}
