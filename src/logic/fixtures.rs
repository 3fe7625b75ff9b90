//! Hand-built traces for the logic tests: the logic layer must not depend on the engine's
//! numbers, only on the trace contract (`impnet_core::trace`).

use impnet_core::time::{Duration, Instant};
use impnet_core::program::CallKind;
use impnet_core::rules::Rule;
use impnet_core::trace::*;

pub fn snap(conn: ConnState, sq: SquirrelState, capacity: u32, unsent: u32, in_flight: u32) -> Snapshot {
    Snapshot {
        conn: Some(conn),
        squirrel: Some(sq),
        capacity,
        unsent,
        in_flight,
        rwnd: 65535,
        ..Snapshot::default()
    }
}

pub fn call(t_ms: u64, name: &'static str, outcome: Outcome, blocked_ms: u64, state: Snapshot) -> Entry {
    Entry {
        t: Instant::from_millis(t_ms),
        line: Line::Call(CallLine {
            call: CallKind::parse(name).expect("a call name"),
            step: 0,
            iter: 0,
            code: None,
            handler: None,
            outcome,
            blocked: Duration::from_millis(blocked_ms),
            msg: None,
            rule: Rule::S1,
            why: String::new(),
        }),
        state,
    }
}

pub fn event(t_ms: u64, kind: EventKind, state: Snapshot) -> Entry {
    Entry {
        t: Instant::from_millis(t_ms),
        line: Line::Event(EventLine {
            event: kind,
            reason: None,
            handler: None,
            msg: None,
            bytes: None,
            packets: None,
            detail: None,
            rule: Rule::T3,
            why: String::new(),
        }),
        state,
    }
}

pub fn ret(i: i64) -> Outcome {
    Outcome::Returned(Ret::Int(i))
}

/// 0 connected, 1 send→0, 2 acked, 3 send→4, 4 send→0 (blocked 300 ms), 5 disconnected,
/// 6 lost, 7 udpsocket.send threw.
pub fn small_trace() -> Trace {
    use ConnState::*;
    use SquirrelState::*;
    let on = |u, f| snap(Online, Running, 3456, u, f);
    let entries = vec![
        event(1500, EventKind::Connected, on(0, 0)),
        call(1600, "agent.send", ret(0), 0, on(0, 1041)),
        event(1700, EventKind::Acked, on(0, 0)),
        call(1800, "server.log", ret(4), 0, on(3000, 456)),
        call(2200, "server.log", ret(0), 300, on(200, 3000)),
        event(3000, EventKind::Disconnected, snap(Offline, Idle, 3456, 0, 0)),
        event(3000, EventKind::Lost, snap(Offline, Idle, 3456, 0, 0)),
        call(4000, "udpsocket.send", Outcome::Error("address out of range".into()), 0, snap(Offline, Idle, 3456, 0, 0)),
    ];
    Trace {
        entries,
        samples: vec![],
        summary: Summary { end: Instant::from_millis(5000), ..Summary::default() },
    }
}

/// `n` entries alternating sends and ACKs, 10 ms apart: the shape of a long streaming run.
pub fn long_trace(n: usize) -> Trace {
    crate::logic::buckets::synthetic_trace(n)
}
