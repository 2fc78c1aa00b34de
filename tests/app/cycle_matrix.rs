//! The authorization matrix of the year's cycle: the mid-year check's writes, the head's
//! look back and a post's holder — each allows exactly the right people, and a refusal
//! leaves the database as it was.

use crate::staff_editing::{ACTORS, World, world};
use axum::http::StatusCode;

/// What the cycle's writes touch, as text.
async fn state(w: &World) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT format('m %s %s %s %s', initiative_id, performance, progress, version) FROM initiative_midyear
         UNION ALL SELECT format('dm %s %s %s', department_id, comment, version) FROM department_midyear
         UNION ALL SELECT format('gm %s %s', goal_id, comment) FROM goal_midyear
         UNION ALL SELECT format('c %s %s %s', fiscal_year_id, as_of, words) FROM midyear_check
         UNION ALL SELECT format('r %s %s', department_id, text) FROM last_year_review
         UNION ALL SELECT format('ra %s %s %s %s', user_id, role, department_id, section_id) FROM role_assignment
         UNION ALL SELECT format('s %s %s %s', department_id, kind, state) FROM sheet
         UNION ALL SELECT format('a %s', id) FROM audit_event
         ORDER BY 1",
    )
    .fetch_all(&w.app.pool)
    .await
    .unwrap()
}

/// Who may take a route of the matrix.
fn allowed(w: &World, name: &str) -> &'static [&'static str] {
    route(w, name).2
}

/// A route of the matrix: (path, fields, who may).
fn route(
    w: &World,
    name: &str,
) -> (
    String,
    Vec<(&'static str, &'static str)>,
    &'static [&'static str],
) {
    let (d, i) = (w.department, w.initiative);
    match name {
        "record first half" => (
            format!("/staff/initiatives/{i}/midyear"),
            vec![
                ("version", "0"),
                ("performance", "着手した"),
                ("progress", "順調"),
            ],
            &["chief", "head", "admin"],
        ),
        "head's comments" => (
            format!("/staff/departments/{d}/midyear/comments"),
            vec![("version", "0"), ("comment", "順調に進んでいる。")],
            &["head", "admin"],
        ),
        "submit mid-year" => (
            format!("/staff/departments/{d}/workflow"),
            vec![("action", "submit"), ("kind", "midyear")],
            &["chief", "sibling_chief", "head", "admin"],
        ),
        "look back" => (
            format!("/staff/departments/{d}/last-year"),
            vec![("version", "0"), ("text", "前年度は計画どおりだった。")],
            &["head", "admin"],
        ),
        "replace head" => (
            format!("/staff/admin/departments/{d}/holder"),
            vec![("username", "kariya-viewer")],
            &["admin"],
        ),
        _ => unreachable!("{name}"),
    }
}

async fn attempt(w: &World, name: &str, who: &str) -> StatusCode {
    let (uri, mut fields, _) = route(w, name);
    match w.sessions.get(who) {
        Some(s) => {
            w.app
                .send("POST", &uri, Some(s), Some(&fields))
                .await
                .status
        }
        None => {
            fields.push(("csrf", "x"));
            w.app.send("POST", &uri, None, Some(&fields)).await.status
        }
    }
}

async fn opened() -> World {
    let w = world().await;
    let open = [
        ("as_of", "2026-09-30"),
        ("words", "順調\nおおむね順調\n遅れ"),
    ];
    let r = w
        .app
        .send(
            "POST",
            "/staff/admin/years/2026/midyear",
            Some(&w.sessions["admin"]),
            Some(&open),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    w
}

const ROUTES: [&str; 5] = [
    "record first half",
    "head's comments",
    "submit mid-year",
    "look back",
    "replace head",
];

#[tokio::test]
async fn the_cycles_writes_refuse_everyone_else_and_change_nothing() {
    let w = opened().await;
    for name in ROUTES {
        let allowed = allowed(&w, name);
        for who in ACTORS.iter().filter(|a| !allowed.contains(a)) {
            let before = state(&w).await;
            let status = attempt(&w, name, who).await;
            let expected = match *who {
                "foreign_admin" => StatusCode::NOT_FOUND,
                _ => StatusCode::FORBIDDEN,
            };
            assert_eq!(status, expected, "{name} by {who}");
            assert_eq!(
                state(&w).await,
                before,
                "{name} by {who} changed the database"
            );
        }
    }
}

#[tokio::test]
async fn the_cycles_writes_let_the_right_people_through() {
    let probe = world().await;
    for name in ROUTES {
        for who in allowed(&probe, name) {
            let w = opened().await;
            let before = state(&w).await;
            assert_eq!(
                attempt(&w, name, who).await,
                StatusCode::SEE_OTHER,
                "{name} by {who}"
            );
            assert_ne!(state(&w).await, before, "{name} by {who} changed nothing");
        }
    }
}
