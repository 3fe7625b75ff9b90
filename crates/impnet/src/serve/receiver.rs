//! The server and agent of one connection, sans-IO: what impCloud does with the bytes a device
//! sends (T3, T5). The connection task feeds it frames and the time; it answers with frames to
//! send, the next deadline, and whether to drop the connection.
//!
//! Time is microseconds since the `hello` was accepted. Nothing here reads a clock.
//!
//! The receive buffer is a pair of counters, not bytes: `received_total` (what arrived) and
//! `read_total` (what the agent consumed); unread = received − read ≤ rwnd. Payload bytes are
//! never stored, so a connection costs the same whatever its window. What it does store — ACKs
//! waiting for their delay, announced messages and their names — is held to [`QUEUE_BUDGET`]
//! bytes (issue 13 item 3), counted by what the queues have allocated. Outputs are produced
//! lazily from those queues, so nothing else grows with what a client sends.

use impnet_core::server::AgentReader;
use impnet_core::time::Instant;
use impnet_core::wire::{CloseCode, Knobs, ServerFrame, WireError};
use std::collections::VecDeque;
use std::mem::size_of;

/// Most bytes one connection's queues may hold, whatever its client does; a client that needs
/// more is closed with 1008. A well-behaved device has at most a window of frames in flight.
pub const QUEUE_BUDGET: usize = 64 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnouncedMsg {
    pub id: u64,
    /// Exactly as long as the client sent it (no spare capacity to count).
    pub name: Box<str>,
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

/// An ACK waiting for its delay.
#[derive(Clone, Copy, Debug)]
struct QueuedAck {
    due: u64,
    acked_total: u64,
    /// The window at the segment's arrival (T5).
    window: u32,
}

#[derive(Debug)]
pub struct Receiver {
    knobs: Knobs,
    rwnd: u32,
    reader: AgentReader,
    received_total: u64,
    read_total: u64,
    /// Stream offset where the next announced message starts.
    announced_total: u64,
    msgs: VecDeque<AnnouncedMsg>,
    names_bytes: usize,
    acks: VecDeque<QueuedAck>,
    budget: usize,
    /// The latest time given by any input.
    now: u64,
    /// A delivered message whose log line follows its `delivered` frame.
    to_log: Option<AnnouncedMsg>,
    closing: Option<(CloseCode, String)>,
    closed: bool,
}

impl Receiver {
    /// `knobs` must have passed `Knobs::validate`.
    pub fn new(knobs: Knobs) -> Self {
        Self::with_budget(knobs, QUEUE_BUDGET)
    }

    pub fn with_budget(knobs: Knobs, budget: usize) -> Self {
        let rwnd = knobs.rwnd_or_default();
        let stop = knobs.agent_stop_at_ms.map(|ms| Instant::from_micros(ms.saturating_mul(1000)));
        Receiver {
            reader: AgentReader::new(knobs.consume_bps, stop),
            knobs,
            rwnd,
            received_total: 0,
            read_total: 0,
            announced_total: 0,
            msgs: VecDeque::new(),
            names_bytes: 0,
            acks: VecDeque::new(),
            budget,
            now: 0,
            to_log: None,
            closing: None,
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

    /// Bytes the queues hold now (allocated, not just used): what the budget counts.
    pub fn held_bytes(&self) -> usize {
        self.acks.capacity() * size_of::<QueuedAck>() + self.msgs.capacity() * size_of::<AnnouncedMsg>() + self.names_bytes
    }

    /// Call when a `msg` frame arrives: the message occupies the next `len` stream bytes.
    pub fn handle_msg(&mut self, now: u64, id: u64, name: String, len: u64) {
        if self.closed {
            return;
        }
        self.drain(now);
        let name = name.into_boxed_str();
        if !self.room_for_msg(name.len()) {
            return self.over_budget();
        }
        self.names_bytes += name.len();
        self.announced_total = self.announced_total.saturating_add(len);
        self.msgs.push_back(AnnouncedMsg { id, name, len, end: self.announced_total });
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
        let due = now.saturating_add(self.knobs.delay_ms.unwrap_or(0).saturating_mul(1000));
        let held = self.held_bytes();
        if !grow_within(&mut self.acks, held, self.budget) {
            return self.over_budget();
        }
        self.acks.push_back(QueuedAck { due, acked_total: self.received_total, window });
    }

    /// Call at (or after) the time `poll_timeout` gave, and after any input.
    pub fn handle_timeout(&mut self, now: u64) {
        if self.closed {
            return;
        }
        if let Some(at) = self.knobs.drop_at_ms {
            if now >= at.saturating_mul(1000) {
                return self.close(CloseCode::InjectedFault, format!("fault: drop at {at} ms"));
            }
        }
        self.drain(now);
    }

    /// The next instant `handle_timeout` has work, if any.
    pub fn poll_timeout(&self) -> Option<u64> {
        if self.closed {
            return None;
        }
        [self.acks.front().map(|a| a.due), self.knobs.drop_at_ms.map(|ms| ms.saturating_mul(1000)), self.next_delivery()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Drains one output; call until `None` after every input.
    pub fn poll_output(&mut self) -> Option<Output> {
        if let Some(m) = self.to_log.take() {
            return Some(Output::Delivered(m));
        }
        if self.closed {
            return self.closing.take().map(|(code, why)| Output::Close(code, why));
        }
        if self.msgs.front().is_some_and(|m| m.end <= self.read_total) {
            let m = self.msgs.pop_front().expect("front exists");
            self.names_bytes -= m.name.len();
            let id = m.id;
            self.to_log = Some(m);
            return Some(Output::Send(ServerFrame::Delivered { id }));
        }
        if self.acks.front().is_some_and(|a| a.due <= self.now) {
            let a = self.acks.pop_front().expect("front exists");
            // The stall is judged when the ACK is due to leave.
            let window = if self.stalled(a.due) { 0 } else { a.window };
            return Some(Output::Send(ServerFrame::Ack { acked_total: a.acked_total, window }));
        }
        None
    }

    fn close(&mut self, code: CloseCode, reason: String) {
        self.closed = true;
        self.acks = VecDeque::new();
        self.msgs = VecDeque::new();
        self.names_bytes = 0;
        self.closing = Some((code, reason));
    }

    fn over_budget(&mut self) {
        let why = format!(
            "over the {} KiB budget for queued ACKs and message names ({} ACKs, {} messages waiting)",
            self.budget / 1024,
            self.acks.len(),
            self.msgs.len()
        );
        self.close(CloseCode::Policy, why);
    }

    fn room_for_msg(&mut self, name_len: usize) -> bool {
        let held = self.held_bytes() + name_len;
        held <= self.budget && grow_within(&mut self.msgs, held, self.budget)
    }

    fn stalled(&self, now: u64) -> bool {
        match (self.knobs.stall_at_ms, self.knobs.stall_for_ms) {
            (Some(at), Some(len)) => now >= at * 1000 && now < (at + len) * 1000,
            (Some(at), None) => now >= at * 1000,
            _ => false,
        }
    }

    /// Advances the agent to `now` (T5: it reads at `consume_bps`, or at once, until it stops).
    fn drain(&mut self, now: u64) {
        self.now = self.now.max(now);
        self.read_total += self.reader.read(Instant::from_micros(now), self.unread());
    }

    /// When the agent will have read the head message, at its rate, if it is still reading.
    fn next_delivery(&self) -> Option<u64> {
        let m = self.msgs.front()?;
        self.knobs.consume_bps?;
        if m.end > self.received_total {
            return None; // its bytes have not all arrived: the data frame will wake us
        }
        self.reader.when_read(m.end.saturating_sub(self.read_total)).map(|t| t.micros)
    }
}

/// Makes room for one more item in `q`, doubling its capacity as a deque does but never past
/// `budget` bytes held in all (`held` now). False when not even one more item fits.
fn grow_within<T>(q: &mut VecDeque<T>, held: usize, budget: usize) -> bool {
    if q.len() < q.capacity() {
        return true;
    }
    let fits = budget.saturating_sub(held) / size_of::<T>();
    let grow = q.capacity().max(4).min(fits);
    if grow == 0 {
        return false;
    }
    q.reserve_exact(grow);
    true
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
    fn issue13_3_queues_never_hold_more_than_the_budget() {
        let mut r = Receiver::new(Knobs { delay_ms: Some(60_000), ..Knobs::default() });
        let name = "n".repeat(256);
        let mut t = 0;
        while !r.is_closed() {
            t += 1;
            r.handle_msg(t, t, name.clone(), 1);
            assert!(r.held_bytes() <= QUEUE_BUDGET, "{} after {t} messages", r.held_bytes());
        }
        assert!(t > 100, "a fair number of messages fit: {t}");
        assert!(matches!(drain_all(&mut r).last(), Some(Output::Close(CloseCode::Policy, why)) if why.contains("64 KiB budget")));

        let mut r = Receiver::new(Knobs { delay_ms: Some(60_000), ..Knobs::default() });
        let mut probes = 0;
        while !r.is_closed() {
            probes += 1;
            r.handle_data(probes, 0);
            assert!(r.held_bytes() <= QUEUE_BUDGET);
        }
        assert!(probes > 2000, "{probes}");
        assert_eq!(r.held_bytes(), 0, "a closed connection holds nothing");
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
