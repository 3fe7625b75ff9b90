//! The program seam (issue 8 item 1): the device runs *any* program that makes imp calls
//! through one interface, [`Program`]. The step-list runner (`steps::StepRunner`) is one such
//! program; a bytecode Squirrel VM (SPEC §14) is another.
//!
//! The device owns everything that is not the program: time, the connection, the send path,
//! the timers of `imp.wakeup`, which callbacks are due, and the run-to-completion rule (C5:
//! one task at a time; due callbacks run when Squirrel is idle, in the order they became due).
//! The program owns its code, its call stacks and its callbacks, which the device only knows
//! by the opaque [`CallbackId`]s the program hands it.
//!
//! The conversation, for one task:
//! 1. the device calls [`Program::start`] with a fresh [`TaskId`] and what to run ([`Start`]:
//!    the main program, or a callback with its argument);
//! 2. it calls [`Program::resume`] with `None`; the program runs until its next model call and
//!    answers [`Yield::Call`] (the typed [`Call`] and its [`Site`]), or ends the task
//!    ([`Yield::Finished`], [`Yield::Error`]);
//! 3. the device carries the call out by the SPEC's rules, which may take virtual time (a
//!    blocked send, a suspension under S7) while other parts of the model run, then calls
//!    `resume` again with the call's [`Outcome`]: back to 2.
//!
//! A program may suspend inside any depth of its own call stack: the seam never asks it to
//! return to the top between calls. Instruction counts are charged to the run's work budget
//! through the [`Budget`] that `resume` lends it ([`Work::Instruction`](crate::budget::Work)).

use crate::agent::Payload;
use crate::budget::{Budget, Exhausted};
use crate::policy::Reason;
use crate::scenario::{self, Arg};
use crate::time::{Duration, Instant};
use crate::trace::{Handler, Outcome};
use std::sync::Arc;

/// A task of the device's event loop; the device numbers them, the program keys its own
/// state (a cursor, a VM thread) by them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u64);

/// A callback the program owns (a closure in a VM's heap, a handler list); the device only
/// stores it and hands it back in [`Start::Callback`] when it is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallbackId(pub u64);

/// What a new task runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// The main program, from the top (power-on, warm boot, restart after an error).
    Main,
    /// A callback, with the §3 reason it is called with where it takes one (`server.connect`'s
    /// and `onunexpecteddisconnect`'s callbacks).
    Callback { callback: CallbackId, kind: Handler, reason: Option<Reason> },
}

/// Where a call was made: a step list's step and iteration, or a line of code (§14 Trace:
/// `"line"` and `"file"` instead of `"step"`/`"iter"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Site {
    Step { step: u32, iter: u32 },
    Code(CodeSite),
}

/// A line of device code; `file` is `None` for the main program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeSite {
    pub line: u32,
    pub file: Option<Arc<str>>,
}

/// What the program does next.
#[derive(Clone, Debug, PartialEq)]
pub enum Yield {
    /// Make this model call; `resume` gets its outcome.
    Call { call: Call, site: Site },
    /// Go idle for this long, then continue this task (the step runner's `imp.wakeup` pause;
    /// handlers may run meanwhile). A program whose wakeups are callbacks never needs it.
    Idle(Duration),
    /// As `Idle`, for an `on_ret` retry: counts against the §13 retry limit.
    Retry(Duration),
    /// The task returned.
    Finished,
    /// The task failed with an uncaught runtime error (§14: a `squirrel_error` line, then
    /// Squirrel restarts after `error_restart`).
    Error { error: String, site: Site },
    /// The program could not pay for its instructions: the run stops (the device writes the
    /// note).
    OutOfBudget(Exhausted),
}

/// A program the device can run.
pub trait Program {
    /// Begins task `task`; the device then calls `resume(task, None, …)`.
    fn start(&mut self, task: TaskId, start: Start);

    /// Runs task `task` until its next call or its end. `outcome` is the previous call's
    /// result (`None` right after `start`). A task that went [`Yield::Idle`] is resumed with
    /// `None` when its time comes.
    fn resume(&mut self, task: TaskId, outcome: Option<&Outcome>, budget: &mut Budget) -> Yield;

    /// Squirrel restarts (S7 warm boot, or after a runtime error): every task is gone, nothing
    /// is registered; the device starts `Main` next.
    fn restart(&mut self);

    /// The virtual time the next `start`/`resume` runs at (the device says it before each):
    /// device code's clocks answer it (§14: `hardware.millis()`, `time()`, `date()`).
    fn set_now(&mut self, _now: Instant) {}

