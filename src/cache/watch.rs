//! Keeps a server's pages in step with the database: `LISTEN mokuhyo_public` for changes
//! committed by any server or command (each notification names its change and city), and a
//! periodic look at `public_change` for changes whose notification this server missed (a
//! dropped listening connection). The JST date changing also counts (pages computed from
//! today's date).

use super::PageCache;
use crate::db::changes::{self, Change};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::collections::HashSet;
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

/// The changes this server has accounted for, and where the next look starts.
#[derive(Default)]
struct Ledger {
    /// The oldest transaction still running at the last look: every change it did not see
    /// comes from a transaction at or above it. `None` before the first look.
    since: Option<i64>,
    accounted: HashSet<i64>,
}

impl Ledger {
    /// A notification: `id:slug`, the slug empty for a change naming no city.
    fn heard(&mut self, cache: &PageCache, payload: &str) {
        let Some((id, city)) = payload.split_once(':') else {
            return cache.forget_all();
        };
        if let Ok(id) = id.parse() {
            self.accounted.insert(id);
        }
        match city {
            "" => cache.forget_all(),
            slug => cache.forget_city(slug),
        }
    }

    /// A look at the record: forgets what each change not heard of touched (nothing at the
    /// first look, which only sets the baseline).
    fn looked(&mut self, cache: &PageCache, look: changes::Look) {
        let unheard: Vec<&Change> = look
            .changes
            .iter()
            .map(|(change, _)| change)
            .filter(|c| !self.accounted.contains(&c.id))
            .collect();
        if self.since.is_some() && !unheard.is_empty() {
            tracing::info!(
                count = unheard.len(),
                "public changes found by the periodic check"
            );
            cache.forget_changes(unheard.iter().map(|c| c.city.as_deref()));
        }
        // Keep only what the next look can return again, and what was heard after this one.
        let listed: HashSet<i64> = look.changes.iter().map(|(c, _)| c.id).collect();
        let again: HashSet<i64> = look
            .changes
            .iter()
            .filter(|(_, txid)| *txid >= look.xmin)
            .map(|(c, _)| c.id)
            .collect();
        self.accounted = listed
            .iter()
            .copied()
            .filter(|id| again.contains(id))
            .chain(
                self.accounted
                    .iter()
                    .copied()
                    .filter(|id| !listed.contains(id)),
            )
            .collect();
        self.since = Some(look.xmin);
    }
}

/// Runs until the process ends; see the module documentation.
pub fn spawn(pool: PgPool, cache: Arc<PageCache>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ledger = Ledger::default();
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
                    Ok(Some(n)) => ledger.heard(&cache, n.payload()),
                    // The connection was lost and made again: notifications may be lost.
                    Ok(None) => cache.forget_all(),
                    Err(e) => {
                        tracing::warn!(error = %e, "listening for publications stopped; retrying");
                        listener = None;
                        retry_at = tokio::time::Instant::now() + Duration::from_secs(1);
                    }
                },
                _ = tick.tick() => {
                    // Notifications already received are counted before looking.
                    if let Some(l) = listener.as_mut() {
                        while let Some(n) = l.next_buffered() {
                            ledger.heard(&cache, n.payload());
                        }
                    }
                    if let Ok(look) = changes::look(&pool, ledger.since).await {
                        ledger.looked(&cache, look);
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

/// Forgets changes older than a day (the periodic check reads only changes of transactions
/// that may have ended since its last look).
pub async fn purge(pool: &PgPool) -> sqlx::Result<u64> {
    changes::purge_changes(pool).await
}
