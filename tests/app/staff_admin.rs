//! Planning staff's pages: years with carry-over, organization, pillars, accounts.

use crate::helpers::{Session, TestApp, text_of};
use axum::http::StatusCode;

struct Admin {
    app: TestApp,
    admin: Session,
    head: Session,
    chief: Session,
    viewer: Session,
    foreign: Session,
}

async fn setup() -> Admin {
    let app = TestApp::with_demo().await;
    let mut other = mokuhyo::demo::documents().remove(0);
    other.municipality.slug = "other".into();
    other.municipality.name = "別市".into();
    other.municipality.local_government_code = "999999".into();
    mokuhyo::import::apply(&app.pool, &other).await.unwrap();
    let admin = app.add_staff("kariya", "admin", "admin", None).await;
    let head = app
        .add_staff("kariya", "head", "department_head", Some("kikaku-zaisei"))
        .await;
    let chief = app
        .add_staff("kariya", "chief", "section_chief", Some("情報政策課"))
        .await;
    let viewer = app.add_staff("kariya", "viewer", "viewer", None).await;
    let foreign = app.add_staff("other", "foreign", "admin", None).await;
    Admin {
        admin: app.session_for(admin).await,
        head: app.session_for(head).await,
        chief: app.session_for(chief).await,
        viewer: app.session_for(viewer).await,
        foreign: app.session_for(foreign).await,
        app,
    }
}

async fn kariya(app: &TestApp, sql: &str) -> i64 {
    app.scalar(&sql.replace(
        "$CITY",
        "(SELECT id FROM municipality WHERE slug = 'kariya')",
    ))
    .await
}

