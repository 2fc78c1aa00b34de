//! Signing in and out, sessions, throttling and forgery protection.

use crate::helpers::{Session, TEST_PASSWORD, TestApp, hidden_csrf};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use std::net::SocketAddr;

/// The value of a cookie set by a response.
pub(crate) fn set_cookie(reply: &crate::helpers::Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

pub(crate) fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

/// Posts the sign-in form as a browser would: first GET /login for its token and cookie.
pub(crate) async fn sign_in(
    app: &TestApp,
    username: &str,
    password: &str,
    from: &str,
    old_session: Option<&str>,
) -> crate::helpers::Reply {
    let page = app.send("GET", "/login", None, None).await;
    let login_cookie = cookie_value(&set_cookie(&page, "mokuhyo_login").expect("login cookie"));
    let csrf = hidden_csrf(&page.body).unwrap();
    let mut cookies = format!("mokuhyo_login={login_cookie}");
    if let Some(old) = old_session {
        cookies.push_str(&format!("; mokuhyo_session={old}"));
    }
    let body = serde_urlencoded::to_string([
        ("csrf", csrf.as_str()),
        ("username", username),
        ("password", password),
        ("next", "/staff"),
    ])
    .unwrap();
    let mut request = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookies)
        .body(Body::from(body))
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(from.parse::<SocketAddr>().unwrap()));
    app.send_request(request).await
}

#[tokio::test]
async fn signing_in_starts_a_fresh_session_with_safe_cookie_flags() {
    let app = TestApp::with_demo().await;
    app.add_staff("kariya", "taro", "viewer", None).await;

    let first = sign_in(&app, "taro", TEST_PASSWORD, "192.0.2.1:5000", None).await;

    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(first.headers["location"], "/staff");
    let cookie = set_cookie(&first, "mokuhyo_session").expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let first_id = cookie_value(&cookie);
    let home = app
        .send(
            "GET",
            "/staff",
            Some(&Session {
                cookie: first_id.clone(),
                csrf: String::new(),
            }),
            None,
        )
        .await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("職員ホーム"));
    assert_eq!(
        home.headers["cache-control"], "no-store",
        "staff pages are not cached"
    );

    // Signing in again from the same browser gives a new id and ends the old session.
    let second = sign_in(
        &app,
        "taro",
        TEST_PASSWORD,
        "192.0.2.1:5000",
        Some(&first_id),
    )
    .await;
    let second_id = cookie_value(&set_cookie(&second, "mokuhyo_session").unwrap());
    assert_ne!(first_id, second_id);
    let old = app
        .send(
            "GET",
            "/staff",
            Some(&Session {
                cookie: first_id,
                csrf: String::new(),
            }),
            None,
        )
        .await;
    assert_eq!(
        old.status,
        StatusCode::SEE_OTHER,
        "the old session no longer works"
    );
    assert_eq!(app.scalar("SELECT count(*) FROM session").await, 1);
}

#[tokio::test]
async fn a_wrong_password_is_refused_in_japanese_and_keeps_the_username() {
    let app = TestApp::with_demo().await;
    app.add_staff("kariya", "taro", "viewer", None).await;

    let reply = sign_in(&app, "taro", "wrong-password", "192.0.2.1:5000", None).await;

    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(
        reply
            .body
            .contains("ユーザー名またはパスワードが正しくありません。")
    );
    assert!(reply.body.contains("value=\"taro\""));
    assert!(set_cookie(&reply, "mokuhyo_session").is_none());
    assert_eq!(app.scalar("SELECT count(*) FROM session").await, 0);
}

