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
