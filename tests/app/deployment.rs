//! The deployment-table layout (国分寺市 組織目標展開整理表): the demo document reproduced item
//! by item, the header, and a city switching layouts.

use crate::helpers::{TestApp, text_of};
use axum::http::StatusCode;

/// One item of the source document: 番号, 実施項目, 分類, いつまで, 共通/課名, and the number of
/// どの水準まで bullets.
struct SourceItem {
    number: usize,
    title: String,
    category: String,
    deadline: String,
    section: String,
}

/// The items as the seed document lists them (tab-separated rows starting with a number).
fn source_items() -> Vec<SourceItem> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/sources/003_00b464e0fd19bc16.txt"
    );
    let text = std::fs::read_to_string(path).expect("the source document is in docs/sources");
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
            let number: usize = cells.first()?.parse().ok()?;
            let cells: Vec<&str> = cells.into_iter().filter(|c| !c.is_empty()).collect();
            Some(SourceItem {
                number,
                title: cells[1].to_owned(),
                category: cells[2].to_owned(),
                deadline: cells[5].to_owned(),
                // A line break inside the name in the PDF.
                section: cells[6].replace("コミュニ ティ", "コミュニティ"),
            })
        })
        .collect()
}

/// The text of each item (`<tbody>`) of a deployment table page.
fn item_texts(html: &str) -> Vec<String> {
    html.split("<tbody")
        .skip(1)
        .map(|chunk| {
            text_of(&format!(
                "<tbody{}",
                &chunk[..chunk.find("</tbody>").unwrap()]
            ))
        })
        .collect()
}

#[tokio::test]
async fn the_deployment_table_reproduces_the_documents_25_items_in_order() {
    let app = TestApp::with_demo().await;
    let source = source_items();

    let (status, html) = app.get("/kokubunji/2026/departments/shimin").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(source.len(), 25);
    let items = item_texts(&html);
    assert_eq!(items.len(), source.len());
    for (item, s) in items.iter().zip(&source) {
        let expected_start = format!("{} {} {}", s.number, s.title, s.category);
        assert!(
            item.starts_with(&expected_start),
            "«{item}» should start with «{expected_start}»"
        );
        let expected_end = format!("{} {}", s.deadline, s.section);
        assert!(
            item.ends_with(&expected_end),
            "«{item}» should end with «{expected_end}»"
        );
    }
    // The level and method bullets are lists, as in the document.
    assert!(html.contains("<li>(5月)審査委員会《2回》を経て事業者を決定</li>"));
    assert!(html.contains("<li>出張所設置条例の一部改正条例の準備、上程がされている。</li>"));
}

#[tokio::test]
async fn the_deployment_table_has_its_header_and_columns_and_kariya_has_none_of_them() {
    let app = TestApp::with_demo().await;

    let (_, kokubunji) = app.get("/kokubunji/2026/departments/shimin").await;
    let (_, kariya) = app.get("/kariya/2026/departments/somu").await;

    let k = text_of(&kokubunji);
    assert!(k.contains("市民部 令和8年度組織目標展開整理表"));
    assert!(
        k.contains("作成日 令和8年4月1日 職名 市民部長 氏名 玉井 理加"),
        "{k}"
    );
    for column in [
        "計画・方針等の分類",
        "どの水準まで",
        "どのような方法で",
        "いつまで",
        "共通/課名",
    ] {
        assert!(kokubunji.contains(column), "{column}");
        assert!(!kariya.contains(column), "a 刈谷市 page shows no {column}");
    }
    assert!(!kariya.contains("作成日"));
    assert!(!kokubunji.contains(">目標達成基準<"));
}

#[tokio::test]
async fn common_items_say_so_and_categories_come_from_the_citys_list() {
    let app = TestApp::with_demo().await;

    let (_, html) = app.get("/kokubunji/2026/departments/shimin").await;

    let items = item_texts(&html);
    assert!(items[21].ends_with("年度末 共通"), "{}", items[21]);
    let categories: Vec<String> = sqlx::query_scalar(
        "SELECT c.name FROM goal_category c JOIN municipality m ON m.id = c.municipality_id
         WHERE m.slug = 'kokubunji' ORDER BY c.position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        categories,
        [
            "施政方針",
            "市長特命",
            "個別計画",
            "行政改革",
            "進行管理",
            "ビジョン",
            "その他"
        ]
    );
    // Every item's category is one of them (the foreign key makes any other impossible).
    assert_eq!(
        app.scalar(
            "SELECT count(*) FROM goal g JOIN municipality m ON m.id = g.municipality_id
             WHERE m.slug = 'kokubunji' AND g.category_id IS NOT NULL"
        )
        .await,
        25
    );
}

