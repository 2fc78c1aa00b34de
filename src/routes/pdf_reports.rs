//! The report PDFs: 達成状況のまとめ (`/{city}/{year}/summary.pdf`, with its chart) and a plan
//! year's 取組状況 (`/{city}/plans/{plan}/progress/{year}.pdf`), as their pages show them.

use crate::db::public::{FiscalYear, Municipality};
use crate::domain::era::Eras;
use crate::domain::plan_view::ItemView;
use crate::domain::status::Status;
use crate::domain::summary::{Counts, Figures};
use crate::pdf::report::{Cell, Chart, Report, Table};
use crate::pdf::{Doc, Template};
use crate::routes::pdf::published_label;
use chrono::NaiveDate;

/// A row of counts: the label, each status, 未判定, 計, 達成率.
fn counts_row(label: String, c: &Counts) -> Vec<Cell> {
    let mut row = vec![Cell::head(label)];
    row.extend(c.by_status.iter().map(Cell::number));
    row.push(Cell::number(c.undecided));
    row.push(Cell::number(c.total()));
    row.push(Cell::number(
        c.achieved_rate()
            .map_or("—".to_owned(), |r| format!("{r}%")),
    ));
    row
}

fn counts_table(heading: &str, caption: String, first: &str, rows: Vec<Vec<Cell>>) -> Table {
    let mut header = vec![first.to_owned()];
    header.extend(
        Status::ALL
            .iter()
            .map(|s| format!("{}{}", s.symbol(), s.label())),
    );
    header.extend(["未判定", "計", "達成率"].map(str::to_owned));
    Table {
        heading: heading.to_owned(),
        caption,
        columns: [3.0, 1.2, 1.5, 1.3, 1.2, 1.3, 1.3, 1.2, 1.0, 1.2].to_vec(),
        header,
        rows,
        footer: vec![],
    }
}

/// 達成状況のまとめ as a PDF: the chart, per department (with 合計), per pillar.
pub fn summary_doc(
    eras: &Eras,
    city: &Municipality,
    fy: &FiscalYear,
    figures: &Figures,
    chart: &str,
    (first, last): (NaiveDate, NaiveDate),
) -> Doc {
    let year_label = eras.fiscal_year_label(fy.year);
    let unit = figures.unit;
    let heading = format!("{year_label} 達成状況のまとめ");
    let rows = figures
        .departments
        .iter()
        .map(|d| counts_row(d.label.clone(), &d.counts))
        .collect();
    let mut departments = counts_table(
        "部ごと",
        "部ごとの判定の件数と達成率".to_owned(),
        "部",
        rows,
    );
    departments.footer = counts_row("合計".to_owned(), &figures.total);
    let mut tables = vec![departments];
    let mut notes = vec![];
    if !figures.pillars.is_empty() {
        let rows = figures
            .pillars
            .iter()
            .map(|(n, title, c)| counts_row(format!("({n}) {title}"), c))
            .collect();
        tables.push(counts_table(
            "柱ごと",
            "柱ごとの判定の件数と達成率".to_owned(),
            "柱",
            rows,
        ));
        notes.push(format!(
            "2つの柱に位置づけられた組織目標の{unit}は、両方の柱に数えています。"
        ));
    }
    let report = Report {
        title: format!("{heading}（{}）", city.name),
        city: city.name.clone(),
        published: published_label(eras, first, last),
        landscape: false,
        context: format!("{} {year_label}{}", city.name, fy.tables_title),
        heading,
        paragraphs: vec![format!(
            "公表した{unit} {}件の判定の内訳です（達成率は判定済みの{unit}に占める「達成」の割合。評価不能は除きます）。",
            figures.total.total()
        )],
        chart: Some(Chart {
            svg: chart.to_owned(),
            alt: format!(
                "{year_label} 部ごとの{unit}の達成状況を示す横棒グラフ。数値は次の表のとおりです。"
            ),
            caption: format!("部ごとの{unit}の達成状況（件数）。同じ数値を下の表に示します。"),
        }),
        tables,
        notes,
    };
    Doc {
        template: Template::Report,
        data: report.data(),
        ident: format!("/{}/{}/summary.pdf", city.slug, fy.year),
        file: format!("{}-{}-summary.pdf", city.slug, fy.year),
    }
}

