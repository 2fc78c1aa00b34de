//! A department's live (draft) sheets built from the rows: the target sheet (目標) and the
//! results sheet (実績・成果). What is published is a frozen copy of these (`db::publication`).

use super::results::{
    InitiativeResult, criteria_with_results, department_results, goal_overrides, profile,
};
use crate::db::public as q;
use crate::domain::metric::Comparator;
use crate::domain::numbering::circled;
use crate::domain::sheet::{
    GoalGroup, GoalView, HeadPage, InitiativeView, PillarHeading, ResultsGoal, ResultsGroup,
    ResultsInitiative, ResultsSheet, SheetHeader, Target, TargetSheet,
};
use crate::domain::status::{self, CriterionResult, Status};
use sqlx::PgPool;
use std::collections::HashMap;

/// The live (draft) target sheet of a department: four queries whatever its size.
pub async fn target_sheet(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
    department_name: &str,
    policy_id: i64,
) -> sqlx::Result<TargetSheet> {
    let (pillars, goals, initiatives, criteria, (header, review)) = tokio::try_join!(
        q::pillars(pool, mid, policy_id),
        q::goals(pool, mid, department_id),
        q::initiatives(pool, mid, department_id),
        q::criteria(pool, mid, department_id),
        sheet_header(pool, mid, department_id),
    )?;
    Ok(TargetSheet {
        department_name: department_name.to_owned(),
        groups: assemble(&pillars, goals, initiatives, criteria),
        header,
        review,
    })
}

/// The header recorded for a department's sheet (from its profile), if any, and the head's
/// 前年度の振り返り (empty when none), in one statement.
async fn sheet_header(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
) -> sqlx::Result<(Option<SheetHeader>, String)> {
    let row = sqlx::query!(
        r#"SELECT p.drawn_up_on AS "drawn_up_on?", p.head_title AS "head_title?", p.head_name AS "head_name?",
                  COALESCE(r.text, '') AS "review!"
             FROM department d
             LEFT JOIN department_profile p ON p.municipality_id = d.municipality_id AND p.department_id = d.id
                  AND (p.drawn_up_on IS NOT NULL OR p.head_title <> '')
             LEFT JOIN last_year_review r ON r.municipality_id = d.municipality_id AND r.department_id = d.id
            WHERE d.municipality_id = $1 AND d.id = $2"#,
        mid,
        department_id
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok((None, String::new()));
    };
    let header = row.head_title.map(|head_title| SheetHeader {
        drawn_up_on: row.drawn_up_on,
        head_title,
        head_name: row.head_name.unwrap_or_default(),
    });
    Ok((header, row.review))
}

