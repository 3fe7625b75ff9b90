//! The device: impOS's send path and connection manager, and Squirrel's event loop.
//!
//! # The sans-IO split
//!
//! The device never touches a network or a clock. It talks to the network through a small
//! interface, the same one in simulation and live mode:
//!
//! * **out**: [`Device::poll_transmit`] hands out the next segment of new bytes to send;
//!   [`Device::poll_command`] hands out connection commands (connect, abort, probes).
//! * **in**: [`Device::handle_ack`] (a segment ACKed, with the advertised window),
//!   [`Device::handle_answer`] (a probe or keepalive answered), [`Device::handle_connected`],
//!   [`Device::handle_link_lost`] (the transport closed), [`Device::handle_wifi`] /
//!   [`Device::handle_upstream`] (link state), and
//!   [`Device::handle_timeout`] for its own timers, due at [`Device::poll_timeout`].
//!
//! After every `handle_*` call, drain `poll_command` until it returns `None`; whenever the
//! uplink can take a segment, ask `poll_transmit` for one (the simulated uplink carries one at
//! a time; a live driver may ask until `None`). Call [`Device::end_instant`] before moving time
//! on, and `handle_timeout` at [`Device::poll_timeout`]. The simulation
//! (`crate::sim`) composes Device + `Link` + `Server` in virtual time; a live driver replaces
//! Link + Server with a real WebSocket and feeds real time.
//!
//! The program it runs sits behind the seam in `crate::program` (the scenario's step lists by
//! default, `crate::steps`); [`Device::with_program`] runs any other.
//!
//! Submodules: `lifecycle` (L1–L4, C1–C2, S7's reconnect cycle, keepalive), `tasks` (Squirrel's
//! event loop: tasks, callbacks, C5, the program's calls and returns), `send` (S1–S9, C4),
//! `calls` (the other API calls: B1–B4, C3, C6, U1–U7).

mod calls;
mod lifecycle;
mod messages;
mod send;
mod tasks;
mod timers;

use crate::rules::Rule;
use crate::budget::{Budget, InstantCallbacks, Stop, Work};
use crate::buffer::{SendBuffer, Segment};
use crate::policy::{Reason, SendTimeoutPolicy};
use crate::program::{Call, CallbackId, Program, Site};
use crate::steps::StepRunner;
use crate::record::Stats;
use crate::scenario::Scenario;
use crate::time::{Duration, Instant};
use crate::trace::{ConnState, Entry, EventDetail, EventKind, EventLine, Handler, Line, Snapshot, SquirrelState, Summary};
use crate::udp::Udp;
use std::collections::VecDeque;

use lifecycle::RestartCause;
pub use tasks::ERROR_RESTART;
use tasks::{Cur, ReadyQueue, Task, Wait};
use timers::{Timer, Timers};

/// What the device asks of the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetCommand {
    /// Start a connection attempt; answer with `handle_connected` once it succeeds.
    /// The device gives up on its own timers; it never needs a failure message.
    Connect,
    /// Close the connection or abandon the attempt; everything in transit is gone.
    Abort,
    /// Zero-window probe (§13): answer with `handle_answer(window)` after a round trip.
    WindowProbe,
    /// Keepalive (L2): answer with `handle_answer(window)` if the path works.
    Keepalive,
}

/// Device parameters, read once from the scenario.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Config {
    pub buffer_default: u32,
    pub buffer_max: u32,
    pub mss: u32,
    pub tls_overhead: u32,
    pub msg_header: u32,
    pub connect: Duration,
    pub boot_squirrel: Duration,
    pub connect_window: Duration,
    pub deep_sleep: Duration,
    pub grace: Duration,
    pub ka_idle: Duration,
    pub ka_ack: Duration,
    pub rto: Duration,
    pub rwnd: u32,
    /// Per-packet loss probability (UDP delivery, U7).
    pub loss: f64,
}

