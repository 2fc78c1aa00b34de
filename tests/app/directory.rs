//! Sign-in through the city's directory, against a real OpenLDAP server the tests start
//! (`ldap_server.rs`): heads and chiefs sign in with their directory passwords and get exactly
//! their posts' rights; wrong passwords, disabled accounts and filter injection are refused
//! with nothing made; a transfer in the directory moves the role at the next sign-in; a
//! directory that is down or silent answers within its timeout while local accounts still
//! sign in; the dry run lists everyone and stores the setting only when told to.

use crate::helpers::{TEST_PASSWORD, TestApp};
use crate::ldap_server::{Slapd, Staffer};
use crate::staff_auth::{cookie_value, set_cookie, sign_in};
use axum::http::StatusCode;

fn staff() -> Vec<Staffer<'static>> {
    let p = |uid, name, department, section, title| Staffer {
        uid,
        name,
        department,
        section,
        title,
        password: "directory-pass-1",
        disabled: false,
        planner: false,
    };
    vec![
        p("yamada", "山田 一郎", "企画財政部", "", "部長"),
        p("sato", "佐藤 花子", "企画財政部", "情報政策課", "課長"),
        p("suzuki", "鈴木 次郎", "総務部", "人事課", "主事"),
        Staffer {
            planner: true,
            ..p("tanaka", "田中 三郎", "企画財政部", "企画政策課", "主査")
        },
        Staffer {
            disabled: true,
            ..p("kimura", "木村 四郎", "総務部", "", "部長")
        },
    ]
}

async fn app_with_directory(slapd: &Slapd) -> TestApp {
    let app = TestApp::with_demo().await;
    let mid = app
        .scalar("SELECT id FROM municipality WHERE slug = 'kariya'")
        .await;
    mokuhyo::db::directory::store_setting(&app.pool, mid, &slapd.config())
        .await
        .unwrap();
    app
}

/// The roles an account holds: `role:department or section name`, sorted.
async fn roles_of(app: &TestApp, username: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT r.role || ':' || COALESCE(d.name, s.name, '') FROM role_assignment r
           JOIN app_user u ON u.id = r.user_id
           LEFT JOIN department d ON d.id = r.department_id
           LEFT JOIN section s ON s.id = r.section_id
          WHERE u.username = $1 ORDER BY 1",
    )
    .bind(username)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// Signs in; the session cookie when it succeeded.
async fn session(
    app: &TestApp,
    username: &str,
    password: &str,
) -> (StatusCode, String, Option<String>) {
    let reply = sign_in(app, username, password, "192.0.2.7:4000", None).await;
    let cookie = set_cookie(&reply, "mokuhyo_session").map(|c| cookie_value(&c));
    (reply.status, crate::helpers::text_of(&reply.body), cookie)
}

async fn page(app: &TestApp, cookie: &str, uri: &str) -> StatusCode {
    let request = axum::http::Request::get(uri)
        .header("cookie", format!("mokuhyo_session={cookie}"))
        .body(axum::body::Body::empty())
        .unwrap();
    app.send_request(request).await.status
}

