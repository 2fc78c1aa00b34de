//! A multi-year plan as a document (the 加須市 demo file) and its idempotent application:
//! the plan (a policy) by slug, its nodes (pillar rows) by their number under their parent, items by number, indicators by position under
//! their item, targets by year. Applying the same document twice writes nothing, and the
//! actuals recorded against indicators survive a reload.

pub mod actuals;

pub mod book;
pub mod compare;
pub use crate::db::plan_apply::apply;
pub use crate::domain::plan_document::*;
pub use compare::{Changes, ItemChange, NodeChange, compare, node_keys};
