//! Reading a scenario from TOML or JSON, with errors that name the field path and the reason.

use super::{Arg, Call, RetAction, Scenario, Step};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Why a scenario was refused. `path` is the field (`steps[3].bytes`), empty for the whole file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub path: String,
    pub reason: String,
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

pub fn parse_toml(text: &str) -> Result<Scenario, ScenarioError> {
    let de = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(de).map_err(|e| ScenarioError {
        path: e.path().to_string().trim_start_matches('.').to_string(),
        reason: e.inner().message().to_string(),
    })
}

pub fn parse_json(text: &str) -> Result<Scenario, ScenarioError> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| ScenarioError {
        path: e.path().to_string().trim_start_matches('.').to_string(),
        reason: e.inner().to_string(),
    })
}

/// A step as written: every argument any call takes, all optional. `Step`'s `TryFrom` checks
/// that the call is known and has exactly the arguments it needs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    pub repeat: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_ret: Option<BTreeMap<String, RetAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<f64>,
}

fn need<T>(v: Option<T>, call: &str, field: &str) -> Result<T, String> {
    v.ok_or_else(|| format!("{call} needs `{field}`"))
}

fn seconds_arg(v: Option<Arg>, call: &str, field: &str, default: Option<f64>) -> Result<f64, String> {
    let secs = match (v, default) {
        (Some(Arg::Int(i)), _) => i as f64,
        (Some(Arg::Float(f)), _) => f,
        (Some(other), _) => return Err(format!("{field}: expected a number of seconds, got {other:?}")),
        (None, Some(d)) => d,
        (None, None) => return Err(format!("{call} needs `{field}`")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("{field}: must be 0 or more seconds, got {secs}"));
    }
    Ok(secs)
}

impl TryFrom<RawStep> for Step {
    type Error = String;

    fn try_from(r: RawStep) -> Result<Step, String> {
        let c = r.call.as_str();
        let call = match c {
            "agent.send" => Call::AgentSend { name: need(r.name, c, "name")?, bytes: need(r.bytes, c, "bytes")? },
            "server.log" => Call::ServerLog { bytes: need(r.bytes, c, "bytes")? },
            "server.error" => Call::ServerError { bytes: need(r.bytes, c, "bytes")? },
            "imp.setsendbuffersize" => Call::SetSendBufferSize { size: need(r.size, c, "size")? },
            "server.setsendtimeoutpolicy" => Call::SetSendTimeoutPolicy {
                reconnect: need(r.reconnect, c, "reconnect")?,
                wait: need(r.wait, c, "wait")?,
                timeout: need(r.timeout, c, "timeout")?,
            },
            "server.connect" => Call::ServerConnect { timeout: seconds_arg(r.timeout, c, "timeout", Some(60.0))? },
            "server.disconnect" => Call::ServerDisconnect,
            "server.flush" => Call::ServerFlush { timeout: seconds_arg(r.timeout, c, "timeout", None)? },
            "server.isconnected" => Call::ServerIsConnected,
            "imp.sleep" => Call::ImpSleep { seconds: seconds_arg(r.seconds.map(Arg::Float), c, "seconds", None)? },
            "imp.wakeup" => Call::ImpWakeup { seconds: seconds_arg(r.seconds.map(Arg::Float), c, "seconds", None)? },
            "interface.openudp" => Call::OpenUdp { port: r.port },
            "udpsocket.send" => Call::UdpSend {
                address: need(r.address, c, "address")?,
                port: need(r.port, c, "port")?,
                bytes: need(r.bytes, c, "bytes")?,
            },
            "udpsocket.close" => Call::UdpClose,
            other => return Err(format!("unknown call `{other}` (known: {})", Call::NAMES.join(", "))),
        };
        Ok(Step {
            call,
            repeat: r.repeat.unwrap_or(1),
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
            Call::ServerConnect { timeout } => r.timeout = Some(Arg::Float(timeout)),
            Call::ServerFlush { timeout } => r.timeout = Some(Arg::Float(timeout)),
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
            r.repeat = Some(s.repeat);
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
