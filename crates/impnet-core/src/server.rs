//! The imp server's end of the TCP connection (SPEC §6, T5): a receive buffer of `rwnd`
//! bytes drained by the agent at `consume_bps`. ACKs advertise the free space at the moment a
//! segment arrives.
//!
//! Arrivals are applied in time order (the link sends one segment at a time and every segment
//! takes the same half RTT), so the server can be advanced lazily to each arrival instant.

use crate::time::Instant;

/// The agent reading its receive buffer (T5): at once, or at `consume_bps`, until it stops.
/// One implementation for the simulated server below and `impnet serve`'s live agent.
///
/// Reading is lazy: `read` advances the agent to an instant and says how many of the unread
/// bytes it has taken by then. Fractions of a byte are kept as exact integer credit
/// (byte·µs/s, i.e. bytes × 1e6), so native and wasm agree and slow rates lose nothing.
#[derive(Clone, Debug)]
pub struct AgentReader {
    /// `None` = unlimited: everything that arrives is read at once.
    consume_bps: Option<u64>,
    /// The agent reads nothing from this instant on.
    stop_at: Option<Instant>,
    credit: u128,
    at: Instant,
}

impl AgentReader {
    pub fn new(consume_bps: Option<u64>, stop_at: Option<Instant>) -> Self {
        AgentReader { consume_bps, stop_at, credit: 0, at: Instant::ZERO }
    }

    /// Advances the agent to `to` with `unread` bytes waiting; returns how many it reads.
    pub fn read(&mut self, to: Instant, unread: u64) -> u64 {
        let until = self.stop_at.map_or(to, |s| s.min(to));
        let Some(bps) = self.consume_bps else {
            self.at = self.at.max(until);
            return if self.stop_at.is_some_and(|s| to >= s) { 0 } else { unread };
        };
        if until <= self.at {
            return 0;
        }
        self.credit += u128::from(bps) * u128::from((until - self.at).micros);
        self.at = until;
        let take = ((self.credit / 1_000_000) as u64).min(unread);
        // An agent with nothing left to read banks no credit.
        self.credit = if take == unread { 0 } else { self.credit - u128::from(take) * 1_000_000 };
        take
    }

    /// The instant by which the agent will have read `bytes` more (all of them waiting), or
    /// `None` if it never will (it stops first). Unlimited reading is immediate.
    pub fn when_read(&self, bytes: u64) -> Option<Instant> {
        let stopped = self.stop_at.is_some_and(|s| self.at >= s);
        let Some(bps) = self.consume_bps else {
            return (!stopped).then_some(self.at);
        };
        let need = u128::from(bytes) * 1_000_000;
        if bps == 0 {
            return (need <= self.credit).then_some(self.at);
        }
        let wait = need.saturating_sub(self.credit).div_ceil(u128::from(bps));
        let at = Instant::from_micros(self.at.micros.checked_add(u64::try_from(wait).ok()?)?);
        match self.stop_at {
            Some(stop) if at > stop => None,
            _ => Some(at),
        }
    }

    /// A new connection: nothing banked.
    pub fn reset(&mut self, now: Instant) {
        self.credit = 0;
        self.at = now;
    }
}

#[derive(Clone, Debug)]
pub struct Server {
    rwnd: u32,
    reader: AgentReader,
    /// Bytes received and not yet read by the agent, as of the last `advance`.
    level: u64,
    /// Cumulative bytes handed to the agent.
    pub delivered_total: u64,
}

impl Server {
    pub fn new(rwnd: u32, consume_bps: Option<u64>) -> Self {
        Server { rwnd, reader: AgentReader::new(consume_bps, None), level: 0, delivered_total: 0 }
    }

    /// A new connection starts with an empty receive buffer.
    pub fn reset(&mut self, now: Instant) {
        self.level = 0;
        self.reader.reset(now);
    }

    fn advance(&mut self, to: Instant) {
        self.level -= self.reader.read(to, self.level);
    }

    /// T5: a segment of `len` bytes arrives at `at`; returns the window its ACK advertises.
    pub fn receive(&mut self, at: Instant, len: u32) -> u32 {
        self.advance(at);
        self.delivered_total += len as u64;
        if self.reader.consume_bps.is_some() {
            // The sender never exceeds the advertised window, so this never clips in practice.
            self.level = (self.level + len as u64).min(self.rwnd as u64);
        }
        self.window_at(at)
    }

    /// The free receive space at `at` (what a window probe or keepalive answer carries).
    pub fn window_at(&mut self, at: Instant) -> u32 {
        self.advance(at);
        self.rwnd - self.level.min(self.rwnd as u64) as u32
    }

    pub fn rwnd(&self) -> u32 {
        self.rwnd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t5_unlimited_agent_keeps_full_window() {
        let mut s = Server::new(65535, None);
        assert_eq!(s.receive(Instant::from_millis(50), 576), 65535);
    }

    #[test]
    fn t5_window_shrinks_then_drains_at_consume_rate() {
        let mut s = Server::new(10_000, Some(1000));
        assert_eq!(s.receive(Instant::from_millis(0), 4000), 6000);
        assert_eq!(s.receive(Instant::from_millis(1000), 4000), 3000);
        assert_eq!(s.window_at(Instant::from_millis(8000)), 10_000);
    }

    #[test]
    fn t5_stopped_agent_gives_zero_window() {
        let mut s = Server::new(1000, Some(0));
        assert_eq!(s.receive(Instant::from_millis(1), 1000), 0);
        assert_eq!(s.window_at(Instant::from_millis(100_000)), 0);
    }

    #[test]
    fn t5_agent_reader_stops_at_its_stop_time_and_says_when_it_will_have_read() {
        let mut r = AgentReader::new(Some(1000), Some(Instant::from_millis(500)));
        assert_eq!(r.when_read(300), Some(Instant::from_millis(300)));
        assert_eq!(r.read(Instant::from_millis(200), 1000), 200);
        assert_eq!(r.when_read(400), None, "it stops at 500 ms, 300 bytes later");
        assert_eq!(r.read(Instant::from_millis(900), 800), 300);
        assert_eq!(r.read(Instant::from_millis(5000), 500), 0);
        let mut unlimited = AgentReader::new(None, Some(Instant::from_millis(10)));
        assert_eq!(unlimited.read(Instant::from_millis(5), 77), 77);
        assert_eq!(unlimited.read(Instant::from_millis(10), 77), 0);
    }
}
