//! A city's own workbooks of a past year, in the layouts cities keep (title rows, pillar
//! headings before the header, the header repeated before every group, page numbers, notes,
//! a No. column, several departments on one sheet, Shift_JIS CSV), bring in the year's
//! organization and its results, and the year is published in one step.

use crate::helpers::{TestApp, assert_in_order, text_of};
use crate::import::{admin_session, confirm, job_of, upload};
use axum::http::StatusCode;
use rust_xlsxwriter::{Format, Workbook, Worksheet};

/// One row of a sheet as the test writes it.
enum R<'a> {
    /// A text merged across the table's five columns (title, pillar heading, note).
    Across(&'a str),
    /// Cells from column A; "" leaves a cell empty.
    Cells(&'a [&'a str]),
    Blank,
}

const RESULTS_HEADER: &[&str] = &["組織目標", "取組内容", "課等", "実績", "成果"];

fn write_sheet(ws: &mut Worksheet, rows: &[R]) {
    let across = Format::new();
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32;
        match row {
            R::Across(text) => {
                ws.merge_range(r, 0, r, 5, text, &across).unwrap();
            }
            R::Cells(cells) => {
                for (c, v) in cells.iter().enumerate() {
                    if !v.is_empty() {
                        ws.write_string(r, c as u16, *v).unwrap();
                    }
                }
            }
            R::Blank => {}
        }
    }
}

fn workbook(sheets: &[(&str, Vec<R>)]) -> Vec<u8> {
    let mut wb = Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        write_sheet(ws, rows);
    }
    wb.save_to_buffer().unwrap()
}

/// The results report of 平成30年度 as a city prints it: one sheet per department, a title
/// row, the first pillar heading above the header, the header repeated before every pillar
/// group and after a page break, a goal continued after the break, notes and page numbers.
fn printed_results_workbook() -> Vec<u8> {
    let kikaku = vec![
        R::Across("企画財政部 平成30年度組織重点目標（実績・成果）"),
        R::Blank,
        R::Across("(1) 将来を見据えた市役所づくり"),
        R::Cells(RESULTS_HEADER),
        R::Cells(&[
            "総合計画を着実に推進する",
            "①総合計画の進行管理",
            "企画政策課",
            "・評価会議 3回開催\n・市民意識調査の実施",
            "計画の進み具合を市民に示せた。",
        ]),
        R::Cells(&[
            "",
            "②財政計画の見直し",
            "財政課",
            "・中期財政計画を改定",
            "・基金残高の確保\n・市債残高の抑制",
        ]),
        R::Across("- 1 -"),
        R::Cells(RESULTS_HEADER),
        R::Cells(&[
            "総合計画を着実に推進する",
            "③行政評価の実施",
            "企画政策課",
            "・事務事業評価 120件",
            "見直しにつなげた。",
        ]),
        R::Blank,
        R::Across("(2) 市民とともに歩む市役所づくり"),
        R::Cells(RESULTS_HEADER),
        R::Cells(&[
            "市民との対話を広げる",
            "①タウンミーティングの開催",
            "企画政策課、財政課",
            "・4地区で開催",
            "延べ200人の声を聞いた。",
        ]),
        R::Across("※ 実績は平成31年3月末現在"),
    ];
    let somu = vec![
        R::Across("総務部　平成30年度 組織重点目標 実績・成果"),
        R::Cells(&["No.", "組織目標", "取組内容", "課等", "実績", "成果"]),
        R::Across("(1) 将来を見据えた市役所づくり"),
        R::Cells(&[
            "1",
            "職員の力を高める",
            "①研修体系の見直し",
            "人事課",
            "・研修 24講座",
            "受講者の満足度 90%。",
        ]),
        R::Cells(&["2", "", "②働き方の改革", "人事課", "・時間外勤務 10%減", ""]),
        R::Cells(&["注）人数は延べ人数"]),
    ];
    workbook(&[("1企画財政部", kikaku), ("総務部（実績）", somu)])
}

async fn create_empty_year(app: &TestApp, s: &crate::helpers::Session, year: &str) {
    let reply = app
        .send(
            "POST",
            "/staff/admin/years",
            Some(s),
            Some(&[
                ("year", year),
                ("title", "平成30年度 組織重点目標"),
                ("tables_title", "各部の組織重点目標"),
                ("copy_from", ""),
            ]),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&reply.body)
    );
}