/// What a plan year's progress PDF is made from.
pub struct PlanYear<'a> {
    pub city: &'a Municipality,
    pub plan_slug: &'a str,
    pub plan_name: &'a str,
    /// 施策, 取組項目…
    pub item_label: &'a str,
    pub year: i32,
    /// 「令和8年度（3年目）」.
    pub year_label: &'a str,
    pub items: &'a [ItemView],
    pub published_on: NaiveDate,
}

/// One item's rows: the item (over its indicators' rows), each indicator's 目標, 実績 and
/// 判定, and the item's 判定.
fn item_rows(item: &ItemView, year: i32, item_label: &str) -> Vec<Vec<Cell>> {
    let n = item.indicators.len();
    let status = if !item.has_target_in(year) {
        "目標なし".to_owned()
    } else {
        item.status_in(year).map_or("未判定".to_owned(), |s| {
            format!("{}{}", s.symbol(), s.label())
        })
    };
    item.indicators
        .iter()
        .enumerate()
        .map(|(i, ind)| {
            let label = format!("{item_label}-{} {}", item.number, item.title);
            let mut row = vec![Cell::head(label).over(i, n), Cell::text(&ind.name)];
            match ind.years.iter().find(|y| y.year == year) {
                Some(y) => row.extend([
                    Cell::text(&y.target),
                    Cell::text(y.actual.clone().unwrap_or("－".to_owned())),
                    Cell::text(format!("{}{}", y.judgment.symbol(), y.judgment.label())),
                ]),
                None => row.extend([Cell::text("—"), Cell::text("－"), Cell::text("")]),
            }
            row.push(Cell::text(status.clone()).over(i, n));
            row
        })
        .collect()
}

