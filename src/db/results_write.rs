//! Writing the results an uploaded file states (the SQL of `import::upload`) (actuals per criterion, 実績 and 成果, statuses
//! as overrides where they differ from the computation) for one department, in a few
//! statements whatever its size: each kind of row is read and written in one batch.

use crate::db::goal_tree::TreeIds;
use crate::domain::document::{ActualDoc, GoalDoc};
use crate::domain::metric::Comparator;
use crate::domain::status::{self, CriterionResult, Status};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use std::collections::HashMap;

/// The reason recorded when an imported status differs from the computed one.
pub const IMPORTED_STATUS_REASON: &str = "Excelから取り込んだ評価";

#[derive(sqlx::FromRow)]
struct StoredInitiativeResult {
    initiative_id: i64,
    performance: Vec<String>,
    outcome: Vec<String>,
    status_override: Option<String>,
    override_reason: Option<String>,
}

/// Writes the results the file states for a department's initiatives and goals; returns the
/// number of rows written.
pub async fn write_results(
    tx: &mut PgConnection,
    mid: i64,
    goals: &[GoalDoc],
    ids: &TreeIds,
) -> sqlx::Result<usize> {
    let mut written = write_actuals(tx, mid, goals, ids).await?;
    let with_results: Vec<i64> = goals
        .iter()
        .zip(ids)
        .flat_map(|(g, (_, inits))| g.initiatives.iter().zip(inits))
        .filter(|(i, _)| i.results.is_some())
        .map(|(_, (id, _))| *id)
        .collect();
    let computed = computed_statuses(tx, mid, &with_results).await?;
    let stored: HashMap<i64, StoredInitiativeResult> = sqlx::query_as!(StoredInitiativeResult, r#"SELECT initiative_id, performance, outcome, status_override AS "status_override?", override_reason AS "override_reason?" FROM initiative_result
         WHERE municipality_id = $1 AND initiative_id = ANY($2)"#, mid, &with_results[..])
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|s| (s.initiative_id, s))
    .collect();
    let mut rows = Vec::new();
    let mut goal_statuses = Vec::new();
    for (goal, (goal_id, initiative_ids)) in goals.iter().zip(ids) {
        let mut effective = Vec::with_capacity(goal.initiatives.len());
        for (initiative, (initiative_id, _)) in goal.initiatives.iter().zip(initiative_ids) {
            let Some(res) = &initiative.results else {
                effective.push(None);
                continue;
            };
            let computed = computed.get(initiative_id).copied().flatten();
            let stored = stored.get(initiative_id);
            let (old_override, old_reason) = stored
                .map(|s| (s.status_override.clone(), s.override_reason.clone()))
                .unwrap_or_default();
            let (new_override, new_reason) =
                judged_override(res.status, computed, old_override, old_reason);
            let unchanged = stored.is_some_and(|s| {
                s.performance == res.performance
                    && s.outcome == res.outcome
                    && s.status_override == new_override
                    && s.override_reason == new_reason
            }) || (stored.is_none()
                && res.performance.is_empty()
                && res.outcome.is_empty()
                && new_override.is_none());
            effective.push(status::effective(
                computed,
                new_override.as_deref().and_then(Status::from_db),
            ));
            if !unchanged {
                rows.push(serde_json::json!({
                    "i": initiative_id, "p": res.performance, "o": res.outcome, "s": new_override, "r": new_reason,
                }));
            }
        }
        if goal.status.is_some() {
            goal_statuses.push((*goal_id, goal.status, status::goal(&effective)));
        }
    }
    if !rows.is_empty() {
        written += sqlx::query!("INSERT INTO initiative_result (municipality_id, initiative_id, performance, outcome, status_override, override_reason)
             SELECT $1, x.i, ARRAY(SELECT jsonb_array_elements_text(x.p)), ARRAY(SELECT jsonb_array_elements_text(x.o)), x.s, x.r
             FROM jsonb_to_recordset($2::jsonb) AS x(i bigint, p jsonb, o jsonb, s text, r text)
             ON CONFLICT (initiative_id) DO UPDATE SET performance = EXCLUDED.performance, outcome = EXCLUDED.outcome,
                 status_override = EXCLUDED.status_override, override_reason = EXCLUDED.override_reason,
                 version = initiative_result.version + 1, updated_at = now()", mid, serde_json::Value::Array(rows))
        .execute(&mut *tx)
        .await?
        .rows_affected() as usize;
    }
    written += write_goal_statuses(tx, mid, &goal_statuses).await?;
    Ok(written)
}

/// The actual values the file gives, per criterion, upserted where they differ.
async fn write_actuals(
    tx: &mut PgConnection,
    mid: i64,
    goals: &[GoalDoc],
    ids: &TreeIds,
) -> sqlx::Result<usize> {
    let (mut criteria, mut values, mut texts, mut reasons) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (goal, (_, initiative_ids)) in goals.iter().zip(ids) {
        for (initiative, (_, criterion_ids)) in goal.initiatives.iter().zip(initiative_ids) {
            let Some(res) = &initiative.results else {
                continue;
            };
            for (actual, criterion_id) in res.actuals.iter().zip(criterion_ids) {
                let Some(actual) = actual else { continue };
                let (value, text, reason): (Option<Decimal>, Option<String>, Option<String>) =
                    match actual {
                        ActualDoc::Value(v) => (Some(*v), None, None),
                        ActualDoc::Text(t) => (None, Some(t.clone()), None),
                        ActualDoc::NotApplicable(r) => (None, None, Some(r.clone())),
                    };
                criteria.push(*criterion_id);
                values.push(value);
                texts.push(text);
                reasons.push(reason);
            }
        }
    }
    if criteria.is_empty() {
        return Ok(0);
    }
    let n = sqlx::query!("INSERT INTO criterion_result (municipality_id, criterion_id, actual_value, actual_text, not_applicable, not_applicable_reason)
         SELECT $1, x.c, x.v, x.t, x.r IS NOT NULL, x.r FROM unnest($2::bigint[], $3::numeric[], $4::text[], $5::text[]) AS x(c, v, t, r)
         ON CONFLICT (criterion_id) DO UPDATE SET actual_value = EXCLUDED.actual_value, actual_text = EXCLUDED.actual_text,
             not_applicable = EXCLUDED.not_applicable, not_applicable_reason = EXCLUDED.not_applicable_reason
         WHERE (criterion_result.actual_value, criterion_result.actual_text, criterion_result.not_applicable, criterion_result.not_applicable_reason)
               IS DISTINCT FROM (EXCLUDED.actual_value, EXCLUDED.actual_text, EXCLUDED.not_applicable, EXCLUDED.not_applicable_reason)", mid, &criteria[..], &values[..] as &[Option<Decimal>], &texts[..] as &[Option<String>], &reasons[..] as &[Option<String>])
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(n as usize)
}

/// The status each initiative's criteria give, as stored in `tx`.
async fn computed_statuses(
    tx: &mut PgConnection,
    mid: i64,
    initiatives: &[i64],
) -> sqlx::Result<HashMap<i64, Option<Status>>> {
    // (initiative, target value, comparator, actual value, not applicable) per criterion.
    type Row = (
        i64,
        Option<Decimal>,
        Option<String>,
        Option<Decimal>,
        Option<bool>,
    );
    let rows: Vec<Row> = sqlx::query!(r#"SELECT c.initiative_id, c.target_value, c.comparator, r.actual_value AS "actual_value?", r.not_applicable AS "not_applicable?"
         FROM criterion c LEFT JOIN criterion_result r ON r.criterion_id = c.id
         WHERE c.municipality_id = $1 AND c.initiative_id = ANY($2)"#, mid, initiatives)
    .map(|r| (r.initiative_id, r.target_value, r.comparator, r.actual_value, r.not_applicable))
    .fetch_all(&mut *tx)
    .await?;
    let mut judged: HashMap<i64, Vec<CriterionResult>> =
        initiatives.iter().map(|i| (*i, Vec::new())).collect();
    for (initiative, target, comparator, actual, na) in rows {
        judged.entry(initiative).or_default().push(CriterionResult {
            target: target.map(|v| {
                (
                    v,
                    comparator
                        .as_deref()
                        .and_then(Comparator::from_db)
                        .unwrap_or(Comparator::AtLeast),
                )
            }),
            actual,
            not_applicable: na.unwrap_or(false),
        });
    }
    Ok(judged
        .into_iter()
        .map(|(i, c)| (i, status::computed(&c)))
        .collect())
}

/// The override an imported status means: none when it matches the computation, the stored
/// one when it already says the same, otherwise the imported status with a standard reason.
/// No imported status leaves the stored override alone.
fn judged_override(
    imported: Option<Status>,
    computed: Option<Status>,
    old: Option<String>,
    old_reason: Option<String>,
) -> (Option<String>, Option<String>) {
    match imported {
        None => (old, old_reason),
        Some(s) if Some(s) == computed => (None, None),
        Some(s) if old.as_deref() == Some(s.as_str()) => (old, old_reason),
        Some(s) => (
            Some(s.as_str().to_owned()),
            Some(IMPORTED_STATUS_REASON.to_owned()),
        ),
    }
}

/// Goals' imported statuses (goal id, imported, computed from its initiatives), written as
/// overrides where they differ from what is stored.
async fn write_goal_statuses(
    tx: &mut PgConnection,
    mid: i64,
    goals: &[(i64, Option<Status>, Option<Status>)],
) -> sqlx::Result<usize> {
    if goals.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = goals.iter().map(|g| g.0).collect();
    let stored: HashMap<i64, (Option<String>, Option<String>)> =
        sqlx::query!("SELECT goal_id, status_override, override_reason FROM goal_result WHERE municipality_id = $1 AND goal_id = ANY($2)", mid, &ids[..]).map(|r| (r.goal_id, r.status_override, r.override_reason))
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|(g, o, r)| (g, (o, r)))
        .collect();
    let (mut changed, mut overrides, mut reasons) = (Vec::new(), Vec::new(), Vec::new());
    for (goal_id, imported, computed) in goals {
        let old = stored.get(goal_id);
        let (o, r) = old.cloned().unwrap_or_default();
        let new = judged_override(*imported, *computed, o, r);
        if old == Some(&new) || (old.is_none() && new.0.is_none()) {
            continue;
        }
        changed.push(*goal_id);
        overrides.push(new.0);
        reasons.push(new.1);
    }
    if changed.is_empty() {
        return Ok(0);
    }
    let n = sqlx::query!(
        "INSERT INTO goal_result (municipality_id, goal_id, status_override, override_reason)
         SELECT $1, x.g, x.o, x.r FROM unnest($2::bigint[], $3::text[], $4::text[]) AS x(g, o, r)
         ON CONFLICT (goal_id) DO UPDATE SET status_override = EXCLUDED.status_override,
             override_reason = EXCLUDED.override_reason, version = goal_result.version + 1",
        mid,
        &changed[..],
        &overrides[..] as &[Option<String>],
        &reasons[..] as &[Option<String>]
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(n as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imported_statuses_become_overrides_only_where_they_differ() {
        let a = Status::Achieved;
        let p = Status::PartlyAchieved;
        assert_eq!(judged_override(Some(a), Some(a), None, None), (None, None));
        assert_eq!(
            judged_override(Some(p), Some(a), None, None),
            (
                Some("partly_achieved".into()),
                Some(IMPORTED_STATUS_REASON.into())
            )
        );
        // A head's own override saying the same keeps its reason.
        assert_eq!(
            judged_override(
                Some(p),
                None,
                Some("partly_achieved".into()),
                Some("理由".into())
            ),
            (Some("partly_achieved".into()), Some("理由".into()))
        );
        assert_eq!(
            judged_override(None, None, Some("started".into()), Some("理由".into())),
            (Some("started".into()), Some("理由".into()))
        );
    }
}
