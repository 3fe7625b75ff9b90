//! The device's side of the program seam (`crate::program`): Squirrel's run-to-completion
//! event loop (C5, §10, §13 "Trace lines"). One task runs at a time; it keeps Squirrel busy
//! until it finishes or goes idle. Idle tasks (a step list's pauses) and due callbacks wait in
//! `idle` and run in the order they became ready, ties in the order they were queued.

use super::{Device, RestartCause, Vm, MAX_RETRIES};
use crate::rules::Rule;
use crate::budget::{Stop, Work};
use crate::policy::Reason;
use crate::program::{Program, Call, CallbackId, CodeSite, Site, Start, TaskId, Yield};
use crate::time::{Duration, Instant};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use crate::trace::{CallLine, Carried, CodeCall, Entry, EventDetail, EventKind, Handler, Line, Outcome, Side};

/// §14 [choice]: Squirrel restarts this long after an uncaught runtime error.
pub const ERROR_RESTART: Duration = Duration::from_millis(10_000);

#[derive(Clone, Copy, Debug)]
pub(crate) struct Task {
    pub id: TaskId,
    /// What it runs until it has started; `None` once the program has it.
    pub start: Option<Start>,
    /// The callback kind its calls run in (`None` for the main program).
    pub handler: Option<Handler>,
    pub ready_at: Instant,
    seq: u64,
}

/// Tasks waiting to run, earliest `ready_at` first and ties in the order they were queued
/// (`seq`): a heap, so a program that keeps many wakeups pending pays a logarithm per task,
/// not a scan of them all.
#[derive(Default)]
pub(crate) struct ReadyQueue(BinaryHeap<Reverse<Queued>>);

/// A task keyed by `(ready_at, seq)`: `seq` is unique, so the order is total.
struct Queued(Task);

impl Queued {
    fn key(&self) -> (Instant, u64) {
        (self.0.ready_at, self.0.seq)
    }
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl ReadyQueue {
    pub fn push(&mut self, task: Task) {
        self.0.push(Reverse(Queued(task)));
    }

    /// The earliest task if it is ready at `now`.
    pub fn pop_ready(&mut self, now: Instant) -> Option<Task> {
        if self.next_ready_at()? > now {
            return None;
        }
        self.0.pop().map(|Reverse(Queued(t))| t)
    }

    pub fn next_ready_at(&self) -> Option<Instant> {
        self.0.peek().map(|Reverse(q)| q.0.ready_at)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&Task) -> bool) {
        self.0.retain(|Reverse(q)| keep(&q.0));
    }
}

/// What decided a call that had to wait for the connection; overrides the rule on its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flag {
    None,
    /// Needed an S7 reconnection.
    S7,
    /// Waited out RECOVERING.
    S9,
}

/// The call in progress.
#[derive(Clone, Debug)]
pub(crate) struct Cur {
    pub task: Task,
    pub call: Call,
    pub site: Site,
    pub start: Instant,
    pub flag: Flag,
}

/// What a blocked call waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Not blocked.
    None,
    /// S3: writing a message as space frees; then (S4) waiting for its ACK. `msg` exists
    /// once its first byte is in the buffer.
    Send { msg: Option<u64>, wire: u32, payload: u32, deadline: Instant, acking: bool },
    /// S9: waiting out RECOVERING.
    Recovering { deadline: Instant },
    /// C4.
    Flush { deadline: Instant },
    /// `imp.sleep`: busy.
    Sleep { until: Instant },
    /// S7: Squirrel halted while impOS reconnects.
    Suspended,
}

impl Wait {
    pub fn deadline(&self) -> Option<Instant> {
        match *self {
            Wait::Send { deadline, .. } | Wait::Recovering { deadline } | Wait::Flush { deadline } => Some(deadline),
            Wait::Sleep { until } => Some(until),
            Wait::None | Wait::Suspended => None,
        }
    }

    pub fn is_send(&self) -> bool {
        matches!(self, Wait::Send { .. } | Wait::Recovering { .. })
    }
}

/// What to write after a call's line (a stop, a program error).
enum After {
    Nothing,
    Halt(Stop),
    Error { error: String, site: Site },
}

impl Device {
    fn new_task(&mut self, start: Start, handler: Option<Handler>, ready_at: Instant) -> Task {
        self.seq += 1;
        self.next_task += 1;
        Task { id: TaskId(self.next_task), start: Some(start), handler, ready_at, seq: self.seq }
    }

    /// L1 / S7 warm boot: the main program starts now. It is the running task (not an idle one
    /// ready now): nothing else can be queued before Squirrel exists, and a line written at the
    /// start (`connected`, `squirrel_restart`) then shows Squirrel running.
    pub(super) fn start_squirrel(&mut self, now: Instant) {
        self.vm = Vm::Alive;
        self.timers.clear(super::timers::Timer::SquirrelStart);
        self.on_connect = self.program.registered(Handler::OnConnect);
        self.on_unexpected_disconnect = self.program.registered(Handler::OnUnexpectedDisconnect);
        let task = self.new_task(Start::Main, None, now);
        self.begin(now, task);
    }