/// A plan year's 取組状況 as a PDF (A4 landscape): the counts, then every item.
pub fn plan_year_doc(eras: &Eras, p: &PlanYear<'_>) -> Doc {
    let label = p.item_label;
    let judged: Vec<&ItemView> = p.items.iter().filter(|i| i.has_target_in(p.year)).collect();
    let statuses: Vec<Option<Status>> = judged.iter().map(|i| i.status_in(p.year)).collect();
    let mut header = vec![];
    let mut counts = vec![];
    for s in [
        Status::Achieved,
        Status::PartlyAchieved,
        Status::NotAchieved,
    ] {
        header.push(format!("{}{}", s.symbol(), s.label()));
        let n = statuses.iter().filter(|x| **x == Some(s)).count();
        counts.push(Cell::number(format!("{n}件")));
    }
    header.push("未判定".to_owned());
    let undecided = statuses.iter().filter(|x| x.is_none()).count();
    counts.push(Cell::number(format!("{undecided}件")));
    let summary = Table {
        heading: String::new(),
        caption: format!("この年度に目標のある{label}の判定（{}件）", judged.len()),
        columns: vec![1.0; 4],
        header,
        rows: vec![counts],
        footer: vec![],
    };
    let items = Table {
        heading: format!("{label}ごとの目標と実績"),
        caption: format!("{}の{label}ごとの目標と実績", p.year_label),
        columns: vec![4.0, 4.0, 2.0, 2.0, 1.5, 1.5],
        header: [
            label,
            "目標値等",
            "目標",
            "実績",
            "判定",
            &format!("{label}の判定"),
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: p
            .items
            .iter()
            .flat_map(|i| item_rows(i, p.year, label))
            .collect(),
        footer: vec![],
    };
    let without = p.items.len() - judged.len();
    let heading = format!("{}の取組状況", p.year_label);
    let report = Report {
        title: format!("{heading}（{}・{}）", p.plan_name, p.city.name),
        city: p.city.name.clone(),
        published: format!("{}公表", eras.date_label(p.published_on)),
        landscape: true,
        context: format!("{} {}", p.city.name, p.plan_name),
        heading,
        paragraphs: vec![],
        chart: None,
        tables: vec![summary, items],
        notes: (without > 0)
            .then(|| {
                format!(
                    "この年度に目標のない（「—」の）{label}が{without}件あります（判定しません）。"
                )
            })
            .into_iter()
            .collect(),
    };
    let (city, plan, year) = (&p.city.slug, p.plan_slug, p.year);
    Doc {
        template: Template::Report,
        data: report.data(),
        ident: format!("/{city}/plans/{plan}/progress/{year}.pdf"),
        file: format!("{city}-{plan}-{year}.pdf"),
    }
}

/// `GET /{city}/{year}/summary.pdf`.
pub async fn summary(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    crate::routes::paths::CityYear { city, year }: crate::routes::paths::CityYear,
) -> crate::error::Result<axum::response::Response> {
    let data = crate::routes::results_public::SummaryData::load(&state, &city, year).await?;
    crate::routes::pdf::serve(data.doc(&state.eras)).await
}

/// A department's published mid-year report as a PDF (A4 landscape): the head's comment and
/// the progress counts, then one table per pillar group (組織目標 written once over its
/// initiatives, with the head's comment on it).
pub fn midyear_doc(
    eras: &Eras,
    city: &Municipality,
    fy: &FiscalYear,
    slug: &str,
    sheet: &crate::domain::midyear::MidyearSheet,
    (first, last): (NaiveDate, NaiveDate),
) -> Doc {
    let year_label = eras.fiscal_year_label(fy.year);
    let as_of = crate::domain::midyear::as_of_label(eras, sheet.as_of);
    let heading = format!("{} {year_label}中間報告（{as_of}）", sheet.department_name);
    let mut paragraphs: Vec<String> = sheet
        .comment
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("部長のコメント：{p}"))
        .collect();
    let counts: Vec<String> = sheet
        .progress_counts()
        .into_iter()
        .map(|(w, n)| format!("{w} {n}件"))
        .collect();
    paragraphs.push(format!("進捗状況：{}", counts.join("・")));
    let header = [
        "組織目標",
        "取組内容",
        "課等",
        "上半期の取組状況",
        "進捗状況",
        "下期に向けた課題・対応",
    ];
    let tables = sheet
        .groups
        .iter()
        .map(|group| {
            let pillars: Vec<String> = group
                .pillars
                .iter()
                .map(|p| format!("({}) {}", p.number, p.title))
                .collect();
            Table {
                heading: pillars.join("\n"),
                caption: "組織目標と上半期の取組状況".to_owned(),
                columns: vec![3.0, 3.5, 1.3, 3.5, 1.2, 3.5],
                header: header.map(str::to_owned).to_vec(),
                rows: group.goals.iter().flat_map(midyear_rows).collect(),
                footer: vec![],
            }
        })
        .collect();
    let report = Report {
        title: format!("{heading}（{}）", city.name),
        city: city.name.clone(),
        published: published_label(eras, first, last),
        landscape: true,
        context: format!("{year_label}{}", fy.title),
        heading,
        paragraphs,
        chart: None,
        tables,
        notes: vec![],
    };
    Doc {
        template: Template::Report,
        data: report.data(),
        ident: format!("/{}/{}/midyear/{slug}.pdf", city.slug, fy.year),
        file: format!("{}-{}-{slug}-midyear.pdf", city.slug, fy.year),
    }
}

/// A goal's rows: its cell (with the head's comment) over its initiatives.
fn midyear_rows(goal: &crate::domain::midyear::MidyearGoal) -> Vec<Vec<Cell>> {
    let mut text = goal.text.clone();
    if !goal.comment.is_empty() {
        text.push_str(&format!("\n部長コメント：{}", goal.comment));
    }
    if goal.initiatives.is_empty() {
        let mut row = vec![Cell::head(text)];
        row.extend((0..5).map(|_| Cell::text("")));
        return vec![row];
    }
    let n = goal.initiatives.len();
    goal.initiatives
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let items: Vec<String> = i.performance.iter().map(|p| format!("・{p}")).collect();
            vec![
                Cell::head(text.clone()).over(k, n),
                Cell::text(format!("{}{}", i.number, i.text)),
                Cell::text(i.sections.join("\n")),
                Cell::text(items.join("\n")),
                Cell::text(i.progress.clone().unwrap_or_default()),
                Cell::text(i.issues.join("\n")),
            ]
        })
        .collect()
}
