//! Expectations: what a scenario says its device code must do (issue #12, `[[expect]]`).
//!
//! An expectation is checked against the trace *as `impnet run --json` prints it* (one JSON
//! object per line, SPEC §11), not against the model's internal types: the same checker then
//! works for step lists (call lines carry `step`/`iter`), for Squirrel programs (§14: `line`,
//! `file`, log `text`) and for traces recorded elsewhere.
//!
//! The vocabulary (docs/check.md has the worked example):
//! - `ret`: a selected call returns a value (`call`, `step`, `iter`, `line`, `file`, `handler`,
//!   `side` select; `nth` picks one occurrence, else every selected call must).
//! - `error`: a selected call throws, with an error text matching a pattern.
//! - `max_blocked_ms`: no selected call blocks longer.
//! - `event`: how often an event happens (`count`, `min`, `max`; `count = 0` is absence), with
//!   field filters (`reason`, `handler`, `msg`).
//! - `log`: a `server.log`/`server.error` text matching a pattern, as often as `count`/`min`/
//!   `max` say (at least once by default); `side` limits it to one program's lines.
//! - `summary`: bounds (`min`, `max`) on a summary figure (`lost_msgs`, `goodput_bps`, …).
//! - `never`: the device never enters a state (`SUSPENDED`, `DEEP_SLEEP`, `OFFLINE`, …).
//!
//! `side = "device" | "agent"` (§15: agent lines carry `"side":"agent"`) tells a pair's two
//! programs apart; absent, lines of either side count, as before the key existed.
//!
//! Every line-based kind may be limited to a time window: `from_ms` (default 0) and
//! `within_ms` (default: to the end of the run). `name` labels an expectation in reports.
//!
//! Layout: `load` reads and checks the written form, `pattern` is the small glob, `eval` is the
//! one-pass checker and its verdicts.

use serde::Serialize;

pub use crate::trace::Side;

pub mod eval;
pub mod load;
pub mod pattern;

pub use eval::{check_lines, check_trace, expect_for_line, Checker, Evidence, Verdict};
pub use pattern::Pattern;

/// §13-style limit: expectations per scenario.
pub const MAX_EXPECTS: usize = 1_000;

/// One `[[expect]]` entry.
/// Read (by `scenario::read`) and written as `load::RawExpect`, one flat record for every kind.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(into = "load::RawExpect")]
pub struct Expect {
    /// A label for reports; the description is generated when absent.
    pub name: Option<String>,
    pub check: Check,
    /// Which lines count (not used by `Summary`).
    pub window: Window,
}

/// What is checked.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// The selected call(s) return `ret`.
    Ret { select: CallSelect, ret: RetValue },
    /// The selected call(s) throw an error matching the pattern.
    Error { select: CallSelect, error: Pattern },
    /// No selected call blocks longer than `max_ms`.
    Blocked { select: CallSelect, max_ms: f64 },
    /// The selected events happen within `count`.
    Events { select: EventSelect, count: Count },
    /// Log texts matching the pattern appear within `count`; `side`: only that program's.
    Log { pattern: Pattern, count: Count, side: Option<Side> },
    /// A summary figure lies within bounds.
    Summary { figure: Figure, min: Option<f64>, max: Option<f64> },
    /// The device never enters the state whose event is named (`suspended`, …).
    Never { event: String },
}

/// Which call lines an expectation looks at. Every given field must match.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallSelect {
    pub call: Option<String>,
    pub step: Option<u64>,
    pub iter: Option<u64>,
    /// §14: the 1-based source line of a Squirrel call.
    pub line: Option<u64>,
    pub file: Option<String>,
    /// The handler list (`on_connect`, …) or Squirrel callback kind the call ran in.
    pub handler: Option<String>,
    /// §15: only the device's or only the agent's calls. `None`: either side's.
    pub side: Option<Side>,
    /// 1-based: only the nth selected call counts. `None`: every one does.
    pub nth: Option<u64>,
}

/// Which event lines an expectation counts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventSelect {
    pub event: String,
    pub reason: Option<i64>,
    pub handler: Option<String>,
    pub msg: Option<u64>,
}

/// How many times something may happen (inclusive bounds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    pub min: Option<u64>,
    pub max: Option<u64>,
}

/// A return value as a trace line carries it (§11: an integer, a bool, or null).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetValue {
    Int(i64),
    Bool(bool),
    Null,
}

/// The lines an expectation considers: `[from_ms, from_ms + within_ms]`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Window {
    pub from_ms: f64,
    pub within_ms: Option<f64>,
}

impl Window {
    pub fn contains(&self, t_ms: f64) -> bool {
        t_ms >= self.from_ms && self.within_ms.is_none_or(|w| t_ms <= self.from_ms + w)
    }

    fn is_whole_run(&self) -> bool {
        self.from_ms == 0.0 && self.within_ms.is_none()
    }
}

/// The figures of the summary line (§11, §13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    SentMsgs,
    AckedMsgs,
    LostMsgs,
    LostBytes,
    GoodputBps,
    EndMs,
    UdpSent,
    UdpDelivered,
    UdpLost,
}

impl Figure {
    pub const ALL: [Figure; 9] = [
        Figure::SentMsgs,
        Figure::AckedMsgs,
        Figure::LostMsgs,
        Figure::LostBytes,
        Figure::GoodputBps,
        Figure::EndMs,
        Figure::UdpSent,
        Figure::UdpDelivered,
        Figure::UdpLost,
    ];

