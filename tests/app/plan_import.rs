//! Plan workbooks in and out: the 加須市 plan exported and imported as a new city's plan is the
//! same plan (and exports the same workbook), a revision previews exactly its changes and
//! keeps each changed target's history, a heading-row layout reads, bad files write nothing,
//! and only planning staff of the city reach any of it.

use crate::helpers::{Reply, Session, TestApp, text_of};
use crate::import::{export_bytes, upload_to};
use axum::http::StatusCode;
use mokuhyo::import::plan::{PlanCity, PlanDocument};
use mokuhyo::import::spreadsheet::{Grid, read};
use rust_xlsxwriter::Workbook;

pub async fn new_city(app: &TestApp, slug: &str, name: &str, code: &str) {
    let o: std::collections::HashMap<String, String> = [
        ("slug", slug),
        ("name", name),
        ("kana", "しけんし"),
        ("code", code),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    mokuhyo::cli::create_city(&app.pool, &o).await.unwrap();
}

async fn admin(app: &TestApp, city: &str) -> Session {
    let id = app
        .add_staff(city, &format!("{city}-planner"), "admin", None)
        .await;
    app.session_for(id).await
}

/// The stored plan as a document, the city left out (so two cities' plans compare).
async fn stored(app: &TestApp, city: &str, slug: &str) -> PlanDocument {
    let mid: i64 = sqlx::query_scalar("SELECT id FROM municipality WHERE slug = $1")
        .bind(city)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let data = mokuhyo::db::plans::load(&app.pool, mid, slug, true)
        .await
        .unwrap()
        .unwrap();
    let nobody = PlanCity {
        slug: String::new(),
        name: String::new(),
        name_kana: String::new(),
        local_government_code: String::new(),
    };
    PlanDocument::from_data(&data, nobody)
}

pub async fn upload_plan(
    app: &TestApp,
    s: &Session,
    fields: &[(&str, &str)],
    bytes: &[u8],
) -> Reply {
    upload_to(app, s, "/staff/plans/import", fields, "plan.xlsx", bytes).await
}

/// The import a clean upload redirected to.
pub fn import_of(reply: &Reply) -> String {
    assert_eq!(
        reply.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&reply.body)
    );
    reply.headers["location"].to_str().unwrap().to_owned()
}

pub async fn confirm(app: &TestApp, s: &Session, at: &str) -> Reply {
    app.send("POST", &format!("{at}/confirm"), Some(s), Some(&[]))
        .await
}

/// A workbook holding these sheets' cells as text.
pub fn workbook(grids: &[Grid]) -> Vec<u8> {
    let mut wb = Workbook::new();
    for g in grids {
        let ws = wb.add_worksheet();
        ws.set_name(&g.name).unwrap();
        for (r, row) in g.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32, c as u16, v).unwrap();
                }
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn kazos_plan_exported_and_imported_into_a_new_city_is_the_same_plan() {
    let app = TestApp::with_demo().await;
    let kazo = admin(&app, "kazo").await;
    let first = export_bytes(&app, &kazo, "/staff/plans/gyosei-keiei-2/export.xlsx").await;
    new_city(&app, "shiken", "試験市", "999991").await;
    let s = admin(&app, "shiken").await;
    let reply = upload_plan(
        &app,
        &s,
        &[("mode", "new"), ("slug", "gyosei-keiei-2")],
        &first,
    )
    .await;
    let at = import_of(&reply);
    // The preview lists every item as added, and nothing is written yet.
    let r = app.send("GET", &at, Some(&s), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let page = r.body;
    let text = text_of(&page);
    assert!(text.contains("取組項目 111件"), "{text}");
    assert_eq!(page.matches("<tr><td>追加</td><td>-").count(), 111);
    assert_eq!(app.scalar("SELECT count(*) FROM policy p JOIN municipality m ON m.id = p.municipality_id WHERE m.slug = 'shiken' AND p.slug IS NOT NULL").await, 0);
    let reply = confirm(&app, &s, &at).await;
    assert_eq!(
        reply.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&reply.body)
    );
    // Every node (with its description), item, place, indicator, baseline and target.
    let original = stored(&app, "kazo", "gyosei-keiei-2").await;
    let imported = stored(&app, "shiken", "gyosei-keiei-2").await;
    assert_eq!(imported.items.len(), 111);
    let numbers: usize = imported.items.iter().map(|i| 1 + i.restated.len()).sum();
    assert_eq!(numbers, 116);
    assert!(
        imported
            .nodes
            .iter()
            .filter(|n| !n.description.is_empty())
            .count()
            > 20
    );
    assert_eq!(imported.plan, original.plan);
    assert_eq!(imported.nodes, original.nodes);
    for (a, b) in imported.items.iter().zip(&original.items) {
        assert_eq!(a, b, "-{}", b.number);
    }
    assert_eq!(imported, original);
    // The imported plan's export is the first export, cell for cell.
    let again = export_bytes(&app, &s, "/staff/plans/gyosei-keiei-2/export.xlsx").await;
    assert_eq!(
        read("a.xlsx", &again).unwrap(),
        read("b.xlsx", &first).unwrap()
    );
    // Importing the same file again as a revision changes nothing.
    let reply = upload_plan(
        &app,
        &s,
        &[("mode", "revise"), ("plan", "gyosei-keiei-2")],
        &first,
    )
    .await;
    let at = import_of(&reply);
    let page = app.send("GET", &at, Some(&s), None).await.body;
    assert!(
        text_of(&page).contains("変更はありません"),
        "{}",
        text_of(&page)
    );
    assert!(!page.contains("取り込みを確定する"));
}