/// Everything the admin pages can change, for asserting that nothing did.
async fn organization(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT format('year %s %s', id, year) FROM fiscal_year
         UNION ALL SELECT format('department %s %s %s %s', id, name, slug, position) FROM department
         UNION ALL SELECT format('section %s %s %s %s', id, name, department_id, position) FROM section
         UNION ALL SELECT format('pillar %s %s %s', id, number, title) FROM pillar
         UNION ALL SELECT format('user %s %s %s', id, username, disabled) FROM app_user
         UNION ALL SELECT format('role %s %s %s', id, user_id, role) FROM role_assignment
         ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn planning_pages_are_for_planning_staff_only() {
    let a = setup().await;
    let department = kariya(
        &a.app,
        "SELECT id FROM department WHERE municipality_id = $CITY AND slug = 'somu'",
    )
    .await;
    let section = kariya(
        &a.app,
        "SELECT id FROM section WHERE municipality_id = $CITY AND name = '人事課'",
    )
    .await;
    let pillar = kariya(
        &a.app,
        "SELECT id FROM pillar WHERE municipality_id = $CITY AND number = 6",
    )
    .await;
    let user = kariya(
        &a.app,
        "SELECT id FROM app_user WHERE municipality_id = $CITY AND username = 'viewer'",
    )
    .await;
    let role = kariya(
        &a.app,
        &format!("SELECT id FROM role_assignment WHERE user_id = {user}"),
    )
    .await;
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/staff/admin/years".into(),
            vec![
                ("year", "2027"),
                ("title", "t"),
                ("tables_title", "t"),
                ("copy_from", "2026"),
            ],
        ),
        (
            "/staff/admin/years/2026/departments".into(),
            vec![("name", "新部"), ("slug", "shin")],
        ),
        (
            format!("/staff/admin/departments/{department}"),
            vec![("name", "改名部")],
        ),
        (
            format!("/staff/admin/departments/{department}/move"),
            vec![("direction", "down")],
        ),
        (
            format!("/staff/admin/departments/{department}/sections"),
            vec![("name", "新課")],
        ),
        (
            format!("/staff/admin/sections/{section}"),
            vec![("name", "改名課")],
        ),
        (
            format!("/staff/admin/sections/{section}/move"),
            vec![("direction", "up")],
        ),
        (format!("/staff/admin/sections/{section}/delete"), vec![]),
        (
            format!("/staff/admin/departments/{department}/delete"),
            vec![],
        ),
        (
            "/staff/admin/pillars".into(),
            vec![("number", "7"), ("title", "新しい柱")],
        ),
        (
            format!("/staff/admin/pillars/{pillar}"),
            vec![("number", "6"), ("title", "改名")],
        ),
        (
            "/staff/admin/users".into(),
            vec![
                ("username", "newbie"),
                ("display_name", "新人"),
                ("password", "hotaru-nagare-kogane-3"),
                ("role", "admin"),
            ],
        ),
        (
            format!("/staff/admin/users/{user}/roles"),
            vec![("role", "admin")],
        ),
        (
            format!("/staff/admin/users/{user}/disable"),
            vec![("disabled", "true")],
        ),
        (format!("/staff/admin/roles/{role}/delete"), vec![]),
    ];
    let before = organization(&a.app).await;
    for (uri, fields) in &posts {
        for (who, session) in [
            ("head", &a.head),
            ("chief", &a.chief),
            ("viewer", &a.viewer),
        ] {
            let reply = a.app.send("POST", uri, Some(session), Some(fields)).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri} by {who}");
        }
        let reply = a
            .app
            .send(
                "POST",
                uri,
                None,
                Some(&[fields.as_slice(), &[("csrf", "x")]].concat()),
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri} anonymous");
        // Rows of 刈谷市 do not exist for another city's planning staff. (Routes without an id
        // act on the signed-in person's own city, so they cannot reach 刈谷市 at all.)
        let names_a_row = [
            "/departments/",
            "/sections/",
            "/pillars/",
            "/users/",
            "/roles/",
        ]
        .iter()
        .any(|p| uri.contains(p));
        if names_a_row {
            let foreign = a
                .app
                .send("POST", uri, Some(&a.foreign), Some(fields))
                .await;
            assert_eq!(
                foreign.status,
                StatusCode::NOT_FOUND,
                "{uri} by another city's admin"
            );
        }
    }
    assert_eq!(
        organization(&a.app).await,
        before,
        "refused requests changed nothing"
    );
    for uri in [
        "/staff/admin",
        "/staff/admin/years/2026",
        "/staff/admin/pillars",
        "/staff/admin/users",
    ] {
        assert_eq!(
            a.app.send("GET", uri, Some(&a.head), None).await.status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
        assert_eq!(
            a.app.send("GET", uri, Some(&a.admin), None).await.status,
            StatusCode::OK,
            "{uri}"
        );
    }
}

