//! The scenario: what a user writes (SPEC §10, §13 "Scenario"). Parsing lives in `scenario::load`
//! (`tree`, `read`) and validation in `scenario::validate`; this module holds the typed form
//! every other part of the core reads. Each type is read by `read` and written by serde.
//!
//! Parameters are plain numbers in the units the SPEC names (ms, bytes, bytes/s). Calls are a
//! typed enum; arguments whose bad values are *runtime* errors in impOS (B4, C6, U1–U4) are
//! kept loose (`Arg`) so the model can raise the error at run time as the device would.

use crate::program::CallKind;
use serde::Serialize;
use std::collections::BTreeMap;

pub mod load;
mod read;
pub(crate) mod tree;
pub mod validate;
pub use load::{parse_json, parse_toml, ScenarioError};
pub use validate::validate;

pub use crate::limits::MAX_END_MS;
pub use crate::code::natives::DEFAULT_START_EPOCH;

fn is_default_start_epoch(e: &u64) -> bool {
    *e == DEFAULT_START_EPOCH
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scenario {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    pub seed: u64,
    pub end_ms: u64,
    /// `time()`/`date()` at t = 0, seconds since 1970 UTC, on both sides (§14 "The rest of
    /// the imp API"). Written only when not the default, so older links stay as they were.
    #[serde(skip_serializing_if = "is_default_start_epoch")]
    pub start_epoch: u64,
    pub device: DeviceParams,
    pub network: NetworkParams,
    pub server: ServerParams,
    pub agent: AgentParams,
    pub suspend: SuspendParams,
    pub recover: RecoverParams,
    pub keepalive: KeepaliveParams,
    pub udp: UdpParams,
    pub steps: Vec<Step>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on_connect: Vec<Step>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on_unexpected_disconnect: Vec<Step>,
    /// Device code in Squirrel instead of `steps` and the handler lists (§14; `crate::code`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The files `code`'s `#require`/`@include` lines name, by file name (§14): filled from
    /// `impnet run --lib DIR`, carried by share links.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub libs: BTreeMap<String, String>,
    /// Agent code in Squirrel, run beside `code` (§15; `crate::agent`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_code: Option<String>,
    /// What the run must show (issue #12; `crate::expect`). Checked by `impnet check` and the
    /// playground's checklist; the run itself ignores them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<crate::expect::Expect>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            title: String::new(),
            seed: 0,
            end_ms: MAX_END_MS,
            start_epoch: DEFAULT_START_EPOCH,
            device: DeviceParams::default(),
            network: NetworkParams::default(),
            server: ServerParams::default(),
            agent: AgentParams::default(),
            suspend: SuspendParams::default(),
            recover: RecoverParams::default(),
            keepalive: KeepaliveParams::default(),
            udp: UdpParams::default(),
            steps: Vec::new(),
            on_connect: Vec::new(),
            on_unexpected_disconnect: Vec::new(),
            code: None,
            libs: BTreeMap::new(),
            agent_code: None,
            expect: Vec::new(),
        }
    }
}

/// SPEC §2 `device.*`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeviceParams {
    pub buffer_default: u32,
    pub buffer_max: u32,
    pub mss: u32,
    pub tls_overhead: u32,
    pub msg_header: u32,
    pub connect_ms: u64,
    pub boot_squirrel_ms: u64,
}

impl Default for DeviceParams {
    fn default() -> Self {
        DeviceParams {
            buffer_default: 3456,
            buffer_max: 30720,
            mss: 576,
            tls_overhead: 29,
            msg_header: 8,
            connect_ms: 1500,
            boot_squirrel_ms: 10_000,
        }
    }
}

/// SPEC §2 `network.*`. `rwnd` and `consume_bps` may also sit here (§13); `load` moves them to
/// `server`/`agent` so the rest of the core reads them in one place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetworkParams {
    pub rtt_ms: u64,
    pub uplink_bps: u64,
    /// §15: agent → device rate, bytes/s; `None` means `uplink_bps`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downlink_bps: Option<u64>,
    pub loss: f64,
    /// `None` means max(200, 2·RTT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rto_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rwnd: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consume_bps: Option<Rate>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outages: Vec<Outage>,
}

impl Default for NetworkParams {
    fn default() -> Self {
        NetworkParams {
            rtt_ms: 100,
            uplink_bps: 250_000,
            downlink_bps: None,
            loss: 0.0,
            rto_ms: None,
            rwnd: None,
            consume_bps: None,
            outages: Vec::new(),
        }
    }
}

impl NetworkParams {
    /// T4: the base retransmission timeout.
    pub fn rto_ms(&self) -> u64 {
        self.rto_ms.unwrap_or_else(|| (2 * self.rtt_ms).max(200))
    }

