//! The server and agent of one connection, sans-IO: what impCloud does with the bytes a device
//! sends (T3, T5). The connection task feeds it frames and the time; it answers with frames to
//! send, the next deadline, and whether to drop the connection.
//!
//! Time is microseconds since the `hello` was accepted. Nothing here reads a clock.
//!
//! The receive buffer is a pair of counters, not bytes: `received_total` (what arrived) and
//! `read_total` (what the agent consumed); unread = received − read ≤ rwnd. Payload bytes are
//! never stored, so a connection costs the same whatever its window.

use impnet_core::wire::{CloseCode, Knobs, ServerFrame, WireError};
use std::collections::VecDeque;

/// Undelivered `msg` announcements a connection may have outstanding. A device announces a
/// message when its first byte goes out, so a well-behaved one stays far below this.
pub const MAX_PENDING_MSGS: usize = 4096;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnouncedMsg {
    pub id: u64,
    pub name: String,
    pub len: u64,
    /// Stream offset one past its last byte.
    pub end: u64,
}

/// What the connection task should do next (drained by `poll_output`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    Send(ServerFrame),
    /// The agent read the whole of this message (for the log).
    Delivered(AnnouncedMsg),
    /// Close the connection with this code and reason; nothing more will be produced.
    Close(CloseCode, String),
}

#[derive(Debug)]
pub struct Receiver {
    knobs: Knobs,
    rwnd: u32,
    received_total: u64,
    read_total: u64,
    /// Agent drain credit in byte·µs/s units (bytes × 1e6), so slow rates lose nothing to rounding.
    drain_credit: u128,
    drained_at: u64,
    /// Stream offset where the next announced message starts.
    announced_total: u64,
    msgs: VecDeque<AnnouncedMsg>,
    /// ACKs waiting for their delay: (due, acked_total, window at arrival).
    acks: VecDeque<(u64, u64, u32)>,
    out: VecDeque<Output>,
    closed: bool,
}

impl Receiver {
    /// `knobs` must have passed `Knobs::validate`.
    pub fn new(knobs: Knobs) -> Self {
        let rwnd = knobs.rwnd_or_default();
        Receiver {
            knobs,
            rwnd,
            received_total: 0,
            read_total: 0,
            drain_credit: 0,
            drained_at: 0,
            announced_total: 0,
            msgs: VecDeque::new(),
            acks: VecDeque::new(),
            out: VecDeque::new(),
            closed: false,
        }
    }

    pub fn knobs(&self) -> &Knobs {
        &self.knobs
    }

    pub fn received_total(&self) -> u64 {
        self.received_total
    }

