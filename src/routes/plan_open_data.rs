//! Open data of a plan's published year: `/{city}/plans/{plan}/progress/{year}.json` and
//! `.csv` (UTF-8 with BOM, one row per indicator, formula guard): every item with its places,
//! indicators, the year's target, actual and judgment, and the item's status — as the year
//! was published (later revisions of the plan do not change it). CC BY 4.0.

use super::open_data::{LICENSE, LICENSE_URL, csv_cell};
use super::plans::progress_items;
use super::plans::{ItemView, plan_year_label};
use crate::db::plans::PlanData;
use crate::db::public as q;
use crate::state::AppState;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Serialize)]
pub struct PlanOpenData {
    pub schema: &'static str,
    pub license: &'static str,
    pub license_url: &'static str,
    pub municipality: super::open_data::OpenMunicipality,
    pub plan: String,
    pub plan_slug: String,
    pub fiscal_year: i32,
    pub fiscal_year_label: String,
    pub published_on: Option<chrono::NaiveDate>,
    pub url: String,
    pub items: Vec<OpenItem>,
}

#[derive(Serialize)]
pub struct OpenItem {
    pub number: i32,
    pub title: String,
    pub content: String,
    pub sections: Vec<String>,
    /// The places listing the item (the path of node names), its own first.
    pub places: Vec<String>,
    /// `achieved`, `partly_achieved`, `not_achieved`; null while undecided or without a target.
    pub status: Option<crate::domain::status::Status>,
    pub note: Option<String>,
    pub indicators: Vec<OpenIndicator>,
}

#[derive(Serialize)]
pub struct OpenIndicator {
    pub name: String,
    pub unit: String,
    pub baseline: Option<String>,
    /// 「以上」「以下」「ちょうど」.
    pub direction: String,
    pub target: String,
    pub actual: Option<String>,
    /// `met`, `not_met`, `no_target`, `pending`.
    pub judgment: &'static str,
}

fn judgment_code(j: crate::domain::plan::YearJudgment) -> &'static str {
    use crate::domain::plan::YearJudgment::*;
    match j {
        Met => "met",
        NotMet => "not_met",
        NoTarget => "no_target",
        Pending => "pending",
    }
}

pub fn open_data(
    state: &AppState,
    city: &q::Municipality,
    data: &PlanData,
    year: i32,
    frozen: Option<Vec<ItemView>>,
) -> PlanOpenData {
    let items = frozen.unwrap_or_else(|| progress_items(data, &state.eras));
    let label = plan_year_label(&state.eras, data.plan.first_year, year);
    PlanOpenData {
        schema: "mokuhyo-plan-progress/1",
        license: LICENSE,
        license_url: LICENSE_URL,
        municipality: super::open_data::OpenMunicipality {
            name: city.name.clone(),
            slug: city.slug.clone(),
            local_government_code: city.local_government_code.clone(),
        },
        plan: data.plan.name.clone(),
        plan_slug: data.plan.slug.clone(),
        fiscal_year: year,
        published_on: data.year_state(year).and_then(|y| y.published_on),
        url: format!("/{}/plans/{}/progress/{year}", city.slug, data.plan.slug),
        items: items
            .iter()
            .map(|i| OpenItem {
                number: i.number,
                title: i.title.clone(),
                content: i.content.clone(),
                sections: i.sections.clone(),
                places: i.places.iter().map(|p| p.path.join(" › ")).collect(),
                status: if i.has_target_in(year) {
                    i.status_in(year)
                } else {
                    None
                },
                note: i.notes.iter().find(|n| n.0 == label).map(|n| n.1.clone()),
                indicators: i
                    .indicators
                    .iter()
                    .filter_map(|x| {
                        let y = x.years.iter().find(|c| c.year == year)?;
                        Some(OpenIndicator {
                            name: x.name.clone(),
                            unit: x.unit.clone(),
                            baseline: x.baseline.clone(),
                            direction: x.comparator.clone(),
                            target: y.target.clone(),
                            actual: y.actual.clone(),
                            judgment: judgment_code(y.judgment),
                        })
                    })
                    .collect(),
            })
            .collect(),
        fiscal_year_label: label,
    }
}

/// The CSV: UTF-8 with BOM, CRLF, one indicator per row.
pub fn csv(d: &PlanOpenData) -> String {
    let mut out = String::from("\u{feff}");
    let header = [
        "自治体",
        "計画",
        "年度",
        "番号",
        "取組項目",
        "担当課",
        "取組項目の判定",
        "目標値等",
        "単位",
        "現状値",
        "達成の向き",
        "目標",
        "実績",
        "判定",
        "実績（取組）",
    ];
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for i in &d.items {
        let status = i.status.map(|s| s.label()).unwrap_or("");
        for x in &i.indicators {
            let cells = [
                d.municipality.name.as_str(),
                &d.plan,
                &d.fiscal_year_label,
                &format!("-{}", i.number),
                &i.title,
                &i.sections.join("・"),
                status,
                &x.name,
                &x.unit,
                x.baseline.as_deref().unwrap_or(""),
                &x.direction,
                &x.target,
                x.actual.as_deref().unwrap_or(""),
                x.judgment,
                i.note.as_deref().unwrap_or(""),
            ];
            out.push_str(
                &cells
                    .iter()
                    .map(|c| csv_cell(c))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            out.push_str("\r\n");
        }
    }
    out
}

pub fn response(d: &PlanOpenData, format: &str) -> Response {
    let (body, content_type) = match format {
        "json" => (
            serde_json::to_string_pretty(d).unwrap_or_default(),
            "application/json; charset=utf-8",
        ),
        _ => (csv(d), "text/csv; charset=utf-8"),
    };
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if format == "csv"
        && let Ok(v) = HeaderValue::from_str(&format!(
            "attachment; filename=\"{}-{}-{}.csv\"",
            d.municipality.slug, d.plan_slug, d.fiscal_year
        ))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
