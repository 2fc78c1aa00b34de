//! A private PostgreSQL cluster under the data directory, so Mokuhyo runs with no database
//! configuration at all.
//!
//! The cluster lives in `DATA_DIR/pg/` (`data/` for the cluster, `run/` for its Unix socket,
//! `postgres.log`). It listens only on a Unix socket in a directory only its owner can enter,
//! never on TCP, so it cannot clash with a PostgreSQL already running on the machine and no
//! other local user can reach it. When started as root (PostgreSQL refuses to run as root),
//! the cluster is owned by and run as the unprivileged `postgres` user.
//!
//! A watchdog process holds a pipe from this process and stops the cluster when the pipe
//! closes, so the cluster does not outlive a crashed or killed server (or test run).

use nix::unistd::{Gid, Uid, User};
use sqlx::postgres::PgConnectOptions;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

mod supervisor;
pub use supervisor::Supervised;

/// The port only names the socket file; nothing listens on TCP.
const PORT: u16 = 5432;
/// Unix socket paths are limited to 107 bytes on Linux (103 on macOS).
const MAX_SOCKET_DIR_LEN: usize = 90;

/// Why the private cluster could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "PostgreSQL was not found on this machine: install it with `sudo apt-get install postgresql` \
         (Debian/Ubuntu) or `brew install postgresql@17` (macOS), or set DATABASE_URL to use an existing database."
    )]
    BinariesNotFound,
    #[error(
        "running as root, but there is no unprivileged `postgres` user to run the private PostgreSQL cluster as; \
         run Mokuhyo as a normal user, create that user, or set DATABASE_URL."
    )]
    NoUnprivilegedUser,
    #[error(
        "the `postgres` user cannot enter {0}, so it cannot run the private cluster there; \
         set DATA_DIR to a directory it can reach (e.g. /var/lib/mokuhyo) or set DATABASE_URL."
    )]
    Unreachable(PathBuf),
    #[error(
        "the cluster in {dir} was made by PostgreSQL {found}, but this machine has PostgreSQL {have}; \
         use a new DATA_DIR or install PostgreSQL {found}."
    )]
    VersionMismatch {
        dir: PathBuf,
        found: String,
        have: String,
    },
    #[error("{command} failed: {detail}")]
    Command { command: String, detail: String },
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
}

/// How the cluster is run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Trade durability for speed (fsync off): for throw-away test clusters.
    pub ephemeral: bool,
    /// Take over a cluster found running (the server does; a one-off command leaves it to
    /// whoever started it).
    pub adopt_running: bool,
}

/// A running private cluster.
pub struct PrivateCluster {
    bin_dir: PathBuf,
    base: PathBuf,
    socket_dir: PathBuf,
    owner: Option<(Uid, Gid)>,
    options: Options,
    started_here: bool,
    _watchdog: Option<Child>,
}

impl PrivateCluster {
    /// Creates the cluster under `data_dir` if it does not exist yet, and starts it unless it
    /// is already running. With `remove_on_exit`, the watchdog also deletes `data_dir` once
    /// this process has exited.
    pub fn start(
        data_dir: &Path,
        options: Options,
        remove_on_exit: bool,
    ) -> Result<Self, ClusterError> {
        let bin_dir = find_bin_dir()?;
        let owner = if Uid::effective().is_root() {
            let user = User::from_name("postgres")
                .ok()
                .flatten()
                .ok_or(ClusterError::NoUnprivilegedUser)?;
            Some((user.uid, user.gid))
        } else {
            None
        };
        fs::create_dir_all(data_dir)
            .map_err(|e| io(format!("creating {}", data_dir.display()), e))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(|e| io(format!("resolving {}", data_dir.display()), e))?;
        let base = data_dir.join("pg");
        let pgdata = base.join("data");
        let mut socket_dir = base.join("run");
        if socket_dir.as_os_str().len() > MAX_SOCKET_DIR_LEN {
            socket_dir = std::env::temp_dir().join(format!("mokuhyo-{:x}", path_hash(&base)));
        }
        for dir in [&base, &socket_dir] {
            private_dir(dir, owner)?;
        }
        if remove_on_exit && let Some((uid, gid)) = owner {
            // The watchdog runs as the owner and must be able to delete the directory.
            chown(&data_dir, uid, gid)?;
        }
        if let Some((uid, _)) = owner {
            check_reachable(&base, uid)?;
        }

        let mut cluster = Self {
            bin_dir,
            base,
            socket_dir,
            owner,
            options,
            started_here: false,
            _watchdog: None,
        };
        cluster.init_if_needed(&pgdata, options)?;
        if !cluster.is_running(&pgdata) {
            cluster.run_pg_ctl_start(&pgdata, options)?;
            cluster.started_here = true;
        } else if options.adopt_running {
            // Left running by a server that was killed (its watchdog gone too), or started by
            // another server on the same DATA_DIR: adopted, so it is watched and stopped with us.
            tracing::info!(dir = %pgdata.display(), "adopting the running private PostgreSQL cluster");
            cluster.started_here = true;
        }
        if cluster.started_here || remove_on_exit {
            cluster._watchdog =
                Some(cluster.spawn_watchdog(&pgdata, remove_on_exit.then_some(&data_dir))?);
        }
        Ok(cluster)
    }

