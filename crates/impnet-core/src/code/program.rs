//! One run of device code in a VM (SPEC §14 "Time", "Sleep", "Trace"): the program's main task
//! (each library file's top level, then the main file's), callback tasks, model calls that
//! suspend and resume, and the restart that a warm boot or an uncaught error brings, with the
//! `nv` table carried across.
//!
//! The event loop's *when* (timers, due order, the model's answers) is the device's; this type
//! only runs what it is told to run and reports what the script asked for. `run` executes at
//! most `fuel` instructions, so the driver charges the run-wide instruction budget.

use super::natives::{install, DeviceHost, DEFAULT_START_EPOCH};
use crate::program::Call;
use super::{Code, CodeError};
use impnet_squirrel::{Handle, Heap, Outcome, RuntimeError, Value, Vm};

/// What a `run` ended with.
#[derive(Debug)]
pub enum Yield {
    /// The script made a model call: take it ([`Program::take_call`]), hand it to the model,
    /// then [`Program::resume`].
    Call,
    /// The current task returned; Squirrel is idle.
    Idle,
    /// The current task failed and nothing caught it (§14: `squirrel_error`, then a restart).
    /// Boxed: a `Yield` is returned at every model call, an error once.
    Error(Box<RuntimeError>),
    /// The fuel is spent; `run` again to go on.
    OutOfFuel,
}

/// Device code in its VM.
pub struct Program {
    vm: Vm<DeviceHost>,
    /// Each file's top level, in run order (kept alive across collections).
    files: Vec<Handle>,
    /// The next file of the main task to start, while the main task runs.
    next_file: Option<usize>,
}

/// How a (re)start begins.
#[derive(Clone, Copy, Debug)]
pub struct Boot {
    /// `math.rand()`'s seed (§14: its own seeded stream).
    pub seed: u64,
    /// `time()` at power-on.
    pub start_epoch: u64,
    /// `hardware.wakereason()` (0 power-on, 1 timer wake, 5 after an error).
    pub wakereason: i32,
    /// Agent code reads what `agent.send` sends (`DeviceHost::agent_reads`).
    pub agent_reads: bool,
}

impl Default for Boot {
    fn default() -> Self {
        Boot { seed: 0, start_epoch: DEFAULT_START_EPOCH, wakereason: 0, agent_reads: true }
    }
}

impl Program {
    /// A VM with the imp API installed and every file compiled; nothing runs until
    /// [`Program::start_main`].
    pub fn new(code: &Code, boot: Boot) -> Result<Program, CodeError> {
        let host = DeviceHost {
            start_epoch: boot.start_epoch,
            wakereason: boot.wakereason,
            agent_reads: boot.agent_reads,
            ..DeviceHost::default()
        };
        let mut vm = Vm::new(host);
        vm.seed(boot.seed);
        install(&mut vm);
        let mut files = Vec::with_capacity(code.files.len());
        for f in &code.files {
            let top = vm.compile(&f.name, &f.text).map_err(CodeError::Compile)?;
            files.push(vm.keep(top));
        }
        Ok(Program { vm, files, next_file: None })
    }

    /// The host state natives read and write (time, registrations).
    pub fn host(&mut self) -> &mut DeviceHost {
        &mut self.vm.host
    }

    pub fn vm(&mut self) -> &mut Vm<DeviceHost> {
        &mut self.vm
    }

    /// L1 / warm boot: the main task starts (libraries first).
    pub fn start_main(&mut self) {
        self.next_file = Some(0);
    }

    /// A callback task (`imp.wakeup`'s function, a `server.connect` callback with its reason).
    /// Refused (false) while another task is unfinished.
    pub fn start_callback(&mut self, h: Handle, args: &[Value]) -> bool {
        self.next_file.is_none() && self.vm.start_handle(h, args).is_ok()
    }

    pub fn is_idle(&self) -> bool {
        self.next_file.is_none() && self.vm.is_idle()
    }

    /// Gives the suspended model call its result (§14 "Blocking calls").
    pub fn resume(&mut self, v: Value) {
        self.vm.resume(v);
    }

    /// Makes the suspended model call throw (§13 "Errors": B4, C6, U1–U4).
    pub fn resume_error(&mut self, message: impl Into<String>) {
        self.vm.resume_error(message);
    }

