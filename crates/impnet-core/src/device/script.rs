//! The Squirrel script runner: tasks over step lists, `repeat`, `on_ret` retries, idle waits
//! and handlers (§10, §13 "Trace lines", "Scenario").
//!
//! Squirrel is a run-to-completion event loop. A *task* is a cursor over one step list (the
//! main `steps`, or one run of a handler). One task runs at a time; it keeps Squirrel busy until
//! it finishes or goes idle (`imp.wakeup`, a retry pause). Idle tasks and queued handlers wait
//! in `idle` and run in the order they become ready.

use super::{Device, Vm, MAX_RETRIES};
use crate::budget::{Stop, Work};
use crate::policy::Reason;
use crate::scenario::{RetAction, Step};
use crate::time::{Duration, Instant};
use crate::trace::{CallLine, Entry, Handler, Line, Outcome, Ret};

/// Which step list a task walks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    Main,
    OnConnect,
    OnUnexpectedDisconnect,
}

impl List {
    fn handler(self) -> Option<Handler> {
        match self {
            List::Main => None,
            List::OnConnect => Some(Handler::OnConnect),
            List::OnUnexpectedDisconnect => Some(Handler::OnUnexpectedDisconnect),
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Task {
    pub list: List,
    pub step: u32,
    pub iter: u32,
    pub ready_at: Instant,
    seq: u64,
    /// For a handler run: the reason it is called with.
    reason: Option<i64>,
    started: bool,
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
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cur {
    pub task: Task,
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

/// §13: a retry pause is at least 0.01 s.
const MIN_RETRY_PAUSE: Duration = Duration::from_micros(10_000);

impl<'a> Device<'a> {
    fn list(&self, l: List) -> &'a [Step] {
        let sc = self.sc;
        match l {
            List::Main => &sc.steps,
            List::OnConnect => &sc.on_connect,
            List::OnUnexpectedDisconnect => &sc.on_unexpected_disconnect,
        }
    }

    /// The step a task is at, skipping `repeat = 0` steps; `None` when the list is done.
    fn step_at(&self, t: &mut Task) -> Option<&'a Step> {
        let steps = self.list(t.list);
        while let Some(s) = steps.get(t.step as usize) {
            if t.iter < s.repeat {
                return Some(s);
            }
            t.step += 1;
            t.iter = 0;
        }
        None
    }

    /// Does `t` still have a step to run (the continuation of a call that was its list's last
    /// has none)?
    pub(super) fn has_step(&self, mut t: Task) -> bool {
        self.step_at(&mut t).is_some()
    }

    pub(super) fn current_step(&self) -> &'a Step {
        let cur = self.cur.expect("a call is in progress");
        &self.list(cur.task.list)[cur.task.step as usize]
    }


    /// L1 / S7 warm boot: the main script starts now. It is the running task (not an idle one
    /// ready now): nothing else can be queued before Squirrel exists, and a line written at the
    /// start (`connected`, `squirrel_restart`) then shows Squirrel running.
    pub(super) fn start_squirrel(&mut self, now: Instant) {
        self.vm = Vm::Alive;
        self.squirrel_start_at = None;
        self.seq += 1;
        self.running = Some(Task { list: List::Main, step: 0, iter: 0, ready_at: now, seq: self.seq, reason: None, started: true });
    }

    /// C1/C5: a handler is due; it runs when Squirrel is idle. Only handlers the scenario
    /// registered (non-empty lists) run.
    pub(super) fn queue_handler(&mut self, now: Instant, list: List, reason: Reason) {
        if self.vm == Vm::Alive && !self.list(list).is_empty() {
            self.seq += 1;
            let reason = Some(reason.code());
            self.idle.push(Task { list, step: 0, iter: 0, ready_at: now, seq: self.seq, reason, started: false });
        }
    }

    fn pop_ready(&mut self, now: Instant) -> Option<Task> {
        let i = (0..self.idle.len())
            .filter(|&i| self.idle[i].ready_at <= now)
            .min_by_key(|&i| (self.idle[i].ready_at, self.idle[i].seq))?;
        Some(self.idle.swap_remove(i))
    }

    /// Lets Squirrel run at `now` until every task is blocked, idle or done.
    pub(super) fn drive(&mut self, now: Instant) {
        loop {
            if self.stop.is_some() || self.vm != Vm::Alive || self.cur.is_some() {
                return;
            }
            if self.running.is_none() {
                match self.pop_ready(now) {
                    Some(t) => self.running = Some(t),
                    None => return,
                }
            }
            // A handler's line is written with its task already running (C5: it starts now).
            if let Some(t) = self.running.as_mut().filter(|t| !t.started) {
                t.started = true;
                let (list, reason) = (t.list, t.reason);
                if let Some(h) = list.handler() {
                    self.handler_event(now, h, reason);
                }
            }
            let Some(mut task) = self.running.take() else { return };
            if self.step_at(&mut task).is_none() {
                continue;
            }
            self.exec(now, Cur { task, start: now, flag: Flag::None });
        }
    }

    fn exec(&mut self, now: Instant, cur: Cur) {
        if !self.charge(now, Work::Call, 1) {
            return;
        }
        self.cur = Some(cur);
        self.wait = Wait::None;
        self.call(now);
    }

    /// S7/S9: the connection is back; the halted call runs again (S7: fresh timeout, new
    /// message) or proceeds (S9).
    pub(super) fn rerun_current(&mut self, now: Instant, s7: bool) {
        let Some(mut cur) = self.cur.take() else { return };
        if cur.flag == Flag::None {
            cur.flag = if s7 { Flag::S7 } else { Flag::S9 };
        }
        self.exec(now, cur);
    }

    /// The current call returns `outcome`; writes its line and moves its task on.
    pub(super) fn ret(&mut self, now: Instant, outcome: Outcome, rule: &'static str, msg: Option<u64>, why: impl FnOnce() -> String) {
        self.ret_then(now, outcome, rule, msg, None, why);
    }

    /// As `ret`, and the task then idles for `pause` (`imp.wakeup`).
    pub(super) fn ret_then(
        &mut self,
        now: Instant,
        outcome: Outcome,
        rule: &'static str,
        msg: Option<u64>,
        pause: Option<Duration>,
        why: impl FnOnce() -> String,
    ) {
        let Some(cur) = self.cur.take() else { return };
        self.wait = Wait::None;
        let step = &self.list(cur.task.list)[cur.task.step as usize];
        let retry = !step.on_ret.is_empty() && wants_retry(step, &outcome);
        // The task moves on before its line is written, so the line's snapshot shows what
        // Squirrel does next (Running, Idle in a pause, Finished) rather than a gap.
        let mut task = cur.task;
        // A task that goes idle queues behind everything already waiting at the same instant
        // (imp.wakeup(0) behaves like imp.onidle: pending handlers run first).
        self.seq += 1;
        task.seq = self.seq;
        let mut over_limit = false;
        if retry {
            self.retries += 1;
            if self.retries > MAX_RETRIES {
                over_limit = true;
            } else {
                let pause = Duration::from_secs_f64(step.retry_after_s).max(MIN_RETRY_PAUSE);
                task.ready_at = now + pause;
                self.idle.push(task);
            }
        } else {
            task.iter += 1;
            match pause {
                Some(p) => {
                    task.ready_at = now + p;
                    self.idle.push(task);
                }
                None => self.running = Some(task),
            }
        }
        if self.rec.keep {
            let rule = match cur.flag {
                Flag::S7 => "S7",
                Flag::S9 => "S9",
                Flag::None => rule,
            };
            let line = Line::Call(CallLine {
                call: step.call.name(),
                step: cur.task.step,
                iter: cur.task.iter,
                handler: cur.task.list.handler(),
                outcome,
                blocked: now - cur.start,
                msg,
                rule,
                why: why(),
            });
            let state = self.snapshot(now);
            self.rec.push(Entry { t: now, line, state });
        }
        if over_limit {
            self.halt(now, Stop::Retries { limit: MAX_RETRIES });
        }
    }
}

/// `on_ret` keys are return values as strings (`"4"`, `"true"`), §13.
fn wants_retry(step: &Step, outcome: &Outcome) -> bool {
    let key = match outcome {
        Outcome::Returned(Ret::Int(i)) => i.to_string(),
        Outcome::Returned(Ret::Bool(b)) => b.to_string(),
        Outcome::Returned(Ret::Null) => "null".to_string(),
        Outcome::Error(_) => "error".to_string(),
    };
    step.on_ret.get(&key) == Some(&RetAction::Retry)
}