    /// Whether the cluster's postmaster is alive (its pid file names a running process).
    pub fn is_alive(&self) -> bool {
        self.postmaster_pid().is_some_and(|pid| {
            pid > 0 && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
        })
    }

    /// Starts the cluster again after its postmaster died (a stale pid file is removed by
    /// PostgreSQL itself once no old backend is attached).
    pub fn restart(&mut self) -> Result<(), ClusterError> {
        let pgdata = self.base.join("data");
        self.run_pg_ctl_start(&pgdata, self.options)?;
        self.started_here = true;
        if self._watchdog.is_none() {
            self._watchdog = Some(self.spawn_watchdog(&pgdata, None)?);
        }
        Ok(())
    }

    /// The postmaster's pid, when running (for tests that kill it).
    pub fn postmaster_pid(&self) -> Option<i32> {
        fs::read_to_string(self.base.join("data").join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    /// Connection options for a database of this cluster, as its superuser.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(PORT)
            .username("postgres")
            .database(database)
    }

    /// A libpq-style URL for tools such as psql.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgresql://postgres@/{database}?host={}&port={PORT}",
            self.socket_dir.display()
        )
    }

    /// Stops the cluster if this process started or adopted it (fast shutdown: open sessions
    /// are ended).
    pub fn stop(&mut self) -> Result<(), ClusterError> {
        if !self.started_here {
            return Ok(());
        }
        let pgdata = self.base.join("data");
        let mut cmd = self.command("pg_ctl");
        cmd.arg("-D")
            .arg(&pgdata)
            .args(["stop", "-m", "fast", "-w"]);
        run(cmd, "pg_ctl stop")?;
        self.started_here = false;
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(program));
        cmd.current_dir(&self.base)
            .env_remove("PGDATA")
            .env("LC_ALL", "C");
        if let Some((uid, gid)) = self.owner {
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
        }
        cmd
    }

    fn init_if_needed(&self, pgdata: &Path, options: Options) -> Result<(), ClusterError> {
        let have = server_major_version(&self.bin_dir)?;
        match fs::read_to_string(pgdata.join("PG_VERSION")) {
            Ok(found) if found.trim() == have => return Ok(()),
            Ok(found) => {
                return Err(ClusterError::VersionMismatch {
                    dir: pgdata.to_owned(),
                    found: found.trim().to_owned(),
                    have,
                });
            }
            Err(_) => {}
        }
        if pgdata.exists() {
            // A half-made cluster from an interrupted first start: make it again.
            fs::remove_dir_all(pgdata)
                .map_err(|e| io(format!("removing {}", pgdata.display()), e))?;
        }
        tracing::info!(dir = %pgdata.display(), "creating a private PostgreSQL cluster");
        let mut cmd = self.command("initdb");
        cmd.arg("-D").arg(pgdata).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        ]);
        if options.ephemeral {
            cmd.arg("--no-sync");
        }
        run(cmd, "initdb")?;
        Ok(())
    }

    fn is_running(&self, pgdata: &Path) -> bool {
        let mut cmd = self.command("pg_ctl");
        cmd.arg("-D")
            .arg(pgdata)
            .arg("status")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd.status().map(|s| s.success()).unwrap_or(false)
    }

    fn run_pg_ctl_start(&self, pgdata: &Path, options: Options) -> Result<(), ClusterError> {
        let socket = self.socket_dir.to_string_lossy();
        if socket.contains('\'') {
            return Err(ClusterError::Unreachable(self.socket_dir.clone()));
        }
        let mut server_options = format!("-c listen_addresses='' -k '{socket}' -p {PORT}");
        if options.ephemeral {
            server_options
                .push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let mut cmd = self.command("pg_ctl");
        cmd.arg("-D")
            .arg(pgdata)
            .arg("-l")
            .arg(self.base.join("postgres.log"))
            .args(["-w", "-t", "60", "-o", &server_options, "start"])
            // Its own process group: Ctrl-C in the terminal reaches the server, which then
            // shuts down gracefully and stops the cluster itself, after the last request.
            .process_group(0);
        run(cmd, "pg_ctl start").map_err(|e| match e {
            ClusterError::Command { command, detail } => {
                let log = fs::read_to_string(self.base.join("postgres.log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(5).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                ClusterError::Command {
                    command,
                    detail: format!("{detail}\n{}", tail.join("\n")),
                }
            }
            other => other,
        })
    }

    /// A process that waits for this one to end (its stdin closes) and then stops the cluster.
    fn spawn_watchdog(
        &self,
        pgdata: &Path,
        remove: Option<&PathBuf>,
    ) -> Result<Child, ClusterError> {
        let script = r#"cat >/dev/null; "$0" -D "$1" stop -m immediate -w >/dev/null 2>&1; if [ -n "$2" ]; then rm -rf "$2"; fi"#;
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(script)
            .arg(self.bin_dir.join("pg_ctl"))
            .arg(pgdata)
            .arg(remove.map(|p| p.as_os_str().to_owned()).unwrap_or_default())
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        if let Some((uid, gid)) = self.owner {
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
        }
        cmd.spawn()
            .map_err(|e| io("starting the cluster watchdog".into(), e))
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            tracing::warn!(error = %e, "could not stop the private PostgreSQL cluster");
        }
    }
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`: `PG_BIN_DIR` when set, else on PATH, or the newest under
/// Debian's `/usr/lib/postgresql/*/bin`, or a Homebrew or Postgres.app location.
pub fn find_bin_dir() -> Result<PathBuf, ClusterError> {
    let has_all = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    if let Some(dir) = std::env::var_os("PG_BIN_DIR") {
        // An explicit choice (e.g. one of several installed versions) is never second-guessed.
        let dir = PathBuf::from(dir);
        return if has_all(&dir) {
            Ok(dir)
        } else {
            Err(ClusterError::BinariesNotFound)
        };
    }
    if let Some(path) = std::env::var_os("PATH")
        && let Some(dir) = std::env::split_paths(&path).find(|d| has_all(d))
    {
        return Ok(dir);
    }
    let mut candidates: Vec<(u32, PathBuf)> = Vec::new();
    for root in [
        "/usr/lib/postgresql",
        "/usr/local/opt",
        "/opt/homebrew/opt",
        "/Applications/Postgres.app/Contents/Versions",
    ] {
        let Ok(entries) = fs::read_dir(root) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if root.ends_with("opt") && !name.starts_with("postgresql") {
                continue;
            }
            let version: u32 = name
                .chars()
                .filter(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap_or(0);
            let dir = entry.path().join("bin");
            if has_all(&dir) {
                candidates.push((version, dir));
            }
        }
    }
    candidates.sort();
    candidates
        .pop()
        .map(|(_, dir)| dir)
        .ok_or(ClusterError::BinariesNotFound)
}

/// "15" from `postgres (PostgreSQL) 15.19 (Debian …)`.
fn server_major_version(bin_dir: &Path) -> Result<String, ClusterError> {
    let out = Command::new(bin_dir.join("postgres"))
        .arg("--version")
        .output()
        .map_err(|e| io("running postgres --version".into(), e))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or("");
    Ok(version.split('.').next().unwrap_or("").to_owned())
}

fn run(mut cmd: Command, what: &str) -> Result<(), ClusterError> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| io(format!("running {what}"), e))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(ClusterError::Command {
            command: what.to_owned(),
            detail: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
            .trim()
            .to_owned(),
        })
    }
}

/// Creates `dir` with mode 0700, owned by `owner` when given.
fn private_dir(dir: &Path, owner: Option<(Uid, Gid)>) -> Result<(), ClusterError> {
    fs::create_dir_all(dir).map_err(|e| io(format!("creating {}", dir.display()), e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(|e| io(format!("securing {}", dir.display()), e))?;
    if let Some((uid, gid)) = owner {
        chown(dir, uid, gid)?;
    }
    Ok(())
}

fn chown(dir: &Path, uid: Uid, gid: Gid) -> Result<(), ClusterError> {
    std::os::unix::fs::chown(dir, Some(uid.as_raw()), Some(gid.as_raw()))
        .map_err(|e| io(format!("handing {} to the postgres user", dir.display()), e))
}

/// Whether `uid` may enter every directory on the way to `dir`.
fn check_reachable(dir: &Path, uid: Uid) -> Result<(), ClusterError> {
    let gids: Vec<u32> = User::from_uid(uid)
        .ok()
        .flatten()
        .map(|u| {
            let mut g = vec![u.gid.as_raw()];
            if let Ok(name) = std::ffi::CString::new(u.name)
                && let Ok(groups) = nix::unistd::getgrouplist(&name, u.gid)
            {
                g.extend(groups.iter().map(|g| g.as_raw()));
            }
            g
        })
        .unwrap_or_default();
    for ancestor in dir.ancestors().skip(1) {
        let Ok(meta) = fs::metadata(ancestor) else {
            continue;
        };
        let mode = meta.mode();
        let ok = if meta.uid() == uid.as_raw() {
            mode & 0o100 != 0
        } else if gids.contains(&meta.gid()) {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        };
        if !ok {
            return Err(ClusterError::Unreachable(ancestor.to_owned()));
        }
    }
    Ok(())
}

fn path_hash(path: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    path.hash(&mut h);
    h.finish()
}

fn io(what: String, e: std::io::Error) -> ClusterError {
    ClusterError::Io(what, e)
}
