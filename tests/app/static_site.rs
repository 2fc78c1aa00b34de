//! A published year as a static site: planning staff download it as a .zip, every link in
//! it leads to a file in it (or to the city's site), and each page holds what the live one does.

use crate::helpers::{TestApp, text_of};
use axum::http::StatusCode;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

async fn planner(app: &TestApp) -> crate::helpers::Session {
    let id = app.add_staff("kariya", "site-planner", "admin", None).await;
    app.session_for(id).await
}

/// The zip's files by path inside its one folder.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let inner = name
            .strip_prefix("kariya-2026/")
            .unwrap_or_else(|| panic!("{name} outside the folder"))
            .to_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.insert(inner, bytes);
    }
    files
}

/// Every `href`/`src`/`action` value in a page.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attribute in ["href=\"", "src=\"", "action=\""] {
        for part in html.split(attribute).skip(1) {
            out.push(part[..part.find('"').unwrap()].to_owned());
        }
    }
    out
}

/// `link` (relative to the file `from`) resolved to a path from the root, if it stays inside.
fn resolve(from: &str, link: &str) -> Option<String> {
    let path = link.split('#').next().unwrap();
    let mut at: PathBuf = Path::new(from).parent().unwrap().to_owned();
    for c in Path::new(path).components() {
        match c {
            Component::ParentDir => {
                if !at.pop() {
                    return None;
                }
            }
            Component::Normal(n) => at.push(n),
            _ => return None,
        }
    }
    Some(at.to_string_lossy().into_owned())
}

fn main_text(html: &str) -> String {
    let start = html.find("<main").expect("a main element");
    let end = html.find("</main>").expect("main closes");
    text_of(&html[start..end])
}

