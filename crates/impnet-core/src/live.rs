//! Live mode, sans-IO: the device model on a real connection to `impnet serve`.
//!
//! [`LiveDevice`] composes the same [`Device`] the simulation runs with a real WebSocket in
//! place of the simulated `Link` + `Server`. It still does no I/O: a driver (the browser's
//! `src/live/`, the native `impnet device`) opens sockets, moves frames and reads a clock, and
//! this type decides everything else. Both drivers therefore produce the same trace for the
//! same events.
//!
//! What stays modelled here, and why:
//! - the uplink's rate (T2): a segment occupies the uplink for `len / uplink_bps` before its
//!   frame goes out, since loopback has no such limit;
//! - the connect time (`connect_ms`) and the scenario's outages (L2): a `wifi` outage closes
//!   the socket; an `upstream` one holds frames both ways until it ends (the real TCP under
//!   the socket would retransmit them then);
//! - the RTT and the agent's rate are the server's knobs (`delay_ms`, `consume_bps`), sent in
//!   the `hello`.
//!
//! Time: drivers pass *real* microseconds since the start; virtual time = offset + real ×
//! `time_scale`. With `skip_idle`, when nothing is on the wire the offset jumps to the next
//! deadline, so a scenario's long idle waits (retry pauses, deep sleep) take no real time.
//!
//! Calling convention (as for `Device`): after every `handle_*`, drain [`LiveDevice::poll_io`]
//! until `None`, then wait until [`LiveDevice::poll_timeout`] (real µs) or the next socket
//! event, whichever comes first.

use crate::budget::Work;
use crate::buffer::Segment;
use crate::code::bind::DeviceCode;
use crate::code::CodeError;
use crate::device::{Device, NetCommand};
use crate::harness::Harness;
use crate::policy::Reason;
use crate::program::Program;
use crate::scenario::{OutageKind, Scenario};
use crate::steps::StepRunner;
use crate::time::{Duration, Instant};
use crate::trace::Trace;
use crate::wire::{decode_server, DeviceFrame, DeviceLink, Knobs, ServerFrame, VERSION};
use std::collections::VecDeque;

/// How a live run maps to real time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiveOptions {
    /// Virtual seconds per real second (10 runs a scenario ten times faster than real time).
    pub time_scale: f64,
    /// Jump over idle stretches (nothing on the wire, no connection being opened).
    pub skip_idle: bool,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions { time_scale: 1.0, skip_idle: true }
    }
}

/// Bounds of `time_scale`: past 100 the loopback's own latency (≈ 1 ms real) becomes a
/// virtual delay comparable to the RTTs scenarios use.
pub const MIN_TIME_SCALE: f64 = 0.01;
pub const MAX_TIME_SCALE: f64 = 100.0;

/// A virtual wait between two attempts to open a refused or failed socket.
const REOPEN_AFTER: Duration = Duration::from_millis(1000);

/// What the driver must do. Socket ids tie later events to the socket they concern: an
/// event for a socket that is no longer current is ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Io {
    /// Open a WebSocket to the server; report `handle_opened` or `handle_closed`.
    Open { socket: u64 },
    /// Close the current socket (no event expected back).
    Close { socket: u64 },
    /// Send a text frame.
    Text { socket: u64, text: String },
    /// Send a binary frame of `len` bytes (their content does not matter).
    Data { socket: u64, len: u32 },
}

/// One frame on the wire, waiting for its ACK (the server answers every data frame once, in
/// order, so a FIFO pairs ACKs with what they acknowledge).
#[derive(Clone, Copy, Debug)]
enum Flight {
    Segment(Segment),
    Probe,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SocketState {
    Closed,
    /// Asked the driver to open it; waiting for `handle_opened`.
    Opening,
    /// Open; `welcomed` once the server's `welcome` arrived.
    Open { welcomed: bool },
}

/// The socket-side sample a live trace carries beside the model's (`bufferedAmount` in the
/// browser: bytes handed to the socket and not yet on the network).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SocketSample {
    pub t: Instant,
    pub buffered: u64,
    /// The model's own unsent + in-flight bytes at that instant.
    pub model_held: u64,
}

