//! Every preset (SPEC §12): it loads, runs, shows the behaviour it is named for, and its JSON
//! trace is snapshotted. `presets/hashes.txt` holds each trace's hash for the wasm test to
//! compare against; this test fails if it drifts (`IMPNET_UPDATE_HASHES=1` rewrites it).
use impnet_core::presets::{self, ALL};
use impnet_core::{run, scenario::parse_toml, RunOptions, Trace};
use serde_json::Value;

fn trace_of(id: &str) -> Trace {
    let p = presets::find(id).unwrap_or_else(|| panic!("preset {id} is registered"));
    let sc = parse_toml(p.toml).unwrap_or_else(|e| panic!("{id}: {e}"));
    assert_eq!(sc.title, p.title, "{id}: the file's title matches the registry");
    run(&sc, &RunOptions::default()).expect("run")
}

fn json(t: &Trace) -> Vec<Value> {
    t.to_json_lines().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn has(v: &[Value], f: impl Fn(&Value) -> bool) -> bool {
    v.iter().any(f)
}

#[test]
fn every_preset_snapshot() {
    assert_eq!(ALL.len(), 12);
    for p in ALL {
        let t = trace_of(p.id);
        insta::assert_snapshot!(p.id, t.to_json_lines());
    }
}

#[test]
fn preset_hashes_match_file() {
    let mut text = String::new();
    for p in ALL {
        text.push_str(&format!("{} {:016x}\n", p.id, trace_of(p.id).hash()));
    }
    // §15's device + agent pairs, for the wasm test too.
    for p in presets::PAIRS {
        let t = run(&p.scenario().unwrap(), &RunOptions::default()).unwrap();
        text.push_str(&format!("{} {:016x}\n", p.id, t.hash()));
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../presets/hashes.txt");
    if std::env::var_os("IMPNET_UPDATE_HASHES").is_some() {
        std::fs::write(path, &text).expect("write hashes.txt");
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(on_disk, text, "presets/hashes.txt is stale: rerun with IMPNET_UPDATE_HASHES=1");
}

#[test]
fn s11_issue3_every_line_carries_its_rule_and_why_after_the_s11_keys() {
    // Issue #3: every outcome carries its reason in the JSON trace, events as well as calls;
    // the extra keys come last so the §11 keys keep their order.
    let mut events = 0;
    for p in ALL {
        for l in json(&trace_of(p.id)).iter().filter(|l| l.get("summary").is_none()) {
            let keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys[0], "t_ms", "{}: {l}", p.id);
            assert_eq!(keys[keys.len() - 2..], ["rule", "why"], "{}: {l}", p.id);
            assert!(!l["rule"].as_str().unwrap().is_empty() && !l["why"].as_str().unwrap().is_empty(), "{}: {l}", p.id);
            events += l.get("event").is_some() as usize;
        }
    }
    assert!(events > 0, "the presets have event lines");
}

#[test]
fn s7_l4_default_policy_wifi_outage_sleeps_and_restarts() {
    let v = json(&trace_of("default-policy-wifi-outage"));
    for ev in ["suspended", "deep_sleep", "wake", "squirrel_restart"] {
        assert!(has(&v, |l| l["event"] == ev), "{ev}");
    }
}

#[test]
fn s4_led_wait_for_ack_blocks_longer() {
    let v = json(&trace_of("led-wait-til-sent-vs-wait-for-ack"));
    let blocked = |rule: &str| -> f64 {
        let c: Vec<f64> = v.iter().filter(|l| l["call"] == "server.log" && l["rule"] == rule).map(|l| l["blocked_ms"].as_f64().unwrap()).collect();
        c.iter().sum::<f64>() / c.len() as f64
    };
    assert!(blocked("S4") > blocked("S3") + 50.0);
}

#[test]
fn s9_transmitter_retries_after_600_s() {
    let v = json(&trace_of("transmitter-retry"));
    let sends: Vec<&Value> = v.iter().filter(|l| l["call"] == "agent.send").collect();
    assert_eq!(sends.len(), 2);
    assert_eq!((sends[0]["ret"].as_i64(), sends[0]["rule"].as_str()), (Some(2), Some("S9")));
    assert_eq!(sends[1]["ret"], 0);
    assert!(sends[1]["t_ms"].as_f64().unwrap() - sends[0]["t_ms"].as_f64().unwrap() >= 600_000.0);
}

#[test]
fn b1_increase_buffer_payload_size_is_not_enough() {
    let v = json(&trace_of("increase-buffer"));
    let rules: Vec<&str> = v.iter().filter(|l| l["call"] == "agent.send").map(|l| l["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, vec!["S3", "S3", "S1"]);
}

#[test]
fn s5_zero_timeout_trap_disconnects() {
    let v = json(&trace_of("zero-timeout-trap"));
    assert!(has(&v, |l| l["rule"] == "S5" && l["ret"] == 2));
    assert!(has(&v, |l| l["event"] == "disconnected"));
}

#[test]
fn s2_streamer_never_blocks() {
    let v = json(&trace_of("nonblocking-streamer"));
    assert!(has(&v, |l| l["ret"] == 4 && l["rule"] == "S2"));
    assert!(v.iter().filter(|l| l["call"] == "agent.send").all(|l| l["blocked_ms"] == 0));
    assert_eq!(v.last().unwrap()["summary"]["acked_msgs"], 16);
}

#[test]
fn s3_connection_manager_times_out_and_reconnects() {
    let v = json(&trace_of("connection-manager-defaults"));
    assert!(has(&v, |l| l["ret"] == 2 && l["rule"] == "S3"));
    assert!(has(&v, |l| l["handler"] == "on_unexpected_disconnect" && l["event"] == "handler"));
    assert_eq!(v.iter().filter(|l| l["event"] == "connected").count(), 2);
}

#[test]
fn t2_window_bound_goodput() {
    let t = trace_of("window-bound");
    assert!(t.summary.goodput_bps > 0.9 * 34_560.0 && t.summary.goodput_bps <= 34_560.0);
}

#[test]
fn t5_agent_stops_reading_stalls() {
    let v = json(&trace_of("agent-stops-reading"));
    assert!(has(&v, |l| l["ret"] == 2 && l["blocked_ms"] == 10000));
}

#[test]
fn u5_udp_burst() {
    let v = json(&trace_of("udp-burst-rate-limit"));
    assert_eq!(v.iter().filter(|l| l["call"] == "udpsocket.send" && l["ret"] == 4).count(), 55);
}

#[test]
fn u1_u4_udp_validation() {
    let v = json(&trace_of("udp-validation-failures"));
    assert_eq!(v.iter().filter(|l| l["error"].is_string()).count(), 7);
}

#[test]
fn u7_fragmented_loss() {
    let v = json(&trace_of("udp-fragmented-under-loss"));
    let lost = |lo: i64, hi: i64| v.iter().filter(|l| l["event"] == "udp_lost" && (lo..hi).contains(&l["msg"].as_i64().unwrap())).count();
    assert!(lost(40, 80) > 2 * lost(0, 40));
}
