//! The stages of a year that have due dates (目標の入力, 実績の入力), what each post holder
//! still has to do for them, and whether it is late. Pure: the rows come from
//! `db::deadlines`, today's date from the clock (Japan's).

use crate::db::deadlines::{PostHolder, SectionWork};
use chrono::NaiveDate;

/// A stage with a due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// 目標の入力: goals and initiatives entered, submitted and approved.
    Targets,
    /// 中間報告の入力: the first half recorded, submitted and approved (once opened).
    Midyear,
    /// 実績の入力: results recorded, submitted and approved.
    Results,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::Targets, Stage::Midyear, Stage::Results];

    /// As stored (`stage_deadline.stage`, the sheet's kind).
    pub fn key(self) -> &'static str {
        match self {
            Stage::Targets => "targets",
            Stage::Midyear => "midyear",
            Stage::Results => "results",
        }
    }

    pub fn from_key(key: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.key() == key)
    }

    /// As shown.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Targets => "目標の入力",
            Stage::Midyear => "中間報告の入力",
            Stage::Results => "実績の入力",
        }
    }

    /// What the stage's sheet is called.
    pub fn sheet_label(self) -> &'static str {
        match self {
            Stage::Targets => "組織目標",
            Stage::Midyear => "中間報告",
            Stage::Results => "実績・成果",
        }
    }

    fn state(self, w: &SectionWork) -> &str {
        match self {
            Stage::Targets => &w.targets_state,
            Stage::Midyear => &w.midyear_state,
            Stage::Results => &w.results_state,
        }
    }

    /// The staff page where the stage's work is done, for a department.
    pub fn path(self, department_id: i64) -> String {
        match self {
            Stage::Targets => format!("/staff/departments/{department_id}"),
            Stage::Midyear => format!("/staff/departments/{department_id}/midyear"),
            Stage::Results => format!("/staff/departments/{department_id}/results"),
        }
    }
}

/// Whether a sheet in `state` has passed its stage (approved by the head, or published).
pub fn done(state: &str) -> bool {
    matches!(state, "approved" | "published")
}

/// One thing a person still has to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub stage: Stage,
    pub department_id: i64,
    /// 「企画財政部の組織目標を確認して承認する」.
    pub what: String,
    /// The staff page where it is done (a path).
    pub path: String,
}

