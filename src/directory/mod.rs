//! Sign-in through a city's directory (LDAP, Active Directory) with the `ldap3` client: find
//! the person with the service account, bind as them with the typed password, read their
//! attributes; and list everyone (the dry run of `mokuhyo directory`). Every value typed goes
//! into a filter escaped (RFC 4515), and every exchange ends within the configured timeout.

pub mod config;
pub mod dry_run;
pub mod roles;

pub use config::DirectoryConfig;
pub use roles::{Derived, OrgDepartment, Person};

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry};

/// Why a directory sign-in did not succeed.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// No such person, several, or the wrong password (told apart to nobody).
    WrongCredentials,
    /// The password was right, but the directory marks the account disabled.
    Disabled,
    /// The directory could not be reached, or answered out of turn (logged; the person is
    /// told to try later).
    Unreachable(String),
}

fn unreachable(e: impl std::fmt::Display) -> Refusal {
    Refusal::Unreachable(e.to_string())
}

/// LDAP's invalidCredentials.
const INVALID_CREDENTIALS: u32 = 49;
/// The longest name looked up (AD's names are at most 256 characters).
const MAX_NAME: usize = 256;

async fn connect(config: &DirectoryConfig) -> Result<Ldap, String> {
    let settings = LdapConnSettings::new()
        .set_conn_timeout(config.timeout())
        .set_starttls(config.starttls);
    let (conn, ldap) = LdapConnAsync::with_settings(settings, &config.url)
        .await
        .map_err(|e| format!("{}: {e}", config.url))?;
    ldap3::drive!(conn);
    Ok(ldap)
}

/// Connects and binds as the service account.
async fn service(config: &DirectoryConfig) -> Result<Ldap, String> {
    let mut ldap = connect(config).await?;
    let password = config.bind_password()?;
    ldap.simple_bind(&config.bind_dn, &password)
        .await
        .and_then(|r| r.success())
        .map_err(|e| format!("the service account could not bind: {e}"))?;
    Ok(ldap)
}

fn first(entry: &SearchEntry, attribute: &str) -> String {
    if attribute.is_empty() {
        return String::new();
    }
    entry
        .attrs
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(attribute))
        .and_then(|(_, values)| values.first())
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

fn person_of(config: &DirectoryConfig, entry: &SearchEntry) -> Person {
    let a = &config.attributes;
    let groups = entry
        .attrs
        .iter()
        .find(|(name, _)| !a.groups.is_empty() && name.eq_ignore_ascii_case(&a.groups))
        .map(|(_, values)| values.clone())
        .unwrap_or_default();
    let name_attr = name_attribute(config).unwrap_or_default();
    Person {
        dn: entry.dn.clone(),
        name: first(entry, &name_attr),
        display_name: first(entry, &a.display_name),
        kana: first(entry, &a.kana),
        mail: first(entry, &a.mail),
        department: first(entry, &a.department),
        section: first(entry, &a.section),
        title: first(entry, &a.title),
        groups,
    }
}

/// Whether `name` may be looked up at all (the password is checked by the directory).
fn plausible(name: &str, password: &str) -> bool {
    // An empty password would be an unauthenticated bind, which "succeeds" (RFC 4513 5.1.2).
    !password.is_empty()
        && !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.chars().any(|c| c.is_control() || c == '\u{FFFD}')
}

/// Checks `name` and `password` against the directory; the person as it describes them.
pub async fn authenticate(
    config: &DirectoryConfig,
    name: &str,
    password: &str,
) -> Result<Person, Refusal> {
    if !plausible(name, password) {
        return Err(Refusal::WrongCredentials);
    }
    tokio::time::timeout(config.timeout(), sign_in(config, name, password))
        .await
        .unwrap_or_else(|_| {
            Err(Refusal::Unreachable(format!(
                "no answer within {} s",
                config.timeout_seconds
            )))
        })
}

