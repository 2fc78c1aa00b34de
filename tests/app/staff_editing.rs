//! Editing goals, initiatives and criteria: who may, validation, conflicts, the audit trail
//! and escaping.

use crate::helpers::{Session, TestApp, text_of};
use axum::http::StatusCode;
use std::collections::HashMap;

/// The people of the authorization matrix, signed in (anonymous has no session).
pub(crate) const ACTORS: &[&str] = &[
    "anonymous",
    "viewer",
    "chief",         // 情報政策課長: a responsible section of the target initiative
    "sibling_chief", // 財務課長: another section of the same department
    "other_chief",   // 総務文書課長: a section of another department
    "head",          // 企画財政部長
    "other_head",    // 総務部長
    "admin",         // planning staff of 刈谷市
    "foreign_admin", // planning staff of another city
];

pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) sessions: HashMap<&'static str, Session>,
    pub(crate) department: i64,
    goal: i64,
    /// ③ 窓口改革に向けた取組を推進します。 (情報政策課)
    pub(crate) initiative: i64,
    criterion: i64,
    pillar: String,
    section: String,
}

pub(crate) async fn world() -> World {
    let app = TestApp::with_demo().await;
    let mut other = mokuhyo::demo::documents().remove(0);
    other.municipality.slug = "other".into();
    other.municipality.name = "別市".into();
    other.municipality.local_government_code = "999999".into();
    mokuhyo::import::apply(&app.pool, &other).await.unwrap();
    let people = [
        ("viewer", "kariya", "viewer", None),
        ("chief", "kariya", "section_chief", Some("情報政策課")),
        ("sibling_chief", "kariya", "section_chief", Some("財務課")),
        ("other_chief", "kariya", "section_chief", Some("総務文書課")),
        ("head", "kariya", "department_head", Some("kikaku-zaisei")),
        ("other_head", "kariya", "department_head", Some("somu")),
        ("admin", "kariya", "admin", None),
        ("foreign_admin", "other", "admin", None),
    ];
    let mut sessions = HashMap::new();
    for (who, city, role, target) in people {
        let id = app
            .add_staff(city, &format!("{}-{who}", city), role, target)
            .await;
        sessions.insert(who, app.session_for(id).await);
    }
    let q = |sql: &str| sql.to_owned();
    let department = app.scalar(&q("SELECT d.id FROM department d JOIN municipality m ON m.id = d.municipality_id WHERE m.slug = 'kariya' AND d.slug = 'kikaku-zaisei'")).await;
    let goal = app
        .scalar(&format!(
            "SELECT id FROM goal WHERE department_id = {department} AND position = 1"
        ))
        .await;
    let initiative = app
        .scalar(&format!(
            "SELECT id FROM initiative WHERE goal_id = {goal} AND position = 3"
        ))
        .await;
    let criterion = app
        .scalar(&format!(
            "SELECT id FROM criterion WHERE initiative_id = {initiative} AND position = 1"
        ))
        .await;
    let pillar = app
        .scalar(&format!("SELECT p.id FROM pillar p WHERE p.municipality_id = (SELECT municipality_id FROM goal WHERE id = {goal}) AND number = 1"))
        .await
        .to_string();
    let section = app
        .scalar(&format!(
            "SELECT id FROM section WHERE department_id = {department} AND name = '情報政策課'"
        ))
        .await
        .to_string();
    World {
        app,
        sessions,
        department,
        goal,
        initiative,
        criterion,
        pillar,
        section,
    }
}

impl World {
    async fn version(&self, table: &str, id: i64) -> String {
        self.app
            .scalar(&format!(
                "SELECT version::bigint FROM {table} WHERE id = {id}"
            ))
            .await
            .to_string()
    }