impl Config {
    pub fn from_scenario(sc: &Scenario) -> Self {
        Config {
            buffer_default: sc.device.buffer_default,
            buffer_max: sc.device.buffer_max.max(sc.device.buffer_default),
            mss: sc.device.mss.max(1),
            tls_overhead: sc.device.tls_overhead,
            msg_header: sc.device.msg_header,
            connect: Duration::from_millis(sc.device.connect_ms),
            boot_squirrel: Duration::from_millis(sc.device.boot_squirrel_ms),
            connect_window: Duration::from_millis(sc.suspend.connect_window_ms),
            deep_sleep: Duration::from_millis(sc.suspend.sleep_ms),
            grace: Duration::from_millis(sc.recover.grace_ms),
            ka_idle: Duration::from_millis(sc.keepalive.idle_ms),
            ka_ack: Duration::from_millis(sc.keepalive.ack_ms),
            rto: Duration::from_millis(sc.network.rto_ms()),
            rwnd: sc.server.rwnd,
            loss: sc.network.loss,
        }
    }

    /// §13 "Messages": wire size = plaintext + tls_overhead × records, plaintext = payload +
    /// msg_header + name length, records = max(1, ⌈plaintext / 16384⌉). At least one byte.
    pub fn wire_size(&self, name_len: usize, payload: u64) -> u32 {
        let plain = payload + self.msg_header as u64 + name_len as u64;
        let records = plain.div_ceil(16_384).max(1);
        (plain + self.tls_overhead as u64 * records).clamp(1, u32::MAX as u64) as u32
    }
}

/// Why a connection attempt is running, which decides what its deadline does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AttemptKind {
    /// L1: the power-on attempt (`connect_window_ms`).
    Boot,
    /// Silent reconnection after an unexpected loss; under the RETURN policies it gives up at
    /// `lost_at + grace` (C5), under SUSPEND_ON_ERROR never (L3a).
    Recovery,
    /// `server.connect` under a RETURN policy (C1).
    User,
    /// S7: Squirrel halted while impOS reconnects for `connect_window_ms`.
    Suspend,
    /// S7: a wake from deep sleep; success restarts Squirrel.
    Wake,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Attempt {
    pub kind: AttemptKind,
}

/// Whether Squirrel exists right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Vm {
    NotStarted,
    Alive,
    /// Deep sleep: nothing runs; waking restarts the script.
    Frozen,
}

/// A UDP delivery event waiting for the end of its instant (§13).
#[derive(Clone, Copy, Debug)]
struct UdpEvent {
    msg: u64,
    packets: u32,
    delivered: bool,
}

/// The device owns its configuration (read once from the scenario): drivers may drop or move
/// the scenario while it runs.
pub struct Device {
    cfg: Config,
    // connection
    conn: ConnState,
    attempt: Option<Attempt>,
    /// When the link was lost unexpectedly (the grace limit counts from here).
    lost_at: Instant,
    /// The recovery in progress continues the boot attempt (the boot window ended under
    /// SUSPEND_ON_ERROR): no link was lost, so it is never "unexpected" (L3).
    boot_recovery: bool,
    wifi_up: bool,
    upstream_up: bool,
    buf: SendBuffer,
    /// The receive window the server last advertised.
    rwnd: u32,
    /// The keepalive went out and its answer is awaited (the `Keepalive` timer then is its
    /// `ka_ack` limit, not the `ka_idle` one).
    ka_sent: bool,
    zw_backoff: u32,
    /// Every deadline: the attempt's, deep sleep's, keepalive, window probe, Squirrel's start,
    /// the blocked call's.
    timers: Timers,
    policy: SendTimeoutPolicy,
    udp: Udp,
    udp_events: VecDeque<UdpEvent>,
    // Squirrel
    /// One device for every program, behind a virtual call per step: a generic device was
    /// compiled once per program kind, doubling the model's share of the playground's wasm.
    program: Box<dyn Program>,
    vm: Vm,
    /// The pending start is a restart from the top (after a program error or a deep sleep,
    /// §14), not the power-on start.
    restart: Option<RestartCause>,
    /// The call being executed (blocked or about to return).
    cur: Option<Cur>,
    wait: Wait,
    /// The task between two calls, and the call it makes next.
    running: Option<Task>,
    next: Option<(Call, Site)>,
    /// Tasks waiting for a time (retry pauses, a step list's imp.wakeup), due callbacks.
    idle: ReadyQueue,
    /// The callbacks registered for the connection's events (C1, C5).
    on_connect: Option<CallbackId>,
    on_unexpected_disconnect: Option<CallbackId>,
    seq: u64,
    next_task: u64,
    retries: u64,
    /// Callbacks begun at the current instant (§14: bounded).
    instant_callbacks: InstantCallbacks,
    /// The run stopped itself (retry limit, work budget).
    stop: Option<Stop>,
    budget: Budget,
    // network interface
    cmds: VecDeque<NetCommand>,
    next_id: u64,
    /// Code's `agent.send` messages as they enter the buffer, for the agent (§15).
    to_agent: VecDeque<crate::agent::inbox::Inbound>,
    /// Lines are built only when kept (`keep`); the counters always are.
    lines: bool,
    stats: Stats,
    /// Lines written and not yet taken by `poll_event`.
    events: VecDeque<Entry>,
}

