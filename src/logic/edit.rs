//! Editing a scenario from the form and the step list: typed getters/setters per field, and
//! list operations. Pure, so the rules (a bad number names its field) are tested natively.

use impnet_core::program::CallKind;
use impnet_core::scenario::{Arg, Call, RetAction, Scenario, Step};

/// Which step list of the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListId {
    Steps,
    OnConnect,
    OnUnexpectedDisconnect,
}

impl ListId {
    pub fn key(self) -> &'static str {
        match self {
            ListId::Steps => "steps",
            ListId::OnConnect => "on_connect",
            ListId::OnUnexpectedDisconnect => "on_unexpected_disconnect",
        }
    }

    pub fn of(self, s: &Scenario) -> &Vec<Step> {
        match self {
            ListId::Steps => &s.steps,
            ListId::OnConnect => &s.on_connect,
            ListId::OnUnexpectedDisconnect => &s.on_unexpected_disconnect,
        }
    }

    pub fn of_mut(self, s: &mut Scenario) -> &mut Vec<Step> {
        match self {
            ListId::Steps => &mut s.steps,
            ListId::OnConnect => &mut s.on_connect,
            ListId::OnUnexpectedDisconnect => &mut s.on_unexpected_disconnect,
        }
    }
}

/// A step list edit.
#[derive(Clone, Debug, PartialEq)]
pub enum ListEdit {
    Add(&'static str),
    Remove(usize),
    MoveUp(usize),
    MoveDown(usize),
    /// Replace the call with a fresh one of another kind.
    SetCall(usize, &'static str),
    SetArg(usize, &'static str, String),
    SetRepeat(usize, String),
    /// Return values (comma-separated) that retry the call.
    SetRetryOn(usize, String),
    SetRetryAfter(usize, String),
}

/// Sensible arguments for a call picked from the menu.
pub fn default_call(name: &str) -> Option<Call> {
    let s = |v: &str| Arg::Str(v.into());
    // Only §10's calls are on the menu (a step list cannot register callbacks).
    let kind = CallKind::API.into_iter().find(|k| k.as_str() == name)?;
    Some(match kind {
        CallKind::AgentSend => Call::AgentSend { name: "data".into(), bytes: 200 },
        CallKind::ServerLog => Call::ServerLog { bytes: 100 },
        CallKind::ServerError => Call::ServerError { bytes: 100 },
        CallKind::SetSendBufferSize => Call::SetSendBufferSize { size: Arg::Int(8192) },
        CallKind::SetSendTimeoutPolicy => Call::SetSendTimeoutPolicy { reconnect: s("RETURN_ON_ERROR"), wait: s("WAIT_TIL_SENT"), timeout: Arg::Int(30) },
        CallKind::ServerConnect => Call::ServerConnect { timeout: 60.0 },
        CallKind::ServerDisconnect => Call::ServerDisconnect,
        CallKind::ServerFlush => Call::ServerFlush { timeout: 30.0 },
        CallKind::ServerIsConnected => Call::ServerIsConnected,
        CallKind::ImpSleep => Call::ImpSleep { seconds: 1.0 },
        CallKind::ImpWakeup => Call::ImpWakeup { seconds: 1.0 },
        CallKind::OpenUdp => Call::OpenUdp { port: None },
        CallKind::UdpSend => Call::UdpSend { address: s("192.168.1.10"), port: Arg::Int(5000), bytes: 100 },
        CallKind::UdpClose => Call::UdpClose,
        CallKind::OnUnexpectedDisconnect | CallKind::OnIdle | CallKind::CancelWakeup | CallKind::DeepSleep | CallKind::DeviceSend => return None,
    })
}

/// How an argument is edited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    Text,
    Bytes,
    Seconds,
    /// Loose value (impOS checks it at run time): number, bool or string.
    Loose,
    Reconnect,
    Wait,
}

pub const RECONNECT: [&str; 3] = ["SUSPEND_ON_ERROR", "RETURN_ON_ERROR", "RETURN_ON_ERROR_NO_DISCONNECT"];
pub const WAIT: [&str; 2] = ["WAIT_TIL_SENT", "WAIT_FOR_ACK"];

fn loose(a: &Arg) -> String {
    match a {
        Arg::Int(i) => i.to_string(),
        Arg::Float(f) => f.to_string(),
        Arg::Bool(b) => b.to_string(),
        Arg::Str(s) => s.clone(),
    }
}

/// Parse a loose argument as Squirrel would see it typed: a number if it reads as one.
pub fn parse_loose(text: &str) -> Arg {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        Arg::Int(i)
    } else if let Ok(f) = t.parse::<f64>() {
        Arg::Float(f)
    } else if t == "true" || t == "false" {
        Arg::Bool(t == "true")
    } else {
        Arg::Str(t.trim_matches('"').to_string())
    }
}

/// The editable arguments of a call: (field, kind, current text).
pub fn args_of(c: &Call) -> Vec<(&'static str, ArgKind, String)> {
    use ArgKind::*;
    match c {
        Call::AgentSend { name, bytes } => vec![("name", Text, name.clone()), ("bytes", Bytes, bytes.to_string())],
        Call::ServerLog { bytes } | Call::ServerError { bytes } => vec![("bytes", Bytes, bytes.to_string())],
        Call::SetSendBufferSize { size } => vec![("size", Loose, loose(size))],
        Call::SetSendTimeoutPolicy { reconnect, wait, timeout } => {
            vec![("reconnect", Reconnect, loose(reconnect)), ("wait", Wait, loose(wait)), ("timeout", Loose, loose(timeout))]
        }
        Call::ServerConnect { timeout } | Call::ServerFlush { timeout } => vec![("timeout", Seconds, timeout.to_string())],
        Call::ImpSleep { seconds } | Call::ImpWakeup { seconds } => vec![("seconds", Seconds, seconds.to_string())],
        Call::OpenUdp { port } => vec![("port", Loose, port.as_ref().map(loose).unwrap_or_default())],
        Call::UdpSend { address, port, bytes } => {
            vec![("address", Loose, loose(address)), ("port", Loose, loose(port)), ("bytes", Bytes, bytes.to_string())]
        }
        Call::ServerDisconnect | Call::ServerIsConnected | Call::UdpClose => vec![],
    }
}

fn bytes(path: &str, v: &str) -> Result<u64, String> {
    v.trim().parse::<u64>().map_err(|_| format!("{path}: expected a whole number of bytes, got “{v}”"))
}

fn seconds(path: &str, v: &str) -> Result<f64, String> {
    match v.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s >= 0.0 => Ok(s),
        _ => Err(format!("{path}: expected 0 or more seconds, got “{v}”")),
    }
}

