//! Spreadsheet imports: upload, preview with problems, confirmation, round trip, idempotence,
//! caps, malformed files, results, permissions and concurrent edits.

use crate::helpers::{Reply, Session, TestApp, text_of};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use rust_xlsxwriter::{Format, Workbook};

/// Posts a file to the upload form as a browser does (multipart, CSRF field first).
pub async fn upload(app: &TestApp, s: &Session, year: i32, filename: &str, bytes: &[u8]) -> Reply {
    let year = year.to_string();
    upload_to(app, s, "/staff/import", &[("year", &year)], filename, bytes).await
}

/// Posts a file and fields to an upload form as a browser does (multipart, CSRF field first).
pub async fn upload_to(
    app: &TestApp,
    s: &Session,
    uri: &str,
    fields: &[(&str, &str)],
    filename: &str,
    bytes: &[u8],
) -> Reply {
    let boundary = "----mokuhyo-test-boundary";
    let mut body = Vec::new();
    for (name, value) in std::iter::once(("csrf", s.csrf.as_str())).chain(fields.iter().copied()) {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post(uri)
        .header("cookie", format!("mokuhyo_session={}", s.cookie))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    app.send_request(request).await
}

/// The job a successful upload redirected to.
pub fn job_of(reply: &Reply) -> i64 {
    assert_eq!(
        reply.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&reply.body)
    );
    reply.headers["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/staff/import/")
        .parse()
        .unwrap()
}