    /// The callbacks registered before any code runs (a step list's `[[on_connect]]`); a VM
    /// registers its own with [`Call::ServerConnect`] and [`Call::OnUnexpectedDisconnect`].
    fn registered(&self, _kind: Handler) -> Option<CallbackId> {
        None
    }

    /// §15: a message from the agent reached the device. A program with an `agent.on`
    /// handler for `name` answers the one-shot callback that runs it with `value`; the device
    /// queues it like any due callback. `None`: no handler, the message is dropped.
    fn agent_message(&mut self, _name: &str, _value: &Payload) -> Option<CallbackId> {
        None
    }
}

/// A boxed program is a program (for drivers that pick one at run time).
impl<P: Program + ?Sized> Program for Box<P> {
    fn start(&mut self, task: TaskId, start: Start) {
        (**self).start(task, start)
    }

    fn resume(&mut self, task: TaskId, outcome: Option<&Outcome>, budget: &mut Budget) -> Yield {
        (**self).resume(task, outcome, budget)
    }

    fn restart(&mut self) {
        (**self).restart()
    }

    fn set_now(&mut self, now: Instant) {
        (**self).set_now(now)
    }

    fn registered(&self, kind: Handler) -> Option<CallbackId> {
        (**self).registered(kind)
    }

    fn agent_message(&mut self, name: &str, value: &Payload) -> Option<CallbackId> {
        (**self).agent_message(name, value)
    }
}

/// The calls a program can make: §10's list (each writes a call line) and the registrations
/// a program needs for its callbacks (which write none). Arguments impOS checks at run time
/// (B4, C6, U1–U4) stay loose ([`Arg`]) so the model raises the error the device would.
#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    /// `value` is what code sent (§15: the agent's handler gets it); step lists send sizes only.
    AgentSend { name: Arc<str>, bytes: u64, value: Option<Arc<Payload>> },
    /// `text` is what a program logged (§14: the line carries it); step lists give sizes only.
    ServerLog { bytes: u64, text: Option<Arc<str>> },
    ServerError { bytes: u64, text: Option<Arc<str>> },
    SetSendBufferSize { size: Arg },
    SetSendTimeoutPolicy { reconnect: Arg, wait: Arg, timeout: Arg },
    /// `callback`, when given, becomes the `on_connect` callback (C1: replaces the previous).
    ServerConnect { timeout: f64, callback: Option<CallbackId> },
    ServerDisconnect,
    ServerFlush { timeout: f64 },
    ServerIsConnected,
    ImpSleep { seconds: f64 },
    /// With a `callback`, the device runs it `seconds` from now; without, the call only
    /// returns (a step runner then idles with [`Yield::Idle`]).
    ImpWakeup { seconds: f64, callback: Option<CallbackId> },
    OpenUdp { port: Option<Arg> },
    /// `data`: what device code sent (live mode puts it on a real socket); step lists give
    /// sizes only.
    UdpSend { address: Arg, port: Arg, bytes: u64, data: Option<Arc<[u8]>> },
    UdpClose,
    /// `server.onunexpecteddisconnect(fn)` (`None` unregisters). No trace line.
    OnUnexpectedDisconnect { callback: Option<CallbackId> },
    /// `imp.onidle(fn)`: runs once when Squirrel is next idle. No trace line.
    OnIdle { callback: CallbackId },
    /// `imp.cancelwakeup(handle)`: the pending `imp.wakeup` callback never runs. No trace line.
    CancelWakeup { callback: CallbackId },
    /// `imp.deepsleepfor(s)` (and `server.sleepfor(s)` after its flush, §14 "Sleep"): the
    /// connection closes, the device sleeps `seconds`, then boots as at power-on. The call never
    /// returns, so it writes no call line (§13).
    DeepSleep { seconds: f64 },
}

/// Every call's name, spelled once: the scenario format, trace lines, the CLI's timeline and
/// the playground all use these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallKind {
    AgentSend,
    ServerLog,
    ServerError,
    SetSendBufferSize,
    SetSendTimeoutPolicy,
    ServerConnect,
    ServerDisconnect,
    ServerFlush,
    ServerIsConnected,
    ImpSleep,
    ImpWakeup,
    OpenUdp,
    UdpSend,
    UdpClose,
    OnUnexpectedDisconnect,
    OnIdle,
    CancelWakeup,
    DeepSleep,
    /// The agent's `device.send` (§15: agent code's lines only; no program makes it).
    DeviceSend,
}

