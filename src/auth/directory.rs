//! Signing in through a city's directory: which city's directory a sign-in name goes to, and
//! what becomes of the answer (an account with this year's roles, or a message).

use crate::db::directory as db;
use crate::directory::{self, DirectoryConfig, Refusal};
use crate::error::Result;
use crate::state::AppState;
use axum::http::StatusCode;

/// What a directory sign-in came to.
pub enum Outcome {
    /// The account to start a session for.
    SignedIn(i64),
    /// Refused: the message, the status, and whether it counts as a failed attempt (a
    /// directory that is down is nobody's failure).
    Refused(String, StatusCode, bool),
}

const WRONG: &str = "ユーザー名またはパスワードが正しくありません。";

fn refused(message: impl Into<String>, status: StatusCode, failure: bool) -> Option<Outcome> {
    Some(Outcome::Refused(message.into(), status, failure))
}

/// The city whose directory `username` signs in to, and the name to look up there:
/// `name@city`, else the city chosen on the form, else the only city with a directory.
fn target<'a>(
    cities: &'a [(String, String, String)],
    username: &'a str,
    chosen: Option<&str>,
) -> Option<(&'a (String, String, String), &'a str)> {
    let find = |slug: &str| cities.iter().find(|c| c.0.eq_ignore_ascii_case(slug));
    if let Some((name, slug)) = username.rsplit_once('@') {
        return find(slug).map(|c| (c, name));
    }
    match chosen.filter(|c| !c.is_empty()) {
        Some(slug) => find(slug).map(|c| (c, username)),
        None if cities.len() == 1 => Some((&cities[0], username)),
        None => None,
    }
}

/// Signs `username` in through a directory, if one is theirs (None: no directory applies).
pub async fn sign_in(
    state: &AppState,
    username: &str,
    chosen: Option<&str>,
    password: &str,
) -> Result<Option<Outcome>> {
    let cities = db::cities(&state.pool).await?;
    let Some(((slug, _, text), name)) = target(&cities, username, chosen) else {
        return Ok(None);
    };
    let unavailable = "ディレクトリ（Active Directory 等）に接続できませんでした。しばらくしてから\
                       もう一度お試しください。解決しないときは情報システムの担当課にお問い合わせください。";
    let config = match DirectoryConfig::parse(text) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(city = %slug, problem = %e, "the stored directory setting does not read");
            return Ok(refused(unavailable, StatusCode::SERVICE_UNAVAILABLE, false));
        }
    };
    let person = match directory::authenticate(&config, name, password).await {
        Ok(p) => p,
        Err(Refusal::WrongCredentials) => {
            return Ok(refused(WRONG, StatusCode::UNAUTHORIZED, true));
        }
        Err(Refusal::Disabled) => {
            return Ok(refused(
                "このアカウントはディレクトリで無効になっています。",
                StatusCode::FORBIDDEN,
                true,
            ));
        }
        Err(Refusal::Unreachable(e)) => {
            tracing::warn!(city = %slug, problem = %e, "directory sign-in: the directory did not answer");
            return Ok(refused(unavailable, StatusCode::SERVICE_UNAVAILABLE, false));
        }
    };
    Ok(Some(account(state, slug, &config, &person).await?))
}

/// The account of a person the directory vouched for, with this year's roles.
async fn account(
    state: &AppState,
    slug: &str,
    config: &DirectoryConfig,
    person: &directory::Person,
) -> Result<Outcome> {
    let Some(mid) = db::city_id(&state.pool, slug).await? else {
        return Ok(Outcome::Refused(
            WRONG.into(),
            StatusCode::UNAUTHORIZED,
            true,
        ));
    };
    let today = state.clock.today();
    let current = crate::domain::era::fiscal_year_of(today);
    let Some((fy, year)) = db::role_year(&state.pool, mid, current).await? else {
        let message = "この自治体にはまだ年度がありません。企画政策課にお問い合わせください。";
        return Ok(Outcome::Refused(
            message.into(),
            StatusCode::FORBIDDEN,
            false,
        ));
    };
    let org = db::organization(&state.pool, mid, fy).await?;
    let year_label = state.eras.fiscal_year_label(year);
    let derived = match directory::roles::derive(person, &config.roles, &org, &year_label) {
        Ok(d) => d,
        Err(why) => {
            let message = format!(
                "ディレクトリの情報ではログインできません：{why}企画政策課にお問い合わせください。"
            );
            return Ok(Outcome::Refused(message, StatusCode::FORBIDDEN, false));
        }
    };
    let mut tx = state.pool.begin().await?;
    let id = db::sign_in_person(&mut tx, mid, slug, person, fy, &derived).await?;
    tx.commit().await?;
    Ok(match id {
        Some(id) => Outcome::SignedIn(id),
        None => Outcome::Refused(
            "このアカウントは使用できません。企画政策課にお問い合わせください。".into(),
            StatusCode::FORBIDDEN,
            true,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_goes_to_its_citys_directory() {
        let one = vec![("kariya".to_owned(), "刈谷市".to_owned(), String::new())];
        assert_eq!(
            target(&one, "tanaka", None).map(|(c, n)| (c.0.as_str(), n)),
            Some(("kariya", "tanaka"))
        );
        let two = vec![
            ("kariya".to_owned(), "刈谷市".to_owned(), String::new()),
            ("kazo".to_owned(), "加須市".to_owned(), String::new()),
        ];
        assert!(target(&two, "tanaka", None).is_none());
        assert_eq!(
            target(&two, "tanaka@kazo", None).map(|(c, n)| (c.0.as_str(), n)),
            Some(("kazo", "tanaka"))
        );
        assert_eq!(
            target(&two, "tanaka", Some("kazo")).map(|(c, _)| c.0.as_str()),
            Some("kazo")
        );
        assert!(target(&two, "tanaka@nowhere", None).is_none());
        assert!(target(&[], "tanaka", None).is_none());
    }
}
