//! HTTP: the route table, and the layers every response passes through.

pub mod assets;
pub mod public;

use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(public::list_cities))
        .route("/static/{file}", get(assets::serve_asset))
        .route("/{city}", get(public::show_city))
        .route("/{city}/{year}", get(public::show_booklet))
        .route(
            "/{city}/{year}/departments/{department}",
            get(public::show_department),
        )
        .fallback(|| async { AppError::NotFound })
        .with_state(state)
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
        .layer(TraceLayer::new_for_http())
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
