//! The public pages citizens read: cities, a city's years, the year's booklet and each
//! department's target table.

use crate::db::public as q;
use crate::domain::numbering::circled;
use crate::error::{AppError, Result, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "public/index.html")]
pub struct IndexPage {
    cities: Vec<q::Municipality>,
}

/// `/`: every city hosted here.
pub async fn list_cities(State(state): State<AppState>) -> Result<Html<String>> {
    let cities = q::municipalities(&state.pool).await?;
    render(&IndexPage { cities })
}

/// A fiscal year as listed on a city's page.
pub struct YearLink {
    year: i32,
    label: String,
    title: String,
}

#[derive(Template)]
#[template(path = "public/city.html")]
pub struct CityPage {
    city: q::Municipality,
    years: Vec<YearLink>,
}

/// `/{city}`: the city's fiscal years, newest first.
pub async fn show_city(
    State(state): State<AppState>,
    Path(city): Path<String>,
) -> Result<Html<String>> {
    let city = q::municipality(&state.pool, &city)
        .await?
        .ok_or(AppError::NotFound)?;
    let years = q::fiscal_years(&state.pool, city.id)
        .await?
        .into_iter()
        .map(|fy| YearLink {
            year: fy.year,
            label: state.eras.fiscal_year_label(fy.year),
            title: fy.title,
        })
        .collect();
    render(&CityPage { city, years })
}

#[derive(Template)]
#[template(path = "public/booklet.html")]
pub struct BookletPage {
    city: q::Municipality,
    fy: q::FiscalYear,
    year_label: String,
    introduction: Vec<q::BookletSection>,
    pillars: Vec<q::Pillar>,
    departments: Vec<q::DepartmentSummary>,
}

/// `/{city}/{year}`: the year's booklet — title, contents, introduction and pillars.
pub async fn show_booklet(
    State(state): State<AppState>,
    Path((city, year)): Path<(String, String)>,
) -> Result<Html<String>> {
    let year = parse_year(&year)?;
    let (city, fy) = q::city_year(&state.pool, &city, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let (introduction, pillars, departments) = tokio::try_join!(
        q::booklet_sections(&state.pool, city.id, fy.id),
        q::pillars(&state.pool, city.id, fy.policy_id),
        q::departments(&state.pool, city.id, fy.id),
    )?;
    let year_label = state.eras.fiscal_year_label(fy.year);
    render(&BookletPage {
        city,
        fy,
        year_label,
        introduction,
        pillars,
        departments,
    })
}

/// A pillar heading above a group of goals, e.g. 「(1) 市民から信頼され…」.
pub struct PillarHeading {
    number: i32,
    title: String,
}

/// Consecutive goals under the same pillar headings: one table in the document.
pub struct GoalGroup {
    pillars: Vec<PillarHeading>,
    goals: Vec<GoalView>,
}

pub struct GoalView {
    id: i64,
    text: String,
    initiatives: Vec<InitiativeView>,
}

pub struct InitiativeView {
    id: i64,
    number: String,
    text: String,
    sections: Vec<String>,
    criteria: Vec<String>,
}

#[derive(Template)]
#[template(path = "public/department.html")]
pub struct DepartmentPage {
    city: q::Municipality,
    fy: q::FiscalYear,
    year_label: String,
    department: q::DepartmentSummary,
    groups: Vec<GoalGroup>,
    previous: Option<q::DepartmentSummary>,
    next: Option<q::DepartmentSummary>,
}

/// `/{city}/{year}/departments/{department}`: the department's target table, as printed.
pub async fn show_department(
    State(state): State<AppState>,
    Path((city, year, department)): Path<(String, String, String)>,
) -> Result<Html<String>> {
    let year = parse_year(&year)?;
    let (city, fy) = q::city_year(&state.pool, &city, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let (departments, pillars) = tokio::try_join!(
        q::departments(&state.pool, city.id, fy.id),
        q::pillars(&state.pool, city.id, fy.policy_id),
    )?;
    let index = departments
        .iter()
        .position(|d| d.slug == department)
        .ok_or(AppError::NotFound)?;
    let dept = &departments[index];
    let (goals, initiatives, criteria) = tokio::try_join!(
        q::goals(&state.pool, city.id, dept.id),
        q::initiatives(&state.pool, city.id, dept.id),
        q::criteria(&state.pool, city.id, dept.id),
    )?;
    let groups = assemble(&pillars, goals, initiatives, criteria);
    let previous = index.checked_sub(1).map(|i| departments[i].clone());
    let next = departments.get(index + 1).cloned();
    let department = dept.clone();
    let year_label = state.eras.fiscal_year_label(fy.year);
    render(&DepartmentPage {
        city,
        fy,
        year_label,
        department,
        groups,
        previous,
        next,
    })
}

/// Nests the department's rows (each level fetched in one query) into the document's
/// layout: consecutive goals sharing the same pillars form one group.
fn assemble(
    pillars: &[q::Pillar],
    goals: Vec<q::GoalRow>,
    initiatives: Vec<q::InitiativeRow>,
    criteria: Vec<q::CriterionRow>,
) -> Vec<GoalGroup> {
    let mut criteria_of: HashMap<i64, Vec<String>> = HashMap::new();
    for c in criteria {
        criteria_of.entry(c.initiative_id).or_default().push(c.text);
    }
    let mut initiatives_of: HashMap<i64, Vec<InitiativeView>> = HashMap::new();
    for i in initiatives {
        let list = initiatives_of.entry(i.goal_id).or_default();
        list.push(InitiativeView {
            id: i.id,
            number: circled(list.len() + 1),
            text: i.text,
            sections: i.sections,
            criteria: criteria_of.remove(&i.id).unwrap_or_default(),
        });
    }
    let mut groups: Vec<(Vec<i64>, GoalGroup)> = Vec::new();
    for g in goals {
        let view = GoalView {
            id: g.id,
            text: g.text,
            initiatives: initiatives_of.remove(&g.id).unwrap_or_default(),
        };
        match groups.last_mut() {
            Some((ids, group)) if *ids == g.pillar_ids => group.goals.push(view),
            _ => {
                let headings = g
                    .pillar_ids
                    .iter()
                    .filter_map(|id| pillars.iter().find(|p| p.id == *id))
                    .map(|p| PillarHeading {
                        number: p.number,
                        title: p.title.clone(),
                    })
                    .collect();
                groups.push((
                    g.pillar_ids,
                    GoalGroup {
                        pillars: headings,
                        goals: vec![view],
                    },
                ));
            }
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
}

/// A western year in a URL; anything else is a page that does not exist.
fn parse_year(s: &str) -> Result<i32> {
    match s.parse::<i32>() {
        Ok(y) if (1900..=2200).contains(&y) && s.len() == 4 => Ok(y),
        _ => Err(AppError::NotFound),
    }
}
