//! What citizens do with published content beyond reading it: every goal under one pillar,
//! and search. Everything here reads the latest publications only. Open data is in
//! `open_data.rs`.

use crate::db::public as q;
use crate::db::publication as pubdb;
use crate::domain::sheet::{GoalGroup, TargetSheet};
use crate::error::{AppError, Result, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::Deserialize;

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
    Path((city, year, number)): Path<(String, String, String)>,
) -> Result<Html<String>> {
    let year = crate::routes::public::parse_year(&year)?;
    let number = crate::routes::public::parse_number(&number)?;
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
    statuses: [crate::domain::status::Status; 5],
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
    // Published statuses, by goal and initiative id.
    let mut status_of: std::collections::HashMap<i64, crate::domain::status::Status> =
        std::collections::HashMap::new();
    for (_, _, r) in &results {
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
    let wanted_status = crate::domain::status::Status::from_db(&query.status);
    let status_ok = |id: i64| wanted_status.is_none_or(|w| status_of.get(&id) == Some(&w));
    let mut years: Vec<(i32, String)> = Vec::new();
    let mut departments: Vec<(String, String)> = Vec::new();
    let mut pillars: Vec<(i32, String)> = Vec::new();
    for s in &sheets {
        if !years.iter().any(|(y, _)| *y == s.year) {
            years.push((s.year, state.eras.fiscal_year_label(s.year)));
        }
        if !departments.iter().any(|(slug, _)| *slug == s.slug) {
            departments.push((s.slug.clone(), s.content.0.department_name.clone()));
        }
        for p in s.content.0.groups.iter().flat_map(|g| &g.pillars) {
            if !pillars.iter().any(|(n, _)| *n == p.number) {
                pillars.push((p.number, format!("({}) {}", p.number, p.title)));
            }
        }
    }
    // A year (and department) whose results alone are published is searched and offered too.
    for (year, slug, r) in &results {
        if !years.iter().any(|(y, _)| y == year) {
            years.push((*year, state.eras.fiscal_year_label(*year)));
        }
        if !departments.iter().any(|(s, _)| s == slug) {
            departments.push((slug.clone(), r.0.department_name.clone()));
        }
    }
    years.sort_by_key(|(y, _)| std::cmp::Reverse(*y));
    pillars.sort();
    let words = query.q.trim().to_owned();
    let searched = !words.is_empty();
    let year: Option<i32> = query.year.parse().ok();
    let pillar: Option<i32> = query.pillar.parse().ok();
    let mut hits = Vec::new();
    if searched {
        for s in sheets.iter().filter(|s| {
            year.is_none_or(|y| s.year == y)
                && (query.department.is_empty() || s.slug == query.department)
        }) {
            let base = format!("/{}/{}/departments/{}", city.slug, s.year, s.slug);
            let year_label = state.eras.fiscal_year_label(s.year);
            let department = &s.content.0.department_name;
            for group in s
                .content
                .0
                .groups
                .iter()
                .filter(|g| pillar.is_none_or(|n| g.pillars.iter().any(|p| p.number == n)))
            {
                for goal in &group.goals {
                    let mut push = |kind, text: &str, anchor: String| {
                        if let Some(pieces) = pieces(text, &words) {
                            hits.push(Hit {
                                year_label: year_label.clone(),
                                department: department.clone(),
                                kind,
                                pieces,
                                url: format!("{base}#{anchor}"),
                            });
                        }
                    };
                    if status_ok(goal.id) {
                        push("組織目標", &goal.text, format!("goal-{}", goal.id));
                    }
                    for i in goal.initiatives.iter().filter(|i| status_ok(i.id)) {
                        push(
                            "取組内容",
                            &format!("{}{}", i.number, i.text),
                            format!("initiative-{}", i.id),
                        );
                        for c in &i.criteria {
                            push("目標達成基準", c, format!("initiative-{}", i.id));
                        }
                    }
                }
            }
        }
    }
    if searched {
        // 実績 and 成果 of published results.
        for (year_n, slug, r) in results.iter().filter(|(yr, slug, _)| {
            year.is_none_or(|y| *yr == y)
                && (query.department.is_empty() || *slug == query.department)
        }) {
            let base = format!("/{}/{}/results/{}", city.slug, year_n, slug);
            let year_label = state.eras.fiscal_year_label(*year_n);
            for group in
                r.0.groups
                    .iter()
                    .filter(|g| pillar.is_none_or(|n| g.pillars.iter().any(|p| p.number == n)))
            {
                for i in group
                    .goals
                    .iter()
                    .flat_map(|g| &g.initiatives)
                    .filter(|i| status_ok(i.id))
                {
                    for (kind, texts) in [("実績", &i.performance), ("成果", &i.outcome)] {
                        for text in texts {
                            if let Some(pieces) = pieces(text, &words) {
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
            }
        }
    }
    render(&SearchPage {
        city,
        query,
        years,
        departments,
        pillars,
        statuses: crate::domain::status::Status::ALL,
        hits,
        searched,
    })
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
