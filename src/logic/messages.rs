//! Messages crossing between device and agent (SPEC §15 trace lines), paired send → end so the
//! timeline can draw one arrow per message.
//!
//! Uplink message N: the device's `agent.send` line with `msg` N, ended by `agent_received` N
//! (its `device.on` handler ran), `lost` N, or a `note` N (no handler, or not read before the
//! connection dropped). Downlink message D: the agent's `device.send` line with `msg` D, ended
//! by `device_received` D, `downlink_lost` D or a `note` D (no `agent.on` handler). The two
//! directions count their ids separately, so a pair is keyed by direction and id. An
//! `agent.send` that returned an error made no message at all (no id): it is kept as `NotSent`,
//! since that reading is lost just the same (the ack-no-resend preset's losses are all these).

use impnet_core::program::CallKind;
use impnet_core::trace::{Entry, EventDetail, EventKind, Line, Side};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    /// Device → agent (`agent.send`).
    Up,
    /// Agent → device (`device.send`).
    Down,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Its handler on the other side ran (`agent_received` / `device_received`).
    Received,
    /// `lost` / `downlink_lost`.
    Lost,
    /// Ended by a `note`: no handler for its name, or the agent never read it.
    Dropped,
    /// The send itself failed (a non-zero return or a throw): it never left the device.
    NotSent,
    /// Still on its way when the run ended.
    Unfinished,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crossing {
    pub dir: Dir,
    /// `None` for a send that failed (`NotSent`).
    pub msg: Option<u64>,
    /// Trace index of the send line.
    pub sent: usize,
    /// Trace index of the line that ended it; `None` while `Unfinished`.
    pub ended: Option<usize>,
    pub fate: Fate,
}

