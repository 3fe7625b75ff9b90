//! Issue 8 item 1: the device runs any program through the seam (`impnet_core::program`).
//! A small program written directly against it — not a step list — with its own call stack,
//! shows that a call suspends deep in that stack and resumes later with its result, also
//! inside a callback; that callbacks are handles the program owns and the device schedules;
//! and that an uncaught error writes `squirrel_error` and restarts Squirrel (§14).
use impnet_core::budget::Budget;
use impnet_core::program::{Call, CallbackId, CodeSite, Program, Site, Start, TaskId, Yield};
use impnet_core::scenario::{Arg, Scenario};
use impnet_core::sim::run_program;
use impnet_core::trace::{Handler, Outcome, Ret};
use impnet_core::RunOptions;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// One instruction of the toy language.
#[derive(Clone)]
enum Op {
    /// A model call made at this source line.
    Call(Call, u32),
    /// Call function `n` (a new frame on the task's stack).
    Enter(usize),
    /// Throw an uncaught error at this line, the first `n` times the op runs.
    Fail(&'static str, u32, u32),
    /// Compute for this many instructions (charged at once, as a VM charges a fuel slice).
    Busy(u64),
    /// Jump back to the function's first op.
    Again,
}

/// Functions are op lists; function 0 is main; a callback is a function index.
struct Toy {
    functions: Vec<Vec<Op>>,
    /// Per task: its frames (function, next op).
    stacks: HashMap<TaskId, Vec<(usize, usize)>>,
    /// Every outcome the device resumed a call with, by line.
    seen: Rc<RefCell<Vec<(u32, Outcome)>>>,
    /// The line of each task's call in progress.
    calling: HashMap<TaskId, u32>,
    /// Calls each task started with (to check the reason a callback gets).
    started: Rc<RefCell<Vec<Start>>>,
    fails: HashMap<u32, u32>,
}

impl Toy {
    fn new(functions: Vec<Vec<Op>>) -> Self {
        Toy {
            functions,
            stacks: HashMap::new(),
            seen: Rc::default(),
            calling: HashMap::new(),
            started: Rc::default(),
            fails: HashMap::new(),
        }
    }
}

impl Program for Toy {
    fn start(&mut self, task: TaskId, start: Start) {
        self.started.borrow_mut().push(start);
        let f = match start {
            Start::Main => 0,
            Start::Callback { callback, .. } => callback.0 as usize,
        };
        self.stacks.insert(task, vec![(f, 0)]);
    }

    fn resume(&mut self, task: TaskId, outcome: Option<&Outcome>, budget: &mut Budget) -> Yield {
        if let (Some(o), Some(line)) = (outcome, self.calling.remove(&task)) {
            self.seen.borrow_mut().push((line, o.clone()));
        }
        loop {
            // Each op is an instruction charged to the run's budget.
            if let Err(e) = budget.charge(impnet_core::budget::Work::Instruction, 1) {
                return Yield::OutOfBudget(e);
            }
            let stack = self.stacks.get_mut(&task).expect("a started task");
            let Some(&mut (f, ref mut pc)) = stack.last_mut() else {
                self.stacks.remove(&task);
                return Yield::Finished;
            };
            let Some(op) = self.functions[f].get(*pc).cloned() else {
                stack.pop();
                continue;
            };
            *pc += 1;
            match op {
                Op::Call(call, line) => {
                    self.calling.insert(task, line);
                    return Yield::Call { call, site: Site::Code(CodeSite { line, file: None }) };
                }
                Op::Enter(g) => stack.push((g, 0)),
                Op::Busy(n) => {
                    if let Err(e) = budget.charge(impnet_core::budget::Work::Instruction, n) {
                        return Yield::OutOfBudget(e);
                    }
                }
                Op::Again => *pc = 0,
                Op::Fail(msg, line, times) => {
                    let n = self.fails.entry(line).or_insert(0);
                    if *n < times {
                        *n += 1;
                        self.stacks.remove(&task);
                        return Yield::Error { error: msg.into(), site: Site::Code(CodeSite { line, file: None }) };
                    }
                }
            }
        }
    }

