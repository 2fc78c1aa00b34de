//! Public pages rendered once: each server keeps the bytes of the pages it has rendered, and
//! the compressed forms clients asked for, in a bounded cache, and serves them without
//! touching the database until something public changes.
//!
//! **What is kept.** Each form of a page (the page itself; its brotli or gzip form once a
//! client asked for it) is one entry, weighed in bytes. The cache ([`quick_cache`], S3-FIFO) admits a
//! new entry to a small probationary queue and keeps in its main part only what is read
//! again, so a crawler walking every page of every city passes through without pushing out
//! the pages readers come back to. Concurrent requests for a page not kept wait for the one
//! render already under way (one render per page at a time); see `serve`.
//!
//! **When it is forgotten.** Correctness rests on *generations*. A page is stored with the
//! generations read before its handler ran — the server's and its city's — and served only
//! while both are unchanged. A change committed for one city (every transaction writing a
//! table public pages read is recorded and notified at commit, migrations 0012 and 0015)
//! moves that city's generation and the generation of the pages listing every city (`/`, the
//! prefectures, open data); a change that names no city moves the server's, forgetting
//! everything. Notifications are heard through `LISTEN` (`watch`), missed ones are found by
//! the periodic check, and a signed-in write this server answered forgets what it changed
//! at once ([`PageCache::forget_if_changed`]). Nothing an anonymous or refused request does
//! forgets anything. A page rendered from data older than a change therefore never
//! outlives the change's notification.

mod encode;
mod serve;
mod shared;
pub mod watch;

pub use serve::serve_cached;

use axum::body::Bytes;
use axum::http::HeaderMap;
use encode::Encoding;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Bytes kept when `PAGE_CACHE_MB` is not set: with 1,741 cities' pages requested Zipf-wise,
/// 128 MB keeps the pages of most requests (`tools/bench-national.sh`); the demo takes 3 MB.
pub const DEFAULT_BUDGET: usize = 128 << 20;

/// What an entry costs besides its body: its key, headers and the cache's own bookkeeping.
const ENTRY_OVERHEAD: u64 = 768;

/// The pages that list every city (and the fingerprinted assets): forgotten with any city.
const SHARED_SCOPE: &str = "";

/// One form of a rendered page, ready to send: its complete headers (the handler's and every
/// layer's, with length, encoding and ETag) and its bytes.
pub struct Form {
    stamp: Stamp,
    /// The strong validator of the identity bytes; the compressed forms' ETags append
    /// `-br`/`-gz` to it, and a client holding any form gets 304.
    tag: Arc<str>,
    headers: HeaderMap,
    body: Bytes,
    /// The identity form of a page big enough, and of a type, worth compressing.
    compressible: bool,
    /// Kept under a compressed key because compressing did not make it smaller: weighs
    /// nothing more than its entry.
    alias: bool,
    /// The city's version in the shared store it was rendered under (`None`: not to be
    /// stored there); see `shared`.
    version: Option<i64>,
}

/// The generations a form was rendered under.
#[derive(Clone, Copy, PartialEq, Debug)]
struct Stamp {
    server: u64,
    scope: u64,
}

type Key = (String, Encoding);

#[derive(Clone)]
struct Weigh;

impl quick_cache::Weighter<Key, Arc<Form>> for Weigh {
    fn weight(&self, key: &Key, form: &Arc<Form>) -> u64 {
        let body = if form.alias { 0 } else { form.body.len() };
        let headers: usize = form
            .headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 32)
            .sum();
        (body + headers + key.0.len()) as u64 + ENTRY_OVERHEAD
    }
}

type Store = quick_cache::sync::Cache<Key, Arc<Form>, Weigh>;

/// The pages of one server process; see the module documentation.
pub struct PageCache {
    server: AtomicU64,
    scopes: RwLock<HashMap<String, u64>>,
    /// The newest `public_change` this server's own writes have accounted for.
    seen_change: AtomicI64,
    budget: usize,
    store: Store,
    /// Compressions under way at once (each on a blocking thread).
    compressing: tokio::sync::Semaphore,
    /// The second tier, shared by every server (`PAGE_STORE=off`: none).
    shared: std::sync::OnceLock<sqlx::PgPool>,
}

