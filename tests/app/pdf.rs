//! The PDFs a city puts on its website, read back as a reader would: the text in order, A4
//! landscape pages, the font embedded as a subset, a structure tree with headings, tables whose
//! header cells are marked and lists, the language and the title; the booklet's contents; and
//! served like the pages (ETag, 304, in the static site).

use crate::helpers::TestApp;
use axum::http::StatusCode;
use lopdf::{Document, Object};
use mokuhyo::domain::sheet::TargetSheet;
use std::collections::BTreeSet;

pub async fn fetch(app: &TestApp, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let response = app
        .router
        .clone()
        .oneshot(
            axum::http::Request::get(uri)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, body.to_vec())
}

/// Text without any whitespace: a cell's text wraps where the page is narrow.
pub fn squeezed(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The demo holds characters IPAexGothic lacks (simplified 带, 污, 环 from the cities'
/// sources): its PDFs hold all their text only with a CJK font on the system.
fn require_cjk_font() {
    fn has_cjk(dir: &std::path::Path, depth: usize) -> bool {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return false;
        };
        entries.filter_map(Result::ok).any(|e| {
            let name = e.file_name().to_string_lossy().to_lowercase();
            (name.contains("cjk") || name.contains("sourcehan"))
                || (depth > 0 && e.path().is_dir() && has_cjk(&e.path(), depth - 1))
        })
    }
    let dirs = std::env::var("PDF_FONT_DIRS").unwrap_or_default();
    let found = dirs
        .split(':')
        .filter(|d| !d.is_empty())
        .chain(["/usr/share/fonts", "/usr/local/share/fonts"])
        .any(|d| has_cjk(std::path::Path::new(d), 3));
    assert!(
        found,
        "The PDF tests need a CJK font on the system (the demo has characters IPAexGothic \
         lacks): install Debian's fonts-noto-cjk (`apt-get install fonts-noto-cjk`; `.ci/run` \
         does) or set PDF_FONT_DIRS."
    );
}

pub fn text_of(pdf: &[u8]) -> String {
    require_cjk_font();
    squeezed(&pdf_extract::extract_text_from_mem(pdf).expect("the PDF's text extracts"))
}

/// Every structure element's type (`H1`, `Table`, `TH`, …) and the `Scope`s of header cells.
pub fn structure(doc: &Document) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut kinds = BTreeSet::new();
    let mut scopes = BTreeSet::new();
    for object in doc.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        if dict.get(b"Type").and_then(Object::as_name).ok() != Some(b"StructElem".as_slice()) {
            continue;
        }
        if let Ok(kind) = dict.get(b"S").and_then(Object::as_name) {
            kinds.insert(String::from_utf8_lossy(kind).into_owned());
        }
        let attributes = match dict.get(b"A") {
            Ok(Object::Reference(id)) => doc.get_object(*id).ok().cloned(),
            Ok(other) => Some(other.clone()),
            Err(_) => None,
        };
        let mut found = Vec::new();
        match attributes {
            Some(Object::Dictionary(d)) => found.push(d),
            Some(Object::Array(items)) => {
                for item in items {
                    let item = match item {
                        Object::Reference(id) => doc.get_object(id).ok().cloned(),
                        other => Some(other),
                    };
                    if let Some(Object::Dictionary(d)) = item {
                        found.push(d);
                    }
                }
            }
            _ => {}
        }
        for d in found {
            if let Ok(scope) = d.get(b"Scope").and_then(Object::as_name) {
                scopes.insert(String::from_utf8_lossy(scope).into_owned());
            }
        }
    }
    (kinds, scopes)
}

/// What every PDF must be: A4 (landscape) pages, tagged with a structure tree, `ja`, a title
/// shown as the window title, every font embedded and subset.
fn assert_accessible(doc: &Document, title: &str) {
    assert_tagged(doc, title, true);
}

