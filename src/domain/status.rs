//! Achievement status (達成 / 一部達成 / 未達成 / 着手 / 未着手 / 評価不能) and how it is judged.
//!
//! - A criterion with a metric is met when its actual value satisfies the target by the
//!   comparator (以上: actual ≥ target, 以下: actual ≤ target, ちょうど: equal).
//! - An initiative's status is computed only when every applicable criterion (not marked "not
//!   applicable") has a metric and an actual value: all met → 達成, some → 一部達成, none →
//!   未達成. Otherwise it cannot be computed and waits for a judgment.
//! - A department head's override (with a reason) wins over the computation. 評価不能 (a goal
//!   blocked by causes outside the city's control, as 岡崎市's scale has it) is only ever such
//!   a judgment, never computed; it is left out of the achievement rate and counted apart.
//! - A goal's status follows from its initiatives unless overridden: all 達成 → 達成; all
//!   未達成 → 未達成; all 未着手 → 未着手; any 達成 or 一部達成 → 一部達成; otherwise 着手.
//!   If any initiative has no status yet, neither has the goal. Initiatives judged 評価不能 are
//!   left out; a goal whose initiatives all are is 評価不能 itself.

use super::metric::Comparator;
use rust_decimal::Decimal;

/// An achievement status (spelled in data as `achieved`, `partly_achieved`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Achieved,
    PartlyAchieved,
    NotAchieved,
    Started,
    NotStarted,
    /// 評価不能: cannot be judged for causes outside the city's control (with a reason).
    Unassessable,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Achieved,
        Status::PartlyAchieved,
        Status::NotAchieved,
        Status::Started,
        Status::NotStarted,
        Status::Unassessable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Achieved => "achieved",
            Status::PartlyAchieved => "partly_achieved",
            Status::NotAchieved => "not_achieved",
            Status::Started => "started",
            Status::NotStarted => "not_started",
            Status::Unassessable => "unassessable",
        }
    }

    pub fn from_db(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The word on screen.
    pub fn label(self) -> &'static str {
        match self {
            Status::Achieved => "達成",
            Status::PartlyAchieved => "一部達成",
            Status::NotAchieved => "未達成",
            Status::Started => "着手",
            Status::NotStarted => "未着手",
            Status::Unassessable => "評価不能",
        }
    }

    /// A symbol shown with the word, so the status never depends on colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Achieved => "◎",
            Status::PartlyAchieved => "○",
            Status::NotAchieved => "×",
            Status::Started => "△",
            Status::NotStarted => "－",
            Status::Unassessable => "／",
        }
    }
}

/// What a criterion's results say, for judging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CriterionResult {
    pub target: Option<(Decimal, Comparator)>,
    pub actual: Option<Decimal>,
    pub not_applicable: bool,
}

/// Whether `actual` satisfies `target` by `comparator`.
pub fn met(target: Decimal, comparator: Comparator, actual: Decimal) -> bool {
    match comparator {
        Comparator::AtLeast => actual >= target,
        Comparator::AtMost => actual <= target,
        Comparator::Exactly => actual == target,
    }
}

/// The computed status of an initiative, when its criteria allow one.
pub fn computed(criteria: &[CriterionResult]) -> Option<Status> {
    let applicable: Vec<&CriterionResult> = criteria.iter().filter(|c| !c.not_applicable).collect();
    if applicable.is_empty() {
        return None;
    }
    let mut met_count = 0;
    for c in &applicable {
        let ((target, comparator), actual) = (c.target?, c.actual?);
        if met(target, comparator, actual) {
            met_count += 1;
        }
    }
    Some(match met_count {
        n if n == applicable.len() => Status::Achieved,
        0 => Status::NotAchieved,
        _ => Status::PartlyAchieved,
    })
}

/// A goal's status from its initiatives' statuses.
pub fn goal(initiatives: &[Option<Status>]) -> Option<Status> {
    if initiatives.is_empty() {
        return None;
    }
    let statuses: Option<Vec<Status>> = initiatives.iter().copied().collect();
    let statuses: Vec<Status> = statuses?
        .into_iter()
        .filter(|s| *s != Status::Unassessable)
        .collect();
    if statuses.is_empty() {
        return Some(Status::Unassessable);
    }
    let all = |s: Status| statuses.iter().all(|x| *x == s);
    Some(if all(Status::Achieved) {
        Status::Achieved
    } else if all(Status::NotAchieved) {
        Status::NotAchieved
    } else if all(Status::NotStarted) {
        Status::NotStarted
    } else if statuses
        .iter()
        .any(|s| matches!(s, Status::Achieved | Status::PartlyAchieved))
    {
        Status::PartlyAchieved
    } else {
        Status::Started
    })
}

/// The status shown: an override (with its reason kept elsewhere) wins over the computation.
pub fn effective(computed: Option<Status>, override_status: Option<Status>) -> Option<Status> {
    override_status.or(computed)
}

