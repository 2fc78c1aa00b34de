//! Pages are built from a fixed number of queries, whatever a department's size (no N+1).
//! Statements are counted from sqlx's own per-statement log events.

use crate::helpers::TestApp;
use std::cell::Cell;
use std::sync::Once;
use tracing::Subscriber;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

thread_local! {
    static STATEMENTS: Cell<usize> = const { Cell::new(0) };
}

/// Counts sqlx's per-statement events on the thread that runs them. A global subscriber (not a
/// scoped one) because tracing caches callsite interest globally across parallel tests.
struct CountStatements;

impl<S: Subscriber> Layer<S> for CountStatements {
    fn on_event(&self, _event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        STATEMENTS.with(|n| n.set(n.get() + 1));
    }
}

/// The number of SQL statements run while fetching `uri`.
pub async fn statements_for(app: &TestApp, uri: &str) -> usize {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(
            CountStatements
                .with_filter(Targets::new().with_target("sqlx::query", LevelFilter::DEBUG)),
        );
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in the tests");
    });
    // The test runtime runs on this thread only, so every query of the request is counted here.
    let before = STATEMENTS.with(Cell::get);
    let (status, _) = app.get(uri).await;
    assert!(status.is_success(), "{uri}: {status}");
    STATEMENTS.with(Cell::get) - before
}

/// SQL statements run on this thread so far (the counter installed by a first fetch).
pub async fn statements_so_far(app: &TestApp) -> usize {
    statements_for(app, "/").await;
    STATEMENTS.with(Cell::get)
}

/// The number of SQL statements run while `session` fetches `uri`.
pub async fn statements_as(app: &TestApp, uri: &str, session: &crate::helpers::Session) -> usize {
    statements_for(app, "/").await; // the counter installed
    let before = STATEMENTS.with(Cell::get);
    let reply = app.send("GET", uri, Some(session), None).await;
    assert!(reply.status.is_success(), "{uri}: {}", reply.status);
    STATEMENTS.with(Cell::get) - before
}

#[tokio::test]
async fn staff_pages_come_from_the_database_each_time_with_a_fixed_count() {
    let app = TestApp::with_demo().await;
    let admin = app
        .add_staff("kariya", "counting-admin", "admin", None)
        .await;
    let admin = app.session_for(admin).await;
    let id = app
        .scalar("SELECT d.id FROM department d JOIN municipality m ON m.id = d.municipality_id WHERE m.slug = 'kariya' AND d.slug = 'kikaku-zaisei'")
        .await;
    // As measured before public pages were cached (session, roles, sheet, tree…).
    for (uri, most) in [
        // 17: with last year's results beside the carried items (two statements).
        (format!("/staff/departments/{id}"), 17),
        ("/staff/admin/years/2026".to_owned(), 7),
        (format!("/staff/departments/{id}/preview"), 9),
    ] {
        let first = statements_as(&app, &uri, &admin).await;
        let second = statements_as(&app, &uri, &admin).await;
        println!("{uri}: {first} statements");
        assert_eq!(
            first, second,
            "{uri}: drafts are never served from the page cache"
        );
        assert!(first > 0 && first <= most, "{uri}: {first} statements");
    }
}

#[tokio::test]
async fn department_pages_use_the_same_few_queries_whatever_their_size() {
    let app = TestApp::with_demo().await;

    let small = statements_for(&app, "/kariya/2026/departments/kyoiku").await; // 5 initiatives
    let large = statements_for(&app, "/kariya/2026/departments/fukushi-kenko").await; // 14 initiatives

    assert!(small > 0, "statements are counted");
    assert_eq!(small, large);
    // At most 8 to render, and the shared page store's read and write.
    assert!(large <= 10, "{large} statements");
}

#[tokio::test]
async fn the_booklet_uses_a_fixed_number_of_queries() {
    let app = TestApp::with_demo().await;

    let n = statements_for(&app, "/kariya/2026").await;

    // At most 6 to render (one reads every sheet, for the size of the booklet's PDF), and
    // the shared page store's read and write.
    assert!(n > 0 && n <= 8, "{n} statements");
}

#[tokio::test]
async fn plan_pages_use_the_same_few_queries_whatever_the_item() {
    let app = TestApp::with_demo().await;

    let toc = statements_for(&app, "/kazo/plans/gyosei-keiei-2").await;
    let one_indicator = statements_for(&app, "/kazo/plans/gyosei-keiei-2/items/1").await;
    let two_indicators = statements_for(&app, "/kazo/plans/gyosei-keiei-2/items/12").await;
    let deployment = statements_for(&app, "/kokubunji/2026/departments/shimin").await; // 25 items

    assert_eq!(one_indicator, two_indicators);
    assert!(
        // The city, the plan, then its nodes, items, places, indicators, targets and years'
        // states at once, then the published years' actuals, notes and target revisions;
        // and the shared page store's read and write.
        toc <= 13 && one_indicator <= 13,
        "{toc} / {one_indicator} statements"
    );
    assert!(
        deployment <= 10,
        "{deployment} statements (8, and the page store's two)"
    );
}

#[tokio::test]
async fn plan_editor_pages_use_the_same_queries_whatever_the_item() {
    let app = TestApp::with_demo().await;
    let admin = app
        .add_staff("kazo", "counting-planner", "admin", None)
        .await;
    let s = app.session_for(admin).await;
    let plan = "/staff/plans/gyosei-keiei-2";
    let one = statements_as(&app, &format!("{plan}/items/1/edit"), &s).await;
    let two = statements_as(&app, &format!("{plan}/items/12/edit"), &s).await;
    let overview = statements_as(&app, plan, &s).await;
    let list = statements_as(&app, "/staff/plans", &s).await;
    let progress = statements_as(&app, &format!("{plan}/progress/2017"), &s).await;
    assert_eq!(
        one, two,
        "an item with two indicators costs what one with one does"
    );
    for (page, n) in [
        ("item", one),
        ("overview", overview),
        ("list", list),
        ("progress", progress),
    ] {
        assert!(n > 0 && n <= 20, "{page}: {n} statements");
    }
}
