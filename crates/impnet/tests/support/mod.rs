//! Helpers shared by the serve_* and device_* tests: loopback servers that stop with the test,
//! WebSocket clients that refuse any non-loopback address, and bounded waits.
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use impnet::serve::{self, Config, Limits, Server};
use impnet_core::wire::{DeviceFrame, Knobs, ServerFrame, VERSION};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Every wait in these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(10);

/// Short limits so the timeout tests take about a second each.
pub fn quick_limits() -> Limits {
    Limits {
        header_timeout: Duration::from_millis(800),
        hello_timeout: Duration::from_millis(800),
        idle_timeout: Duration::from_millis(1000),
        send_timeout: Duration::from_millis(800),
        ..Limits::default()
    }
}

/// A server on 127.0.0.1 with a random port; it stops when the returned value is dropped.
pub async fn server_with(dist: PathBuf, f: impl FnOnce(&mut Config)) -> Server {
    let mut c = Config::loopback(dist);
    c.limits = quick_limits();
    f(&mut c);
    assert!(c.addr.ip().is_loopback(), "tests bind loopback only");
    serve::start(c).await.expect("server starts")
}

pub async fn server() -> Server {
    server_with(PathBuf::from("/nonexistent-dist"), |_| {}).await
}

pub fn ws_url(addr: SocketAddr, query: &str) -> String {
    assert!(addr.ip().is_loopback(), "tests connect to loopback only, not {addr}");
    format!("ws://{addr}/ws{query}")
}

pub async fn connect(addr: SocketAddr, query: &str) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(ws_url(addr, query)))
        .await
        .expect("connect within the wait")?;
    Ok(ws)
}

/// Connects, says hello with `knobs` and returns the socket after the welcome.
pub async fn hello(addr: SocketAddr, knobs: Knobs) -> Ws {
    let mut ws = connect(addr, "").await.expect("connects");
    send_text(&mut ws, &DeviceFrame::Hello { version: VERSION, knobs }.to_text()).await;
    match next_frame(&mut ws).await {
        Some(ServerFrame::Welcome { .. }) => ws,
        other => panic!("expected welcome, got {other:?}"),
    }
}

pub async fn send_text(ws: &mut Ws, t: &str) {
    tokio::time::timeout(WAIT, ws.send(Message::Text(t.to_string().into()))).await.expect("send in time").expect("sent");
}

pub async fn send_data(ws: &mut Ws, n: usize) {
    tokio::time::timeout(WAIT, ws.send(Message::Binary(vec![0u8; n].into()))).await.expect("send in time").expect("sent");
}

/// The next server frame, or `None` when the connection ends.
pub async fn next_frame(ws: &mut Ws) -> Option<ServerFrame> {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.expect("a frame within the wait") {
            Some(Ok(Message::Text(t))) => return Some(impnet_core::wire::decode_server(t.as_str()).expect("server frames decode")),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

/// Reads until the server closes; returns its close code and reason.
pub async fn close_of(ws: &mut Ws) -> Option<(u16, String)> {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.expect("closed within the wait") {
            Some(Ok(Message::Close(Some(f)))) => return Some((u16::from(f.code), f.reason.to_string())),
            Some(Ok(Message::Close(None))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

pub fn code(c: CloseCode) -> u16 {
    u16::from(c)
}

/// Polls `cond` every 20 ms until it holds or the wait runs out.
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends `req` as raw bytes on a fresh TCP connection and reads the answer until the server
/// closes (bounded by `WAIT`).
pub async fn raw_request(addr: SocketAddr, req: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(WAIT, tcp.read_to_end(&mut out)).await.expect("answered").unwrap();
    String::from_utf8_lossy(&out).into_owned()
}