    pub fn unread(&self) -> u64 {
        self.received_total - self.read_total
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Call when a `msg` frame arrives: the message occupies the next `len` stream bytes.
    pub fn handle_msg(&mut self, now: u64, id: u64, name: String, len: u64) {
        if self.closed {
            return;
        }
        self.drain(now);
        if self.msgs.len() >= MAX_PENDING_MSGS {
            return self.close(CloseCode::Policy, format!("more than {MAX_PENDING_MSGS} undelivered messages announced"));
        }
        self.announced_total = self.announced_total.saturating_add(len);
        self.msgs.push_back(AnnouncedMsg { id, name, len, end: self.announced_total });
        self.deliver_read();
    }

    /// Call when a data frame of `bytes` arrives. Zero bytes is a window probe: it is ACKed
    /// like a segment (§13 "Transmission": the probe fetches the current window).
    pub fn handle_data(&mut self, now: u64, bytes: u64) {
        if self.closed {
            return;
        }
        self.drain(now);
        self.received_total += bytes;
        if let Some(limit) = self.knobs.drop_after_bytes {
            if self.received_total >= limit {
                return self.close(CloseCode::InjectedFault, format!("fault: drop after {limit} bytes"));
            }
        }
        if self.unread() > u64::from(self.rwnd) {
            let e = WireError::WindowOverrun { unread: self.unread(), rwnd: self.rwnd };
            return self.close(e.close_code(), e.to_string());
        }
        self.drain(now);
        let window = (u64::from(self.rwnd) - self.unread()) as u32;
        let due = now + self.knobs.delay_ms.unwrap_or(0) * 1000;
        // Bounded: each queued ACK covers at least one frame the window admitted, and a frame
        // costs the peer a round of the socket; the cap below guards against zero-byte floods.
        if self.acks.len() >= 65536 {
            return self.close(CloseCode::Policy, "too many frames awaiting their ACK delay".into());
        }
        self.acks.push_back((due, self.received_total, window));
        self.handle_timeout(now);
    }

    /// Call at (or after) the time `poll_timeout` gave, and after any input.
    pub fn handle_timeout(&mut self, now: u64) {
        if self.closed {
            return;
        }
        if let Some(at) = self.knobs.drop_at_ms {
            if now >= at * 1000 {
                return self.close(CloseCode::InjectedFault, format!("fault: drop at {at} ms"));
            }
        }
        self.drain(now);
        while let Some(&(due, acked_total, window)) = self.acks.front() {
            if due > now {
                break;
            }
            self.acks.pop_front();
            let window = if self.stalled(now) { 0 } else { window };
            self.out.push_back(Output::Send(ServerFrame::Ack { acked_total, window }));
        }
    }

    /// The next instant `handle_timeout` has work, if any.
    pub fn poll_timeout(&self) -> Option<u64> {
        if self.closed {
            return None;
        }
        let mut next: Option<u64> = self.acks.front().map(|a| a.0);
        let mut consider = |t: Option<u64>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        consider(self.knobs.drop_at_ms.map(|ms| ms * 1000));
        consider(self.next_delivery());
        next
    }

    /// Drains one output; call until `None` after every input.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    fn close(&mut self, code: CloseCode, reason: String) {
        self.closed = true;
        self.acks.clear();
        self.out.push_back(Output::Close(code, reason));
    }

    fn stalled(&self, now: u64) -> bool {
        match (self.knobs.stall_at_ms, self.knobs.stall_for_ms) {
            (Some(at), Some(len)) => now >= at * 1000 && now < (at + len) * 1000,
            (Some(at), None) => now >= at * 1000,
            _ => false,
        }
    }

    /// Advances the agent to `now`: it reads at `consume_bps` (or at once) until it stops.
    fn drain(&mut self, now: u64) {
        let stop = self.knobs.agent_stop_at_ms.map(|s| s * 1000);
        match self.knobs.consume_bps {
            None => {
                if stop.is_none_or(|s| now < s) {
                    self.read_total = self.received_total;
                }
            }
            Some(bps) => {
                let until = stop.map_or(now, |s| now.min(s));
                if until > self.drained_at {
                    self.drain_credit += u128::from(bps) * u128::from(until - self.drained_at);
                    let take = ((self.drain_credit / 1_000_000) as u64).min(self.unread());
                    self.read_total += take;
                    // An agent with nothing to read banks no credit.
                    self.drain_credit =
                        if self.unread() == 0 { 0 } else { self.drain_credit - u128::from(take) * 1_000_000 };
                    self.drained_at = until;
                }
            }
        }
        self.deliver_read();
    }

    fn deliver_read(&mut self) {
        while let Some(m) = self.msgs.front() {
            if m.end > self.read_total {
                break;
            }
            let m = self.msgs.pop_front().expect("front exists");
            self.out.push_back(Output::Send(ServerFrame::Delivered { id: m.id }));
            self.out.push_back(Output::Delivered(m));
        }
    }

