//! The pages around deadlines and e-mail: deadlines at home and on the progress page, who may
//! open the new pages, bad input beside its field, the test button, no relay at all, the
//! statement counts, and the sender's lease let go on shutdown.

use crate::helpers::{TestApp, form_fields};
use crate::mail::{
    ADMIN_MAIL, CHIEF_MAIL, HEAD_MAIL, configure_relay, pass, people, quick, sheet_step, step,
};
use crate::relay::Relay;
use axum::http::StatusCode;
use mokuhyo::mail::send::SenderConfig;

#[tokio::test]
async fn deadlines_show_on_the_home_page_and_lateness_on_the_progress_page() {
    let app = TestApp::with_demo().await;
    let p = people(&app).await;
    let session = app.session_for(p.admin).await;
    let today = mokuhyo::domain::clock::today();

    // A date in the past: refused beside the field, the typed text kept, nothing written.
    let past = (today - chrono::Days::new(1)).to_string();
    let refused = app
        .send(
            "POST",
            "/staff/admin/years/2026/deadlines",
            Some(&session),
            Some(&[("targets", &past), ("results", "2027-02-30")]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("過去の日付は期限にできません"));
    assert!(
        refused
            .body
            .contains("日付は 2027-03-31 の形で入力してください")
    );
    assert!(refused.body.contains(&format!("value=\"{past}\"")));
    assert_eq!(app.scalar("SELECT count(*) FROM stage_deadline").await, 0);

    let due = today + chrono::Days::new(2);
    let saved = app
        .send(
            "POST",
            "/staff/admin/years/2026/deadlines",
            Some(&session),
            Some(&[("targets", ""), ("results", &due.to_string())]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.scalar("SELECT count(*) FROM audit_event WHERE entity = 'stage_deadline'")
            .await,
        1
    );
    let chief = app.session_for(p.chief).await;
    let home = app.send("GET", "/staff", Some(&chief), None).await;
    assert!(home.body.contains("期限のある作業"), "{}", home.body);
    assert!(
        home.body.contains("情報政策課の実績・成果を入力する"),
        "{}",
        home.body
    );
    assert!(home.body.contains("あと2日"));

    // Five days later, at another server: late, per department and at the chief's home.
    let later = app
        .server_at(chrono::Utc::now() + chrono::Duration::days(5))
        .await;
    let admin = later.session_for(p.admin).await;
    let progress = later
        .send(
            "GET",
            "/staff/admin/years/2026/progress",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(progress.status, StatusCode::OK);
    assert!(progress.body.contains("期限を3日過ぎています"));
    assert!(progress.body.contains("期限超過"));
    let home = later
        .send(
            "GET",
            "/staff",
            Some(&later.session_for(p.chief).await),
            None,
        )
        .await;
    assert!(home.body.contains("期限を3日過ぎています"));
    // The head approving ends the stage for the department: no task is left for the chief.
    let submitted = sheet_step(&later, p.chief, p.department, "results", "submit", "").await;
    assert_eq!(submitted, StatusCode::SEE_OTHER);
    let approved = sheet_step(&later, p.head, p.department, "results", "approve", "").await;
    assert_eq!(approved, StatusCode::SEE_OTHER);
    let home = later
        .send(
            "GET",
            "/staff",
            Some(&later.session_for(p.chief).await),
            None,
        )
        .await;
    assert!(!home.body.contains("期限のある作業"), "{}", home.body);
}

#[tokio::test]
async fn mail_and_deadline_pages_are_planning_staffs_only() {
    let app = TestApp::with_demo().await;
    let p = people(&app).await;
    let other_city = app.add_staff("kazo", "kazo-plan", "admin", None).await;
    for who in [p.head, p.chief] {
        let session = app.session_for(who).await;
        for (method, uri) in [
            ("GET", "/staff/admin/mail"),
            ("GET", "/staff/admin/mail/sent"),
            ("GET", "/staff/admin/years/2026/deadlines"),
        ] {
            let reply = app.send(method, uri, Some(&session), None).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri}");
        }
        for (uri, form) in [
            (
                "/staff/admin/mail",
                vec![("host", "evil.example"), ("port", "25")],
            ),
            ("/staff/admin/mail/test", vec![("to", "x@example.jp")]),
            (
                "/staff/admin/years/2026/deadlines",
                vec![("targets", "2099-01-01")],
            ),
            (
                &*format!("/staff/admin/users/{who}/email"),
                vec![("email", "x@example.jp")],
            ),
        ] {
            let reply = app.send("POST", uri, Some(&session), Some(&form)).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri}");
        }
    }
    // Another city's planning staff cannot set this city's people's addresses.
    let kazo = app.session_for(other_city).await;
    let reply = app
        .send(
            "POST",
            &format!("/staff/admin/users/{}/email", p.chief),
            Some(&kazo),
            Some(&[("email", "x@example.jp")]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    // Signed out: to the sign-in page.
    let reply = app.send("GET", "/staff/admin/mail/sent", None, None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(app.scalar("SELECT count(*) FROM mail_setting").await, 0);
    assert_eq!(app.scalar("SELECT count(*) FROM stage_deadline").await, 0);
    let chief_mail: Option<String> = sqlx::query_scalar("SELECT email FROM app_user WHERE id = $1")
        .bind(p.chief)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(chief_mail.as_deref(), Some(CHIEF_MAIL));
}

#[tokio::test]
async fn bad_settings_and_addresses_are_refused_beside_the_field_and_the_password_stays_hidden() {
    let app = TestApp::with_demo().await;
    let p = people(&app).await;
    let session = app.session_for(p.admin).await;
    let bad = app
        .send(
            "POST",
            "/staff/admin/mail",
            Some(&session),
            Some(&[
                ("host", "mail relay"),
                ("port", "99999"),
                ("security", "none"),
                ("sender", "not-an-address"),
                ("app_url", "javascript:alert(1)"),
                ("remind_days", "0"),
            ]),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["host", "port", "sender", "app_url", "remind_days"] {
        assert!(
            bad.body.contains(&format!("id=\"{field}-error\"")),
            "{field}"
        );
    }
    assert!(bad.body.contains("value=\"not-an-address\""));
    assert_eq!(app.scalar("SELECT count(*) FROM mail_setting").await, 0);

    let bad_email = app
        .send(
            "POST",
            &format!("/staff/admin/users/{}/email", p.head),
            Some(&session),
            Some(&[("email", "head@@kariya")]),
        )
        .await;
    assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_email
            .body
            .contains("メールアドレスを正しく入力してください")
    );
    assert!(bad_email.body.contains("value=\"head@@kariya\""));
    let kept: String = sqlx::query_scalar("SELECT email FROM app_user WHERE id = $1")
        .bind(p.head)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, HEAD_MAIL);

    let secret = "relay-secret-9f3k";
    let saved = app
        .send(
            "POST",
            "/staff/admin/mail",
            Some(&session),
            Some(&[
                ("host", "relay.kariya.example.jp"),
                ("port", "587"),
                ("security", "starttls"),
                ("username", "mokuhyo"),
                ("password", secret),
                ("sender", "mokuhyo@kariya.example.jp"),
                ("app_url", "https://mokuhyo.kariya.example.jp"),
                ("remind_days", "5"),
            ]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = app
        .send("GET", "/staff/admin/mail", Some(&session), None)
        .await;
    assert!(!page.body.contains(secret));
    assert!(page.body.contains("設定済みです"));
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM audit_event WHERE after::text LIKE '%{secret}%'"
        ))
        .await,
        0
    );
    // Saving again with the password left empty keeps it.
    let mut fields = form_fields(&page.body, "/staff/admin/mail");
    fields.retain(|(k, _)| k != "csrf");
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let again = app
        .send("POST", "/staff/admin/mail", Some(&session), Some(&fields))
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let stored: String = sqlx::query_scalar("SELECT password FROM mail_setting")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, secret);
}

#[tokio::test]
async fn the_test_button_sends_now_and_says_how_it_went() {
    let app = TestApp::with_demo().await;
    let relay = Relay::start();
    let p = people(&app).await;
    let session = app.session_for(p.admin).await;
    // Without a relay: asked to save one first.
    let none = app
        .send(
            "POST",
            "/staff/admin/mail/test",
            Some(&session),
            Some(&[("to", ADMIN_MAIL)]),
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        none.body
            .contains("先にメールサーバーの設定を保存してください")
    );
    configure_relay(&app, p.admin, relay.addr.port()).await;
    let sent = app
        .send(
            "POST",
            "/staff/admin/mail/test",
            Some(&session),
            Some(&[("to", ADMIN_MAIL)]),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK);
    assert!(
        sent.body.contains("テストメールを送信しました"),
        "{}",
        sent.body
    );
    assert_eq!(relay.to(ADMIN_MAIL).len(), 1);
    assert!(relay.to(ADMIN_MAIL)[0].subject.contains("【テスト】"));
}

#[tokio::test]
async fn without_a_relay_nothing_is_queued_and_every_step_works() {
    let app = TestApp::with_demo().await;
    let p = people(&app).await;
    assert_eq!(
        step(&app, p.chief, p.department, "submit", "").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        step(&app, p.head, p.department, "approve", "").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.scalar("SELECT count(*) FROM mail_message").await, 0);
    let pass = pass(&app, "server-a").await;
    assert_eq!((pass.sent, pass.reminders_queued), (0, 0));
    let session = app.session_for(p.admin).await;
    let page = app
        .send("GET", "/staff/admin/mail", Some(&session), None)
        .await;
    assert!(
        page.body
            .contains("まだ設定されていないため、メールは送信していません")
    );
}

#[tokio::test]
async fn the_new_pages_use_a_fixed_number_of_statements() {
    use crate::query_count::statements_as;
    let app = TestApp::with_demo().await;
    let p = people(&app).await;
    let kariya = app.session_for(p.admin).await;
    let small_city = app
        .add_staff("kokubunji", "kokubunji-plan", "admin", None)
        .await;
    let kokubunji = app.session_for(small_city).await;
    let due = (mokuhyo::domain::clock::today() + chrono::Days::new(9)).to_string();
    for session in [&kariya, &kokubunji] {
        let reply = app
            .send(
                "POST",
                "/staff/admin/years/2026/deadlines",
                Some(session),
                Some(&[("targets", &due), ("results", &due)]),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
    }
    // 12 departments against 1: the same statements.
    let uri = "/staff/admin/years/2026/progress";
    let large = statements_as(&app, uri, &kariya).await;
    let small = statements_as(&app, uri, &kokubunji).await;
    assert_eq!(large, small);
    println!("progress: {large} statements");

    // The home page asks for the deadlines and, with deadlines, the year's work: two more.
    let chief = app.session_for(p.chief).await;
    let with = statements_as(&app, "/staff", &chief).await;
    sqlx::query("DELETE FROM stage_deadline")
        .execute(&app.pool)
        .await
        .unwrap();
    let without = statements_as(&app, "/staff", &chief).await;
    assert_eq!(
        with,
        without + 1,
        "home: {with} with deadlines, {without} without"
    );

    // The mail log: one read, however many messages.
    let empty = statements_as(&app, "/staff/admin/mail/sent", &kariya).await;
    sqlx::query(
        "INSERT INTO mail_message (municipality_id, recipient, reason, subject, body)
         SELECT m.id, 'x' || n || '@kariya.example.jp', 'test', '件名', '本文'
         FROM municipality m, generate_series(1, 150) n WHERE m.slug = 'kariya'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let full = statements_as(&app, "/staff/admin/mail/sent", &kariya).await;
    assert_eq!(empty, full);
    let page = app
        .send("GET", "/staff/admin/mail/sent", Some(&kariya), None)
        .await;
    assert_eq!(page.body.matches("@kariya.example.jp</td>").count(), 100);
    assert!(page.body.contains("さらに前のメール"));
}

#[tokio::test]
async fn a_server_stopping_lets_the_lease_go_and_another_sends_at_once() {
    let app = TestApp::with_demo().await;
    let eras = std::sync::Arc::new(mokuhyo::db::load_eras(&app.pool).await.unwrap());
    let cfg = SenderConfig {
        poll: std::time::Duration::from_millis(50),
        ..quick()
    };
    let clock = mokuhyo::domain::clock::Clock::System;
    let first = mokuhyo::mail::send::spawn(app.pool.clone(), eras.clone(), clock, cfg.clone());
    let holder = || async {
        sqlx::query_scalar::<_, String>("SELECT holder FROM job_lease WHERE name = 'mail'")
            .fetch_optional(&app.pool)
            .await
            .unwrap()
    };
    let mut held = None;
    for _ in 0..100 {
        held = holder().await;
        if held.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let held = held.expect("the running sender holds the lease");
    // Another server waits while the first holds it...
    let second = app.second_server().await;
    assert!(!pass(&second, "server-b").await.holder);
    first.stop().await;
    assert_eq!(holder().await, None, "the lease is let go on shutdown");
    // ...and takes over at once when it is let go.
    assert!(pass(&second, "server-b").await.holder);
    assert_ne!(holder().await, Some(held));
}
