//! The one place where paths and queries from outside are checked before any handler (and so
//! any query) sees them: a path holding a control character (`/%00`, `/kariya%00`) is not a
//! page of ours (404); control characters in a query string's values are removed. Form bodies
//! are cleaned the same way where they are read, in the staff guard.

use crate::domain::text;
use crate::error::AppError;
use axum::extract::Request;
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The middleware; see the module documentation.
pub async fn check_paths_and_queries(mut request: Request, next: Next) -> Response {
    let uri = request.uri();
    let path_ok = percent_encoding::percent_decode_str(uri.path())
        .decode_utf8()
        .is_ok_and(|p| !p.chars().any(text::is_forbidden));
    if !path_ok {
        return AppError::NotFound.into_response();
    }
    if let Some(query) = uri.query()
        && let Some(cleaned) = clean_query(query)
    {
        let path_and_query = format!("{}?{cleaned}", uri.path());
        match Uri::builder().path_and_query(path_and_query).build() {
            Ok(new) => *request.uri_mut() = new,
            Err(_) => return AppError::BadRequest.into_response(),
        }
    }
    next.run(request).await
}

/// The query re-encoded without control characters, or None when it had none.
fn clean_query(query: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let dirty = pairs
        .iter()
        .any(|(k, v)| k.chars().chain(v.chars()).any(text::is_forbidden));
    dirty.then(|| text::clean_pairs(&pairs))
}
