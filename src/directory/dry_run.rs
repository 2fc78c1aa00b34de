//! `mokuhyo directory --city kariya --file directory.toml [--apply]`: connects with the
//! setting, lists everyone the directory holds with the roles they would get in the current
//! year (or why they could not sign in), and stores the setting only with `--apply`.

use super::roles::{Derived, OrgDepartment, derive};
use super::{DirectoryConfig, everyone};
use crate::db::directory as db;
use crate::state::AppState;

/// The largest `directory.toml` read.
const MAX_FILE: u64 = 64 * 1024;

fn role_names(derived: &[Derived], org: &[OrgDepartment]) -> String {
    let department = |id: i64| org.iter().find(|d| d.id == id).map_or("?", |d| &d.name);
    let section = |id: i64| {
        org.iter()
            .flat_map(|d| &d.sections)
            .find(|(s, _)| *s == id)
            .map_or("?", |(_, n)| n)
    };
    derived
        .iter()
        .map(|d| match *d {
            Derived::Admin => "企画担当（全体の管理）".to_owned(),
            Derived::Viewer => "閲覧のみ".to_owned(),
            Derived::Head(id) => format!("部長（{}）", department(id)),
            Derived::Chief(id) => format!("課長等（{}）", section(id)),
        })
        .collect::<Vec<_>>()
        .join("・")
}

/// Runs the command; the report printed, or what went wrong.
pub async fn run(state: &AppState, city: &str, file: &str, apply: bool) -> Result<String, String> {
    let size = std::fs::metadata(file)
        .map_err(|e| format!("{file}: {e}"))?
        .len();
    if size > MAX_FILE {
        return Err(format!("{file} is larger than {MAX_FILE} bytes"));
    }
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let config = DirectoryConfig::parse(&text)?;
    let pool = &state.pool;
    let db_error = |e: sqlx::Error| e.to_string();
    let mid = db::city_id(pool, city)
        .await
        .map_err(db_error)?
        .ok_or_else(|| format!("no city {city:?}"))?;
    let current = crate::domain::era::fiscal_year_of(state.clock.today());
    let (fy, year) = db::role_year(pool, mid, current)
        .await
        .map_err(db_error)?
        .ok_or("the city has no fiscal year yet: create one first")?;
    let org = db::organization(pool, mid, fy).await.map_err(db_error)?;
    let people = everyone(&config)
        .await
        .map_err(|e| format!("the directory could not be read: {e}"))?;
    let year_label = state.eras.fiscal_year_label(year);
    let mut lines = vec![format!(
        "{} people in {} under {}; their roles in {year_label} (fiscal {year}):",
        people.len(),
        config.url,
        config.base_dn
    )];
    let (mut can, mut cannot, mut disabled) = (0, 0, 0);
    for listed in &people {
        let p = &listed.person;
        let roles = if listed.disabled {
            disabled += 1;
            "無効（サインインできません）".to_owned()
        } else {
            match derive(p, &config.roles, &org, &year_label) {
                Ok(d) => {
                    can += 1;
                    role_names(&d, &org)
                }
                Err(why) => {
                    cannot += 1;
                    format!("サインインできません：{why}")
                }
            }
        };
        lines.push(format!(
            "  {}\t{}\t{} {}\t{}\t→ {roles}",
            listed.name, p.display_name, p.department, p.section, p.title
        ));
    }
    lines.push(format!(
        "{can} can sign in, {cannot} cannot (their post is not in the year's organization or gives no role), {disabled} disabled."
    ));
    if apply {
        db::store_setting(pool, mid, &text)
            .await
            .map_err(db_error)?;
        lines.push(format!(
            "Stored: staff of {city} now sign in with their directory names and passwords."
        ));
    } else {
        lines.push("Nothing stored: run again with --apply to store this setting.".to_owned());
    }
    Ok(lines.join("\n"))
}
