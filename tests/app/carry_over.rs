//! Last year beside this year: a year created from the last remembers what each department,
//! goal, initiative and criterion was carried from, and a department's public page links to
//! the same department's previous and next published years — found through the carry-over,
//! so a department renamed in the new year still links.

use crate::helpers::{TestApp, text_of};
use axum::http::StatusCode;

#[tokio::test]
async fn a_carried_year_remembers_its_predecessors_and_pages_link_across_years() {
    let app = TestApp::with_demo().await;
    let admin = app
        .add_staff("kariya", "carry-planner", "admin", None)
        .await;
    let admin = app.session_for(admin).await;
    app.carry_kariya_2027(&admin).await;
    let city = "(SELECT id FROM municipality WHERE slug = 'kariya')";
    let id_in = |year: i32| {
        format!(
            "SELECT d.id FROM department d JOIN fiscal_year f ON f.id = d.fiscal_year_id WHERE d.municipality_id = {city} AND f.year = {year} AND d.slug = 'kikaku-zaisei'"
        )
    };
    let old = app.scalar(&id_in(2026)).await;
    let new = app.scalar(&id_in(2027)).await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT predecessor_id FROM department WHERE id = {new}"
        ))
        .await,
        old
    );
    // Every carried goal, initiative and criterion points at its own predecessor, in place.
    for (table, path) in [
        ("goal", "x.department_id"),
        (
            "initiative",
            "(SELECT department_id FROM goal WHERE id = x.goal_id)",
        ),
        (
            "criterion",
            "(SELECT g.department_id FROM initiative i JOIN goal g ON g.id = i.goal_id WHERE i.id = x.initiative_id)",
        ),
    ] {
        let carried = app
            .scalar(&format!(
                "SELECT count(*) FROM {table} x WHERE {path} = {new}"
            ))
            .await;
        let linked = app
            .scalar(&format!(
                "SELECT count(*) FROM {table} x JOIN {table} p ON p.id = x.predecessor_id
                  WHERE {path} = {new} AND p.text = x.text AND p.position = x.position"
            ))
            .await;
        assert!(
            carried > 0 && linked == carried,
            "{table}: {linked} of {carried}"
        );
    }
    // Not yet published: no link to it.
    let (_, page) = app.get("/kariya/2026/departments/kikaku-zaisei").await;
    assert!(
        !page.contains("翌年度"),
        "an unpublished year is not linked"
    );
    // Renamed in the new year, and given another address (as a reorganized department may
    // be), then published: the link is found through the carry-over, not the name or slug.
    let renamed = app
        .send(
            "POST",
            &format!("/staff/admin/departments/{new}"),
            Some(&admin),
            Some(&[("name", "企画部")]),
        )
        .await;
    assert_eq!(
        renamed.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&renamed.body)
    );
    sqlx::query("UPDATE department SET slug = 'kikaku' WHERE id = $1")
        .bind(new)
        .execute(&app.pool)
        .await
        .unwrap();
    let (fy, policy): (i64, i64) = sqlx::query_as(&format!(
        "SELECT id, policy_id FROM fiscal_year WHERE municipality_id = {city} AND year = 2027"
    ))
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mid = app.scalar(&format!("SELECT {city}")).await;
    let today = mokuhyo::domain::clock::today();
    mokuhyo::db::publication::publish_if_changed(
        &app.pool,
        mid,
        fy,
        new,
        "企画部",
        policy,
        None,
        today,
    )
    .await
    .unwrap();
    app.forget_pages();
    let (status, next) = app.get("/kariya/2027/departments/kikaku").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        next.contains(
            "href=\"/kariya/2026/departments/kikaku-zaisei\">前年度（令和8年度）の企画財政部</a>"
        ),
        "{}",
        text_of(&next)
    );
    let (_, before) = app.get("/kariya/2026/departments/kikaku-zaisei").await;
    assert!(
        before.contains("href=\"/kariya/2027/departments/kikaku\">翌年度（令和9年度）の企画部</a>"),
        "{}",
        text_of(&before)
    );
}

