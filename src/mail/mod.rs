//! E-mail through the city's own relay. Messages are queued in PostgreSQL in the transaction
//! of the step that causes them (a rolled-back step leaves none) and sent in the background
//! by the one server holding the lease (`send`). A city without a relay setting queues
//! nothing, and nothing else changes.
//!
//! What is sent: to the head when a sheet is submitted; to the chiefs (and the head), with
//! the comment, when it is sent back; to planning staff when the head approves; one reminder
//! to each person with unfinished work a city-chosen number of days before a deadline.

pub mod send;
pub mod texts;

use crate::db::deadlines::{self, PostHolder};
use crate::db::editing::DepartmentCtx;
use crate::db::mail::{self as mdb, Outgoing};
use crate::domain::era::Eras;
use crate::domain::stages::{self, Stage};
use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};
use std::collections::BTreeMap;

/// A link into the staff pages from a message.
fn link(app_url: &str, path: &str) -> String {
    format!("{}{path}", app_url.trim_end_matches('/'))
}

/// The holders with an address, each once, but not `except` (who took the step).
fn addressed<'a>(holders: impl Iterator<Item = &'a PostHolder>, except: i64) -> Vec<(i64, String)> {
    let mut out: Vec<(i64, String)> = Vec::new();
    for h in holders {
        if let Some(email) = &h.email
            && h.user_id != except
            && !out.iter().any(|(id, _)| *id == h.user_id)
        {
            out.push((h.user_id, email.clone()));
        }
    }
    out
}

/// A review step on a department's sheet of `kind` (`targets`, `results`).
pub struct Step<'a> {
    pub department: &'a DepartmentCtx,
    pub kind: &'a str,
    pub action: &'a str,
    pub comment: Option<&'a str>,
}

/// Queues the messages a review step sends, on the step's transaction; how many.
pub async fn notify_review(
    tx: &mut PgConnection,
    eras: &Eras,
    staff: &crate::auth::Staff,
    step: Step<'_>,
) -> sqlx::Result<u64> {
    let mid = staff.municipality_id;
    let Some(setting) = mdb::setting(tx, mid).await? else {
        return Ok(0);
    };
    let d = step.department;
    let holders = deadlines::post_holders(tx, mid, d.fiscal_year_id).await?;
    let in_department = |h: &&PostHolder| h.department_id == Some(d.id);
    let to = match step.action {
        "submit" => addressed(
            holders
                .iter()
                .filter(in_department)
                .filter(|h| h.role == "department_head"),
            staff.user_id,
        ),
        "return" => addressed(
            holders
                .iter()
                .filter(in_department)
                .filter(|h| h.role == "section_chief" || h.role == "department_head"),
            staff.user_id,
        ),
        "approve" => addressed(holders.iter().filter(|h| h.role == "admin"), staff.user_id),
        _ => return Ok(0),
    };
    let stage = Stage::from_key(step.kind).unwrap_or(Stage::Targets);
    let url = link(&setting.app_url, &format!("{}#workflow", stage.path(d.id)));
    let year_label = eras.fiscal_year_label(d.year);
    let (subject, body) = texts::Review {
        city: &staff.municipality_name,
        year_label: &year_label,
        department: &d.name,
        sheet: stage.sheet_label(),
        action: step.action,
        actor: &staff.display_name,
        comment: step.comment,
        url: &url,
    }
    .compose();
    let reason = match step.action {
        "submit" => "submitted",
        "return" => "returned",
        _ => "approved",
    };
    let messages: Vec<Outgoing> = to
        .into_iter()
        .map(|(user_id, recipient)| Outgoing {
            user_id: Some(user_id),
            recipient,
            reason,
            subject: subject.clone(),
            body: body.clone(),
            dedupe_key: None,
        })
        .collect();
    mdb::enqueue(tx, mid, &messages).await
}

