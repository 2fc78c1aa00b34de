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
        pages: mokuhyo::cache::PageCache::new(mokuhyo::cache::DEFAULT_BUDGET),
        clock: mokuhyo::domain::clock::Clock::System,
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

/// A form post that owns its fields, so many can be in flight at once.
async fn post(
    app: &crate::helpers::TestApp,
    uri: String,
    session: &crate::helpers::Session,
    fields: Vec<(&'static str, String)>,
) -> crate::helpers::Reply {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.send("POST", &uri, Some(session), Some(&fields)).await
}

/// 刈谷市 with planning staff and the 企画財政部長 signed in; the department's id.
struct Racing {
    app: crate::helpers::TestApp,
    admin: crate::helpers::Session,
    head: crate::helpers::Session,
    department: i64,
}

async fn racing() -> Racing {
    let app = crate::helpers::TestApp::with_demo().await;
    let admin = app.add_staff("kariya", "race-admin", "admin", None).await;
    let head = app
        .add_staff(
            "kariya",
            "race-head",
            "department_head",
            Some("kikaku-zaisei"),
        )
        .await;
    let department = app
        .scalar("SELECT d.id FROM department d JOIN municipality m ON m.id = d.municipality_id WHERE m.slug = 'kariya' AND d.slug = 'kikaku-zaisei'")
        .await;
    Racing {
        admin: app.session_for(admin).await,
        head: app.session_for(head).await,
        app,
        department,
    }
}

impl Racing {
    /// Changes the department's draft and marks its targets approved, ready to publish.
    async fn approve_a_change(&self) {
        sqlx::query(
            "UPDATE goal SET text = text || '（改）' WHERE department_id = $1 AND position = 1",
        )
        .bind(self.department)
        .execute(&self.app.pool)
        .await
        .unwrap();
        sqlx::query(
            "UPDATE sheet SET state = 'approved' WHERE department_id = $1 AND kind = 'targets'",
        )
        .bind(self.department)
        .execute(&self.app.pool)
        .await
        .unwrap();
    }

    async fn versions(&self) -> i64 {
        self.app
            .scalar(&format!(
                "SELECT count(*) FROM publication WHERE department_id = {} AND kind = 'targets'",
                self.department
            ))
            .await
    }
}

#[tokio::test]
async fn twenty_simultaneous_publications_make_exactly_one_version() {
    let r = racing().await;
    r.approve_a_change().await;
    let before = r.versions().await;

    let uri = format!("/staff/departments/{}/workflow", r.department);
    let posts = (0..20).map(|_| {
        post(
            &r.app,
            uri.clone(),
            &r.admin,
            vec![("action", "publish".into()), ("kind", "targets".into())],
        )
    });
    let replies = futures_util::future::join_all(posts).await;

    let statuses: Vec<u16> = replies.iter().map(|x| x.status.as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 409).count(),
        19,
        "{statuses:?}"
    );
    assert!(
        replies
            .iter()
            .filter(|x| x.status == 409)
            .all(|x| x.body.contains("既に公表されています"))
    );
    assert_eq!(r.versions().await, before + 1);
}

#[tokio::test]
async fn simultaneous_publish_all_makes_one_version_per_department() {
    let r = racing().await;
    r.approve_a_change().await;
    let before = r.versions().await;
    let total_before = r.app.scalar("SELECT count(*) FROM publication").await;

    let posts = (0..10).map(|_| {
        post(
            &r.app,
            "/staff/admin/years/2026/publish".into(),
            &r.admin,
            vec![],
        )
    });
    let replies = futures_util::future::join_all(posts).await;

    assert!(
        replies.iter().all(|x| x.status.as_u16() == 303),
        "{:?}",
        replies.iter().map(|x| x.status).collect::<Vec<_>>()
    );
    assert_eq!(r.versions().await, before + 1);
    assert_eq!(
        r.app.scalar("SELECT count(*) FROM publication").await,
        total_before + 1
    );
}

