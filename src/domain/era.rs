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
