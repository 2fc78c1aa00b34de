//! Text from outside (forms, queries, file names, spreadsheet cells) as the database may hold
//! it: PostgreSQL refuses NUL in text, and other control characters have no meaning in the
//! city's documents, so they are removed — as are the invisible characters that would make two
//! names look alike or reorder what is shown (zero-width spaces and joiners, direction marks,
//! embeddings, overrides and isolates, the BOM). Tabs and line breaks stay.

use std::borrow::Cow;

/// Whether `c` is a control or invisible formatting character that text from outside must
/// not carry.
pub fn is_forbidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{FFFE}'
                | '\u{FFFF}'
        )
}

/// `text` without forbidden control characters (borrowed when it had none).
pub fn clean(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_forbidden) {
        Cow::Owned(text.chars().filter(|&c| !is_forbidden(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Form pairs without control characters, encoded again.
pub fn clean_pairs(pairs: &[(String, String)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(&clean(k), &clean(v));
    }
    out.finish()
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
        assert_eq!(clean("総務部\u{200b}"), "総務部");
        assert_eq!(clean("\u{feff}企画\u{202e}部\u{2066}"), "企画部");
        assert_eq!(clean("ａｂｃ　全角"), "ａｂｃ　全角");
    }
}
