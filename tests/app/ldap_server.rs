//! A real OpenLDAP server (Debian's `slapd`) for the tests, started in a temporary directory
//! on a free port and stopped when dropped, holding a city's staff as a directory would:
//! people with Japanese names, departments, sections, titles, a planning group (memberOf), a
//! service account and a disabled account.

use ldap3::{Ldap, LdapConnAsync, Mod};
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const SUFFIX: &str = "dc=kariya,dc=example";
pub const SERVICE_DN: &str = "cn=mokuhyo,dc=kariya,dc=example";
pub const SERVICE_PASSWORD: &str = "service-account-secret";
pub const ADMIN_GROUP: &str = "cn=kikaku,ou=groups,dc=kariya,dc=example";
const ROOT_DN: &str = "cn=admin,dc=kariya,dc=example";
const ROOT_PASSWORD: &str = "root-secret-for-tests";

/// One person of the directory: uid, name, department, section, title, password.
pub struct Staffer<'a> {
    pub uid: &'a str,
    pub name: &'a str,
    pub department: &'a str,
    pub section: &'a str,
    pub title: &'a str,
    pub password: &'a str,
    pub disabled: bool,
    pub planner: bool,
}

pub struct Slapd {
    child: Option<Child>,
    _dir: tempfile::TempDir,
    pub url: String,
}