/// [`assert_accessible`] on A4 pages, `landscape` or portrait.
pub fn assert_tagged(doc: &Document, title: &str, landscape: bool) {
    let catalog = doc.catalog().expect("a catalog");
    let lang = catalog.get(b"Lang").and_then(Object::as_str).expect("Lang");
    assert!(lang.starts_with(b"ja"), "{}", String::from_utf8_lossy(lang));
    assert!(catalog.get(b"StructTreeRoot").is_ok(), "a structure tree");
    let marked = catalog
        .get(b"MarkInfo")
        .and_then(|o| match o {
            Object::Reference(id) => doc.get_object(*id),
            other => Ok(other),
        })
        .and_then(Object::as_dict)
        .and_then(|d| d.get(b"Marked"))
        .and_then(Object::as_bool);
    assert_eq!(marked.ok(), Some(true), "marked as tagged");
    let xmp = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|s| {
            s.dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"Metadata".as_slice())
        })
        .map(|s| String::from_utf8_lossy(&s.content).into_owned())
        .next()
        .expect("XMP metadata");
    assert!(xmp.contains(title), "the title {title} in the metadata");
    assert!(xmp.contains("pdfuaid:part"), "declares PDF/UA");
    for (_, page) in doc.get_pages() {
        let page = doc.get_object(page).and_then(Object::as_dict).unwrap();
        let media = page.get(b"MediaBox").and_then(Object::as_array).unwrap();
        let size: Vec<f32> = media.iter().map(|n| n.as_float().unwrap()).collect();
        let (w, h) = if landscape {
            (841.89, 595.28)
        } else {
            (595.28, 841.89)
        };
        assert!(
            (size[2] - w).abs() < 1.0 && (size[3] - h).abs() < 1.0,
            "{size:?}"
        );
    }
    let mut fonts = 0;
    for object in doc.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        if dict.get(b"Type").and_then(Object::as_name).ok() != Some(b"FontDescriptor".as_slice()) {
            continue;
        }
        fonts += 1;
        let name = dict.get(b"FontName").and_then(Object::as_name).unwrap();
        assert_eq!(
            name.get(6),
            Some(&b'+'),
            "a subset: {}",
            String::from_utf8_lossy(name)
        );
        assert!(
            dict.get(b"FontFile2").is_ok() || dict.get(b"FontFile3").is_ok(),
            "embedded"
        );
    }
    assert!(fonts > 0);
}

