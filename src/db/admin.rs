//! Writes behind the planning staff's pages: fiscal years (with carry-over from the previous
//! year), departments, sections, pillars and staff accounts. Scoped by municipality_id.

use sqlx::{PgConnection, PgPool};

/// A fiscal year as listed for planning staff.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct YearRow {
    pub id: i64,
    pub year: i32,
    pub title: String,
    pub tables_title: String,
    pub policy_id: i64,
    pub departments: i64,
    pub goals: i64,
}

/// A department with its sections, for the organization page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgDepartment {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub position: i32,
    pub goals: i64,
}

/// A section, for the organization page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgSection {
    pub id: i64,
    pub department_id: i64,
    pub name: String,
    pub position: i32,
    pub initiatives: i64,
}

/// A staff account with its roles described.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub disabled: bool,
    /// `local` (made by hand), `list` (from a personnel list), `directory`.
    pub source: String,
    pub last_sign_in_at: Option<chrono::DateTime<chrono::Utc>>,
    pub roles: Vec<String>,
    pub role_ids: Vec<i64>,
}

impl UserRow {
    /// Where the account comes from, as planning staff say it.
    pub fn source_label(&self) -> &'static str {
        match self.source.as_str() {
            "directory" => "ディレクトリ",
            "list" => "職員名簿",
            _ => "手作業",
        }
    }

    /// 「2026/12/07 12:30」 (Japan time), or 「なし」.
    pub fn last_sign_in_label(&self) -> String {
        self.last_sign_in_at.map_or("なし".to_owned(), |at| {
            crate::domain::clock::in_japan(at)
                .format("%Y/%m/%d %H:%M")
                .to_string()
        })
    }
}

pub async fn years(pool: &PgPool, mid: i64) -> sqlx::Result<Vec<YearRow>> {
    sqlx::query_as!(YearRow, r#"SELECT f.id, f.year, f.title, f.tables_title, f.policy_id,
                (SELECT count(*) FROM department d WHERE d.municipality_id = f.municipality_id AND d.fiscal_year_id = f.id) AS "departments!",
                (SELECT count(*) FROM goal g JOIN department d ON d.municipality_id = g.municipality_id AND d.id = g.department_id
                  WHERE d.municipality_id = f.municipality_id AND d.fiscal_year_id = f.id) AS "goals!"
         FROM fiscal_year f WHERE f.municipality_id = $1 ORDER BY f.year DESC"#, mid)
    .fetch_all(pool)
    .await
}

pub async fn policy_of_city(
    pool: &PgPool,
    mid: i64,
) -> sqlx::Result<Option<(i64, String, String)>> {
    sqlx::query!("SELECT id, name, pillar_set_name FROM policy WHERE municipality_id = $1 ORDER BY id LIMIT 1", mid).map(|r| (r.id, r.name, r.pillar_set_name))
        .fetch_optional(pool)
        .await
}

/// Creates a fiscal year; with `copy_from`, copies that year's booklet introduction,
/// departments and sections, the role assignments on them, and (with `copy_goals`) its
/// goals, initiatives and criteria. Returns the new year's id.
/// What a new fiscal year starts from.
pub struct NewYear<'a> {
    pub year: i32,
    pub policy_id: i64,
    pub title: &'a str,
    pub tables_title: &'a str,
    /// The fiscal year (id) to carry over from.
    pub copy_from: Option<i64>,
    /// Whether to carry over goals, initiatives and criteria too.
    pub copy_goals: bool,
    /// Whether to carry over who heads which department and section (never into an earlier
    /// year: today's chiefs have no say over a past year).
    pub copy_roles: bool,
}

