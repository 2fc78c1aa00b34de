//! Test support: a real PostgreSQL (the one in `DATABASE_URL`, or a private cluster started
//! once per test run and removed afterwards), a fresh migrated database per test, and requests
//! through the real router.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use mokuhyo::pgcluster::{self, PrivateCluster};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use std::str::FromStr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use tower::ServiceExt;

static CLUSTER: OnceLock<Option<PrivateCluster>> = OnceLock::new();
static NEXT_DB: AtomicUsize = AtomicUsize::new(1);

/// Options for connecting as an administrator, to the database `name`.
fn admin_options(name: &str) -> PgConnectOptions {
    let cluster = CLUSTER.get_or_init(|| match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => None,
        _ => {
            let dir = std::env::temp_dir().join(format!("mokuhyo-test-{}", std::process::id()));
            let cluster = PrivateCluster::start(&dir, pgcluster::Options { ephemeral: true }, true)
                .unwrap_or_else(|e| panic!("cannot start a PostgreSQL cluster for the tests: {e}"));
            Some(cluster)
        }
    });
    match cluster {
        Some(c) => c.connect_options(name),
        None => PgConnectOptions::from_str(&std::env::var("DATABASE_URL").unwrap())
            .expect("DATABASE_URL parses")
            .database(name),
    }
}

/// A fresh, migrated database for one test.
pub async fn fresh_pool() -> PgPool {
    let name = format!(
        "mokuhyo_test_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = PgConnection::connect_with(&admin_options("postgres"))
        .await
        .expect("connect as admin");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create test database");
    admin.close().await.ok();
    let pool = mokuhyo::db::pool(admin_options(&name))
        .await
        .expect("connect to test database");
    mokuhyo::db::MIGRATOR
        .run(&pool)
        .await
        .expect("migrations apply");
    pool
}

/// The application on a fresh database.
pub struct TestApp {
    pub pool: PgPool,
    pub router: Router,
}

impl TestApp {
    /// An empty application (migrated, no cities).
    pub async fn empty() -> Self {
        let pool = fresh_pool().await;
        let state = mokuhyo::app_state(pool.clone()).await.expect("state");
        Self {
            router: mokuhyo::routes::router(state),
            pool,
        }
    }

    /// The application with the demo cities loaded.
    pub async fn with_demo() -> Self {
        let app = Self::empty().await;
        mokuhyo::demo::load(&app.pool).await.expect("demo loads");
        app
    }

    /// GETs `uri` through the router: status and body.
    pub async fn get(&self, uri: &str) -> (StatusCode, String) {
        let response = self
            .router
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .expect("router answers");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (
            status,
            String::from_utf8(bytes.to_vec()).expect("UTF-8 body"),
        )
    }
}

/// The text of an HTML fragment with tags removed and whitespace folded; block tags separate
/// words, inline tags (`span`, `a`) do not.
pub fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('>')
            .map(|e| start + e + 1)
            .unwrap_or(rest.len());
        let name: String = rest[start + 1..end]
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if !matches!(name.as_str(), "span" | "a") {
            out.push(' ');
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Asserts that `needles` appear in `haystack` in this order.
pub fn assert_in_order(haystack: &str, needles: &[&str]) {
    let mut from = 0;
    for needle in needles {
        match haystack[from..].find(needle) {
            Some(i) => from += i + needle.len(),
            None => panic!("{needle:?} not found (in order) after byte {from}"),
        }
    }
}
