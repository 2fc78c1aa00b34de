//! Review and publication: only published content is public, publications never move, and
//! the workflow lets exactly the right people act.

use crate::helpers::{Session, TestApp, text_of};
use axum::body::Body;
use axum::http::{Request, StatusCode};

struct Office {
    app: TestApp,
    department: i64,
    goal: i64,
    chief: Session,
    sibling_chief: Session,
    other_chief: Session,
    head: Session,
    other_head: Session,
    admin: Session,
    viewer: Session,
}

async fn office() -> Office {
    let app = TestApp::with_demo().await;
    let mut s = Vec::new();
    for (name, role, target) in [
        ("chief", "section_chief", Some("情報政策課")),
        ("sibling", "section_chief", Some("財務課")),
        ("other-chief", "section_chief", Some("人事課")),
        ("head", "department_head", Some("kikaku-zaisei")),
        ("other-head", "department_head", Some("somu")),
        ("admin", "admin", None),
        ("viewer", "viewer", None),
    ] {
        let id = app.add_staff("kariya", name, role, target).await;
        s.push(app.session_for(id).await);
    }
    let department = app
        .scalar("SELECT id FROM department WHERE slug = 'kikaku-zaisei'")
        .await;
    let goal = app
        .scalar(&format!(
            "SELECT id FROM goal WHERE department_id = {department} AND position = 1"
        ))
        .await;
    let mut s = s.into_iter();
    Office {
        department,
        goal,
        chief: s.next().unwrap(),
        sibling_chief: s.next().unwrap(),
        other_chief: s.next().unwrap(),
        head: s.next().unwrap(),
        other_head: s.next().unwrap(),
        admin: s.next().unwrap(),
        viewer: s.next().unwrap(),
        app,
    }
}

impl Office {
    async fn state(&self) -> String {
        sqlx::query_scalar("SELECT state FROM sheet WHERE department_id = $1 AND kind = 'targets'")
            .bind(self.department)
            .fetch_optional(&self.app.pool)
            .await
            .unwrap()
            .unwrap_or_else(|| "draft".into())
    }

    async fn set_state(&self, state: &str) {
        self.set_sheet_state("targets", state).await;
    }

    async fn set_results_state(&self, state: &str) {
        self.set_sheet_state("results", state).await;
    }

    async fn set_sheet_state(&self, kind: &str, state: &str) {
        sqlx::query(
            "INSERT INTO sheet (municipality_id, department_id, kind, state) SELECT municipality_id, id, $3, $2 FROM department WHERE id = $1
             ON CONFLICT (department_id, kind) DO UPDATE SET state = EXCLUDED.state",
        )
        .bind(self.department)
        .bind(state)
        .bind(kind)
        .execute(&self.app.pool)
        .await
        .unwrap();
    }

    async fn act(&self, who: &Session, action: &str, comment: &str) -> StatusCode {
        let uri = format!("/staff/departments/{}/workflow", self.department);
        self.app
            .send(
                "POST",
                &uri,
                Some(who),
                Some(&[("action", action), ("comment", comment)]),
            )
            .await
            .status
    }

    async fn edit_goal(&self, who: &Session, text: &str) -> StatusCode {
        let version = self
            .app
            .scalar(&format!(
                "SELECT version::bigint FROM goal WHERE id = {}",
                self.goal
            ))
            .await
            .to_string();
        let pillar = self
            .app
            .scalar(&format!(
                "SELECT pillar_id FROM goal_pillar WHERE goal_id = {} ORDER BY pillar_id LIMIT 1",
                self.goal
            ))
            .await
            .to_string();
        let uri = format!("/staff/goals/{}", self.goal);
        self.app
            .send(
                "POST",
                &uri,
                Some(who),
                Some(&[
                    ("text", text),
                    ("pillar", pillar.as_str()),
                    ("version", version.as_str()),
                ]),
            )
            .await
            .status
    }
}

