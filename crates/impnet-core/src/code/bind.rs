//! Device code behind the device's program seam (`crate::program::Program`, issue #8): the
//! device starts tasks and callbacks, the VM runs until its next model call, the device
//! carries the call out and resumes the VM with its result (SPEC §14 "Blocking calls").

use super::natives::wakeup_handle;
use super::program::{Boot, Program, Yield as VmYield};
use super::shared::run_charged;
use super::{Code, CodeError, MAIN_FILE};
use crate::budget::{Budget, Work};
use crate::agent::Payload;
use crate::program::{self as seam, Call, CallbackId, CodeSite, Site, Start, TaskId};
use crate::time::Instant;
use crate::trace::{Handler, Outcome, Ret};
use impnet_squirrel::{Handle, Value};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

/// A Squirrel program the device runs.
pub struct DeviceCode {
    code: Code,
    boot: Boot,
    vm: Program,
    /// What the model call the VM is suspended in gives Squirrel back.
    pending: Pending,
    /// Why the next restart happens: an uncaught error (wakereason 5) or a warm boot (1).
    errored: bool,
    /// Agent messages waiting for their `agent.on` task, by the callback that runs it (§15).
    messages: BTreeMap<CallbackId, Payload>,
    /// Virtual time of the current run (the device's, `set_now`).
    now: Instant,
    /// The file of the last call site and its name as a site gives it (`None`: the main file).
    site_file: Option<(Rc<str>, Option<Arc<str>>)>,
    /// Work units a restart cost (a fresh VM, the imp API installed, every file compiled),
    /// charged to the run's budget at the next resume.
    owed: u64,
}

/// A restart's cost in budget units (about 4 ns each natively): a fresh VM with the imp API
/// installed measures ~2 ms, compiling ~0.1 µs per source byte (release build, 2-core
/// machine). Without it, a program that throws at the top restarts 8 640 times a virtual day
/// for free (issue 13: every run's work is bounded).
const RESTART_UNITS: u64 = 500_000;
const RESTART_UNITS_PER_BYTE: u64 = 25;

/// What the suspended call gives Squirrel besides (or instead of) the model's return value.
/// Small: it is written at every call.
#[derive(Default)]
struct Pending {
    /// `interface.openudp`: the udpsocket object.
    object: Option<Handle>,
    /// `imp.wakeup(s, fn)`: the timer's handle.
    wakeup: Option<Value>,
    /// The native's next model call at the same site (`server.sleepfor`'s deep sleep).
    then: Option<Box<(Call, Site)>>,
}

impl DeviceCode {
    pub fn new(code: Code, seed: u64, start_epoch: u64) -> Result<DeviceCode, CodeError> {
        let boot = Boot { seed, start_epoch, ..Boot::default() };
        let vm = Program::new(&code, boot)?;
        Ok(DeviceCode { code, boot, vm, pending: Pending::default(), errored: false, messages: BTreeMap::new(), now: Instant::ZERO, site_file: None, owed: 0 })
    }

    /// No agent code runs (§15): `agent.send` hands the model its wire size, not a copy of
    /// the value nobody will read.
    pub fn without_agent(mut self) -> DeviceCode {
        self.boot.agent_reads = false;
        self.vm.host().agent_reads = false;
        self
    }

    fn site(&self, file: &str, line: u32) -> Site {
        Site::Code(CodeSite { line, file: file_name(&self.code, file) })
    }

    /// The model call the VM stopped at, handed to the device: its `Call` moves once, out of
    /// the host as the last step (straight into the `Yield`), and the rest is read where the
    /// native wrote it.
    fn call(&mut self) -> seam::Yield {
        let host = self.vm.host();
        let wakeup = match &host.call {
            None => return seam::Yield::Finished,
            Some(Call::ImpWakeup { callback: Some(id), .. }) => Some(wakeup_handle(*id)),
            Some(_) => None,
        };
        let at = &mut host.at;
        // The last call's file answers again without comparing names (a loop's calls share
        // the VM's `Rc` of their file).
        let named = match &self.site_file {
            Some((last, named)) if Rc::ptr_eq(last, &at.file) => named.clone(),
            _ => {
                let named = file_name(&self.code, &at.file);
                self.site_file = Some((at.file.clone(), named.clone()));
                named
            }
        };
        let site = Site::Code(CodeSite { line: at.line, file: named });
        // Field by field (a whole `Pending` is dropped and written through a call); `then`
        // only when there is one: the previous call's was taken when it returned.
        self.pending.object = at.object.take();
        self.pending.wakeup = wakeup;
        if let Some(then) = at.then.take() {
            self.pending.then = Some(Box::new((*then, site.clone())));
        }
        match self.vm.take_call() {
            Some(call) => seam::Yield::Call { call, site },
            None => seam::Yield::Finished,
        }
    }
}

