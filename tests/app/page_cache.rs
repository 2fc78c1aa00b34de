//! Public pages rendered once: served without the database while nothing changed, in the
//! encoding asked for, and rendered afresh after any change — made through this server, or
//! committed elsewhere (heard through LISTEN, or found by the periodic check).

use crate::helpers::TestApp;
use crate::query_count::statements_for;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::time::{Duration, Instant};

/// The pages of one published year and the lists above them.
const PAGES: &[&str] = &[
    "/",
    "/kariya",
    "/kariya/2026",
    "/kariya/2026/departments/kikaku-zaisei",
    "/kariya/2026/pillars/1",
    "/kariya/2026.json",
    "/kariya/2026.csv",
    "/sample/2024/results",
    "/sample/2024/results/seisaku-keiei",
    "/sample/2024/heads",
    "/sample/2024/summary",
    "/kazo/plans/gyosei-keiei-2",
    "/open-data",
    "/static/style.css",
];

#[tokio::test]
async fn a_page_once_rendered_is_served_without_a_statement() {
    let app = TestApp::with_demo().await;
    app.publish_all("kariya").await;
    for uri in PAGES {
        let cold = statements_for(&app, uri).await;
        let warm = statements_for(&app, uri).await;
        assert_eq!(warm, 0, "{uri}: {warm} statements when warm (cold: {cold})");
    }
    let (pages, bytes) = app.pages.usage();
    assert!(pages >= PAGES.len(), "{pages} pages kept");
    assert!(bytes > 0);
}

async fn get(app: &TestApp, uri: &str, headers: &[(&str, &str)]) -> crate::helpers::Reply {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send_request(request.body(Body::empty()).unwrap()).await
}

async fn get_bytes(app: &TestApp, uri: &str, accept: &str) -> (axum::http::HeaderMap, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get(uri)
                .header("accept-encoding", accept)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (headers, bytes.to_vec())
}

#[tokio::test]
async fn pages_come_compressed_as_asked_and_answer_304_for_any_form_held() {
    let app = TestApp::with_demo().await;
    let uri = "/kariya/2026";
    let (plain_headers, plain) = get_bytes(&app, uri, "").await;
    let (br_headers, br) = get_bytes(&app, uri, "br, gzip").await;
    let (gz_headers, gz) = get_bytes(&app, uri, "gzip, deflate").await;

    assert!(plain_headers.get("content-encoding").is_none());
    assert_eq!(br_headers["content-encoding"], "br");
    assert_eq!(gz_headers["content-encoding"], "gzip");
    assert_eq!(br_headers["vary"], "accept-encoding");
    let mut unbr = Vec::new();
    brotli::BrotliDecompress(&mut &br[..], &mut unbr).unwrap();
    let mut ungz = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut ungz).unwrap();
    assert_eq!(unbr, plain);
    assert_eq!(ungz, plain);
    // Brotli at the request path's quality (5): about 3.7 times smaller here.
    assert!(
        br.len() * 7 < plain.len() * 2,
        "{} → {} bytes",
        plain.len(),
        br.len()
    );
    assert_eq!(
        br_headers["content-length"].to_str().unwrap(),
        br.len().to_string()
    );
    let tags: Vec<&str> = [&plain_headers, &br_headers, &gz_headers]
        .iter()
        .map(|h| h["etag"].to_str().unwrap())
        .collect();
    assert!(tags[0] != tags[1] && tags[1] != tags[2], "{tags:?}");

    // A client holding the brotli form, now asking without compression.
    let held = get(&app, uri, &[("if-none-match", tags[1])]).await;
    assert_eq!(held.status, StatusCode::NOT_MODIFIED);
    assert!(held.body.is_empty());
    assert_eq!(held.headers["etag"], tags[0]);
    let other = get(&app, uri, &[("if-none-match", "\"h0000\"")]).await;
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(other.body.as_bytes(), &plain[..]);

    let head = app
        .send_request(Request::head(uri).body(Body::empty()).unwrap())
        .await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    assert_eq!(head.headers["etag"], tags[0]);
}

