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
