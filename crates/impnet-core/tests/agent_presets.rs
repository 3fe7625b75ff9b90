//! The device + agent preset pair (issue #11, SPEC §15): readings with ids, ACKed by the agent.
//! With the resend nothing is lost through the outage; without it, exactly the readings that
//! were never ACKed are lost. The expected sets come from the trace (its outage, its returns
//! and ACK times), never from a list written here.

use impnet_core::presets::{find_pair, PAIRS};
use impnet_core::{run, RunOptions};
use serde_json::Value;
use std::collections::BTreeSet;

fn lines(id: &str) -> Vec<Value> {
    let s = find_pair(id).unwrap_or_else(|| panic!("{id} is registered")).scenario().unwrap();
    let t = run(&s, &RunOptions::default()).unwrap();
    t.to_json_lines().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn t(l: &Value) -> f64 {
    l["t_ms"].as_f64().unwrap()
}

/// The readings the agent stored, from its logs ("reading 3 = 23"; "again" for a duplicate).
fn stored(ls: &[Value]) -> Vec<u64> {
    ls.iter()
        .filter(|l| l["side"] == "agent" && l["call"] == "server.log")
        .filter_map(|l| l["text"].as_str()?.strip_prefix("reading ")?.split_once(" = ").map(|(id, _)| id.parse().unwrap()))
        .collect()
}

/// The device's own readings count, from its code (`const READINGS = 24;`).
fn readings(id: &str) -> u64 {
    let src = find_pair(id).unwrap().device;
    let line = src.lines().find(|l| l.starts_with("const READINGS")).unwrap();
    line.trim_end_matches(';').rsplit(' ').next().unwrap().parse().unwrap()
}

/// The WiFi outage as the trace shows it: the drop, and the reconnection after it.
fn outage(ls: &[Value]) -> (f64, f64) {
    let drop = t(ls.iter().find(|l| l["event"] == "disconnected").expect("the outage drops the link"));
    let back = t(ls.iter().find(|l| l["event"] == "connected" && t(l) > drop).expect("the device reconnects"));
    (drop, back)
}

#[test]
fn s15_ack_resend_loses_nothing_through_the_wifi_outage() {
    let ls = lines("ack-resend");
    let n = readings("ack-resend");
    let (drop, back) = outage(&ls);
    let got = stored(&ls);
    assert_eq!(got.iter().copied().collect::<BTreeSet<_>>(), (0..n).collect(), "every reading reaches the agent");
    assert_eq!(got.len() as u64, n, "each stored once");
    // Not vacuous: the outage did make sends fail, and readings went again after it.
    let failed = ls.iter().filter(|l| l["call"] == "agent.send" && l["ret"] != 0).count();
    assert!(failed > 0, "sends into the outage fail");
    assert!(ls.iter().all(|l| l["call"] != "agent.send" || l["ret"] == 0 || (t(l) > drop && t(l) <= back)), "failures are the outage's");
    let sends = ls.iter().filter(|l| l["call"] == "agent.send").count() as u64;
    assert!(sends > n, "{sends} sends for {n} readings: the resends");
    let done = ls.iter().find(|l| l["text"].as_str().is_some_and(|s| s.starts_with("all "))).expect("the device says it is done");
    assert!(done.get("side").is_none() && t(done) > back);
}

#[test]
fn s15_ack_no_resend_loses_exactly_the_unacked_readings() {
    let ls = lines("ack-no-resend");
    let n = readings("ack-no-resend");
    let (drop, back) = outage(&ls);
    // Reading k is the k-th agent.send (no resends). It is lost if the send failed, or its
    // message was written but never ACKed.
    let acked: BTreeSet<u64> = ls.iter().filter(|l| l["event"] == "acked").map(|l| l["msg"].as_u64().unwrap()).collect();
    let sends: Vec<&Value> = ls.iter().filter(|l| l["call"] == "agent.send").collect();
    assert_eq!(sends.len() as u64, n);
    let lost: BTreeSet<u64> = (0..n)
        .filter(|&k| {
            let s = sends[k as usize];
            s["ret"] != 0 || s["msg"].as_u64().is_none_or(|m| !acked.contains(&m))
        })
        .collect();
    assert!(!lost.is_empty(), "the outage loses readings");
    for &k in &lost {
        let at = t(sends[k as usize]);
        assert!(at > drop && at <= back, "reading {k} (its send returned at {at}) was lost to the outage {drop}..{back}");
    }
    let got: BTreeSet<u64> = stored(&ls).into_iter().collect();
    assert_eq!(got, (0..n).filter(|k| !lost.contains(k)).collect(), "the agent has every other reading");
    // The device's own account: what it never saw ACKed is what was lost.
    let report = ls.iter().find_map(|l| l["text"].as_str()?.strip_prefix("not ACKed: ")).expect("the device reports");
    let unacked: BTreeSet<u64> = report.split(',').map(|s| s.parse().unwrap()).collect();
    assert_eq!(unacked, lost);
}

#[test]
fn s15_the_pair_shares_one_agent_and_one_outage() {
    let [a, b] = PAIRS else { panic!("two pairs") };
    assert_eq!(a.agent, b.agent);
    assert_eq!(a.scenario().unwrap().network.outages, b.scenario().unwrap().network.outages);
}
