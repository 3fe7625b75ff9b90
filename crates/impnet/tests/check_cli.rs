//! Issue #12: `impnet check` — exit codes 0/1/2, the checklist with its deciding lines, JUnit
//! XML parsed back, `--json`, sweeps (every combination equals a run of that scenario written
//! out), and links carrying expectations.

mod bin;

use bin::{file, impnet, stderr as err, stdout as out};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Output;

fn cases<'a, 'i>(suite: &roxmltree::Node<'a, 'i>) -> Vec<roxmltree::Node<'a, 'i>> {
    suite.children().filter(|n| n.has_tag_name("testcase")).collect()
}

/// The worked example of docs/check.md.
fn sensor() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/sensor.toml")
}

/// S5's trap with one expectation that holds and one that does not.
const TRAP: &str = r#"
title = "zero timeout"
[[steps]]
call = "server.setsendtimeoutpolicy"
reconnect = "RETURN_ON_ERROR"
wait = "WAIT_TIL_SENT"
timeout = 0
[[steps]]
call = "server.log"
bytes = 200
repeat = 20
[[expect]]
call = "server.log"
nth = 1
ret = 0
[[expect]]
name = "every log returns 0"
call = "server.log"
ret = 0
"#;

fn json(o: &Output) -> Value {
    serde_json::from_str(&out(o)).unwrap_or_else(|e| panic!("{e}: {}", out(o)))
}

