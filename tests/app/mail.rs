//! Deadlines and e-mail through a real SMTP relay (started by the tests): review steps send
//! to the people who act next, a relay that is down delays mail but never a step, reminders
//! go out once per person however many servers run, and the pages are planning staff's only.

use crate::helpers::TestApp;
use crate::relay::Relay;
use axum::http::StatusCode;
use mokuhyo::mail::send::{SenderConfig, run_once};

/// 刈谷市's planning staff, the head of 企画財政部 and the chief of its 情報政策課, each with
/// an address set through the accounts page; their ids and the department's id.
pub struct People {
    pub admin: i64,
    pub head: i64,
    pub chief: i64,
    pub department: i64,
}

pub const ADMIN_MAIL: &str = "plan@kariya.example.jp";
pub const HEAD_MAIL: &str = "head@kariya.example.jp";
pub const CHIEF_MAIL: &str = "chief@kariya.example.jp";

pub async fn people(app: &TestApp) -> People {
    let admin = app.add_staff("kariya", "plan-admin", "admin", None).await;
    let head = app
        .add_staff(
            "kariya",
            "head-kz",
            "department_head",
            Some("kikaku-zaisei"),
        )
        .await;
    let chief = app
        .add_staff("kariya", "chief-js", "section_chief", Some("情報政策課"))
        .await;
    let session = app.session_for(admin).await;
    for (id, address) in [(admin, ADMIN_MAIL), (head, HEAD_MAIL), (chief, CHIEF_MAIL)] {
        let reply = app
            .send(
                "POST",
                &format!("/staff/admin/users/{id}/email"),
                Some(&session),
                Some(&[("email", address)]),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    }
    let department = app
        .scalar(
            "SELECT d.id FROM department d JOIN municipality m ON m.id = d.municipality_id
             JOIN fiscal_year f ON f.id = d.fiscal_year_id
             WHERE m.slug = 'kariya' AND f.year = 2026 AND d.slug = 'kikaku-zaisei'",
        )
        .await;
    People {
        admin,
        head,
        chief,
        department,
    }
}

/// Planning staff point the city at a relay on `port`.
pub async fn configure_relay(app: &TestApp, admin: i64, port: u16) {
    let session = app.session_for(admin).await;
    let port = port.to_string();
    let reply = app
        .send(
            "POST",
            "/staff/admin/mail",
            Some(&session),
            Some(&[
                ("host", "127.0.0.1"),
                ("port", &port),
                ("security", "none"),
                ("username", ""),
                ("password", ""),
                ("sender", "mokuhyo@kariya.example.jp"),
                ("app_url", "http://mokuhyo.kariya.example.jp/"),
                ("remind_days", "3"),
            ]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
}

pub fn quick() -> SenderConfig {
    SenderConfig {
        retry_base_seconds: 1.0,
        timeout: std::time::Duration::from_secs(5),
        ..SenderConfig::from_env()
    }
}

pub async fn pass(app: &TestApp, me: &str) -> mokuhyo::mail::send::Pass {
    let eras = mokuhyo::db::load_eras(&app.pool).await.unwrap();
    run_once(
        &app.pool,
        &eras,
        mokuhyo::domain::clock::today(),
        me,
        &quick(),
        true,
    )
    .await
    .unwrap()
}

pub async fn step(
    app: &TestApp,
    who: i64,
    department: i64,
    action: &str,
    comment: &str,
) -> StatusCode {
    sheet_step(app, who, department, "targets", action, comment).await
}

/// A review step on the department's sheet of `kind` (the demo's 2026 targets are published,
/// its results not yet begun).
pub async fn sheet_step(
    app: &TestApp,
    who: i64,
    department: i64,
    kind: &str,
    action: &str,
    comment: &str,
) -> StatusCode {
    let session = app.session_for(who).await;
    app.send(
        "POST",
        &format!("/staff/departments/{department}/workflow"),
        Some(&session),
        Some(&[("action", action), ("comment", comment), ("kind", kind)]),
    )
    .await
    .status
}

#[tokio::test]
async fn each_review_step_reaches_the_next_person_through_the_relay() {
    let app = TestApp::with_demo().await;
    let relay = Relay::start();
    let p = people(&app).await;
    configure_relay(&app, p.admin, relay.addr.port()).await;

    assert_eq!(
        step(&app, p.chief, p.department, "submit", "").await,
        StatusCode::SEE_OTHER
    );
    // Submitting again is refused, and queues nothing more.
    assert_eq!(
        step(&app, p.chief, p.department, "submit", "").await,
        StatusCode::CONFLICT
    );
    assert_eq!(app.scalar("SELECT count(*) FROM mail_message").await, 1);
    let sent = pass(&app, "server-a").await;
    assert_eq!((sent.holder, sent.sent), (true, 1));
    let to_head = relay.to(HEAD_MAIL);
    assert_eq!(to_head.len(), 1, "{:?}", relay.received());
    assert_eq!(
        relay.received().len(),
        1,
        "only the head hears of a submission"
    );
    assert_eq!(to_head[0].from, "mokuhyo@kariya.example.jp");
    assert!(
        to_head[0]
            .subject
            .contains("【提出】企画財政部の組織目標（令和8年度）")
    );
    assert!(to_head[0].body.contains(&format!(
        "http://mokuhyo.kariya.example.jp/staff/departments/{}#workflow",
        p.department
    )));

    let comment = "指標2の目標値を数値で示してください";
    assert_eq!(
        step(&app, p.head, p.department, "return", comment).await,
        StatusCode::SEE_OTHER
    );
    pass(&app, "server-a").await;
    let to_chief = relay.to(CHIEF_MAIL);
    assert_eq!(to_chief.len(), 1);
    assert!(to_chief[0].subject.contains("【差し戻し】"));
    assert!(to_chief[0].body.contains(comment), "{}", to_chief[0].body);
    assert_eq!(
        relay.to(HEAD_MAIL).len(),
        1,
        "the head is not told of their own step"
    );

    step(&app, p.chief, p.department, "submit", "").await;
    assert_eq!(
        step(&app, p.head, p.department, "approve", "").await,
        StatusCode::SEE_OTHER
    );
    pass(&app, "server-a").await;
    let to_admin = relay.to(ADMIN_MAIL);
    assert_eq!(to_admin.len(), 1);
    assert!(to_admin[0].subject.contains("【承認】"));
    assert_eq!(relay.to(HEAD_MAIL).len(), 2);

    // The log lists every message, sent.
    let session = app.session_for(p.admin).await;
    let log = app
        .send("GET", "/staff/admin/mail/sent", Some(&session), None)
        .await;
    assert_eq!(log.status, StatusCode::OK);
    assert_eq!(log.body.matches("送信済み（").count(), 4, "{}", log.body);
    assert!(log.body.contains(CHIEF_MAIL) && log.body.contains("差し戻しのお知らせ"));
}

#[tokio::test]
async fn a_relay_that_is_down_delays_the_mail_never_the_step() {
    let app = TestApp::with_demo().await;
    let p = people(&app).await;
    let port = Relay::free_port();
    configure_relay(&app, p.admin, port).await;

    assert_eq!(
        step(&app, p.chief, p.department, "submit", "").await,
        StatusCode::SEE_OTHER
    );
    let state: String =
        sqlx::query_scalar("SELECT state FROM sheet WHERE department_id = $1 AND kind = 'targets'")
            .bind(p.department)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(state, "submitted");
    let first = pass(&app, "server-a").await;
    assert_eq!((first.sent, first.deferred), (0, 1));
    let (attempts, error): (i32, Option<String>) =
        sqlx::query_as("SELECT attempts, last_error FROM mail_message")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    assert!(error.is_some());
    let session = app.session_for(p.admin).await;
    let log = app
        .send("GET", "/staff/admin/mail/sent", Some(&session), None)
        .await;
    assert!(log.body.contains("送信待ち（1回失敗"), "{}", log.body);

    // Not yet due again: a pass right away sends nothing.
    let relay = Relay::start_on(port);
    assert_eq!(pass(&app, "server-a").await.sent, 0);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let later = pass(&app, "server-a").await;
    assert_eq!(later.sent, 1);
    assert_eq!(relay.to(HEAD_MAIL).len(), 1);
    // Sent once: further passes send nothing more.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    pass(&app, "server-a").await;
    assert_eq!(relay.received().len(), 1);
}

#[tokio::test]
async fn a_reminder_goes_out_once_per_person_with_two_servers() {
    let app = TestApp::with_demo().await;
    let relay = Relay::start();
    let p = people(&app).await;
    configure_relay(&app, p.admin, relay.addr.port()).await;
    let due = mokuhyo::domain::clock::today() + chrono::Days::new(2);
    let session = app.session_for(p.admin).await;
    let reply = app
        .send(
            "POST",
            "/staff/admin/years/2026/deadlines",
            Some(&session),
            Some(&[("targets", ""), ("results", &due.to_string())]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    let second = app.second_server().await;
    let mut holders = Vec::new();
    for _ in 0..3 {
        let (a, b) = tokio::join!(pass(&app, "server-a"), pass(&second, "server-b"));
        assert!(a.holder != b.holder, "exactly one server sends");
        holders.push(a.holder);
    }
    assert!(
        holders.iter().all(|h| *h == holders[0]),
        "the holder keeps its lease"
    );
    // Queued from both servers at once, bypassing the lease: still one each.
    let eras = mokuhyo::db::load_eras(&app.pool).await.unwrap();
    let today = mokuhyo::domain::clock::today();
    let (x, y) = tokio::join!(
        mokuhyo::mail::queue_reminders(&app.pool, &eras, today),
        mokuhyo::mail::queue_reminders(&second.pool, &eras, today)
    );
    assert_eq!(x.unwrap() + y.unwrap(), 0);
    let holder = if holders[0] { &app } else { &second };
    pass(holder, if holders[0] { "server-a" } else { "server-b" }).await;

    for address in [HEAD_MAIL, CHIEF_MAIL] {
        let got = relay.to(address);
        assert_eq!(got.len(), 1, "{address}: {got:?}");
        assert!(
            got[0]
                .subject
                .starts_with("【期限のお知らせ】令和8年度の実績の入力")
        );
    }
    let chief = &relay.to(CHIEF_MAIL)[0].body;
    assert!(
        chief.contains("情報政策課の実績・成果を入力する（未入力 "),
        "{chief}"
    );
    assert!(chief.contains(&format!(
        "http://mokuhyo.kariya.example.jp/staff/departments/{}/results",
        p.department
    )));
    assert!(
        relay.to(HEAD_MAIL)[0]
            .body
            .contains("企画財政部の実績・成果をとりまとめて提出する")
    );
    // Planning staff have no sheet of their own to finish: only those with work hear.
    assert!(relay.to(ADMIN_MAIL).is_empty());
    assert!(
        relay
            .received()
            .iter()
            .all(|m| m.subject.contains("期限のお知らせ"))
    );
}