/// (department, section) of a year, in display order.
async fn organization(app: &TestApp, year: i32) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT d.name || ':' || COALESCE(s.name, '') FROM department d
         JOIN fiscal_year f ON f.id = d.fiscal_year_id JOIN municipality m ON m.id = d.municipality_id
         LEFT JOIN section s ON s.department_id = d.id
         WHERE m.slug = 'kariya' AND f.year = $1 ORDER BY d.position, s.position",
    )
    .bind(year)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// Goal | initiative | sections | 実績 | 成果 of a year, in order.
async fn results_rows(app: &TestApp, year: i32) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT format('%s|%s|%s|%s|%s|%s', d.name, g.text, i.text,
                (SELECT string_agg(s.name, '、' ORDER BY x.position) FROM initiative_section x JOIN section s ON s.id = x.section_id WHERE x.initiative_id = i.id),
                array_to_string(r.performance, '/'), array_to_string(r.outcome, '/'))
         FROM department d JOIN fiscal_year f ON f.id = d.fiscal_year_id JOIN municipality m ON m.id = d.municipality_id
         JOIN goal g ON g.department_id = d.id JOIN initiative i ON i.goal_id = g.id
         LEFT JOIN initiative_result r ON r.initiative_id = i.id
         WHERE m.slug = 'kariya' AND f.year = $1 ORDER BY d.position, g.position, i.position",
    )
    .bind(year)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_past_years_printed_results_workbook_sets_up_the_year_and_is_published_in_one_step() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    // Submission 1: the empty year.
    create_empty_year(&app, &s, "2018").await;
    assert!(organization(&app, 2018).await.is_empty());

    // Submission 2: the file as it is.
    let job = job_of(&upload(&app, &s, 2018, "H30実績.xlsx", &printed_results_workbook()).await);
    let page = app
        .send("GET", &format!("/staff/import/{job}"), Some(&s), None)
        .await;
    let text = text_of(&page.body);
    assert!(!text.contains("取り込めません"), "{text}");
    assert!(text.contains("新しく作る部・課等"), "{text}");
    assert!(
        text.contains("企画財政部 （新しい部）：企画政策課、財政課"),
        "{text}"
    );
    assert!(text.contains("総務部 （新しい部）：人事課"), "{text}");
    // The content as it will be stored, continued goal included, before anything is written.
    assert_in_order(
        &text,
        &[
            "総合計画を着実に推進する",
            "総合計画の進行管理",
            "評価会議 3回開催",
            "財政計画の見直し",
            "行政評価の実施",
            "市民との対話を広げる",
            "研修体系の見直し",
            "働き方の改革",
        ],
    );
    assert!(page.body.contains("取り込みを確定する"));
    assert!(
        organization(&app, 2018).await.is_empty(),
        "the preview wrote nothing"
    );

    // Submission 3: confirm.
    let done = confirm(&app, &s, job).await;
    assert!(done.contains("取り込みました"), "{done}");
    assert_eq!(
        organization(&app, 2018).await,
        [
            "企画財政部:企画政策課",
            "企画財政部:財政課",
            "総務部:人事課"
        ]
    );
    assert_eq!(
        results_rows(&app, 2018).await,
        [
            "企画財政部|総合計画を着実に推進する|総合計画の進行管理|企画政策課|評価会議 3回開催/市民意識調査の実施|計画の進み具合を市民に示せた。",
            "企画財政部|総合計画を着実に推進する|財政計画の見直し|財政課|中期財政計画を改定|・基金残高の確保/・市債残高の抑制",
            "企画財政部|総合計画を着実に推進する|行政評価の実施|企画政策課|事務事業評価 120件|見直しにつなげた。",
            "企画財政部|市民との対話を広げる|タウンミーティングの開催|企画政策課、財政課|4地区で開催|延べ200人の声を聞いた。",
            "総務部|職員の力を高める|研修体系の見直し|人事課|研修 24講座|受講者の満足度 90%。",
            "総務部|職員の力を高める|働き方の改革|人事課|時間外勤務 10%減|",
        ]
    );
    // The department created from the file takes the slug the same name has in 2026.
    let slug: String = sqlx::query_scalar(
        "SELECT d.slug FROM department d JOIN fiscal_year f ON f.id = d.fiscal_year_id
         JOIN municipality m ON m.id = d.municipality_id WHERE m.slug = 'kariya' AND f.year = 2018 AND d.name = '総務部'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(slug, "somu");

    // Submission 4: the results published without review, on the city's real date.
    let reply = app
        .send(
            "POST",
            "/staff/admin/years/2018/publish-all",
            Some(&s),
            Some(&[
                ("kind", "results"),
                ("published_on", "2019-06-28"),
                ("confirmed", "1"),
            ]),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&reply.body)
    );
    let published: i64 = app
        .scalar(
            "SELECT count(*) FROM publication p JOIN fiscal_year f ON f.id = p.fiscal_year_id
             WHERE f.year = 2018 AND p.kind = 'results' AND p.published_on = '2019-06-28'",
        )
        .await;
    assert_eq!(published, 2);
    // Each department's history says who published it and that review was skipped.
    let history: i64 = app
        .scalar(
            "SELECT count(*) FROM sheet_event e JOIN department d ON d.id = e.department_id
             JOIN fiscal_year f ON f.id = d.fiscal_year_id
             WHERE f.year = 2018 AND e.action = 'publish' AND e.comment LIKE '%審査を省略%' AND e.user_id IS NOT NULL",
        )
        .await;
    assert_eq!(history, 2);
    app.forget_pages();

    // Citizens: every link from the city page answers, the date is the city's, no status
    // nobody gave.
    let (status, city) = app.get("/kariya").await;
    assert_eq!(status, StatusCode::OK);
    assert!(city.contains("/kariya/2018/results"), "{city}");
    let (status, report) = app.get("/kariya/2018/results/somu").await;
    assert_eq!(status, StatusCode::OK);
    let report = text_of(&report);
    assert!(report.contains("令和元年6月28日"), "{report}");
    assert!(!report.contains("未判定"), "{report}");
    assert_in_order(
        &report,
        &["研修体系の見直し", "研修 24講座", "働き方の改革"],
    );
}