impl CallKind {
    /// §10's calls in the SPEC's order: the ones a step list can make and that write lines.
    pub const API: [CallKind; 14] = [
        CallKind::AgentSend,
        CallKind::ServerLog,
        CallKind::ServerError,
        CallKind::SetSendBufferSize,
        CallKind::SetSendTimeoutPolicy,
        CallKind::ServerConnect,
        CallKind::ServerDisconnect,
        CallKind::ServerFlush,
        CallKind::ServerIsConnected,
        CallKind::ImpSleep,
        CallKind::ImpWakeup,
        CallKind::OpenUdp,
        CallKind::UdpSend,
        CallKind::UdpClose,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            CallKind::AgentSend => "agent.send",
            CallKind::ServerLog => "server.log",
            CallKind::ServerError => "server.error",
            CallKind::SetSendBufferSize => "imp.setsendbuffersize",
            CallKind::SetSendTimeoutPolicy => "server.setsendtimeoutpolicy",
            CallKind::ServerConnect => "server.connect",
            CallKind::ServerDisconnect => "server.disconnect",
            CallKind::ServerFlush => "server.flush",
            CallKind::ServerIsConnected => "server.isconnected",
            CallKind::ImpSleep => "imp.sleep",
            CallKind::ImpWakeup => "imp.wakeup",
            CallKind::OpenUdp => "interface.openudp",
            CallKind::UdpSend => "udpsocket.send",
            CallKind::UdpClose => "udpsocket.close",
            CallKind::OnUnexpectedDisconnect => "server.onunexpecteddisconnect",
            CallKind::OnIdle => "imp.onidle",
            CallKind::CancelWakeup => "imp.cancelwakeup",
            CallKind::DeepSleep => "imp.deepsleepfor",
            CallKind::DeviceSend => "device.send",
        }
    }

    pub fn parse(name: &str) -> Option<CallKind> {
        Self::API.into_iter().chain([CallKind::OnUnexpectedDisconnect, CallKind::OnIdle, CallKind::CancelWakeup, CallKind::DeepSleep]).find(|k| k.as_str() == name)
    }

    /// Calls that return a §3 send code (0–4), which viewers show by name.
    pub fn returns_send_code(self) -> bool {
        matches!(self, CallKind::AgentSend | CallKind::ServerLog | CallKind::ServerError | CallKind::UdpSend)
    }
}

impl std::fmt::Display for CallKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`, so a timeline's `{:<28}` column lines up.
        f.pad(self.as_str())
    }
}

/// A kind is its name: `line.call == "agent.send"` reads as the trace does.
impl PartialEq<&str> for CallKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Call {
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
            Call::OnUnexpectedDisconnect { .. } => CallKind::OnUnexpectedDisconnect,
            Call::OnIdle { .. } => CallKind::OnIdle,
            Call::CancelWakeup { .. } => CallKind::CancelWakeup,
            Call::DeepSleep { .. } => CallKind::DeepSleep,
        }
    }

    /// The model call a step list's step makes (no callbacks: a step list's handlers are
    /// registered once, see [`Program::registered`]).
    pub fn from_step(c: &scenario::Call) -> Call {
        use scenario::Call as S;
        match c {
            S::AgentSend { name, bytes } => Call::AgentSend { name: name.as_str().into(), bytes: *bytes, value: None },
            S::ServerLog { bytes } => Call::ServerLog { bytes: *bytes, text: None },
            S::ServerError { bytes } => Call::ServerError { bytes: *bytes, text: None },
            S::SetSendBufferSize { size } => Call::SetSendBufferSize { size: size.clone() },
            S::SetSendTimeoutPolicy { reconnect, wait, timeout } => {
                Call::SetSendTimeoutPolicy { reconnect: reconnect.clone(), wait: wait.clone(), timeout: timeout.clone() }
            }
            S::ServerConnect { timeout } => Call::ServerConnect { timeout: *timeout, callback: None },
            S::ServerDisconnect => Call::ServerDisconnect,
            S::ServerFlush { timeout } => Call::ServerFlush { timeout: *timeout },
            S::ServerIsConnected => Call::ServerIsConnected,
            S::ImpSleep { seconds } => Call::ImpSleep { seconds: *seconds },
            S::ImpWakeup { seconds } => Call::ImpWakeup { seconds: *seconds, callback: None },
            S::OpenUdp { port } => Call::OpenUdp { port: port.clone() },
            S::UdpSend { address, port, bytes } => {
                Call::UdpSend { address: address.clone(), port: port.clone(), bytes: *bytes, data: None }
            }
            S::UdpClose => Call::UdpClose,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue8_call_names_are_spelled_once_and_round_trip() {
        for k in CallKind::API {
            assert_eq!(CallKind::parse(k.as_str()), Some(k));
        }
        let names: Vec<&str> = CallKind::API.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, scenario::Call::NAMES);
        assert_eq!(CallKind::parse("hardware.i2c89"), None);
    }
}
