//! What anonymous clients can make the built server hold (issue #25): bodies of ~16 MB held
//! open against the sign-in form and the upload routes, and forty sign-ins at once. The
//! server's resident memory is read from /proc while they run.

use crate::end_to_end::{
    KillOnDrop, attribute_after, cluster_data_dir, command, cookie_from, http, start_server_with,
};
use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// The process's resident set, in kB.
pub(crate) fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// A connection that claims a 16 MB body, sends 1 MB of it and stays open.
fn held_upload(authority: &str, path: &str, headers: &str) -> TcpStream {
    let mut stream = TcpStream::connect(authority).expect("connect");
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 16000000\r\n{headers}\r\n"
    );
    let chunk = vec![b'a'; 64 << 10];
    for _ in 0..16 {
        // The server may already have answered and closed: that is the point.
        if stream.write_all(&chunk).is_err() {
            break;
        }
    }
    stream
}

#[test]
fn anonymous_bodies_and_forty_sign_ins_at_once_keep_the_servers_memory_bounded() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("no /proc: the memory bound is not measured here");
        return;
    }
    let data_dir = cluster_data_dir("mokuhyo-mem-");
    let made = command(
        data_dir.path(),
        &[
            "create-city",
            "--slug",
            "kazo",
            "--name",
            "加須市",
            "--kana",
            "かぞし",
            "--code",
            "112101",
        ],
        &[],
    );
    assert!(made.status.success(), "{made:?}");
    let (child, url) = start_server_with(data_dir.path(), &[]);
    let child = KillOnDrop(Some(child));
    let pid = child.0.as_ref().unwrap().id();
    let authority = url.trim_start_matches("http://").to_owned();
    let (_, head, page) = http(&url, "GET", "/login", "", None);
    let login_cookie = cookie_from(&head, "mokuhyo_login");
    let csrf = attribute_after(&page, "name=\"csrf\"", "value").to_owned();
    let sign_in = |i: usize| {
        let form = format!("csrf={csrf}&username=nobody-{i}&password=wrong-password-{i}");
        http(&url, "POST", "/login", &login_cookie, Some(&form)).0
    };
    // Warm up: the hashing threads exist and have hashed once.
    assert_eq!(sign_in(1000), 401);
    std::thread::sleep(Duration::from_millis(300));
    let base = rss_kb(pid);
    assert!(base > 0);
    let peak = Arc::new(AtomicU64::new(base));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kb(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };

    // Forty held bodies of each kind, anonymous.
    let mut held = Vec::new();
    for _ in 0..40 {
        held.push(held_upload(
            &authority,
            "/login",
            &format!(
                "Cookie: {login_cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            ),
        ));
        held.push(held_upload(
            &authority,
            "/staff/import",
            "Content-Type: multipart/form-data; boundary=x\r\n",
        ));
    }
    // Forty sign-ins at once, all failing.
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..40).map(|i| scope.spawn(move || sign_in(i))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    std::thread::sleep(Duration::from_millis(300));
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    drop(held);
    let peak = peak.load(Ordering::Relaxed);
    let after = rss_kb(pid);
    eprintln!(
        "server RSS: {} MB before, {} MB at the peak, {} MB after",
        base / 1024,
        peak / 1024,
        after / 1024
    );
    // Each is refused as a wrong password, or — when the hashing threads stayed busy for
    // longer than a request waits (a loaded machine) — told to try again.
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 503),
        "every sign-in answered: {statuses:?}"
    );
    assert!(statuses.contains(&401), "{statuses:?}");
    assert!(
        peak < base + 150 * 1024,
        "the server grew by {} MB",
        (peak - base) / 1024
    );
    // The server still answers.
    assert_eq!(http(&url, "GET", "/login", "", None).0, 200);
}
