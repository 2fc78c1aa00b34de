//! The item form of the plan editor: its fields as typed, read from the posted pairs or from
//! the stored item, and checked into the item document the writer takes (or the messages
//! beside the fields).

use crate::db::plans::PlanData;
use crate::domain::plan::PlanValue;
use crate::domain::plan_limits as limits;
use crate::import::plan::{IndicatorDoc, ItemDoc, RestatedDoc, node_keys};
use crate::routes::staff::FieldErrors;

/// Restated places offered on the form.
const RESTATED_ROWS: usize = 3;

/// An indicator's fields as typed.
#[derive(Debug, Clone, Default)]
pub struct IndicatorForm {
    /// The stored indicator's id ("" for a new one).
    pub(super) id: String,
    pub(super) name: String,
    pub(super) unit: String,
    pub(super) baseline: String,
    pub(super) baseline_year: String,
    pub(super) baseline_value: String,
    pub(super) comparator: String,
    /// One per plan year.
    pub(super) targets: Vec<String>,
    pub(super) remove: bool,
}

impl IndicatorForm {
    /// A stored indicator as the form shows it, with its target in each of `years`.
    fn of(data: &PlanData, x: &crate::db::plans::IndicatorRow, years: &[i32]) -> Self {
        IndicatorForm {
            id: x.id.to_string(),
            name: x.name.clone(),
            unit: x.unit.clone(),
            baseline: x.baseline.clone().unwrap_or_default(),
            baseline_year: x.baseline_year.map(|y| y.to_string()).unwrap_or_default(),
            baseline_value: x
                .baseline_value
                .map(|v| v.normalize().to_string())
                .unwrap_or_default(),
            comparator: x.comparator.clone(),
            targets: years
                .iter()
                .map(|y| {
                    data.targets
                        .iter()
                        .find(|t| t.indicator_id == x.id && t.year == *y)
                        .map(|t| t.written.clone())
                        .unwrap_or_default()
                })
                .collect(),
            remove: false,
        }
    }
}

/// The item form's fields as typed.
#[derive(Debug, Clone, Default)]
pub struct ItemForm {
    pub(super) number: String,
    pub(super) title: String,
    pub(super) content: String,
    pub(super) node: String,
    pub(super) restated: Vec<(String, String)>,
    pub(super) sections: Vec<String>,
    pub(super) other_sections: String,
    pub(super) indicators: Vec<IndicatorForm>,
    pub(super) version: i32,
}

fn all<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn one(pairs: &[(String, String)], key: &str) -> String {
    all(pairs, key)
        .first()
        .map(|v| v.to_string())
        .unwrap_or_default()
}

impl ItemForm {
    pub(super) fn parse(pairs: &[(String, String)], years: &[i32]) -> Self {
        let count: usize = one(pairs, "indicator_count").parse().unwrap_or(0).min(30);
        ItemForm {
            number: one(pairs, "number"),
            title: one(pairs, "title"),
            content: one(pairs, "content"),
            node: one(pairs, "node"),
            restated: (0..RESTATED_ROWS)
                .map(|k| {
                    (
                        one(pairs, &format!("restated_node_{k}")),
                        one(pairs, &format!("restated_number_{k}")),
                    )
                })
                .collect(),
            sections: all(pairs, "section")
                .into_iter()
                .map(str::to_owned)
                .collect(),
            other_sections: one(pairs, "other_sections"),
            indicators: (0..count)
                .map(|k| IndicatorForm {
                    id: one(pairs, &format!("id_{k}")),
                    name: one(pairs, &format!("name_{k}")),
                    unit: one(pairs, &format!("unit_{k}")),
                    baseline: one(pairs, &format!("baseline_{k}")),
                    baseline_year: one(pairs, &format!("baseline_year_{k}")),
                    baseline_value: one(pairs, &format!("baseline_value_{k}")),
                    comparator: one(pairs, &format!("comparator_{k}")),
                    targets: years
                        .iter()
                        .map(|y| one(pairs, &format!("target_{k}_{y}")))
                        .collect(),
                    remove: !one(pairs, &format!("remove_{k}")).is_empty(),
                })
                .collect(),
            version: one(pairs, "version").parse().unwrap_or(-1),
        }
    }

