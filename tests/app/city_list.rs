//! `/`: cities grouped by prefecture, every one listed when they are few, a page per
//! prefecture when they are many, and found by name or reading in either script.

use crate::helpers::{TestApp, text_of};
use axum::http::StatusCode;

/// `n` cities with a published plan (what puts a city on the list), spread over prefectures
/// 01–47 by their codes; 愛知県 (23) gets every 47th.
async fn add_cities(app: &TestApp, n: usize) {
    add_cities_from(app, 0, n).await;
}

/// Cities 試験{first}市 … with something published, spread over the prefectures.
async fn add_cities_from(app: &TestApp, first: usize, n: usize) {
    for i in first..first + n {
        let prefecture = i % 47 + 1;
        let code = format!("{prefecture:02}{:04}", 5000 + i);
        let (mid,): (i64,) = sqlx::query_as(
            "INSERT INTO municipality (slug, name, name_kana, local_government_code)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(format!("city-{i}"))
        .bind(format!("試験{i}市"))
        .bind(format!("しけん{i}し"))
        .bind(code)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO policy (municipality_id, slug, name, pillar_set_name, first_year, last_year, published_at)
             VALUES ($1, 'plan', '行政経営プラン', '視点', 2024, 2028, now())",
        )
        .bind(mid)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    app.forget_pages();
}

#[tokio::test]
async fn a_few_cities_are_listed_under_their_prefectures() {
    let app = TestApp::with_demo().await;

    let (status, html) = app.get("/").await;

    assert_eq!(status, StatusCode::OK);
    let text = text_of(&html);
    crate::helpers::assert_in_order(
        &text,
        &["埼玉県", "加須市", "東京都", "国分寺市", "愛知県", "刈谷市"],
    );
    assert!(html.contains("href=\"/kariya\""));
    assert!(
        !html.contains("/prefectures/"),
        "no prefecture pages needed"
    );
    assert!(html.contains("name=\"q\""), "a search box");
}

#[tokio::test]
async fn many_cities_are_listed_by_prefecture_each_with_its_page() {
    let app = TestApp::with_demo().await;
    add_cities(&app, 300).await;

    let (_, index) = app.get("/").await;
    let (status, aichi) = app.get("/prefectures/23").await;
    let (missing, _) = app.get("/prefectures/48").await;
    let (malformed, _) = app.get("/prefectures/2%00").await;

    assert!(
        !index.contains("href=\"/kariya\""),
        "cities are on the prefecture pages"
    );
    assert!(index.contains("href=\"/prefectures/23\""));
    // 47 prefectures, and 「その他」 for サンプル市 (code 000000).
    assert_eq!(index.matches("href=\"/prefectures/").count(), 48);
    assert!(
        text_of(&index).ends_with("その他 （1団体）")
            || text_of(&index).contains("その他 （1団体） ")
    );
    assert!(index.len() < 20_000, "{} bytes", index.len());
    // 300 / 47: prefectures 1–18 get 7 test cities, the others 6; 愛知県 also has 刈谷市.
    assert!(
        text_of(&index).contains("愛知県 （7団体）"),
        "{}",
        text_of(&index)
    );
    assert_eq!(status, StatusCode::OK);
    let text = text_of(&aichi);
    assert!(text.contains("愛知県の自治体"));
    assert!(aichi.contains("href=\"/kariya\""));
    assert!(
        aichi.contains("href=\"/city-22\""),
        "the 23rd city's code starts with 23"
    );
    assert!(!aichi.contains("href=\"/city-23\""));
    assert_eq!(missing, StatusCode::NOT_FOUND);
    assert_eq!(malformed, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_city_is_found_by_its_name_or_its_reading_in_either_script() {
    let app = TestApp::with_demo().await;
    add_cities(&app, 100).await;

    for q in [
        "%E5%88%88%E8%B0%B7",
        "%E3%81%8B%E3%82%8A%E3%82%84",
        "%E3%82%AB%E3%83%AA%E3%83%A4",
    ] {
        // 刈谷, かりや, カリヤ
        let (status, html) = app.get(&format!("/?q={q}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("href=\"/kariya\""), "{q}");
        assert!(
            text_of(&html).contains("（1件）"),
            "{q}: {}",
            text_of(&html)
        );
    }
    let (_, none) = app.get("/?q=%3Cscript%3E").await;
    assert!(text_of(&none).contains("一致する自治体はありません"));
    assert!(
        none.contains("&lt;script&gt;") || none.contains("&#60;script&#62;"),
        "the query is shown escaped"
    );
    assert!(!none.contains("<script>"));
    let (_, many) = app.get("/?q=%E8%A9%A6%E9%A8%93").await; // 試験
    assert!(text_of(&many).contains("（100件）"));
    assert!(!text_of(&many).contains("はじめの"));
    // More matches than are listed: the count says all, the list holds the first.
    add_cities_from(&app, 100, 30).await;
    let (_, more) = app.get("/?q=%E8%A9%A6%E9%A8%93").await;
    assert!(text_of(&more).contains("（130件）"), "{}", text_of(&more));
    assert!(text_of(&more).contains("はじめの100件を表示しています"));
    assert_eq!(more.matches("href=\"/city-").count(), 100);
}