#[tokio::test]
async fn simultaneous_additions_get_one_position_each() {
    let r = racing().await;
    let goal = r
        .app
        .scalar(&format!(
            "SELECT id FROM goal WHERE department_id = {} AND position = 1",
            r.department
        ))
        .await;
    let initiative = r
        .app
        .scalar(&format!(
            "SELECT id FROM initiative WHERE goal_id = {goal} AND position = 1"
        ))
        .await;
    let section = r
        .app
        .scalar(&format!(
            "SELECT id FROM section WHERE department_id = {} ORDER BY position LIMIT 1",
            r.department
        ))
        .await
        .to_string();
    let pillar = r
        .app
        .scalar(&format!(
            "SELECT pillar_id FROM goal_pillar WHERE goal_id = {goal} LIMIT 1"
        ))
        .await
        .to_string();

    let texts: Vec<String> = (0..20).map(|i| format!("同時に追加した項目{i}")).collect();
    let goals_uri = format!("/staff/departments/{}/goals", r.department);
    let initiatives_uri = format!("/staff/goals/{goal}/initiatives");
    let criteria_uri = format!("/staff/initiatives/{initiative}/criteria");
    let mut posts = Vec::new();
    for t in &texts {
        posts.push(post(
            &r.app,
            goals_uri.clone(),
            &r.head,
            vec![("text", t.clone()), ("pillar", pillar.clone())],
        ));
        posts.push(post(
            &r.app,
            initiatives_uri.clone(),
            &r.head,
            vec![("text", t.clone()), ("section", section.clone())],
        ));
        posts.push(post(
            &r.app,
            criteria_uri.clone(),
            &r.head,
            vec![("text", t.clone()), ("comparator", "at_least".into())],
        ));
    }
    let replies = futures_util::future::join_all(posts).await;

    let statuses: Vec<u16> = replies.iter().map(|x| x.status.as_u16()).collect();
    assert!(statuses.iter().all(|&s| s == 303), "{statuses:?}");
    for (table, parent, id) in [
        ("goal", "department_id", r.department),
        ("initiative", "goal_id", goal),
        ("criterion", "initiative_id", initiative),
    ] {
        let (n, distinct, max): (i64, i64, i32) = sqlx::query_as(&format!(
            "SELECT count(*), count(DISTINCT position), max(position) FROM {table} WHERE {parent} = $1"
        ))
        .bind(id)
        .fetch_one(&r.app.pool)
        .await
        .unwrap();
        assert_eq!(n, distinct, "{table}: positions are distinct");
        assert_eq!(max as i64, n, "{table}: positions have no gaps");
        let added = r.app.scalar(&format!("SELECT count(*) FROM {table} WHERE {parent} = {id} AND text LIKE '同時に追加した項目%'")).await;
        assert_eq!(added, 20, "{table}: every addition is there once");
    }
}

#[tokio::test]
async fn simultaneous_departments_and_years_are_created_or_refused_with_a_message() {
    let r = racing().await;
    let names: Vec<(String, String)> = (0..10)
        .map(|i| (format!("新設部{i}"), format!("shinsetsu-{i}")))
        .collect();
    let posts = names.iter().map(|(name, slug)| {
        post(
            &r.app,
            "/staff/admin/years/2026/departments".into(),
            &r.admin,
            vec![("name", name.clone()), ("slug", slug.clone())],
        )
    });
    let replies = futures_util::future::join_all(posts).await;
    assert!(
        replies.iter().all(|x| x.status.as_u16() == 303),
        "{:?}",
        replies
            .iter()
            .map(|x| (x.status, x.body.chars().take(300).collect::<String>()))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        r.app
            .scalar("SELECT count(*) FROM department WHERE slug LIKE 'shinsetsu-%'")
            .await,
        10
    );

    let years = (0..5).map(|_| {
        post(
            &r.app,
            "/staff/admin/years".into(),
            &r.admin,
            vec![
                ("year", "2031".into()),
                ("title", "刈谷市組織重点目標".into()),
                ("tables_title", "組織重点目標".into()),
                ("copy_from", "".into()),
            ],
        )
    });
    let replies = futures_util::future::join_all(years).await;
    let statuses: Vec<u16> = replies.iter().map(|x| x.status.as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|&s| s == 303 || s == 422),
        "{statuses:?}"
    );
    assert_eq!(
        r.app
            .scalar("SELECT count(*) FROM fiscal_year WHERE year = 2031")
            .await,
        1
    );
}

