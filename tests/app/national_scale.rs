//! Many cities on one deployment: copies of a city made by `clone-city` serve the same pages;
//! a change in one city leaves every other city's rendered pages in place; a page many ask for
//! at once is rendered once.

use crate::helpers::TestApp;
use crate::query_count::{statements_for, statements_so_far};
use std::time::Duration;

async fn clone(app: &TestApp, numbers: &[i32]) -> usize {
    mokuhyo::db::clone::clone_city(&app.pool, "kariya", numbers, |_| {})
        .await
        .expect("cloned")
}

#[tokio::test]
async fn copies_of_a_city_serve_its_pages_under_their_own_names() {
    let app = TestApp::with_demo().await;
    let cities = app.scalar("SELECT count(*) FROM municipality").await;
    assert_eq!(clone(&app, &[1, 2, 48]).await, 3);
    // A second run skips what exists.
    assert_eq!(clone(&app, &[2, 3]).await, 1);
    assert_eq!(
        app.scalar("SELECT count(*) FROM municipality").await,
        cities + 4
    );
    for page in [
        "2026",
        "2026/departments/kikaku-zaisei",
        "2026/pillars/1",
        "2026.json",
    ] {
        let (status, original) = app.get(&format!("/kariya/{page}")).await;
        assert_eq!(status, 200, "{page}");
        let (status, copy) = app.get(&format!("/kariya-2/{page}")).await;
        assert_eq!(status, 200, "kariya-2/{page}");
        let renamed = copy
            .replace("kariya-2", "kariya")
            .replace("刈谷市2", "刈谷市");
        // The same document: only the name, the slug and the code differ.
        let same = renamed
            .lines()
            .zip(original.lines())
            .filter(|(a, b)| a == b)
            .count();
        assert!(
            same + 3 >= original.lines().count(),
            "{page}: {same} of {} lines alike",
            original.lines().count()
        );
    }
    // Copies 1 and 48 land in the same prefecture (01), 2 in the next.
    let (_, hokkaido) = app.get("/prefectures/01").await;
    assert!(hokkaido.contains("/kariya-1\"") && hokkaido.contains("/kariya-48\""));
    assert!(!hokkaido.contains("/kariya-2\""));
    // Editing a copy leaves the original alone.
    sqlx::query(
        "UPDATE goal SET text = '複製だけの目標' WHERE municipality_id = (SELECT id FROM municipality WHERE slug = 'kariya-2')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        app.scalar("SELECT count(*) FROM goal WHERE text = '複製だけの目標' AND municipality_id = (SELECT id FROM municipality WHERE slug = 'kariya')").await,
        0
    );
}

#[tokio::test]
async fn a_change_in_one_city_keeps_every_other_citys_pages() {
    let app = TestApp::with_demo().await;
    let watcher = mokuhyo::cache::watch::spawn(
        app.pool.clone(),
        app.pages.clone(),
        Duration::from_secs(600),
    );
    tokio::time::sleep(Duration::from_millis(300)).await; // listening
    for uri in ["/", "/kariya", "/kazo", "/kazo/plans/gyosei-keiei-2"] {
        statements_for(&app, uri).await;
    }
    // A write that says which city it changes (as every staff write does).
    let mid = app
        .scalar("SELECT id FROM municipality WHERE slug = 'kariya'")
        .await;
    let mut tx = app.pool.begin().await.unwrap();
    mokuhyo::db::changes::scope_changes_to(&mut tx, mid)
        .await
        .unwrap();
    sqlx::query("UPDATE municipality SET name = '新刈谷市' WHERE id = $1")
        .bind(mid)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut waited = 0;
    while !app.get("/kariya").await.1.contains("新刈谷市") {
        tokio::time::sleep(Duration::from_millis(10)).await;
        waited += 1;
        assert!(waited < 300, "the change was never heard");
    }
    assert!(
        app.get("/").await.1.contains("新刈谷市"),
        "the city list shows every city"
    );
    for uri in ["/kazo", "/kazo/plans/gyosei-keiei-2"] {
        assert_eq!(statements_for(&app, uri).await, 0, "{uri} was kept");
    }
    // A change naming no city (a command) forgets everything.
    sqlx::query("UPDATE municipality SET name = '加須市' WHERE slug = 'kazo'")
        .execute(&app.pool)
        .await
        .unwrap();
    let mut waited = 0;
    while app.pages.usage().0 > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        waited += 1;
        assert!(waited < 300, "the change was never heard");
    }
    watcher.abort();
}

#[tokio::test]
async fn a_page_many_ask_for_at_once_is_rendered_once() {
    let app = TestApp::with_demo().await;
    let uri = "/kariya/2026/departments/kikaku-zaisei";
    statements_for(&app, uri).await;
    // Cold everywhere: neither in memory nor in the shared store.
    let cold = async || {
        sqlx::query("DELETE FROM rendered_page")
            .execute(&app.pool)
            .await
            .unwrap();
        app.forget_pages();
    };
    cold().await;
    let one = statements_for(&app, uri).await;
    assert!(one > 2);
    cold().await;
    let before = statements_so_far(&app).await;
    let kept = app.pages.usage().0;
    let answers = futures_util::future::join_all((0..20).map(|_| app.get(uri))).await;
    assert!(
        answers
            .iter()
            .all(|(status, body)| *status == 200 && body == &answers[0].1)
    );
    let total = statements_so_far(&app).await - before;
    assert_eq!(total, one, "20 requests at once ran {total} statements");
    assert_eq!(app.pages.usage().0, kept + 1, "kept once");
}
