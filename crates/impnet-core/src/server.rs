//! The imp server's end of the TCP connection (SPEC §6, T5): a receive buffer of `rwnd`
//! bytes drained by the agent at `consume_bps`. ACKs advertise the free space at the moment a
//! segment arrives.
//!
//! Arrivals are applied in time order (the link sends one segment at a time and every segment
//! takes the same half RTT), so the server can be advanced lazily to each arrival instant.

use crate::time::Instant;

#[derive(Clone, Debug)]
pub struct Server {
    rwnd: u32,
    /// Agent drain rate, bytes/s; `None` = unlimited (the buffer never holds anything).
    consume_bps: Option<u64>,
    /// Bytes received and not yet read by the agent, as of `at`.
    level: u64,
    at: Instant,
    /// Fraction of a byte the agent has drained but not yet taken, in byte·µs (exact integers
    /// so native and wasm agree).
    credit: u128,
    /// Cumulative bytes handed to the agent.
    pub delivered_total: u64,
}

impl Server {
    pub fn new(rwnd: u32, consume_bps: Option<u64>) -> Self {
        Server { rwnd, consume_bps, level: 0, at: Instant::ZERO, credit: 0, delivered_total: 0 }
    }

    /// A new connection starts with an empty receive buffer.
    pub fn reset(&mut self, now: Instant) {
        self.level = 0;
        self.credit = 0;
        self.at = now;
    }

    fn advance(&mut self, to: Instant) {
        if to <= self.at {
            return;
        }
        let elapsed = (to - self.at).micros as u128;
        self.at = to;
        match self.consume_bps {
            None => self.level = 0,
            Some(bps) => {
                if self.level == 0 {
                    self.credit = 0;
                    return;
                }
                self.credit += elapsed * bps as u128;
                let bytes = (self.credit / 1_000_000).min(self.level as u128) as u64;
                self.credit -= bytes as u128 * 1_000_000;
                self.level -= bytes;
                if self.level == 0 {
                    self.credit = 0;
                }
            }
        }
    }

    /// T5: a segment of `len` bytes arrives at `at`; returns the window its ACK advertises.
    pub fn receive(&mut self, at: Instant, len: u32) -> u32 {
        self.advance(at);
        self.delivered_total += len as u64;
        if self.consume_bps.is_some() {
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
}