pub use crate::limits::MAX_RETRIES;

impl Device {
    /// Power-on at `t = 0` (L1): impOS starts connecting at once.
    pub fn new(sc: &Scenario, seed: u64, keep: bool) -> Self {
        Device::with_program(sc, StepRunner::new(sc), seed, keep)
    }

    /// Power-on running `program` instead of the scenario's step lists (whose parameters,
    /// outages and seed still apply).
    pub fn with_program(sc: &Scenario, program: impl Program + 'static, seed: u64, keep: bool) -> Self {
        Device::boxed(sc, Box::new(program), seed, keep)
    }

    /// As [`Device::with_program`], for a program already boxed (chosen at run time).
    pub fn boxed(sc: &Scenario, program: Box<dyn Program>, seed: u64, keep: bool) -> Self {
        let cfg = Config::from_scenario(sc);
        let mut d = Device {
            cfg,
            conn: ConnState::Booting,
            attempt: Some(Attempt { kind: AttemptKind::Boot }),
            lost_at: Instant::ZERO,
            boot_recovery: false,
            wifi_up: true,
            upstream_up: true,
            buf: SendBuffer::new(cfg.buffer_default),
            rwnd: cfg.rwnd,
            ka_sent: false,
            zw_backoff: 0,
            timers: Timers::default(),
            policy: SendTimeoutPolicy::default(),
            udp: Udp::new(&sc.udp, sc.network.loss, seed),
            udp_events: VecDeque::new(),
            program,
            vm: Vm::NotStarted,
            restart: None,
            cur: None,
            wait: Wait::None,
            running: None,
            next: None,
            idle: ReadyQueue::default(),
            on_connect: None,
            on_unexpected_disconnect: None,
            seq: 0,
            next_task: 0,
            retries: 0,
            instant_callbacks: InstantCallbacks::default(),
            stop: None,
            budget: Budget::default(),
            cmds: VecDeque::new(),
            next_id: 0,
            to_agent: VecDeque::new(),
            lines: keep,
            stats: Stats::default(),
            events: VecDeque::new(),
        };
        d.timers.set(Timer::ConnectAttempt, Instant::ZERO + cfg.connect_window);
        d.timers.set(Timer::SquirrelStart, Instant::ZERO + cfg.boot_squirrel);
        d.cmds.push_back(NetCommand::Connect);
        d
    }

    // ----- network interface -----

    /// The next command for the network. Call until `None` after every `handle_*`.
    pub fn poll_command(&mut self) -> Option<NetCommand> {
        self.cmds.pop_front()
    }

