//! Recording year-end results and the entry progress.

use crate::helpers::{Session, TestApp, text_of};
use axum::http::StatusCode;

struct Year {
    app: TestApp,
    /// ⑤ 基幹20業務システムの標準化移行を推進します。 (情報政策課; one criterion: 2業務)
    initiative: i64,
    criterion: i64,
    department: i64,
    chief: Session,
    sibling: Session,
    other: Session,
    head: Session,
    admin: Session,
    viewer: Session,
}

async fn year() -> Year {
    let app = TestApp::with_demo().await;
    let mut s = Vec::new();
    for (name, role, target) in [
        ("chief", "section_chief", Some("情報政策課")),
        ("sibling", "section_chief", Some("財務課")),
        ("other", "section_chief", Some("人事課")),
        ("head", "department_head", Some("kikaku-zaisei")),
        ("admin", "admin", None),
        ("viewer", "viewer", None),
    ] {
        let id = app.add_staff("kariya", name, role, target).await;
        s.push(app.session_for(id).await);
    }
    let department = app
        .scalar("SELECT id FROM department WHERE slug = 'kikaku-zaisei'")
        .await;
    let initiative = app.scalar(&format!("SELECT i.id FROM initiative i JOIN goal g ON g.id = i.goal_id WHERE g.department_id = {department} AND g.position = 1 AND i.position = 5")).await;
    let criterion = app
        .scalar(&format!(
            "SELECT id FROM criterion WHERE initiative_id = {initiative}"
        ))
        .await;
    let mut s = s.into_iter();
    Year {
        app,
        initiative,
        criterion,
        department,
        chief: s.next().unwrap(),
        sibling: s.next().unwrap(),
        other: s.next().unwrap(),
        head: s.next().unwrap(),
        admin: s.next().unwrap(),
        viewer: s.next().unwrap(),
    }
}

impl Year {
    async fn record(&self, who: &Session, fields: &[(&str, &str)]) -> crate::helpers::Reply {
        let version = self.app.scalar(&format!("SELECT COALESCE((SELECT version::bigint FROM initiative_result WHERE initiative_id = {}), 0)", self.initiative)).await.to_string();
        let mut all: Vec<(&str, &str)> = vec![("version", version.as_str())];
        all.extend_from_slice(fields);
        self.app
            .send(
                "POST",
                &format!("/staff/initiatives/{}/results", self.initiative),
                Some(who),
                Some(&all),
            )
            .await
    }
}

