//! Reading a scenario from TOML or JSON, with errors that name the field path and the reason.
//!
//! Every format becomes one tree first (`tree`: TOML's parse tree, a link's JSON value, a JSON
//! file read by serde_json's streaming parser), and one reader (`read`) makes the `Scenario` of
//! it, so every format refuses the same things in the same words. A syntax error says where it
//! is (TOML: line and column; JSON files: the field path serde_path_to_error saw). After
//! reading, `normalise` and `validate::validate` apply the §13 limits.

use super::read;
use super::tree::Value;
use super::validate::{validate, MAX_FILE_BYTES};
use super::{Arg, Call, RetAction, Scenario, Step};
use crate::program::CallKind;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Why a scenario was refused. `path` is the field (`steps[3].bytes`), empty for the whole file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub path: String,
    pub reason: String,
}

impl ScenarioError {
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        ScenarioError { path: path.into(), reason: reason.into() }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.reason)
        } else {
            write!(f, "{}: {}", self.path, self.reason)
        }
    }
}

impl std::error::Error for ScenarioError {}

/// The words a message uses for containers: TOML says table, JSON says object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Toml,
    Json,
}

impl Format {
    /// What a table is called in this format.
    pub(crate) fn container(self) -> &'static str {
        match self {
            Format::Toml => "a table",
            Format::Json => "an object",
        }
    }
}

fn refuse_oversize(text: &str) -> Result<(), ScenarioError> {
    // §13: checked before parsing, so a huge input costs nothing but its length.
    if text.len() > MAX_FILE_BYTES {
        return Err(ScenarioError::new(
            "",
            format!("the scenario is {} bytes; the limit is {MAX_FILE_BYTES} bytes (1 MiB)", text.len()),
        ));
    }
    Ok(())
}

/// Parses, normalises and validates a TOML scenario (the file format).
pub fn parse_toml(text: &str) -> Result<Scenario, ScenarioError> {
    refuse_oversize(text)?;
    // toml's own parse tree, walked without serde (keeps NaN and inf, which validation must
    // see to name them).
    let root = toml::de::DeTable::parse(text)
        .map_err(|e| toml_error(text, e.span().map(|s| s.start), e.message()))?;
    let v = Value::from_toml(root.into_inner()).map_err(|(offset, msg)| toml_error(text, Some(offset), msg))?;
    read_toml_tree(v)
}

/// A TOML document already parsed into a tree (`tree::Lit`, the first preset).
pub(crate) fn read_toml_tree(v: Value) -> Result<Scenario, ScenarioError> {
    checked(read::scenario(v, Format::Toml)?)
}

/// A syntax error has no field to name: it says where it is instead.
fn toml_error(text: &str, offset: Option<usize>, msg: &str) -> ScenarioError {
    let msg = msg.trim().replace('\n', "; ");
    match offset {
        Some(offset) => {
            let (line, col) = line_col(text, offset);
            ScenarioError::new("", format!("TOML syntax error at line {line}, column {col}: {msg}"))
        }
        None => ScenarioError::new("", msg),
    }
}

/// Parses, normalises and validates a JSON scenario (the form links carry).
pub fn parse_json(text: &str) -> Result<Scenario, ScenarioError> {
    refuse_oversize(text)?;
    // Said first: whatever else a non-object is wrong about, this is what to fix.
    if !text.trim_start().starts_with('{') {
        return Err(ScenarioError::new("", "a JSON scenario is an object: it starts with `{`"));
    }
    // Streamed (serde_json's `Value` would keep only the last of a key given twice), with the
    // path of a syntax error.
    let mut de = serde_json::Deserializer::from_str(text);
    let tree = serde_path_to_error::deserialize::<_, super::tree::Doc>(&mut de).map_err(|e| {
        // The tree takes any JSON, so every error here is the text's.
        ScenarioError::new(clean_path(&e.path().to_string()), format!("JSON syntax error: {}", e.into_inner()))
    })?;
    de.end().map_err(|e| ScenarioError::new("", format!("JSON syntax error: {e}")))?;
    checked(read::scenario(tree.0, Format::Json)?)
}

