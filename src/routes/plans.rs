//! Multi-year plans for citizens: the plan's hierarchy (施策の体系) as a table of contents,
//! each item (取組項目) with its indicators' targets and actuals per year, and the progress of a
//! published year.

use crate::db::plans::{self, PlanData};
use crate::db::public as q;
use crate::domain::metric::Comparator;
use crate::domain::plan::{PlanValue, judge};
use crate::domain::summary::escape;
use crate::error::{AppError, Result};
use crate::routes::paths::CityPlanNumber;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::collections::HashMap;

pub use crate::domain::plan_view::{IndicatorView, ItemView, PlaceView, YearCell};

fn comparator_label(c: &str) -> &'static str {
    match c {
        "at_most" => "以下",
        "exactly" => "ちょうど",
        _ => "以上",
    }
}

fn value_of(value: Option<rust_decimal::Decimal>, word: Option<&String>) -> Option<PlanValue> {
    match (value, word) {
        (Some(v), _) => Some(PlanValue::Number(v)),
        (None, Some(w)) => Some(PlanValue::Word(w.clone())),
        _ => None,
    }
}

/// Builds the views of the items `only` selects (every item with None) from the plan's rows,
/// with lookups by key so the work grows with the plan, not its square.
pub fn items(data: &PlanData, eras: &crate::domain::era::Eras, only: Option<i32>) -> Vec<ItemView> {
    let views = Views {
        data,
        eras,
        node_of: data.nodes.iter().map(|n| (n.id, n)).collect(),
        target_of: data
            .targets
            .iter()
            .map(|t| ((t.indicator_id, t.year), t))
            .collect(),
        actual_of: data
            .actuals
            .iter()
            .map(|a| ((a.indicator_id, a.year), a))
            .collect(),
    };
    data.items
        .iter()
        .filter(|item| only.is_none_or(|n| n == item.number))
        .map(|item| views.item(item))
        .collect()
}

/// The plan's rows with lookups by key, to build item views from.
struct Views<'a> {
    data: &'a PlanData,
    eras: &'a crate::domain::era::Eras,
    node_of: HashMap<i64, &'a plans::NodeRow>,
    target_of: HashMap<(i64, i32), &'a plans::TargetRow>,
    actual_of: HashMap<(i64, i32), &'a plans::ActualRow>,
}

