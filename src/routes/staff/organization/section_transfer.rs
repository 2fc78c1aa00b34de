//! Moving a section to another department of the year (a reorganization, or a past year's
//! organization put right): its initiatives and its chief's role go with it.

use crate::auth::Staff;
use crate::error::Result;
use crate::routes::staff::audit::Audit;
use crate::routes::staff::organization::organization_error;
use crate::routes::staff::organization::sections::section_year;
use crate::routes::staff::require;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct TransferForm {
    #[serde(default)]
    department: String,
}

/// `POST /staff/admin/sections/{id}/department` with `department=<id>`.
pub async fn transfer_section(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<TransferForm>,
) -> Result<Response> {
    require(staff.roles.is_admin())?;
    let mid = staff.municipality_id;
    let (section, year) = section_year(&state, &staff, id).await?;
    let field = format!("transfer_{id}");
    let target: Option<i64> = form.department.trim().parse().ok();
    let Some(target) = target.filter(|t| *t != section.department_id) else {
        let message = "移す先の部を選んでください（今と違う部）。";
        return organization_error(
            &state,
            staff,
            year,
            &field,
            message,
            vec![(field.as_str(), form.department.as_str())],
        )
        .await;
    };
    let mut tx = state.pool.begin().await?;
    crate::db::changes::scope_changes_to(&mut tx, mid).await?;
    if !crate::db::section_transfer::transfer_section(&mut tx, mid, id, target).await? {
        drop(tx);
        let message =
            "移す先の部がこの年度にありません。ページを読み込み直して選び直してください。";
        return organization_error(&state, staff, year, &field, message, vec![]).await;
    }
    let carried = crate::db::section_transfer::carry_section_initiatives(
        &mut tx,
        mid,
        id,
        section.department_id,
        target,
    )
    .await?;
    let before = serde_json::json!({ "department_id": section.department_id });
    let after = serde_json::json!({
        "department_id": target,
        "goals_moved": carried.goals,
        "goals_copied": carried.goals_copied,
        "initiatives_moved": carried.initiatives,
    });
    Audit::of("move", "section", id)
        .department(target)
        .before(&before)
        .after(&after)
        .record(&mut tx, &staff)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/admin/years/{year}#section-{id}")).into_response())
}
