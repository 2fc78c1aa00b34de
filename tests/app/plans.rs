//! Multi-year plans (加須市 第2次行政経営プラン): the hierarchy as data, 再掲 items as one item
//! in two places, word and number targets, and target-vs-actual per published year.

use crate::helpers::{TestApp, assert_in_order, text_of};
use axum::http::StatusCode;

const PLAN: &str = "/kazo/plans/gyosei-keiei-2";

#[tokio::test]
async fn the_plans_hierarchy_is_a_table_of_contents_with_its_own_level_names() {
    let app = TestApp::with_demo().await;
    let doc = &mokuhyo::demo::plans()[0];

    let (status, html) = app.get(PLAN).await;

    assert_eq!(status, StatusCode::OK);
    let text = text_of(&html);
    assert!(
        text.contains("平成28年度～令和2年度（平成32年度）（5年間）"),
        "{text}"
    );
    // Every node and every item of the data file, in document order, under its level's name.
    let mut expected: Vec<String> = Vec::new();
    for n in &doc.nodes {
        expected.push(n.title.clone());
        for i in doc.items.iter().filter(|i| i.node == n.key) {
            expected.push(format!("取組項目-{} {}", i.number, i.title));
        }
    }
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    assert_in_order(&text, &expected);
    for level in [
        "視点 市役所力の向上",
        "基本目標 1 市民が利用しやすい市役所づくり",
        "施策 (1)窓口サービスの向上",
        "事業 ①気持ちの良い窓口づくり",
    ] {
        assert!(text.contains(level), "{level}");
    }
    assert_eq!(
        app.scalar("SELECT count(*) FROM pillar WHERE depth = 1")
            .await,
        7,
        "seven 基本目標"
    );
}

#[tokio::test]
async fn a_restated_item_is_one_item_reachable_from_both_places() {
    let app = TestApp::with_demo().await;

    let (_, toc) = app.get(PLAN).await;
    let moved = app
        .send("GET", &format!("{PLAN}/items/30"), None, None)
        .await;
    let (_, item) = app.get(&format!("{PLAN}/items/18")).await;

    assert!(text_of(&toc).contains("取組項目-30 職員提案制度の活用 ※再掲（取組項目-18）"));
    assert!(toc.contains(&format!(
        "<a href=\"{PLAN}/items/18\">取組項目-18 職員提案制度の活用</a>"
    )));
    assert_eq!(moved.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        moved.headers["location"],
        format!("{PLAN}/items/18").as_str()
    );
    let text = text_of(&item);
    assert!(text.contains("事業 ①職員のモチベーションの向上"));
    assert!(
        text.contains("事業 ②改革・改善意欲の醸成 （取組項目-30 として再掲）"),
        "{text}"
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM plan_item WHERE title = '職員提案制度の活用'")
            .await,
        1
    );
}

#[tokio::test]
async fn indicator_targets_are_words_and_numbers_as_written() {
    let app = TestApp::with_demo().await;

    let (_, eight) = app.get(&format!("{PLAN}/items/8")).await;
    let (_, thirteen) = app.get(&format!("{PLAN}/items/13")).await;
    let (_, one) = app.get(&format!("{PLAN}/items/1")).await;
    let (_, seven) = app.get(&format!("{PLAN}/items/7")).await;

    assert_in_order(
        &text_of(&eight),
        &[
            "平成28年度 調査",
            "平成29年度 調査研究",
            "平成30年度 実施",
            "令和元年度（平成31年度） 実施",
        ],
    );
    assert_in_order(
        &text_of(&thirteen),
        &[
            "平成28年度 711",
            "令和元年度（平成31年度） 687",
            "令和2年度（平成32年度） 見直し",
        ],
    );
    assert!(text_of(&thirteen).contains("実績が目標以下で達成"));
    let one = text_of(&one);
    assert!(
        one.contains("【H25年度：72.2%】"),
        "the baseline with its year"
    );
    assert_in_order(
        &one,
        &["平成28年度 —", "平成29年度 75", "平成30年度 —", "80"],
    );
    // Numbers as printed, decimals included.
    assert_in_order(
        &text_of(&seven),
        &["平成28年度 41.0", "平成29年度 41.5", "平成30年度 42.0"],
    );
}