#[tokio::test]
async fn a_save_that_began_before_the_submission_does_not_land_in_the_submitted_sheet() {
    let r = racing().await;
    let chief = r
        .app
        .add_staff("kariya", "race-chief", "section_chief", Some("情報政策課"))
        .await;
    let chief = r.app.session_for(chief).await;
    let initiative: (i64, i32, String) = sqlx::query_as(
        "SELECT i.id, i.version, s.id::text FROM initiative i JOIN initiative_section x ON x.initiative_id = i.id JOIN section s ON s.id = x.section_id WHERE s.name = '情報政策課' AND s.department_id = $1 LIMIT 1",
    )
    .bind(r.department)
    .fetch_one(&r.app.pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO sheet (municipality_id, department_id, kind) SELECT municipality_id, id, 'targets' FROM department WHERE id = $1 ON CONFLICT DO NOTHING")
        .bind(r.department)
        .execute(&r.app.pool)
        .await
        .unwrap();
    // The head's 提出 holds the sheet's row while the chief saves.
    let mut submit = r.app.pool.begin().await.unwrap();
    sqlx::query("UPDATE sheet SET state = 'draft' WHERE department_id = $1 AND kind = 'targets'")
        .bind(r.department)
        .execute(&mut *submit)
        .await
        .unwrap();
    let before = r.app.snapshot().await;
    let uri = format!("/staff/initiatives/{}", initiative.0);
    let version = initiative.1.to_string();
    let save = post(
        &r.app,
        uri,
        &chief,
        vec![
            ("text", "提出の直前に保存した内容".into()),
            ("section", initiative.2.clone()),
            ("version", version),
        ],
    );
    let submit_then_commit = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        sqlx::query(
            "UPDATE sheet SET state = 'submitted' WHERE department_id = $1 AND kind = 'targets'",
        )
        .bind(r.department)
        .execute(&mut *submit)
        .await
        .unwrap();
        submit.commit().await.unwrap();
    };
    let (reply, ()) = tokio::join!(save, submit_then_commit);

    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(
        reply
            .body
            .contains("提出済みまたは承認済みのため変更できません")
    );
    assert_eq!(r.app.snapshot().await, before, "nothing was written");
}

#[tokio::test]
async fn a_running_import_held_by_a_live_server_is_not_failed_by_another_one() {
    let app = crate::helpers::TestApp::with_demo().await;
    let user = app.add_staff("kariya", "importer", "admin", None).await;
    let insert = "INSERT INTO import_job (municipality_id, fiscal_year_id, created_by, filename, parsed, preview, fingerprint, total_departments, state, started_at)
         SELECT m.id, f.id, $1, 'a.xlsx', '{}', '[]', '', 1, 'running', now() - interval '1 minute'
         FROM municipality m JOIN fiscal_year f ON f.municipality_id = m.id AND f.year = 2026 WHERE m.slug = 'kariya' RETURNING id";
    let held: i64 = sqlx::query_scalar(insert)
        .bind(user)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let orphaned: i64 = sqlx::query_scalar(insert)
        .bind(user)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // "Server A" applies `held`: its transaction holds the job's lease.
    let mut server_a = app.pool.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2::int)")
        .bind(mokuhyo::db::imports::LEASE_KEY)
        .bind(held as i32)
        .execute(&mut *server_a)
        .await
        .unwrap();

    // "Server B" starts (or sweeps) meanwhile.
    let marked = mokuhyo::db::imports::fail_interrupted(&app.pool, std::time::Duration::ZERO)
        .await
        .unwrap();
    let state = |id: i64| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT state FROM import_job WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };

    assert_eq!(marked, 1, "only the job nobody holds");
    assert_eq!(state(held).await, "running");
    assert_eq!(state(orphaned).await, "failed");

    // Server A dies: its transaction and lease end; the job is then found interrupted.
    drop(server_a);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let marked = mokuhyo::db::imports::fail_interrupted(&app.pool, std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(marked, 1);
    assert_eq!(state(held).await, "failed");
    // A job just started is given time to take its lease.
    sqlx::query("UPDATE import_job SET state = 'running', started_at = now() WHERE id = $1")
        .bind(held)
        .execute(&app.pool)
        .await
        .unwrap();
    let marked =
        mokuhyo::db::imports::fail_interrupted(&app.pool, std::time::Duration::from_secs(30))
            .await
            .unwrap();
    assert_eq!(marked, 0);
}

