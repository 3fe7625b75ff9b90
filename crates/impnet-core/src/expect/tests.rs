//! Issue #12: every expectation kind passes and fails on purpose, over hand-written §11/§14
//! lines (so Squirrel's `line`/`text` are covered before the VM exists) and over real runs;
//! `[[expect]]` refusals name their path.

use super::*;
use crate::scenario::{parse_json, parse_toml};
use serde_json::{json, Map, Value};

fn lines(v: Value) -> Vec<Map<String, Value>> {
    v.as_array().unwrap().iter().map(|l| l.as_object().unwrap().clone()).collect()
}

/// A step-list trace: boot, two sends (the second blocks 900 ms and returns 4), a WiFi drop with
/// one lost message, an offline state, then the summary.
fn step_trace() -> Vec<Map<String, Value>> {
    lines(json!([
        {"t_ms": 1500, "event": "connected", "reason": 5},
        {"t_ms": 1500, "call": "agent.send", "step": 0, "iter": 0, "ret": 0, "blocked_ms": 0, "msg": 0},
        {"t_ms": 2400, "call": "agent.send", "step": 0, "iter": 1, "ret": 4, "blocked_ms": 900},
        {"t_ms": 2400, "call": "imp.setsendbuffersize", "step": 1, "iter": 0, "error": "bad size", "blocked_ms": 0},
        {"t_ms": 5000, "event": "disconnected", "reason": 1},
        {"t_ms": 5000, "event": "lost", "msg": 0, "bytes": 1041},
        {"t_ms": 5000, "event": "offline", "reason": 1},
        {"summary": {"sent_msgs": 1, "acked_msgs": 0, "lost_msgs": 1, "lost_bytes": 1041, "goodput_bps": 0, "end_ms": 5000,
                     "udp_sent": 0, "udp_delivered": 0, "udp_lost": 0}}
    ]))
}

/// A §14 Squirrel trace: calls carry `line`/`file`, logs carry `text`.
fn squirrel_trace() -> Vec<Map<String, Value>> {
    lines(json!([
        {"t_ms": 1500, "event": "connected", "reason": 5},
        {"t_ms": 1500, "call": "server.log", "line": 3, "ret": 0, "blocked_ms": 0, "text": "booted v1.2"},
        {"t_ms": 1500, "call": "agent.send", "line": 7, "ret": 0, "blocked_ms": 0, "name": "temp", "bytes": 9},
        {"t_ms": 61500, "call": "agent.send", "line": 7, "handler": "imp.wakeup", "ret": 2, "blocked_ms": 30000},
        {"t_ms": 61500, "call": "server.log", "line": 12, "file": "lib/net.nut", "handler": "imp.wakeup", "ret": 0, "blocked_ms": 0, "text": "send failed: 2"},
        {"t_ms": 61500, "event": "suspended", "reason": 0},
        {"summary": {"sent_msgs": 2, "acked_msgs": 1, "lost_msgs": 1, "lost_bytes": 50, "goodput_bps": 12.5, "end_ms": 61500,
                     "udp_sent": 0, "udp_delivered": 0, "udp_lost": 0}}
    ]))
}

fn expects(toml: &str) -> Vec<Expect> {
    match parse_toml(toml) {
        Ok(s) => s.expect,
        Err(e) => panic!("refused: {e}\n{toml}"),
    }
}

/// The verdicts of the scenario text's expectations over `trace`.
fn verdicts(toml: &str, trace: &[Map<String, Value>]) -> Vec<Verdict> {
    check_lines(&expects(toml), trace)
}

#[track_caller]
fn one(toml: &str, trace: &[Map<String, Value>]) -> Verdict {
    let v = verdicts(toml, trace);
    assert_eq!(v.len(), 1);
    v.into_iter().next().unwrap()
}

#[track_caller]
fn passes(toml: &str, trace: &[Map<String, Value>]) -> Verdict {
    let v = one(toml, trace);
    assert!(v.passed, "should pass: {toml}\n{v:?}");
    v
}