impl Views<'_> {
    fn item(&self, item: &plans::ItemRow) -> ItemView {
        let data = self.data;
        let mut places: Vec<PlaceView> = data
            .places
            .iter()
            .filter(|p| p.item_id == item.id)
            .map(|p| PlaceView {
                path: self.path(p.node_id),
                number: p.number,
                restated: p.restated,
            })
            .collect();
        places.sort_by_key(|p| (p.restated, p.number));
        let indicators = data
            .indicators
            .iter()
            .filter(|i| i.item_id == item.id)
            .map(|ind| self.indicator(ind))
            .collect();
        let notes = data
            .notes
            .iter()
            .filter(|n| n.item_id == item.id)
            .map(|n| (self.year_label(n.year), n.note.clone()))
            .collect();
        ItemView {
            id: item.id,
            number: item.number,
            title: item.title.clone(),
            content: item.content.clone(),
            sections: item.sections.clone(),
            places,
            indicators,
            notes,
        }
    }

    fn year_label(&self, year: i32) -> String {
        plan_year_label(self.eras, self.data.plan.first_year, year)
    }

    /// The titles of a node and its ancestors, top first, each with its level's name.
    fn path(&self, node_id: i64) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = self.node_of.get(&node_id).copied();
        while let Some(n) = at {
            let level = self
                .data
                .plan
                .level_names
                .get(n.depth as usize)
                .cloned()
                .unwrap_or_default();
            out.push(
                format!("{level} {}", titled(&n.label, &n.title))
                    .trim()
                    .to_owned(),
            );
            at = n.parent_id.and_then(|p| self.node_of.get(&p).copied());
        }
        out.reverse();
        out
    }

    fn indicator(&self, ind: &plans::IndicatorRow) -> IndicatorView {
        let comparator = Comparator::from_db(&ind.comparator).unwrap_or(Comparator::AtLeast);
        let plan = &self.data.plan;
        IndicatorView {
            id: ind.id,
            name: ind.name.clone(),
            unit: ind.unit.clone(),
            baseline: ind.baseline.clone(),
            comparator: comparator_label(&ind.comparator).to_owned(),
            years: (plan.first_year..=plan.last_year)
                .map(|year| self.year_cell(ind.id, comparator, year))
                .collect(),
        }
    }

    /// One year of an indicator: its target (as published, for a published year), revisions,
    /// actual and judgment.
    fn year_cell(&self, indicator: i64, comparator: Comparator, year: i32) -> YearCell {
        let published_at = self.data.year_state(year).and_then(|y| y.published_at);
        let written = self
            .data
            .target_at(indicator, year, published_at)
            .or_else(|| {
                self.target_of
                    .get(&(indicator, year))
                    .map(|t| t.written.clone())
            })
            .unwrap_or_default();
        let target = PlanValue::parse(&written);
        let actual = self.actual_of.get(&(indicator, year)).copied();
        let actual_value = actual.and_then(|a| value_of(a.value, a.word.as_ref()));
        YearCell {
            year,
            label: self.year_label(year),
            target: written,
            revisions: self.revisions(indicator, year, published_at),
            actual: actual_value.as_ref().map(PlanValue::display),
            judgment: judge(
                target.as_ref(),
                comparator,
                actual_value
                    .as_ref()
                    .map(|v| (v, actual.and_then(|a| a.achieved))),
            ),
        }
    }

    /// 「令和8年12月2日改定（公表後）：80 → 85」, oldest first.
    fn revisions(
        &self,
        indicator: i64,
        year: i32,
        published_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Vec<String> {
        self.data
            .revisions
            .iter()
            .filter(|r| r.indicator_id == indicator && r.year == year)
            .map(|r| {
                let on = self
                    .eras
                    .date_label(crate::domain::clock::in_japan(r.revised_at).date_naive());
                let after = if published_at.is_some_and(|p| r.revised_at > p) {
                    "（公表後）"
                } else {
                    ""
                };
                format!("{on}改定{after}：{} → {}", r.before, r.after)
            })
            .collect()
    }
}

/// 「1 市民が…」 (a space after a plain number), 「(1)窓口…」, 「①気持ち…」.
fn titled(label: &str, title: &str) -> String {
    if label.ends_with(|c: char| c.is_ascii_digit()) {
        format!("{label} {title}")
    } else {
        format!("{label}{title}")
    }
}

/// A plan year as the plan wrote it where the era changed after adoption: 「令和2年度（平成32年度）」.
pub fn plan_year_label(eras: &crate::domain::era::Eras, first_year: i32, year: i32) -> String {
    let now = eras.fiscal_year_label(year);
    let first = eras.fiscal_year_label(first_year);
    let era: String = first
        .chars()
        .take_while(|c| !c.is_ascii_digit() && *c != '元')
        .collect();
    let n: Option<i32> = if first.contains('元') {
        Some(1)
    } else {
        first
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .ok()
    };
    match n {
        Some(n) if !now.starts_with(&era) => format!("{now}（{era}{}年度）", n + year - first_year),
        _ => now,
    }
}

/// The hierarchy as nested lists (our own HTML, every text escaped), items under their nodes,
/// 再掲 places marked and linked to the one item.
pub fn toc_html(data: &PlanData, base: &str) -> String {
    fn node_html(data: &PlanData, base: &str, parent: Option<i64>, out: &mut String) {
        let children: Vec<&crate::db::plans::NodeRow> = data
            .nodes
            .iter()
            .filter(|n| n.parent_id == parent)
            .collect();
        if children.is_empty() {
            return;
        }
        out.push_str("<ol class=\"plan-tree\">");
        for n in children {
            let level = data
                .plan
                .level_names
                .get(n.depth as usize)
                .map(String::as_str)
                .unwrap_or("");
            out.push_str(&format!(
                "<li class=\"plan-node depth-{}\"><span class=\"level-name\">{}</span> <span class=\"node-title\">{}</span>",
                n.depth,
                escape(level),
                escape(&titled(&n.label, &n.title))
            ));
            let mut places: Vec<&crate::db::plans::PlaceRow> =
                data.places.iter().filter(|p| p.node_id == n.id).collect();
            places.sort_by_key(|p| p.number);
            if !places.is_empty() {
                out.push_str("<ul class=\"plan-items\">");
                for p in places {
                    if let Some(item) = data.items.iter().find(|i| i.id == p.item_id) {
                        out.push_str(&format!(
                            "<li><a href=\"{base}/items/{}\">{}-{} {}</a>{}</li>",
                            item.number,
                            escape(&data.plan.item_label),
                            p.number,
                            escape(&item.title),
                            if p.restated {
                                format!(
                                    " <span class=\"restated\">※再掲（{}-{}）</span>",
                                    escape(&data.plan.item_label),
                                    item.number
                                )
                            } else {
                                String::new()
                            }
                        ));
                    }
                }
                out.push_str("</ul>");
            }
            node_html(data, base, Some(n.id), out);
            out.push_str("</li>");
        }
        out.push_str("</ol>");
    }
    let mut out = String::new();
    node_html(data, base, None, &mut out);
    out
}

