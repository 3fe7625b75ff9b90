//! The Squirrel state a line's snapshot carries (what the playground's lane and detail panel
//! show): the state once the line's own effect is applied, which holds until the next line.
//! Pending work decides it: a step left to run now is Running, a wait in `imp.wakeup` or a
//! retry pause (§13: the pause is idle) or a queued handler is Idle, and Finished only when
//! nothing of the script is left.
mod common;
use common::*;
use impnet_core::presets;
use impnet_core::scenario::parse_toml;
use impnet_core::trace::{Entry, EventKind, Line, Outcome, Ret, SquirrelState};
use impnet_core::{run, RunOptions, Trace};

use SquirrelState::*;

fn preset(id: &str) -> Trace {
    let p = presets::find(id).expect("registered preset");
    run(&parse_toml(p.toml).expect("preset loads"), &RunOptions::default()).expect("run")
}

fn is_call(e: &Entry, name: &str) -> bool {
    matches!(&e.line, Line::Call(c) if c.call == name)
}

fn is_event(e: &Entry, kind: EventKind) -> bool {
    matches!(&e.line, Line::Event(ev) if ev.event == kind)
}

fn ret_int(e: &Entry) -> Option<i64> {
    match &e.line {
        Line::Call(c) => match c.outcome {
            Outcome::Returned(Ret::Int(i)) => Some(i),
            _ => None,
        },
        Line::Event(_) => None,
    }
}

fn sq(e: &Entry) -> SquirrelState {
    e.state.squirrel.expect("the device always reports Squirrel's state")
}

fn ms(e: &Entry) -> f64 {
    e.t.micros as f64 / 1000.0
}

#[test]
fn l1_boot_connect_line_shows_squirrel_started() {
    // L1: Squirrel starts at connect; the `connected` line at 1500 ms is that instant, and the
    // first step runs right after it, so Squirrel is running, not "not started".
    let tr = trace(&[send(10, 1), step("server.isconnected", "")].concat());
    let c = &tr.entries[0];
    assert!(is_event(c, EventKind::Connected));
    assert_eq!((ms(c), sq(c)), (1500.0, Running));
}

#[test]
fn l1_boot_connect_with_an_empty_script_shows_finished() {
    // Started, but there is nothing to run: Finished at once, never Running.
    let tr = trace("");
    let c = tr.entries.iter().find(|e| is_event(e, EventKind::Connected)).expect("connected");
    assert_eq!(sq(c), Finished);
}

#[test]
fn l1_squirrel_started_by_the_timer_runs_before_connect() {
    // L1: with the boot connect held off by a WiFi outage, Squirrel starts at boot_squirrel_ms;
    // its first call returns before any `connected` line, and the line after is not NotStarted.
    let tr = trace(
        &[
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 0, for_ms = 20000 }]\n".to_string(),
            step("server.isconnected", ""),
            step("imp.wakeup", "seconds = 30"),
        ]
        .concat(),
    );
    let first = &tr.entries[0];
    assert!(is_call(first, "server.isconnected"), "{:?}", first.line);
    assert_eq!((ms(first), sq(first)), (10_000.0, Running));
}

#[test]
fn s13_retry_pause_is_idle_in_snapshot() {
    // connection-manager-defaults: readings returning 1 during the outage are retried after a
    // 1 s pause; that pause is idle (§13), so their lines show Idle, never Finished.
    let tr = preset("connection-manager-defaults");
    let retried: Vec<&Entry> = tr.entries.iter().filter(|e| is_call(e, "agent.send") && ret_int(e) == Some(1)).collect();
    assert!(!retried.is_empty(), "the preset retries sends that return 1");
    for e in &retried {
        assert_eq!(sq(e), Idle, "retry pause at {} ms", ms(e));
    }
}

#[test]
fn s3_timed_out_send_that_continues_the_script_shows_running() {
    // connection-manager-defaults: the send that times out (2) is not retried (on_ret has only
    // "1"); its task goes on with the next iteration at once, so Running, not Finished.
    let tr = preset("connection-manager-defaults");
    let two = tr.entries.iter().find(|e| is_call(e, "agent.send") && ret_int(e) == Some(2)).expect("a send returns 2");
    assert_eq!(sq(two), Running);
}

#[test]
fn s13_retry_pause_is_idle_for_every_retried_return_value() {
    // S2 with on_ret "4": the WOULDBLOCK line waits 0.05 s idle, then the retry runs.
    let tr = trace(
        &[
            policy("RETURN_ON_ERROR_NO_DISCONNECT", "WAIT_TIL_SENT", 1.0),
            send(1000, 3),
            "[[steps]]\ncall = \"agent.send\"\nname = \"data\"\nbytes = 1000\non_ret = { \"4\" = \"retry\" }\nretry_after_s = 0.05\n"
                .to_string(),
        ]
        .concat(),
    );
    let sends: Vec<&Entry> = tr.entries.iter().filter(|e| is_call(e, "agent.send")).collect();
    let wouldblock: Vec<&&Entry> = sends.iter().filter(|e| ret_int(e) == Some(4)).collect();
    assert!(!wouldblock.is_empty());
    assert!(wouldblock.iter().all(|e| sq(e) == Idle));
    // The successful retry was the script's last call: nothing is left.
    assert_eq!(sq(sends.last().unwrap()), Finished);
}

