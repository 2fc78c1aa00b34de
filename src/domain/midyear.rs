//! The mid-year check (中間報告) as citizens read it: for every goal and initiative, what was
//! done in the first half (上半期の取組状況), a progress word (順調 / おおむね順調 / 遅れ, or the
//! city's own) and what is left for the second half (下期に向けた課題・対応), with the head's
//! comments. The live draft and, frozen as JSON, every published version.

use crate::domain::era::Eras;
use crate::domain::sheet::PillarHeading;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The progress words a city gets unless it says otherwise.
pub const DEFAULT_WORDS: [&str; 3] = ["順調", "おおむね順調", "遅れ"];

/// A department's mid-year report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MidyearSheet {
    pub department_name: String,
    /// 基準日: the day the report speaks of.
    pub as_of: NaiveDate,
    /// The progress words of the year, in order.
    pub words: Vec<String>,
    /// The head's comment for the department.
    pub comment: String,
    pub groups: Vec<MidyearGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MidyearGroup {
    pub pillars: Vec<PillarHeading>,
    pub goals: Vec<MidyearGoal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MidyearGoal {
    pub id: i64,
    pub text: String,
    /// The head's comment on the goal.
    pub comment: String,
    pub initiatives: Vec<MidyearInitiative>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MidyearInitiative {
    pub id: i64,
    pub number: String,
    pub text: String,
    pub sections: Vec<String>,
    pub criteria: Vec<String>,
    /// 上半期の取組状況, one item per entry.
    pub performance: Vec<String>,
    pub progress: Option<String>,
    /// 下期に向けた課題・対応, paragraphs.
    pub issues: Vec<String>,
}

impl MidyearInitiative {
    /// Whether anything was recorded for the first half.
    pub fn recorded(&self) -> bool {
        !self.performance.is_empty() || self.progress.is_some() || !self.issues.is_empty()
    }
}

impl MidyearSheet {
    pub fn initiatives(&self) -> impl Iterator<Item = &MidyearInitiative> {
        self.groups
            .iter()
            .flat_map(|g| &g.goals)
            .flat_map(|g| &g.initiatives)
    }

    /// How many initiatives have each progress word, in the words' order, then any word no
    /// longer in the list, then 未入力.
    pub fn progress_counts(&self) -> Vec<(String, usize)> {
        let mut counts: Vec<(String, usize)> = self.words.iter().map(|w| (w.clone(), 0)).collect();
        let mut missing = 0;
        for i in self.initiatives() {
            match &i.progress {
                Some(p) => match counts.iter_mut().find(|(w, _)| w == p) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((p.clone(), 1)),
                },
                None => missing += 1,
            }
        }
        if missing > 0 {
            counts.push(("未入力".to_owned(), missing));
        }
        counts
    }
}

/// 「令和8年9月末時点」 for the last day of a month, else 「令和8年9月15日時点」.
pub fn as_of_label(eras: &Eras, as_of: NaiveDate) -> String {
    let label = eras.date_label(as_of);
    let month_end = as_of
        .succ_opt()
        .is_none_or(|next| next.month() != as_of.month());
    match label.strip_suffix(&format!("{}日", as_of.day())) {
        Some(month) if month_end => format!("{month}末時点"),
        _ => format!("{label}時点"),
    }
}

/// The progress words as typed (one per line), cleaned: the message for the field, or the
/// words.
pub fn parse_words(typed: &str) -> Result<Vec<String>, &'static str> {
    let mut words: Vec<String> = Vec::new();
    for line in typed.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.chars().count() > 20 {
            return Err("進捗状況の言葉は1つ20文字以内で入力してください。");
        }
        if !words.iter().any(|w| w == line) {
            words.push(line.to_owned());
        }
    }
    match words.len() {
        0 => Err("進捗状況の言葉を1行に1つ入力してください（例：順調、おおむね順調、遅れ）。"),
        n if n > 10 => Err("進捗状況の言葉は10個までにしてください。"),
        _ => Ok(words),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_says_month_end_only_at_a_months_end() {
        let eras = Eras::new(vec![crate::domain::era::Era {
            name: "令和".into(),
            starts_on: NaiveDate::from_ymd_opt(2019, 5, 1).unwrap(),
            first_fiscal_year: 2019,
        }]);
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert_eq!(as_of_label(&eras, day(9, 30)), "令和8年9月末時点");
        assert_eq!(as_of_label(&eras, day(9, 15)), "令和8年9月15日時点");
        assert_eq!(as_of_label(&eras, day(12, 31)), "令和8年12月末時点");
    }

    #[test]
    fn words_are_one_per_line_without_repeats() {
        assert_eq!(
            parse_words(" 順調\n\nおおむね順調\n順調\n遅れ ").unwrap(),
            vec!["順調", "おおむね順調", "遅れ"]
        );
        assert!(parse_words("  \n").is_err());
        assert!(parse_words(&"あ".repeat(21)).is_err());
    }

    #[test]
    fn progress_is_counted_per_word_and_missing_apart() {
        let initiative = |p: Option<&str>| MidyearInitiative {
            progress: p.map(String::from),
            ..Default::default()
        };
        let sheet = MidyearSheet {
            department_name: "企画財政部".into(),
            as_of: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
            words: DEFAULT_WORDS.map(String::from).to_vec(),
            comment: String::new(),
            groups: vec![MidyearGroup {
                pillars: vec![],
                goals: vec![MidyearGoal {
                    id: 1,
                    text: "目標".into(),
                    comment: String::new(),
                    initiatives: vec![
                        initiative(Some("順調")),
                        initiative(Some("遅れ")),
                        initiative(Some("順調")),
                        initiative(None),
                        initiative(Some("やや遅れ")),
                    ],
                }],
            }],
        };
        let counts = sheet.progress_counts();
        let want: Vec<(String, usize)> = [
            ("順調", 2),
            ("おおむね順調", 0),
            ("遅れ", 1),
            ("やや遅れ", 1),
            ("未入力", 1),
        ]
        .map(|(w, n)| (w.to_owned(), n))
        .to_vec();
        assert_eq!(counts, want);
    }
}