pub async fn create_year(
    tx: &mut PgConnection,
    mid: i64,
    new_year: &NewYear<'_>,
) -> sqlx::Result<i64> {
    let new: i64 = sqlx::query_scalar!("INSERT INTO fiscal_year (municipality_id, year, policy_id, title, tables_title) VALUES ($1, $2, $3, $4, $5) RETURNING id", mid, new_year.year, new_year.policy_id, new_year.title, new_year.tables_title)
    .fetch_one(&mut *tx)
    .await?;
    let Some(old) = new_year.copy_from else {
        return Ok(new);
    };
    copy_organization(tx, mid, old, new).await?;
    if new_year.copy_roles {
        copy_roles(tx, mid, old, new).await?;
    }
    if new_year.copy_goals {
        copy_goals(tx, mid, old, new).await?;
    }
    Ok(new)
}

/// Runs statements that copy a year's rows to a new year; each maps old rows to new ones by
/// natural keys (department slug, section name, positions under the mapped parent) and takes
/// (city, old year, new year). Carried departments, goals, initiatives and criteria remember
/// the row they came from (`predecessor_id`).
macro_rules! copy_rows {
    ($tx:expr, $mid:expr, $old:expr, $new:expr; $($sql:tt),+ $(,)?) => {
        $(sqlx::query!($sql, $mid, $old, $new).execute(&mut *$tx).await?;)+
    };
}

/// The booklet and the organization, with the plan items each section records.
async fn copy_organization(
    tx: &mut PgConnection,
    mid: i64,
    old: i64,
    new: i64,
) -> sqlx::Result<()> {
    copy_rows!(
        tx, mid, old, new;
        "INSERT INTO booklet_section (municipality_id, fiscal_year_id, position, heading, paragraphs, show_pillars)
        SELECT municipality_id, $3, position, heading, paragraphs, show_pillars FROM booklet_section
        WHERE municipality_id = $1 AND fiscal_year_id = $2",
        "INSERT INTO department (municipality_id, fiscal_year_id, slug, name, position, predecessor_id)
        SELECT municipality_id, $3, slug, name, position, id FROM department WHERE municipality_id = $1 AND fiscal_year_id = $2",
        "INSERT INTO section (municipality_id, fiscal_year_id, department_id, name, position)
        SELECT s.municipality_id, $3, nd.id, s.name, s.position FROM section s
        JOIN department od ON od.municipality_id = s.municipality_id AND od.id = s.department_id
        JOIN department nd ON nd.municipality_id = s.municipality_id AND nd.fiscal_year_id = $3 AND nd.slug = od.slug
        WHERE s.municipality_id = $1 AND s.fiscal_year_id = $2",
        "INSERT INTO plan_item_section (municipality_id, item_id, section_id)
        SELECT l.municipality_id, l.item_id, ns.id FROM plan_item_section l
        JOIN section os ON os.municipality_id = l.municipality_id AND os.id = l.section_id AND os.fiscal_year_id = $2
        JOIN section ns ON ns.municipality_id = l.municipality_id AND ns.fiscal_year_id = $3 AND ns.name = os.name
        WHERE l.municipality_id = $1
        ON CONFLICT DO NOTHING",
    );
    Ok(())
}

/// The roles, to the same departments and sections of the new year.
async fn copy_roles(tx: &mut PgConnection, mid: i64, old: i64, new: i64) -> sqlx::Result<()> {
    copy_rows!(
        tx, mid, old, new;
        "INSERT INTO role_assignment (municipality_id, user_id, role, department_id, section_id)
        SELECT r.municipality_id, r.user_id, r.role, nd.id, NULL FROM role_assignment r
        JOIN department od ON od.municipality_id = r.municipality_id AND od.id = r.department_id AND od.fiscal_year_id = $2
        JOIN department nd ON nd.municipality_id = r.municipality_id AND nd.fiscal_year_id = $3 AND nd.slug = od.slug
        WHERE r.municipality_id = $1
        ON CONFLICT DO NOTHING",
        "INSERT INTO role_assignment (municipality_id, user_id, role, department_id, section_id)
        SELECT r.municipality_id, r.user_id, r.role, NULL, ns.id FROM role_assignment r
        JOIN section os ON os.municipality_id = r.municipality_id AND os.id = r.section_id AND os.fiscal_year_id = $2
        JOIN section ns ON ns.municipality_id = r.municipality_id AND ns.fiscal_year_id = $3 AND ns.name = os.name
        WHERE r.municipality_id = $1
        ON CONFLICT DO NOTHING",
    );
    Ok(())
}