/// Set one argument from its text. `path` names the field in errors (`steps[2].bytes`).
pub fn set_arg(c: &mut Call, field: &str, v: &str, path: &str) -> Result<(), String> {
    match (c, field) {
        (Call::AgentSend { name, .. }, "name") => *name = v.to_string(),
        (Call::AgentSend { bytes: b, .. } | Call::ServerLog { bytes: b } | Call::ServerError { bytes: b } | Call::UdpSend { bytes: b, .. }, "bytes") => {
            *b = bytes(path, v)?
        }
        (Call::SetSendBufferSize { size }, "size") => *size = parse_loose(v),
        (Call::SetSendTimeoutPolicy { reconnect, .. }, "reconnect") => *reconnect = parse_loose(v),
        (Call::SetSendTimeoutPolicy { wait, .. }, "wait") => *wait = parse_loose(v),
        (Call::SetSendTimeoutPolicy { timeout, .. }, "timeout") => *timeout = parse_loose(v),
        (Call::ServerConnect { timeout } | Call::ServerFlush { timeout }, "timeout") => *timeout = seconds(path, v)?,
        (Call::ImpSleep { seconds: s } | Call::ImpWakeup { seconds: s }, "seconds") => *s = seconds(path, v)?,
        (Call::OpenUdp { port }, "port") => *port = (!v.trim().is_empty()).then(|| parse_loose(v)),
        (Call::UdpSend { address, .. }, "address") => *address = parse_loose(v),
        (Call::UdpSend { port, .. }, "port") => *port = parse_loose(v),
        (c, f) => return Err(format!("{path}: {} has no argument `{f}`", c.name())),
    }
    Ok(())
}