#[track_caller]
fn fails_at(toml: &str, trace: &[Map<String, Value>], index: Option<usize>) -> Verdict {
    let v = one(toml, trace);
    assert!(!v.passed, "should fail: {toml}\n{v:?}");
    assert_eq!(v.evidence.as_ref().map(|e| e.index), index, "deciding line of {toml}: {v:?}");
    v
}

#[test]
fn kind_ret_by_step_nth_and_all() {
    let t = step_trace();
    let v = passes("[[expect]]\ncall = \"agent.send\"\nstep = 0\niter = 0\nret = 0\n", &t);
    assert_eq!(v.evidence.unwrap().index, 1);
    passes("[[expect]]\ncall = \"agent.send\"\nnth = 2\nret = 4\n", &t);
    let v = fails_at("[[expect]]\ncall = \"agent.send\"\nret = 0\n", &t, Some(2));
    assert_eq!(v.found, "returned 4");
    let ev = v.evidence.unwrap();
    assert_eq!((ev.t_ms, ev.what.as_str(), ev.step, ev.iter), (2400.0, "agent.send", Some(0), Some(1)));
    assert_eq!(ev.to_string(), "trace line 3, t = 2400 ms: agent.send at step 0.1");
    // A throw is not a return.
    fails_at("[[expect]]\ncall = \"imp.setsendbuffersize\"\nret = 3456\n", &t, Some(3));
}

#[test]
fn kind_ret_that_selects_nothing_fails() {
    let t = step_trace();
    let v = fails_at("[[expect]]\ncall = \"server.flush\"\nret = true\n", &t, None);
    assert_eq!(v.found, "no call matched");
    let v = fails_at("[[expect]]\ncall = \"agent.send\"\nnth = 3\nret = 0\n", &t, None);
    assert!(v.found.contains("only 2 times selected; the expectation wants the 3rd") && v.found.contains("3rd"), "{v:?}");
}

#[test]
fn kind_ret_by_squirrel_line_and_file() {
    let t = squirrel_trace();
    let v = passes("[[expect]]\nline = 7\nnth = 1\nret = 0\n", &t);
    assert_eq!(v.evidence.unwrap().line, Some(7));
    let v = fails_at("[[expect]]\nline = 7\nret = 0\n", &t, Some(3));
    assert_eq!(v.evidence.unwrap().to_string(), "trace line 4, t = 61500 ms: agent.send in imp.wakeup at line 7");
    passes("[[expect]]\nfile = \"lib/net.nut\"\nline = 12\nret = 0\n", &t);
    fails_at("[[expect]]\nfile = \"main.nut\"\nline = 12\nret = 0\n", &t, None);
    passes("[[expect]]\nhandler = \"imp.wakeup\"\ncall = \"agent.send\"\nret = 2\n", &t);
}

#[test]
fn kind_error_matches_a_pattern() {
    let t = step_trace();
    passes("[[expect]]\ncall = \"imp.setsendbuffersize\"\nerror = \"bad\"\n", &t);
    passes("[[expect]]\ncall = \"imp.setsendbuffersize\"\nerror = \"*\"\n", &t);
    let v = fails_at("[[expect]]\ncall = \"imp.setsendbuffersize\"\nerror = \"bad index*\"\n", &t, Some(3));
    assert_eq!(v.found, "threw \"bad size\"");
    let v = fails_at("[[expect]]\ncall = \"agent.send\"\nnth = 1\nerror = \"*\"\n", &t, Some(1));
    assert_eq!(v.found, "returned 0");
}

#[test]
fn kind_max_blocked_ms_per_call_and_over_a_selection() {
    let t = step_trace();
    let v = passes("[[expect]]\nmax_blocked_ms = 900\n", &t);
    assert_eq!(v.evidence.unwrap().index, 2, "the longest block is shown");
    let v = fails_at("[[expect]]\nmax_blocked_ms = 899.5\n", &t, Some(2));
    assert_eq!(v.found, "blocked 900 ms");
    passes("[[expect]]\ncall = \"agent.send\"\nnth = 1\nmax_blocked_ms = 0\n", &t);
    // The window leaves the blocked call out.
    passes("[[expect]]\nmax_blocked_ms = 0\nwithin_ms = 2000\n", &t);
}

