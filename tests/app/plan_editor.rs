//! The plan editor, tried as a new city would: a city created from the command line builds a
//! small plan in the browser (three levels, items with number and word targets and a ※再掲
//! place), a section chief records a year's actuals, planning staff review and publish the
//! year. Also: bad input kept beside its field, two editors, empty-only removal, authorization.

use crate::helpers::{Reply, Session, TestApp, text_of};
use crate::plan_import::new_city;
use axum::http::StatusCode;

async fn post(app: &TestApp, s: &Session, uri: &str, form: &[(&str, &str)]) -> Reply {
    app.send("POST", uri, Some(s), Some(form)).await
}

fn see_other(r: &Reply) -> String {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text_of(&r.body));
    r.headers["location"].to_str().unwrap().to_owned()
}

async fn node_id(app: &TestApp, title: &str) -> String {
    app.scalar(&format!("SELECT id FROM pillar WHERE title = '{title}'"))
        .await
        .to_string()
}

/// A plan 「試験市行政改革実施計画」 (2026–2028, 視点 → 基本目標 → 施策) with two items.
async fn small_plan(app: &TestApp, s: &Session) {
    let r = post(
        app,
        s,
        "/staff/plans/new",
        &[
            ("slug", "kaikaku"),
            ("name", "試験市行政改革実施計画"),
            ("adopted", "令和8年3月策定"),
            ("first_year", "2026"),
            ("last_year", "2028"),
            ("levels", "視点\n基本目標\n施策"),
            ("item_label", "取組項目"),
        ],
    )
    .await;
    assert_eq!(see_other(&r), "/staff/plans/kaikaku");
    for (title, label, parent) in [
        ("市役所力の向上", "", None),
        ("市民が利用しやすい市役所", "1", Some("市役所力の向上")),
        (
            "窓口サービスの向上",
            "(1)",
            Some("市民が利用しやすい市役所"),
        ),
        ("情報発信の充実", "(2)", Some("市民が利用しやすい市役所")),
    ] {
        let parent = match parent {
            Some(p) => node_id(app, p).await,
            None => String::new(),
        };
        let r = post(
            app,
            s,
            "/staff/plans/kaikaku/nodes/new",
            &[
                ("label", label),
                ("title", title),
                ("description", "説明文"),
                ("parent", &parent),
                ("version", "0"),
            ],
        )
        .await;
        see_other(&r);
    }
    let window = node_id(app, "窓口サービスの向上").await;
    let info = node_id(app, "情報発信の充実").await;
    let r = post(
        app,
        s,
        "/staff/plans/kaikaku/items/new",
        &[
            ("number", "1"),
            ("title", "窓口の待ち時間短縮"),
            ("content", "受付を見直します。"),
            ("node", &window),
            ("restated_node_0", &info),
            ("restated_number_0", "5"),
            ("section", "市民課"),
            ("other_sections", ""),
            ("indicator_count", "2"),
            ("name_0", "平均待ち時間"),
            ("unit_0", "分"),
            ("baseline_0", "R7：15分"),
            ("baseline_year_0", "2025"),
            ("baseline_value_0", "15"),
            ("comparator_0", "at_most"),
            ("target_0_2026", "12"),
            ("target_0_2027", "10"),
            ("target_0_2028", "8"),
            ("name_1", "窓口アンケート"),
            ("unit_1", ""),
            ("comparator_1", "at_least"),
            ("target_1_2026", "検討"),
            ("target_1_2027", "実施"),
            ("target_1_2028", ""),
            ("version", "0"),
        ],
    )
    .await;
    assert_eq!(see_other(&r), "/staff/plans/kaikaku/items/1/edit?saved=1");
    // Ready: citizens may see it.
    let r = post(
        app,
        s,
        "/staff/plans/kaikaku/publication",
        &[("action", "publish")],
    )
    .await;
    see_other(&r);
}

