//! Helpers shared by the integration tests: run a TOML scenario and read its JSON lines.
#![allow(dead_code)]

use impnet_core::{run, scenario::parse_toml, RunOptions, Trace};
use serde_json::Value;

pub fn trace(toml: &str) -> Trace {
    let sc = parse_toml(toml).unwrap_or_else(|e| panic!("test scenario is invalid: {e}"));
    run(&sc, &RunOptions::default()).expect("run completes")
}

/// Every line as JSON, the summary last.
pub fn lines(toml: &str) -> Vec<Value> {
    trace(toml).to_json_lines().lines().map(|l| serde_json::from_str(l).expect("valid JSON line")).collect()
}

pub fn calls<'a>(v: &'a [Value], call: &str) -> Vec<&'a Value> {
    v.iter().filter(|l| l["call"] == call).collect()
}

pub fn events<'a>(v: &'a [Value], ev: &str) -> Vec<&'a Value> {
    v.iter().filter(|l| l["event"] == ev).collect()
}

pub fn summary(v: &[Value]) -> &Value {
    &v.last().expect("summary line")["summary"]
}

pub fn t(l: &Value) -> f64 {
    l["t_ms"].as_f64().expect("t_ms")
}

/// Index of the first line matching `f`.
pub fn pos(v: &[Value], f: impl Fn(&Value) -> bool) -> usize {
    v.iter().position(f).expect("a matching line")
}

pub fn policy(reconnect: &str, wait: &str, timeout: f64) -> String {
    format!("[[steps]]\ncall = \"server.setsendtimeoutpolicy\"\nreconnect = \"{reconnect}\"\nwait = \"{wait}\"\ntimeout = {timeout}\n")
}

pub fn send(bytes: u64, repeat: u32) -> String {
    format!("[[steps]]\ncall = \"agent.send\"\nname = \"data\"\nbytes = {bytes}\nrepeat = {repeat}\n")
}

pub fn step(call: &str, extra: &str) -> String {
    format!("[[steps]]\ncall = \"{call}\"\n{extra}\n")
}

/// A generated step for the property tests: `call` repeated `repeat` times, optionally retried
/// on `4` (WOULDBLOCK) every 0.5 s.
pub fn generated_step(call: impnet_core::scenario::Call, repeat: u32, retry_on_wouldblock: bool) -> impnet_core::scenario::Step {
    let mut s = impnet_core::scenario::Step::new(call);
    s.repeat = repeat;
    if retry_on_wouldblock {
        s.on_ret.insert("4".into(), impnet_core::scenario::RetAction::Retry);
        s.retry_after_s = 0.5;
    }
    s
}