    /// The stored item as the form shows it (a new item: empty, placed at `node`).
    pub(super) fn of(
        data: &PlanData,
        item: Option<&crate::db::plans::ItemRow>,
        node: Option<i64>,
    ) -> Self {
        let years: Vec<i32> = (data.plan.first_year..=data.plan.last_year).collect();
        let Some(item) = item else {
            return ItemForm {
                node: node.map(|n| n.to_string()).unwrap_or_default(),
                restated: vec![(String::new(), String::new()); RESTATED_ROWS],
                indicators: vec![IndicatorForm {
                    targets: vec![String::new(); years.len()],
                    comparator: "at_least".into(),
                    ..IndicatorForm::default()
                }],
                ..ItemForm::default()
            };
        };
        let places: Vec<_> = data
            .places
            .iter()
            .filter(|p| p.item_id == item.id)
            .collect();
        let mut restated: Vec<(String, String)> = places
            .iter()
            .filter(|p| p.restated)
            .map(|p| (p.node_id.to_string(), p.number.to_string()))
            .collect();
        restated.resize(
            RESTATED_ROWS.max(restated.len()),
            (String::new(), String::new()),
        );
        let mut indicators: Vec<IndicatorForm> = data
            .indicators
            .iter()
            .filter(|x| x.item_id == item.id)
            .map(|x| IndicatorForm::of(data, x, &years))
            .collect();
        indicators.push(IndicatorForm {
            targets: vec![String::new(); years.len()],
            comparator: "at_least".into(),
            ..IndicatorForm::default()
        });
        ItemForm {
            number: item.number.to_string(),
            title: item.title.clone(),
            content: item.content.clone(),
            node: places
                .iter()
                .find(|p| !p.restated)
                .map(|p| p.node_id.to_string())
                .unwrap_or_default(),
            restated,
            sections: item.sections.clone(),
            other_sections: String::new(),
            indicators,
            version: item.version,
        }
    }
}

/// The item's number (1–99999) as typed, not one another item or 再掲 uses (0 when wrong).
fn item_number(typed: &str, taken: &[i32], item_label: &str, errors: &mut FieldErrors) -> i32 {
    match typed.trim().parse::<i32>() {
        Ok(n) if limits::ITEM_NUMBERS.contains(&n) => {
            if taken.contains(&n) {
                errors.push(
                    "number",
                    format!("番号「-{n}」はほかの{item_label}（または再掲）で使われています。"),
                );
            }
            n
        }
        _ => {
            errors.push("number", "番号を1から99999までの数字で入力してください。");
            0
        }
    }
}

/// The item the form describes, or the messages beside its fields.
pub(super) fn check(
    form: &ItemForm,
    data: &PlanData,
    own_id: Option<i64>,
    errors: &mut FieldErrors,
) -> Option<ItemDoc> {
    let keys = node_keys(data);
    let taken: Vec<i32> = data
        .places
        .iter()
        .filter(|p| Some(p.item_id) != own_id)
        .map(|p| p.number)
        .collect();
    let number = item_number(&form.number, &taken, &data.plan.item_label, errors);
    let title = form.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        errors.push(
            "title",
            format!("{}の名前を入力してください。", data.plan.item_label),
        );
    } else if limits::too_long(&title, limits::ITEM_TITLE_MAX) {
        errors.push("title", "名前は200文字以内で入力してください。");
    }
    if limits::too_long(form.content.trim(), limits::ITEM_CONTENT_MAX) {
        errors.push("content", "取組内容は2000文字以内で入力してください。");
    }
    let node_key = |v: &str| {
        v.trim()
            .parse::<i64>()
            .ok()
            .and_then(|id| keys.get(&id).cloned())
    };
    let node = node_key(&form.node);
    if node.is_none() {
        errors.push("node", "この項目を置く階層を選んでください。");
    }
    let mut restated = Vec::new();
    for (k, (n, num)) in form.restated.iter().enumerate() {
        if n.trim().is_empty() && num.trim().is_empty() {
            continue;
        }
        let field = format!("restated_{k}");
        match (node_key(n), num.trim().parse::<i32>()) {
            (Some(key), Ok(x)) if x > 0 && x != number && !taken.contains(&x) && !restated.iter().any(|r: &RestatedDoc| r.number == x) && Some(&key) != node.as_ref() => {
                restated.push(RestatedDoc { node: key, number: x })
            }
            (None, _) => errors.push(&field, "再掲する階層を選んでください。"),
            _ => errors.push(&field, "再掲の番号は、ほかと重ならない数字で入力してください（本来の位置と同じ階層は選べません）。"),
        }
    }
    let stored = own_id
        .and_then(|id| data.items.iter().find(|i| i.id == id))
        .map(|i| i.sections.as_slice())
        .unwrap_or_default();
    let sections = check_sections(form, stored, errors);
    let indicators = check_indicators(form, data, errors);
    errors.is_empty().then(|| ItemDoc {
        number,
        title,
        content: crate::routes::staff::clean(&form.content),
        sections,
        node: node.unwrap_or_default(),
        restated,
        indicators,
    })
}