impl PageCache {
    /// An empty cache keeping at most `budget` bytes (0: nothing is kept).
    pub fn new(budget: usize) -> Arc<Self> {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let options = quick_cache::OptionsBuilder::new()
            .estimated_items_capacity((budget / 16_384).max(16))
            .weight_capacity(budget.max(1) as u64)
            // Few shards: the largest page kept is a shard's share of the budget.
            .shards(4)
            .build()
            .expect("cache options are valid");
        Arc::new(Self {
            server: AtomicU64::new(1),
            scopes: RwLock::new(HashMap::new()),
            seen_change: AtomicI64::new(0),
            budget,
            store: Store::with_options(options, Weigh, Default::default(), Default::default()),
            compressing: tokio::sync::Semaphore::new(workers),
            shared: std::sync::OnceLock::new(),
        })
    }

    /// From `PAGE_CACHE_MB` (default 128; 0 turns the cache off).
    pub fn from_env() -> Arc<Self> {
        let budget = std::env::var("PAGE_CACHE_MB")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .map_or(DEFAULT_BUDGET, |mb| mb << 20);
        Self::new(budget)
    }

    /// Keeps city pages in PostgreSQL too, for every server (unless `PAGE_STORE=off`).
    pub fn share_through(&self, pool: sqlx::PgPool) {
        if std::env::var("PAGE_STORE").is_ok_and(|v| v.trim() == "off") {
            return;
        }
        let _ = self.shared.set(pool);
    }

    fn enabled(&self) -> bool {
        self.budget > 0
    }

    /// The generations a page at `path` would be stored under now; read before rendering.
    fn stamp(&self, path: &str) -> Stamp {
        let scopes = self.scopes.read().unwrap_or_else(|e| e.into_inner());
        Stamp {
            server: self.server.load(Ordering::Acquire),
            scope: scopes.get(scope_of(path)).copied().unwrap_or(0),
        }
    }

    /// Every stored page is stale from now on.
    pub fn forget_all(&self) {
        self.server.fetch_add(1, Ordering::AcqRel);
        self.store.clear();
    }

    /// The pages of the city `slug` and the pages listing every city are stale from now on.
    pub fn forget_city(&self, slug: &str) {
        {
            let mut scopes = self.scopes.write().unwrap_or_else(|e| e.into_inner());
            for scope in [slug, SHARED_SCOPE] {
                *scopes.entry(scope.to_owned()).or_insert(0) += 1;
            }
        }
        // Their room is given back now rather than when they would be evicted.
        self.store.retain(|(path, _), _| {
            let scope = scope_of(path);
            scope != slug && scope != SHARED_SCOPE
        });
    }

    /// Forgets what the committed public changes `cities` touched (`None`: one that named
    /// no city, so everything).
    pub fn forget_changes<'a>(&self, cities: impl IntoIterator<Item = Option<&'a str>>) {
        for city in cities {
            match city {
                Some(slug) => self.forget_city(slug),
                None => return self.forget_all(),
            }
        }
    }

    /// After a signed-in write this server answered: forgets what the public changes committed
    /// since the last one this server saw changed (the write's own, or any other), so the
    /// writer sees it at once; the notification brings it to the other servers. Refused,
    /// failed and anonymous requests never get here, and a write that changed nothing public
    /// keeps the pages.
    pub async fn forget_if_changed(&self, pool: &sqlx::PgPool) {
        let seen = self.seen_change.load(Ordering::Acquire);
        let Ok(changes) = crate::db::changes::changes_after(pool, seen).await else {
            // Unknown: the safe answer.
            self.forget_all();
            return;
        };
        let Some(newest) = changes.iter().map(|c| c.id).max() else {
            return;
        };
        if self.seen_change.fetch_max(newest, Ordering::AcqRel) >= newest {
            return;
        }
        if changes.len() as i64 >= crate::db::changes::CHANGES_READ {
            self.forget_all();
        } else {
            self.forget_changes(changes.iter().map(|c| c.city.as_deref()));
        }
    }

    /// The form stored under `key`, if it is of the current generations.
    fn fresh(&self, key: &Key) -> Option<Arc<Form>> {
        let form = self.store.get(key)?;
        (form.stamp == self.stamp(&key.0)).then_some(form)
    }

    /// Stores `form` unless a generation moved on while it was made.
    #[cfg(test)]
    fn keep(&self, key: Key, form: Arc<Form>) {
        if form.stamp == self.stamp(&key.0) {
            self.store.insert(key, form);
        }
    }

    /// How many forms and bytes (as weighed) are kept (for the benchmark and tests).
    pub fn usage(&self) -> (usize, usize) {
        (self.store.len(), self.store.weight() as usize)
    }
}