/// The export's main sheet with a function applied to its data rows (header at row 2).
fn edited(bytes: &[u8], edit: impl FnOnce(&[String], &mut Vec<Vec<String>>)) -> Vec<u8> {
    let mut grids = read("plan.xlsx", bytes).unwrap();
    let header = grids[0].rows[1].clone();
    let mut rows = grids[0].rows.split_off(2);
    edit(&header, &mut rows);
    grids[0].rows.extend(rows);
    workbook(&grids)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("{name}"))
}

#[tokio::test]
async fn a_revision_workbook_previews_exactly_its_changes_and_keeps_each_targets_history() {
    let app = TestApp::with_demo().await;
    let s = admin(&app, "kazo").await;
    let plan = "/staff/plans/gyosei-keiei-2";
    // 平成29年度 is evaluated and published before the revision (74 against 75: not achieved).
    publish_2017_with_item_1_at(&app, &s, "74").await;
    let (_, before) = app.get("/kazo/plans/gyosei-keiei-2/progress/2017").await;
    let (status, json_before) = app
        .get("/kazo/plans/gyosei-keiei-2/progress/2017.json")
        .await;
    assert_eq!(status, StatusCode::OK);
    let parsed: serde_json::Value = serde_json::from_str(&json_before).unwrap();
    assert_eq!(parsed["license"], "CC BY 4.0");
    assert_eq!(parsed["items"][0]["indicators"][0]["actual"], "74");
    assert_eq!(parsed["items"][0]["indicators"][0]["target"], "75");
    assert_eq!(parsed["items"][0]["status"], "not_achieved");
    let (_, csv) = app
        .get("/kazo/plans/gyosei-keiei-2/progress/2017.csv")
        .await;
    assert!(
        csv.starts_with('\u{feff}') && csv.contains("-1,職員の接客力の向上"),
        "{}",
        &csv[..300]
    );

    let first = export_bytes(&app, &s, &format!("{plan}/export.xlsx")).await;
    let mut removed = String::new();
    let file = edited(&first, |h, rows| {
        let (number, title, y2016, y2018) = (
            col(h, "番号"),
            col(h, "取組項目"),
            col(h, "平成29年度"),
            col(h, "平成30年度"),
        );
        let row1 = rows.iter_mut().find(|r| r[number] == "-1").unwrap();
        assert_ne!(row1[y2018], "90");
        row1[y2018] = "90".into();
        row1[y2016] = "70".into();
        let row2 = rows.iter_mut().find(|r| r[number] == "-2").unwrap();
        row2[title] = "職員のあいさつの徹底".into();
        // The last item's rows go; a new item comes after it, under -1's place.
        let last = rows.last().unwrap()[number].clone();
        removed = last.clone();
        rows.retain(|r| r[number] != last);
        let mut new = rows[0].clone();
        new[number] = "-200".into();
        new[title] = "窓口のオンライン予約".into();
        rows.push(new);
    });
    let reply = upload_plan(
        &app,
        &s,
        &[("mode", "revise"), ("plan", "gyosei-keiei-2")],
        &file,
    )
    .await;
    let at = import_of(&reply);
    let page = app.send("GET", &at, Some(&s), None).await.body;
    let text = text_of(&page);
    // Exactly the four changes: one added, two changed, one removed; no node, no plan field.
    assert_eq!(page.matches("<tr><td>追加</td>").count(), 1, "{text}");
    assert_eq!(page.matches("<tr><td>変更</td>").count(), 2, "{text}");
    assert_eq!(page.matches("<tr><td>削除</td>").count(), 1, "{text}");
    assert!(!text.contains("階層（"), "{text}");
    assert!(text.contains("-200 窓口のオンライン予約"));
    assert!(
        text.contains("目標値（平成30年度）：85 → 90") || text.contains("目標値（平成30年度）"),
        "{text}"
    );
    assert!(
        text.contains("名前：職員のあいさつの励行 → 職員のあいさつの徹底"),
        "{text}"
    );
    assert!(text.contains(&format!("{removed} ")), "{text}");
    // Nothing is written until confirmed.
    assert_eq!(
        app.scalar("SELECT count(*) FROM plan_target_revision")
            .await,
        0
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM plan_item WHERE number = 200")
            .await,
        0
    );

    let reply = confirm(&app, &s, &at).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.scalar("SELECT count(*) FROM plan_item WHERE number = 200")
            .await,
        1
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM plan_item WHERE number = {}",
            removed.trim_start_matches('-')
        ))
        .await,
        0
    );
    let revisions: Vec<(i32, String, String)> =
        sqlx::query_as("SELECT year, before, after FROM plan_target_revision ORDER BY year")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(revisions.len(), 2, "{revisions:?}");
    assert_eq!((revisions[1].0, revisions[1].2.as_str()), (2018, "90"));
    // The item page shows both targets and the revision's date; the published year still
    // shows the target it was published with.
    let (_, item) = app.get("/kazo/plans/gyosei-keiei-2/items/1").await;
    let item = text_of(&item);
    assert!(
        item.contains(&format!("改定：{} → 90", revisions[1].1)),
        "{item}"
    );
    assert!(item.contains("改定（公表後）：75 → 70"), "{item}");
    let (_, after) = app.get("/kazo/plans/gyosei-keiei-2/progress/2017").await;
    assert_eq!(
        text_of(&after),
        text_of(&before),
        "a published year's evaluation stays as published"
    );
    let (_, json_after) = app
        .get("/kazo/plans/gyosei-keiei-2/progress/2017.json")
        .await;
    assert_eq!(json_after, json_before, "its open data too");

    // A second confirmation of the same preview writes nothing more.
    let again = confirm(&app, &s, &at).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.scalar("SELECT count(*) FROM plan_target_revision")
            .await,
        2
    );
}