#[test]
fn kind_event_count_absence_and_filters() {
    let t = step_trace();
    passes("[[expect]]\nevent = \"lost\"\ncount = 1\n", &t);
    passes("[[expect]]\nevent = \"connected\"\n", &t);
    let v = fails_at("[[expect]]\nevent = \"lost\"\ncount = 0\n", &t, Some(5));
    assert_eq!(v.found, "happened more than 0 times");
    // Filters: the drop's reason is NO_WIFI (1), not NO_SERVER (4).
    passes("[[expect]]\nevent = \"disconnected\"\nreason = 1\ncount = 1\n", &t);
    let v = fails_at("[[expect]]\nevent = \"disconnected\"\nreason = 4\nmin = 1\n", &t, None);
    assert_eq!(v.found, "happened never");
    passes("[[expect]]\nevent = \"lost\"\nmsg = 0\nmax = 1\n", &t);
    // A window before the drop sees no loss.
    passes("[[expect]]\nevent = \"lost\"\ncount = 0\nfrom_ms = 0\nwithin_ms = 4999\n", &t);
    fails_at("[[expect]]\nevent = \"lost\"\nmin = 2\n", &t, Some(5));
}

#[test]
fn kind_log_text_matches_within_a_window() {
    let t = squirrel_trace();
    let v = passes("[[expect]]\nlog = \"booted*\"\nwithin_ms = 2000\n", &t);
    assert_eq!(v.evidence.unwrap().index, 1);
    passes("[[expect]]\nlog = \"send failed\"\nfrom_ms = 60000\nwithin_ms = 2000\n", &t);
    let v = fails_at("[[expect]]\nlog = \"send failed\"\nwithin_ms = 60000\n", &t, None);
    assert_eq!(v.found, "happened never");
    fails_at("[[expect]]\nlog = \"send failed*\"\ncount = 0\n", &t, Some(4));
    // A step list's logs carry no text: a log expectation cannot pass on one.
    fails_at("[[expect]]\nlog = \"*\"\n", &step_trace(), None);
}

#[test]
fn kind_summary_bounds() {
    let t = step_trace();
    passes("[[expect]]\nsummary = \"lost_msgs\"\nmax = 1\n", &t);
    let v = fails_at("[[expect]]\nsummary = \"lost_msgs\"\nmax = 0\n", &t, Some(7));
    assert_eq!(v.found, "lost_msgs = 1");
    assert_eq!(v.evidence.unwrap().t_ms, 5000.0, "the summary's evidence time is the run's end");
    passes("[[expect]]\nsummary = \"goodput_bps\"\nmin = 10\nmax = 20\n", &squirrel_trace());
    fails_at("[[expect]]\nsummary = \"goodput_bps\"\nmin = 20000\n", &squirrel_trace(), Some(6));
    // A trace cut short has no summary.
    let cut = &t[..t.len() - 1];
    let v = fails_at("[[expect]]\nsummary = \"lost_msgs\"\nmax = 0\n", cut, None);
    assert!(v.found.contains("no summary"));
}

#[test]
fn kind_never_enters_a_state() {
    passes("[[expect]]\nnever = \"SUSPENDED\"\n", &step_trace());
    let v = fails_at("[[expect]]\nnever = \"OFFLINE\"\n", &step_trace(), Some(6));
    assert_eq!(v.found, "offline happened");
    fails_at("[[expect]]\nnever = \"suspended\"\n", &squirrel_trace(), Some(5));
    passes("[[expect]]\nnever = \"SUSPENDED\"\nwithin_ms = 60000\n", &squirrel_trace());
    passes("[[expect]]\nnever = \"deep_sleep\"\n", &squirrel_trace());
}

