//! April's transfers from the personnel list: the preview shows exactly what a list changes
//! (accounts to make, roles to grant and take away, people no longer listed, problems placed
//! by row) and writes nothing; confirming writes it all once; people who left cannot sign in;
//! new people set their password through a one-time link that works once.

use crate::helpers::{Reply, Session, TestApp, text_of};
use crate::import::upload_to;
use crate::staff_auth::{cookie_value, set_cookie, sign_in};
use axum::http::StatusCode;

const HEADER: &str = "職員番号,氏名,ふりがな,所属（部）,所属（課等）,職名,メール\n";

async fn planner(app: &TestApp) -> Session {
    let id = app
        .add_staff("kariya", "kikaku-planner", "admin", None)
        .await;
    app.session_for(id).await
}

/// Uploads a list for 2026; the preview's address.
async fn upload(app: &TestApp, s: &Session, filename: &str, bytes: &[u8]) -> Reply {
    upload_to(
        app,
        s,
        "/staff/admin/years/2026/personnel",
        &[],
        filename,
        bytes,
    )
    .await
}

async fn preview(app: &TestApp, s: &Session, csv: &str) -> (String, String) {
    let reply = upload(app, s, "meibo.csv", csv.as_bytes()).await;
    assert_eq!(
        reply.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&reply.body)
    );
    let at = reply.headers["location"].to_str().unwrap().to_owned();
    let page = app.send("GET", &at, Some(s), None).await;
    assert_eq!(page.status, StatusCode::OK);
    (at, page.body)
}

async fn confirm(app: &TestApp, s: &Session, at: &str) -> Reply {
    app.send("POST", &format!("{at}/confirm"), Some(s), Some(&[]))
        .await
}

