//! The trace: what a run produced (SPEC §11, §13 "Trace lines"). One `Entry` per line, in time
//! order. Each entry also carries a `Snapshot` of the model at that instant so a viewer can show
//! *why* without re-running anything; the JSON line (`to_json_line`) holds only the §11 fields
//! plus `rule` and `why` on call lines.

use crate::budget::Stop;
use crate::policy::{Reason, SendError};
use crate::program::CallKind;
use crate::rules::Rule;
pub use crate::program::CodeSite;
use crate::time::{Duration, Instant};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The kind of callback a call ran in, or a handler event is for (§11, §14 Trace).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Handler {
    OnConnect,
    OnUnexpectedDisconnect,
    /// An `imp.wakeup` callback (programs only).
    Wakeup,
    /// An `imp.onidle` callback (programs only).
    OnIdle,
    /// An `agent.on` handler run for a message from the agent (§15).
    AgentOn,
}

impl Handler {
    pub fn as_str(self) -> &'static str {
        match self {
            Handler::OnConnect => "on_connect",
            Handler::OnUnexpectedDisconnect => "on_unexpected_disconnect",
            Handler::Wakeup => "imp.wakeup",
            Handler::OnIdle => "onidle",
            Handler::AgentOn => "agent.on",
        }
    }
}

/// A call's return value as the API gives it.
#[derive(Clone, Debug, PartialEq)]
pub enum Ret {
    /// Send codes (0–4) and `imp.setsendbuffersize`'s previous capacity.
    Int(i64),
    /// `server.isconnected`, `server.flush`.
    Bool(bool),
    /// Calls that return nothing (`imp.wakeup`, `server.disconnect`, …).
    Null,
}

impl Ret {
    /// What `call` returned, as §3 types a send method's return: `Ok` for 0, else its
    /// `SendError`; `None` when `call` does not return a send code.
    pub fn send_result(&self, call: CallKind) -> Option<Result<(), SendError>> {
        match *self {
            Ret::Int(0) if call.returns_send_code() => Some(Ok(())),
            Ret::Int(code) if call.returns_send_code() => SendError::from_code(code).map(Err),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Returned(Ret),
    /// A throw or runtime error; the script goes on with the next step (§13 "Errors").
    Error(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct CallLine {
    pub call: CallKind,
    /// Where a step list made the call (0 for code).
    pub step: u32,
    pub iter: u32,
    /// Where code made it and what it carried (§14: the JSON line carries `line`/`file` instead
    /// of `step`/`iter`).
    pub code: Option<CodeCall>,
    pub handler: Option<Handler>,
    pub outcome: Outcome,
    pub blocked: Duration,
    /// The message or datagram id this call created, if any (§13 "Messages").
    pub msg: Option<u64>,
    /// The SPEC rule that decided the outcome (S2).
    pub rule: Rule,
    /// One line with the numbers: "RETURN_ON_ERROR_NO_DISCONNECT: 1 041 bytes do not fit …".
    pub why: String,
}

impl CallLine {
    /// The call's send result (`Ret::send_result`); `None` if it threw or is not a send.
    pub fn send_result(&self) -> Option<Result<(), SendError>> {
        match &self.outcome {
            Outcome::Returned(r) => r.send_result(self.call),
            Outcome::Error(_) => None,
        }
    }
}

/// A call made by code (§14 Trace), on the device or in the agent (§15).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeCall {
    pub site: CodeSite,
    pub carried: Option<Carried>,
    pub side: Side,
}

/// Which program made a call or met an error (§15: agent lines carry `"side":"agent"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Device,
    Agent,
}

impl Side {
    /// As trace lines and expectations spell it (§15: `"side":"agent"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Device => "device",
            Side::Agent => "agent",
        }
    }
}