    /// When the agent will have read the head message, at its rate, if it is still reading.
    fn next_delivery(&self) -> Option<u64> {
        let m = self.msgs.front()?;
        let bps = self.knobs.consume_bps?;
        if m.end > self.received_total {
            return None; // its bytes have not all arrived: the data frame will wake us
        }
        let need = (m.end - self.read_total) as u128 * 1_000_000;
        let wait = need.saturating_sub(self.drain_credit).div_ceil(u128::from(bps)) as u64;
        let at = self.drained_at + wait;
        match self.knobs.agent_stop_at_ms {
            Some(stop) if at > stop * 1000 => None,
            _ => Some(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain_all(r: &mut Receiver) -> Vec<Output> {
        std::iter::from_fn(|| r.poll_output()).collect()
    }

    fn acks(out: &[Output]) -> Vec<(u64, u32)> {
        out.iter()
            .filter_map(|o| match o {
                Output::Send(ServerFrame::Ack { acked_total, window }) => Some((*acked_total, *window)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn t3_each_segment_is_acked_after_the_delay() {
        let mut r = Receiver::new(Knobs { delay_ms: Some(100), ..Knobs::default() });
        r.handle_data(0, 576);
        r.handle_data(10_000, 576);
        assert!(acks(&drain_all(&mut r)).is_empty());
        assert_eq!(r.poll_timeout(), Some(100_000));
        r.handle_timeout(100_000);
        assert_eq!(acks(&drain_all(&mut r)), vec![(576, 65535)]);
        r.handle_timeout(110_000);
        assert_eq!(acks(&drain_all(&mut r)), vec![(1152, 65535)]);
    }

    #[test]
    fn t5_window_is_rwnd_minus_unread_and_agent_drains_at_its_rate() {
        let mut r = Receiver::new(Knobs { rwnd: Some(2000), consume_bps: Some(1000), ..Knobs::default() });
        r.handle_msg(0, 0, "a".into(), 1500);
        r.handle_data(0, 1500);
        assert_eq!(acks(&drain_all(&mut r)), vec![(1500, 500)]);
        // 1.5 s later the agent has read it all: delivered, and a probe sees the full window.
        assert_eq!(r.poll_timeout(), Some(1_500_000));
        r.handle_timeout(1_500_000);
        let out = drain_all(&mut r);
        assert!(out.contains(&Output::Send(ServerFrame::Delivered { id: 0 })));
        r.handle_data(1_500_000, 0);
        assert_eq!(acks(&drain_all(&mut r)), vec![(1500, 2000)]);
    }

    #[test]
    fn t5_agent_that_stops_reading_closes_the_window() {
        let mut r = Receiver::new(Knobs { rwnd: Some(1000), agent_stop_at_ms: Some(0), ..Knobs::default() });
        r.handle_data(0, 600);
        r.handle_data(1_000, 400);
        assert_eq!(acks(&drain_all(&mut r)), vec![(600, 400), (1000, 0)]);
        // Past the window: the server refuses to hold it.
        r.handle_data(2_000, 1);
        match drain_all(&mut r).last() {
            Some(Output::Close(CloseCode::Policy, why)) => assert!(why.contains("advertised window"), "{why}"),
            o => panic!("expected a policy close, got {o:?}"),
        }
        assert!(r.is_closed());
    }

    #[test]
    fn stall_knob_advertises_zero_window_for_its_span() {
        let mut r = Receiver::new(Knobs { stall_at_ms: Some(10), stall_for_ms: Some(10), ..Knobs::default() });
        r.handle_data(5_000, 10);
        r.handle_data(15_000, 10);
        r.handle_data(25_000, 10);
        assert_eq!(acks(&drain_all(&mut r)), vec![(10, 65535), (20, 0), (30, 65535)]);
    }

    #[test]
    fn drop_knobs_close_with_the_fault_code() {
        let mut r = Receiver::new(Knobs { drop_after_bytes: Some(1000), ..Knobs::default() });
        r.handle_data(0, 999);
        r.handle_data(0, 1);
        assert_eq!(drain_all(&mut r).last(), Some(&Output::Close(CloseCode::InjectedFault, "fault: drop after 1000 bytes".into())));
        let mut r = Receiver::new(Knobs { drop_at_ms: Some(50), ..Knobs::default() });
        assert_eq!(r.poll_timeout(), Some(50_000));
        r.handle_timeout(50_000);
        assert_eq!(drain_all(&mut r), vec![Output::Close(CloseCode::InjectedFault, "fault: drop at 50 ms".into())]);
        assert_eq!(r.poll_timeout(), None);
    }

    #[test]
    fn slow_agent_reads_exact_bytes_over_many_small_steps() {
        let mut r = Receiver::new(Knobs { consume_bps: Some(3), ..Knobs::default() });
        r.handle_data(0, 10);
        for t in 1..=1000u64 {
            r.handle_timeout(t * 1000); // 1 s in 1 ms steps: 3 bytes, no rounding loss
        }
        assert_eq!(r.unread(), 7);
    }
}