#[tokio::test]
async fn a_years_actuals_are_judged_against_targets_and_shown_once_published() {
    let app = TestApp::with_demo().await;
    let admin = app.add_staff("kazo", "kazo-a", "admin", None).await;
    let s = app.session_for(admin).await;
    let indicator = |n: i32| {
        format!(
            "SELECT x.id FROM plan_indicator x JOIN plan_item i ON i.id = x.item_id WHERE i.number = {n} ORDER BY x.position LIMIT 1"
        )
    };
    let (i1, i13, i8) = (
        app.scalar(&indicator(1)).await,
        app.scalar(&indicator(13)).await,
        app.scalar(&indicator(8)).await,
    );
    let save = |n: i32, fields: Vec<(String, String)>| {
        let app = &app;
        let s = &s;
        async move {
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            app.send(
                "POST",
                &format!("/staff/plans/gyosei-keiei-2/items/{n}"),
                Some(s),
                Some(&fields),
            )
            .await
        }
    };

    // 2017 (平成29年度): 職員の対応 76% ≥ 75 → 達成.
    let r1 = save(
        1,
        vec![
            ("year".into(), "2017".into()),
            (format!("value_{i1}"), "７６".into()),
            (format!("version_{i1}"), "0".into()),
        ],
    )
    .await;
    // 2017: 職員数 712 > 705 (以下が目標) → 未達成.
    let r13 = save(
        13,
        vec![
            ("year".into(), "2017".into()),
            (format!("value_{i13}"), "712".into()),
            (format!("version_{i13}"), "0".into()),
        ],
    )
    .await;
    // 2017: 調査研究 → done.
    let r8 = save(
        8,
        vec![
            ("year".into(), "2017".into()),
            (format!("value_{i8}"), "先進市の事例を調査研究した".into()),
            (format!("achieved_{i8}"), "yes".into()),
            (format!("version_{i8}"), "0".into()),
        ],
    )
    .await;
    // A number where a number is needed, and a word target without its decision: refused.
    let bad = save(
        13,
        vec![
            ("year".into(), "2018".into()),
            (format!("value_{i13}"), "たくさん".into()),
            (format!("version_{i13}"), "0".into()),
        ],
    )
    .await;
    let undecided = save(
        8,
        vec![
            ("year".into(), "2018".into()),
            (format!("value_{i8}"), "実施した".into()),
            (format!("version_{i8}"), "0".into()),
        ],
    )
    .await;

    for r in [&r1, &r13, &r8] {
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text_of(&r.body));
    }
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&bad.body).contains("実績は数値で入力してください"));
    assert!(bad.body.contains("value=\"たくさん\""));
    assert_eq!(undecided.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&undecided.body).contains("達成したかどうかを選んでください"));
    assert_eq!(
        app.scalar("SELECT count(*) FROM plan_actual WHERE year = 2018")
            .await,
        0
    );

    // Not published yet: citizens see neither the progress page nor the actuals.
    let (hidden, _) = app.get(&format!("{PLAN}/progress/2017")).await;
    let (_, item_before) = app.get(&format!("{PLAN}/items/1")).await;
    assert_eq!(hidden, StatusCode::NOT_FOUND);
    assert!(!text_of(&item_before).contains("76"));

    let published = publish_plan_year(&app, &s, "gyosei-keiei-2", 2017).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    let (shown, progress) = app.get(&format!("{PLAN}/progress/2017")).await;
    assert_eq!(shown, StatusCode::OK);
    let progress = text_of(&progress);
    assert!(progress.contains("取組項目-1 職員の接客力の向上"));
    assert_in_order(
        &progress,
        &[
            "取組項目-1",
            "75 76 ◎達成",
            "取組項目-8",
            "調査研究 先進市の事例を調査研究した ◎達成",
            "取組項目-13",
            "705 712 ×未達成",
        ],
    );
    assert!(
        progress.contains("◎達成 ○一部達成 ×未達成 未判定 2件 0件 1件"),
        "{progress}"
    );
    let (_, item_after) = app.get(&format!("{PLAN}/items/1")).await;
    assert!(text_of(&item_after).contains("平成29年度 75 76 ◎達成"));
}

#[tokio::test]
async fn only_planning_staff_and_responsible_sections_record_actuals() {
    let app = TestApp::with_demo().await;
    let viewer = app.add_staff("kazo", "kazo-v", "viewer", None).await;
    let viewer = app.session_for(viewer).await;
    let other_city = app.add_staff("kariya", "kariya-a", "admin", None).await;
    let other_city = app.session_for(other_city).await;
    let i1 = app
        .scalar("SELECT x.id FROM plan_indicator x JOIN plan_item i ON i.id = x.item_id WHERE i.number = 1")
        .await;
    let fields = [("year", "2017"), ("value", "")];
    let value_key = format!("value_{i1}");
    let fields: Vec<(&str, &str)> = vec![fields[0], (value_key.as_str(), "90"), ("version", "0")];

    let by_viewer = app
        .send(
            "POST",
            "/staff/plans/gyosei-keiei-2/items/1",
            Some(&viewer),
            Some(&fields),
        )
        .await;
    let by_other_city = app
        .send(
            "POST",
            "/staff/plans/gyosei-keiei-2/items/1",
            Some(&other_city),
            Some(&fields),
        )
        .await;
    let publish_by_viewer = app
        .send(
            "POST",
            "/staff/plans/gyosei-keiei-2/years/2017/publish",
            Some(&viewer),
            Some(&[]),
        )
        .await;

    assert_eq!(by_viewer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        by_other_city.status,
        StatusCode::NOT_FOUND,
        "another city's plan does not exist for them"
    );
    assert_eq!(publish_by_viewer.status, StatusCode::FORBIDDEN);
    assert_eq!(app.scalar("SELECT count(*) FROM plan_actual").await, 0);
    assert_eq!(
        app.scalar("SELECT count(*) FROM plan_year_publication")
            .await,
        0
    );
}

