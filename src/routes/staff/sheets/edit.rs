//! The one path staff changes take — a department's goal tree (goals, initiatives,
//! criteria, and their results), and with [`Scope::organization`] the year's organization,
//! pillars, years, accounts and settings: a transaction in which
//! 1. the department's sheet is locked and its review state checked — so a save that began
//!    before the head's 提出 cannot land in the submitted sheet;
//! 2. the row under which rows are added, moved or removed is locked — so twenty people adding
//!    an initiative at once get positions ①…⑳, not a unique violation;
//! 3. the write and its audit entry (`routes::staff::audit`) are made, and a value the database
//!    still refuses becomes a Japanese 4xx page, never a 500 (a duplicate is
//!    `AppError::Conflict`, which forms turn into a message beside the field).
//!
//! Multi-year plans take their own lock first (`routes::staff::plans::begin_write`: the plan's
//! advisory lock, waited for without holding a connection, then the plan read on the writer's
//! connection); review steps and publication lock the sheet exclusively (`db::review`).

use crate::auth::Staff;
use crate::db::editing::{self, Item};
use crate::db::review::Lock::Shared;
use crate::error::{AppError, Result};
use crate::routes::staff::audit::Audit;
use crate::state::AppState;
use sqlx::PgConnection;

/// Which sheet a change belongs to, and the row to lock.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    /// The department and its sheet ("targets" or "results") whose review state must allow
    /// the change; None for the organization (departments, sections).
    pub sheet: Option<(i64, &'static str)>,
    /// The parent whose children change order or number.
    pub parent: Option<(Item, i64)>,
}

impl Scope {
    /// A change to the targets under `parent` (the department for goals, the goal for
    /// initiatives, the initiative for criteria).
    pub fn targets(department_id: i64, parent: Option<(Item, i64)>) -> Self {
        Self {
            sheet: Some((department_id, "targets")),
            parent,
        }
    }

    /// A change outside the yearly sheets (the organization, accounts, settings), the row
    /// `parent` locked, if given.
    pub fn organization(parent: Option<(Item, i64)>) -> Self {
        Self {
            sheet: None,
            parent,
        }
    }

    /// A change to the mid-year report of a department (the row `parent` locked, if given).
    pub fn midyear(department_id: i64, parent: Option<(Item, i64)>) -> Self {
        Self {
            sheet: Some((department_id, "midyear")),
            parent,
        }
    }

    /// A change to the results of a department (the row `parent` locked, if given).
    pub fn results(department_id: i64, parent: Option<(Item, i64)>) -> Self {
        Self {
            sheet: Some((department_id, "results")),
            parent,
        }
    }
}

/// Runs `write` in one transaction after the checks above; commits when it returns Ok.
pub async fn change<T>(
    state: &AppState,
    staff: &Staff,
    scope: Scope,
    write: impl AsyncFnOnce(&mut PgConnection) -> Result<T>,
) -> Result<T> {
    let mid = staff.municipality_id;
    let mut tx = state.pool.begin().await?;
    crate::db::changes::scope_changes_to(&mut tx, mid).await?;
    if let Some((department_id, kind)) = scope.sheet {
        let sheet_state =
            crate::db::review::lock_sheet(&mut tx, mid, department_id, kind, Shared).await?;
        check_editable(&sheet_state, staff, department_id)?;
    }
    if let Some((item, id)) = scope.parent
        && !editing::lock_row(&mut tx, item, mid, id).await?
    {
        return Err(AppError::NotFound);
    }
    let value = write(&mut tx).await.map_err(refused_value)?;
    tx.commit().await.map_err(|e| refused_value(e.into()))?;
    Ok(value)
}

/// Whether a sheet in `state` may be changed by this person: submitted sheets only by those
/// who review them (the head, planning staff), approved ones by nobody until reopened.
pub fn check_editable(state: &str, staff: &Staff, department_id: i64) -> Result<()> {
    match state {
        "approved" => Err(AppError::Locked),
        "submitted" if !staff.roles.can_edit_goals(department_id) => Err(AppError::Locked),
        _ => Ok(()),
    }
}

/// Database refusals a person's input can still cause (validation should have caught them)
/// as 4xx pages: a duplicate as a conflict, a value out of range or too long as a bad request.
fn refused_value(e: AppError) -> AppError {
    let AppError::Database(sqlx::Error::Database(db)) = &e else {
        return e;
    };
    match db.code().as_deref() {
        Some("23505") => AppError::Conflict,
        Some("22003" | "22001" | "22P05" | "23514") => AppError::BadRequest,
        _ => e,
    }
}

/// Refuses changes to a department's targets while they are submitted (except by the head
/// or planning staff, who review them) or approved (until reopened). An early check for
/// showing forms; [`change`] checks again with the sheet locked.
pub async fn require_editable(state: &AppState, staff: &Staff, department_id: i64) -> Result<()> {
    let (sheet_state, _) =
        crate::db::review::sheet_state(&state.pool, staff.municipality_id, department_id).await?;
    check_editable(&sheet_state, staff, department_id)
}

/// Where a row sits, for the audit trail and the locks.
pub struct Place {
    pub item: Item,
    pub id: i64,
    pub department_id: Option<i64>,
    pub goal_id: Option<i64>,
    /// The row whose children this row is among (locked while it moves or goes).
    pub parent: Option<(Item, i64)>,
}

impl Place {
    /// Records `action` on this row with what it was and what it became.
    pub async fn record<B: serde::Serialize, A: serde::Serialize>(
        &self,
        tx: &mut PgConnection,
        staff: &Staff,
        action: &'static str,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<()> {
        Audit::of(action, self.item.table(), self.id)
            .department_opt(self.department_id)
            .goal_opt(self.goal_id)
            .before_opt(before)
            .after_opt(after)
            .record(tx, staff)
            .await?;
        Ok(())
    }

    /// The scope of a change to this row: the department's targets for a part of the goal
    /// tree, none for the organization.
    fn scope(&self) -> Scope {
        match (self.item, self.department_id) {
            (Item::Goal | Item::Initiative | Item::Criterion, Some(department)) => {
                Scope::targets(department, self.parent)
            }
            _ => Scope::organization(self.parent),
        }
    }
}

/// Deletes a row if its version is still `version` (a conflict otherwise, changing nothing)
/// and records what it was.
pub async fn delete_recorded<T: serde::Serialize>(
    state: &AppState,
    staff: &Staff,
    place: Place,
    version: Option<i32>,
    before: &T,
) -> Result<()> {
    change(state, staff, place.scope(), async |tx| {
        let mid = staff.municipality_id;
        if !editing::delete_item(tx, place.item, mid, place.id, version.unwrap_or(-1)).await? {
            return Err(AppError::Conflict);
        }
        place
            .record(tx, staff, "delete", Some(before), None::<&()>)
            .await
    })
    .await
}

/// Moves a row one place up (`direction=up`) or down among its siblings and records the move;
/// at either end nothing happens.
pub async fn move_recorded(
    state: &AppState,
    staff: &Staff,
    place: Place,
    direction: Option<&str>,
) -> Result<()> {
    let up = direction == Some("up");
    change(state, staff, place.scope(), async |tx| {
        if editing::move_item(tx, place.item, staff.municipality_id, place.id, up).await? {
            let after = serde_json::json!({ "direction": if up { "up" } else { "down" } });
            place
                .record(tx, staff, "move", None::<&()>, Some(&after))
                .await?;
        }
        Ok(())
    })
    .await
}
