//! A section moved to another department of the year, and the initiatives it alone is
//! responsible for carried along (their goals copied where other sections share them).

use sqlx::PgConnection;

/// Moves a section to another department of the same year (at the end of its sections);
/// returns false when `department_id` is not a department of the section's year. Its
/// initiatives and its chief's role go with it.
pub async fn transfer_section(
    tx: &mut PgConnection,
    mid: i64,
    section_id: i64,
    department_id: i64,
) -> sqlx::Result<bool> {
    // The target locked: sections added at once get positions one after another.
    let same_year: Option<i64> = sqlx::query_scalar!("SELECT d.id FROM department d JOIN section s ON s.municipality_id = d.municipality_id AND s.fiscal_year_id = d.fiscal_year_id
         WHERE d.municipality_id = $1 AND d.id = $2 AND s.id = $3 FOR UPDATE OF d", mid, department_id, section_id)
    .fetch_optional(&mut *tx)
    .await?;
    if same_year.is_none() {
        return Ok(false);
    }
    sqlx::query!("UPDATE section SET department_id = $3,
                position = (SELECT COALESCE(max(position), 0) + 1 FROM section WHERE municipality_id = $1 AND department_id = $3)
         WHERE municipality_id = $1 AND id = $2", mid, section_id, department_id)
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// What moving a section took with it.
#[derive(Debug, Default, PartialEq)]
pub struct Carried {
    /// Goals moved whole (every initiative under them was the section's).
    pub goals: usize,
    /// Goals written again in the new department for the section's share of a shared goal.
    pub goals_copied: usize,
    pub initiatives: usize,
}

/// Moves a section's initiatives from department `from` to `to`, with the section (call it
/// in the same transaction as [`transfer_section`]): an initiative goes when the section is
/// responsible for it and no other section of `from` is. A goal all of whose initiatives go
/// moves whole (its results and pillars with it); for a goal shared with sections that stay,
/// the same goal (text, pillars, category) is written in `to` and the section's initiatives
/// move under it. Positions are closed up on both sides.
pub async fn carry_section_initiatives(
    tx: &mut PgConnection,
    mid: i64,
    section_id: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<Carried> {
    sqlx::query!("SET CONSTRAINTS ALL DEFERRED")
        .execute(&mut *tx)
        .await?;
    // (initiative, goal, whether every initiative of the goal goes)
    let going: Vec<(i64, i64, bool)> = sqlx::query!(r#"WITH going AS (
             SELECT i.id, i.goal_id FROM initiative i JOIN goal g ON g.id = i.goal_id
             WHERE g.municipality_id = $1 AND g.department_id = $3
               AND EXISTS (SELECT 1 FROM initiative_section l WHERE l.initiative_id = i.id AND l.section_id = $2)
               AND NOT EXISTS (SELECT 1 FROM initiative_section l JOIN section s ON s.id = l.section_id
                               WHERE l.initiative_id = i.id AND s.department_id = $3 AND s.id <> $2))
         SELECT g.id AS "id!", g.goal_id AS "goal_id!",
                NOT EXISTS (SELECT 1 FROM initiative o WHERE o.goal_id = g.goal_id AND o.id NOT IN (SELECT id FROM going)) AS "whole!"
         FROM going g ORDER BY g.goal_id, g.id"#, mid, section_id, from)
    .map(|r| (r.id, r.goal_id, r.whole))
    .fetch_all(&mut *tx)
    .await?;
    let mut carried = Carried::default();
    let mut goals: Vec<(i64, bool)> = going.iter().map(|g| (g.1, g.2)).collect();
    goals.dedup();
    for (goal, whole) in goals {
        if whole {
            sqlx::query!("UPDATE goal SET department_id = $3, version = version + 1,
                     position = (SELECT COALESCE(max(position), 0) + 1 FROM goal WHERE municipality_id = $1 AND department_id = $3)
                 WHERE municipality_id = $1 AND id = $2", mid, goal, to)
            .execute(&mut *tx)
            .await?;
            carried.goals += 1;
        } else {
            let copy: i64 = sqlx::query_scalar!("INSERT INTO goal (municipality_id, department_id, position, text, note, category_id)
                 SELECT municipality_id, $3,
                        (SELECT COALESCE(max(position), 0) + 1 FROM goal WHERE municipality_id = $1 AND department_id = $3),
                        text, note, category_id
                 FROM goal WHERE municipality_id = $1 AND id = $2 RETURNING id", mid, goal, to)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query!(
                "INSERT INTO goal_pillar (municipality_id, goal_id, pillar_id)
                 SELECT municipality_id, $2, pillar_id FROM goal_pillar WHERE goal_id = $1",
                goal,
                copy
            )
            .execute(&mut *tx)
            .await?;
            let mine: Vec<i64> = going.iter().filter(|g| g.1 == goal).map(|g| g.0).collect();
            sqlx::query!("UPDATE initiative i SET goal_id = $2, version = version + 1, position = r.n
                 FROM (SELECT id, row_number() OVER (ORDER BY position)::int AS n FROM initiative WHERE id = ANY($1)) r
                 WHERE i.id = r.id", &mine[..], copy)
            .execute(&mut *tx)
            .await?;
            renumber_initiatives(&mut *tx, goal).await?;
            carried.goals_copied += 1;
        }
    }
    carried.initiatives = going.len();
    renumber_goals(&mut *tx, from).await?;
    sqlx::query!("SET CONSTRAINTS ALL IMMEDIATE")
        .execute(&mut *tx)
        .await?;
    Ok(carried)
}

/// Closes up the positions of a department's goals (UNIQUE positions deferred by the caller).
async fn renumber_goals(tx: &mut PgConnection, department_id: i64) -> sqlx::Result<()> {
    sqlx::query!("UPDATE goal x SET position = r.n FROM (SELECT id, row_number() OVER (ORDER BY position)::int AS n FROM goal WHERE department_id = $1) r
         WHERE x.id = r.id AND x.position <> r.n", department_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Closes up the positions of a goal's initiatives (UNIQUE positions deferred by the caller).
async fn renumber_initiatives(tx: &mut PgConnection, goal_id: i64) -> sqlx::Result<()> {
    sqlx::query!("UPDATE initiative x SET position = r.n FROM (SELECT id, row_number() OVER (ORDER BY position)::int AS n FROM initiative WHERE goal_id = $1) r
         WHERE x.id = r.id AND x.position <> r.n", goal_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