#[tokio::test]
async fn every_item_number_of_the_plan_is_there_once() {
    let app = TestApp::with_demo().await;

    let (_, forty_eight) = app.get(&format!("{PLAN}/items/48")).await;
    let (_, last) = app.get(&format!("{PLAN}/items/116")).await;

    // -1 … -116: 111 items and 5 places that list one again.
    assert_eq!(app.scalar("SELECT count(*) FROM plan_item").await, 111);
    assert_eq!(
        app.scalar(
            "SELECT count(DISTINCT number) FROM plan_item_place WHERE number BETWEEN 1 AND 116"
        )
        .await,
        116
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM plan_item_place WHERE restated")
            .await,
        5
    );
    let forty_eight = text_of(&forty_eight);
    assert_in_order(
        &forty_eight,
        &["平成28年度 ▲554", "令和2年度（平成32年度） ▲896"],
    );
    assert!(forty_eight.contains("実績が目標以下で達成"));
    assert_in_order(&text_of(&last), &["撮影相談件数", "80", "撮影件数", "28"]);
}

#[tokio::test]
async fn kariyas_pillars_and_kazos_plan_are_one_kind_of_hierarchy() {
    let app = TestApp::with_demo().await;
    let kariya = &mokuhyo::demo::documents()[0];
    let kazo = &mokuhyo::demo::plans()[0];

    let rows: Vec<(String, Vec<String>, i32, i64)> = sqlx::query_as(
        "SELECT m.slug, ARRAY[p.pillar_set_name] || p.sublevel_names, n.depth, count(*)
         FROM policy p JOIN municipality m ON m.id = p.municipality_id JOIN pillar n ON n.policy_id = p.id
         GROUP BY m.slug, p.id, n.depth ORDER BY m.slug, n.depth",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();

    // 刈谷市: a one-level hierarchy named by the policy — its pillars.
    let levels = vec![kariya.policy.pillar_set_name.clone()];
    assert!(rows.contains(&(
        "kariya".into(),
        levels,
        0,
        kariya.policy.pillars.len() as i64
    )));
    // 加須市: four levels of the same rows, as many per level as the plan has.
    for depth in 0..4 {
        let expected = kazo
            .nodes
            .iter()
            .filter(|n| n.key.split('.').count() == depth + 1)
            .count();
        assert!(
            rows.contains(&(
                "kazo".into(),
                kazo.plan.levels.clone(),
                depth as i32,
                expected as i64
            )),
            "depth {depth}: {rows:?}"
        );
    }
}

#[tokio::test]
async fn items_without_a_target_in_a_year_are_not_judged_that_year() {
    let app = TestApp::with_demo().await;
    let admin = app.add_staff("kazo", "kazo-a", "admin", None).await;
    let s = app.session_for(admin).await;
    publish_plan_year(&app, &s, "gyosei-keiei-2", 2016).await;
    // Items whose every indicator says 「—」 in 平成28年度.
    let dash_only = app
        .scalar(
            "SELECT count(*) FROM plan_item i WHERE EXISTS (SELECT 1 FROM plan_indicator x WHERE x.item_id = i.id)
               AND NOT EXISTS (SELECT 1 FROM plan_indicator x JOIN plan_target t ON t.indicator_id = x.id
                               WHERE x.item_id = i.id AND t.year = 2016 AND t.written <> '—')",
        )
        .await;

    let (_, page) = app.get(&format!("{PLAN}/progress/2016")).await;

    let page = text_of(&page);
    assert!(dash_only > 0);
    assert!(
        page.contains(&format!(
            "この年度に目標のない（「—」の）取組項目が{dash_only}件あります"
        )),
        "{page}"
    );
    assert_in_order(
        &page,
        &["取組項目-1 職員の接客力の向上", "— － 目標なし 目標なし"],
    );
}

#[tokio::test]
async fn the_whole_plan_downloads_as_a_workbook_with_every_item_and_target() {
    use crate::import::export_bytes;
    let app = TestApp::with_demo().await;
    let staff = app.add_staff("kazo", "kazo-admin", "admin", None).await;
    let s = app.session_for(staff).await;
    let bytes = export_bytes(&app, &s, "/staff/plans/gyosei-keiei-2/export.xlsx").await;
    let grids = mokuhyo::import::spreadsheet::read("plan.xlsx", &bytes).unwrap();
    let rows = &grids[0].rows;
    let header = &rows[1];
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    let (number, first_year) = (col("番号"), col("平成28年度"));
    assert_eq!(col("視点"), 0);
    col("担当課");
    // Every item once or more (one row per indicator), in number order.
    let mut numbers: Vec<i32> = rows[2..]
        .iter()
        .map(|r| r[number].trim_start_matches('-').parse().unwrap())
        .collect();
    numbers.dedup();
    let items: Vec<i32> = sqlx::query_scalar("SELECT number FROM plan_item ORDER BY number")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(items.len(), 111);
    assert_eq!(numbers, items);
    // The places that list an item again (-30, -40, -76, -110, -111) are in its 再掲 cell.
    let restated: Vec<(i32, i32)> = sqlx::query_as(
        "SELECT i.number, p.number FROM plan_item_place p JOIN plan_item i ON i.id = p.item_id WHERE p.restated ORDER BY p.number",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        restated.iter().map(|r| r.1).collect::<Vec<_>>(),
        [30, 40, 76, 110, 111]
    );
    let again = col("再掲");
    for (home, place) in &restated {
        assert!(
            rows[2..]
                .iter()
                .any(|r| r[number] == format!("-{home}")
                    && r[again].contains(&format!("（-{place}）"))),
            "-{home} restated as -{place}"
        );
    }
    // Every stored target is in its indicator's row and year column, as written.
    let stored: Vec<(i32, String, i32, String)> = sqlx::query_as(
        "SELECT i.number, x.name, t.year, t.written FROM plan_target t JOIN plan_indicator x ON x.id = t.indicator_id
         JOIN plan_item i ON i.id = x.item_id ORDER BY i.number, x.position, t.year",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(stored.len() > 116, "{}", stored.len());
    let name_col = col("目標値等");
    for (n, name, year, written) in &stored {
        let row = rows[2..]
            .iter()
            .find(|r| r[number] == format!("-{n}") && r[name_col] == *name)
            .unwrap_or_else(|| panic!("-{n} {name}"));
        assert_eq!(
            &row[first_year + (*year - 2016) as usize],
            written,
            "-{n} {name} {year}"
        );
    }
    // Baselines' year and value, and the direction, for every indicator that has them.
    let baselines: Vec<(i32, String, i32, String, String)> = sqlx::query_as(
        "SELECT i.number, x.name, x.baseline_year, trim_scale(x.baseline_value)::text, x.comparator FROM plan_indicator x
         JOIN plan_item i ON i.id = x.item_id WHERE x.baseline_year IS NOT NULL AND x.baseline_value IS NOT NULL",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(baselines.len() > 50, "{}", baselines.len());
    let (by, bv, dir) = (col("基準年度"), col("基準値"), col("達成の向き"));
    for (n, name, year, value, comparator) in &baselines {
        let row = rows[2..]
            .iter()
            .find(|r| r[number] == format!("-{n}") && r[name_col] == *name)
            .unwrap();
        assert!(
            row[by].ends_with("年度") && row[by].contains(&(year - 1988).to_string()),
            "-{n} {}",
            row[by]
        );
        assert_eq!(row[bv], *value, "-{n}");
        let expected = if comparator == "at_most" {
            "以下"
        } else {
            "以上"
        };
        assert_eq!(row[dir], expected, "-{n}");
    }
    // Citizens and other cities' staff cannot download it.
    let (status, _) = app.get("/staff/plans/gyosei-keiei-2/export.xlsx").await;
    assert_ne!(status, axum::http::StatusCode::OK);
    let other = app
        .add_staff("kariya", "kariya-admin2", "admin", None)
        .await;
    let o = app.session_for(other).await;
    let reply = app
        .send(
            "GET",
            "/staff/plans/gyosei-keiei-2/export.xlsx",
            Some(&o),
            None,
        )
        .await;
    assert_eq!(reply.status, axum::http::StatusCode::NOT_FOUND);
}

/// Marks a plan year 評価済み and publishes it dated today, as planning staff do.
pub async fn publish_plan_year(
    app: &TestApp,
    s: &crate::helpers::Session,
    plan: &str,
    year: i32,
) -> crate::helpers::Reply {
    let reviewed = app
        .send(
            "POST",
            &format!("/staff/plans/{plan}/years/{year}/review"),
            Some(s),
            Some(&[]),
        )
        .await;
    assert_eq!(
        reviewed.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&reviewed.body)
    );
    let today = mokuhyo::domain::clock::today().to_string();
    app.send(
        "POST",
        &format!("/staff/plans/{plan}/years/{year}/publish"),
        Some(s),
        Some(&[("published_on", &today)]),
    )
    .await
}
