//! A department's target sheet as citizens read it: goals grouped under their pillar headings,
//! initiatives numbered ①②…, their sections and criteria. The same structure renders the live
//! draft (staff preview) and, frozen as JSON, every published version.

use serde::{Deserialize, Serialize};

/// The sheet of one department for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetSheet {
    pub department_name: String,
    pub groups: Vec<GoalGroup>,
}

/// Consecutive goals under the same pillar headings: one table in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalGroup {
    pub pillars: Vec<PillarHeading>,
    pub goals: Vec<GoalView>,
}

/// A pillar heading above a group, e.g. 「(1) 市民から信頼され…」.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PillarHeading {
    pub number: i32,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalView {
    pub id: i64,
    pub text: String,
    pub initiatives: Vec<InitiativeView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitiativeView {
    pub id: i64,
    pub number: String,
    pub text: String,
    pub sections: Vec<String>,
    pub criteria: Vec<String>,
    /// The measurable target of each criterion (same order), where it has one.
    #[serde(default)]
    pub targets: Vec<Option<Target>>,
}

/// A criterion's target: a plain number, its unit and how it is compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The number as written in data: `1100`, `43.5` (no thousands separators).
    pub value: String,
    pub unit: String,
    /// `at_least`, `at_most` or `exactly`.
    pub comparator: String,
}

impl TargetSheet {
    pub fn goal_count(&self) -> usize {
        self.groups.iter().map(|g| g.goals.len()).sum()
    }

    pub fn initiative_count(&self) -> usize {
        self.groups
            .iter()
            .flat_map(|g| &g.goals)
            .map(|g| g.initiatives.len())
            .sum()
    }
}
