//! The judgments cities use beyond 達成/未達成: 評価不能 (岡崎市's scale) — only a head's
//! judgment, only with a reason, shown with its reason, counted apart in the summary and left
//! out of the achievement rate.

use crate::helpers::{Session, TestApp, text_of};
use axum::http::StatusCode;

struct Department {
    app: TestApp,
    id: i64,
    chief: Session,
    head: Session,
    admin: Session,
}

async fn kikaku() -> Department {
    let app = TestApp::with_demo().await;
    let mut s = Vec::new();
    for (name, role, target) in [
        ("chief", "section_chief", Some("情報政策課")),
        ("head", "department_head", Some("kikaku-zaisei")),
        ("admin", "admin", None),
    ] {
        let id = app.add_staff("kariya", name, role, target).await;
        s.push(app.session_for(id).await);
    }
    let id = app
        .scalar("SELECT d.id FROM department d JOIN municipality m ON m.id = d.municipality_id WHERE m.slug = 'kariya' AND d.slug = 'kikaku-zaisei'")
        .await;
    let mut s = s.into_iter();
    Department {
        app,
        id,
        chief: s.next().unwrap(),
        head: s.next().unwrap(),
        admin: s.next().unwrap(),
    }
}

impl Department {
    /// Submits, approves and publishes the department's results, as the three of them do.
    async fn publish_results(&self) {
        let flow = format!("/staff/departments/{}/workflow", self.id);
        for (who, action) in [
            (&self.chief, "submit"),
            (&self.head, "approve"),
            (&self.admin, "publish"),
        ] {
            let form = [("action", action), ("kind", "results")];
            let r = self.app.send("POST", &flow, Some(who), Some(&form)).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}");
        }
    }
}

#[tokio::test]
async fn unassessable_needs_a_reason_is_shown_with_it_and_is_counted_apart() {
    let d = kikaku().await;
    let initiatives: Vec<i64> = sqlx::query_scalar(
        "SELECT i.id FROM initiative i JOIN goal g ON g.id = i.goal_id WHERE g.department_id = $1 ORDER BY g.position, i.position",
    )
    .bind(d.id)
    .fetch_all(&d.app.pool)
    .await
    .unwrap();
    assert!(initiatives.len() >= 3);
    let judge = |i: i64, status: &'static str, reason: &'static str| {
        let app = &d.app;
        let head = &d.head;
        async move {
            app.send(
                "POST",
                &format!("/staff/initiatives/{i}/results"),
                Some(head),
                Some(&[
                    ("version", "0"),
                    ("performance", "実施"),
                    ("status_override", status),
                    ("override_reason", reason),
                ]),
            )
            .await
        }
    };
    let bare = judge(initiatives[0], "unassessable", "").await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.body.contains("判定を変更する理由を入力してください。"));
    assert!(bare.body.contains("評価不能"), "the choice is offered");
    assert_eq!(
        d.app.scalar("SELECT count(*) FROM initiative_result").await,
        0
    );
    let why = "国の制度改正が延期され、事業を実施できなかったため";
    assert_eq!(
        judge(initiatives[0], "unassessable", why).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        judge(initiatives[1], "achieved", "実質的に達成")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        judge(initiatives[2], "not_achieved", "目標に届かず")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    d.publish_results().await;
    let (status, report) = d.app.get("/kariya/2026/results/kikaku-zaisei").await;
    assert_eq!(status, StatusCode::OK);
    let text = text_of(&report);
    assert!(
        text.contains("評価不能") && text.contains(&format!("評価不能の理由：{why}")),
        "{text}"
    );
    // The summary: 評価不能 in its own column, and the rate of the judged others (1 of 2).
    let (_, summary) = d.app.get("/kariya/2026/summary").await;
    let row = summary
        .split("<tr>")
        .skip(1)
        .find(|r| r.contains("企画財政部"))
        .expect("the department's row");
    let cells: Vec<String> = row
        .split("<td>")
        .skip(1)
        .map(|c| c[..c.find("</td>").unwrap()].to_owned())
        .collect();
    // 達成, 一部達成, 未達成, 着手, 未着手, 評価不能, 未判定, 計, 達成率
    assert_eq!(&cells[..6], ["1", "0", "1", "0", "0", "1"], "{row}");
    assert_eq!(cells[8], "50%", "{row}");
    assert!(summary.contains("評価不能は除きます"));
    // And in the PDF of the report.
    let pdf = crate::pdf::fetch(&d.app, "/kariya/2026/results/kikaku-zaisei.pdf")
        .await
        .2;
    assert!(
        crate::pdf::text_of(&pdf).contains(&crate::pdf::squeezed(&format!("評価不能（{why}）")))
    );
}

#[tokio::test]
async fn an_outside_committees_grades_are_recorded_by_planning_staff_and_published_with_the_results()
 {
    let d = kikaku().await;
    let uri = "/staff/admin/years/2026/evaluation";
    let field = format!("grade_{}", d.id);
    let comment = format!("comment_{}", d.id);
    let wrong = d
        .app
        .send(
            "POST",
            uri,
            Some(&d.admin),
            Some(&[
                ("committee", "行政改革推進委員会"),
                ("grades", "A\nB\nC"),
                (&field, "Z"),
                (&comment, "書いた講評"),
            ]),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .body
            .contains("企画財政部の評価を段階の中から選んでください。")
    );
    assert!(wrong.body.contains("書いた講評"), "the text typed is kept");
    assert_eq!(
        d.app
            .scalar("SELECT count(*) FROM outside_evaluation")
            .await,
        0
    );
    assert_eq!(d.app.scalar("SELECT count(*) FROM outside_scale").await, 0);
    let by_head = d
        .app
        .send(
            "POST",
            uri,
            Some(&d.head),
            Some(&[("committee", "x"), ("grades", "A")]),
        )
        .await;
    assert_eq!(by_head.status, StatusCode::FORBIDDEN);
    let saved = d
        .app
        .send(
            "POST",
            uri,
            Some(&d.admin),
            Some(&[
                ("committee", "行政改革推進委員会"),
                ("grades", "A\nB\nC\nD\nE"),
                (&field, "B"),
                (
                    &comment,
                    "デジタル化の取組は評価できる。\n\n市民への周知に課題が残る。",
                ),
            ]),
        )
        .await;
    assert_eq!(
        saved.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&saved.body)
    );
    let page = d.app.send("GET", uri, Some(&d.admin), None).await;
    assert!(page.body.contains("<option value=\"B\" selected>"));
    // Citizens see it with the results, once published.
    d.publish_results().await;
    let (_, report) = d.app.get("/kariya/2026/results/kikaku-zaisei").await;
    let text = text_of(&report);
    assert!(
        text.contains("行政改革推進委員会の評価 B デジタル化の取組は評価できる。"),
        "{text}"
    );
    let (_, heads) = d.app.get("/kariya/2026/heads").await;
    assert!(text_of(&heads).contains("行政改革推進委員会の評価 B"));
    let pdf = crate::pdf::fetch(&d.app, "/kariya/2026/results/kikaku-zaisei.pdf")
        .await
        .2;
    assert!(
        crate::pdf::text_of(&pdf).contains(&crate::pdf::squeezed("行政改革推進委員会の評価：B"))
    );
}
