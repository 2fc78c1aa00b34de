//! Who may do what. Pure rules over a person's roles and the facts of the thing they want to
//! change; handlers load the facts and ask here, so the rules are tested in one place.
//!
//! - Planning staff (admin): everything in their city.
//! - Department head: the department's goals, and every initiative and criterion under them.
//! - Section chief: initiatives (and their criteria) under their department's goals for which
//!   their section is responsible; never goals, never another department.
//! - Viewer: reads drafts, changes nothing.

/// One role of a person. Department and section ids belong to one fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    DepartmentHead(i64),
    SectionChief { section: i64, department: i64 },
    Viewer,
}

/// All roles of a person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn new(roles: Vec<Role>) -> Self {
        Self(roles)
    }

    pub fn all(&self) -> &[Role] {
        &self.0
    }

    /// Planning staff.
    pub fn is_admin(&self) -> bool {
        self.0.contains(&Role::Admin)
    }

    /// Anyone with a role may read drafts of their city.
    pub fn can_read_drafts(&self) -> bool {
        !self.0.is_empty()
    }

    /// Create, edit, reorder or delete the goals of `department`.
    pub fn can_edit_goals(&self, department: i64) -> bool {
        self.is_admin() || self.0.contains(&Role::DepartmentHead(department))
    }

    /// Edit, reorder or delete an initiative (and its criteria) of `department` for which
    /// `sections` are responsible.
    pub fn can_edit_initiative(&self, department: i64, sections: &[i64]) -> bool {
        self.can_edit_goals(department)
            || self.0.iter().any(|r| {
                matches!(r, Role::SectionChief { section, department: d } if *d == department && sections.contains(section))
            })
    }

    /// Add initiatives under a goal of `department` (a chief only for their own sections,
    /// which the handler then requires among the responsible sections).
    pub fn can_add_initiative(&self, department: i64) -> bool {
        self.can_edit_goals(department) || !self.own_sections_in(department).is_empty()
    }

    /// The sections of `department` this person is chief of.
    pub fn own_sections_in(&self, department: i64) -> Vec<i64> {
        self.0
            .iter()
            .filter_map(|r| match r {
                Role::SectionChief {
                    section,
                    department: d,
                } if *d == department => Some(*section),
                _ => None,
            })
            .collect()
    }

    /// Upload spreadsheets of goals and results (planning staff for every department, heads for
    /// their own, which the import then checks per department).
    pub fn can_import(&self) -> bool {
        self.is_admin() || self.0.iter().any(|r| matches!(r, Role::DepartmentHead(_)))
    }

    /// Whether this person can change anything in `department`.
    pub fn can_edit_anything_in(&self, department: i64) -> bool {
        self.can_add_initiative(department)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPT: i64 = 1;
    const OTHER_DEPT: i64 = 2;
    const SEC: i64 = 10;
    const SIBLING_SEC: i64 = 11;

    #[test]
    fn who_may_edit_goals_and_initiatives() {
        let cases = [
            ("admin", Roles::new(vec![Role::Admin]), true, true, true),
            (
                "viewer",
                Roles::new(vec![Role::Viewer]),
                false,
                false,
                false,
            ),
            (
                "head",
                Roles::new(vec![Role::DepartmentHead(DEPT)]),
                true,
                true,
                true,
            ),
            (
                "other head",
                Roles::new(vec![Role::DepartmentHead(OTHER_DEPT)]),
                false,
                false,
                false,
            ),
            (
                "chief",
                Roles::new(vec![Role::SectionChief {
                    section: SEC,
                    department: DEPT,
                }]),
                false,
                true,
                true,
            ),
            (
                "sibling chief",
                Roles::new(vec![Role::SectionChief {
                    section: SIBLING_SEC,
                    department: DEPT,
                }]),
                false,
                false,
                true,
            ),
            (
                "chief elsewhere",
                Roles::new(vec![Role::SectionChief {
                    section: 20,
                    department: OTHER_DEPT,
                }]),
                false,
                false,
                false,
            ),
            ("nobody", Roles::default(), false, false, false),
        ];
        for (who, roles, goals, initiative, add) in cases {
            assert_eq!(roles.can_edit_goals(DEPT), goals, "{who}: goals");
            assert_eq!(
                roles.can_edit_initiative(DEPT, &[SEC]),
                initiative,
                "{who}: initiative"
            );
            assert_eq!(roles.can_add_initiative(DEPT), add, "{who}: add initiative");
        }
    }

    #[test]
    fn several_roles_add_up() {
        let roles = Roles::new(vec![
            Role::DepartmentHead(OTHER_DEPT),
            Role::SectionChief {
                section: SEC,
                department: DEPT,
            },
        ]);
        assert!(roles.can_edit_goals(OTHER_DEPT));
        assert!(!roles.can_edit_goals(DEPT));
        assert!(roles.can_edit_initiative(DEPT, &[SIBLING_SEC, SEC]));
    }
}
