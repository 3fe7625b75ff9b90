//! How values read on screen: return codes by name and number, times, sizes, states.

use impnet_core::policy::{self, SendError};
use impnet_core::program::CallKind;
use impnet_core::trace::{CallLine, ConnState, Outcome, Ret, SquirrelState};

/// §3 send error codes as impOS names them.
pub fn send_code_name(code: i64) -> &'static str {
    policy::send_code_name(code).unwrap_or("unknown code")
}


/// How a call came out, for colour and the marker label. Ordered by how much it should stand
/// out when several calls share one pixel column (later = louder).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RetClass {
    Ok,
    False,
    WouldBlock,
    NotConnected,
    Disconnected,
    Timeout,
    Error,
}

impl RetClass {
    pub fn of(c: &CallLine) -> RetClass {
        match &c.outcome {
            Outcome::Error(_) => RetClass::Error,
            Outcome::Returned(Ret::Int(_)) if c.call.returns_send_code() => match c.send_result() {
                Some(Ok(())) => RetClass::Ok,
                Some(Err(SendError::NotConnected)) => RetClass::NotConnected,
                Some(Err(SendError::Timeout)) => RetClass::Timeout,
                Some(Err(SendError::Disconnected)) => RetClass::Disconnected,
                Some(Err(SendError::WouldBlock)) => RetClass::WouldBlock,
                None => RetClass::Error,
            },
            Outcome::Returned(Ret::Bool(false)) => RetClass::False,
            Outcome::Returned(_) => RetClass::Ok,
        }
    }

    /// CSS class suffix (`ret-ok`, `ret-4`, …), shared by markers, legend and the detail panel.
    pub fn css(self) -> &'static str {
        match self {
            RetClass::Ok => "ret-ok",
            RetClass::False => "ret-false",
            RetClass::WouldBlock => "ret-4",
            RetClass::NotConnected => "ret-1",
            RetClass::Disconnected => "ret-3",
            RetClass::Timeout => "ret-2",
            RetClass::Error => "ret-err",
        }
    }

    /// The short marker label: the code itself where there is one.
    pub fn label(self) -> &'static str {
        match self {
            RetClass::Ok => "0",
            RetClass::False => "F",
            RetClass::WouldBlock => "4",
            RetClass::NotConnected => "1",
            RetClass::Disconnected => "3",
            RetClass::Timeout => "2",
            RetClass::Error => "!",
        }
    }

    pub fn legend(self) -> &'static str {
        match self {
            RetClass::Ok => "0 OK / true / value",
            RetClass::False => "false",
            RetClass::WouldBlock => "4 WOULDBLOCK",
            RetClass::NotConnected => "1 NOT_CONNECTED",
            RetClass::Disconnected => "3 DISCONNECTED",
            RetClass::Timeout => "2 TIMEOUT",
            RetClass::Error => "! runtime error",
        }
    }

    pub const ALL: [RetClass; 7] = [
        RetClass::Ok,
        RetClass::WouldBlock,
        RetClass::NotConnected,
        RetClass::Timeout,
        RetClass::Disconnected,
        RetClass::False,
        RetClass::Error,
    ];
}

/// The return value as the detail panel shows it: `(number or value, meaning)`.
pub fn ret_text(c: &CallLine) -> (String, String) {
    match &c.outcome {
        Outcome::Error(e) => ("error".into(), e.clone()),
        Outcome::Returned(Ret::Int(code)) if c.call.returns_send_code() => (code.to_string(), send_code_name(*code).into()),
        Outcome::Returned(Ret::Int(n)) if c.call == CallKind::SetSendBufferSize => {
            (n.to_string(), format!("previous capacity: {} bytes", thousands(*n as u64)))
        }
        Outcome::Returned(Ret::Int(n)) => (n.to_string(), String::new()),
        Outcome::Returned(Ret::Bool(b)) => {
            let meaning = match (c.call, b) {
                (CallKind::ServerFlush, true) => "buffer empty and ACKed",
                (CallKind::ServerFlush, false) => "timed out before everything was ACKed",
                (CallKind::ServerIsConnected, true) => "connected (as far as the device knows)",
                (CallKind::ServerIsConnected, false) => "not connected",
                _ => "",
            };
            (b.to_string(), meaning.into())
        }
        Outcome::Returned(Ret::Null) => ("null".into(), "returns nothing".into()),
    }
}