#[tokio::test]
async fn the_workflow_lets_exactly_the_right_people_move_a_sheet() {
    let o = office().await;
    let people = [
        ("chief", &o.chief),
        ("sibling_chief", &o.sibling_chief),
        ("other_chief", &o.other_chief),
        ("head", &o.head),
        ("other_head", &o.other_head),
        ("admin", &o.admin),
        ("viewer", &o.viewer),
    ];
    // (action, from, to, who may)
    let rules: [(&str, &str, &str, &[&str]); 5] = [
        (
            "submit",
            "draft",
            "submitted",
            &["chief", "sibling_chief", "head", "admin"],
        ),
        ("return", "submitted", "draft", &["head", "admin"]),
        ("approve", "submitted", "approved", &["head", "admin"]),
        ("reopen", "approved", "draft", &["head", "admin"]),
        ("publish", "approved", "published", &["admin"]),
    ];
    for (action, from, to, allowed) in rules {
        for (who, session) in people {
            o.set_state(from).await;
            let status = o.act(session, action, "理由").await;
            if allowed.contains(&who) {
                assert_eq!(status, StatusCode::SEE_OTHER, "{action} by {who}");
                assert_eq!(o.state().await, to, "{action} by {who}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{action} by {who}");
                assert_eq!(o.state().await, from, "{action} by {who} moved the sheet");
            }
        }
    }
    // Actions from the wrong state are refused and change nothing.
    for (action, wrong) in [
        ("approve", "draft"),
        ("publish", "submitted"),
        ("reopen", "submitted"),
        ("return", "approved"),
        ("submit", "approved"),
    ] {
        o.set_state(wrong).await;
        assert_eq!(
            o.act(&o.admin, action, "理由").await,
            StatusCode::CONFLICT,
            "{action} from {wrong}"
        );
        assert_eq!(o.state().await, wrong);
    }
}