pub(crate) async fn city_plan(
    state: &AppState,
    city: &str,
    plan: &str,
) -> Result<(q::Municipality, PlanData)> {
    let city = q::municipality(&state.pool, city)
        .await?
        .ok_or(AppError::NotFound)?;
    // A plan not (or no longer) published is not there for citizens.
    let data = plans::load(&state.pool, city.id, plan, false)
        .await?
        .filter(|d| d.plan.published_at.is_some())
        .ok_or(AppError::NotFound)?;
    Ok((city, data))
}

fn period(state: &AppState, data: &PlanData) -> String {
    format!(
        "{}～{}（{}年間）",
        state.eras.fiscal_year_label(data.plan.first_year),
        plan_year_label(&state.eras, data.plan.first_year, data.plan.last_year),
        data.plan.last_year - data.plan.first_year + 1
    )
}

#[derive(Template)]
#[template(path = "public/plan.html")]
pub struct PlanPage {
    city: q::Municipality,
    data: PlanData,
    period: String,
    toc: String,
    published: Vec<(i32, String)>,
}

/// `GET /{city}/plans/{plan}`.
pub async fn show_plan(
    State(state): State<AppState>,
    Path((city, plan)): Path<(String, String)>,
) -> Result<Response> {
    let (city, data) = city_plan(&state, &city, &plan).await?;
    let base = format!("/{}/plans/{}", city.slug, data.plan.slug);
    let page = PlanPage {
        period: period(&state, &data),
        toc: toc_html(&data, &base),
        published: data
            .published_years
            .iter()
            .map(|y| (*y, state.eras.fiscal_year_label(*y)))
            .collect(),
        city,
        data,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "public/plan_item.html")]
pub struct PlanItemPage {
    city: q::Municipality,
    data: PlanData,
    item: ItemView,
    published: Vec<i32>,
}

impl PlanItemPage {
    fn shown(&self, year: &i32) -> bool {
        self.published.contains(year)
    }
}

/// `GET /{city}/plans/{plan}/items/{n}`; a 再掲 number leads to the item itself.
pub async fn show_plan_item(
    State(state): State<AppState>,
    CityPlanNumber { city, plan, number }: CityPlanNumber,
) -> Result<Response> {
    let (city, data) = city_plan(&state, &city, &plan).await?;
    let place = data
        .places
        .iter()
        .find(|p| p.number == number)
        .ok_or(AppError::NotFound)?;
    let item_id = place.item_id;
    let primary = data
        .items
        .iter()
        .find(|i| i.id == item_id)
        .ok_or(AppError::NotFound)?
        .number;
    if primary != number {
        return Ok(Redirect::permanent(&format!(
            "/{}/plans/{}/items/{primary}",
            city.slug, data.plan.slug
        ))
        .into_response());
    }
    let item = items(&data, &state.eras, Some(primary))
        .into_iter()
        .find(|i| i.id == item_id)
        .ok_or(AppError::NotFound)?;
    let page = PlanItemPage {
        published: data.published_years.clone(),
        city,
        data,
        item,
    };
    Ok(Html(page.render()?).into_response())
}

/// The items a year's progress lists (those with indicators), as published when frozen.
pub fn progress_items(data: &PlanData, eras: &crate::domain::era::Eras) -> Vec<ItemView> {
    items(data, eras, None)
        .into_iter()
        .filter(|i| !i.indicators.is_empty())
        .collect()
}
