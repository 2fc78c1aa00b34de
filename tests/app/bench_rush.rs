//! The deadline rush, measured (prints numbers, asserts only that nothing was lost): two
//! servers (two application states, each with its own pool and page cache, and a watcher) on
//! one database; 300 section chiefs of seven cities sign in and save their results over
//! `RUSH_SECONDS` (default 60) while 32 citizens read public pages. Run with
//! `cargo test --release --test app bench_deadline_rush -- --ignored --nocapture`.

use crate::helpers::{Session, TEST_PASSWORD, TestApp, form_fields, hidden_csrf};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CHIEFS: usize = 300;

#[derive(Default)]
struct Figures {
    sign_ins: Vec<f64>,
    forms: Vec<f64>,
    saves: Vec<f64>,
    public: Vec<f64>,
    errors: Vec<String>,
}

/// Chiefs: (city, section name, initiative id), each with an initiative of their own.
async fn chiefs(app: &TestApp) -> Vec<(String, String, i64)> {
    sqlx::query_as(
        "SELECT DISTINCT ON (x.initiative_id) m.slug, s.name, x.initiative_id
           FROM initiative_section x JOIN section s ON s.id = x.section_id
           JOIN fiscal_year f ON f.id = s.fiscal_year_id AND f.year = 2026
           JOIN municipality m ON m.id = s.municipality_id
          WHERE m.slug = 'kariya' OR m.slug LIKE 'kariya-_'
          ORDER BY x.initiative_id, s.id LIMIT $1",
    )
    .bind(CHIEFS as i64)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn sign_in(app: &TestApp, username: &str, n: usize) -> Option<Session> {
    let page = app.send("GET", "/login", None, None).await;
    let set = page.headers.get_all("set-cookie").iter().find_map(|v| {
        let v = v.to_str().ok()?;
        v.strip_prefix("mokuhyo_login=")
            .map(|r| r.split(';').next().unwrap_or("").to_owned())
    })?;
    let csrf = hidden_csrf(&page.body)?;
    let body = serde_urlencoded::to_string([
        ("csrf", csrf.as_str()),
        ("username", username),
        ("password", TEST_PASSWORD),
        ("next", "/staff"),
    ])
    .unwrap();
    let mut request = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("mokuhyo_login={set}"))
        .body(Body::from(body))
        .unwrap();
    let from = format!("10.1.{}.{}:5000", n / 200, n % 200 + 1);
    request
        .extensions_mut()
        .insert(ConnectInfo(from.parse::<SocketAddr>().unwrap()));
    let reply = app.send_request(request).await;
    if reply.status != StatusCode::SEE_OTHER {
        eprintln!("sign-in {username}: {}", reply.status);
    }
    let cookie = reply.headers.get_all("set-cookie").iter().find_map(|v| {
        let v = v.to_str().ok()?;
        v.strip_prefix("mokuhyo_session=")
            .map(|r| r.split(';').next().unwrap_or("").to_owned())
    })?;
    let mut session = Session {
        cookie,
        csrf: String::new(),
    };
    let home = app.send("GET", "/staff", Some(&session), None).await;
    session.csrf = hidden_csrf(&home.body)?;
    Some(session)
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// One chief: signs in at a moment in the first third, then saves every 2–6 s; returns the
/// text saved last.
async fn chief(
    app: Arc<TestApp>,
    n: usize,
    initiative: i64,
    until: Instant,
    figures: Arc<Mutex<Figures>>,
) -> Option<String> {
    let third = until.saturating_duration_since(Instant::now()) / 3;
    tokio::time::sleep(third.mul_f64((n as f64 * 0.618_034) % 1.0)).await;
    let t = Instant::now();
    let session = sign_in(&app, &format!("rush{n}"), n).await;
    figures.lock().unwrap().sign_ins.push(ms(t));
    let Some(session) = session else {
        figures
            .lock()
            .unwrap()
            .errors
            .push(format!("rush{n}: sign-in"));
        return None;
    };
    let action = format!("/staff/initiatives/{initiative}/results");
    let mut last = None;
    let mut round = 0;
    while Instant::now() < until {
        let t = Instant::now();
        let form = app.send("GET", &action, Some(&session), None).await;
        figures.lock().unwrap().forms.push(ms(t));
        if form.status != StatusCode::OK {
            figures
                .lock()
                .unwrap()
                .errors
                .push(format!("{action}: {}", form.status));
            break;
        }
        round += 1;
        let text = format!("締切前の入力 {n}-{round}");
        // The form posts to its own address.
        let html = form.body.replace(
            "<form method=\"post\" class=\"form\">",
            &format!("<form method=\"post\" action=\"{action}\" class=\"form\">"),
        );
        let fields: Vec<(String, String)> = form_fields(&html, &action)
            .into_iter()
            .map(|(k, v)| {
                if k == "performance" {
                    (k, text.clone())
                } else {
                    (k, v)
                }
            })
            .collect();
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let t = Instant::now();
        let saved = app
            .send("POST", &action, Some(&session), Some(&pairs))
            .await;
        figures.lock().unwrap().saves.push(ms(t));
        if saved.status == StatusCode::SEE_OTHER {
            last = Some(text);
        } else {
            figures
                .lock()
                .unwrap()
                .errors
                .push(format!("save {action}: {}", saved.status));
        }
        tokio::time::sleep(Duration::from_millis(
            2000 + (n as u64 * 7919 + round) % 4000,
        ))
        .await;
    }
    last
}

/// One citizen: reads the seven cities' public pages one after another until the end.
async fn citizen(
    app: Arc<TestApp>,
    n: usize,
    pages: Arc<Vec<String>>,
    until: Instant,
    figures: Arc<Mutex<Figures>>,
) {
    let mut i = n * 7;
    while Instant::now() < until {
        let page = &pages[i % pages.len()];
        let t = Instant::now();
        let (status, _) = app.get(page).await;
        figures.lock().unwrap().public.push(ms(t));
        if status != StatusCode::OK {
            figures
                .lock()
                .unwrap()
                .errors
                .push(format!("{page}: {status}"));
        }
        i += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn line(name: &str, v: &mut [f64]) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        v.get(((v.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "{name:<22} {:>7} {:>9.1} {:>9.1} {:>9.1}",
        v.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

/// Two servers on one database with the demo and six copies of 刈谷市, and the chiefs'
/// accounts.
async fn two_servers_and_chiefs() -> ([Arc<TestApp>; 2], Vec<(String, String, i64)>) {
    let first = TestApp::with_demo().await;
    mokuhyo::db::clone::clone_city(&first.pool, "kariya", &[1, 2, 3, 4, 5, 6], |_| {})
        .await
        .unwrap();
    let chiefs = chiefs(&first).await;
    assert_eq!(chiefs.len(), CHIEFS);
    for (n, (city, section, _)) in chiefs.iter().enumerate() {
        first
            .add_staff(city, &format!("rush{n}"), "section_chief", Some(section))
            .await;
    }
    let second = first.second_server().await;
    ([Arc::new(first), Arc::new(second)], chiefs)
}

/// How many saves answered as saved are not the text stored now.
async fn lost_saves(
    app: &TestApp,
    chiefs: &[(String, String, i64)],
    tasks: Vec<tokio::task::JoinHandle<Option<String>>>,
) -> usize {
    let mut lost = 0;
    for ((_, _, initiative), task) in chiefs.iter().zip(tasks) {
        if let Some(text) = task.await.unwrap() {
            let stored: String = sqlx::query_scalar("SELECT array_to_string(performance, '') FROM initiative_result WHERE initiative_id = $1")
                .bind(initiative)
                .fetch_one(&app.pool)
                .await
                .unwrap_or_default();
            lost += usize::from(stored.trim() != text);
        }
    }
    lost
}

fn report(f: &mut Figures, seconds: u64, lost: usize, connections: i64) {
    println!(
        "deadline rush: {CHIEFS} chiefs, 32 citizens, two servers (pool {} each), {seconds} s",
        mokuhyo::db::pool_size_from_env()
    );
    println!(
        "{:<22} {:>7} {:>9} {:>9} {:>9}",
        "", "count", "p50 ms", "p99 ms", "max ms"
    );
    line("sign-in", &mut f.sign_ins);
    line("results form", &mut f.forms);
    line("save", &mut f.saves);
    line("public page", &mut f.public);
    println!(
        "errors: {}, lost saves: {lost}, database connections at most: {connections}",
        f.errors.len()
    );
    for e in f.errors.iter().take(5) {
        println!("  {e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly, prints numbers"]
async fn bench_deadline_rush() {
    let (servers, chiefs) = two_servers_and_chiefs().await;
    let watchers: Vec<_> = servers
        .iter()
        .map(|s| {
            mokuhyo::cache::watch::spawn(s.pool.clone(), s.pages.clone(), Duration::from_secs(2))
        })
        .collect();
    let seconds: u64 = std::env::var("RUSH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let until = Instant::now() + Duration::from_secs(seconds);
    let figures = Arc::new(Mutex::new(Figures::default()));
    let pages: Vec<String> = [
        "",
        "/2026",
        "/2026/departments/kikaku-zaisei",
        "/2026/pillars/1",
        "/2026.json",
    ]
    .iter()
    .flat_map(|p| {
        [
            "kariya", "kariya-1", "kariya-2", "kariya-3", "kariya-4", "kariya-5", "kariya-6",
        ]
        .map(|c| format!("/{c}{p}"))
    })
    .collect();
    let pages = Arc::new(pages);
    let readers: Vec<_> = (0..32)
        .map(|n| {
            tokio::spawn(citizen(
                servers[n % 2].clone(),
                n,
                pages.clone(),
                until,
                figures.clone(),
            ))
        })
        .collect();
    let tasks: Vec<_> = chiefs
        .iter()
        .enumerate()
        .map(|(n, (_, _, initiative))| {
            tokio::spawn(chief(
                servers[n % 2].clone(),
                n,
                *initiative,
                until,
                figures.clone(),
            ))
        })
        .collect();
    let mut connections = 0i64;
    while Instant::now() < until {
        let open = servers[0]
            .scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            .await;
        connections = connections.max(open);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let lost = lost_saves(&servers[0], &chiefs, tasks).await;
    for r in readers {
        r.await.unwrap();
    }
    watchers.iter().for_each(|w| w.abort());
    report(&mut figures.lock().unwrap(), seconds, lost, connections);
    assert_eq!(lost, 0, "every save that was answered as saved is stored");
}
