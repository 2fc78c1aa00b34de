//! PDFs made once: a document is known by the hash of what it is made from (template, name,
//! data), so a public page can say how large its PDF is (「PDF版（101 KB）」) and the PDF
//! itself is then served without typesetting it again. What is kept is bounded: the bytes of
//! the last few documents (the page cache keeps them longer), and the sizes of many.
//!
//! Correct with any number of servers and without invalidation: a change to a publication
//! changes the data, hence the key; an old key is simply never asked for again.

use super::Template;
use crate::error::AppError;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::{Arc, LazyLock};

/// The bytes kept of the documents made last (a booklet is some hundreds of KB).
const BYTES_KEPT: u64 = 24 << 20;
/// The sizes kept (some tens of bytes each).
const SIZES_KEPT: usize = 65_536;

/// A document to make: its template, its data, the name it is known by (its path, which
/// also names the PDF inside), and the file name offered on download.
pub struct Doc {
    pub template: Template,
    pub data: Value,
    pub ident: String,
    pub file: String,
}

type Key = [u8; 32];

impl Doc {
    fn key(&self) -> Key {
        let mut hash = Sha256::new();
        hash.update(format!("{:?}\0{}\0", self.template, self.ident).as_bytes());
        // Serializing a `Value` cannot fail.
        hash.update(serde_json::to_vec(&self.data).unwrap_or_default());
        hash.finalize().into()
    }
}

#[derive(Clone)]
struct ByLength;

impl quick_cache::Weighter<Key, Arc<[u8]>> for ByLength {
    fn weight(&self, _key: &Key, bytes: &Arc<[u8]>) -> u64 {
        bytes.len() as u64 + 64
    }
}

static BYTES: LazyLock<quick_cache::sync::Cache<Key, Arc<[u8]>, ByLength>> =
    LazyLock::new(|| quick_cache::sync::Cache::with_weighter(256, BYTES_KEPT, ByLength));
static SIZES: LazyLock<quick_cache::sync::Cache<Key, usize>> =
    LazyLock::new(|| quick_cache::sync::Cache::new(SIZES_KEPT));

static ONE_AT_A_TIME: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// The PDF of `doc`: kept, or typeset now on a blocking thread (one document at a time on
/// this server; a request for a document being made waits for it).
pub async fn render(doc: Doc) -> Result<Arc<[u8]>, AppError> {
    use AppError::Internal;
    let key = doc.key();
    let guard = match BYTES.get_value_or_guard_async(&key).await {
        Ok(bytes) => return Ok(bytes),
        Err(guard) => guard,
    };
    let _turn = ONE_AT_A_TIME
        .acquire()
        .await
        .map_err(|e| Internal(e.to_string()))?;
    let Doc {
        template,
        data,
        ident,
        ..
    } = doc;
    let bytes: Arc<[u8]> =
        tokio::task::spawn_blocking(move || super::typeset(template, &data, &ident))
            .await
            .map_err(|e| Internal(e.to_string()))?
            .map_err(|e| Internal(format!("a PDF could not be typeset: {e}")))?
            .into();
    SIZES.insert(key, bytes.len());
    let _ = guard.insert(bytes.clone());
    Ok(bytes)
}

/// How many bytes the PDF of `doc` has (made now if not known).
pub async fn size(doc: Doc) -> Result<usize, AppError> {
    if let Some(size) = SIZES.get(&doc.key()) {
        return Ok(size);
    }
    Ok(render(doc).await?.len())
}

/// 「101 KB」, 「1.2 MB」: a size as a link label says it.
pub fn size_label(bytes: usize) -> String {
    if bytes < 1_000_000 {
        format!("{} KB", bytes.div_ceil(1000).max(1))
    } else {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    }
}

/// The label of a public page's link to its PDF: 「PDF版（A4横・101 KB）」. A PDF that cannot
/// be made (logged) still gets its link, without a size: the page is not held back by it.
pub async fn link_label(doc: Doc, paper: &str) -> String {
    match size(doc).await {
        Ok(bytes) => format!("PDF版（{paper}・{}）", size_label(bytes)),
        Err(e) => {
            tracing::error!(error = %e, "a PDF's size could not be known");
            format!("PDF版（{paper}）")
        }
    }
}

/// Forgets every document made (benchmarks measure a render from scratch).
pub fn forget() {
    BYTES.clear();
    SIZES.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_label(0), "1 KB");
        assert_eq!(size_label(101_200), "102 KB");
        assert_eq!(size_label(999_999), "1000 KB");
        assert_eq!(size_label(1_234_567), "1.2 MB");
    }

    #[test]
    fn a_document_is_known_by_all_it_is_made_from() {
        let doc = |template, data: Value, ident: &str| Doc {
            template,
            data,
            ident: ident.to_owned(),
            file: "x.pdf".to_owned(),
        };
        let a = doc(Template::Year, serde_json::json!({"a": 1}), "/x.pdf").key();
        assert_eq!(
            a,
            doc(Template::Year, serde_json::json!({"a": 1}), "/x.pdf").key()
        );
        assert_ne!(
            a,
            doc(Template::Year, serde_json::json!({"a": 2}), "/x.pdf").key()
        );
        assert_ne!(
            a,
            doc(Template::Heads, serde_json::json!({"a": 1}), "/x.pdf").key()
        );
        assert_ne!(
            a,
            doc(Template::Year, serde_json::json!({"a": 1}), "/y.pdf").key()
        );
    }
}
