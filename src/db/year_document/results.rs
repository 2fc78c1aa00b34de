//! The year-end half of a year's document: each department head's page and each goal's
//! result as printed, written idempotently (a row is touched only when it differs).

use crate::domain::document::ImportReport;
use crate::domain::document::YearDocument;
use sqlx::PgConnection;
use std::collections::HashMap;

/// Why a goal's status was set from the document (the status override needs a reason).
const AS_PUBLISHED: &str = "公表された結果のとおり";

/// Writes the profiles and goal results the document gives; leaves the others alone.
pub(super) async fn upsert_results(
    tx: &mut PgConnection,
    mid: i64,
    doc: &YearDocument,
    department_ids: &HashMap<String, i64>,
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    for d in &doc.departments {
        let department_id = department_ids[&d.slug];
        if let Some(p) = &d.profile {
            let written: Option<bool> = sqlx::query_scalar!(r#"INSERT INTO department_profile (municipality_id, department_id, head_name, head_name_kana, basic_policy, duties, summary)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (department_id) DO UPDATE SET head_name = EXCLUDED.head_name, head_name_kana = EXCLUDED.head_name_kana,
                     basic_policy = EXCLUDED.basic_policy, duties = EXCLUDED.duties, summary = EXCLUDED.summary,
                     version = department_profile.version + 1
                 WHERE (department_profile.head_name, department_profile.head_name_kana, department_profile.basic_policy,
                        department_profile.duties, department_profile.summary)
                       IS DISTINCT FROM (EXCLUDED.head_name, EXCLUDED.head_name_kana, EXCLUDED.basic_policy, EXCLUDED.duties, EXCLUDED.summary)
                 RETURNING (xmax = 0) AS "value!""#, mid, department_id, p.head_name, p.head_name_kana, p.basic_policy, p.duties, p.summary)
            .fetch_optional(&mut *tx)
            .await?;
            count(written, r);
        }
        if d.goals.iter().all(|g| g.status.is_none()) {
            continue;
        }
        let goal_ids: Vec<(i64, i32)> = sqlx::query!(
            "SELECT id, position FROM goal WHERE municipality_id = $1 AND department_id = $2",
            mid,
            department_id
        )
        .map(|r| (r.id, r.position))
        .fetch_all(&mut *tx)
        .await?;
        let by_position: HashMap<i32, i64> = goal_ids.into_iter().map(|(id, p)| (p, id)).collect();
        for (i, goal) in d.goals.iter().enumerate() {
            let (Some(status), Some(&goal_id)) = (goal.status, by_position.get(&(i as i32 + 1)))
            else {
                continue;
            };
            let written: Option<bool> = sqlx::query_scalar!(r#"INSERT INTO goal_result (municipality_id, goal_id, status_override, override_reason, status_label)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (goal_id) DO UPDATE SET status_override = EXCLUDED.status_override,
                     override_reason = EXCLUDED.override_reason, status_label = EXCLUDED.status_label,
                     version = goal_result.version + 1
                 WHERE (goal_result.status_override, goal_result.status_label)
                       IS DISTINCT FROM (EXCLUDED.status_override, EXCLUDED.status_label)
                 RETURNING (xmax = 0) AS "value!""#, mid, goal_id, status.as_str(), AS_PUBLISHED, goal.status_label)
            .fetch_optional(&mut *tx)
            .await?;
            count(written, r);
        }
    }
    Ok(())
}

fn count(written: Option<bool>, r: &mut ImportReport) {
    match written {
        Some(true) => r.inserted += 1,
        Some(false) => r.updated += 1,
        None => {}
    }
}