#[tokio::test]
async fn a_sign_in_post_without_the_form_token_is_refused() {
    let app = TestApp::with_demo().await;
    app.add_staff("kariya", "taro", "viewer", None).await;
    let body =
        serde_urlencoded::to_string([("username", "taro"), ("password", TEST_PASSWORD)]).unwrap();

    let reply = app
        .send_request(
            Request::post("/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", "mokuhyo_login=abc")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;

    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(app.scalar("SELECT count(*) FROM session").await, 0);
}

#[tokio::test]
async fn repeated_failures_throttle_that_address_only() {
    let app = TestApp::with_demo().await;
    app.add_staff("kariya", "taro", "viewer", None).await;
    for _ in 0..mokuhyo::routes::auth::MAX_FAILURES {
        let r = sign_in(&app, "taro", "guess", "198.51.100.7:4000", None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }

    let attacker = sign_in(&app, "taro", TEST_PASSWORD, "198.51.100.7:4001", None).await;
    let real_user = sign_in(&app, "taro", TEST_PASSWORD, "203.0.113.9:4000", None).await;

    assert_eq!(attacker.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        attacker
            .body
            .contains("ログインの試行回数が上限に達しました")
    );
    assert!(attacker.headers.contains_key("retry-after"));
    assert_eq!(
        real_user.status,
        StatusCode::SEE_OTHER,
        "the real user is not locked out"
    );
}

#[tokio::test]
async fn parallel_wrong_passwords_are_counted_before_they_are_checked() {
    let app = TestApp::with_demo().await;
    app.add_staff("kariya", "taro", "viewer", None).await;

    let attempts = (0..60).map(|i| {
        let app = &app;
        async move {
            sign_in(
                app,
                "taro",
                &format!("guess-{i}"),
                "198.51.100.7:4000",
                None,
            )
            .await
        }
    });
    let replies = futures_util::future::join_all(attempts).await;

    let checked = replies
        .iter()
        .filter(|r| r.status == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + throttled, 60, "every attempt is one or the other");
    assert!(
        checked <= mokuhyo::routes::auth::MAX_FAILURES as usize,
        "{checked} passwords were checked"
    );
    let stored = app
        .scalar("SELECT count(*) FROM login_failure WHERE username = 'taro'")
        .await;
    assert_eq!(
        stored, checked as i64,
        "refused attempts leave nothing to extend the block"
    );
}

#[tokio::test]
async fn a_colleague_at_the_same_address_is_not_blocked_by_someone_elses_typos() {
    let app = TestApp::with_demo().await;
    app.add_staff("kariya", "taro", "viewer", None).await;
    app.add_staff("kariya", "hanako", "viewer", None).await;
    for _ in 0..mokuhyo::routes::auth::MAX_FAILURES {
        sign_in(&app, "taro", "typo", "10.1.1.1:4000", None).await;
    }

    let taro = sign_in(&app, "taro", TEST_PASSWORD, "10.1.1.1:4001", None).await;
    let hanako = sign_in(&app, "hanako", TEST_PASSWORD, "10.1.1.1:4002", None).await;

    assert_eq!(
        taro.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the pair is blocked"
    );
    assert_eq!(
        hanako.status,
        StatusCode::SEE_OTHER,
        "the colleague signs in"
    );
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_blocked_at_the_higher_cap() {
    let app = TestApp::with_demo().await;
    app.add_staff("kariya", "hanako", "viewer", None).await;
    for i in 0..mokuhyo::routes::auth::MAX_ADDRESS_FAILURES {
        let r = sign_in(&app, &format!("user{i}"), "guess", "10.9.9.9:4000", None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }

    let next = sign_in(&app, "hanako", TEST_PASSWORD, "10.9.9.9:4001", None).await;
    let elsewhere = sign_in(&app, "hanako", TEST_PASSWORD, "10.8.8.8:4001", None).await;

    assert_eq!(next.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(elsewhere.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn failures_from_many_addresses_slow_the_account_down_without_locking_it() {
    use mokuhyo::routes::auth::{MAX_FAILURES, account_delay};
    assert!(account_delay(MAX_FAILURES).is_zero());
    assert!(account_delay(MAX_FAILURES + 1) > std::time::Duration::ZERO);
    assert!(account_delay(MAX_FAILURES + 3) > account_delay(MAX_FAILURES + 1));
    assert!(account_delay(10_000) <= std::time::Duration::from_secs(8));

    let app = TestApp::with_demo().await;
    app.add_staff("kariya", "taro", "viewer", None).await;
    for i in 0..MAX_FAILURES + 2 {
        let r = sign_in(&app, "taro", "guess", &format!("10.2.0.{i}:4000"), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i} is checked");
    }

    let owner = sign_in(&app, "taro", TEST_PASSWORD, "10.3.0.1:4000", None).await;

    assert_eq!(
        owner.status,
        StatusCode::SEE_OTHER,
        "the owner still signs in"
    );
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in() {
    let app = TestApp::with_demo().await;

    for uri in [
        "/staff",
        "/staff/departments/1",
        "/staff/goals/1/edit",
        "/staff/password",
    ] {
        let reply = app.send("GET", uri, None, None).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(
            reply.headers["location"]
                .to_str()
                .unwrap()
                .starts_with("/login?next=%2Fstaff"),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn sessions_end_after_the_idle_timeout_and_the_absolute_lifetime() {
    let app = TestApp::with_demo().await;
    let id = app.add_staff("kariya", "taro", "viewer", None).await;
    let idle = app.session_for(id).await;
    let old = app.session_for(id).await;

    sqlx::query("UPDATE session SET last_seen_at = now() - interval '3 hours' WHERE user_id = $1 AND csrf_token = $2")
        .bind(id)
        .bind(&idle.csrf)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE session SET created_at = now() - interval '13 hours' WHERE user_id = $1 AND csrf_token = $2")
        .bind(id)
        .bind(&old.csrf)
        .execute(&app.pool)
        .await
        .unwrap();

    assert_eq!(
        app.send("GET", "/staff", Some(&idle), None).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.send("GET", "/staff", Some(&old), None).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::with_demo().await;
    let id = app.add_staff("kariya", "taro", "viewer", None).await;
    let s = app.session_for(id).await;

    let reply = app.send("POST", "/logout", Some(&s), Some(&[])).await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.send("GET", "/staff", Some(&s), None).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.scalar("SELECT count(*) FROM session").await, 0);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one() {
    let app = TestApp::with_demo().await;
    let id = app.add_staff("kariya", "taro", "viewer", None).await;
    let s = app.session_for(id).await;
    let other_device = app.session_for(id).await;
    let hash_before: String =
        sqlx::query_scalar("SELECT password_hash FROM app_user WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();

    let wrong = app
        .send(
            "POST",
            "/staff/password",
            Some(&s),
            Some(&[
                ("current_password", "not-it"),
                ("new_password", "shinkansen-tsubame-ame-8"),
                ("new_password_confirmation", "shinkansen-tsubame-ame-8"),
            ]),
        )
        .await;
    let short = app
        .send(
            "POST",
            "/staff/password",
            Some(&s),
            Some(&[
                ("current_password", TEST_PASSWORD),
                ("new_password", "short"),
                ("new_password_confirmation", "short"),
            ]),
        )
        .await;
    let hash_after_refusals: String =
        sqlx::query_scalar("SELECT password_hash FROM app_user WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let ok = app
        .send(
            "POST",
            "/staff/password",
            Some(&s),
            Some(&[
                ("current_password", TEST_PASSWORD),
                ("new_password", "shinkansen-tsubame-ame-8"),
                ("new_password_confirmation", "shinkansen-tsubame-ame-8"),
            ]),
        )
        .await;

    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("現在のパスワードが正しくありません。"));
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short
            .body
            .contains("パスワードは10文字以上で入力してください。")
    );
    assert_eq!(hash_before, hash_after_refusals);
    assert_eq!(ok.status, StatusCode::OK);
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM app_user WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(mokuhyo::auth::password::verify(
        "shinkansen-tsubame-ame-8",
        &hash
    ));
    assert!(!mokuhyo::auth::password::verify(TEST_PASSWORD, &hash));
    assert_eq!(
        app.send("GET", "/staff", Some(&other_device), None)
            .await
            .status,
        StatusCode::SEE_OTHER,
        "other sessions end"
    );
    assert_eq!(
        app.send("GET", "/staff", Some(&s), None).await.status,
        StatusCode::OK,
        "this session stays"
    );
}

#[tokio::test]
async fn forged_posts_change_nothing() {
    let app = TestApp::with_demo().await;
    let id = app.add_staff("kariya", "admin", "admin", None).await;
    let s = app.session_for(id).await;
    let goal: i64 = app.scalar("SELECT id FROM goal ORDER BY id LIMIT 1").await;
    let version = app
        .scalar(&format!(
            "SELECT version::bigint FROM goal WHERE id = {goal}"
        ))
        .await
        .to_string();
    let pillar = app
        .scalar("SELECT id FROM pillar ORDER BY number LIMIT 1")
        .await
        .to_string();
    let uri = format!("/staff/goals/{goal}");
    let fields = [
        ("text", "書き換え"),
        ("pillar", pillar.as_str()),
        ("version", version.as_str()),
    ];
    let before = app.snapshot().await;

    let no_token = app
        .send(
            "POST",
            &uri,
            Some(&s),
            Some(&[("csrf", ""), fields[0], fields[1], fields[2]]),
        )
        .await;
    let wrong_token = app
        .send(
            "POST",
            &uri,
            Some(&s),
            Some(&[("csrf", "0123"), fields[0], fields[1], fields[2]]),
        )
        .await;
    let cross_site = Request::post(&uri)
        .header("cookie", format!("mokuhyo_session={}", s.cookie))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(
            serde_urlencoded::to_string([
                ("csrf", s.csrf.as_str()),
                fields[0],
                fields[1],
                fields[2],
            ])
            .unwrap(),
        ))
        .unwrap();
    let cross_site = app.send_request(cross_site).await;
    let get_delete = app
        .send(
            "GET",
            &format!("/staff/goals/{goal}/delete"),
            Some(&s),
            None,
        )
        .await;

    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
    assert_eq!(
        get_delete.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "no GET changes anything"
    );
    assert!(get_delete.body.contains("この方法ではご利用いただけません"));
    assert_eq!(app.snapshot().await, before);

    // The same post with the right token goes through (the refusals above were the token's doing).
    let ok = app.send("POST", &uri, Some(&s), Some(&fields)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_ne!(app.snapshot().await, before);
}

#[tokio::test]
async fn housekeeping_removes_expired_sessions_and_old_failures_only() {
    let app = TestApp::with_demo().await;
    let id = app.add_staff("kariya", "taro", "viewer", None).await;
    let _fresh = app.session_for(id).await;
    let old = app.session_for(id).await;
    sqlx::query("UPDATE session SET created_at = now() - interval '13 hours', last_seen_at = now() - interval '3 hours' WHERE csrf_token = $1")
        .bind(&old.csrf)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO login_failure (client_addr, username, attempted_at) VALUES ('10.0.0.1', 'a', now() - interval '2 days'), ('10.0.0.1', 'b', now())")
        .execute(&app.pool)
        .await
        .unwrap();

    let removed = mokuhyo::db::staff::purge_expired(&app.pool).await.unwrap();

    assert_eq!(removed, 2);
    assert_eq!(app.scalar("SELECT count(*) FROM session").await, 1);
    assert_eq!(
        app.scalar("SELECT count(*) FROM login_failure WHERE username = 'b'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_nul_byte_in_the_username_is_an_ordinary_counted_failure() {
    let app = TestApp::with_demo().await;
    app.add_staff("kariya", "taro", "viewer", None).await;

    let reply = sign_in(&app, "ta\0ro", "wrong-password", "10.4.0.1:4000", None).await;

    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(
        reply
            .body
            .contains("ユーザー名またはパスワードが正しくありません")
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM login_failure WHERE client_addr = '10.4.0.1'")
            .await,
        1,
        "the failure is counted"
    );
}

#[tokio::test]
async fn a_post_from_another_origin_is_refused_even_with_the_token() {
    let app = TestApp::with_demo().await;
    let id = app.add_staff("kariya", "taro", "viewer", None).await;
    let s = app.session_for(id).await;
    let post = |origin: &'static str| {
        let body = serde_urlencoded::to_string([("csrf", s.csrf.as_str())]).unwrap();
        Request::post("/logout")
            .header("host", "mokuhyo.city.example.lg.jp")
            .header("origin", origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("mokuhyo_session={}", s.cookie))
            .body(Body::from(body))
            .unwrap()
    };

    let foreign = app.send_request(post("https://evil.example")).await;
    let null = app.send_request(post("null")).await;
    let still_signed_in = app.send("GET", "/staff", Some(&s), None).await;
    let own = app
        .send_request(post("https://mokuhyo.city.example.lg.jp"))
        .await;

    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert_eq!(null.status, StatusCode::FORBIDDEN);
    assert_eq!(
        still_signed_in.status,
        StatusCode::OK,
        "the forged post did nothing"
    );
    assert_eq!(own.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn staff_error_pages_are_not_stored_and_https_gets_hsts() {
    let app = TestApp::with_demo().await;

    let missing = app.send("GET", "/staff/no-such-page", None, None).await;
    let public = app
        .send_request(
            Request::get("/kariya/2026")
                .header("x-forwarded-proto", "https")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let plain = app.send("GET", "/kariya/2026", None, None).await;

    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.headers["cache-control"], "no-store");
    assert!(
        public.headers["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    assert!(!plain.headers.contains_key("strict-transport-security"));
    assert_ne!(
        public.headers["cache-control"], "no-store",
        "public pages stay cacheable"
    );
}