    /// The request of one route of the matrix, built against the current versions.
    async fn request(&self, route: &str) -> (String, Vec<(&'static str, String)>) {
        let (g, i, c) = (self.goal, self.initiative, self.criterion);
        match route {
            "create goal" => (
                format!("/staff/departments/{}/goals", self.department),
                vec![
                    ("text", "新しい組織目標".into()),
                    ("pillar", self.pillar.clone()),
                ],
            ),
            "update goal" => (
                format!("/staff/goals/{g}"),
                vec![
                    ("text", "変更した組織目標".into()),
                    ("pillar", self.pillar.clone()),
                    ("version", self.version("goal", g).await),
                ],
            ),
            "move goal" => (
                format!("/staff/goals/{g}/move"),
                vec![("direction", "down".into())],
            ),
            "delete goal" => (
                format!("/staff/goals/{g}/delete"),
                vec![("version", self.version("goal", g).await)],
            ),
            "create initiative" => (
                format!("/staff/goals/{g}/initiatives"),
                vec![
                    ("text", "新しい取組".into()),
                    ("section", self.section.clone()),
                ],
            ),
            "update initiative" => (
                format!("/staff/initiatives/{i}"),
                vec![
                    ("text", "変更した取組".into()),
                    ("section", self.section.clone()),
                    ("version", self.version("initiative", i).await),
                ],
            ),
            "move initiative" => (
                format!("/staff/initiatives/{i}/move"),
                vec![("direction", "up".into())],
            ),
            "delete initiative" => (
                format!("/staff/initiatives/{i}/delete"),
                vec![("version", self.version("initiative", i).await)],
            ),
            "create criterion" => (
                format!("/staff/initiatives/{i}/criteria"),
                vec![
                    ("text", "新しい基準 5件".into()),
                    ("target_value", "5".into()),
                    ("unit", "件".into()),
                ],
            ),
            "update criterion" => (
                format!("/staff/criteria/{c}"),
                vec![
                    ("text", "変更した基準".into()),
                    ("version", self.version("criterion", c).await),
                ],
            ),
            "move criterion" => (
                format!("/staff/criteria/{c}/move"),
                vec![("direction", "down".into())],
            ),
            "delete criterion" => (
                format!("/staff/criteria/{c}/delete"),
                vec![("version", self.version("criterion", c).await)],
            ),
            other => panic!("unknown route {other}"),
        }
    }

    async fn attempt(&self, route: &str, who: &str) -> StatusCode {
        let (uri, fields) = self.request(route).await;
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let session = self.sessions.get(who);
        let reply = match session {
            Some(s) => self.app.send("POST", &uri, Some(s), Some(&fields)).await,
            // Anonymous: a browser with no session has no token to send either.
            None => {
                self.app
                    .send(
                        "POST",
                        &uri,
                        None,
                        Some(&[fields.as_slice(), &[("csrf", "x")]].concat()),
                    )
                    .await
            }
        };
        reply.status
    }
}

#[tokio::test]
async fn every_state_changing_route_allows_exactly_the_right_people() {
    let goal_routes = ["create goal", "update goal", "move goal", "delete goal"];
    let initiative_routes = [
        "create initiative",
        "update initiative",
        "move initiative",
        "delete initiative",
        "create criterion",
        "update criterion",
        "move criterion",
        "delete criterion",
    ];
    let w = world().await;
    for route in goal_routes.iter().chain(initiative_routes.iter()) {
        let allowed: &[&str] = if goal_routes.contains(route) {
            &["head", "admin"]
        } else {
            &["chief", "head", "admin"]
        };
        // Refusals first, on one database: each must leave it exactly as it was.
        for who in ACTORS.iter().filter(|w| !allowed.contains(w)) {
            let before = w.app.snapshot().await;
            let status = w.attempt(route, who).await;
            let expected = match *who {
                "foreign_admin" => StatusCode::NOT_FOUND,
                // A chief of a sibling section may add initiatives, but only for their own section.
                "sibling_chief" if *route == "create initiative" => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                _ => StatusCode::FORBIDDEN,
            };
            assert_eq!(status, expected, "{route} by {who}");
            assert_eq!(
                w.app.snapshot().await,
                before,
                "{route} by {who} changed the database"
            );
        }
    }
    // Each permitted person, on a fresh database, succeeds and changes something.
    for route in goal_routes.iter().chain(initiative_routes.iter()) {
        let allowed: &[&str] = if goal_routes.contains(route) {
            &["head", "admin"]
        } else {
            &["chief", "head", "admin"]
        };
        for who in allowed {
            let w = world().await;
            let before = w.app.snapshot().await;
            let status = w.attempt(route, who).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{route} by {who}");
            assert_ne!(
                w.app.snapshot().await,
                before,
                "{route} by {who} changed nothing"
            );
        }
    }
}

#[tokio::test]
async fn staff_pages_of_another_city_are_not_found() {
    let w = world().await;
    let foreign = &w.sessions["foreign_admin"];
    for uri in [
        format!("/staff/departments/{}", w.department),
        format!("/staff/goals/{}/edit", w.goal),
        format!("/staff/initiatives/{}/edit", w.initiative),
        format!("/staff/criteria/{}/edit", w.criterion),
        format!("/staff/goals/{}/history", w.goal),
    ] {
        assert_eq!(
            w.app.send("GET", &uri, Some(foreign), None).await.status,
            StatusCode::NOT_FOUND,
            "{uri}"
        );
    }
    // Their own city's department is there.
    let own = w.app.scalar("SELECT d.id FROM department d JOIN municipality m ON m.id = d.municipality_id WHERE m.slug = 'other' AND d.position = 1").await;
    assert_eq!(
        w.app
            .send(
                "GET",
                &format!("/staff/departments/{own}"),
                Some(foreign),
                None
            )
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn invalid_input_comes_back_with_messages_and_the_text_kept() {
    let w = world().await;
    let head = &w.sessions["head"];
    let before = w.app.snapshot().await;
    let long = "あ".repeat(401);

    let blank = w
        .app
        .send(
            "POST",
            &format!("/staff/departments/{}/goals", w.department),
            Some(head),
            Some(&[("text", "   ")]),
        )
        .await;
    let too_long = w
        .app
        .send(
            "POST",
            &format!("/staff/departments/{}/goals", w.department),
            Some(head),
            Some(&[("text", long.as_str()), ("pillar", w.pillar.as_str())]),
        )
        .await;
    let bad_number = w
        .app
        .send(
            "POST",
            &format!("/staff/initiatives/{}/criteria", w.initiative),
            Some(head),
            Some(&[
                ("text", "窓口の設置数を増やす"),
                ("target_value", "たくさん"),
                ("unit", ""),
            ]),
        )
        .await;

    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        blank.body.contains("入力内容を確認してください"),
        "summary at the top"
    );
    assert!(blank.body.contains("組織目標を入力してください。"));
    assert!(
        blank
            .body
            .contains("該当する柱（市役所づくり）を1つ以上選んでください。")
    );
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        too_long
            .body
            .contains("組織目標は400文字以内で入力してください。")
    );
    assert!(too_long.body.contains(&long), "the typed text is kept");
    assert!(
        too_long
            .body
            .contains(&format!("value=\"{}\" checked", w.pillar)),
        "the chosen pillar is kept"
    );
    assert_eq!(bad_number.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_number.body.contains("目標値は数値で入力してください"));
    assert!(
        bad_number.body.contains("目標値の単位を入力してください")
            || bad_number.body.contains("value=\"たくさん\"")
    );
    assert!(bad_number.body.contains("窓口の設置数を増やす"));
    assert_eq!(w.app.snapshot().await, before, "nothing written");
}

#[tokio::test]
async fn full_width_numbers_with_commas_are_stored_as_numbers() {
    let w = world().await;
    let chief = &w.sessions["chief"];

    let reply = w
        .app
        .send(
            "POST",
            &format!("/staff/initiatives/{}/criteria", w.initiative),
            Some(chief),
            Some(&[
                ("text", "窓口利用者数 １，１００人"),
                ("target_value", "１，１００"),
                ("unit", "人"),
                ("comparator", "at_least"),
            ]),
        )
        .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let stored: (String, String, String) = sqlx::query_as(
        "SELECT target_value::text, unit, comparator FROM criterion WHERE text = '窓口利用者数 １，１００人'",
    )
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    assert_eq!(stored, ("1100.0000".into(), "人".into(), "at_least".into()));
}

#[tokio::test]
async fn a_later_save_does_not_overwrite_and_shows_both_versions() {
    let w = world().await;
    let (head, chief) = (&w.sessions["head"], &w.sessions["chief"]);
    let uri = format!("/staff/initiatives/{}", w.initiative);
    let version = w.version("initiative", w.initiative).await;
    // Both opened the form at the same version; the head saves first.
    let first = w
        .app
        .send(
            "POST",
            &uri,
            Some(head),
            Some(&[
                ("text", "部長が書いた取組"),
                ("section", w.section.as_str()),
                ("version", version.as_str()),
            ]),
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);

    let second = w
        .app
        .send(
            "POST",
            &uri,
            Some(chief),
            Some(&[
                ("text", "課長が書いた取組"),
                ("section", w.section.as_str()),
                ("version", version.as_str()),
            ]),
        )
        .await;

    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(
        second
            .body
            .contains("他の人が先にこの取組内容を更新しました")
    );
    assert!(
        second.body.contains("部長が書いた取組"),
        "the other person's version is shown"
    );
    assert!(
        second.body.contains("課長が書いた取組"),
        "this person's text is kept"
    );
    let text: String = sqlx::query_scalar("SELECT text FROM initiative WHERE id = $1")
        .bind(w.initiative)
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
    assert_eq!(text, "部長が書いた取組");
    // Saving again from the conflict page (it carries the current version) is a deliberate merge.
    let merged_version = w.version("initiative", w.initiative).await;
    assert!(
        second
            .body
            .contains(&format!("name=\"version\" value=\"{merged_version}\""))
    );
    let merged = w
        .app
        .send(
            "POST",
            &uri,
            Some(chief),
            Some(&[
                ("text", "部長と課長の取組"),
                ("section", w.section.as_str()),
                ("version", merged_version.as_str()),
            ]),
        )
        .await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn changes_are_recorded_and_each_goal_shows_its_history() {
    let w = world().await;
    let head = &w.sessions["head"];
    let version = w.version("goal", w.goal).await;
    w.app
        .send(
            "POST",
            &format!("/staff/goals/{}", w.goal),
            Some(head),
            Some(&[
                ("text", "DXを加速します。"),
                ("pillar", w.pillar.as_str()),
                ("version", version.as_str()),
            ]),
        )
        .await;
    w.app
        .send(
            "POST",
            &format!("/staff/initiatives/{}/criteria", w.initiative),
            Some(head),
            Some(&[("text", "窓口アンケート 2回")]),
        )
        .await;

    let history = w
        .app
        .send(
            "GET",
            &format!("/staff/goals/{}/history", w.goal),
            Some(head),
            None,
        )
        .await;
    let department = w
        .app
        .send(
            "GET",
            &format!("/staff/departments/{}/history", w.department),
            Some(&w.sessions["admin"]),
            None,
        )
        .await;
    let department_for_head = w
        .app
        .send(
            "GET",
            &format!("/staff/departments/{}/history", w.department),
            Some(head),
            None,
        )
        .await;

    assert_eq!(history.status, StatusCode::OK);
    let text = text_of(&history.body);
    assert!(
        text.contains("目標達成基準の追加") && text.contains("組織目標の変更"),
        "{text}"
    );
    assert!(
        text.contains("DXの推進による行政の効率化と市民サービスの向上を図ります。"),
        "before"
    );
    assert!(text.contains("DXを加速します。"), "after");
    assert!(text.contains("kariya-head"), "who");
    assert_eq!(department.status, StatusCode::OK);
    assert!(text_of(&department.body).contains("窓口アンケート 2回"));
    assert_eq!(
        department_for_head.status,
        StatusCode::FORBIDDEN,
        "the department trail is for planning staff"
    );
    let rows: i64 = w
        .app
        .scalar("SELECT count(*) FROM audit_event WHERE user_id IS NOT NULL")
        .await;
    assert_eq!(rows, 2);
}

#[tokio::test]
async fn initiatives_renumber_when_reordered_or_deleted() {
    let w = world().await;
    let head = &w.sessions["head"];

    w.app
        .send(
            "POST",
            &format!("/staff/initiatives/{}/move", w.initiative),
            Some(head),
            Some(&[("direction", "up")]),
        )
        .await;
    let page = text_of(
        &w.app
            .send(
                "GET",
                &format!("/staff/departments/{}/preview", w.department),
                Some(head),
                None,
            )
            .await
            .body,
    );
    assert!(
        page.contains("②窓口改革に向けた取組を推進します。")
            && page.contains("③財務会計システムに"),
        "{page}"
    );

    let second: i64 = w
        .app
        .scalar(&format!(
            "SELECT id FROM initiative WHERE goal_id = {} AND position = 1",
            w.goal
        ))
        .await;
    let version = w.version("initiative", second).await;
    let deleted = w
        .app
        .send(
            "POST",
            &format!("/staff/initiatives/{second}/delete"),
            Some(head),
            Some(&[("version", version.as_str())]),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    let page = text_of(
        &w.app
            .send(
                "GET",
                &format!("/staff/departments/{}/preview", w.department),
                Some(head),
                None,
            )
            .await
            .body,
    );
    assert!(
        page.contains("①窓口改革に向けた取組を推進します。"),
        "{page}"
    );
    assert!(page.contains("④基幹20業務システムの標準化移行を推進します。"));
    assert!(!page.contains("スマートシティ実証プロジェクト"));
}

#[tokio::test]
async fn saved_markup_is_shown_escaped_everywhere() {
    let w = world().await;
    let head = &w.sessions["head"];
    let payloads = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
    ];
    for payload in payloads {
        let v = w.version("goal", w.goal).await;
        let r = w
            .app
            .send(
                "POST",
                &format!("/staff/goals/{}", w.goal),
                Some(head),
                Some(&[
                    ("text", payload),
                    ("pillar", w.pillar.as_str()),
                    ("version", v.as_str()),
                ]),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let v = w.version("initiative", w.initiative).await;
        let r = w
            .app
            .send(
                "POST",
                &format!("/staff/initiatives/{}", w.initiative),
                Some(head),
                Some(&[
                    ("text", payload),
                    ("section", w.section.as_str()),
                    ("version", v.as_str()),
                ]),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let v = w.version("criterion", w.criterion).await;
        let unit: String = payload.chars().take(20).collect(); // units are at most 20 characters
        let r = w
            .app
            .send(
                "POST",
                &format!("/staff/criteria/{}", w.criterion),
                Some(head),
                Some(&[
                    ("text", payload),
                    ("unit", unit.as_str()),
                    ("target_value", "1"),
                    ("version", v.as_str()),
                ]),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        for uri in [
            "/kariya/2026/departments/kikaku-zaisei".to_owned(),
            format!("/staff/departments/{}/preview", w.department),
            format!("/staff/departments/{}", w.department),
            format!("/staff/goals/{}/edit", w.goal),
            format!("/staff/initiatives/{}/edit", w.initiative),
            format!("/staff/criteria/{}/edit", w.criterion),
            format!("/staff/goals/{}/history", w.goal),
        ] {
            let page = w.app.send("GET", &uri, Some(head), None).await;
            assert_eq!(page.status, StatusCode::OK, "{uri}");
            assert!(
                !page.body.contains(payload),
                "{uri} shows {payload} unescaped"
            );
            assert!(
                !page.body.contains("<img src=x") && !page.body.contains("<script>"),
                "{uri}"
            );
        }
    }
}

#[tokio::test]
async fn a_malformed_form_gets_a_japanese_page_and_changes_nothing() {
    let w = world().await;
    let before = w.app.snapshot().await;

    let reply = w
        .app
        .send(
            "POST",
            &format!("/staff/goals/{}", w.goal),
            Some(&w.sessions["head"]),
            Some(&[("text", "x"), ("pillar", "not-a-number")]),
        )
        .await;

    assert!(reply.status.is_client_error(), "{}", reply.status);
    assert!(
        reply.body.contains("送信内容を読み取れませんでした") && reply.body.contains("lang=\"ja\"")
    );
    assert_eq!(w.app.snapshot().await, before);
}

#[tokio::test]
async fn nul_bytes_in_form_fields_are_removed_before_anything_is_stored() {
    let w = world().await;
    let admin = &w.sessions["admin"];

    let created = w
        .app
        .send(
            "POST",
            &format!("/staff/departments/{}/goals", w.department),
            Some(admin),
            Some(&[("text", "ヌル\0文字の\u{1}目標"), ("pillar", &w.pillar)]),
        )
        .await;
    let bad_version = w
        .app
        .send(
            "POST",
            &format!("/staff/goals/{}", w.goal),
            Some(admin),
            Some(&[("text", "x"), ("pillar", &w.pillar), ("version", "1\0")]),
        )
        .await;

    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let stored = w
        .app
        .scalar("SELECT count(*) FROM goal WHERE text = 'ヌル文字の目標'")
        .await;
    assert_eq!(stored, 1);
    assert!(bad_version.status.is_client_error() || bad_version.status.is_redirection());
    assert_ne!(bad_version.status.as_u16(), 500);
}

#[tokio::test]
async fn numbers_the_database_cannot_hold_come_back_beside_the_field() {
    let w = world().await;
    let head = &w.sessions["head"];
    let before = w.app.snapshot().await;

    let huge = w
        .app
        .send(
            "POST",
            &format!("/staff/initiatives/{}/criteria", w.initiative),
            Some(head),
            Some(&[
                ("text", "窓口の設置数"),
                ("target_value", "123456789012345678"),
                ("unit", "件"),
            ]),
        )
        .await;

    assert_eq!(huge.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(huge.body.contains("数値の桁が多すぎます"), "{}", huge.body);
    assert!(
        huge.body.contains("value=\"123456789012345678\""),
        "the input is kept"
    );
    assert_eq!(w.app.snapshot().await, before, "nothing written");
}