/// 令和8年度's 企画財政部 with one initiative's results published, then 令和9年度 made from
/// it; the head (who holds both years' post) signed in. (app, head, planner, 2026 id, 2027 id)
async fn carried_with_results() -> (
    TestApp,
    crate::helpers::Session,
    crate::helpers::Session,
    i64,
    i64,
) {
    let app = TestApp::with_demo().await;
    let admin = app.add_staff("kariya", "carry-admin", "admin", None).await;
    let admin = app.session_for(admin).await;
    let head = app
        .add_staff(
            "kariya",
            "carry-head",
            "department_head",
            Some("kikaku-zaisei"),
        )
        .await;
    let head = app.session_for(head).await;
    let id_in = |year: i32| {
        format!(
            "SELECT d.id FROM department d JOIN fiscal_year f ON f.id = d.fiscal_year_id JOIN municipality m ON m.id = d.municipality_id
              WHERE m.slug = 'kariya' AND f.year = {year} AND d.slug = 'kikaku-zaisei'"
        )
    };
    let old = app.scalar(&id_in(2026)).await;
    let first = app
        .scalar(&format!(
            "SELECT i.id FROM initiative i JOIN goal g ON g.id = i.goal_id WHERE g.department_id = {old} ORDER BY g.position, i.position LIMIT 1"
        ))
        .await;
    let fields = [
        ("version", "0"),
        ("performance", "実証実験を4件実施した"),
        ("outcome", "市民の参加が広がった。"),
        ("status_override", "achieved"),
        ("override_reason", "目標を上回った"),
    ];
    let r = app
        .send(
            "POST",
            &format!("/staff/initiatives/{first}/results"),
            Some(&head),
            Some(&fields),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text_of(&r.body));
    let all = [
        ("published_on", ""),
        ("kind", "results"),
        ("confirmed", "1"),
    ];
    let r = app
        .send(
            "POST",
            "/staff/admin/years/2026/publish-all",
            Some(&admin),
            Some(&all),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    app.carry_kariya_2027(&admin).await;
    let new = app.scalar(&id_in(2027)).await;
    (app, head, admin, old, new)
}

#[tokio::test]
async fn the_new_years_editor_shows_last_years_results_beside_the_carried_items() {
    let (app, head, _, _, new) = carried_with_results().await;
    let editor = app
        .send(
            "GET",
            &format!("/staff/departments/{new}"),
            Some(&head),
            None,
        )
        .await;
    assert_eq!(editor.status, StatusCode::OK);
    let text = text_of(&editor.body);
    assert!(
        text.contains("前年度（令和8年度）の結果： 達成")
            || text.contains("前年度（令和8年度）の結果：達成"),
        "{text}"
    );
    assert!(text.contains("実証実験を4件実施した") && text.contains("市民の参加が広がった。"));
    // Folded: inside a <details>, and only where last year said something.
    assert_eq!(
        editor.body.matches("<details class=\"last-year\">").count(),
        1
    );
    // The 2026 editor has no year before it: nothing beside.
    let old_id = app
        .scalar("SELECT predecessor_id FROM department WHERE predecessor_id IS NOT NULL LIMIT 1")
        .await;
    let old = app
        .send(
            "GET",
            &format!("/staff/departments/{old_id}"),
            Some(&head),
            None,
        )
        .await;
    assert!(!old.body.contains("class=\"last-year\""));
}

#[tokio::test]
async fn the_heads_look_back_is_published_with_the_targets_and_carried_goals_say_so() {
    let (app, head, admin, _, new) = carried_with_results().await;
    let form = format!("/staff/departments/{new}/last-year");
    let long = "あ".repeat(4001);
    let r = app
        .send(
            "POST",
            &form,
            Some(&head),
            Some(&[("version", "0"), ("text", &long)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("4000文字以内"));
    assert_eq!(app.scalar("SELECT count(*) FROM last_year_review").await, 0);
    let chief = app
        .add_staff("kariya", "carry-chief", "section_chief", Some("情報政策課"))
        .await;
    let chief = app.session_for(chief).await;
    let r = app
        .send(
            "POST",
            &form,
            Some(&chief),
            Some(&[("version", "0"), ("text", "課長が書く")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let review = "スマートシティの実証は目標を上回った。\n\n窓口改革は人員不足で遅れたため、今年度は体制を見直す。";
    let r = app
        .send(
            "POST",
            &form,
            Some(&head),
            Some(&[("version", "0"), ("text", review)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A new goal of the new year is not carried.
    let pillar = app
        .scalar("SELECT id FROM pillar ORDER BY id LIMIT 1")
        .await
        .to_string();
    let r = app
        .send(
            "POST",
            &format!("/staff/departments/{new}/goals"),
            Some(&head),
            Some(&[("text", "新しく立てた目標です。"), ("pillar", &pillar)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text_of(&r.body));
    // Submitted, approved, published: the look back and the carried marks reach citizens.
    let flow = format!("/staff/departments/{new}/workflow");
    for (who, action) in [(&head, "submit"), (&head, "approve"), (&admin, "publish")] {
        let r = app
            .send("POST", &flow, Some(who), Some(&[("action", action)]))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}");
    }
    // Approved or published, the look back is part of the reviewed targets: locked until
    // reopened for a chief, and published as reviewed.
    let (status, page) = app.get("/kariya/2027/departments/kikaku-zaisei").await;
    assert_eq!(status, StatusCode::OK);
    let text = text_of(&page);
    assert!(
        text.contains("前年度の振り返り") && text.contains("窓口改革は人員不足で遅れたため"),
        "{text}"
    );
    let carried = app
        .scalar(&format!(
            "SELECT count(*) FROM goal WHERE department_id = {new} AND predecessor_id IS NOT NULL"
        ))
        .await as usize;
    assert!(carried > 0);
    assert_eq!(
        page.matches("前年度から継続").count(),
        carried,
        "every carried goal, and only those"
    );
    assert!(text.contains("新しく立てた目標です。"));
    // Open data too.
    let (_, json) = app.get("/kariya/2027.json").await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let department = json["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["slug"] == "kikaku-zaisei")
        .unwrap();
    assert!(
        department["review"]
            .as_str()
            .unwrap()
            .contains("窓口改革は人員不足")
    );
    let carried_in_json = department["goals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["carried"] == true)
        .count();
    assert_eq!(carried_in_json, carried);
    // The PDF holds what the page holds: the look back, and the carried marks.
    let (status, _, pdf) =
        crate::pdf::fetch(&app, "/kariya/2027/departments/kikaku-zaisei.pdf").await;
    assert_eq!(status, StatusCode::OK);
    let pdf_text = crate::pdf::text_of(&pdf);
    for shown in [
        "前年度の振り返り",
        "窓口改革は人員不足で遅れたため",
        "前年度から継続",
    ] {
        assert!(
            pdf_text.contains(&crate::pdf::squeezed(shown)),
            "{shown}: {pdf_text}"
        );
    }
    // The diff against the published version lists the look back among the sheet's lines.
    let diff = app
        .send(
            "GET",
            &format!("/staff/departments/{new}/diff"),
            Some(&head),
            None,
        )
        .await;
    assert!(text_of(&diff.body).contains("【前年度の振り返り】"));
}
