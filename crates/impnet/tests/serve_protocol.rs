//! `/ws` as the impCloud server and agent: ACKs, windows and the fault knobs (issue #5 item 1;
//! SPEC T3, T5). Servers bind 127.0.0.1 on random ports and stop with their test.

mod support;

use impnet_core::wire::{DeviceFrame, Knobs, ServerFrame};
use std::time::{Duration, Instant};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t5_ack_window_is_rwnd_minus_what_the_agent_has_not_read() {
    let s = server().await;
    let mut ws = hello(s.local_addr, Knobs { rwnd: Some(4000), agent_stop_at_ms: Some(0), ..Knobs::default() }).await;
    send_text(&mut ws, &DeviceFrame::Msg { id: 0, name: "log".into(), len: 3000 }.to_text()).await;
    send_data(&mut ws, 1000).await;
    send_data(&mut ws, 2000).await;
    assert_eq!(next_frame(&mut ws).await, Some(ServerFrame::Ack { acked_total: 1000, window: 3000 }));
    assert_eq!(next_frame(&mut ws).await, Some(ServerFrame::Ack { acked_total: 3000, window: 1000 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t5_agent_reads_at_consume_bps_and_reports_delivery() {
    let s = server().await;
    let mut ws = hello(s.local_addr, Knobs { consume_bps: Some(10_000), ..Knobs::default() }).await;
    send_text(&mut ws, &DeviceFrame::Msg { id: 7, name: "data".into(), len: 2000 }.to_text()).await;
    let t0 = Instant::now();
    send_data(&mut ws, 2000).await;
    assert_eq!(next_frame(&mut ws).await, Some(ServerFrame::Ack { acked_total: 2000, window: 63535 }));
    assert_eq!(next_frame(&mut ws).await, Some(ServerFrame::Delivered { id: 7 }));
    // 2000 bytes at 10 000 B/s: about 200 ms (bounded loosely; this is not a timing benchmark).
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(150), "delivered after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn knobs_from_the_query_string_apply_and_hello_overrides_them() {
    let s = server().await;
    let mut ws = connect(s.local_addr, "?rwnd=5000&delay_ms=0").await.unwrap();
    send_text(&mut ws, &DeviceFrame::Hello { version: 1, knobs: Knobs { delay_ms: Some(30), ..Knobs::default() } }.to_text()).await;
    match next_frame(&mut ws).await {
        Some(ServerFrame::Welcome { rwnd, knobs, .. }) => {
            assert_eq!(rwnd, 5000);
            assert_eq!(knobs.delay_ms, Some(30));
        }
        other => panic!("expected welcome, got {other:?}"),
    }
    // The delay knob holds the ACK back.
    let t0 = Instant::now();
    send_data(&mut ws, 10).await;
    assert!(matches!(next_frame(&mut ws).await, Some(ServerFrame::Ack { acked_total: 10, .. })));
    assert!(t0.elapsed() >= Duration::from_millis(25));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_knob_in_the_query_string_is_a_400_naming_it() {
    let s = server().await;
    for (q, want) in [("?delay_ms=999999", "knobs.delay_ms"), ("?bogus=1", "bogus"), ("?rwnd=abc", "rwnd")] {
        match connect(s.local_addr, q).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
                assert_eq!(r.status(), 400);
                let body = String::from_utf8_lossy(r.body().as_deref().unwrap_or_default()).into_owned();
                assert!(body.contains(want), "{q}: body {body:?} should name {want}");
            }
            other => panic!("{q}: expected a 400, got {:?}", other.map(|_| ())),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_version_or_missing_hello_is_a_protocol_close() {
    let s = server().await;
    let mut ws = connect(s.local_addr, "").await.unwrap();
    send_text(&mut ws, r#"{"type":"hello","version":99}"#).await;
    assert_eq!(close_of(&mut ws).await, Some((1002, "protocol version 99 is not supported (server speaks 1)".into())));
    let mut ws = connect(s.local_addr, "").await.unwrap();
    send_data(&mut ws, 10).await;
    let (c, why) = close_of(&mut ws).await.unwrap();
    assert_eq!(c, 1002);
    assert!(why.contains("first frame must be hello"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_after_bytes_and_drop_at_close_with_the_fault_code() {
    let s = server().await;
    let mut ws = hello(s.local_addr, Knobs { drop_after_bytes: Some(1500), ..Knobs::default() }).await;
    send_data(&mut ws, 1000).await;
    assert!(matches!(next_frame(&mut ws).await, Some(ServerFrame::Ack { acked_total: 1000, .. })));
    send_data(&mut ws, 1000).await;
    assert_eq!(close_of(&mut ws).await, Some((4000, "fault: drop after 1500 bytes".into())));

    let mut ws = hello(s.local_addr, Knobs { drop_at_ms: Some(100), ..Knobs::default() }).await;
    assert_eq!(close_of(&mut ws).await, Some((4000, "fault: drop at 100 ms".into())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuse_knob_turns_new_connections_away_for_its_span() {
    // The knob affects every client, so the operator must allow it (issue 13 item 4).
    let s = server_with("/nonexistent".into(), |c| c.allow_refuse_knob = true).await;
    let _first = hello(s.local_addr, Knobs { refuse_for_ms: Some(400), ..Knobs::default() }).await;
    match connect(s.local_addr, "").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 503),
        other => panic!("expected a 503 while refusing, got {:?}", other.map(|_| ())),
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    hello(s.local_addr, Knobs::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuse_for_on_the_command_line_counts_from_start() {
    let s = server_with("/nonexistent".into(), |c| c.refuse_for = Duration::from_millis(300)).await;
    assert!(connect(s.local_addr, "").await.is_err());
    tokio::time::sleep(Duration::from_millis(400)).await;
    hello(s.local_addr, Knobs::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stall_knob_sends_zero_window_acks() {
    let s = server().await;
    let mut ws = hello(s.local_addr, Knobs { stall_at_ms: Some(0), stall_for_ms: Some(60_000), ..Knobs::default() }).await;
    send_data(&mut ws, 100).await;
    assert_eq!(next_frame(&mut ws).await, Some(ServerFrame::Ack { acked_total: 100, window: 0 }));
}
