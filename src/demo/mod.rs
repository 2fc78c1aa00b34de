//! The demo cities: real published documents transcribed into data files, loaded through
//! the import code path like any other year.

use crate::import::{self, ImportError, ImportReport, document::YearDocument};
use sqlx::PgPool;

/// 刈谷市 令和8年度 組織重点目標 (see the file's header for how it was transcribed).
pub const KARIYA_2026: &str = include_str!("kariya_2026.toml");

/// Every demo document.
pub fn documents() -> Vec<YearDocument> {
    [KARIYA_2026]
        .iter()
        .map(|text| toml::from_str(text).expect("the bundled demo data parses (checked by tests)"))
        .collect()
}

/// Loads (or refreshes) every demo city. Loading again changes nothing.
pub async fn load(pool: &PgPool) -> Result<ImportReport, ImportError> {
    let mut total = ImportReport::default();
    for doc in documents() {
        let r = import::apply(pool, &doc).await?;
        total.inserted += r.inserted;
        total.updated += r.updated;
        total.deleted += r.deleted;
    }
    Ok(total)
}