    fn restart(&mut self) {
        self.stacks.clear();
        self.calling.clear();
    }
}

fn send(bytes: u64, line: u32) -> Op {
    Op::Call(Call::AgentSend { name: "reading".into(), bytes, value: None }, line)
}

fn lines(sc: &Scenario, toy: Toy) -> Vec<Value> {
    let t = run_program(sc, &RunOptions::default(), Box::new(toy)).expect("the run ends");
    t.to_json_lines().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn calls<'a>(v: &'a [Value], call: &str) -> Vec<&'a Value> {
    v.iter().filter(|l| l["call"] == call).collect()
}

#[test]
fn issue8_a_call_suspends_deep_in_the_stack_and_resumes_later_also_inside_a_callback() {
    // main (line 1) → helper (line 3: a send bigger than the 3456-byte buffer, S3) → back in
    // main, imp.wakeup(2, cb) at line 4. cb → helper2 (line 10: another blocking send), then
    // server.log at line 11.
    let toy = Toy::new(vec![
        vec![Op::Enter(1), Op::Call(Call::ImpWakeup { seconds: 2.0, callback: Some(CallbackId(2)) }, 4)],
        vec![send(10_000, 3)],
        vec![Op::Enter(3), Op::Call(Call::ServerLog { bytes: 5, text: Some("done!".into()) }, 11)],
        vec![send(10_000, 10)],
    ]);
    let seen = toy.seen.clone();
    let v = lines(&Scenario::default(), toy);
    let sends = calls(&v, "agent.send");
    assert_eq!(sends.len(), 2);
    let (main_send, cb_send) = (sends[0], sends[1]);
    // Suspended for a while (S3: written as ACKs freed space), then resumed with 0.
    assert_eq!((main_send["line"].as_u64(), main_send["ret"].as_i64(), main_send["rule"].as_str()), (Some(3), Some(0), Some("S3")));
    assert!(main_send["blocked_ms"].as_f64().unwrap() > 100.0, "{main_send}");
    assert!(main_send.get("step").is_none() && main_send.get("handler").is_none(), "§14: line instead of step/iter");
    let wakeup = calls(&v, "imp.wakeup")[0];
    assert_eq!((wakeup["line"].as_u64(), wakeup["blocked_ms"].as_f64()), (Some(4), Some(0.0)));
    // The callback ran 2 s after the wakeup call returned, and its send blocked too.
    assert_eq!((cb_send["line"].as_u64(), cb_send["handler"].as_str(), cb_send["rule"].as_str()), (Some(10), Some("imp.wakeup"), Some("S3")));
    let t = |l: &Value| l["t_ms"].as_f64().unwrap();
    let blocked = cb_send["blocked_ms"].as_f64().unwrap();
    assert!(blocked > 100.0);
    assert!((t(cb_send) - blocked - (t(wakeup) + 2000.0)).abs() < 1e-6, "started when the wakeup fell due");
    let log = calls(&v, "server.log")[0];
    assert_eq!((log["line"].as_u64(), log["handler"].as_str(), log["ret"].as_i64()), (Some(11), Some("imp.wakeup"), Some(0)));
    // The program was resumed with exactly the outcomes the trace shows, in order.
    let got: Vec<(u32, Outcome)> = seen.borrow().clone();
    let want = vec![
        (3, Outcome::Returned(Ret::Int(0))),
        (4, Outcome::Returned(Ret::Null)),
        (10, Outcome::Returned(Ret::Int(0))),
        (11, Outcome::Returned(Ret::Int(0))),
    ];
    assert_eq!(got, want);
    // No `handler` event for a wakeup callback (§14: only on_connect / on_unexpected_disconnect).
    assert!(v.iter().all(|l| l["event"] != "handler"));
}