#[tokio::test]
async fn all_departments_on_one_sheet_with_titles_no_column_and_the_header_once() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    create_empty_year(&app, &s, "2018").await;
    let header: &[&str] = &["No.", "組織目標", "取組内容", "課等", "目標達成基準"];
    let rows = vec![
        R::Across("平成30年度 組織重点目標"),
        R::Cells(&["作成日", "平成30年4月1日"]),
        R::Blank,
        R::Across("企画財政部"),
        R::Cells(header),
        R::Across("(1) 将来を見据えた市役所づくり"),
        R::Cells(&[
            "1",
            "総合計画を着実に推進する",
            "①進行管理",
            "企画政策課",
            "・評価会議 3回",
        ]),
        R::Cells(&["", "", "②財政計画", "財政課", "・計画の改定"]),
        R::Blank,
        R::Across("総務部 平成30年度組織重点目標"),
        R::Across("(2) 市民とともに歩む市役所づくり"),
        R::Cells(header),
        R::Cells(&["1", "職員の力を高める", "①研修", "人事課", "・24講座"]),
        R::Across("3/12"),
    ];
    let file = workbook(&[("Sheet1", rows)]);
    let job = job_of(&upload(&app, &s, 2018, "all.xlsx", &file).await);
    let page = app
        .send("GET", &format!("/staff/import/{job}"), Some(&s), None)
        .await;
    let text = text_of(&page.body);
    assert!(!text.contains("取り込めません"), "{text}");
    assert!(page.body.contains("取り込みを確定する"), "{text}");
    confirm(&app, &s, job).await;
    let goals: Vec<String> = sqlx::query_scalar(
        "SELECT d.name || ':' || g.text || ':' || (SELECT string_agg(p.number::text, ',') FROM goal_pillar gp JOIN pillar p ON p.id = gp.pillar_id WHERE gp.goal_id = g.id)
         FROM goal g JOIN department d ON d.id = g.department_id JOIN fiscal_year f ON f.id = d.fiscal_year_id
         JOIN municipality m ON m.id = d.municipality_id WHERE m.slug = 'kariya' AND f.year = 2018 ORDER BY d.position, g.position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        goals,
        [
            "企画財政部:総合計画を着実に推進する:1",
            "総務部:職員の力を高める:2"
        ]
    );
    let criteria: i64 = app
        .scalar(
            "SELECT count(*) FROM criterion c JOIN initiative i ON i.id = c.initiative_id JOIN goal g ON g.id = i.goal_id
             JOIN department d ON d.id = g.department_id JOIN fiscal_year f ON f.id = d.fiscal_year_id WHERE f.year = 2018",
        )
        .await;
    assert_eq!(criteria, 3);
}