/// A site's `file`: `None` for the main file.
fn file_name(code: &Code, file: &str) -> Option<Arc<str>> {
    (file != MAIN_FILE && Some(file) != code.files.last().map(|f| f.name.as_str())).then(|| Arc::from(file))
}

/// What a model call's return value is in Squirrel.
fn value_of(r: &Ret) -> Value {
    match r {
        Ret::Int(i) => Value::Int(*i as i32),
        Ret::Bool(b) => Value::Bool(*b),
        Ret::Null => Value::Null,
    }
}

impl seam::Program for DeviceCode {
    fn start(&mut self, _task: TaskId, start: Start) {
        match start {
            Start::Main => self.vm.start_main(),
            Start::Callback { callback, kind, reason } => {
                let Some(h) = self.vm.host().callback(callback) else { return };
                let mut args: Vec<Value> = reason.map(|r| Value::Int(r.code() as i32)).into_iter().collect();
                if let Some(p) = self.messages.remove(&callback) {
                    // §15: the agent's value, rebuilt in this VM's heap.
                    args.push(p.to_value(self.vm.vm().heap_mut()).unwrap_or(Value::Null));
                }
                // One-shot callbacks are released once their task starts.
                let one_shot = matches!(kind, Handler::Wakeup | Handler::OnIdle | Handler::AgentOn);
                if one_shot {
                    self.vm.host().callbacks[callback.0 as usize] = None;
                    self.vm.host().wakeups.remove(&callback.0);
                }
                let vm = self.vm.vm();
                let f = vm.handle(h).unwrap_or(Value::Null);
                if one_shot {
                    vm.release(h);
                }
                let _ = vm.start(f, &args);
            }
        }
    }

    fn resume(&mut self, _task: TaskId, outcome: Option<&Outcome>, budget: &mut Budget) -> seam::Yield {
        if self.owed > 0 {
            if let Err(e) = budget.charge(Work::Instruction, std::mem::take(&mut self.owed)) {
                return seam::Yield::OutOfBudget(e);
            }
        }
        if let Some(o) = outcome {
            // Field by field, not the whole `Pending` taken and matched: this runs at every
            // model call's return.
            if let Some(then) = self.pending.then.take() {
                // The native is not done: its next model call (no return to Squirrel between).
                let (call, site) = *then;
                return seam::Yield::Call { call, site };
            }
            let (object, wakeup) = (self.pending.object.take(), self.pending.wakeup.take());
            match o {
                Outcome::Error(e) => self.vm.resume_error(e.as_str()),
                Outcome::Returned(r) => {
                    let v = match (object, wakeup) {
                        (Some(h), _) => self.vm.vm().release(h).unwrap_or_else(|| value_of(r)),
                        (None, Some(w)) => w,
                        (None, None) => value_of(r),
                    };
                    self.vm.resume(v);
                }
            }
        }
        let now = self.now.micros;
        let run = |vm: &mut Program, fuel| match vm.run(now, fuel) {
            VmYield::OutOfFuel => None,
            y => Some(y),
        };
        match run_charged(&mut self.vm, budget, Program::task_instructions, run) {
            Err(e) => seam::Yield::OutOfBudget(e),
            Ok(VmYield::Call) => self.call(),
            Ok(VmYield::Idle | VmYield::OutOfFuel) => seam::Yield::Finished,
            Ok(VmYield::Error(e)) => {
                let e = *e;
                self.errored = true;
                let site = self.site(&e.file, e.line);
                seam::Yield::Error { error: e.message, site }
            }
        }
    }

    fn set_now(&mut self, now: Instant) {
        self.now = now;
    }

    fn restart(&mut self) {
        let bytes: u64 = self.code.files.iter().map(|f| f.text.len() as u64).sum();
        self.owed += RESTART_UNITS + bytes * RESTART_UNITS_PER_BYTE;
        let wakereason = if std::mem::take(&mut self.errored) { 5 } else { 1 };
        let boot = Boot { wakereason, ..self.boot };
        if let Ok(next) = self.vm.restart(&self.code, boot) {
            self.vm = next;
        }
        self.pending = Pending::default();
        self.site_file = None;
        self.messages.clear();
    }

    fn agent_message(&mut self, name: &str, value: &Payload) -> Option<CallbackId> {
        let h = self.vm.host().agent_on.iter().find(|(n, _)| n == name)?.1;
        // A one-shot callback of its own: the handler may be replaced before the task runs.
        let vm = self.vm.vm();
        let f = vm.handle(h)?;
        let kept = vm.keep(f);
        let host = self.vm.host();
        host.callbacks.push(Some(kept));
        let id = CallbackId(host.callbacks.len() as u64 - 1);
        self.messages.insert(id, value.clone());
        Some(id)
    }
}
