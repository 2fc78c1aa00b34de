//! A plan year's items as citizens see them: each item with its places in the hierarchy, its
//! indicators' targets and actuals per year, and the sections' notes. Built by
//! `routes::plans::items` from the stored rows; a published year keeps them as its snapshot.

use crate::domain::plan::{YearJudgment, item_status};
use crate::domain::status::Status;

/// One year of an indicator.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct YearCell {
    pub year: i32,
    pub label: String,
    pub target: String,
    pub actual: Option<String>,
    pub judgment: YearJudgment,
    /// The target's revisions, oldest first: 「令和8年12月2日改定：当初 80 → 85」. For a published
    /// year the target shown is the one it was published with.
    pub revisions: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct IndicatorView {
    pub id: i64,
    pub name: String,
    pub unit: String,
    pub baseline: Option<String>,
    pub comparator: String,
    pub years: Vec<YearCell>,
}

/// A place an item is listed: the path of node titles, and whether it is a 再掲.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PlaceView {
    pub path: Vec<String>,
    pub number: i32,
    pub restated: bool,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ItemView {
    pub id: i64,
    pub number: i32,
    pub title: String,
    pub content: String,
    pub sections: Vec<String>,
    pub places: Vec<PlaceView>,
    pub indicators: Vec<IndicatorView>,
    /// The sections' 実績 notes of the years shown: (year label, note).
    #[serde(default)]
    pub notes: Vec<(String, String)>,
}

impl ItemView {
    /// Whether any indicator has a target in `year` (「—」 is none).
    pub fn has_target_in(&self, year: impl std::borrow::Borrow<i32>) -> bool {
        let year = *year.borrow();
        self.indicators.iter().any(|i| {
            i.years
                .iter()
                .any(|y| y.year == year && y.judgment != YearJudgment::NoTarget)
        })
    }

    /// The item's status in a year (None: undecided).
    pub fn status_in(&self, year: impl std::borrow::Borrow<i32>) -> Option<Status> {
        let year = *year.borrow();
        let judgments: Vec<YearJudgment> = self
            .indicators
            .iter()
            .filter_map(|i| i.years.iter().find(|y| y.year == year).map(|y| y.judgment))
            .collect();
        item_status(&judgments)
    }
}
