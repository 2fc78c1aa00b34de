//! Japanese era (元号) conversion for dates and fiscal years.
//!
//! The era table is data (the `era` table, loaded once at start-up), so a future era is one
//! row, not a code change. Two rules apply:
//! - A date belongs to the era in force on that day (令和 from 2019-05-01).
//! - A fiscal year (April–March, stored as the western year it starts in) takes the latest era
//!   whose `first_fiscal_year` it has reached, counted from the era's first calendar year.
//!   Which fiscal year an era first names is data, because practice varies: fiscal 2019 is
//!   令和元年度 although April 2019 was still 平成31年, while fiscal 1988 stayed 昭和63年度.

use chrono::{Datelike, NaiveDate};

/// The fiscal year (April–March, named by the year it starts in) `day` falls in.
pub fn fiscal_year_of(day: NaiveDate) -> i32 {
    if day.month() >= 4 {
        day.year()
    } else {
        day.year() - 1
    }
}

/// One era: its name and the first day it was in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Era {
    pub name: String,
    pub starts_on: NaiveDate,
    /// The first fiscal year labelled with this era.
    pub first_fiscal_year: i32,
}

/// The era table, sorted by start date.
#[derive(Debug, Clone)]
pub struct Eras {
    eras: Vec<Era>,
}

impl Eras {
    /// Builds the table from rows in any order.
    pub fn new(mut eras: Vec<Era>) -> Self {
        eras.sort_by_key(|e| e.starts_on);
        Self { eras }
    }

    /// `令和8年度` for 2026. Years before the first known era fall back to the western year.
    pub fn fiscal_year_label(&self, year: i32) -> String {
        match self.eras.iter().rev().find(|e| e.first_fiscal_year <= year) {
            Some(era) => format!(
                "{}{}年度",
                era.name,
                year_number(year - era.starts_on.year() + 1)
            ),
            None => format!("{year}年度"),
        }
    }

    /// `令和8年6月1日` for 2026-06-01.
    pub fn date_label(&self, date: NaiveDate) -> String {
        match self.eras.iter().rev().find(|e| e.starts_on <= date) {
            Some(era) => format!(
                "{}{}年{}月{}日",
                era.name,
                year_number(date.year() - era.starts_on.year() + 1),
                date.month(),
                date.day()
            ),
            None => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        }
    }
}

impl Eras {
    /// The first fiscal year a text names (「平成30年度」, 「令和元年度」, 「平成31年度」,
    /// 「2018年度」, full-width digits too), or None.
    pub fn fiscal_year_in(&self, text: &str) -> Option<i32> {
        let chars: Vec<char> = text
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                _ => c,
            })
            .filter(|c| !c.is_whitespace())
            .collect();
        let s: String = chars.iter().collect();
        let mut best: Option<(usize, i32)> = None;
        let mut consider = |at: usize, year: i32| {
            if best.is_none_or(|(b, _)| at < b) {
                best = Some((at, year));
            }
        };
        for (at, _) in s.match_indices("年度") {
            let before = &s[..at];
            let digits: String = before
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let (n, rest) = if digits.is_empty() {
                match before.strip_suffix('元') {
                    Some(rest) => (Some(1), rest),
                    None => (None, before),
                }
            } else {
                (
                    digits.parse::<i32>().ok(),
                    &before[..before.len() - digits.len()],
                )
            };
            let Some(n) = n else { continue };
            if let Some(era) = self.eras.iter().find(|e| rest.ends_with(e.name.as_str())) {
                consider(at, era.starts_on.year() + n - 1);
            } else if digits.len() == 4 {
                consider(at, n);
            }
        }
        best.map(|(_, y)| y)
    }
}

impl Eras {
    /// The fiscal year a bare 「28年度」 means: in the latest era whose year `n` is not after
    /// `latest` (a plan printed in 平成 calls 2020 「32年度」, so 平成 is read while 令和28 would
    /// be far ahead).
    pub fn bare_fiscal_year(&self, n: i32, latest: i32) -> Option<i32> {
        if n < 1 {
            return None;
        }
        self.eras
            .iter()
            .rev()
            .map(|e| e.starts_on.year() + n - 1)
            .find(|y| *y <= latest)
    }
}

/// The first year of an era is written 元年.
fn year_number(n: i32) -> String {
    if n == 1 {
        "元".to_owned()
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eras() -> Eras {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        Eras::new(vec![
            Era {
                name: "令和".into(),
                starts_on: d(2019, 5, 1),
                first_fiscal_year: 2019,
            },
            Era {
                name: "昭和".into(),
                starts_on: d(1926, 12, 25),
                first_fiscal_year: 1927,
            },
            Era {
                name: "平成".into(),
                starts_on: d(1989, 1, 8),
                first_fiscal_year: 1989,
            },
        ])
    }

    #[test]
    fn fiscal_years_follow_the_government_labels() {
        let e = eras();
        for (year, label) in [
            (2026, "令和8年度"),
            (2020, "令和2年度"),
            (2019, "令和元年度"),
            (2018, "平成30年度"),
            (1989, "平成元年度"),
            (1988, "昭和63年度"),
            (1927, "昭和2年度"),
            (1900, "1900年度"),
        ] {
            assert_eq!(e.fiscal_year_label(year), label, "fiscal {year}");
        }
    }

    #[test]
    fn fiscal_years_are_read_from_titles() {
        let e = eras();
        assert_eq!(
            e.fiscal_year_in("企画財政部 平成30年度組織重点目標（実績・成果）"),
            Some(2018)
        );
        assert_eq!(e.fiscal_year_in("令和元年度"), Some(2019));
        assert_eq!(e.fiscal_year_in("平成31年度 組織目標"), Some(2019));
        assert_eq!(e.fiscal_year_in("令和 ８ 年度"), Some(2026));
        assert_eq!(e.fiscal_year_in("2018年度の目標"), Some(2018));
        assert_eq!(e.fiscal_year_in("組織重点目標"), None);
        assert_eq!(e.fiscal_year_in("18年度"), None);
    }

    #[test]
    fn dates_change_era_on_the_first_day() {
        let e = eras();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(e.date_label(d(2019, 4, 30)), "平成31年4月30日");
        assert_eq!(e.date_label(d(2019, 5, 1)), "令和元年5月1日");
        assert_eq!(e.date_label(d(1989, 1, 7)), "昭和64年1月7日");
        assert_eq!(e.date_label(d(1989, 1, 8)), "平成元年1月8日");
        assert_eq!(e.date_label(d(2026, 6, 1)), "令和8年6月1日");
    }
}
