//! What changed between two versions of a sheet, line by line, for reviewers: each goal,
//! initiative (with its sections) and criterion is one line, and lines are matched by a
//! longest-common-subsequence diff.

use super::sheet::TargetSheet;

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Same(String),
    Removed(String),
    Added(String),
}

/// The sheet as lines, in reading order.
pub fn lines(sheet: &TargetSheet) -> Vec<String> {
    let mut out = Vec::new();
    for p in sheet.review.split("\n\n").filter(|p| !p.trim().is_empty()) {
        out.push(format!("【前年度の振り返り】{p}"));
    }
    for group in &sheet.groups {
        let pillars: Vec<String> = group
            .pillars
            .iter()
            .map(|p| format!("({})", p.number))
            .collect();
        out.push(format!("【柱】{}", pillars.join("")));
        for goal in &group.goals {
            out.push(format!("【組織目標】{}", goal.text));
            for i in &goal.initiatives {
                out.push(format!(
                    "　{}{}（{}）",
                    i.number,
                    i.text,
                    i.sections.join("・")
                ));
                for c in &i.criteria {
                    out.push(format!("　　・{c}"));
                }
            }
        }
    }
    out
}

/// A results sheet as lines: the head's page, then each goal's status and each initiative's
/// status, 実績 items and 成果 paragraphs.
pub fn results_lines(sheet: &super::sheet::ResultsSheet) -> Vec<String> {
    let label = |s: Option<super::status::Status>| s.map(|s| s.label()).unwrap_or("未判定");
    let h = &sheet.head;
    let mut out = vec![
        format!("【部長】{}（{}）", h.head_name, h.head_name_kana),
        format!("【基本方針】{}", h.basic_policy),
        format!("【部の仕事】{}", h.duties),
        format!("【総括】{}", h.summary),
    ];
    for goal in sheet.groups.iter().flat_map(|g| &g.goals) {
        out.push(format!(
            "【組織目標】{}〔{}〕",
            goal.text,
            label(goal.status)
        ));
        for i in &goal.initiatives {
            out.push(format!("　{}{}〔{}〕", i.number, i.text, label(i.status)));
            out.extend(i.performance.iter().map(|p| format!("　　実績：{p}")));
            out.extend(i.outcome.iter().map(|p| format!("　　成果：{p}")));
        }
    }
    out
}

/// The diff from `old` to `new`.
pub fn diff(old: &[String], new: &[String]) -> Vec<Line> {
    let (n, m) = (old.len(), new.len());
    // lcs[i][j]: length of the longest common subsequence of old[i..] and new[j..].
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            out.push(Line::Same(old[i].clone()));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(Line::Added(new[j].clone()));
            j += 1;
        } else {
            out.push(Line::Removed(old[i].clone()));
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn marks_added_removed_and_unchanged_lines_in_order() {
        let old = v(&["a", "b", "c", "d"]);
        let new = v(&["a", "c", "x", "d", "e"]);
        assert_eq!(
            diff(&old, &new),
            vec![
                Line::Same("a".into()),
                Line::Removed("b".into()),
                Line::Same("c".into()),
                Line::Added("x".into()),
                Line::Same("d".into()),
                Line::Added("e".into()),
            ]
        );
    }

    #[test]
    fn identical_and_empty_inputs() {
        let same = v(&["a", "b"]);
        assert!(
            diff(&same, &same)
                .iter()
                .all(|l| matches!(l, Line::Same(_)))
        );
        assert_eq!(diff(&[], &v(&["a"])), vec![Line::Added("a".into())]);
        assert_eq!(diff(&v(&["a"]), &[]), vec![Line::Removed("a".into())]);
    }
}
