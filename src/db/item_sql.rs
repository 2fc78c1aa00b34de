//! The statements staff edits run on any kind of row of a year's tree (department, section,
//! goal, initiative, criterion): one statement per action, the same for each table, with the
//! table and parent column taken from [`Item`]'s literals (never from input).
//!
//! These are the only statements in `src/` that are not `sqlx::query!` macros (five tables
//! times seven actions would be thirty-odd copies of the same text). So that they are checked
//! all the same, [`every_statement`] lists each one for each kind it is used with, and the
//! test `tests/app/schema.rs::every_item_statement_prepares` prepares them all against the
//! migrated schema: a renamed column fails `cargo test`.

/// The kinds of rows staff edit, with their place in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Department,
    Section,
    Goal,
    Initiative,
    Criterion,
}

impl Item {
    pub const ALL: [Item; 5] = [
        Item::Department,
        Item::Section,
        Item::Goal,
        Item::Initiative,
        Item::Criterion,
    ];
    /// The kinds whose rows are a text (the others have a name).
    pub const WITH_TEXT: [Item; 3] = [Item::Goal, Item::Initiative, Item::Criterion];

    pub fn table(self) -> &'static str {
        match self {
            Item::Department => "department",
            Item::Section => "section",
            Item::Goal => "goal",
            Item::Initiative => "initiative",
            Item::Criterion => "criterion",
        }
    }

    pub fn parent_column(self) -> &'static str {
        match self {
            Item::Department => "fiscal_year_id",
            Item::Section | Item::Goal => "department_id",
            Item::Initiative => "goal_id",
            Item::Criterion => "initiative_id",
        }
    }
}

/// $1 city, $2 id: the row, locked.
pub fn lock_row(item: Item) -> String {
    let table = item.table();
    format!("SELECT id FROM {table} WHERE municipality_id = $1 AND id = $2 FOR UPDATE")
}

/// $1 city, $2 parent, $3 text: a new row at the end of its parent's list; returns its id.
pub fn insert(item: Item) -> String {
    let (table, parent) = (item.table(), item.parent_column());
    format!(
        "INSERT INTO {table} (municipality_id, {parent}, position, text)
         VALUES ($1, $2, (SELECT COALESCE(max(position), 0) + 1 FROM {table} WHERE municipality_id = $1 AND {parent} = $2), $3)
         RETURNING id"
    )
}

/// $1 city, $2 id, $3 version, $4 text.
pub fn update_text(item: Item) -> String {
    let table = item.table();
    format!(
        "UPDATE {table} SET text = $4, version = version + 1 WHERE municipality_id = $1 AND id = $2 AND version = $3"
    )
}

/// $1 city, $2 id, $3 name.
pub fn rename(item: Item) -> String {
    let table = item.table();
    format!(
        "UPDATE {table} SET name = $3, version = version + 1 WHERE municipality_id = $1 AND id = $2"
    )
}

/// $1 city, $2 id, $3 version or NULL: returns the parent and position the row had.
pub fn delete(item: Item) -> String {
    let (table, parent) = (item.table(), item.parent_column());
    format!(
        "DELETE FROM {table} WHERE municipality_id = $1 AND id = $2 AND ($3::int IS NULL OR version = $3) RETURNING {parent}, position"
    )
}

/// $1 city, $2 parent, $3 position: the siblings after a removed row move up one.
pub fn close_gap(item: Item) -> String {
    let (table, parent) = (item.table(), item.parent_column());
    format!(
        "UPDATE {table} SET position = position - 1 WHERE municipality_id = $1 AND {parent} = $2 AND position > $3"
    )
}

/// $1 city, $2 id: the row swaps places with its neighbour above (`up`) or below.
pub fn swap(item: Item, up: bool) -> String {
    let (table, parent) = (item.table(), item.parent_column());
    let neighbour = if up {
        "n.position = t.position - 1"
    } else {
        "n.position = t.position + 1"
    };
    format!(
        "WITH t AS (SELECT id, {parent} AS parent_id, position FROM {table} WHERE municipality_id = $1 AND id = $2 FOR UPDATE),
              n AS (SELECT n.id, n.position FROM {table} n, t WHERE n.municipality_id = $1 AND n.{parent} = t.parent_id AND {neighbour} FOR UPDATE OF n)
         UPDATE {table} x SET position = CASE WHEN x.id = t.id THEN n.position ELSE t.position END
         FROM t, n WHERE x.municipality_id = $1 AND x.id IN (t.id, n.id)"
    )
}

/// Every statement of this module for every kind it is run with.
pub fn every_statement() -> Vec<String> {
    let mut all = Vec::new();
    for item in Item::ALL {
        all.extend([
            lock_row(item),
            delete(item),
            close_gap(item),
            swap(item, true),
            swap(item, false),
        ]);
    }
    for item in Item::WITH_TEXT {
        all.extend([insert(item), update_text(item)]);
    }
    all.extend([rename(Item::Department), rename(Item::Section)]);
    all
}