#[tokio::test]
async fn a_preview_older_than_the_plan_is_refused_and_writes_nothing() {
    let app = TestApp::with_demo().await;
    let s = admin(&app, "kazo").await;
    let first = export_bytes(&app, &s, "/staff/plans/gyosei-keiei-2/export.xlsx").await;
    let rename = |to: &'static str| {
        edited(&first, move |h, rows| {
            let (number, title) = (col(h, "番号"), col(h, "取組項目"));
            rows.iter_mut().find(|r| r[number] == "-3").unwrap()[title] = to.into();
        })
    };
    let a = import_of(
        &upload_plan(
            &app,
            &s,
            &[("mode", "revise"), ("plan", "gyosei-keiei-2")],
            &rename("案A"),
        )
        .await,
    );
    let b = import_of(
        &upload_plan(
            &app,
            &s,
            &[("mode", "revise"), ("plan", "gyosei-keiei-2")],
            &rename("案B"),
        )
        .await,
    );
    assert_eq!(confirm(&app, &s, &b).await.status, StatusCode::SEE_OTHER);
    let late = confirm(&app, &s, &a).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(text_of(&late.body).contains("ほかの人がこの計画を変更しました"));
    assert_eq!(
        app.scalar("SELECT count(*) FROM plan_item WHERE title = '案A'")
            .await,
        0
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM plan_item WHERE title = '案B'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_plan_with_heading_rows_and_bare_years_reads_as_its_hierarchy() {
    let app = TestApp::empty().await;
    new_city(&app, "shiken", "試験市", "999991").await;
    let s = admin(&app, "shiken").await;
    let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let grid = Grid::new(
        "実施計画".into(),
        vec![
            row(&["試験市行政改革大綱 実施計画（令和3年3月策定）"]),
            row(&[
                "No.",
                "取組項目",
                "取組内容",
                "指標",
                "単位",
                "現状値",
                "3年度",
                "4年度",
                "5年度",
                "担当課",
            ]),
            row(&["1 効率的な行政運営"]),
            row(&["(1) 事務の見直し"]),
            row(&[
                "1",
                "電子申請の拡大",
                "手続をオンライン化する",
                "電子申請の手続数",
                "件",
                "R2：40",
                "60",
                "80",
                "100",
                "情報政策課",
            ]),
            row(&["", "", "", "職員研修", "", "", "検討", "実施", "—", ""]),
            row(&[
                "2",
                "文書の電子決裁",
                "",
                "電子決裁率",
                "%",
                "",
                "50",
                "70",
                "90",
                "総務課・情報政策課",
            ]),
            row(&["(2) 財政の健全化"]),
            row(&[
                "3",
                "公共施設の見直し",
                "",
                "施設数",
                "施設",
                "",
                "▲2",
                "▲4",
                "▲6",
                "財政課",
            ]),
            row(&["2 市民との協働"]),
            row(&[
                "4",
                "市民提案制度",
                "",
                "提案件数",
                "件",
                "",
                "10",
                "10",
                "10",
                "企画課",
            ]),
            row(&["※ 目標値は毎年度見直します。"]),
        ],
    );
    let reply = upload_plan(
        &app,
        &s,
        &[("mode", "new"), ("slug", "taiko-jissi")],
        &workbook(&[grid]),
    )
    .await;
    let at = import_of(&reply);
    assert_eq!(confirm(&app, &s, &at).await.status, StatusCode::SEE_OTHER);
    let doc = stored(&app, "shiken", "taiko-jissi").await;
    assert_eq!(doc.plan.name, "試験市行政改革大綱 実施計画");
    assert_eq!(doc.plan.adopted, "令和3年3月策定");
    assert_eq!((doc.plan.first_year, doc.plan.last_year), (2021, 2023));
    assert_eq!(doc.plan.item_label, "取組項目");
    let nodes: Vec<(String, String, String)> = doc
        .nodes
        .iter()
        .map(|n| (n.key.clone(), n.label.clone(), n.title.clone()))
        .collect();
    assert_eq!(
        nodes,
        [
            ("1", "1", "効率的な行政運営"),
            ("1.1", "(1)", "事務の見直し"),
            ("1.2", "(2)", "財政の健全化"),
            ("2", "2", "市民との協働")
        ]
        .map(|(k, l, t)| (k.to_owned(), l.to_owned(), t.to_owned()))
    );
    let places: Vec<(i32, String)> = doc
        .items
        .iter()
        .map(|i| (i.number, i.node.clone()))
        .collect();
    assert_eq!(
        places,
        [(1, "1.1"), (2, "1.1"), (3, "1.2"), (4, "2")].map(|(n, k)| (n, k.to_owned()))
    );
    assert_eq!(doc.items[0].indicators.len(), 2);
    assert_eq!(doc.items[0].indicators[1].targets, ["検討", "実施", "—"]);
    assert_eq!(
        doc.items[0].indicators[0].baseline.as_deref(),
        Some("R2：40")
    );
    assert_eq!(doc.items[1].sections, ["総務課", "情報政策課"]);
    assert_eq!(doc.items[2].indicators[0].targets, ["▲2", "▲4", "▲6"]);
    let levels = &doc.plan.levels;
    assert_eq!(levels.len(), 2, "{levels:?}");
    // Citizens see it once planning staff publish it; its years are not published yet.
    let (status, _) = app.get("/shiken/plans/taiko-jissi").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a draft until published");
    let published = app
        .send(
            "POST",
            "/staff/plans/taiko-jissi/publication",
            Some(&s),
            Some(&[("action", "publish")]),
        )
        .await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    let (status, page) = app.get("/shiken/plans/taiko-jissi").await;
    assert_eq!(status, StatusCode::OK);
    assert!(text_of(&page).contains("電子申請の拡大"));
}

#[tokio::test]
async fn a_file_that_is_not_a_plan_is_refused_beside_its_field_and_nothing_is_kept() {
    let app = TestApp::with_demo().await;
    let s = admin(&app, "kazo").await;
    let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let no_header = workbook(&[Grid::new(
        "Sheet1".into(),
        vec![row(&["名簿"]), row(&["山田", "太郎"])],
    )]);
    let r = upload_plan(&app, &s, &[("mode", "new"), ("slug", "x-plan")], &no_header).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&r.body).contains("計画の表が見つかりません"));
    assert!(
        r.body.contains("value=\"x-plan\""),
        "the typed name is kept"
    );
    let duplicate = workbook(&[Grid::new(
        "取組項目".into(),
        vec![
            row(&["番号", "取組項目", "指標", "28年度", "29年度"]),
            row(&["視点A"]),
            row(&["-1", "一", "指標一", "1", "2"]),
            row(&["-1x", "二", "指標二", "1", "2"]),
            row(&["-3", "三", "指標三", "1", "2"]),
            row(&["-3", "三", "指標三b", "1", "2"]),
            row(&["-4", "", "指標四", "1", "2"]),
            row(&["-1", "五", "指標五", "1", "2"]),
        ],
    )]);
    let r = upload_plan(&app, &s, &[("mode", "new"), ("slug", "y-plan")], &duplicate).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = text_of(&r.body);
    assert!(
        text.contains("シート「取組項目」 4行目 A列 番号「-1x」が読めません"),
        "{text}"
    );
    assert!(
        text.contains("7行目 B列 番号「-4」の取組の名前がありません"),
        "{text}"
    );
    assert!(
        text.contains("8行目 A列 番号「-1」がほかの行にもあります"),
        "{text}"
    );
    // Bad slugs, a taken one, and a revision of a plan that is not there.
    for (fields, message) in [
        (vec![("mode", "new"), ("slug", "Plan 2")], "半角の英小文字"),
        (
            vec![("mode", "new"), ("slug", "gyosei-keiei-2")],
            "この名前の計画はすでにあります",
        ),
        (
            vec![("mode", "revise"), ("plan", "nothing")],
            "改定する計画を選んでください",
        ),
    ] {
        let first = export_bytes(&app, &s, "/staff/plans/gyosei-keiei-2/export.xlsx").await;
        let r = upload_plan(&app, &s, &fields, &first).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(text_of(&r.body).contains(message), "{fields:?}");
    }
    assert_eq!(app.scalar("SELECT count(*) FROM plan_import").await, 0);
    assert_eq!(
        app.scalar("SELECT count(*) FROM policy WHERE slug IS NOT NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn only_planning_staff_of_the_city_reach_plan_imports() {
    let app = TestApp::with_demo().await;
    let s = admin(&app, "kazo").await;
    let first = export_bytes(&app, &s, "/staff/plans/gyosei-keiei-2/export.xlsx").await;
    // A second plan of the city needs a name of its own.
    let mut grids = read("plan.xlsx", &first).unwrap();
    grids[0].rows[0][0] = "第3次加須市行政経営プラン（案）".into();
    let first = workbook(&grids);
    let at = import_of(&upload_plan(&app, &s, &[("mode", "new"), ("slug", "copy")], &first).await);
    let viewer = app.add_staff("kazo", "kazo-viewer", "viewer", None).await;
    let viewer = app.session_for(viewer).await;
    let other = app
        .add_staff("kariya", "kariya-planner", "admin", None)
        .await;
    let other = app.session_for(other).await;
    for (who, get_status, post_status) in [
        (&viewer, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        (&other, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(
            app.send("GET", &at, Some(who), None).await.status,
            get_status
        );
        assert_eq!(confirm(&app, who, &at).await.status, post_status);
    }
    assert_eq!(
        app.send("GET", "/staff/plans/import", Some(&viewer), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        upload_plan(&app, &viewer, &[("mode", "new"), ("slug", "v")], &first)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Signed out: the sign-in page; a forged form (no CSRF token): refused.
    assert_eq!(
        app.send("GET", &at, None, None).await.status,
        StatusCode::SEE_OTHER
    );
    let forged = app
        .send(
            "POST",
            &format!("{at}/confirm"),
            Some(&s),
            Some(&[("csrf", "wrong")]),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.scalar("SELECT count(*) FROM policy WHERE slug = 'copy'")
            .await,
        0
    );
    assert_eq!(confirm(&app, &s, &at).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.scalar("SELECT count(*) FROM policy WHERE slug = 'copy'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_years_actuals_come_from_the_downloaded_workbook_filled_in() {
    let app = TestApp::with_demo().await;
    let s = admin(&app, "kazo").await;
    let plan = "/staff/plans/gyosei-keiei-2";
    let bytes = export_bytes(&app, &s, &format!("{plan}/years/2017/actuals.xlsx")).await;
    let mut grids = read("a.xlsx", &bytes).unwrap();
    let header = grids[0].rows[1].clone();
    assert_eq!(
        header[..7],
        [
            "番号",
            "取組項目",
            "目標値等",
            "単位",
            "目標（平成29年度）",
            "実績",
            "達成"
        ]
    );
    let rows = &mut grids[0].rows;
    let at = |rows: &Vec<Vec<String>>, n: &str| rows.iter().position(|r| r[0] == n).unwrap();
    let (r1, r8, r13) = (at(rows, "-1"), at(rows, "-8"), at(rows, "-13"));
    rows[r1][5] = "76".into();
    rows[r8][5] = "先進市を調査".into();
    rows[r8][6] = "達成".into();
    rows[r13][5] = "712".into();
    let reply = upload_to(
        &app,
        &s,
        &format!("{plan}/years/2017/actuals"),
        &[],
        "jisseki.xlsx",
        &workbook(&grids),
    )
    .await;
    let at = import_of(&reply);
    let page = app.send("GET", &at, Some(&s), None).await.body;
    let text = text_of(&page);
    assert!(text.contains("変わる実績（3件）"), "{text}");
    assert!(text.contains("先進市を調査（達成）"), "{text}");
    assert_eq!(
        app.scalar("SELECT count(*) FROM plan_actual").await,
        0,
        "nothing before the confirmation"
    );
    assert_eq!(confirm(&app, &s, &at).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.scalar("SELECT count(*) FROM plan_actual WHERE year = 2017")
            .await,
        3
    );
    let preview = app
        .send("GET", &format!("{plan}/progress/2017"), Some(&s), None)
        .await;
    assert!(text_of(&preview.body).contains("712"));

    // A word target without its decision, a number where a number is needed: placed, nothing kept.
    rows_edit(&mut grids, |rows| {
        let r = rows.iter().position(|r| r[0] == "-9").unwrap();
        rows[r][5] = "検討した".into();
        let r = rows.iter().position(|r| r[0] == "-5").unwrap();
        rows[r][5] = "たくさん".into();
    });
    let bad = upload_to(
        &app,
        &s,
        &format!("{plan}/years/2017/actuals"),
        &[],
        "jisseki.xlsx",
        &workbook(&grids),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = text_of(&bad.body);
    assert!(
        text.contains("F列 -5「") && text.contains("実績は数値で書いてください"),
        "{text}"
    );
    assert!(
        text.contains("-9「") && text.contains("達成したかどうか"),
        "{text}"
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM plan_actual_import").await,
        1
    );
    // A viewer may download but not upload.
    let viewer = app.add_staff("kazo", "kazo-viewer", "viewer", None).await;
    let viewer = app.session_for(viewer).await;
    export_bytes(&app, &viewer, &format!("{plan}/years/2017/actuals.xlsx")).await;
    let refused = upload_to(
        &app,
        &viewer,
        &format!("{plan}/years/2017/actuals"),
        &[],
        "jisseki.xlsx",
        &workbook(&grids),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // The preview and its confirmation: the city's planning staff only.
    let other = app
        .add_staff("kariya", "kariya-planner", "admin", None)
        .await;
    let other = app.session_for(other).await;
    for (who, status) in [
        (&viewer, StatusCode::FORBIDDEN),
        (&other, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(app.send("GET", &at, Some(who), None).await.status, status);
        assert_eq!(confirm(&app, who, &at).await.status, status);
        let download = app
            .send(
                "GET",
                &format!("{plan}/years/2017/actuals.xlsx"),
                Some(who),
                None,
            )
            .await
            .status;
        assert_eq!(
            download,
            if status == StatusCode::FORBIDDEN {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            }
        );
    }
}

fn rows_edit(grids: &mut [Grid], edit: impl FnOnce(&mut Vec<Vec<String>>)) {
    edit(&mut grids[0].rows)
}

#[tokio::test]
async fn a_plan_workbook_comes_in_from_the_command_line_too() {
    let app = TestApp::with_demo().await;
    let s = admin(&app, "kazo").await;
    let bytes = export_bytes(&app, &s, "/staff/plans/gyosei-keiei-2/export.xlsx").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.xlsx");
    std::fs::write(&file, &bytes).unwrap();
    new_city(&app, "shiken", "試験市", "999991").await;
    let state = mokuhyo::app_state(app.pool.clone()).await.unwrap();
    let opts = |apply: bool| {
        let mut o: std::collections::HashMap<String, String> = [
            ("city", "shiken"),
            ("slug", "gyosei-keiei-2"),
            ("file", file.to_str().unwrap()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        if apply {
            o.insert("apply".into(), String::new());
        }
        o
    };
    let dry = mokuhyo::cli::import_plan(&state, &opts(false))
        .await
        .unwrap();
    assert!(
        dry.contains("new plan")
            && dry.contains("items added 111")
            && dry.contains("nothing written"),
        "{dry}"
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM policy WHERE slug = 'gyosei-keiei-2'")
            .await,
        1
    );
    let done = mokuhyo::cli::import_plan(&state, &opts(true))
        .await
        .unwrap();
    assert!(done.ends_with("written"), "{done}");
    assert_eq!(
        stored(&app, "shiken", "gyosei-keiei-2").await,
        stored(&app, "kazo", "gyosei-keiei-2").await
    );
    let again = mokuhyo::cli::import_plan(&state, &opts(false))
        .await
        .unwrap();
    assert!(
        again.contains("revision of") && again.contains("items added 0, changed 0, removed 0"),
        "{again}"
    );
    std::fs::write(&file, b"not a workbook").unwrap();
    let refused = mokuhyo::cli::import_plan(&state, &opts(true))
        .await
        .unwrap_err();
    assert!(refused.contains("plan.xlsx"), "{refused}");
}

/// Records item 1's first indicator for 平成29年度 in kazo's plan and publishes the year.
async fn publish_2017_with_item_1_at(app: &TestApp, s: &Session, value: &str) {
    let i1: i64 = app.scalar("SELECT x.id FROM plan_indicator x JOIN plan_item i ON i.id = x.item_id WHERE i.number = 1").await;
    let saved = app
        .send(
            "POST",
            "/staff/plans/gyosei-keiei-2/items/1",
            Some(s),
            Some(&[
                ("year", "2017"),
                (&format!("value_{i1}"), value),
                (&format!("version_{i1}"), "0"),
            ]),
        )
        .await;
    assert_eq!(
        saved.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&saved.body)
    );
    let published = crate::plans::publish_plan_year(app, s, "gyosei-keiei-2", 2017).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_revision_may_not_take_away_a_published_years_actual() {
    let app = TestApp::with_demo().await;
    let s = admin(&app, "kazo").await;
    let plan = "/staff/plans/gyosei-keiei-2";
    publish_2017_with_item_1_at(&app, &s, "74").await;
    let first = export_bytes(&app, &s, &format!("{plan}/export.xlsx")).await;
    let file = edited(&first, |h, rows| {
        let number = col(h, "番号");
        rows.retain(|r| r[number] != "-1");
    });
    let reply = upload_plan(
        &app,
        &s,
        &[("mode", "revise"), ("plan", "gyosei-keiei-2")],
        &file,
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text_of(&reply.body).contains("公表済みの年度の実績（1件）"),
        "{}",
        text_of(&reply.body)
    );
    assert_eq!(app.scalar("SELECT count(*) FROM plan_import").await, 0);
    assert_eq!(app.scalar("SELECT count(*) FROM plan_actual").await, 1);
}
