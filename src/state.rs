//! The state every handler shares.

use crate::domain::era::Eras;
use sqlx::PgPool;
use std::sync::Arc;

/// Cloned into each request: a connection pool, the era table and request-handling settings.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub eras: Arc<Eras>,
    /// Whether a reverse proxy in front sets `X-Forwarded-For` (see `TRUST_PROXY`).
    pub trust_proxy: bool,
    /// Rendered public pages (see [`crate::cache`]).
    pub pages: Arc<crate::cache::PageCache>,
    /// Where "now" comes from: Japan's date whatever the server's time zone.
    pub clock: crate::domain::clock::Clock,
}
