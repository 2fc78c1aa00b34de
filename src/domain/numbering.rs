//! The circled numbers (①②…) that number initiatives on every page.

/// `①` for 1 … `⑳` for 20, `㉑` … `㊿` up to 50, then `(51)`.
pub fn circled(n: usize) -> String {
    match n {
        1..=20 => char::from_u32(0x2460 + n as u32 - 1)
            .map(String::from)
            .unwrap_or_default(),
        21..=35 => char::from_u32(0x3251 + n as u32 - 21)
            .map(String::from)
            .unwrap_or_default(),
        36..=50 => char::from_u32(0x32B1 + n as u32 - 36)
            .map(String::from)
            .unwrap_or_default(),
        _ => format!("({n})"),
    }
}

#[cfg(test)]
mod tests {
    use super::circled;

    #[test]
    fn circled_numbers_cover_the_unicode_ranges() {
        assert_eq!(circled(1), "①");
        assert_eq!(circled(9), "⑨");
        assert_eq!(circled(20), "⑳");
        assert_eq!(circled(21), "㉑");
        assert_eq!(circled(36), "㊱");
        assert_eq!(circled(50), "㊿");
        assert_eq!(circled(51), "(51)");
    }
}
