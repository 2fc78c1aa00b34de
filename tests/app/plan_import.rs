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
    let o: std::collections::HashMap<String, String> = [("slug", slug), ("name", name), ("kana", "しけんし"), ("code", code)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    mokuhyo::cli::create_city(&app.pool, &o).await.unwrap();
}

async fn admin(app: &TestApp, city: &str) -> Session {
    let id = app.add_staff(city, &format!("{city}-planner"), "admin", None).await;
    app.session_for(id).await
}

/// The stored plan as a document, the city left out (so two cities' plans compare).
async fn stored(app: &TestApp, city: &str, slug: &str) -> PlanDocument {
    let mid: i64 = sqlx::query_scalar("SELECT id FROM municipality WHERE slug = $1")
        .bind(city)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let data = mokuhyo::db::plans::load(&app.pool, mid, slug, true).await.unwrap().unwrap();
    let nobody = PlanCity {
        slug: String::new(),
        name: String::new(),
        name_kana: String::new(),
        local_government_code: String::new(),
    };
    PlanDocument::from_data(&data, nobody)
}

pub async fn upload_plan(app: &TestApp, s: &Session, fields: &[(&str, &str)], bytes: &[u8]) -> Reply {
    upload_to(app, s, "/staff/plans/import", fields, "plan.xlsx", bytes).await
}

/// The import a clean upload redirected to.
pub fn import_of(reply: &Reply) -> String {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", text_of(&reply.body));
    reply.headers["location"].to_str().unwrap().to_owned()
}

pub async fn confirm(app: &TestApp, s: &Session, at: &str) -> Reply {
    app.send("POST", &format!("{at}/confirm"), Some(s), Some(&[])).await
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
    let reply = upload_plan(&app, &s, &[("mode", "new"), ("slug", "gyosei-keiei-2")], &first).await;
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
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", text_of(&reply.body));
    // Every node (with its description), item, place, indicator, baseline and target.
    let original = stored(&app, "kazo", "gyosei-keiei-2").await;
    let imported = stored(&app, "shiken", "gyosei-keiei-2").await;
    assert_eq!(imported.items.len(), 111);
    let numbers: usize = imported.items.iter().map(|i| 1 + i.restated.len()).sum();
    assert_eq!(numbers, 116);
    assert!(imported.nodes.iter().filter(|n| !n.description.is_empty()).count() > 20);
    assert_eq!(imported.plan, original.plan);
    assert_eq!(imported.nodes, original.nodes);
    for (a, b) in imported.items.iter().zip(&original.items) {
        assert_eq!(a, b, "-{}", b.number);
    }
    assert_eq!(imported, original);
    // The imported plan's export is the first export, cell for cell.
    let again = export_bytes(&app, &s, "/staff/plans/gyosei-keiei-2/export.xlsx").await;
    assert_eq!(read("a.xlsx", &again).unwrap(), read("b.xlsx", &first).unwrap());
    // Importing the same file again as a revision changes nothing.
    let reply = upload_plan(&app, &s, &[("mode", "revise"), ("plan", "gyosei-keiei-2")], &first).await;
    let at = import_of(&reply);
    let page = app.send("GET", &at, Some(&s), None).await.body;
    assert!(text_of(&page).contains("変更はありません"), "{}", text_of(&page));
    assert!(!page.contains("取り込みを確定する"));
}
