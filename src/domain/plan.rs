//! Multi-year plans: targets that are numbers or words, and how a year's actual is judged.
//!
//! - A numeric target is met when the actual number satisfies it by the indicator's comparator
//!   (以上 by default; 以下 where fewer is better, such as a staff count).
//! - A word target (検討, 実施, 調査研究 …) is met when the recorder says it was achieved.
//! - 「—」 means no target that year: the year is not judged.
//! - An item's status for a year: every judged indicator met → 達成, some → 一部達成, none →
//!   未達成; undecided while any judged indicator has no actual yet.

use super::metric::{Comparator, parse_number};
use super::status::{Status, met};
use rust_decimal::Decimal;

/// A target or an actual as written: a number, or words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanValue {
    Number(Decimal),
    Word(String),
}

/// The word for "no target this year".
pub const NO_TARGET: &str = "—";

impl PlanValue {
    /// Reads a cell: 「—」 (and its look-alikes) is no target, a number (full-width digits,
    /// thousands commas and a minus or 「▲」 allowed) is a number, anything else is words.
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        if t.is_empty() {
            return None;
        }
        if matches!(t, "—" | "－" | "-" | "―" | "ー") {
            return Some(PlanValue::Word(NO_TARGET.to_owned()));
        }
        let (negative, digits) = match t.strip_prefix(['▲', '-', '－']) {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        match parse_number(digits) {
            Some(n) => Some(PlanValue::Number(if negative { -n } else { n })),
            None => Some(PlanValue::Word(
                t.split_whitespace().collect::<Vec<_>>().join(""),
            )),
        }
    }

    /// Whether `s` is written as a number (「▲」 allowed) too large to be stored: it must be
    /// refused with [`crate::domain::metric::TOO_LARGE`], not kept as words.
    pub fn is_too_large(s: &str) -> bool {
        let t = s.trim();
        let digits = t.strip_prefix(['▲', '-', '－']).unwrap_or(t);
        crate::domain::metric::is_too_large(digits)
    }

    /// As shown: numbers without trailing zeros, negatives with 「▲」 as the plan writes them.
    pub fn display(&self) -> String {
        match self {
            PlanValue::Number(n) if n.is_sign_negative() => format!("▲{}", (-*n).normalize()),
            PlanValue::Number(n) => n.normalize().to_string(),
            PlanValue::Word(w) => w.clone(),
        }
    }

    pub fn is_no_target(&self) -> bool {
        matches!(self, PlanValue::Word(w) if w == NO_TARGET)
    }
}

/// How a year went for one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum YearJudgment {
    /// No target that year.
    NoTarget,
    /// A target, no actual yet.
    Pending,
    Met,
    NotMet,
}

impl YearJudgment {
    pub fn label(self) -> &'static str {
        match self {
            YearJudgment::NoTarget => "目標なし",
            YearJudgment::Pending => "未入力",
            YearJudgment::Met => "達成",
            YearJudgment::NotMet => "未達成",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            YearJudgment::NoTarget => "",
            YearJudgment::Pending => "…",
            YearJudgment::Met => "◎",
            YearJudgment::NotMet => "×",
        }
    }
}

/// Judges one indicator's year. `actual` is the recorded value and, for word targets, whether
/// it was achieved.
pub fn judge(
    target: Option<&PlanValue>,
    comparator: Comparator,
    actual: Option<(&PlanValue, Option<bool>)>,
) -> YearJudgment {
    let Some(target) = target.filter(|t| !t.is_no_target()) else {
        return YearJudgment::NoTarget;
    };
    let Some((value, achieved)) = actual else {
        return YearJudgment::Pending;
    };
    let ok = match (target, value) {
        (PlanValue::Number(t), PlanValue::Number(a)) => Some(met(*t, comparator, *a)),
        _ => achieved,
    };
    match ok {
        Some(true) => YearJudgment::Met,
        Some(false) => YearJudgment::NotMet,
        None => YearJudgment::Pending,
    }
}

/// An item's status for a year from its indicators' judgments (None: not decided).
pub fn item_status(judgments: &[YearJudgment]) -> Option<Status> {
    let judged: Vec<YearJudgment> = judgments
        .iter()
        .copied()
        .filter(|j| *j != YearJudgment::NoTarget)
        .collect();
    if judged.is_empty() || judged.contains(&YearJudgment::Pending) {
        return None;
    }
    let met = judged.iter().filter(|j| **j == YearJudgment::Met).count();
    Some(if met == judged.len() {
        Status::Achieved
    } else if met == 0 {
        Status::NotAchieved
    } else {
        Status::PartlyAchieved
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: i64) -> PlanValue {
        PlanValue::Number(v.into())
    }

    #[test]
    fn targets_are_numbers_or_words() {
        assert_eq!(PlanValue::parse("75"), Some(n(75)));
        assert_eq!(PlanValue::parse("▲554"), Some(n(-554)));
        assert_eq!(PlanValue::parse("１，０００"), Some(n(1000)));
        assert_eq!(
            PlanValue::parse("調査 研究"),
            Some(PlanValue::Word("調査研究".into()))
        );
        assert!(PlanValue::parse("—").unwrap().is_no_target());
        assert_eq!(PlanValue::parse(" "), None);
        assert_eq!(n(-554).display(), "▲554");
    }

    #[test]
    fn years_are_judged_by_comparator_or_by_the_recorder() {
        let at_least = Comparator::AtLeast;
        assert_eq!(
            judge(Some(&n(75)), at_least, Some((&n(76), None))),
            YearJudgment::Met
        );
        assert_eq!(
            judge(Some(&n(75)), at_least, Some((&n(74), None))),
            YearJudgment::NotMet
        );
        assert_eq!(
            judge(Some(&n(711)), Comparator::AtMost, Some((&n(700), None))),
            YearJudgment::Met
        );
        assert_eq!(judge(Some(&n(75)), at_least, None), YearJudgment::Pending);
        let dash = PlanValue::parse("—").unwrap();
        assert_eq!(
            judge(Some(&dash), at_least, Some((&n(1), None))),
            YearJudgment::NoTarget
        );
        let word = PlanValue::Word("実施".into());
        let done = PlanValue::Word("実施した".into());
        assert_eq!(
            judge(Some(&word), at_least, Some((&done, Some(true)))),
            YearJudgment::Met
        );
        assert_eq!(
            judge(Some(&word), at_least, Some((&done, None))),
            YearJudgment::Pending
        );
    }

    #[test]
    fn an_items_year_follows_its_judged_indicators() {
        use YearJudgment::*;
        assert_eq!(item_status(&[Met, NoTarget]), Some(Status::Achieved));
        assert_eq!(item_status(&[Met, NotMet]), Some(Status::PartlyAchieved));
        assert_eq!(item_status(&[NotMet]), Some(Status::NotAchieved));
        assert_eq!(item_status(&[Met, Pending]), None);
        assert_eq!(item_status(&[NoTarget]), None);
    }
}
