//! Copies of a city, for load tests at national scale (`mokuhyo clone-city`): the city's
//! published years, organization and plans copied under new slugs (`kariya-1`, `kariya-2`…),
//! names and codes spread over the 47 prefectures.
//!
//! Run-time SQL, one of the three exceptions to compile-checked queries (see
//! `docs/architecture.md`): the copy is a PL/pgSQL function (`clone_city.sql`) that reads the
//! schema's columns and foreign keys, so that a new column or table is copied without
//! anyone remembering to; it is created in `pg_temp` for the connection and called by name.
//! `tests/app/national_scale.rs` clones the demo city and reads its pages.

use sqlx::PgPool;

const FUNCTION: &str = include_str!("clone_city.sql");

/// Cities copied per transaction: an interrupted run keeps what it committed, and a second
/// run skips the slugs that exist.
const BATCH: usize = 50;

/// Copies the city `source` once per number in `numbers` (skipping slugs already present),
/// calling `progress` after each batch with the count made so far; returns that count.
pub async fn clone_city(
    pool: &PgPool,
    source: &str,
    numbers: &[i32],
    mut progress: impl FnMut(usize),
) -> sqlx::Result<usize> {
    let mut conn = pool.acquire().await?;
    sqlx::raw_sql(FUNCTION).execute(&mut *conn).await?;
    let mut made = 0;
    for batch in numbers.chunks(BATCH) {
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let n: i32 = sqlx::query_scalar("SELECT pg_temp.mokuhyo_clone_city($1, $2)")
            .bind(source)
            .bind(batch)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        made += n as usize;
        progress(made);
    }
    Ok(made)
}