#[tokio::test]
async fn a_departments_pdf_holds_its_published_table_in_order_and_is_tagged() {
    let app = TestApp::with_demo().await;
    let (status, headers, pdf) = fetch(&app, "/kariya/2026/departments/kikaku-zaisei.pdf").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(pdf.len() <= 300 * 1024, "{} bytes", pdf.len());
    let sheet: sqlx::types::Json<TargetSheet> = sqlx::query_scalar(
        "SELECT p.content FROM publication p JOIN department d ON d.id = p.department_id
         JOIN municipality m ON m.id = p.municipality_id
         WHERE m.slug = 'kariya' AND d.slug = 'kikaku-zaisei' AND p.kind = 'targets'
         ORDER BY p.version DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let text = text_of(&pdf);
    let mut expected = vec![squeezed("企画財政部 令和8年度組織重点目標")];
    for group in &sheet.groups {
        for goal in &group.goals {
            expected.push(squeezed(&goal.text));
            for ini in &goal.initiatives {
                expected.push(squeezed(&format!("{}{}", ini.number, ini.text)));
                expected.extend(ini.sections.iter().map(|s| squeezed(s)));
                expected.extend(ini.criteria.iter().map(|c| squeezed(c)));
            }
        }
    }
    assert!(expected.len() > 20, "the department has a full table");
    let needles: Vec<&str> = expected.iter().map(String::as_str).collect();
    crate::helpers::assert_in_order(&text, &needles);
    // The city and the publication date on the pages, and page numbers.
    assert!(text.contains("刈谷市"));
    assert!(text.contains("公表"));
    assert!(text.contains("1/"), "page numbers");

    let doc = Document::load_mem(&pdf).expect("the PDF parses");
    assert_accessible(&doc, "企画財政部 令和8年度組織重点目標（刈谷市）");
    let (kinds, scopes) = structure(&doc);
    for kind in ["H1", "H2", "Table", "TH", "TD", "TR", "L", "LI"] {
        assert!(kinds.contains(kind), "{kind} in {kinds:?}");
    }
    assert!(scopes.contains("Column"), "column header cells: {scopes:?}");
    assert!(
        scopes.contains("Row"),
        "the goal heads its rows: {scopes:?}"
    );
}

#[tokio::test]
async fn the_booklet_has_every_department_with_contents_and_is_served_like_a_page() {
    let app = TestApp::with_demo().await;
    let (status, headers, pdf) = fetch(&app, "/kariya/2026.pdf").await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.len() <= 2 * 1024 * 1024, "{} bytes", pdf.len());
    let departments: Vec<String> = sqlx::query_scalar(
        "SELECT d.name FROM department d JOIN fiscal_year f ON f.id = d.fiscal_year_id
         JOIN municipality m ON m.id = d.municipality_id
         WHERE m.slug = 'kariya' AND f.year = 2026 ORDER BY d.position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(departments.len(), 12);
    let text = text_of(&pdf);
    let mut needles = vec!["目次".to_owned()];
    needles.extend(departments.iter().cloned()); // the contents
    needles.extend(departments.iter().cloned()); // the departments' pages
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    crate::helpers::assert_in_order(&text, &needles);
    let doc = Document::load_mem(&pdf).unwrap();
    assert_accessible(&doc, "令和8年度 刈谷市組織重点目標（刈谷市）");
    // The contents link to the departments' pages.
    let links = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Link".as_slice()))
        .count();
    assert!(links >= departments.len(), "{links} links");
    assert!(doc.catalog().unwrap().get(b"Outlines").is_ok(), "bookmarks");

    // Served like the pages: an ETag, and 304 for a client holding it.
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let again = app
        .send_request(
            axum::http::Request::get("/kariya/2026.pdf")
                .header("if-none-match", &etag)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    // Linked from the booklet page and each department page.
    let (_, booklet) = app.get("/kariya/2026").await;
    assert!(booklet.contains("href=\"/kariya/2026.pdf\""));
    let (_, page) = app.get("/kariya/2026/departments/kikaku-zaisei").await;
    assert!(page.contains("href=\"/kariya/2026/departments/kikaku-zaisei.pdf\""));
}

#[tokio::test]
async fn a_deployment_table_city_gets_its_own_columns_and_unknown_pdfs_are_404() {
    let app = TestApp::with_demo().await;
    let (status, _, pdf) = fetch(&app, "/kokubunji/2026/departments/shimin.pdf").await;
    assert_eq!(status, StatusCode::OK);
    let text = text_of(&pdf);
    for column in [
        "番号",
        "実施項目",
        "計画・方針等の分類",
        "どの水準まで",
        "どのような方法で",
        "いつまで",
        "共通/課名",
    ] {
        assert!(text.contains(&squeezed(column)), "{column}");
    }
    for uri in [
        "/kariya/2026/departments/no-such.pdf",
        "/kariya/1999.pdf",
        "/nowhere/2026.pdf",
        "/kariya/2026/departments/kikaku-zaisei.pdf/versions/1",
    ] {
        assert_eq!(fetch(&app, uri).await.0, StatusCode::NOT_FOUND, "{uri}");
    }
}

/// `cargo test --test app bench_pdf -- --ignored --nocapture`: the time to typeset (nothing
/// cached, the typesetter's memo emptied; the first run also reads the fonts) and the size of
/// a department's PDF and of the booklet.
#[tokio::test]
#[ignore]
async fn bench_pdf() {
    let app = TestApp::with_demo().await;
    for (name, uri) in [
        (
            "department (企画財政部)",
            "/kariya/2026/departments/kikaku-zaisei.pdf",
        ),
        (
            "department (福祉健康部, 14 initiatives)",
            "/kariya/2026/departments/fukushi-kenko.pdf",
        ),
        (
            "deployment table (国分寺市 市民部)",
            "/kokubunji/2026/departments/shimin.pdf",
        ),
        ("booklet (刈谷市, 12 departments)", "/kariya/2026.pdf"),
    ] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..5 {
            sqlx::query("DELETE FROM rendered_page")
                .execute(&app.pool)
                .await
                .unwrap();
            app.forget_pages();
            mokuhyo::pdf::forget_memo();
            let started = std::time::Instant::now();
            let (status, _, pdf) = fetch(&app, uri).await;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(status, StatusCode::OK);
            size = pdf.len();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name}: {:.0} ms median (min {:.0}, max {:.0}), {:.0} KB",
            times[2],
            times[0],
            times[4],
            size as f64 / 1024.0
        );
    }
}

