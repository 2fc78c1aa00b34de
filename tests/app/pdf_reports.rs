//! The report PDFs (達成状況のまとめ with its chart, a plan year's 取組状況) and the size every
//! public page gives beside its PDF link — always the size of the PDF then served, also after
//! a new publication.

use crate::helpers::TestApp;
use crate::pdf::{assert_tagged, fetch, squeezed, structure, text_of};
use axum::http::StatusCode;
use lopdf::Document;
use mokuhyo::domain::sheet::ResultsSheet;

/// The label of the page's PDF link (「PDF版（A4横・101 KB）」) and where it leads.
fn pdf_link(page: &str) -> (String, String) {
    let at = page.find("class=\"pdf-link\"").expect("a PDF link");
    let link = &page[at..];
    let href = link.split("href=\"").nth(1).unwrap();
    let href = href[..href.find('"').unwrap()].to_owned();
    let label = link[link.find('>').unwrap()..].split('>').nth(2).unwrap();
    let label = label[..label.find("</a").unwrap()].to_owned();
    (label, href)
}

/// Every public page with a PDF states the size of the PDF it links to.
pub async fn assert_size_is_told(app: &TestApp, page: &str) -> Vec<u8> {
    let (status, html) = app.get(page).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (label, href) = pdf_link(&html);
    let (status, _, pdf) = fetch(app, &href).await;
    assert_eq!(status, StatusCode::OK, "{href}");
    let size = mokuhyo::pdf::size_label(pdf.len());
    assert!(
        label.contains("PDF版（") && label.ends_with(&format!("・{size}）")),
        "{page}: {label} for {} bytes",
        pdf.len()
    );
    pdf
}

