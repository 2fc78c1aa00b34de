//! What citizens do with published content beyond reading it: every goal under one pillar,
//! and search. Everything here reads the latest publications only. Open data is in
//! `open_data.rs`.

use crate::db::public as q;
use crate::db::publication as pubdb;
use crate::domain::sheet::{GoalGroup, PillarHeading, ResultsSheet, TargetSheet};
use crate::domain::status::Status;
use crate::error::{AppError, Result, render};
use crate::routes::paths::CityYearNumber;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::Deserialize;
use sqlx::types::Json;
use std::collections::HashMap;

/// A department's goals under the pillar.
pub struct PillarDepartment {
    name: String,
    slug: String,
    group: GoalGroup,
}

#[derive(Template)]
#[template(path = "public/pillar.html")]
pub struct PillarPage {
    city: q::Municipality,
    fy: q::FiscalYear,
    year_label: String,
    pillar: q::Pillar,
    departments: Vec<PillarDepartment>,
}

/// `/{city}/{year}/pillars/{number}`: every published goal of the year under one pillar.
pub async fn show_pillar(
    State(state): State<AppState>,
    CityYearNumber { city, year, number }: CityYearNumber,
) -> Result<Html<String>> {
    let (city, fy) = q::city_year(&state.pool, &city, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let (pillars, sheets) = tokio::try_join!(
        q::pillars(&state.pool, city.id, fy.policy_id),
        pubdb::latest_sheets(&state.pool, city.id, Some(year)),
    )?;
    if sheets.is_empty() {
        return Err(AppError::NotFound);
    }
    let pillar = pillars
        .into_iter()
        .find(|p| p.number == number)
        .ok_or(AppError::NotFound)?;
    let departments = sheets
        .into_iter()
        .filter_map(|s| {
            let TargetSheet {
                department_name,
                groups,
                ..
            } = s.content.0;
            let goals: Vec<_> = groups
                .into_iter()
                .filter(|g| g.pillars.iter().any(|p| p.number == number))
                .flat_map(|g| g.goals)
                .collect();
            let heading = vec![crate::domain::sheet::PillarHeading {
                number,
                title: pillar.title.clone(),
            }];
            (!goals.is_empty()).then_some(PillarDepartment {
                name: department_name,
                slug: s.slug,
                group: GoalGroup {
                    pillars: heading,
                    goals,
                },
            })
        })
        .collect();
    render(&PillarPage {
        year_label: state.eras.fiscal_year_label(fy.year),
        city,
        fy,
        pillar,
        departments,
    })
}

/// The search form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    pillar: String,
    /// `achieved`, `partly_achieved`, …: only rows of initiatives (or goals) judged so.
    #[serde(default)]
    status: String,
}

/// A piece of a result's text, marked where it matches.
pub struct Piece {
    text: String,
    hit: bool,
}

/// One row found.
pub struct Hit {
    year_label: String,
    department: String,
    kind: &'static str,
    pieces: Vec<Piece>,
    url: String,
}

#[derive(Template)]
#[template(path = "public/search.html")]
pub struct SearchPage {
    city: q::Municipality,
    query: SearchQuery,
    years: Vec<(i32, String)>,
    departments: Vec<(String, String)>,
    pillars: Vec<(i32, String)>,
    statuses: [crate::domain::status::Status; 6],
    hits: Vec<Hit>,
    searched: bool,
}

/// Splits `text` into pieces around every occurrence of `needle` (case-insensitive for
/// Latin letters; Japanese text matches as written, any two characters and up).
fn pieces(text: &str, needle: &str) -> Option<Vec<Piece>> {
    let hay = text.to_lowercase();
    let needle = needle.to_lowercase();
    // Lower-casing can change byte lengths only for scripts we do not expect; fall back to
    // an exact match when it does.
    let (hay, text_ref): (&str, &str) = if hay.len() == text.len() {
        (&hay, text)
    } else {
        (text, text)
    };
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = hay[at..].find(&needle) {
        let start = at + i;
        if start > at {
            out.push(Piece {
                text: text_ref[at..start].to_owned(),
                hit: false,
            });
        }
        out.push(Piece {
            text: text_ref[start..start + needle.len()].to_owned(),
            hit: true,
        });
        at = start + needle.len();
    }
    if out.is_empty() {
        return None;
    }
    if at < text_ref.len() {
        out.push(Piece {
            text: text_ref[at..].to_owned(),
            hit: false,
        });
    }
    Some(out)
}