#[tokio::test]
async fn a_head_importing_names_the_year_lacks_gets_placed_problems_and_nothing_is_created() {
    let app = TestApp::with_demo().await;
    let head = app
        .add_staff("kariya", "head", "department_head", Some("somu"))
        .await;
    let s = app.session_for(head).await;
    let before = app.snapshot().await;
    let rows = vec![
        R::Across("総務部 令和8年度組織重点目標"),
        R::Across("(1) 将来を見据えた市役所づくり"),
        R::Cells(RESULTS_HEADER),
        R::Cells(&["職員の力を高める", "①研修", "架空の課", "・24講座", ""]),
    ];
    let file = workbook(&[("Sheet1", rows)]);
    let job = job_of(&upload(&app, &s, 2026, "head.xlsx", &file).await);
    let page = app
        .send("GET", &format!("/staff/import/{job}"), Some(&s), None)
        .await;
    let text = text_of(&page.body);
    assert!(
        text.contains("シート「Sheet1」 4行目 C列 課等「架空の課」はこの年度の組織にありません。組織に加えるよう企画担当に依頼するか"),
        "{text}"
    );
    assert!(!text.contains("新しく作る部・課等"), "{text}");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_shift_jis_csv_of_a_results_report_reads_as_the_workbook_does() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    create_empty_year(&app, &s, "2018").await;
    let csv = "企画財政部 平成30年度組織重点目標（実績・成果）,,,,\r\n\
               (1) 将来を見据えた市役所づくり,,,,\r\n\
               組織目標,取組内容,課等,実績,成果\r\n\
               総合計画を着実に推進する,①進行管理,企画政策課,\"・評価会議 3回\n・調査の実施\",示せた。\r\n\
               ,②財政計画,財政課,・改定,抑えた。\r\n\
               ※ 注記,,,,\r\n";
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(csv);
    let job = job_of(&upload(&app, &s, 2018, "h30.csv", &bytes).await);
    let page = app
        .send("GET", &format!("/staff/import/{job}"), Some(&s), None)
        .await;
    let text = text_of(&page.body);
    assert!(!text.contains("取り込めません"), "{text}");
    confirm(&app, &s, job).await;
    assert_eq!(
        results_rows(&app, 2018).await,
        [
            "企画財政部|総合計画を着実に推進する|進行管理|企画政策課|評価会議 3回/調査の実施|示せた。",
            "企画財政部|総合計画を着実に推進する|財政計画|財政課|改定|抑えた。",
        ]
    );
}