#[tokio::test]
async fn planning_staff_switch_the_citys_layout_and_used_categories_stay() {
    let app = TestApp::with_demo().await;
    let admin = app.add_staff("kokubunji", "k-admin", "admin", None).await;
    let s = app.session_for(admin).await;
    let categories = "施政方針\n市長特命\n個別計画\n行政改革\n進行管理\nビジョン\nその他";

    let switched = app
        .send(
            "POST",
            "/staff/admin/layout",
            Some(&s),
            Some(&[("layout", "target_table"), ("categories", categories)]),
        )
        .await;
    let (_, as_table) = app.get("/kokubunji/2026/departments/shimin").await;

    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert!(as_table.contains(">目標達成基準<"));
    assert!(!as_table.contains("計画・方針等の分類"));
    assert!(text_of(&as_table).contains("市民部 令和8年度組織重点目標"));

    // Removing a category that goals use is refused, with the typed list kept.
    let refused = app
        .send(
            "POST",
            "/staff/admin/layout",
            Some(&s),
            Some(&[
                ("layout", "deployment_table"),
                ("categories", "施政方針\n市長特命"),
            ]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&refused.body).contains("組織目標で使われているため削除できません"));
    assert!(refused.body.contains("施政方針\n市長特命</textarea>"));
    assert_eq!(
        app.scalar("SELECT count(*) FROM municipality WHERE slug = 'kokubunji' AND sheet_layout = 'target_table'")
            .await,
        1,
        "nothing was saved"
    );

    let back = app
        .send(
            "POST",
            "/staff/admin/layout",
            Some(&s),
            Some(&[("layout", "deployment_table"), ("categories", categories)]),
        )
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let (_, again) = app.get("/kokubunji/2026/departments/shimin").await;
    assert!(again.contains("計画・方針等の分類"));
}

#[tokio::test]
async fn only_planning_staff_of_the_city_change_its_layout() {
    let app = TestApp::with_demo().await;
    let kariya_admin = app.add_staff("kariya", "kariya-a", "admin", None).await;
    let kariya_admin = app.session_for(kariya_admin).await;
    let head = app
        .add_staff("kokubunji", "k-head", "department_head", Some("shimin"))
        .await;
    let head = app.session_for(head).await;

    let by_head = app
        .send(
            "POST",
            "/staff/admin/layout",
            Some(&head),
            Some(&[("layout", "target_table"), ("categories", "")]),
        )
        .await;
    // Kariya's planning staff change Kariya, never Kokubunji.
    let by_other_city = app
        .send(
            "POST",
            "/staff/admin/layout",
            Some(&kariya_admin),
            Some(&[("layout", "deployment_table"), ("categories", "")]),
        )
        .await;

    assert_eq!(by_head.status, StatusCode::FORBIDDEN);
    assert_eq!(by_other_city.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.scalar("SELECT count(*) FROM municipality WHERE slug = 'kokubunji' AND sheet_layout = 'deployment_table'")
            .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM goal_category c JOIN municipality m ON m.id = c.municipality_id WHERE m.slug = 'kokubunji'")
            .await,
        7
    );
}

