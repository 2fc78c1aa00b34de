//! April's transfers from the personnel list: planning staff upload the list for a year
//! (`/staff/admin/years/{year}/personnel`), see exactly what it changes — accounts to make,
//! roles to grant and take away, people no longer listed, problems placed by row — and
//! confirm; then everything is written in one transaction, new people get one-time links.

use crate::auth::Staff;
use crate::db::directory as ddb;
use crate::db::personnel as pdb;
use crate::directory::config::Roles;
use crate::directory::{Derived, DirectoryConfig, OrgDepartment};
use crate::domain::personnel::{Changes, Problem, changes, read};
use crate::error::{AppError, Result, render};
use crate::routes::staff::imports::read_upload;
use crate::routes::staff::require;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

/// How long a one-time link works.
pub const LINK_DAYS: i64 = 14;

#[derive(Template)]
#[template(path = "staff/organization/personnel.html")]
pub struct PersonnelPage {
    staff: Staff,
    year: i32,
    year_label: String,
    filename: String,
    /// A preview (or the list as confirmed).
    id: Option<i64>,
    changes: Changes,
    /// Read problems (file) before anything could be previewed.
    problems: Vec<Problem>,
    org: Vec<OrgDepartment>,
    state: String,
    stale: bool,
    /// After confirming: (name, username, link) of each new account, and whether e-mailed.
    links: Vec<(String, String, String, bool)>,
}

impl PersonnelPage {
    fn role_label(&self, d: &Derived) -> String {
        let department = |id: i64| {
            self.org
                .iter()
                .find(|d| d.id == id)
                .map_or("?", |d| d.name.as_str())
        };
        let section = |id: i64| {
            self.org
                .iter()
                .flat_map(|d| &d.sections)
                .find(|(s, _)| *s == id)
                .map_or("?", |(_, n)| n.as_str())
        };
        match *d {
            Derived::Admin => "企画担当".to_owned(),
            Derived::Viewer => "閲覧".to_owned(),
            Derived::Head(id) => format!("{}長", department(id)),
            Derived::Chief(id) => format!("{}長", section(id)),
        }
    }

    fn roles_label(&self, roles: &[Derived]) -> String {
        roles
            .iter()
            .map(|d| self.role_label(d))
            .collect::<Vec<_>>()
            .join("・")
    }
}

/// The roles a list's titles give: the directory setting's where the city has one.
async fn roles_config(state: &AppState, mid: i64) -> Result<Roles> {
    let text = ddb::setting(&state.pool, mid).await?;
    Ok(text
        .and_then(|t| DirectoryConfig::parse(&t).ok())
        .map(|c| Roles {
            everyone_else: "viewer".to_owned(),
            ..c.roles
        })
        .unwrap_or_default())
}

async fn year_of(state: &AppState, staff: &Staff, year: i32) -> Result<i64> {
    require(staff.roles.is_admin())?;
    let (fy, _) = crate::db::admin::year_ids(&state.pool, staff.municipality_id, year)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(fy)
}

fn page(state: &AppState, staff: Staff, year: i32, org: Vec<OrgDepartment>) -> PersonnelPage {
    PersonnelPage {
        staff,
        year,
        year_label: state.eras.fiscal_year_label(year),
        filename: String::new(),
        id: None,
        changes: Changes::default(),
        problems: vec![],
        org,
        state: String::new(),
        stale: false,
        links: vec![],
    }
}

/// `GET /staff/admin/years/{year}/personnel`.
pub async fn show_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
) -> Result<Response> {
    year_of(&state, &staff, year).await?;
    Ok(render(&page(&state, staff, year, vec![]))?.into_response())
}

