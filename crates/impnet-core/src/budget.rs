//! The run's work budget (issue 13): one count per run that every unit of model work draws
//! from, so no scenario the loader accepts (nor a share link from a stranger) can keep a CPU
//! busy for minutes.
//!
//! Limits on what a scenario *writes* (calls, outages, bytes) cannot bound what it *does*:
//! handler lists run again at every connect, a datagram of 65 507 bytes is hundreds of packet
//! draws, and a day of virtual time holds millions of keepalives. So the model charges what it
//! does, where it does it: a call executed, a segment sent (first time or again), a UDP packet
//! and its loss draw, a trace line, a turn of the driver's event loop, and (for programs that
//! run code) an instruction. Each kind has a weight in *units* of roughly equal CPU cost
//! (measured with `examples/budget.rs`), and a run has [`Budget::DEFAULT`] units. When a
//! charge does not fit, the run stops where it is with a note and a typed [`Stop`] in its
//! summary, saying which limit and how far it got.

use crate::limits::MAX_CALLBACKS_PER_INSTANT;
use crate::time::Instant;
use std::fmt;

/// What a unit of model work is spent on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Work {
    /// A model call executed (a step, a retry, a call run again after S7).
    Call,
    /// A TCP segment put on the uplink (first transmission or resend).
    Segment,
    /// A UDP packet and its loss draw (U7).
    Packet,
    /// A trace line other than a call's (events, including ones a summary-only run does not
    /// keep, so the budget runs out at the same point either way).
    Event,
    /// A turn of a driver's event loop.
    Turn,
    /// An instruction of a program that runs code (SPEC §14), or an instruction's worth of
    /// the size-proportional work its natives do (`find`, a string `+`, `insert(0)`, a
    /// collection, ...: weighted by bytes and elements, `impnet_squirrel::work`).
    Instruction,
}

impl Work {
    pub const ALL: [Work; 6] = [Work::Call, Work::Segment, Work::Packet, Work::Event, Work::Turn, Work::Instruction];

    /// Units one piece of this work costs: about its CPU time in the model, in units of
    /// ~4 ns native (a packet's loss draw or a VM instruction). `explain`'s §13 choice states
    /// these numbers (a test keeps them in step).
    pub const fn weight(self) -> u64 {
        match self {
            Work::Call => 6,
            Work::Segment => 60,
            Work::Packet => 1,
            Work::Event => 6,
            Work::Turn => 10,
            Work::Instruction => 1,
        }
    }

    /// How the note and the CLI name it (plural).
    pub fn as_str(self) -> &'static str {
        match self {
            Work::Call => "calls",
            Work::Segment => "segments",
            Work::Packet => "UDP packets",
            Work::Event => "events",
            Work::Turn => "loop turns",
            Work::Instruction => "instructions",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// How much of each kind of work a run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally([u64; 6]);

impl Tally {
    pub fn get(&self, w: Work) -> u64 {
        self.0[w.index()]
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for w in Work::ALL {
            let n = self.get(w);
            if n > 0 {
                write!(f, "{}{n} {}", if first { "" } else { ", " }, w.as_str())?;
                first = false;
            }
        }
        if first {
            f.write_str("no work")?;
        }
        Ok(())
    }
}

/// The budget ran out: a charge of `asked` for `work` did not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exhausted {
    pub limit: u64,
    pub work: Work,
    /// What the run had done when it stopped.
    pub done: Tally,
}

/// One run's work budget.
#[derive(Clone, Debug)]
pub struct Budget {
    limit: u64,
    used: u64,
    done: Tally,
}

impl Budget {
    /// The default: about a second of model work native at the measured weights (the worst
    /// accepted scenarios in `examples/budget.rs` stop within 2 s even on a loaded machine),
    /// proportionally more in a browser. The 1 000 000-send bench uses about 15% of it.
    pub const DEFAULT: u64 = crate::limits::WORK_BUDGET;

    pub fn new(limit: u64) -> Self {
        Budget { limit, used: 0, done: Tally::default() }
    }

