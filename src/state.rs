//! The state every handler shares.

use crate::domain::era::Eras;
use sqlx::PgPool;
use std::sync::Arc;

/// Cloned into each request: a connection pool and the era table.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub eras: Arc<Eras>,
}
