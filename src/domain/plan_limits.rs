//! The one set of limits a multi-year plan is held to, whichever way it comes in (the editor,
//! a workbook, the command line, the demo files): the editor's forms say them beside the
//! field, and `PlanDocument::problems` refuses a document that breaks them.

/// The first fiscal year a plan may cover (平成元年度) and the last.
pub const YEARS: std::ops::RangeInclusive<i32> = 1989..=2100;
/// The longest period, in fiscal years.
pub const MAX_PERIOD: i32 = 20;
pub const NAME_MAX: usize = 100;
pub const ADOPTED_MAX: usize = 50;
pub const MAX_LEVELS: usize = 6;
pub const LEVEL_NAME_MAX: usize = 20;
pub const ITEM_LABEL_MAX: usize = 20;
pub const NODE_LABEL_MAX: usize = 10;
pub const NODE_TITLE_MAX: usize = 200;
pub const NODE_DESCRIPTION_MAX: usize = 2000;
pub const ITEM_NUMBERS: std::ops::RangeInclusive<i32> = 1..=99999;
pub const ITEM_TITLE_MAX: usize = 200;
pub const ITEM_CONTENT_MAX: usize = 2000;
pub const MAX_SECTIONS: usize = 20;
pub const SECTION_NAME_MAX: usize = 50;
pub const INDICATOR_NAME_MAX: usize = 300;
pub const UNIT_MAX: usize = 20;
pub const BASELINE_MAX: usize = 200;
/// Baseline years (a baseline may predate the plan by decades).
pub const BASELINE_YEARS: std::ops::RangeInclusive<i32> = 1950..=2100;
pub const TARGET_MAX: usize = 50;

/// Whether `text` has more than `max` characters.
pub fn too_long(text: &str, max: usize) -> bool {
    text.chars().count() > max
}

/// Whether a period is one a plan may have: both years within [`YEARS`], in order, at most
/// [`MAX_PERIOD`] years.
pub fn period_ok(first: i32, last: i32) -> bool {
    YEARS.contains(&first) && YEARS.contains(&last) && first <= last && last - first < MAX_PERIOD
}