#[test]
fn kinds_over_a_real_run_of_the_zero_timeout_trap() {
    // S5: twenty 200-byte logs with a zero timeout overflow the buffer and drop the connection.
    let s = parse_toml(&format!(
        "{}\n{}",
        crate::presets::find("zero-timeout-trap").unwrap().toml,
        "[[expect]]\ncall = \"server.log\"\nret = 0\n\
         [[expect]]\nevent = \"disconnected\"\nmin = 1\n\
         [[expect]]\nsummary = \"lost_msgs\"\nmax = 0\n\
         [[expect]]\nnever = \"OFFLINE\"\n"
    ))
    .unwrap();
    let trace = crate::run(&s, &crate::RunOptions::default()).unwrap();
    let json: Vec<Map<String, Value>> =
        trace.to_json_lines().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let v = check_lines(&s.expect, &json);
    assert_eq!(check_trace(&s.expect, &trace), v, "checking the trace equals checking its printed lines");
    assert!(!v[0].passed, "a log times out (2): {v:?}");
    let ev = v[0].evidence.as_ref().unwrap();
    assert_eq!(json[ev.index]["ret"], 2, "the deciding line is the first failing log");
    assert!(v[1].passed);
    assert!(!v[2].passed, "the drop loses messages");
    assert!(!v[3].passed, "RETURN_ON_ERROR goes OFFLINE");
}

#[test]
fn expect_round_trips_through_toml_json_and_links() {
    let text = "[[expect]]\nname = \"no blocking\"\nmax_blocked_ms = 2000\n\
                [[expect]]\ncall = \"agent.send\"\nline = 7\nnth = 2\nret = \"null\"\n\
                [[expect]]\nevent = \"lost\"\nreason = 1\ncount = 0\nfrom_ms = 100\nwithin_ms = 5000\n\
                [[expect]]\nlog = \"x*\"\nmin = 2\nmax = 3\n\
                [[expect]]\nsummary = \"goodput_bps\"\nmin = 20000\n\
                [[expect]]\nnever = \"deep_sleep\"\n\
                [[expect]]\ncall = \"server.connect\"\nerror = \"boom\"\n";
    let s = parse_toml(text).unwrap();
    assert_eq!(s.expect.len(), 7);
    assert_eq!(parse_toml(&toml::to_string(&s).unwrap()).unwrap(), s);
    assert_eq!(parse_json(&serde_json::to_string(&s).unwrap()).unwrap(), s);
    assert_eq!(crate::codec::decode(&crate::codec::encode(&s)).unwrap(), s, "share links carry expectations");
    assert_eq!(s.expect[0].to_string(), "no blocking");
    assert_eq!(s.expect[1].to_string(), "2nd agent.send at line 7 returns null");
    assert_eq!(s.expect[2].to_string(), "event lost (reason 1) happens never between 100 and 5100 ms");
    assert_eq!(s.expect[5].to_string(), "the device never enters DEEP_SLEEP");
}

#[track_caller]
fn refused(text: &str, path: &str, reason_has: &str) {
    for (fmt, r) in [("toml", parse_toml(text)), ("json", toml_as_json(text))] {
        match r {
            Ok(_) => panic!("{fmt} accepted: {text}"),
            Err(e) => {
                assert_eq!(e.path, path, "{fmt} path of {e}");
                assert!(e.reason.contains(reason_has), "{fmt} reason of {e:?} lacks {reason_has:?}");
            }
        }
    }
}

/// The same document as JSON (the form links carry).
fn toml_as_json(text: &str) -> Result<crate::Scenario, crate::ScenarioError> {
    let v: toml::Value = toml::from_str(text).unwrap();
    parse_json(&serde_json::to_string(&v).unwrap())
}

