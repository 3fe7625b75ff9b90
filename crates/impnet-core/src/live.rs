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
            Some(code) => LiveDevice::with_program(sc, DeviceCode::new(code?, sc.seed, sc.start_epoch)?.without_agent(), opts),
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
#[path = "live_tests.rs"]
mod tests;
