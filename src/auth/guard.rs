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
/// The sign-in form (a username, a password of at most 200 characters, the token, the page
/// to return to) is small; anything larger is refused before it is read.
const MAX_SIGN_IN_BYTES: usize = 8 << 10;
/// How much of a multipart body is read to find its `csrf` field.
const MAX_TOKEN_PREFIX: usize = 64 << 10;
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
    let writes = !is_safe(&parts.method);
    let body = if writes {
        // Sign-in and setting a password through a one-time link: no session yet.
        let sign_in =
            parts.uri.path() == "/login" || parts.uri.path().starts_with("/login/welcome/");
        let expected = if sign_in {
            jar.get(LOGIN_COOKIE).map(|c| c.value().to_owned())
        } else {
            staff.as_ref().map(|s| s.csrf_token.clone())
        };
        // Nothing to check a token against (no session, no sign-in cookie): refused before a
        // byte of the body is read.
        let Some(expected) = expected.filter(|e| !e.is_empty()) else {
            return AppError::Forbidden.into_response();
        };
        match checked_body(&parts, body, &expected, sign_in).await {
            Ok(body) => body,
            Err(e) => return e.into_response(),
        }
    } else {
        body
    };
    let signed_in_write = writes && staff.is_some();
    parts.extensions.insert(CurrentStaff(staff));
    let response = next.run(Request::from_parts(parts, body)).await;
    if signed_in_write && (response.status().is_success() || response.status().is_redirection()) {
        // This server shows its own writes at once (other servers hear of them by NOTIFY).
        state.pages.forget_if_changed(&state.pool).await;
    }
    response
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Checks a state-changing request's origin and token; returns the body to pass on. Only
/// forms are taken: URL-encoded ones whole (small; the sign-in form smaller still), multipart
/// ones (uploads, signed-in only) streamed — only their beginning, up to the `csrf` field,
/// is read here.
async fn checked_body(
    parts: &Parts,
    body: Body,
    expected: &str,
    sign_in: bool,
) -> Result<Body, AppError> {
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
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let multipart = content_type.starts_with("multipart/form-data") && !sign_in;
    let limit = if multipart {
        MAX_UPLOAD_BODY_BYTES
    } else if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(AppError::Forbidden);
    } else if sign_in {
        MAX_SIGN_IN_BYTES
    } else {
        MAX_FORM_BYTES
    };
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(AppError::PayloadTooLarge);
    }
    if multipart {
        let boundary = multer::parse_boundary(content_type).map_err(|_| AppError::Forbidden)?;
        return multipart_checked(body, boundary, expected).await;
    }
    let bytes = to_bytes(body, limit).await.map_err(body_error)?;
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::Forbidden)?;
    let sent = fields
        .iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.as_str());
    if !sent.is_some_and(|sent| constant_time_eq(sent, expected)) {
        return Err(AppError::Forbidden);
    }
    // Control characters (NUL above all, which PostgreSQL refuses) leave every field here,
    // before any handler runs.
    let dirty = fields.iter().any(|(k, v)| {
        k.chars()
            .chain(v.chars())
            .any(crate::domain::text::is_forbidden)
    });
    Ok(if dirty {
        Body::from(crate::domain::text::clean_pairs(&fields))
    } else {
        Body::from(bytes)
    })
}

/// Reads a multipart body only until its `csrf` field is complete (within its first
/// [`MAX_TOKEN_PREFIX`] bytes; our forms send it first), checks it, and passes on what was
/// read followed by the rest of the body as it arrives.
async fn multipart_checked(body: Body, boundary: String, expected: &str) -> Result<Body, AppError> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut read: Vec<axum::body::Bytes> = Vec::new();
    let mut prefix: Vec<u8> = Vec::new();
    let sent = loop {
        let Some(chunk) = stream.next().await else {
            break multipart_field(prefix.into(), boundary, CSRF_FIELD).await;
        };
        let chunk = chunk.map_err(body_error)?;
        prefix.extend_from_slice(&chunk);
        read.push(chunk);
        if let Some(sent) =
            multipart_field(prefix.clone().into(), boundary.clone(), CSRF_FIELD).await
        {
            break Some(sent);
        }
        if prefix.len() > MAX_TOKEN_PREFIX {
            break None;
        }
    };
    if !sent.is_some_and(|sent| constant_time_eq(&sent, expected)) {
        return Err(AppError::Forbidden);
    }
    let head = futures_util::stream::iter(read.into_iter().map(Ok::<_, axum::Error>));
    Ok(Body::from_stream(head.chain(stream)))
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

/// The text of the first field called `name` in (the beginning of) a multipart body, once that
/// field is complete.
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