/// `POST /staff/admin/years/{year}/personnel`: reads the list and keeps it for the preview.
pub async fn upload(
    State(state): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
    multipart: Multipart,
) -> Result<Response> {
    let fy = year_of(&state, &staff, year).await?;
    let u = read_upload(multipart).await?;
    let mut p = page(&state, staff, year, vec![]);
    p.filename = u.filename.chars().take(200).collect();
    let refuse = |mut p: PersonnelPage, problems: Vec<Problem>| -> Result<Response> {
        p.problems = problems;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
    };
    let grids = match crate::routes::staff::plans::import::read_grids(&u).await? {
        Ok(g) => g,
        Err(message) => {
            let sheet = p.filename.clone();
            return refuse(
                p,
                vec![Problem {
                    sheet,
                    row: None,
                    message,
                }],
            );
        }
    };
    let (rows, problems) = read(&grids);
    if !problems.is_empty() {
        return refuse(p, problems);
    }
    let mid = p.staff.municipality_id;
    let mut conn = state.pool.acquire().await?;
    let fingerprint = pdb::fingerprint(&pdb::existing(&mut conn, mid, fy).await?);
    drop(conn);
    let id = pdb::create_upload(
        &state.pool,
        mid,
        year,
        p.staff.user_id,
        &p.filename,
        &rows,
        &fingerprint,
    )
    .await?;
    Ok(Redirect::to(&format!("/staff/admin/years/{year}/personnel/{id}")).into_response())
}

/// The preview of a kept list against the accounts as they are now.
async fn preview(
    state: &AppState,
    conn: &mut sqlx::PgConnection,
    staff: Staff,
    (year, fy): (i32, i64),
    id: i64,
) -> Result<PersonnelPage> {
    let mid = staff.municipality_id;
    let kept = pdb::upload(&mut *conn, mid, id)
        .await?
        .filter(|u| u.year == year)
        .ok_or(AppError::NotFound)?;
    let existing = pdb::existing(&mut *conn, mid, fy).await?;
    let org = ddb::organization(&state.pool, mid, fy).await?;
    let roles = roles_config(state, mid).await?;
    let year_label = state.eras.fiscal_year_label(year);
    let mut p = page(state, staff, year, vec![]);
    p.changes = changes(&kept.rows, &existing, &org, &roles, &year_label);
    p.org = org;
    p.id = Some(id);
    p.filename = kept.filename;
    p.stale = kept.state == "stale"
        || (kept.state == "previewed" && pdb::fingerprint(&existing) != kept.fingerprint);
    p.state = kept.state;
    Ok(p)
}

/// `GET /staff/admin/years/{year}/personnel/{id}`.
pub async fn show_upload(
    State(state): State<AppState>,
    staff: Staff,
    Path((year, id)): Path<(i32, i64)>,
) -> Result<Response> {
    let fy = year_of(&state, &staff, year).await?;
    let mut conn = state.pool.acquire().await?;
    let p = preview(&state, &mut conn, staff, (year, fy), id).await?;
    Ok(render(&p)?.into_response())
}

/// `POST /staff/admin/years/{year}/personnel/{id}/confirm`: writes the list, all or nothing.
pub async fn confirm(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path((year, id)): Path<(i32, i64)>,
) -> Result<Response> {
    let fy = year_of(&state, &staff, year).await?;
    let mid = staff.municipality_id;
    let mut tx = state.pool.begin().await?;
    pdb::lock(&mut tx, mid).await?;
    let mut p = preview(&state, &mut tx, staff, (year, fy), id).await?;
    if p.state != "previewed" || !p.changes.problems.is_empty() {
        tx.rollback().await?;
        return Ok(
            Redirect::to(&format!("/staff/admin/years/{year}/personnel/{id}")).into_response(),
        );
    }
    if p.stale {
        pdb::settle(&mut tx, id, "stale").await?;
        tx.commit().await?;
        return Ok((StatusCode::CONFLICT, render(&p)?).into_response());
    }
    p.links = super::personnel_apply::apply(&mut tx, &p.staff, &p.changes, &headers).await?;
    pdb::settle(&mut tx, id, "applied").await?;
    tx.commit().await?;
    p.state = "applied".to_owned();
    Ok(render(&p)?.into_response())
}