/// What a log or a send made by code carried (§14 Trace). Step lists give sizes only, so their
/// lines keep §11's keys and the preset traces do not change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Carried {
    /// `server.log`/`server.error`: the logged text (at most `MAX_LOG_TEXT` bytes).
    Text(Arc<str>),
    /// `agent.send`: the message name and its §14 payload size.
    Message { name: Arc<str>, bytes: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Connected,
    Disconnected,
    Recovering,
    Offline,
    Suspended,
    DeepSleep,
    Wake,
    SquirrelRestart,
    Handler,
    Acked,
    Lost,
    UdpDelivered,
    UdpLost,
    /// A run-level note (e.g. the retry limit stopped the run). Not in §11; carries `why`.
    Note,
    /// §14: a program's uncaught runtime error ended its task; Squirrel restarts.
    SquirrelError,
    /// §15: a device message ran the agent's `device.on` handler (T5: its last byte read).
    AgentReceived,
    /// §15: an agent message reached the device and runs its `agent.on` handler.
    DeviceReceived,
    /// §15: an agent message was lost (the device not connected, or the connection dropped).
    DownlinkLost,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Connected => "connected",
            EventKind::Disconnected => "disconnected",
            EventKind::Recovering => "recovering",
            EventKind::Offline => "offline",
            EventKind::Suspended => "suspended",
            EventKind::DeepSleep => "deep_sleep",
            EventKind::Wake => "wake",
            EventKind::SquirrelRestart => "squirrel_restart",
            EventKind::Handler => "handler",
            EventKind::Acked => "acked",
            EventKind::Lost => "lost",
            EventKind::UdpDelivered => "udp_delivered",
            EventKind::UdpLost => "udp_lost",
            EventKind::Note => "note",
            EventKind::SquirrelError => "squirrel_error",
            EventKind::AgentReceived => "agent_received",
            EventKind::DeviceReceived => "device_received",
            EventKind::DownlinkLost => "downlink_lost",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventLine {
    pub event: EventKind,
    /// The §3 reason where the event has one (its code in JSON).
    pub reason: Option<Reason>,
    pub handler: Option<Handler>,
    pub msg: Option<u64>,
    /// `lost`: bytes lost with the message.
    pub bytes: Option<u64>,
    /// UDP delivery events: packets the datagram travelled as.
    pub packets: Option<u64>,
    /// What only device code's events carry (§14 Trace).
    pub detail: Option<EventDetail>,
    /// The rule behind the event, and a line saying why (shown by viewers, not in §11 JSON
    /// except for `note`).
    pub rule: Rule,
    pub why: String,
}

/// §14: the keys a `squirrel_error` or an error's `squirrel_restart` adds to its event line.
#[derive(Clone, Debug, PartialEq)]
pub enum EventDetail {
    /// An uncaught runtime error: its message and where it was thrown.
    ProgramError { error: String, site: Option<crate::program::CodeSite> },
    /// A restart and the `hardware.wakereason()` the new run sees.
    WakeReason(i64),
    /// §15: an uncaught error in agent code (the agent goes on; nothing restarts).
    AgentError { error: String, site: crate::program::CodeSite },
    /// §15: this line's `msg` is an agent → device message (the two directions count their
    /// ids separately, so a `note` about one needs saying which). No JSON key: §15's `note`
    /// has none; viewers pair messages by it.
    Downlink,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    Call(CallLine),
    Event(EventLine),
}

/// Connection state (SPEC §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConnState {
    Booting,
    Online,
    Recovering,
    Offline,
    Connecting,
    Suspended,
    DeepSleep,
}

impl ConnState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::Booting => "BOOTING",
            ConnState::Online => "ONLINE",
            ConnState::Recovering => "RECOVERING",
            ConnState::Offline => "OFFLINE",
            ConnState::Connecting => "CONNECTING",
            ConnState::Suspended => "SUSPENDED",
            ConnState::DeepSleep => "DEEP_SLEEP",
        }
    }
}

