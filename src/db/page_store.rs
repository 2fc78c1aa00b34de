//! The second tier of the page cache (migration 0016): every server's rendered city pages in
//! PostgreSQL, deleted by the changing transaction itself, stored only under the version they
//! were rendered from.

use sqlx::PgPool;
use sqlx::types::Json;

/// This build (see `build.rs`): a page is stored under `{path}#{BUILD}`, so a server never
/// serves what a server of another build (before an upgrade) rendered.
const BUILD: &str = env!("MOKUHYO_BUILD");

fn stored_path(path: &str) -> String {
    format!("{path}#{BUILD}")
}

/// A stored form of a page: its complete headers and its bytes.
pub struct StoredPage {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// One read: the city's current version (`None`: the city has no row yet) and the stored
/// form of `path` in `encoding` (`""`, `"br"`, `"gzip"`), if any.
pub async fn lookup(
    pool: &PgPool,
    path: &str,
    encoding: &str,
    city: &str,
) -> sqlx::Result<(Option<i64>, Option<StoredPage>)> {
    let row = sqlx::query!(
        r#"SELECT (SELECT version FROM page_scope WHERE city = $3) AS "version?",
                  r.headers AS "headers?: Json<Vec<(String, String)>>", r.body AS "body?"
             FROM (SELECT 1) AS one
             LEFT JOIN rendered_page r ON r.path = $1 AND r.encoding = $2"#,
        stored_path(path),
        encoding,
        city
    )
    .fetch_one(pool)
    .await?;
    let page = match (row.headers, row.body) {
        (Some(Json(headers)), Some(body)) => Some(StoredPage { headers, body }),
        _ => None,
    };
    Ok((row.version, page))
}

/// Gives a city its version row (a city created after the last change that named no city);
/// waits for a change in progress that creates it.
pub async fn open_scope(pool: &PgPool, city: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO page_scope (city) SELECT slug FROM municipality WHERE slug = $1
         ON CONFLICT (city) DO NOTHING",
        city
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Stores a form rendered under the city's `version`, unless the version moved (a change
/// committed meanwhile) or it is stored already; waits for a change in progress. Returns
/// whether it was stored.
pub async fn store(
    pool: &PgPool,
    path: &str,
    encoding: &str,
    city: &str,
    version: i64,
    page: &StoredPage,
) -> sqlx::Result<bool> {
    let stored = sqlx::query!(
        r#"INSERT INTO rendered_page (path, encoding, city, headers, body)
           SELECT $1, $2, $3, $5, $6
            WHERE (SELECT version FROM page_scope WHERE city = $3 FOR SHARE) = $4
           ON CONFLICT (path, encoding) DO NOTHING"#,
        stored_path(path),
        encoding,
        city,
        version,
        Json(&page.headers) as _,
        &page.body
    )
    .execute(pool)
    .await?;
    Ok(stored.rows_affected() == 1)
}