#[tokio::test]
async fn heads_and_chiefs_sign_in_with_their_directory_passwords_and_get_their_posts_rights() {
    let slapd = Slapd::start(&staff()).await;
    let app = app_with_directory(&slapd).await;

    let (status, _, head) = session(&app, "yamada", "directory-pass-1").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let head = head.expect("a session");
    assert_eq!(
        roles_of(&app, "yamada@kariya").await,
        ["department_head:企画財政部"]
    );
    let (name, email, source): (String, Option<String>, String) = sqlx::query_as(
        "SELECT display_name, email, source FROM app_user WHERE username = 'yamada@kariya'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((name.as_str(), source.as_str()), ("山田 一郎", "directory"));
    assert_eq!(email.as_deref(), Some("yamada@city.kariya.example"));
    // Typed in another case (the directory matches it): the same account, not a second one.
    let (status, _, _) = session(&app, "Yamada", "directory-pass-1").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let accounts = app
        .scalar("SELECT count(*) FROM app_user WHERE source = 'directory'")
        .await;
    assert_eq!(accounts, 1);
    // The head's own department's sheet, and not another's; no planning pages.
    let own: i64 = app.scalar("SELECT d.id FROM department d JOIN fiscal_year f ON f.id = d.fiscal_year_id WHERE d.slug = 'kikaku-zaisei' AND f.year = 2026 AND d.municipality_id = (SELECT id FROM municipality WHERE slug = 'kariya')").await;
    let other: i64 = app.scalar("SELECT d.id FROM department d JOIN fiscal_year f ON f.id = d.fiscal_year_id WHERE d.slug = 'somu' AND f.year = 2026 AND d.municipality_id = (SELECT id FROM municipality WHERE slug = 'kariya')").await;
    let new_goal = |d: i64| format!("/staff/departments/{d}/goals/new");
    assert_eq!(page(&app, &head, &new_goal(own)).await, StatusCode::OK);
    assert_eq!(
        page(&app, &head, &new_goal(other)).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        page(&app, &head, "/staff/admin").await,
        StatusCode::FORBIDDEN
    );

    let (status, _, chief) = session(&app, "sato", "directory-pass-1").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(chief.is_some());
    assert_eq!(
        roles_of(&app, "sato@kariya").await,
        ["section_chief:情報政策課"]
    );

    let (_, _, clerk) = session(&app, "suzuki", "directory-pass-1").await;
    assert!(clerk.is_some());
    assert_eq!(roles_of(&app, "suzuki@kariya").await, ["viewer:"]);
    let (_, _, planner) = session(&app, "tanaka@kariya", "directory-pass-1").await;
    assert_eq!(roles_of(&app, "tanaka@kariya").await, ["admin:"]);
    assert_eq!(
        page(&app, &planner.unwrap(), "/staff/admin").await,
        StatusCode::OK
    );
    // The directory password is not changed here.
    let (_, password_page) = {
        let request = axum::http::Request::get("/staff/password")
            .header("cookie", format!("mokuhyo_session={head}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let reply = app.send_request(request).await;
        (reply.status, reply.body)
    };
    assert!(password_page.contains("ディレクトリ") && !password_page.contains("current_password"));
}

#[tokio::test]
async fn wrong_passwords_disabled_accounts_and_filter_injection_are_refused_and_nothing_is_made() {
    let slapd = Slapd::start(&staff()).await;
    let app = app_with_directory(&slapd).await;
    let before = app.scalar("SELECT count(*) FROM app_user").await;
    for (username, password, expected) in [
        ("yamada", "wrong-password", StatusCode::UNAUTHORIZED),
        ("yamada", "", StatusCode::UNAUTHORIZED),
        ("nobody", "directory-pass-1", StatusCode::UNAUTHORIZED),
        ("*", "directory-pass-1", StatusCode::UNAUTHORIZED),
        ("*)(uid=*", "directory-pass-1", StatusCode::UNAUTHORIZED),
        (
            "yamada)(|(uid=*",
            "directory-pass-1",
            StatusCode::UNAUTHORIZED,
        ),
        ("yamada\\", "directory-pass-1", StatusCode::UNAUTHORIZED),
        ("YAMADA", "wrong-password", StatusCode::UNAUTHORIZED),
        ("kimura", "directory-pass-1", StatusCode::FORBIDDEN),
    ] {
        let (status, text, cookie) = session(&app, username, password).await;
        assert_eq!(status, expected, "{username:?}: {text}");
        assert!(cookie.is_none(), "{username:?}");
        if username == "kimura" {
            assert!(text.contains("無効"), "{text}");
        }
    }
    assert_eq!(app.scalar("SELECT count(*) FROM app_user").await, before);
    // Failures count for throttling as local ones do.
    assert!(app.scalar("SELECT count(*) FROM login_failure").await >= 7);
    // Planning staff stop a directory account here: its session ends, and the directory's
    // right password no longer signs it in.
    let (_, _, sato) = session(&app, "sato", "directory-pass-1").await;
    let sato = sato.expect("signed in");
    let id = app
        .scalar("SELECT id FROM app_user WHERE username = 'sato@kariya'")
        .await;
    let planner = app.add_staff("kariya", "planner", "admin", None).await;
    let planner = app.session_for(planner).await;
    let stopped = app
        .send(
            "POST",
            &format!("/staff/admin/users/{id}/disable"),
            Some(&planner),
            Some(&[("disabled", "true")]),
        )
        .await;
    assert_eq!(stopped.status, StatusCode::SEE_OTHER);
    assert_ne!(page(&app, &sato, "/staff").await, StatusCode::OK);
    let (status, _, again) = session(&app, "sato", "directory-pass-1").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(again.is_none());
    let accounts = app
        .send("GET", "/staff/admin/users", Some(&planner), None)
        .await;
    assert!(
        accounts.body.contains("ディレクトリ"),
        "the account's source is shown"
    );
}

#[tokio::test]
async fn a_transfer_entered_in_the_directory_gives_the_new_role_at_the_next_sign_in() {
    let slapd = Slapd::start(&staff()).await;
    let app = app_with_directory(&slapd).await;
    let (_, _, first) = session(&app, "sato", "directory-pass-1").await;
    assert!(first.is_some());
    assert_eq!(
        roles_of(&app, "sato@kariya").await,
        ["section_chief:情報政策課"]
    );
    slapd.set("sato", "ou", "財務課").await;
    let (_, _, second) = session(&app, "sato", "directory-pass-1").await;
    assert!(second.is_some());
    assert_eq!(
        roles_of(&app, "sato@kariya").await,
        ["section_chief:財務課"]
    );
    // A section the year does not have: told which, and no role is left from before.
    slapd.set("sato", "ou", "未来創造課").await;
    let (status, text, third) = session(&app, "sato", "directory-pass-1").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(third.is_none());
    assert!(
        text.contains("未来創造課") && text.contains("令和8年度"),
        "{text}"
    );
    let accounts = app
        .scalar("SELECT count(*) FROM app_user WHERE directory_name = 'sato'")
        .await;
    assert_eq!(
        accounts, 1,
        "one account for the person, whatever their post"
    );
}

#[tokio::test]
async fn a_stopped_or_silent_directory_answers_within_its_timeout_and_local_accounts_still_sign_in()
{
    let mut slapd = Slapd::start(&staff()).await;
    let app = app_with_directory(&slapd).await;
    app.add_staff("kariya", "breakglass", "admin", None).await;
    slapd.stop();
    let started = std::time::Instant::now();
    let (status, text, cookie) = session(&app, "yamada", "directory-pass-1").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(text.contains("接続できませんでした"), "{text}");
    assert!(cookie.is_none());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "did not hang"
    );
    // A directory that accepts the connection and never answers (half-open): the timeout.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let mid = app
        .scalar("SELECT id FROM municipality WHERE slug = 'kariya'")
        .await;
    let config = slapd
        .config()
        .replace(&slapd.url, &format!("ldap://127.0.0.1:{port}"));
    mokuhyo::db::directory::store_setting(&app.pool, mid, &config)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let (status, _, _) = session(&app, "yamada", "directory-pass-1").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_millis(1500),
        "waited for the timeout: {waited:?}"
    );
    assert!(
        waited < std::time::Duration::from_secs(20),
        "did not hang: {waited:?}"
    );
    held.abort();
    // Local accounts are untouched, and the directory's outage counts as nobody's failure.
    let (status, _, local) = session(&app, "breakglass", TEST_PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(local.is_some());
    assert_eq!(app.scalar("SELECT count(*) FROM login_failure").await, 0);
}

#[tokio::test]
async fn the_dry_run_lists_everyone_with_their_roles_and_stores_the_setting_only_when_told() {
    let slapd = Slapd::start(&staff()).await;
    let app = TestApp::with_demo().await;
    let state = mokuhyo::app_state(app.pool.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("directory.toml");
    std::fs::write(&file, slapd.config()).unwrap();
    let file = file.to_str().unwrap();
    let report = mokuhyo::directory::dry_run::run(&state, "kariya", file, false)
        .await
        .unwrap();
    assert!(report.starts_with("5 people"), "{report}");
    for line in [
        "yamada\t山田 一郎\t企画財政部 \t部長\t→ 部長（企画財政部）",
        "sato\t佐藤 花子\t企画財政部 情報政策課\t課長\t→ 課長等（情報政策課）",
        "tanaka\t田中 三郎\t企画財政部 企画政策課\t主査\t→ 企画担当（全体の管理）",
        "suzuki\t鈴木 次郎\t総務部 人事課\t主事\t→ 閲覧のみ",
        "kimura\t木村 四郎\t総務部 \t部長\t→ 無効（サインインできません）",
    ] {
        assert!(report.contains(line), "{line:?} in\n{report}");
    }
    assert!(report.contains("Nothing stored"));
    assert_eq!(
        app.scalar("SELECT count(*) FROM directory_setting").await,
        0
    );
    mokuhyo::directory::dry_run::run(&state, "kariya", file, true)
        .await
        .unwrap();
    assert_eq!(
        app.scalar("SELECT count(*) FROM directory_setting").await,
        1
    );
    // A wrong service password: said so, and the stored setting stays as it was.
    let wrong = dir.path().join("wrong.toml");
    std::fs::write(
        &wrong,
        slapd.config().replace("service-account-secret", "wrong"),
    )
    .unwrap();
    let refused =
        mokuhyo::directory::dry_run::run(&state, "kariya", wrong.to_str().unwrap(), true).await;
    assert!(refused.unwrap_err().contains("could not be read"));
    let stored: String = sqlx::query_scalar("SELECT config FROM directory_setting")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, slapd.config());
    // Planning staff see the setting, never its password; others do not see it at all.
    let planner = app.add_staff("kariya", "planner", "admin", None).await;
    let planner = app.session_for(planner).await;
    let shown = app
        .send("GET", "/staff/admin/directory", Some(&planner), None)
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains(&slapd.url) && shown.body.contains("uid={username}"));
    assert!(!shown.body.contains(crate::ldap_server::SERVICE_PASSWORD));
    let head = app
        .add_staff("kariya", "head", "department_head", Some("kikaku-zaisei"))
        .await;
    let head = app.session_for(head).await;
    let refused = app
        .send("GET", "/staff/admin/directory", Some(&head), None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn two_cities_with_directories_never_share_an_account_and_the_sign_in_page_asks_which() {
    let slapd = Slapd::start(&staff()).await;
    let app = app_with_directory(&slapd).await;
    let kokubunji = app
        .scalar("SELECT id FROM municipality WHERE slug = 'kokubunji'")
        .await;
    mokuhyo::db::directory::store_setting(&app.pool, kokubunji, &slapd.config())
        .await
        .unwrap();
    let login = app.send("GET", "/login", None, None).await;
    assert!(
        login.body.contains("name=\"city\"") && login.body.contains("国分寺市"),
        "the page asks which city"
    );
    // Without a city the name is nobody's: two directories could both have it.
    let (status, _, none) = session(&app, "suzuki", "directory-pass-1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(none.is_none());
    for city in ["kariya", "kokubunji"] {
        let (status, _, cookie) =
            session(&app, &format!("suzuki@{city}"), "directory-pass-1").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{city}");
        assert!(cookie.is_some());
    }
    let accounts: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.username, m.slug FROM app_user u JOIN municipality m ON m.id = u.municipality_id
          WHERE u.source = 'directory' ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        accounts,
        [
            ("suzuki@kariya".to_owned(), "kariya".to_owned()),
            ("suzuki@kokubunji".to_owned(), "kokubunji".to_owned())
        ]
    );
    // 山田's department is not in 国分寺市's organization: told so, no account there.
    let (status, text, _) = session(&app, "yamada@kokubunji", "directory-pass-1").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(text.contains("企画財政部"), "{text}");
    assert_eq!(
        app.scalar("SELECT count(*) FROM app_user WHERE username = 'yamada@kokubunji'")
            .await,
        0
    );
}
