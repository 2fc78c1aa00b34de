//! One cell of a plan workbook: a name on one line, an item number as plans print it, a
//! signed number.

use crate::domain::metric::parse_number;
use crate::import::cells::squash;

pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// 「-12」「12」「No.12」「－１２」.
pub(super) fn item_number(text: &str) -> Option<i32> {
    let s = squash(text);
    let s = s.trim_start_matches("No.").trim_start_matches("No");
    let s = s.strip_prefix(['-', '‐', '−', 'ー']).unwrap_or(s);
    s.parse().ok().filter(|n| *n > 0)
}

/// A number with 「▲」 or a minus for negatives.
pub(super) fn signed_number(text: &str) -> Option<rust_decimal::Decimal> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix(['▲', '-', '－']) {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    parse_number(digits).map(|n| if negative { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_numbers_as_plans_print_them() {
        assert_eq!(item_number("-12"), Some(12));
        assert_eq!(item_number("－１２"), Some(12));
        assert_eq!(item_number("No.3"), Some(3));
        assert_eq!(item_number("7"), Some(7));
        assert_eq!(item_number("a"), None);
        assert_eq!(item_number("0"), None);
    }
}