#[tokio::test]
async fn a_neighbour_published_changes_a_department_page_its_links_and_its_etag() {
    let app = TestApp::with_demo().await;
    app.publish_all("kariya").await;
    let slugs: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT d.id, d.slug, d.name FROM department d
         JOIN fiscal_year f ON f.id = d.fiscal_year_id JOIN municipality m ON m.id = f.municipality_id
         WHERE m.slug = 'kariya' AND f.year = 2026 ORDER BY d.position LIMIT 2",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let (first, second) = (&slugs[0], &slugs[1]);
    // The second department not published yet, but approved.
    sqlx::query("DELETE FROM publication WHERE department_id = $1")
        .bind(second.0)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE sheet SET state = 'approved' WHERE department_id = $1 AND kind = 'targets'",
    )
    .bind(second.0)
    .execute(&app.pool)
    .await
    .unwrap();
    app.forget_pages();
    let uri = format!("/kariya/2026/departments/{}", first.1);
    let before = get(&app, &uri, &[]).await;
    let booklet_before = get(&app, "/kariya/2026", &[]).await;
    let link = format!("/kariya/2026/departments/{}\"", second.1);
    assert!(
        !before.body.contains(&link),
        "no link to an unpublished page"
    );
    assert!(!booklet_before.body.contains(&link));

    let admin = app.add_staff("kariya", "planner", "admin", None).await;
    let admin = app.session_for(admin).await;
    let published = app
        .send(
            "POST",
            "/staff/admin/years/2026/publish",
            Some(&admin),
            Some(&[]),
        )
        .await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);

    let after = get(
        &app,
        &uri,
        &[("if-none-match", before.headers["etag"].to_str().unwrap())],
    )
    .await;
    let booklet_after = get(&app, "/kariya/2026", &[]).await;
    assert_eq!(after.status, StatusCode::OK, "the page changed, so no 304");
    assert!(after.body.contains(&link), "次の部 links the new page");
    assert_ne!(after.headers["etag"], before.headers["etag"]);
    assert!(booklet_after.body.contains(&link));
    assert!(booklet_after.body.contains(&second.2));
}

/// A watcher over the test's database, checking only rarely unless told otherwise.
fn watch(app: &TestApp, every: Duration) -> tokio::task::JoinHandle<()> {
    mokuhyo::cache::watch::spawn(app.pool.clone(), app.pages.clone(), every)
}