#[tokio::test]
async fn a_head_edits_an_items_category_deadline_and_common_responsibility() {
    let app = TestApp::with_demo().await;
    let head = app
        .add_staff("kokubunji", "k-head", "department_head", Some("shimin"))
        .await;
    let s = app.session_for(head).await;
    let goal = app
        .scalar("SELECT g.id FROM goal g JOIN department d ON d.id = g.department_id WHERE d.slug = 'shimin' AND g.position = 2")
        .await;
    let initiative = app
        .scalar(&format!("SELECT id FROM initiative WHERE goal_id = {goal}"))
        .await;
    let category = app
        .scalar("SELECT c.id FROM goal_category c JOIN municipality m ON m.id = c.municipality_id WHERE m.slug = 'kokubunji' AND c.name = 'ビジョン'")
        .await;
    let goal_version = app
        .scalar(&format!(
            "SELECT version::bigint FROM goal WHERE id = {goal}"
        ))
        .await;
    let initiative_version = app
        .scalar(&format!(
            "SELECT version::bigint FROM initiative WHERE id = {initiative}"
        ))
        .await;
    let text: String = sqlx::query_scalar("SELECT text FROM initiative WHERE id = $1")
        .bind(initiative)
        .fetch_one(&app.pool)
        .await
        .unwrap();

    // A deadline of spaces is no deadline (trimmed before it is checked and stored).
    let spaces = app
        .send(
            "POST",
            &format!("/staff/initiatives/{initiative}"),
            Some(&s),
            Some(&[
                ("text", &text),
                ("deadline", "   　 "),
                ("version", &initiative_version.to_string()),
            ]),
        )
        .await;
    assert_eq!(spaces.status, StatusCode::SEE_OTHER, "{}", spaces.body);
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM initiative WHERE id = {initiative} AND deadline IS NULL"
        ))
        .await,
        1
    );
    sqlx::query("UPDATE initiative SET deadline = '12月' WHERE id = $1")
        .bind(initiative)
        .execute(&app.pool)
        .await
        .unwrap();
    let initiative_version = app
        .scalar(&format!(
            "SELECT version::bigint FROM initiative WHERE id = {initiative}"
        ))
        .await;
    let bad = app
        .send(
            "POST",
            &format!("/staff/initiatives/{initiative}"),
            Some(&s),
            Some(&[
                ("text", &text),
                ("deadline", "来年の春"),
                ("version", &initiative_version.to_string()),
            ]),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"deadline-error\""));
    assert!(bad.body.contains("value=\"来年の春\""));
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM initiative WHERE id = {initiative} AND deadline = '12月'"
        ))
        .await,
        1,
        "nothing saved"
    );

    let goal_saved = app
        .send(
            "POST",
            &format!("/staff/goals/{goal}"),
            Some(&s),
            Some(&[
                ("text", "サービスコーナーの準備"),
                ("category", &category.to_string()),
                ("version", &goal_version.to_string()),
            ]),
        )
        .await;
    // No section: the item becomes the whole department's (共通); full-width month accepted.
    let initiative_saved = app
        .send(
            "POST",
            &format!("/staff/initiatives/{initiative}"),
            Some(&s),
            Some(&[
                ("text", &text),
                ("deadline", "１０月"),
                ("version", &initiative_version.to_string()),
            ]),
        )
        .await;

    assert_eq!(
        goal_saved.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&goal_saved.body)
    );
    assert_eq!(
        initiative_saved.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&initiative_saved.body)
    );
    app.publish_all("kokubunji").await;
    let (_, html) = app.get("/kokubunji/2026/departments/shimin").await;
    let items = item_texts(&html);
    assert!(
        items[1].starts_with("2 サービスコーナーの準備 ビジョン"),
        "{}",
        items[1]
    );
    assert!(items[1].ends_with("10月 共通"), "{}", items[1]);
}

#[tokio::test]
async fn a_kariya_initiative_still_needs_a_section() {
    let app = TestApp::with_demo().await;
    let head = app
        .add_staff("kariya", "head", "department_head", Some("somu"))
        .await;
    let s = app.session_for(head).await;
    let goal = app
        .scalar("SELECT g.id FROM goal g JOIN department d ON d.id = g.department_id WHERE d.slug = 'somu' AND d.municipality_id = (SELECT id FROM municipality WHERE slug = 'kariya') AND g.position = 1")
        .await;
    let before = app.snapshot().await;

    let reply = app
        .send(
            "POST",
            &format!("/staff/goals/{goal}/initiatives"),
            Some(&s),
            Some(&[("text", "課のない取組"), ("deadline", "3月")]),
        )
        .await;

    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&reply.body).contains("担当する課等を1つ以上選んでください。"));
    assert!(
        !reply.body.contains("id=\"deadline\""),
        "no deadline field for 刈谷市"
    );
    assert_eq!(app.snapshot().await, before);
}

