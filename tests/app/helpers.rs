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
            let cluster = PrivateCluster::start(
                &dir,
                pgcluster::Options {
                    ephemeral: true,
                    ..Default::default()
                },
                true,
            )
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
    /// The router's rendered pages: a test writing to the database directly (not through the
    /// router, and with no watcher listening) calls [`TestApp::forget_pages`] afterwards.
    pub pages: std::sync::Arc<mokuhyo::cache::PageCache>,
}

impl TestApp {
    /// An empty application (migrated, no cities).
    pub async fn empty() -> Self {
        let pool = fresh_pool().await;
        let state = mokuhyo::app_state(pool.clone()).await.expect("state");
        Self {
            pages: state.pages.clone(),
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

    /// A second server on the same database: its own pool and page cache (no watcher; spawn
    /// one with `mokuhyo::cache::watch::spawn` where the test needs it).
    pub async fn second_server(&self) -> TestApp {
        let options = self.pool.connect_options().as_ref().clone();
        let pool = mokuhyo::db::pool(options).await.unwrap();
        let state = mokuhyo::app_state(pool.clone()).await.unwrap();
        TestApp {
            pages: state.pages.clone(),
            router: mokuhyo::routes::router(state),
            pool,
        }
    }

    /// Another server on the same database whose clock stands at `at` (a later day, say).
    pub async fn server_at(&self, at: chrono::DateTime<chrono::Utc>) -> TestApp {
        let options = self.pool.connect_options().as_ref().clone();
        let pool = mokuhyo::db::pool(options).await.unwrap();
        let mut state = mokuhyo::app_state(pool.clone()).await.unwrap();
        state.clock = mokuhyo::domain::clock::Clock::Fixed(at);
        TestApp {
            pages: state.pages.clone(),
            router: mokuhyo::routes::router(state),
            pool,
        }
    }

    /// What a server's watcher does on a notification: rendered pages are stale.
    pub fn forget_pages(&self) {
        self.pages.forget_all();
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

/// The password every test account has.
pub const TEST_PASSWORD: &str = "test-password-123";

/// A signed-in browser: its session cookie and the CSRF token its pages carry.
#[derive(Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// A response as a test sees it.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl TestApp {
    /// A staff account in `city` with one role (for fiscal 2026); returns its id.
    pub async fn add_staff(
        &self,
        city: &str,
        username: &str,
        role: &str,
        target: Option<&str>,
    ) -> i64 {
        static HASH: OnceLock<String> = OnceLock::new();
        let hash = HASH.get_or_init(|| mokuhyo::auth::password::hash(TEST_PASSWORD));
        let mut tx = self.pool.begin().await.unwrap();
        let (mid, id): (i64, i64) = sqlx::query_as(
            "INSERT INTO app_user (municipality_id, username, display_name, password_hash)
             SELECT id, $2, $2, $3 FROM municipality WHERE slug = $1 RETURNING municipality_id, id",
        )
        .bind(city)
        .bind(username)
        .bind(hash)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        if role != "none" {
            mokuhyo::db::staff::grant_role(&mut tx, mid, id, role, 2026, target)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        id
    }

    /// Planning staff make kariya's 令和9年度 from 令和8年度, goals and all (the carry-over).
    pub async fn carry_kariya_2027(&self, admin: &Session) {
        let made = self
            .send(
                "POST",
                "/staff/admin/years",
                Some(admin),
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
    }

    /// A session for a user, as after signing in, with the CSRF token read from their home page.
    pub async fn session_for(&self, user_id: i64) -> Session {
        let cookie = mokuhyo::auth::session::create(&self.pool, user_id)
            .await
            .unwrap();
        let mut session = Session {
            cookie,
            csrf: String::new(),
        };
        let home = self.send("GET", "/staff", Some(&session), None).await;
        assert_eq!(home.status, StatusCode::OK, "signed in");
        session.csrf = hidden_csrf(&home.body).expect("staff pages carry the CSRF token");
        session
    }

    /// Sends a request through the router; a form body is URL-encoded, and carries the
    /// session's CSRF token unless it names its own `csrf`.
    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        session: Option<&Session>,
        form: Option<&[(&str, &str)]>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(s) = session {
            builder = builder.header("cookie", format!("mokuhyo_session={}", s.cookie));
        }
        let body = match form {
            Some(fields) => {
                builder = builder.header("content-type", "application/x-www-form-urlencoded");
                let mut pairs: Vec<(&str, &str)> = fields.to_vec();
                if let Some(s) = session
                    && !fields.iter().any(|(k, _)| *k == "csrf")
                {
                    pairs.push(("csrf", s.csrf.as_str()));
                }
                Body::from(serde_urlencoded::to_string(&pairs).unwrap())
            }
            None => Body::empty(),
        };
        self.send_request(builder.body(body).unwrap()).await
    }

    /// Sends a prepared request.
    pub async fn send_request(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Publishes every department of a city's 2026 targets whose draft differs from its
    /// latest publication, as planning staff would.
    pub async fn publish_all(&self, city: &str) {
        let rows: Vec<(i64, i64, i64, i64, String)> = sqlx::query_as(
            "SELECT m.id, f.id, f.policy_id, d.id, d.name FROM municipality m
             JOIN fiscal_year f ON f.municipality_id = m.id AND f.year = 2026
             JOIN department d ON d.fiscal_year_id = f.id WHERE m.slug = $1",
        )
        .bind(city)
        .fetch_all(&self.pool)
        .await
        .unwrap();
        let today = mokuhyo::domain::clock::today();
        for (mid, fid, policy, did, name) in rows {
            mokuhyo::db::publication::publish_if_changed(
                &self.pool, mid, fid, did, &name, policy, None, today,
            )
            .await
            .unwrap();
        }
        self.forget_pages();
    }

    /// An integer from the database.
    pub async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }

    /// Every editable row with its version, for asserting that nothing changed.
    pub async fn snapshot(&self) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT format('goal %s %s %s %s', id, version, position, text) FROM goal
             UNION ALL SELECT format('initiative %s %s %s %s', id, version, position, text) FROM initiative
             UNION ALL SELECT format('criterion %s %s %s %s %s %s %s', id, version, position, text, target_value, unit, comparator) FROM criterion
             UNION ALL SELECT format('link %s %s %s', initiative_id, section_id, position) FROM initiative_section
             UNION ALL SELECT format('pillar-link %s %s', goal_id, pillar_id) FROM goal_pillar
             UNION ALL SELECT format('audit %s', id) FROM audit_event
             ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await
        .unwrap()
    }
}

/// The value of the first hidden `csrf` input of a page.
pub fn hidden_csrf(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..at + html[at..].find('"')?].to_owned())
}

/// The fields a browser would send from the form posting to `action` on `html`, untouched:
/// text inputs and hidden fields with their values, checked boxes, each select's selected
/// option (or its first), textareas' text.
pub fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("method=\"post\" action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let form = &html[start..start + html[start..].find("</form>").unwrap()];
    let mut out = Vec::new();
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..at + tag[at..].find('"')?].to_owned())
    };
    let unescape = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    };
    let mut rest = form;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let end = rest.find('>').unwrap_or(rest.len() - 1);
        let tag = &rest[..=end];
        if tag.starts_with("<input") {
            if let Some(name) = attr(tag, "name") {
                let kind = attr(tag, "type").unwrap_or_default();
                let value = attr(tag, "value").unwrap_or_default();
                let checkable = kind == "checkbox" || kind == "radio";
                if !checkable || tag.contains(" checked") {
                    let value = if checkable && value.is_empty() {
                        "on".to_owned()
                    } else {
                        value
                    };
                    out.push((name, unescape(&value)));
                }
            }
        } else if tag.starts_with("<textarea") {
            if let Some(name) = attr(tag, "name") {
                let body = &rest[end + 1..];
                let text = &body[..body.find("</textarea>").unwrap()];
                out.push((name, unescape(text.strip_prefix('\n').unwrap_or(text))));
            }
        } else if tag.starts_with("<select")
            && let Some(name) = attr(tag, "name")
        {
            let body = &rest[end + 1..];
            let select = &body[..body.find("</select>").unwrap()];
            let options: Vec<&str> = select.split("<option").skip(1).collect();
            let chosen = options
                .iter()
                .find(|o| o[..o.find('>').unwrap()].contains(" selected"))
                .or(options.first());
            if let Some(o) = chosen {
                let o = format!("<option{o}");
                out.push((name, unescape(&attr(&o, "value").unwrap_or_default())));
            }
        }
        rest = &rest[end + 1..];
    }
    out
}
