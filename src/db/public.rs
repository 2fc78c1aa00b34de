//! Read queries for the public pages. Each page is built from a small, fixed number of
//! queries whatever the size of a department: rows are fetched per level (goals, initiatives,
//! criteria) for the whole department and assembled in memory, never one query per row.

use sqlx::PgPool;

/// A city.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Municipality {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub name_kana: String,
    pub local_government_code: String,
    /// `target_table` or `deployment_table` (see migration 0007).
    pub sheet_layout: String,
    /// Where the city's pages' content comes from, when they say (a demo city's source);
    /// empty in lists of cities.
    pub about: String,
}

impl Municipality {
    /// Whether the city lays its sheets out as a deployment table (組織目標展開整理表).
    pub fn is_deployment(&self) -> bool {
        self.sheet_layout == "deployment_table"
    }

    /// What the city calls a department's sheet: 組織目標展開整理表 or 組織重点目標.
    pub fn sheet_title(&self) -> &'static str {
        if self.is_deployment() {
            "組織目標展開整理表"
        } else {
            "組織重点目標"
        }
    }
}

/// A fiscal year of a city with its policy.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FiscalYear {
    pub id: i64,
    pub municipality_id: i64,
    pub year: i32,
    pub title: String,
    pub tables_title: String,
    pub policy_id: i64,
    pub policy_name: String,
    pub pillar_set_name: String,
}

/// A pillar of a policy.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pillar {
    pub id: i64,
    pub number: i32,
    pub title: String,
    pub viewpoint: Vec<String>,
}

/// A heading of the booklet's introduction.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BookletSection {
    pub position: i32,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub show_pillars: bool,
}

/// A department of a year, for lists.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DepartmentSummary {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub position: i32,
    pub goal_count: i64,
    pub initiative_count: i64,
}

/// A goal with the ids of its pillars.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GoalRow {
    pub id: i64,
    pub position: i32,
    pub text: String,
    pub version: i32,
    pub pillar_ids: Vec<i64>,
    /// The goal's category name, where the city uses categories.
    pub category: Option<String>,
    /// The goal it was carried from (the year before), if any.
    pub predecessor_id: Option<i64>,
}

/// An initiative with the names of its sections, in order.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InitiativeRow {
    pub id: i64,
    pub goal_id: i64,
    pub position: i32,
    pub text: String,
    pub version: i32,
    pub sections: Vec<String>,
    pub section_ids: Vec<i64>,
    pub deadline: Option<String>,
}

/// A criterion as written.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CriterionRow {
    pub id: i64,
    pub initiative_id: i64,
    pub position: i32,
    pub text: String,
    pub version: i32,
    pub target_value: Option<rust_decimal::Decimal>,
    pub unit: Option<String>,
    pub comparator: Option<String>,
}

