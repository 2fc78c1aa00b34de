//! Multi-year plans coming in: a plan workbook read into a document (`book/`), a year's
//! actuals from a workbook (`actuals.rs`), and the stored plan compared with a document
//! (`compare.rs`). The document is `domain::plan_document`; applying it, `db::plan_apply`.

pub mod actuals;

pub mod book;
pub mod compare;
pub use crate::db::plan_apply::apply;
pub use crate::domain::plan_document::*;
pub use compare::{Changes, ItemChange, NodeChange, compare, node_keys};