#[tokio::test]
async fn a_new_city_builds_a_plan_in_the_browser_records_a_year_and_publishes_it() {
    let app = TestApp::empty().await;
    new_city(&app, "shiken", "試験市", "999991").await;
    let planner = app.add_staff("shiken", "planner", "admin", None).await;
    let s = app.session_for(planner).await;
    // The year's organization: 市民部 市民課, and its chief.
    see_other(
        &post(
            &app,
            &s,
            "/staff/admin/years",
            &[
                ("year", "2026"),
                ("title", "令和8年度 組織目標"),
                ("tables_title", "各部の組織目標"),
                ("copy_from", ""),
            ],
        )
        .await,
    );
    see_other(
        &post(
            &app,
            &s,
            "/staff/admin/years/2026/departments",
            &[("name", "市民部"), ("slug", "shimin")],
        )
        .await,
    );
    let dept = app
        .scalar("SELECT id FROM department WHERE slug = 'shimin'")
        .await;
    see_other(
        &post(
            &app,
            &s,
            &format!("/staff/admin/departments/{dept}/sections"),
            &[("name", "市民課")],
        )
        .await,
    );
    small_plan(&app, &s).await;

    // The whole plan as entered: three levels, the item in two places, word and number targets.
    let plan = app
        .send("GET", "/staff/plans/kaikaku", Some(&s), None)
        .await;
    assert_eq!(plan.status, StatusCode::OK);
    crate::helpers::assert_in_order(
        &text_of(&plan.body),
        &[
            "市役所力の向上",
            "1 市民が利用しやすい市役所",
            "(1) 窓口サービスの向上",
            "-1 窓口の待ち時間短縮",
            "(2) 情報発信の充実",
            "-5 窓口の待ち時間短縮",
            "（再掲）",
        ],
    );
    let targets: Vec<(i32, String)> = sqlx::query_as("SELECT t.year, t.written FROM plan_target t JOIN plan_indicator x ON x.id = t.indicator_id ORDER BY x.position, t.year").fetch_all(&app.pool).await.unwrap();
    assert_eq!(
        targets,
        [
            (2026, "12"),
            (2027, "10"),
            (2028, "8"),
            (2026, "検討"),
            (2027, "実施"),
            (2028, "—")
        ]
        .map(|(y, t)| (y, t.to_owned()))
    );
    let (status, public) = app.get("/shiken/plans/kaikaku/items/5").await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT, "{public}");
    let (_, public) = app.get("/shiken/plans/kaikaku/items/1").await;
    let public = text_of(&public);
    assert!(
        public.contains("取組項目-5 として再掲") && public.contains("市民課"),
        "{public}"
    );

    // The chief of 市民課 records 令和8年度; another chief may not.
    let chief = app
        .add_staff("shiken", "shimin-kacho", "section_chief", Some("市民課"))
        .await;
    let chief = app.session_for(chief).await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM plan_indicator ORDER BY position")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let fields = [
        ("year", "2026".to_owned()),
        ("note", "受付を2窓口に分けました。".to_owned()),
        ("note_version", "0".to_owned()),
        (&*format!("value_{a}"), "11".to_owned()),
        (&*format!("version_{a}"), "0".to_owned()),
        (&*format!("value_{b}"), "検討した".to_owned()),
        (&*format!("achieved_{b}"), "yes".to_owned()),
        (&*format!("version_{b}"), "0".to_owned()),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.clone()))
    .collect::<Vec<_>>();
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let other = app.add_staff("shiken", "other", "viewer", None).await;
    let other = app.session_for(other).await;
    assert_eq!(
        post(&app, &other, "/staff/plans/kaikaku/items/1", &form)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    see_other(&post(&app, &chief, "/staff/plans/kaikaku/items/1", &form).await);
    assert_eq!(app.scalar("SELECT count(*) FROM plan_actual").await, 2);
    // The chief may not edit the plan itself.
    assert_eq!(
        post(
            &app,
            &chief,
            "/staff/plans/kaikaku/items/1/edit",
            &[("title", "x")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // Publishing needs the review; then the year is public with its date and frozen.
    let today = mokuhyo::domain::clock::today().to_string();
    let early = post(
        &app,
        &s,
        "/staff/plans/kaikaku/years/2026/publish",
        &[("published_on", &today)],
    )
    .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&early.body).contains("評価済みにしてから公表してください"));
    let published = crate::plans::publish_plan_year(&app, &s, "kaikaku", 2026).await;
    see_other(&published);
    let (status, progress) = app.get("/shiken/plans/kaikaku/progress/2026").await;
    assert_eq!(status, StatusCode::OK);
    let progress = text_of(&progress);
    assert!(
        progress.contains("公表") && progress.contains("◎達成"),
        "{progress}"
    );
    let (_, item) = app.get("/shiken/plans/kaikaku/items/1").await;
    assert!(
        text_of(&item).contains("受付を2窓口に分けました。"),
        "the 実績 note is public once published"
    );
    let late = post(&app, &chief, "/staff/plans/kaikaku/items/1", &form).await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&late.body).contains("公表済み"));
    let undo = post(
        &app,
        &s,
        "/staff/plans/kaikaku/years/2026/review",
        &[("undo", "1")],
    )
    .await;
    assert_eq!(
        undo.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a published year's review stays"
    );
}

