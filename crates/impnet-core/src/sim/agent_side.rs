//! The agent's half of a run (SPEC §15): agent code in its own VM beside the device, the
//! server's reading of the device's byte stream (T5: a message reaches `device.on` when the
//! agent has read its last byte), the downlink (`device.send` → the device's `agent.on`), and
//! the server's view of whether the device is connected (`device.isconnected()`).
//!
//! The simulation calls in at a few points of its turn (see `crate::sim`): after the device
//! acted ([`AgentSide::settle`]), when a segment leaves ([`AgentSide::departed`]), when a
//! connection opens or closes, and at its deadline ([`AgentSide::handle_timeout`]). Everything
//! here is written into the device's trace, so one trace holds both sides in time order.

use super::reception::Reception;
use crate::rules::Rule;
use crate::agent::downlink::{Downlink, DownlinkEvent};
use crate::agent::inbox::Inbox;
use crate::agent::{Agent, AgentEvent, AgentOutput, AGENT_FILE};
use crate::buffer::Segment;
use crate::device::{Config, Device};
use crate::link::Fate;
use crate::program::{CallKind, CodeSite};
use crate::scenario::Scenario;
use crate::time::{Duration, Instant};
use crate::trace::{CallLine, Carried, CodeCall, ConnState, EventDetail, EventKind, EventLine, Line, Outcome, Ret, Side};
use std::sync::Arc;

/// What the server believes about the device (§15 **\[choice\]**).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ServerView {
    Connected,
    /// The connection died silently (an outage); the server notices at this instant, after
    /// its keepalive (`keepalive.idle_ms + keepalive.ack_ms`).
    NoticesAt(Instant),
    Disconnected,
}

pub(super) struct AgentSide {
    agent: Agent,
    inbox: Inbox,
    reception: Reception,
    downlink: Downlink,
    view: ServerView,
    /// How long the server takes to notice a silent drop.
    notice: Duration,
    half_rtt: Duration,
    cfg: Config,
}

impl AgentSide {
    /// Compiles the scenario's agent code (refused at load with `file:line:col`), if any.
    pub fn of_scenario(sc: &Scenario, seed: u64) -> Option<Result<AgentSide, String>> {
        let code = crate::agent::code_of(sc)?;
        let agent = match code.and_then(|c| Agent::load(&c, seed, sc.start_epoch)) {
            Ok(a) => a,
            Err(e) => return Some(Err(e.to_string())),
        };
        let rtt = Duration::from_millis(sc.network.rtt_ms);
        let consume = sc.network.consume_bps.unwrap_or(sc.agent.consume_bps).bps();
        Some(Ok(AgentSide {
            agent,
            inbox: Inbox::default(),
            reception: Reception::new(consume),
            downlink: Downlink::new(rtt, sc.network.downlink_bps()),
            view: ServerView::Disconnected,
            notice: Duration::from_millis(sc.keepalive.idle_ms + sc.keepalive.ack_ms),
            half_rtt: Duration::from_micros(rtt.micros / 2),
            cfg: Config::from_scenario(sc),
        }))
    }

    /// The agent is up before the device (t = 0): its main body runs.
    pub fn start(&mut self, dev: &mut Device) {
        let r = self.agent.start(Instant::ZERO, dev.budget_mut());
        let r = r.map_err(|exhausted| crate::budget::Stop::Budget { at: Instant::ZERO, exhausted });
        self.after_agent(Instant::ZERO, r, dev);
    }

    /// After the device acted: the messages its code wrote, in stream order.
    pub fn settle(&mut self, dev: &mut Device) {
        while let Some(m) = dev.poll_agent_message() {
            self.inbox.push(m);
        }
    }

    /// A segment's last byte left the device at `now`; if it reaches the server, it does half
    /// an RTT later (the link's own rule).
    pub fn departed(&mut self, now: Instant, seg: Segment, fate: Fate) {
        if matches!(fate, Fate::Delivered | Fate::AckLost { .. }) {
            self.reception.coming(now + self.half_rtt, seg);
        }
    }

    /// A new connection: a new byte stream, and the server sees the device again.
    pub fn opened(&mut self, now: Instant) {
        self.reception.reset(now);
        self.set_view(ServerView::Connected);
    }

    /// The device's connection closed at `now` (`silent`: in an outage, so no close reached
    /// the server). What the agent had not read is gone with it (L4), and so is every downlink
    /// message not yet arrived.
    pub fn closed(&mut self, now: Instant, silent: bool, dev: &mut Device) {
        // Messages written into this connection in the call that dropped it go with it.
        self.settle(dev);
        for id in self.inbox.reset() {
            dev.record_line(now, event(EventKind::Note, Some(id), None, format!(
                "agent: message {id} was not read to its end before the connection dropped: the agent never gets it (§15, L4)"
            )));
        }
        self.reception.reset(now);
        self.downlink.handle_drop(now);
        self.drain_downlink(dev, "the connection dropped before it arrived (§15)");
        if self.view == ServerView::Connected {
            self.set_view(if silent { ServerView::NoticesAt(now + self.notice) } else { ServerView::Disconnected });
        }
    }

