//! The demo data and the import path it goes through.

use crate::helpers::{TestApp, fresh_pool};
use mokuhyo::import::{self, ImportError};
use sqlx::PgPool;

/// Every row of the goal tree with its id and version, in a stable order.
async fn snapshot(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT format('goal %s %s %s %s', id, version, position, text) FROM goal
         UNION ALL SELECT format('initiative %s %s %s %s', id, version, position, text) FROM initiative
         UNION ALL SELECT format('criterion %s %s %s %s %s %s', id, version, text, target_value, unit, comparator) FROM criterion
         UNION ALL SELECT format('section %s %s %s', id, version, name) FROM section
         UNION ALL SELECT format('department %s %s %s', id, version, name) FROM department
         UNION ALL SELECT format('link %s %s %s', initiative_id, section_id, position) FROM initiative_section
         UNION ALL SELECT format('pillar-link %s %s', goal_id, pillar_id) FROM goal_pillar
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn demo_holds_every_department_initiative_and_criterion_of_the_document() {
    let app = TestApp::with_demo().await;

    let per_department: Vec<(String, i64)> = sqlx::query_as(
        "SELECT d.name, count(i.id) FROM department d JOIN municipality m ON m.id = d.municipality_id
         JOIN goal g ON g.department_id = d.id LEFT JOIN initiative i ON i.goal_id = g.id
         WHERE m.slug = 'kariya'
         GROUP BY d.id ORDER BY d.position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    // Initiative counts per department as printed in 令和8年度 刈谷市組織重点目標.
    let expected = [
        ("企画財政部", 9),
        ("総務部", 7),
        ("生活安全部", 6),
        ("市民活動部", 8),
        ("福祉健康部", 14),
        ("次世代育成部", 12),
        ("産業環境部", 7),
        ("建設部", 11),
        ("都市政策部", 13),
        ("都市公園部", 10),
        ("水資源部", 14),
        ("教育部", 5),
    ];
    let expected: Vec<(String, i64)> = expected.iter().map(|(n, c)| (n.to_string(), *c)).collect();
    assert_eq!(per_department, expected);

    // Every criterion item of the data file is in the database, in order.
    let doc = &mokuhyo::demo::documents()[0];
    let from_file: Vec<String> = doc
        .departments
        .iter()
        .flat_map(|d| {
            d.goals
                .iter()
                .flat_map(|g| g.initiatives.iter().flat_map(|i| i.criteria.clone()))
        })
        .collect();
    let in_db: Vec<String> = sqlx::query_scalar(
        "SELECT c.text FROM criterion c JOIN initiative i ON i.id = c.initiative_id JOIN goal g ON g.id = i.goal_id
         JOIN department d ON d.id = g.department_id JOIN municipality m ON m.id = d.municipality_id
         WHERE m.slug = 'kariya' ORDER BY d.position, g.position, i.position, c.position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(in_db, from_file);
    assert_eq!(
        count(
            &app.pool,
            "SELECT count(*) FROM pillar p JOIN municipality m ON m.id = p.municipality_id WHERE m.slug = 'kariya'"
        )
        .await,
        6
    );
    assert_eq!(
        count(&app.pool, "SELECT count(*) FROM booklet_section").await,
        3
    );
}

#[tokio::test]
async fn criteria_with_one_stated_target_carry_a_metric() {
    let app = TestApp::with_demo().await;

    let row: (String, String, String) = sqlx::query_as(
        "SELECT target_value::text, unit, comparator FROM criterion WHERE text = '公式SNS等のフォロワー数 210,000人'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "210000.0000".to_owned(),
            "人".to_owned(),
            "at_least".to_owned()
        )
    );
    let text_only: Option<String> =
        sqlx::query_scalar("SELECT unit FROM criterion WHERE text = '導入の可否の判断'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(text_only, None);
}

#[tokio::test]
async fn loading_the_demo_twice_changes_nothing() {
    let app = TestApp::with_demo().await;
    let before = snapshot(&app.pool).await;

    let report = mokuhyo::demo::load(&app.pool).await.unwrap();

    assert!(report.is_unchanged(), "second load wrote {report:?}");
    assert_eq!(snapshot(&app.pool).await, before);
}

#[tokio::test]
async fn a_changed_document_updates_rows_in_place_and_leaves_the_rest_alone() {
    let app = TestApp::with_demo().await;
    let before = snapshot(&app.pool).await;
    let mut doc = mokuhyo::demo::documents().remove(0);
    doc.departments[0].goals[0].initiatives[0].text =
        "スマートシティ実証プロジェクトを加速します。".to_owned();
    doc.departments[0].goals[0].initiatives[0].criteria.pop();

    let report = import::apply(&app.pool, &doc).await.unwrap();

    assert_eq!((report.inserted, report.updated, report.deleted), (0, 1, 1));
    let after = snapshot(&app.pool).await;
    let changed: Vec<&String> = after.iter().filter(|row| !before.contains(row)).collect();
    assert_eq!(
        changed.len(),
        1,
        "only the edited initiative differs: {changed:?}"
    );
    assert!(
        changed[0].contains("加速します") && changed[0].contains(" 2 1 "),
        "same row, version 2: {}",
        changed[0]
    );
    assert_eq!(before.len() - after.len(), 1, "one criterion removed");
}

#[tokio::test]
async fn a_document_with_problems_writes_nothing() {
    let pool = fresh_pool().await;
    let mut doc = mokuhyo::demo::documents().remove(0);
    doc.departments[1].goals[0].pillars = vec![9];
    doc.departments[2].goals[0].initiatives[0].sections = vec!["存在しない課".to_owned()];

    let err = import::apply(&pool, &doc).await.unwrap_err();

    let ImportError::Invalid(problems) = err else {
        panic!("expected problems, got {err}")
    };
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("柱(9)は行政経営方針にありません"),
        "{problems:?}"
    );
    assert!(problems[1].contains("課等「存在しない課」"), "{problems:?}");
    assert_eq!(count(&pool, "SELECT count(*) FROM municipality").await, 0);
}

#[tokio::test]
async fn a_failing_write_rolls_back_the_whole_document() {
    let pool = fresh_pool().await;
    let mut doc = mokuhyo::demo::documents().remove(0);
    // Passes the document checks but breaks a database constraint late in the import.
    doc.departments[11].slug = "Not A Slug".to_owned();

    assert!(import::apply(&pool, &doc).await.is_err());

    assert_eq!(count(&pool, "SELECT count(*) FROM municipality").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM goal").await, 0);
}
