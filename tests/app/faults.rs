//! Faults from outside: a database that cannot be reached, requests racing each other.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use mokuhyo::domain::era::Eras;
use mokuhyo::state::AppState;
use sqlx::postgres::PgConnectOptions;
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceExt;

#[tokio::test]
async fn an_unreachable_database_gives_a_quick_japanese_503_with_retry_after() {
    // A socket directory where no PostgreSQL listens.
    let nowhere = tempfile::tempdir().unwrap();
    let options = PgConnectOptions::new()
        .socket(nowhere.path())
        .username("postgres")
        .database("mokuhyo");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(mokuhyo::db::ACQUIRE_TIMEOUT)
        .connect_lazy_with(options);
    let router = mokuhyo::routes::router(AppState {
        pool,
        eras: Arc::new(Eras::new(Vec::new())),
        trust_proxy: false,
    });

    for uri in ["/", "/kariya/2026", "/staff", "/login"] {
        let started = Instant::now();
        let response = router
            .clone()
            .oneshot(
                Request::get(uri)
                    .header(header::COOKIE, "mokuhyo_session=abc")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let took = started.elapsed();
        let status = response.status();
        let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
        let cache = response.headers().get(header::CACHE_CONTROL).cloned();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&body);
        println!("{uri}: {status} in {took:?}");

        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{uri}");
        assert_eq!(retry_after.unwrap(), "5");
        assert_eq!(cache.unwrap(), "no-store");
        assert!(
            body.contains("ただいま一時的にご利用いただけません"),
            "{uri}"
        );
        assert!(
            !body.contains("sqlx") && !body.contains("socket"),
            "no detail shown"
        );
        assert!(took.as_secs() < 10, "{uri} waited {took:?}");
    }
}

#[tokio::test]
async fn control_characters_in_paths_are_not_found_and_in_queries_are_dropped() {
    let app = crate::helpers::TestApp::with_demo().await;

    for uri in [
        "/%00",
        "/kariya%00",
        "/kariya/2026%00",
        "/kazo/plans/%00",
        "/kariya/2026/departments/%00kikaku",
        "/staff/goals/%00/edit",
        "/%1b",
    ] {
        let (status, body) = app.get(uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(body.contains("ページが見つかりません"), "{uri}");
    }
    let (status, body) = app
        .get("/kariya/search?q=%E9%98%B2%00%E7%81%BD&year=%00")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("防災"),
        "the query is searched without the NUL"
    );
}