/// A finished live run: the trace (same format as `run`'s) and the socket samples.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveTrace {
    pub trace: Trace,
    pub socket: Vec<SocketSample>,
    /// Real time the run took, µs.
    pub real_micros: u64,
}

/// Owns its device and what it needs of the scenario, so a driver can keep it as long as it
/// likes (no borrow of the scenario).
pub struct LiveDevice {
    dev: Device,
    opts: LiveOptions,
    /// The hello's knobs (the scenario's RTT and agent rate in real time).
    knobs: Knobs,
    /// The advertised window a fresh connection starts with.
    rwnd: u32,
    /// Outage edges, connect times, serialisation, the recording (shared with the sim).
    h: Harness,
    /// Virtual µs added to real × scale (grows when idle stretches are skipped).
    offset: u64,
    now: Instant,
    // The socket.
    socket: u64,
    state: SocketState,
    /// The device asked to connect: it is told `connected` at this virtual time (L2 + connect_ms)
    /// if the socket is welcomed by then.
    connect_ready_at: Option<Instant>,
    reopen_at: Option<Instant>,
    link: DeviceLink,
    flights: VecDeque<Flight>,
    /// A segment on the uplink until its last byte leaves.
    departing: Option<(Instant, Segment)>,
    /// Stream offset up to which messages have been announced with `msg` frames.
    announced_to: u64,
    // Outages.
    upstream_down: bool,
    wifi_down: bool,
    /// The device was told `connected` on the current socket.
    online: bool,
    held_out: VecDeque<Io>,
    held_in: VecDeque<ServerFrame>,
    out: VecDeque<Io>,
    socket_samples: Vec<SocketSample>,
    done: bool,
}

impl LiveDevice {
    /// Power-on at real time 0, running the scenario's step lists.
    pub fn new(sc: &Scenario, opts: LiveOptions) -> Self {
        LiveDevice::with_program(sc, StepRunner::new(sc), opts)
    }

    /// Power-on at real time 0 running what the scenario holds: its device code (§14), else its
    /// step lists; both drivers go live through here.
    ///
    /// Agent code (§15) never runs live: `impnet serve` plays the agent, and its agent reads
    /// bytes at the scenario's rate and runs no code. So `agent.send` keeps no copy of the value
    /// it sends (nobody would take it: a long run would hold every value sent), and nothing
    /// comes down to `agent.on`.
    pub fn of_scenario(sc: &Scenario, opts: LiveOptions) -> Result<Self, CodeError> {
        Ok(match crate::code::of_scenario(sc) {
            None => LiveDevice::new(sc, opts),
            Some(code) => LiveDevice::with_program(sc, DeviceCode::new(code?, sc.seed)?.without_agent(), opts),
        })
    }

    /// Power-on at real time 0 running `program` (device code, say) on the device `sc`
    /// describes: its parameters, outages, seed and `end_ms` apply, its step lists do not.
    pub fn with_program(sc: &Scenario, program: impl Program + 'static, opts: LiveOptions) -> Self {
        let opts = LiveOptions { time_scale: opts.time_scale.clamp(MIN_TIME_SCALE, MAX_TIME_SCALE), ..opts };
        let mut d = LiveDevice {
            dev: Device::with_program(sc, program, sc.seed, true),
            knobs: knobs(sc, opts.time_scale),
            rwnd: sc.server.rwnd,
            h: Harness::new(sc, true),
            opts,
            offset: 0,
            now: Instant::ZERO,
            socket: 0,
            state: SocketState::Closed,
            connect_ready_at: None,
            reopen_at: None,
            link: DeviceLink::new(sc.server.rwnd),
            flights: VecDeque::new(),
            departing: None,
            announced_to: 0,
            upstream_down: false,
            wifi_down: false,
            online: false,
            held_out: VecDeque::new(),
            held_in: VecDeque::new(),
            out: VecDeque::new(),
            socket_samples: Vec::new(),
            done: false,
        };
        d.advance(0);
        d
    }

