//! Domain rules: validated types and pure logic, with no SQL and no HTTP.

pub mod clock;
pub mod deadline;
pub mod diff;
pub mod document;
pub mod era;
pub mod metric;
pub mod midyear;
pub mod numbering;
pub mod permission;
pub mod personnel;
pub mod plan;
pub mod plan_document;
pub mod plan_limits;
pub mod plan_view;
pub mod prefecture;
pub mod sheet;
pub mod stages;
pub mod status;
pub mod summary;
pub mod text;
pub mod upload;
