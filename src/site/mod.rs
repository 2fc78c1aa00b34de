//! A city's published year as a static site, for cities whose public website lives on
//! another network than the staff's systems: every public page of the year (booklet,
//! department pages and their versions, results, heads page, summary, pillar pages), the
//! stylesheet and the open data, fetched through the real router (so each page holds exactly
//! what the live one does), with links made relative and a README for the city's web staff.
//! Downloaded by planning staff as a .zip, or written by `mokuhyo export-site`.

mod links;

pub use links::{Layout, relative};

use crate::state::AppState;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::io::Write;
use tower::ServiceExt;

/// No year has more pages than this (a guard against a loop, not a limit anyone meets).
const MAX_PAGES: usize = 5_000;

/// The files of a static copy, by path relative to its root.
pub struct Site {
    pub files: BTreeMap<String, Vec<u8>>,
    /// The folder name a download unpacks into (`kariya-2026`).
    pub name: String,
}

/// Why no copy was made.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("nothing of this year is published")]
    NothingPublished,
    #[error("a page answered {0}: {1}")]
    Page(StatusCode, String),
}

/// Builds the copy of `city`'s `year`; links leaving it point to `base` (the city's site).
pub async fn build(
    state: &AppState,
    city: &str,
    year: i32,
    base: Option<&str>,
) -> Result<Site, SiteError> {
    let router = crate::routes::router(state.clone());
    let booklet = format!("/{city}/{year}");
    let results = format!("{booklet}/results");
    let entry = if fetch(&router, &booklet).await.0 == StatusCode::OK {
        booklet.clone()
    } else if fetch(&router, &results).await.0 == StatusCode::OK {
        results.clone()
    } else {
        return Err(SiteError::NothingPublished);
    };
    let layout = Layout::new(city, year, &entry);
    let start = [
        entry,
        results,
        format!("{booklet}.json"),
        format!("{booklet}.csv"),
        "/open-data".to_owned(),
    ];
    let pages = crawl(&router, &layout, start).await?;
    let written: HashSet<String> = pages.iter().map(|(f, _, _)| f.clone()).collect();
    let mut files = BTreeMap::new();
    for (file, html, body) in pages {
        let body = if html {
            let text = String::from_utf8_lossy(&body);
            links::rewrite(&text, &file, &layout, &written, base).into_bytes()
        } else {
            body
        };
        files.insert(file, body);
    }
    let city_name = crate::db::public::municipality(&state.pool, city)
        .await
        .ok()
        .flatten()
        .map(|m| m.name)
        .unwrap_or_else(|| city.to_owned());
    let readme = readme(
        &city_name,
        &state.eras.fiscal_year_label(year),
        base,
        files.len(),
    );
    files.insert("README.txt".to_owned(), readme.into_bytes());
    Ok(Site {
        files,
        name: format!("{city}-{year}"),
    })
}

/// A page through the router: its status, whether it is HTML, and its bytes.
async fn fetch(router: &axum::Router, path: &str) -> (StatusCode, bool, Vec<u8>) {
    let request = Request::get(path)
        .body(Body::empty())
        .expect("a valid path");
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router answers");
    let status = response.status();
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let body = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    (status, html, body)
}

/// Every page of the year reachable from `start` through links the layout keeps, at most
/// [`MAX_PAGES`]: (file, is HTML, bytes).
async fn crawl(
    router: &axum::Router,
    layout: &Layout,
    start: [String; 5],
) -> Result<Vec<(String, bool, Vec<u8>)>, SiteError> {
    let mut queue: VecDeque<String> = start.into();
    let mut seen: HashSet<String> = queue.iter().cloned().collect();
    let mut pages = Vec::new();
    while let Some(path) = queue.pop_front() {
        if pages.len() >= MAX_PAGES {
            break;
        }
        let Some(file) = layout.file_for(&path) else {
            continue;
        };
        let (status, html, body) = fetch(router, &path).await;
        match status {
            StatusCode::OK => {}
            // A page linked but not published (none should be): its links are dropped.
            StatusCode::NOT_FOUND => continue,
            other => return Err(SiteError::Page(other, path)),
        }
        if html {
            let text = String::from_utf8_lossy(&body);
            for link in links::links_in(&text, layout) {
                if seen.insert(link.clone()) {
                    queue.push_back(link);
                }
            }
        }
        pages.push((file, html, body));
    }
    Ok(pages)
}