/// All cities, by local government code (north to south, as the national list runs).
pub async fn municipalities(pool: &PgPool) -> sqlx::Result<Vec<Municipality>> {
    sqlx::query_as!(Municipality, r#"SELECT id, slug, name, name_kana, local_government_code::text AS "local_government_code!", sheet_layout,
                '' AS "about!"
         FROM municipality ORDER BY local_government_code"#)
    .fetch_all(pool)
    .await
}

/// One city by its slug.
pub async fn municipality(pool: &PgPool, slug: &str) -> sqlx::Result<Option<Municipality>> {
    sqlx::query_as!(Municipality, r#"SELECT id, slug, name, name_kana, local_government_code::text AS "local_government_code!", sheet_layout, about
         FROM municipality WHERE slug = $1"#, slug)
    .fetch_optional(pool)
    .await
}

/// A city's fiscal years, newest first.
pub async fn fiscal_years(pool: &PgPool, municipality_id: i64) -> sqlx::Result<Vec<FiscalYear>> {
    sqlx::query_as!(
        FiscalYear,
        "SELECT f.id, f.municipality_id, f.year, f.title, f.tables_title, f.policy_id,
                p.name AS policy_name, p.pillar_set_name
         FROM fiscal_year f
         JOIN policy p ON p.municipality_id = f.municipality_id AND p.id = f.policy_id
         WHERE f.municipality_id = $1
         ORDER BY f.year DESC",
        municipality_id
    )
    .fetch_all(pool)
    .await
}

/// A city and one of its fiscal years, in one query.
pub async fn city_year(
    pool: &PgPool,
    slug: &str,
    year: i32,
) -> sqlx::Result<Option<(Municipality, FiscalYear)>> {
    let row = sqlx::query!(
        r#"SELECT m.id, m.slug, m.name, m.name_kana,
                  m.local_government_code::text AS "local_government_code!", m.sheet_layout, m.about,
                  f.id AS fy_id, f.year, f.title, f.tables_title, f.policy_id,
                  p.name AS policy_name, p.pillar_set_name
           FROM municipality m
           JOIN fiscal_year f ON f.municipality_id = m.id
           JOIN policy p ON p.municipality_id = m.id AND p.id = f.policy_id
           WHERE m.slug = $1 AND f.year = $2"#,
        slug,
        year
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| {
        let m = Municipality {
            id: r.id,
            slug: r.slug,
            name: r.name,
            name_kana: r.name_kana,
            local_government_code: r.local_government_code,
            sheet_layout: r.sheet_layout,
            about: r.about,
        };
        let fy = FiscalYear {
            id: r.fy_id,
            municipality_id: r.id,
            year: r.year,
            title: r.title,
            tables_title: r.tables_title,
            policy_id: r.policy_id,
            policy_name: r.policy_name,
            pillar_set_name: r.pillar_set_name,
        };
        (m, fy)
    }))
}

/// The pillars of a policy, by number.
pub async fn pillars(
    pool: &PgPool,
    municipality_id: i64,
    policy_id: i64,
) -> sqlx::Result<Vec<Pillar>> {
    sqlx::query_as!(
        Pillar,
        "SELECT id, number, title, viewpoint FROM pillar
         WHERE municipality_id = $1 AND policy_id = $2 AND parent_id IS NULL ORDER BY number",
        municipality_id,
        policy_id
    )
    .fetch_all(pool)
    .await
}

/// The booklet's introduction.
pub async fn booklet_sections(
    pool: &PgPool,
    municipality_id: i64,
    fiscal_year_id: i64,
) -> sqlx::Result<Vec<BookletSection>> {
    sqlx::query_as!(
        BookletSection,
        "SELECT position, heading, paragraphs, show_pillars FROM booklet_section
         WHERE municipality_id = $1 AND fiscal_year_id = $2 ORDER BY position",
        municipality_id,
        fiscal_year_id
    )
    .fetch_all(pool)
    .await
}

/// The departments of a year in display order, with how many goals and initiatives each has.
pub async fn departments(
    pool: &PgPool,
    municipality_id: i64,
    fiscal_year_id: i64,
) -> sqlx::Result<Vec<DepartmentSummary>> {
    sqlx::query_as!(DepartmentSummary, r#"SELECT d.id, d.slug, d.name, d.position,
                (SELECT count(*) FROM goal g WHERE g.municipality_id = d.municipality_id AND g.department_id = d.id) AS "goal_count!",
                (SELECT count(*) FROM initiative i JOIN goal g ON g.municipality_id = i.municipality_id AND g.id = i.goal_id
                  WHERE g.municipality_id = d.municipality_id AND g.department_id = d.id) AS "initiative_count!"
         FROM department d
         WHERE d.municipality_id = $1 AND d.fiscal_year_id = $2
         ORDER BY d.position"#, municipality_id, fiscal_year_id)
    .fetch_all(pool)
    .await
}

/// A department's goals in order, each with its pillar ids.
pub async fn goals(
    pool: &PgPool,
    municipality_id: i64,
    department_id: i64,
) -> sqlx::Result<Vec<GoalRow>> {
    sqlx::query_as!(GoalRow, r#"SELECT g.id, g.position, g.text, g.version,
                COALESCE(array_agg(p.id ORDER BY p.number) FILTER (WHERE p.id IS NOT NULL), '{}') AS "pillar_ids!",
                gc.name AS "category?", g.predecessor_id AS "predecessor_id?"
         FROM goal g
         LEFT JOIN goal_pillar gp ON gp.municipality_id = g.municipality_id AND gp.goal_id = g.id
         LEFT JOIN pillar p ON p.municipality_id = gp.municipality_id AND p.id = gp.pillar_id
         LEFT JOIN goal_category gc ON gc.municipality_id = g.municipality_id AND gc.id = g.category_id
         WHERE g.municipality_id = $1 AND g.department_id = $2
         GROUP BY g.id, gc.name
         ORDER BY g.position"#, municipality_id, department_id)
    .fetch_all(pool)
    .await
}

/// A department's initiatives in order, each with its section names.
pub async fn initiatives(
    pool: &PgPool,
    municipality_id: i64,
    department_id: i64,
) -> sqlx::Result<Vec<InitiativeRow>> {
    sqlx::query_as!(InitiativeRow, r#"SELECT i.id, i.goal_id, i.position, i.text, i.version, i.deadline AS "deadline?",
                COALESCE(array_agg(s.name ORDER BY isec.position) FILTER (WHERE s.id IS NOT NULL), '{}') AS "sections!",
                COALESCE(array_agg(s.id ORDER BY isec.position) FILTER (WHERE s.id IS NOT NULL), '{}') AS "section_ids!"
         FROM initiative i
         JOIN goal g ON g.municipality_id = i.municipality_id AND g.id = i.goal_id
         LEFT JOIN initiative_section isec ON isec.municipality_id = i.municipality_id AND isec.initiative_id = i.id
         LEFT JOIN section s ON s.municipality_id = isec.municipality_id AND s.id = isec.section_id
         WHERE i.municipality_id = $1 AND g.department_id = $2
         GROUP BY i.id
         ORDER BY i.goal_id, i.position"#, municipality_id, department_id)
    .fetch_all(pool)
    .await
}

/// A department's criteria in order.
pub async fn criteria(
    pool: &PgPool,
    municipality_id: i64,
    department_id: i64,
) -> sqlx::Result<Vec<CriterionRow>> {
    sqlx::query_as!(CriterionRow, r#"SELECT c.id, c.initiative_id, c.position, c.text, c.version, c.target_value AS "target_value?", c.unit AS "unit?", c.comparator AS "comparator?"
         FROM criterion c
         JOIN initiative i ON i.municipality_id = c.municipality_id AND i.id = c.initiative_id
         JOIN goal g ON g.municipality_id = i.municipality_id AND g.id = i.goal_id
         WHERE c.municipality_id = $1 AND g.department_id = $2
         ORDER BY c.initiative_id, c.position"#, municipality_id, department_id)
    .fetch_all(pool)
    .await
}

/// Cities with anything published, by local government code.
pub async fn published_municipalities(pool: &PgPool) -> sqlx::Result<Vec<Municipality>> {
    sqlx::query_as!(Municipality, r#"SELECT m.id, m.slug, m.name, m.name_kana, m.local_government_code::text AS "local_government_code!", sheet_layout,
                '' AS "about!"
         FROM municipality m WHERE EXISTS (SELECT 1 FROM publication p WHERE p.municipality_id = m.id)
            OR EXISTS (SELECT 1 FROM policy p WHERE p.municipality_id = m.id AND p.slug IS NOT NULL AND p.published_at IS NOT NULL)
         ORDER BY m.local_government_code"#)
    .fetch_all(pool)
    .await
}