/// Every list account's roles: `number:role:place`, sorted.
async fn roles(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT u.employee_number || ':' || r.role || ':' || COALESCE(d.name, s.name, '')
           FROM app_user u JOIN role_assignment r ON r.user_id = u.id
           LEFT JOIN department d ON d.id = r.department_id LEFT JOIN section s ON s.id = r.section_id
          WHERE u.source = 'list' ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// The links on a confirmed list's page, by username.
fn links(page: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| {
        s.replace("&#x2f;", "/")
            .replace("&#47;", "/")
            .replace("&amp;", "&")
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = page[from..].find("<td><code>") {
        let start = from + at;
        let body = &page[start + "<td><code>".len()..];
        let link = unescape(&body[..body.find("</code>").unwrap()]);
        let before = &page[..start];
        let cell = &before[before.rfind("<td>").unwrap() + 4..];
        let user = unescape(&cell[..cell.find("</td>").unwrap()]);
        out.push((user, link));
        from = start + 1;
    }
    out
}

/// A link's form as a browser holds it: (path, sign-in cookie, token).
async fn welcome_form(app: &TestApp, link: &str) -> (String, String, String) {
    let path = link[link.find("/login/welcome/").unwrap()..].to_owned();
    let page = app.send("GET", &path, None, None).await;
    let cookie = set_cookie(&page, "mokuhyo_login")
        .map(|c| cookie_value(&c))
        .unwrap_or_default();
    let csrf = crate::helpers::hidden_csrf(&page.body).unwrap_or_default();
    (path, cookie, csrf)
}

async fn post_password(
    app: &TestApp,
    (path, cookie, csrf): &(String, String, String),
    password: &str,
) -> Reply {
    let body = serde_urlencoded::to_string([
        ("csrf", csrf.as_str()),
        ("new_password", password),
        ("new_password_confirmation", password),
    ])
    .unwrap();
    let request = axum::http::Request::post(path.as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("mokuhyo_login={cookie}"))
        .body(axum::body::Body::from(body))
        .unwrap();
    app.send_request(request).await
}

/// Sets a password through a link; the reply.
async fn set_password(app: &TestApp, link: &str, password: &str) -> Reply {
    let form = welcome_form(app, link).await;
    post_password(app, &form, password).await
}

const FIRST: &str = "1001,山田 一郎,やまだ いちろう,企画財政部,,部長,yamada@kariya.example\n\
                     1002,佐藤 花子,さとう はなこ,企画財政部,情報政策課,課長,\n\
                     1003,鈴木 次郎,すずき じろう,総務部,人事課,主事,\n\
                     1004,田中 三郎,たなか さぶろう,総務部,税務課,課長,\n";

#[tokio::test]
async fn a_list_previews_exactly_its_changes_and_confirming_writes_them_once() {
    let app = TestApp::with_demo().await;
    let s = planner(&app).await;
    let (at, page) = preview(&app, &s, &format!("{HEADER}{FIRST}")).await;
    assert!(
        page.contains("作成するアカウント（4人）"),
        "{}",
        text_of(&page)
    );
    assert!(
        roles(&app).await.is_empty(),
        "nothing written before confirming"
    );
    let done = confirm(&app, &s, &at).await;
    assert_eq!(done.status, StatusCode::OK, "{}", text_of(&done.body));
    let made = links(&done.body);
    assert_eq!(made.len(), 4, "{}", text_of(&done.body));
    assert_eq!(
        roles(&app).await,
        [
            "1001:department_head:企画財政部",
            "1002:section_chief:情報政策課",
            "1003:viewer:",
            "1004:section_chief:税務課"
        ]
    );
    // Confirming again writes nothing twice.
    let again = confirm(&app, &s, &at).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.scalar("SELECT count(*) FROM app_user WHERE source = 'list'")
            .await,
        4
    );
    assert_eq!(app.scalar("SELECT count(*) FROM sign_in_link").await, 4);
    // 鈴木 sets his password and signs in.
    let suzuki = &made.iter().find(|(u, _)| u == "kariya-1003").unwrap().1;
    assert_eq!(
        set_password(&app, suzuki, "kawa-no-nagare-2026")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let signed = sign_in(
        &app,
        "kariya-1003",
        "kawa-no-nagare-2026",
        "192.0.2.9:1",
        None,
    )
    .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);

    // April: 山田 moves to 総務部 as its head, 田中 is no longer a chief, 鈴木 left, 伊藤 joins.
    let april = format!(
        "{HEADER}1001,山田 一郎,やまだ いちろう,総務部,,部長,yamada@kariya.example\n\
         1002,佐藤 花子,さとう はなこ,企画財政部,情報政策課,課長,\n\
         1004,田中 三郎,たなか さぶろう,総務部,税務課,主査,\n\
         1005,伊藤 四郎,いとう しろう,企画財政部,財務課,課長,ito@kariya.example\n"
    );
    let before = roles(&app).await;
    let (at, page) = preview(&app, &s, &april).await;
    let text = text_of(&page);
    assert!(
        text.contains("作成するアカウント（1人）") && text.contains("伊藤 四郎"),
        "{text}"
    );
    assert!(text.contains("変わるアカウント（2人）"), "{text}");
    assert!(
        text.contains("総務部長") && text.contains("企画財政部長") && text.contains("税務課長"),
        "{text}"
    );
    assert!(
        text.contains("停止するアカウント（1人・削除はしません）") && text.contains("鈴木 次郎"),
        "{text}"
    );
    assert!(
        !text.contains("佐藤 花子"),
        "an unchanged person is not listed: {text}"
    );
    assert_eq!(roles(&app).await, before, "the preview writes nothing");
    let done = confirm(&app, &s, &at).await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(
        roles(&app).await,
        [
            "1001:department_head:総務部",
            "1002:section_chief:情報政策課",
            "1003:viewer:",
            "1004:viewer:",
            "1005:section_chief:財務課"
        ]
    );
    // Who left cannot sign in; nothing of theirs is deleted.
    let refused = sign_in(
        &app,
        "kariya-1003",
        "kawa-no-nagare-2026",
        "192.0.2.9:1",
        None,
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.scalar("SELECT count(*) FROM app_user WHERE employee_number = '1003' AND disabled")
            .await,
        1
    );
    // 伊藤's link is e-mailed only where the city has a relay (it has none here).
    assert_eq!(app.scalar("SELECT count(*) FROM mail_message").await, 0);
    let audit = app
        .scalar("SELECT count(*) FROM audit_event WHERE entity = 'personnel_list'")
        .await;
    assert_eq!(audit, 2);
}

#[tokio::test]
async fn a_one_time_link_sets_a_password_once_and_not_after_it_expires() {
    let app = TestApp::with_demo().await;
    let s = planner(&app).await;
    let (at, _) = preview(&app, &s, &format!("{HEADER}{FIRST}")).await;
    let made = links(&confirm(&app, &s, &at).await.body);
    let (user, link) = &made[0];
    let form = welcome_form(&app, link).await;
    assert!(!form.2.is_empty(), "the form carries its token");
    let weak = post_password(&app, &form, "password").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&weak.body).contains("パスワード"));
    let set = post_password(&app, &form, "sora-to-umi-no-aida").await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    assert!(set_cookie(&set, "mokuhyo_session").is_some(), "signed in");
    // The same form again (another tab): the link is used up.
    let again = post_password(&app, &form, "betsu-no-pasuwado-9").await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "used once");
    assert_eq!(
        welcome_form(&app, link).await.2,
        "",
        "no form for a used link"
    );
    assert_eq!(
        sign_in(&app, user, "sora-to-umi-no-aida", "192.0.2.8:1", None)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        sign_in(&app, user, "betsu-no-pasuwado-9", "192.0.2.8:1", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // An expired link and a made-up one do nothing.
    sqlx::query(
        "UPDATE sign_in_link SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let (_, expired) = &made[1];
    let mut form = welcome_form(&app, expired).await;
    assert_eq!(form.2, "", "no form for an expired link");
    // Posted anyway, with a token from a good page: refused all the same.
    form.2 = welcome_form(&app, link).await.1.clone();
    form.1 = form.2.clone();
    assert_eq!(
        post_password(&app, &form, "sora-to-umi-no-aida")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let fake = format!("/login/welcome/{}", "ab".repeat(32));
    assert_eq!(
        app.send("GET", &fake, None, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.scalar(
            "SELECT count(*) FROM app_user WHERE source = 'list' AND password_hash IS NOT NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn problems_are_placed_by_row_and_nothing_is_written() {
    let app = TestApp::with_demo().await;
    let s = planner(&app).await;
    let list = format!(
        "{HEADER}2001,甲,,企画財政部,,部長,\n2002,乙,,企画財政部,,部長,\n2003,丙,,企画財政部,未来創造課,課長,\n"
    );
    let (at, page) = preview(&app, &s, &list).await;
    let text = text_of(&page);
    assert!(
        text.contains("企画財政部の部長が2人います（2行目と3行目）"),
        "{text}"
    );
    assert!(
        text.contains("4行目") && text.contains("未来創造課"),
        "{text}"
    );
    assert!(!page.contains("/confirm"), "no way to confirm");
    assert_eq!(confirm(&app, &s, &at).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.scalar("SELECT count(*) FROM app_user WHERE source = 'list'")
            .await,
        0
    );
    // A file without the columns: said so, beside the form.
    let bad = upload(&app, &s, "x.csv", "a,b\n1,2\n".as_bytes()).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&bad.body).contains("見出しの行"));
    // Shift_JIS, as Japanese Excel saves CSV: read the same.
    let text = format!("{HEADER}3001,丁 五郎,,総務部,人事課,課長,\n");
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
    let reply = upload(&app, &s, "meibo.csv", &sjis).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let page = app
        .send(
            "GET",
            reply.headers["location"].to_str().unwrap(),
            Some(&s),
            None,
        )
        .await;
    assert!(text_of(&page.body).contains("丁 五郎"));
}

#[tokio::test]
async fn a_preview_of_accounts_changed_since_is_refused_and_only_planning_staff_may_upload() {
    let app = TestApp::with_demo().await;
    let s = planner(&app).await;
    let (stale, _) = preview(&app, &s, &format!("{HEADER}{FIRST}")).await;
    let (fresh, _) = preview(
        &app,
        &s,
        &format!("{HEADER}1001,山田 一郎,,企画財政部,,部長,\n"),
    )
    .await;
    assert_eq!(confirm(&app, &s, &fresh).await.status, StatusCode::OK);
    let before = roles(&app).await;
    let refused = confirm(&app, &s, &stale).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(text_of(&refused.body).contains("変更されました"));
    assert_eq!(roles(&app).await, before);
    for (name, role, target) in [
        ("head", "department_head", Some("kikaku-zaisei")),
        ("chief", "section_chief", Some("情報政策課")),
    ] {
        let id = app.add_staff("kariya", name, role, target).await;
        let other = app.session_for(id).await;
        assert_eq!(
            app.send(
                "GET",
                "/staff/admin/years/2026/personnel",
                Some(&other),
                None
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let up = upload(
            &app,
            &other,
            "meibo.csv",
            format!("{HEADER}{FIRST}").as_bytes(),
        )
        .await;
        assert_eq!(up.status, StatusCode::FORBIDDEN);
        assert_eq!(
            confirm(&app, &other, &fresh).await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(app.scalar("SELECT count(*) FROM personnel_upload").await, 2);
}

#[tokio::test]
async fn where_the_city_has_a_relay_each_new_person_gets_their_link_by_mail() {
    let app = TestApp::with_demo().await;
    let relay = crate::relay::Relay::start();
    let admin = app.add_staff("kariya", "mail-planner", "admin", None).await;
    crate::mail::configure_relay(&app, admin, relay.addr.port()).await;
    let s = app.session_for(admin).await;
    let (at, _) = preview(&app, &s, &format!("{HEADER}{FIRST}")).await;
    let done = confirm(&app, &s, &at).await;
    assert!(text_of(&done.body).contains("送信予定"));
    crate::mail::pass(&app, "server-a").await;
    let got = relay.to("yamada@kariya.example");
    assert_eq!(
        got.len(),
        1,
        "one message, to the one person with an address"
    );
    assert_eq!(relay.received().len(), 1);
    let body = &got[0].body;
    assert!(
        body.contains("kariya-1001") && body.contains("山田 一郎"),
        "{body}"
    );
    let link = body
        .lines()
        .find(|l| l.starts_with("http://mokuhyo.kariya.example.jp/login/welcome/"))
        .expect("the link, on the address staff open Mokuhyo at");
    assert_eq!(
        set_password(&app, link, "yama-no-ue-no-sora").await.status,
        StatusCode::SEE_OTHER
    );
}
