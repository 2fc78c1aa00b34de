//! The roles a person's post gives in a year, derived afresh at every sign-in from what the
//! directory says (department, section, title, groups) and the year's organization, names
//! matched as the imports match them (spaces and full-width letters aside).

use super::config::Roles;

/// What the directory says of a person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Person {
    pub dn: String,
    /// The directory's own value of the attribute signed in with (`sAMAccountName`, `uid`):
    /// the account is known by it, whatever the spelling typed.
    pub name: String,
    pub display_name: String,
    pub kana: String,
    pub mail: String,
    pub department: String,
    pub section: String,
    pub title: String,
    pub groups: Vec<String>,
}

/// A department of the year with its sections: (id, name).
#[derive(Debug, Clone)]
pub struct OrgDepartment {
    pub id: i64,
    pub name: String,
    pub sections: Vec<(i64, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    Admin,
    Viewer,
    Head(i64),
    Chief(i64),
}

fn key(s: &str) -> String {
    crate::import::cells::squash(s)
}

fn same_dn(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split(',')
            .map(|p| p.trim().to_lowercase())
            .collect::<Vec<_>>()
    };
    norm(a) == norm(b)
}

/// The person's roles in the year whose organization is `org` (`year_label`: 「令和8年度」, for
/// messages), or why they cannot sign in, in Japanese.
pub fn derive(
    person: &Person,
    roles: &Roles,
    org: &[OrgDepartment],
    year_label: &str,
) -> Result<Vec<Derived>, String> {
    let mut derived = Vec::new();
    if person
        .groups
        .iter()
        .any(|g| roles.admin_groups.iter().any(|a| same_dn(a, g)))
    {
        derived.push(Derived::Admin);
    }
    let title = key(&person.title);
    let department = org
        .iter()
        .find(|d| !person.department.is_empty() && key(&d.name) == key(&person.department));
    if !title.is_empty() && roles.head_titles.iter().any(|t| key(t) == title) {
        let d = department.ok_or_else(|| missing("部", &person.department, year_label))?;
        derived.push(Derived::Head(d.id));
    }
    if !title.is_empty() && roles.chief_titles.iter().any(|t| key(t) == title) {
        let wanted = key(&person.section);
        let within = |d: &OrgDepartment| {
            d.sections
                .iter()
                .filter(|(_, n)| !wanted.is_empty() && key(n) == wanted)
                .map(|(id, _)| *id)
                .collect::<Vec<_>>()
        };
        // The section within the person's department; else the one section of that name.
        let found = match department.map(within) {
            Some(ids) if ids.len() == 1 => Some(ids[0]),
            _ => {
                let ids: Vec<i64> = org.iter().flat_map(within).collect();
                (ids.len() == 1).then(|| ids[0])
            }
        };
        let id = found.ok_or_else(|| missing("課等", &person.section, year_label))?;
        derived.push(Derived::Chief(id));
    }
    if derived.is_empty() {
        if roles.everyone_else == "viewer" {
            derived.push(Derived::Viewer);
        } else {
            return Err("職名・所属からは Mokuhyo を使う権限がありません。".to_owned());
        }
    }
    Ok(derived)
}

fn missing(kind: &str, name: &str, year_label: &str) -> String {
    if name.trim().is_empty() {
        format!("所属（{kind}）が空です。")
    } else {
        format!("所属（{kind}）「{name}」が{year_label}の組織にありません。")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Vec<OrgDepartment> {
        vec![
            OrgDepartment {
                id: 1,
                name: "企画財政部".to_owned(),
                sections: vec![(11, "企画政策課".to_owned()), (12, "財務課".to_owned())],
            },
            OrgDepartment {
                id: 2,
                name: "総務部".to_owned(),
                sections: vec![(21, "総務課".to_owned()), (22, "財務課".to_owned())],
            },
        ]
    }

    fn person(department: &str, section: &str, title: &str) -> Person {
        Person {
            department: department.to_owned(),
            section: section.to_owned(),
            title: title.to_owned(),
            ..Person::default()
        }
    }

    #[test]
    fn posts_give_roles_in_the_years_organization() {
        let roles = Roles::default();
        let d = |p: &Person| derive(p, &roles, &org(), "令和8年度");
        assert_eq!(
            d(&person("企画財政部", "", "部長")),
            Ok(vec![Derived::Head(1)])
        );
        assert_eq!(
            d(&person("企画 財政部", "企画政策課", "課長")),
            Ok(vec![Derived::Chief(11)])
        );
        // Two 財務課: the one in the person's department.
        assert_eq!(
            d(&person("総務部", "財務課", "課長")),
            Ok(vec![Derived::Chief(22)])
        );
        let unclear = d(&person("", "財務課", "課長")).unwrap_err();
        assert!(unclear.contains("財務課"), "{unclear}");
        assert_eq!(
            d(&person("総務部", "総務課", "主任")),
            Ok(vec![Derived::Viewer])
        );
        // 副部長 is not 部長.
        assert_eq!(
            d(&person("総務部", "", "副部長")),
            Ok(vec![Derived::Viewer])
        );
        let unknown = d(&person("市民部", "", "部長")).unwrap_err();
        assert!(
            unknown.contains("市民部") && unknown.contains("令和8年度"),
            "{unknown}"
        );
    }

    #[test]
    fn groups_give_planning_staff_and_nobody_else_may_be_refused() {
        let mut roles = Roles {
            admin_groups: vec!["CN=Planning,OU=Groups,DC=city,DC=local".to_owned()],
            ..Roles::default()
        };
        let mut p = person("企画財政部", "企画政策課", "課長");
        p.groups = vec!["cn=planning, ou=groups, dc=city, dc=local".to_owned()];
        assert_eq!(
            derive(&p, &roles, &org(), "令和8年度"),
            Ok(vec![Derived::Admin, Derived::Chief(11)])
        );
        roles.everyone_else = "none".to_owned();
        let clerk = person("総務部", "総務課", "主事");
        assert!(
            derive(&clerk, &roles, &org(), "令和8年度")
                .unwrap_err()
                .contains("権限")
        );
    }
}