    /// The knobs the driver's `hello` carries (also sent by `handle_opened` itself): the
    /// scenario's RTT and agent rate, scaled to real time.
    pub fn knobs(&self) -> Knobs {
        self.knobs.clone()
    }

    pub fn virtual_now(&self) -> Instant {
        self.now
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Device code's datagrams go out a real socket: from now on every datagram the model
    /// sends and delivers (U1–U7 applied) waits in [`LiveDevice::poll_datagram`].
    pub fn capture_datagrams(&mut self) {
        self.dev.capture_datagrams();
    }

    /// The next datagram for the driver's UDP socket (after [`LiveDevice::capture_datagrams`]).
    pub fn poll_datagram(&mut self) -> Option<crate::udp::Datagram> {
        self.dev.poll_datagram()
    }

    /// The next output for the driver.
    pub fn poll_io(&mut self) -> Option<Io> {
        self.out.pop_front()
    }

    /// When (real µs) `handle_timeout` has work next; `None` when done.
    pub fn poll_timeout(&self) -> Option<u64> {
        if self.done {
            return None;
        }
        let v = self.next_deadline()?.min(self.h.end);
        Some(self.real_of(v))
    }

    pub fn handle_timeout(&mut self, real: u64) {
        self.advance(real);
    }

    /// The socket asked for with `Io::Open` is open: say hello.
    pub fn handle_opened(&mut self, real: u64, socket: u64) {
        if socket != self.socket || self.state != SocketState::Opening {
            return;
        }
        self.state = SocketState::Open { welcomed: false };
        let hello = DeviceFrame::Hello { version: VERSION, knobs: self.knobs() };
        self.out.push_back(Io::Text { socket, text: hello.to_text() });
        self.advance(real);
    }

    /// The socket failed to open, or closed (by the server, or an error).
    pub fn handle_closed(&mut self, real: u64, socket: u64) {
        if socket != self.socket || self.state == SocketState::Closed {
            return;
        }
        let was_online = self.online;
        self.reset_socket();
        self.set_now(real);
        if was_online {
            self.dev.handle_link_lost(self.now, Reason::NoServer);
        } else if self.connect_ready_at.is_some() {
            // Still connecting: try again, as impOS keeps trying until its own deadline.
            self.reopen_at = Some(self.now + REOPEN_AFTER);
            self.connect_ready_at = None;
        }
        self.advance(real);
    }

    /// A text frame from the server.
    pub fn handle_text(&mut self, real: u64, socket: u64, text: &str) {
        if socket != self.socket || !matches!(self.state, SocketState::Open { .. }) {
            return;
        }
        self.set_now(real);
        match decode_server(text) {
            Ok(f) if self.upstream_down => self.held_in.push_back(f),
            Ok(f) => self.on_frame(f),
            Err(_) => {
                // A server that breaks the protocol is a server that is gone.
                self.out.push_back(Io::Close { socket });
                self.handle_closed(real, socket);
                return;
            }
        }
        self.advance(real);
    }

    /// The browser's `bufferedAmount` (or any socket backlog) at `real`, recorded beside the
    /// model's held bytes.
    pub fn record_socket(&mut self, real: u64, buffered: u64) {
        let t = self.virtual_of(real).max(self.now);
        let b = self.dev.buffer();
        self.socket_samples.push(SocketSample { t, buffered, model_held: (b.unsent() + b.in_flight()) as u64 });
    }

    /// Ends the run (done, or the driver gave up) and returns the trace.
    pub fn finish(mut self, real: u64) -> LiveTrace {
        if !self.done {
            self.set_now(real);
        }
        let now = self.now.min(self.h.end);
        let trace = self.h.finish(&mut self.dev, now);
        LiveTrace { trace, socket: self.socket_samples, real_micros: real }
    }

    // ----- internals -----

    fn virtual_of(&self, real: u64) -> Instant {
        Instant::from_micros(self.offset + (real as f64 * self.opts.time_scale) as u64)
    }

    fn real_of(&self, v: Instant) -> u64 {
        (v.micros.saturating_sub(self.offset) as f64 / self.opts.time_scale).ceil() as u64
    }

    /// Time only moves forward, whatever the driver's clock does.
    fn set_now(&mut self, real: u64) {
        self.now = self.now.max(self.virtual_of(real)).min(self.h.end);
    }

    fn next_deadline(&self) -> Option<Instant> {
        [
            self.dev.poll_timeout(),
            self.connect_ready_at.filter(|_| self.state == (SocketState::Open { welcomed: true })),
            self.reopen_at,
            self.departing.map(|d| d.0),
            self.h.next_edge_at(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Nothing in transit, no socket being opened and no retry of a refused one pending:
    /// skipping time changes nothing the server could see. (A refusal lasts in real time, so
    /// retries must wait in real time too.)
    fn quiescent(&self) -> bool {
        self.reopen_at.is_none()
            && self.flights.is_empty()
            && self.departing.is_none()
            && self.held_out.is_empty()
            && self.state != SocketState::Opening
            && !(self.state == (SocketState::Open { welcomed: false }))
    }

    /// Runs everything due up to virtual `virtual_of(real)`, skipping idle time if allowed.
    fn advance(&mut self, real: u64) {
        self.set_now(real);
        // Bounded: each turn either handles a deadline or stops.
        for _ in 0..1_000_000 {
            self.turn();
            self.h.record(&mut self.dev);
            if self.done {
                return;
            }
            match self.next_deadline() {
                Some(d) if d <= self.now => continue,
                Some(d) if self.opts.skip_idle && self.quiescent() => {
                    let d = d.min(self.h.end);
                    self.offset += d.micros - self.now.micros;
                    self.now = d;
                }
                _ => return,
            }
        }
    }

    /// One instant: outage edges, connect completion, uplink departures, device timers,
    /// then commands and new segments (the sim's order).
    fn turn(&mut self) {
        let now = self.now;
        if !self.dev.charge(now, Work::Turn, 1) {
            self.done = true;
            self.close_socket();
            return;
        }
        while let Some(e) = self.h.due_edge(now) {
            match e.kind {
                OutageKind::Wifi => {
                    self.wifi_down = !e.up;
                    if !e.up {
                        self.close_socket();
                    }
                    self.dev.handle_wifi(now, e.up);
                }
                OutageKind::Upstream => {
                    self.dev.handle_upstream(now, e.up);
                    self.upstream_down = !e.up;
                    if e.up {
                        self.release_held();
                    }
                }
            }
            self.commands();
        }
        if self.reopen_at.is_some_and(|t| t <= now) {
            self.reopen_at = None;
            self.connect_ready_at = Some(self.h.connect_done_at(now));
        }
        // A connection attempt needs a socket; none opens while WiFi is down.
        if self.connect_ready_at.is_some() && self.state == SocketState::Closed && !self.wifi_down {
            self.open_socket();
        }
        if self.state == (SocketState::Open { welcomed: true }) && !self.online && self.connect_ready_at.is_some_and(|t| t <= now) {
            self.connect_ready_at = None;
            self.link = DeviceLink::new(self.rwnd);
            self.announced_to = 0;
            self.online = true;
            self.dev.handle_connected(now);
            self.commands();
        }
        if let Some((_, seg)) = self.departing.filter(|d| d.0 <= now) {
            self.departing = None;
            self.send_segment(seg);
            self.sample();
        }
        self.dev.handle_timeout(now);
        self.commands();
        if self.departing.is_none() && self.online {
            if let Some(seg) = self.dev.poll_transmit(now) {
                self.departing = Some((now + self.h.serialisation(seg.len), seg));
            }
        }
        self.dev.end_instant(now);
        if self.dev.stopped() || !self.dev.pending() || now >= self.h.end {
            self.done = true;
            self.close_socket();
        }
    }

    fn commands(&mut self) {
        while let Some(c) = self.dev.poll_command() {
            match c {
                NetCommand::Connect => {
                    let now = self.now;
                    self.connect_ready_at = Some(self.h.connect_done_at(now));
                    if self.state == SocketState::Closed && !self.wifi_down {
                        self.open_socket();
                    }
                }
                NetCommand::Abort => {
                    self.connect_ready_at = None;
                    self.reopen_at = None;
                    self.close_socket();
                }
                NetCommand::WindowProbe | NetCommand::Keepalive => {
                    if self.online {
                        self.flights.push_back(Flight::Probe);
                        self.emit(Io::Data { socket: self.socket, len: 0 });
                    }
                }
            }
        }
    }

    fn open_socket(&mut self) {
        self.close_socket();
        self.socket += 1;
        self.state = SocketState::Opening;
        self.out.push_back(Io::Open { socket: self.socket });
    }

    fn close_socket(&mut self) {
        if self.state != SocketState::Closed {
            self.out.push_back(Io::Close { socket: self.socket });
        }
        self.reset_socket();
    }

    fn reset_socket(&mut self) {
        self.state = SocketState::Closed;
        self.online = false;
        self.flights.clear();
        self.departing = None;
        self.held_out.clear();
        self.held_in.clear();
    }

    /// Frames leave now unless an `upstream` outage holds them.
    fn emit(&mut self, io: Io) {
        if self.upstream_down {
            self.held_out.push_back(io);
        } else {
            self.out.push_back(io);
        }
    }

    fn release_held(&mut self) {
        while let Some(io) = self.held_out.pop_front() {
            self.out.push_back(io);
        }
        while let Some(f) = self.held_in.pop_front() {
            self.on_frame(f);
        }
    }

    /// Announces the messages that start inside `seg`, then sends its bytes.
    fn send_segment(&mut self, seg: Segment) {
        let socket = self.socket;
        let mut announce = Vec::new();
        for m in self.dev.buffer().messages() {
            if m.start >= self.announced_to && m.start < seg.end() {
                announce.push(DeviceFrame::Msg { id: m.id, name: String::new(), len: m.len as u64 });
            }
        }
        self.announced_to = self.announced_to.max(seg.end());
        for f in announce {
            self.emit(Io::Text { socket, text: f.to_text() });
        }
        self.link.on_sent(seg.len as u64);
        self.flights.push_back(Flight::Segment(seg));
        self.emit(Io::Data { socket, len: seg.len });
    }

    fn on_frame(&mut self, f: ServerFrame) {
        let now = self.now;
        match f {
            ServerFrame::Welcome { .. } => {
                if self.state == (SocketState::Open { welcomed: false }) {
                    self.state = SocketState::Open { welcomed: true };
                }
            }
            ServerFrame::Ack { acked_total, window } => match self.flights.pop_front() {
                Some(Flight::Segment(seg)) => {
                    if self.link.on_ack(acked_total, window).is_err() {
                        return;
                    }
                    self.dev.handle_ack(now, seg, window);
                    self.sample();
                    self.commands();
                }
                Some(Flight::Probe) => {
                    self.dev.handle_answer(now, window);
                    self.commands();
                }
                None => {}
            },
            ServerFrame::Delivered { .. } => {}
        }
    }

    fn sample(&mut self) {
        self.h.sample(self.now, &self.dev);
    }
}

/// The scenario's RTT and agent rate, scaled to real time by `s`.
fn knobs(sc: &Scenario, s: f64) -> Knobs {
    let consume = sc.network.consume_bps.unwrap_or(sc.agent.consume_bps).bps();
    Knobs {
        delay_ms: Some((sc.network.rtt_ms as f64 / s).round() as u64),
        rwnd: Some(sc.server.rwnd.max(1)),
        // A rate of 0 is an agent that never reads: the server's knob for that is a stop.
        consume_bps: consume.filter(|&b| b > 0).map(|b| ((b as f64 * s).round() as u64).max(1)),
        agent_stop_at_ms: (consume == Some(0)).then_some(0),
        ..Knobs::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::CallKind;
    use crate::scenario::parse_toml;

    const TWO_LOGS: &str = r#"
[network]
rtt_ms = 100
[[steps]]
call = "server.log"
bytes = 100
repeat = 2
"#;

    /// A loopback "server" inside the test: answers each data frame with an ACK at once.
    fn pump(live: &mut LiveDevice, real: &mut u64, sent: &mut u64) -> Vec<Io> {
        let mut seen = Vec::new();
        for _ in 0..10_000 {
            let Some(io) = live.poll_io() else {
                match live.poll_timeout() {
                    Some(t) => {
                        *real = (*real).max(t);
                        live.handle_timeout(*real);
                        continue;
                    }
                    None => break,
                }
            };
            seen.push(io.clone());
            match io {
                Io::Open { socket } => {
                    live.handle_opened(*real, socket);
                    let w = ServerFrame::Welcome { version: VERSION, rwnd: 65535, knobs: Knobs::default() };
                    live.handle_text(*real, socket, &w.to_text());
                }
                Io::Data { socket, len } => {
                    *sent += len as u64;
                    let a = ServerFrame::Ack { acked_total: *sent, window: 65535 };
                    live.handle_text(*real, socket, &a.to_text());
                }
                Io::Close { .. } | Io::Text { .. } => {}
            }
        }
        seen
    }

    #[test]
    fn l1_connects_after_connect_ms_then_sends_and_ends_when_acked() {
        let sc = parse_toml(TWO_LOGS).unwrap();
        let mut live = LiveDevice::new(&sc, LiveOptions { time_scale: 1.0, skip_idle: true });
        let (mut real, mut sent) = (0, 0);
        let seen = pump(&mut live, &mut real, &mut sent);
        assert!(live.is_done());
        assert!(matches!(seen.first(), Some(Io::Open { socket: 1 })));
        assert!(seen.iter().any(|io| matches!(io, Io::Text { text, .. } if text.contains(r#""type":"msg""#))));
        let t = live.finish(real).trace;
        // Two logs of 100 bytes: 100 + 8 header + 29 TLS = 137 wire bytes each.
        assert_eq!(sent, 274);
        assert_eq!((t.summary.sent_msgs, t.summary.acked_msgs), (2, 2));
        let first_call = t.entries.iter().find_map(|e| match &e.line {
            crate::trace::Line::Call(_) => Some(e.t),
            _ => None,
        });
        // L1: with the link up, the first step runs at connect_ms (1500 ms), in virtual time.
        assert_eq!(first_call, Some(Instant::from_millis(1500)));
    }

    /// Issue 8 item 3: live mode runs any program behind the seam, here device code (§14):
    /// its calls are placed by line, in virtual time, as in a simulated run.
    #[test]
    fn with_program_runs_device_code_live() {
        let sc = parse_toml("code = '''\nserver.log(\"a\");\nserver.log(\"bc\");\n'''\n").unwrap();
        let code = crate::code::of_scenario(&sc).unwrap().unwrap();
        let program = crate::code::bind::DeviceCode::new(code, sc.seed).unwrap();
        let mut live = LiveDevice::with_program(&sc, program, LiveOptions::default());
        let (mut real, mut sent) = (0, 0);
        pump(&mut live, &mut real, &mut sent);
        assert!(live.is_done());
        let t = live.finish(real).trace;
        let lines: Vec<(u32, CallKind)> = t
            .entries
            .iter()
            .filter_map(|e| match &e.line {
                crate::trace::Line::Call(c) => Some((c.code.as_ref()?.site.line, c.call)),
                _ => None,
            })
            .collect();
        assert_eq!(lines, [(1, CallKind::ServerLog), (2, CallKind::ServerLog)]);
        assert_eq!((t.summary.sent_msgs, t.summary.acked_msgs), (2, 2));
    }

    /// livecode item 1: `of_scenario` runs a scenario's device code, and on a path with no
    /// delay and no loss writes exactly the simulated trace (§14's call lines with their
    /// `line`s, the texts of `server.log`, `agent.send`'s returns), agent-less as in a run
    /// without agent code.
    #[test]
    fn of_scenario_runs_device_code_and_matches_the_simulation_on_an_ideal_path() {
        let code = "server.log(\"hello\");\nlocal r = agent.send(\"reading\", { v = 42 });\nimp.wakeup(0.5, function() { server.log(\"sent \" + r); });\n";
        let mut sc = parse_toml(&format!("code = '''\n{code}'''\n[network]\nloss = 0.0\n")).unwrap();
        sc.network.rtt_ms = 0;
        let sim = crate::sim::run(&sc, &crate::sim::RunOptions::default()).unwrap();
        let mut live = LiveDevice::of_scenario(&sc, LiveOptions::default()).unwrap();
        let (mut real, mut sent) = (0, 0);
        pump(&mut live, &mut real, &mut sent);
        let live = live.finish(real).trace;
        assert_eq!(live.to_json_lines(), sim.to_json_lines());
        let texts: Vec<String> = live
            .entries
            .iter()
            .filter_map(|e| match &e.line {
                crate::trace::Line::Call(c) => match c.code.as_ref().and_then(|k| k.carried.as_ref()) {
                    Some(crate::trace::Carried::Text(t)) => Some(t.to_string()),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["hello", "sent 0"]);
        // A step-list scenario goes live as its step list.
        let steps = parse_toml(TWO_LOGS).unwrap();
        let mut live = LiveDevice::of_scenario(&steps, LiveOptions::default()).unwrap();
        let (mut real, mut sent) = (0, 0);
        pump(&mut live, &mut real, &mut sent);
        assert_eq!(live.finish(real).trace.summary.acked_msgs, 2);
    }

    /// Issue 8 item 3: the simulation and live mode drive the same device through the same
    /// harness, so on a path with no delay and no loss (the test's loopback ACKs at once) a
    /// live run writes exactly the simulated trace: L1's connect, T2's serialisation, S1/S3's
    /// blocked send and T3's ACKs at the same virtual instants.
    #[test]
    fn live_and_sim_write_the_same_trace_on_an_ideal_path() {
        let mut sc = parse_toml(
            r#"
[network]
loss = 0.0
uplink_bps = 20000
[[steps]]
call = "server.log"
bytes = 100
repeat = 3
[[steps]]
call = "agent.send"
name = "big"
bytes = 5000
"#,
        )
        .unwrap();
        // The loopback has no delay (the loader wants at least 1 ms; the model takes 0).
        sc.network.rtt_ms = 0;
        let sim = crate::sim::run(&sc, &crate::sim::RunOptions::default()).unwrap();
        let mut live = LiveDevice::new(&sc, LiveOptions::default());
        let (mut real, mut sent) = (0, 0);
        pump(&mut live, &mut real, &mut sent);
        let live = live.finish(real).trace;
        assert!(sim.entries.len() > 8, "{}", sim.to_json_lines());
        let lines = |t: &Trace| t.entries.iter().map(|e| e.to_json_line()).collect::<Vec<_>>();
        assert_eq!(lines(&live), lines(&sim));
        // The whole JSON output (the loops' own turns count as work, which is not in it).
        assert_eq!(live.to_json_lines(), sim.to_json_lines());
    }

    #[test]
    fn hello_knobs_scale_rtt_and_agent_rate_to_real_time() {
        let mut sc = parse_toml(TWO_LOGS).unwrap();
        sc.agent.consume_bps = crate::scenario::Rate::Bps(1000);
        let live = LiveDevice::new(&sc, LiveOptions { time_scale: 10.0, skip_idle: false });
        let k = live.knobs();
        assert_eq!((k.delay_ms, k.consume_bps, k.rwnd), (Some(10), Some(10_000), Some(65535)));
    }
}
