//! The send timeout policy (`server.setsendtimeoutpolicy`, SPEC §7, C6) and the numeric codes
//! impOS returns (§3).

use crate::scenario::Arg;
use crate::time::Duration;
use std::fmt;

/// What the device does when a send fails or the link is lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReconnectPolicy {
    /// Halt Squirrel and reconnect (S7). The default (L1).
    SuspendOnError,
    /// Return a code to Squirrel; reconnect only on `server.connect`.
    ReturnOnError,
    /// As RETURN_ON_ERROR, and a send that does not fit returns WOULDBLOCK at once (S2).
    ReturnOnErrorNoDisconnect,
}

/// When a send counts as done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WaitPolicy {
    /// When the last byte is in the send buffer.
    WaitTilSent,
    /// When the server has ACKed every byte of the message (S4).
    WaitForAck,
}

impl ReconnectPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ReconnectPolicy::SuspendOnError => "SUSPEND_ON_ERROR",
            ReconnectPolicy::ReturnOnError => "RETURN_ON_ERROR",
            ReconnectPolicy::ReturnOnErrorNoDisconnect => "RETURN_ON_ERROR_NO_DISCONNECT",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "SUSPEND_ON_ERROR" => Some(ReconnectPolicy::SuspendOnError),
            "RETURN_ON_ERROR" => Some(ReconnectPolicy::ReturnOnError),
            "RETURN_ON_ERROR_NO_DISCONNECT" => Some(ReconnectPolicy::ReturnOnErrorNoDisconnect),
            _ => None,
        }
    }

    /// Both RETURN policies hand errors back to Squirrel.
    pub fn returns_errors(self) -> bool {
        self != ReconnectPolicy::SuspendOnError
    }
}

impl WaitPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitPolicy::WaitTilSent => "WAIT_TIL_SENT",
            WaitPolicy::WaitForAck => "WAIT_FOR_ACK",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "WAIT_TIL_SENT" => Some(WaitPolicy::WaitTilSent),
            "WAIT_FOR_ACK" => Some(WaitPolicy::WaitForAck),
            _ => None,
        }
    }
}

/// The three values `server.setsendtimeoutpolicy` sets together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendTimeoutPolicy {
    pub reconnect: ReconnectPolicy,
    pub wait: WaitPolicy,
    pub timeout: Duration,
}

impl Default for SendTimeoutPolicy {
    /// L1: SUSPEND_ON_ERROR / WAIT_TIL_SENT / 30 until the script sets one.
    fn default() -> Self {
        SendTimeoutPolicy {
            reconnect: ReconnectPolicy::SuspendOnError,
            wait: WaitPolicy::WaitTilSent,
            timeout: Duration::from_millis(30_000),
        }
    }
}

impl fmt::Display for SendTimeoutPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}s", self.reconnect.as_str(), self.wait.as_str(), self.timeout.as_secs_f64())
    }
}

/// Why a `server.setsendtimeoutpolicy` call is a runtime error (C6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyError {
    UnknownReconnect(String),
    UnknownWait(String),
    BadTimeout(String),
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::UnknownReconnect(v) => write!(f, "reconnect: unknown policy constant {v}"),
            PolicyError::UnknownWait(v) => write!(f, "wait: unknown policy constant {v}"),
            PolicyError::BadTimeout(v) => write!(f, "timeout: expected a number of seconds ≥ 0, got {v}"),
        }
    }
}

/// An argument as the script wrote it (for error texts).
pub(crate) fn describe(a: &Arg) -> String {
    match a {
        Arg::Int(i) => i.to_string(),
        Arg::Float(x) => x.to_string(),
        Arg::Bool(b) => b.to_string(),
        Arg::Str(s) => format!("{s:?}"),
    }
}

impl SendTimeoutPolicy {
    /// C6: the arguments as the script wrote them; constants are symbols, timeouts seconds.
    pub fn from_args(reconnect: &Arg, wait: &Arg, timeout: &Arg) -> Result<Self, PolicyError> {
        let reconnect = match reconnect {
            Arg::Str(s) => ReconnectPolicy::parse(s),
            _ => None,
        }
        .ok_or_else(|| PolicyError::UnknownReconnect(describe(reconnect)))?;
        let wait = match wait {
            Arg::Str(s) => WaitPolicy::parse(s),
            _ => None,
        }
        .ok_or_else(|| PolicyError::UnknownWait(describe(wait)))?;
        let secs = match timeout {
            Arg::Int(i) => *i as f64,
            Arg::Float(x) => *x,
            other => return Err(PolicyError::BadTimeout(describe(other))),
        };
        if !secs.is_finite() || secs < 0.0 {
            return Err(PolicyError::BadTimeout(describe(timeout)));
        }
        Ok(SendTimeoutPolicy { reconnect, wait, timeout: Duration::from_secs_f64(secs.min(86_400.0)) })
    }
}

