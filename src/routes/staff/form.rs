//! What every staff handler shares: per-field messages for a form (`FieldErrors`), the text
//! checks forms use, the department a person's city owns (or 404), and the 403 helper.

use crate::auth::Staff;
use crate::db::editing::{self, DepartmentCtx};
use crate::error::{AppError, Result};
use crate::state::AppState;
use validator::ValidationErrors;

/// Per-field Japanese messages for a form, in the form's order.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    /// The messages of a failed `validate()`, first message per field, ordered by `fields`.
    pub fn from_validation(errors: &ValidationErrors, fields: &[&str]) -> Self {
        let mut out = Vec::new();
        let map = errors.field_errors();
        for field in fields {
            if let Some(first) = map.get(*field).and_then(|e| e.first()) {
                let message = first
                    .message
                    .as_ref()
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "入力内容を確認してください。".into());
                out.push(((*field).to_owned(), message));
            }
        }
        Self(out)
    }

    /// One message beside one field.
    pub fn one(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.push(field, message);
        errors
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field.to_owned(), message.into()));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn all(&self) -> &[(String, String)] {
        &self.0
    }
}

/// A form shown again with its messages: 422 for bad input, 409 when someone saved first.
pub fn refused<T: askama::Template>(
    status: axum::http::StatusCode,
    page: &T,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    Ok((status, crate::error::render(page)?).into_response())
}

/// A validator rule: text that is not only spaces.
pub fn not_blank(value: &str) -> std::result::Result<(), validator::ValidationError> {
    if value.trim().is_empty() {
        Err(validator::ValidationError::new("blank"))
    } else {
        Ok(())
    }
}

/// Normalizes typed text: trims, unifies line breaks.
pub fn clean(text: &str) -> String {
    text.replace("\r\n", "\n").trim().to_owned()
}

/// A department this person's city owns, or 404.
pub async fn load_department(state: &AppState, staff: &Staff, id: i64) -> Result<DepartmentCtx> {
    editing::department(&state.pool, staff.municipality_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// 403 unless `allowed`.
pub fn require(allowed: bool) -> Result<()> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}
