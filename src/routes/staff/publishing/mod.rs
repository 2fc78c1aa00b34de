//! Publishing a year: the year's publication overview and publishing every department in
//! one step (`year.rs`), and the year as a static site for the city's website (`site.rs`).

pub mod site;
pub mod year;