/// A PDF text string: UTF-16BE after its byte order mark, or else bytes as they are.
fn text_string(bytes: &[u8]) -> String {
    match bytes.strip_prefix(&[0xfe, 0xff]) {
        Some(utf16) => String::from_utf16_lossy(
            &utf16
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect::<Vec<_>>(),
        ),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// サンプル市's published results, department by department.
pub async fn sample_results(app: &TestApp) -> Vec<ResultsSheet> {
    let sheets: Vec<sqlx::types::Json<ResultsSheet>> = sqlx::query_scalar(
        "SELECT DISTINCT ON (d.position) p.content FROM publication p
         JOIN department d ON d.id = p.department_id JOIN municipality m ON m.id = p.municipality_id
         WHERE m.slug = 'sample' AND p.kind = 'results' ORDER BY d.position, p.version DESC",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    sheets.into_iter().map(|s| s.0).collect()
}

#[tokio::test]
async fn the_summary_pdf_has_the_chart_and_every_count_of_the_page() {
    let app = TestApp::with_demo().await;
    let pdf = assert_size_is_told(&app, "/sample/2024/summary").await;
    let figures = mokuhyo::domain::summary::figures(&sample_results(&app).await);
    assert!(figures.departments.len() >= 5);
    let mut expected = vec![squeezed("令和6年度 達成状況のまとめ"), "部ごと".to_owned()];
    for d in &figures.departments {
        let c = &d.counts;
        let mut row = squeezed(&d.label);
        for n in c.by_status.iter().chain([&c.undecided, &c.total()]) {
            row.push_str(&n.to_string());
        }
        row.push_str(
            &c.achieved_rate()
                .map_or("—".to_owned(), |r| format!("{r}%")),
        );
        expected.push(row);
    }
    expected.push(format!("合計{}", figures.total.by_status[0]));
    if !figures.pillars.is_empty() {
        expected.push("柱ごと".to_owned());
    }
    for (n, title, _) in &figures.pillars {
        expected.push(squeezed(&format!("({n}){title}")));
    }
    let text = text_of(&pdf);
    let needles: Vec<&str> = expected.iter().map(String::as_str).collect();
    crate::helpers::assert_in_order(&text, &needles);
    let doc = Document::load_mem(&pdf).unwrap();
    assert_tagged(&doc, "令和6年度 達成状況のまとめ（サンプル市）", false);
    let (kinds, scopes) = structure(&doc);
    for kind in ["H1", "H2", "Table", "TH", "TD", "Figure", "Caption"] {
        assert!(kinds.contains(kind), "{kind} in {kinds:?}");
    }
    assert!(
        scopes.contains("Column") && scopes.contains("Row"),
        "{scopes:?}"
    );
    // The chart is drawn, with its text alternative.
    let alt = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .any(|d| {
            d.get(b"Alt")
                .and_then(lopdf::Object::as_str)
                .is_ok_and(|a| text_string(a).contains("横棒グラフ"))
        });
    assert!(alt, "the chart's text alternative");
    // A year without judgments has no summary, and no PDF of it.
    let (status, _, _) = fetch(&app, "/kariya/2026/summary.pdf").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_published_plan_years_pdf_holds_every_item_and_an_unpublished_year_has_none() {
    let app = TestApp::with_demo().await;
    let base = "/kazo/plans/gyosei-keiei-2/progress";
    let (status, _, _) = fetch(&app, &format!("{base}/2017.pdf")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not published yet");
    let id = app.add_staff("kazo", "kazo-planner", "admin", None).await;
    let s = app.session_for(id).await;
    let published = crate::plans::publish_plan_year(&app, &s, "gyosei-keiei-2", 2017).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    let pdf = assert_size_is_told(&app, &format!("{base}/2017")).await;
    let (_, json) = app.get(&format!("{base}/2017.json")).await;
    let data: serde_json::Value = serde_json::from_str(&json).unwrap();
    let items = data["items"].as_array().unwrap();
    assert!(items.len() > 10, "{} items", items.len());
    let mut expected = vec![squeezed("平成29年度")];
    for item in items {
        expected.push(squeezed(item["title"].as_str().unwrap()));
        for ind in item["indicators"].as_array().unwrap() {
            expected.push(squeezed(ind["name"].as_str().unwrap()));
        }
    }
    let text = text_of(&pdf);
    let needles: Vec<&str> = expected.iter().map(String::as_str).collect();
    crate::helpers::assert_in_order(&text, &needles);
    let doc = Document::load_mem(&pdf).unwrap();
    let (kinds, _) = structure(&doc);
    assert!(kinds.contains("Table") && kinds.contains("TH"), "{kinds:?}");
    let catalog = doc.catalog().unwrap();
    assert!(catalog.get(b"StructTreeRoot").is_ok());
}

#[tokio::test]
async fn each_pages_pdf_link_tells_the_size_of_the_pdf_served_also_after_a_new_version() {
    let app = TestApp::with_demo().await;
    for page in [
        "/kariya/2026",
        "/kariya/2026/departments/kikaku-zaisei",
        "/sample/2024/heads",
        "/sample/2024/results/seisaku-keiei",
    ] {
        assert_size_is_told(&app, page).await;
    }
    // A longer goal, published: the page tells the new size and the PDF has the new text.
    app.publish_all("kariya").await;
    let longer = "市民の声を聴き、".repeat(40);
    sqlx::query(
        "UPDATE goal SET text = $1 WHERE id = (SELECT g.id FROM goal g
           JOIN department d ON d.id = g.department_id JOIN municipality m ON m.id = d.municipality_id
           WHERE m.slug = 'kariya' AND d.slug = 'kikaku-zaisei' ORDER BY g.position LIMIT 1)",
    )
    .bind(&longer)
    .execute(&app.pool)
    .await
    .unwrap();
    app.publish_all("kariya").await;
    let pdf = assert_size_is_told(&app, "/kariya/2026/departments/kikaku-zaisei").await;
    assert!(text_of(&pdf).contains(&squeezed(&longer)));
    // An older version's page links to no PDF (the PDF is of the latest).
    let (status, old) = app
        .get("/kariya/2026/departments/kikaku-zaisei/versions/1")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!old.contains("class=\"pdf-link\""));
}

/// The built server's resident memory while it makes every PDF of the demo: one after the
/// other, then all at once from eight clients (`cargo test --release bench_pdf_memory --
/// --ignored --nocapture`).
#[test]
#[ignore]
fn bench_pdf_memory() {
    use crate::end_to_end::{KillOnDrop, cluster_data_dir, http, start_server_with};
    use crate::memory_bound::rss_kb;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let data_dir = cluster_data_dir("mokuhyo-pdf-mem-");
    let (child, url) = start_server_with(data_dir.path(), &[]);
    let child = KillOnDrop(Some(child));
    let pid = child.0.as_ref().unwrap().id();
    let mut paths = vec![
        "/sample/2024/heads.pdf".to_owned(),
        "/sample/2024/summary.pdf".to_owned(),
    ];
    for (city, year) in [("kariya", 2026), ("kokubunji", 2026)] {
        let (status, _, json) = http(&url, "GET", &format!("/{city}/{year}.json"), "", None);
        assert_eq!(status, 200);
        let data: serde_json::Value = serde_json::from_str(&json).unwrap();
        paths.push(data["pdf_url"].as_str().unwrap().to_owned());
        for d in data["departments"].as_array().unwrap() {
            paths.push(d["pdf_url"].as_str().unwrap().to_owned());
        }
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let base = rss_kb(pid);
    let peak = std::sync::Arc::new(AtomicU64::new(base));
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kb(pid), Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        })
    };
    let started = std::time::Instant::now();
    for path in &paths {
        assert_eq!(http(&url, "GET", path, "", None).0, 200, "{path}");
    }
    let one_by_one = peak.load(Ordering::Relaxed);
    let serial = started.elapsed();
    // The same documents under other spellings (not kept by the page cache) from eight
    // clients at once: made documents are not made again.
    std::thread::scope(|scope| {
        for chunk in paths.chunks(paths.len().div_ceil(8)) {
            let url = &url;
            scope.spawn(move || {
                for path in chunk {
                    let odd = path.replacen("/20", "/%32%30", 1);
                    assert_eq!(http(url, "GET", &odd, "", None).0, 200, "{odd}");
                }
            });
        }
    });
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    println!(
        "{} PDFs made one after the other in {:.1} s; server RSS {} MB before, {} MB at the peak \
         while making them, {} MB at the peak with eight clients asking again, {} MB after",
        paths.len(),
        serial.as_secs_f64(),
        base / 1024,
        one_by_one / 1024,
        peak.load(Ordering::Relaxed) / 1024,
        rss_kb(pid) / 1024,
    );
}
