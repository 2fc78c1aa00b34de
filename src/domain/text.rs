//! Text from outside (forms, queries, file names, spreadsheet cells) as the database may hold
//! it: PostgreSQL refuses NUL in text, and other control characters have no meaning in the
//! city's documents, so they are removed. Tabs and line breaks stay.

use std::borrow::Cow;

/// Whether `c` is a control character that text from outside must not carry.
pub fn is_forbidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// `text` without forbidden control characters (borrowed when it had none).
pub fn clean(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_forbidden) {
        Cow::Owned(text.chars().filter(|&c| !is_forbidden(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_other_controls_go_line_breaks_stay() {
        assert_eq!(clean("企画\0財政部"), "企画財政部");
        assert_eq!(clean("a\u{1b}[31mb\u{7f}"), "a[31mb");
        assert_eq!(clean("一行目\r\n二行目\t"), "一行目\r\n二行目\t");
        assert!(matches!(clean("そのまま"), Cow::Borrowed(_)));
    }
}