#[tokio::test]
async fn publishing_without_review_needs_the_confirmation_and_a_past_date() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    let before = app.scalar("SELECT count(*) FROM publication").await;
    for (form, message) in [
        (
            vec![("kind", "results"), ("published_on", "2019-06-28")],
            "チェックを入れてください",
        ),
        (
            vec![
                ("kind", "results"),
                ("published_on", "2999-01-01"),
                ("confirmed", "1"),
            ],
            "先の日付は指定できません",
        ),
        (
            vec![
                ("kind", "all"),
                ("published_on", "2019-06-28"),
                ("confirmed", "1"),
            ],
            "公表するもの",
        ),
    ] {
        let reply = app
            .send(
                "POST",
                "/staff/admin/years/2026/publish-all",
                Some(&s),
                Some(&form),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(text_of(&reply.body).contains(message), "{message}");
    }
    // A department head may not.
    let head = app
        .add_staff("kariya", "head", "department_head", Some("somu"))
        .await;
    let h = app.session_for(head).await;
    let reply = app
        .send(
            "POST",
            "/staff/admin/years/2026/publish-all",
            Some(&h),
            Some(&[
                ("kind", "results"),
                ("published_on", "2019-06-28"),
                ("confirmed", "1"),
            ]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(app.scalar("SELECT count(*) FROM publication").await, before);
}

#[tokio::test]
async fn a_year_made_from_a_later_one_says_so_and_carries_no_roles() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    app.add_staff("kariya", "head", "department_head", Some("somu"))
        .await;
    let reply = app
        .send(
            "POST",
            "/staff/admin/years",
            Some(&s),
            Some(&[
                ("year", "2019"),
                ("title", "令和元年度 組織重点目標"),
                ("tables_title", "各部の組織重点目標"),
                ("copy_from", "2026"),
            ]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let to = reply.headers["location"].to_str().unwrap().to_owned();
    assert_eq!(to, "/staff/admin/years/2019?from=2026");
    let page = app.send("GET", &to, Some(&s), None).await;
    assert!(text_of(&page.body).contains("後の年度から作りました"));
    let roles = app
        .scalar(
            "SELECT count(*) FROM role_assignment r
             LEFT JOIN department d ON d.id = r.department_id LEFT JOIN section s ON s.id = r.section_id
             JOIN fiscal_year f ON f.id = COALESCE(d.fiscal_year_id, s.fiscal_year_id) WHERE f.year = 2019",
        )
        .await;
    assert_eq!(roles, 0);
    let departments = app
        .scalar("SELECT count(*) FROM department d JOIN fiscal_year f ON f.id = d.fiscal_year_id JOIN municipality m ON m.id = d.municipality_id WHERE m.slug = 'kariya' AND f.year = 2019")
        .await;
    assert!(departments > 0);
}

#[tokio::test]
async fn two_uploads_creating_the_same_departments_create_them_once() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    create_empty_year(&app, &s, "2018").await;
    let file = printed_results_workbook();
    let first = job_of(&upload(&app, &s, 2018, "a.xlsx", &file).await);
    let second = job_of(&upload(&app, &s, 2018, "b.xlsx", &file).await);
    assert!(confirm(&app, &s, first).await.contains("取り込みました"));
    let page = confirm(&app, &s, second).await;
    assert!(page.contains("取り込めませんでした"), "{page}");
    assert!(page.contains("が組織に加えられました"), "{page}");
    assert_eq!(
        organization(&app, 2018).await,
        [
            "企画財政部:企画政策課",
            "企画財政部:財政課",
            "総務部:人事課"
        ]
    );
    assert_eq!(results_rows(&app, 2018).await.len(), 6);
}

#[tokio::test]
async fn other_spellings_of_titles_and_headers_read_the_same() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    create_empty_year(&app, &s, "2018").await;
    let header: &[&str] = &["目標", "主な取組", "担当課名", "取組結果", "効果"];
    let rows = vec![
        R::Across("平成30年度　企画財政部　組織目標の実績"),
        R::Across("【1】将来を見据えた市役所づくり"),
        R::Cells(header),
        R::Cells(&[
            "総合計画を着実に推進する",
            "1. 進行管理",
            "企画政策課",
            "・会議 3回",
            "示せた。",
        ]),
        R::Across("出典：企画政策課調べ"),
        R::Blank,
        R::Across("【総務部】平成30年度 組織目標の実績"),
        R::Across("(1) 将来を見据えた市役所づくり"),
        R::Cells(header),
        R::Cells(&[
            "職員の力を高める",
            "(1) 研修",
            "人事課",
            "・24講座",
            "高まった。",
        ]),
    ];
    let job = job_of(
        &upload(
            &app,
            &s,
            2018,
            "variants.xlsx",
            &workbook(&[("実績", rows)]),
        )
        .await,
    );
    let page = app
        .send("GET", &format!("/staff/import/{job}"), Some(&s), None)
        .await;
    let text = text_of(&page.body);
    assert!(!text.contains("取り込めません"), "{text}");
    confirm(&app, &s, job).await;
    assert_eq!(
        results_rows(&app, 2018).await,
        [
            "企画財政部|総合計画を着実に推進する|進行管理|企画政策課|会議 3回|示せた。",
            "総務部|職員の力を高める|研修|人事課|24講座|高まった。",
        ]
    );
}