    /// The key in the summary line.
    pub fn as_str(self) -> &'static str {
        match self {
            Figure::SentMsgs => "sent_msgs",
            Figure::AckedMsgs => "acked_msgs",
            Figure::LostMsgs => "lost_msgs",
            Figure::LostBytes => "lost_bytes",
            Figure::GoodputBps => "goodput_bps",
            Figure::EndMs => "end_ms",
            Figure::UdpSent => "udp_sent",
            Figure::UdpDelivered => "udp_delivered",
            Figure::UdpLost => "udp_lost",
        }
    }

    pub fn parse(s: &str) -> Option<Figure> {
        Figure::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// Event names a trace may carry: §11, the run note, and §14/§15's (so Squirrel traces can be
/// checked the day they exist).
pub const EVENT_NAMES: [&str; 18] = [
    "connected",
    "disconnected",
    "recovering",
    "offline",
    "suspended",
    "deep_sleep",
    "wake",
    "squirrel_restart",
    "handler",
    "acked",
    "lost",
    "udp_delivered",
    "udp_lost",
    "note",
    "squirrel_error",
    "agent_received",
    "device_received",
    "downlink_lost",
];

/// §4 states a device can be said to "never enter", with the event that marks entering it.
pub const STATES: [(&str, &str); 4] =
    [("SUSPENDED", "suspended"), ("DEEP_SLEEP", "deep_sleep"), ("OFFLINE", "offline"), ("RECOVERING", "recovering")];

/// The program that wrote a trace line: the agent's lines say so, every other is the device's.
pub fn side_of_line(l: &serde_json::Map<String, serde_json::Value>) -> Side {
    if l.get("side").and_then(serde_json::Value::as_str) == Some(Side::Agent.as_str()) {
        Side::Agent
    } else {
        Side::Device
    }
}

/// Call names a trace line may carry: §10's list, and the agent's `device.send` (§15).
pub fn is_call_name(name: &str) -> bool {
    crate::scenario::Call::NAMES.contains(&name) || name == "device.send"
}

impl std::fmt::Display for RetValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RetValue::Int(i) => write!(f, "{i}"),
            RetValue::Bool(b) => write!(f, "{b}"),
            RetValue::Null => f.write_str("null"),
        }
    }
}

impl std::fmt::Display for CallSelect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        match self.nth {
            Some(n) => parts.push(format!("{} {}", ordinal(n), self.call.as_deref().unwrap_or("call"))),
            None => parts.push(format!("every {}", self.call.as_deref().unwrap_or("call"))),
        }
        if let Some(side) = self.side {
            parts.push(format!("on the {}", side.as_str()));
        }
        if let Some(h) = &self.handler {
            parts.push(format!("in {h}"));
        }
        match (self.step, self.iter) {
            (Some(s), Some(i)) => parts.push(format!("at step {s}.{i}")),
            (Some(s), None) => parts.push(format!("at step {s}")),
            (None, Some(i)) => parts.push(format!("at iteration {i}")),
            (None, None) => {}
        }
        match (&self.file, self.line) {
            (Some(file), Some(l)) => parts.push(format!("at {file}:{l}")),
            (None, Some(l)) => parts.push(format!("at line {l}")),
            (Some(file), None) => parts.push(format!("in {file}")),
            (None, None) => {}
        }
        f.write_str(&parts.join(" "))
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let times = |n: u64| if n == 1 { "once".to_string() } else { format!("{n} times") };
        match (self.min, self.max) {
            (Some(0), Some(0)) | (None, Some(0)) => f.write_str("never"),
            (Some(a), Some(b)) if a == b => f.write_str(&times(a)),
            (Some(a), Some(b)) => write!(f, "{a} to {b} times"),
            (Some(a), None) => write!(f, "at least {}", times(a)),
            (None, Some(b)) => write!(f, "at most {}", times(b)),
            (None, None) => f.write_str("any number of times"),
        }
    }
}

fn ordinal(n: u64) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Milliseconds as people write them: `2000`, `1500.5`.
fn ms(v: f64) -> String {
    format!("{v}")
}

impl std::fmt::Display for Expect {
    /// The expectation in words: the label if it has one, else a generated sentence.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(name) = &self.name {
            return f.write_str(name);
        }
        match &self.check {
            Check::Ret { select, ret } => write!(f, "{select} returns {ret}")?,
            Check::Error { select, error } => write!(f, "{select} throws an error matching {error}")?,
            Check::Blocked { select, max_ms } => write!(f, "{select} blocks at most {} ms", ms(*max_ms))?,
            Check::Events { select, count } => {
                write!(f, "event {}", select.event)?;
                if let Some(r) = select.reason {
                    write!(f, " (reason {r})")?;
                }
                if let Some(h) = &select.handler {
                    write!(f, " ({h})")?;
                }
                if let Some(m) = select.msg {
                    write!(f, " (msg {m})")?;
                }
                write!(f, " happens {count}")?;
            }
            Check::Log { pattern, count, side } => {
                let whose = side.map_or(String::new(), |s| format!("{} ", s.as_str()));
                write!(f, "a {whose}log matching {pattern} appears {count}")?
            }
            Check::Summary { figure, min, max } => {
                write!(f, "summary {}", figure.as_str())?;
                match (min, max) {
                    (Some(a), Some(b)) if a == b => write!(f, " = {a}")?,
                    (Some(a), Some(b)) => write!(f, " in {a}..={b}")?,
                    (Some(a), None) => write!(f, " ≥ {a}")?,
                    (None, Some(b)) => write!(f, " ≤ {b}")?,
                    (None, None) => {}
                }
            }
            Check::Never { event } => {
                let state = STATES.iter().find(|(_, e)| e == event).map_or(event.as_str(), |(s, _)| s);
                write!(f, "the device never enters {state}")?;
            }
        }
        if !self.window.is_whole_run() {
            match self.window.within_ms {
                Some(w) => write!(f, " between {} and {} ms", ms(self.window.from_ms), ms(self.window.from_ms + w))?,
                None => write!(f, " from {} ms", ms(self.window.from_ms))?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
