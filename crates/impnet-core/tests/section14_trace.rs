//! SPEC §14 "Trace": lines written by device code carry what the call carried: `server.log`/
//! `server.error` their `text` (at most 1 024 bytes), `agent.send` its `name` and payload
//! `bytes` (§14 serialised size). Step lists carry sizes only, so their lines keep §11's keys
//! (tests/presets.rs snapshots).

use impnet_core::scenario::parse_toml;
use impnet_core::{run, RunOptions};
use serde_json::Value;

fn trace_of(code: &str) -> Vec<String> {
    let sc = parse_toml(&format!("end_ms = 5000\ncode = '''\n{code}'''\n")).unwrap();
    run(&sc, &RunOptions::default()).unwrap().to_json_lines().lines().map(str::to_owned).collect()
}

#[test]
fn section14_trace_log_and_send_lines_carry_text_name_and_bytes() {
    let lines = trace_of("server.log(\"hi \" + 42);\nagent.send(\"temp\", [1, \"ab\"]);\nserver.error(null);\n");
    // [1, "ab"]: array 5 + integer 5 + string (5 + 2) = 17 payload bytes.
    assert_eq!(
        lines[1..4],
        [
            r#"{"t_ms":1500,"call":"server.log","line":1,"text":"hi 42","ret":0,"blocked_ms":0,"msg":0,"rule":"S1","why":"42 bytes fit in the buffer (3456): written, WAIT_TIL_SENT returns 0 (S1)"}"#,
            r#"{"t_ms":1500,"call":"agent.send","line":2,"name":"temp","bytes":17,"ret":0,"blocked_ms":0,"msg":1,"rule":"S1","why":"58 bytes fit in the buffer (3456): written, WAIT_TIL_SENT returns 0 (S1)"}"#,
            r#"{"t_ms":1500,"call":"server.error","line":3,"text":"null","ret":0,"blocked_ms":0,"msg":2,"rule":"S1","why":"41 bytes fit in the buffer (3456): written, WAIT_TIL_SENT returns 0 (S1)"}"#,
        ]
    );
}

#[test]
fn section14_trace_log_text_is_cut_to_1024_bytes() {
    let lines = trace_of("local s = \"\";\nfor (local i = 0; i < 300; i++) s += \"abcd\";\nserver.log(s);\n");
    let log: Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(log["call"], "server.log");
    assert_eq!(log["text"], "abcd".repeat(256));
}

#[test]
fn section14_trace_step_list_lines_carry_no_text_or_name() {
    let sc = parse_toml("end_ms = 5000\n[[steps]]\ncall = \"agent.send\"\nname = \"temp\"\nbytes = 100\n[[steps]]\ncall = \"server.log\"\nbytes = 10\n").unwrap();
    let out = run(&sc, &RunOptions::default()).unwrap().to_json_lines();
    let calls: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).filter(|l: &Value| l.get("call").is_some()).collect();
    assert_eq!(calls.len(), 2);
    for c in &calls {
        for k in ["text", "name", "bytes", "line"] {
            assert!(c.get(k).is_none(), "{k} on a step-list line: {c}");
        }
    }
}

#[test]
fn section14_trace_squirrel_error_carries_error_and_line_and_the_restart_wakereason_5() {
    let code = "class Reader {\n  function read() { local t = {}; return t.missing; }\n}\nserver.log(\"boot\");\nReader().read();\n";
    let sc = parse_toml(&format!("end_ms = 12000\ncode = '''\n{code}'''\n")).unwrap();
    let out = run(&sc, &RunOptions::default()).unwrap().to_json_lines();
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let error = lines.iter().find(|l| l["event"] == "squirrel_error").expect("a squirrel_error line");
    assert_eq!(error["t_ms"], 1500);
    // The error is thrown on line 2, inside the method, not at its call on line 5.
    assert_eq!(error["line"], 2);
    assert_eq!(error["error"], "the index 'missing' does not exist");
    assert!(error.get("file").is_none(), "the main program has no file key: {error}");
    let restart = lines.iter().find(|l| l["event"] == "squirrel_restart").expect("a squirrel_restart line");
    assert_eq!(restart["t_ms"], 11500);
    assert_eq!(restart["wakereason"], 5);
    assert_eq!(restart["rule"], "§14");
}
