//! Reading what is stored under the departments being written, and inserting a level's new
//! rows in one statement each.

use super::{ExistingCriterion, ExistingNode, Node, metric_columns, per_node};
use crate::domain::document::ImportReport;
use crate::domain::metric::parse_metric;
use rust_decimal::Decimal;
use sqlx::PgConnection;
use std::collections::HashMap;

/// Everything stored under the departments being written, by place.
pub(super) struct Stored {
    pub goals: Vec<ExistingNode>,
    pub initiatives: Vec<ExistingNode>,
    pub criteria: Vec<ExistingCriterion>,
}

impl Stored {
    pub async fn load(
        tx: &mut PgConnection,
        mid: i64,
        fid: i64,
        departments: &[i64],
    ) -> sqlx::Result<Self> {
        // Level by level by the parents' ids (each an index lookup, whatever the planner's
        // statistics say about tables a large import has just filled).
        let goals: Vec<ExistingNode> = sqlx::query_as!(ExistingNode, r#"SELECT g.id, g.department_id AS parent_id, g.position, g.text, g.note AS "note?", g.category_id::text AS "attr?",
                    COALESCE((SELECT array_agg(gp.pillar_id ORDER BY gp.pillar_id) FROM goal_pillar gp
                              WHERE gp.municipality_id = g.municipality_id AND gp.goal_id = g.id), '{}') AS "links!"
             FROM goal g
             JOIN department d ON d.municipality_id = g.municipality_id AND d.id = g.department_id
             WHERE g.municipality_id = $1 AND d.fiscal_year_id = $2 AND d.id = ANY($3)"#, mid, fid, departments)
        .fetch_all(&mut *tx)
        .await?;
        let goal_ids: Vec<i64> = goals.iter().map(|g| g.id).collect();
        let initiatives: Vec<ExistingNode> = sqlx::query_as!(ExistingNode, r#"SELECT i.id, i.goal_id AS parent_id, i.position, i.text, i.note AS "note?", i.deadline AS "attr?",
                    COALESCE((SELECT array_agg(s.section_id ORDER BY s.position) FROM initiative_section s
                              WHERE s.municipality_id = i.municipality_id AND s.initiative_id = i.id), '{}') AS "links!"
             FROM initiative i
             WHERE i.municipality_id = $1 AND i.goal_id = ANY($2)"#, mid, &goal_ids[..])
        .fetch_all(&mut *tx)
        .await?;
        let initiative_ids: Vec<i64> = initiatives.iter().map(|i| i.id).collect();
        let criteria: Vec<ExistingCriterion> = sqlx::query_as!(
            ExistingCriterion,
            r#"SELECT c.id, c.initiative_id, c.position, c.text, c.target_value AS "target_value?", c.unit AS "unit?", c.comparator AS "comparator?"
             FROM criterion c
             WHERE c.municipality_id = $1 AND c.initiative_id = ANY($2)
             ORDER BY c.initiative_id, c.position"#,
            mid,
            &initiative_ids[..]
        )
        .fetch_all(&mut *tx)
        .await?;
        Ok(Self {
            goals,
            initiatives,
            criteria,
        })
    }
}

/// A goal or initiative to insert.
pub(super) struct NewNode<'a> {
    pub parent: i64,
    pub position: i32,
    pub text: &'a str,
    pub note: Option<String>,
    pub links: Vec<i64>,
    /// Its attribute (category id, deadline), when it has one.
    pub attr: Option<String>,
}

/// Inserts the new goals or initiatives of a level in one statement, their links in another
/// and their attributes in a third; returns their ids by (parent, position).
pub(super) async fn insert_nodes(
    tx: &mut PgConnection,
    node: Node,
    mid: i64,
    rows: &[NewNode<'_>],
    r: &mut ImportReport,
) -> sqlx::Result<HashMap<(i64, i32), i64>> {
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let parents: Vec<i64> = rows.iter().map(|n| n.parent).collect();
    let positions: Vec<i32> = rows.iter().map(|n| n.position).collect();
    let texts: Vec<&str> = rows.iter().map(|n| n.text).collect();
    let notes: Vec<Option<String>> = rows.iter().map(|n| n.note.clone()).collect();
    let inserted: Vec<(i64, i64, i32)> = match node {
        Node::Goal => {
            sqlx::query!(
                "INSERT INTO goal (municipality_id, department_id, position, text, note)
                 SELECT $1, x.p, x.n, x.t, x.o FROM unnest($2::bigint[], $3::int[], $4::text[], $5::text[]) AS x(p, n, t, o)
                 RETURNING id, department_id, position",
                mid,
                &parents[..],
                &positions[..],
                &texts[..] as &[&str],
                &notes[..] as &[Option<String>]
            )
            .map(|r| (r.id, r.department_id, r.position))
            .fetch_all(&mut *tx)
            .await?
        }
        Node::Initiative => {
            sqlx::query!(
                "INSERT INTO initiative (municipality_id, goal_id, position, text, note)
                 SELECT $1, x.p, x.n, x.t, x.o FROM unnest($2::bigint[], $3::int[], $4::text[], $5::text[]) AS x(p, n, t, o)
                 RETURNING id, goal_id, position",
                mid,
                &parents[..],
                &positions[..],
                &texts[..] as &[&str],
                &notes[..] as &[Option<String>]
            )
            .map(|r| (r.id, r.goal_id, r.position))
            .fetch_all(&mut *tx)
            .await?
        }
    };
    r.inserted += inserted.len();
    let at: HashMap<(i64, i32), i64> = inserted
        .into_iter()
        .map(|(id, p, n)| ((p, n), id))
        .collect();
    insert_links_and_attrs(tx, node, mid, rows, &at, r).await?;
    Ok(at)
}

/// The new rows' links (pillars, sections) in one statement and their attributes in another.
async fn insert_links_and_attrs(
    tx: &mut PgConnection,
    node: Node,
    mid: i64,
    rows: &[NewNode<'_>],
    at: &HashMap<(i64, i32), i64>,
    r: &mut ImportReport,
) -> sqlx::Result<()> {
    let (mut owners, mut links, mut positions) = (Vec::new(), Vec::new(), Vec::new());
    let (mut with_attr, mut attrs) = (Vec::new(), Vec::new());
    for row in rows {
        let id = at[&(row.parent, row.position)];
        for (k, l) in row.links.iter().enumerate() {
            owners.push(id);
            links.push(*l);
            positions.push(k as i32 + 1);
        }
        if let Some(a) = &row.attr {
            with_attr.push(id);
            attrs.push(a.clone());
        }
    }
    if !owners.is_empty() {
        let n = per_node!(
            node,
            &mut *tx,
            "INSERT INTO goal_pillar (municipality_id, goal_id, pillar_id)
             SELECT $1, x.a, x.b FROM unnest($2::bigint[], $3::bigint[], $4::int[]) AS x(a, b, c)",
            "INSERT INTO initiative_section (municipality_id, initiative_id, section_id, position)
             SELECT $1, x.a, x.b, x.c FROM unnest($2::bigint[], $3::bigint[], $4::int[]) AS x(a, b, c)",
            mid,
            &owners[..],
            &links[..],
            &positions[..]
        )
        .rows_affected();
        r.inserted += n as usize;
    }
    if !with_attr.is_empty() {
        per_node!(
            node,
            &mut *tx,
            "UPDATE goal t SET category_id = x.v::bigint FROM unnest($1::bigint[], $2::text[]) AS x(id, v) WHERE t.id = x.id",
            "UPDATE initiative t SET deadline = x.v FROM unnest($1::bigint[], $2::text[]) AS x(id, v) WHERE t.id = x.id",
            &with_attr[..],
            &attrs[..]
        );
    }
    Ok(())
}

/// Inserts new criteria (initiative id, position, text), with the metric each text states, in
/// one statement; returns their ids by (initiative, position).
pub(super) async fn insert_criteria(
    tx: &mut PgConnection,
    mid: i64,
    rows: &[(i64, i32, &str)],
    r: &mut ImportReport,
) -> sqlx::Result<HashMap<(i64, i32), i64>> {
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let (mut values, mut units, mut comparators) = (Vec::new(), Vec::new(), Vec::new());
    for (_, _, text) in rows {
        let metric = parse_metric(text);
        let (value, unit, comparator) = metric_columns(metric.as_ref());
        values.push(value);
        units.push(unit);
        comparators.push(comparator.map(str::to_owned));
    }
    let inserted: Vec<(i64, i64, i32)> = sqlx::query!("INSERT INTO criterion (municipality_id, initiative_id, position, text, target_value, unit, comparator)
         SELECT $1, x.a, x.b, x.c, x.d, x.e, x.f
         FROM unnest($2::bigint[], $3::int[], $4::text[], $5::numeric[], $6::text[], $7::text[]) AS x(a, b, c, d, e, f)
         RETURNING id, initiative_id, position", mid, &(rows.iter().map(|c| c.0).collect::<Vec<_>>())[..], &(rows.iter().map(|c| c.1).collect::<Vec<_>>())[..], &(rows.iter().map(|c| c.2).collect::<Vec<_>>())[..] as &[&str], &values[..] as &[Option<Decimal>], &units[..] as &[Option<String>], &comparators[..] as &[Option<String>]).map(|r| (r.id, r.initiative_id, r.position))
    .fetch_all(&mut *tx)
    .await?;
    r.inserted += inserted.len();
    Ok(inserted
        .into_iter()
        .map(|(id, i, n)| ((i, n), id))
        .collect())
}
