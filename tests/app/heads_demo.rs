//! The fourth demo city, サンプル市: the 令和6年度 部長目標 結果発表 document reproduced on the
//! heads' page item by item, checked against the source text itself.

use crate::helpers::{TestApp, text_of};
use axum::http::StatusCode;

/// The source document with its markup removed and its whitespace folded.
fn source() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/sources/002_29cd164df773748c.txt"
    );
    let text = std::fs::read_to_string(path).expect("the source document is in docs/sources");
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            _ if in_tag => {}
            _ => plain.push(c),
        }
    }
    fold(&plain.replace("**", "").replace("- ", " "))
}

fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Each department section of the heads page: (name, text of the section).
fn sections(html: &str) -> Vec<(String, String, Vec<String>)> {
    html.split("<section class=\"head-card\"")
        .skip(1)
        .map(|chunk| {
            let chunk = &chunk[..chunk.find("</section>").unwrap()];
            let name = text_of(&chunk[chunk.find("<h2").unwrap()..chunk.find("</h2>").unwrap()]);
            let goals = chunk
                .split("<li>")
                .skip(1)
                .map(|li| text_of(&li[..li.find("</li>").unwrap()]))
                .collect();
            (name, text_of(chunk), goals)
        })
        .collect()
}

#[tokio::test]
async fn the_heads_page_holds_every_goal_and_result_of_the_document_in_its_order() {
    let app = TestApp::with_demo().await;
    let source = source();

    let (status, html) = app.get("/sample/2024/heads").await;

    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("市名の記載のない公表資料"),
        "the page says where it comes from"
    );
    let sections = sections(&html);
    assert_eq!(sections.len(), 8, "eight departments");
    let mut last_department = 0;
    let mut goals = 0;
    for (name, text, items) in &sections {
        // Departments in the document's order (its headings space their letters).
        let spaced: String = name.chars().map(|c| format!("{c} ")).collect();
        let at = source
            .find(&format!("{name}長"))
            .or_else(|| source.find(spaced.trim()))
            .unwrap_or_else(|| panic!("{name} is in the document"));
        assert!(
            at >= last_department,
            "{name} comes in the document's order"
        );
        last_department = at;
        // Each goal with its result word(s), as printed, in order.
        let mut last_goal = at;
        for item in items {
            // "1 イベントの見直し…！ ◎達成" → text and result (after the status symbol).
            let item = item.trim_start_matches(|c: char| c.is_ascii_digit()).trim();
            let at = item
                .rfind(['◎', '○', '×', '△', '－'])
                .expect("a status symbol");
            let goal_text = item[..at].trim();
            let result = item[at..].chars().skip(1).collect::<String>();
            let printed = format!("{goal_text} {}", result.trim());
            let found = source[last_goal..]
                .find(&printed)
                .unwrap_or_else(|| panic!("«{printed}» follows in the document"));
            last_goal += found;
            goals += 1;
        }
        // The head's reading and name, 基本方針, 部の仕事 and 総括 are the document's.
        for part in ["基本方針", "部の仕事", "総括"] {
            assert!(text.contains(part), "{name}: {part}");
        }
        let after = |label: &str, until: &str| -> String {
            let start = text.find(label).unwrap() + label.len();
            let end = text[start..]
                .find(until)
                .map(|e| start + e)
                .unwrap_or(text.len());
            text[start..end].trim().to_owned()
        };
        for (label, until) in [
            ("基本方針", "部の仕事"),
            ("部の仕事", "総括"),
            ("総括", "の実績・成果を詳しく見る"),
        ] {
            let body = after(label, until);
            let body = body.trim_end_matches(name.as_str()).trim();
            assert!(!body.is_empty(), "{name}: {label} is there");
            assert!(
                source.contains(body),
                "{name}: {label} «{body}» is the document's"
            );
        }
    }
    assert_eq!(goals, 47, "every numbered goal");
    assert!(html.contains("かみやま たかし") && html.contains("神山 尚"));
    assert!(
        html.contains("着手 達成"),
        "two words where the document prints two"
    );
}

#[tokio::test]
async fn the_sample_citys_results_are_reachable_and_the_summary_counts_what_was_printed() {
    let app = TestApp::with_demo().await;

    let (city, city_page) = app.get("/sample").await;
    let (summary_status, summary) = app.get("/sample/2024/summary").await;
    let (results_status, _) = app.get("/sample/2024/results").await;
    let (report_status, report) = app.get("/sample/2024/results/kyoiku").await;
    let (search_status, search) = app.get("/sample/search").await;
    let (kariya_search_status, _) = app.get("/kariya/search").await;

    assert_eq!(city, StatusCode::OK);
    assert!(
        city_page.contains("href=\"/sample/2024/results\""),
        "a results-only year links to its results"
    );
    assert_eq!(results_status, StatusCode::OK);
    assert_eq!(summary_status, StatusCode::OK);
    assert_eq!(report_status, StatusCode::OK);
    assert_eq!(
        search_status,
        StatusCode::OK,
        "a city with only results is searchable"
    );
    assert!(
        search.contains("<option value=\"2024\""),
        "its year is offered"
    );
    assert_eq!(kariya_search_status, StatusCode::OK);
    let report = text_of(&report);
    assert!(
        report.contains("学校のDXの強化、ICT環境等の整備を進めます！ ○一部達成"),
        "{report}"
    );
    let text = text_of(&summary);
    // 43 達成, 1 一部達成, 3 未達成 of 47, as the document prints them.
    assert!(
        text.contains("公表した目標 47件"),
        "goals are counted: «{text}»"
    );
    // The total row: 達成 43, 一部達成 1, 未達成 3, 着手 0, 未着手 0, 評価不能 0, 未判定 0, 計 47.
    assert!(text.contains("合計 43 1 3 0 0 0 0 47 91%"), "«{text}»");
}

#[tokio::test]
async fn nothing_says_undecided_where_the_city_judged_nothing() {
    let app = TestApp::with_demo().await;
    for slug in ["seisaku-keiei", "somu", "shimin-kankyo", "kodomo-mirai"] {
        let (status, html) = app.get(&format!("/sample/2024/results/{slug}")).await;
        assert_eq!(status, StatusCode::OK, "{slug}");
        assert!(
            !html.contains("未判定"),
            "{slug}: no 未判定 badge on a page nobody judged"
        );
        assert!(
            html.contains("status-"),
            "{slug}: the goals' printed results still show"
        );
    }
}
