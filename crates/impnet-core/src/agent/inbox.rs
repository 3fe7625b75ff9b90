//! Device → agent messages at the server (SPEC §15 with T5): a message reaches the agent's
//! `device.on` when the agent has read its last byte from the server's receive buffer.
//!
//! The device side knows where each message sits in the connection's byte stream (its
//! `MsgRecord`); the server side knows how far the agent has read. This joins the two: messages
//! are registered with their stream end in stream order, and [`Inbox::drained`] yields those
//! whose end the agent's read offset has passed. A new connection starts a new stream: what was
//! not read is gone with the old one (L4).

use super::payload::Payload;
use std::collections::VecDeque;

/// A message the agent has not read to its end yet.
#[derive(Clone, Debug, PartialEq)]
pub struct Inbound {
    /// The uplink message id (§11 `msg`).
    pub msg: u64,
    pub name: String,
    pub payload: Payload,
    /// Stream offset just past its last byte.
    pub end: u64,
}

#[derive(Debug, Default)]
pub struct Inbox {
    /// In stream order.
    pending: VecDeque<Inbound>,
}

impl Inbox {
    /// A message whose bytes end at stream offset `end` (registered in stream order).
    pub fn push(&mut self, m: Inbound) {
        debug_assert!(self.pending.back().is_none_or(|b| b.end <= m.end), "messages in stream order");
        self.pending.push_back(m);
    }

    /// The agent has read the stream up to `read` (exclusive): the messages it finished, in
    /// stream order.
    pub fn drained(&mut self, read: u64) -> impl Iterator<Item = Inbound> + '_ {
        let n = self.pending.iter().take_while(|m| m.end <= read).count();
        self.pending.drain(..n)
    }

    /// A new connection: unread messages are gone with the old stream. Returns their ids.
    pub fn reset(&mut self) -> Vec<u64> {
        self.pending.drain(..).map(|m| m.msg).collect()
    }

    /// Where the oldest unread message ends: the offset the agent must read up to next.
    pub fn next_end(&self) -> Option<u64> {
        self.pending.front().map(|m| m.end)
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(msg: u64, end: u64) -> Inbound {
        Inbound { msg, name: "r".into(), payload: Payload::Int(msg as i32), end }
    }

    #[test]
    fn t5_s15_a_message_reaches_the_agent_when_its_last_byte_is_read_in_stream_order() {
        let mut inbox = Inbox::default();
        inbox.push(m(0, 100));
        inbox.push(m(1, 250));
        inbox.push(m(2, 260));
        assert_eq!(inbox.drained(99).count(), 0, "one byte short");
        assert_eq!(inbox.drained(100).map(|m| m.msg).collect::<Vec<_>>(), [0]);
        assert_eq!(inbox.drained(300).map(|m| m.msg).collect::<Vec<_>>(), [1, 2]);
        assert!(inbox.is_empty());
    }

    #[test]
    fn l4_s15_unread_messages_are_gone_with_their_connection() {
        let mut inbox = Inbox::default();
        inbox.push(m(0, 100));
        inbox.push(m(1, 200));
        assert_eq!(inbox.drained(100).count(), 1);
        assert_eq!(inbox.reset(), [1]);
        assert_eq!(inbox.drained(u64::MAX).count(), 0);
    }
}
