//! Achievement summary: status counts per department and per pillar, and the bar chart drawn
//! as SVG on the server (the table beside it is the text alternative).

use super::sheet::ResultsSheet;
use super::status::Status;

/// Counts of initiatives by status (index by [`Status::ALL`]) and those not yet judged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub by_status: [usize; 6],
    pub undecided: usize,
}

impl Counts {
    pub fn add(&mut self, status: Option<Status>) {
        match status {
            Some(s) => self.by_status[Status::ALL.iter().position(|x| *x == s).unwrap_or(0)] += 1,
            None => self.undecided += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.by_status.iter().sum::<usize>() + self.undecided
    }

    /// 達成 as a share of judged initiatives (評価不能 left out), in whole percent; `None` when
    /// nothing is judged.
    pub fn achieved_rate(&self) -> Option<usize> {
        let unassessable = Status::ALL.iter().position(|s| *s == Status::Unassessable);
        let judged: usize = self
            .by_status
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != unassessable)
            .map(|(_, n)| n)
            .sum();
        (judged > 0).then(|| (self.by_status[0] * 100 + judged / 2) / judged)
    }
}

/// A labelled row of the summary.
#[derive(Debug, Clone)]
pub struct Row {
    pub label: String,
    pub counts: Counts,
}

/// What a summary counts: initiatives (取組内容), or — for a year whose documents judge only
/// goals, such as a heads' results page with no initiatives at all — the goals (目標).
pub fn counted_unit(sheets: &[ResultsSheet]) -> &'static str {
    let any_initiative = sheets
        .iter()
        .flat_map(|s| &s.groups)
        .flat_map(|g| &g.goals)
        .any(|g| !g.initiatives.is_empty());
    if any_initiative {
        "取組内容"
    } else {
        "目標"
    }
}

/// Per department (in order) and per pillar number (ascending) counts of initiatives (or of
/// goals, see [`counted_unit`]). An item whose goal sits under two pillars counts for both.
pub fn summarize(sheets: &[ResultsSheet]) -> (Vec<Row>, Vec<(i32, String, Counts)>) {
    let goals_only = counted_unit(sheets) == "目標";
    let mut departments = Vec::new();
    let mut pillars: Vec<(i32, String, Counts)> = Vec::new();
    for sheet in sheets {
        let mut counts = Counts::default();
        for group in &sheet.groups {
            for goal in &group.goals {
                let statuses: Vec<Option<crate::domain::status::Status>> = if goals_only {
                    vec![goal.status]
                } else {
                    goal.initiatives.iter().map(|i| i.status).collect()
                };
                for status in statuses {
                    counts.add(status);
                    for p in &group.pillars {
                        match pillars.iter_mut().find(|(n, _, _)| *n == p.number) {
                            Some((_, _, c)) => c.add(status),
                            None => {
                                let mut c = Counts::default();
                                c.add(status);
                                pillars.push((p.number, p.title.clone(), c));
                            }
                        }
                    }
                }
            }
        }
        departments.push(Row {
            label: sheet.department_name.clone(),
            counts,
        });
    }
    pillars.sort_by_key(|(n, _, _)| *n);
    (departments, pillars)
}

/// Everything the summary shows: per department, per pillar, the total, and what is counted.
pub struct Figures {
    pub departments: Vec<Row>,
    pub pillars: Vec<(i32, String, Counts)>,
    pub total: Counts,
    /// 取組内容, or 目標 where only goals were judged.
    pub unit: &'static str,
}

/// The [`Figures`] of a year's published results.
pub fn figures(sheets: &[ResultsSheet]) -> Figures {
    let (departments, pillars) = summarize(sheets);
    let mut total = Counts::default();
    for d in &departments {
        for (i, n) in d.counts.by_status.iter().enumerate() {
            total.by_status[i] += n;
        }
        total.undecided += d.counts.undecided;
    }
    Figures {
        departments,
        pillars,
        total,
        unit: counted_unit(sheets),
    }
}

