//! A department's target sheet as citizens read it: goals grouped under their pillar headings,
//! initiatives numbered ①②…, their sections and criteria. The same structure renders the live
//! draft (staff preview) and, frozen as JSON, every published version.

use serde::{Deserialize, Serialize};

/// The sheet of one department for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetSheet {
    pub department_name: String,
    pub groups: Vec<GoalGroup>,
    /// The header a deployment table shows (作成日, 職名, 氏名), where one was recorded.
    #[serde(default)]
    pub header: Option<SheetHeader>,
    /// The head's 前年度の振り返り, published with the targets (left out of the JSON when
    /// empty, so earlier publications compare equal).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub review: String,
}

/// A sheet's header: when it was drawn up, and the head's title and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetHeader {
    pub drawn_up_on: Option<chrono::NaiveDate>,
    pub head_title: String,
    pub head_name: String,
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
    /// The goal's category (計画・方針等の分類), where the city uses categories.
    #[serde(default)]
    pub category: Option<String>,
    /// Carried from the year before (「前年度から継続」). Left out of the JSON when false, so
    /// publications made before it existed compare equal.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub carried: bool,
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
    /// When it is to be done (いつまで), where the layout uses it.
    #[serde(default)]
    pub deadline: Option<String>,
}

impl InitiativeView {
    /// The text's lines: a deployment table's methods are one per line.
    pub fn lines(&self) -> Vec<&str> {
        self.text.lines().filter(|l| !l.trim().is_empty()).collect()
    }
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
    /// Every goal with its number across the department (1, 2, …), as a deployment table
    /// numbers its items.
    pub fn numbered_goals(&self) -> Vec<(usize, &GoalView)> {
        self.groups
            .iter()
            .flat_map(|g| &g.goals)
            .enumerate()
            .map(|(i, g)| (i + 1, g))
            .collect()
    }

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

/// A department's results sheet for one year: the head's page and every goal and
/// initiative with what was done (実績), the outcome (成果) and the status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsSheet {
    pub department_name: String,
    pub head: HeadPage,
    pub groups: Vec<ResultsGroup>,
    /// An outside committee's grade of the department, where the city has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside: Option<OutsideGrade>,
}

/// An outside committee's evaluation of a department (「行政改革推進委員会の評価：B」).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutsideGrade {
    pub committee: String,
    pub grade: String,
    pub comment: String,
}

