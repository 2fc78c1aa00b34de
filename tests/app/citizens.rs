//! Pillar pages, search and open data: published content only.

use crate::helpers::{TestApp, text_of};
use axum::body::Body;
use axum::http::{Request, StatusCode};

#[tokio::test]
async fn a_pillar_page_gathers_that_pillars_goals_across_departments() {
    let app = TestApp::with_demo().await;

    let (status, html) = app.get("/kariya/2026/pillars/4").await;

    assert_eq!(status, StatusCode::OK);
    let text = text_of(&html);
    assert!(text.contains("(4) 市民参加、協働で問題解決を図る市役所づくり"));
    assert!(
        text.contains("○政策形成過程など市政への市民参加を促進する"),
        "its 視点"
    );
    for goal in [
        "市民と行政が連携協働した災害への備えを推進します。",
        "市民や地区と連携し、市内の緑化を推進します。",
        "アジア・アジアパラ競技大会開催に向けた取組を推進します。",
    ] {
        assert!(text.contains(goal), "{goal}");
    }
    assert!(
        !text.contains("防災体制の構築を進めます。"),
        "a goal of pillar (1) only"
    );
    assert_eq!(
        html.matches("class=\"pillar-heading\"").count(),
        8,
        "eight departments have goals under (4)"
    );
    assert_eq!(
        app.get("/kariya/2026/pillars/9").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn two_character_japanese_queries_find_rows_and_filters_narrow_them() {
    let app = TestApp::with_demo().await;

    let (status, all) = app.get("/kariya/search?q=%E9%98%B2%E7%81%BD").await; // 防災
    let (_, pillar4) = app
        .get("/kariya/search?q=%E9%98%B2%E7%81%BD&pillar=4")
        .await;
    let (_, somu) = app
        .get("/kariya/search?q=%E9%98%B2%E7%81%BD&department=somu")
        .await;

    assert_eq!(status, StatusCode::OK);
    assert!(all.contains("<mark>防災</mark>体制の構築を進めます。"));
    assert!(all.contains("/kariya/2026/departments/seikatsu-anzen#goal-"));
    let count = |html: &str| {
        text_of(html)
            .split("検索結果：")
            .nth(1)
            .and_then(|t| t.split('件').next())
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap()
    };
    assert!(count(&all) >= 10, "{}", count(&all));
    assert!(pillar4.contains("<mark>防災</mark>リーダー養成講座の開催"));
    assert!(!pillar4.contains("<mark>防災</mark>体制の構築を進めます。"));
    assert!(count(&pillar4) < count(&all));
    assert_eq!(count(&somu), 0);
}

#[tokio::test]
async fn drafts_never_leak_into_search_pillars_or_open_data() {
    let app = TestApp::with_demo().await;
    sqlx::query("UPDATE goal SET text = '下書きだけの秘密語を含む目標' WHERE id = (SELECT min(id) FROM goal)").execute(&app.pool).await.unwrap();
    // A department of 2026 nobody published yet, and a whole unpublished year.
    let mut other = mokuhyo::demo::documents().remove(0);
    other.municipality.slug = "other".into();
    other.municipality.local_government_code = "999999".into();
    mokuhyo::import::apply(&app.pool, &other).await.unwrap();

    let secret = "%E7%A7%98%E5%AF%86%E8%AA%9E"; // 秘密語
    let (_, found) = app.get(&format!("/kariya/search?q={secret}")).await;
    assert!(
        text_of(&found).contains("検索結果：0件"),
        "the search does not see drafts"
    );
    for uri in [
        "/kariya/2026.json".to_owned(),
        "/kariya/2026.csv".into(),
        "/kariya/2026/pillars/1".into(),
        "/kariya/2026/pillars/5".into(),
        "/kariya/2026".into(),
        "/kariya/2026/departments/kikaku-zaisei".into(),
    ] {
        let (status, body) = app.get(&uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(!body.contains("秘密語"), "{uri} shows the draft");
    }
    for uri in [
        "/other",
        "/other/2026",
        "/other/2026.json",
        "/other/2026.csv",
        "/other/search?q=%E9%98%B2%E7%81%BD",
        "/other/2026/pillars/1",
        "/kariya/2025.json",
    ] {
        assert_eq!(app.get(uri).await.0, StatusCode::NOT_FOUND, "{uri}");
    }
}

#[tokio::test]
async fn the_csv_opens_in_excel_and_cannot_carry_formulas() {
    let app = TestApp::with_demo().await;
    sqlx::query("UPDATE goal SET text = '=HYPERLINK(\"http://x\",\"y\")' WHERE id = (SELECT min(id) FROM goal)").execute(&app.pool).await.unwrap();
    app.publish_all("kariya").await;

    let reply = app.send("GET", "/kariya/2026.csv", None, None).await;
    let raw = reply.body.as_bytes();

    assert_eq!(reply.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        reply.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("kariya-2026-targets.csv")
    );
    assert_eq!(&raw[..3], b"\xEF\xBB\xBF", "UTF-8 with BOM");
    let text = &reply.body[3..];
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("団体コード,自治体名,年度,"));
    assert!(
        !text.replace("\r\n", "").contains('\n') || text.contains('"'),
        "rows end with CRLF"
    );
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        "the formula is neutralized and quoted"
    );
    let sns = lines
        .iter()
        .find(|l| l.contains("公式SNS等のフォロワー数 210,000人"))
        .unwrap();
    assert!(
        sns.starts_with("232106,刈谷市,2026,令和8年度,企画財政部,"),
        "{sns}"
    );
    assert!(sns.contains(",210000,人,at_least,"), "plain numbers: {sns}");
    // One row per criterion (or per initiative without criteria), so the data rows number:
    let criteria = app.scalar("SELECT count(*) FROM criterion c JOIN initiative i ON i.id = c.initiative_id JOIN goal g ON g.id = i.goal_id JOIN department d ON d.id = g.department_id JOIN municipality m ON m.id = d.municipality_id WHERE m.slug = 'kariya'").await;
    let bare = app.scalar("SELECT count(*) FROM initiative i WHERE NOT EXISTS (SELECT 1 FROM criterion c WHERE c.initiative_id = i.id)").await;
    assert_eq!(lines.len() as i64 - 1, criteria + bare);
}

#[tokio::test]
async fn the_json_follows_its_documented_schema() {
    let app = TestApp::with_demo().await;

    let reply = app.send("GET", "/kariya/2026.json", None, None).await;
    let data: serde_json::Value = serde_json::from_str(&reply.body).unwrap();

    assert_eq!(
        reply.headers["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(data["schema"], "mokuhyo-targets/1");
    assert_eq!(data["license"], "CC BY 4.0");
    assert_eq!(data["municipality"]["local_government_code"], "232106");
    assert_eq!(data["fiscal_year"], 2026);
    assert_eq!(data["fiscal_year_label"], "令和8年度");
    assert_eq!(data["pillars"].as_array().unwrap().len(), 6);
    let departments = data["departments"].as_array().unwrap();
    assert_eq!(departments.len(), 12);
    let initiatives: usize = departments
        .iter()
        .flat_map(|d| d["goals"].as_array().unwrap())
        .map(|g| g["initiatives"].as_array().unwrap().len())
        .sum();
    assert_eq!(initiatives, 116);
    let first = &departments[0];
    assert_eq!(first["name"], "企画財政部");
    assert!(
        first["published_on"].as_str().unwrap().len() == 10,
        "ISO date"
    );
    assert_eq!(first["goals"][0]["pillars"], serde_json::json!([1, 5]));
    assert_eq!(
        first["goals"][1]["initiatives"][1]["criteria"][1]["target_value"],
        "210000"
    );
    assert_eq!(
        first["goals"][0]["initiatives"][2]["criteria"][0]["target_value"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn booklets_and_open_data_answer_conditional_requests() {
    let app = TestApp::with_demo().await;
    for uri in [
        "/kariya/2026",
        "/kariya/2026.json",
        "/kariya/2026/pillars/2",
        "/",
    ] {
        let first = app.send("GET", uri, None, None).await;
        let etag = first.headers["etag"].to_str().unwrap().to_owned();

        let again = app
            .send_request(
                Request::get(uri)
                    .header("if-none-match", &etag)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;

        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(again.body.is_empty());
    }
}

#[tokio::test]
async fn the_open_data_fields_are_documented() {
    let app = TestApp::with_demo().await;

    let (status, html) = app.get("/open-data").await;
    let (_, booklet) = app.get("/kariya/2026").await;

    assert_eq!(status, StatusCode::OK);
    for field in [
        "schema",
        "local_government_code",
        "fiscal_year",
        "published_on",
        "target_value",
        "comparator",
        "団体コード",
        "目標値",
    ] {
        assert!(html.contains(field), "{field}");
    }
    assert!(
        booklet.contains("href=\"/open-data\"") && booklet.contains("href=\"/kariya/2026.csv\"")
    );
}