/// A scenario from a share link's tree (`codec`, after its migrations). Same checks as
/// `parse_json`.
pub(crate) fn from_link_tree(v: Value) -> Result<Scenario, ScenarioError> {
    checked(read::scenario(v.into_link_order(), Format::Json)?)
}

/// `s` after `normalise` and `validate`, which every entry point applies.
fn checked(mut s: Scenario) -> Result<Scenario, ScenarioError> {
    s.normalise()?;
    validate(&s)?;
    Ok(s)
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, col)
}

impl Scenario {
    /// §13: `rwnd` and `consume_bps` may sit in `[network]`; they are moved to `[server]` and
    /// `[agent]` so the model reads each in one place. Giving both with different values is
    /// refused rather than silently picking one.
    pub fn normalise(&mut self) -> Result<(), ScenarioError> {
        if let Some(rwnd) = self.network.rwnd.take() {
            let default = super::ServerParams::default().rwnd;
            if self.server.rwnd != default && self.server.rwnd != rwnd {
                return Err(ScenarioError::new(
                    "network.rwnd",
                    format!("conflicts with server.rwnd = {}; give it in one place", self.server.rwnd),
                ));
            }
            self.server.rwnd = rwnd;
        }
        if let Some(rate) = self.network.consume_bps.take() {
            let default = super::AgentParams::default().consume_bps;
            if self.agent.consume_bps != default && self.agent.consume_bps != rate {
                return Err(ScenarioError::new(
                    "network.consume_bps",
                    "conflicts with agent.consume_bps; give it in one place",
                ));
            }
            self.agent.consume_bps = rate;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Steps: every call shares one flat record (`RawStep`); `Step`'s `TryFrom` checks the call is
// known and carries exactly the arguments it takes.

/// A step as written: every argument any call takes, all optional. Read by `read` (one walk
/// for every table), written by serde.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RawStep {
    pub call: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Arg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconnect: Option<Arg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<Arg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Arg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Arg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Arg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_ret: Option<BTreeMap<String, RetAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<f64>,
}

/// The call arguments of `RawStep` (not `call`, `repeat`, `on_ret`, `retry_after_s`).
const ARG_FIELDS: [&str; 9] = ["name", "bytes", "size", "reconnect", "wait", "timeout", "seconds", "address", "port"];

/// A step list's call by name (§10's calls only), and the arguments it takes (required
/// first, then optional).
fn call_args(call: &str) -> Option<(CallKind, &'static [&'static str])> {
    let kind = CallKind::API.into_iter().find(|k| k.as_str() == call)?;
    let args: &[&str] = match kind {
        CallKind::AgentSend => &["name", "bytes"],
        CallKind::ServerLog | CallKind::ServerError => &["bytes"],
        CallKind::SetSendBufferSize => &["size"],
        CallKind::SetSendTimeoutPolicy => &["reconnect", "wait", "timeout"],
        CallKind::ServerConnect | CallKind::ServerFlush => &["timeout"],
        CallKind::ImpSleep | CallKind::ImpWakeup => &["seconds"],
        CallKind::OpenUdp => &["port"],
        CallKind::UdpSend => &["address", "port", "bytes"],
        CallKind::ServerDisconnect | CallKind::ServerIsConnected | CallKind::UdpClose => &[],
        CallKind::OnUnexpectedDisconnect | CallKind::OnIdle | CallKind::CancelWakeup | CallKind::DeepSleep | CallKind::DeviceSend => return None,
    };
    Some((kind, args))
}

/// A step refused by `TryFrom<RawStep>` (or an expectation by `TryFrom<RawExpect>`); `read`
/// puts the entry's path in front (`steps[3]` + `timeout`).
pub struct StepError {
    pub(super) field: Option<&'static str>,
    pub(super) reason: String,
}

impl StepError {
    /// A refusal of one field of a list entry (`expect[2]` + `within_ms`). Shared with
    /// `expect::load`.
    pub(crate) fn at(field: &'static str, reason: impl Into<String>) -> Self {
        StepError { field: Some(field), reason: reason.into() }
    }