#[tokio::test]
async fn planning_staff_download_the_year_with_every_page_and_no_broken_link() {
    let app = TestApp::with_demo().await;
    let admin = planner(&app).await;

    let (status, headers, bytes) = {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let request = axum::http::Request::get("/staff/admin/years/2026/site.zip")
            .header("cookie", format!("mokuhyo_session={}", admin.cookie))
            .body(axum::body::Body::empty())
            .unwrap();
        let response = app.router.clone().oneshot(request).await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, bytes)
    };

    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/zip");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("kariya-2026.zip")
    );
    let files = unzip(&bytes);
    for expected in [
        "index.html",
        "README.txt",
        "static/style.css",
        "kariya-2026.json",
        "kariya-2026.csv",
        "open-data.html",
        "pillars/1.html",
        "departments/kikaku-zaisei.html",
    ] {
        assert!(
            files.contains_key(expected),
            "{expected} in {:?}",
            files.keys()
        );
    }
    let readme = String::from_utf8(files["README.txt"].clone()).unwrap();
    assert!(readme.contains("刈谷市") && readme.contains("index.html"));
    // The PDFs are in the copy, the same bytes the site serves.
    for (file, uri) in [
        ("kariya-2026.pdf", "/kariya/2026.pdf"),
        (
            "departments/kikaku-zaisei.pdf",
            "/kariya/2026/departments/kikaku-zaisei.pdf",
        ),
    ] {
        let served = app.send("GET", uri, None, None).await;
        assert_eq!(served.status, StatusCode::OK, "{uri}");
        assert!(files[file].starts_with(b"%PDF-"), "{file}");
        assert_eq!(
            files[file].len(),
            served.headers["content-length"]
                .to_str()
                .unwrap()
                .parse::<usize>()
                .unwrap(),
            "{file}"
        );
    }
    let pdfs = files.keys().filter(|f| f.ends_with(".pdf")).count();
    assert_eq!(pdfs, 13, "the booklet and twelve departments");

    // Every link of every page leads to a file of the copy (or another site, or a fragment).
    let mut checked = 0;
    for (file, bytes) in files.iter().filter(|(f, _)| f.ends_with(".html")) {
        let html = String::from_utf8(bytes.clone()).unwrap();
        for link in links(&html) {
            if link.starts_with("http://") || link.starts_with("https://") || link.starts_with('#')
            {
                continue;
            }
            assert!(
                !link.starts_with('/'),
                "{file}: {link} points to the live server"
            );
            let target =
                resolve(file, &link).unwrap_or_else(|| panic!("{file}: {link} leaves the copy"));
            assert!(
                files.contains_key(&target),
                "{file}: {link} → {target} is missing"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} links followed");

    // Each department page holds what the live one does.
    let slugs: Vec<String> = sqlx::query_scalar(
        "SELECT d.slug FROM department d JOIN fiscal_year f ON f.id = d.fiscal_year_id
         JOIN municipality m ON m.id = f.municipality_id WHERE m.slug = 'kariya' AND f.year = 2026",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(slugs.len() > 5);
    for slug in &slugs {
        let (status, live) = app.get(&format!("/kariya/2026/departments/{slug}")).await;
        assert_eq!(status, StatusCode::OK);
        let copy = String::from_utf8(files[&format!("departments/{slug}.html")].clone()).unwrap();
        assert_eq!(main_text(&copy), main_text(&live), "{slug}");
    }
}

#[tokio::test]
async fn links_leaving_the_copy_point_to_the_address_the_city_set() {
    let app = TestApp::with_demo().await;
    let admin = planner(&app).await;

    let refused = app
        .send(
            "POST",
            "/staff/admin/site",
            Some(&admin),
            Some(&[("base_url", "javascript:alert(1)")]),
        )
        .await;
    let stored = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT public_base_url FROM municipality WHERE slug = 'kariya'",
            )
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("「https://」で始まるアドレス"));
    assert!(
        refused.body.contains("javascript:alert(1)"),
        "what was typed is kept"
    );
    assert_eq!(stored(&app).await, "", "nothing saved");

    let saved = app
        .send(
            "POST",
            "/staff/admin/site",
            Some(&admin),
            Some(&[("base_url", " https://mokuhyo.city.kariya.example/ ")]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(stored(&app).await, "https://mokuhyo.city.kariya.example");

    let state = mokuhyo::app_state(app.pool.clone()).await.unwrap();
    let site = mokuhyo::site::build(
        &state,
        "kariya",
        2026,
        Some("https://mokuhyo.city.kariya.example"),
    )
    .await
    .unwrap();
    let index = String::from_utf8(site.files["index.html"].clone()).unwrap();
    assert!(
        index.contains("href=\"https://mokuhyo.city.kariya.example/kariya\""),
        "the city page"
    );
    let without = mokuhyo::site::build(&state, "kariya", 2026, None)
        .await
        .unwrap();
    let index = String::from_utf8(without.files["index.html"].clone()).unwrap();
    assert!(!index.contains("href=\"/kariya\"") && !index.contains("mokuhyo.city.kariya.example"));
    assert!(index.contains("刈谷市"), "the link's text stays");
}

#[tokio::test]
async fn only_planning_staff_download_and_only_published_years() {
    let app = TestApp::with_demo().await;
    let admin = planner(&app).await;
    let head = app
        .add_staff("kariya", "site-head", "department_head", Some("somu"))
        .await;
    let head = app.session_for(head).await;
    let chief = app
        .add_staff("kariya", "site-chief", "section_chief", Some("財務課"))
        .await;
    let chief = app.session_for(chief).await;

    for who in [&head, &chief] {
        let zip = app
            .send("GET", "/staff/admin/years/2026/site.zip", Some(who), None)
            .await;
        let page = app.send("GET", "/staff/admin/site", Some(who), None).await;
        let save = app
            .send(
                "POST",
                "/staff/admin/site",
                Some(who),
                Some(&[("base_url", "https://evil.example")]),
            )
            .await;
        assert_eq!(zip.status, StatusCode::FORBIDDEN);
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert_eq!(save.status, StatusCode::FORBIDDEN);
    }
    let anonymous = app
        .send("GET", "/staff/admin/years/2026/site.zip", None, None)
        .await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    let forged = app
        .send(
            "POST",
            "/staff/admin/site",
            Some(&admin),
            Some(&[("base_url", "https://evil.example"), ("csrf", "forged")]),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.scalar("SELECT count(*) FROM municipality WHERE public_base_url <> ''")
            .await,
        0
    );
    let unpublished = app
        .send(
            "GET",
            "/staff/admin/years/2031/site.zip",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(unpublished.status, StatusCode::NOT_FOUND);
    let page = app
        .send("GET", "/staff/admin/site", Some(&admin), None)
        .await;
    assert!(page.body.contains("/staff/admin/years/2026/site.zip"));
}
