//! Keeps a server's pages in step with the database: `LISTEN mokuhyo_public` for changes
//! committed by any server or command, and a periodic look at `public_change` for what a
//! dropped listening connection may have missed. The JST date changing also counts (pages
//! computed from today's date).

use super::PageCache;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::sync::Arc;
use std::time::Duration;

/// The channel migration 0012's trigger notifies.
pub const CHANNEL: &str = "mokuhyo_public";

/// How often the fallback check runs: `PAGE_CHECK_SECONDS`, default 2.
pub fn check_interval_from_env() -> Duration {
    let secs = std::env::var("PAGE_CHECK_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(2);
    Duration::from_secs(secs)
}

/// Runs until the process ends; see the module documentation.
pub fn spawn(pool: PgPool, cache: Arc<PageCache>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen = None;
        let mut today = crate::domain::clock::today();
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut listener: Option<PgListener> = None;
        let mut retry_at = tokio::time::Instant::now();
        loop {
            if listener.is_none() && tokio::time::Instant::now() >= retry_at {
                match listen(&pool).await {
                    Ok(l) => {
                        // Anything committed before we listened may be unseen.
                        cache.forget_all();
                        listener = Some(l);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen for publications; checking every {every:?}");
                        retry_at = tokio::time::Instant::now() + Duration::from_secs(5);
                    }
                }
            }
            tokio::select! {
                received = async {
                    match listener.as_mut() {
                        Some(l) => l.try_recv().await,
                        None => std::future::pending().await,
                    }
                } => match received {
                    Ok(Some(_)) => cache.forget_all(),
                    // The connection was lost and made again: notifications may be lost.
                    Ok(None) => cache.forget_all(),
                    Err(e) => {
                        tracing::warn!(error = %e, "listening for publications stopped; retrying");
                        listener = None;
                        retry_at = tokio::time::Instant::now() + Duration::from_secs(1);
                    }
                },
                _ = tick.tick() => {
                    if let Ok(state) = changes(&pool).await {
                        if seen.is_some_and(|s| s != state) {
                            cache.forget_all();
                        }
                        seen = Some(state);
                    }
                    let now = crate::domain::clock::today();
                    if now != today {
                        today = now;
                        cache.forget_all();
                    }
                }
            }
        }
    })
}

async fn listen(pool: &PgPool) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// The committed changes' count and newest id: either moves when a transaction commits.
async fn changes(pool: &PgPool) -> sqlx::Result<(i64, i64)> {
    crate::db::public::change_count_and_newest(pool).await
}

/// Forgets changes older than a day (every server checks the count, so removing rows only
/// costs one extra refresh).
pub async fn purge(pool: &PgPool) -> sqlx::Result<u64> {
    crate::db::public::purge_changes(pool).await
}