/// Every item of a 国分寺市 year: number, text, category, methods, criteria, deadline, sections.
async fn item_rows(app: &TestApp, year: i32) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT format('%s|%s|%s|%s|%s|%s|%s', g.position, g.text, c.name, i.text,
                (SELECT string_agg(k.text, ' / ' ORDER BY k.position) FROM criterion k WHERE k.initiative_id = i.id),
                i.deadline,
                (SELECT string_agg(s.name, ',' ORDER BY x.position) FROM initiative_section x JOIN section s ON s.id = x.section_id WHERE x.initiative_id = i.id))
         FROM goal g JOIN department d ON d.id = g.department_id JOIN fiscal_year f ON f.id = d.fiscal_year_id
         JOIN municipality m ON m.id = d.municipality_id
         LEFT JOIN goal_category c ON c.id = g.category_id LEFT JOIN initiative i ON i.goal_id = g.id
         WHERE m.slug = 'kokubunji' AND f.year = $1 ORDER BY g.position, i.position",
    )
    .bind(year)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_deployment_spreadsheet_round_trips_into_another_year() {
    use crate::import::{confirm, export_bytes, job_of, upload};
    let app = TestApp::with_demo().await;
    let admin = app.add_staff("kokubunji", "k-admin", "admin", None).await;
    let s = app.session_for(admin).await;
    let file = export_bytes(&app, &s, "/staff/admin/years/2026/export.xlsx").await;
    let created = app
        .send(
            "POST",
            "/staff/admin/years",
            Some(&s),
            Some(&[
                ("year", "2027"),
                ("title", "令和9年度 組織目標展開整理表"),
                ("tables_title", "組織目標展開整理表（部の組織目標）"),
                ("copy_from", "2026"),
            ]),
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);

    // The same file into the same year changes nothing…
    let same = job_of(&upload(&app, &s, 2026, "kokubunji.xlsx", &file).await);
    let same_page = text_of(
        &app.send("GET", &format!("/staff/import/{same}"), Some(&s), None)
            .await
            .body,
    );
    // …and into the new year reproduces every item with its attributes.
    let job = job_of(&upload(&app, &s, 2027, "kokubunji.xlsx", &file).await);
    let done = confirm(&app, &s, job).await;

    assert!(same_page.contains("変更はありません"), "{same_page}");
    assert!(done.contains("取り込みました"), "{done}");
    let before = item_rows(&app, 2026).await;
    assert_eq!(before.len(), 25);
    assert_eq!(item_rows(&app, 2027).await, before);
}

#[tokio::test]
async fn a_deployment_spreadsheet_with_an_unknown_category_or_deadline_is_refused_in_place() {
    use crate::import::{job_of, upload};
    let app = TestApp::with_demo().await;
    let admin = app.add_staff("kokubunji", "k-admin", "admin", None).await;
    let s = app.session_for(admin).await;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("市民部").unwrap();
    for (c, h) in [
        "番号",
        "実施項目（業務目標又は事務の内容）",
        "計画・方針等の分類",
        "どの水準まで",
        "どのような方法で",
        "いつまで（期限）",
        "共通/課名",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in [
        "1",
        "窓口の改善",
        "思いつき",
        "・待ち時間の短縮",
        "・受付の見直し",
        "来年",
        "共通",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    let file = wb.save_to_buffer().unwrap();
    let before = app.snapshot().await;

    let job = job_of(&upload(&app, &s, 2026, "bad.xlsx", &file).await);
    let page = text_of(
        &app.send("GET", &format!("/staff/import/{job}"), Some(&s), None)
            .await
            .body,
    );

    assert!(
        page.contains("シート「市民部」 2行目 C列 分類「思いつき」は市の分類の一覧"),
        "{page}"
    );
    assert!(
        page.contains("シート「市民部」 2行目 F列 いつまで「来年」が読めません。"),
        "{page}"
    );
    assert!(
        !page.contains("課等"),
        "共通 is no problem in a deployment city: {page}"
    );
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn open_data_carries_categories_and_deadlines() {
    let app = TestApp::with_demo().await;

    let json: serde_json::Value =
        serde_json::from_str(&app.get("/kokubunji/2026.json").await.1).unwrap();
    let (_, csv) = app.get("/kokubunji/2026.csv").await;
    let (_, kariya) = app.get("/kariya/2026.json").await;

    let first = &json["departments"][0]["goals"][0];
    assert_eq!(first["category"], "施政方針");
    assert_eq!(first["initiatives"][0]["deadline"], "1月");
    assert!(csv.lines().next().unwrap().ends_with(",分類,いつまで"));
    assert!(csv.contains(",施政方針,1月\r\n"));
    let kariya: serde_json::Value = serde_json::from_str(&kariya).unwrap();
    assert_eq!(
        kariya["departments"][0]["goals"][0]["category"],
        serde_json::Value::Null
    );
}
