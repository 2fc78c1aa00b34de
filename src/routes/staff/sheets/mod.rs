//! A department's yearly sheets as staff edit them: the editor page (`department.rs`), the one
//! editing path every change to a department's tree takes (`edit.rs`), the goals, initiatives
//! and criteria forms, the audit trail (`history.rs`), and the review (提出 → 承認 → 公表,
//! 差し戻し) in `workflow.rs`.

pub mod criteria;
pub mod department;
pub mod edit;
pub mod goals;
pub mod history;
pub mod initiatives;
pub mod last_year;
pub mod workflow;