impl std::fmt::Display for ConnState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What Squirrel is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SquirrelState {
    NotStarted,
    Running,
    /// Blocked inside a call (a send waiting for space, `imp.sleep`, a flush…).
    Blocked,
    /// Idle: waiting in `imp.wakeup`, a retry pause, or done; handlers may run.
    Idle,
    /// Halted by SUSPEND_ON_ERROR while impOS reconnects.
    Suspended,
    DeepSleep,
    Finished,
}

/// The model's state at one instant: what a viewer needs to explain a line.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub conn: Option<ConnState>,
    pub squirrel: Option<SquirrelState>,
    /// Send buffer capacity (bytes).
    pub capacity: u32,
    /// Written, not yet sent.
    pub unsent: u32,
    /// Sent, not yet ACKed.
    pub in_flight: u32,
    /// Cumulative bytes written into the buffer / sent (first transmissions) / ACKed.
    pub written_total: u64,
    pub sent_total: u64,
    pub acked_total: u64,
    /// The receive window the server last advertised.
    pub rwnd: u32,
    /// UDP tokens left (whole tokens).
    pub udp_tokens: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub t: Instant,
    pub line: Line,
    pub state: Snapshot,
}

/// A point of the flow graph (tcptrace-style): sampled at segment departures and ACKs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sample {
    pub t: Instant,
    pub written_total: u64,
    pub sent_total: u64,
    pub acked_total: u64,
    /// acked_total + min(capacity, rwnd): the highest byte the sender may have in flight.
    pub window_limit: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub sent_msgs: u64,
    pub acked_msgs: u64,
    pub lost_msgs: u64,
    pub lost_bytes: u64,
    pub goodput_bps: f64,
    pub end: Instant,
    pub udp_sent: u64,
    pub udp_delivered: u64,
    pub udp_lost: u64,
    /// Why the run stopped before its scenario was done (a §13 limit), if it did.
    pub stop: Option<Stop>,
    /// Work budget units the run spent (issue 13; not in the JSON line).
    pub work: u64,
}

/// Everything a run produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    pub entries: Vec<Entry>,
    pub samples: Vec<Sample>,
    pub summary: Summary,
}

/// `"line"`, then `"file"` when it is not the main program's (§14 Trace).
fn insert_site(m: &mut Map<String, Value>, site: &CodeSite) {
    m.insert("line".into(), site.line.into());
    if let Some(f) = &site.file {
        m.insert("file".into(), f.as_ref().into());
    }
}

fn ret_value(r: &Ret) -> Value {
    match r {
        Ret::Int(i) => Value::from(*i),
        Ret::Bool(b) => Value::from(*b),
        Ret::Null => Value::Null,
    }
}