/// Apply `edit` to `list` of `s`. Errors name the field and say why; `s` is unchanged then.
pub fn apply(s: &Scenario, list: ListId, edit: &ListEdit) -> Result<Scenario, String> {
    let mut s = s.clone();
    let key = list.key();
    let steps = list.of_mut(&mut s);
    let check = |i: usize, len: usize| if i < len { Ok(()) } else { Err(format!("{key}[{i}]: no such step")) };
    match edit {
        ListEdit::Add(name) => steps.push(Step::new(default_call(name).ok_or_else(|| format!("unknown call `{name}`"))?)),
        ListEdit::Remove(i) => {
            check(*i, steps.len())?;
            steps.remove(*i);
        }
        ListEdit::MoveUp(i) => {
            check(*i, steps.len())?;
            if *i > 0 {
                steps.swap(*i, i - 1);
            }
        }
        ListEdit::MoveDown(i) => {
            check(*i, steps.len())?;
            if i + 1 < steps.len() {
                steps.swap(*i, i + 1);
            }
        }
        ListEdit::SetCall(i, name) => {
            check(*i, steps.len())?;
            steps[*i].call = default_call(name).ok_or_else(|| format!("{key}[{i}].call: unknown call `{name}`"))?;
        }
        ListEdit::SetArg(i, field, v) => {
            check(*i, steps.len())?;
            set_arg(&mut steps[*i].call, field, v, &format!("{key}[{i}].{field}"))?;
        }
        ListEdit::SetRepeat(i, v) => {
            check(*i, steps.len())?;
            steps[*i].repeat = v
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|r| *r <= 1_000_000)
                .ok_or_else(|| format!("{key}[{i}].repeat: expected 0 to 1 000 000, got “{v}”"))?;
        }
        ListEdit::SetRetryOn(i, v) => {
            check(*i, steps.len())?;
            steps[*i].on_ret = v
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| (k.to_string(), RetAction::Retry))
                .collect();
        }
        ListEdit::SetRetryAfter(i, v) => {
            check(*i, steps.len())?;
            steps[*i].retry_after_s = seconds(&format!("{key}[{i}].retry_after_s"), v)?;
        }
    }
    Ok(s)
}

/// One scalar parameter of the form: its TOML path, a label, and how to read and write it.
pub struct Param {
    pub path: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub get: fn(&Scenario) -> String,
    pub set: fn(&mut Scenario, &str) -> Result<(), String>,
}

macro_rules! whole {
    ($path:literal, $label:literal, $unit:literal, $($f:ident).+) => {
        Param {
            path: $path,
            label: $label,
            unit: $unit,
            get: |s| s.$($f).+.to_string(),
            set: |s, v| {
                s.$($f).+ = v.trim().parse().map_err(|_| format!("{}: expected a whole number ≥ 0, got “{}”", $path, v))?;
                Ok(())
            },
        }
    };
}

fn set_loss(s: &mut Scenario, v: &str) -> Result<(), String> {
    match v.trim().parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => {
            s.network.loss = p;
            Ok(())
        }
        _ => Err(format!("network.loss: expected a probability from 0 to 1, got “{v}”")),
    }
}

fn set_refill(s: &mut Scenario, v: &str) -> Result<(), String> {
    match v.trim().parse::<f64>() {
        Ok(r) if r.is_finite() && r >= 0.0 => {
            s.udp.refill_per_s = r;
            Ok(())
        }
        _ => Err(format!("udp.refill_per_s: expected 0 or more tokens per second, got “{v}”")),
    }
}

fn set_rto(s: &mut Scenario, v: &str) -> Result<(), String> {
    s.network.rto_ms = if v.trim().is_empty() {
        None
    } else {
        Some(v.trim().parse().map_err(|_| format!("network.rto_ms: expected whole ms, or empty for max(200, 2·RTT), got “{v}”"))?)
    };
    Ok(())
}

fn set_consume(s: &mut Scenario, v: &str) -> Result<(), String> {
    use impnet_core::scenario::{Rate, Unlimited};
    let t = v.trim();
    s.agent.consume_bps = if t.is_empty() || t == "unlimited" {
        Rate::Unlimited(Unlimited::Unlimited)
    } else {
        Rate::Bps(t.parse().map_err(|_| format!("agent.consume_bps: expected bytes/s or “unlimited”, got “{v}”"))?)
    };
    Ok(())
}

fn set_end(s: &mut Scenario, v: &str) -> Result<(), String> {
    match v.trim().parse::<u64>() {
        Ok(ms) if ms <= impnet_core::scenario::MAX_END_MS => {
            s.end_ms = ms;
            Ok(())
        }
        _ => Err(format!("end_ms: expected 0 to {} ms (one virtual day), got “{v}”", impnet_core::scenario::MAX_END_MS)),
    }
}

/// `time()` at t = 0 (SPEC §14): a 32-bit integer in Squirrel, so at most 2^31 − 1 (the scenario's
/// check adds the run's length).
fn set_start_epoch(s: &mut Scenario, v: &str) -> Result<(), String> {
    match v.trim().parse::<u64>() {
        Ok(t) if t <= i32::MAX as u64 => {
            s.start_epoch = t;
            Ok(())
        }
        _ => Err(format!("start_epoch: expected 0 to {} s since 1970 (time() is a 32-bit integer), got “{v}”", i32::MAX)),
    }
}