#[tokio::test]
async fn a_section_chief_records_results_that_show_in_the_report() {
    let y = year().await;
    let actual = format!("actual_{}", y.criterion);

    let reply = y
        .record(
            &y.chief,
            &[
                (actual.as_str(), "２"),
                (
                    "performance",
                    "住民記録システムの移行\r\n税務システムの移行 2業務\r\n",
                ),
                (
                    "outcome",
                    "予定どおり2業務を移行しました。\r\n\r\n残る業務は令和9年度に移行します。",
                ),
            ],
        )
        .await;
    let report = y
        .app
        .send(
            "GET",
            &format!("/staff/departments/{}/results", y.department),
            Some(&y.chief),
            None,
        )
        .await;

    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let stored: (Vec<String>, Vec<String>) = sqlx::query_as(
        "SELECT performance, outcome FROM initiative_result WHERE initiative_id = $1",
    )
    .bind(y.initiative)
    .fetch_one(&y.app.pool)
    .await
    .unwrap();
    assert_eq!(
        stored.0,
        vec!["住民記録システムの移行", "税務システムの移行 2業務"]
    );
    assert_eq!(
        stored.1,
        vec![
            "予定どおり2業務を移行しました。",
            "残る業務は令和9年度に移行します。"
        ]
    );
    let actual_value: String = sqlx::query_scalar(
        "SELECT actual_value::text FROM criterion_result WHERE criterion_id = $1",
    )
    .bind(y.criterion)
    .fetch_one(&y.app.pool)
    .await
    .unwrap();
    assert_eq!(
        actual_value, "2.0000",
        "full-width digits stored as a number"
    );
    let row = report
        .body
        .split(&format!("id=\"initiative-{}\"", y.initiative))
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(
        row.contains("<li>住民記録システムの移行</li><li>税務システムの移行 2業務</li>"),
        "{row}"
    );
    assert!(row.contains(
        "<p>予定どおり2業務を移行しました。</p><p>残る業務は令和9年度に移行します。</p>"
    ));
    assert!(
        row.contains("◎</span>達成"),
        "2業務 of 2業務 is achieved: {row}"
    );
    let audit = y
        .app
        .scalar("SELECT count(*) FROM audit_event WHERE entity = 'initiative_result'")
        .await;
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn only_the_responsible_chief_the_head_and_planning_staff_record_results() {
    let y = year().await;
    let actual = format!("actual_{}", y.criterion);
    for (who, session) in [
        ("sibling", &y.sibling),
        ("other", &y.other),
        ("viewer", &y.viewer),
    ] {
        let before = y.app.scalar("SELECT count(*) FROM initiative_result").await;
        let reply = y
            .record(
                session,
                &[(actual.as_str(), "1"), ("performance", "書き換え")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(
            y.app.scalar("SELECT count(*) FROM initiative_result").await,
            before
        );
        assert_eq!(
            y.app
                .send(
                    "GET",
                    &format!("/staff/initiatives/{}/results", y.initiative),
                    Some(session),
                    None
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
    let anonymous = y
        .app
        .send(
            "POST",
            &format!("/staff/initiatives/{}/results", y.initiative),
            None,
            Some(&[("csrf", "x"), ("performance", "x")]),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::FORBIDDEN);
    for who in [&y.head, &y.admin] {
        assert_eq!(
            y.record(who, &[(actual.as_str(), "1"), ("performance", "実施")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
    }
}

#[tokio::test]
async fn only_the_head_overrides_a_status_and_only_with_a_reason() {
    let y = year().await;
    let actual = format!("actual_{}", y.criterion);

    let by_chief = y
        .record(
            &y.chief,
            &[
                (actual.as_str(), "1"),
                ("status_override", "achieved"),
                ("override_reason", "実質達成"),
            ],
        )
        .await;
    let no_reason = y
        .record(
            &y.head,
            &[
                (actual.as_str(), "1"),
                ("status_override", "started"),
                ("override_reason", ""),
            ],
        )
        .await;
    let nothing_written = y.app.scalar("SELECT count(*) FROM initiative_result").await;
    let with_reason = y
        .record(
            &y.head,
            &[
                (actual.as_str(), "1"),
                ("status_override", "started"),
                ("override_reason", "国の仕様変更で移行が遅れたため"),
            ],
        )
        .await;
    let report = y
        .app
        .send(
            "GET",
            &format!("/staff/departments/{}/results", y.department),
            Some(&y.head),
            None,
        )
        .await;

    assert_eq!(by_chief.status, StatusCode::FORBIDDEN);
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reason
            .body
            .contains("判定を変更する理由を入力してください。")
    );
    assert_eq!(nothing_written, 0);
    assert_eq!(with_reason.status, StatusCode::SEE_OTHER);
    let kept: (String, String) = sqlx::query_as(
        "SELECT status_override, override_reason FROM initiative_result WHERE initiative_id = $1",
    )
    .bind(y.initiative)
    .fetch_one(&y.app.pool)
    .await
    .unwrap();
    assert_eq!(
        kept,
        ("started".into(), "国の仕様変更で移行が遅れたため".into())
    );
    let row = report
        .body
        .split(&format!("id=\"initiative-{}\"", y.initiative))
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(
        row.contains("△</span>着手") && row.contains("部長判定"),
        "{row}"
    );
}

#[tokio::test]
async fn bad_results_come_back_with_messages_and_conflicts_do_not_overwrite() {
    let y = year().await;
    let actual = format!("actual_{}", y.criterion);
    let na = format!("na_{}", y.criterion);

    let not_a_number = y
        .record(
            &y.chief,
            &[(actual.as_str(), "たくさん"), ("performance", "移行作業")],
        )
        .await;
    let na_without_reason = y
        .record(&y.chief, &[(na.as_str(), "1"), ("performance", "移行作業")])
        .await;
    assert_eq!(not_a_number.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        not_a_number
            .body
            .contains("の実績値は数値で入力してください")
            && not_a_number.body.contains("value=\"たくさん\"")
            && not_a_number.body.contains("移行作業")
    );
    assert_eq!(na_without_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        na_without_reason
            .body
            .contains("を対象外にする理由を入力してください。")
    );
    assert_eq!(
        y.app.scalar("SELECT count(*) FROM initiative_result").await,
        0
    );
    assert_eq!(
        y.app.scalar("SELECT count(*) FROM criterion_result").await,
        0
    );

    // Two people opened the empty form; the second save must not overwrite the first.
    let uri = format!("/staff/initiatives/{}/results", y.initiative);
    let first = y
        .app
        .send(
            "POST",
            &uri,
            Some(&y.chief),
            Some(&[("version", "0"), ("performance", "課長の実績")]),
        )
        .await;
    let second = y
        .app
        .send(
            "POST",
            &uri,
            Some(&y.head),
            Some(&[("version", "0"), ("performance", "部長の実績")]),
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(second.body.contains("部長の実績"), "the typed text is kept");
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT performance FROM initiative_result WHERE initiative_id = $1")
            .bind(y.initiative)
            .fetch_one(&y.app.pool)
            .await
            .unwrap();
    assert_eq!(stored, vec!["課長の実績"]);
}

#[tokio::test]
async fn planning_staff_see_which_results_are_missing() {
    let y = year().await;
    let before = y
        .app
        .send(
            "GET",
            "/staff/admin/years/2026/progress",
            Some(&y.admin),
            None,
        )
        .await;
    y.record(&y.chief, &[("performance", "移行作業を実施")])
        .await;

    let after = y
        .app
        .send(
            "GET",
            "/staff/admin/years/2026/progress",
            Some(&y.admin),
            None,
        )
        .await;
    let for_head = y
        .app
        .send(
            "GET",
            "/staff/admin/years/2026/progress",
            Some(&y.head),
            None,
        )
        .await;

    assert!(
        text_of(&before.body)
            .contains("取組内容 116件のうち、実績・成果の入力済み 0件、未入力 116件。")
    );
    let text = text_of(&after.body);
    assert!(text.contains("入力済み 1件、未入力 115件"), "{text}");
    assert!(text.contains("情報政策課 1／3"), "{text}");
    let still_missing = y.app.scalar(&format!("SELECT id FROM initiative WHERE goal_id = (SELECT goal_id FROM initiative WHERE id = {}) AND position = 4", y.initiative)).await;
    assert!(
        after.body.contains(&format!(
            "href=\"/staff/initiatives/{still_missing}/results\""
        )),
        "missing rows link to their forms"
    );
    assert!(
        !after.body.contains(&format!(
            "href=\"/staff/initiatives/{}/results\"",
            y.initiative
        )),
        "the recorded one is not listed as missing"
    );
    assert_eq!(for_head.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn published_results_show_in_the_report_the_heads_page_and_the_summary() {
    let y = year().await;
    for uri in [
        "/kariya/2026/results",
        "/kariya/2026/heads",
        "/kariya/2026/summary",
        "/kariya/2026/results/kikaku-zaisei",
    ] {
        assert_eq!(
            y.app.get(uri).await.0,
            StatusCode::NOT_FOUND,
            "{uri} before publication"
        );
    }
    let actual = format!("actual_{}", y.criterion);
    assert_eq!(
        y.record(
            &y.chief,
            &[
                (actual.as_str(), "2"),
                ("performance", "住民記録システムの移行\n税務システムの移行"),
                ("outcome", "2業務を移行しました。")
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let goal = y
        .app
        .scalar(&format!(
            "SELECT goal_id FROM initiative WHERE id = {}",
            y.initiative
        ))
        .await;
    let other = y
        .app
        .scalar(&format!(
            "SELECT id FROM initiative WHERE goal_id = {goal} AND position = 1"
        ))
        .await;
    let judged = y
        .app
        .send(
            "POST",
            &format!("/staff/initiatives/{other}/results"),
            Some(&y.head),
            Some(&[
                ("version", "0"),
                ("performance", "実証実験の実施 2件"),
                ("status_override", "started"),
                ("override_reason", "実験1件が次年度に延期"),
            ]),
        )
        .await;
    assert_eq!(judged.status, StatusCode::SEE_OTHER, "{}", judged.body);
    let goal_status = y
        .app
        .send(
            "POST",
            &format!("/staff/goals/{goal}/status"),
            Some(&y.head),
            Some(&[
                ("version", "0"),
                ("status_override", "partly_achieved"),
                ("override_reason", "一部の取組が次年度に継続"),
            ]),
        )
        .await;
    assert_eq!(
        goal_status.status,
        StatusCode::SEE_OTHER,
        "{}",
        goal_status.body
    );
    let profile = y
        .app
        .send(
            "POST",
            &format!("/staff/departments/{}/profile", y.department),
            Some(&y.head),
            Some(&[
                ("version", "0"),
                ("head_name", "刈谷 太郎"),
                ("head_name_kana", "かりや たろう"),
                ("basic_policy", "DXで市民サービスを向上！"),
                ("duties", "企画政策課、財務課ほか5課で構成されます。"),
                (
                    "summary",
                    "おおむね達成しました。\n\n残る課題は次年度に取り組みます。",
                ),
            ]),
        )
        .await;
    assert_eq!(profile.status, StatusCode::SEE_OTHER, "{}", profile.body);
    let flow = format!("/staff/departments/{}/workflow", y.department);
    for (who, action) in [
        (&y.chief, "submit"),
        (&y.head, "approve"),
        (&y.admin, "publish"),
    ] {
        let r = y
            .app
            .send(
                "POST",
                &flow,
                Some(who),
                Some(&[("action", action), ("kind", "results")]),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}");
    }

    let (_, contents) = y.app.get("/kariya/2026/results").await;
    let (status, report) = y.app.get("/kariya/2026/results/kikaku-zaisei").await;
    let (_, heads) = y.app.get("/kariya/2026/heads").await;
    let (_, summary) = y.app.get("/kariya/2026/summary").await;
    let (_, booklet) = y.app.get("/kariya/2026").await;
    let (_, results_booklet) = y.app.get("/kariya/2026/results").await;

    assert!(
        contents.contains("/kariya/2026/results/kikaku-zaisei")
            && !contents.contains("/kariya/2026/results/somu"),
        "only published departments"
    );
    assert_eq!(status, StatusCode::OK);
    assert!(text_of(&report).contains("企画財政部 令和8年度組織重点目標（実績・成果）"));
    let row = report
        .split(&format!("id=\"initiative-{}\"", y.initiative))
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(
        row.contains("<li>住民記録システムの移行</li><li>税務システムの移行</li>")
            && row.contains("<p>2業務を移行しました。</p>")
            && row.contains("◎</span>達成"),
        "{row}"
    );
    assert!(
        !report.contains("実績を入力"),
        "no staff links for citizens"
    );
    assert!(heads.contains("<ruby>刈谷 太郎<rp>（</rp><rt>かりや たろう</rt><rp>）</rp></ruby>"));
    let heads_text = text_of(&heads);
    assert!(
        heads_text
            .contains("1 DXの推進による行政の効率化と市民サービスの向上を図ります。 ○一部達成"),
        "{heads_text}"
    );
    assert!(
        heads_text.contains("基本方針 DXで市民サービスを向上！")
            && heads_text.contains("総括 おおむね達成しました。 残る課題は次年度に取り組みます。")
    );
    let summary_text = text_of(&summary);
    // 企画財政部: ⑤ 達成, ① 着手 (judged by the head), the other 7 not judged yet → 1 of 2 judged achieved.
    assert!(
        summary_text.contains("企画財政部 1 0 0 1 0 0 7 9 50%"),
        "{summary_text}"
    );
    assert!(
        summary.contains("<svg")
            && summary.contains("role=\"img\"")
            && summary.contains("<figcaption>")
    );
    assert!(
        booklet.contains("/kariya/2026/results\""),
        "the booklet leads to the results"
    );
    assert!(results_booklet.contains("/kariya/2026/heads"));
    assert!(results_booklet.contains("/kariya/2026/summary"));

    // Later edits do not move the published results until they are published again.
    let again = y
        .record(
            &y.head,
            &[
                (actual.as_str(), "2"),
                ("performance", "差し替えた実績"),
                ("outcome", ""),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let (_, after_edit) = y.app.get("/kariya/2026/results/kikaku-zaisei").await;
    assert_eq!(after_edit, report);
    assert!(!after_edit.contains("差し替えた実績"));
    let diff = text_of(
        &y.app
            .send(
                "GET",
                &format!("/staff/departments/{}/diff?kind=results", y.department),
                Some(&y.admin),
                None,
            )
            .await
            .body,
    );
    assert!(
        diff.contains("［追加］ 実績：差し替えた実績")
            && diff.contains("［削除］ 実績：住民記録システムの移行"),
        "{diff}"
    );

    // Search reaches published 実績 and 成果, filters by status, and never sees the draft edit.
    let count = |html: &str| {
        text_of(html)
            .split("検索結果：")
            .nth(1)
            .and_then(|t| t.split('件').next())
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap()
    };
    let (_, found) = y
        .app
        .get("/kariya/search?q=%E4%BD%8F%E6%B0%91%E8%A8%98%E9%8C%B2")
        .await; // 住民記録
    assert!(
        found.contains(&format!(
            "/kariya/2026/results/kikaku-zaisei#initiative-{}",
            y.initiative
        )) && found.contains("実績"),
        "{}",
        text_of(&found)
    );
    let (_, achieved) = y
        .app
        .get("/kariya/search?q=%E6%A8%99%E6%BA%96%E5%8C%96&status=achieved")
        .await; // 標準化
    let (_, failed) = y
        .app
        .get("/kariya/search?q=%E6%A8%99%E6%BA%96%E5%8C%96&status=not_achieved")
        .await;
    let (_, draft) = y
        .app
        .get("/kariya/search?q=%E5%B7%AE%E3%81%97%E6%9B%BF%E3%81%88")
        .await; // 差し替え
    assert!(count(&achieved) >= 1 && achieved.contains("<mark>標準化</mark>"));
    assert_eq!(count(&failed), 0);
    assert_eq!(count(&draft), 0);

    // Open data carries the published results too.
    let json: serde_json::Value =
        serde_json::from_str(&y.app.get("/kariya/2026.json").await.1).unwrap();
    let dept = &json["departments"][0];
    assert_eq!(dept["results_version"], 1);
    let fifth = &dept["goals"][0]["initiatives"][4];
    assert_eq!(fifth["status"], "achieved");
    assert_eq!(
        fifth["performance"],
        serde_json::json!(["住民記録システムの移行", "税務システムの移行"])
    );
    assert_eq!(dept["goals"][0]["status"], "partly_achieved");
    assert_eq!(
        json["departments"][1]["results_version"],
        serde_json::Value::Null
    );
    let (_, csv) = y.app.get("/kariya/2026.csv").await;
    assert!(
        csv.contains(
            ",達成,住民記録システムの移行 / 税務システムの移行,2業務を移行しました。,,\r\n"
        ),
        "results columns in the CSV"
    );
}

#[tokio::test]
async fn outcome_bullets_show_as_a_list_and_prose_as_paragraphs() {
    let y = year().await;
    let reply = y
        .record(
            &y.chief,
            &[(
                "outcome",
                "次の成果がありました。\r\n・申請書を3種類統合\r\n・電子申請を20手続に拡大\r\n\r\n引き続き取り組みます。",
            )],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    let report = y
        .app
        .send(
            "GET",
            &format!("/staff/departments/{}/results", y.department),
            Some(&y.chief),
            None,
        )
        .await;

    assert!(report.body.contains("<p>次の成果がありました。</p><ul class=\"criteria\"><li>申請書を3種類統合</li><li>電子申請を20手続に拡大</li></ul><p>引き続き取り組みます。</p>"), "{}", report.body);
    assert!(
        !report.body.contains("<p>・"),
        "no literal bullet paragraphs"
    );
}