    /// A refusal of the entry as a whole.
    pub(crate) fn whole(reason: impl Into<String>) -> Self {
        StepError { field: None, reason: reason.into() }
    }
}

fn need<T>(v: Option<T>, call: &str, field: &'static str) -> Result<T, StepError> {
    v.ok_or_else(|| StepError { field: Some(field), reason: format!("required by {call}, missing") })
}

/// A wait in seconds (server.connect/flush timeouts). Must be a number here; its range is
/// `validate`'s job so the message names the step.
fn seconds_arg(v: Option<Arg>, call: &str, field: &'static str, default: Option<f64>) -> Result<f64, StepError> {
    match (v, default) {
        (Some(Arg::Int(i)), _) => Ok(i as f64),
        (Some(Arg::Float(f)), _) => Ok(f),
        (Some(other), _) => Err(StepError {
            field: Some(field),
            reason: format!("expected a number of seconds, got {}", describe_arg(&other)),
        }),
        (None, Some(d)) => Ok(d),
        (None, None) => need(None, call, field),
    }
}

fn describe_arg(a: &Arg) -> String {
    match a {
        Arg::Int(i) => i.to_string(),
        Arg::Float(f) => f.to_string(),
        Arg::Bool(b) => b.to_string(),
        Arg::Str(s) => format!("{s:?}"),
    }
}

impl RawStep {
    fn given(&self, field: &str) -> bool {
        match field {
            "name" => self.name.is_some(),
            "bytes" => self.bytes.is_some(),
            "size" => self.size.is_some(),
            "reconnect" => self.reconnect.is_some(),
            "wait" => self.wait.is_some(),
            "timeout" => self.timeout.is_some(),
            "seconds" => self.seconds.is_some(),
            "address" => self.address.is_some(),
            "port" => self.port.is_some(),
            _ => false,
        }
    }
}

impl TryFrom<RawStep> for Step {
    type Error = StepError;