/// Send error codes (§3); 0 is success and has no variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SendError {
    NotConnected = 1,
    Timeout = 2,
    Disconnected = 3,
    WouldBlock = 4,
}

impl SendError {
    pub fn code(self) -> i64 {
        self as i64
    }

    pub fn name(self) -> &'static str {
        match self {
            SendError::NotConnected => "SEND_ERROR_NOT_CONNECTED",
            SendError::Timeout => "SEND_ERROR_TIMEOUT",
            SendError::Disconnected => "SEND_ERROR_DISCONNECTED",
            SendError::WouldBlock => "SEND_ERROR_WOULDBLOCK",
        }
    }

    pub fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            1 => SendError::NotConnected,
            2 => SendError::Timeout,
            3 => SendError::Disconnected,
            4 => SendError::WouldBlock,
            _ => return None,
        })
    }
}

/// The name impOS gives a send method's return value: `OK` for 0, else the §3 error name.
/// Viewers (the CLI's timeline, the playground) show codes by this name.
pub fn send_code_name(code: i64) -> Option<&'static str> {
    if code == 0 {
        Some("OK")
    } else {
        SendError::from_code(code).map(SendError::name)
    }
}

/// Connection reason codes (§3), passed to `on_connect` / `on_unexpected_disconnect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    NotConnected = 0,
    NoWifi = 1,
    NoIpAddress = 2,
    NotResolved = 3,
    NoServer = 4,
    ServerConnected = 5,
}

impl Reason {
    pub fn code(self) -> i64 {
        self as i64
    }

    pub fn name(self) -> &'static str {
        match self {
            Reason::NotConnected => "NOT_CONNECTED",
            Reason::NoWifi => "NO_WIFI",
            Reason::NoIpAddress => "NO_IP_ADDRESS",
            Reason::NotResolved => "NOT_RESOLVED",
            Reason::NoServer => "NO_SERVER",
            Reason::ServerConnected => "SERVER_CONNECTED",
        }
    }

    pub fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            0 => Reason::NotConnected,
            1 => Reason::NoWifi,
            2 => Reason::NoIpAddress,
            3 => Reason::NotResolved,
            4 => Reason::NoServer,
            5 => Reason::ServerConnected,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_3_codes_have_documented_values() {
        assert_eq!(SendError::NotConnected.code(), 1);
        assert_eq!(SendError::Timeout.code(), 2);
        assert_eq!(SendError::Disconnected.code(), 3);
        assert_eq!(SendError::WouldBlock.code(), 4);
        assert_eq!(Reason::NoWifi.code(), 1);
        assert_eq!(Reason::NoServer.code(), 4);
        assert_eq!(Reason::ServerConnected.code(), 5);
    }

    #[test]
    fn c6_unknown_constant_and_negative_timeout_are_errors() {
        let s = |x: &str| Arg::Str(x.into());
        assert!(SendTimeoutPolicy::from_args(&s("RETURN_ON_ERROR"), &s("WAIT_FOR_ACK"), &Arg::Int(10)).is_ok());
        assert_eq!(
            SendTimeoutPolicy::from_args(&s("RETURN"), &s("WAIT_FOR_ACK"), &Arg::Int(10)),
            Err(PolicyError::UnknownReconnect("\"RETURN\"".into()))
        );
        assert!(matches!(
            SendTimeoutPolicy::from_args(&s("RETURN_ON_ERROR"), &s("WAIT_TIL_SENT"), &Arg::Float(-1.0)),
            Err(PolicyError::BadTimeout(_))
        ));
        assert!(matches!(
            SendTimeoutPolicy::from_args(&s("RETURN_ON_ERROR"), &Arg::Int(1), &Arg::Int(1)),
            Err(PolicyError::UnknownWait(_))
        ));
    }
}