#[test]
fn s13_expect_keys_go_through_the_table_reader() {
    // `RawExpect` is read by scenario::read's one table walk (issue 10 item 6): an unknown key
    // lists every known one in order, a key twice (JSON) and a wrong type are named.
    refused("[[expect]]\nret = 0\nnthh = 1\n", "expect[0].nthh", "known: name, call, step, iter, line, file, handler, side, nth, ret");
    refused("[[expect]]\nret = 0\nnth = \"first\"\n", "expect[0].nth", "expected an integer");
    refused("[[expect]]\nnever = \"OFFLINE\"\nfrom_ms = true\n", "expect[0].from_ms", "expected a number");
    let e = parse_json(r#"{"expect":[{"ret":0,"nth":1,"nth":2}]}"#).unwrap_err();
    assert_eq!((e.path.as_str(), e.reason.as_str()), ("expect[0].nth", "given twice"));
    let s = parse_toml("[[expect]]\ncall = \"server.log\"\nfile = \"lib.nut\"\nline = 3\nhandler = \"main\"\nnth = 2\nret = 0\n").unwrap();
    assert_eq!(serde_json::to_value(&s.expect[0]).unwrap(), json!({"call": "server.log", "line": 3, "file": "lib.nut", "handler": "main", "nth": 2, "ret": 0}));
}

#[test]
fn s13_expect_refusals_name_their_path() {
    refused("[[expect]]\nevent = \"lost\"\n[[expect]]\nnever = \"OFFLINE\"\nwithin_ms = -1\n", "expect[1].within_ms", "0 to");
    refused("[[expect]]\nret = 0\nwithinms = 5\n", "expect[0].withinms", "unknown field");
    refused("[[expect]]\nstep = 2\n", "expect[0]", "says nothing to check");
    refused("[[expect]]\nret = 0\nevent = \"lost\"\n", "expect[0].event", "two expectations");
    refused("[[expect]]\nevent = \"lost\"\nstep = 1\n", "expect[0].step", "does not apply to a `event`");
    refused("[[expect]]\nsummary = \"lost_msgs\"\nwithin_ms = 5\n", "expect[0].within_ms", "does not apply");
    refused("[[expect]]\nevent = \"lots\"\n", "expect[0].event", "unknown event `lots`");
    refused("[[expect]]\ncall = \"agent.sned\"\nret = 0\n", "expect[0].call", "unknown call");
    refused("[[expect]]\nnever = \"ASLEEP\"\n", "expect[0].never", "unknown state");
    refused("[[expect]]\nsummary = \"lost\"\nmax = 0\n", "expect[0].summary", "unknown figure");
    refused("[[expect]]\nsummary = \"lost_msgs\"\n", "expect[0].max", "needs `min` or `max`");
    refused("[[expect]]\nevent = \"lost\"\nmin = 1.5\n", "expect[0].min", "whole number");
    refused("[[expect]]\nevent = \"lost\"\ncount = 1\nmax = 2\n", "expect[0].max", "`count` already");
    refused("[[expect]]\nevent = \"lost\"\nmin = 3\nmax = 2\n", "expect[0].min", "must not exceed");
    refused("[[expect]]\nret = 1.5\n", "expect[0].ret", "a return value");
    refused("[[expect]]\nnth = 0\nret = 0\n", "expect[0].nth", "counts from 1");
    refused("[[expect]]\nlog = \"\"\n", "expect[0].log", "empty pattern");
    refused("[[expect]]\nmax_blocked_ms = 1e12\n", "expect[0].max_blocked_ms", "0 to 86400000");
    refused("[[expect]]\nret = \"many\"\ncall = \"agent.send\"\n", "expect[0].ret", "a return value");
    refused("[[expect]]\nreason = \"x\"\nevent = \"lost\"\n", "expect[0].reason", "expected an integer");
    refused("expect = 3\n", "expect", "expected an array");
}

#[test]
fn s13_expect_list_is_bounded() {
    let text = "[[expect]]\nnever = \"OFFLINE\"\n".repeat(MAX_EXPECTS + 1);
    refused(&text, "expect", "at most 1000 expectations");
}

#[test]
fn issue12_an_expectation_from_a_line_passes_on_its_own_trace() {
    let t = step_trace();
    let e = expect_for_line(&t, 2).unwrap();
    assert_eq!(e.to_string(), "1st agent.send at step 0.1 returns 4");
    let e = expect_for_line(&t, 3).unwrap();
    assert!(matches!(&e.check, Check::Error { error, .. } if error.as_str() == "bad size"));
    assert!(expect_for_line(&t, 4).is_none(), "an event line is not a call");
    assert!(expect_for_line(&t, 99).is_none());
    let sq = squirrel_trace();
    let e = expect_for_line(&sq, 3).unwrap();
    assert_eq!(e.to_string(), "1st agent.send in imp.wakeup at line 7 returns 2", "Squirrel lines select by source line and callback");
    for (trace, i) in [(&t, 1), (&t, 2), (&t, 3), (&sq, 3), (&sq, 4)] {
        let e = expect_for_line(trace.iter(), i).unwrap();
        let v = check_lines(std::slice::from_ref(&e), trace.iter());
        assert!(v[0].passed && v[0].evidence.as_ref().unwrap().index == i, "{e}: {v:?}");
        // And it fails once the line returns something else.
        let mut changed = trace.clone();
        changed[i].insert("ret".into(), json!(99));
        changed[i].remove("error");
        assert!(!check_lines(std::slice::from_ref(&e), changed.iter())[0].passed, "{e}");
    }
}

/// Bounded work: checking is paid from `MAX_CHECK_WORK` (one unit per line per open
/// expectation, one per character a pattern reads). Within it, verdicts are as without a
/// budget; past it, expectations not already broken fail as "not checked" and later lines are
/// not read, so a link pairing 1 000 expectations with a huge trace cannot hold the page.
#[test]
fn checking_stops_at_its_work_budget() {
    let toml = "[[expect]]\nnever = \"offline\"\n[[expect]]\nlog = \"booted*\"\n[[expect]]\nnever = \"connected\"\n";
    let trace = squirrel_trace();
    let unbounded = check_lines(&expects(toml), &trace);
    assert!(unbounded[0].passed && unbounded[1].passed && !unbounded[2].passed);

    let exs = expects(toml);
    let mut roomy = Checker::with_budget(&exs, 1_000);
    trace.iter().for_each(|l| roomy.feed(l));
    assert!(!roomy.out_of_budget());
    assert_eq!(roomy.finish(), unbounded, "within the budget the verdicts are unchanged");

    // Line 1 costs 3 units (three open expectations) and breaks `never = "connected"`; line 2
    // costs 2 more plus the 11 characters "booted v1.2" the glob reads: 16 > 15.
    let mut tight = Checker::with_budget(&exs, 15);
    for l in &trace {
        tight.feed(l);
    }
    assert!(tight.out_of_budget());
    let v = tight.finish();
    assert!(!v[0].passed && v[0].found.starts_with("not checked: checking 3 expectations over the first 2 trace lines"), "{v:?}");
    assert!(!v[1].passed && v[1].found.contains("checking budget (15 units"), "{v:?}");
    assert_eq!(v[2], unbounded[2], "a verdict decided before the budget ran out stands");
}

/// A glob pays for every character it reads, retries after a star included: a long pattern
/// over a long text is charged their product, not one unit.
#[test]
fn a_glob_is_charged_for_its_backtracking() {
    let p = Pattern::new(format!("*{}b", "a".repeat(20)));
    let text = "a".repeat(200);
    let mut work = 0;
    assert!(!p.matches_counting(&text, &mut work));
    assert!(work > 200 * 10, "backtracking charged: {work}");
    let mut plain = 0;
    assert!(Pattern::new("zz").matches_counting("abzz", &mut plain) && plain == 4);
}

/// `check_trace` (the page and `impnet check`) uses the default budget: 1 000 log expectations
/// each reading 200 log texts of 1 KiB (the most a trace keeps) would cost twice `MAX_CHECK_WORK`.
#[test]
fn check_trace_uses_the_default_budget() {
    let code = "local s = \"x\";\nfor (local i = 0; i < 10; i++) s += s;\nfor (local i = 0; i < 200; i++) server.log(s);\n";
    let mut toml = format!("code = '''\n{code}'''\n");
    for i in 0..crate::expect::MAX_EXPECTS {
        toml.push_str(&format!("[[expect]]\nlog = \"y{i}\"\n"));
    }
    let s = parse_toml(&toml).unwrap();
    let trace = crate::sim::run(&s, &Default::default()).expect("runs");
    assert!(crate::expect::MAX_EXPECTS as u64 * 200 * (1 << 10) > crate::limits::MAX_CHECK_WORK);
    let v = check_trace(&s.expect, &trace);
    assert!(v.iter().all(|v| !v.passed && v.found.starts_with("not checked")), "{:?}", &v[..1]);
    assert!(v[0].found.contains(&format!("budget ({} units", crate::limits::MAX_CHECK_WORK)), "{:?}", v[0]);
}
