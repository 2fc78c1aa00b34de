//! The built server, started as a new user would: no DATABASE_URL, a fresh DATA_DIR.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Starts the server binary; returns it and the base URL it printed.
fn start_server(data_dir: &std::path::Path) -> (Child, String) {
    start_server_with(data_dir, &[])
}

/// Starts the server binary with extra environment variables.
pub(crate) fn start_server_with(
    data_dir: &std::path::Path,
    env: &[(&str, &str)],
) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mokuhyo"))
        .envs(env.iter().copied())
        .env_remove("DATABASE_URL")
        .env("DATA_DIR", data_dir)
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("server starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).expect("server prints its URL");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    (child, url)
}

/// Runs a one-off command of the binary on `data_dir`'s private cluster.
pub(crate) fn command(
    data_dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mokuhyo"))
        .args(args)
        .envs(env.iter().copied())
        .env_remove("DATABASE_URL")
        .env("DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A plain HTTP/1.1 GET: status code and body.
fn http_get(base: &str, path: &str) -> (u16, String) {
    let authority = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn stop(mut child: Child) -> std::process::ExitStatus {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    child.wait().unwrap()
}

#[test]
fn server_starts_its_own_database_serves_the_booklet_and_restarts_on_the_same_data() {
    let data_dir = tempfile::Builder::new()
        .prefix("mokuhyo-e2e-")
        .tempdir()
        .unwrap();
    if nix::unistd::Uid::effective().is_root() {
        // The cluster runs as the postgres user, which must be able to enter the directory.
        std::fs::set_permissions(
            data_dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
    }

    let (server, url) = start_server(data_dir.path());
    let (status, body) = http_get(&url, "/kariya/2026");
    let (dept_status, dept) = http_get(&url, "/kariya/2026/departments/kyoiku");
    let exit = stop(server);

    assert_eq!(status, 200);
    assert!(body.contains("刈谷市組織重点目標") && body.contains("目次"));
    assert_eq!(dept_status, 200);
    assert!(dept.contains("アジア・アジアパラ競技大会の機運醸成を図ります。"));
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}");
    let pid_file = data_dir.path().join("pg/data/postmaster.pid");
    assert!(
        !pid_file.exists(),
        "the cluster was stopped with the server"
    );

    // A second start reuses the cluster and its data.
    let (server, url) = start_server(data_dir.path());
    let (status, home) = http_get(&url, "/");
    let exit = stop(server);
    assert_eq!(status, 200);
    assert_eq!(
        home.matches("href=\"/kariya\"").count(),
        1,
        "the demo city is there once"
    );
    assert!(exit.success());
}

#[test]
fn without_postgresql_the_server_says_how_to_install_it() {
    let data_dir = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_mokuhyo"))
        .env_remove("DATABASE_URL")
        .env("DATA_DIR", data_dir.path())
        .env("PG_BIN_DIR", empty.path())
        .output()
        .unwrap();

    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("apt-get install postgresql") && stderr.contains("brew install"),
        "{stderr}"
    );
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one clear sentence: {stderr}"
    );
}

/// A plain HTTP/1.1 request: status, raw header block, body.
pub(crate) fn http(
    base: &str,
    method: &str,
    path: &str,
    cookie: &str,
    form: Option<&str>,
) -> (u16, String, String) {
    let authority = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = form.unwrap_or("");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !cookie.is_empty() {
        request.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if form.is_some() {
        request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    write!(stream, "{request}\r\n{body}").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (
        head[9..12].parse().unwrap(),
        head.to_owned(),
        body.to_owned(),
    )
}

pub(crate) fn cookie_from(head: &str, name: &str) -> String {
    head.lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no {name} cookie in {head}"))
}

#[test]
fn a_city_and_its_first_admin_are_created_on_the_command_line_and_can_sign_in() {
    let data_dir = tempfile::Builder::new()
        .prefix("mokuhyo-cli-")
        .tempdir()
        .unwrap();
    if nix::unistd::Uid::effective().is_root() {
        std::fs::set_permissions(
            data_dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
    }
    let run = |args: &[&str]| {
        command(
            data_dir.path(),
            args,
            &[("MOKUHYO_PASSWORD", "kawazu-sakura-tonbo-71")],
        )
    };

    let city = run(&[
        "create-city",
        "--slug",
        "kazo",
        "--name",
        "加須市",
        "--kana",
        "かぞし",
        "--code",
        "112101",
    ]);
    let user = run(&[
        "create-user",
        "--city",
        "kazo",
        "--username",
        "kazo-admin",
        "--name",
        "加須市 企画担当",
        "--role",
        "admin",
    ]);
    let again = run(&[
        "create-city",
        "--slug",
        "kazo",
        "--name",
        "加須市",
        "--kana",
        "かぞし",
        "--code",
        "112101",
    ]);

    assert!(
        city.status.success(),
        "{}",
        String::from_utf8_lossy(&city.stderr)
    );
    assert!(
        user.status.success(),
        "{}",
        String::from_utf8_lossy(&user.stderr)
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let (server, url) = start_server(data_dir.path());
    let (_, home, _) = http(&url, "GET", "/", "", None);
    let (_, home_body) = http_get(&url, "/");
    let (_, login_head, login_page) = http(&url, "GET", "/login", "", None);
    let login_cookie = cookie_from(&login_head, "mokuhyo_login");
    let at = login_page.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &login_page[at..at + login_page[at..].find('"').unwrap()];
    let form =
        format!("csrf={csrf}&username=kazo-admin&password=kawazu-sakura-tonbo-71&next=%2Fstaff");
    let (status, signed_in, _) = http(&url, "POST", "/login", &login_cookie, Some(&form));
    let session = cookie_from(&signed_in, "mokuhyo_session");
    let (staff_status, _, staff_home) = http(&url, "GET", "/staff", &session, None);
    let exit = stop(server);

    assert!(home.starts_with("HTTP/1.1 200"));
    assert!(
        !home_body.contains("href=\"/kariya\""),
        "no demo in a real city's database"
    );
    assert!(
        !home_body.contains("href=\"/kazo\""),
        "nothing of 加須市 is published yet"
    );
    assert_eq!(status, 303);
    assert_eq!(staff_status, 200);
    assert!(staff_home.contains("加須市 企画担当"));
    assert!(exit.success());
}

/// The server, killed if the test fails before stopping it.
pub(crate) struct KillOnDrop(pub(crate) Option<Child>);

impl KillOnDrop {
    fn take(mut self) -> Child {
        self.0.take().unwrap()
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A data directory the private cluster's user can enter.
pub(crate) fn cluster_data_dir(prefix: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
    if nix::unistd::Uid::effective().is_root() {
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
    }
    dir
}

#[test]
fn the_server_restarts_its_killed_database_answers_503_meanwhile_and_stops_on_time() {
    let data_dir = cluster_data_dir("mokuhyo-kill-");
    // A city made first, so the server does not spend its start on loading the demo.
    let made = Command::new(env!("CARGO_BIN_EXE_mokuhyo"))
        .args(["create-city", "--slug", "testcity", "--name", "試験市"])
        .args(["--kana", "しけんし", "--code", "999999"])
        .env_remove("DATABASE_URL")
        .env("DATA_DIR", data_dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let (server, url) = start_server(data_dir.path());
    let server = KillOnDrop(Some(server));
    assert_eq!(http_get(&url, "/").0, 200);
    let pid_file = data_dir.path().join("pg/data/postmaster.pid");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let killed_at = std::time::Instant::now();
    let read_pid = || -> Option<i32> {
        std::fs::read_to_string(&pid_file)
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    };
    // Requests go on while the cluster is down and restarted: each is answered, quickly, with
    // a page or a 503 — until a page comes from the new postmaster.
    let mut answers = Vec::new(); // (status, seconds taken, Retry-After present)
    let back_after = loop {
        let started = std::time::Instant::now();
        let (status, head, body) = http(&url, "GET", "/", "", None);
        let took = started.elapsed().as_secs_f64();
        answers.push((status, took, head.to_lowercase().contains("retry-after: 5")));
        if status == 503 {
            assert!(body.contains("ただいま一時的にご利用いただけません"));
        }
        let restarted = read_pid().is_some_and(|p| p != pid);
        if status == 200 && restarted {
            break killed_at.elapsed().as_secs_f64();
        }
        assert!(
            killed_at.elapsed() < Duration::from_secs(90),
            "not back after 90 s: {answers:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    println!(
        "database killed: answers meanwhile {answers:?}; pages from the new postmaster after {back_after:.1} s"
    );

    for (status, took, retry_after) in &answers {
        assert!(*status == 200 || *status == 503, "{answers:?}");
        assert!(*status == 200 || *retry_after, "503 carries Retry-After");
        assert!(*took < 10.0, "a request waited {took:.1} s");
    }

    // A client holding a half-sent request does not keep the server from stopping.
    let mut half_open = TcpStream::connect(url.trim_start_matches("http://")).unwrap();
    write!(
        half_open,
        "POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\nab"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let stopping = std::time::Instant::now();
    let exit = stop(server.take());
    let stop_took = stopping.elapsed().as_secs_f64();
    println!("stopped in {stop_took:.1} s with a half-open connection");
    assert!(exit.success(), "{exit:?}");
    assert!(
        !pid_file.exists(),
        "the restarted cluster was stopped with the server"
    );
    drop(half_open);
}

/// The value of the first `name="…" value="…"` pair after `from` in `html`.
pub(crate) fn attribute_after<'a>(html: &'a str, from: &str, attribute: &str) -> &'a str {
    let start = html.find(from).unwrap_or_else(|| panic!("no {from}"));
    let rest = &html[start..];
    let at = rest.find(&format!("{attribute}=\"")).unwrap() + attribute.len() + 2;
    &rest[at..at + rest[at..].find('"').unwrap()]
}

/// Signs in on one server; returns the session cookie and the staff pages' CSRF token.
fn sign_in(url: &str, username: &str, password: &str) -> (String, String) {
    let (_, login_head, login_page) = http(url, "GET", "/login", "", None);
    let login_cookie = cookie_from(&login_head, "mokuhyo_login");
    let csrf = attribute_after(&login_page, "name=\"csrf\"", "value");
    let form = format!("csrf={csrf}&username={username}&password={password}&next=%2Fstaff");
    let (status, head, _) = http(url, "POST", "/login", &login_cookie, Some(&form));
    assert_eq!(status, 303, "signed in");
    let session = cookie_from(&head, "mokuhyo_session");
    let (_, _, home) = http(url, "GET", "/staff", &session, None);
    let csrf = attribute_after(&home, "name=\"csrf\"", "value").to_owned();
    (session, csrf)
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[test]
fn a_department_published_through_one_server_is_served_by_the_other_within_a_second() {
    let data_dir = cluster_data_dir("mokuhyo-two-");
    // Only the notification can tell the other server: its periodic check is 10 minutes away.
    let slow_check = [("PAGE_CHECK_SECONDS", "600")];
    let (a, url_a) = start_server_with(data_dir.path(), &slow_check);
    let a = KillOnDrop(Some(a));
    let (b, url_b) = start_server_with(data_dir.path(), &slow_check);
    let b = KillOnDrop(Some(b));
    let page = "/kariya/2026/departments/kikaku-zaisei";
    let (status, before) = http_get(&url_b, page);
    assert_eq!(status, 200);
    assert_eq!(
        http_get(&url_b, page).1,
        before,
        "kept by the second server"
    );

    // Planning staff change a goal on the first server and publish it there.
    let (session, csrf) = sign_in(&url_a, "kariya-admin", "mokuhyo-demo-admin");
    let (_, _, home) = http(&url_a, "GET", "/staff", &session, None);
    let department = home
        .split("href=\"/staff/departments/")
        .skip(1)
        .find(|link| link[..link.find("</a>").unwrap()].contains("企画財政部"))
        .map(|link| link[..link.find('"').unwrap()].to_owned())
        .expect("企画財政部 on the staff home");
    let (_, _, sheet) = http(
        &url_a,
        "GET",
        &format!("/staff/departments/{department}"),
        &session,
        None,
    );
    let goal = attribute_after(&sheet, "/staff/goals/", "href");
    let goal = goal.trim_start_matches("/staff/goals/");
    let goal = &goal[..goal.find('/').unwrap()];
    let (_, _, form) = http(
        &url_a,
        "GET",
        &format!("/staff/goals/{goal}/edit"),
        &session,
        None,
    );
    let version = attribute_after(&form, "name=\"version\"", "value");
    let text = "二台目のサーバーにも1秒以内に届く組織目標です。";
    let mut body = format!("csrf={csrf}&version={version}&text={}", encode(text));
    for checked in form.split("name=\"pillar\" value=\"").skip(1) {
        let (id, rest) = checked.split_once('"').unwrap();
        if rest.starts_with(" checked") {
            body.push_str(&format!("&pillar={id}"));
        }
    }
    let (edited, _, _) = http(
        &url_a,
        "POST",
        &format!("/staff/goals/{goal}"),
        &session,
        Some(&body),
    );
    assert_eq!(edited, 303, "goal saved");
    for action in ["submit", "approve"] {
        let form = format!("csrf={csrf}&action={action}&comment=");
        let uri = format!("/staff/departments/{department}/workflow");
        assert_eq!(
            http(&url_a, "POST", &uri, &session, Some(&form)).0,
            303,
            "{action}"
        );
    }
    assert!(
        !http_get(&url_b, page).1.contains(text),
        "not published yet"
    );
    let form = format!("csrf={csrf}&action=publish&comment=");
    let uri = format!("/staff/departments/{department}/workflow");
    assert_eq!(http(&url_a, "POST", &uri, &session, Some(&form)).0, 303);
    let published = std::time::Instant::now();
    let mut seen = None;
    while published.elapsed() < Duration::from_secs(5) {
        if http_get(&url_b, page).1.contains(text) {
            seen = Some(published.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    println!("published through one server, served by the other after {seen:?}");
    assert!(seen.is_some_and(|t| t < Duration::from_secs(1)), "{seen:?}");
    assert!(http_get(&url_a, page).1.contains(text));
    assert!(stop(b.take()).success());
    assert!(stop(a.take()).success());
}

#[test]
fn a_published_year_is_written_as_a_static_site_on_the_command_line() {
    let data_dir = cluster_data_dir("mokuhyo-site-");
    let out = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| command(data_dir.path(), args, &[]);
    let target = out.path().join("kariya-2026");
    let target = target.to_str().unwrap();

    let loaded = run(&["load-demo"]);
    let written = run(&[
        "export-site",
        "--city",
        "kariya",
        "--year",
        "2026",
        "--out",
        target,
    ]);
    let no_city = run(&[
        "export-site",
        "--city",
        "nowhere",
        "--year",
        "2026",
        "--out",
        target,
    ]);
    let bad_base = run(&[
        "export-site",
        "--city",
        "kariya",
        "--year",
        "2026",
        "--out",
        target,
        "--base-url",
        "ftp://x",
    ]);

    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    assert!(String::from_utf8_lossy(&written.stdout).contains("files of kariya 2026 written"));
    let index = std::fs::read_to_string(out.path().join("kariya-2026/index.html")).unwrap();
    assert!(index.contains("href=\"departments/kikaku-zaisei.html\""));
    assert!(index.contains("href=\"static/style.css\""));
    assert!(out.path().join("kariya-2026/README.txt").is_file());
    assert!(
        out.path()
            .join("kariya-2026/departments/kikaku-zaisei.html")
            .is_file()
    );
    assert!(!no_city.status.success());
    assert!(String::from_utf8_lossy(&no_city.stderr).contains("no city"));
    assert!(!bad_base.status.success());
    assert!(String::from_utf8_lossy(&bad_base.stderr).contains("https://"));
}
