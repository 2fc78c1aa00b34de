//! Posts of a year and who holds them: a department's head (部長) and a section's chief
//! (課長). A role assignment belongs to the post (the year's department or section), so the
//! April transfers replace a post's holder; what the previous holder signed stays in the
//! frozen publications with their name.

use sqlx::{PgConnection, PgPool};

/// A post: a department's head or a section's chief.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Post {
    Head(i64),
    Chief(i64),
}

impl Post {
    /// The role a post's holder has (`role_assignment.role`).
    pub fn role(self) -> &'static str {
        match self {
            Post::Head(_) => "department_head",
            Post::Chief(_) => "section_chief",
        }
    }

    fn ids(self) -> (Option<i64>, Option<i64>) {
        match self {
            Post::Head(d) => (Some(d), None),
            Post::Chief(s) => (None, Some(s)),
        }
    }
}

/// Someone holding a post in a year.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Holder {
    pub department_id: Option<i64>,
    pub section_id: Option<i64>,
    pub user_id: i64,
    pub display_name: String,
    pub username: String,
}

/// Every head and chief of a year, in one statement.
pub async fn holders(pool: &PgPool, mid: i64, fiscal_year_id: i64) -> sqlx::Result<Vec<Holder>> {
    sqlx::query_as!(
        Holder,
        r#"SELECT r.department_id AS "department_id?", r.section_id AS "section_id?", u.id AS user_id,
                  u.display_name, u.username
           FROM role_assignment r
           JOIN app_user u ON u.municipality_id = r.municipality_id AND u.id = r.user_id
           LEFT JOIN department d ON d.municipality_id = r.municipality_id AND d.id = r.department_id
           LEFT JOIN section s ON s.municipality_id = r.municipality_id AND s.id = r.section_id
           WHERE r.municipality_id = $1 AND r.role IN ('department_head', 'section_chief')
             AND COALESCE(d.fiscal_year_id, s.fiscal_year_id) = $2
           ORDER BY r.id"#,
        mid,
        fiscal_year_id
    )
    .fetch_all(pool)
    .await
}

/// The city's accounts that may take a post (not disabled): (username, display name).
pub async fn accounts(pool: &PgPool, mid: i64) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query!(
        "SELECT username, display_name FROM app_user WHERE municipality_id = $1 AND NOT disabled ORDER BY username",
        mid
    )
    .map(|r| (r.username, r.display_name))
    .fetch_all(pool)
    .await
}

/// An account of the city, not disabled, by its sign-in name: (id, display name).
pub async fn account(
    pool: &PgPool,
    mid: i64,
    username: &str,
) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query!(
        "SELECT id, display_name FROM app_user WHERE municipality_id = $1 AND lower(username) = lower($2) AND NOT disabled",
        mid,
        username
    )
    .map(|r| (r.id, r.display_name))
    .fetch_optional(pool)
    .await
}

/// Makes `user_id` the post's only holder (the post's row is locked by the caller); returns
/// the previous holders' names.
pub async fn replace_holder(
    tx: &mut PgConnection,
    mid: i64,
    post: Post,
    user_id: i64,
) -> sqlx::Result<Vec<String>> {
    let (department, section) = post.ids();
    let previous = sqlx::query_scalar!(
        r#"WITH gone AS (
               DELETE FROM role_assignment WHERE municipality_id = $1 AND role = $2
                 AND department_id IS NOT DISTINCT FROM $3 AND section_id IS NOT DISTINCT FROM $4
               RETURNING user_id)
           SELECT u.display_name FROM gone JOIN app_user u ON u.municipality_id = $1 AND u.id = gone.user_id
           ORDER BY u.display_name"#,
        mid,
        post.role(),
        department,
        section
    )
    .fetch_all(&mut *tx)
    .await?;
    crate::db::staff::insert_role(tx, mid, user_id, post.role(), department, section).await?;
    Ok(previous)
}

/// The same post in the year before (the department it was carried from, or that
/// department's section of the same name), if any.
pub async fn previous(tx: &mut PgConnection, mid: i64, post: Post) -> sqlx::Result<Option<Post>> {
    Ok(match post {
        Post::Head(d) => sqlx::query_scalar!(
            r#"SELECT predecessor_id AS "id!" FROM department
                WHERE municipality_id = $1 AND id = $2 AND predecessor_id IS NOT NULL"#,
            mid,
            d
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(Post::Head),
        Post::Chief(s) => sqlx::query_scalar!(
            r#"SELECT p.id AS "id!" FROM section s
                 JOIN department d ON d.municipality_id = s.municipality_id AND d.id = s.department_id
                 JOIN section p ON p.municipality_id = d.municipality_id AND p.department_id = d.predecessor_id
                               AND p.name = s.name
                WHERE s.municipality_id = $1 AND s.id = $2"#,
            mid,
            s
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(Post::Chief),
    })
}
