//! Static assets, compiled into the binary so the server runs from any directory.

use crate::error::AppError;
use axum::http::header;
use axum::response::{IntoResponse, Response};

const STYLE_CSS: &str = include_str!("../../static/style.css");
const APP_JS: &str = include_str!("../../static/app.js");

/// `/static/{file}`: the stylesheet and the small enhancement script. Cached for a day; the URL carries no version yet.
pub async fn serve_asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match file.as_str() {
        "style.css" => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            STYLE_CSS,
        )
            .into_response(),
        "app.js" => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            APP_JS,
        )
            .into_response(),
        _ => AppError::NotFound.into_response(),
    }
}