#[test]
fn issue12_all_passing_exits_0_with_a_checklist() {
    let o = impnet(&["check", sensor().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let text = out(&o);
    assert!(text.contains("✓ never blocks Squirrel more than 2 s"), "{text}");
    assert_eq!(text.matches('✓').count(), 9, "the input and its 8 expectations: {text}");
    assert!(text.ends_with("8 passed, 0 failed\n"), "{text}");
}

#[test]
fn issue12_a_failure_exits_1_and_names_its_deciding_line() {
    let p = file("check_trap.toml", TRAP);
    let o = impnet(&["check", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    let text = out(&o);
    assert!(text.contains("✓ 1st server.log returns 0"), "{text}");
    assert!(text.contains("✗ every log returns 0"), "{text}");
    // The 18th log is the first that does not fit: S5 returns 2 (timeout) at once.
    let detail = text.lines().find(|l| l.contains("decided by")).expect("a deciding line");
    assert!(detail.contains("found returned 2") && detail.contains("server.log at step 1."), "{detail}");
    assert!(text.ends_with("1 passed, 1 failed\n"), "{text}");
}

#[test]
fn issue12_invalid_input_exits_2_naming_it_and_runs_nothing() {
    let bad = file("check_bad.toml", "[[expect]]\nnever = \"OFFLINE\"\nwithin_ms = \"soon\"\n");
    let good = sensor();
    let o = impnet(&["check", good.to_str().unwrap(), bad.to_str().unwrap(), "no/such/file.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(e.contains("expect[0].within_ms: expected a number"), "{e}");
    assert!(e.contains("no/such/file.toml: no such file"), "every bad input is named: {e}");
    assert!(out(&o).is_empty(), "nothing ran: {}", out(&o));

    let o = impnet(&["check", good.to_str().unwrap(), "--sweep", "network.rtt=50,100"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("--sweep network.rtt=50: network.rtt: unknown field"), "{}", err(&o));
    let o = impnet(&["check", good.to_str().unwrap(), "--sweep", "network.loss=0,1.5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("--sweep network.loss=1.5: network.loss: a probability must be 0 to 1"), "{}", err(&o));
    let o = impnet(&["check", good.to_str().unwrap(), "--sweep", "rtt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("expected PATH=V1,V2"), "{}", err(&o));
}

#[test]
fn issue12_junit_has_one_case_per_expectation_per_combination() {
    let p = file("check_trap_junit.toml", TRAP);
    let xml_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("check_trap.xml");
    let o = impnet(&[
        "check",
        p.to_str().unwrap(),
        "zero-timeout-trap",
        "--sweep",
        "network.rtt_ms=50,400",
        "--sweep",
        "seed=1,2,3",
        "--junit",
        xml_path.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let xml = std::fs::read_to_string(&xml_path).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("not XML: {e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 2);
    // 2 expectations × 6 combinations; the preset has none: one "run completes" case each.
    let (trap, preset) = (cases(&suites[0]), cases(&suites[1]));
    assert_eq!((trap.len(), preset.len()), (12, 6));
    assert_eq!(suites[0].attribute("tests"), Some("12"));
    let failures = |cs: &[roxmltree::Node]| cs.iter().filter(|c| c.children().any(|n| n.has_tag_name("failure"))).count();
    assert_eq!(failures(&trap), 6, "`every log returns 0` fails under every combination");
    assert_eq!(failures(&preset), 0, "the preset's runs complete");
    assert_eq!(root.attribute("failures"), Some("6"));
    let name = trap[0].attribute("name").unwrap();
    assert_eq!(name, "[network.rtt_ms=50 seed=1] expect[0]: 1st server.log returns 0");
    assert!(preset[5].attribute("name").unwrap().starts_with("[network.rtt_ms=400 seed=3] run: the run completes"));
    let failure = trap[1].children().find(|n| n.has_tag_name("failure")).unwrap();
    assert!(failure.attribute("message").unwrap().contains("returned 2"));
    assert!(failure.text().unwrap().contains("trace line"), "{:?}", failure.text());
}

#[test]
fn issue12_json_output_carries_verdicts_and_evidence() {
    let p = file("check_trap_json.toml", TRAP);
    let o = impnet(&["check", p.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!((v["passed"].as_u64(), v["failed"].as_u64()), (Some(1), Some(1)));
    let cases = &v["inputs"][0]["runs"][0]["cases"];
    assert_eq!(cases[1]["id"], "expect[1]");
    assert_eq!(cases[1]["passed"], false);
    let ev = &cases[1]["evidence"];
    assert_eq!(ev["what"], "server.log");
    assert_eq!(ev["step"], 1);
    // The evidence points at the very line `impnet run --json` prints there.
    let run = impnet(&["run", p.to_str().unwrap(), "--json"]);
    let line: Value = serde_json::from_str(out(&run).lines().nth(ev["index"].as_u64().unwrap() as usize).unwrap()).unwrap();
    assert_eq!((line["call"].clone(), line["ret"].clone(), line["t_ms"].clone()), ("server.log".into(), 2.into(), ev["t_ms"].clone()));
}

/// Issue 12 with SPEC §15: `side` selects one program's lines of a pair; the evidence of an
/// agent line says so (`evidence.side`), in `--json` and in the checklist.
#[test]
fn issue12_s15_side_selects_one_programs_lines_and_agent_evidence_names_its_side() {
    let pair = r#"
end_ms = 20000
code = """
// device
local n = 1;
server.log("device says hi");
"""
agent_code = """
// agent
local n = 1;
server.log("agent says hi");
"""
[[expect]]
call = "server.log"
line = 3
side = "agent"
ret = "null"
[[expect]]
log = "agent says*"
side = "device"
"#;
    let p = file("check_side_pair.toml", pair);
    let o = impnet(&["check", p.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let v = json(&o);
    let cases = &v["inputs"][0]["runs"][0]["cases"];
    assert_eq!((cases[0]["passed"].as_bool(), cases[1]["passed"].as_bool()), (Some(true), Some(false)));
    assert_eq!((cases[0]["evidence"]["side"].as_str(), cases[0]["evidence"]["line"].as_u64()), (Some("agent"), Some(3)));
    let o = impnet(&["check", p.to_str().unwrap()]);
    assert!(out(&o).contains("server.log on the agent at line 3"), "{}", out(&o));
    let bad = file("check_side_bad.toml", &pair.replace("side = \"device\"", "side = \"both\""));
    let o = impnet(&["check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("expect[1].side"), "{}", err(&o));
}

#[test]
fn issue12_sweep_runs_the_cross_product_each_as_its_own_scenario() {
    let base = sensor();
    let o = impnet(&[
        "check",
        base.to_str().unwrap(),
        "--json",
        "--sweep",
        "network.rtt_ms=50,1500",
        "--sweep",
        "network.outages[0].for_ms=1000,70000",
    ]);
    let v = json(&o);
    let runs = v["inputs"][0]["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    let text = std::fs::read_to_string(&base).unwrap();
    for run in runs {
        let rtt = run["params"]["network.rtt_ms"].as_u64().unwrap();
        let outage = run["params"]["network.outages[0].for_ms"].as_u64().unwrap();
        // The same scenario written out by hand gives the same verdicts.
        let written = text
            .replace("rtt_ms = 100", &format!("rtt_ms = {rtt}"))
            .replace("for_ms = 70000", &format!("for_ms = {outage}"));
        let p = file(&format!("check_sweep_{rtt}_{outage}.toml"), &written);
        let single = json(&impnet(&["check", p.to_str().unwrap(), "--json"]));
        assert_eq!(run["cases"], single["inputs"][0]["runs"][0]["cases"], "rtt {rtt}, outage {outage}");
    }
    let verdict = |i: usize| runs[i]["passed"].as_bool().unwrap();
    assert!(verdict(1), "50 ms RTT rides out the outage");
    assert!(!verdict(3), "1500 ms RTT does not");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn issue12_sweep_prints_a_pass_fail_matrix() {
    let o = impnet(&["check", sensor().to_str().unwrap(), "--sweep", "network.rtt_ms=50,1500", "--sweep", "network.loss=0,0.02"]);
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("  50 ") || l.starts_with("  1500 ")).collect();
    assert_eq!(rows.len(), 4, "{text}");
    assert!(rows[0].ends_with("✓ 8/8"), "{text}");
    assert!(rows[2].contains("✗ 4/8 expect[1]"), "{text}");
    assert!(text.contains("✗ network.rtt_ms=1500 network.loss=0: a reading takes under 1 s"), "{text}");
}

#[test]
fn issue12_share_links_carry_expectations_into_check() {
    let p = file("check_trap_link.toml", TRAP);
    let link = out(&impnet(&["link", p.to_str().unwrap()])).trim().to_string();
    let o = impnet(&["check", &link, "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let from_link = json(&o);
    let from_file = json(&impnet(&["check", p.to_str().unwrap(), "--json"]));
    assert_eq!(from_link["inputs"][0]["runs"], from_file["inputs"][0]["runs"]);
}

#[test]
fn issue12_without_expectations_a_run_passes_when_it_completes_within_its_budget() {
    // S8 + §13: every send returns 1 during an all-day outage and is retried every 10 ms, until
    // the retry limit stops the run with a note.
    let endless = file(
        "check_endless.toml",
        "[network]\noutages = [{ kind = \"wifi\", at_ms = 0, for_ms = 86400000 }]\n\
         [[steps]]\ncall = \"server.setsendtimeoutpolicy\"\nreconnect = \"RETURN_ON_ERROR\"\nwait = \"WAIT_TIL_SENT\"\ntimeout = 1\n\
         [[steps]]\ncall = \"server.log\"\nbytes = 10\non_ret = { \"1\" = \"retry\" }\n",
    );
    let o = impnet(&["check", endless.to_str().unwrap(), "window-bound", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let v = json(&o);
    let case = |i: usize| v["inputs"][i]["runs"][0]["cases"][0].clone();
    assert_eq!(case(0)["id"], "run");
    assert_eq!(case(0)["passed"], false);
    assert!(case(0)["found"].as_str().unwrap().contains("stopped: more than 100000 on_ret retries"), "{}", case(0));
    assert!(v["inputs"][0]["runs"][0]["stopped"].as_str().unwrap().contains("retries"));
    assert!(v["inputs"][1]["runs"][0]["stopped"].is_null());
    assert_eq!(case(0)["evidence"]["what"], "note");
    assert_eq!(case(1)["passed"], true, "the preset completes: {}", case(1));
}

#[test]
fn issue12_long_sweeps_keep_a_piped_stderr_clean() {
    // Twelve runs: enough for the progress bar, which must not draw when stderr is no terminal.
    let o = impnet(&["check", "window-bound", "--sweep", "seed=1,2,3,4,5,6,7,8,9,10,11,12"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(o.stderr.is_empty(), "stderr: {:?}", err(&o));
    let rows = out(&o).lines().filter(|l| l.starts_with("  ") && l.trim_start().starts_with(|c: char| c.is_ascii_digit())).count();
    assert_eq!(rows, 12, "one matrix row per seed");
}

/// Issue 13 / livecode item 3: the 10 000-run cap on the command line. Two inputs × 5 001
/// seeds is 10 002 runs: refused up front (exit 2) with a message naming `--sweep` and the
/// numbers, and nothing runs; one sweep of 10 001 values is refused the same way. 10 000
/// combinations of one input pass the cap (checked without running them: the input is bad,
/// so the command stops at the load, after the cap).
#[test]
fn issue13_sweep_past_10000_runs_is_refused_naming_the_flag_exit_2() {
    let good = file("check_cap_good.toml", "[[steps]]\ncall = \"server.log\"\nbytes = 10\n");
    let good = good.to_str().unwrap();
    let seeds = |n: u32| format!("seed={}", (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(","));
    let o = impnet(&["check", good, good, "--sweep", &seeds(5001)]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("--sweep: 2 inputs × 5001 combinations is more than 10000 runs"),
        "names the flag and the numbers: {}",
        err(&o)
    );
    assert!(out(&o).is_empty(), "nothing ran: {}", out(&o));

    let o = impnet(&["check", good, "--sweep", &seeds(10_001)]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("--sweep: more than 10000 combinations"), "{}", err(&o));
    assert!(out(&o).is_empty(), "nothing ran: {}", out(&o));

    let o = impnet(&["check", "no/such/file.toml", "--sweep", &seeds(10_000)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!err(&o).contains("--sweep"), "10 000 runs are within the cap: {}", err(&o));
    assert!(err(&o).contains("no/such/file.toml"), "{}", err(&o));
}
