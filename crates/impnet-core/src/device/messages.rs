//! The device's end of the messages between device code and agent code (SPEC §15): what
//! `agent.send` hands on (a message's value and where it ends in the byte stream), and what
//! arrives from the agent (`agent.on` runs as a callback task). The agent itself, the server's
//! reading and the downlink are the simulation's (`crate::sim::agent_side`).

use super::{Device, Vm};
use crate::rules::Rule;
use crate::agent::inbox::Inbound;
use crate::agent::Payload;
use crate::budget::{Budget, Stop, Work};
use crate::program::{Call, Program};
use crate::time::Instant;
use crate::trace::{Entry, EventDetail, EventKind, EventLine, Handler, Line};

impl Device {
    /// Message `id` of the current call just entered the buffer: if code sent a value, the
    /// agent gets it once it has read the message's last byte (T5).
    pub(super) fn uplinked(&mut self, id: u64) {
        let Some(Call::AgentSend { name, value: Some(value), .. }) = self.cur.as_ref().map(|c| &c.call) else { return };
        let Some(m) = self.buf.last_message().filter(|m| m.id == id) else { return };
        let end = m.start + u64::from(m.len);
        self.to_agent.push_back(Inbound { msg: id, name: name.to_string(), payload: (**value).clone(), end });
    }

    /// The next message code sent to the agent, in stream order. Drain it after every turn
    /// (a run without agent code drops them).
    pub fn poll_agent_message(&mut self) -> Option<Inbound> {
        self.to_agent.pop_front()
    }

    /// §15: agent message `id` reached the device at `now`. Its `agent.on` handler runs as a
    /// callback task when Squirrel is idle (`device_received`); with no handler (or no Squirrel
    /// running) it is dropped with a note.
    pub fn handle_agent_message(&mut self, now: Instant, id: u64, name: &str, value: &Payload) {
        let callback = if self.vm == Vm::Alive { self.program.agent_message(name, value) } else { None };
        match callback {
            Some(cb) => {
                self.event(now, EventKind::DeviceReceived, None, Some(id), None, None, Rule::AgentCode, || {
                    format!("agent message d{id} '{name}' arrived: its agent.on handler runs when Squirrel is idle")
                });
                self.queue_callback(now, cb, Handler::AgentOn, None);
                self.drive(now);
            }
            None => {
                if self.charge(now, Work::Event, 1) && self.lines {
                    let why = format!("device: no agent.on handler for '{name}': agent message d{id} dropped");
                    let line = EventLine {
                        event: EventKind::Note,
                        reason: None,
                        handler: None,
                        msg: Some(id),
                        bytes: None,
                        packets: None,
                        detail: Some(EventDetail::Downlink),
                        rule: Rule::AgentCode,
                        why,
                    };
                    self.record_event(now, line);
                }
            }
        }
    }

    /// §15: agent message `id` was lost on its way down (`downlink_lost`).
    pub fn handle_downlink_lost(&mut self, now: Instant, id: u64, why: impl FnOnce() -> String) {
        self.event(now, EventKind::DownlinkLost, None, Some(id), None, None, Rule::AgentCode, why);
    }

    /// Writes a line another part of the model made (the agent's), with the device's state,
    /// paid for as an event.
    pub fn record_line(&mut self, now: Instant, line: Line) {
        if self.charge(now, Work::Event, 1) && self.lines {
            let state = self.snapshot(now);
            self.events.push_back(Entry { t: now, line, state });
        }
    }

    /// The run's budget, for the agent's instructions (one budget per run, issue 13).
    pub fn budget_mut(&mut self) -> &mut Budget {
        &mut self.budget
    }

    /// Work done outside the device (the agent) stopped the run (its budget ran out, its
    /// callbacks held time still): the run stops with a note.
    pub fn halt_from_outside(&mut self, now: Instant, stop: Stop) {
        if self.stop.is_none() {
            self.halt(now, stop);
        }
    }
}
