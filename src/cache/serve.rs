//! The layer in front of the public pages: answers from the cache when it can (200 in the
//! encoding the client prefers, or 304), otherwise runs the handler and keeps what it made.

use super::{Form, Page, PageCache};
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::Arc;

/// Responses larger than this are passed on as they are.
const MAX_BYTES: usize = 16 << 20;
/// Below this, compressing is not worth a header.
const MIN_COMPRESSED: usize = 256;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Encoding {
    Identity,
    Gzip,
    Br,
}

/// The middleware; see the module documentation. Pages with a query string (search) are
/// rendered every time but still answer conditional requests. Other methods pass through:
/// writes forget pages where they are known to have changed something (the staff guard).
pub async fn serve_cached(
    State(cache): State<Arc<PageCache>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    if method != Method::GET && method != Method::HEAD {
        return next.run(request).await;
    }
    let head = method == Method::HEAD;
    let headers = request.headers();
    let https = headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v == "https");
    // Our addresses are plain ASCII: a percent-encoded spelling of a page is answered but
    // not kept (one entry per page, whatever a client writes).
    let cacheable =
        request.uri().query().is_none() && !request.uri().path().contains('%') && cache.budget > 0;
    if cacheable && let Some(page) = cache.get(request.uri().path()) {
        return respond(&page, headers, head, https);
    }
    let encoding_headers = request.headers().clone();
    let key = cacheable.then(|| request.uri().path().to_owned());
    let generation = cache.generation();
    let response = next.run(request).await;
    if response.status() != StatusCode::OK
        || response.headers().contains_key(header::SET_COOKIE)
        || response
            .headers()
            .get(header::CACHE_CONTROL)
            .is_some_and(|v| v.as_bytes().starts_with(b"no-store"))
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // HEAD: the router may have dropped the body already; answer without keeping anything.
    if head && bytes.is_empty() {
        return Response::from_parts(parts, Body::empty());
    }
    let compress = key.is_some();
    let page = match tokio::task::spawn_blocking(move || {
        build_page(generation, parts.headers, bytes, compress)
    })
    .await
    {
        Ok(page) => Arc::new(page),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    if let Some(key) = key {
        cache.put(key, page.clone());
    }
    respond(&page, &encoding_headers, head, https)
}

/// Hashes and (for cached pages) compresses a rendered body, and prepares each encoding's
/// headers.
fn build_page(generation: u64, mut headers: HeaderMap, identity: Bytes, compress: bool) -> Page {
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
        .or_insert(HeaderValue::from_static("public, no-cache"));
    let digest = Sha256::digest(&identity);
    let tag = format!("h{}", hex::encode(&digest[..12]));
    let worth = compress && identity.len() >= MIN_COMPRESSED;
    let gzip = worth.then(|| gzip(&identity)).flatten();
    let br = worth.then(|| brotli(&identity)).flatten();
    let varies = gzip.is_some() || br.is_some();
    let form = |body: Bytes, encoding: Option<&'static str>, suffix: &str| {
        let mut h = headers.clone();
        if let Ok(v) = HeaderValue::from_str(&format!("\"{tag}{suffix}\"")) {
            h.insert(header::ETAG, v);
        }
        if varies {
            h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        if let Some(e) = encoding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
        }
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        Form { headers: h, body }
    };
    Page {
        generation,
        gzip: gzip.map(|b| form(b, Some("gzip"), "-gz")),
        br: br.map(|b| form(b, Some("br"), "-br")),
        identity: form(identity, None, ""),
        tag,
    }
}

fn gzip(bytes: &[u8]) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).ok()?;
    let out = encoder.finish().ok()?;
    (out.len() < bytes.len()).then(|| Bytes::from(out))
}

fn brotli(bytes: &[u8]) -> Option<Bytes> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 10, 22);
        writer.write_all(bytes).ok()?;
        writer.flush().ok()?;
    }
    (out.len() < bytes.len()).then(|| Bytes::from(out))
}

/// 200 in the encoding the request prefers, or 304 when the client holds any form of these
/// bytes.
fn respond(page: &Page, request: &HeaderMap, head: bool, https: bool) -> Response {
    let form = match preferred_encoding(request) {
        Encoding::Br => page.br.as_ref().or(page.gzip.as_ref()),
        Encoding::Gzip => page.gzip.as_ref(),
        Encoding::Identity => None,
    }
    .unwrap_or(&page.identity);
    let holds = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|list| {
            list.split(',').any(|t| {
                let t = t.trim();
                // `*` matches any tag; `"*"` is an (unknown) tag of its own.
                if t == "*" {
                    return true;
                }
                let t = t.trim_start_matches("W/");
                let Some(t) = t.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
                    return false;
                };
                t.strip_suffix("-gz").or(t.strip_suffix("-br")).unwrap_or(t) == page.tag
            })
        });
    let mut headers = form.headers.clone();
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    let (status, body) = if holds {
        for name in [
            header::CONTENT_TYPE,
            header::CONTENT_LENGTH,
            header::CONTENT_ENCODING,
        ] {
            headers.remove(name);
        }
        (StatusCode::NOT_MODIFIED, Body::empty())
    } else if head {
        (StatusCode::OK, Body::empty())
    } else {
        (StatusCode::OK, Body::from(form.body.clone()))
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// br over gzip over identity, as `Accept-Encoding` allows (q=0 refuses a coding).
fn preferred_encoding(headers: &HeaderMap) -> Encoding {
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
        preferred_encoding(&h)
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
        assert_eq!(preferred_encoding(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn compressed_forms_decompress_to_the_page() {
        let text = "<p>刈谷市 組織重点目標</p>".repeat(200);
        let page = build_page(1, HeaderMap::new(), Bytes::from(text.clone()), true);
        let gz = page.gzip.as_ref().expect("gzip kept").body.clone();
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out)
            .unwrap();
        assert_eq!(out, text);
        let br = page.br.as_ref().expect("br kept").body.clone();
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
        assert_eq!(out, text.as_bytes());
        assert!(br.len() < text.len() / 10);
    }
}
