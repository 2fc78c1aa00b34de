//! Reading the posted results form: each criterion's actual (a number where it has a metric,
//! a short text otherwise, or 対象外 with a reason), the 実績 lines and the 成果 paragraphs, with a
//! message beside each field that is wrong.

use super::{CriterionField, target_label};
use crate::db::results::CriterionWithResult;
use crate::db::results::InitiativeResult;
use crate::domain::metric::{self, parse_number};
use crate::domain::status::Status;
use crate::error::{AppError, Result};
use crate::routes::staff::FieldErrors;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// One criterion's result as posted: id, value, text, and the reason when 対象外.
pub type Criterion = (i64, Option<Decimal>, Option<String>, Option<String>);

/// The criteria's posted results, and the rows as typed (to show the form again).
pub fn criteria(
    form: &HashMap<String, String>,
    criteria: &[CriterionWithResult],
    errors: &mut FieldErrors,
) -> (Vec<Criterion>, Vec<CriterionField>) {
    let get = |k: &str| form.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let mut parsed = Vec::new();
    let mut typed = Vec::new();
    for c in criteria {
        let actual = get(&format!("actual_{}", c.id));
        let na = form.contains_key(&format!("na_{}", c.id));
        let reason = get(&format!("na_reason_{}", c.id));
        let (value, text) = if na || actual.is_empty() {
            (None, None)
        } else {
            actual_of(c, &actual, errors)
        };
        if na && reason.is_empty() {
            errors.push(
                &format!("na_reason_{}", c.id),
                format!("「{}」を対象外にする理由を入力してください。", c.text),
            );
        }
        parsed.push((c.id, value, text, na.then(|| reason.clone())));
        typed.push(CriterionField {
            id: c.id,
            text: c.text.clone(),
            target: target_label(c),
            unit: c.unit.clone().unwrap_or_default(),
            actual,
            not_applicable: na,
            reason,
        });
    }
    (parsed, typed)
}

/// A typed actual: a number for a criterion with a metric, else a text of at most 200.
fn actual_of(
    c: &CriterionWithResult,
    actual: &str,
    errors: &mut FieldErrors,
) -> (Option<Decimal>, Option<String>) {
    let field = format!("actual_{}", c.id);
    if c.target_value.is_none() {
        if actual.chars().count() > 200 {
            errors.push(&field, "実績は200文字以内で入力してください。");
            return (None, None);
        }
        return (None, Some(actual.to_owned()));
    }
    match parse_number(actual) {
        Some(v) => (Some(v), None),
        None if metric::is_too_large(actual) => {
            errors.push(
                &field,
                format!("「{}」の実績値：{}", c.text, metric::TOO_LARGE),
            );
            (None, None)
        }
        None => {
            errors.push(
                &field,
                format!(
                    "「{}」の実績値は数値で入力してください（例：1,100）。",
                    c.text
                ),
            );
            (None, None)
        }
    }
}

/// 実績 (one item per line) and 成果 (paragraphs), checked for length.
pub fn texts(
    performance: &str,
    outcome: &str,
    errors: &mut FieldErrors,
) -> (Vec<String>, Vec<String>) {
    let performance: Vec<String> = performance
        .replace("\r\n", "\n")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if performance.len() > 50 || performance.iter().any(|p| p.chars().count() > 300) {
        errors.push(
            "performance",
            "実績は1行300文字以内、50行までで入力してください。",
        );
    }
    let outcome: Vec<String> = outcome
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    if outcome.iter().map(|p| p.chars().count()).sum::<usize>() > 4000 {
        errors.push("outcome", "成果は4000文字以内で入力してください。");
    }
    (performance, outcome)
}

/// The status the head sets by hand (None: as computed), with its reason required. Only the
/// head (or planning staff) judges: a crafted change by anyone else is refused whole.
pub fn status_override(
    requested: &str,
    reason: &str,
    current: &InitiativeResult,
    can_override: bool,
    errors: &mut FieldErrors,
) -> Result<Option<Status>> {
    let status = match requested {
        "" => None,
        s => Status::from_db(s).or_else(|| {
            errors.push("status_override", "判定を選び直してください。");
            None
        }),
    };
    if !can_override
        && (status.map(Status::as_str) != current.status_override.as_deref()
            || (status.is_some() && reason != current.override_reason.as_deref().unwrap_or("")))
    {
        return Err(AppError::Forbidden);
    }
    if status.is_some() && reason.is_empty() {
        errors.push("override_reason", "判定を変更する理由を入力してください。");
    }
    Ok(status)
}

impl InitiativeResult {
    /// The results to store: the texts, and the status set by hand with its reason (none
    /// without a status), and the version the form was read at.
    pub fn judged(
        performance: Vec<String>,
        outcome: Vec<String>,
        status: Option<Status>,
        reason: &str,
        version: i32,
    ) -> InitiativeResult {
        InitiativeResult {
            performance,
            outcome,
            status_override: status.map(|s| s.as_str().to_owned()),
            override_reason: status.map(|_| reason.to_owned()),
            version,
        }
    }
}
