//! The device's TCP send buffer (SPEC §6, T1) with per-message accounting.
//!
//! Bytes are numbered by their offset in the connection's byte stream. The buffer holds every
//! written byte until the server ACKs it:
//!
//! ```text
//!        acked (freed)      |   in flight (sent, not ACKed; lost ones wait for a resend)  |  unsent
//!  ... ---------------------+-------------------------------------------------------------+----------|
//!                                                                                   next_new     written
//! ```
//!
//! ACKs are per segment (§13), so a resent segment may be ACKed after later ones: the in-flight
//! range is counted, not kept contiguous. Free space = capacity − (unsent + in flight).

use std::collections::VecDeque;

/// A run of stream bytes handed to the link as one TCP segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub start: u64,
    pub len: u32,
}

impl Segment {
    pub fn end(self) -> u64 {
        self.start + self.len as u64
    }
}

/// One message's bytes in the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsgRecord {
    pub id: u64,
    /// Stream offset of its first byte.
    pub start: u64,
    /// Wire size (payload + framing + TLS).
    pub len: u32,
    /// Bytes written so far (the blocking policies write piece by piece).
    pub written: u32,
    pub acked: u32,
    /// Payload bytes, for goodput (§11).
    pub payload: u32,
}

impl MsgRecord {
    fn complete(&self) -> bool {
        self.written == self.len && self.acked == self.len
    }
}

#[derive(Clone, Debug)]
pub struct SendBuffer {
    capacity: u32,
    /// End of the written bytes.
    written: u64,
    /// First byte never sent: [next_new, written) is unsent.
    next_new: u64,
    /// Sent and not yet ACKed, including segments the link is about to resend.
    in_flight: u32,
    /// Messages that still hold bytes, in stream order. Completed ones are popped from the
    /// front, so the deque stays as short as the buffer is full.
    msgs: VecDeque<MsgRecord>,
    /// Cumulative counts over the buffer's life (all connections).
    pub written_total: u64,
    pub sent_total: u64,
    pub acked_total: u64,
    pub lost_total: u64,
}

impl SendBuffer {
    pub fn new(capacity: u32) -> Self {
        SendBuffer {
            capacity,
            written: 0,
            next_new: 0,
            in_flight: 0,
            msgs: VecDeque::new(),
            written_total: 0,
            sent_total: 0,
            acked_total: 0,
            lost_total: 0,
        }
    }

    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// B1/B2 decide the value; the buffer only holds it.
    pub fn set_capacity(&mut self, capacity: u32) {
        self.capacity = capacity;
    }

    pub fn unsent(&self) -> u32 {
        (self.written - self.next_new) as u32
    }

    pub fn in_flight(&self) -> u32 {
        self.in_flight
    }

    /// Bytes the buffer holds: unsent + in flight (T1).
    pub fn held(&self) -> u32 {
        self.unsent() + self.in_flight
    }

    pub fn free(&self) -> u32 {
        self.capacity.saturating_sub(self.held())
    }

    /// Starts a message of `len` wire bytes; its bytes enter with `write`.
    pub fn open_message(&mut self, id: u64, len: u32, payload: u32) {
        self.msgs.push_back(MsgRecord { id, start: self.written, len, written: 0, acked: 0, payload });
    }

    /// Writes up to `n` more bytes of the last opened message, limited by free space.
    /// Returns the bytes written; `None` (message complete, zero length) is never a case.
    pub fn write(&mut self, n: u32) -> u32 {
        let free = self.free();
        let Some(m) = self.msgs.back_mut() else { return 0 };
        let n = n.min(m.len - m.written).min(free);
        m.written += n;
        self.written += n as u64;
        self.written_total += n as u64;
        n
    }

    /// The last opened message (the one a blocked send is writing or waiting on).
    pub fn last_message(&self) -> Option<&MsgRecord> {
        self.msgs.back()
    }

    /// Messages still holding bytes, in stream order (live mode announces them to the server).
    pub fn messages(&self) -> impl Iterator<Item = &MsgRecord> {
        self.msgs.iter()
    }

    pub fn message(&self, id: u64) -> Option<&MsgRecord> {
        self.msgs.iter().rev().find(|m| m.id == id)
    }