/// What the holder of these posts still has to do for `stage`: a chief's section entering
/// and submitting, a head's department submitted and approved.
pub fn tasks(stage: Stage, posts: &[&PostHolder], work: &[SectionWork]) -> Vec<Task> {
    let mut out: Vec<Task> = Vec::new();
    let mut push = |department_id: i64, what: String| {
        let task = Task {
            stage,
            department_id,
            what,
            path: stage.path(department_id),
        };
        if !out.contains(&task) {
            out.push(task);
        }
    };
    let sheet = stage.sheet_label();
    for post in posts {
        match post.role.as_str() {
            "section_chief" => {
                let Some(w) = work.iter().find(|w| w.section_id == post.section_id) else {
                    continue;
                };
                let section = w.section.as_deref().unwrap_or_default();
                match (stage, stage.state(w)) {
                    (_, s) if s != "draft" => {}
                    (Stage::Results, _) if w.recorded < w.initiatives => push(
                        w.department_id,
                        format!(
                            "{section}の実績・成果を入力する（未入力 {}件）",
                            w.initiatives - w.recorded
                        ),
                    ),
                    (Stage::Midyear, _) if w.midyear_recorded < w.initiatives => push(
                        w.department_id,
                        format!(
                            "{section}の中間報告（上半期の取組状況）を入力する（未入力 {}件）",
                            w.initiatives - w.midyear_recorded
                        ),
                    ),
                    (Stage::Targets, _) if w.initiatives == 0 => push(
                        w.department_id,
                        format!(
                            "{section}の取組内容を入力し、{}の{sheet}を提出する",
                            w.department
                        ),
                    ),
                    _ => push(
                        w.department_id,
                        format!("{}の{sheet}を提出する", w.department),
                    ),
                }
            }
            "department_head" => {
                let Some(w) = work
                    .iter()
                    .find(|w| Some(w.department_id) == post.department_id)
                else {
                    continue;
                };
                match stage.state(w) {
                    "draft" => push(
                        w.department_id,
                        format!("{}の{sheet}をとりまとめて提出する", w.department),
                    ),
                    "submitted" => push(
                        w.department_id,
                        format!("{}の{sheet}を確認して承認する", w.department),
                    ),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    out
}

/// Where a due date stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// `n` days to go (n ≥ 1).
    Ahead(i64),
    Today,
    /// `n` days past (n ≥ 1).
    Late(i64),
}

impl Due {
    pub fn of(due_on: NaiveDate, today: NaiveDate) -> Due {
        let days = (due_on - today).num_days();
        match days {
            0 => Due::Today,
            d if d > 0 => Due::Ahead(d),
            d => Due::Late(-d),
        }
    }

    pub fn is_late(self) -> bool {
        matches!(self, Due::Late(_))
    }

    /// 「あと5日」「本日が期限」「期限を3日過ぎています」.
    pub fn label(self) -> String {
        match self {
            Due::Ahead(n) => format!("あと{n}日"),
            Due::Today => "本日が期限".to_owned(),
            Due::Late(n) => format!("期限を{n}日過ぎています"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work(section: i64, targets: &str, results: &str, n: i64, recorded: i64) -> SectionWork {
        SectionWork {
            department_id: 1,
            department: "企画財政部".into(),
            section_id: Some(section),
            section: Some(format!("課{section}")),
            targets_state: targets.into(),
            midyear_state: "draft".into(),
            results_state: results.into(),
            initiatives: n,
            recorded,
            midyear_recorded: 0,
        }
    }

    fn post(role: &str, department: Option<i64>, section: Option<i64>) -> PostHolder {
        PostHolder {
            user_id: 1,
            display_name: "x".into(),
            email: None,
            role: role.into(),
            department_id: department,
            section_id: section,
        }
    }

    #[test]
    fn a_chief_submits_a_head_approves_and_approved_is_done() {
        let rows = [
            work(10, "draft", "draft", 2, 1),
            work(11, "draft", "draft", 0, 0),
        ];
        let chief = post("section_chief", Some(1), Some(10));
        let head = post("department_head", Some(1), None);
        let t = tasks(Stage::Targets, &[&chief], &rows);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].what, "企画財政部の組織目標を提出する");
        let r = tasks(Stage::Results, &[&chief], &rows);
        assert_eq!(r[0].what, "課10の実績・成果を入力する（未入力 1件）");
        assert_eq!(r[0].path, "/staff/departments/1/results");
        let empty = post("section_chief", Some(1), Some(11));
        assert!(
            tasks(Stage::Targets, &[&empty], &rows)[0]
                .what
                .starts_with("課11の取組内容")
        );
        assert!(
            tasks(Stage::Targets, &[&head], &rows)[0]
                .what
                .contains("とりまとめて提出")
        );

        let submitted = [work(10, "submitted", "approved", 2, 2)];
        assert!(tasks(Stage::Targets, &[&chief], &submitted).is_empty());
        assert!(
            tasks(Stage::Targets, &[&head], &submitted)[0]
                .what
                .contains("承認する")
        );
        assert!(tasks(Stage::Results, &[&head, &chief], &submitted).is_empty());
        let viewer = post("viewer", None, None);
        assert!(tasks(Stage::Targets, &[&viewer], &rows).is_empty());
    }

    #[test]
    fn due_dates_count_days_in_both_directions() {
        let day = |d| NaiveDate::from_ymd_opt(2027, 3, d).unwrap();
        assert_eq!(Due::of(day(31), day(26)), Due::Ahead(5));
        assert_eq!(Due::of(day(31), day(31)), Due::Today);
        assert_eq!(Due::of(day(28), day(31)), Due::Late(3));
        assert!(!Due::Today.is_late());
        assert_eq!(Due::Late(3).label(), "期限を3日過ぎています");
    }
}
