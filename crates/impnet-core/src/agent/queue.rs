//! The agent's event loop order (SPEC §14 "Event loop", §15): `imp.wakeup` timers and
//! arriving device messages wait in one queue and run by due time, ties by registration order.
//!
//! A binary heap keyed by (due, registration): an agent that keeps thousands of timers or a
//! backlog of messages pays a logarithm per task, not a scan and a shift of all of them.
//! `imp.cancelwakeup` forgets the timer at once (its callback is released then) and leaves its
//! heap entry to be skipped; entries at the top are dropped eagerly, so [`TaskQueue::next_due`]
//! never names a cancelled timer's time (it would keep a run going for nothing).

use super::payload::Payload;
use crate::time::Instant;
use impnet_squirrel::Handle;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

/// A task whose time has come.
#[derive(Debug)]
pub(crate) enum Task {
    Timer { callback: Handle },
    /// Device message `msg`, whose last byte the agent has read (T5).
    Message { msg: u64, name: String, payload: Payload },
}

#[derive(Debug)]
enum Entry {
    /// By its `imp.wakeup` id: the callback lives in `TaskQueue::timers` until it runs or is
    /// cancelled.
    Timer(i32),
    Message { msg: u64, name: String, payload: Payload },
}

#[derive(Debug)]
struct Queued {
    due: Instant,
    seq: u64,
    entry: Entry,
}

// Ordered by (due, seq) alone, reversed: `BinaryHeap` is a max-heap and the earliest goes first.
impl Ord for Queued {
    fn cmp(&self, o: &Self) -> Ordering {
        (o.due, o.seq).cmp(&(self.due, self.seq))
    }
}

impl PartialOrd for Queued {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl PartialEq for Queued {
    fn eq(&self, o: &Self) -> bool {
        (self.due, self.seq) == (o.due, o.seq)
    }
}

impl Eq for Queued {}

#[derive(Debug, Default)]
pub(crate) struct TaskQueue {
    heap: BinaryHeap<Queued>,
    /// Pending timers by id (what `imp.cancelwakeup` takes).
    timers: BTreeMap<i32, Handle>,
    /// Registration order, shared by timers and messages.
    seq: u64,
}

impl TaskQueue {
    fn push(&mut self, due: Instant, entry: Entry) {
        self.seq += 1;
        self.heap.push(Queued { due, seq: self.seq, entry });
    }

    /// `imp.wakeup`: `callback` runs at `due` as timer `id`.
    pub fn timer(&mut self, due: Instant, id: i32, callback: Handle) {
        self.timers.insert(id, callback);
        self.push(due, Entry::Timer(id));
    }

    /// `imp.cancelwakeup(id)`: the timer's callback, for the caller to release; `None` if it
    /// already ran or never was.
    pub fn cancel(&mut self, id: i32) -> Option<Handle> {
        let h = self.timers.remove(&id)?;
        self.drop_cancelled();
        Some(h)
    }

    /// A device message, due at `due` (the moment its last byte was read).
    pub fn message(&mut self, due: Instant, msg: u64, name: String, payload: Payload) {
        self.push(due, Entry::Message { msg, name, payload });
    }

    /// When the earliest task is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.heap.peek().map(|q| q.due)
    }

    /// The earliest task due at or before `now`, with its due time.
    pub fn pop_due(&mut self, now: Instant) -> Option<(Instant, Task)> {
        let q = self.heap.peek().filter(|q| q.due <= now)?;
        let due = q.due;
        let task = match self.heap.pop()?.entry {
            Entry::Timer(id) => Task::Timer { callback: self.timers.remove(&id)? },
            Entry::Message { msg, name, payload } => Task::Message { msg, name, payload },
        };
        self.drop_cancelled();
        Some((due, task))
    }

    fn drop_cancelled(&mut self) {
        while self.heap.peek().is_some_and(|q| matches!(q.entry, Entry::Timer(id) if !self.timers.contains_key(&id))) {
            self.heap.pop();
        }
    }
}
