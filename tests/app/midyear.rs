//! The mid-year check (中間報告) as a city hall runs it: planning staff open it with its
//! 基準日 and deadline, a section records its initiatives' first half, the head sends it back
//! and then approves, planning staff publish it on the date they choose, and citizens read it
//! from the year's booklet, in open data and in the static site.

use crate::helpers::{Session, TestApp, text_of};
use axum::http::StatusCode;

struct Year {
    app: TestApp,
    department: i64,
    chief: Session,
    head: Session,
    admin: Session,
    other_chief: Session,
    /// The chief's initiatives in 企画財政部.
    initiatives: Vec<i64>,
}

async fn year() -> Year {
    let app = TestApp::with_demo().await;
    let mut s = Vec::new();
    for (name, role, target) in [
        ("m-chief", "section_chief", Some("情報政策課")),
        ("m-head", "department_head", Some("kikaku-zaisei")),
        ("m-admin", "admin", None),
        ("m-other", "section_chief", Some("福祉総務課")),
    ] {
        let id = app.add_staff("kariya", name, role, target).await;
        s.push(app.session_for(id).await);
    }
    let department = app
        .scalar("SELECT d.id FROM department d JOIN municipality m ON m.id = d.municipality_id JOIN fiscal_year f ON f.id = d.fiscal_year_id WHERE m.slug = 'kariya' AND f.year = 2026 AND d.slug = 'kikaku-zaisei'")
        .await;
    let initiatives: Vec<i64> = sqlx::query_scalar(
        "SELECT i.id FROM initiative i JOIN goal g ON g.id = i.goal_id
           JOIN initiative_section x ON x.initiative_id = i.id JOIN section s ON s.id = x.section_id
          WHERE g.department_id = $1 AND s.name = '情報政策課' ORDER BY g.position, i.position",
    )
    .bind(department)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(
        initiatives.len() >= 2,
        "the demo's 情報政策課 has initiatives"
    );
    let mut s = s.into_iter();
    Year {
        app,
        department,
        chief: s.next().unwrap(),
        head: s.next().unwrap(),
        admin: s.next().unwrap(),
        other_chief: s.next().unwrap(),
        initiatives,
    }
}

impl Year {
    async fn open(&self) {
        let r = self
            .app
            .send(
                "POST",
                "/staff/admin/years/2026/midyear",
                Some(&self.admin),
                Some(&[
                    ("as_of", "2026-09-30"),
                    ("due_on", "2026-10-20"),
                    ("words", "順調\nおおむね順調\n遅れ"),
                ]),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text_of(&r.body));
    }

    async fn record(
        &self,
        who: &Session,
        initiative: i64,
        fields: &[(&str, &str)],
    ) -> crate::helpers::Reply {
        self.app
            .send(
                "POST",
                &format!("/staff/initiatives/{initiative}/midyear"),
                Some(who),
                Some(fields),
            )
            .await
    }

    async fn step(&self, who: &Session, action: &str, comment: &str) -> StatusCode {
        let flow = format!("/staff/departments/{}/workflow", self.department);
        let form = [
            ("action", action),
            ("kind", "midyear"),
            ("comment", comment),
        ];
        self.app
            .send("POST", &flow, Some(who), Some(&form))
            .await
            .status
    }
}

