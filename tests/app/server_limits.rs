//! The HTTP server's limits, through real sockets: slow or half-open clients are dropped,
//! a body that never arrives is answered, a shutdown is bounded, connections are capped.

use crate::helpers::TestApp;
use mokuhyo::server::{Limits, serve};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

fn short_limits() -> Limits {
    Limits {
        header_read: Duration::from_secs(1),
        read_idle: Duration::from_secs(1),
        write_idle: Duration::from_secs(1),
        shutdown_grace: Duration::from_secs(1),
        max_connections: 8,
    }
}

/// Serves a fresh application with `limits`; the sender stops it.
async fn start(limits: Limits) -> (SocketAddr, oneshot::Sender<()>, JoinHandle<()>) {
    let app = TestApp::empty().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(
        listener,
        app.router,
        async move {
            let _ = stopped.await;
        },
        limits,
    ));
    (addr, stop, task)
}

/// Everything the server sends until it closes the connection (at most 10 s).
async fn read_until_closed(stream: &mut TcpStream) -> Option<String> {
    let mut out = Vec::new();
    match tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out)).await {
        Ok(_) => Some(String::from_utf8_lossy(&out).into_owned()),
        Err(_) => None, // still open after 10 s
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let (addr, _stop, _task) = start(short_limits()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();

    let answer = read_until_closed(&mut stream).await;

    assert!(
        answer.is_some(),
        "the half-sent request still holds the connection"
    );
    assert!(!answer.unwrap().contains("200 OK"));
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let (addr, _stop, _task) = start(short_limits()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /open-data HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();

    let answer = read_until_closed(&mut stream).await;

    let answer = answer.expect("the idle connection was closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:.80}");
}

#[tokio::test]
async fn a_body_promised_and_never_sent_is_answered_with_408() {
    let (addr, _stop, _task) = start(short_limits()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: localhost\r\nCookie: mokuhyo_login=abc\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername=a",
        )
        .await
        .unwrap();

    let answer = read_until_closed(&mut stream).await.expect("answered");

    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:.200}");
    assert!(answer.contains("送信に時間がかかりすぎました"));
}

#[tokio::test]
async fn a_shutdown_does_not_wait_for_a_half_open_connection() {
    let limits = Limits {
        header_read: Duration::from_secs(600),
        read_idle: Duration::from_secs(600),
        ..short_limits()
    };
    let (addr, stop, task) = start(limits).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Length: 50\r\n\r\nab")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    stop.send(()).unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(10), task).await;

    assert!(
        finished.is_ok(),
        "serve returned after its grace period although a client held a connection"
    );
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
}

#[tokio::test]
async fn connections_beyond_the_cap_are_closed_at_once() {
    let limits = Limits {
        max_connections: 2,
        header_read: Duration::from_secs(30),
        read_idle: Duration::from_secs(30),
        ..short_limits()
    };
    let (addr, _stop, _task) = start(limits).await;
    let _a = TcpStream::connect(addr).await.unwrap();
    let _b = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET /open-data HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .ok();
    let answer = read_until_closed(&mut c).await;

    assert_eq!(
        answer.as_deref(),
        Some(""),
        "the third connection is closed unanswered"
    );
    drop((_a, _b));
}
