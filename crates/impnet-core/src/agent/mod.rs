//! Agent code (SPEC §15): the second program of an imp application, run in its own VM in the
//! same virtual time as the device.
//!
//! Sans-IO like the rest of the core: the driver hands in time and device messages, and reads
//! back what the agent did.
//! - [`Agent::start`] runs the program's main body (at t = 0: the agent is up before the
//!   device): its libraries' top levels first (`#require`/`@include`, resolved as device code's
//!   are: `code::resolve`), then its own.
//! - [`Agent::receive`] queues a device message whose last byte the agent has drained (T5).
//! - [`Agent::poll_timeout`] says when the next task is due; [`Agent::handle_timeout`] runs
//!   every task due by then, in the order they became due, ties by registration order (§14
//!   "Event loop": `imp.wakeup` timers and arriving messages share one order).
//! - [`Agent::poll`] yields [`AgentEvent`]s: log and `device.send` calls, message receipts and
//!   drops, runtime errors.
//!
//! Every instruction is charged to the run's [`Budget`]; a task over §14's watchdog ends as a
//! runtime error and the agent goes on (its handlers and timers stay).
//!
//! - `natives`: the agent API; `payload`: values crossing between the VMs; `json`:
//!   `http.jsonencode`/`jsondecode`.
//! - `inbox`: device → agent messages waiting for the agent to read their last byte (T5);
//!   `downlink`: agent → device messages on their way down (`downlink_bps`, losses).

pub mod downlink;
pub mod inbox;
pub mod json;
pub mod natives;
pub mod payload;
mod queue;

pub use natives::{AgentHost, AgentOutput};
pub use payload::Payload;

use crate::budget::{Budget, Exhausted, InstantCallbacks, Stop, Work};
use crate::code::shared::run_charged;
use crate::code::{Code, CodeError};
use crate::time::Instant;
use queue::Task;
use impnet_squirrel::{ErrorKind, Handle, Outcome, Vm};
use std::collections::VecDeque;

/// The file name agent code has in traces and errors.
pub const AGENT_FILE: &str = "agent.nut";

/// A scenario's agent code resolved against its `libs` (the same files device code's
/// `#require`/`@include` find); `None` without agent code.
pub fn code_of(sc: &crate::Scenario) -> Option<Result<Code, CodeError>> {
    let main = sc.agent_code.as_deref()?;
    Some(crate::code::resolve(AGENT_FILE, main, &mut |name| sc.libs.get(name).cloned()))
}

/// What the agent did, for the model and the trace (§15 "Trace").
#[derive(Clone, Debug, PartialEq)]
pub enum AgentEvent {
    /// A `server.log`/`server.error`/`device.send` call.
    Call { at: Instant, output: AgentOutput },
    /// Device message `msg` ran its `device.on` handler (`agent_received`).
    Received { at: Instant, msg: u64, name: String },
    /// Device message `msg` had no `device.on` handler for its name: dropped, with a note.
    NoHandler { at: Instant, msg: u64, name: String },
    /// An uncaught error ended a task (`watchdog` included).
    Error { at: Instant, error: String, file: String, line: u32, watchdog: bool },
}

impl AgentEvent {
    pub fn at(&self) -> Instant {
        match self {
            AgentEvent::Call { at, .. }
            | AgentEvent::Received { at, .. }
            | AgentEvent::NoHandler { at, .. }
            | AgentEvent::Error { at, .. } => *at,
        }
    }
}

pub struct Agent {
    vm: Vm<AgentHost>,
    /// Each file's top level in run order, libraries first: the main body runs them all.
    files: Vec<Handle>,
    events: VecDeque<AgentEvent>,
    /// Tasks begun at the current instant (bounded as the device's callbacks are).
    instant_tasks: InstantCallbacks,
}

impl Agent {
    /// Compiles agent code, every file of it (refused at load with `file:line:col: message`);
    /// nothing runs yet.
    pub fn load(code: &Code, seed: u64, start_epoch: u64) -> Result<Agent, CodeError> {
        let mut vm = Vm::new(AgentHost::new(start_epoch));
        // Its own math.rand() stream: the agent's draws never shift the device's.
        vm.seed(seed ^ 0xa6e7_0000_0000_0001);
        natives::install(&mut vm);
        let mut files = Vec::with_capacity(code.files.len());
        for f in &code.files {
            let top = vm.compile(&f.name, &f.text).map_err(CodeError::Compile)?;
            files.push(vm.keep(top));
        }
        Ok(Agent { vm, files, events: VecDeque::new(), instant_tasks: InstantCallbacks::default() })
    }