/// `/{city}/search?q=防災&year=2026&department=…&pillar=4`: published goals, initiatives and
/// criteria containing the words, each linking to its row.
pub async fn search(
    State(state): State<AppState>,
    Path(city): Path<String>,
    Query(query): Query<SearchQuery>,
) -> Result<Html<String>> {
    let city = q::municipality(&state.pool, &city)
        .await?
        .ok_or(AppError::NotFound)?;
    let (sheets, results) = tokio::try_join!(
        pubdb::latest_sheets(&state.pool, city.id, None),
        pubdb::latest_results_of_city(&state.pool, city.id)
    )?;
    if sheets.is_empty() && results.is_empty() {
        return Err(AppError::NotFound);
    }
    let (years, departments, pillars) = choices(&state, &sheets, &results);
    let filter = Filter {
        words: query.q.trim().to_owned(),
        year: query.year.parse().ok(),
        pillar: query.pillar.parse().ok(),
        department: query.department.clone(),
        status: Status::from_db(&query.status),
        status_of: published_statuses(&results),
    };
    let searched = !filter.words.is_empty();
    let mut hits = Vec::new();
    if searched {
        hits = target_hits(&state, &city.slug, &sheets, &filter);
        hits.extend(results_hits(&state, &city.slug, &results, &filter));
    }
    render(&SearchPage {
        city,
        query,
        years,
        departments,
        pillars,
        statuses: Status::ALL,
        hits,
        searched,
    })
}

/// A department's published results: (year, department slug, the sheet).
type PublishedResults = (i32, String, Json<ResultsSheet>);

/// The published statuses, by goal and initiative id.
fn published_statuses(results: &[PublishedResults]) -> HashMap<i64, Status> {
    let mut status_of = HashMap::new();
    for (_, _, r) in results {
        for goal in r.0.groups.iter().flat_map(|g| &g.goals) {
            if let Some(st) = goal.status {
                status_of.insert(goal.id, st);
            }
            for i in &goal.initiatives {
                if let Some(st) = i.status {
                    status_of.insert(i.id, st);
                }
            }
        }
    }
    status_of
}

/// Year, department and pillar choices of the form: what is published (a year or department
/// whose results alone are published is offered too).
#[allow(clippy::type_complexity)]
fn choices(
    state: &AppState,
    sheets: &[pubdb::PublishedSheet],
    results: &[PublishedResults],
) -> (
    Vec<(i32, String)>,
    Vec<(String, String)>,
    Vec<(i32, String)>,
) {
    let mut years: Vec<(i32, String)> = Vec::new();
    let mut departments: Vec<(String, String)> = Vec::new();
    let mut pillars: Vec<(i32, String)> = Vec::new();
    let names = sheets
        .iter()
        .map(|s| (s.year, &s.slug, &s.content.0.department_name))
        .chain(
            results
                .iter()
                .map(|(y, slug, r)| (*y, slug, &r.0.department_name)),
        );
    for (year, slug, name) in names {
        if !years.iter().any(|(y, _)| *y == year) {
            years.push((year, state.eras.fiscal_year_label(year)));
        }
        if !departments.iter().any(|(s, _)| s == slug) {
            departments.push((slug.clone(), name.clone()));
        }
    }
    for p in sheets
        .iter()
        .flat_map(|s| s.content.0.groups.iter().flat_map(|g| &g.pillars))
    {
        if !pillars.iter().any(|(n, _)| *n == p.number) {
            pillars.push((p.number, format!("({}) {}", p.number, p.title)));
        }
    }
    years.sort_by_key(|(y, _)| std::cmp::Reverse(*y));
    pillars.sort();
    (years, departments, pillars)
}