/// Milliseconds with up to 3 decimals, as the trace prints them, plus a unit.
pub fn ms(micros: u64) -> String {
    if micros % 1000 == 0 {
        format!("{} ms", thousands(micros / 1000))
    } else {
        let s = format!("{:.3}", micros as f64 / 1000.0);
        let s = s.trim_end_matches('0');
        format!("{} ms", group_int_part(s))
    }
}

/// An axis label for a time in µs, choosing the unit by the visible span.
pub fn axis_time(micros: f64, span_us: f64) -> String {
    let s = micros / 1e6;
    if span_us >= 600e6 {
        let m = (s / 60.0).floor();
        format!("{}m{:02}s", m, (s - m * 60.0).round() as u64)
    } else if span_us >= 5e6 {
        format!("{}s", trim(s, 1))
    } else {
        format!("{}ms", trim(micros / 1000.0, if span_us >= 5e3 { 0 } else { 2 }))
    }
}

fn trim(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// 30720 → "30 720", grouped with a no-break space so a number never wraps.
pub fn thousands(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, ch) in d.chars().enumerate() {
        if i > 0 && (d.len() - i) % 3 == 0 {
            out.push('\u{a0}');
        }
        out.push(ch);
    }
    out
}

fn group_int_part(s: &str) -> String {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let int = int.parse::<u64>().map(thousands).unwrap_or_else(|_| int.to_string());
    if frac.is_empty() {
        int
    } else {
        format!("{int}.{frac}")
    }
}

pub fn conn_label(c: Option<ConnState>) -> &'static str {
    c.map(ConnState::as_str).unwrap_or("—")
}

