//! Spreadsheet exports, read back with calamine.

use crate::helpers::TestApp;
use crate::import::export_bytes;
use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

#[tokio::test]
async fn a_departments_target_table_exports_in_the_official_layout() {
    let app = TestApp::with_demo().await;
    let admin = app.add_staff("kariya", "admin", "admin", None).await;
    let s = app.session_for(admin).await;
    let dept = app
        .scalar("SELECT id FROM department WHERE slug = 'kikaku-zaisei'")
        .await;

    let reply = app
        .send(
            "GET",
            &format!("/staff/departments/{dept}/export.xlsx"),
            Some(&s),
            None,
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["content-type"], mokuhyo::export::XLSX);
    assert!(
        reply.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("kariya-2026-kikaku-zaisei-targets.xlsx")
    );
    // The body went through String::from_utf8_lossy in the helper; fetch the bytes again.
    let bytes = export_bytes(&app, &s, &format!("/staff/departments/{dept}/export.xlsx")).await;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), vec!["企画財政部".to_owned()]);
    let range = wb.worksheet_range("企画財政部").unwrap();
    assert_eq!(cell(&range, 0, 0), "企画財政部 令和8年度組織重点目標");
    assert_eq!(
        (cell(&range, 1, 0), cell(&range, 1, 3)),
        ("組織目標".into(), "目標達成基準".into())
    );
    assert_eq!(
        cell(&range, 2, 0),
        "(1) 市民から信頼され、満足度の高いサービスを提供する市役所づくり\n(5) 最少コストで最大サービスを提供する市役所づくり"
    );
    assert_eq!(
        cell(&range, 3, 0),
        "DXの推進による行政の効率化と市民サービスの向上を図ります。"
    );
    assert_eq!(
        cell(&range, 3, 1),
        "①スマートシティ実証プロジェクトを推進します。"
    );
    assert_eq!(cell(&range, 3, 2), "企画政策課");
    assert_eq!(
        cell(&range, 3, 3),
        "・実証実験 3件の実施\n・社会実装 1件の新規実装"
    );
    assert_eq!(
        cell(&range, 7, 1),
        "⑤基幹20業務システムの標準化移行を推進します。"
    );
    let merged: Vec<((u32, u32), (u32, u32))> = wb
        .merge_cells_by_sheet_name("企画財政部")
        .unwrap()
        .iter()
        .map(|d| (d.start, d.end))
        .collect();
    assert!(
        merged.contains(&((3, 0), (7, 0))),
        "the goal cell spans its five initiatives: {merged:?}"
    );
    assert!(
        merged.contains(&((2, 0), (2, 3))),
        "the pillar heading spans the table"
    );
}

#[tokio::test]
async fn the_whole_city_exports_one_sheet_per_department_with_every_initiative() {
    let app = TestApp::with_demo().await;
    let viewer = app.add_staff("kariya", "viewer", "viewer", None).await;
    let s = app.session_for(viewer).await;

    let bytes = export_bytes(&app, &s, "/staff/admin/years/2026/export.xlsx").await;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();

    let names = wb.sheet_names();
    assert_eq!(names.len(), 12);
    assert_eq!(
        (names[0].as_str(), names[11].as_str()),
        ("企画財政部", "教育部")
    );
    let mut initiatives = 0;
    for name in names {
        let range = wb.worksheet_range(&name).unwrap();
        initiatives += range.rows().filter(|r| matches!(r.get(1), Some(Data::String(t)) if t.starts_with(|c: char| ('①'..='⑳').contains(&c)))).count();
    }
    assert_eq!(initiatives, 116);
}

#[tokio::test]
async fn the_results_report_exports_with_its_columns_and_exports_need_a_sign_in() {
    let app = TestApp::with_demo().await;
    let head = app
        .add_staff("kariya", "head", "department_head", Some("kikaku-zaisei"))
        .await;
    let s = app.session_for(head).await;
    let dept = app
        .scalar("SELECT id FROM department WHERE slug = 'kikaku-zaisei'")
        .await;
    let first = app.scalar(&format!("SELECT i.id FROM initiative i JOIN goal g ON g.id = i.goal_id WHERE g.department_id = {dept} AND g.position = 1 AND i.position = 1")).await;
    let saved = app
        .send(
            "POST",
            &format!("/staff/initiatives/{first}/results"),
            Some(&s),
            Some(&[
                ("version", "0"),
                ("performance", "実証実験 3件"),
                ("outcome", "計画どおり実施しました。"),
            ]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);

    let bytes = export_bytes(
        &app,
        &s,
        &format!("/staff/departments/{dept}/export.xlsx?kind=results"),
    )
    .await;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range("企画財政部").unwrap();
    assert_eq!(
        cell(&range, 0, 0),
        "企画財政部 令和8年度組織重点目標（実績・成果）"
    );
    assert_eq!(
        (cell(&range, 1, 3), cell(&range, 1, 4)),
        ("実績".into(), "成果".into())
    );
    assert_eq!(cell(&range, 3, 3), "・実証実験 3件");
    assert_eq!(cell(&range, 3, 4), "計画どおり実施しました。");

    let anonymous = app
        .send(
            "GET",
            &format!("/staff/departments/{dept}/export.xlsx"),
            None,
            None,
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn department_names_excel_cannot_take_as_sheet_names_do_not_break_the_city_export() {
    let app = TestApp::with_demo().await;
    let admin = app.add_staff("kariya", "admin", "admin", None).await;
    let s = app.session_for(admin).await;
    let long = format!("{}一", "とても長い名前の部".repeat(4));
    let long_twin = format!("{}二", "とても長い名前の部".repeat(4));
    for (slug, name) in [
        ("kikaku-zaisei", "'[企画]財政部'"),
        ("somu", long.as_str()),
        ("shimin-katsudo", long_twin.as_str()),
    ] {
        sqlx::query("UPDATE department SET name = $2 WHERE slug = $1 AND municipality_id = (SELECT id FROM municipality WHERE slug = 'kariya')")
            .bind(slug)
            .bind(name)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    app.publish_all("kariya").await;

    let bytes = export_bytes(&app, &s, "/staff/admin/years/2026/export.xlsx").await;

    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let names = wb.sheet_names();
    let lower: std::collections::HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
    assert_eq!(lower.len(), names.len(), "distinct: {names:?}");
    assert!(
        names
            .iter()
            .all(|n| n.encode_utf16().count() <= 31 && !n.starts_with('\'') && !n.contains('[')),
        "{names:?}"
    );
    assert!(names.contains(&"企画財政部".to_owned()), "{names:?}");
    let mut titles = Vec::new();
    for name in &names {
        titles.push(cell(&wb.worksheet_range(name).unwrap(), 0, 0));
    }
    assert!(
        titles.iter().any(|t| t.starts_with("'[企画]財政部'")),
        "the real name in the title row"
    );
    assert!(
        titles.iter().any(|t| t.starts_with(&long))
            && titles.iter().any(|t| t.starts_with(&long_twin))
    );
}