#[tokio::test]
async fn a_mid_year_check_is_opened_recorded_reviewed_published_and_read() {
    let y = year().await;
    let (first, second) = (y.initiatives[0], y.initiatives[1]);
    // Before it is opened there is nothing to record.
    let early = y
        .record(&y.chief, first, &[("version", "0"), ("progress", "順調")])
        .await;
    assert_eq!(early.status, StatusCode::NOT_FOUND);
    // A 基準日 outside the year: the message beside the field, what was typed kept.
    let bad = y
        .app
        .send(
            "POST",
            "/staff/admin/years/2026/midyear",
            Some(&y.admin),
            Some(&[("as_of", "2025-09-30"), ("due_on", "来週"), ("words", "")]),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "基準日は年度内",
        "期限は「2026-10-31」の形",
        "進捗状況の言葉を1行に1つ",
    ] {
        assert!(bad.body.contains(message), "{message}");
    }
    assert!(bad.body.contains("value=\"来週\""));
    assert_eq!(y.app.scalar("SELECT count(*) FROM midyear_check").await, 0);
    // A mid-year deadline set before the check is opened asks nothing of anyone.
    let early_due = [("targets", ""), ("midyear", "2027-01-20"), ("results", "")];
    let r = y
        .app
        .send(
            "POST",
            "/staff/admin/years/2026/deadlines",
            Some(&y.admin),
            Some(&early_due),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let home = y.app.send("GET", "/staff", Some(&y.chief), None).await;
    assert!(
        !text_of(&home.body).contains("中間報告"),
        "no task before the check is opened"
    );
    y.open().await;
    assert_eq!(
        y.app.scalar("SELECT count(*) FROM stage_deadline WHERE stage = 'midyear' AND due_on = '2026-10-20'").await,
        1
    );
    // The section's home page names the task and its deadline.
    let home = y.app.send("GET", "/staff", Some(&y.chief), None).await;
    let home = text_of(&home.body);
    assert!(
        home.contains("情報政策課の中間報告（上半期の取組状況）を入力する"),
        "{home}"
    );
    // Planning staff's progress page: a column for the stage, as many cells as headers.
    let progress = y
        .app
        .send(
            "GET",
            "/staff/admin/years/2026/progress",
            Some(&y.admin),
            None,
        )
        .await;
    assert!(text_of(&progress.body).contains("中間報告の入力：令和8年10月20日"));
    let table = progress.body.split("<tbody>").nth(1).unwrap();
    let first_row = table.split("</tr>").next().unwrap();
    assert_eq!(first_row.matches("<td>").count(), 3, "{first_row}");

    // A progress word not in the list: refused beside the field, the text kept, nothing written.
    let wrong = y
        .record(
            &y.chief,
            first,
            &[
                ("version", "0"),
                ("performance", "要件定義を完了"),
                ("progress", "絶好調"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("進捗状況は一覧から選んでください。"));
    assert!(wrong.body.contains("要件定義を完了"));
    assert_eq!(
        y.app
            .scalar("SELECT count(*) FROM initiative_midyear")
            .await,
        0
    );
    // Another section's chief may not record it.
    let other = y
        .record(
            &y.other_chief,
            first,
            &[("version", "0"), ("progress", "順調")],
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);

    let saved = y
        .record(
            &y.chief,
            first,
            &[
                ("version", "0"),
                ("performance", "要件定義を完了\n事業者を選定（8月）"),
                ("progress", "順調"),
                ("issues", "下期は庁内の利用者研修を行う。"),
            ],
        )
        .await;
    assert_eq!(
        saved.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&saved.body)
    );
    let saved = y
        .record(
            &y.chief,
            second,
            &[
                ("version", "0"),
                ("performance", "調査に着手"),
                ("progress", "遅れ"),
                ("issues", "人員の確保が課題。"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    // A second save from the same stale form loses nothing: it is refused as a conflict.
    let stale = y
        .record(&y.chief, second, &[("version", "0"), ("progress", "順調")])
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);

    // Submit, returned with a comment, submitted again, approved.
    assert_eq!(y.step(&y.chief, "submit", "").await, StatusCode::SEE_OTHER);
    assert_eq!(
        y.step(&y.chief, "approve", "").await,
        StatusCode::FORBIDDEN,
        "a chief does not approve"
    );
    assert_eq!(
        y.step(&y.head, "return", "遅れの理由を書いてください")
            .await,
        StatusCode::SEE_OTHER
    );
    let report = y
        .app
        .send(
            "GET",
            &format!("/staff/departments/{}/midyear", y.department),
            Some(&y.chief),
            None,
        )
        .await;
    assert!(text_of(&report.body).contains("遅れの理由を書いてください"));
    let fixed = y
        .record(
            &y.chief,
            second,
            &[
                ("version", "1"),
                ("performance", "調査に着手"),
                ("progress", "遅れ"),
                ("issues", "担当者の退職により遅れた。人員の確保が課題。"),
            ],
        )
        .await;
    assert_eq!(fixed.status, StatusCode::SEE_OTHER);
    let comments = y
        .app
        .send(
            "POST",
            &format!("/staff/departments/{}/midyear/comments", y.department),
            Some(&y.head),
            Some(&[
                ("version", "0"),
                ("comment", "おおむね計画どおり進んでいる。"),
            ]),
        )
        .await;
    assert_eq!(
        comments.status,
        StatusCode::SEE_OTHER,
        "{}",
        text_of(&comments.body)
    );
    assert_eq!(y.step(&y.chief, "submit", "").await, StatusCode::SEE_OTHER);
    assert_eq!(y.step(&y.head, "approve", "").await, StatusCode::SEE_OTHER);
    // Approved: locked for the section.
    let locked = y
        .record(&y.chief, first, &[("version", "1"), ("progress", "遅れ")])
        .await;
    assert_ne!(locked.status, StatusCode::SEE_OTHER);

    let published = y
        .app
        .send(
            "POST",
            "/staff/admin/years/2026/publish",
            Some(&y.admin),
            Some(&[("published_on", "2026-10-15")]),
        )
        .await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    assert_eq!(
        y.app.scalar("SELECT count(*) FROM publication WHERE kind = 'midyear' AND published_on = '2026-10-15'").await,
        1
    );

    // Citizens: from the booklet's contents to the department's report.
    let (_, booklet) = y.app.get("/kariya/2026").await;
    assert!(booklet.contains("href=\"/kariya/2026/midyear\""));
    assert!(text_of(&booklet).contains("中間報告（令和8年9月末時点）"));
    let (status, list) = y.app.get("/kariya/2026/midyear").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text_of(&list).contains("令和8年10月15日公表"),
        "{}",
        text_of(&list)
    );
    let (status, page) = y.app.get("/kariya/2026/midyear/kikaku-zaisei").await;
    assert_eq!(status, StatusCode::OK);
    let text = text_of(&page);
    for shown in [
        "事業者を選定（8月）",
        "順調",
        "担当者の退職により遅れた。",
        "おおむね計画どおり進んでいる。",
        "令和8年9月末時点",
    ] {
        assert!(text.contains(shown), "{shown}: {text}");
    }
    // Its PDF (A4 landscape, tagged), its size told beside the link.
    let pdf =
        crate::pdf_reports::assert_size_is_told(&y.app, "/kariya/2026/midyear/kikaku-zaisei").await;
    let pdf_text = crate::pdf::text_of(&pdf);
    let needles: Vec<String> = [
        "令和8年9月末時点",
        "おおむね計画どおり進んでいる。",
        "事業者を選定（8月）",
        "順調",
        "担当者の退職により遅れた。",
    ]
    .map(crate::pdf::squeezed)
    .to_vec();
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    crate::helpers::assert_in_order(&pdf_text, &needles);
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    crate::pdf::assert_tagged(
        &doc,
        "企画財政部 令和8年度中間報告（令和8年9月末時点）（刈谷市）",
        true,
    );
    // Another department with nothing published: not found.
    assert_eq!(
        y.app.get("/kariya/2026/midyear/fukushi-kenko").await.0,
        StatusCode::NOT_FOUND
    );
    // Open data.
    let (status, json) = y.app.get("/kariya/2026/midyear.json").await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["schema"], "mokuhyo-midyear/1");
    assert_eq!(json["departments"][0]["as_of"], "2026-09-30");
    let progress: Vec<String> = json["departments"][0]["goals"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["initiatives"].as_array().unwrap().iter())
        .filter_map(|i| i["progress"].as_str().map(String::from))
        .collect();
    assert_eq!(progress, vec!["順調", "遅れ"]);
    let (_, csv) = y.app.get("/kariya/2026/midyear.csv").await;
    assert!(csv.contains("進捗状況") && csv.contains("要件定義を完了 / 事業者を選定（8月）"));
    // The static site holds the report, linked from its index.
    let state = mokuhyo::app_state(y.app.pool.clone()).await.unwrap();
    let site = mokuhyo::site::build(&state, "kariya", 2026, None)
        .await
        .unwrap();
    for file in [
        "midyear.html",
        "midyear/kikaku-zaisei.html",
        "midyear.json",
        "midyear.csv",
    ] {
        assert!(
            site.files.contains_key(file),
            "{file}: {:?}",
            site.files.keys().collect::<Vec<_>>()
        );
    }
    let index = String::from_utf8(site.files["index.html"].clone()).unwrap();
    assert!(index.contains("href=\"midyear.html\""));

    // At year end the section writes 実績 with its mid-year record beside the form.
    let form = y
        .app
        .send(
            "GET",
            &format!("/staff/initiatives/{first}/results"),
            Some(&y.chief),
            None,
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    let text = text_of(&form.body);
    assert!(
        text.contains("中間報告で記録した内容") && text.contains("下期は庁内の利用者研修を行う。")
    );
}

#[tokio::test]
async fn only_planning_staff_open_the_check_and_only_heads_comment() {
    let y = year().await;
    for who in [&y.chief, &y.head] {
        let r = y
            .app
            .send(
                "POST",
                "/staff/admin/years/2026/midyear",
                Some(who),
                Some(&[("as_of", "2026-09-30"), ("words", "順調")]),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = y
            .app
            .send("GET", "/staff/admin/years/2026/midyear", Some(who), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let anonymous = y
        .app
        .send("GET", "/staff/admin/years/2026/midyear", None, None)
        .await;
    assert_ne!(anonymous.status, StatusCode::OK);
    let forged = y
        .app
        .send(
            "POST",
            "/staff/admin/years/2026/midyear",
            Some(&y.admin),
            Some(&[("as_of", "2026-09-30"), ("words", "順調"), ("csrf", "x")]),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(y.app.scalar("SELECT count(*) FROM midyear_check").await, 0);
    // Unopened: the staff report says so; a step on it is refused.
    let page = y
        .app
        .send(
            "GET",
            &format!("/staff/departments/{}/midyear", y.department),
            Some(&y.chief),
            None,
        )
        .await;
    assert!(text_of(&page.body).contains("まだ始まっていません"));
    assert_eq!(y.step(&y.chief, "submit", "").await, StatusCode::NOT_FOUND);
    y.open().await;
    let comments = format!("/staff/departments/{}/midyear/comments", y.department);
    let chief = y
        .app
        .send(
            "POST",
            &comments,
            Some(&y.chief),
            Some(&[("version", "0"), ("comment", "x")]),
        )
        .await;
    assert_eq!(chief.status, StatusCode::FORBIDDEN);
    let long = "あ".repeat(4001);
    let r = y
        .app
        .send(
            "POST",
            &comments,
            Some(&y.head),
            Some(&[("version", "0"), ("comment", &long)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("4000文字以内"));
    assert_eq!(
        y.app
            .scalar("SELECT count(*) FROM department_midyear")
            .await,
        0
    );
    // Nothing published: no public page, no open data.
    for path in [
        "/kariya/2026/midyear",
        "/kariya/2026/midyear.json",
        "/kariya/2026/midyear/kikaku-zaisei",
    ] {
        assert_eq!(y.app.get(path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn a_mid_year_workbook_in_a_citys_layout_comes_in_beside_the_goals_it_reports_on() {
    let y = year().await;
    // The department's own goals, as the city's mid-year sheet lists them (an Akita city's
    // 上半期レビュー: 上期（4月～9月）の取組実績 / 進捗状況 / 下期（10月～3月）に向けた課題).
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT g.text,
                (SELECT string_agg(p.number::text, '・' ORDER BY p.number) FROM goal_pillar gp JOIN pillar p ON p.id = gp.pillar_id WHERE gp.goal_id = g.id),
                i.text,
                (SELECT string_agg(s.name, '・' ORDER BY x.position) FROM initiative_section x JOIN section s ON s.id = x.section_id WHERE x.initiative_id = i.id)
           FROM goal g JOIN initiative i ON i.goal_id = g.id
          WHERE g.department_id = $1 ORDER BY g.position, i.position",
    )
    .bind(y.department)
    .fetch_all(&y.app.pool)
    .await
    .unwrap();
    let tree = "SELECT string_agg(format('%s %s %s', g.id, i.id, i.text), '|' ORDER BY g.position, i.position) FROM goal g JOIN initiative i ON i.goal_id = g.id WHERE g.department_id = $1";
    let before: String = sqlx::query_scalar(tree)
        .bind(y.department)
        .fetch_one(&y.app.pool)
        .await
        .unwrap();
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut csv = String::from(
        "部,柱,組織目標,取組内容,課等,上期（4月～9月）の取組実績,進捗状況,下期（10月～3月）に向けた課題\r\n",
    );
    for (n, (goal, pillars, initiative, sections)) in rows.iter().enumerate() {
        let (done, word, next) = match n {
            0 => (
                "・要件定義を完了\n・事業者を選定",
                "順調",
                "利用者研修を行う。",
            ),
            1 => ("調査に着手", "やや遅れ", "人員を確保する。"),
            _ => ("", "", ""),
        };
        let cells = [
            "企画財政部",
            pillars,
            goal,
            initiative,
            sections,
            done,
            word,
            next,
        ];
        csv.push_str(&cells.map(quote).join(","));
        csv.push_str("\r\n");
    }
    let reply = crate::import::upload(&y.app, &y.admin, 2026, "中間報告.csv", csv.as_bytes()).await;
    let job = crate::import::job_of(&reply);
    let problems = y
        .app
        .scalar(&format!(
            "SELECT jsonb_array_length(parsed->'problems')::bigint FROM import_job WHERE id = {job}"
        ))
        .await;
    assert_eq!(problems, 0, "previews with no problems");
    let preview = y
        .app
        .send("GET", &format!("/staff/import/{job}"), Some(&y.admin), None)
        .await;
    assert!(text_of(&preview.body).contains("中間報告"));
    assert_eq!(
        y.app
            .scalar("SELECT count(*) FROM initiative_midyear")
            .await,
        0,
        "a preview writes nothing"
    );
    let done = crate::import::confirm(&y.app, &y.admin, job).await;
    assert!(done.contains("取り込みました"), "{done}");
    let after: String = sqlx::query_scalar(tree)
        .bind(y.department)
        .fetch_one(&y.app.pool)
        .await
        .unwrap();
    assert_eq!(after, before, "the goals and initiatives are the same rows");
    let entries: Vec<(Vec<String>, Option<String>, Vec<String>)> = sqlx::query_as(
        "SELECT m.performance, m.progress, m.issues FROM initiative_midyear m JOIN initiative i ON i.id = m.initiative_id
           JOIN goal g ON g.id = i.goal_id ORDER BY g.position, i.position",
    )
    .fetch_all(&y.app.pool)
    .await
    .unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].0, vec!["要件定義を完了", "事業者を選定"]);
    assert_eq!(entries[1].1.as_deref(), Some("やや遅れ"));
    // The year's check is opened at 9月末, with the city's own word added to its list.
    let words: Vec<String> =
        sqlx::query_scalar("SELECT unnest(words) FROM midyear_check WHERE as_of = '2026-09-30'")
            .fetch_all(&y.app.pool)
            .await
            .unwrap();
    assert_eq!(words, vec!["順調", "おおむね順調", "遅れ", "やや遅れ"]);
    let report = y
        .app
        .send(
            "GET",
            &format!("/staff/departments/{}/midyear", y.department),
            Some(&y.head),
            None,
        )
        .await;
    assert!(text_of(&report.body).contains("やや遅れ 1件"));
}

#[tokio::test]
async fn mid_year_pages_take_the_same_few_statements_whatever_the_departments_size() {
    let y = year().await;
    y.open().await;
    let small = y.department; // 企画財政部
    let large = y
        .app
        .scalar("SELECT d.id FROM department d JOIN municipality m ON m.id = d.municipality_id JOIN fiscal_year f ON f.id = d.fiscal_year_id WHERE m.slug = 'kariya' AND f.year = 2026 AND d.slug = 'fukushi-kenko'")
        .await;
    for id in [small, large] {
        for action in ["submit", "approve", "publish"] {
            let form = [("action", action), ("kind", "midyear")];
            let r = y
                .app
                .send(
                    "POST",
                    &format!("/staff/departments/{id}/workflow"),
                    Some(&y.admin),
                    Some(&form),
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}");
        }
    }
    let mut counts = Vec::new();
    for id in [small, large] {
        let uri = format!("/staff/departments/{id}/midyear");
        counts.push(crate::query_count::statements_as(&y.app, &uri, &y.admin).await);
    }
    for slug in ["kikaku-zaisei", "fukushi-kenko"] {
        y.app.forget_pages();
        let uri = format!("/kariya/2026/midyear/{slug}");
        counts.push(crate::query_count::statements_for(&y.app, &uri).await);
    }
    println!("mid-year statements (staff small, large; public small, large): {counts:?}");
    assert_eq!(counts[0], counts[1], "staff report: {counts:?}");
    assert_eq!(counts[2], counts[3], "public report: {counts:?}");
    assert!(counts[0] <= 14 && counts[2] <= 6, "{counts:?}");
}

#[tokio::test]
async fn the_mid_year_workbook_exported_comes_back_in_unchanged() {
    let y = year().await;
    y.open().await;
    let fields = [
        ("version", "0"),
        ("performance", "要件定義を完了\n事業者を選定"),
        ("progress", "おおむね順調"),
        ("issues", "研修を行う。\n\n予算を確保する。"),
    ];
    let saved = y.record(&y.chief, y.initiatives[0], &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let bytes = {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let request = axum::http::Request::get(format!(
            "/staff/departments/{}/export.xlsx?kind=midyear",
            y.department
        ))
        .header("cookie", format!("mokuhyo_session={}", y.admin.cookie))
        .body(axum::body::Body::empty())
        .unwrap();
        let response = y.app.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let disposition = response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(disposition.contains("midyear.xlsx"), "{disposition}");
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec()
    };
    assert!(bytes.starts_with(b"PK"), "an .xlsx");
    let versions = "SELECT string_agg(initiative_id || ':' || version, ',' ORDER BY initiative_id) FROM initiative_midyear";
    let before: String = sqlx::query_scalar(versions)
        .fetch_one(&y.app.pool)
        .await
        .unwrap();
    let reply = crate::import::upload(&y.app, &y.admin, 2026, "中間報告.xlsx", &bytes).await;
    let job = crate::import::job_of(&reply);
    let problems = y
        .app
        .scalar(&format!(
            "SELECT jsonb_array_length(parsed->'problems')::bigint FROM import_job WHERE id = {job}"
        ))
        .await;
    assert_eq!(problems, 0);
    let done = crate::import::confirm(&y.app, &y.admin, job).await;
    assert!(done.contains("取り込みました"), "{done}");
    let after: String = sqlx::query_scalar(versions)
        .fetch_one(&y.app.pool)
        .await
        .unwrap();
    assert_eq!(after, before, "nothing changed, nothing written again");
    let entry: (Vec<String>, Option<String>, Vec<String>) =
        sqlx::query_as("SELECT performance, progress, issues FROM initiative_midyear")
            .fetch_one(&y.app.pool)
            .await
            .unwrap();
    assert_eq!(entry.0, vec!["要件定義を完了", "事業者を選定"]);
    assert_eq!(entry.1.as_deref(), Some("おおむね順調"));
    assert_eq!(entry.2, vec!["研修を行う。", "予算を確保する。"]);
}
