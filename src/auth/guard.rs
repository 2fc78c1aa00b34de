//! The layer in front of the staff pages: it loads the signed-in person (if any) once per
//! request, and refuses state-changing requests that another site could have forged.
//!
//! Every request other than GET/HEAD must be a form post (not cross-site) carrying the `csrf`
//! field: the session's synchronizer token, or, for the sign-in form (no session yet), the
//! value of the pre-sign-in cookie (double submit). Checking here, not in each handler, means
//! no handler can forget it.

use super::session::{self, COOKIE, Staff};
use crate::error::AppError;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;

/// The pre-sign-in cookie that carries the sign-in form's CSRF token.
pub const LOGIN_COOKIE: &str = "mokuhyo_login";
/// The form field every state-changing form carries.
pub const CSRF_FIELD: &str = "csrf";
/// Form bodies larger than this are refused.
const MAX_FORM_BYTES: usize = 1 << 20;
/// File uploads (multipart bodies) larger than this are refused here; the upload handler
/// applies the file cap itself, below this, so most oversized files get a message beside the
/// field instead of an error page.
pub const MAX_UPLOAD_BODY_BYTES: usize = 16 << 20;

/// The signed-in person, if any, as loaded by [`staff_guard`].
#[derive(Clone)]
pub struct CurrentStaff(pub Option<Staff>);

/// The middleware; see the module documentation.
pub async fn staff_guard(
    State(state): State<AppState>,
    jar: CookieJar,
    request: Request,
    next: Next,
) -> Response {
    let staff = match jar.get(COOKIE) {
        Some(cookie) => match session::load(&state.pool, cookie.value()).await {
            Ok(staff) => staff,
            Err(e) => return AppError::from(e).into_response(),
        },
        None => None,
    };
    let (mut parts, body) = request.into_parts();
    let body = if is_safe(&parts.method) {
        body
    } else {
        let expected = if parts.uri.path() == "/login" {
            jar.get(LOGIN_COOKIE).map(|c| c.value().to_owned())
        } else {
            staff.as_ref().map(|s| s.csrf_token.clone())
        };
        match checked_body(&parts, body, expected.as_deref()).await {
            Ok(bytes) => Body::from(bytes),
            Err(e) => return e.into_response(),
        }
    };
    parts.extensions.insert(CurrentStaff(staff));
    next.run(Request::from_parts(parts, body)).await
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Reads the form body and checks its origin and token; returns the body to pass on.
async fn checked_body(
    parts: &Parts,
    body: Body,
    expected: Option<&str>,
) -> Result<axum::body::Bytes, AppError> {
    let headers = &parts.headers;
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v == "cross-site")
    {
        return Err(AppError::Forbidden);
    }
    if let Some(origin) = headers.get(header::ORIGIN)
        && !same_origin(origin.to_str().unwrap_or(""), headers)
    {
        return Err(AppError::Forbidden);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (bytes, sent) = if content_type.starts_with("application/x-www-form-urlencoded") {
        let bytes = to_bytes(body, MAX_FORM_BYTES).await.map_err(body_error)?;
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::Forbidden)?;
        let sent = fields
            .iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.clone());
        // Control characters (NUL above all, which PostgreSQL refuses) leave every field here,
        // before any handler runs.
        let dirty = fields.iter().any(|(k, v)| {
            k.chars()
                .chain(v.chars())
                .any(crate::domain::text::is_forbidden)
        });
        let bytes = if dirty {
            axum::body::Bytes::from(crate::routes::input::clean_pairs(&fields))
        } else {
            bytes
        };
        (bytes, sent)
    } else if content_type.starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(content_type).map_err(|_| AppError::Forbidden)?;
        let bytes = to_bytes(body, MAX_UPLOAD_BODY_BYTES)
            .await
            .map_err(body_error)?;
        let sent = multipart_field(bytes.clone(), boundary, CSRF_FIELD).await;
        (bytes, sent)
    } else {
        return Err(AppError::Forbidden);
    };
    match (sent.as_deref(), expected) {
        (Some(sent), Some(expected))
            if !expected.is_empty() && constant_time_eq(sent, expected) =>
        {
            Ok(bytes)
        }
        _ => Err(AppError::Forbidden),
    }
}

/// Whether a request's `Origin` is this site: its host (and port) is the one the request was
/// sent to — `Host`, or the proxy's `X-Forwarded-Host`. "null" (a sandboxed or privacy-minded
/// page) is not.
fn same_origin(origin: &str, headers: &axum::http::HeaderMap) -> bool {
    let Some(authority) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    let authority = authority.trim_end_matches('/');
    ["x-forwarded-host", "host"]
        .iter()
        .filter_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()))
        .flat_map(|v| v.split(','))
        .any(|host| host.trim().eq_ignore_ascii_case(authority))
}

/// A body that could not be read: over the limit, or it stopped arriving (the connection's
/// read timeout, or the client went away).
fn body_error(e: axum::Error) -> AppError {
    let inner = e.into_inner();
    if inner
        .downcast_ref::<http_body_util::LengthLimitError>()
        .is_some()
    {
        AppError::PayloadTooLarge
    } else {
        AppError::RequestTimeout
    }
}

/// The text of the first field called `name` in a multipart body (already in memory).
async fn multipart_field(bytes: axum::body::Bytes, boundary: String, name: &str) -> Option<String> {
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Extracts the signed-in person; anonymous GETs are sent to the sign-in page, anything
/// else anonymous is refused.
impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<CurrentStaff>() {
            Some(CurrentStaff(Some(staff))) => Ok(staff.clone()),
            _ if parts.method == Method::GET => Err(AppError::SignInRequired {
                next: parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default(),
            }),
            _ => Err(AppError::Forbidden),
        }
    }
}
