//! Command-line subcommands that set a deployment up: creating a city and its staff
//! accounts. (Everything after that happens in the browser.)

use crate::auth::password;
use crate::db::staff::grant_role;
use sqlx::PgPool;
use std::collections::HashMap;
use std::io::BufRead;

/// `--key value` pairs after the subcommand.
pub fn options(args: &[String]) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let Some(key) = a.strip_prefix("--") else {
            return Err(format!("unexpected argument {a:?}"));
        };
        if key == "demo" || key == "apply" {
            out.insert(key.to_owned(), String::new());
            continue;
        }
        let value = it.next().ok_or_else(|| format!("--{key} needs a value"))?;
        out.insert(key.to_owned(), value.clone());
    }
    Ok(out)
}

fn required<'a>(o: &'a HashMap<String, String>, key: &str) -> Result<&'a str, String> {
    o.get(key)
        .map(String::as_str)
        .ok_or_else(|| format!("--{key} is required"))
}

/// `create-city --slug kazo --name 加須市 --kana かぞし --code 112101
///  [--policy 行政経営方針 --pillar-set 6つの市役所づくり]`
pub async fn create_city(pool: &PgPool, o: &HashMap<String, String>) -> Result<String, String> {
    let (slug, name, kana, code) = (
        required(o, "slug")?,
        required(o, "name")?,
        required(o, "kana")?,
        required(o, "code")?,
    );
    let policy = o
        .get("policy")
        .map(String::as_str)
        .unwrap_or("行政経営方針");
    let pillar_set = o
        .get("pillar-set")
        .map(String::as_str)
        .unwrap_or("基本目標");
    let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
    let city = crate::db::cities::NewCity {
        slug,
        name,
        kana,
        code,
        policy,
        pillar_set,
    };
    crate::db::cities::create(&mut tx, &city)
        .await
        .map_err(
            |e| match e.as_database_error().and_then(|d| d.constraint()) {
                Some(c) if c.contains("slug") => {
                    format!("a city with slug {slug:?} already exists")
                }
                Some(c) if c.contains("code") => format!("a city with code {code} already exists"),
                Some(_) => "slug must be short romaji (a-z, 0-9, -) and code 6 digits".to_owned(),
                None => e.to_string(),
            },
        )?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(format!("created {name} ({slug}) with the policy {policy}"))
}

/// `create-user --city kariya --username yamada --name "山田 太郎" --role admin
///  [--year 2026 --target kikaku-zaisei|情報政策課]`; the password is read from
/// `MOKUHYO_PASSWORD` or the first line of standard input.
pub async fn create_user(pool: &PgPool, o: &HashMap<String, String>) -> Result<String, String> {
    let (city, username, name, role) = (
        required(o, "city")?,
        required(o, "username")?,
        required(o, "name")?,
        required(o, "role")?,
    );
    let year: i32 = match o.get("year") {
        Some(y) => y
            .parse()
            .map_err(|_| "--year must be a western year such as 2026".to_owned())?,
        None => 0,
    };
    let password = match std::env::var("MOKUHYO_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("Password for {username} (one line on standard input):");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    if let Some(problem) = password::check_new(&password, &[username, name]) {
        return Err(problem);
    }
    let hash = password::hash(&password);
    let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
    let row = crate::db::staff::insert_user_in_city(&mut tx, city, username, name, &hash)
        .await
        .map_err(
            |e| match e.as_database_error().and_then(|d| d.constraint()) {
                Some(c) if c.contains("username") => {
                    format!("the username {username:?} is taken or not 3–40 of A-Z a-z 0-9 . _ -")
                }
                _ => e.to_string(),
            },
        )?;
    let (mid, user_id) = row.ok_or_else(|| format!("no city with slug {city:?}"))?;
    let year = if year == 0 {
        crate::db::cities::latest_year(&mut tx, mid)
            .await
            .map_err(|e| e.to_string())?
            .unwrap_or(0)
    } else {
        year
    };
    grant_role(
        &mut tx,
        mid,
        user_id,
        role,
        year,
        o.get("target").map(String::as_str),
    )
    .await
    .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(format!("created {username} ({name}) in {city} as {role}"))
}

/// `export-site --city kariya --year 2026 --out DIR [--base-url https://…]`: the year's
/// published pages as a static site (the same files planning staff download as a .zip).
/// Without `--base-url`, the address the city set on 「ホームページ用のファイル」 is used.
pub async fn export_site(
    state: &crate::state::AppState,
    o: &HashMap<String, String>,
) -> Result<String, String> {
    let city = required(o, "city")?;
    let year: i32 = required(o, "year")?
        .parse()
        .map_err(|_| "--year must be a western year such as 2026".to_owned())?;
    let out = std::path::PathBuf::from(required(o, "out")?);
    let mid = crate::db::cities::id_by_slug(&state.pool, city)
        .await
        .map_err(|e| e.to_string())?;
    let mid = mid.ok_or_else(|| format!("no city with the slug {city:?}"))?;
    let base = match o.get("base-url") {
        Some(typed) => crate::routes::staff::publishing::site::check_base_url(typed)?,
        None => crate::db::settings::public_base_url(&state.pool, mid)
            .await
            .map_err(|e| e.to_string())?,
    };
    let base = (!base.is_empty()).then_some(base);
    let site = crate::site::build(state, city, year, base.as_deref())
        .await
        .map_err(|e| format!("{city} {year}: {e}"))?;
    crate::site::write_to(&site, &out)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(format!(
        "{} files of {city} {year} written to {}",
        site.files.len(),
        out.display()
    ))
}