    /// C1/C5: a callback is due; it runs when Squirrel is idle. Only registered ones run.
    pub(super) fn queue_handler(&mut self, now: Instant, kind: Handler, reason: Reason) {
        let callback = match kind {
            Handler::OnConnect => self.on_connect,
            Handler::OnUnexpectedDisconnect => self.on_unexpected_disconnect,
            _ => None,
        };
        if let (Vm::Alive, Some(callback)) = (self.vm, callback) {
            self.queue_callback(now, callback, kind, Some(reason));
        }
    }

    pub(super) fn queue_callback(&mut self, at: Instant, callback: CallbackId, kind: Handler, reason: Option<Reason>) {
        let task = self.new_task(Start::Callback { callback, kind, reason }, Some(kind), at);
        self.idle.push(task);
    }

    /// Is a callback registered for `kind` (the run stays pending while one is due, §13)?
    pub(super) fn has_handler(&self, kind: Handler) -> bool {
        match kind {
            Handler::OnConnect => self.on_connect.is_some(),
            Handler::OnUnexpectedDisconnect => self.on_unexpected_disconnect.is_some(),
            _ => false,
        }
    }

    fn pop_ready(&mut self, now: Instant) -> Option<Task> {
        self.idle.pop_ready(now)
    }

    /// Makes `task` the running one and lets the program run it to its first call. A
    /// handler's event line is written with its task already running (C5: it starts now).
    fn begin(&mut self, now: Instant, mut task: Task) {
        self.program.set_now(now);
        let Some(start) = task.start.take() else {
            // An idle task's time came: it continues where it paused.
            let y = self.program.resume(task.id, None, &mut self.budget);
            let after = self.follow(now, task, y);
            return self.after(now, after);
        };
        self.program.start(task.id, start);
        let y = self.program.resume(task.id, None, &mut self.budget);
        let after = self.follow(now, task, y);
        if let Start::Callback { kind: kind @ (Handler::OnConnect | Handler::OnUnexpectedDisconnect), reason, .. } = start {
            self.handler_event(now, kind, reason);
        }
        self.after(now, after);
    }

    /// Applies what the program does next to the task's place: running with its next call,
    /// idle, or gone.
    fn follow(&mut self, now: Instant, mut task: Task, y: Yield) -> After {
        match y {
            Yield::Call { call, site } => {
                self.running = Some(task);
                self.next = Some((call, site));
                After::Nothing
            }
            Yield::Idle(pause) => {
                // A task that goes idle queues behind everything already waiting at the same
                // instant (imp.wakeup(0) behaves like imp.onidle: pending handlers run first).
                self.seq += 1;
                task.seq = self.seq;
                task.ready_at = now + pause;
                self.idle.push(task);
                After::Nothing
            }
            Yield::Retry(pause) => {
                self.retries += 1;
                if self.retries > MAX_RETRIES {
                    return After::Halt(Stop::Retries { limit: MAX_RETRIES });
                }
                self.follow(now, task, Yield::Idle(pause))
            }
            Yield::Finished => After::Nothing,
            Yield::Error { error, site } => After::Error { error, site },
            Yield::OutOfBudget(exhausted) => After::Halt(Stop::Budget { at: now, exhausted }),
        }
    }

    fn after(&mut self, now: Instant, after: After) {
        match after {
            After::Nothing => {}
            After::Halt(stop) => self.halt(now, stop),
            After::Error { error, site } => self.program_error(now, error, site),
        }
    }

    /// Lets Squirrel run at `now` until every task is blocked, idle or done.
    pub(super) fn drive(&mut self, now: Instant) {
        loop {
            if self.stop.is_some() || self.vm != Vm::Alive || self.cur.is_some() {
                return;
            }
            if self.running.is_none() {
                match self.pop_ready(now) {
                    Some(t) if matches!(t.start, Some(Start::Callback { .. })) && !self.count_callback(now) => return,
                    Some(t) => self.begin(now, t),
                    None => return,
                }
                continue;
            }
            let (Some(task), Some((call, site))) = (self.running.take(), self.next.take()) else {
                continue;
            };
            // Built in place: a call is the model's hottest path.
            self.cur = Some(Cur { task, call, site, start: now, flag: Flag::None });
            self.exec(now);
        }
    }

    /// A callback begins at `now` (`budget::InstantCallbacks`; a step list's own pauses resume
    /// its task and are not counted): false when the run stopped there.
    fn count_callback(&mut self, now: Instant) -> bool {
        match self.instant_callbacks.count(now) {
            Ok(()) => true,
            Err(stop) => {
                self.halt(now, stop);
                false
            }
        }
    }

    /// Executes `cur`, paid for from the budget (else the run stops and it never returns).
    fn exec(&mut self, now: Instant) {
        if !self.charge(now, Work::Call, 1) {
            self.cur = None;
            return;
        }
        self.set_wait(Wait::None);
        self.call(now);
    }

