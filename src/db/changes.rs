//! The record of committed public changes (migrations 0012 and 0015), which keeps every
//! server's rendered pages in step with the database.

use sqlx::{PgConnection, PgPool};

/// One committed change: the city it named, or none (everything may have changed).
#[derive(Debug, Clone)]
pub struct Change {
    pub id: i64,
    pub city: Option<String>,
}

/// Says that what the transaction on `tx` writes belongs to the city `municipality_id` only,
/// so that its change forgets only that city's pages (and the pages listing every city).
/// Call it before the first write; a transaction that writes several cities must not.
pub async fn scope_changes_to(tx: &mut PgConnection, municipality_id: i64) -> sqlx::Result<()> {
    sqlx::query_scalar!(
        r#"SELECT set_config('mokuhyo.city', (SELECT slug FROM municipality WHERE id = $1), true)
                  AS "set?""#,
        municipality_id
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(())
}

/// At most this many changes are read after a write; more mean "forget everything".
pub const CHANGES_READ: i64 = 500;

/// The committed changes newer than `id`, oldest first (at most [`CHANGES_READ`]).
pub async fn changes_after(pool: &PgPool, id: i64) -> sqlx::Result<Vec<Change>> {
    sqlx::query_as!(
        Change,
        r#"SELECT id, city AS "city?" FROM public_change WHERE id > $1 ORDER BY id LIMIT $2"#,
        id,
        CHANGES_READ
    )
    .fetch_all(pool)
    .await
}

/// One look at the record, as one snapshot: its oldest running transaction (`xmin`: every
/// transaction below it has ended, so its changes are visible now and forever) and the
/// changes of transactions from `since` on (`None`: from `xmin` on).
pub struct Look {
    pub xmin: i64,
    pub changes: Vec<(Change, i64)>,
}

pub async fn look(pool: &PgPool, since: Option<i64>) -> sqlx::Result<Look> {
    let rows = sqlx::query!(
        r#"WITH s AS (SELECT pg_current_snapshot() AS snap)
           SELECT pg_snapshot_xmin(s.snap)::text::bigint AS "xmin!",
                  c.id AS "id?", c.city AS "city?", c.txid::text::bigint AS "txid?"
             FROM s LEFT JOIN public_change c
               ON c.txid >= COALESCE($1::bigint::text::xid8, pg_snapshot_xmin(s.snap))
            ORDER BY c.id"#,
        since
    )
    .fetch_all(pool)
    .await?;
    let xmin = rows.first().map_or(0, |r| r.xmin);
    let changes = rows
        .into_iter()
        .filter_map(|r| {
            Some((
                Change {
                    id: r.id?,
                    city: r.city,
                },
                r.txid?,
            ))
        })
        .collect();
    Ok(Look { xmin, changes })
}

/// Removes changes older than a day; returns how many.
pub async fn purge_changes(pool: &PgPool) -> sqlx::Result<u64> {
    Ok(
        sqlx::query!("DELETE FROM public_change WHERE at < now() - interval '1 day'")
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