/// The goals with their pillars, initiatives with their sections, and criteria.
async fn copy_goals(tx: &mut PgConnection, mid: i64, old: i64, new: i64) -> sqlx::Result<()> {
    copy_rows!(
        tx, mid, old, new;
        "INSERT INTO goal (municipality_id, department_id, position, text, note, predecessor_id)
        SELECT g.municipality_id, nd.id, g.position, g.text, g.note, g.id FROM goal g
        JOIN department od ON od.municipality_id = g.municipality_id AND od.id = g.department_id AND od.fiscal_year_id = $2
        JOIN department nd ON nd.municipality_id = g.municipality_id AND nd.fiscal_year_id = $3 AND nd.slug = od.slug
        WHERE g.municipality_id = $1",
        "INSERT INTO goal_pillar (municipality_id, goal_id, pillar_id)
        SELECT gp.municipality_id, ng.id, gp.pillar_id FROM goal_pillar gp
        JOIN goal og ON og.municipality_id = gp.municipality_id AND og.id = gp.goal_id
        JOIN department od ON od.municipality_id = og.municipality_id AND od.id = og.department_id AND od.fiscal_year_id = $2
        JOIN department nd ON nd.municipality_id = od.municipality_id AND nd.fiscal_year_id = $3 AND nd.slug = od.slug
        JOIN goal ng ON ng.municipality_id = nd.municipality_id AND ng.department_id = nd.id AND ng.position = og.position
        WHERE gp.municipality_id = $1",
        "INSERT INTO initiative (municipality_id, goal_id, position, text, note, predecessor_id)
        SELECT i.municipality_id, ng.id, i.position, i.text, i.note, i.id FROM initiative i
        JOIN goal og ON og.municipality_id = i.municipality_id AND og.id = i.goal_id
        JOIN department od ON od.municipality_id = og.municipality_id AND od.id = og.department_id AND od.fiscal_year_id = $2
        JOIN department nd ON nd.municipality_id = od.municipality_id AND nd.fiscal_year_id = $3 AND nd.slug = od.slug
        JOIN goal ng ON ng.municipality_id = nd.municipality_id AND ng.department_id = nd.id AND ng.position = og.position
        WHERE i.municipality_id = $1",
        "INSERT INTO initiative_section (municipality_id, initiative_id, section_id, position)
        SELECT isec.municipality_id, ni.id, ns.id, isec.position FROM initiative_section isec
        JOIN initiative oi ON oi.municipality_id = isec.municipality_id AND oi.id = isec.initiative_id
        JOIN goal og ON og.municipality_id = oi.municipality_id AND og.id = oi.goal_id
        JOIN department od ON od.municipality_id = og.municipality_id AND od.id = og.department_id AND od.fiscal_year_id = $2
        JOIN department nd ON nd.municipality_id = od.municipality_id AND nd.fiscal_year_id = $3 AND nd.slug = od.slug
        JOIN goal ng ON ng.municipality_id = nd.municipality_id AND ng.department_id = nd.id AND ng.position = og.position
        JOIN initiative ni ON ni.municipality_id = ng.municipality_id AND ni.goal_id = ng.id AND ni.position = oi.position
        JOIN section os ON os.municipality_id = isec.municipality_id AND os.id = isec.section_id
        JOIN section ns ON ns.municipality_id = os.municipality_id AND ns.fiscal_year_id = $3 AND ns.name = os.name
        WHERE isec.municipality_id = $1",
        "INSERT INTO criterion (municipality_id, initiative_id, position, text, target_value, unit, comparator, predecessor_id)
        SELECT c.municipality_id, ni.id, c.position, c.text, c.target_value, c.unit, c.comparator, c.id FROM criterion c
        JOIN initiative oi ON oi.municipality_id = c.municipality_id AND oi.id = c.initiative_id
        JOIN goal og ON og.municipality_id = oi.municipality_id AND og.id = oi.goal_id
        JOIN department od ON od.municipality_id = og.municipality_id AND od.id = og.department_id AND od.fiscal_year_id = $2
        JOIN department nd ON nd.municipality_id = od.municipality_id AND nd.fiscal_year_id = $3 AND nd.slug = od.slug
        JOIN goal ng ON ng.municipality_id = nd.municipality_id AND ng.department_id = nd.id AND ng.position = og.position
        JOIN initiative ni ON ni.municipality_id = ng.municipality_id AND ni.goal_id = ng.id AND ni.position = oi.position
        WHERE c.municipality_id = $1",
    );
    Ok(())
}