    /// The next instant this side has something to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let notice = match self.view {
            ServerView::NoticesAt(t) => Some(t),
            _ => None,
        };
        [self.agent.poll_timeout(), self.downlink.poll_timeout(), self.reception.poll_timeout(self.inbox.next_end()), notice]
            .into_iter()
            .flatten()
            .min()
    }

    /// Keeps the run going (§13 "pending", §15): agent tasks to run, messages on their way.
    pub fn pending(&self) -> bool {
        self.agent.poll_timeout().is_some() || !self.downlink.is_idle() || self.reception.poll_timeout(self.inbox.next_end()).is_some()
    }

    /// Runs what is due at `now`: the server notices a drop, the agent reads (T5) and runs its
    /// handlers and timers, downlink messages arrive at the device.
    pub fn handle_timeout(&mut self, now: Instant, dev: &mut Device) {
        if matches!(self.view, ServerView::NoticesAt(t) if t <= now) {
            self.set_view(ServerView::Disconnected);
        }
        let read = self.reception.advance(now);
        for m in self.inbox.drained(read) {
            self.agent.receive(now, m.msg, m.name, m.payload);
        }
        let r = self.agent.handle_timeout(now, dev.budget_mut());
        self.after_agent(now, r, dev);
        while let Some(e) = self.downlink.poll(now) {
            match e {
                // The device's code dropped the connection a moment ago, at this instant.
                DownlinkEvent::Received { at, id, .. } if dev.conn_state() != ConnState::Online => {
                    dev.handle_downlink_lost(at, id, || "lost on the downlink: the connection dropped before it arrived (§15)".into())
                }
                DownlinkEvent::Received { at, id, name, payload } => dev.handle_agent_message(at, id, &name, &payload),
                DownlinkEvent::Lost { at, id } => dev.handle_downlink_lost(at, id, || "lost on the downlink (§15)".into()),
            }
        }
    }

    fn set_view(&mut self, view: ServerView) {
        self.view = view;
        self.agent.set_device_connected(view != ServerView::Disconnected);
    }

    /// Writes what the agent did and sends its `device.send` messages down.
    fn after_agent(&mut self, now: Instant, r: Result<(), crate::budget::Stop>, dev: &mut Device) {
        while let Some(e) = self.agent.poll() {
            let at = e.at();
            match e {
                AgentEvent::Call { output: AgentOutput::DeviceSend { name, bytes, payload, file, line }, .. } => {
                    let online = dev.conn_state() == ConnState::Online;
                    let wire = self.cfg.wire_size(name.len(), bytes);
                    let id = self.downlink.send(at, online, wire, name.clone(), payload);
                    let carried = Carried::Message { name: name.into(), bytes };
                    let why = format!("a {wire}-byte message down to the device: rtt/2 + {wire} bytes at downlink_bps (§15)");
                    dev.record_line(at, call(CallKind::DeviceSend, site(&file, line), carried, Some(id), why));
                    self.drain_downlink(dev, "the device was not connected when the agent sent it (§15)");
                }
                AgentEvent::Call { output: AgentOutput::Log { error, text, file, line }, .. } => {
                    let name = if error { CallKind::ServerError } else { CallKind::ServerLog };
                    let why = "agent logs have no send buffer: they never block (§15)".to_string();
                    dev.record_line(at, call(name, site(&file, line), Carried::Text(text.into()), None, why));
                }
                AgentEvent::Received { msg, name, .. } => {
                    let why = format!("the agent read the last byte of message {msg} '{name}': its device.on handler runs (§15, T5)");
                    dev.record_line(at, event(EventKind::AgentReceived, Some(msg), None, why));
                }
                AgentEvent::NoHandler { msg, name, .. } => {
                    let why = format!("agent: no device.on handler for '{name}': message {msg} dropped (§15)");
                    dev.record_line(at, event(EventKind::Note, Some(msg), None, why));
                }
                AgentEvent::Error { error, file, line, watchdog, .. } => {
                    let what = if watchdog { "the watchdog stopped an agent task" } else { "uncaught runtime error in agent code" };
                    let why = format!("{what} at line {line}: {error}; the agent goes on (§15)");
                    let detail = EventDetail::AgentError { error, site: site(&file, line) };
                    dev.record_line(at, event(EventKind::SquirrelError, None, Some(detail), why));
                }
            }
        }
        if let Err(stop) = r {
            dev.halt_from_outside(now, stop);
        }
    }

    /// Losses are known at once (at the send, at the drop): written with why they happened.
    fn drain_downlink(&mut self, dev: &mut Device, why: &str) {
        while let Some(DownlinkEvent::Lost { at, id } | DownlinkEvent::Received { at, id, .. }) = self.downlink.poll_lost() {
            dev.handle_downlink_lost(at, id, || format!("lost on the downlink: {why}"));
        }
    }
}

fn site(file: &str, line: u32) -> CodeSite {
    CodeSite { line, file: (file != AGENT_FILE).then(|| Arc::from(file)) }
}

/// An agent call line (§15: `"side":"agent"` and the agent file's line; agent calls return
/// nothing and never block).
fn call(name: CallKind, site: CodeSite, carried: Carried, msg: Option<u64>, why: String) -> Line {
    Line::Call(CallLine {
        call: name,
        step: 0,
        iter: 0,
        code: Some(CodeCall { site, carried: Some(carried), side: Side::Agent }),
        handler: None,
        outcome: Outcome::Returned(Ret::Null),
        blocked: Duration::ZERO,
        msg,
        rule: Rule::AgentCode,
        why,
    })
}

fn event(kind: EventKind, msg: Option<u64>, detail: Option<EventDetail>, why: String) -> Line {
    Line::Event(EventLine { event: kind, reason: None, handler: None, msg, bytes: None, packets: None, detail, rule: Rule::AgentCode, why })
}
