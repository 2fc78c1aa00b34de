//! The era table as migrated, through the era module.

use crate::helpers::fresh_pool;
use chrono::NaiveDate;

#[tokio::test]
async fn fiscal_years_and_dates_use_the_migrated_era_table() {
    let pool = fresh_pool().await;
    let eras = mokuhyo::db::load_eras(&pool).await.unwrap();

    for (year, label) in [
        (2026, "令和8年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (1990, "平成2年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
        (1927, "昭和2年度"),
        (1926, "大正15年度"),
        (1912, "大正元年度"),
    ] {
        assert_eq!(eras.fiscal_year_label(year), label, "fiscal {year}");
    }
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    for (date, label) in [
        (d(2019, 4, 30), "平成31年4月30日"),
        (d(2019, 5, 1), "令和元年5月1日"),
        (d(1989, 1, 7), "昭和64年1月7日"),
        (d(1989, 1, 8), "平成元年1月8日"),
        (d(2026, 6, 1), "令和8年6月1日"),
    ] {
        assert_eq!(eras.date_label(date), label, "{date}");
    }
}

#[tokio::test]
async fn a_new_era_is_one_row() {
    let pool = fresh_pool().await;
    sqlx::query("INSERT INTO era (name, starts_on, first_fiscal_year) VALUES ('新元号', '2040-07-01', 2040)").execute(&pool).await.unwrap();
    let eras = mokuhyo::db::load_eras(&pool).await.unwrap();

    assert_eq!(eras.fiscal_year_label(2039), "令和21年度");
    assert_eq!(eras.fiscal_year_label(2040), "新元号元年度");
    assert_eq!(
        eras.date_label(NaiveDate::from_ymd_opt(2040, 6, 30).unwrap()),
        "令和22年6月30日"
    );
}