#[test]
fn issue8_registered_callbacks_get_their_reason_and_run_when_squirrel_is_idle() {
    // RETURN_ON_ERROR; register an unexpected-disconnect callback (no line), then idle. A wifi
    // outage at 3 s: after grace_ms 0 the callback runs with NO_WIFI (1) and sends.
    let mut sc = Scenario::default();
    sc.recover.grace_ms = 0;
    sc.network.outages = vec![impnet_core::scenario::Outage { kind: impnet_core::scenario::OutageKind::Wifi, at_ms: 3000, for_ms: 1000 }];
    let policy = Call::SetSendTimeoutPolicy {
        reconnect: Arg::Str("RETURN_ON_ERROR".into()),
        wait: Arg::Str("WAIT_TIL_SENT".into()),
        timeout: Arg::Int(1),
    };
    let toy = Toy::new(vec![
        vec![
            Op::Call(policy, 1),
            Op::Call(Call::OnUnexpectedDisconnect { callback: Some(CallbackId(1)) }, 2),
            // Keeps the run going past the outage (a pending wakeup is unfinished work).
            Op::Call(Call::ImpWakeup { seconds: 5.0, callback: Some(CallbackId(2)) }, 3),
        ],
        vec![Op::Call(Call::ServerIsConnected, 20)],
        vec![],
    ]);
    let started = toy.started.clone();
    let v = lines(&sc, toy);
    assert!(calls(&v, "server.onunexpecteddisconnect").is_empty(), "registrations write no line");
    let h = v.iter().find(|l| l["event"] == "handler").expect("a handler event");
    assert_eq!((h["handler"].as_str(), h["reason"].as_i64(), h["t_ms"].as_f64()), (Some("on_unexpected_disconnect"), Some(1), Some(3000.0)));
    let c = calls(&v, "server.isconnected")[0];
    assert_eq!((c["handler"].as_str(), c["ret"].as_bool(), c["line"].as_u64()), (Some("on_unexpected_disconnect"), Some(false), Some(20)));
    assert_eq!(
        started.borrow()[1],
        Start::Callback { callback: CallbackId(1), kind: Handler::OnUnexpectedDisconnect, reason: Some(impnet_core::policy::Reason::NoWifi) }
    );
}

#[test]
fn issue8_s14_an_uncaught_error_writes_squirrel_error_then_squirrel_restarts() {
    // main: a log, then an error at line 7 (the first time only); after the restart the
    // program runs to its end.
    let toy = Toy::new(vec![vec![Op::Call(Call::ServerLog { bytes: 3, text: None }, 6), Op::Fail("the index 'x' does not exist", 7, 1)]]);
    let started = toy.started.clone();
    let v = lines(&Scenario::default(), toy);
    let err = v.iter().find(|l| l["event"] == "squirrel_error").expect("a squirrel_error line");
    assert_eq!(err["t_ms"].as_f64(), Some(1500.0));
    assert!(err["why"].as_str().unwrap().contains("the index 'x' does not exist"), "{err}");
    let restart = v.iter().find(|l| l["event"] == "squirrel_restart").expect("a restart");
    assert_eq!(restart["t_ms"].as_f64(), Some(11_500.0), "ERROR_RESTART (10 s) later");
    let logs = calls(&v, "server.log");
    assert_eq!(logs.iter().map(|l| l["t_ms"].as_f64().unwrap()).collect::<Vec<_>>(), vec![1500.0, 11_500.0]);
    assert_eq!(*started.borrow(), vec![Start::Main, Start::Main]);
}

#[test]
fn issue13_program_instructions_draw_from_the_run_budget() {
    // A program that computes forever between calls charges its instructions; the run stops
    // on the budget with a note instead of hanging.
    let toy = Toy::new(vec![vec![Op::Enter(1)], vec![Op::Call(Call::ServerIsConnected, 1), Op::Busy(1_000_000), Op::Again]]);
    let t = run_program(&Scenario::default(), &RunOptions { seed: None, summary_only: true }, Box::new(toy)).unwrap();
    let Some(impnet_core::budget::Stop::Budget { exhausted, .. }) = t.summary.stop else { panic!("{:?}", t.summary.stop) };
    assert_eq!(exhausted.work, impnet_core::budget::Work::Instruction);
    assert!(exhausted.done.get(impnet_core::budget::Work::Instruction) > Budget::DEFAULT / 2);
    assert!(t.summary.work <= Budget::DEFAULT);
}