pub fn squirrel_label(s: Option<SquirrelState>) -> &'static str {
    match s {
        None => "—",
        Some(SquirrelState::NotStarted) => "not started",
        Some(SquirrelState::Running) => "running",
        Some(SquirrelState::Blocked) => "blocked in a call",
        Some(SquirrelState::Idle) => "idle",
        Some(SquirrelState::Suspended) => "suspended (impOS reconnecting)",
        Some(SquirrelState::DeepSleep) => "deep sleep",
        Some(SquirrelState::Finished) => "finished",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::fixtures::*;
    use impnet_core::trace::Line;

    fn call_of(e: &impnet_core::trace::Entry) -> &CallLine {
        match &e.line {
            Line::Call(c) => c,
            _ => panic!("not a call"),
        }
    }

    #[test]
    fn s_codes_read_by_name_and_number() {
        let t = small_trace();
        assert_eq!(ret_text(call_of(&t.entries[3])), ("4".into(), "SEND_ERROR_WOULDBLOCK".into()));
        assert_eq!(ret_text(call_of(&t.entries[1])), ("0".into(), "OK".into()));
        for (code, name) in [(1, "SEND_ERROR_NOT_CONNECTED"), (2, "SEND_ERROR_TIMEOUT"), (3, "SEND_ERROR_DISCONNECTED")] {
            assert_eq!(send_code_name(code), name);
        }
    }

    #[test]
    fn b1_setsendbuffersize_returns_the_previous_capacity_not_a_code() {
        let e = call(0, "imp.setsendbuffersize", ret(3456), 0, Default::default());
        let (n, meaning) = ret_text(call_of(&e));
        assert_eq!(n, "3456");
        assert!(meaning.contains("3\u{a0}456 bytes"), "{meaning}");
        assert_eq!(RetClass::of(call_of(&e)), RetClass::Ok, "a size of 3456 is not an error code");
    }

    #[test]
    fn c4_flush_false_is_flagged_and_explained() {
        let e = call(0, "server.flush", impnet_core::trace::Outcome::Returned(Ret::Bool(false)), 0, Default::default());
        assert_eq!(RetClass::of(call_of(&e)), RetClass::False);
        assert!(ret_text(call_of(&e)).1.contains("timed out"));
    }

    #[test]
    fn spec_1_times_print_in_ms_with_up_to_three_decimals() {
        assert_eq!(ms(1_500_000), "1\u{a0}500 ms");
        assert_eq!(ms(1_500_250), "1\u{a0}500.25 ms");
        assert_eq!(ms(1), "0.001 ms");
        assert_eq!(thousands(30720), "30\u{a0}720");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn axis_labels_pick_a_unit_for_the_span() {
        assert_eq!(axis_time(90e6, 3600e6), "1m30s");
        assert_eq!(axis_time(2.5e6, 10e6), "2.5s");
        assert_eq!(axis_time(1500e3, 2e6), "1500ms");
    }
}

/// A scenario argument as Squirrel would spell it.
pub fn arg_text(a: &impnet_core::scenario::Arg) -> String {
    use impnet_core::scenario::Arg;
    match a {
        Arg::Int(i) => i.to_string(),
        Arg::Float(f) => f.to_string(),
        Arg::Bool(b) => b.to_string(),
        Arg::Str(s) if s.chars().all(|c| c.is_ascii_uppercase() || c == '_') && !s.is_empty() => s.clone(),
        Arg::Str(s) => format!("{s:?}"),
    }
}

/// `agent.send("temp", <200 bytes>)`: the call as the script makes it.
pub fn call_text(c: &impnet_core::scenario::Call) -> String {
    use impnet_core::scenario::Call::*;
    let b = |n: &u64| format!("<{} bytes>", thousands(*n));
    let args = match c {
        AgentSend { name, bytes } => format!("{name:?}, {}", b(bytes)),
        ServerLog { bytes } | ServerError { bytes } => b(bytes),
        SetSendBufferSize { size } => arg_text(size),
        SetSendTimeoutPolicy { reconnect, wait, timeout } => format!("{}, {}, {}", arg_text(reconnect), arg_text(wait), arg_text(timeout)),
        ServerConnect { timeout } => format!("callback, {timeout}"),
        ServerFlush { timeout } => timeout.to_string(),
        ImpSleep { seconds } | ImpWakeup { seconds } => seconds.to_string(),
        OpenUdp { port } => port.as_ref().map(arg_text).unwrap_or_default(),
        UdpSend { address, port, bytes } => format!("{}, {}, {}", arg_text(address), arg_text(port), b(bytes)),
        ServerDisconnect | ServerIsConnected | UdpClose => String::new(),
    };
    format!("{}({args})", c.name())
}

#[cfg(test)]
mod call_text_tests {
    use super::*;
    use impnet_core::scenario::{Arg, Call};

    #[test]
    fn s10_calls_read_like_squirrel() {
        assert_eq!(call_text(&Call::AgentSend { name: "temp".into(), bytes: 4096 }), "agent.send(\"temp\", <4\u{a0}096 bytes>)");
        let p = Call::SetSendTimeoutPolicy {
            reconnect: Arg::Str("RETURN_ON_ERROR".into()),
            wait: Arg::Str("WAIT_TIL_SENT".into()),
            timeout: Arg::Int(0),
        };
        assert_eq!(call_text(&p), "server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 0)");
        assert_eq!(call_text(&Call::UdpSend { address: Arg::Str("8.8.8.8".into()), port: Arg::Int(53), bytes: 10 }), "udpsocket.send(\"8.8.8.8\", 53, <10 bytes>)");
    }
}