    /// The next segment of new data, when the uplink is free (T2): at most `mss` bytes and
    /// what the window leaves (min(capacity, advertised window) − in flight).
    /// Lost segments are the network's to resend; they never come out of here twice.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Segment> {
        if self.conn != ConnState::Online {
            return None;
        }
        let limit = self.buf.capacity().min(self.rwnd);
        let room = limit.saturating_sub(self.buf.in_flight());
        if room == 0 || self.buf.unsent() == 0 || !self.charge(now, Work::Segment, 1) {
            return None;
        }
        self.buf.take_segment(self.cfg.mss.min(room))
    }

    /// T3/T5: the ACK of `seg` arrived, advertising `window` bytes of receive space.
    pub fn handle_ack(&mut self, now: Instant, seg: Segment, window: u32) {
        if self.conn != ConnState::Online {
            return;
        }
        self.heard_from_server(now, window);
        self.ack_segment(now, seg);
        self.after_buffer_change(now);
        self.drive(now);
    }

    /// A window probe or keepalive was answered with the current receive window.
    pub fn handle_answer(&mut self, now: Instant, window: u32) {
        if self.conn != ConnState::Online {
            return;
        }
        self.heard_from_server(now, window);
        if window > 0 {
            self.timers.clear(Timer::ZeroWindowProbe);
            self.zw_backoff = 0;
        }
        self.after_buffer_change(now);
        self.drive(now);
    }

    /// The connection attempt asked for with `NetCommand::Connect` succeeded.
    pub fn handle_connected(&mut self, now: Instant) {
        self.on_connected(now);
        self.drive(now);
    }

    /// WiFi went down or came back (L2: the device sees it at once).
    pub fn handle_wifi(&mut self, now: Instant, up: bool) {
        self.wifi_up = up;
        if !up && self.conn == ConnState::Online {
            self.lose_link(now, Reason::NoWifi);
        }
        self.drive(now);
    }

    /// The transport closed under the device (live mode: the WebSocket dropped). Handled as
    /// an unexpected loss (L2) with `reason`, like a WiFi drop or a failed keepalive.
    pub fn handle_link_lost(&mut self, now: Instant, reason: Reason) {
        if self.conn == ConnState::Online {
            self.lose_link(now, reason);
        }
        self.drive(now);
    }

    /// The path to the server broke or healed. Silent (L2): the device only uses it to name
    /// the reason of a connection attempt that fails meanwhile (NO_SERVER).
    pub fn handle_upstream(&mut self, _now: Instant, up: bool) {
        self.upstream_up = up;
    }

    /// Runs every timer due at `now`, then lets Squirrel run.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.lifecycle_timers(now);
        self.send_timers(now);
        self.drive(now);
    }

    /// The earliest instant at which `handle_timeout` has something to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.stop.is_some() {
            return None;
        }
        debug_assert!(self.timers.get(Timer::SquirrelStart).is_none() || self.vm == Vm::NotStarted);
        let t = self.timers.next().map(|(_, at)| at);
        if self.vm == Vm::Alive && self.cur.is_none() && self.running.is_none() {
            if let Some(ready) = self.idle.next_ready_at() {
                return Some(t.map_or(ready, |t| t.min(ready)));
            }
        }
        t
    }

    /// Ends the instant: UDP delivery events come after the calls of their instant (§13).
    pub fn end_instant(&mut self, now: Instant) {
        while let Some(u) = self.udp_events.pop_front() {
            let (kind, rule) = if u.delivered {
                self.stats.udp_delivered += 1;
                (EventKind::UdpDelivered, Rule::U7)
            } else {
                self.stats.udp_lost += 1;
                (EventKind::UdpLost, Rule::U7)
            };
            let packets = u.packets;
            let loss = self.cfg.loss;
            self.event(now, kind, None, Some(u.msg), None, Some(packets as u64), rule, || {
                format!("{packets} packet(s), each lost with p={loss}: delivered with p=(1−{loss})^{packets}")
            });
        }
    }

    /// Is the run still going (§13 "The run is pending while…")?
    pub fn pending(&self) -> bool {
        if self.stop.is_some() {
            return false;
        }
        let tasks = self.cur.is_some() || self.running.is_some() || !self.idle.is_empty();
        let squirrel = match self.vm {
            Vm::NotStarted => true,
            Vm::Alive => tasks,
            Vm::Frozen => true,
        };
        let lifecycle = matches!(self.conn, ConnState::Booting | ConnState::Suspended | ConnState::DeepSleep)
            || self.attempt.is_some_and(|a| matches!(a.kind, AttemptKind::Wake | AttemptKind::Boot));
        let unacked = self.conn == ConnState::Online && self.buf.held() > 0;
        let callback = self.attempt.is_some_and(|a| match a.kind {
            AttemptKind::User => self.has_handler(Handler::OnConnect),
            AttemptKind::Recovery => self.timers.get(Timer::ConnectAttempt).is_some() && !self.boot_recovery && self.has_handler(Handler::OnUnexpectedDisconnect),
            _ => false,
        });
        squirrel || lifecycle || unacked || !self.udp_events.is_empty() || callback
    }

    /// The run stopped itself (retry limit, work budget).
    pub fn stopped(&self) -> bool {
        self.stop.is_some()
    }

    /// Why the run stopped itself, if it did.
    pub fn stop_reason(&self) -> Option<Stop> {
        self.stop
    }

    /// Replaces the run's work budget (before the run starts; `Budget::DEFAULT` otherwise).
    pub fn set_budget(&mut self, budget: Budget) {
        self.budget = budget;
    }

    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// Charges `n` pieces of `work` to the run's budget (drivers charge their loop turns and
    /// resends here). `false` when the run is over: already stopped, or the budget ran out
    /// now, which stops the run with a note.
    pub fn charge(&mut self, now: Instant, work: Work, n: u64) -> bool {
        if self.stop.is_some() {
            return false;
        }
        match self.budget.charge(work, n) {
            Ok(()) => true,
            Err(exhausted) => {
                self.halt(now, Stop::Budget { at: now, exhausted });
                false
            }
        }
    }

    /// Stops the run with `stop`, written as its last line.
    fn halt(&mut self, now: Instant, stop: Stop) {
        self.stop = Some(stop);
        self.push_event(now, EventKind::Note, None, None, None, None, Rule::Limits, || stop.to_string());
    }

    pub fn conn_state(&self) -> ConnState {
        self.conn
    }

    pub fn buffer(&self) -> &SendBuffer {
        &self.buf
    }

    pub fn advertised_window(&self) -> u32 {
        self.rwnd
    }

    /// The next trace line, in order (quinn's `poll`): the caller records it. Lines are
    /// written only when the device was made with `keep`.
    pub fn poll_event(&mut self) -> Option<Entry> {
        self.events.pop_front()
    }

    /// The run's counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The summary line of a run ending at `end`: the counters, why it stopped, the work spent.
    pub fn summary(&self, end: Instant) -> Summary {
        self.stats.summary(end, self.stop, self.budget.used())
    }

    /// The state a viewer shows next to a line.
    pub fn snapshot(&self, now: Instant) -> Snapshot {
        Snapshot {
            conn: Some(self.conn),
            squirrel: Some(self.squirrel_state()),
            capacity: self.buf.capacity(),
            unsent: self.buf.unsent(),
            in_flight: self.buf.in_flight(),
            written_total: self.buf.written_total,
            sent_total: self.buf.sent_total,
            acked_total: self.buf.acked_total,
            rwnd: self.rwnd,
            udp_tokens: self.udp.bucket.tokens_at(now),
        }
    }

    /// A line's snapshot is taken once the line's own effect is applied, so the state shown
    /// is the one that holds until the next line. Pending work decides between the last three:
    /// a task with a step left to run now is Running; a task waiting in `imp.wakeup` or a
    /// retry pause (§13: the pause is idle), or a queued handler, is Idle; Finished only when
    /// nothing of the script is left.
    fn squirrel_state(&self) -> SquirrelState {
        match self.vm {
            Vm::NotStarted => SquirrelState::NotStarted,
            Vm::Frozen => SquirrelState::DeepSleep,
            Vm::Alive => match (&self.cur, &self.wait) {
                (Some(_), Wait::Suspended) => SquirrelState::Suspended,
                (Some(_), Wait::None) => SquirrelState::Running,
                (Some(_), _) => SquirrelState::Blocked,
                (None, _) if self.running.is_some() && self.next.is_some() => SquirrelState::Running,
                (None, _) if !self.idle.is_empty() => SquirrelState::Idle,
                _ => SquirrelState::Finished,
            },
        }
    }

    // ----- shared helpers -----

    fn heard_from_server(&mut self, now: Instant, window: u32) {
        self.rwnd = window;
        self.ka_sent = false;
        self.timers.set(Timer::Keepalive, now + self.cfg.ka_idle);
    }

    /// The blocked call's state and its deadline change together.
    fn set_wait(&mut self, wait: Wait) {
        self.wait = wait;
        self.timers.put(Timer::Wait, wait.deadline());
    }

    fn new_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The reason a connection attempt failing now carries (§13).
    fn failure_reason(&self) -> Reason {
        if !self.wifi_up {
            Reason::NoWifi
        } else if !self.upstream_up {
            Reason::NoServer
        } else {
            Reason::NotConnected
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        now: Instant,
        event: EventKind,
        reason: Option<Reason>,
        msg: Option<u64>,
        bytes: Option<u64>,
        packets: Option<u64>,
        rule: Rule,
        why: impl FnOnce() -> String,
    ) {
        if self.charge(now, Work::Event, 1) {
            self.push_event(now, event, reason, msg, bytes, packets, rule, why);
        }
    }

    /// Writes an event line already paid for.
    #[allow(clippy::too_many_arguments)]
    fn push_event(
        &mut self,
        now: Instant,
        event: EventKind,
        reason: Option<Reason>,
        msg: Option<u64>,
        bytes: Option<u64>,
        packets: Option<u64>,
        rule: Rule,
        why: impl FnOnce() -> String,
    ) {
        if self.lines {
            let line = EventLine { event, reason, handler: None, msg, bytes, packets, detail: None, rule, why: why() };
            self.record_event(now, line);
        }
    }

    /// Keeps an event line with the state it leaves behind.
    fn record_event(&mut self, now: Instant, line: EventLine) {
        let state = self.snapshot(now);
        self.events.push_back(Entry { t: now, line: Line::Event(line), state });
    }

    fn state_event(&mut self, now: Instant, event: EventKind, reason: Reason, rule: Rule, why: impl FnOnce() -> String) {
        self.event(now, event, Some(reason), None, None, None, rule, why);
    }

    fn handler_event(&mut self, now: Instant, h: Handler, reason: Option<Reason>) {
        if !self.charge(now, Work::Event, 1) || !self.lines {
            return;
        }
        let why = format!("Squirrel is idle, so the {} handler runs (C5: run to completion)", h.as_str());
        let line = EventLine {
            event: EventKind::Handler,
            reason,
            handler: Some(h),
            msg: None,
            bytes: None,
            packets: None,
            detail: None,
            rule: Rule::C5,
            why,
        };
        self.record_event(now, line);
    }

    /// An event line with §14's extra keys (program errors and their restarts).
    fn detail_event(
        &mut self,
        now: Instant,
        event: EventKind,
        reason: Option<Reason>,
        detail: EventDetail,
        rule: Rule,
        why: impl FnOnce() -> String,
    ) {
        if !self.charge(now, Work::Event, 1) || !self.lines {
            return;
        }
        let line = EventLine {
            event,
            reason,
            handler: None,
            msg: None,
            bytes: None,
            packets: None,
            detail: Some(detail),
            rule,
            why: why(),
        };
        self.record_event(now, line);
    }
}
