//! Worksheet names Excel accepts, made from department names that may not be.

/// Valid, distinct worksheet names for `names`, in order. Excel allows at most 31 characters
/// (counted in UTF-16 units, as Excel counts), none of `[]:*?/\\`, no apostrophe at either
/// end, not the reserved "History", and no two equal ignoring case; a name that would repeat
/// gets "(2)", "(3)"… The department's full name stays in each sheet's title row.
pub fn sheet_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    const MAX_UNITS: usize = 31;
    fn fit(text: &str, units: usize) -> String {
        let mut out = String::new();
        let mut used = 0;
        for c in text.chars() {
            if used + c.len_utf16() > units {
                break;
            }
            used += c.len_utf16();
            out.push(c);
        }
        out
    }
    let mut taken: Vec<String> = Vec::new();
    let mut result = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        let cleaned: String = name
            .chars()
            .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control())
            .collect();
        let mut base = fit(cleaned.trim().trim_matches('\'').trim(), MAX_UNITS);
        if base.is_empty() || base.eq_ignore_ascii_case("history") {
            base = format!("Sheet{}", i + 1);
        }
        let mut candidate = base.clone();
        let mut n = 2;
        while taken
            .iter()
            .any(|t| t.to_lowercase() == candidate.to_lowercase())
        {
            let suffix = format!("({n})");
            let head = fit(&base, MAX_UNITS - suffix.len());
            candidate = format!("{}{suffix}", head.trim_end_matches('\''));
            n += 1;
        }
        taken.push(candidate.clone());
        result.push(candidate);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::Workbook;

    #[test]
    fn sheet_names_are_valid_and_distinct_whatever_the_departments_are_called() {
        let long = "あ".repeat(40);
        let names = sheet_names([
            "企画財政部",
            "'引用部'",
            "[特別]部:会計*?/\\",
            long.as_str(),
            long.as_str(),
            "企画財政部",
            "",
            "History",
            "😀".repeat(20).as_str(),
        ]);
        assert_eq!(names[0], "企画財政部");
        assert_eq!(names[1], "引用部");
        assert_eq!(names[2], "特別部会計");
        assert_eq!(names[3].chars().count(), 31);
        assert_eq!(names[4], format!("{}(2)", "あ".repeat(28)));
        assert_eq!(names[5], "企画財政部(2)");
        assert_eq!(names[6], "Sheet7");
        assert_eq!(names[7], "Sheet8");
        assert!(names[8].encode_utf16().count() <= 31);
        // rust_xlsxwriter accepts every one of them in one workbook.
        let mut wb = Workbook::new();
        for name in &names {
            wb.add_worksheet().set_name(name).unwrap();
        }
        wb.save_to_buffer().unwrap();
    }
}
