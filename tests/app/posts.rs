//! Posts, not persons: a year's head and chief posts change hands on the organization page
//! (the April transfers). The rights move with the post at once; what the previous holder
//! wrote stays signed with their name in what was published.

use crate::helpers::{Session, TestApp, text_of};
use axum::http::StatusCode;

/// 令和9年度 made from 令和8年度 (roles carried over), with the old head of 企画財政部, a new
/// person, and planning staff signed in.
struct Transfer {
    app: TestApp,
    admin: Session,
    old_head: Session,
    new_head: Session,
    /// 企画財政部 in 2026 and 2027.
    department: (i64, i64),
}

async fn transfer() -> Transfer {
    let app = TestApp::with_demo().await;
    let admin = app.add_staff("kariya", "post-planner", "admin", None).await;
    let admin = app.session_for(admin).await;
    let old = app
        .add_staff(
            "kariya",
            "old-head",
            "department_head",
            Some("kikaku-zaisei"),
        )
        .await;
    let new = app.add_staff("kariya", "new-head", "viewer", None).await;
    app.carry_kariya_2027(&admin).await;
    let id_in = |year: i32| {
        format!(
            "SELECT d.id FROM department d JOIN fiscal_year f ON f.id = d.fiscal_year_id
              JOIN municipality m ON m.id = d.municipality_id
              WHERE m.slug = 'kariya' AND f.year = {year} AND d.slug = 'kikaku-zaisei'"
        )
    };
    let department = (
        app.scalar(&id_in(2026)).await,
        app.scalar(&id_in(2027)).await,
    );
    Transfer {
        old_head: app.session_for(old).await,
        new_head: app.session_for(new).await,
        app,
        admin,
        department,
    }
}

impl Transfer {
    /// Tries to change the first goal of a department; the status and the goal's text after.
    async fn edit_goal(&self, who: &Session, department: i64, text: &str) -> (StatusCode, String) {
        let goal = self
            .app
            .scalar(&format!(
                "SELECT id FROM goal WHERE department_id = {department} ORDER BY position LIMIT 1"
            ))
            .await;
        let version = self
            .app
            .scalar(&format!(
                "SELECT version::bigint FROM goal WHERE id = {goal}"
            ))
            .await
            .to_string();
        let pillar = self
            .app
            .scalar(&format!(
                "SELECT pillar_id FROM goal_pillar WHERE goal_id = {goal} LIMIT 1"
            ))
            .await
            .to_string();
        let r = self
            .app
            .send(
                "POST",
                &format!("/staff/goals/{goal}"),
                Some(who),
                Some(&[("text", text), ("version", &version), ("pillar", &pillar)]),
            )
            .await;
        let now: String = sqlx::query_scalar("SELECT text FROM goal WHERE id = $1")
            .bind(goal)
            .fetch_one(&self.app.pool)
            .await
            .unwrap();
        if r.status == StatusCode::UNPROCESSABLE_ENTITY {
            return (r.status, text_of(&r.body));
        }
        (r.status, now)
    }
}

