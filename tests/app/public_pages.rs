//! The public pages, fetched through the real router.

use crate::helpers::{TestApp, assert_in_order, text_of};
use axum::http::StatusCode;

#[tokio::test]
async fn kikaku_zaisei_page_lists_its_nine_initiatives_in_order_under_their_pillars() {
    let app = TestApp::with_demo().await;

    let (status, html) = app.get("/kariya/2026/departments/kikaku-zaisei").await;

    assert_eq!(status, StatusCode::OK);
    let text = text_of(&html);
    assert!(html.contains("<title>企画財政部 令和8年度組織重点目標（刈谷市） | Mokuhyo</title>"));
    assert_in_order(
        &text,
        &[
            "企画財政部 令和8年度組織重点目標",
            "(1) 市民から信頼され、満足度の高いサービスを提供する市役所づくり",
            "(5) 最少コストで最大サービスを提供する市役所づくり",
            "DXの推進による行政の効率化と市民サービスの向上を図ります。",
            "①スマートシティ実証プロジェクトを推進します。",
            "企画政策課",
            "実証実験 3件の実施",
            "社会実装 1件の新規実装",
            "②財務会計システムに電子決裁や電子請求を導入し",
            "財務課",
            "③窓口改革に向けた取組を推進します。",
            "④新たな生成AIツールの導入検証を実施します。",
            "検証参加職員数 50人",
            "導入の可否の判断",
            "⑤基幹20業務システムの標準化移行を推進します。",
            "標準化移行システム 2業務",
            "(1) 市民から信頼され、満足度の高いサービスを提供する市役所づくり",
            "(6) 創造性豊かで、柔軟な発想と行動ができる職員を育てる市役所づくり",
            "魅力づくりと魅力発信を推進します。",
            "①広報誌やデジタルサイネージを活用し",
            "広報広聴課",
            "②市公式のスマホ向けアプリ及び公式SNS等を活用し",
            "公式YouTubeチャンネル再生回数 160,000回",
            "(2) 次代を支える健全財政を維持した市役所づくり",
            "健全財政を維持します。",
            "①コスト削減や費用の平準化を図るため",
            "施設保全課",
            "(3) 市民から期待される先進的な市役所づくり",
            "行政評価等の改善を図ります。",
            "①事務事業評価等の評価手法について調査研究を進めます。",
            "事務事業評価の見直しについて検討",
        ],
    );
    assert_eq!(html.matches("class=\"initiative-cell\"").count(), 9);
    assert_eq!(
        html.matches("<table").count(),
        4,
        "one table per pillar group"
    );
    // The goal cell spans its five initiatives.
    assert!(html.contains("rowspan=\"5\""));
}

#[tokio::test]
async fn a_goal_continued_across_a_page_break_is_one_goal() {
    let app = TestApp::with_demo().await;

    let (_, html) = app.get("/kariya/2026/departments/shimin-katsudo").await;

    assert_eq!(html.matches("市民活動の活性化を支援します。").count(), 1);
    assert_in_order(
        &text_of(&html),
        &[
            "①業務の効率化及びデジタル化を行う自治会を支援",
            "②顔の見える関係づくり",
        ],
    );
}

#[tokio::test]
async fn an_initiative_lists_all_its_sections() {
    let app = TestApp::with_demo().await;

    let (_, html) = app.get("/kariya/2026/departments/kensetsu").await;

    assert_in_order(
        &html,
        &[
            "国庫補助・県費補助を積極的に活用します。",
            "<span class=\"section-name\">土木管理課</span><span class=\"section-name\">道路建設課</span><span class=\"section-name\">建築課</span>",
            "補助事業活用件数 25件",
        ],
    );
}

