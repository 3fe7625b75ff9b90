//! How far the agent has read the device's byte stream (T5, for SPEC §15's "when the agent has
//! drained its last byte").
//!
//! Segments reach the server half an RTT after they leave, out of order when one was lost and
//! resent. The agent reads received bytes at `consume_bps` (the same [`AgentReader`] the
//! server's window uses, fed the same arrivals, so both agree), but a message is only whole
//! once every byte up to its end has arrived: the offset the agent has read to is the smaller
//! of the bytes it has read and the contiguous prefix that has arrived (TCP hands the
//! application nothing past a hole).

use crate::buffer::Segment;
use crate::server::AgentReader;
use crate::time::Instant;
use std::collections::{BTreeMap, VecDeque};

#[derive(Clone, Debug)]
pub(super) struct Reception {
    reader: AgentReader,
    /// Segments on their way to the server, by arrival (every path takes the same time).
    coming: VecDeque<(Instant, Segment)>,
    /// Every byte before this offset has arrived.
    prefix: u64,
    /// Segments that arrived past a hole, by start offset: their end.
    beyond: BTreeMap<u64, u64>,
    /// Bytes that arrived (each once) and bytes the agent has read, this connection.
    arrived: u64,
    read: u64,
}

impl Reception {
    pub fn new(consume_bps: Option<u64>) -> Self {
        Reception {
            reader: AgentReader::new(consume_bps, None),
            coming: VecDeque::new(),
            prefix: 0,
            beyond: BTreeMap::new(),
            arrived: 0,
            read: 0,
        }
    }

    /// `seg` reaches the server at `at` (after every segment already coming).
    pub fn coming(&mut self, at: Instant, seg: Segment) {
        self.coming.push_back((at, seg));
    }

    /// A new connection (or none): nothing is on its way, the stream starts at 0.
    pub fn reset(&mut self, now: Instant) {
        self.coming.clear();
        self.prefix = 0;
        self.beyond.clear();
        self.arrived = 0;
        self.read = 0;
        self.reader.reset(now);
    }

    /// Takes in the arrivals due by `now` and reads; returns the stream offset the agent has
    /// read to.
    pub fn advance(&mut self, now: Instant) -> u64 {
        while let Some(&(at, seg)) = self.coming.front().filter(|(at, _)| *at <= now) {
            self.coming.pop_front();
            self.read += self.reader.read(at, self.arrived - self.read);
            self.arrive(seg);
        }
        self.read += self.reader.read(now, self.arrived - self.read);
        self.read.min(self.prefix)
    }

    /// A segment arrives; a resend of bytes already here adds nothing (the server counts a
    /// segment once, as `Server::receive` does).
    fn arrive(&mut self, seg: Segment) {
        let (start, end) = (seg.start, seg.end());
        if end <= self.prefix || self.beyond.contains_key(&start) {
            return;
        }
        self.arrived += u64::from(seg.len);
        if start > self.prefix {
            self.beyond.insert(start, end);
            return;
        }
        self.prefix = end;
        while let Some((&s, &e)) = self.beyond.first_key_value().filter(|(s, _)| **s <= self.prefix) {
            self.beyond.remove(&s);
            self.prefix = self.prefix.max(e);
        }
    }

    /// When the agent will have read to `end` (the next unread message's end), if something
    /// has to happen first: an arrival, or reading at `consume_bps`.
    pub fn poll_timeout(&self, end: Option<u64>) -> Option<Instant> {
        let arrival = self.coming.front().map(|(at, _)| *at);
        let reading = end.filter(|&e| self.prefix >= e && self.read < e).and_then(|e| self.reader.when_read(e - self.read));
        match (arrival, reading) {
            (Some(a), Some(r)) => Some(a.min(r)),
            (a, r) => a.or(r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: u64, len: u32) -> Segment {
        Segment { start, len }
    }

    #[test]
    fn t5_s15_a_hole_holds_back_later_bytes_until_the_resend_fills_it() {
        let mut r = Reception::new(None);
        r.coming(Instant::from_millis(10), seg(0, 100));
        r.coming(Instant::from_millis(20), seg(200, 100));
        assert_eq!(r.advance(Instant::from_millis(20)), 100, "bytes 100..200 are missing");
        r.coming(Instant::from_millis(30), seg(100, 100));
        assert_eq!(r.poll_timeout(Some(300)), Some(Instant::from_millis(30)));
        assert_eq!(r.advance(Instant::from_millis(30)), 300, "the resend fills the hole");
        // A duplicate (its ACK was lost, so it came again) counts once.
        r.coming(Instant::from_millis(40), seg(100, 100));
        assert_eq!(r.advance(Instant::from_millis(40)), 300);
        assert_eq!(r.poll_timeout(Some(300)), None);
    }

    #[test]
    fn t5_s15_a_slow_agent_reads_to_a_message_end_at_consume_bps() {
        // 1000 B/s: 500 bytes arrive at 0 ms; the agent has read 250 of them by 250 ms.
        let mut r = Reception::new(Some(1000));
        r.coming(Instant::ZERO, seg(0, 500));
        assert_eq!(r.advance(Instant::ZERO), 0);
        assert_eq!(r.poll_timeout(Some(250)), Some(Instant::from_millis(250)));
        assert_eq!(r.advance(Instant::from_millis(250)), 250);
        r.reset(Instant::from_millis(300));
        assert_eq!(r.advance(Instant::from_millis(900)), 0, "a new stream starts empty");
    }
}
