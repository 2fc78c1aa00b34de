//! A city's `directory.toml`: where its directory is, how to find a person in it, which of
//! their attributes to read, and which posts and groups give which roles.

use serde::Deserialize;

/// The longest `timeout_seconds` accepted: sign-in must never hang for long.
const MAX_TIMEOUT: u64 = 60;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryConfig {
    /// `ldap://host:389` or `ldaps://host:636`.
    pub url: String,
    #[serde(default)]
    pub starttls: bool,
    pub bind_dn: String,
    /// The service account's password, written here…
    #[serde(default)]
    pub bind_password: Option<String>,
    /// …or the name of the environment variable holding it (preferred).
    #[serde(default)]
    pub bind_password_env: Option<String>,
    pub base_dn: String,
    /// An LDAP filter with `{username}` where the typed name goes (escaped).
    pub user_filter: String,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    #[serde(default)]
    pub attributes: Attributes,
    #[serde(default)]
    pub roles: Roles,
}

fn default_timeout() -> u64 {
    5
}

/// Which attribute holds what (empty: not read).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Attributes {
    pub display_name: String,
    pub kana: String,
    pub mail: String,
    pub department: String,
    pub section: String,
    pub title: String,
    pub groups: String,
    /// An LDAP filter matching a disabled account (empty: none is).
    pub disabled: String,
}

impl Default for Attributes {
    fn default() -> Self {
        Attributes {
            display_name: "displayName".to_owned(),
            kana: String::new(),
            mail: "mail".to_owned(),
            department: "department".to_owned(),
            section: String::new(),
            title: "title".to_owned(),
            groups: "memberOf".to_owned(),
            disabled: String::new(),
        }
    }
}

/// Who gets which role in the year.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Roles {
    /// Group DNs whose members are planning staff.
    pub admin_groups: Vec<String>,
    pub head_titles: Vec<String>,
    pub chief_titles: Vec<String>,
    /// `viewer` (read everything) or `none` (may not sign in).
    pub everyone_else: String,
}

impl Default for Roles {
    fn default() -> Self {
        Roles {
            admin_groups: vec![],
            head_titles: vec!["部長".to_owned()],
            chief_titles: ["課長", "室長", "所長", "センター長"]
                .map(str::to_owned)
                .to_vec(),
            everyone_else: "viewer".to_owned(),
        }
    }
}

impl DirectoryConfig {
    /// Reads and checks a `directory.toml`; the message says what is wrong, in Japanese.
    pub fn parse(text: &str) -> Result<DirectoryConfig, String> {
        let config: DirectoryConfig =
            toml::from_str(text).map_err(|e| format!("directory.toml を読めません: {e}"))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        let url = self.url.to_ascii_lowercase();
        if !(url.starts_with("ldap://") || url.starts_with("ldaps://")) {
            return Err("url は ldap:// または ldaps:// で始めてください。".to_owned());
        }
        if self.starttls && url.starts_with("ldaps://") {
            return Err("ldaps:// では starttls を使いません（false にしてください）。".to_owned());
        }
        if !self.user_filter.contains("{username}") {
            return Err("user_filter に {username} を含めてください。".to_owned());
        }
        for (name, filter) in [
            ("user_filter", self.user_filter.as_str()),
            ("attributes.disabled", self.attributes.disabled.as_str()),
        ] {
            if !(filter.is_empty() || filter.starts_with('(') && filter.ends_with(')')) {
                return Err(format!(
                    "{name} は括弧で囲んだ LDAP フィルターにしてください。"
                ));
            }
        }
        if self.base_dn.trim().is_empty() || self.bind_dn.trim().is_empty() {
            return Err("base_dn と bind_dn を指定してください。".to_owned());
        }
        if self.bind_password.is_some() == self.bind_password_env.is_some() {
            return Err(
                "bind_password か bind_password_env のどちらか一方を指定してください。".to_owned(),
            );
        }
        if !(1..=MAX_TIMEOUT).contains(&self.timeout_seconds) {
            return Err(format!(
                "timeout_seconds は 1〜{MAX_TIMEOUT} にしてください。"
            ));
        }
        if !["viewer", "none"].contains(&self.roles.everyone_else.as_str()) {
            return Err(
                "roles.everyone_else は \"viewer\" か \"none\" にしてください。".to_owned(),
            );
        }
        Ok(())
    }