    /// Runs the main body at `at`: the files' top levels one after another, as device code's
    /// main task does; an uncaught error ends it and later files do not run.
    pub fn start(&mut self, at: Instant, budget: &mut Budget) -> Result<(), Exhausted> {
        // Every handle is released, also those of files an error kept from running.
        let mut going = Ok(true);
        for h in std::mem::take(&mut self.files) {
            let run = matches!(going, Ok(true)) && self.vm.start_handle(h, &[]).is_ok();
            self.vm.release(h);
            if run {
                going = self.drive(at, budget);
            } else if going.is_ok() {
                going = Ok(false);
            }
        }
        going.map(drop)
    }

    /// `device.isconnected()` from now on (§15: the server's view).
    pub fn set_device_connected(&mut self, connected: bool) {
        self.vm.host.device_connected = connected;
    }

    /// A device message whose last byte the agent drained at `at` (T5). It runs at the next
    /// [`Agent::handle_timeout`] at or after `at`, after tasks that became due earlier.
    pub fn receive(&mut self, at: Instant, msg: u64, name: String, payload: Payload) {
        self.vm.host.queue.message(at, msg, name, payload);
    }

    /// When the next task is due, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.vm.host.queue.next_due()
    }

    /// Runs every task due at or before `now`, each at its own due time; each task is a turn
    /// of the agent's event loop, charged to the run's budget like the simulation's own turns.
    /// `Err` stops the run: the budget ran out, or a task that re-arms `imp.wakeup(0, f)`
    /// forever held time still (the device's limit, `MAX_CALLBACKS_PER_INSTANT`).
    pub fn handle_timeout(&mut self, now: Instant, budget: &mut Budget) -> Result<(), Stop> {
        let spent = |exhausted| Stop::Budget { at: now, exhausted };
        while let Some((due, task)) = self.vm.host.queue.pop_due(now) {
            budget.charge(Work::Turn, 1).map_err(spent)?;
            self.instant_tasks.count(due)?;
            match task {
                Task::Timer { callback } => {
                    // The VM is idle between tasks (agent natives never suspend), so this starts.
                    let started = self.vm.start_handle(callback, &[]).is_ok();
                    self.vm.release(callback);
                    if started {
                        self.drive(due, budget).map_err(spent)?;
                    }
                }
                Task::Message { msg, name, payload } => self.deliver(due, msg, name, payload, budget).map_err(spent)?,
            }
        }
        Ok(())
    }

    /// The next event, oldest first.
    pub fn poll(&mut self) -> Option<AgentEvent> {
        self.events.pop_front()
    }

    fn deliver(&mut self, at: Instant, msg: u64, name: String, payload: Payload, budget: &mut Budget) -> Result<(), Exhausted> {
        let Some(h) = self.vm.host.handler(&name) else {
            self.events.push_back(AgentEvent::NoHandler { at, msg, name });
            return Ok(());
        };
        self.events.push_back(AgentEvent::Received { at, msg, name });
        match payload.to_value(self.vm.heap_mut()) {
            Ok(v) if self.vm.start_handle(h, &[v]).is_ok() => self.drive(at, budget).map(drop),
            Ok(_) => Ok(()),
            Err(_) => {
                let error = "out of memory".to_string();
                self.events.push_back(AgentEvent::Error { at, error, file: AGENT_FILE.into(), line: 0, watchdog: false });
                Ok(())
            }
        }
    }

    /// Runs the started task to its end at `at` (agent natives never suspend), charging its
    /// instructions to the run's budget. `Ok(false)` when an uncaught error ended it.
    fn drive(&mut self, at: Instant, budget: &mut Budget) -> Result<bool, Exhausted> {
        self.vm.host.now = at;
        let run = |vm: &mut Vm<AgentHost>, fuel| match vm.run(fuel) {
            Outcome::OutOfFuel => None,
            o => Some(o),
        };
        let outcome = run_charged(&mut self.vm, budget, Vm::task_instructions, run);
        // What the task did before the budget ran out is part of the trace too.
        for output in self.vm.host.out.drain(..) {
            self.events.push_back(AgentEvent::Call { at, output });
        }
        match outcome? {
            Outcome::Error(e) => {
                let watchdog = e.kind == ErrorKind::Watchdog;
                self.events.push_back(AgentEvent::Error { at, error: e.message, file: e.file, line: e.line, watchdog });
                Ok(false)
            }
            Outcome::Finished(_) | Outcome::OutOfFuel => Ok(true),
            Outcome::Suspended(never) => match never {},
        }
    }
}

#[cfg(test)]
mod tests;