/// A workbook from a file, its size checked before it is read.
fn read_workbook(file: &str) -> Result<Vec<crate::import::spreadsheet::Grid>, String> {
    let size = std::fs::metadata(file)
        .map_err(|e| format!("{file}: {e}"))?
        .len();
    if size > crate::import::spreadsheet::MAX_FILE_BYTES as u64 {
        return Err(format!(
            "{file}: larger than {} bytes",
            crate::import::spreadsheet::MAX_FILE_BYTES
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    crate::import::spreadsheet::read(file, &bytes).map_err(|e| format!("{file}: {e}"))
}

/// `import-plan --city kazo --slug gyosei-keiei-3 --file plan.xlsx [--apply]`: reads a plan
/// workbook (the layout `/staff/plans/import` reads) as a new plan or, when the city has a plan
/// with that slug, a revision of it; prints what it would change, and writes it with `--apply`
/// (one transaction, as a confirmed upload).
pub async fn import_plan(
    state: &crate::state::AppState,
    o: &HashMap<String, String>,
) -> Result<String, String> {
    use crate::import::plan::{PlanCity, PlanDocument, book, compare};
    let (city, slug, file) = (
        required(o, "city")?,
        required(o, "slug")?,
        required(o, "file")?,
    );
    if let Some(p) = crate::routes::staff::plans::import::slug_problem(slug) {
        return Err(format!("--slug: {p}"));
    }
    let grids = read_workbook(file)?;
    let m = crate::db::public::municipality(&state.pool, city)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no city with the slug {city:?}"))?;
    let latest = chrono::Datelike::year(&crate::domain::clock::today()) + 10;
    let read = book::read(&grids, &state.eras, latest);
    let mut problems: Vec<String> = read
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.place(), p.message))
        .collect();
    let stored = crate::db::plans::load(&state.pool, m.id, slug, false)
        .await
        .map_err(|e| e.to_string())?;
    let city_doc = PlanCity {
        slug: m.slug.clone(),
        name: m.name.clone(),
        name_kana: m.name_kana.clone(),
        local_government_code: m.local_government_code.clone(),
    };
    let doc = read.into_document(
        city_doc.clone(),
        slug.to_owned(),
        stored.as_ref().map(|d| d.plan.name.as_str()),
    );
    if problems.is_empty() {
        problems.extend(doc.problems());
    }
    if crate::db::plan_imports::name_taken(&state.pool, m.id, &doc.plan.name, slug)
        .await
        .map_err(|e| e.to_string())?
    {
        problems.push(format!(
            "another plan or policy of {city} is named {:?}",
            doc.plan.name
        ));
    }
    if !problems.is_empty() {
        return Err(format!(
            "{file} cannot be imported:\n  {}",
            problems.join("\n  ")
        ));
    }
    let old = stored
        .as_ref()
        .map(|d| PlanDocument::from_data(d, city_doc));
    let eras = state.eras.clone();
    let changes = compare(old.as_ref(), &doc, &|y| eras.fiscal_year_label(y));
    let summary = summary(stored.is_some(), &doc, &changes, slug);
    if !o.contains_key("apply") {
        return Ok(format!(
            "{summary}\nnothing written (add --apply to write it)"
        ));
    }
    let mut tx = state.pool.begin().await.map_err(|e| e.to_string())?;
    crate::db::plan_imports::lock_plan(&mut tx, m.id, slug)
        .await
        .map_err(|e| e.to_string())?;
    crate::db::plan_apply::apply_in(&mut tx, &doc, None)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(format!("{summary}\nwritten"))
}

/// One line saying what a plan workbook changes.
fn summary(
    revision: bool,
    doc: &crate::import::plan::PlanDocument,
    changes: &crate::import::plan::Changes,
    slug: &str,
) -> String {
    let count = |kind: &str| changes.items.iter().filter(|i| i.kind == kind).count();
    format!(
        "{} {} ({}): {} nodes, {} items; items added {}, changed {}, removed {}; nodes changed {}",
        if revision { "revision of" } else { "new plan" },
        doc.plan.name,
        slug,
        doc.nodes.len(),
        doc.items.len(),
        count(crate::import::plan::compare::ADDED),
        count(crate::import::plan::compare::CHANGED),
        count(crate::import::plan::compare::REMOVED),
        changes.nodes.len()
    )
}

/// `clone-city --from kariya --count 1740 [--first 1]`: copies of a city for load tests.
pub async fn clone_city(pool: &PgPool, o: &HashMap<String, String>) -> Result<String, String> {
    let source = required(o, "from")?;
    let number = |key: &str, default: i32| -> Result<i32, String> {
        match o.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse::<i32>()
                .ok()
                .filter(|n| (1..=20_000).contains(n))
                .ok_or_else(|| format!("--{key} must be a number from 1 to 20000")),
        }
    };
    let count = number("count", 1)?;
    let first = number("first", 1)?;
    let numbers: Vec<i32> = (first..first.saturating_add(count)).collect();
    let started = std::time::Instant::now();
    let made = crate::db::clone::clone_city(pool, source, &numbers, |made| {
        eprintln!("{made} cities copied ({:.0?})", started.elapsed());
    })
    .await
    .map_err(|e| e.to_string())?;
    Ok(format!(
        "{made} copies of {source} made ({}-{first} … {}-{}); {} already existed",
        source,
        source,
        first + count - 1,
        numbers.len() - made
    ))
}