/// The department head's page for citizens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadPage {
    pub head_name: String,
    pub head_name_kana: String,
    pub basic_policy: String,
    pub duties: String,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsGroup {
    pub pillars: Vec<PillarHeading>,
    pub goals: Vec<ResultsGoal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsGoal {
    pub id: i64,
    pub text: String,
    pub status: Option<crate::domain::status::Status>,
    /// The result as the city printed it, when that is more than the status word (「着手 達成」).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_label: Option<String>,
    /// The head's reason when the status was set by hand.
    pub override_reason: Option<String>,
    pub initiatives: Vec<ResultsInitiative>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsInitiative {
    pub id: i64,
    pub number: String,
    pub text: String,
    pub sections: Vec<String>,
    pub performance: Vec<String>,
    pub outcome: Vec<String>,
    pub status: Option<crate::domain::status::Status>,
    pub override_reason: Option<String>,
}

/// The reason given for 評価不能 (shown to citizens with the judgment).
fn unassessable_reason(
    status: Option<crate::domain::status::Status>,
    reason: &Option<String>,
) -> Option<&str> {
    (status == Some(crate::domain::status::Status::Unassessable))
        .then_some(reason.as_deref())
        .flatten()
}

impl ResultsGoal {
    pub fn unassessable_reason(&self) -> Option<&str> {
        unassessable_reason(self.status, &self.override_reason)
    }
}

impl ResultsInitiative {
    pub fn unassessable_reason(&self) -> Option<&str> {
        unassessable_reason(self.status, &self.override_reason)
    }
}

/// A run of 成果 paragraphs as the city wrote them: bullet items (「・」「●」「○」「-」…
/// starting each paragraph) become one list, prose stays paragraphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeBlock {
    pub list: bool,
    pub items: Vec<String>,
}

/// The bullet marks a city's cell may start an item with.
const BULLETS: [char; 9] = ['・', '･', '●', '○', '◆', '◇', '■', '□', '-'];

/// Groups paragraphs into [`OutcomeBlock`]s, the bullet marks removed: every line starting
/// with a bullet is a list item (consecutive items, also across paragraphs, one list); the
/// other lines of a paragraph stay one paragraph.
pub fn outcome_blocks(paragraphs: &[String]) -> Vec<OutcomeBlock> {
    fn push(blocks: &mut Vec<OutcomeBlock>, list: bool, text: String) {
        match blocks.last_mut() {
            Some(b) if b.list == list => b.items.push(text),
            _ => blocks.push(OutcomeBlock {
                list,
                items: vec![text],
            }),
        }
    }
    let mut blocks = Vec::new();
    for p in paragraphs {
        let mut prose: Vec<&str> = Vec::new();
        for line in p.lines() {
            match line.trim_start().strip_prefix(BULLETS) {
                Some(rest) if !rest.trim().is_empty() => {
                    if !prose.is_empty() {
                        push(&mut blocks, false, prose.join("\n"));
                        prose.clear();
                    }
                    push(&mut blocks, true, rest.trim().to_owned());
                }
                _ => prose.push(line),
            }
        }
        if !prose.is_empty() {
            push(&mut blocks, false, prose.join("\n"));
        }
    }
    blocks
}

impl ResultsInitiative {
    /// The 成果 as lists and paragraphs.
    pub fn outcome_blocks(&self) -> Vec<OutcomeBlock> {
        outcome_blocks(&self.outcome)
    }
}

impl ResultsSheet {
    /// Whether the head wrote anything for their page (name, 基本方針, 部の仕事, 総括), or an
    /// outside committee graded the department.
    pub fn has_head_page(&self) -> bool {
        let h = &self.head;
        self.outside.is_some()
            || [&h.head_name, &h.basic_policy, &h.duties, &h.summary]
                .iter()
                .any(|t| !t.trim().is_empty())
    }

    /// Whether any goal or initiative has a status (computed, recorded or printed).
    pub fn has_judgments(&self) -> bool {
        self.groups
            .iter()
            .flat_map(|g| &g.goals)
            .any(|g| g.status.is_some() || g.initiatives.iter().any(|i| i.status.is_some()))
    }

    /// Goals in order, numbered from 1 across groups (as on the head's page).
    pub fn numbered_goals(&self) -> Vec<(usize, &ResultsGoal)> {
        self.groups
            .iter()
            .flat_map(|g| &g.goals)
            .enumerate()
            .map(|(i, g)| (i + 1, g))
            .collect()
    }
}

#[cfg(test)]
mod outcome_tests {
    use super::*;

    fn block(list: bool, items: &[&str]) -> OutcomeBlock {
        OutcomeBlock {
            list,
            items: items.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn bullet_items_become_one_list_and_prose_stays_paragraphs() {
        let paragraphs: Vec<String> = [
            "窓口の待ち時間が短くなった。",
            "・申請書を3種類統合した",
            "● 電子申請を20手続に拡大した",
            "今後も続ける。",
            "・",
            "成果は次のとおり。\n・研修を5回開催\n・参加者120人",
        ]
        .map(String::from)
        .to_vec();

        assert_eq!(
            outcome_blocks(&paragraphs),
            vec![
                block(false, &["窓口の待ち時間が短くなった。"]),
                block(
                    true,
                    &["申請書を3種類統合した", "電子申請を20手続に拡大した"]
                ),
                block(false, &["今後も続ける。", "・", "成果は次のとおり。"]),
                block(true, &["研修を5回開催", "参加者120人"]),
            ]
        );
        assert!(outcome_blocks(&[]).is_empty());
    }
}