    /// T2: takes the next new segment of at most `max` bytes, or `None` if nothing is unsent.
    pub fn take_segment(&mut self, max: u32) -> Option<Segment> {
        let len = self.unsent().min(max);
        if len == 0 {
            return None;
        }
        let seg = Segment { start: self.next_new, len };
        self.next_new += len as u64;
        self.in_flight += len;
        self.sent_total += len as u64;
        Some(seg)
    }

    /// T3: a segment's ACK frees its bytes. Calls `done` for each message it completes.
    pub fn ack(&mut self, seg: Segment, mut done: impl FnMut(&MsgRecord)) {
        self.in_flight -= seg.len.min(self.in_flight);
        self.acked_total += seg.len as u64;
        // Messages overlapping the segment start at the last message starting at or before it.
        let first = self.msgs.partition_point(|m| m.start + m.len as u64 <= seg.start);
        for m in self.msgs.range_mut(first..) {
            if m.start >= seg.end() {
                break;
            }
            let lo = m.start.max(seg.start);
            let hi = (m.start + m.written as u64).min(seg.end());
            if hi > lo {
                m.acked += (hi - lo) as u32;
                if m.complete() {
                    done(m);
                }
            }
        }
        while self.msgs.front().is_some_and(MsgRecord::complete) {
            self.msgs.pop_front();
        }
    }

    /// L4: the connection dropped. Every message holding unACKed bytes is lost; calls `lost`
    /// with each (by id) and the number of its written, unACKed bytes. The buffer is empty after.
    pub fn drop_all(&mut self, mut lost: impl FnMut(&MsgRecord, u32)) {
        for m in self.msgs.iter() {
            let unacked = m.written - m.acked;
            if !m.complete() {
                lost(m, unacked);
            }
            self.lost_total += unacked as u64;
        }
        self.msgs.clear();
        self.next_new = self.written;
        self.in_flight = 0;
    }

    /// The connection is fresh: offsets restart (a new byte stream) but totals carry on.
    pub fn reset_stream(&mut self) {
        debug_assert!(self.msgs.is_empty());
        self.written = 0;
        self.next_new = 0;
        self.in_flight = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t1_free_space_counts_unsent_and_unacked() {
        let mut b = SendBuffer::new(3456);
        b.open_message(0, 1000, 960);
        assert_eq!(b.write(1000), 1000);
        assert_eq!(b.free(), 2456);
        let s = b.take_segment(576).unwrap();
        assert_eq!((b.unsent(), b.in_flight(), b.free()), (424, 576, 2456));
        let mut done = vec![];
        b.ack(s, |m| done.push(m.id));
        assert!(done.is_empty());
        assert_eq!(b.free(), 3456 - 424);
        let s2 = b.take_segment(576).unwrap();
        assert_eq!(s2.len, 424);
        b.ack(s2, |m| done.push(m.id));
        assert_eq!(done, vec![0]);
        assert_eq!(b.free(), 3456);
    }

    #[test]
    fn t1_write_is_limited_by_free_space() {
        let mut b = SendBuffer::new(100);
        b.open_message(0, 250, 200);
        assert_eq!(b.write(250), 100);
        assert_eq!(b.free(), 0);
        let s = b.take_segment(576).unwrap();
        b.ack(s, |_| panic!("not complete yet"));
        assert_eq!(b.write(250), 100);
    }

    #[test]
    fn t3_out_of_order_acks_complete_messages() {
        let mut b = SendBuffer::new(3000);
        for id in 0..3 {
            b.open_message(id, 500, 450);
            b.write(500);
        }
        let a = b.take_segment(750).unwrap();
        let c = b.take_segment(750).unwrap();
        let mut done = vec![];
        b.ack(c, |m| done.push(m.id));
        assert_eq!(done, vec![2]);
        b.ack(a, |m| done.push(m.id));
        assert_eq!(done, vec![2, 0, 1]);
        assert_eq!(b.held(), 0);
    }

    #[test]
    fn l4_drop_loses_unacked_bytes_per_message() {
        let mut b = SendBuffer::new(3000);
        b.open_message(0, 500, 450);
        b.write(500);
        b.open_message(1, 500, 450);
        b.write(500);
        let s = b.take_segment(600).unwrap();
        b.ack(s, |_| {});
        let mut lost = vec![];
        b.drop_all(|m, n| lost.push((m.id, n)));
        assert_eq!(lost, vec![(1, 400)]);
        assert_eq!(b.held(), 0);
        assert_eq!(b.written_total, b.acked_total + b.lost_total);
    }
}