fn slapd_binary() -> Option<&'static str> {
    ["/usr/sbin/slapd", "/usr/local/libexec/slapd"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Slapd {
    /// Starts a directory with `people`. Panics with how to install slapd when missing.
    pub async fn start(people: &[Staffer<'_>]) -> Slapd {
        let binary = slapd_binary().expect(
            "the directory tests need OpenLDAP's server: install Debian's slapd \
             (`apt-get install slapd`; `.ci/run` does)",
        );
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let config = dir.path().join("slapd.conf");
        std::fs::write(
            &config,
            format!(
                "include /etc/ldap/schema/core.schema\n\
                 include /etc/ldap/schema/cosine.schema\n\
                 include /etc/ldap/schema/inetorgperson.schema\n\
                 modulepath /usr/lib/ldap\n\
                 moduleload back_mdb\n\
                 moduleload memberof\n\
                 pidfile {dir}/slapd.pid\n\
                 database mdb\n\
                 suffix \"{SUFFIX}\"\n\
                 rootdn \"{ROOT_DN}\"\n\
                 rootpw {ROOT_PASSWORD}\n\
                 directory {data}\n\
                 overlay memberof\n\
                 access to attrs=userPassword by self read by anonymous auth by * none\n\
                 access to * by * read\n",
                dir = dir.path().display(),
                data = data.display(),
            ),
        )
        .unwrap();
        let port = free_port();
        let url = format!("ldap://127.0.0.1:{port}");
        let child = Command::new(binary)
            .args([
                "-f",
                config.to_str().unwrap(),
                "-h",
                &format!("{url}/"),
                "-d",
                "0",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("slapd starts");
        let mut server = Slapd {
            child: Some(child),
            _dir: dir,
            url,
        };
        server.wait_until_answering().await;
        server.load(people).await;
        server
    }

    async fn wait_until_answering(&mut self) {
        for _ in 0..200 {
            if let Ok((conn, mut ldap)) = LdapConnAsync::new(&self.url).await {
                ldap3::drive!(conn);
                if ldap
                    .simple_bind(ROOT_DN, ROOT_PASSWORD)
                    .await
                    .is_ok_and(|r| r.rc == 0)
                {
                    return;
                }
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("slapd exited: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("slapd did not answer at {}", self.url);
    }

    /// A connection bound as the directory's administrator.
    pub async fn admin(&self) -> Ldap {
        let (conn, mut ldap) = LdapConnAsync::new(&self.url).await.unwrap();
        ldap3::drive!(conn);
        ldap.simple_bind(ROOT_DN, ROOT_PASSWORD)
            .await
            .unwrap()
            .success()
            .unwrap();
        ldap
    }

    async fn load(&self, people: &[Staffer<'_>]) {
        let mut ldap = self.admin().await;
        let add = |dn: String, attrs: Vec<(&'static str, Vec<String>)>| {
            let mut ldap = ldap.clone();
            async move {
                let attrs: Vec<(&str, HashSet<&str>)> = attrs
                    .iter()
                    .map(|(k, v)| (*k, v.iter().map(String::as_str).collect()))
                    .collect();
                ldap.add(&dn, attrs).await.unwrap().success().unwrap();
            }
        };
        let one = |s: &str| vec![s.to_owned()];
        add(
            SUFFIX.into(),
            vec![
                (
                    "objectClass",
                    vec!["dcObject".into(), "organization".into()],
                ),
                ("dc", one("kariya")),
                ("o", one("刈谷市")),
            ],
        )
        .await;
        for ou in ["people", "groups"] {
            add(
                format!("ou={ou},{SUFFIX}"),
                vec![("objectClass", one("organizationalUnit")), ("ou", one(ou))],
            )
            .await;
        }
        add(
            SERVICE_DN.into(),
            vec![
                (
                    "objectClass",
                    vec!["organizationalRole".into(), "simpleSecurityObject".into()],
                ),
                ("cn", one("mokuhyo")),
                ("userPassword", one(SERVICE_PASSWORD)),
            ],
        )
        .await;
        let mut planners = Vec::new();
        for p in people {
            let dn = format!("uid={},ou=people,{SUFFIX}", p.uid);
            let mut attrs = vec![
                ("objectClass", one("inetOrgPerson")),
                ("uid", one(p.uid)),
                ("cn", one(p.name)),
                ("sn", one(p.name.split(' ').next().unwrap_or(p.name))),
                ("displayName", one(p.name)),
                ("mail", one(&format!("{}@city.kariya.example", p.uid))),
                ("departmentNumber", one(p.department)),
                ("title", one(p.title)),
                ("userPassword", one(p.password)),
            ];
            if !p.section.is_empty() {
                attrs.push(("ou", one(p.section)));
            }
            if p.disabled {
                attrs.push(("employeeType", one("disabled")));
            }
            add(dn.clone(), attrs).await;
            if p.planner {
                planners.push(dn);
            }
        }
        add(
            ADMIN_GROUP.into(),
            vec![
                ("objectClass", one("groupOfNames")),
                ("cn", one("kikaku")),
                ("member", planners),
            ],
        )
        .await;
        let _ = ldap.unbind().await;
    }

    /// Changes a person's attribute (a transfer entered in the directory).
    pub async fn set(&self, uid: &str, attribute: &str, value: &str) {
        let mut ldap = self.admin().await;
        let dn = format!("uid={uid},ou=people,{SUFFIX}");
        ldap.modify(&dn, vec![Mod::Replace(attribute, HashSet::from([value]))])
            .await
            .unwrap()
            .success()
            .unwrap();
    }

    /// Stops the server (the directory down).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A `directory.toml` for this server, as the README's OpenLDAP example reads.
    pub fn config(&self) -> String {
        format!(
            r#"url = "{url}"
starttls = false
bind_dn = "{SERVICE_DN}"
bind_password = "{SERVICE_PASSWORD}"
base_dn = "ou=people,{SUFFIX}"
user_filter = "(&(objectClass=inetOrgPerson)(uid={{username}}))"
timeout_seconds = 2

[attributes]
display_name = "displayName"
mail = "mail"
department = "departmentNumber"
section = "ou"
title = "title"
groups = "memberOf"
disabled = "(employeeType=disabled)"

[roles]
admin_groups = ["{ADMIN_GROUP}"]
head_titles = ["部長"]
chief_titles = ["課長", "室長"]
everyone_else = "viewer"
"#,
            url = self.url
        )
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
    }
}
