//! `impnet serve` against a hostile client (issue 13 items 3, 4, 6, 7, 9). Every server binds
//! 127.0.0.1 on a random port and stops when its test ends; every wait is bounded.

mod support;

use futures_util::SinkExt;
use impnet_core::wire::{DeviceFrame, Knobs, ServerFrame, MAX_NAME_BYTES};
use std::sync::atomic::Ordering;
use std::time::Duration;
use support::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// Writes one masked client frame (mask 0, so the payload goes as is) under the WebSocket layer.
async fn raw_frame(ws: &mut Ws, opcode: u8, payload: &[u8]) {
    assert!(payload.len() < 126);
    let tcp = match ws.get_mut() {
        tokio_tungstenite::MaybeTlsStream::Plain(t) => t,
        _ => unreachable!("plain ws:// on loopback"),
    };
    let mut f = vec![0x80 | opcode, 0x80 | payload.len() as u8, 0, 0, 0, 0];
    f.extend_from_slice(payload);
    tcp.write_all(&f).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue13_3_a_hostile_client_is_closed_at_its_queue_budget() {
    let s = server().await;
    let mut ws = hello(s.local_addr, Knobs { delay_ms: Some(60_000), ..Knobs::default() }).await;
    // 4 096 pending messages with 256-byte names, then probes that each queue a 60 s ACK:
    // together about 2.9 MB before the budget.
    let name = "n".repeat(MAX_NAME_BYTES);
    let mut sent = 0;
    for id in 0..4096u64 {
        if ws.feed(Message::Text(DeviceFrame::Msg { id, name: name.clone(), len: 1 }.to_text().into())).await.is_err() {
            break;
        }
        sent += 1;
    }
    let _ = ws.flush().await;
    let (c, why) = close_of(&mut ws).await.expect("a close frame");
    assert_eq!(c, 1008, "{why}");
    assert!(why.starts_with("over the 64 KiB budget for queued ACKs and message names"), "{why}");
    assert!(sent > 0);
    eventually("the budget is returned", || s.shared.stats.queued_bytes.load(Ordering::Relaxed) == 0).await;

    let mut ws = hello(s.local_addr, Knobs { delay_ms: Some(60_000), ..Knobs::default() }).await;
    for _ in 0..65_536 {
        if ws.feed(Message::Binary(Vec::new().into())).await.is_err() {
            break;
        }
    }
    let _ = ws.flush().await;
    let (c, why) = close_of(&mut ws).await.expect("a close frame");
    assert_eq!(c, 1008, "{why}");
    assert!(why.contains("ACKs"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue13_3_the_server_wide_queue_budget_closes_whoever_passes_it() {
    let s = server_with("/nonexistent".into(), |c| c.limits.global_queue_budget = 40 * 1024).await;
    let mut first = hello(s.local_addr, Knobs { delay_ms: Some(60_000), ..Knobs::default() }).await;
    // 1 500 queued ACKs (48 KiB of queue): within this connection's 64 KiB, past the server's 40.
    for _ in 0..1500 {
        if first.feed(Message::Binary(Vec::new().into())).await.is_err() {
            break;
        }
    }
    let _ = first.flush().await;
    let (c, why) = close_of(&mut first).await.expect("a close frame");
    assert_eq!((c, why.as_str()), (1008, "the server's 40 KiB budget for queued ACKs and names is spent"));
    // Its bytes were given back: a modest client is served.
    eventually("the budget is returned", || s.shared.stats.queued_bytes.load(Ordering::Relaxed) == 0).await;
    let mut ws = hello(s.local_addr, Knobs::default()).await;
    send_data(&mut ws, 10).await;
    assert_eq!(next_frame(&mut ws).await, Some(ServerFrame::Ack { acked_total: 10, window: 65535 }));
}

async fn connect_with_origin(addr: std::net::SocketAddr, origin: &str) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let mut req = ws_url(addr, "").into_client_request().unwrap();
    req.headers_mut().insert("origin", origin.parse().unwrap());
    tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(req)).await.expect("in time").map(|(ws, _)| ws)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue13_4_a_cross_origin_page_cannot_open_a_live_session() {
    let s = server_with("/nonexistent".into(), |c| c.allowed_origins = vec!["http://lan.example:8080".into()]).await;
    match connect_with_origin(s.local_addr, "http://evil.example").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(r.status(), 403);
            let body = String::from_utf8_lossy(r.body().as_deref().unwrap_or_default()).into_owned();
            assert!(body.contains("--allow-origin"), "{body}");
        }
        other => panic!("expected 403, got {:?}", other.map(|_| ())),
    }
    // The server's own pages, native clients (no Origin) and allowed origins are served.
    assert!(connect_with_origin(s.local_addr, &format!("http://{}", s.local_addr)).await.is_ok());
    assert!(connect_with_origin(s.local_addr, "http://lan.example:8080").await.is_ok());
    assert!(connect(s.local_addr, "").await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue13_4_refuse_for_needs_the_operators_flag() {
    let s = server().await;
    let mut ws = connect(s.local_addr, "").await.unwrap();
    send_text(&mut ws, &DeviceFrame::Hello { version: 1, knobs: Knobs { refuse_for_ms: Some(60_000), ..Knobs::default() } }.to_text()).await;
    let (c, why) = close_of(&mut ws).await.expect("a close frame");
    assert_eq!(c, 1008);
    assert!(why.contains("--allow-refuse-knob"), "{why}");
    match connect(s.local_addr, "?refuse_for_ms=60000").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 403),
        other => panic!("expected 403, got {:?}", other.map(|_| ())),
    }
    // Nobody else was turned away.
    hello(s.local_addr, Knobs::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue13_6_ping_and_pong_before_hello_are_fine() {
    let s = server().await;
    let mut ws = connect(s.local_addr, "").await.unwrap();
    ws.send(Message::Ping(vec![1, 2].into())).await.unwrap();
    ws.send(Message::Pong(Vec::new().into())).await.unwrap();
    send_text(&mut ws, &DeviceFrame::Hello { version: 1, knobs: Knobs::default() }.to_text()).await;
    assert!(matches!(next_frame(&mut ws).await, Some(ServerFrame::Welcome { .. })));
    send_data(&mut ws, 5).await;
    assert_eq!(next_frame(&mut ws).await, Some(ServerFrame::Ack { acked_total: 5, window: 65535 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue13_6_bad_utf8_and_a_1005_close_get_close_frames() {
    let s = server().await;
    // RFC 6455 §8.1: text that is not UTF-8 fails the connection with 1007.
    for before_hello in [true, false] {
        let mut ws = if before_hello { connect(s.local_addr, "").await.unwrap() } else { hello(s.local_addr, Knobs::default()).await };
        raw_frame(&mut ws, 0x1, &[b'{', 0xff, 0xfe, b'}']).await;
        let (c, why) = close_of(&mut ws).await.expect("a close frame");
        assert_eq!((c, why.as_str()), (1007, "text frame is not valid UTF-8"));
    }
    // 1005 may never be sent (§7.4.1): the answer is 1002, in a close frame.
    let mut ws = hello(s.local_addr, Knobs::default()).await;
    raw_frame(&mut ws, 0x8, &[0x03, 0xED]).await;
    assert_eq!(close_of(&mut ws).await.map(|c| c.0), Some(1002));
    // An ordinary close is echoed.
    let mut ws = hello(s.local_addr, Knobs::default()).await;
    raw_frame(&mut ws, 0x8, &[0x03, 0xE8]).await;
    assert_eq!(close_of(&mut ws).await.map(|c| c.0), Some(1000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue13_7_past_the_caps_clients_get_503_not_silence() {
    let s = server_with("/nonexistent".into(), |c| {
        c.limits.max_connections = 3;
        c.limits.header_timeout = Duration::from_secs(5);
    })
    .await;
    assert_eq!(s.shared.caps.http, 3);
    // Three HTTP connections that never finish their request hold every slot.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut t = TcpStream::connect(s.local_addr).await.unwrap();
        t.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        held.push(t);
    }
    eventually("three held", || s.shared.http_slots.available_permits() == 0).await;
    let r = raw_request(s.local_addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 503"), "{r}");
    drop(held);

    let s = server_with("/nonexistent".into(), |c| c.limits.max_per_address = 2).await;
    let _a = hello(s.local_addr, Knobs::default()).await;
    let _b = hello(s.local_addr, Knobs::default()).await;
    let r = raw_request(s.local_addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 503") && r.contains("from your address"), "{r}");
}

fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    let head = response.split("\r\n\r\n").next()?;
    head.lines().find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue13_9_http_answers_4xx_and_carries_security_and_cache_headers() {
    let root = tempfile::tempdir().unwrap();
    let dist = root.path().to_path_buf();
    let script = "\nimport init from '/app-0123456789abcdef.js';\nawait init();\n";
    std::fs::write(dist.join("index.html"), format!("<html><script type=\"module\">{script}</script></html>")).unwrap();
    std::fs::write(dist.join("app-0123456789abcdef.js"), "export default function init() {}").unwrap();
    let s = server_with(dist, |_| {}).await;
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

    // Used to be 500: the filesystem's "name too long", and an authority-form target.
    let r = raw_request(s.local_addr, &get(&format!("/{}", "a".repeat(256)))).await;
    assert!(r.starts_with("HTTP/1.1 404"), "{}", r.lines().next().unwrap_or(""));
    let r = raw_request(s.local_addr, &get(&"/a".repeat(2000))).await;
    assert!(r.starts_with("HTTP/1.1 414"), "{}", r.lines().next().unwrap_or(""));
    let r = raw_request(s.local_addr, "GET 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 4"), "{}", r.lines().next().unwrap_or(""));
    let r = raw_request(s.local_addr, "CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\nConnection: close\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 4"), "{}", r.lines().next().unwrap_or(""));

    let page = raw_request(s.local_addr, &get("/")).await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert_eq!(header(&page, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&page, "x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(header(&page, "cache-control"), Some("no-cache"));
    let csp = header(&page, "content-security-policy").expect("a CSP");
    // The docs page frames the playground from the same origin; nobody else may.
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(csp.contains("connect-src 'self' ws://127.0.0.1"), "the page's own /ws: {csp}");
    // The inline script's hash, computed apart from the code under test:
    // printf "\nimport init from '/app-0123456789abcdef.js';\nawait init();\n" | openssl dgst -sha256 -binary | base64
    assert!(csp.contains("'sha256-92acNlhr400q5RfEmIijNUUZl95AFVHPe6jqRDrt2sE='"), "{csp}");
    assert!(!csp.contains("'unsafe-inline' 'self' 'wasm"), "scripts are not unsafe-inline: {csp}");

    let asset = raw_request(s.local_addr, &get("/app-0123456789abcdef.js")).await;
    assert!(asset.starts_with("HTTP/1.1 200"), "{asset}");
    assert_eq!(header(&asset, "cache-control"), Some("public, max-age=31536000, immutable"));
    assert_eq!(header(&asset, "x-content-type-options"), Some("nosniff"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue13_7_connections_from_one_address_are_released() {
    let s = server_with("/nonexistent".into(), |c| c.limits.max_per_address = 1).await;
    let ws = hello(s.local_addr, Knobs::default()).await;
    drop(ws);
    eventually("the address slot is released", || s.shared.stats.ws_open.load(Ordering::Relaxed) == 0).await;
    // The WebSocket's slot went with it: the address may connect again.
    let mut tries = 0;
    loop {
        match connect(s.local_addr, "").await {
            Ok(_) => break,
            Err(e) => {
                tries += 1;
                assert!(tries < 50, "slot never released: {e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}