/// Every message sent by one side to the other, in send order.
pub fn crossings(entries: &[Entry]) -> Vec<Crossing> {
    let mut out: Vec<Crossing> = Vec::new();
    let mut open: HashMap<(Dir, u64), usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        match &e.line {
            Line::Call(c) => {
                let side = c.code.as_ref().map_or(Side::Device, |k| k.side);
                let dir = match (c.call, side) {
                    (CallKind::AgentSend, Side::Device) => Dir::Up,
                    (CallKind::DeviceSend, Side::Agent) => Dir::Down,
                    _ => continue,
                };
                match c.msg {
                    Some(msg) => {
                        open.insert((dir, msg), out.len());
                        out.push(Crossing { dir, msg: Some(msg), sent: i, ended: None, fate: Fate::Unfinished });
                    }
                    None => out.push(Crossing { dir, msg: None, sent: i, ended: Some(i), fate: Fate::NotSent }),
                }
            }
            Line::Event(ev) => {
                let Some(msg) = ev.msg else { continue };
                let (dir, fate) = match ev.event {
                    EventKind::AgentReceived => (Dir::Up, Fate::Received),
                    EventKind::Lost => (Dir::Up, Fate::Lost),
                    EventKind::DeviceReceived => (Dir::Down, Fate::Received),
                    EventKind::DownlinkLost => (Dir::Down, Fate::Lost),
                    EventKind::Note if ev.detail == Some(EventDetail::Downlink) => (Dir::Down, Fate::Dropped),
                    EventKind::Note => (Dir::Up, Fate::Dropped),
                    _ => continue,
                };
                if let Some(k) = open.remove(&(dir, msg)) {
                    out[k].ended = Some(i);
                    out[k].fate = fate;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::fixtures::{call, event, ret, snap};
    use impnet_core::trace::{CodeCall, CodeSite, ConnState, SquirrelState};

    fn on() -> impnet_core::trace::Snapshot {
        snap(ConnState::Online, SquirrelState::Idle, 3456, 0, 0)
    }

    fn send(t_ms: u64, kind: CallKind, side: Side, msg: u64) -> Entry {
        let mut e = call(t_ms, "server.log", ret(0), 0, on());
        if let Line::Call(c) = &mut e.line {
            c.call = kind;
            c.msg = Some(msg);
            c.code = Some(CodeCall { site: CodeSite { file: None, line: 1 }, carried: None, side });
        }
        e
    }

    fn ev(t_ms: u64, kind: EventKind, msg: u64, why: &str) -> Entry {
        let mut e = event(t_ms, kind, on());
        if let Line::Event(l) = &mut e.line {
            l.msg = Some(msg);
            l.why = why.into();
        }
        e
    }

    fn fates(c: &[Crossing]) -> Vec<(Dir, u64, usize, Option<usize>, Fate)> {
        c.iter().map(|c| (c.dir, c.msg.unwrap_or(u64::MAX), c.sent, c.ended, c.fate)).collect()
    }

    #[test]
    fn section15_pairs_both_directions_by_direction_and_id() {
        // Uplink 0 and downlink 0 share an id: the direction keeps them apart.
        let t = [
            send(100, CallKind::AgentSend, Side::Device, 0),
            ev(200, EventKind::AgentReceived, 0, ""),
            send(200, CallKind::DeviceSend, Side::Agent, 0),
            ev(260, EventKind::Acked, 0, ""),
            ev(300, EventKind::DeviceReceived, 0, ""),
        ];
        assert_eq!(
            fates(&crossings(&t)),
            [(Dir::Up, 0, 0, Some(1), Fate::Received), (Dir::Down, 0, 2, Some(4), Fate::Received)]
        );
    }

    #[test]
    fn section15_a_lost_downlink_and_a_lost_uplink_are_marked_lost() {
        let t = [
            send(100, CallKind::DeviceSend, Side::Agent, 3),
            ev(100, EventKind::DownlinkLost, 3, "the device was not connected"),
            send(150, CallKind::AgentSend, Side::Device, 7),
            ev(900, EventKind::Lost, 7, ""),
        ];
        assert_eq!(
            fates(&crossings(&t)),
            [(Dir::Down, 3, 0, Some(1), Fate::Lost), (Dir::Up, 7, 2, Some(3), Fate::Lost)]
        );
    }

    #[test]
    fn section15_a_message_not_received_by_the_end_is_unfinished() {
        let t = [send(100, CallKind::AgentSend, Side::Device, 0), ev(180, EventKind::Acked, 0, "")];
        assert_eq!(fates(&crossings(&t)), [(Dir::Up, 0, 0, None, Fate::Unfinished)]);
    }

    #[test]
    fn section13_a_failed_agent_send_is_a_message_that_never_left() {
        let mut failed = call(100, "agent.send", ret(2), 0, on());
        if let Line::Call(c) = &mut failed.line {
            c.code = Some(CodeCall { site: CodeSite { file: None, line: 1 }, carried: None, side: Side::Device });
        }
        assert_eq!(fates(&crossings(&[failed])), [(Dir::Up, u64::MAX, 0, Some(0), Fate::NotSent)]);
    }

    #[test]
    fn section15_notes_end_the_message_of_the_side_that_wrote_them() {
        // The device's note marks its message as a downlink one; the agent side's does not.
        let mut device_note = ev(150, EventKind::Note, 1, "device: no agent.on handler for 'x': agent message d1 dropped");
        if let Line::Event(l) = &mut device_note.line {
            l.detail = Some(EventDetail::Downlink);
        }
        let t = [
            send(100, CallKind::AgentSend, Side::Device, 1),
            send(100, CallKind::DeviceSend, Side::Agent, 1),
            device_note,
            ev(200, EventKind::Note, 1, "agent: no device.on handler for 'y': message 1 dropped (§15)"),
        ];
        assert_eq!(
            fates(&crossings(&t)),
            [(Dir::Up, 1, 0, Some(3), Fate::Dropped), (Dir::Down, 1, 1, Some(2), Fate::Dropped)]
        );
    }

    #[test]
    fn section15_other_calls_and_agent_logs_are_not_messages() {
        let mut log = send(100, CallKind::ServerLog, Side::Agent, 0);
        if let Line::Call(c) = &mut log.line {
            c.msg = None;
        }
        let t = [log, ev(200, EventKind::AgentReceived, 0, "")];
        assert!(crossings(&t).is_empty());
    }
}
