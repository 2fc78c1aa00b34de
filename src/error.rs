//! The one error type of the web layer. User mistakes become Japanese 4xx pages; anything
//! unexpected is logged with its detail and shown as a generic 500 page, never its text.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

/// Errors a handler can return.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("too many sign-in attempts")]
    TooManyRequests,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("edited by someone else meanwhile")]
    Conflict,
    #[error("the sheet is submitted or approved")]
    Locked,
    #[error("published already")]
    AlreadyPublished,
    #[error("a return needs a comment")]
    CommentRequired,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("malformed request")]
    BadRequest,
    #[error("the request body stopped arriving")]
    RequestTimeout,
    #[error("busy: password hashing")]
    Busy,
    /// Something of ours failed (a PDF that could not be typeset); logged, shown as a 500.
    #[error("internal: {0}")]
    Internal(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("template error: {0}")]
    Template(#[from] askama::Error),
}

impl From<crate::auth::hashing::Busy> for AppError {
    fn from(_: crate::auth::hashing::Busy) -> Self {
        AppError::Busy
    }
}

/// Handlers' result type.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: &'static str,
    message: &'static str,
    /// The address asked for, on a page that was not found (so each 404 says which).
    address: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::SignInRequired { next } = &self {
            let target = if next.starts_with("/staff") {
                format!("/login?next={}", encode_query(next))
            } else {
                "/login".to_owned()
            };
            return Redirect::to(&target).into_response();
        }
        let (status, title, message) = self.client_text().unwrap_or_else(|| self.server_text());
        error_page(status, title, message)
    }
}

/// A page's status, title and message.
type PageText = (StatusCode, &'static str, &'static str);

impl AppError {
    /// The page of a mistake the person can correct (4xx), or None for the server's own.
    fn client_text(&self) -> Option<PageText> {
        Some(match self {
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "この操作は許可されていません",
                "この操作を行う権限がないか、送信内容を確認できませんでした。ページを読み込み直してから、もう一度お試しください。",
            ),
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "ログインの試行回数が上限に達しました",
                "短時間に何度もログインに失敗したため、この端末からのログインを一時的に制限しています。15分ほど待ってから、もう一度お試しください。",
            ),
            AppError::Conflict => (
                StatusCode::CONFLICT,
                "他の人が先に更新しました",
                "この項目は、表示した後に他の人によって更新されました。何も変更していません。ページを読み込み直し、最新の内容を確認してから操作してください。",
            ),
            AppError::Locked => (
                StatusCode::CONFLICT,
                "提出済みまたは承認済みのため変更できません",
                "この部の組織目標は提出済みまたは承認済みです。提出後は部長（承認後は部長または企画担当）が差し戻すか再開するまで、変更できません。",
            ),
            AppError::AlreadyPublished => (
                StatusCode::CONFLICT,
                "既に公表されています",
                "この内容は、ほかの人の操作により既に公表されています。新しい版は作成していません。ページを読み込み直して、公表の状況を確認してください。",
            ),
            AppError::BadRequest => (
                StatusCode::BAD_REQUEST,
                "送信内容を読み取れませんでした",
                "送信された内容の形式が正しくありません。何も変更していません。ページを読み込み直してから、もう一度お試しください。",
            ),
            AppError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "この方法ではご利用いただけません",
                "このアドレスは、ページの表示ではなくフォームの送信にだけ使います。元のページに戻って操作してください。",
            ),
            AppError::CommentRequired => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "差し戻しの理由を入力してください",
                "差し戻すときは、直してほしい点をコメント欄に入力してください。何も変更していません。前のページに戻って入力してください。",
            ),
            AppError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "送信内容が大きすぎます",
                "送信された内容が大きすぎるため受け付けられませんでした。ファイルを取り込む場合は、5MBまでのファイルにしてください。",
            ),
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "ページが見つかりません",
                "お探しのページは見つかりませんでした。アドレスに誤りがないか、または公開が終了していないかご確認ください。",
            ),
            _ => return None,
        })
    }

    /// The page of the server's own trouble (503 when it may pass, else a generic 500 whose
    /// cause is logged, never shown).
    fn server_text(&self) -> PageText {
        match self {
            AppError::Database(e) if is_unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "ただいま一時的にご利用いただけません",
                    "データベースに接続できないため、ページを表示できません。自動的に復旧を試みています。しばらく待ってから、もう一度お試しください。入力中の内容は保存されていません。",
                )
            }
            AppError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "ただいま混み合っています",
                "ログインの処理が混み合っているため、受け付けられませんでした。何も変更していません。少し待ってから、もう一度お試しください。",
            ),
            AppError::RequestTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "送信に時間がかかりすぎました",
                "送信内容の受け取りが途中で止まったため、処理を中止しました。何も変更していません。通信環境を確認して、もう一度お試しください。",
            ),
            _ => {
                tracing::error!(error = %self, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "エラーが発生しました",
                    "申し訳ありません。システムでエラーが発生しました。しばらくしてから再度お試しください。",
                )
            }
        }
    }
}

/// The error page, with Retry-After where waiting helps and never stored when the server
/// failed.
fn error_page(status: StatusCode, title: &'static str, message: &'static str) -> Response {
    let page = ErrorPage {
        status: status.as_u16(),
        title,
        message,
        address: None,
    };
    let mut response = match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, title).into_response(),
    };
    let retry_after = match status {
        StatusCode::TOO_MANY_REQUESTS => Some("900"),
        StatusCode::SERVICE_UNAVAILABLE => Some("5"),
        _ => None,
    };
    if let Some(seconds) = retry_after {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from_static(seconds),
        );
    }
    if status.is_server_error() {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    response
}

/// Whether a database error means the database cannot be reached right now (down,
/// restarting, refusing connections), not that a statement was wrong.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // Class 08: connection exceptions; 57P01-57P03: the server is shutting down or
            // starting; 53300: too many connections.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// Renders a page, turning a template failure into a 500.
pub fn render<T: Template>(page: &T) -> Result<Html<String>> {
    Ok(Html(page.render()?))
}

/// Percent-encodes a value for a query string.
pub fn encode_query(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|s| s[1..].to_owned())
        .unwrap_or_default()
}

/// The 404 page naming the address that was asked for (at most 200 characters of it).
fn not_found_at(path: &str) -> Response {
    let page = ErrorPage {
        status: 404,
        title: "ページが見つかりません",
        message: "お探しのページは見つかりませんでした。アドレスに誤りがないか、または公開が終了していないかご確認ください。",
        address: Some(path.chars().take(200).collect()),
    };
    match page.render() {
        Ok(html) => (StatusCode::NOT_FOUND, Html(html)).into_response(),
        Err(_) => AppError::NotFound.into_response(),
    }
}

/// Turns the plain-text rejections of extractors (a malformed form or path, in English) into
/// the Japanese error page; the original status is kept. A 404 names the address asked for.
pub async fn japanese_rejections(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = percent_encoding::percent_decode_str(request.uri().path())
        .decode_utf8_lossy()
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>();
    let response = next.run(request).await;
    if response.status() == StatusCode::NOT_FOUND {
        return with_headers_of(&response, not_found_at(&path));
    }
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if plain && response.status().is_client_error() {
        let status = response.status();
        let mut page = AppError::BadRequest.into_response();
        *page.status_mut() = status;
        return with_headers_of(&response, page);
    }
    response
}

/// `page` with the headers the replaced response carried (security headers, caching), but its
/// own content type and length.
fn with_headers_of(original: &Response, mut page: Response) -> Response {
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            page.headers_mut().append(name.clone(), value.clone());
        }
    }
    page
}
