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
    let made = app
        .send(
            "POST",
            "/staff/admin/years",
            Some(&admin),
            Some(&[
                ("year", "2027"),
                ("title", "刈谷市組織重点目標"),
                ("tables_title", "各部組織重点目標（取組内容・指標）"),
                ("copy_from", "2026"),
                ("copy_goals", "1"),
            ]),
        )
        .await;
    assert_eq!(
        made.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&made.body)
    );
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
