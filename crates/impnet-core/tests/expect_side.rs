//! Issue #12 expectations with SPEC §15 pairs: `side = "device" | "agent"` on call selections
//! and `log` expectations tells the two programs' lines apart (agent lines carry
//! `"side":"agent"`); without it either side's lines count, as before the key existed.

use impnet_core::expect::{check_trace, expect_for_line, Check, Side};
use impnet_core::scenario::{parse_toml, Scenario};
use impnet_core::{run, RunOptions};

/// Both programs log at their line 3: the agent at t = 0, the device after its boot.
const DEVICE: &str = "// device\nlocal n = 1;\nserver.log(\"device says hi\");\n";
const AGENT: &str = "// agent\nlocal n = 1;\nserver.log(\"agent says hi\");\n";

fn pair(expects: &str) -> Scenario {
    let toml = format!("end_ms = 20000\ncode = '''\n{DEVICE}'''\nagent_code = '''\n{AGENT}'''\n{expects}");
    parse_toml(&toml).unwrap()
}

/// Pass/fail of each expectation, in order.
fn verdicts(expects: &str) -> Vec<bool> {
    let s = pair(expects);
    let t = run(&s, &RunOptions::default()).unwrap();
    check_trace(&s.expect, &t).iter().map(|v| v.passed).collect()
}

#[test]
fn issue12_s15_a_line_selection_with_side_picks_that_programs_line_3() {
    let got = verdicts(
        r#"
[[expect]]
call = "server.log"
line = 3
nth = 2
ret = 0
[[expect]]
call = "server.log"
line = 3
side = "device"
ret = 0
[[expect]]
call = "server.log"
line = 3
side = "agent"
ret = "null"
[[expect]]
call = "server.log"
line = 3
side = "agent"
ret = 0
[[expect]]
call = "server.log"
line = 3
side = "device"
nth = 2
ret = 0
"#,
    );
    // Without `side`, line 3 is both files' line 3 (the agent's first, at t = 0); with it,
    // only that program's, so a second device call at line 3 is not there.
    assert_eq!(got, [true, true, true, false, false]);
}

#[test]
fn issue12_s15_a_log_expectation_with_side_counts_only_that_programs_logs() {
    let got = verdicts(
        r#"
[[expect]]
log = "*says hi"
count = 2
[[expect]]
log = "*says hi"
side = "device"
count = 1
[[expect]]
log = "agent says*"
side = "agent"
[[expect]]
log = "agent says*"
side = "device"
[[expect]]
log = "agent says*"
"#,
    );
    assert_eq!(got, [true, true, true, false, true]);
}

#[test]
fn issue12_side_is_device_or_agent_refused_otherwise_naming_the_field() {
    let e = parse_toml("[[expect]]\ncall = \"server.log\"\nside = \"server\"\nret = 0\n").unwrap_err();
    assert_eq!(e.path, "expect[0].side");
    assert!(e.to_string().contains("\"device\" or \"agent\"") && e.to_string().contains("\"server\""), "{e}");
    let e = parse_toml("[[expect]]\nlog = \"x\"\nside = 3\n").unwrap_err();
    assert_eq!(e.path, "expect[0].side", "{e}");
    // Events have no side to select.
    let e = parse_toml("[[expect]]\nevent = \"connected\"\nside = \"agent\"\n").unwrap_err();
    assert!(e.path.ends_with("side") && e.to_string().contains("does not apply"), "{e}");
    // Written back as read.
    let s = pair("[[expect]]\ncall = \"server.log\"\nline = 3\nside = \"agent\"\nret = \"null\"\n[[expect]]\nlog = \"a*\"\nside = \"device\"\n");
    let text = toml::to_string(&s).unwrap();
    assert_eq!(parse_toml(&text).unwrap(), s);
    assert_eq!(s.expect[0].to_string(), "every server.log on the agent at line 3 returns null");
    assert_eq!(s.expect[1].to_string(), "a device log matching \"a*\" appears at least once");
}

#[test]
fn issue12_s15_expect_this_on_an_agent_line_pins_side_agent() {
    let s = pair("");
    let t = run(&s, &RunOptions::default()).unwrap();
    let lines: Vec<_> = t.entries.iter().map(|e| e.to_json()).collect();
    let at = |side: Option<&str>| {
        let s = |l: &serde_json::Map<_, _>, k: &str| l.get(k).and_then(serde_json::Value::as_str).map(str::to_string);
        lines.iter().position(|l| s(l, "call").as_deref() == Some("server.log") && s(l, "side").as_deref() == side).unwrap()
    };
    let agent = expect_for_line(&lines, at(Some("agent"))).unwrap();
    let Check::Ret { select, .. } = &agent.check else { panic!("{agent:?}") };
    assert_eq!((select.side, select.line, select.nth), (Some(Side::Agent), Some(3), Some(1)));
    // A device line keeps today's selection (no side: device lines have no `side` key).
    let device = expect_for_line(&lines, at(None)).unwrap();
    let Check::Ret { select: dsel, .. } = &device.check else { panic!("{device:?}") };
    assert_eq!((dsel.side, dsel.line, dsel.nth), (None, Some(3), Some(2)));
    let mut with = s.clone();
    with.expect = vec![agent.clone(), device];
    assert!(check_trace(&with.expect, &t).iter().all(|v| v.passed));
    // Pinned to the agent: the same expectation without `side` would take the device's line 3
    // as well and fail on its return value.
    let mut unpinned = agent;
    if let Check::Ret { select, .. } = &mut unpinned.check {
        select.side = None;
        select.nth = None;
    }
    assert!(!check_trace(&[unpinned], &t)[0].passed);
}
