//! The second tier, shared by every server: a city's pages in PostgreSQL
//! (`db::page_store`), so a page one server rendered is, for the others, one indexed read.
//! A change deletes the city's stored pages in its own transaction; a page is stored only
//! under the version it was rendered from (read before rendering), so a page rendered before
//! a change is never stored after it. The pages listing every city stay in memory only.
//! When the store cannot be read, pages are rendered as if it were empty.

use super::encode;
use super::{Form, Key, PageCache, SHARED_SCOPE, Stamp, scope_of};
use crate::db::page_store;
use sqlx::PgPool;

/// What the store holds for a key: the form, and the city's version to store a render under.
pub(super) struct Fetched {
    pub form: Option<Form>,
    pub version: Option<i64>,
}

impl PageCache {
    fn shared_for<'a>(&'a self, path: &'a str) -> Option<(&'a PgPool, &'a str)> {
        let city = scope_of(path);
        let pool = self.shared.get()?;
        (city != SHARED_SCOPE).then_some((pool, city))
    }
}

/// Reads `key` from the store, before rendering it (`stamp`: the memory tier's generations,
/// read before this).
pub(super) async fn fetch(cache: &PageCache, key: &Key, stamp: Stamp) -> Fetched {
    let none = Fetched {
        form: None,
        version: None,
    };
    let Some((pool, city)) = cache.shared_for(&key.0) else {
        return none;
    };
    match page_store::lookup(pool, &key.0, key.1.stored(), city).await {
        Ok((version, Some(page))) => Fetched {
            form: encode::restore(stamp, page, version),
            version,
        },
        Ok((Some(version), None)) => Fetched {
            form: None,
            version: Some(version),
        },
        Ok((None, None)) => {
            // Stored from the next render on.
            if let Err(e) = page_store::open_scope(pool, city).await {
                tracing::debug!(error = %e, city, "page store: no version row");
            }
            none
        }
        Err(e) => {
            tracing::debug!(error = %e, "page store not read; rendering");
            none
        }
    }
}

/// Stores a form made here, if it was rendered under a known version.
pub(super) async fn put(cache: &PageCache, key: &Key, form: &Form) {
    let (Some((pool, city)), Some(version)) = (cache.shared_for(&key.0), form.version) else {
        return;
    };
    let Some(stored) = encode::to_stored(form) else {
        return;
    };
    if let Err(e) = page_store::store(pool, &key.0, key.1.stored(), city, version, &stored).await {
        tracing::debug!(error = %e, "page not stored");
    }
}
