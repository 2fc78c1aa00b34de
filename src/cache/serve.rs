//! The layer in front of the public pages: answers from the cache when it can (200 in the
//! encoding the client prefers, or 304), otherwise reads the shared store or runs the handler,
//! once for everyone asking at the same moment, keeps what it made, and compresses a form only
//! when a client asks for it.

use super::encode::{self, Encoding};
use super::{Form, Key, PageCache, shared};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Responses larger than this are passed on as they are.
const MAX_BYTES: usize = 16 << 20;

/// What the answer depends on in the request, kept before the request is handed on.
struct Asked {
    head: bool,
    https: bool,
    encoding: Encoding,
    if_none_match: Option<HeaderValue>,
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
    let headers = request.headers();
    let asked = Asked {
        head: method == Method::HEAD,
        https: headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v == "https"),
        encoding: encode::preferred(headers),
        if_none_match: headers.get(header::IF_NONE_MATCH).cloned(),
    };
    // Our addresses are plain ASCII: a percent-encoded spelling of a page is answered but
    // not kept (one entry per page, whatever a client writes). Staff pages are each person's
    // own: rendered for each request, side by side.
    let uri = request.uri();
    if uri.query().is_some()
        || uri.path().contains('%')
        || super::is_private(uri.path())
        || !cache.enabled()
    {
        return uncached(&cache, request, next, &asked).await;
    }
    let path = uri.path().to_owned();
    if let Some(form) = cache.fresh(&(path.clone(), asked.encoding)) {
        return respond(&form, &asked);
    }
    let page = match cache.fresh(&(path.clone(), Encoding::Identity)) {
        Some(page) => page,
        None => match render_once(&cache, path.clone(), request, next, asked.head).await {
            Ok(page) => page,
            Err(response) => return response,
        },
    };
    if asked.encoding == Encoding::Identity || !page.compressible {
        return respond(&page, &asked);
    }
    let form = compress_once(&cache, (path, asked.encoding), page).await;
    respond(&form, &asked)
}

/// The identity form of the page at `path`: rendered here, or by the request already
/// rendering it (this one waits for it). A response that is not a page to keep (an error, a
/// redirect, a signed-in answer) is `Err`, passed on as it is.
async fn render_once(
    cache: &PageCache,
    path: String,
    request: Request,
    next: Next,
    head: bool,
) -> Result<Arc<Form>, Response> {
    let key: Key = (path, Encoding::Identity);
    let guard = loop {
        match cache.store.get_value_or_guard_async(&key).await {
            Ok(form) if form.stamp == cache.stamp(&key.0) => return Ok(form),
            // Rendered before a change: drop it and render afresh.
            Ok(_) => {
                cache
                    .store
                    .remove_if(&key, |form| form.stamp != cache.stamp(&key.0));
            }
            Err(guard) => break guard,
        }
    };
    let stamp = cache.stamp(&key.0);
    let fetched = shared::fetch(cache, &key, stamp).await;
    if let Some(form) = fetched.form {
        let form = Arc::new(form);
        let _ = guard.insert(form.clone());
        return Ok(form);
    }
    let response = next.run(request).await;
    if !keepable(&response) {
        // Dropping the guard lets the next waiter render for itself.
        return Err(response);
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BYTES).await else {
        return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    };
    // HEAD: the router may have dropped the body already; answer without keeping anything.
    if head && bytes.is_empty() {
        return Err(Response::from_parts(parts, Body::empty()));
    }
    let mut form = encode::identity(stamp, parts.headers, bytes, true);
    form.version = fetched.version;
    let form = Arc::new(form);
    if form.stamp == cache.stamp(&key.0) {
        let _ = guard.insert(form.clone());
    }
    shared::put(cache, &key, &form).await;
    Ok(form)
}

/// `key`'s compressed form of `page`: made here on a blocking thread (a few at a time), or by
/// the request already making it.
async fn compress_once(cache: &PageCache, key: Key, page: Arc<Form>) -> Arc<Form> {
    let guard = loop {
        match cache.store.get_value_or_guard_async(&key).await {
            Ok(form) if form.stamp == page.stamp => return form,
            Ok(_) => {
                cache.store.remove_if(&key, |form| form.stamp != page.stamp);
            }
            Err(guard) => break guard,
        }
    };
    if let Some(form) = shared::fetch(cache, &key, page.stamp).await.form {
        let form = Arc::new(form);
        let _ = guard.insert(form.clone());
        return form;
    }
    let Ok(_permit) = cache.compressing.acquire().await else {
        return page;
    };
    let encoding = key.1;
    let source = page.clone();
    let Ok(form) = tokio::task::spawn_blocking(move || encode::compressed(&source, encoding)).await
    else {
        return page;
    };
    let form = Arc::new(form);
    if form.stamp == cache.stamp(&key.0) {
        let _ = guard.insert(form.clone());
    }
    shared::put(cache, &key, &form).await;
    form
}

/// A page answered but not kept (a search, an odd spelling): hashed for its ETag, so a
/// client holding it still gets 304; never compressed.
async fn uncached(cache: &PageCache, request: Request, next: Next, asked: &Asked) -> Response {
    let stamp = cache.stamp(request.uri().path());
    let response = next.run(request).await;
    if !keepable(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if asked.head && bytes.is_empty() {
        return Response::from_parts(parts, Body::empty());
    }
    respond(&encode::identity(stamp, parts.headers, bytes, false), asked)
}

/// A 200 that says nothing against keeping it.
fn keepable(response: &Response) -> bool {
    response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && !response
            .headers()
            .get(header::CACHE_CONTROL)
            .is_some_and(|v| v.as_bytes().starts_with(b"no-store"))
}

/// 200 with `form`, or 304 when the client holds any form of these bytes.
fn respond(form: &Form, asked: &Asked) -> Response {
    let holds = asked
        .if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|list| holds_tag(list, &form.tag));
    let mut headers = form.headers.clone();
    if asked.https {
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
    } else if asked.head {
        (StatusCode::OK, Body::empty())
    } else {
        (StatusCode::OK, Body::from(form.body.clone()))
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// Whether an `If-None-Match` list names any form of the page tagged `tag`.
fn holds_tag(list: &str, tag: &str) -> bool {
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
        t.strip_suffix("-gz").or(t.strip_suffix("-br")).unwrap_or(t) == tag
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_form_of_the_page_is_held() {
        assert!(holds_tag("\"habc\"", "habc"));
        assert!(holds_tag("W/\"habc-br\", \"x\"", "habc"));
        assert!(holds_tag("*", "habc"));
        assert!(!holds_tag("\"*\"", "habc"));
        assert!(!holds_tag("habc", "habc"));
        assert!(!holds_tag("\"habd-gz\"", "habc"));
    }

    #[test]
    fn headers_are_not_kept_from_a_response_that_sets_a_cookie() {
        let mut response = Response::new(Body::empty());
        assert!(keepable(&response));
        response
            .headers_mut()
            .insert(header::SET_COOKIE, HeaderValue::from_static("a=b"));
        assert!(!keepable(&response));
        let mut refused = Response::new(Body::empty());
        *refused.status_mut() = StatusCode::NOT_FOUND;
        assert!(!keepable(&refused));
    }
}
