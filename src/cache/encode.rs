//! The forms of a page: its identity bytes with their validator, and the brotli or gzip form
//! made when a client first asks for it, at levels chosen for the request path (a 100 KB
//! page compresses in about a millisecond; `cargo test --release cache::encode -- --nocapture`
//! prints the figures).

use super::{Form, Stamp};
use crate::db::page_store::StoredPage;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::Arc;

/// Below this, compressing is not worth a header.
const MIN_COMPRESSED: usize = 256;
/// Brotli's quality and window on the request path: quality 5 gives most of quality 10's
/// size at a twentieth of its time, and a 1 MB window keeps each compressor's memory small.
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW: u32 = 20;
/// gzip's default level: level 9 costs twice as much for 1–2 % less.
const GZIP_LEVEL: u32 = 6;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Encoding {
    Identity,
    Gzip,
    Br,
}

impl Encoding {
    /// Its name in the shared store.
    pub(super) fn stored(self) -> &'static str {
        self.name().unwrap_or("")
    }

    fn name(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Br => Some("br"),
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Encoding::Identity => "",
            Encoding::Gzip => "-gz",
            Encoding::Br => "-br",
        }
    }
}

/// The identity form of a rendered body: its validator, its headers (the handler's, less
/// what the cache sets itself), and whether its other forms are worth making.
pub(super) fn identity(stamp: Stamp, mut headers: HeaderMap, body: Bytes, may_vary: bool) -> Form {
    for name in [
        header::CONTENT_LENGTH,
        header::ETAG,
        header::LAST_MODIFIED,
        header::CONTENT_ENCODING,
        header::VARY,
        header::STRICT_TRANSPORT_SECURITY,
    ] {
        headers.remove(name);
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert_with(shared_cache_control);
    let digest = Sha256::digest(&body);
    let tag: Arc<str> = Arc::from(format!("h{}", hex::encode(&digest[..12])));
    let compressible = may_vary && body.len() >= MIN_COMPRESSED && is_text(&headers);
    if compressible {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    finish(&mut headers, &tag, Encoding::Identity, body.len());
    Form {
        stamp,
        tag,
        headers,
        body,
        compressible,
        alias: false,
        version: None,
    }
}

/// A form read back from the shared store: its headers are complete (the ETag names its
/// tag, `Vary` says the identity form is worth compressing).
pub(super) fn restore(stamp: Stamp, stored: StoredPage, version: Option<i64>) -> Option<Form> {
    let mut headers = HeaderMap::new();
    for (name, value) in stored.headers {
        headers.append(
            header::HeaderName::from_bytes(name.as_bytes()).ok()?,
            HeaderValue::from_str(&value).ok()?,
        );
    }
    let etag = headers.get(header::ETAG)?.to_str().ok()?.trim_matches('"');
    let tag = etag
        .strip_suffix("-gz")
        .or(etag.strip_suffix("-br"))
        .unwrap_or(etag);
    let encoded = headers.contains_key(header::CONTENT_ENCODING);
    Some(Form {
        stamp,
        tag: Arc::from(tag),
        compressible: !encoded && headers.contains_key(header::VARY),
        body: Bytes::from(stored.body),
        headers,
        alias: false,
        version,
    })
}

/// A form as the shared store keeps it (`None` for an alias, or headers that are not text).
pub(super) fn to_stored(form: &Form) -> Option<StoredPage> {
    if form.alias {
        return None;
    }
    let headers = form
        .headers
        .iter()
        .map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect::<Option<Vec<_>>>()?;
    Some(StoredPage {
        headers,
        body: form.body.to_vec(),
    })
}

/// `encoding`'s form of `page`, or the page itself (as an alias) when compressing does not
/// make it smaller. Runs on a blocking thread.
pub(super) fn compressed(page: &Form, encoding: Encoding) -> Form {
    let bytes = match encoding {
        Encoding::Br => brotli(&page.body),
        Encoding::Gzip => gzip(&page.body),
        Encoding::Identity => None,
    };
    let Some(body) = bytes.filter(|b| b.len() < page.body.len()) else {
        return Form {
            stamp: page.stamp,
            tag: page.tag.clone(),
            headers: page.headers.clone(),
            body: page.body.clone(),
            compressible: false,
            alias: true,
            version: page.version,
        };
    };
    let mut headers = page.headers.clone();
    if let Some(name) = encoding.name() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
    }
    finish(&mut headers, &page.tag, encoding, body.len());
    Form {
        stamp: page.stamp,
        tag: page.tag.clone(),
        headers,
        body,
        compressible: false,
        alias: false,
        version: page.version,
    }
}

fn finish(headers: &mut HeaderMap, tag: &str, encoding: Encoding, len: usize) {
    if let Ok(v) = HeaderValue::from_str(&format!("\"{tag}{}\"", encoding.suffix())) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
}

/// What a public page says to caches when its handler said nothing: browsers revalidate each
/// time (a 304 by ETag), and a shared cache in front (a CDN, nginx) may answer for
/// `PUBLIC_SHARED_SECONDS` (default 30), then serve the old copy as long again while it
/// revalidates, or for a day while Mokuhyo cannot be reached.
fn shared_cache_control() -> HeaderValue {
    static VALUE: std::sync::OnceLock<HeaderValue> = std::sync::OnceLock::new();
    VALUE
        .get_or_init(|| {
            let seconds = shared_seconds();
            let value = if seconds == 0 {
                "public, no-cache".to_owned()
            } else {
                format!(
                    "public, max-age=0, s-maxage={seconds}, stale-while-revalidate={seconds}, \
                     stale-if-error=86400"
                )
            };
            HeaderValue::from_str(&value).expect("ASCII")
        })
        .clone()
}

/// `PUBLIC_SHARED_SECONDS`: how long a shared cache may answer for a public page.
pub fn shared_seconds() -> u32 {
    std::env::var("PUBLIC_SHARED_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map_or(30, |s| s.min(86_400))
}

fn is_text(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.starts_with("text/")
                || t.contains("json")
                || t.contains("javascript")
                || t.contains("xml")
                || t.starts_with("image/svg")
        })
}

