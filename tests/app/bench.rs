//! Benchmarks that print numbers (never assert on time). Run with
//! `cargo test --release --test app bench -- --ignored --nocapture`.

use crate::helpers::TestApp;
use crate::query_count::statements_for;
use std::time::Instant;

#[tokio::test]
#[ignore = "benchmark: run explicitly, prints numbers"]
async fn bench_public_pages() {
    let app = TestApp::with_demo().await;
    let pages = [
        "/",
        "/kariya",
        "/kariya/2026",
        "/kariya/2026/departments/kyoiku",
        "/kariya/2026/departments/fukushi-kenko",
        "/kokubunji/2026/departments/shimin",
        "/kazo/plans/gyosei-keiei-2",
        "/kazo/plans/gyosei-keiei-2/items/12",
    ];
    println!(
        "{:<42} {:>10} {:>10} {:>10} {:>8}",
        "page", "statements", "mean µs", "p95 µs", "req/s"
    );
    for page in pages {
        let statements = statements_for(&app, page).await;
        for _ in 0..20 {
            app.get(page).await; // warm up
        }
        let mut samples = Vec::with_capacity(500);
        let start = Instant::now();
        for _ in 0..500 {
            let t = Instant::now();
            app.get(page).await;
            samples.push(t.elapsed().as_micros());
        }
        let total = start.elapsed();
        samples.sort_unstable();
        let mean = samples.iter().sum::<u128>() / samples.len() as u128;
        let p95 = samples[samples.len() * 95 / 100];
        let rps = samples.len() as f64 / total.as_secs_f64();
        println!("{page:<42} {statements:>10} {mean:>10} {p95:>10} {rps:>8.0}");
    }
}

/// A large spreadsheet import (every department, 1,200 goals, 3,600 initiatives): time to read
/// and preview, time to apply in the background, and how a public page answers meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly, prints numbers"]
async fn bench_large_import() {
    use crate::import::{admin_session, empty_2027, job_of, upload};
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    empty_2027(&app, &s).await;
    let departments: Vec<(String, String)> = sqlx::query_as(
        "SELECT d.name, min(s.name) FROM department d JOIN section s ON s.department_id = d.id
         JOIN fiscal_year f ON f.id = d.fiscal_year_id WHERE f.year = 2027 GROUP BY d.id, d.name, d.position ORDER BY d.position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let file = large_workbook(&departments, false);
    println!("file: 3600 rows, {} KB", file.len() / 1024);

    let t = Instant::now();
    let job = job_of(&upload(&app, &s, 2027, "large.xlsx", &file).await);
    println!("upload + read + preview: {} ms", t.elapsed().as_millis());

    let t = Instant::now();
    let reply = app
        .send(
            "POST",
            &format!("/staff/import/{job}/confirm"),
            Some(&s),
            Some(&[]),
        )
        .await;
    assert_eq!(reply.status, axum::http::StatusCode::SEE_OTHER);
    let mut samples = Vec::new();
    loop {
        let state: String = sqlx::query_scalar("SELECT state FROM import_job WHERE id = $1")
            .bind(job)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if state != "running" {
            println!("apply: {} ms, final state {state}", t.elapsed().as_millis());
            break;
        }
        let q = Instant::now();
        app.get("/kariya/2026/departments/kyoiku").await;
        samples.push(q.elapsed().as_micros());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    samples.sort_unstable();
    if !samples.is_empty() {
        println!(
            "department page during the import: {} requests, median {} µs, p95 {} µs, max {} µs",
            samples.len(),
            samples[samples.len() / 2],
            samples[samples.len() * 95 / 100],
            samples[samples.len() - 1]
        );
    }

    // The same goals again with 実績, 実績値 and 成果 for every initiative (a results workbook).
    let file = large_workbook(&departments, true);
    let t = Instant::now();
    let grids = mokuhyo::import::spreadsheet::read("large-results.xlsx", &file).unwrap();
    let read_ms = t.elapsed().as_millis();
    let (mid, fid): (i64, i64) = sqlx::query_as(
        "SELECT f.municipality_id, f.id FROM fiscal_year f JOIN municipality m ON m.id = f.municipality_id WHERE m.slug = 'kariya' AND f.year = 2027",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let ctx = mokuhyo::db::imports::context(&app.pool, mid, fid)
        .await
        .unwrap();
    let t = Instant::now();
    let parsed = mokuhyo::import::layout::parse(&grids, &ctx);
    println!(
        "results workbook: read {read_ms} ms, parse {} ms ({} problems)",
        t.elapsed().as_millis(),
        parsed.problems.len()
    );
    let t = Instant::now();
    let job = job_of(&upload(&app, &s, 2027, "large-results.xlsx", &file).await);
    println!(
        "results workbook: upload + read + preview: {} ms",
        t.elapsed().as_millis()
    );
    let t = Instant::now();
    let page = crate::import::confirm(&app, &s, job).await;
    assert!(page.contains("取り込みました"), "{page}");
    println!("results workbook: apply: {} ms", t.elapsed().as_millis());
}

/// 3,600 rows: per department 100 goals of 3 initiatives with two criteria each, and with
/// `results`, the actual values, 実績 and 成果 of every initiative.
fn large_workbook(departments: &[(String, String)], results: bool) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let mut header = vec!["部", "柱", "組織目標", "取組内容", "課等", "目標達成基準"];
    if results {
        header.extend(["実績値", "実績", "成果"]);
    }
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let mut row = 1;
    for (d, section) in departments {
        for g in 0..100 {
            for i in 0..3 {
                let mut cells = vec![
                    d.clone(),
                    format!("{}", g % 6 + 1),
                    format!("{d}の組織目標{g}：市民サービスの向上を図ります。"),
                    format!("取組{i}：業務の見直しと改善を進めます。"),
                    section.clone(),
                    format!("・研修の実施 {i}回以上\n・満足度調査の実施"),
                ];
                if results {
                    cells.extend([
                        format!("{}\n実施した", i + 1),
                        "・研修を実施した\n・調査を実施した".to_owned(),
                        "職員の理解が深まった。".to_owned(),
                    ]);
                }
                for (c, v) in cells.iter().enumerate() {
                    ws.write_string(row, c as u16, v).unwrap();
                }
                row += 1;
            }
        }
    }
    wb.save_to_buffer().unwrap()
}