/// What the search asks for.
struct Filter {
    words: String,
    year: Option<i32>,
    pillar: Option<i32>,
    department: String,
    status: Option<Status>,
    status_of: HashMap<i64, Status>,
}

impl Filter {
    fn sheet(&self, year: i32, slug: &str) -> bool {
        self.year.is_none_or(|y| year == y)
            && (self.department.is_empty() || slug == self.department)
    }
    fn pillars(&self, pillars: &[PillarHeading]) -> bool {
        self.pillar
            .is_none_or(|n| pillars.iter().any(|p| p.number == n))
    }
    fn status(&self, id: i64) -> bool {
        self.status
            .is_none_or(|w| self.status_of.get(&id) == Some(&w))
    }
}

/// Goals, initiatives and criteria of the published targets that contain the words.
fn target_hits(
    state: &AppState,
    city: &str,
    sheets: &[pubdb::PublishedSheet],
    filter: &Filter,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    for s in sheets.iter().filter(|s| filter.sheet(s.year, &s.slug)) {
        let base = format!("/{city}/{}/departments/{}", s.year, s.slug);
        let year_label = state.eras.fiscal_year_label(s.year);
        let department = &s.content.0.department_name;
        let mut push = |kind, text: &str, anchor: String| {
            if let Some(pieces) = pieces(text, &filter.words) {
                hits.push(Hit {
                    year_label: year_label.clone(),
                    department: department.clone(),
                    kind,
                    pieces,
                    url: format!("{base}#{anchor}"),
                });
            }
        };
        let groups = s
            .content
            .0
            .groups
            .iter()
            .filter(|g| filter.pillars(&g.pillars));
        for goal in groups.flat_map(|g| &g.goals) {
            if filter.status(goal.id) {
                push("組織目標", &goal.text, format!("goal-{}", goal.id));
            }
            for i in goal.initiatives.iter().filter(|i| filter.status(i.id)) {
                let anchor = format!("initiative-{}", i.id);
                push(
                    "取組内容",
                    &format!("{}{}", i.number, i.text),
                    anchor.clone(),
                );
                for c in &i.criteria {
                    push("目標達成基準", c, anchor.clone());
                }
            }
        }
    }
    hits
}

/// 実績 and 成果 of the published results that contain the words.
fn results_hits(
    state: &AppState,
    city: &str,
    results: &[PublishedResults],
    filter: &Filter,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (year, slug, r) in results.iter().filter(|(y, slug, _)| filter.sheet(*y, slug)) {
        let base = format!("/{city}/{year}/results/{slug}");
        let year_label = state.eras.fiscal_year_label(*year);
        let groups = r.0.groups.iter().filter(|g| filter.pillars(&g.pillars));
        let initiatives = groups
            .flat_map(|g| &g.goals)
            .flat_map(|g| &g.initiatives)
            .filter(|i| filter.status(i.id));
        for i in initiatives {
            for (kind, texts) in [("実績", &i.performance), ("成果", &i.outcome)] {
                for pieces in texts.iter().filter_map(|t| pieces(t, &filter.words)) {
                    hits.push(Hit {
                        year_label: year_label.clone(),
                        department: r.0.department_name.clone(),
                        kind,
                        pieces,
                        url: format!("{base}#initiative-{}", i.id),
                    });
                }
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_marks_every_occurrence() {
        let p = pieces("防災訓練と防災教育", "防災").unwrap();
        let marked: Vec<(&str, bool)> = p.iter().map(|p| (p.text.as_str(), p.hit)).collect();
        assert_eq!(
            marked,
            vec![
                ("防災", true),
                ("訓練と", false),
                ("防災", true),
                ("教育", false)
            ]
        );
        assert!(pieces("交通安全", "防災").is_none());
        assert!(pieces("Park-PFI制度", "pfi").is_some());
    }
}