    /// Runs the current task at virtual time `now_us` for at most `fuel` instructions.
    /// Inlined: the device runs it at every model call.
    #[inline]
    pub fn run(&mut self, now_us: u64, fuel: u64) -> Yield {
        self.vm.host.now_us = now_us;
        loop {
            if self.vm.is_idle() {
                // The main task is the files' top levels one after another.
                let Some(i) = self.next_file else { return Yield::Idle };
                let Some(&h) = self.files.get(i) else {
                    self.next_file = None;
                    return Yield::Idle;
                };
                self.next_file = Some(i + 1);
                if self.vm.start_handle(h, &[]).is_err() {
                    return Yield::Idle;
                }
            }
            match self.vm.run(fuel) {
                Outcome::Suspended(()) => return Yield::Call,
                Outcome::Finished(_) if self.next_file.is_some() => continue,
                Outcome::Finished(_) => return Yield::Idle,
                Outcome::Error(e) => {
                    self.next_file = None;
                    return Yield::Error(e);
                }
                Outcome::OutOfFuel => return Yield::OutOfFuel,
            }
        }
    }

    /// The model call a [`Yield::Call`] stopped at, built in the host so that it moves once,
    /// to the device (issue 9 item 6); its site and the rest are in [`DeviceHost::at`].
    pub fn take_call(&mut self) -> Option<Call> {
        self.vm.host.call.take()
    }

    /// Instructions the current task has executed (the watchdog counts these).
    pub fn task_instructions(&self) -> u64 {
        self.vm.task_instructions()
    }

    /// §14 "Sleep" and "Trace": Squirrel restarts from the top in a fresh VM; the `nv` table
    /// survives (its data: numbers, strings, blobs, arrays and tables; functions and objects
    /// are dropped, as they cannot be stored).
    pub fn restart(&self, code: &Code, boot: Boot) -> Result<Program, CodeError> {
        let mut next = Program::new(code, boot)?;
        let old = self.vm.heap();
        if let Some(nv) = old.get_field(self.vm.root(), "nv") {
            if let Ok(copy) = copy_data(old, nv, next.vm.heap_mut(), 0) {
                let root = next.vm.root();
                let _ = next.vm.set_slot(root, "nv", copy);
            }
        }
        Ok(next)
    }
}

