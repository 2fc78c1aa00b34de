//! Static assets, compiled into the binary so the server runs from any directory.

use crate::error::AppError;
use axum::http::header;
use axum::response::{IntoResponse, Response};

const STYLE_CSS: &str = include_str!("../../static/style.css");
const APP_JS: &str = include_str!("../../static/app.js");

/// A short fingerprint of a file's contents, so its URL changes when it changes and
/// browsers may cache it for long.
fn fingerprint(text: &str) -> String {
    // FNV-1a: stable across builds and platforms, unlike the standard library's hasher.
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{:08x}", hash >> 32)
}

/// The stylesheet's URL, with its fingerprint.
pub fn style_url() -> &'static str {
    static URL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("/static/style.css?v={}", fingerprint(STYLE_CSS)));
    &URL
}

/// The script's URL, with its fingerprint.
pub fn script_url() -> &'static str {
    static URL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("/static/app.js?v={}", fingerprint(APP_JS)));
    &URL
}

/// `/static/{file}`: the stylesheet and the small enhancement script. Pages link them with
/// their fingerprint, so they are cached for a year. Cached for a day; the URL carries no version yet.
pub async fn serve_asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match file.as_str() {
        "style.css" => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            STYLE_CSS,
        )
            .into_response(),
        "app.js" => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            APP_JS,
        )
            .into_response(),
        _ => AppError::NotFound.into_response(),
    }
}