/// Nests the department's rows into the document's layout: consecutive goals sharing the
/// same pillars form one group.
fn assemble(
    pillars: &[q::Pillar],
    goals: Vec<q::GoalRow>,
    initiatives: Vec<q::InitiativeRow>,
    criteria: Vec<q::CriterionRow>,
) -> Vec<GoalGroup> {
    let mut criteria_of: HashMap<i64, Vec<(String, Option<Target>)>> = HashMap::new();
    for c in criteria {
        let target = match (c.target_value, c.unit, c.comparator) {
            (Some(value), Some(unit), Some(comparator)) => Some(Target {
                value: value.normalize().to_string(),
                unit,
                comparator,
            }),
            _ => None,
        };
        criteria_of
            .entry(c.initiative_id)
            .or_default()
            .push((c.text, target));
    }
    let mut initiatives_of: HashMap<i64, Vec<InitiativeView>> = HashMap::new();
    for i in initiatives {
        let list = initiatives_of.entry(i.goal_id).or_default();
        let (criteria, targets) = criteria_of
            .remove(&i.id)
            .unwrap_or_default()
            .into_iter()
            .unzip();
        list.push(InitiativeView {
            id: i.id,
            number: circled(list.len() + 1),
            text: i.text,
            sections: i.sections,
            criteria,
            targets,
            deadline: i.deadline,
        });
    }
    let mut groups: Vec<(Vec<i64>, GoalGroup)> = Vec::new();
    for g in goals {
        let view = GoalView {
            id: g.id,
            text: g.text,
            initiatives: initiatives_of.remove(&g.id).unwrap_or_default(),
            category: g.category,
            carried: g.predecessor_id.is_some(),
        };
        match groups.last_mut() {
            Some((ids, group)) if *ids == g.pillar_ids => group.goals.push(view),
            _ => {
                let headings = g
                    .pillar_ids
                    .iter()
                    .filter_map(|id| pillars.iter().find(|p| p.id == *id))
                    .map(|p| PillarHeading {
                        number: p.number,
                        title: p.title.clone(),
                    })
                    .collect();
                groups.push((
                    g.pillar_ids,
                    GoalGroup {
                        pillars: headings,
                        goals: vec![view],
                    },
                ));
            }
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
}

/// The live results sheet of a department, built from its target sheet and its results:
/// statuses computed from the criteria, overrides applied. A fixed number of queries.
pub async fn results_sheet(
    pool: &PgPool,
    mid: i64,
    department: &crate::db::editing::DepartmentCtx,
) -> sqlx::Result<ResultsSheet> {
    let (sheet, results, overrides, profile, outside) = tokio::try_join!(
        target_sheet(
            pool,
            mid,
            department.id,
            &department.name,
            department.policy_id
        ),
        department_results(pool, mid, department.id),
        goal_overrides(pool, mid, department.id),
        profile(pool, mid, department.id),
        crate::db::outside::of_department(pool, mid, department.id),
    )?;
    // The target sheet already holds every initiative; no second query for their ids.
    let ids: Vec<i64> = sheet
        .groups
        .iter()
        .flat_map(|g| &g.goals)
        .flat_map(|g| &g.initiatives)
        .map(|i| i.id)
        .collect();
    let judging = Judging {
        criteria: criteria_with_results(pool, mid, &ids).await?,
        results: results.into_iter().collect(),
        overrides: overrides
            .into_iter()
            .map(|(g, s, r, _, label)| (g, (s, r, label)))
            .collect(),
    };
    let groups = sheet
        .groups
        .into_iter()
        .map(|g| ResultsGroup {
            pillars: g.pillars,
            goals: g.goals.into_iter().map(|goal| judging.goal(goal)).collect(),
        })
        .collect();
    Ok(ResultsSheet {
        department_name: department.name.clone(),
        head: HeadPage {
            head_name: profile.head_name,
            head_name_kana: profile.head_name_kana,
            basic_policy: profile.basic_policy,
            duties: profile.duties,
            summary: profile.summary,
        },
        groups,
        outside,
    })
}

/// A goal's status set by hand: (status, reason, the result as printed).
type Judged = (Option<String>, Option<String>, Option<String>);

/// What a department's results are judged from: the criteria with their actuals, each
/// initiative's recorded results, and the statuses set by hand.
struct Judging {
    criteria: Vec<crate::db::results::CriterionWithResult>,
    results: HashMap<i64, InitiativeResult>,
    overrides: HashMap<i64, Judged>,
}

impl Judging {
    fn goal(&self, goal: GoalView) -> ResultsGoal {
        let initiatives: Vec<ResultsInitiative> = goal
            .initiatives
            .into_iter()
            .map(|i| self.initiative(i))
            .collect();
        let (manual, reason, status_label) = self
            .overrides
            .get(&goal.id)
            .cloned()
            .unwrap_or((None, None, None));
        let manual = manual.as_deref().and_then(Status::from_db);
        let computed = status::goal(&initiatives.iter().map(|i| i.status).collect::<Vec<_>>());
        ResultsGoal {
            id: goal.id,
            text: goal.text,
            status: status::effective(computed, manual),
            status_label: manual.and(status_label),
            override_reason: manual.and(reason),
            initiatives,
        }
    }

    fn initiative(&self, i: InitiativeView) -> ResultsInitiative {
        let r = self.results.get(&i.id).cloned().unwrap_or_default();
        let judged: Vec<CriterionResult> = self
            .criteria
            .iter()
            .filter(|c| c.initiative_id == i.id)
            .map(|c| CriterionResult {
                target: c.target_value.map(|v| {
                    let comparator = c.comparator.as_deref().and_then(Comparator::from_db);
                    (v, comparator.unwrap_or(Comparator::AtLeast))
                }),
                actual: c.actual_value,
                not_applicable: c.not_applicable,
            })
            .collect();
        let manual = r.status_override.as_deref().and_then(Status::from_db);
        ResultsInitiative {
            status: status::effective(status::computed(&judged), manual),
            override_reason: manual.and(r.override_reason),
            id: i.id,
            number: i.number,
            text: i.text,
            sections: i.sections,
            performance: r.performance,
            outcome: r.outcome,
        }
    }
}
