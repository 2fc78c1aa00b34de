//! Reading what cities bring: spreadsheets (their own workbooks, our templates and exports),
//! CSV, and the demo cities' data files, into documents (`domain::document`,
//! `domain::plan_document`, `domain::upload`). What a document writes is in `db`
//! (`db::year_document`, `db::goal_tree`, `db::plan_apply`); this module reads and checks.

pub mod cells;
pub mod job;
pub mod layout;
pub mod plan;
pub mod spreadsheet;
pub mod upload;

pub use crate::db::year_document::{ImportError, apply};
pub use crate::domain::document::ImportReport;