/// A new account's one-time link, for its person.
pub struct Welcome<'a> {
    pub city: &'a str,
    pub user_id: i64,
    pub to: &'a str,
    pub name: &'a str,
    pub username: &'a str,
    /// The link's path, on the address staff open Mokuhyo at.
    pub path: &'a str,
    pub days: i64,
}

/// Queues a [`Welcome`] where the city has a relay; whether it was queued.
pub async fn queue_welcome(tx: &mut PgConnection, mid: i64, w: Welcome<'_>) -> sqlx::Result<bool> {
    let Some(setting) = mdb::setting(tx, mid).await? else {
        return Ok(false);
    };
    let url = link(&setting.app_url, w.path);
    let (subject, body) = texts::welcome(w.city, w.name, w.username, &url, w.days);
    let message = Outgoing {
        user_id: Some(w.user_id),
        recipient: w.to.to_owned(),
        reason: "welcome",
        subject,
        body,
        dedupe_key: None,
    };
    Ok(mdb::enqueue(tx, mid, &[message]).await? == 1)
}

/// Queues today's reminders in every city that sends e-mail: one per person with unfinished
/// work for a deadline within the city's reminder days, once (a unique key per person,
/// stage and due date, so two servers or two passes queue it once). How many were new.
pub async fn queue_reminders(pool: &PgPool, eras: &Eras, today: NaiveDate) -> sqlx::Result<u64> {
    let mut queued = 0;
    for due in deadlines::due_reminders(pool, today).await? {
        let Some(stage) = Stage::from_key(&due.stage) else {
            continue;
        };
        let mid = due.municipality_id;
        let mut conn = pool.acquire().await?;
        let Some(setting) = mdb::setting(&mut conn, mid).await? else {
            continue;
        };
        let city = crate::db::cities::name_of(&mut conn, mid).await?;
        let holders = deadlines::post_holders(&mut conn, mid, due.fiscal_year_id).await?;
        drop(conn);
        let work = deadlines::section_work(pool, mid, due.fiscal_year_id).await?;
        let mut people: BTreeMap<i64, Vec<&PostHolder>> = BTreeMap::new();
        for h in holders.iter().filter(|h| h.email.is_some()) {
            people.entry(h.user_id).or_default().push(h);
        }
        let year_label = eras.fiscal_year_label(due.year);
        let due_label = eras.date_label(due.due_on);
        let mut messages = Vec::new();
        for (user_id, posts) in people {
            let tasks = stages::tasks(stage, &posts, &work);
            if tasks.is_empty() {
                continue;
            }
            let lines: Vec<(String, String)> = tasks
                .into_iter()
                .map(|t| (t.what, link(&setting.app_url, &t.path)))
                .collect();
            let (subject, body) =
                texts::reminder(&city, &year_label, stage.label(), &due_label, &lines);
            messages.push(Outgoing {
                user_id: Some(user_id),
                recipient: posts[0].email.clone().unwrap_or_default(),
                reason: "reminder",
                subject,
                body,
                dedupe_key: Some(format!(
                    "reminder:{}:{}:{}:{user_id}",
                    due.fiscal_year_id,
                    stage.key(),
                    due.due_on
                )),
            });
        }
        let mut tx = pool.begin().await?;
        queued += mdb::enqueue(&mut tx, mid, &messages).await?;
        tx.commit().await?;
    }
    Ok(queued)
}

/// Whether `text` is an e-mail address Mokuhyo can send to (a plain `local@domain`, no
/// display name): what the validator accepts and the mailer can parse.
pub fn address_ok(text: &str) -> bool {
    use validator::ValidateEmail;
    text.len() <= 254
        && text.is_ascii()
        && text.validate_email()
        && text.parse::<lettre::Address>().is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses() {
        assert!(super::address_ok("kikaku@city.kariya.lg.jp"));
        assert!(!super::address_ok("kikaku@"));
        assert!(!super::address_ok("山田 <kikaku@city.kariya.lg.jp>"));
        assert!(!super::address_ok("a b@example.jp"));
        assert!(!super::address_ok("きかく@example.jp"));
    }
}
