//! Mokuhyo (目標): plan, track and publish a city hall's yearly organizational goals.
//!
//! The library holds everything; `main.rs` only reads the configuration and calls [`serve`],
//! so tests build the very same [`routes::router`].

pub mod auth;
pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod directory;
pub mod domain;
pub mod error;
pub mod export;
pub mod import;
pub mod mail;
pub mod pdf;
pub mod pgcluster;
pub mod routes;
pub mod server;
pub mod site;
pub mod state;

use state::AppState;
use std::sync::Arc;

/// Builds the shared state from a migrated pool (and `TRUST_PROXY` from the environment).
pub async fn app_state(pool: sqlx::PgPool) -> Result<AppState, sqlx::Error> {
    let eras = db::load_eras(&pool).await?;
    let trust_proxy =
        std::env::var("TRUST_PROXY").is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"));
    let pages = cache::PageCache::from_env();
    pages.share_through(pool.clone());
    Ok(AppState {
        pool,
        eras: Arc::new(eras),
        trust_proxy,
        pages,
        clock: domain::clock::Clock::System,
    })
}

/// The work every server does beside answering requests: housekeeping, the mail sender (only
/// the lease holder sends) and the watcher that keeps the page cache in step. Returns the
/// sender, to stop on shutdown.
pub fn spawn_background(state: &AppState) -> mail::send::Sender {
    spawn_housekeeping(state.pool.clone());
    let sender = mail::send::spawn(
        state.pool.clone(),
        state.eras.clone(),
        state.clock,
        mail::send::SenderConfig::from_env(),
    );
    cache::watch::spawn(
        state.pool.clone(),
        state.pages.clone(),
        cache::watch::check_interval_from_env(),
    );
    sender
}

/// Removes expired sessions and old sign-in failures now and then, on every server (the
/// deletes are idempotent, so several servers doing it harm nothing).
pub fn spawn_housekeeping(pool: sqlx::PgPool) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            match db::staff::purge_expired(&pool).await {
                Ok(0) => {}
                Ok(removed) => {
                    tracing::info!(removed, "expired sessions and sign-in failures removed")
                }
                Err(e) => tracing::warn!(error = %e, "housekeeping failed; tried again in an hour"),
            }
            // The mail log keeps a little over a year (a fiscal year and its reminders).
            if let Err(e) = db::mail::purge(&pool, 400).await {
                tracing::warn!(error = %e, "old mail not removed; tried again in an hour");
            }
            if let Err(e) = cache::watch::purge(&pool).await {
                tracing::warn!(error = %e, "old public changes not removed; tried again in an hour");
            }
        }
    })
}