fn gzip(bytes: &[u8]) -> Option<Bytes> {
    let mut encoder =
        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(GZIP_LEVEL));
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

fn brotli(bytes: &[u8]) -> Option<Bytes> {
    let mut out = Vec::new();
    {
        let mut writer =
            brotli::CompressorWriter::new(&mut out, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
        writer.write_all(bytes).ok()?;
        writer.flush().ok()?;
    }
    Some(Bytes::from(out))
}

/// br over gzip over identity, as `Accept-Encoding` allows (q=0 refuses a coding).
pub(super) fn preferred(headers: &HeaderMap) -> Encoding {
    let Some(list) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Encoding::Identity;
    };
    let (mut br, mut gzip, mut star) = (None, None, None);
    for item in list.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
            })
            .unwrap_or(1.0);
        match name.as_str() {
            "br" => br = Some(q),
            "gzip" | "x-gzip" => gzip = Some(q),
            "*" => star = Some(q),
            _ => {}
        }
    }
    let br = br.or(star).unwrap_or(0.0);
    let gzip = gzip.or(star).unwrap_or(0.0);
    if br > 0.0 && br >= gzip {
        Encoding::Br
    } else if gzip > 0.0 {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> Encoding {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        preferred(&h)
    }

    #[test]
    fn encodings_are_chosen_as_the_client_allows() {
        assert_eq!(accept("gzip, deflate, br"), Encoding::Br);
        assert_eq!(accept("gzip"), Encoding::Gzip);
        assert_eq!(accept("br;q=0, gzip"), Encoding::Gzip);
        assert_eq!(accept("br;q=0.5, gzip;q=0.9"), Encoding::Gzip);
        assert_eq!(accept("identity"), Encoding::Identity);
        assert_eq!(accept("*"), Encoding::Br);
        assert_eq!(accept("*;q=0"), Encoding::Identity);
        assert_eq!(preferred(&HeaderMap::new()), Encoding::Identity);
    }

    fn html(text: &str) -> Form {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        let stamp = Stamp {
            server: 1,
            scope: 0,
        };
        identity(stamp, headers, Bytes::from(text.to_owned()), true)
    }

    #[test]
    fn compressed_forms_decompress_to_the_page() {
        let text = "<p>刈谷市 組織重点目標</p>".repeat(200);
        let page = html(&text);
        assert!(page.compressible);
        let gz = compressed(&page, Encoding::Gzip);
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz.body[..]), &mut out)
            .unwrap();
        assert_eq!(out, text);
        let br = compressed(&page, Encoding::Br);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &br.body[..], &mut out).unwrap();
        assert_eq!(out, text.as_bytes());
        assert!(br.body.len() < text.len() / 10);
        assert_eq!(br.headers[header::CONTENT_ENCODING], "br");
        assert_eq!(br.headers[header::ETAG], format!("\"{}-br\"", page.tag));
        // Incompressible bytes stay as they are, kept as an alias.
        let noise: String = (0..4000u32)
            .map(|i| char::from_u32(0x4e00 + (i.wrapping_mul(2_654_435_761) >> 20) % 5000).unwrap())
            .collect();
        let small = html(&noise[..300]);
        let same = compressed(&small, Encoding::Gzip);
        assert!(same.alias || same.body.len() < small.body.len());
    }

    /// Prints what a miss costs in compression: `cargo test --release -p mokuhyo --lib
    /// compression_cost -- --nocapture`.
    #[test]
    fn compression_cost() {
        let text = "<tr><td>市民サービスの向上に向けた窓口のデジタル化を推進する</td><td>令和8年度中に3手続</td></tr>\n"
            .repeat(700);
        let page = html(&text);
        for encoding in [Encoding::Gzip, Encoding::Br] {
            let started = std::time::Instant::now();
            let form = compressed(&page, encoding);
            println!(
                "{encoding:?}: {} → {} bytes in {:?}",
                text.len(),
                form.body.len(),
                started.elapsed()
            );
            assert!(form.body.len() < text.len());
        }
    }
}