#[tokio::test]
async fn with_an_external_database_the_same_pool_recovers_once_it_is_back() {
    // An "external" PostgreSQL of our own, which the test stops and starts again.
    let dir = tempfile::Builder::new()
        .prefix("mokuhyo-ext-")
        .tempdir()
        .unwrap();
    if nix::unistd::Uid::effective().is_root() {
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
    }
    let path = dir.path().join("pg-ext");
    let mut cluster = tokio::task::spawn_blocking(move || {
        mokuhyo::pgcluster::PrivateCluster::start(
            &path,
            mokuhyo::pgcluster::Options {
                ephemeral: true,
                ..Default::default()
            },
            true,
        )
    })
    .await
    .unwrap()
    .expect("a cluster starts");
    let pool = mokuhyo::db::pool(cluster.connect_options("postgres"))
        .await
        .unwrap();
    mokuhyo::db::MIGRATOR.run(&pool).await.unwrap();
    let state = mokuhyo::app_state(pool).await.unwrap();
    // One server keeps no pages (every request goes to the database), one keeps them.
    let cached = mokuhyo::routes::router(state.clone());
    let router = mokuhyo::routes::router(mokuhyo::state::AppState {
        pages: mokuhyo::cache::PageCache::new(0),
        ..state
    });
    let get = |router: axum::Router| async move {
        let started = Instant::now();
        let response = router
            .oneshot(Request::get("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        (response.status(), started.elapsed())
    };
    assert_eq!(get(router.clone()).await.0, StatusCode::OK);
    assert_eq!(get(cached.clone()).await.0, StatusCode::OK);

    let mut cluster = tokio::task::spawn_blocking(move || {
        cluster.stop().unwrap();
        cluster
    })
    .await
    .unwrap();
    let (down, took) = get(router.clone()).await;
    let (kept, _) = get(cached.clone()).await;
    cluster = tokio::task::spawn_blocking(move || {
        cluster.restart().unwrap();
        cluster
    })
    .await
    .unwrap();
    let restarted = Instant::now();
    let mut back = None;
    while restarted.elapsed().as_secs() < 30 {
        if get(router.clone()).await.0 == StatusCode::OK {
            back = Some(restarted.elapsed());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    println!("database stopped: {down} in {took:?}; pages again {back:?} after its restart");

    assert_eq!(down, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        kept,
        StatusCode::OK,
        "a rendered page is served while the database is away"
    );
    assert!(took.as_secs() < 10, "failed fast: {took:?}");
    assert!(back.is_some(), "the pool recovered by itself");
    drop(cluster);
}

#[tokio::test]
async fn each_not_found_page_names_its_address_and_keeps_the_security_headers() {
    let app = crate::helpers::TestApp::with_demo().await;

    let a = app.send("GET", "/kariya/2099", None, None).await;
    let b = app.send("GET", "/no-such-city", None, None).await;
    let escaped = app.send("GET", "/%3Cscript%3E", None, None).await;

    let title =
        |body: &str| body[body.find("<title>").unwrap()..body.find("</title>").unwrap()].to_owned();
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(
        title(&a.body).contains("/kariya/2099"),
        "{}",
        title(&a.body)
    );
    assert_ne!(title(&a.body), title(&b.body));
    assert!(a.headers.contains_key("content-security-policy"));
    assert!(a.headers.contains_key("x-content-type-options"));
    assert!(!escaped.body.contains("<script>"), "the address is escaped");
}
