//! Virtual time. The core never reads a clock: every instant is counted in microseconds from
//! power-on (`t = 0`), so a run is a pure function of its scenario and seed.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A point in virtual time, in microseconds since power-on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    pub micros: u64,
}

/// A span of virtual time, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    pub micros: u64,
}

impl Instant {
    pub const ZERO: Instant = Instant { micros: 0 };

    pub const fn from_micros(micros: u64) -> Self {
        Instant { micros }
    }

    pub const fn from_millis(ms: u64) -> Self {
        Instant { micros: ms * 1000 }
    }

    /// Time since `earlier`, or zero if `earlier` is later (never panics on a bad order).
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration { micros: self.micros.saturating_sub(earlier.micros) }
    }

    /// Milliseconds as the trace prints them: an integer when whole, else up to 3 decimals.
    pub fn as_ms_number(self) -> serde_json::Number {
        micros_as_ms_number(self.micros)
    }
}

impl Duration {
    pub const ZERO: Duration = Duration { micros: 0 };

    /// The one exponential backoff of the model: this duration doubled `times` times (at most
    /// 2^20, saturating). T4's resends wait `rto.doubled(k − 1)` after the k-th consecutive
    /// loss; §13's zero-window probes `rto.doubled(k)`, up to 60 s.
    pub const fn doubled(self, times: u32) -> Duration {
        let shift = if times < 20 { times } else { 20 };
        Duration { micros: self.micros.saturating_mul(1u64 << shift) }
    }

    /// Time to serialise `len` bytes at `bps` bytes/s, rounded up to the microsecond (T2).
    pub fn serialisation(len: u32, bps: u64) -> Duration {
        let bps = bps.max(1) as u128;
        Duration { micros: (len as u128 * 1_000_000).div_ceil(bps) as u64 }
    }

    pub const fn from_micros(micros: u64) -> Self {
        Duration { micros }
    }

    pub const fn from_millis(ms: u64) -> Self {
        Duration { micros: ms * 1000 }
    }

    /// Whole seconds, or fractional seconds rounded to the nearest microsecond.
    /// Negative and non-finite inputs become zero; callers validate before they get here.
    pub fn from_secs_f64(secs: f64) -> Self {
        if !secs.is_finite() || secs <= 0.0 {
            return Duration::ZERO;
        }
        Duration { micros: (secs * 1_000_000.0).round() as u64 }
    }

    pub fn as_ms_number(self) -> serde_json::Number {
        micros_as_ms_number(self.micros)
    }

    pub fn as_secs_f64(self) -> f64 {
        self.micros as f64 / 1_000_000.0
    }
}

/// `1500000 µs` → `1500`, `1500250 µs` → `1500.25`. The division is correctly rounded and
/// printed shortest-first, so the text is the same on every platform.
fn micros_as_ms_number(micros: u64) -> serde_json::Number {
    if micros % 1000 == 0 {
        serde_json::Number::from(micros / 1000)
    } else {
        serde_json::Number::from_f64(micros as f64 / 1000.0).expect("finite")
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant { micros: self.micros.saturating_add(d.micros) }
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_since(earlier)
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, o: Duration) -> Duration {
        Duration { micros: self.micros.saturating_add(o.micros) }
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_ms_number())
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_ms_number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// T4 and §13 share one backoff: doubling per step, capped at 2^20, never overflowing.
    #[test]
    fn t4_backoff_doubles_and_saturates() {
        let rto = Duration::from_millis(200);
        assert_eq!(rto.doubled(0), rto);
        assert_eq!(rto.doubled(3), Duration::from_millis(1600));
        assert_eq!(rto.doubled(20), rto.doubled(40), "capped at 2^20");
        assert_eq!(Duration::from_micros(u64::MAX).doubled(1).micros, u64::MAX);
    }

    /// T2: serialisation rounds up to the microsecond.
    #[test]
    fn t2_serialisation_rounds_up() {
        assert_eq!(Duration::serialisation(576, 20_000).micros, 28_800);
        assert_eq!(Duration::serialisation(1, 3).micros, 333_334);
        assert_eq!(Duration::serialisation(1, 0).micros, 1_000_000, "a rate of 0 counts as 1 B/s");
    }

    #[test]
    fn spec_1_ms_print_with_up_to_three_decimals() {
        assert_eq!(Instant::from_micros(1_500_000).to_string(), "1500");
        assert_eq!(Instant::from_micros(1_500_250).to_string(), "1500.25");
        assert_eq!(Instant::from_micros(1).to_string(), "0.001");
    }
}