#[tokio::test]
async fn a_replaced_head_loses_the_post_and_the_new_holder_gains_it() {
    let t = transfer().await;
    let (d2026, d2027) = t.department;
    // The carried year keeps the old head until the transfer.
    let (status, text) = t.edit_goal(&t.old_head, d2027, "旧部長が書いた目標").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{text}");
    let page = t
        .app
        .send("GET", "/staff/admin/years/2027", Some(&t.admin), None)
        .await;
    let before = text_of(&page.body);
    assert!(before.contains("old-head（old-head）") && !before.contains("new-head（new-head）"));

    let holder = format!("/staff/admin/departments/{d2027}/holder");
    let replaced = t
        .app
        .send(
            "POST",
            &holder,
            Some(&t.admin),
            Some(&[("username", "NEW-HEAD")]),
        )
        .await;
    assert_eq!(
        replaced.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&replaced.body)
    );
    let page = t
        .app
        .send("GET", "/staff/admin/years/2027", Some(&t.admin), None)
        .await;
    let after = text_of(&page.body);
    assert!(
        after.contains("企画財政部長： new-head（new-head）"),
        "{after}"
    );

    let (status, text) = t.edit_goal(&t.old_head, d2027, "異動後に書いた目標").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the old holder no longer edits"
    );
    assert_eq!(text, "旧部長が書いた目標", "and nothing was written");
    let (status, text) = t.edit_goal(&t.new_head, d2027, "新部長の目標").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(text, "新部長の目標");
    // The year the old head held is still theirs; the new holder has no right in it.
    let (status, _) = t.edit_goal(&t.new_head, d2026, "書けない").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let heads = t
        .app
        .scalar(&format!(
            "SELECT count(*) FROM role_assignment WHERE department_id = {d2027} AND role = 'department_head'"
        ))
        .await;
    assert_eq!(heads, 1, "one holder per post");
    let audited = t
        .app
        .scalar(&format!(
            "SELECT count(*) FROM audit_event WHERE entity = 'post_holder' AND entity_id = {d2027}
               AND before::text LIKE '%old-head%' AND after::text LIKE '%new-head%'"
        ))
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_published_heads_page_keeps_the_name_of_who_held_the_post() {
    let t = transfer().await;
    let (d2026, _) = t.department;
    let profile = format!("/staff/departments/{d2026}/profile");
    let saved = t
        .app
        .send(
            "POST",
            &profile,
            Some(&t.old_head),
            Some(&[
                ("head_name", "刈谷 旧一"),
                ("head_name_kana", "かりや きゅういち"),
                ("summary", "一年を振り返って。"),
                ("version", "0"),
            ]),
        )
        .await;
    assert_eq!(
        saved.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&saved.body)
    );
    let initiative = t
        .app
        .scalar(&format!(
            "SELECT i.id FROM initiative i JOIN goal g ON g.id = i.goal_id WHERE g.department_id = {d2026} ORDER BY g.position, i.position LIMIT 1"
        ))
        .await;
    let result = t
        .app
        .send(
            "POST",
            &format!("/staff/initiatives/{initiative}/results"),
            Some(&t.old_head),
            Some(&[("version", "0"), ("performance", "実施した")]),
        )
        .await;
    assert_eq!(result.status, StatusCode::SEE_OTHER);
    let all = t
        .app
        .send(
            "POST",
            "/staff/admin/years/2026/publish-all",
            Some(&t.admin),
            Some(&[
                ("published_on", ""),
                ("kind", "results"),
                ("confirmed", "1"),
            ]),
        )
        .await;
    assert_eq!(all.status, StatusCode::SEE_OTHER);
    let holder = format!("/staff/admin/departments/{d2026}/holder");
    let r = t
        .app
        .send(
            "POST",
            &holder,
            Some(&t.admin),
            Some(&[("username", "new-head")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (status, heads) = t.app.get("/kariya/2026/heads").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text_of(&heads).contains("刈谷 旧一"),
        "signed by who held the post"
    );
    // The old head can no longer change what they wrote.
    let again = t
        .app
        .send(
            "POST",
            &profile,
            Some(&t.old_head),
            Some(&[("head_name", "改ざん"), ("version", "1")]),
        )
        .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn replacing_a_holder_is_for_planning_staff_and_checks_the_name() {
    let t = transfer().await;
    let (_, d2027) = t.department;
    let section = t
        .app
        .scalar(&format!(
            "SELECT id FROM section WHERE department_id = {d2027} ORDER BY position LIMIT 1"
        ))
        .await;
    let roles = "SELECT string_agg(format('%s %s %s %s', user_id, role, department_id, section_id), ',' ORDER BY id) FROM role_assignment";
    let roles_before: String = sqlx::query_scalar(roles)
        .fetch_one(&t.app.pool)
        .await
        .unwrap();
    let before = t.app.snapshot().await;
    for path in [
        format!("/staff/admin/departments/{d2027}/holder"),
        format!("/staff/admin/sections/{section}/holder"),
    ] {
        // Anonymous: to the sign-in page; a head or a viewer: refused.
        let anonymous = t
            .app
            .send("POST", &path, None, Some(&[("username", "new-head")]))
            .await;
        assert!(
            anonymous.status == StatusCode::SEE_OTHER || anonymous.status == StatusCode::FORBIDDEN,
            "{}",
            anonymous.status
        );
        for who in [&t.old_head, &t.new_head] {
            let r = t
                .app
                .send("POST", &path, Some(who), Some(&[("username", "new-head")]))
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        }
        // Forged (no CSRF token): refused.
        let forged = t
            .app
            .send(
                "POST",
                &path,
                Some(&t.admin),
                Some(&[("username", "new-head"), ("csrf", "forged")]),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        // Unknown and empty names: the message beside the field, the text kept.
        let unknown = t
            .app
            .send(
                "POST",
                &path,
                Some(&t.admin),
                Some(&[("username", "no-such-<b>")]),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.body.contains("そのログイン名の職員"));
        assert!(
            unknown.body.contains("value=\"no-such-&#60;b&#62;\""),
            "typed text kept, escaped"
        );
        let empty = t
            .app
            .send("POST", &path, Some(&t.admin), Some(&[("username", " ")]))
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            empty
                .body
                .contains("新しく就く人のログイン名を入力してください。")
        );
    }
    assert_eq!(t.app.snapshot().await, before, "nothing was written");
    let roles_after: String = sqlx::query_scalar(roles)
        .fetch_one(&t.app.pool)
        .await
        .unwrap();
    assert_eq!(roles_after, roles_before, "no post changed hands");
    // Another city's post is not found.
    let other = t
        .app
        .scalar("SELECT d.id FROM department d JOIN municipality m ON m.id = d.municipality_id WHERE m.slug = 'kokubunji' LIMIT 1")
        .await;
    let r = t
        .app
        .send(
            "POST",
            &format!("/staff/admin/departments/{other}/holder"),
            Some(&t.admin),
            Some(&[("username", "new-head")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A chief's post.
    let r = t
        .app
        .send(
            "POST",
            &format!("/staff/admin/sections/{section}/holder"),
            Some(&t.admin),
            Some(&[("username", "new-head")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.app
            .scalar(&format!(
                "SELECT count(*) FROM role_assignment WHERE section_id = {section} AND role = 'section_chief'"
            ))
            .await,
        1
    );
}

#[tokio::test]
async fn replaced_with_the_year_before_the_old_holder_keeps_nothing_and_the_new_one_evaluates_it() {
    let t = transfer().await;
    let (d2026, d2027) = t.department;
    let r = t
        .app
        .send(
            "POST",
            &format!("/staff/admin/departments/{d2027}/holder"),
            Some(&t.admin),
            Some(&[("username", "new-head"), ("with_previous", "1")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    for d in [d2026, d2027] {
        let heads: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM role_assignment WHERE department_id = $1 AND role = 'department_head'",
        )
        .bind(d)
        .fetch_all(&t.app.pool)
        .await
        .unwrap();
        let new = t
            .app
            .scalar("SELECT id FROM app_user WHERE username = 'new-head'")
            .await;
        assert_eq!(heads, vec![new], "department {d}");
    }
    // The old head holds nothing now: no draft of either year is open to them.
    for d in [d2026, d2027] {
        let r = t
            .app
            .send(
                "GET",
                &format!("/staff/departments/{d}"),
                Some(&t.old_head),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "department {d}");
    }
    // The new holder evaluates the year before: the head's page of 2026.
    let r = t
        .app
        .send(
            "POST",
            &format!("/staff/departments/{d2026}/profile"),
            Some(&t.new_head),
            Some(&[
                ("head_name", "新任 二郎"),
                ("head_name_kana", "しんにん じろう"),
                ("summary", "前任の一年を振り返る。"),
                ("version", "0"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text_of(&r.body));
    let audits = t
        .app
        .scalar("SELECT count(*) FROM audit_event WHERE entity = 'post_holder'")
        .await;
    assert_eq!(audits, 2, "one entry per post");
}
