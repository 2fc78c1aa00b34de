//! A personnel list (職員名簿) exported from a city's HR system, read as a person reads it —
//! columns found by their header words (職員番号, 氏名, ふりがな, 所属（部）, 所属（課等）, 職名,
//! メール) — and what it changes for a year: accounts to make, roles to grant and take away,
//! people no longer listed (disabled, never deleted), with each problem placed by row.

use crate::directory::config::Roles;
use crate::directory::roles::{Derived, OrgDepartment, Person, derive};
use crate::import::spreadsheet::Grid;
use serde::{Deserialize, Serialize};

/// One person of the list, as read (`row`: the row number the spreadsheet shows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListRow {
    pub row: usize,
    pub number: String,
    pub name: String,
    pub kana: String,
    pub department: String,
    pub section: String,
    pub title: String,
    pub mail: String,
}

/// A problem with the list: where (sheet, row) and what.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub sheet: String,
    pub row: Option<usize>,
    pub message: String,
}

impl Problem {
    /// 「名簿 3行目」, 「3行目」, or the sheet (file) alone.
    pub fn place(&self) -> String {
        match (self.sheet.is_empty(), self.row) {
            (true, Some(r)) => format!("{r}行目"),
            (false, Some(r)) => format!("{} {r}行目", self.sheet),
            (_, None) => self.sheet.clone(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Column {
    Number,
    Name,
    Kana,
    Department,
    Section,
    Title,
    Mail,
}

const WORDS: &[(Column, &[&str])] = &[
    (
        Column::Number,
        &["職員番号", "職員no", "職員コード", "番号", "職員id"],
    ),
    (Column::Name, &["氏名", "名前", "職員名", "氏名漢字"]),
    (
        Column::Kana,
        &[
            "ふりがな",
            "フリガナ",
            "よみがな",
            "カナ氏名",
            "氏名カナ",
            "氏名ふりがな",
            "カナ",
        ],
    ),
    (
        Column::Department,
        &["所属部", "部", "部名", "部局", "所属部局", "部局名"],
    ),
    (
        Column::Section,
        &["所属課等", "課等", "課", "課名", "所属課", "所属", "課所名"],
    ),
    (Column::Title, &["職名", "役職", "職", "役職名"]),
    (
        Column::Mail,
        &["メール", "メールアドレス", "email", "e-mail", "mail"],
    ),
];

/// A header cell as compared: no spaces or brackets, half-width, lower case.
fn header_key(text: &str) -> String {
    crate::import::cells::squash(text)
        .chars()
        .filter(|c| !matches!(c, '(' | ')' | '（' | '）' | '［' | '］' | '[' | ']' | '・'))
        .collect::<String>()
        .to_lowercase()
}

fn column_of(text: &str) -> Option<Column> {
    let key = header_key(text);
    WORDS
        .iter()
        .find(|(_, words)| words.iter().any(|w| header_key(w) == key))
        .map(|(c, _)| *c)
}

/// The header row (among the first 20) and where each column is.
fn header(grid: &Grid) -> Option<(usize, Vec<(Column, usize)>)> {
    (0..grid.rows.len().min(20)).find_map(|r| {
        let mut found: Vec<(Column, usize)> = Vec::new();
        for (c, text) in grid.rows[r].iter().enumerate() {
            if let Some(col) = column_of(text)
                && !found.iter().any(|(k, _)| *k == col)
            {
                found.push((col, c));
            }
        }
        let has = |k: Column| found.iter().any(|(c, _)| *c == k);
        (has(Column::Number) && has(Column::Name) && found.len() >= 3).then_some((r, found))
    })
}

/// Reads every sheet with a header row; sheets without one are passed over (a cover sheet),
/// unless none has one.
pub fn read(grids: &[Grid]) -> (Vec<ListRow>, Vec<Problem>) {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut any = false;
    for grid in grids {
        let Some((h, columns)) = header(grid) else {
            continue;
        };
        any = true;
        let at = |r: usize, k: Column| {
            columns
                .iter()
                .find(|(c, _)| *c == k)
                .map(|(_, i)| crate::import::cells::one_line(grid.cell(r, *i)))
                .unwrap_or_default()
        };
        for r in h + 1..grid.rows.len() {
            if grid.rows[r].iter().all(|t| t.trim().is_empty()) {
                continue;
            }
            let row = ListRow {
                row: r + 1,
                number: crate::domain::metric::normalize_digits(&at(r, Column::Number)),
                name: at(r, Column::Name),
                kana: at(r, Column::Kana),
                department: at(r, Column::Department),
                section: at(r, Column::Section),
                title: at(r, Column::Title),
                mail: at(r, Column::Mail).to_lowercase(),
            };
            let place = |message: &str| Problem {
                sheet: grid.name.clone(),
                row: Some(r + 1),
                message: message.to_owned(),
            };
            if row.number.is_empty() {
                problems.push(place("職員番号がありません。"));
            } else if row.name.is_empty() {
                problems.push(place("氏名がありません。"));
            } else if row.number.chars().count() > 40 || row.name.chars().count() > 100 {
                problems.push(place(
                    "職員番号（40文字まで）か氏名（100文字まで）が長すぎます。",
                ));
            } else if let Some(first) = rows.iter().find(|x: &&ListRow| x.number == row.number) {
                problems.push(place(&format!(
                    "職員番号 {} が{}行目にもあります。",
                    row.number, first.row
                )));
            } else if !row.mail.is_empty() && !crate::mail::address_ok(&row.mail) {
                problems.push(place(&format!(
                    "メールアドレス「{}」が正しくありません。",
                    row.mail
                )));
            } else {
                rows.push(row);
            }
        }
    }
    if !any {
        problems.push(Problem {
            sheet: grids.first().map(|g| g.name.clone()).unwrap_or_default(),
            row: None,
            message: "見出しの行（職員番号・氏名・所属（部）・所属（課等）・職名 など）が見つかりません。"
                .to_owned(),
        });
    }
    (rows, problems)
}

/// An account the list already has (made from an earlier list): its year's roles that lists
/// manage (heads, chiefs, viewers — never planning staff's, which are granted by hand).
#[derive(Debug, Clone)]
pub struct Existing {
    pub id: i64,
    pub number: String,
    pub name: String,
    pub email: Option<String>,
    pub disabled: bool,
    pub roles: Vec<Derived>,
}

/// A listed person who has an account: what changes.
#[derive(Debug, Clone)]
pub struct Update {
    pub id: i64,
    pub row: ListRow,
    pub grant: Vec<Derived>,
    pub revoke: Vec<Derived>,
    /// Name or e-mail differ from the account's.
    pub details: bool,
    pub enable: bool,
}

/// What confirming the list does.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub create: Vec<(ListRow, Vec<Derived>)>,
    pub update: Vec<Update>,
    pub disable: Vec<Existing>,
    pub problems: Vec<Problem>,
}

impl Changes {
    /// Updates that change anything.
    pub fn changed(&self) -> impl Iterator<Item = &Update> {
        self.update
            .iter()
            .filter(|u| !u.grant.is_empty() || !u.revoke.is_empty() || u.details || u.enable)
    }
}

/// What `rows` change for a year whose organization is `org`.
pub fn changes(
    rows: &[ListRow],
    existing: &[Existing],
    org: &[OrgDepartment],
    roles: &Roles,
    year_label: &str,
) -> Changes {
    let mut out = Changes::default();
    let mut heads: Vec<(i64, usize)> = Vec::new();
    for row in rows {
        let person = Person {
            department: row.department.clone(),
            section: row.section.clone(),
            title: row.title.clone(),
            ..Person::default()
        };
        let derived = match derive(&person, roles, org, year_label) {
            Ok(d) => d,
            Err(message) => {
                out.problems.push(Problem {
                    sheet: String::new(),
                    row: Some(row.row),
                    message,
                });
                continue;
            }
        };
        for d in &derived {
            if let Derived::Head(id) = d {
                if let Some((_, other)) = heads.iter().find(|(h, _)| h == id) {
                    let name = org.iter().find(|x| x.id == *id).map_or("", |x| &x.name);
                    out.problems.push(Problem {
                        sheet: String::new(),
                        row: Some(row.row),
                        message: format!(
                            "{name}の部長が2人います（{other}行目と{}行目）。",
                            row.row
                        ),
                    });
                }
                heads.push((*id, row.row));
            }
        }
        match existing.iter().find(|e| e.number == row.number) {
            None => out.create.push((row.clone(), derived)),
            Some(e) => out.update.push(Update {
                id: e.id,
                grant: derived
                    .iter()
                    .filter(|d| !e.roles.contains(d))
                    .copied()
                    .collect(),
                revoke: e
                    .roles
                    .iter()
                    .filter(|r| !derived.contains(r))
                    .copied()
                    .collect(),
                details: e.name != row.name
                    || (!row.mail.is_empty() && e.email.as_deref() != Some(row.mail.as_str())),
                enable: e.disabled,
                row: row.clone(),
            }),
        }
    }
    out.disable = existing
        .iter()
        .filter(|e| !e.disabled && !rows.iter().any(|r| r.number == e.number))
        .cloned()
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid::new(
            "名簿".to_owned(),
            rows.iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect(),
        )
    }

    fn org() -> Vec<OrgDepartment> {
        vec![OrgDepartment {
            id: 1,
            name: "企画財政部".to_owned(),
            sections: vec![(11, "企画政策課".to_owned()), (12, "財務課".to_owned())],
        }]
    }

    #[test]
    fn columns_are_found_by_their_words_and_problems_are_placed() {
        let g = grid(&[
            &["令和9年4月1日現在 職員名簿"],
            &[
                "職員番号",
                "氏　名",
                "フリガナ",
                "所属（部）",
                "所属（課等）",
                "職名",
                "メールアドレス",
            ],
            &[
                "００１２",
                "山田 一郎",
                "やまだ いちろう",
                "企画財政部",
                "",
                "部長",
                "Yamada@City.example",
            ],
            &["0013", "", "", "企画財政部", "財務課", "主事", ""],
            &["0012", "重複 太郎", "", "企画財政部", "財務課", "主事", ""],
            &[],
            &[
                "0014",
                "佐藤 花子",
                "",
                "企画財政部",
                "財務課",
                "課長",
                "not an address",
            ],
        ]);
        let (rows, problems) = read(&[g]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].number, "0012");
        assert_eq!(rows[0].mail, "yamada@city.example");
        assert_eq!(rows[0].row, 3);
        let placed: Vec<(Option<usize>, bool)> = problems
            .iter()
            .map(|p| (p.row, !p.message.is_empty()))
            .collect();
        assert_eq!(placed, [(Some(4), true), (Some(5), true), (Some(7), true)]);
        assert!(problems[1].message.contains("3行目"));
        let (_, none) = read(&[grid(&[&["a", "b"]])]);
        assert!(none[0].message.contains("見出し"));
    }

    #[test]
    fn the_list_says_who_joins_moves_and_leaves() {
        let row = |n: &str, section: &str, title: &str| ListRow {
            row: 2,
            number: n.to_owned(),
            name: format!("職員{n}"),
            kana: String::new(),
            department: "企画財政部".to_owned(),
            section: section.to_owned(),
            title: title.to_owned(),
            mail: String::new(),
        };
        let existing = vec![
            Existing {
                id: 7,
                number: "1".into(),
                name: "職員1".into(),
                email: None,
                disabled: false,
                roles: vec![Derived::Chief(11)],
            },
            Existing {
                id: 8,
                number: "2".into(),
                name: "職員2".into(),
                email: None,
                disabled: false,
                roles: vec![Derived::Viewer],
            },
        ];
        let rows = vec![
            row("1", "財務課", "課長"),
            row("3", "", "部長"),
            row("4", "", "部長"),
            row("5", "未来課", "課長"),
        ];
        let c = changes(&rows, &existing, &org(), &Roles::default(), "令和9年度");
        assert_eq!(c.update.len(), 1);
        assert_eq!(c.update[0].grant, [Derived::Chief(12)]);
        assert_eq!(c.update[0].revoke, [Derived::Chief(11)]);
        assert_eq!(c.create.len(), 2);
        assert_eq!(c.disable.iter().map(|e| e.id).collect::<Vec<_>>(), [8]);
        assert_eq!(c.problems.len(), 2, "{:?}", c.problems);
        assert!(c.problems.iter().any(|p| p.message.contains("部長が2人")));
        assert!(c.problems.iter().any(|p| p.message.contains("未来課")));
    }
}
