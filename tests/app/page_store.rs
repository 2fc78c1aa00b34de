//! The second tier of the page cache: a city page one server rendered is one read for another
//! server, the same bytes and ETag in each encoding; a change deletes that city's stored pages
//! in its own transaction and no other city's; a page rendered before a change is never stored.

use crate::helpers::TestApp;
use crate::query_count::statements_for;
use axum::body::Body;
use axum::http::Request;

const PAGE: &str = "/kariya/2026/departments/kikaku-zaisei";

async fn stored(app: &TestApp, city: &str) -> i64 {
    app.scalar(&format!(
        "SELECT count(*) FROM rendered_page WHERE city = '{city}'"
    ))
    .await
}

async fn brotli(app: &TestApp, uri: &str) -> (String, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get(uri)
                .header("accept-encoding", "br")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "br");
    let tag = response.headers()["etag"].to_str().unwrap().to_owned();
    (
        tag,
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
}

#[tokio::test]
async fn a_page_one_server_rendered_is_one_read_for_another() {
    let first = TestApp::with_demo().await;
    let rendering = statements_for(&first, PAGE).await;
    let (tag, br) = brotli(&first, PAGE).await;
    assert_eq!(
        stored(&first, "kariya").await,
        2,
        "the page and its brotli form"
    );

    let second = first.second_server().await;
    assert_eq!(
        statements_for(&second, PAGE).await,
        1,
        "one read, not {rendering}"
    );
    assert_eq!(second.get(PAGE).await.1, first.get(PAGE).await.1);
    assert_eq!(
        brotli(&second, PAGE).await,
        (tag, br),
        "the same bytes, not compressed again"
    );
    // Pages listing every city are not stored.
    statements_for(&first, "/").await;
    assert_eq!(
        first
            .scalar("SELECT count(*) FROM rendered_page WHERE path LIKE '/#%'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_change_deletes_its_citys_stored_pages_and_no_others() {
    let app = TestApp::with_demo().await;
    for uri in [PAGE, "/kazo/plans/gyosei-keiei-2", "/kokubunji"] {
        statements_for(&app, uri).await;
    }
    assert_eq!(stored(&app, "kariya").await, 1);
    let mid = app
        .scalar("SELECT id FROM municipality WHERE slug = 'kariya'")
        .await;
    let before = app
        .scalar("SELECT version FROM page_scope WHERE city = 'kariya'")
        .await;
    let page = mokuhyo::db::page_store::StoredPage {
        headers: vec![("content-type".into(), "text/html".into())],
        body: b"<p>old</p>".to_vec(),
    };
    // Rolled back: nothing deleted.
    let mut tx = app.pool.begin().await.unwrap();
    mokuhyo::db::changes::scope_changes_to(&mut tx, mid)
        .await
        .unwrap();
    sqlx::query("UPDATE municipality SET about = 'x' WHERE id = $1")
        .bind(mid)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(stored(&app, "kariya").await, 1);

    let mut tx = app.pool.begin().await.unwrap();
    mokuhyo::db::changes::scope_changes_to(&mut tx, mid)
        .await
        .unwrap();
    sqlx::query("UPDATE municipality SET about = 'x' WHERE id = $1")
        .bind(mid)
        .execute(&mut *tx)
        .await
        .unwrap();
    // A page rendered before the change, stored while it is in progress: waits, then is
    // refused (the version moved).
    let pool = app.pool.clone();
    let page_copy = mokuhyo::db::page_store::StoredPage {
        headers: page.headers.clone(),
        body: page.body.clone(),
    };
    let racing = tokio::spawn(async move {
        mokuhyo::db::page_store::store(&pool, "/kariya/old", "", "kariya", before, &page_copy).await
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!racing.is_finished(), "the store waits for the change");
    tx.commit().await.unwrap();
    assert!(!racing.await.unwrap().unwrap(), "refused after the change");
    assert_eq!(stored(&app, "kariya").await, 0);
    assert_eq!(stored(&app, "kazo").await, 1, "another city's pages stay");
    assert_eq!(stored(&app, "kokubunji").await, 1);
    let after = app
        .scalar("SELECT version FROM page_scope WHERE city = 'kariya'")
        .await;
    assert_eq!(after, before + 1);
    assert!(
        mokuhyo::db::page_store::store(&app.pool, "/kariya/new", "", "kariya", after, &page)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_page_stored_by_another_build_is_never_served() {
    let app = TestApp::with_demo().await;
    // The page once, so the city has its version row; then forget it everywhere.
    statements_for(&app, PAGE).await;
    sqlx::query("DELETE FROM rendered_page")
        .execute(&app.pool)
        .await
        .unwrap();
    app.forget_pages();
    // What an older binary stored: under the bare path (before builds were named), and
    // under another build's name.
    for path in [PAGE.to_owned(), format!("{PAGE}#0000000000000000")] {
        sqlx::query(
            "INSERT INTO rendered_page (path, encoding, city, headers, body)
             VALUES ($1, '', 'kariya', '[[\"content-type\", \"text/html; charset=utf-8\"]]', $2)",
        )
        .bind(&path)
        .bind(b"STALE PAGE FROM AN OLDER BUILD".as_slice())
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let (status, page) = app.get(PAGE).await;
    assert_eq!(status, axum::http::StatusCode::OK);
    assert!(!page.contains("STALE"), "{}", &page[..200.min(page.len())]);
    assert!(page.contains("企画財政部"));
    // This build's render is stored beside them under its own name.
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM rendered_page WHERE path LIKE '{PAGE}#%' AND path <> '{PAGE}#0000000000000000'"
        ))
        .await,
        1
    );
}