#[tokio::test]
async fn a_new_year_carries_over_organization_roles_and_goals() {
    let a = setup().await;
    let count = |year: i32, what: &str| match what {
        "departments" => format!(
            "SELECT count(*) FROM department d JOIN fiscal_year f ON f.id = d.fiscal_year_id WHERE f.municipality_id = $CITY AND f.year = {year}"
        ),
        "sections" => format!(
            "SELECT count(*) FROM section s JOIN fiscal_year f ON f.id = s.fiscal_year_id WHERE f.municipality_id = $CITY AND f.year = {year}"
        ),
        "goals" => format!(
            "SELECT count(*) FROM goal g JOIN department d ON d.id = g.department_id JOIN fiscal_year f ON f.id = d.fiscal_year_id WHERE f.municipality_id = $CITY AND f.year = {year}"
        ),
        "initiatives" => format!(
            "SELECT count(*) FROM initiative i JOIN goal g ON g.id = i.goal_id JOIN department d ON d.id = g.department_id JOIN fiscal_year f ON f.id = d.fiscal_year_id WHERE f.municipality_id = $CITY AND f.year = {year}"
        ),
        "links" => format!(
            "SELECT count(*) FROM initiative_section x JOIN section s ON s.id = x.section_id JOIN fiscal_year f ON f.id = s.fiscal_year_id WHERE f.municipality_id = $CITY AND f.year = {year}"
        ),
        _ => format!(
            "SELECT count(*) FROM criterion c JOIN initiative i ON i.id = c.initiative_id JOIN goal g ON g.id = i.goal_id JOIN department d ON d.id = g.department_id JOIN fiscal_year f ON f.id = d.fiscal_year_id WHERE f.municipality_id = $CITY AND f.year = {year}"
        ),
    };
    let before_2026 = a.app.snapshot().await;

    let reply = a
        .app
        .send(
            "POST",
            "/staff/admin/years",
            Some(&a.admin),
            Some(&[
                ("year", "２０２７"),
                ("title", "刈谷市組織重点目標"),
                ("tables_title", "各部組織重点目標（取組内容・指標）"),
                ("copy_from", "2026"),
                ("copy_goals", "1"),
            ]),
        )
        .await;
    let empty = a
        .app
        .send(
            "POST",
            "/staff/admin/years",
            Some(&a.admin),
            Some(&[
                ("year", "2028"),
                ("title", "t"),
                ("tables_title", "t"),
                ("copy_from", "2027"),
            ]),
        )
        .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(empty.status, StatusCode::SEE_OTHER);
    for what in [
        "departments",
        "sections",
        "goals",
        "initiatives",
        "links",
        "criteria",
    ] {
        let (y26, y27) = (
            kariya(&a.app, &count(2026, what)).await,
            kariya(&a.app, &count(2027, what)).await,
        );
        assert!(y26 > 0, "{what}");
        assert_eq!(y26, y27, "{what} copied");
    }
    assert_eq!(kariya(&a.app, &count(2028, "departments")).await, 12);
    assert_eq!(
        kariya(&a.app, &count(2028, "goals")).await,
        0,
        "goals copied only when asked"
    );
    // The 2026 rows are untouched, the copy renders, and the head can edit their 2027 department.
    let rows_2026: Vec<String> = a
        .app
        .snapshot()
        .await
        .into_iter()
        .filter(|r| before_2026.contains(r))
        .collect();
    assert_eq!(rows_2026.len(), before_2026.len());
    let dept_2027 = kariya(&a.app, "SELECT d.id FROM department d JOIN fiscal_year f ON f.id = d.fiscal_year_id WHERE f.municipality_id = $CITY AND f.year = 2027 AND d.slug = 'kikaku-zaisei'").await;
    let unpublished = a
        .app
        .send("GET", "/kariya/2027/departments/kikaku-zaisei", None, None)
        .await;
    assert_eq!(
        unpublished.status,
        StatusCode::NOT_FOUND,
        "a carried-over year is a draft"
    );
    let preview = a
        .app
        .send(
            "GET",
            &format!("/staff/departments/{dept_2027}/preview"),
            Some(&a.head),
            None,
        )
        .await;
    assert!(
        text_of(&preview.body).contains("令和9年度組織重点目標")
            && preview.body.contains("DXの推進による行政の効率化")
    );
    let new_goal = a
        .app
        .send(
            "POST",
            &format!("/staff/departments/{dept_2027}/goals"),
            Some(&a.head),
            Some(&[
                ("text", "令和9年度の新しい目標"),
                (
                    "pillar",
                    &kariya(
                        &a.app,
                        "SELECT id FROM pillar WHERE municipality_id = $CITY AND number = 3",
                    )
                    .await
                    .to_string(),
                ),
            ]),
        )
        .await;
    assert_eq!(
        new_goal.status,
        StatusCode::SEE_OTHER,
        "the head's role was carried over"
    );
}

