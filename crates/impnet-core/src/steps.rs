//! The step-list runner: a scenario's `steps`, `[[on_connect]]` and
//! `[[on_unexpected_disconnect]]` as one [`Program`] behind the seam (§10, §13 "Scenario").
//!
//! A task is a cursor over one list (the main `steps`, or one run of a handler list). Each
//! step's call is made `repeat` times; an `on_ret` retry makes the same call again after an
//! idle pause of max(`retry_after_s`, 0.01 s); `imp.wakeup` returns and the task idles for its
//! seconds. Handler lists are registered before anything runs (`registered`), as impOS would
//! have them once the code set them.

use crate::budget::Budget;
use crate::program::{Call, CallbackId, Program, Site, Start, TaskId, Yield};
use crate::scenario::{RetAction, Scenario, Step};
use crate::time::Duration;
use crate::trace::{Handler, Outcome, Ret};

/// §13: a retry pause is at least 0.01 s.
const MIN_RETRY_PAUSE: Duration = Duration::from_micros(10_000);

/// The three lists, with each step's model call made once up front.
struct List {
    steps: Vec<Step>,
    calls: Vec<Call>,
}

impl List {
    fn new(steps: &[Step]) -> Self {
        List { steps: steps.to_vec(), calls: steps.iter().map(|s| Call::from_step(&s.call)).collect() }
    }
}

/// Which list a task walks: its index in `StepRunner::lists`.
const MAIN: usize = 0;
const ON_CONNECT: usize = 1;
const ON_UNEXPECTED_DISCONNECT: usize = 2;

#[derive(Clone, Copy, Debug)]
struct Cursor {
    task: TaskId,
    list: usize,
    step: u32,
    iter: u32,
    /// The call at `step`/`iter` was made and has not returned yet.
    in_call: bool,
}

pub struct StepRunner {
    lists: [List; 3],
    /// Live tasks (a handful at most: the main list and the handlers that interleave with it).
    tasks: Vec<Cursor>,
}

impl StepRunner {
    pub fn new(sc: &Scenario) -> Self {
        StepRunner {
            lists: [List::new(&sc.steps), List::new(&sc.on_connect), List::new(&sc.on_unexpected_disconnect)],
            tasks: Vec::new(),
        }
    }

    /// The next call of `c`, skipping `repeat = 0` and finished steps.
    fn next(&self, c: &mut Cursor) -> Option<Yield> {
        let list = &self.lists[c.list];
        while let Some(s) = list.steps.get(c.step as usize) {
            if c.iter < s.repeat {
                c.in_call = true;
                let call = list.calls[c.step as usize].clone();
                return Some(Yield::Call { call, site: Site::Step { step: c.step, iter: c.iter } });
            }
            c.step += 1;
            c.iter = 0;
        }
        None
    }
}

impl Program for StepRunner {
    fn start(&mut self, task: TaskId, start: Start) {
        let list = match start {
            Start::Main => MAIN,
            Start::Callback { callback, .. } => callback.0 as usize,
        };
        self.tasks.push(Cursor { task, list, step: 0, iter: 0, in_call: false });
    }

    fn resume(&mut self, task: TaskId, outcome: Option<&Outcome>, _budget: &mut Budget) -> Yield {
        let Some(i) = self.tasks.iter().position(|c| c.task == task) else { return Yield::Finished };
        let mut c = self.tasks[i];
        if let (Some(outcome), true) = (outcome, c.in_call) {
            c.in_call = false;
            let step = &self.lists[c.list].steps[c.step as usize];
            if !step.on_ret.is_empty() && wants_retry(step, outcome) {
                self.tasks[i] = c;
                return Yield::Retry(Duration::from_secs_f64(step.retry_after_s).max(MIN_RETRY_PAUSE));
            }
            c.iter += 1;
            if let Call::ImpWakeup { seconds, callback: None } = self.lists[c.list].calls[c.step as usize] {
                self.tasks[i] = c;
                return Yield::Idle(Duration::from_secs_f64(seconds));
            }
        }
        match self.next(&mut c) {
            Some(y) => {
                self.tasks[i] = c;
                y
            }
            None => {
                self.tasks.swap_remove(i);
                Yield::Finished
            }
        }
    }

    fn restart(&mut self) {
        self.tasks.clear();
    }

    fn registered(&self, kind: Handler) -> Option<CallbackId> {
        let list = match kind {
            Handler::OnConnect => ON_CONNECT,
            Handler::OnUnexpectedDisconnect => ON_UNEXPECTED_DISCONNECT,
            _ => return None,
        };
        (!self.lists[list].steps.is_empty()).then_some(CallbackId(list as u64))
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
