//! `impnet serve` under hostile or broken peers (issue #5 item 6). Every server binds
//! 127.0.0.1 on a random port and stops when its test ends; every wait is bounded.

mod support;

use futures_util::SinkExt;
use impnet_core::wire::{Knobs, ServerFrame, MAX_CONTROL_FRAME, MAX_DATA_FRAME};
use std::sync::atomic::Ordering;
use std::time::Duration;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frame_is_closed_with_reason_and_others_are_unharmed() {
    let s = server().await;
    let mut good = hello(s.local_addr, Knobs::default()).await;
    for (bad, want) in [("not json", "malformed frame"), (r#"{"type":"msg","id":0}"#, "missing field")] {
        let mut ws = hello(s.local_addr, Knobs::default()).await;
        send_text(&mut ws, bad).await;
        let (c, why) = close_of(&mut ws).await.expect("a close frame");
        assert_eq!(c, 1007, "{why}");
        assert!(why.contains(want), "reason {why:?} should say {want:?}");
    }
    // The healthy connection still gets its ACK.
    send_data(&mut good, 100).await;
    assert_eq!(next_frame(&mut good).await, Some(ServerFrame::Ack { acked_total: 100, window: 65535 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_frames_are_refused_with_1009() {
    let s = server().await;
    let mut ws = hello(s.local_addr, Knobs::default()).await;
    send_data(&mut ws, MAX_DATA_FRAME + 1).await;
    let (c, why) = close_of(&mut ws).await.expect("a close frame");
    assert_eq!((c, why.as_str()), (1009, "data frame of 65537 bytes is over the 65536-byte limit"));

    let mut ws = hello(s.local_addr, Knobs::default()).await;
    send_text(&mut ws, &"x".repeat(MAX_CONTROL_FRAME + 1)).await;
    assert_eq!(close_of(&mut ws).await.map(|c| c.0), Some(1009));

    // Past the WebSocket layer's own cap the frame is cut off before it is read.
    let mut ws = hello(s.local_addr, Knobs::default()).await;
    let huge = s.shared.config.limits.ws_max_frame + 1;
    let _ = ws.send(Message::Binary(vec![0u8; huge].into())).await;
    let (c, why) = close_of(&mut ws).await.expect("a close frame");
    assert_eq!(c, 1009, "{why}");
    assert!(why.contains("over the"), "{why}");
    eventually("oversized connections released", || s.shared.stats.ws_open.load(Ordering::Relaxed) == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_on_the_http_upgrade_is_cut_off_by_the_header_timeout() {
    let s = server().await;
    let mut tcp = TcpStream::connect(s.local_addr).await.unwrap();
    tcp.write_all(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
    let started = tokio::time::Instant::now();
    // One header byte every 200 ms: never a complete head.
    let mut buf = [0u8; 256];
    let closed = loop {
        assert!(started.elapsed() < WAIT, "a trickling client held its connection past the wait");
        if tcp.write_all(b"X").await.is_err() {
            break true;
        }
        match tokio::time::timeout(Duration::from_millis(200), tcp.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(_)) => break true, // the server answered (408) and will close
            Err(_) => {}
        }
    };
    assert!(closed);
    assert!(started.elapsed() < Duration::from_secs(5), "header timeout is 0.8 s, took {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_websocket_is_closed_without_hello_and_when_idle() {
    let s = server().await;
    let mut ws = connect(s.local_addr, "").await.unwrap();
    let (c, why) = close_of(&mut ws).await.expect("a close frame");
    assert_eq!((c, why.as_str()), (4002, "no hello within 800 ms"));

    let mut ws = hello(s.local_addr, Knobs::default()).await;
    let (c, why) = close_of(&mut ws).await.expect("a close frame");
    assert_eq!((c, why.as_str()), (4002, "idle for 1000 ms"));
    eventually("idle connections released", || s.shared.stats.ws_open.load(Ordering::Relaxed) == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_that_never_reads_is_dropped_within_the_send_timeout() {
    let s = server().await;
    // A tiny receive buffer so the server's ACKs back up quickly.
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(2048).unwrap();
    assert!(s.local_addr.ip().is_loopback());
    let tcp = sock.connect(s.local_addr).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(ws_url(s.local_addr, ""), tokio_tungstenite::MaybeTlsStream::Plain(tcp)).await.unwrap();
    send_text(&mut ws, r#"{"type":"hello","version":1}"#).await;
    // Zero-byte probes: each one asks for an ACK and costs no window. Never read anything.
    let started = tokio::time::Instant::now();
    for _ in 0..200_000 {
        let r = tokio::time::timeout(Duration::from_secs(2), ws.send(Message::Binary(Vec::new().into()))).await;
        if !matches!(r, Ok(Ok(()))) || started.elapsed() > WAIT {
            break;
        }
    }
    eventually("the non-reading connection is dropped", || {
        s.shared.stats.ws_open.load(Ordering::Relaxed) == 0
    })
    .await;
    assert!(s.shared.stats.closed_by_server.load(Ordering::Relaxed) >= 1);
}

fn http_get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_files_cannot_escape_dist() {
    let root = tempfile::tempdir().unwrap();
    let dist = root.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<p>playground</p>").unwrap();
    std::fs::write(root.path().join("Cargo.toml"), "SECRET-OUTSIDE-DIST").unwrap();
    let s = server_with(dist, |_| {}).await;

    let ok = raw_request(s.local_addr, &http_get("/")).await;
    assert!(ok.starts_with("HTTP/1.1 200") && ok.contains("<p>playground</p>"), "{ok}");
    for path in ["/../Cargo.toml", "/%2e%2e/Cargo.toml", "/%2E%2E%2FCargo.toml", "/..%2fCargo.toml", "/.%2e/Cargo.toml", "/foo/../../Cargo.toml", "/..\\Cargo.toml"] {
        let r = raw_request(s.local_addr, &http_get(path)).await;
        assert!(!r.contains("SECRET-OUTSIDE-DIST"), "{path} escaped --dist: {r}");
        assert!(r.starts_with("HTTP/1.1 4"), "{path}: expected a 4xx, got {}", r.lines().next().unwrap_or(""));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_connections_at_once_each_get_their_acks() {
    // Default (not the quick) timeouts: 500 handshakes at once in a debug build take a while.
    let s = server_with("/nonexistent".into(), |c| c.limits = impnet::serve::Limits::default()).await;
    let addr = s.local_addr;
    let tasks: Vec<_> = (0..500u64)
        .map(|i| {
            tokio::spawn(async move {
                let mut ws = hello(addr, Knobs::default()).await;
                send_data(&mut ws, 100 + i as usize).await;
                let ack = next_frame(&mut ws).await;
                (ws, ack, i)
            })
        })
        .collect();
    let mut open = Vec::new();
    for t in tasks {
        let (ws, ack, i) = tokio::time::timeout(WAIT * 3, t).await.expect("in time").expect("no panic");
        assert_eq!(ack, Some(ServerFrame::Ack { acked_total: 100 + i, window: 65535 }));
        open.push(ws);
    }
    assert_eq!(s.shared.stats.ws_open.load(Ordering::Relaxed), 500);
    drop(open);
    eventually("all 500 released", || s.shared.stats.ws_open.load(Ordering::Relaxed) == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_are_turned_away_with_503() {
    let s = server_with("/nonexistent".into(), |c| c.limits.max_connections = 10).await;
    let mut held = Vec::new();
    for _ in 0..10 {
        held.push(hello(s.local_addr, Knobs::default()).await);
    }
    match connect(s.local_addr, "").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 503),
        Err(e) => panic!("expected a 503, got {e}"),
        Ok(_) => panic!("the 11th connection was accepted past a cap of 10"),
    }
    held.pop();
    eventually("a slot frees", || s.shared.stats.ws_open.load(Ordering::Relaxed) == 9).await;
    hello(s.local_addr, Knobs::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_inside_a_websocket_frame_is_cut_off_by_the_idle_timeout() {
    let s = server().await;
    let mut ws = hello(s.local_addr, Knobs::default()).await;
    // A binary frame announcing 1000 payload bytes, then one byte every 200 ms: never a
    // whole frame, so the connection counts as idle.
    let tcp = match ws.get_mut() {
        tokio_tungstenite::MaybeTlsStream::Plain(t) => t,
        _ => unreachable!("plain ws:// on loopback"),
    };
    tcp.write_all(&[0x82, 0x80 | 126, 0x03, 0xE8, 1, 2, 3, 4]).await.unwrap();
    let started = tokio::time::Instant::now();
    let mut buf = [0u8; 512];
    loop {
        assert!(started.elapsed() < WAIT, "a trickling frame held its connection past the wait");
        if tcp.write_all(&[0]).await.is_err() {
            break;
        }
        match tokio::time::timeout(Duration::from_millis(200), tcp.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                // The server's close frame: 0x88, then the code 4002.
                assert_eq!(&buf[..4.min(n)], &[0x88, buf[1], 0x0F, 0xA2][..4.min(n)], "{:?}", &buf[..n]);
                break;
            }
            Err(_) => {}
        }
    }
    assert!(started.elapsed() < Duration::from_secs(5), "idle timeout is 1 s, took {:?}", started.elapsed());
    eventually("the trickling connection is released", || s.shared.stats.ws_open.load(Ordering::Relaxed) == 0).await;
}