async fn until_page_shows(app: &TestApp, uri: &str, text: &str) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if get(app, uri, &[]).await.body.contains(text) {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

#[tokio::test]
async fn a_change_committed_elsewhere_is_heard_within_a_second() {
    let app = TestApp::with_demo().await;
    let watcher = watch(&app, Duration::from_secs(600));
    tokio::time::sleep(Duration::from_millis(300)).await; // listening
    assert!(get(&app, "/kariya", &[]).await.body.contains("刈谷市"));

    // Rolled back: nothing recorded, nothing forgotten.
    let changes = app.scalar("SELECT count(*) FROM public_change").await;
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("UPDATE municipality SET name = '取消市' WHERE slug = 'kariya'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        app.scalar("SELECT count(*) FROM public_change").await,
        changes
    );
    assert!(app.pages.usage().0 > 0, "the rendered page is still kept");

    // Committed by another connection (another server, a command).
    sqlx::query("UPDATE municipality SET name = '新刈谷市' WHERE slug = 'kariya'")
        .execute(&app.pool)
        .await
        .unwrap();
    let took = until_page_shows(&app, "/kariya", "新刈谷市").await;
    watcher.abort();
    println!("a committed change reached the page after {took:?}");
    assert!(took.is_some_and(|t| t < Duration::from_secs(1)), "{took:?}");
    assert_eq!(
        app.scalar("SELECT count(*) FROM public_change").await,
        changes + 1
    );
}

#[tokio::test]
async fn a_change_whose_notification_was_missed_is_found_by_the_periodic_check() {
    let app = TestApp::with_demo().await;
    let watcher = watch(&app, Duration::from_millis(500));
    tokio::time::sleep(Duration::from_millis(700)).await; // the first check has run
    assert!(get(&app, "/kariya", &[]).await.body.contains("刈谷市"));

    // A write whose notification never came: the trigger off for this transaction, the
    // change recorded by hand (as a lost listening connection would leave it).
    let mut tx = app.pool.begin().await.unwrap();
    for sql in [
        "ALTER TABLE municipality DISABLE TRIGGER public_change",
        "UPDATE municipality SET name = '静刈谷市' WHERE slug = 'kariya'",
        "ALTER TABLE municipality ENABLE TRIGGER public_change",
        "INSERT INTO public_change DEFAULT VALUES",
        // What the trigger does besides notifying: the shared store forgets the pages.
        "DELETE FROM rendered_page",
    ] {
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !get(&app, "/kariya", &[]).await.body.contains("静刈谷市"),
        "not heard: still the kept page"
    );
    let took = until_page_shows(&app, "/kariya", "静刈谷市").await;
    watcher.abort();
    assert!(took.is_some_and(|t| t < Duration::from_secs(3)), "{took:?}");
}

#[tokio::test]
async fn every_table_public_pages_read_notifies_its_changes() {
    let app = TestApp::empty().await;
    let without: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables t WHERE schemaname = current_schema()
           AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = (quote_ident(t.tablename))::regclass
                           AND g.tgname = 'public_change')
         ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    // Drafts, staff, sessions and jobs: public pages show only publications and the
    // organization. A new table must be added to one list or the other (migration 0012).
    let private = [
        "_sqlx_migrations",
        "app_user",
        "audit_event",
        "criterion",
        "criterion_result",
        "department_midyear",
        "department_profile",
        "directory_setting",
        "goal",
        "goal_midyear",
        "goal_pillar",
        "goal_result",
        "import_job",
        "initiative",
        "initiative_midyear",
        "initiative_result",
        "initiative_section",
        "job_lease",
        "last_year_review",
        "login_failure",
        "mail_message",
        "mail_setting",
        "midyear_check",
        "outside_evaluation",
        "outside_scale",
        "page_scope",
        "personnel_upload",
        "plan_actual_import",
        "plan_import",
        "plan_item_section",
        "public_change",
        "rendered_page",
        "role_assignment",
        "session",
        "sheet_event",
        "sign_in_link",
        "stage_deadline",
    ];
    assert_eq!(without, private);
}

#[tokio::test]
async fn each_page_has_one_address_so_the_cache_cannot_be_filled_with_spellings() {
    let app = TestApp::with_demo().await;
    for (uri, expected) in [
        (
            "/kariya/2026/departments/kikaku-zaisei/versions/1",
            StatusCode::OK,
        ),
        (
            "/kariya/2026/departments/kikaku-zaisei/versions/01",
            StatusCode::NOT_FOUND,
        ),
        (
            "/kariya/2026/departments/kikaku-zaisei/versions/+1",
            StatusCode::NOT_FOUND,
        ),
        ("/kariya/2026/pillars/1", StatusCode::OK),
        ("/kariya/2026/pillars/001", StatusCode::NOT_FOUND),
        ("/kazo/plans/gyosei-keiei-2/items/1", StatusCode::OK),
        ("/kazo/plans/gyosei-keiei-2/items/01", StatusCode::NOT_FOUND),
        ("/sample/2024/results/somu/versions/1", StatusCode::OK),
        (
            "/sample/2024/results/somu/versions/0001",
            StatusCode::NOT_FOUND,
        ),
    ] {
        assert_eq!(get(&app, uri, &[]).await.status, expected, "{uri}");
    }
    let (kept, _) = app.pages.usage();
    assert_eq!(kept, 4, "only the pages that exist are kept");
}