impl Entry {
    /// The §11 JSON object for this line (key order: time first, then as §11 lists them).
    pub fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("t_ms".into(), Value::Number(self.t.as_ms_number()));
        match &self.line {
            Line::Call(c) => {
                m.insert("call".into(), c.call.as_str().into());
                if c.code.as_ref().is_some_and(|code| code.side == Side::Agent) {
                    m.insert("side".into(), Side::Agent.as_str().into());
                }
                match &c.code {
                    None => {
                        m.insert("step".into(), c.step.into());
                        m.insert("iter".into(), c.iter.into());
                    }
                    Some(code) => insert_site(&mut m, &code.site),
                }
                if let Some(h) = c.handler {
                    m.insert("handler".into(), h.as_str().into());
                }
                match c.code.as_ref().and_then(|code| code.carried.as_ref()) {
                    Some(Carried::Text(text)) => {
                        m.insert("text".into(), text.as_ref().into());
                    }
                    Some(Carried::Message { name, bytes }) => {
                        m.insert("name".into(), name.as_ref().into());
                        m.insert("bytes".into(), (*bytes).into());
                    }
                    None => {}
                }
                match &c.outcome {
                    Outcome::Returned(r) => {
                        m.insert("ret".into(), ret_value(r));
                    }
                    Outcome::Error(e) => {
                        m.insert("error".into(), e.clone().into());
                    }
                }
                m.insert("blocked_ms".into(), Value::Number(c.blocked.as_ms_number()));
                if let Some(id) = c.msg {
                    m.insert("msg".into(), id.into());
                }
                m.insert("rule".into(), c.rule.id().into());
                m.insert("why".into(), c.why.clone().into());
            }
            Line::Event(e) => {
                m.insert("event".into(), e.event.as_str().into());
                if let Some(EventDetail::AgentError { .. }) = e.detail {
                    m.insert("side".into(), Side::Agent.as_str().into());
                }
                if let Some(h) = e.handler {
                    m.insert("handler".into(), h.as_str().into());
                }
                if let Some(r) = e.reason {
                    m.insert("reason".into(), r.code().into());
                }
                if let Some(id) = e.msg {
                    m.insert("msg".into(), id.into());
                }
                if let Some(b) = e.bytes {
                    m.insert("bytes".into(), b.into());
                }
                if let Some(p) = e.packets {
                    m.insert("packets".into(), p.into());
                }
                match &e.detail {
                    Some(EventDetail::ProgramError { error, site }) => {
                        m.insert("error".into(), error.as_str().into());
                        if let Some(site) = site {
                            insert_site(&mut m, site);
                        }
                    }
                    Some(EventDetail::AgentError { error, site }) => {
                        m.insert("error".into(), error.as_str().into());
                        insert_site(&mut m, site);
                    }
                    Some(EventDetail::WakeReason(w)) => {
                        m.insert("wakereason".into(), (*w).into());
                    }
                    Some(EventDetail::Downlink) | None => {}
                }
                // Issue #3: every line carries its reason, as call lines do (extra keys after
                // the §11 ones).
                m.insert("rule".into(), e.rule.id().into());
                m.insert("why".into(), e.why.clone().into());
            }
        }
        m
    }

    pub fn to_json_line(&self) -> String {
        Value::Object(self.to_json()).to_string()
    }
}

impl Summary {
    pub fn to_json_line(&self) -> String {
        let mut s = Map::new();
        s.insert("sent_msgs".into(), self.sent_msgs.into());
        s.insert("acked_msgs".into(), self.acked_msgs.into());
        s.insert("lost_msgs".into(), self.lost_msgs.into());
        s.insert("lost_bytes".into(), self.lost_bytes.into());
        s.insert("goodput_bps".into(), round3(self.goodput_bps));
        s.insert("end_ms".into(), Value::Number(self.end.as_ms_number()));
        s.insert("udp_sent".into(), self.udp_sent.into());
        s.insert("udp_delivered".into(), self.udp_delivered.into());
        s.insert("udp_lost".into(), self.udp_lost.into());
        // Only runs cut short carry it, so every other summary line stays as §11 has it.
        if let Some(stop) = &self.stop {
            s.insert("stopped".into(), stop.key().into());
        }
        let mut m = Map::new();
        m.insert("summary".into(), Value::Object(s));
        Value::Object(m).to_string()
    }
}

/// Goodput is printed to 3 decimals so the text is stable across platforms.
fn round3(x: f64) -> Value {
    let r = (x * 1000.0).round() / 1000.0;
    if r.fract() == 0.0 && r.abs() < 9.0e15 {
        Value::from(r as i64)
    } else {
        serde_json::Number::from_f64(r).map(Value::Number).unwrap_or(Value::Null)
    }
}

impl Trace {
    /// The whole `--json` output: one line per entry, then the summary line.
    pub fn to_json_lines(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            out.push_str(&e.to_json_line());
            out.push('\n');
        }
        out.push_str(&self.summary.to_json_line());
        out.push('\n');
        out
    }

    /// A stable fingerprint of the JSON trace (FNV-1a 64), to compare native and wasm runs.
    pub fn hash(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.to_json_lines().bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    }
}