#[cfg(test)]
mod unassessable_tests {
    use super::*;

    #[test]
    fn unassessable_initiatives_are_left_out_of_their_goal() {
        use Status::*;
        assert_eq!(goal(&[Some(Achieved), Some(Unassessable)]), Some(Achieved));
        assert_eq!(
            goal(&[Some(NotAchieved), Some(Unassessable)]),
            Some(NotAchieved)
        );
        assert_eq!(
            goal(&[Some(Unassessable), Some(Unassessable)]),
            Some(Unassessable)
        );
        assert_eq!(goal(&[None, Some(Unassessable)]), None);
        assert_eq!(Status::from_db("unassessable"), Some(Unassessable));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    fn c(target: Option<(i64, Comparator)>, actual: Option<i64>, na: bool) -> CriterionResult {
        CriterionResult {
            target: target.map(|(t, cmp)| (Decimal::from(t), cmp)),
            actual: actual.map(Decimal::from),
            not_applicable: na,
        }
    }

    #[test]
    fn each_comparator_judges_the_boundary() {
        let d = Decimal::from;
        assert!(met(d(3), Comparator::AtLeast, d(3)));
        assert!(!met(d(3), Comparator::AtLeast, d(2)));
        assert!(met(d(10), Comparator::AtMost, d(10)));
        assert!(!met(d(10), Comparator::AtMost, d(11)));
        assert!(met(d(5), Comparator::Exactly, d(5)));
        assert!(!met(d(5), Comparator::Exactly, d(6)));
        assert!(met(
            Decimal::new(888, 1),
            Comparator::AtLeast,
            Decimal::new(8881, 2)
        ));
    }

    #[test]
    fn initiatives_are_computed_only_from_complete_metrics() {
        use Comparator::AtLeast;
        type Case = (&'static str, Vec<CriterionResult>, Option<Status>);
        let cases: Vec<Case> = vec![
            (
                "all met",
                vec![
                    c(Some((3, AtLeast)), Some(3), false),
                    c(Some((1, AtLeast)), Some(2), false),
                ],
                Some(Achieved),
            ),
            (
                "some met",
                vec![
                    c(Some((3, AtLeast)), Some(2), false),
                    c(Some((1, AtLeast)), Some(1), false),
                ],
                Some(PartlyAchieved),
            ),
            (
                "none met",
                vec![
                    c(Some((3, AtLeast)), Some(2), false),
                    c(Some((1, AtLeast)), Some(0), false),
                ],
                Some(NotAchieved),
            ),
            (
                "missing actual",
                vec![
                    c(Some((3, AtLeast)), Some(3), false),
                    c(Some((1, AtLeast)), None, false),
                ],
                None,
            ),
            (
                "text-only criterion",
                vec![c(Some((3, AtLeast)), Some(3), false), c(None, None, false)],
                None,
            ),
            (
                "not applicable is left out",
                vec![c(Some((3, AtLeast)), Some(3), false), c(None, None, true)],
                Some(Achieved),
            ),
            ("nothing applicable", vec![c(None, None, true)], None),
            ("no criteria", vec![], None),
        ];
        for (name, criteria, expected) in cases {
            assert_eq!(computed(&criteria), expected, "{name}");
        }
    }

    #[test]
    fn goals_follow_their_initiatives() {
        type Case = (&'static str, Vec<Option<Status>>, Option<Status>);
        let cases: Vec<Case> = vec![
            (
                "all achieved",
                vec![Some(Achieved), Some(Achieved)],
                Some(Achieved),
            ),
            (
                "mixed",
                vec![Some(Achieved), Some(NotAchieved)],
                Some(PartlyAchieved),
            ),
            (
                "partly",
                vec![Some(PartlyAchieved), Some(Started)],
                Some(PartlyAchieved),
            ),
            (
                "all not achieved",
                vec![Some(NotAchieved), Some(NotAchieved)],
                Some(NotAchieved),
            ),
            ("all not started", vec![Some(NotStarted)], Some(NotStarted)),
            (
                "started",
                vec![Some(Started), Some(NotStarted)],
                Some(Started),
            ),
            (
                "started and failed",
                vec![Some(Started), Some(NotAchieved)],
                Some(Started),
            ),
            ("one undecided", vec![Some(Achieved), None], None),
            ("no initiatives", vec![], None),
        ];
        for (name, initiatives, expected) in cases {
            assert_eq!(goal(&initiatives), expected, "{name}");
        }
    }

    #[test]
    fn overrides_win() {
        assert_eq!(effective(Some(NotAchieved), Some(Started)), Some(Started));
        assert_eq!(effective(Some(Achieved), None), Some(Achieved));
        assert_eq!(effective(None, None), None);
        for s in Status::ALL {
            assert_eq!(Status::from_db(s.as_str()), Some(s));
        }
    }
}