/// Confirms and waits for the background application to finish; returns the final page.
pub async fn confirm(app: &TestApp, s: &Session, job: i64) -> String {
    let reply = app
        .send(
            "POST",
            &format!("/staff/import/{job}/confirm"),
            Some(s),
            Some(&[]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    for _ in 0..600 {
        let state: String = sqlx::query_scalar("SELECT state FROM import_job WHERE id = $1")
            .bind(job)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if state != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let page = app
        .send("GET", &format!("/staff/import/{job}"), Some(s), None)
        .await;
    text_of(&page.body)
}

pub async fn export_bytes(app: &TestApp, s: &Session, uri: &str) -> Vec<u8> {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let request = Request::get(uri)
        .header("cookie", format!("mokuhyo_session={}", s.cookie))
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

/// Fiscal 2027 with 2026's organization and roles but no goals, made as planning staff do.
pub async fn empty_2027(app: &TestApp, s: &Session) {
    let reply = app
        .send(
            "POST",
            "/staff/admin/years",
            Some(s),
            Some(&[
                ("year", "2027"),
                ("title", "令和9年度 組織重点目標"),
                ("tables_title", "各部の組織目標"),
                ("copy_from", "2026"),
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

/// Every goal, initiative (with sections) and criterion (with its metric) of a year, per
/// department slug, in order: what a round trip must reproduce.
async fn goal_rows(app: &TestApp, year: i32) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT format('%s|%s|%s|%s|%s|%s|%s|%s|%s', d.slug, g.position, g.text,
                (SELECT string_agg(p.number::text, ',' ORDER BY p.number) FROM goal_pillar gp JOIN pillar p ON p.id = gp.pillar_id WHERE gp.goal_id = g.id),
                i.position, i.text,
                (SELECT string_agg(s.name, ',' ORDER BY x.position) FROM initiative_section x JOIN section s ON s.id = x.section_id WHERE x.initiative_id = i.id),
                (SELECT string_agg(c.position || ':' || c.text || ':' || COALESCE(c.target_value::text, '') || COALESCE(c.unit, '') || COALESCE(c.comparator, ''), ' / ' ORDER BY c.position) FROM criterion c WHERE c.initiative_id = i.id),
                d.position)
         FROM department d JOIN fiscal_year f ON f.id = d.fiscal_year_id
         JOIN municipality m ON m.id = d.municipality_id
         JOIN goal g ON g.department_id = d.id LEFT JOIN initiative i ON i.goal_id = g.id
         WHERE f.year = $1 AND m.slug = 'kariya' ORDER BY d.position, g.position, i.position",
    )
    .bind(year)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

pub async fn admin_session(app: &TestApp) -> Session {
    let admin = app.add_staff("kariya", "admin", "admin", None).await;
    app.session_for(admin).await
}

/// A workbook in the template's layout, with `rows` under the template's header.
fn template_file(sheet: &str, header: &[&str], rows: &[Vec<&str>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).unwrap();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

const TARGET_HEADER: &[&str] = &[
    "部",
    "柱",
    "組織目標",
    "番号",
    "取組内容",
    "課等",
    "目標達成基準",
];

#[tokio::test]
async fn an_exported_city_reimported_into_another_year_reproduces_every_goal() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    empty_2027(&app, &s).await;
    assert!(goal_rows(&app, 2027).await.is_empty());
    let file = export_bytes(&app, &s, "/staff/admin/years/2026/export.xlsx").await;

    let job = job_of(&upload(&app, &s, 2027, "kariya-2026-targets.xlsx", &file).await);
    let preview = text_of(
        &app.send("GET", &format!("/staff/import/{job}"), Some(&s), None)
            .await
            .body,
    );
    assert!(preview.contains("確認してください"), "{preview}");
    assert!(preview.contains("総務部"));
    assert!(
        goal_rows(&app, 2027).await.is_empty(),
        "the preview writes nothing"
    );
    let done = confirm(&app, &s, job).await;

    assert!(done.contains("取り込みました"), "{done}");
    let before = goal_rows(&app, 2026).await;
    assert_eq!(before.len(), 116, "every demo initiative");
    assert_eq!(goal_rows(&app, 2027).await, before);
    // The import is recorded per department in the audit trail.
    assert_eq!(
        app.scalar("SELECT count(*) FROM audit_event WHERE action = 'import'")
            .await,
        12
    );
}

#[tokio::test]
async fn importing_the_same_file_again_changes_nothing() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    let file = export_bytes(&app, &s, "/staff/admin/years/2026/export.xlsx").await;
    let before = app.snapshot().await;

    let job = job_of(&upload(&app, &s, 2026, "same.xlsx", &file).await);
    let page = app
        .send("GET", &format!("/staff/import/{job}"), Some(&s), None)
        .await;

    let text = text_of(&page.body);
    assert!(text.contains("変更はありません"), "{text}");
    assert!(!page.body.contains("取り込みを確定する"));
    // Even a forced confirmation writes nothing.
    confirm(&app, &s, job).await;
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn problems_are_listed_with_their_sheet_row_and_column_and_nothing_is_written() {
    let app = TestApp::with_demo().await;
    // A department head: names the year lacks are problems (planning staff get new units).
    let head = app
        .add_staff("kariya", "head", "department_head", Some("somu"))
        .await;
    let s = app.session_for(head).await;
    let before = app.snapshot().await;
    let file = template_file(
        "取込",
        &[
            "部",
            "柱",
            "組織目標",
            "番号",
            "取組内容",
            "課等",
            "目標達成基準",
            "実績値",
        ],
        &[
            vec![
                "総務部",
                "1",
                "正しい目標",
                "1",
                "正しい取組",
                "人事課",
                "・研修の実施",
            ],
            vec!["存在しない部", "1", "目標", "1", "取組", "人事課", ""],
            vec!["総務部", "9", "柱が違う目標", "1", "取組", "人事課", ""],
            vec!["総務部", "1", "別の目標", "1", "取組", "架空課", ""],
            vec![
                "総務部",
                "1",
                "件数の目標",
                "1",
                "相談",
                "人事課",
                "相談件数 100件以上",
                "たくさん",
            ],
        ],
    );

    let job = job_of(&upload(&app, &s, 2026, "problems.xlsx", &file).await);
    let page = app
        .send("GET", &format!("/staff/import/{job}"), Some(&s), None)
        .await;

    let text = text_of(&page.body);
    assert!(
        text.contains("このファイルは取り込めません（問題 4件）"),
        "{text}"
    );
    for expected in [
        "シート「取込」 3行目 A列 部「存在しない部」はこの年度の組織にありません。組織に加えるよう企画担当に依頼するか",
        "シート「取込」 4行目 B列 柱(9)はこの年度の行政経営方針にありません。",
        "シート「取込」 5行目 F列 課等「架空課」はこの年度の組織にありません。",
        "シート「取込」 6行目 H列 「相談件数 100件以上」の実績値「たくさん」は数値ではありません",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in {text}");
    }
    assert!(!page.body.contains("取り込みを確定する"));
    // A confirmation sent anyway is refused, and nothing was written at any point.
    let forced = app
        .send(
            "POST",
            &format!("/staff/import/{job}/confirm"),
            Some(&s),
            Some(&[]),
        )
        .await;
    assert_eq!(forced.status, StatusCode::CONFLICT);
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn full_width_digits_spaces_numbering_line_breaks_and_merged_cells_read_as_written() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    empty_2027(&app, &s).await;
    // The official layout as a person might have typed it: sheet named after the department,
    // a full-width pillar heading merged across, one goal merged over two initiatives.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("総務部").unwrap();
    let f = Format::new();
    ws.write_string(0, 0, "総務部 令和９年度組織重点目標")
        .unwrap();
    for (c, h) in ["組織目標", "取組内容", "課 等", "目標達成基準"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    ws.merge_range(2, 0, 2, 3, "（１）市民から信頼される市役所づくり", &f)
        .unwrap();
    ws.merge_range(3, 0, 4, 0, "  職員の力を 高めます。 ", &f)
        .unwrap();
    ws.write_string(3, 1, "①　研修を\n充実する ").unwrap();
    ws.write_string(3, 2, "人事課\n総務文書課").unwrap();
    ws.write_string(
        3,
        3,
        "・研修の受講者数　１，２００人以上\n・満足度調査の実施",
    )
    .unwrap();
    ws.write_string(4, 1, "２．文書事務を見直す").unwrap();
    ws.write_string(4, 2, "総務文書課").unwrap();
    ws.write_string(4, 3, "マニュアルの改訂").unwrap();
    let file = wb.save_to_buffer().unwrap();

    let job = job_of(&upload(&app, &s, 2027, "手入力.xlsx", &file).await);
    let done = confirm(&app, &s, job).await;

    assert!(done.contains("取り込みました"), "{done}");
    let rows = goal_rows(&app, 2027).await;
    assert_eq!(
        rows,
        vec![
            // The text stays as typed; its target is read through the full-width digits.
            "somu|1|職員の力を 高めます。|1|1|研修を充実する|人事課,総務文書課|1:研修の受講者数 １，２００人以上:1200.0000人at_least / 2:満足度調査の実施:|2".to_owned(),
            "somu|1|職員の力を 高めます。|1|2|文書事務を見直す|総務文書課|1:マニュアルの改訂:|2".to_owned(),
        ]
    );
}

#[tokio::test]
async fn oversized_malformed_and_macro_files_are_refused_with_a_message() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    let mut with_macro = Workbook::new();
    with_macro.add_worksheet();
    let vba = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(vba.path(), b"not really a vba project").unwrap();
    with_macro.add_vba_project(vba.path()).unwrap();
    let with_macro = with_macro.save_to_buffer().unwrap();
    let many_rows = "部,柱,組織目標,取組内容\n".to_owned() + &"総務部,1,目標,取組\n".repeat(20_001);
    // A 7 KB sheet holding A1 and XFD1048576: once enough to abort the server.
    let mut far = Workbook::new();
    let ws = far.add_worksheet();
    ws.write_string(0, 0, "組織目標").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let far = far.save_to_buffer().unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("big.xlsx", vec![b'x'; 6 * 1024 * 1024], "5MBまでです"),
        (
            "broken.xlsx",
            b"PK\x03\x04 this is not a workbook".to_vec(),
            "ファイルを読み取れませんでした",
        ),
        ("macro.xlsm", with_macro, "マクロを含むファイル"),
        ("rows.csv", many_rows.into_bytes(), "行数が多すぎます"),
        ("far.xlsx", far, "行数が多すぎます"),
        ("empty.xlsx", Vec::new(), "ファイルが選択されていません"),
    ];
    for (name, bytes, message) in cases {
        let reply = upload(&app, &s, 2026, name, &bytes).await;

        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let text = text_of(&reply.body);
        assert!(text.contains(message), "{name}: {text}");
        assert!(
            reply.body.contains("id=\"file-error\""),
            "{name}: beside the field"
        );
    }
    assert_eq!(app.scalar("SELECT count(*) FROM import_job").await, 0);
}

#[tokio::test]
async fn results_come_in_with_their_statuses_and_overrides_only_where_they_differ() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    empty_2027(&app, &s).await;
    // A Shift_JIS CSV, as Excel saves one in Japanese Windows.
    let csv = "部,柱,組織目標,取組内容,課等,目標達成基準,実績値,実績,成果,達成状況\r\n\
        総務部,1,相談を充実します,相談窓口を開く,人事課,相談件数 100件以上,１２０件,\"・窓口を開設\n・周知した\",相談しやすくなった。,達成\r\n\
        総務部,1,相談を充実します,研修を行う,人事課,研修の実施,実施した,研修を2回行った,,一部達成\r\n";
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(csv);

    let job = job_of(&upload(&app, &s, 2027, "results.csv", &sjis).await);
    let done = confirm(&app, &s, job).await;

    assert!(done.contains("取り込みました"), "{done}");
    type Row = (
        String,
        Vec<String>,
        Vec<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> =
        sqlx::query_as(
            "SELECT i.text, r.performance, r.outcome, r.status_override, r.override_reason
             FROM initiative_result r JOIN initiative i ON i.id = r.initiative_id ORDER BY i.position",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    // 120 ≥ 100: the computed status is 達成, as the file says: no override.
    assert_eq!(rows[0].1, vec!["窓口を開設", "周知した"]);
    assert_eq!(rows[0].2, vec!["相談しやすくなった。"]);
    assert_eq!(rows[0].3, None);
    // No metric to compute from: the file's 一部達成 is kept as the head's judgment.
    assert_eq!(rows[1].3.as_deref(), Some("partly_achieved"));
    assert_eq!(rows[1].4.as_deref(), Some("Excelから取り込んだ評価"));
    let actuals: Vec<(Option<rust_decimal::Decimal>, Option<String>)> = sqlx::query_as(
        "SELECT r.actual_value, r.actual_text FROM criterion_result r JOIN criterion c ON c.id = r.criterion_id
         JOIN initiative i ON i.id = c.initiative_id ORDER BY i.position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        actuals,
        vec![(Some(120.into()), None), (None, Some("実施した".into()))]
    );
}

#[tokio::test]
async fn a_head_imports_only_their_department_and_chiefs_cannot_import() {
    let app = TestApp::with_demo().await;
    let head = app
        .add_staff("kariya", "head", "department_head", Some("somu"))
        .await;
    let chief = app
        .add_staff("kariya", "chief", "section_chief", Some("人事課"))
        .await;
    let head = app.session_for(head).await;
    let chief = app.session_for(chief).await;
    let before = app.snapshot().await;
    let file = template_file(
        "取込",
        TARGET_HEADER,
        &[vec![
            "市民活動部",
            "1",
            "他の部の目標",
            "1",
            "取組",
            "市民課",
            "",
        ]],
    );

    let refused = upload(&app, &chief, 2026, "a.xlsx", &file).await;
    let job = job_of(&upload(&app, &head, 2026, "a.xlsx", &file).await);
    let page = text_of(
        &app.send("GET", &format!("/staff/import/{job}"), Some(&head), None)
            .await
            .body,
    );

    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        page.contains("市民活動部の目標を取り込む権限がありません"),
        "{page}"
    );
    // Another person cannot see or confirm this upload.
    let other = app
        .session_for(
            app.add_staff("kariya", "head2", "department_head", Some("shimin-katsudo"))
                .await,
        )
        .await;
    let peek = app
        .send("GET", &format!("/staff/import/{job}"), Some(&other), None)
        .await;
    assert_eq!(peek.status, StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_confirmation_after_someone_else_edited_the_department_is_refused() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    let file = template_file(
        "取込",
        TARGET_HEADER,
        &[vec![
            "総務部",
            "1",
            "ファイルの目標",
            "1",
            "ファイルの取組",
            "人事課",
            "・基準",
        ]],
    );
    let job = job_of(&upload(&app, &s, 2026, "a.xlsx", &file).await);
    // Meanwhile a head edits a goal of 総務部 (a version bump, as the editor does).
    sqlx::query(
        "UPDATE goal SET text = text || '（修正）', version = version + 1 WHERE id =
           (SELECT g.id FROM goal g JOIN department d ON d.id = g.department_id WHERE d.slug = 'somu' AND d.municipality_id = (SELECT id FROM municipality WHERE slug = 'kariya') ORDER BY g.position LIMIT 1)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let before = app.snapshot().await;

    let page = confirm(&app, &s, job).await;

    assert!(page.contains("取り込めませんでした"), "{page}");
    assert!(page.contains("プレビューの後に"));
    assert_eq!(
        app.snapshot().await,
        before,
        "the other person's edit survives"
    );
}

#[tokio::test]
async fn a_confirmation_after_the_department_was_approved_says_it_is_locked() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    let file = template_file(
        "取込",
        TARGET_HEADER,
        &[vec![
            "総務部",
            "1",
            "ファイルの目標",
            "1",
            "ファイルの取組",
            "人事課",
            "・基準",
        ]],
    );
    let job = job_of(&upload(&app, &s, 2026, "a.xlsx", &file).await);
    // Meanwhile the head approves 総務部.
    sqlx::query(
        "INSERT INTO sheet (municipality_id, department_id, kind, state)
         SELECT municipality_id, id, 'targets', 'approved' FROM department WHERE slug = 'somu' AND municipality_id = (SELECT id FROM municipality WHERE slug = 'kariya')
         ON CONFLICT (department_id, kind) DO UPDATE SET state = 'approved'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let before = app.snapshot().await;

    let page = confirm(&app, &s, job).await;

    assert!(page.contains("取り込めませんでした"), "{page}");
    assert!(
        page.contains("総務部が承認されたため、変更できません"),
        "{page}"
    );
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn an_approved_department_refuses_imported_changes() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    sqlx::query(
        "INSERT INTO sheet (municipality_id, department_id, kind, state)
         SELECT municipality_id, id, 'targets', 'approved' FROM department WHERE slug = 'somu' AND municipality_id = (SELECT id FROM municipality WHERE slug = 'kariya')
         ON CONFLICT (department_id, kind) DO UPDATE SET state = 'approved'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let file = template_file(
        "取込",
        TARGET_HEADER,
        &[vec!["総務部", "1", "新しい目標", "1", "取組", "人事課", ""]],
    );

    let job = job_of(&upload(&app, &s, 2026, "a.xlsx", &file).await);
    let page = app
        .send("GET", &format!("/staff/import/{job}"), Some(&s), None)
        .await;

    let text = text_of(&page.body);
    assert!(
        text.contains("総務部の組織目標は承認済みのため変更できません"),
        "{text}"
    );
    assert!(!page.body.contains("取り込みを確定する"));
}

#[tokio::test]
async fn a_running_import_shows_its_progress_and_reloads_itself() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    let file = export_bytes(&app, &s, "/staff/admin/years/2026/export.xlsx").await;
    let job = job_of(&upload(&app, &s, 2026, "a.xlsx", &file).await);
    sqlx::query("UPDATE import_job SET state = 'running', done_departments = 3 WHERE id = $1")
        .bind(job)
        .execute(&app.pool)
        .await
        .unwrap();

    let page = app
        .send("GET", &format!("/staff/import/{job}"), Some(&s), None)
        .await;

    assert!(text_of(&page.body).contains("3 / 12 部"));
    assert!(
        page.body
            .contains("<meta http-equiv=\"refresh\" content=\"2\">")
    );
    assert!(page.body.contains("<progress max=\"100\" value=\"25\">"));
}

#[tokio::test]
async fn the_template_documents_the_columns_and_lists_the_organization() {
    use calamine::{Reader, Xlsx};
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;

    let bytes = export_bytes(&app, &s, "/staff/import/template.xlsx?year=2026").await;

    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
    assert_eq!(wb.sheet_names(), vec!["取込", "記入例", "説明", "一覧"]);
    let header = wb.worksheet_range("取込").unwrap();
    assert_eq!(
        header
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()[..5],
        ["部", "柱", "組織目標", "番号", "取組内容"]
    );
    let list = wb.worksheet_range("一覧").unwrap();
    assert!(
        list.rows()
            .any(|r| r[0] == "総務部" && r[1].to_string().contains("人事課"))
    );
    // The empty template, uploaded as is, imports nothing (its example sheet is never read).
    let job = job_of(&upload(&app, &s, 2026, "template.xlsx", &bytes).await);
    let page = text_of(
        &app.send("GET", &format!("/staff/import/{job}"), Some(&s), None)
            .await
            .body,
    );
    assert!(page.contains("取り込む行がありません"), "{page}");
}

#[tokio::test]
async fn a_results_report_reimported_keeps_the_criteria_and_changes_nothing() {
    let app = TestApp::with_demo().await;
    let s = admin_session(&app).await;
    sqlx::query(
        "INSERT INTO initiative_result (municipality_id, initiative_id, performance, outcome, status_override, override_reason)
         SELECT i.municipality_id, i.id, '{窓口を開設した,周知した}', '{相談しやすくなった。}', 'achieved', '部長の判断'
         FROM initiative i JOIN goal g ON g.id = i.goal_id JOIN department d ON d.id = g.department_id
         WHERE d.slug = 'somu' AND d.municipality_id = (SELECT id FROM municipality WHERE slug = 'kariya') AND g.position = 1 AND i.position = 1",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let file = export_bytes(&app, &s, "/staff/admin/years/2026/export.xlsx?kind=results").await;
    let before = app.snapshot().await;
    let results_before = app
        .scalar("SELECT count(*) FROM initiative_result WHERE override_reason = '部長の判断' AND version = 1")
        .await;

    let job = job_of(&upload(&app, &s, 2026, "results.xlsx", &file).await);
    let page = app
        .send("GET", &format!("/staff/import/{job}"), Some(&s), None)
        .await;
    confirm(&app, &s, job).await;

    let text = text_of(&page.body);
    assert!(text.contains("変更はありません"), "{text}");
    assert_eq!(results_before, 1);
    assert_eq!(app.snapshot().await, before, "criteria and goals untouched");
    assert_eq!(
        app.scalar("SELECT count(*) FROM initiative_result WHERE override_reason = '部長の判断' AND version = 1")
            .await,
        1,
        "the head's judgment and its reason are kept"
    );
}
