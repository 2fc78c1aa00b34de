//! The PDF a city puts on its website: a department's published targets, or the whole year
//! as a booklet, typeset by the `typst` compiler used as a library into a tagged PDF/UA-1
//! document (title and language `ja`, headings, tables with header cells, lists, links), the
//! shipped font embedded as a subset. The template (`templates/pdf/year.typ`) reads the
//! publication as JSON, so nothing a city typed is ever read as markup.
//!
//! Typesetting takes a core and some tens of MB for a few hundred milliseconds: one PDF at a
//! time per server, on a blocking thread, and the typesetter's memo is trimmed after each;
//! each document is made once (`made`).

mod made;
pub mod report;
mod world;

pub use made::{Doc, link_label, render, size, size_label};

use crate::domain::sheet::{ResultsSheet, TargetSheet, outcome_blocks};
use serde_json::{Value, json};
use typst::foundations::Smart;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

static TEMPLATE: &str = include_str!("../../templates/pdf/year.typ");
static HEADS: &str = include_str!("../../templates/pdf/heads.typ");
static REPORT: &str = include_str!("../../templates/pdf/report.typ");

/// Which template a document is set in.
#[derive(Debug, Clone, Copy)]
pub enum Template {
    /// Department tables, one or the year's booklet (A4 landscape).
    Year,
    /// 部長目標 結果発表 (A4 portrait).
    Heads,
    /// A report of tables ([`report::Report`]).
    Report,
}

impl Template {
    fn source(self) -> &'static str {
        match self {
            Template::Year => TEMPLATE,
            Template::Heads => HEADS,
            Template::Report => REPORT,
        }
    }
}

/// What every page of a PDF says, and its document title.
pub struct Cover {
    /// The document title (「企画財政部 令和8年度組織重点目標（刈谷市）」).
    pub title: String,
    pub city: String,
    /// 「令和8年6月1日公表」.
    pub published: String,
    /// `target_table` or `deployment_table`.
    pub layout: String,
}

/// One department's part: its heading, the line above its tables, and its sheet.
pub struct Part<'a> {
    pub heading: String,
    pub context: String,
    /// A deployment table's header line (作成日・職名・氏名), where recorded.
    pub header: Option<String>,
    pub sheet: &'a TargetSheet,
}

/// The booklet's own pages.
pub struct Booklet {
    pub cover_title: String,
    /// (heading, paragraphs) of はじめに.
    pub introduction: Vec<(String, Vec<String>)>,
    pub pillars_title: String,
    pub pillars: Vec<String>,
}

/// 「(1) 市民から信頼され…」 for each pillar heading a group.
fn pillar_headings(pillars: &[crate::domain::sheet::PillarHeading]) -> Vec<String> {
    pillars
        .iter()
        .map(|p| format!("({}) {}", p.number, p.title))
        .collect()
}

fn part(p: &Part<'_>) -> Value {
    let mut number = 0;
    let groups: Vec<Value> = p
        .sheet
        .groups
        .iter()
        .map(|g| {
            let goals: Vec<Value> = g
                .goals
                .iter()
                .map(|goal| {
                    number += 1;
                    let initiatives: Vec<Value> = goal
                        .initiatives
                        .iter()
                        .map(|i| {
                            json!({
                                "number": i.number, "text": i.text, "lines": i.lines(),
                                "sections": i.sections, "criteria": i.criteria,
                                "deadline": i.deadline.clone().unwrap_or_default(),
                            })
                        })
                        .collect();
                    // A goal carried from last year says so, as on the page.
                    let text = if goal.carried {
                        format!("{}\n（前年度から継続）", goal.text)
                    } else {
                        goal.text.clone()
                    };
                    json!({
                        "number": number.to_string(), "text": text,
                        "category": goal.category.clone().unwrap_or_default(),
                        "initiatives": initiatives,
                    })
                })
                .collect();
            json!({ "pillars": pillar_headings(&g.pillars), "goals": goals })
        })
        .collect();
    json!({
        "heading": p.heading, "context": p.context, "header": p.header, "groups": groups,
        "review": p.sheet.review,
    })
}

/// A status word with the reason for 評価不能, where given: 「評価不能（理由）」.
fn with_reason(label: String, reason: Option<&str>) -> String {
    match reason {
        Some(why) => format!("{label}（{why}）"),
        None => label,
    }
}