#[tokio::test]
async fn a_year_that_exists_or_is_not_a_year_is_refused_with_the_input_kept() {
    let a = setup().await;
    let before = organization(&a.app).await;

    let exists = a
        .app
        .send(
            "POST",
            "/staff/admin/years",
            Some(&a.admin),
            Some(&[
                ("year", "２０２６"),
                ("title", "表題"),
                ("tables_title", "見出し"),
            ]),
        )
        .await;
    let nonsense = a
        .app
        .send(
            "POST",
            "/staff/admin/years",
            Some(&a.admin),
            Some(&[("year", "令和9"), ("title", ""), ("tables_title", "見出し")]),
        )
        .await;

    assert_eq!(exists.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(exists.body.contains("令和8年度は既にあります。"));
    assert!(exists.body.contains("value=\"２０２６\""));
    assert_eq!(nonsense.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        nonsense
            .body
            .contains("年度は西暦の4桁（例：2027）で入力してください。")
    );
    assert!(
        nonsense
            .body
            .contains("冊子の表題を100文字以内で入力してください")
    );
    assert_eq!(organization(&a.app).await, before);
}

#[tokio::test]
async fn departments_and_sections_are_added_renamed_reordered_and_retired() {
    let a = setup().await;
    let s = &a.admin;

    let added = a
        .app
        .send(
            "POST",
            "/staff/admin/years/2026/departments",
            Some(s),
            Some(&[("name", "危機管理部"), ("slug", "kiki-kanri")]),
        )
        .await;
    let dept = kariya(
        &a.app,
        "SELECT id FROM department WHERE municipality_id = $CITY AND slug = 'kiki-kanri'",
    )
    .await;
    let section = a
        .app
        .send(
            "POST",
            &format!("/staff/admin/departments/{dept}/sections"),
            Some(s),
            Some(&[("name", "防災課")]),
        )
        .await;
    let sec = kariya(
        &a.app,
        "SELECT id FROM section WHERE municipality_id = $CITY AND name = '防災課'",
    )
    .await;
    let renamed = a
        .app
        .send(
            "POST",
            &format!("/staff/admin/sections/{sec}"),
            Some(s),
            Some(&[("name", "防災対策課")]),
        )
        .await;
    let moved = a
        .app
        .send(
            "POST",
            &format!("/staff/admin/departments/{dept}/move"),
            Some(s),
            Some(&[("direction", "up")]),
        )
        .await;
    let duplicate = a
        .app
        .send(
            "POST",
            "/staff/admin/years/2026/departments",
            Some(s),
            Some(&[("name", "総務部"), ("slug", "somu2")]),
        )
        .await;
    let in_use = kariya(
        &a.app,
        "SELECT id FROM department WHERE municipality_id = $CITY AND slug = 'somu'",
    )
    .await;
    let refused = a
        .app
        .send(
            "POST",
            &format!("/staff/admin/departments/{in_use}/delete"),
            Some(s),
            Some(&[]),
        )
        .await;

    for r in [&added, &section, &renamed, &moved] {
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    assert_eq!(kariya(&a.app, "SELECT position::bigint FROM department WHERE municipality_id = $CITY AND slug = 'kiki-kanri'").await, 12);
    assert_eq!(kariya(&a.app, "SELECT position::bigint FROM department WHERE municipality_id = $CITY AND slug = 'kyoiku'").await, 13);
    assert_eq!(
        kariya(
            &a.app,
            "SELECT count(*) FROM section WHERE municipality_id = $CITY AND name = '防災対策課'"
        )
        .await,
        1
    );
    assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        duplicate
            .body
            .contains("同じ名前またはURL用の名前の部がこの年度に既にあります。")
    );
    assert!(duplicate.body.contains("value=\"somu2\""));
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("総務部には組織目標が4件あるため"));
    assert_eq!(
        kariya(
            &a.app,
            "SELECT count(*) FROM department WHERE municipality_id = $CITY AND slug = 'somu'"
        )
        .await,
        1
    );

    let sec_gone = a
        .app
        .send(
            "POST",
            &format!("/staff/admin/sections/{sec}/delete"),
            Some(s),
            Some(&[]),
        )
        .await;
    let dept_gone = a
        .app
        .send(
            "POST",
            &format!("/staff/admin/departments/{dept}/delete"),
            Some(s),
            Some(&[]),
        )
        .await;
    assert_eq!(
        (sec_gone.status, dept_gone.status),
        (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER)
    );
    assert_eq!(kariya(&a.app, "SELECT position::bigint FROM department WHERE municipality_id = $CITY AND slug = 'kyoiku'").await, 12, "the order closes up");
    let trail = kariya(&a.app, "SELECT count(*) FROM audit_event WHERE municipality_id = $CITY AND entity IN ('department', 'section')").await;
    assert_eq!(trail, 6, "every change is in the audit trail");
}