#[test]
fn s10_wakeup_is_idle_and_the_last_call_is_finished() {
    // §10/§13: imp.wakeup returns at once and the task idles; the call that ends the script
    // leaves nothing, so Finished; a call with a step after it leaves Squirrel Running.
    let tr = trace(&[step("server.isconnected", ""), step("imp.wakeup", "seconds = 1"), step("server.isconnected", "")].concat());
    let calls: Vec<&Entry> = tr.entries.iter().filter(|e| matches!(e.line, Line::Call(_))).collect();
    assert_eq!(calls.iter().map(|e| sq(e)).collect::<Vec<_>>(), vec![Running, Idle, Finished]);
}

#[test]
fn s10_wakeup_as_the_last_step_is_still_idle() {
    // The wakeup's timer is pending work (§13: the run is pending while a task is unfinished).
    let tr = trace(&step("imp.wakeup", "seconds = 1"));
    let w = tr.entries.iter().find(|e| is_call(e, "imp.wakeup")).expect("wakeup line");
    assert_eq!(sq(w), Idle);
}

#[test]
fn c5_queued_handler_is_idle_work_and_its_line_shows_it_running() {
    // The S5 timeout drops the link and queues on_unexpected_disconnect; the script goes on
    // (Running), idles in imp.wakeup with the handler queued (Idle), the handler starts
    // (Running) and the script's last call leaves nothing (Finished).
    let tr = trace(
        &[
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 0.0),
            step("server.log", "bytes = 3000\nrepeat = 2"),
            step("server.isconnected", ""),
            step("imp.wakeup", "seconds = 0"),
            step("server.isconnected", ""),
            "[[on_unexpected_disconnect]]\ncall = \"server.log\"\nbytes = 1\n".to_string(),
        ]
        .concat(),
    );
    let timed_out = tr.entries.iter().find(|e| is_call(e, "server.log") && ret_int(e) == Some(2)).expect("S5 timeout");
    assert_eq!(sq(timed_out), Running);
    let wakeup = tr.entries.iter().find(|e| is_call(e, "imp.wakeup")).expect("wakeup");
    assert_eq!(sq(wakeup), Idle);
    let handler = tr.entries.iter().find(|e| is_event(e, EventKind::Handler)).expect("handler line");
    assert_eq!(sq(handler), Running);
    // The handler's only call returns with the main task still waiting: Idle, not Finished.
    let in_handler = tr.entries.iter().find(|e| matches!(&e.line, Line::Call(c) if c.handler.is_some())).expect("handler call");
    assert_eq!(sq(in_handler), Idle);
    assert_eq!(sq(tr.entries.iter().rev().find(|e| matches!(e.line, Line::Call(_))).unwrap()), Finished);
}

#[test]
fn s4_lines_during_a_blocked_send_show_blocked() {
    // S4: the ACK that completes a WAIT_FOR_ACK send is written while the call still waits
    // for it (the call's line follows), so Squirrel is Blocked in that call.
    let tr = trace(&[policy("RETURN_ON_ERROR", "WAIT_FOR_ACK", 30.0), send(100, 1), step("server.isconnected", "")].concat());
    let send_at = tr.entries.iter().position(|e| is_call(e, "agent.send")).expect("send line");
    let before = &tr.entries[send_at - 1];
    assert!(is_event(before, EventKind::Acked), "{:?}", before.line);
    assert_eq!(sq(before), Blocked);
    assert_eq!(sq(&tr.entries[send_at]), Running, "a step is left");
}

#[test]
fn s7_suspended_deep_sleep_and_restart_lines_show_the_new_state() {
    // S7: the send halts Squirrel (Suspended); the failed window freezes it (DeepSleep) until
    // the wake-up connection; the `squirrel_restart` line shows the restarted script Running.
    let tr = trace(
        &[
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 5000, for_ms = 70000 }]\n".to_string(),
            step("imp.wakeup", "seconds = 10"),
            send(100, 1),
        ]
        .concat(),
    );
    let state_at = |k: EventKind| sq(tr.entries.iter().find(|e| is_event(e, k)).unwrap_or_else(|| panic!("{k:?}")));
    assert_eq!(state_at(EventKind::Recovering), Idle, "L3a: the wakeup is pending");
    assert_eq!(state_at(EventKind::Suspended), Suspended);
    assert_eq!(state_at(EventKind::DeepSleep), DeepSleep);
    assert_eq!(state_at(EventKind::Wake), DeepSleep);
    assert_eq!(state_at(EventKind::SquirrelRestart), Running);
}