/// The 担当課 checked on the form and those typed (「・」「、」 or line breaks between), in the
/// order stored (as the plan prints them; the checkboxes follow the organization's order),
/// new ones after.
fn check_sections(form: &ItemForm, stored: &[String], errors: &mut FieldErrors) -> Vec<String> {
    let mut sections: Vec<String> = form
        .sections
        .iter()
        .filter(|s| !s.trim().is_empty())
        .cloned()
        .collect();
    for name in form.other_sections.split(['・', '、', ',', '，', '\n']) {
        let name = name.split_whitespace().collect::<String>();
        if !name.is_empty() && !sections.contains(&name) {
            sections.push(name);
        }
    }
    if sections.len() > limits::MAX_SECTIONS
        || sections
            .iter()
            .any(|s| limits::too_long(s, limits::SECTION_NAME_MAX))
    {
        errors.push("sections", "担当課は20件まで、名前は50文字以内です。");
    }
    let rank = |name: &String| stored.iter().position(|s| s == name).unwrap_or(usize::MAX);
    // A stable sort: the new ones keep the form's order.
    sections.sort_by_key(rank);
    sections
}

/// The base year (「令和6年度」 chosen from the list), or None when left empty.
fn baseline_year(typed: &str, field: &str, errors: &mut FieldErrors) -> Option<i32> {
    match typed.trim() {
        "" => None,
        y => match y.parse::<i32>() {
            Ok(y) if limits::BASELINE_YEARS.contains(&y) => Some(y),
            _ => {
                errors.push(field, "基準年度を一覧から選んでください。");
                None
            }
        },
    }
}

/// The base value as a number (「72.2」, 「▲554」), or None when left empty.
fn baseline_value(typed: &str, field: &str, errors: &mut FieldErrors) -> Option<String> {
    match typed.trim() {
        "" => None,
        v if PlanValue::is_too_large(v) => {
            errors.push(field, crate::domain::metric::TOO_LARGE);
            None
        }
        v => match PlanValue::parse(v) {
            Some(PlanValue::Number(n)) => Some(n.normalize().to_string()),
            _ => {
                errors.push(field, "基準値は数値で入力してください（例：72.2、▲554）。");
                None
            }
        },
    }
}

/// An indicator's targets year by year (「—」 where left empty), each checked for length.
fn targets(typed: &[String], k: usize, first_year: i32, errors: &mut FieldErrors) -> Vec<String> {
    let mut targets = Vec::new();
    for (j, t) in typed.iter().enumerate() {
        let t = t.trim();
        let field = format!("target_{k}_{}", first_year + j as i32);
        if PlanValue::is_too_large(t) {
            errors.push(&field, crate::domain::metric::TOO_LARGE);
        } else if limits::too_long(t, limits::TARGET_MAX) {
            errors.push(&field, "目標値は50文字以内で入力してください。");
        }
        targets.push(if t.is_empty() {
            crate::domain::plan::NO_TARGET.to_owned()
        } else {
            t.to_owned()
        });
    }
    targets
}

fn check_indicators(
    form: &ItemForm,
    data: &PlanData,
    errors: &mut FieldErrors,
) -> Vec<IndicatorDoc> {
    let mut out = Vec::new();
    for (k, x) in form.indicators.iter().enumerate() {
        let blank = x.name.trim().is_empty()
            && x.unit.trim().is_empty()
            && x.baseline.trim().is_empty()
            && x.targets.iter().all(|t| t.trim().is_empty());
        if x.remove || blank {
            // A published year's numbers never change under it.
            if let Ok(id) = x.id.parse::<i64>()
                && data.has_published_actual(id)
            {
                errors.push(
                    &format!("name_{k}"),
                    "この指標には公表済みの年度の実績があるため、削除できません（公表した数値は変えられません）。",
                );
            }
            continue;
        }
        let name = x.name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() || limits::too_long(&name, limits::INDICATOR_NAME_MAX) {
            errors.push(
                &format!("name_{k}"),
                "目標値等（指標）の名前を300文字以内で入力してください。",
            );
        }
        if limits::too_long(x.unit.trim(), limits::UNIT_MAX)
            || limits::too_long(x.baseline.trim(), limits::BASELINE_MAX)
        {
            errors.push(
                &format!("unit_{k}"),
                "単位は20文字、現状値は200文字までです。",
            );
        }
        let baseline_year = baseline_year(&x.baseline_year, &format!("baseline_year_{k}"), errors);
        let baseline_value =
            baseline_value(&x.baseline_value, &format!("baseline_value_{k}"), errors);
        if !matches!(x.comparator.as_str(), "at_least" | "at_most" | "exactly") {
            errors.push(&format!("comparator_{k}"), "達成の向きを選んでください。");
        }
        let targets = targets(&x.targets, k, data.plan.first_year, errors);
        out.push(IndicatorDoc {
            name,
            unit: x.unit.trim().to_owned(),
            baseline: Some(x.baseline.trim().to_owned()).filter(|b| !b.is_empty()),
            baseline_year,
            baseline_value,
            comparator: Some(x.comparator.clone()),
            targets,
        });
    }
    out
}