    /// The service account's password (from the environment where so configured).
    pub fn bind_password(&self) -> Result<String, String> {
        match (&self.bind_password, &self.bind_password_env) {
            (Some(p), _) => Ok(p.clone()),
            (None, Some(var)) => std::env::var(var).map_err(|_| {
                format!("環境変数 {var} にサービスアカウントのパスワードがありません。")
            }),
            (None, None) => Err("bind_password がありません。".to_owned()),
        }
    }

    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_seconds)
    }

    /// The attributes read of a person.
    pub fn wanted(&self) -> Vec<String> {
        let a = &self.attributes;
        [
            &a.display_name,
            &a.kana,
            &a.mail,
            &a.department,
            &a.section,
            &a.title,
            &a.groups,
        ]
        .into_iter()
        .filter(|n| !n.is_empty())
        .cloned()
        .collect()
    }

    /// The setting as planning staff see it: the password never, only where it comes from.
    pub fn redacted(text: &str) -> String {
        text.lines()
            .map(|line| {
                let key = line.split('=').next().unwrap_or("").trim();
                if key == "bind_password" {
                    "bind_password = \"（設定済み・表示しません）\"".to_owned()
                } else {
                    line.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AD: &str = r#"
url = "ldap://dc01.city.local"
starttls = true
bind_dn = "CN=mokuhyo,OU=Service,DC=city,DC=local"
bind_password_env = "MOKUHYO_LDAP_PASSWORD"
base_dn = "OU=Staff,DC=city,DC=local"
user_filter = "(&(objectClass=user)(sAMAccountName={username}))"
timeout_seconds = 5

[attributes]
display_name = "displayName"
department = "department"
section = "physicalDeliveryOfficeName"
title = "title"
groups = "memberOf"
disabled = "(userAccountControl:1.2.840.113556.1.4.803:=2)"

[roles]
admin_groups = ["CN=Mokuhyo-Planning,OU=Groups,DC=city,DC=local"]
head_titles = ["部長"]
chief_titles = ["課長", "室長"]
everyone_else = "viewer"
"#;

    #[test]
    fn an_active_directory_setting_reads() {
        let c = DirectoryConfig::parse(AD).unwrap();
        assert!(c.starttls);
        assert_eq!(c.roles.chief_titles, ["課長", "室長"]);
        assert_eq!(c.attributes.kana, "");
        assert!(c.wanted().contains(&"memberOf".to_owned()));
        assert!(!c.wanted().contains(&String::new()));
    }

    #[test]
    fn mistakes_are_named() {
        let bad = |from: &str, to: &str| DirectoryConfig::parse(&AD.replace(from, to)).unwrap_err();
        assert!(bad("ldap://dc01", "http://dc01").contains("url"));
        assert!(bad("sAMAccountName={username}", "sAMAccountName=x").contains("{username}"));
        assert!(bad("timeout_seconds = 5", "timeout_seconds = 600").contains("timeout_seconds"));
        assert!(
            bad("everyone_else = \"viewer\"", "everyone_else = \"admin\"")
                .contains("everyone_else")
        );
        assert!(bad("bind_password_env", "bind_passwort_env").contains("directory.toml"));
        let both = AD.replace(
            "bind_password_env = \"MOKUHYO_LDAP_PASSWORD\"",
            "bind_password_env = \"X\"\nbind_password = \"y\"",
        );
        assert!(
            DirectoryConfig::parse(&both)
                .unwrap_err()
                .contains("どちらか一方")
        );
    }

    #[test]
    fn the_service_password_comes_from_the_environment_where_so_set() {
        let c = DirectoryConfig::parse(&AD.replace("MOKUHYO_LDAP_PASSWORD", "PATH")).unwrap();
        assert_eq!(c.bind_password().ok(), std::env::var("PATH").ok());
        let missing = DirectoryConfig::parse(
            &AD.replace("MOKUHYO_LDAP_PASSWORD", "MOKUHYO_NO_SUCH_VARIABLE_9"),
        )
        .unwrap()
        .bind_password()
        .unwrap_err();
        assert!(missing.contains("MOKUHYO_NO_SUCH_VARIABLE_9"));
    }

    #[test]
    fn the_password_is_never_shown() {
        let text = "url = \"ldap://x\"\nbind_password = \"s3cret\"\n";
        let shown = DirectoryConfig::redacted(text);
        assert!(!shown.contains("s3cret"));
        assert!(shown.contains("url = \"ldap://x\""));
    }
}
