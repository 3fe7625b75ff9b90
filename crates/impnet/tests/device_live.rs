//! `impnet device` against an in-process `impnet serve` on 127.0.0.1 (issue #5 item 4): the
//! live trace and the simulated one agree on the sequence of return codes for presets whose
//! outcome has timing margin to spare. Time runs 10× faster than real (time_scale = 10), so
//! a 100 ms RTT is a 10 ms ACK delay on loopback.

mod support;

use impnet::device::{load_scenario, run_live, ServerUrl};
use impnet_core::live::LiveOptions;
use impnet_core::trace::{Line, Outcome, Ret};
use impnet_core::{run, RunOptions, Scenario, Trace};
use std::time::Duration;
use support::*;

/// (call, return) per call line, in order: what both traces must agree on.
fn returns(t: &Trace) -> Vec<(String, String)> {
    t.entries
        .iter()
        .filter_map(|e| match &e.line {
            Line::Call(c) => Some((
                c.call.to_string(),
                match &c.outcome {
                    Outcome::Returned(Ret::Int(i)) => i.to_string(),
                    Outcome::Returned(Ret::Bool(b)) => b.to_string(),
                    Outcome::Returned(Ret::Null) => "null".into(),
                    Outcome::Error(_) => "error".into(),
                },
            )),
            Line::Event(_) => None,
        })
        .collect()
}

async fn live_vs_sim(preset: &str) -> (Trace, Trace) {
    let sc: Scenario = load_scenario(preset).expect("preset loads");
    let sim = run(&sc, &RunOptions::default()).expect("sim runs");
    let s = server().await;
    let url = ServerUrl::parse(&ws_url(s.local_addr, ""), false).await.expect("loopback url");
    let live = run_live(&sc, &url, LiveOptions { time_scale: 10.0, skip_idle: true }, Duration::from_secs(30))
        .await
        .expect("live run ends");
    (sim, live.trace)
}

async fn assert_same_returns(preset: &str) -> (Trace, Trace) {
    let (sim, live) = live_vs_sim(preset).await;
    let (a, b) = (returns(&sim), returns(&live));
    assert!(!a.is_empty(), "{preset}: the simulation made no calls");
    assert_eq!(a, b, "{preset}: live return codes differ from the simulation's");
    (sim, live)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t2_window_bound_live_matches_sim() {
    let (sim, live) = assert_same_returns("window-bound").await;
    assert_eq!(live.summary.acked_msgs, sim.summary.acked_msgs);
    assert_eq!(live.summary.lost_msgs, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s5_zero_timeout_trap_live_matches_sim() {
    let (sim, live) = assert_same_returns("zero-timeout-trap").await;
    assert_eq!((live.summary.lost_msgs, live.summary.lost_bytes), (sim.summary.lost_msgs, sim.summary.lost_bytes));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t5_agent_stops_reading_live_matches_sim() {
    assert_same_returns("agent-stops-reading").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b1_increase_buffer_live_matches_sim() {
    assert_same_returns("increase-buffer").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s4_led_wait_for_ack_live_matches_sim() {
    assert_same_returns("led-wait-til-sent-vs-wait-for-ack").await;
}

#[tokio::test]
async fn non_loopback_server_is_refused() {
    for url in ["ws://10.0.0.1:8080/ws", "ws://192.168.1.2:80/ws", "ws://example.com:80/ws", "wss://127.0.0.1:1/ws"] {
        let e = ServerUrl::parse(url, false).await.expect_err(url).to_string();
        assert!(e.starts_with("--server:"), "{url}: {e}");
    }
    assert!(ServerUrl::parse("ws://127.0.0.1:9/ws", false).await.is_ok());
    assert!(ServerUrl::parse("ws://[::1]:9/ws", false).await.is_ok());
}

fn events(t: &Trace) -> Vec<(String, Option<i64>)> {
    t.entries
        .iter()
        .filter_map(|e| match &e.line {
            Line::Event(ev) => Some((ev.event.as_str().to_string(), ev.reason.map(|r| r.code()))),
            Line::Call(_) => None,
        })
        .collect()
}

const WAIT_FOR_ACK_SENDS: &str = r#"
[[steps]]
call = "server.setsendtimeoutpolicy"
reconnect = "RETURN_ON_ERROR"
wait = "WAIT_FOR_ACK"
timeout = 5
[[steps]]
call = "agent.send"
name = "d"
bytes = 1000
repeat = 3
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s6_server_dropping_the_connection_is_a_loss_the_device_recovers_from() {
    // The server drops every connection after 1500 bytes: message 0 (1038 wire bytes) is
    // ACKed, message 1 is cut off mid-send.
    let s = server_with("/nonexistent".into(), |c| c.knobs.drop_after_bytes = Some(1500)).await;
    let sc = impnet_core::scenario::parse_toml(WAIT_FOR_ACK_SENDS).unwrap();
    let url = ServerUrl::parse(&ws_url(s.local_addr, ""), false).await.unwrap();
    let live = run_live(&sc, &url, LiveOptions { time_scale: 10.0, skip_idle: true }, Duration::from_secs(30)).await.unwrap();
    let t = live.trace;
    let r: Vec<String> = returns(&t).into_iter().map(|(_, r)| r).collect();
    // S4 ok, S6 disconnected, then (after C5's silent recovery) S9 proceeds and is ACKed.
    assert_eq!(r, ["null", "0", "3", "0"], "{}", t.to_json_lines());
    let ev = events(&t);
    let drop_at = ev.iter().position(|e| e == &("disconnected".to_string(), Some(4))).expect("a drop with NO_SERVER (4)");
    assert_eq!(ev[drop_at + 1].0, "lost");
    assert_eq!(ev[drop_at + 2], ("recovering".to_string(), Some(4)));
    assert_eq!(ev.iter().filter(|e| e.0 == "connected").count(), 2);
    assert_eq!((t.summary.lost_msgs, t.summary.lost_bytes), (1, 1038));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn l1_refused_connections_delay_the_boot_connection() {
    // Refusing for 300 ms real is 3000 ms virtual at 10×: the device keeps trying (L1) and
    // connects once the server accepts, connect_ms later.
    let s = server_with("/nonexistent".into(), |c| c.refuse_for = Duration::from_millis(300)).await;
    let sc = load_scenario("zero-timeout-trap").unwrap();
    let url = ServerUrl::parse(&ws_url(s.local_addr, ""), false).await.unwrap();
    let live = run_live(&sc, &url, LiveOptions { time_scale: 10.0, skip_idle: true }, Duration::from_secs(30)).await.unwrap();
    let connected = live.trace.entries.iter().find(|e| matches!(&e.line, Line::Event(ev) if ev.event.as_str() == "connected"));
    let at = connected.expect("connects in the end").t;
    assert!(at.micros >= 3_000_000 + 1_500_000, "connected at {at} ms, before the refusal ended");
    assert!(s.shared.stats.refused.load(std::sync::atomic::Ordering::Relaxed) >= 1);
    let sim = run(&sc, &RunOptions::default()).unwrap();
    assert_eq!(returns(&live.trace), returns(&sim), "same codes, later");
}