/// A department's published results: the same shape as [`part`], with 実績, 成果 and the
/// status words (set `Cover::layout` to `results`).
pub fn results_part(heading: &str, context: &str, sheet: &ResultsSheet) -> Value {
    let label = |status: Option<crate::domain::status::Status>, printed: Option<&String>| {
        printed
            .cloned()
            .or(status.map(|s| s.label().to_owned()))
            .unwrap_or_default()
    };
    let groups: Vec<Value> = sheet
        .groups
        .iter()
        .map(|g| {
            let goals: Vec<Value> = g
                .goals
                .iter()
                .map(|goal| {
                    let initiatives: Vec<Value> = goal
                        .initiatives
                        .iter()
                        .map(|i| {
                            let outcome: Vec<Value> = outcome_blocks(&i.outcome)
                                .into_iter()
                                .map(|b| json!({ "list": b.list, "items": b.items }))
                                .collect();
                            json!({
                                "number": i.number, "text": i.text, "sections": i.sections,
                                "performance": i.performance, "outcome": outcome,
                                "status": with_reason(label(i.status, None), i.unassessable_reason()),
                            })
                        })
                        .collect();
                    json!({
                        "text": goal.text, "initiatives": initiatives,
                        "status": with_reason(
                            label(goal.status, goal.status_label.as_ref()),
                            goal.unassessable_reason(),
                        ),
                    })
                })
                .collect();
            json!({ "pillars": pillar_headings(&g.pillars), "goals": goals })
        })
        .collect();
    json!({
        "heading": heading, "context": context, "header": null, "groups": groups,
        "outside": sheet.outside,
    })
}

/// The data the template reads: one department, or (with `booklet`) the whole year.
pub fn data(cover: &Cover, parts: &[Part<'_>], booklet: Option<&Booklet>) -> Value {
    let parts: Vec<Value> = parts.iter().map(part).collect();
    data_of(cover, parts, booklet)
}

/// [`data`] for parts already built (results: [`results_part`]).
pub fn data_of(cover: &Cover, parts: Vec<Value>, booklet: Option<&Booklet>) -> Value {
    let booklet = booklet.map(|b| {
        let introduction: Vec<Value> = b
            .introduction
            .iter()
            .map(|(heading, paragraphs)| json!({ "heading": heading, "paragraphs": paragraphs }))
            .collect();
        json!({
            "cover_title": b.cover_title, "introduction": introduction,
            "pillars_title": b.pillars_title, "pillars": b.pillars,
        })
    });
    json!({
        "title": cover.title, "city": cover.city, "published": cover.published,
        "layout": cover.layout,
        "departments": parts,
        "booklet": booklet,
    })
}

fn messages(diagnostics: &[typst::diag::SourceDiagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| d.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Typesets `data` into a tagged PDF/UA-1 document; `ident` names it stably (its path).
pub fn typeset(template: Template, data: &Value, ident: &str) -> Result<Vec<u8>, String> {
    let json = serde_json::to_vec(data).map_err(|e| e.to_string())?;
    let document = world::Document::new(template.source(), json);
    let compiled = typst::compile::<typst_layout::PagedDocument>(&document).output;
    let paged = compiled.map_err(|e| messages(e.as_slice()))?;
    let options = |standards: PdfStandards| PdfOptions {
        ident: Smart::Custom(ident.to_owned()),
        creator: Smart::Custom(Some("Mokuhyo".to_owned())),
        timestamp: None,
        page_ranges: None,
        standards,
        tagged: true,
        pretty: false,
    };
    let ua = PdfStandards::new(&[PdfStandard::Ua_1]).map_err(|e| e.message().to_string())?;
    let pdf = typst_pdf::pdf(&paged, &options(ua)).or_else(|e| {
        // A character no font here has (PDF/UA forbids showing it as a blank box): the PDF
        // is still made, tagged but not declared PDF/UA, and the log says what to install.
        tracing::warn!(
            document = ident,
            problem = messages(e.as_slice()),
            "PDF made without PDF/UA; install a font with every character (e.g. Debian's fonts-noto-cjk)"
        );
        typst_pdf::pdf(&paged, &options(PdfStandards::default()))
    });
    let pdf = pdf.map_err(|e| messages(e.as_slice()));
    // The typesetter memoizes across documents; keep only what the last two used.
    comemo::evict(2);
    pdf
}

/// Forgets every document made and everything the typesetter memoized (benchmarks measure
/// a render from scratch).
pub fn forget_memo() {
    made::forget();
    comemo::evict(0);
}