    /// S7/S9: the connection is back; the halted call runs again (S7: fresh timeout, new
    /// message) or proceeds (S9).
    pub(super) fn rerun_current(&mut self, now: Instant, s7: bool) {
        let Some(cur) = self.cur.as_mut() else { return };
        if cur.flag == Flag::None {
            cur.flag = if s7 { Flag::S7 } else { Flag::S9 };
        }
        self.exec(now);
    }

    /// The current call returns `outcome`: the program learns it and says what it does next,
    /// so the call's line (written after) shows Squirrel's next state — Running, Idle in a
    /// pause, Finished — rather than a gap.
    pub(super) fn ret(&mut self, now: Instant, outcome: Outcome, rule: Rule, msg: Option<u64>, why: impl FnOnce() -> String) {
        // Only what the line needs leaves `cur` (no copy of the whole call on this hot path).
        let Some(cur) = self.cur.as_mut() else { return };
        let (task, flag, start, kind) = (cur.task, cur.flag, cur.start, cur.call.kind());
        let site = self.lines.then(|| std::mem::replace(&mut cur.site, Site::Step { step: 0, iter: 0 }));
        let carried = match (&site, &cur.call) {
            (Some(Site::Code(_)), Call::AgentSend { name, bytes, .. }) => Some(Carried::Message { name: name.clone(), bytes: *bytes }),
            (Some(Site::Code(_)), Call::ServerLog { text: Some(text), .. } | Call::ServerError { text: Some(text), .. }) => {
                Some(Carried::Text(text.clone()))
            }
            _ => None,
        };
        self.cur = None;
        self.set_wait(Wait::None);
        self.program.set_now(now);
        let y = self.program.resume(task.id, Some(&outcome), &mut self.budget);
        let after = self.follow(now, task, y);
        if let Some(site) = site {
            let rule = match flag {
                Flag::S7 => Rule::S7,
                Flag::S9 => Rule::S9,
                Flag::None => rule,
            };
            let (step, iter, code) = match site {
                Site::Step { step, iter } => (step, iter, None),
                Site::Code(site) => (0, 0, Some(CodeCall { site, carried, side: Side::Device })),
            };
            let line = Line::Call(CallLine {
                call: kind,
                step,
                iter,
                code,
                handler: task.handler,
                outcome,
                blocked: now - start,
                msg,
                rule,
                why: why(),
            });
            let state = self.snapshot(now);
            self.events.push_back(Entry { t: now, line, state });
        }
        self.after(now, after);
    }

    /// A registration returns without a line of its own (§14: lines are for §10's calls).
    pub(super) fn ret_silent(&mut self, now: Instant, outcome: Outcome) {
        let Some(cur) = self.cur.take() else { return };
        self.set_wait(Wait::None);
        self.program.set_now(now);
        let y = self.program.resume(cur.task.id, Some(&outcome), &mut self.budget);
        let after = self.follow(now, cur.task, y);
        self.after(now, after);
    }

    /// `imp.wakeup(seconds, fn)`: the callback runs `seconds` from now, when Squirrel is idle.
    pub(super) fn schedule_wakeup(&mut self, now: Instant, after: Duration, callback: CallbackId) {
        self.queue_callback(now + after, callback, Handler::Wakeup, None);
    }

    /// `imp.cancelwakeup(handle)`: the wakeup's callback leaves the queue. One that already ran
    /// (or never was) is not there: harmless, as in impOS.
    /// The walk over the waiting tasks is paid from the budget (a program can keep many pending
    /// and cancel them one by one); false when the run stopped there.
    pub(super) fn cancel_wakeup(&mut self, now: Instant, callback: CallbackId) -> bool {
        if !self.charge(now, Work::Instruction, self.idle.len() as u64) {
            return false;
        }
        self.idle.retain(|t| !matches!(t.start, Some(Start::Callback { callback: c, kind: Handler::Wakeup, .. }) if c == callback));
        true
    }

    /// `imp.onidle(fn)`: runs once Squirrel is next idle.
    pub(super) fn schedule_onidle(&mut self, now: Instant, callback: CallbackId) {
        self.queue_callback(now, callback, Handler::OnIdle, None);
    }

    /// §14: an uncaught runtime error ends the task with a `squirrel_error` line; Squirrel
    /// restarts from the top after `ERROR_RESTART` (impOS's behaviour).
    fn program_error(&mut self, now: Instant, error: String, site: Site) {
        self.running = None;
        self.next = None;
        self.idle.clear();
        self.vm = Vm::NotStarted;
        self.timers.set(super::timers::Timer::SquirrelStart, now + ERROR_RESTART);
        self.restart = Some(RestartCause::Error);
        let code = match site {
            Site::Code(c) => Some(c),
            Site::Step { .. } => None,
        };
        self.error_event(now, error, code);
    }

    fn error_event(&mut self, now: Instant, error: String, code: Option<CodeSite>) {
        let line = code.as_ref().map_or(String::new(), |c| format!(" at line {}", c.line));
        let why = format!("uncaught runtime error{line}: {error}; Squirrel restarts in {ERROR_RESTART} ms (§14)");
        let detail = EventDetail::ProgramError { error, site: code };
        self.detail_event(now, EventKind::SquirrelError, None, detail, Rule::DeviceCode, || why);
    }
}