#[tokio::test]
async fn bad_input_is_kept_beside_its_field_and_nothing_is_written() {
    let app = TestApp::empty().await;
    new_city(&app, "shiken", "試験市", "999991").await;
    let planner = app.add_staff("shiken", "planner", "admin", None).await;
    let s = app.session_for(planner).await;
    let r = post(
        &app,
        &s,
        "/staff/plans/new",
        &[
            ("slug", "Bad Slug"),
            ("name", "<b>計画</b>"),
            ("first_year", "2030"),
            ("last_year", "2026"),
            ("levels", ""),
            ("item_label", "取組項目"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = text_of(&r.body);
    for m in [
        "半角の英小文字",
        "最後の年度は最初の年度と同じか",
        "階層の名前を1行に1つ",
    ] {
        assert!(text.contains(m), "{m}: {text}");
    }
    assert!(
        r.body.contains("&lt;b&gt;計画&lt;/b&gt;") || r.body.contains("&#60;b&#62;計画"),
        "typed text kept, escaped"
    );
    assert!(!r.body.contains("<b>計画</b>"));
    assert_eq!(
        app.scalar("SELECT count(*) FROM policy WHERE slug IS NOT NULL")
            .await,
        0
    );
    small_plan(&app, &s).await;
    let before = app.snapshot().await;
    let window = node_id(&app, "窓口サービスの向上").await;
    let r = post(
        &app,
        &s,
        "/staff/plans/kaikaku/items/new",
        &[
            ("number", "5"),
            ("title", ""),
            ("node", &window),
            ("indicator_count", "1"),
            ("name_0", "件数"),
            ("baseline_value_0", "たくさん"),
            ("comparator_0", "at_least"),
            ("target_0_2026", "1"),
            ("version", "0"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = text_of(&r.body);
    assert!(
        text.contains("番号「-5」はほかの取組項目（または再掲）で使われています"),
        "{text}"
    );
    assert!(text.contains("取組項目の名前を入力してください"), "{text}");
    assert!(text.contains("基準値は数値で入力してください"), "{text}");
    assert!(r.body.contains("value=\"たくさん\""));
    // A node with something under it is not removed.
    let top = node_id(&app, "市役所力の向上").await;
    let r = post(
        &app,
        &s,
        &format!("/staff/plans/kaikaku/nodes/{top}/delete"),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(text_of(&r.body).contains("削除できません"));
    // Too deep: a fourth level under 施策.
    let r = post(
        &app,
        &s,
        "/staff/plans/kaikaku/nodes/new",
        &[("title", "事業"), ("parent", &window), ("version", "0")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&r.body).contains("階層は3段まで"));
    assert_eq!(app.snapshot().await, before, "nothing written");
}

#[tokio::test]
async fn two_people_editing_one_item_never_lose_a_change_silently() {
    let app = TestApp::empty().await;
    new_city(&app, "shiken", "試験市", "999991").await;
    let planner = app.add_staff("shiken", "planner", "admin", None).await;
    let s = app.session_for(planner).await;
    small_plan(&app, &s).await;
    let window = node_id(&app, "窓口サービスの向上").await;
    let version = app
        .scalar("SELECT version::bigint FROM plan_item WHERE number = 1")
        .await
        .to_string();
    let edit = |title: &'static str, target: &'static str| {
        let (window, version) = (window.clone(), version.clone());
        async move {
            vec![
                ("number".to_owned(), "1".to_owned()),
                ("title".into(), title.into()),
                ("node".into(), window),
                ("section".into(), "市民課".into()),
                ("indicator_count".into(), "1".into()),
                ("id_0".into(), String::new()),
                ("name_0".into(), "平均待ち時間".into()),
                ("comparator_0".into(), "at_most".into()),
                ("target_0_2026".into(), "12".into()),
                ("target_0_2027".into(), target.into()),
                ("target_0_2028".into(), "8".into()),
                ("version".into(), version),
            ]
        }
    };
    let first = edit("待ち時間の短縮A", "9").await;
    let second = edit("待ち時間の短縮B", "7").await;
    let as_form = |v: &Vec<(String, String)>| {
        v.iter()
            .map(|(a, b)| (a.clone(), b.clone()))
            .collect::<Vec<_>>()
    };
    let f1 = as_form(&first);
    let f1: Vec<(&str, &str)> = f1.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let f2 = as_form(&second);
    let f2: Vec<(&str, &str)> = f2.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    see_other(&post(&app, &s, "/staff/plans/kaikaku/items/1/edit", &f1).await);
    let late = post(&app, &s, "/staff/plans/kaikaku/items/1/edit", &f2).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    let text = text_of(&late.body);
    assert!(
        text.contains("他の人が先にこの取組項目を保存しました") && text.contains("待ち時間の短縮A"),
        "{text}"
    );
    assert!(
        late.body.contains("value=\"待ち時間の短縮B\""),
        "the late editor's text is kept"
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM plan_item WHERE title = '待ち時間の短縮A'")
            .await,
        1
    );
    // The first save revised 令和9年度's target 10 → 9: kept with its date, shown to citizens.
    let revisions: Vec<(String, String)> =
        sqlx::query_as("SELECT before, after FROM plan_target_revision")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(revisions, [("10".to_owned(), "9".to_owned())]);
    let (_, page) = app.get("/shiken/plans/kaikaku/items/1").await;
    assert!(text_of(&page).contains("改定：10 → 9"));
    // The item's history lists the creation and the change.
    let page = app
        .send("GET", "/staff/plans/kaikaku/items/1/edit", Some(&s), None)
        .await;
    let text = text_of(&page.body);
    assert!(
        text.contains("変更の履歴") && text.contains("追加") && text.contains("変更 planner"),
        "{text}"
    );
}

#[tokio::test]
async fn every_editor_route_is_for_the_citys_planning_staff_only() {
    let app = TestApp::with_demo().await;
    let kazo = app.add_staff("kazo", "kazo-planner", "admin", None).await;
    let kazo = app.session_for(kazo).await;
    let node = app.scalar("SELECT min(p.id) FROM pillar p JOIN policy y ON y.id = p.policy_id WHERE y.slug = 'gyosei-keiei-2'").await;
    let viewer = app.add_staff("kazo", "kazo-viewer", "viewer", None).await;
    let viewer = app.session_for(viewer).await;
    let other = app
        .add_staff("kariya", "kariya-planner", "admin", None)
        .await;
    let other = app.session_for(other).await;
    let plan = "/staff/plans/gyosei-keiei-2";
    let gets = [
        "/staff/plans/new".to_owned(),
        plan.to_owned(),
        format!("{plan}/nodes/new"),
        format!("{plan}/nodes/{node}"),
        format!("{plan}/items/new"),
        format!("{plan}/items/1/edit"),
    ];
    let posts = [
        "/staff/plans/new".to_owned(),
        plan.to_owned(),
        format!("{plan}/nodes/new"),
        format!("{plan}/nodes/{node}"),
        format!("{plan}/nodes/{node}/delete"),
        format!("{plan}/nodes/{node}/move"),
        format!("{plan}/items/new"),
        format!("{plan}/items/1/edit"),
        format!("{plan}/items/1/delete"),
        format!("{plan}/years/2016/review"),
        format!("{plan}/years/2016/publish"),
    ];
    let before = app.snapshot().await;
    for uri in &gets {
        assert_eq!(
            app.send("GET", uri, Some(&viewer), None).await.status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
        assert_eq!(
            app.send("GET", uri, Some(&kazo), None).await.status,
            StatusCode::OK,
            "{uri}"
        );
        assert_eq!(
            app.send("GET", uri, None, None).await.status,
            StatusCode::SEE_OTHER,
            "{uri}"
        );
    }
    for uri in &posts {
        assert_eq!(
            post(&app, &viewer, uri, &[("direction", "up")])
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
        let status = post(&app, &other, uri, &[("direction", "up")]).await.status;
        assert!(
            status == StatusCode::NOT_FOUND
                || (uri == "/staff/plans/new" && status == StatusCode::UNPROCESSABLE_ENTITY),
            "{uri}: {status}"
        );
        let forged = app
            .send("POST", uri, Some(&kazo), Some(&[("csrf", "forged")]))
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{uri}");
    }
    assert_eq!(
        app.snapshot().await,
        before,
        "no refused request wrote anything"
    );
}