pub async fn org_departments(
    pool: &PgPool,
    mid: i64,
    fiscal_year_id: i64,
) -> sqlx::Result<Vec<OrgDepartment>> {
    sqlx::query_as!(OrgDepartment, r#"SELECT d.id, d.slug, d.name, d.position,
                (SELECT count(*) FROM goal g WHERE g.municipality_id = d.municipality_id AND g.department_id = d.id) AS "goals!"
         FROM department d WHERE d.municipality_id = $1 AND d.fiscal_year_id = $2 ORDER BY d.position"#, mid, fiscal_year_id)
    .fetch_all(pool)
    .await
}

pub async fn org_sections(
    pool: &PgPool,
    mid: i64,
    fiscal_year_id: i64,
) -> sqlx::Result<Vec<OrgSection>> {
    sqlx::query_as!(OrgSection, r#"SELECT s.id, s.department_id, s.name, s.position,
                (SELECT count(*) FROM initiative_section x WHERE x.municipality_id = s.municipality_id AND x.section_id = s.id) AS "initiatives!"
         FROM section s WHERE s.municipality_id = $1 AND s.fiscal_year_id = $2 ORDER BY s.department_id, s.position"#, mid, fiscal_year_id)
    .fetch_all(pool)
    .await
}

pub async fn users(pool: &PgPool, mid: i64) -> sqlx::Result<Vec<UserRow>> {
    sqlx::query_as!(UserRow, r#"SELECT u.id, u.username, u.display_name, u.email AS "email?", u.disabled,
                u.source, u.last_sign_in_at,
                COALESCE(array_agg(
                    CASE r.role WHEN 'admin' THEN '企画担当（管理者）'
                                WHEN 'viewer' THEN '閲覧者'
                                WHEN 'department_head' THEN format('%s年度 %s長', f.year, d.name)
                                ELSE format('%s年度 %s長', f2.year, s.name) END
                    ORDER BY r.id) FILTER (WHERE r.id IS NOT NULL), '{}') AS "roles!",
                COALESCE(array_agg(r.id ORDER BY r.id) FILTER (WHERE r.id IS NOT NULL), '{}') AS "role_ids!"
         FROM app_user u
         LEFT JOIN role_assignment r ON r.municipality_id = u.municipality_id AND r.user_id = u.id
         LEFT JOIN department d ON d.municipality_id = r.municipality_id AND d.id = r.department_id
         LEFT JOIN fiscal_year f ON f.municipality_id = d.municipality_id AND f.id = d.fiscal_year_id
         LEFT JOIN section s ON s.municipality_id = r.municipality_id AND s.id = r.section_id
         LEFT JOIN fiscal_year f2 ON f2.municipality_id = s.municipality_id AND f2.id = s.fiscal_year_id
         WHERE u.municipality_id = $1
         GROUP BY u.id ORDER BY u.username"#, mid)
    .fetch_all(pool)
    .await
}

/// A city's fiscal year by its western year: its id and policy id.
pub async fn year_ids(pool: &PgPool, mid: i64, year: i32) -> sqlx::Result<Option<(i64, i64)>> {
    sqlx::query!(
        "SELECT id, policy_id FROM fiscal_year WHERE municipality_id = $1 AND year = $2",
        mid,
        year
    )
    .map(|r| (r.id, r.policy_id))
    .fetch_optional(pool)
    .await
}

/// Appends a department to a year; returns its id. A taken name or slug is a unique violation.
pub async fn insert_department(
    tx: &mut PgConnection,
    mid: i64,
    fiscal_year_id: i64,
    slug: &str,
    name: &str,
) -> sqlx::Result<i64> {
    // The year locked: departments added at once get positions one after another.
    sqlx::query!(
        "SELECT id FROM fiscal_year WHERE municipality_id = $1 AND id = $2 FOR UPDATE",
        mid,
        fiscal_year_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    sqlx::query_scalar!("INSERT INTO department (municipality_id, fiscal_year_id, slug, name, position)
         VALUES ($1, $2, $3, $4, (SELECT COALESCE(max(position), 0) + 1 FROM department WHERE municipality_id = $1 AND fiscal_year_id = $2))
         RETURNING id", mid, fiscal_year_id, slug, name)
    .fetch_one(&mut *tx)
    .await
}

/// Appends a section to a department; returns its id. A name taken in the year is a unique violation.
pub async fn insert_section(
    tx: &mut PgConnection,
    mid: i64,
    fiscal_year_id: i64,
    department_id: i64,
    name: &str,
) -> sqlx::Result<i64> {
    // The department locked: sections added at once get positions one after another.
    sqlx::query!(
        "SELECT id FROM department WHERE municipality_id = $1 AND id = $2 FOR UPDATE",
        mid,
        department_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    sqlx::query_scalar!("INSERT INTO section (municipality_id, fiscal_year_id, department_id, name, position)
         VALUES ($1, $2, $3, $4, (SELECT COALESCE(max(position), 0) + 1 FROM section WHERE municipality_id = $1 AND department_id = $3))
         RETURNING id", mid, fiscal_year_id, department_id, name)
    .fetch_one(&mut *tx)
    .await
}

/// The year (western, and id) a department belongs to.
pub async fn department_year(
    pool: &PgPool,
    mid: i64,
    department_id: i64,
) -> sqlx::Result<Option<(i32, i64)>> {
    sqlx::query!("SELECT f.year, f.id FROM department d JOIN fiscal_year f ON f.municipality_id = d.municipality_id AND f.id = d.fiscal_year_id
         WHERE d.municipality_id = $1 AND d.id = $2", mid, department_id).map(|r| (r.year, r.id))
    .fetch_optional(pool)
    .await
}

/// The year (western, and id) a section belongs to.
pub async fn section_year(
    pool: &PgPool,
    mid: i64,
    section_id: i64,
) -> sqlx::Result<Option<(i32, i64)>> {
    sqlx::query!("SELECT f.year, f.id FROM section s JOIN fiscal_year f ON f.municipality_id = s.municipality_id AND f.id = s.fiscal_year_id
         WHERE s.municipality_id = $1 AND s.id = $2", mid, section_id).map(|r| (r.year, r.id))
    .fetch_optional(pool)
    .await
}

/// Adds a pillar (`id` None) or changes one; returns its id (None: no such pillar). A taken
/// number is a unique violation.
pub async fn save_pillar(
    tx: &mut PgConnection,
    mid: i64,
    policy_id: i64,
    id: Option<i64>,
    number: i32,
    title: &str,
    viewpoint: &[String],
) -> sqlx::Result<Option<i64>> {
    match id {
        None => {
            sqlx::query_scalar!("INSERT INTO pillar (municipality_id, policy_id, number, title, viewpoint) VALUES ($1, $2, $3, $4, $5) RETURNING id", mid, policy_id, number, title, viewpoint)
            .fetch_optional(&mut *tx)
            .await
        }
        Some(id) => {
            sqlx::query_scalar!("UPDATE pillar SET number = $4, title = $5, viewpoint = $6 WHERE municipality_id = $1 AND policy_id = $2 AND id = $3 RETURNING id", mid, policy_id, id, number, title, viewpoint)
            .fetch_optional(&mut *tx)
            .await
        }
    }
}

/// Whether a department has anything published (its publications keep referring to it).
pub async fn has_publications(pool: &PgPool, mid: i64, department_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM publication WHERE municipality_id = $1 AND department_id = $2) AS "value!""#, mid, department_id)
        .fetch_one(pool)
        .await
}

/// The department of fiscal `year` that already has a section named `name` (for the
/// message when a second one is refused).
pub async fn section_holder(
    pool: &PgPool,
    mid: i64,
    year: i32,
    name: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "SELECT d.name FROM section s
         JOIN department d ON d.municipality_id = s.municipality_id AND d.id = s.department_id
         JOIN fiscal_year f ON f.municipality_id = s.municipality_id AND f.id = s.fiscal_year_id
         WHERE s.municipality_id = $1 AND f.year = $2 AND s.name = $3",
        mid,
        year,
        name
    )
    .fetch_optional(pool)
    .await
}

/// 「課等「財務課」はこの年度の企画財政部に既にあります。」, or the plain message when the holder
/// is not found (removed meanwhile).
pub fn duplicate_section_message(name: &str, holder: Option<&str>) -> String {
    match holder {
        Some(d) => format!(
            "課等「{name}」はこの年度の{d}に既にあります。別の名前にするか、{d}の課等を使ってください。"
        ),
        None => "同じ名前の課等がこの年度に既にあります。".to_owned(),
    }
}

/// A URL name for a department created from a file: the slug the same name has in another
/// year of the city (so its pages line up across years), else `department-N`, free in the year.
pub async fn slug_for_new_department(
    tx: &mut PgConnection,
    mid: i64,
    fiscal_year_id: i64,
    name: &str,
) -> sqlx::Result<String> {
    let taken: Vec<String> = sqlx::query_scalar!(
        "SELECT slug FROM department WHERE municipality_id = $1 AND fiscal_year_id = $2",
        mid,
        fiscal_year_id
    )
    .fetch_all(&mut *tx)
    .await?;
    let elsewhere: Option<String> = sqlx::query_scalar!("SELECT d.slug FROM department d JOIN fiscal_year f ON f.municipality_id = d.municipality_id AND f.id = d.fiscal_year_id
         WHERE d.municipality_id = $1 AND d.name = $2 ORDER BY f.year DESC LIMIT 1", mid, name)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(s) = elsewhere.filter(|s| !taken.contains(s)) {
        return Ok(s);
    }
    Ok((1..)
        .map(|n| format!("department-{n}"))
        .find(|s| !taken.contains(s))
        .unwrap_or_default())
}

/// Whether a department or section of this name exists in the year.
pub async fn unit_name_taken(
    tx: &mut PgConnection,
    mid: i64,
    fiscal_year_id: i64,
    department: bool,
    name: &str,
) -> sqlx::Result<bool> {
    if department {
        sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM department WHERE municipality_id = $1 AND fiscal_year_id = $2 AND name = $3) AS "taken!""#,
            mid,
            fiscal_year_id,
            name
        )
        .fetch_one(&mut *tx)
        .await
    } else {
        sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM section WHERE municipality_id = $1 AND fiscal_year_id = $2 AND name = $3) AS "taken!""#,
            mid,
            fiscal_year_id,
            name
        )
        .fetch_one(&mut *tx)
        .await
    }
}

/// Locks a fiscal year's row until the transaction ends: changes to its organization made at
/// once (two uploads creating the same department) then run one after the other.
pub async fn lock_year(tx: &mut PgConnection, mid: i64, fiscal_year_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "SELECT id FROM fiscal_year WHERE municipality_id = $1 AND id = $2 FOR UPDATE",
        mid,
        fiscal_year_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    Ok(())
}