#[tokio::test]
async fn planning_staff_create_accounts_and_manage_roles() {
    let a = setup().await;
    let s = &a.admin;

    let weak = a
        .app
        .send(
            "POST",
            "/staff/admin/users",
            Some(s),
            Some(&[
                ("username", "yamada"),
                ("display_name", "山田"),
                ("password", "short"),
                ("role", "s:財務課"),
            ]),
        )
        .await;
    let guessable = a
        .app
        .send(
            "POST",
            "/staff/admin/users",
            Some(s),
            Some(&[
                ("username", "yamada"),
                ("display_name", "山田"),
                ("password", "yamada12345"),
                ("role", "s:財務課"),
            ]),
        )
        .await;
    let created = a
        .app
        .send(
            "POST",
            "/staff/admin/users",
            Some(s),
            Some(&[
                ("username", "yamada"),
                ("display_name", "財務課 山田"),
                ("password", "yuki-tsubaki-kamome-5"),
                ("role", "s:財務課"),
            ]),
        )
        .await;

    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        weak.body
            .contains("パスワードは10文字以上で入力してください。")
            && weak.body.contains("value=\"yamada\"")
    );
    assert_eq!(guessable.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(guessable.body.contains("ユーザー名や氏名を含んでいます"));
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let (id, hash): (i64, String) =
        sqlx::query_as("SELECT id, password_hash FROM app_user WHERE username = 'yamada'")
            .fetch_one(&a.app.pool)
            .await
            .unwrap();
    assert!(mokuhyo::auth::password::verify(
        "yuki-tsubaki-kamome-5",
        &hash
    ));
    let roles =
        mokuhyo::auth::session::load_roles(&a.app.pool, kariya(&a.app, "SELECT $CITY").await, id)
            .await
            .unwrap();
    let finance = kariya(
        &a.app,
        "SELECT id FROM section WHERE municipality_id = $CITY AND name = '財務課'",
    )
    .await;
    assert!(roles.can_edit_initiative(kariya(&a.app, "SELECT department_id FROM section WHERE name = '財務課' AND municipality_id = $CITY").await, &[finance]));

    // Disabling ends their sessions.
    let session = a.app.session_for(id).await;
    let disabled = a
        .app
        .send(
            "POST",
            &format!("/staff/admin/users/{id}/disable"),
            Some(s),
            Some(&[("disabled", "true")]),
        )
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    assert_eq!(
        a.app
            .send("GET", "/staff", Some(&session), None)
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // An admin cannot remove their own admin role.
    let own = kariya(&a.app, "SELECT r.id FROM role_assignment r JOIN app_user u ON u.id = r.user_id WHERE u.username = 'admin'").await;
    let refused = a
        .app
        .send(
            "POST",
            &format!("/staff/admin/roles/{own}/delete"),
            Some(s),
            Some(&[]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("自分自身の管理者の役割は外せません。")
    );
}

#[tokio::test]
async fn names_typed_by_planning_staff_are_shown_escaped_everywhere() {
    let a = setup().await;
    let s = &a.admin;
    for payload in [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
    ] {
        let department = kariya(&a.app, "SELECT id FROM department WHERE municipality_id = $CITY AND slug = 'kikaku-zaisei' AND fiscal_year_id = (SELECT id FROM fiscal_year WHERE municipality_id = $CITY AND year = 2026)").await;
        let section = kariya(
            &a.app,
            &format!("SELECT id FROM section WHERE position = 3 AND department_id = {department}"),
        )
        .await;
        let pillar = kariya(
            &a.app,
            "SELECT id FROM pillar WHERE municipality_id = $CITY AND number = 1",
        )
        .await;
        let user = kariya(
            &a.app,
            "SELECT id FROM app_user WHERE municipality_id = $CITY AND username = 'viewer'",
        )
        .await;
        let year = if payload.starts_with('<') {
            "2030"
        } else {
            "2031"
        };
        let changes: Vec<(String, Vec<(&str, &str)>)> = vec![
            (
                format!("/staff/admin/departments/{department}"),
                vec![("name", payload)],
            ),
            (
                format!("/staff/admin/sections/{section}"),
                vec![("name", payload)],
            ),
            (
                format!("/staff/admin/pillars/{pillar}"),
                vec![("number", "1"), ("title", payload), ("viewpoint", payload)],
            ),
            (
                "/staff/admin/years".into(),
                vec![
                    ("year", year),
                    ("title", payload),
                    ("tables_title", payload),
                    ("copy_from", "2026"),
                ],
            ),
        ];
        for (uri, fields) in &changes {
            let reply = a.app.send("POST", uri, Some(s), Some(fields)).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{uri}: {}", reply.body);
        }
        sqlx::query("UPDATE app_user SET display_name = $2 WHERE id = $1")
            .bind(user)
            .bind(payload)
            .execute(&a.app.pool)
            .await
            .unwrap();

        for uri in [
            "/".to_owned(),
            "/kariya".to_owned(),
            "/kariya/2026".to_owned(),
            "/kariya/2026/departments/kikaku-zaisei".to_owned(),
            format!("/staff/departments/{department}/preview"),
            "/staff".to_owned(),
            format!("/staff/departments/{department}"),
            "/staff/admin".to_owned(),
            "/staff/admin/years/2026".to_owned(),
            "/staff/admin/pillars".to_owned(),
            "/staff/admin/users".to_owned(),
            format!("/staff/departments/{department}/history"),
        ] {
            let page = a.app.send("GET", &uri, Some(s), None).await;
            assert_eq!(page.status, StatusCode::OK, "{uri}");
            assert!(
                !page.body.contains(payload)
                    && !page.body.contains("<img src=x")
                    && !page.body.contains("<script>"),
                "{uri} shows markup unescaped"
            );
        }
    }
}

#[tokio::test]
async fn a_published_department_cannot_be_retired() {
    let a = setup().await;
    // An empty department, published once (its empty table), then retired: refused, kept.
    let added = a
        .app
        .send(
            "POST",
            "/staff/admin/years/2026/departments",
            Some(&a.admin),
            Some(&[("name", "新設部"), ("slug", "shinsetsu")]),
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    a.app.publish_all("kariya").await;
    let dept = kariya(
        &a.app,
        "SELECT id FROM department WHERE municipality_id = $CITY AND slug = 'shinsetsu'",
    )
    .await;

    let refused = a
        .app
        .send(
            "POST",
            &format!("/staff/admin/departments/{dept}/delete"),
            Some(&a.admin),
            Some(&[]),
        )
        .await;

    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("新設部は公表済みの版があるため"));
    assert_eq!(
        kariya(
            &a.app,
            "SELECT count(*) FROM department WHERE municipality_id = $CITY AND slug = 'shinsetsu'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_section_name_taken_says_which_department_has_it_and_changes_nothing() {
    let a = setup().await;
    let s = &a.admin;
    let somu = kariya(
        &a.app,
        "SELECT id FROM department WHERE municipality_id = $CITY AND slug = 'somu'",
    )
    .await;
    let own = kariya(
        &a.app,
        &format!("SELECT id FROM section WHERE municipality_id = $CITY AND department_id = {somu} ORDER BY position LIMIT 1"),
    )
    .await;
    let before = organization(&a.app).await;

    let added = a
        .app
        .send(
            "POST",
            &format!("/staff/admin/departments/{somu}/sections"),
            Some(s),
            Some(&[("name", "財務課")]),
        )
        .await;
    let renamed = a
        .app
        .send(
            "POST",
            &format!("/staff/admin/sections/{own}"),
            Some(s),
            Some(&[("name", "財務課")]),
        )
        .await;

    for reply in [&added, &renamed] {
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            reply
                .body
                .contains("課等「財務課」はこの年度の企画財政部に既にあります。"),
            "{}",
            text_of(&reply.body)
        );
        assert!(
            reply.body.contains("value=\"財務課\""),
            "what was typed is kept"
        );
    }
    assert_eq!(organization(&a.app).await, before, "nothing changed");
}

#[tokio::test]
async fn a_section_moves_to_another_department_with_its_initiatives_and_its_chief() {
    let a = setup().await;
    let app = &a.app;
    let ids = |sql: &'static str| kariya(app, sql);
    let section = ids("SELECT s.id FROM section s JOIN fiscal_year f ON f.id = s.fiscal_year_id WHERE s.municipality_id = $CITY AND f.year = 2026 AND s.name = '情報政策課'").await;
    let from = ids("SELECT department_id FROM section WHERE name = '情報政策課' AND municipality_id = $CITY AND fiscal_year_id = (SELECT id FROM fiscal_year WHERE year = 2026 AND municipality_id = $CITY)").await;
    let to = ids("SELECT d.id FROM department d JOIN fiscal_year f ON f.id = d.fiscal_year_id WHERE d.municipality_id = $CITY AND f.year = 2026 AND d.slug = 'somu'").await;
    let links_before = app
        .scalar(&format!(
            "SELECT count(*) FROM initiative_section WHERE section_id = {section}"
        ))
        .await;
    let uri = format!("/staff/admin/sections/{section}/department");
    let before = organization(app).await;

    // Not planning staff, another city, no department, the same one, another city's: nothing moves.
    for s in [&a.head, &a.chief, &a.viewer, &a.foreign] {
        let reply = app
            .send(
                "POST",
                &uri,
                Some(s),
                Some(&[("department", &to.to_string())]),
            )
            .await;
        assert!(
            matches!(reply.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{}",
            reply.status
        );
    }
    let other_city = app
        .scalar("SELECT min(d.id) FROM department d JOIN municipality m ON m.id = d.municipality_id WHERE m.slug = 'other'")
        .await;
    for target in [String::new(), from.to_string(), other_city.to_string()] {
        let reply = app
            .send(
                "POST",
                &uri,
                Some(&a.admin),
                Some(&[("department", &target)]),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{target}");
        assert!(text_of(&reply.body).contains("移す先の部"), "{target}");
    }
    assert_eq!(organization(app).await, before);

    let reply = app
        .send(
            "POST",
            &uri,
            Some(&a.admin),
            Some(&[("department", &to.to_string())]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let now = app
        .scalar(&format!(
            "SELECT department_id FROM section WHERE id = {section}"
        ))
        .await;
    assert_eq!(now, to);
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM initiative_section WHERE section_id = {section}"
        ))
        .await,
        links_before
    );
    // The chief still records the section's initiatives.
    let role = app
        .scalar(&format!(
            "SELECT count(*) FROM role_assignment WHERE section_id = {section}"
        ))
        .await;
    assert_eq!(role, 1);
    let audited = app
        .scalar(&format!("SELECT count(*) FROM audit_event WHERE entity = 'section' AND action = 'move' AND entity_id = {section}"))
        .await;
    assert_eq!(audited, 1);
    let page = app
        .send("GET", "/staff/admin/years/2026", Some(&a.admin), None)
        .await;
    assert!(page.body.contains(&format!("id=\"transfer-{section}\"")));
}
