//! The device's deadlines as one table: each timer is an `Option<Instant>` slot named by
//! [`Timer`], instead of loose fields spread over the device.
//!
//! The order of [`Timer`]'s variants is the order in which `Device::handle_timeout` checks
//! them within one instant (boot start, connection attempt, deep sleep, keepalive, window
//! probe, then the blocked call), and [`Timers::next`] breaks ties the same way, so an
//! earlier timer in this order always runs first when two fall due together.

use crate::time::Instant;

/// One deadline of the device. Declaration order is the check order (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timer {
    /// L1 / §14: Squirrel starts (power-on, after an error, after a deep sleep).
    SquirrelStart,
    /// The running connection attempt gives up (L1, C1, C5, S7).
    ConnectAttempt,
    /// §14 / S7: the device wakes from deep sleep.
    DeepSleepEnd,
    /// L2: a keepalive is sent after `ka_idle` of silence, and the link is lost when its
    /// answer is `ka_ack` late.
    Keepalive,
    /// §13: the next zero-window probe.
    ZeroWindowProbe,
    /// The blocked call's deadline (S3, S4, S9, C4, `imp.sleep`).
    Wait,
}

impl Timer {
    const COUNT: usize = 6;
    /// Every timer, in check order.
    pub const ALL: [Timer; Timer::COUNT] =
        [Timer::SquirrelStart, Timer::ConnectAttempt, Timer::DeepSleepEnd, Timer::Keepalive, Timer::ZeroWindowProbe, Timer::Wait];
}

/// The deadlines, one slot per [`Timer`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Timers([Option<Instant>; Timer::COUNT]);

impl Timers {
    pub fn set(&mut self, timer: Timer, at: Instant) {
        self.0[timer as usize] = Some(at);
    }

    /// Sets or clears.
    pub fn put(&mut self, timer: Timer, at: Option<Instant>) {
        self.0[timer as usize] = at;
    }

    pub fn clear(&mut self, timer: Timer) {
        self.0[timer as usize] = None;
    }

    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.0[timer as usize]
    }

    /// Is `timer` set and due at `now`?
    pub fn due(&self, timer: Timer, now: Instant) -> bool {
        self.get(timer).is_some_and(|t| t <= now)
    }

    /// The earliest timer set; of equal instants, the first in check order.
    pub fn next(&self) -> Option<(Timer, Instant)> {
        let mut best: Option<(Timer, Instant)> = None;
        for timer in Timer::ALL {
            if let Some(at) = self.get(timer) {
                if best.is_none_or(|(_, b)| at < b) {
                    best = Some((timer, at));
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Instant {
        Instant::from_millis(n)
    }

    #[test]
    fn empty_table_has_no_next_timer() {
        assert_eq!(Timers::default().next(), None);
    }

    #[test]
    fn next_is_the_earliest_set_timer() {
        let mut t = Timers::default();
        t.set(Timer::Wait, ms(50));
        t.set(Timer::Keepalive, ms(30));
        t.set(Timer::SquirrelStart, ms(40));
        assert_eq!(t.next(), Some((Timer::Keepalive, ms(30))));
        t.clear(Timer::Keepalive);
        assert_eq!(t.next(), Some((Timer::SquirrelStart, ms(40))));
        assert_eq!(t.get(Timer::Keepalive), None);
    }

    /// SPEC §13 "Limits": within one instant the device checks its deadlines in a fixed
    /// order; `next` breaks ties in that order whichever way the table was filled.
    #[test]
    fn ties_go_to_the_first_timer_in_check_order() {
        for first in 0..Timer::ALL.len() {
            let mut t = Timers::default();
            for timer in Timer::ALL.iter().skip(first).rev() {
                t.set(*timer, ms(7));
            }
            assert_eq!(t.next(), Some((Timer::ALL[first], ms(7))));
        }
    }

    #[test]
    fn due_means_set_and_not_later_than_now() {
        let mut t = Timers::default();
        assert!(!t.due(Timer::ZeroWindowProbe, ms(0)));
        t.put(Timer::ZeroWindowProbe, Some(ms(10)));
        assert!(!t.due(Timer::ZeroWindowProbe, ms(9)));
        assert!(t.due(Timer::ZeroWindowProbe, ms(10)));
        t.put(Timer::ZeroWindowProbe, None);
        assert!(!t.due(Timer::ZeroWindowProbe, ms(10)));
    }
}