#[tokio::test]
async fn booklet_has_title_contents_introduction_and_pillars() {
    let app = TestApp::with_demo().await;

    let (status, html) = app.get("/kariya/2026").await;

    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<title>令和8年度 刈谷市組織重点目標（刈谷市） | Mokuhyo</title>"));
    let text = text_of(&html);
    assert_in_order(
        &text,
        &[
            "令和8年度",
            "刈谷市組織重点目標",
            "目次",
            "1 はじめに",
            "2 令和8年度各部組織重点目標（取組内容・指標）",
            "企画財政部",
            "教育部",
            "(1) 組織重点目標について",
            "第8次総合計画",
            "(2) 組織重点目標の基本構成",
            "(3) 6つの市役所づくり",
            "～6つの市役所づくりとその視点～",
            "(1) 市民から信頼され、満足度の高いサービスを提供する市役所づくり",
            "○市民を行政サービスの顧客とし",
            "(6) 創造性豊かで、柔軟な発想と行動ができる職員を育てる市役所づくり",
            "○変化の激しい社会環境に的確に対応し",
        ],
    );
    // 目次 links every department page, and each link works.
    let links: Vec<&str> = html
        .match_indices("href=\"/kariya/2026/departments/")
        .map(|(i, m)| {
            let rest = &html[i + m.len() - "/kariya/2026/departments/".len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    let mut unique = links.clone();
    unique.dedup();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 12, "{unique:?}");
    for link in unique {
        let (status, page) = app.get(link).await;
        assert_eq!(status, StatusCode::OK, "{link}");
        assert!(page.contains("<table"), "{link} has its table");
    }
}

#[tokio::test]
async fn home_and_city_pages_lead_to_the_year() {
    let app = TestApp::with_demo().await;

    let (status, home) = app.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("href=\"/kariya\""));
    assert!(home.contains("232106"));

    let (status, city) = app.get("/kariya").await;
    assert_eq!(status, StatusCode::OK);
    assert!(city.contains("href=\"/kariya/2026\""));
    assert!(text_of(&city).contains("令和8年度 刈谷市組織重点目標"));
}

#[tokio::test]
async fn unknown_addresses_answer_a_japanese_404_page() {
    let app = TestApp::with_demo().await;

    for uri in [
        "/nagoya",
        "/kariya/2025",
        "/kariya/r8",
        "/kariya/02026",
        "/kariya/2026/departments/nonexistent",
        "/kariya/2026/departments",
        "/kariya/2026/departments/kikaku-zaisei/extra",
        "/static/missing.css",
    ] {
        let (status, html) = app.get(uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(html.contains("ページが見つかりません"), "{uri}");
        assert!(html.contains("lang=\"ja\""), "{uri}");
    }
}

#[tokio::test]
async fn another_citys_departments_are_not_reachable_under_this_city() {
    let app = TestApp::with_demo().await;
    let mut other = mokuhyo::demo::documents().remove(0);
    other.municipality.slug = "other".into();
    other.municipality.name = "別市".into();
    other.municipality.local_government_code = "999999".into();
    other.departments[0].goals[0].text = "別市だけの組織目標".into();
    mokuhyo::import::apply(&app.pool, &other).await.unwrap();
    app.publish_all("other").await;

    let (_, kariya) = app.get("/kariya/2026/departments/kikaku-zaisei").await;
    let (status, theirs) = app.get("/other/2026/departments/kikaku-zaisei").await;

    assert_eq!(status, StatusCode::OK);
    assert!(theirs.contains("別市だけの組織目標"));
    assert!(!kariya.contains("別市だけの組織目標"));
    assert!(kariya.contains("DXの推進による行政の効率化"));
}

#[tokio::test]
async fn text_from_the_database_is_escaped() {
    let app = TestApp::with_demo().await;
    sqlx::query("UPDATE goal SET text = '<script>alert(1)</script>' WHERE position = 1 AND department_id = (SELECT id FROM department WHERE slug = 'somu' AND municipality_id = (SELECT id FROM municipality WHERE slug = 'kariya'))")
        .execute(&app.pool)
        .await
        .unwrap();
    app.publish_all("kariya").await;

    let (_, html) = app.get("/kariya/2026/departments/somu").await;

    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = TestApp::with_demo().await;
    let response = tower::ServiceExt::oneshot(
        app.router.clone(),
        axum::http::Request::get("/kariya/2026")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    let h = response.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("referrer-policy"));
}