/// Fills for the statuses (達成…評価不能) and for "not judged". Each segment also carries its
/// count as text and the legend carries the words, so colour is never the only cue.
const FILLS: [&str; 7] = [
    "#2e7d32", "#1565c0", "#c62828", "#ef9a00", "#9e9e9e", "#6d4c41", "#e0e0e0",
];

/// A horizontal stacked bar chart of `rows`, as SVG markup built only from numbers and
/// escaped labels.
pub fn bar_chart(rows: &[Row], title: &str) -> String {
    let (label_w, bar_w, row_h, top) = (150.0, 520.0, 26.0, 40.0);
    let height = top + row_h * rows.len() as f64 + 10.0;
    let max = rows
        .iter()
        .map(|r| r.counts.total())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {height}" width="100%" role="img" aria-labelledby="chart-title"><title id="chart-title">{t}</title>"#,
        w = label_w + bar_w + 20.0,
        t = escape(title)
    );
    // Legend (seven entries: from the left edge, so the last fits)
    let mut x = 10.0;
    for (i, name) in Status::ALL
        .iter()
        .map(|s| format!("{}{}", s.symbol(), s.label()))
        .chain(std::iter::once("未判定".to_owned()))
        .enumerate()
    {
        svg.push_str(&format!(r##"<rect x="{x}" y="8" width="14" height="14" fill="{}" stroke="#333" stroke-width="0.5"/><text x="{}" y="20" font-size="12">{}</text>"##, FILLS[i], x + 18.0, escape(&name)));
        x += 86.0;
    }
    for (r, row) in rows.iter().enumerate() {
        let y = top + row_h * r as f64;
        svg.push_str(&format!(
            r#"<text x="{}" y="{}" font-size="13" text-anchor="end">{}</text>"#,
            label_w - 8.0,
            y + 17.0,
            escape(&row.label)
        ));
        let mut x = label_w;
        let values = row
            .counts
            .by_status
            .iter()
            .copied()
            .chain(std::iter::once(row.counts.undecided));
        for (i, v) in values.enumerate() {
            if v == 0 {
                continue;
            }
            let w = bar_w * v as f64 / max;
            svg.push_str(&format!(r##"<rect x="{x:.1}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{}" stroke="#fff" stroke-width="1"/>"##, y + 3.0, row_h - 6.0, FILLS[i]));
            if w >= 16.0 {
                let color = if i == 4 || i == 6 { "#000" } else { "#fff" };
                svg.push_str(&format!(r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="{color}">{v}</text>"#, x + w / 2.0, y + 17.0));
            }
            x += w;
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Escapes text for HTML or SVG we write ourselves.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_and_ignore_the_undecided() {
        let mut c = Counts::default();
        for s in [
            Some(Status::Achieved),
            Some(Status::Achieved),
            Some(Status::NotAchieved),
            None,
        ] {
            c.add(s);
        }
        assert_eq!(c.total(), 4);
        assert_eq!(c.achieved_rate(), Some(67));
        assert_eq!(Counts::default().achieved_rate(), None);
        // 評価不能 is counted, apart, and left out of the rate.
        c.add(Some(Status::Unassessable));
        assert_eq!((c.total(), c.by_status[5]), (5, 1));
        assert_eq!(c.achieved_rate(), Some(67));
    }

    #[test]
    fn the_chart_escapes_labels_and_shows_counts_as_text() {
        let mut counts = Counts::default();
        counts.add(Some(Status::Achieved));
        let svg = bar_chart(
            &[Row {
                label: "<部>".into(),
                counts,
            }],
            "達成状況",
        );
        assert!(svg.contains("&lt;部&gt;") && !svg.contains("<部>"));
        assert!(svg.contains(">1</text>"));
        assert!(svg.contains("◎達成") && svg.contains("role=\"img\""));
    }
}