    /// Charges `n` pieces of `work`; `Err` (charging nothing) when they do not fit.
    pub fn charge(&mut self, work: Work, n: u64) -> Result<(), Exhausted> {
        let cost = n.saturating_mul(work.weight());
        if cost > self.limit - self.used {
            return Err(Exhausted { limit: self.limit, work, done: self.done });
        }
        self.used += cost;
        self.done.0[work.index()] += n;
        Ok(())
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Units spent so far.
    pub fn used(&self) -> u64 {
        self.used
    }

    pub fn done(&self) -> Tally {
        self.done
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(Budget::DEFAULT)
    }
}

/// Squirrel callbacks take no virtual time (§14 "Time"), so one that re-arms
/// `imp.wakeup(0, f)` forever would hold the run at one instant until the trace or the work
/// budget overflows. The device and the agent each count the callbacks begun at the current
/// instant; past `MAX_CALLBACKS_PER_INSTANT` the run stops with [`Stop::Callbacks`].
#[derive(Clone, Copy, Debug, Default)]
pub struct InstantCallbacks {
    at: Instant,
    n: u64,
}

impl InstantCallbacks {
    /// One more callback begins at `at`: `Err` once the instant has seen too many.
    pub fn count(&mut self, at: Instant) -> Result<(), Stop> {
        if self.at != at {
            (self.at, self.n) = (at, 0);
        }
        self.n += 1;
        if self.n > MAX_CALLBACKS_PER_INSTANT {
            return Err(Stop::Callbacks { at, limit: MAX_CALLBACKS_PER_INSTANT });
        }
        Ok(())
    }
}

/// Why a run stopped before its scenario was done (§13 limits, issue 13). Carried in the
/// summary and written as the run's last line, a `note`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// §13: more than `limit` `on_ret` retries.
    Retries { limit: u64 },
    /// The work budget ran out at `at`.
    Budget { at: Instant, exhausted: Exhausted },
    /// §14: more than `limit` callbacks ran at `at` without virtual time moving on (a callback
    /// that re-arms `imp.wakeup(0, f)` forever).
    Callbacks { at: Instant, limit: u64 },
}

impl Stop {
    /// The limit's name in the summary JSON (`"stopped"`).
    pub fn key(&self) -> &'static str {
        match self {
            Stop::Retries { .. } => "retry_limit",
            Stop::Budget { .. } => "work_budget",
            Stop::Callbacks { .. } => "callback_limit",
        }
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Retries { limit } => write!(f, "more than {limit} on_ret retries: the run stops (§13)"),
            Stop::Budget { at, exhausted: e } => write!(
                f,
                "the run's work budget of {} units ran out at {at} ms, needing more for {}, after {}: the run stops (§13, `impnet explain`)",
                e.limit,
                e.work.as_str(),
                e.done
            ),
            Stop::Callbacks { at, limit } => write!(
                f,
                "more than {limit} Squirrel callbacks ran at {at} ms without virtual time moving on (Squirrel runs in zero virtual time, so an imp.wakeup(0, f) that re-arms itself never lets it pass): the run stops (§14)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue13_a_charge_that_does_not_fit_is_refused_whole_and_names_the_work() {
        let mut b = Budget::new(100);
        assert!(b.charge(Work::Packet, 60).is_ok());
        let e = b.charge(Work::Packet, 41).unwrap_err();
        assert_eq!((e.work, e.limit, e.done.get(Work::Packet)), (Work::Packet, 100, 60));
        assert_eq!(b.used(), 60, "a refused charge spends nothing");
        assert!(b.charge(Work::Packet, 40).is_ok());
        assert_eq!(b.used(), 100);
        assert!(b.charge(Work::Packet, u64::MAX).is_err(), "no overflow");
    }

    #[test]
    fn issue13_the_stop_note_says_which_limit_and_how_far_the_run_got() {
        let mut b = Budget::new(Work::Call.weight() * 3);
        for _ in 0..3 {
            b.charge(Work::Call, 1).unwrap();
        }
        let exhausted = b.charge(Work::Call, 1).unwrap_err();
        let s = Stop::Budget { at: Instant::from_millis(1500), exhausted };
        let text = s.to_string();
        assert!(text.contains("work budget") && text.contains("3 calls") && text.contains("1500"), "{text}");
        assert_eq!(s.key(), "work_budget");
    }
}
