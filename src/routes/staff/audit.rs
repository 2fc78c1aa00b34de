//! The one way a staff change is recorded in the audit trail: what was done to which row,
//! where the row sits (department, goal), what it was and what it became. It is written on
//! the change's own transaction, so the change and its record commit together or not at all.

use crate::auth::Staff;
use crate::db::editing::{self, AuditEntry};
use serde::Serialize;
use sqlx::PgConnection;

/// One audit entry being built: `Audit::of("update", "goal", id).department(d).before(&old)
/// .after(&new).record(tx, staff)`.
#[must_use = "an audit entry is written by `record`"]
pub struct Audit {
    action: &'static str,
    entity: &'static str,
    id: i64,
    department_id: Option<i64>,
    goal_id: Option<i64>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

fn json<T: Serialize + ?Sized>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

impl Audit {
    /// `action` (create, update, delete, …) done to the row `id` of the table `entity`.
    pub fn of(action: &'static str, entity: &'static str, id: i64) -> Self {
        Audit {
            action,
            entity,
            id,
            department_id: None,
            goal_id: None,
            before: None,
            after: None,
        }
    }

    /// The department the row belongs to (its trail lists the entry).
    pub fn department(self, id: i64) -> Self {
        self.department_opt(Some(id))
    }

    pub fn department_opt(mut self, id: Option<i64>) -> Self {
        self.department_id = id;
        self
    }

    /// The goal the row belongs to (the goal's history lists the entry).
    pub fn goal(self, id: i64) -> Self {
        self.goal_opt(Some(id))
    }

    pub fn goal_opt(mut self, id: Option<i64>) -> Self {
        self.goal_id = id;
        self
    }

    /// What the row was.
    pub fn before<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        self.before = json(value);
        self
    }

    pub fn before_opt<T: Serialize + ?Sized>(mut self, value: Option<&T>) -> Self {
        self.before = value.and_then(json);
        self
    }

    /// What the row became.
    pub fn after<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        self.after = json(value);
        self
    }

    pub fn after_opt<T: Serialize + ?Sized>(mut self, value: Option<&T>) -> Self {
        self.after = value.and_then(json);
        self
    }

    /// Writes the entry on `tx`, as done by `staff`.
    pub async fn record(self, tx: &mut PgConnection, staff: &Staff) -> sqlx::Result<()> {
        let entry = AuditEntry {
            user_id: staff.user_id,
            action: self.action,
            entity: self.entity,
            entity_id: self.id,
            department_id: self.department_id,
            goal_id: self.goal_id,
            before: self.before.as_ref(),
            after: self.after.as_ref(),
        };
        editing::audit(tx, staff.municipality_id, entry).await
    }
}
