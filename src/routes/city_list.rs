//! `/`: the cities with something published, grouped by prefecture, and found by name or
//! reading. A deployment with few cities lists them all on `/`; with many, `/` lists the
//! prefectures and each prefecture's page (`/prefectures/23`) its cities.

use crate::db::public::{self as q, Municipality};
use crate::domain::prefecture;
use crate::error::{AppError, Result, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::Deserialize;

/// Up to this many cities, `/` lists every one under its prefecture.
pub const LISTED_ON_INDEX: usize = 60;
/// Longest search text kept.
const MAX_QUERY_CHARS: usize = 50;
/// Matches listed at most: a short search text matches hundreds of cities, and a page of all
/// of them costs every request that asks (searches are not kept rendered).
pub const FOUND_LISTED: usize = 100;

/// A prefecture's cities.
pub struct Group {
    code: String,
    name: String,
    cities: Vec<Municipality>,
}

#[derive(Template)]
#[template(path = "public/index.html")]
pub struct IndexPage {
    groups: Vec<Group>,
    /// Whether the groups hold their cities (few cities) or link to prefecture pages.
    inline: bool,
    query: String,
    /// Cities matching `query` (the first [`FOUND_LISTED`]), when one was given.
    found: Option<Vec<Municipality>>,
    /// How many matched in all.
    matched: usize,
}

#[derive(Deserialize)]
pub struct Search {
    q: Option<String>,
}

/// `/` and `/?q=かりや`.
pub async fn list_cities(
    State(state): State<AppState>,
    Query(search): Query<Search>,
) -> Result<Html<String>> {
    let cities = q::published_municipalities(&state.pool).await?;
    let query: String = search
        .q
        .unwrap_or_default()
        .trim()
        .chars()
        .take(MAX_QUERY_CHARS)
        .collect();
    let mut matched = 0;
    let found = (!query.is_empty()).then(|| {
        let needle = prefecture::fold(&query);
        let hits: Vec<&Municipality> = cities
            .iter()
            .filter(|c| {
                prefecture::fold(&c.name).contains(&needle)
                    || prefecture::fold(&c.name_kana).contains(&needle)
            })
            .collect();
        matched = hits.len();
        hits.into_iter()
            .take(FOUND_LISTED)
            .cloned()
            .collect::<Vec<_>>()
    });
    let inline = cities.len() <= LISTED_ON_INDEX;
    render(&IndexPage {
        groups: group(cities),
        inline,
        query,
        found,
        matched,
    })
}

#[derive(Template)]
#[template(path = "public/prefecture.html")]
pub struct PrefecturePage {
    group: Group,
}

/// `/prefectures/{code}`: one prefecture's cities.
pub async fn show_prefecture(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Html<String>> {
    let cities = q::published_municipalities(&state.pool).await?;
    let group = group(cities)
        .into_iter()
        .find(|g| g.code == code)
        .ok_or(AppError::NotFound)?;
    render(&PrefecturePage { group })
}

/// Cities (in code order) grouped by prefecture; codes outside 01–47 last, as 「その他」.
fn group(cities: Vec<Municipality>) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for city in cities {
        let code = prefecture::code_of(&city.local_government_code).to_owned();
        let code = if prefecture::name(&code).is_some() {
            code
        } else {
            "00".to_owned()
        };
        match groups.iter_mut().find(|g| g.code == code) {
            Some(g) => g.cities.push(city),
            None => groups.push(Group {
                name: prefecture::name(&code).unwrap_or("その他").to_owned(),
                code,
                cities: vec![city],
            }),
        }
    }
    groups.sort_by_key(|g| {
        if g.code == "00" {
            "99".to_owned()
        } else {
            g.code.clone()
        }
    });
    groups
}