/// The note for the city's web staff (Japanese, CRLF so that Windows' Notepad shows it).
fn readme(city: &str, year_label: &str, base: Option<&str>, count: usize) -> String {
    let today = crate::domain::clock::today().format("%Y-%m-%d");
    let outside = match base {
        Some(b) => format!(
            "このコピーに含まれないページ（他の年度、検索など）へのリンクは {b} に向いています。"
        ),
        None => "このコピーに含まれないページ（他の年度、検索など）へのリンクは外してあります。\r\n\
                 公開先のURLを Mokuhyo の「ホームページ用のファイル」で設定すると、そこへ向けたリンクになります。"
            .to_owned(),
    };
    format!(
        "{city} {year_label} 組織目標の公表ページ（静的ファイル）\r\n\
         作成日: {today}（Mokuhyo から書き出し、{count}ファイル）\r\n\
         \r\n\
         ■ これは何か\r\n\
         Mokuhyo で公表した{year_label}の組織目標・実績の全ページを、そのままホームページに置ける\r\n\
         ファイルにしたものです。サーバー側の仕組み（データベース・プログラム）は要りません。\r\n\
         \r\n\
         ■ ホームページへの載せ方\r\n\
         1. このフォルダの中身を、フォルダの構成を変えずに、そのままウェブサーバー（CMS の\r\n\
            ファイル置き場など）の1つのフォルダにアップロードします。\r\n\
         2. index.html が入口（{year_label}の目次）です。ここへリンクを張ってください。\r\n\
         3. リンクはすべて相対パスなので、どのフォルダに置いても、パソコン上でファイルを\r\n\
            開いても動きます。\r\n\
         4. 公表内容が変わったら（改訂・実績の公表など）、もう一度書き出して、前のファイルを\r\n\
            すべて置き換えてください。\r\n\
         \r\n\
         ■ ファイルの構成\r\n\
         index.html                  目次（入口）\r\n\
         departments/                部ごとの組織目標（versions/ は過去の版）\r\n\
         midyear.html, midyear/      中間報告（公表している場合）\r\n\
         results.html, results/      実績・成果（公表している場合）\r\n\
         heads.html, summary.html    部長の総括・達成状況のまとめ（公表している場合）\r\n\
         pillars/                    柱ごとの一覧\r\n\
         *.pdf                       印刷用のPDF（冊子全体・部ごとの表と報告・部長・まとめ。タグ付き）\r\n\
         *.json, *.csv               オープンデータ（CC BY 4.0、項目の説明は open-data.html）\r\n\
         static/                     スタイルシート\r\n\
         \r\n\
         ■ 外へのリンク\r\n\
         {outside}\r\n"
    )
}

/// The copy as a .zip whose entries sit in one folder named after the city and year.
pub fn zip(site: &Site) -> Result<Vec<u8>, zip::result::ZipError> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    use chrono::{Datelike, Timelike};
    let now = crate::domain::clock::Clock::System
        .now_in_japan()
        .naive_local();
    let mut options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    if let Ok(at) = zip::DateTime::from_date_and_time(
        now.year() as u16,
        now.month() as u8,
        now.day() as u8,
        now.hour() as u8,
        now.minute() as u8,
        now.second() as u8,
    ) {
        options = options.last_modified_time(at);
    }
    for (path, bytes) in &site.files {
        writer.start_file(format!("{}/{path}", site.name), options)?;
        writer.write_all(bytes)?;
    }
    Ok(writer.finish()?.into_inner())
}

/// Writes the copy's files under `dir` (created if needed).
pub fn write_to(site: &Site, dir: &std::path::Path) -> std::io::Result<()> {
    for (path, bytes) in &site.files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(target, bytes)?;
    }
    Ok(())
}
