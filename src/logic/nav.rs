//! Stepping through a precomputed trace. Every move is an index search over `entries`, so
//! going backwards costs the same as going forwards and nothing is re-simulated.

use impnet_core::program::CallKind;
use impnet_core::trace::{Entry, Line, Outcome, Ret};

/// A move of the cursor, as the step controls and keys name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    First,
    Last,
    PrevEvent,
    NextEvent,
    PrevCall,
    NextCall,
    PrevError,
    NextError,
    To(usize),
}

/// A line a firmware developer would want to stop at: a call that threw, a send that did not
/// return 0, a flush that timed out, bytes lost at a drop, or device code's runtime error.
pub fn is_error(e: &Entry) -> bool {
    match &e.line {
        Line::Call(c) => match &c.outcome {
            Outcome::Error(_) => true,
            Outcome::Returned(Ret::Int(code)) => c.call.returns_send_code() && *code != 0,
            Outcome::Returned(Ret::Bool(b)) => c.call == CallKind::ServerFlush && !*b,
            Outcome::Returned(Ret::Null) => false,
        },
        // §14: an uncaught runtime error in device code stops a task.
        Line::Event(ev) => matches!(ev.event, impnet_core::trace::EventKind::Lost | impnet_core::trace::EventKind::SquirrelError),
    }
}

fn is_call(e: &Entry) -> bool {
    matches!(e.line, Line::Call(_))
}

fn search_fwd(entries: &[Entry], from: usize, pred: impl Fn(&Entry) -> bool) -> Option<usize> {
    entries.iter().enumerate().skip(from + 1).find(|(_, e)| pred(e)).map(|(i, _)| i)
}

fn search_back(entries: &[Entry], from: usize, pred: impl Fn(&Entry) -> bool) -> Option<usize> {
    entries[..from.min(entries.len())].iter().rposition(pred)
}

/// Where `nav` moves a cursor at `cur`. With nothing to move to, the cursor stays put.
pub fn apply(entries: &[Entry], cur: usize, nav: Nav) -> usize {
    if entries.is_empty() {
        return 0;
    }
    let last = entries.len() - 1;
    let cur = cur.min(last);
    let found = match nav {
        Nav::First => Some(0),
        Nav::Last => Some(last),
        Nav::PrevEvent => cur.checked_sub(1),
        Nav::NextEvent => (cur < last).then_some(cur + 1),
        Nav::PrevCall => search_back(entries, cur, is_call),
        Nav::NextCall => search_fwd(entries, cur, is_call),
        Nav::PrevError => search_back(entries, cur, is_error),
        Nav::NextError => search_fwd(entries, cur, is_error),
        Nav::To(i) => Some(i.min(last)),
    };
    found.unwrap_or(cur)
}

/// The entry at or just before virtual time `t_us` (where a re-run keeps the cursor).
pub fn index_at_time(entries: &[Entry], t_us: u64) -> usize {
    entries.partition_point(|e| e.t.micros <= t_us).saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::fixtures::*;

    #[test]
    fn stepping_moves_one_entry_and_stops_at_the_ends() {
        let t = small_trace();
        let n = t.entries.len();
        assert_eq!(apply(&t.entries, 0, Nav::NextEvent), 1);
        assert_eq!(apply(&t.entries, 1, Nav::PrevEvent), 0);
        assert_eq!(apply(&t.entries, 0, Nav::PrevEvent), 0);
        assert_eq!(apply(&t.entries, n - 1, Nav::NextEvent), n - 1);
        assert_eq!(apply(&t.entries, 3, Nav::First), 0);
        assert_eq!(apply(&t.entries, 0, Nav::Last), n - 1);
        assert_eq!(apply(&t.entries, 0, Nav::To(10_000)), n - 1);
    }

    #[test]
    fn call_stepping_skips_events_both_ways() {
        // small_trace: 0 connected, 1 call(0), 2 acked, 3 call(4), 4 call(0), 5 disconnected,
        // 6 lost, 7 call(err)
        let t = small_trace();
        assert_eq!(apply(&t.entries, 0, Nav::NextCall), 1);
        assert_eq!(apply(&t.entries, 1, Nav::NextCall), 3);
        assert_eq!(apply(&t.entries, 5, Nav::PrevCall), 4);
        assert_eq!(apply(&t.entries, 1, Nav::PrevCall), 1, "no earlier call: stay");
        assert_eq!(apply(&t.entries, 7, Nav::NextCall), 7);
    }

    #[test]
    fn s2_next_error_stops_at_wouldblock_then_lost_bytes_then_throw() {
        let t = small_trace();
        assert_eq!(apply(&t.entries, 0, Nav::NextError), 3, "ret 4 (S2)");
        assert_eq!(apply(&t.entries, 3, Nav::NextError), 6, "lost bytes (L4)");
        assert_eq!(apply(&t.entries, 6, Nav::NextError), 7, "a throw (§13 Errors)");
        assert_eq!(apply(&t.entries, 7, Nav::PrevError), 6);
    }

    #[test]
    fn index_at_time_finds_the_entry_at_or_before() {
        let t = small_trace();
        assert_eq!(index_at_time(&t.entries, 0), 0);
        let t3 = t.entries[3].t.micros;
        assert_eq!(index_at_time(&t.entries, t3), 3);
        assert_eq!(index_at_time(&t.entries, t3 + 1), 3);
        assert_eq!(index_at_time(&t.entries, t3 - 1), 2);
        assert_eq!(index_at_time(&t.entries, u64::MAX), t.entries.len() - 1);
    }

    #[test]
    fn empty_trace_never_panics() {
        assert_eq!(apply(&[], 5, Nav::NextError), 0);
        assert_eq!(index_at_time(&[], 10), 0);
    }
}
