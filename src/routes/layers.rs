//! The layers every response passes through: the page cache outermost, then tracing, Japanese
//! rejections, the path and query checks, and the security headers.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// `routes` inside every layer.
pub fn around(routes: Router, pages: Arc<crate::cache::PageCache>) -> Router {
    routes
        .layer(security_header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(
            header::REFERRER_POLICY,
            "strict-origin-when-cross-origin",
        ))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(axum::middleware::from_fn(transport_headers))
        .layer(axum::middleware::from_fn(
            super::input::check_paths_and_queries,
        ))
        .layer(axum::middleware::from_fn(crate::error::japanese_rejections))
        .layer(TraceLayer::new_for_http())
        // Outermost: a page already rendered is answered before any other layer runs (its
        // stored headers include theirs); see `crate::cache`.
        .layer(axum::middleware::from_fn_with_state(
            pages,
            crate::cache::serve_cached,
        ))
}

/// Headers that depend on how and for what the request came: `Strict-Transport-Security` when
/// it came over HTTPS (through a proxy that says so), and `no-store` on every answer under
/// the staff pages and sign-in — their error pages too, which no route layer sees.
async fn transport_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let https = request
        .headers()
        .get("x-forwarded-proto")
        .is_some_and(|v| v == "https");
    let path = request.uri().path();
    let private = crate::cache::is_private(path);
    let mut response = next.run(request).await;
    if https {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if private {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
