//! The one error type of the web layer. User mistakes become Japanese 4xx pages; anything
//! unexpected is logged with its detail and shown as a generic 500 page, never its text.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Errors a handler can return.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("template error: {0}")]
    Template(#[from] askama::Error),
}

/// Handlers' result type.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: &'static str,
    message: &'static str,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "ページが見つかりません",
                "お探しのページは見つかりませんでした。アドレスに誤りがないか、または公開が終了していないかご確認ください。",
            ),
            AppError::Database(_) | AppError::Template(_) => {
                tracing::error!(error = %self, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "エラーが発生しました",
                    "申し訳ありません。システムでエラーが発生しました。しばらくしてから再度お試しください。",
                )
            }
        };
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, title).into_response(),
        }
    }
}

/// Renders a page, turning a template failure into a 500.
pub fn render<T: Template>(page: &T) -> Result<Html<String>> {
    Ok(Html(page.render()?))
}
