//! A plan year's progress for citizens (a published year, as published) and for planning
//! staff's preview: every item with indicators, its targets, actuals and judgment, and counts.

use super::plans::{ItemView, city_plan, plan_year_label, progress_items};
use crate::db::plan_years;
use crate::db::plans::PlanData;
use crate::db::public as q;
use crate::domain::status::Status;
use crate::error::{AppError, Result};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};

#[derive(Template)]
#[template(path = "public/plan_progress.html")]
pub struct PlanProgressPage {
    city: q::Municipality,
    data: PlanData,
    year: i32,
    year_label: String,
    items: Vec<ItemView>,
    /// (status label, symbol, count), then undecided.
    counts: Vec<(&'static str, &'static str, usize)>,
    undecided: usize,
    /// Items with indicators but no target this year (all 「—」).
    without_target: usize,
    /// 「令和元年6月28日」 once published.
    published_on: Option<String>,
    /// 「PDF版（A4横・80 KB）」 once published.
    pdf_label: String,
}

impl PlanProgressPage {
    /// The PDF of a published year.
    fn pdf_doc(&self, eras: &crate::domain::era::Eras) -> Option<crate::pdf::Doc> {
        let published_on = self.data.year_state(self.year)?.published_on?;
        let plan = &self.data.plan;
        let year = crate::routes::pdf_reports::PlanYear {
            city: &self.city,
            plan_slug: &plan.slug,
            plan_name: &plan.name,
            item_label: &plan.item_label,
            year: self.year,
            year_label: &self.year_label,
            items: &self.items,
            published_on,
        };
        Some(crate::routes::pdf_reports::plan_year_doc(eras, &year))
    }
}

/// `GET /{city}/plans/{plan}/progress/{year}`: only a published year.
pub async fn show_plan_progress(
    State(state): State<AppState>,
    Path((city, plan, year)): Path<(String, String, String)>,
) -> Result<Response> {
    let (year, format) = match year.rsplit_once('.') {
        Some((y, f)) if ["json", "csv", "pdf"].contains(&f) => (y.to_owned(), Some(f.to_owned())),
        _ => (year, None),
    };
    let year = crate::routes::public::parse_year(&year)?;
    let (city, data) = city_plan(&state, &city, &plan).await?;
    if !data.published_years.contains(&year) {
        return Err(AppError::NotFound);
    }
    let frozen = plan_years::published_items(&state.pool, city.id, data.plan.id, year).await?;
    if let Some(format) = format.as_deref().filter(|f| *f != "pdf") {
        let d = crate::routes::plan_open_data::open_data(&state, &city, &data, year, frozen);
        return Ok(crate::routes::plan_open_data::response(&d, format));
    }
    let pdf = format.is_some();
    let mut page = progress_page(&state, city, data, year, frozen);
    let doc = page.pdf_doc(&state.eras).ok_or(AppError::NotFound)?;
    if pdf {
        return crate::routes::pdf::serve(doc).await;
    }
    page.pdf_label = crate::pdf::link_label(doc, "A4横").await;
    Ok(Html(page.render()?).into_response())
}

/// The progress of `year` (also the staff preview before publishing); a published year is
/// shown `frozen` as it was published.
pub fn progress_page(
    state: &AppState,
    city: q::Municipality,
    data: PlanData,
    year: i32,
    frozen: Option<Vec<ItemView>>,
) -> PlanProgressPage {
    let items = frozen.unwrap_or_else(|| progress_items(&data, &state.eras));
    let judged: Vec<&ItemView> = items.iter().filter(|i| i.has_target_in(year)).collect();
    let statuses: Vec<Option<Status>> = judged.iter().map(|i| i.status_in(year)).collect();
    let counts = [
        Status::Achieved,
        Status::PartlyAchieved,
        Status::NotAchieved,
    ]
    .into_iter()
    .map(|s| {
        (
            s.label(),
            s.symbol(),
            statuses.iter().filter(|x| **x == Some(s)).count(),
        )
    })
    .collect();
    PlanProgressPage {
        published_on: data
            .year_state(year)
            .and_then(|y| y.published_on)
            .map(|d| state.eras.date_label(d)),
        pdf_label: String::new(),
        undecided: statuses.iter().filter(|x| x.is_none()).count(),
        without_target: items.len() - judged.len(),
        year_label: plan_year_label(&state.eras, data.plan.first_year, year),
        city,
        data,
        year,
        items,
        counts,
    }
}
