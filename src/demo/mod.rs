//! The demo cities: real published documents transcribed into data files, loaded through
//! the import code path like any other year.

use crate::db::publication;
use crate::domain::document::YearDocument;
use crate::import::{self, ImportError, ImportReport};
use sqlx::PgPool;

/// 刈谷市 令和8年度 組織重点目標 (see the file's header for how it was transcribed).
pub const KARIYA_2026: &str = include_str!("kariya_2026.toml");

/// 国分寺市 令和8年度 組織目標展開整理表 (市民部), in the deployment-table layout.
pub const KOKUBUNJI_2026: &str = include_str!("kokubunji_2026.toml");

/// 令和6年度 部長目標 結果発表 of a city the document does not name, as 「サンプル市」 (the
/// year-end half: heads' pages and each goal's result; see the file's header).
pub const SAMPLE_2024: &str = include_str!("sample_2024.toml");

/// 加須市 第2次行政経営プラン (a multi-year plan; see the file's header).
pub const KAZO_PLAN: &str = include_str!("kazo_plan.toml");

/// The demo plans.
pub fn plans() -> Vec<crate::import::plan::PlanDocument> {
    [KAZO_PLAN]
        .iter()
        .map(|text| toml::from_str(text).expect("the bundled demo plan parses (checked by tests)"))
        .collect()
}

/// Every demo document.
pub fn documents() -> Vec<YearDocument> {
    [KARIYA_2026, KOKUBUNJI_2026, SAMPLE_2024]
        .iter()
        .map(|text| toml::from_str(text).expect("the bundled demo data parses (checked by tests)"))
        .collect()
}

/// Loads (or refreshes) every demo city, and publishes its departments' targets — or, for a
/// results document (one with heads' pages), their results (the documents are published
/// documents). Loading again changes nothing.
pub async fn load(pool: &PgPool) -> Result<ImportReport, ImportError> {
    let mut total = ImportReport::default();
    let today = crate::domain::clock::today();
    for doc in documents() {
        let r = import::apply(pool, &doc).await?;
        total.inserted += r.inserted;
        total.updated += r.updated;
        total.deleted += r.deleted;
        let departments =
            crate::db::cities::year_departments(pool, &doc.municipality.slug, doc.fiscal_year.year)
                .await?;
        let results_document = doc.departments.iter().any(|d| d.profile.is_some());
        for d in departments {
            let (mid, fid, policy_id, did, name) = (
                d.municipality_id,
                d.fiscal_year_id,
                d.policy_id,
                d.department_id,
                d.name,
            );
            let published = if results_document {
                let department = crate::db::editing::department(pool, mid, did)
                    .await?
                    .ok_or(sqlx::Error::RowNotFound)?;
                publication::publish_results_if_changed(pool, mid, &department, None, today).await?
            } else {
                publication::publish_if_changed(pool, mid, fid, did, &name, policy_id, None, today)
                    .await?
            };
            if published.is_some() {
                total.inserted += 1;
            }
        }
    }
    for plan in plans() {
        total.inserted += crate::import::plan::apply(pool, &plan).await?;
        // The demo shows a plan as the city published it.
        crate::db::plans::publish_demo_plan(pool, &plan.municipality.slug, &plan.plan.slug).await?;
    }
    Ok(total)
}

/// A demo sign-in, documented in the README so a visitor can try the staff pages.
pub struct DemoAccount {
    /// The city's slug.
    pub city: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub display_name: &'static str,
    /// `admin`, or `department_head` of a department slug, or `section_chief` of a section name.
    pub role: &'static str,
    pub target: Option<&'static str>,
}

/// The demo accounts of 刈谷市 (roles for fiscal 2026).
pub const KARIYA_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        city: "kariya",
        username: "kariya-admin",
        password: "mokuhyo-demo-admin",
        display_name: "企画政策課 担当（デモ）",
        role: "admin",
        target: None,
    },
    DemoAccount {
        city: "kariya",
        username: "kikaku-bucho",
        password: "mokuhyo-demo-bucho",
        display_name: "企画財政部長（デモ）",
        role: "department_head",
        target: Some("kikaku-zaisei"),
    },
    DemoAccount {
        city: "kariya",
        username: "johoseisaku-kacho",
        password: "mokuhyo-demo-kacho",
        display_name: "情報政策課長（デモ）",
        role: "section_chief",
        target: Some("情報政策課"),
    },
];

/// The demo accounts of 国分寺市.
pub const KOKUBUNJI_ACCOUNTS: &[DemoAccount] = &[DemoAccount {
    city: "kokubunji",
    username: "kokubunji-admin",
    password: "mokuhyo-demo-admin",
    display_name: "企画担当（デモ）",
    role: "admin",
    target: None,
}];

/// The demo accounts of 加須市.
pub const KAZO_ACCOUNTS: &[DemoAccount] = &[DemoAccount {
    city: "kazo",
    username: "kazo-admin",
    password: "mokuhyo-demo-admin",
    display_name: "行政経営担当（デモ）",
    role: "admin",
    target: None,
}];

/// Creates the demo accounts that do not exist yet (existing ones are left alone, so a
/// changed demo password survives a reload). Returns how many were created.
pub async fn load_accounts(pool: &PgPool) -> Result<usize, crate::db::staff::GrantError> {
    let mut created = 0;
    for a in KARIYA_ACCOUNTS
        .iter()
        .chain(KOKUBUNJI_ACCOUNTS)
        .chain(KAZO_ACCOUNTS)
    {
        let exists = crate::db::staff::username_exists(pool, a.username).await?;
        if exists {
            continue;
        }
        let hash = crate::auth::password::hash(a.password);
        let mut tx = pool.begin().await?;
        let (mid, user_id) = crate::db::staff::insert_user_in_city(
            &mut tx,
            a.city,
            a.username,
            a.display_name,
            &hash,
        )
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        crate::db::staff::grant_role(&mut tx, mid, user_id, a.role, 2026, a.target).await?;
        // An address under example.jp (reserved for examples): e-mail can be tried against a
        // relay the tester runs, with no message ever reaching a real mailbox.
        let email = format!("{}@{}.example.jp", a.username, a.city);
        crate::db::staff::set_email(&mut tx, mid, user_id, Some(&email)).await?;
        tx.commit().await?;
        created += 1;
    }
    Ok(created)
}
