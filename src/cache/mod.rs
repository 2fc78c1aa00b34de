//! Public pages rendered once: each server keeps the bytes of the pages it has rendered (and
//! their gzip and brotli forms) in memory, and serves them without touching the database
//! until something public changes.
//!
//! Correctness rests on one number, the *generation*. A page is stored with the generation
//! read before its handler ran, and served only while the generation is unchanged; anything
//! that may change a public page increments it ([`PageCache::forget_all`]): a notification
//! from PostgreSQL (every transaction writing a table public pages read notifies at commit,
//! migration 0012), the periodic check that catches notifications a server missed, and a
//! signed-in write this server answered that committed a public change (so its author sees
//! it at once; [`PageCache::forget_if_changed`]). Nothing an anonymous or refused request
//! does empties the cache. A page rendered from data older than a change
//! therefore never outlives the change's notification.

mod serve;
pub mod watch;

pub use serve::serve_cached;

use axum::body::Bytes;
use axum::http::HeaderMap;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Bytes kept when `PAGE_CACHE_MB` is not set: the demo's every page takes about 6 MB.
pub const DEFAULT_BUDGET: usize = 64 << 20;

/// One rendered page, ready to send in each encoding it was kept in.
pub struct Page {
    generation: u64,
    /// The strong validator of the identity bytes; the compressed forms append `-br`/`-gz`.
    tag: String,
    identity: Form,
    gzip: Option<Form>,
    br: Option<Form>,
}

/// One encoding of a page: its complete headers (the handler's and every layer's, with
/// length, encoding and ETag) and its bytes.
struct Form {
    headers: HeaderMap,
    body: Bytes,
}

impl Page {
    fn size(&self) -> usize {
        [Some(&self.identity), self.gzip.as_ref(), self.br.as_ref()]
            .into_iter()
            .flatten()
            .map(|f| f.body.len() + 1024)
            .sum()
    }
}

/// The pages of one server process; see the module documentation.
pub struct PageCache {
    generation: AtomicU64,
    /// The newest `public_change` this server's own writes have accounted for.
    seen_change: AtomicI64,
    budget: usize,
    inner: RwLock<Inner>,
}

#[derive(Default)]
struct Inner {
    pages: HashMap<String, Arc<Page>>,
    bytes: usize,
}

impl PageCache {
    /// An empty cache keeping at most `budget` bytes (0: nothing is kept).
    pub fn new(budget: usize) -> Arc<Self> {
        Arc::new(Self {
            generation: AtomicU64::new(1),
            seen_change: AtomicI64::new(0),
            budget,
            inner: RwLock::new(Inner::default()),
        })
    }

    /// From `PAGE_CACHE_MB` (default 64; 0 turns the cache off).
    pub fn from_env() -> Arc<Self> {
        let budget = std::env::var("PAGE_CACHE_MB")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .map_or(DEFAULT_BUDGET, |mb| mb << 20);
        Self::new(budget)
    }

    /// The current generation; read it before rendering a page that will be stored.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Every stored page is stale from now on.
    pub fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        let mut inner = self.lock();
        inner.pages.clear();
        inner.bytes = 0;
    }

    /// After a signed-in write this server answered: forgets every page when a public change
    /// was committed since the last one this server saw (the write's own, or any other), so the
    /// writer sees it at once; the notification brings it to the other servers. Refused,
    /// failed and anonymous requests never get here, and a write that changed nothing public
    /// keeps the pages.
    pub async fn forget_if_changed(&self, pool: &sqlx::PgPool) {
        let Ok(newest) = crate::db::public::newest_change(pool).await else {
            // Unknown: the safe answer.
            self.forget_all();
            return;
        };
        if self.seen_change.fetch_max(newest, Ordering::AcqRel) < newest {
            self.forget_all();
        }
    }

    /// The page stored under `key`, if it is of the current generation.
    fn get(&self, key: &str) -> Option<Arc<Page>> {
        let current = self.generation();
        let page = self.read().pages.get(key).cloned()?;
        (page.generation == current).then_some(page)
    }

    /// Stores `page` unless the generation moved on while it was rendered; when the budget
    /// is exceeded, other pages are dropped (publications are few, so rarely).
    fn put(&self, key: String, page: Arc<Page>) {
        let size = page.size();
        if size > self.budget / 4 {
            return;
        }
        let mut inner = self.lock();
        if page.generation != self.generation() {
            return;
        }
        if let Some(old) = inner.pages.insert(key, page) {
            inner.bytes -= old.size();
        }
        inner.bytes += size;
        while inner.bytes > self.budget {
            let Some(victim) = inner.pages.keys().next().cloned() else {
                break;
            };
            if let Some(old) = inner.pages.remove(&victim) {
                inner.bytes -= old.size();
            }
        }
    }

    /// How many pages and bytes are kept (for the benchmark and tests).
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.read();
        (inner.pages.len(), inner.bytes)
    }

    // A panic while holding the lock leaves plain data behind; keep using it.
    fn lock(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }
}
