//! When an item is to be done (いつまで): a month of the fiscal year (「1月」), the end of the
//! fiscal year (「年度末」) or ongoing (「随時」). Written with full- or half-width digits;
//! stored in one canonical spelling.

use super::metric::normalize_digits;

/// The canonical spelling of a deadline, or None when it is not one.
pub fn parse_deadline(s: &str) -> Option<String> {
    let t: String = normalize_digits(s.trim())
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    match t.as_str() {
        "年度末" | "随時" => return Some(t),
        _ => {}
    }
    let month = t.strip_suffix('月')?;
    let n: u32 = month.parse().ok()?;
    (1..=12).contains(&n).then(|| format!("{n}月"))
}

/// The message for a deadline that is not one.
pub const DEADLINE_HELP: &str =
    "いつまでは「1月」～「12月」、「年度末」または「随時」で入力してください。";

#[cfg(test)]
mod tests {
    use super::parse_deadline;

    #[test]
    fn months_end_of_year_and_ongoing() {
        assert_eq!(parse_deadline("1月").as_deref(), Some("1月"));
        assert_eq!(parse_deadline("１２月").as_deref(), Some("12月"));
        assert_eq!(parse_deadline(" 年度末 ").as_deref(), Some("年度末"));
        assert_eq!(parse_deadline("随時").as_deref(), Some("随時"));
        assert_eq!(parse_deadline("13月"), None);
        assert_eq!(parse_deadline("来年"), None);
        assert_eq!(parse_deadline("0月"), None);
    }
}