/// The staff pages and sign-in: never kept, by this cache or any other (`no-store`).
pub fn is_private(path: &str) -> bool {
    path == "/staff"
        || path.starts_with("/staff/")
        || path == "/login"
        || path.starts_with("/login/")
        || path == "/logout"
}

/// The city a public path belongs to (its first segment), or the shared scope for the pages
/// that list every city and the assets.
fn scope_of(path: &str) -> &str {
    let first = path
        .trim_start_matches('/')
        .split(['/', '.'])
        .next()
        .unwrap_or("");
    match first {
        "" | "prefectures" | "static" | "open-data" => SHARED_SCOPE,
        city => city,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_belongs_to_its_city_or_to_every_city() {
        assert_eq!(scope_of("/kariya/2026/departments/x"), "kariya");
        assert_eq!(scope_of("/kariya/2026.json"), "kariya");
        assert_eq!(scope_of("/kariya"), "kariya");
        assert_eq!(scope_of("/"), "");
        assert_eq!(scope_of("/prefectures/23"), "");
        assert_eq!(scope_of("/open-data"), "");
        assert_eq!(scope_of("/static/style.abc.css"), "");
    }

    fn form(cache: &PageCache, path: &str, bytes: usize) -> Arc<Form> {
        Arc::new(Form {
            stamp: cache.stamp(path),
            tag: Arc::from("h0"),
            headers: HeaderMap::new(),
            body: Bytes::from(vec![b'x'; bytes]),
            compressible: false,
            alias: false,
            version: None,
        })
    }

    #[test]
    fn a_change_of_one_city_keeps_the_others_pages() {
        let cache = PageCache::new(1 << 20);
        for path in ["/kariya/2026", "/kazo/2026", "/"] {
            cache.keep((path.into(), Encoding::Identity), form(&cache, path, 100));
        }
        cache.forget_city("kariya");
        let kept = |p: &str| cache.fresh(&(p.into(), Encoding::Identity)).is_some();
        assert!(!kept("/kariya/2026"));
        assert!(!kept("/"), "the city list shows every city");
        assert!(kept("/kazo/2026"));
        // A page rendered before the change and stored after it is never kept.
        let stale = form(&cache, "/kazo/2026", 10);
        cache.forget_city("kazo");
        cache.keep(("/kazo/2026".into(), Encoding::Identity), stale);
        assert!(!kept("/kazo/2026"));
        cache.forget_changes([Some("kazo"), None]);
        assert_eq!(cache.usage().0, 0);
    }

    #[test]
    fn pages_read_again_survive_a_walk_over_many_others() {
        let cache = PageCache::new(4 << 20);
        let hot: Vec<String> = (0..40).map(|i| format!("/hot{i}")).collect();
        for _ in 0..3 {
            for p in &hot {
                if cache.fresh(&(p.clone(), Encoding::Identity)).is_none() {
                    cache.keep((p.clone(), Encoding::Identity), form(&cache, p, 20_000));
                }
            }
        }
        // A crawler: 2,000 pages read once, ten times the budget.
        for i in 0..2_000 {
            let p = format!("/cold{i}");
            cache.keep((p.clone(), Encoding::Identity), form(&cache, &p, 20_000));
        }
        let kept = hot
            .iter()
            .filter(|p| cache.fresh(&((*p).clone(), Encoding::Identity)).is_some())
            .count();
        assert!(kept >= 36, "{kept} of 40 read pages kept");
        assert!(cache.usage().1 <= 4 << 20);
    }
}