#[tokio::test]
async fn a_return_needs_a_comment_which_the_department_sees() {
    let o = office().await;
    assert_eq!(o.act(&o.chief, "submit", "").await, StatusCode::SEE_OTHER);

    let silent = o.act(&o.head, "return", "  ").await;
    let state_after_silent = o.state().await;
    let returned = o
        .act(&o.head, "return", "目標値の根拠を記載してください。")
        .await;
    let editor = o
        .app
        .send(
            "GET",
            &format!("/staff/departments/{}", o.department),
            Some(&o.chief),
            None,
        )
        .await;

    assert_eq!(silent, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(state_after_silent, "submitted");
    assert_eq!(returned, StatusCode::SEE_OTHER);
    assert_eq!(o.state().await, "draft");
    assert!(
        editor.body.contains("差し戻しのコメント")
            && editor.body.contains("目標値の根拠を記載してください。")
    );
    let kept: i64 = o.app.scalar("SELECT count(*) FROM sheet_event WHERE action = 'return' AND comment = '目標値の根拠を記載してください。'").await;
    assert_eq!(kept, 1, "the comment is kept in the history");
}

#[tokio::test]
async fn submitted_sheets_are_locked_for_chiefs_and_approved_ones_for_everyone() {
    let o = office().await;
    let initiative = o
        .app
        .scalar(&format!(
            "SELECT id FROM initiative WHERE goal_id = {} AND position = 3",
            o.goal
        ))
        .await;
    let section = o
        .app
        .scalar("SELECT id FROM section WHERE name = '情報政策課'")
        .await
        .to_string();
    let edit_initiative = |who: Session| {
        let app = &o.app;
        let section = section.clone();
        async move {
            let version = app
                .scalar(&format!(
                    "SELECT version::bigint FROM initiative WHERE id = {initiative}"
                ))
                .await
                .to_string();
            app.send(
                "POST",
                &format!("/staff/initiatives/{initiative}"),
                Some(&who),
                Some(&[
                    ("text", "変更"),
                    ("section", section.as_str()),
                    ("version", version.as_str()),
                ]),
            )
            .await
            .status
        }
    };

    o.set_state("submitted").await;
    let before = o.app.snapshot().await;
    let chief_while_submitted = edit_initiative(o.chief.clone()).await;
    assert_eq!(o.app.snapshot().await, before);
    let head_while_submitted = o.edit_goal(&o.head, "部長による修正").await;

    o.set_state("approved").await;
    let before = o.app.snapshot().await;
    let head_while_approved = o.edit_goal(&o.head, "承認後の修正").await;
    let admin_while_approved = o.edit_goal(&o.admin, "承認後の修正").await;

    assert_eq!(chief_while_submitted, StatusCode::CONFLICT);
    assert_eq!(
        head_while_submitted,
        StatusCode::SEE_OTHER,
        "the reviewer may still correct"
    );
    assert_eq!(head_while_approved, StatusCode::CONFLICT);
    assert_eq!(admin_while_approved, StatusCode::CONFLICT);
    assert_eq!(o.app.snapshot().await, before);
}

#[tokio::test]
async fn a_published_page_does_not_move_until_republished_and_old_versions_stay() {
    let o = office().await;
    let uri = "/kariya/2026/departments/kikaku-zaisei";
    let (_, published) = o.app.get(uri).await;

    assert_eq!(
        o.edit_goal(&o.head, "DXを加速し、行政の効率化を図ります。")
            .await,
        StatusCode::SEE_OTHER
    );
    let (_, after_edit) = o.app.get(uri).await;
    let preview = o
        .app
        .send(
            "GET",
            &format!("/staff/departments/{}/preview", o.department),
            Some(&o.head),
            None,
        )
        .await;

    assert_eq!(
        after_edit, published,
        "a draft edit does not change the public page"
    );
    assert!(preview.body.contains("DXを加速し") && preview.body.contains("下書き"));
    assert!(!published.contains("下書き"));

    for (who, action) in [
        (&o.head, "submit"),
        (&o.head, "approve"),
        (&o.admin, "publish"),
    ] {
        assert_eq!(
            o.act(who, action, "").await,
            StatusCode::SEE_OTHER,
            "{action}"
        );
    }
    let (_, republished) = o.app.get(uri).await;
    let (status, first) = o.app.get(&format!("{uri}/versions/1")).await;

    let text = text_of(&republished);
    assert!(text.contains("DXを加速し、行政の効率化を図ります。"));
    assert!(text.contains("公表・") && text.contains("改訂"), "{text}");
    assert!(republished.contains(&format!("href=\"{uri}/versions/1\"")));
    assert_eq!(status, StatusCode::OK);
    assert!(first.contains("DXの推進による行政の効率化と市民サービスの向上を図ります。"));
    assert!(first.contains("これは以前に公表した版です。"));
    assert_eq!(o.app.scalar("SELECT count(*) FROM publication WHERE department_id = (SELECT id FROM department WHERE slug = 'kikaku-zaisei')").await, 2);
    // Publications cannot be altered, even by SQL.
    let tamper = sqlx::query("UPDATE publication SET published_on = '2000-01-01'")
        .execute(&o.app.pool)
        .await;
    assert!(tamper.is_err());
}

#[tokio::test]
async fn unpublished_years_and_departments_do_not_exist_for_citizens() {
    let o = office().await;
    // A carried-over year and a department added to the published year, neither published.
    let made = o
        .app
        .send(
            "POST",
            "/staff/admin/years",
            Some(&o.admin),
            Some(&[
                ("year", "2027"),
                ("title", "t"),
                ("tables_title", "t"),
                ("copy_from", "2026"),
                ("copy_goals", "1"),
            ]),
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let added = o
        .app
        .send(
            "POST",
            "/staff/admin/years/2026/departments",
            Some(&o.admin),
            Some(&[("name", "新設部"), ("slug", "shinsetsu")]),
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);

    for uri in [
        "/kariya/2027",
        "/kariya/2027/departments/kikaku-zaisei",
        "/kariya/2026/departments/shinsetsu",
        "/kariya/2026/departments/kikaku-zaisei/versions/2",
        "/kariya/2026/departments/kikaku-zaisei/versions/x",
    ] {
        let (status, body) = o.app.get(uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(body.contains("ページが見つかりません"));
    }
    let (_, booklet) = o.app.get("/kariya/2026").await;
    let (_, city) = o.app.get("/kariya").await;
    assert!(
        !booklet.contains("新設部"),
        "the contents list only published departments"
    );
    assert!(!city.contains("/kariya/2027"));
}

#[tokio::test]
async fn published_pages_answer_conditional_requests_with_304() {
    let o = office().await;
    let uri = "/kariya/2026/departments/kikaku-zaisei";
    let first = o.app.send("GET", uri, None, None).await;
    let etag = first.headers["etag"].to_str().unwrap().to_owned();

    let again = o
        .app
        .send_request(
            Request::get(uri)
                .header("if-none-match", &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let stale = o
        .app
        .send_request(
            Request::get(uri)
                .header("if-none-match", "\"p0-old\"")
                .body(Body::empty())
                .unwrap(),
        )
        .await;

    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(stale.status, StatusCode::OK);
    assert_eq!(stale.body, first.body);
}

#[tokio::test]
async fn planning_staff_see_every_state_and_the_changes_since_publication() {
    let o = office().await;
    assert_eq!(
        o.edit_goal(&o.head, "DXを加速します。").await,
        StatusCode::SEE_OTHER
    );
    o.set_state("approved").await;

    let overview = o
        .app
        .send(
            "GET",
            "/staff/admin/years/2026/publication",
            Some(&o.admin),
            None,
        )
        .await;
    let for_head = o
        .app
        .send(
            "GET",
            "/staff/admin/years/2026/publication",
            Some(&o.head),
            None,
        )
        .await;
    let diff = o
        .app
        .send(
            "GET",
            &format!("/staff/departments/{}/diff", o.department),
            Some(&o.admin),
            None,
        )
        .await;

    assert_eq!(overview.status, StatusCode::OK);
    let text = text_of(&overview.body);
    assert!(
        text.contains("企画財政部 承認済み（公表待ち） 第1版"),
        "{text}"
    );
    assert!(text.contains("総務部 公表済み 第1版"), "{text}");
    assert!(
        text.contains("承認済みを公表する（目標1部・実績0部）"),
        "{text}"
    );
    assert_eq!(for_head.status, StatusCode::FORBIDDEN);
    let diff_text = text_of(&diff.body);
    assert!(
        diff_text.contains(
            "［削除］ 【組織目標】DXの推進による行政の効率化と市民サービスの向上を図ります。"
        ),
        "{diff_text}"
    );
    assert!(
        diff_text.contains("［追加］ 【組織目標】DXを加速します。"),
        "{diff_text}"
    );
    // The helper keeps only the first pillar, so the group heading changed too: (1)(5) → (1).
    assert!(
        diff_text.contains("変更 4 行") && diff_text.contains("［削除］ 【柱】(1)(5)"),
        "{diff_text}"
    );

    let published = o
        .app
        .send(
            "POST",
            "/staff/admin/years/2026/publish",
            Some(&o.admin),
            Some(&[]),
        )
        .await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    assert_eq!(o.state().await, "published");
    let (_, page) = o.app.get("/kariya/2026/departments/kikaku-zaisei").await;
    assert!(page.contains("DXを加速します。"));
    let others: i64 = o
        .app
        .scalar("SELECT count(*) FROM publication WHERE version > 1")
        .await;
    assert_eq!(others, 1, "only the approved department got a new version");
}

#[tokio::test]
async fn a_year_is_published_on_the_date_planning_staff_choose_never_a_future_one() {
    let o = office().await;
    o.set_results_state("approved").await;
    let publications = "SELECT count(*) FROM publication";
    let before = o.app.scalar(publications).await;
    let tomorrow = (mokuhyo::domain::clock::today() + chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string();

    for (typed, message) in [
        (tomorrow.as_str(), "先の日付は指定できません"),
        ("2019/13/40", "年-月-日"),
        ("1970-01-01", "平成元年"),
    ] {
        let refused = o
            .app
            .send(
                "POST",
                "/staff/admin/years/2026/publish",
                Some(&o.admin),
                Some(&[("published_on", typed)]),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        assert!(refused.body.contains(message), "{typed}");
        assert!(
            refused.body.contains(&format!("value=\"{typed}\"")),
            "typed value kept"
        );
        assert_eq!(
            o.app.scalar(publications).await,
            before,
            "{typed}: nothing published"
        );
    }

    let published = o
        .app
        .send(
            "POST",
            "/staff/admin/years/2026/publish",
            Some(&o.admin),
            Some(&[("published_on", "2019-03-29")]),
        )
        .await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    let dated: (chrono::NaiveDate,) = sqlx::query_as(
        "SELECT published_on FROM publication WHERE department_id = $1 AND kind = 'results'",
    )
    .bind(o.department)
    .fetch_one(&o.app.pool)
    .await
    .unwrap();
    assert_eq!(
        dated.0,
        chrono::NaiveDate::from_ymd_opt(2019, 3, 29).unwrap()
    );
    let (status, page) = o.app.get("/kariya/2026/results/kikaku-zaisei").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the approved results are published with the targets' step"
    );
    assert!(
        text_of(&page).contains("平成31年3月29日"),
        "{}",
        text_of(&page)
    );
}

#[tokio::test]
async fn pages_with_nothing_to_show_are_not_listed_and_do_not_exist() {
    let o = office().await;
    o.set_results_state("approved").await;
    sqlx::query("DELETE FROM department_profile WHERE department_id = $1")
        .bind(o.department)
        .execute(&o.app.pool)
        .await
        .unwrap();
    let published = o
        .app
        .send(
            "POST",
            "/staff/admin/years/2026/publish",
            Some(&o.admin),
            Some(&[]),
        )
        .await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);

    let (results_status, results) = o.app.get("/kariya/2026/results").await;
    let (_, booklet) = o.app.get("/kariya/2026").await;
    let (heads, _) = o.app.get("/kariya/2026/heads").await;
    let (summary, _) = o.app.get("/kariya/2026/summary").await;
    let (report_status, report) = o.app.get("/kariya/2026/results/kikaku-zaisei").await;

    assert_eq!(results_status, StatusCode::OK);
    assert!(!results.contains("/kariya/2026/heads") && !results.contains("/kariya/2026/summary"));
    assert!(booklet.contains("/kariya/2026/results\""));
    assert!(!booklet.contains("/kariya/2026/heads") && !booklet.contains("/kariya/2026/summary"));
    assert_eq!(
        heads,
        StatusCode::NOT_FOUND,
        "nobody judged and no head wrote anything"
    );
    assert_eq!(summary, StatusCode::NOT_FOUND);
    assert_eq!(report_status, StatusCode::OK);
    assert!(!report.contains("未判定"));
}