/// The form's groups of parameters (SPEC §2).
pub fn param_groups() -> Vec<(&'static str, Vec<Param>)> {
    vec![
        (
            "Run",
            vec![
                whole!("seed", "seed", "", seed),
                Param { path: "end_ms", label: "end", unit: "ms", get: |s| s.end_ms.to_string(), set: set_end },
                Param {
                    path: "start_epoch",
                    label: "time() at start",
                    unit: "s",
                    get: |s| s.start_epoch.to_string(),
                    set: set_start_epoch,
                },
            ],
        ),
        (
            "Device",
            vec![
                whole!("device.buffer_default", "buffer after boot", "B", device.buffer_default),
                whole!("device.buffer_max", "buffer max", "B", device.buffer_max),
                whole!("device.mss", "segment size (MSS)", "B", device.mss),
                whole!("device.tls_overhead", "TLS bytes per record", "B", device.tls_overhead),
                whole!("device.msg_header", "message header", "B", device.msg_header),
                whole!("device.connect_ms", "connect time", "ms", device.connect_ms),
                whole!("device.boot_squirrel_ms", "Squirrel start at latest", "ms", device.boot_squirrel_ms),
            ],
        ),
        (
            "Network & server",
            vec![
                whole!("network.rtt_ms", "round trip", "ms", network.rtt_ms),
                whole!("network.uplink_bps", "uplink", "B/s", network.uplink_bps),
                Param { path: "network.loss", label: "loss (uplink)", unit: "0–1", get: |s| s.network.loss.to_string(), set: set_loss },
                Param {
                    path: "network.rto_ms",
                    label: "retransmit timeout",
                    unit: "ms",
                    get: |s| s.network.rto_ms.map(|v| v.to_string()).unwrap_or_default(),
                    set: set_rto,
                },
                whole!("server.rwnd", "server receive window", "B", server.rwnd),
                Param {
                    path: "agent.consume_bps",
                    label: "agent reads",
                    unit: "B/s",
                    get: |s| s.agent.consume_bps.bps().map(|b| b.to_string()).unwrap_or_else(|| "unlimited".into()),
                    set: set_consume,
                },
            ],
        ),
        (
            "Reconnect & keepalive",
            vec![
                whole!("suspend.connect_window_ms", "SUSPEND connect window", "ms", suspend.connect_window_ms),
                whole!("suspend.sleep_ms", "SUSPEND deep sleep", "ms", suspend.sleep_ms),
                whole!("recover.grace_ms", "silent reconnect grace", "ms", recover.grace_ms),
                whole!("keepalive.idle_ms", "keepalive idle", "ms", keepalive.idle_ms),
                whole!("keepalive.ack_ms", "keepalive answer", "ms", keepalive.ack_ms),
            ],
        ),
        (
            "UDP",
            vec![
                whole!("udp.burst", "token bucket size", "", udp.burst),
                Param { path: "udp.refill_per_s", label: "refill", unit: "/s", get: |s| s.udp.refill_per_s.to_string(), set: set_refill },
                whole!("udp.mtu", "payload per packet", "B", udp.mtu),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(path: &str) -> Param {
        param_groups().into_iter().flat_map(|(_, ps)| ps).find(|p| p.path == path).unwrap()
    }

    #[test]
    fn s10_form_errors_name_the_field_and_the_reason() {
        let mut s = Scenario::default();
        let e = (find("network.rtt_ms").set)(&mut s, "fast").unwrap_err();
        assert!(e.starts_with("network.rtt_ms:") && e.contains("whole number"), "{e}");
        let e = (find("network.loss").set)(&mut s, "1.5").unwrap_err();
        assert!(e.contains("probability"), "{e}");
        assert_eq!(s, Scenario::default(), "a refused value changes nothing");
    }

    #[test]
    fn form_fields_write_what_they_read() {
        let mut s = Scenario::default();
        (find("device.buffer_max").set)(&mut s, "65535").unwrap();
        assert_eq!(s.device.buffer_max, 65535);
        assert_eq!((find("device.buffer_max").get)(&s), "65535");
        (find("agent.consume_bps").set)(&mut s, "0").unwrap();
        assert_eq!(s.agent.consume_bps.bps(), Some(0));
        (find("agent.consume_bps").set)(&mut s, "").unwrap();
        assert_eq!(s.agent.consume_bps.bps(), None, "empty is unlimited");
        (find("network.rto_ms").set)(&mut s, "").unwrap();
        assert_eq!(s.network.rto_ms, None);
    }

    #[test]
    fn section14_start_epoch_is_a_form_field_within_32_bits() {
        let mut s = Scenario::default();
        assert_eq!((find("start_epoch").get)(&s), "1735689600", "§14's default, 2025-01-01");
        (find("start_epoch").set)(&mut s, " 0 ").unwrap();
        assert_eq!(s.start_epoch, 0);
        (find("start_epoch").set)(&mut s, "2147483647").unwrap();
        assert_eq!(s.start_epoch, 2_147_483_647);
        let e = (find("start_epoch").set)(&mut s, "2147483648").unwrap_err();
        assert!(e.starts_with("start_epoch:") && e.contains("32-bit"), "{e}");
        assert!((find("start_epoch").set)(&mut s, "-1").is_err());
        assert_eq!(s.start_epoch, 2_147_483_647, "a refused value changes nothing");
    }

    #[test]
    fn step_list_add_reorder_remove() {
        let s = Scenario::default();
        let s = apply(&s, ListId::Steps, &ListEdit::Add("server.log")).unwrap();
        let s = apply(&s, ListId::Steps, &ListEdit::Add("agent.send")).unwrap();
        let s = apply(&s, ListId::Steps, &ListEdit::MoveUp(1)).unwrap();
        assert_eq!(s.steps[0].call.name(), "agent.send");
        let s = apply(&s, ListId::Steps, &ListEdit::MoveDown(0)).unwrap();
        assert_eq!(s.steps[0].call.name(), "server.log");
        let s = apply(&s, ListId::Steps, &ListEdit::Remove(0)).unwrap();
        assert_eq!(s.steps.len(), 1);
        assert!(apply(&s, ListId::Steps, &ListEdit::Remove(5)).unwrap_err().contains("steps[5]"));
    }

    #[test]
    fn s10_step_arguments_repeat_and_retry() {
        let s = apply(&Scenario::default(), ListId::OnConnect, &ListEdit::Add("agent.send")).unwrap();
        let s = apply(&s, ListId::OnConnect, &ListEdit::SetArg(0, "bytes", "4096".into())).unwrap();
        assert_eq!(s.on_connect[0].call, Call::AgentSend { name: "data".into(), bytes: 4096 });
        let e = apply(&s, ListId::OnConnect, &ListEdit::SetArg(0, "bytes", "-1".into())).unwrap_err();
        assert!(e.starts_with("on_connect[0].bytes:"), "{e}");
        let s = apply(&s, ListId::OnConnect, &ListEdit::SetRepeat(0, "16".into())).unwrap();
        assert_eq!(s.on_connect[0].repeat, 16);
        let s = apply(&s, ListId::OnConnect, &ListEdit::SetRetryOn(0, "4, 1".into())).unwrap();
        assert_eq!(s.on_connect[0].on_ret.keys().cloned().collect::<Vec<_>>(), vec!["1", "4"]);
        let s = apply(&s, ListId::OnConnect, &ListEdit::SetRetryAfter(0, "0.5".into())).unwrap();
        assert_eq!(s.on_connect[0].retry_after_s, 0.5);
    }

    #[test]
    fn b4_and_c6_loose_arguments_keep_bad_values_for_the_runtime_error() {
        // impOS throws at run time for these, so the editor must be able to write them.
        let s = apply(&Scenario::default(), ListId::Steps, &ListEdit::Add("imp.setsendbuffersize")).unwrap();
        let s = apply(&s, ListId::Steps, &ListEdit::SetArg(0, "size", "-5".into())).unwrap();
        assert_eq!(s.steps[0].call, Call::SetSendBufferSize { size: Arg::Int(-5) });
        let s = apply(&s, ListId::Steps, &ListEdit::SetArg(0, "size", "big".into())).unwrap();
        assert_eq!(s.steps[0].call, Call::SetSendBufferSize { size: Arg::Str("big".into()) });
    }

    #[test]
    fn every_call_in_the_menu_has_defaults_and_round_trips_through_toml() {
        let mut s = Scenario::default();
        for name in Call::NAMES {
            s = apply(&s, ListId::Steps, &ListEdit::Add(name)).unwrap();
        }
        let text = toml::to_string(&s).unwrap();
        assert_eq!(impnet_core::scenario::parse_toml(&text).unwrap(), s, "{text}");
    }
}
