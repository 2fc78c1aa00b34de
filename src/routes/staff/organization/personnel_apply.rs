//! A confirmed personnel list written: accounts made (each with a one-time link, e-mailed
//! where the city's relay is set up), names and roles brought up to date, people no longer
//! listed disabled (their sessions end; nothing is deleted), one audit entry.

use super::personnel::LINK_DAYS;
use crate::auth::Staff;
use crate::db::directory as ddb;
use crate::db::personnel as pdb;
use crate::domain::personnel::Changes;
use crate::error::Result;
use crate::routes::staff::audit::Audit;
use axum::http::HeaderMap;
use sqlx::PgConnection;

/// The sign-in name of a listed person: `{city}-{staff number}`, or one made from the
/// number's hash where it has characters a sign-in name cannot hold.
pub fn list_username(city: &str, number: &str) -> String {
    let lower = number.to_lowercase();
    if lower.len() + city.len() < 78
        && lower
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        format!("{city}-{lower}")
    } else {
        use sha2::{Digest, Sha256};
        format!(
            "{city}-n{}",
            &hex::encode(Sha256::digest(lower.as_bytes()))[..12]
        )
    }
}

/// Where links point: the address staff open Mokuhyo at (the mail setting's), else this
/// request's host.
async fn base_url(tx: &mut PgConnection, mid: i64, headers: &HeaderMap) -> Result<String> {
    if let Some(s) = crate::db::mail::setting(tx, mid).await? {
        return Ok(s.app_url.trim_end_matches('/').to_owned());
    }
    let host = headers
        .get("x-forwarded-host")
        .or(headers.get(axum::http::header::HOST))
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v == "https");
    Ok(format!("{}://{host}", if https { "https" } else { "http" }))
}

/// Writes `changes` on `tx`; the new accounts' (name, username, link, whether e-mailed).
pub async fn apply(
    tx: &mut PgConnection,
    staff: &Staff,
    changes: &Changes,
    headers: &HeaderMap,
) -> Result<Vec<(String, String, String, bool)>> {
    let mid = staff.municipality_id;
    let base = base_url(tx, mid, headers).await?;
    let expires = chrono::Utc::now() + chrono::Duration::days(LINK_DAYS);
    let mut links = Vec::new();
    for (row, roles) in &changes.create {
        let username = list_username(&staff.municipality_slug, &row.number);
        let id = pdb::create_account(tx, mid, &username, row).await?;
        for d in roles {
            ddb::grant(tx, mid, id, *d).await?;
        }
        let token = crate::auth::session::random_token();
        pdb::create_link(tx, mid, id, &crate::auth::session::digest(&token), expires).await?;
        let path = format!("/login/welcome/{token}");
        let mailed = !row.mail.is_empty()
            && crate::mail::queue_welcome(
                tx,
                mid,
                crate::mail::Welcome {
                    city: &staff.municipality_name,
                    user_id: id,
                    to: &row.mail,
                    name: &row.name,
                    username: &username,
                    path: &path,
                    days: LINK_DAYS,
                },
            )
            .await?;
        links.push((row.name.clone(), username, format!("{base}{path}"), mailed));
    }
    for u in changes.changed() {
        if u.details || u.enable {
            pdb::refresh_account(tx, mid, u.id, &u.row).await?;
        }
        for d in &u.revoke {
            ddb::revoke(tx, mid, u.id, *d).await?;
        }
        for d in &u.grant {
            ddb::grant(tx, mid, u.id, *d).await?;
        }
    }
    for e in &changes.disable {
        crate::db::staff::set_disabled(tx, mid, e.id, true).await?;
    }
    let summary = serde_json::json!({
        "created": changes.create.len(),
        "updated": changes.changed().count(),
        "disabled": changes.disable.iter().map(|e| &e.number).collect::<Vec<_>>(),
    });
    Audit::of("update", "personnel_list", mid)
        .after(&summary)
        .record(tx, staff)
        .await?;
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_people_are_named_by_city_and_number() {
        assert_eq!(list_username("kariya", "0012"), "kariya-0012");
        let odd = list_username("kariya", "第12号");
        assert!(
            odd.starts_with("kariya-n") && odd.len() == "kariya-n".len() + 12,
            "{odd}"
        );
    }
}