#[tokio::test]
async fn the_heads_pdf_holds_every_heads_page_in_order() {
    let app = TestApp::with_demo().await;
    let (status, _, pdf) = fetch(&app, "/sample/2024/heads.pdf").await;
    assert_eq!(status, StatusCode::OK);
    let sheets = crate::pdf_reports::sample_results(&app).await;
    assert!(sheets.len() >= 5, "{} departments", sheets.len());
    let mut expected = vec![squeezed("令和6年度 部長目標 結果発表")];
    for s in &sheets {
        expected.push(squeezed(&s.department_name));
        expected.push(squeezed(&s.head.head_name));
        expected.push(squeezed(&s.head.head_name_kana));
        for (_, goal) in s.numbered_goals() {
            expected.push(squeezed(&goal.text));
        }
        for text in [&s.head.basic_policy, &s.head.duties, &s.head.summary] {
            expected.extend(text.split("\n\n").map(squeezed).filter(|t| !t.is_empty()));
        }
    }
    let text = text_of(&pdf);
    let needles: Vec<&str> = expected.iter().map(String::as_str).collect();
    crate::helpers::assert_in_order(&text, &needles);
    let doc = Document::load_mem(&pdf).unwrap();
    let (kinds, _) = structure(&doc);
    for kind in ["H1", "H2", "H3", "L", "LI"] {
        assert!(kinds.contains(kind), "{kind} in {kinds:?}");
    }
}

#[tokio::test]
async fn a_results_report_pdf_holds_its_results_in_order() {
    let app = TestApp::with_demo().await;
    let (status, _, pdf) = fetch(&app, "/sample/2024/results/seisaku-keiei.pdf").await;
    assert_eq!(status, StatusCode::OK);
    let sheet: sqlx::types::Json<mokuhyo::domain::sheet::ResultsSheet> = sqlx::query_scalar(
        "SELECT p.content FROM publication p JOIN department d ON d.id = p.department_id
         JOIN municipality m ON m.id = p.municipality_id
         WHERE m.slug = 'sample' AND d.slug = 'seisaku-keiei' AND p.kind = 'results'
         ORDER BY p.version DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut expected = Vec::new();
    for (_, goal) in sheet.numbered_goals() {
        expected.push(squeezed(&goal.text));
        for ini in &goal.initiatives {
            expected.push(squeezed(&format!("{}{}", ini.number, ini.text)));
            expected.extend(ini.performance.iter().map(|p| squeezed(p)));
        }
    }
    assert!(expected.len() > 5);
    let text = text_of(&pdf);
    let needles: Vec<&str> = expected.iter().map(String::as_str).collect();
    crate::helpers::assert_in_order(&text, &needles);
    assert!(text.contains("実績") && text.contains("成果"));
    let (_, page) = app.get("/sample/2024/results/seisaku-keiei").await;
    assert!(page.contains("href=\"/sample/2024/results/seisaku-keiei.pdf\""));
}

#[tokio::test]
async fn text_a_city_typed_is_printed_as_typed_never_read_as_markup() {
    let app = TestApp::with_demo().await;
    let hostile = "#set page(width: 1pt) $x^2$ [リンク](x) \\ <b>#panic(\"no\")";
    sqlx::query(
        "UPDATE goal SET text = $1 WHERE id = (SELECT g.id FROM goal g
           JOIN department d ON d.id = g.department_id JOIN municipality m ON m.id = d.municipality_id
           WHERE m.slug = 'kariya' AND d.slug = 'kikaku-zaisei' ORDER BY g.position LIMIT 1)",
    )
    .bind(hostile)
    .execute(&app.pool)
    .await
    .unwrap();
    app.publish_all("kariya").await;
    let (status, _, pdf) = fetch(&app, "/kariya/2026/departments/kikaku-zaisei.pdf").await;
    assert_eq!(status, StatusCode::OK);
    assert!(text_of(&pdf).contains(&squeezed(hostile)));
    let doc = Document::load_mem(&pdf).unwrap();
    assert_accessible(&doc, "企画財政部 令和8年度組織重点目標（刈谷市）");
}