    /// §15: the downlink's rate (default: the uplink's).
    pub fn downlink_bps(&self) -> u64 {
        self.downlink_bps.unwrap_or(self.uplink_bps)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutageKind {
    /// The device sees it at once (L2).
    Wifi,
    /// WiFi stays up, the path to the server is broken: silent (L2).
    Upstream,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outage {
    pub kind: OutageKind,
    pub at_ms: u64,
    pub for_ms: u64,
}

/// A byte rate that may be unlimited (`consume_bps = "unlimited"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Rate {
    Bps(u64),
    Unlimited(Unlimited),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unlimited {
    Unlimited,
}

impl Rate {
    pub fn bps(self) -> Option<u64> {
        match self {
            Rate::Bps(b) => Some(b),
            Rate::Unlimited(_) => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServerParams {
    pub rwnd: u32,
}

impl Default for ServerParams {
    fn default() -> Self {
        ServerParams { rwnd: 65535 }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgentParams {
    pub consume_bps: Rate,
}

impl Default for AgentParams {
    fn default() -> Self {
        AgentParams { consume_bps: Rate::Unlimited(Unlimited::Unlimited) }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SuspendParams {
    pub connect_window_ms: u64,
    pub sleep_ms: u64,
}

impl Default for SuspendParams {
    fn default() -> Self {
        SuspendParams { connect_window_ms: 60_000, sleep_ms: 540_000 }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecoverParams {
    pub grace_ms: u64,
}

impl Default for RecoverParams {
    fn default() -> Self {
        RecoverParams { grace_ms: 60_000 }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeepaliveParams {
    pub idle_ms: u64,
    pub ack_ms: u64,
}

impl Default for KeepaliveParams {
    fn default() -> Self {
        KeepaliveParams { idle_ms: 60_000, ack_ms: 45_000 }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UdpParams {
    pub burst: u32,
    pub refill_per_s: f64,
    pub mtu: u32,
}

impl Default for UdpParams {
    fn default() -> Self {
        UdpParams { burst: 100, refill_per_s: 25.0, mtu: 1460 }
    }
}

/// A value whose type impOS checks at run time (B4, C6, U1, U2): kept as written so the model
/// can throw the same runtime error the device would.
/// `read` accepts any scalar and refuses tables and arrays by name.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Arg {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
}

/// One step of a script: a call, how often it repeats, and what to do on given return values.
/// Read and written as `load::RawStep`, one flat record for every call.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(into = "load::RawStep")]
pub struct Step {
    pub call: Call,
    /// 0 skips the step; default 1.
    pub repeat: u32,
    /// Keys are return values as strings (`"4"`, `"true"`), §13.
    pub on_ret: BTreeMap<String, RetAction>,
    /// Pause before a retry, seconds; the model uses max(this, 0.01).
    pub retry_after_s: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RetAction {
    Retry,
}

/// The calls a script can make (SPEC §10). Timeouts and waits are in seconds, as in Squirrel.
#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    AgentSend { name: String, bytes: u64 },
    ServerLog { bytes: u64 },
    ServerError { bytes: u64 },
    SetSendBufferSize { size: Arg },
    SetSendTimeoutPolicy { reconnect: Arg, wait: Arg, timeout: Arg },
    ServerConnect { timeout: f64 },
    ServerDisconnect,
    ServerFlush { timeout: f64 },
    ServerIsConnected,
    ImpSleep { seconds: f64 },
    ImpWakeup { seconds: f64 },
    OpenUdp { port: Option<Arg> },
    UdpSend { address: Arg, port: Arg, bytes: u64 },
    UdpClose,
}

impl Call {
    /// The call's kind: its name as scripts and traces spell it (`CallKind::as_str`).
    pub fn kind(&self) -> CallKind {
        match self {
            Call::AgentSend { .. } => CallKind::AgentSend,
            Call::ServerLog { .. } => CallKind::ServerLog,
            Call::ServerError { .. } => CallKind::ServerError,
            Call::SetSendBufferSize { .. } => CallKind::SetSendBufferSize,
            Call::SetSendTimeoutPolicy { .. } => CallKind::SetSendTimeoutPolicy,
            Call::ServerConnect { .. } => CallKind::ServerConnect,
            Call::ServerDisconnect => CallKind::ServerDisconnect,
            Call::ServerFlush { .. } => CallKind::ServerFlush,
            Call::ServerIsConnected => CallKind::ServerIsConnected,
            Call::ImpSleep { .. } => CallKind::ImpSleep,
            Call::ImpWakeup { .. } => CallKind::ImpWakeup,
            Call::OpenUdp { .. } => CallKind::OpenUdp,
            Call::UdpSend { .. } => CallKind::UdpSend,
            Call::UdpClose => CallKind::UdpClose,
        }
    }

    /// The name as scripts and traces spell it.
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }

    /// Every call name the scenario format accepts, in the order the SPEC lists them
    /// (`CallKind::API`'s names).
    pub const NAMES: [&'static str; 14] = {
        let mut names = [""; 14];
        let mut i = 0;
        while i < names.len() {
            names[i] = CallKind::API[i].as_str();
            i += 1;
        }
        names
    };
}

impl Step {
    pub fn new(call: Call) -> Self {
        Step { call, repeat: 1, on_ret: BTreeMap::new(), retry_after_s: 0.0 }
    }
}