async fn sign_in(config: &DirectoryConfig, name: &str, password: &str) -> Result<Person, Refusal> {
    let mut ldap = service(config).await.map_err(Refusal::Unreachable)?;
    let filter = config
        .user_filter
        .replace("{username}", &ldap3::ldap_escape(name));
    let mut attrs = config.wanted();
    attrs.extend(name_attribute(config));
    let (entries, _) = ldap
        .search(&config.base_dn, Scope::Subtree, &filter, attrs)
        .await
        .and_then(|r| r.success())
        .map_err(unreachable)?;
    let [entry] = <[_; 1]>::try_from(entries).map_err(|_| Refusal::WrongCredentials)?;
    let entry = SearchEntry::construct(entry);
    let bound = ldap
        .simple_bind(&entry.dn, password)
        .await
        .map_err(unreachable)?;
    match bound.rc {
        0 => {}
        INVALID_CREDENTIALS => return Err(Refusal::WrongCredentials),
        _ => return Err(unreachable(bound)),
    }
    if !config.attributes.disabled.is_empty() {
        // Read as the service account: the person may not see their own flags.
        let password = config.bind_password().map_err(Refusal::Unreachable)?;
        ldap.simple_bind(&config.bind_dn, &password)
            .await
            .and_then(|r| r.success())
            .map_err(unreachable)?;
        let (hits, _) = ldap
            .search(
                &entry.dn,
                Scope::Base,
                &config.attributes.disabled,
                vec!["1.1"],
            )
            .await
            .and_then(|r| r.success())
            .map_err(unreachable)?;
        if !hits.is_empty() {
            return Err(Refusal::Disabled);
        }
    }
    let _ = ldap.unbind().await;
    let mut person = person_of(config, &entry);
    if person.name.is_empty() {
        person.name = name.to_owned();
    }
    Ok(person)
}

/// The attribute `{username}` stands for in the user filter (`sAMAccountName`, `uid`).
pub fn name_attribute(config: &DirectoryConfig) -> Option<String> {
    let at = config.user_filter.find("{username}")?;
    let before = config.user_filter[..at].strip_suffix('=')?;
    let start = before.rfind('(')? + 1;
    Some(before[start..].trim().to_owned()).filter(|a| !a.is_empty())
}

/// One person found by [`everyone`]: their sign-in name, and whether disabled.
pub struct Listed {
    pub name: String,
    pub person: Person,
    pub disabled: bool,
}

/// Everyone the user filter finds (a page of 500 at a time, so a directory's size limit does
/// not cut the list), for the dry run.
pub async fn everyone(config: &DirectoryConfig) -> Result<Vec<Listed>, String> {
    use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
    let name_attr = name_attribute(config)
        .ok_or("user_filter の {username} の前に属性名（sAMAccountName= など）がありません。")?;
    let mut ldap = tokio::time::timeout(config.timeout(), service(config))
        .await
        .map_err(|_| format!("no answer within {} s", config.timeout_seconds))??;
    let filter = config.user_filter.replace("{username}", "*");
    let mut attrs = config.wanted();
    attrs.push(name_attr.clone());
    let mut disabled = std::collections::HashSet::new();
    if !config.attributes.disabled.is_empty() {
        let both = format!("(&{filter}{})", config.attributes.disabled);
        let (hits, _) = ldap
            .search(&config.base_dn, Scope::Subtree, &both, vec!["1.1"])
            .await
            .and_then(|r| r.success())
            .map_err(|e| e.to_string())?;
        disabled.extend(hits.into_iter().map(|e| SearchEntry::construct(e).dn));
    }
    let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![
        Box::new(EntriesOnly::new()),
        Box::new(PagedResults::new(500)),
    ];
    let mut stream = ldap
        .streaming_search_with(adapters, &config.base_dn, Scope::Subtree, &filter, attrs)
        .await
        .map_err(|e| e.to_string())?;
    let mut found = Vec::new();
    while let Some(entry) = stream.next().await.map_err(|e| e.to_string())? {
        let entry = SearchEntry::construct(entry);
        found.push(Listed {
            name: first(&entry, &name_attr),
            disabled: disabled.contains(&entry.dn),
            person: person_of(config, &entry),
        });
    }
    stream.finish().await.success().map_err(|e| e.to_string())?;
    let _ = ldap.unbind().await;
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_attribute_is_read_from_the_filter() {
        let mut c = DirectoryConfig::parse(
            "url = \"ldap://x\"\nbind_dn = \"cn=a\"\nbind_password = \"p\"\nbase_dn = \"dc=x\"\n\
             user_filter = \"(&(objectClass=user)(sAMAccountName={username}))\"\n",
        )
        .unwrap();
        assert_eq!(name_attribute(&c).as_deref(), Some("sAMAccountName"));
        c.user_filter = "(uid={username})".to_owned();
        assert_eq!(name_attribute(&c).as_deref(), Some("uid"));
    }

    #[test]
    fn empty_passwords_and_odd_names_are_never_sent() {
        assert!(!plausible("tanaka", ""));
        assert!(!plausible("", "pw"));
        assert!(!plausible("tan\naka", "pw"));
        assert!(!plausible(&"a".repeat(300), "pw"));
        assert!(!plausible("yamada\u{FFFD}", "pw"));
        assert!(plausible("*)(uid=*", "pw"), "escaped, not refused");
    }
}