    fn try_from(r: RawStep) -> Result<Step, StepError> {
        let c = r.call.clone();
        let c = c.as_str();
        let Some((kind, takes)) = call_args(c) else {
            return Err(StepError {
                field: Some("call"),
                reason: format!("unknown call `{}` (known: {})", truncate(c, 64), Call::NAMES.join(", ")),
            });
        };
        // An argument the call does not take is almost always a typo (`second` for `seconds`,
        // `timeout` on imp.sleep): refuse it like an unknown field.
        if let Some(extra) = ARG_FIELDS.iter().find(|f| r.given(f) && !takes.contains(f)) {
            let takes = if takes.is_empty() { "no arguments".to_string() } else { takes.join(", ") };
            return Err(StepError {
                field: Some(extra),
                reason: format!("{c} does not take `{extra}` (it takes: {takes})"),
            });
        }
        let call = match kind {
            CallKind::AgentSend => Call::AgentSend { name: need(r.name, c, "name")?, bytes: need(r.bytes, c, "bytes")? },
            CallKind::ServerLog => Call::ServerLog { bytes: need(r.bytes, c, "bytes")? },
            CallKind::ServerError => Call::ServerError { bytes: need(r.bytes, c, "bytes")? },
            CallKind::SetSendBufferSize => Call::SetSendBufferSize { size: need(r.size, c, "size")? },
            CallKind::SetSendTimeoutPolicy => Call::SetSendTimeoutPolicy {
                reconnect: need(r.reconnect, c, "reconnect")?,
                wait: need(r.wait, c, "wait")?,
                timeout: need(r.timeout, c, "timeout")?,
            },
            CallKind::ServerConnect => Call::ServerConnect { timeout: seconds_arg(r.timeout, c, "timeout", Some(60.0))? },
            CallKind::ServerDisconnect => Call::ServerDisconnect,
            CallKind::ServerFlush => Call::ServerFlush { timeout: seconds_arg(r.timeout, c, "timeout", None)? },
            CallKind::ServerIsConnected => Call::ServerIsConnected,
            CallKind::ImpSleep => Call::ImpSleep { seconds: need(r.seconds, c, "seconds")? },
            CallKind::ImpWakeup => Call::ImpWakeup { seconds: need(r.seconds, c, "seconds")? },
            CallKind::OpenUdp => Call::OpenUdp { port: r.port },
            CallKind::UdpSend => Call::UdpSend {
                address: need(r.address, c, "address")?,
                port: need(r.port, c, "port")?,
                bytes: need(r.bytes, c, "bytes")?,
            },
            CallKind::UdpClose => Call::UdpClose,
            // `call_args` admits §10's calls only.
            CallKind::OnUnexpectedDisconnect | CallKind::OnIdle | CallKind::CancelWakeup | CallKind::DeepSleep | CallKind::DeviceSend => Call::UdpClose,
        };
        let repeat = match r.repeat {
            None => 1,
            Some(n) => u32::try_from(n).map_err(|_| StepError {
                field: Some("repeat"),
                reason: format!("must be 0 to {}, got {n}", super::validate::MAX_REPEAT),
            })?,
        };
        Ok(Step {
            call,
            repeat,
            on_ret: r.on_ret.unwrap_or_default(),
            retry_after_s: r.retry_after_s.unwrap_or(0.0),
        })
    }
}

impl From<Step> for RawStep {
    fn from(s: Step) -> RawStep {
        let mut r = RawStep { call: s.call.name().to_string(), ..RawStep::default() };
        match s.call {
            Call::AgentSend { name, bytes } => {
                r.name = Some(name);
                r.bytes = Some(bytes);
            }
            Call::ServerLog { bytes } | Call::ServerError { bytes } => r.bytes = Some(bytes),
            Call::SetSendBufferSize { size } => r.size = Some(size),
            Call::SetSendTimeoutPolicy { reconnect, wait, timeout } => {
                r.reconnect = Some(reconnect);
                r.wait = Some(wait);
                r.timeout = Some(timeout);
            }
            Call::ServerConnect { timeout } => r.timeout = Some(seconds_as_arg(timeout)),
            Call::ServerFlush { timeout } => r.timeout = Some(seconds_as_arg(timeout)),
            Call::ImpSleep { seconds } | Call::ImpWakeup { seconds } => r.seconds = Some(seconds),
            Call::OpenUdp { port } => r.port = port,
            Call::UdpSend { address, port, bytes } => {
                r.address = Some(address);
                r.port = Some(port);
                r.bytes = Some(bytes);
            }
            Call::ServerDisconnect | Call::ServerIsConnected | Call::UdpClose => {}
        }
        if s.repeat != 1 {
            r.repeat = Some(u64::from(s.repeat));
        }
        if !s.on_ret.is_empty() {
            r.on_ret = Some(s.on_ret);
        }
        if s.retry_after_s != 0.0 {
            r.retry_after_s = Some(s.retry_after_s);
        }
        r
    }
}

/// Whole seconds print as integers (`timeout = 60`, as people write them).
fn seconds_as_arg(secs: f64) -> Arg {
    if secs.fract() == 0.0 && secs.abs() < 1e15 {
        Arg::Int(secs as i64)
    } else {
        Arg::Float(secs)
    }
}

/// `s`, cut to `max` characters with `…` if longer: a client's text in an error message must
/// not be echoed whole (issue 13 item 10: a 1 MiB unknown key).
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// serde_path_to_error writes `.` for the root and `?` where it lost track; neither helps.
fn clean_path(path: &str) -> String {
    let p = path.replace(".?", "").replace('?', "");
    let p = p.trim_start_matches('.');
    p.to_string()
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