/// Copies plain data from one VM heap to another; anything else becomes null. Bounded in
/// depth (a table that contains itself is cut there).
fn copy_data(from: &Heap, v: Value, to: &mut Heap, depth: usize) -> Result<Value, impnet_squirrel::OutOfMemory> {
    if depth > 64 {
        return Ok(Value::Null);
    }
    Ok(match v {
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => v,
        Value::Str(r) => to.string(from.str_bytes(r))?,
        Value::Blob(r) => to.new_blob(from.blob(r).data.clone())?,
        Value::Array(r) => {
            let mut items = Vec::with_capacity(from.array(r).len());
            for &item in from.array(r) {
                items.push(copy_data(from, item, to, depth + 1)?);
            }
            to.new_array(items)?
        }
        Value::Table(r) => {
            let t = to.new_table()?;
            let Value::Table(tr) = t else { return Ok(Value::Null) };
            for (&k, &item) in from.table(r) {
                let k = copy_data(from, k, to, depth + 1)?;
                let item = copy_data(from, item, to, depth + 1)?;
                if k != Value::Null {
                    to.table_insert(tr, k, item)?;
                }
            }
            t
        }
        _ => Value::Null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::resolve;

    /// A model call as the tests read it.
    #[derive(Debug)]
    struct Made {
        call: Call,
        file: std::rc::Rc<str>,
        line: u32,
    }

    fn code(main: &str, libs: &[(&str, &str)]) -> Code {
        resolve("device.nut", main, &mut |n| libs.iter().find(|(name, _)| *name == n).map(|(_, t)| t.to_string())).unwrap()
    }

    fn text(c: &Made) -> String {
        match &c.call {
            Call::ServerLog { text: Some(t), .. } | Call::ServerError { text: Some(t), .. } => t.to_string(),
            other => panic!("not a log: {other:?}"),
        }
    }

    /// Runs until idle, answering every model call with `reply`; the calls made.
    fn drive(p: &mut Program, reply: impl Fn(&Call) -> Value) -> Vec<Made> {
        let mut calls = Vec::new();
        loop {
            match p.run(0, 1_000_000) {
                Yield::Call => {
                    let call = p.take_call().expect("a call");
                    let at = &p.host().at;
                    let c = Made { call, file: at.file.clone(), line: at.line };
                    p.resume(reply(&c.call));
                    calls.push(c);
                }
                Yield::Idle => return calls,
                Yield::Error(e) => panic!("{e}"),
                Yield::OutOfFuel => panic!("out of fuel"),
            }
        }
    }

    #[test]
    fn section14_libraries_run_before_the_main_program_and_calls_name_their_file() {
        let c = code("#require \"Log.lib.nut:1.0.0\"\nLog.say(\"hi\");\n", &[("Log.lib.nut", "Log <- {\n  say = function(s) { server.log(s); }\n};\nserver.log(\"lib loaded\");\n")]);
        let mut p = Program::new(&c, Boot::default()).unwrap();
        p.start_main();
        let calls = drive(&mut p, |_| Value::Int(0));
        let sites: Vec<_> = calls.iter().map(|c| (&*c.file, c.line, text(c))).collect();
        assert_eq!(sites, [("Log.lib.nut", 4, "lib loaded".to_string()), ("Log.lib.nut", 2, "hi".to_string())]);
        assert!(p.is_idle());
    }

    #[test]
    fn section14_calls_alternating_between_files_each_name_their_own() {
        // Issue 9 item 6: the host keeps the last call's file and replaces it only when a call
        // comes from another one; a loop going back and forth must see each switch.
        let c = code(
            "#require \"A.lib.nut:1\"\nfor (local i = 0; i < 2; i++) {\n  A.log(i);\n  server.log(\"m\" + i);\n}\n",
            &[("A.lib.nut", "A <- { log = function(i) { server.log(\"a\" + i); } };\n")],
        );
        let mut p = Program::new(&c, Boot::default()).unwrap();
        p.start_main();
        let calls = drive(&mut p, |_| Value::Int(0));
        let sites: Vec<_> = calls.iter().map(|c| (&*c.file, c.line, text(c))).collect();
        let want = [("A.lib.nut", 1, "a0"), ("device.nut", 4, "m0"), ("A.lib.nut", 1, "a1"), ("device.nut", 4, "m1")];
        assert_eq!(sites, want.map(|(f, l, t)| (f, l, t.to_string())));
    }

    #[test]
    fn section14_a_blocking_call_deep_in_a_method_resumes_with_the_models_result() {
        let c = code(
            "class S { function go() { return [1].map(@(x) agent.send(\"r\", x))[0]; } }\nlocal r = S().go();\nserver.log(\"got \" + r);\n",
            &[],
        );
        let mut p = Program::new(&c, Boot::default()).unwrap();
        p.start_main();
        let calls = drive(&mut p, |call| if call.kind().as_str() == "agent.send" { Value::Int(4) } else { Value::Int(0) });
        let value = Some(std::sync::Arc::new(crate::agent::Payload::Int(1)));
        assert_eq!(calls[0].call, Call::AgentSend { name: "r".into(), bytes: 5, value });
        assert_eq!(text(&calls[1]), "got 4");
    }

    #[test]
    fn s15_agent_send_copies_its_value_only_for_agent_code_and_shares_repeated_names() {
        // Issue 9 item 6: a loop of sends costs no copy nor name per call when no agent reads.
        let src = "foreach (n in [\"d\", \"d\", \"e\", @\"x\"]) agent.send(n, [n, 2]);\n";
        for agent_reads in [true, false] {
            let mut p = Program::new(&code(src, &[]), Boot { agent_reads, ..Boot::default() }).unwrap();
            p.start_main();
            let calls = drive(&mut p, |_| Value::Int(0));
            let sends: Vec<_> = calls
                .iter()
                .map(|c| match &c.call {
                    Call::AgentSend { name, bytes, value } => (name.clone(), *bytes, value.clone()),
                    other => panic!("not a send: {other:?}"),
                })
                .collect();
            let names: Vec<&str> = sends.iter().map(|(n, _, _)| &**n).collect();
            assert_eq!(names, ["d", "d", "e", "x"]);
            assert!(std::sync::Arc::ptr_eq(&sends[0].0, &sends[1].0), "the second \"d\" shares the first's name");
            // [name, 2]: 5 + (5 + 1) + 5, the size with or without a copy.
            assert!(sends.iter().all(|s| s.1 == 16), "{sends:?}");
            let copied = sends.iter().map(|s| s.2.as_deref().cloned()).collect::<Vec<_>>();
            let want = |n: &str| Some(crate::agent::Payload::Array(vec![crate::agent::Payload::Str(n.into()), crate::agent::Payload::Int(2)]));
            match agent_reads {
                true => assert_eq!(copied, [want("d"), want("d"), want("e"), want("x")]),
                false => assert_eq!(copied, [None, None, None, None]),
            }
        }
    }

    #[test]
    fn s15_agent_send_refuses_what_it_cannot_send_with_or_without_agent_code() {
        // The size's walk refuses what the copy would: the same runtime error either way.
        for agent_reads in [true, false] {
            let mut p = Program::new(&code("local t = {}; t.me <- t; agent.send(\"d\", t);\n", &[]), Boot { agent_reads, ..Boot::default() }).unwrap();
            p.start_main();
            let Yield::Error(e) = p.run(0, 1_000_000) else { panic!("sent a cycle") };
            assert!(e.message.contains("agent.send cannot send a table or array that contains itself"), "{}", e.message);
            let mut p = Program::new(&code("agent.send(1, 2);\n", &[]), Boot { agent_reads, ..Boot::default() }).unwrap();
            p.start_main();
            let Yield::Error(e) = p.run(0, 1_000_000) else { panic!("sent with a number as its name") };
            assert!(e.message.contains("agent.send: expected a string, got integer"), "{}", e.message);
        }
    }

    #[test]
    fn section14_callbacks_run_as_their_own_tasks() {
        let c = code("imp.wakeup(1, function() { server.log(\"woke\"); });\n", &[]);
        let mut p = Program::new(&c, Boot::default()).unwrap();
        p.start_main();
        let Yield::Call = p.run(0, 1_000_000) else { panic!() };
        let w = p.take_call().expect("a call");
        let Call::ImpWakeup { seconds, callback: Some(cb) } = w else { panic!("{w:?}") };
        assert_eq!(seconds, 1.0);
        p.resume(Value::Int(1));
        assert!(matches!(p.run(0, 1_000_000), Yield::Idle));
        let h = p.host().callback(cb).unwrap();
        assert!(p.start_callback(h, &[]));
        let calls = drive(&mut p, |_| Value::Int(0));
        assert_eq!(text(&calls[0]), "woke");
    }

    #[test]
    fn section14_nv_survives_a_restart_and_wakereason_is_the_boots() {
        let src = "if (!(\"nv\" in getroottable())) ::nv <- {};\nif (!(\"n\" in nv)) nv.n <- 0;\nnv.n++;\nnv.tag <- \"x\";\nnv.f <- @() 1;\nserver.log(nv.n + \" \" + hardware.wakereason());\n";
        let c = code(src, &[]);
        let mut p = Program::new(&c, Boot::default()).unwrap();
        p.start_main();
        assert_eq!(text(&drive(&mut p, |_| Value::Int(0))[0]), "1 0");
        let mut q = p.restart(&c, Boot { wakereason: 5, ..Boot::default() }).unwrap();
        q.start_main();
        assert_eq!(text(&drive(&mut q, |_| Value::Int(0))[0]), "2 5");
        // A fresh power-on (a new Program) starts with no nv.
        let mut r = Program::new(&c, Boot::default()).unwrap();
        r.start_main();
        assert_eq!(text(&drive(&mut r, |_| Value::Int(0))[0]), "1 0");
    }

    #[test]
    fn section14_math_rand_is_seeded_from_the_scenario() {
        let c = code("server.log(math.rand());\n", &[]);
        let text = |seed| {
            let mut p = Program::new(&c, Boot { seed, ..Boot::default() }).unwrap();
            p.start_main();
            text(&drive(&mut p, |_| Value::Int(0))[0])
        };
        assert_eq!(text(1), text(1));
        assert_ne!(text(1), text(2));
    }

    #[test]
    fn an_uncaught_error_ends_the_main_task_and_later_files_do_not_run() {
        let c = code("#require \"A.lib.nut:1\"\nserver.log(\"main\");\n", &[("A.lib.nut", "local t = {};\nt.missing;\n")]);
        let mut p = Program::new(&c, Boot::default()).unwrap();
        p.start_main();
        let Yield::Error(e) = p.run(0, 1_000_000) else { panic!() };
        assert_eq!((e.file.as_str(), e.line, e.message.as_str()), ("A.lib.nut", 2, "the index 'missing' does not exist"));
        assert!(p.is_idle());
        assert!(matches!(p.run(0, 1_000_000), Yield::Idle));
    }
}
