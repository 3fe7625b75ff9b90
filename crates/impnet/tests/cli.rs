//! The built `impnet` binary: exit codes, error messages, inputs (file, stdin, link, preset).

mod bin;

use bin::{file, impnet, impnet_stdin, stderr, stdout};

const ZERO_TIMEOUT: &str = r#"
title = "Twenty logs with a zero timeout"
seed = 1
[network]
outages = [{ kind = "wifi", at_ms = 5000, for_ms = 70000 }]
[[steps]]
call = "server.setsendtimeoutpolicy"
reconnect = "RETURN_ON_ERROR"
wait = "WAIT_TIL_SENT"
timeout = 0
[[steps]]
call = "server.log"
bytes = 200
repeat = 20
"#;


#[test]
fn s11_run_json_prints_json_lines_ending_with_the_summary() {
    let p = file("s11_json.toml", ZERO_TIMEOUT);
    let o = impnet(&["run", p.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(!lines.is_empty());
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"));
        assert!(v.is_object());
    }
    let last: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    for key in ["sent_msgs", "acked_msgs", "lost_msgs", "lost_bytes", "goodput_bps", "end_ms"] {
        assert!(last["summary"].get(key).is_some(), "summary lacks {key}: {last}");
    }
}

#[test]
fn s13_run_invalid_scenario_exits_2_and_names_the_field() {
    let p = file("s13_invalid.toml", "[[steps]]\ncall = \"agent.send\"\nname = \"x\"\nbytes = \"many\"\n");
    let o = impnet(&["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("steps[0].bytes: expected an integer"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn s13_run_negative_flush_timeout_is_refused_at_load() {
    let p = file("s13_flush.json", r#"{"steps":[{"call":"server.flush","timeout":-1}]}"#);
    let o = impnet(&["run", p.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("steps[0].timeout"), "{}", stderr(&o));
}

#[test]
fn s13_run_unknown_call_lists_known_calls() {
    let o = impnet_stdin(&["run", "-"], b"[[steps]]\ncall = \"agent.sned\"\n");
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("steps[0].call: unknown call `agent.sned`") && e.contains("agent.send"), "{e}");
}

#[test]
fn s10_run_reads_toml_and_json_from_stdin() {
    let toml = impnet_stdin(&["run", "-", "--json"], ZERO_TIMEOUT.as_bytes());
    assert_eq!(toml.status.code(), Some(0), "{}", stderr(&toml));
    let p = file("s10_stdin.toml", ZERO_TIMEOUT);
    let from_file = impnet(&["run", p.to_str().unwrap(), "--json"]);
    assert_eq!(stdout(&toml), stdout(&from_file));

    let json = impnet_stdin(&["run", "-", "--json"], br#"{"title":"j","steps":[{"call":"server.log","bytes":3}]}"#);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
}

#[test]
fn s13_run_refuses_stdin_over_one_mib() {
    let big = vec![b'#'; (1 << 20) + 10];
    let o = impnet_stdin(&["run", "-"], &big);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("1 MiB"), "{}", stderr(&o));
}

#[test]
fn s13_run_refuses_a_file_over_one_mib() {
    let p = file("s13_big.toml", &format!("#{}\n", "x".repeat(1 << 20)));
    let o = impnet(&["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("limit"), "{}", stderr(&o));
}

#[test]
fn link_round_trip_runs_the_same_trace_as_the_file() {
    let p = file("link_rt.toml", ZERO_TIMEOUT);
    let l = impnet(&["link", p.to_str().unwrap()]);
    assert_eq!(l.status.code(), Some(0), "{}", stderr(&l));
    let url = stdout(&l).trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:8080/#"), "{url}");
    let via_link = impnet(&["run", &url, "--json"]);
    assert_eq!(via_link.status.code(), Some(0), "{}", stderr(&via_link));
    let via_file = impnet(&["run", p.to_str().unwrap(), "--json"]);
    assert_eq!(stdout(&via_link), stdout(&via_file));
    // The bare fragment works too, and the readable timeline names the scenario.
    let fragment = url.split_once('#').unwrap().1;
    let text = impnet(&["run", fragment]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    assert!(stdout(&text).contains("Twenty logs with a zero timeout"));
}

#[test]
fn link_base_option_sets_the_address() {
    let o = impnet_stdin(&["link", "-", "--base", "https://play.example/#old"], b"seed = 3\n");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let url = stdout(&o);
    assert!(url.starts_with("https://play.example/#"), "{url}");
    assert!(!url.contains("old"));
}

#[test]
fn link_tampered_link_exits_2_with_a_clear_error() {
    let o = impnet(&["run", "http://127.0.0.1:8080/#zAAAA"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("share link:"), "{}", stderr(&o));
    let o = impnet(&["link", "http://127.0.0.1:8080/"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("#"), "{}", stderr(&o));
}

#[test]
fn run_unknown_argument_says_what_it_accepts() {
    let o = impnet(&["run", "no-such-thing"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a file, a preset or a share link"), "{}", stderr(&o));
    let o = impnet(&["run", "missing.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.toml: no such file"), "{}", stderr(&o));
}

#[test]
fn run_summary_only_json_prints_one_summary_line() {
    let p = file("summary_only.toml", ZERO_TIMEOUT);
    let o = impnet(&["run", p.to_str().unwrap(), "--json", "--summary-only"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("{\"summary\":"), "{out}");
}

#[test]
fn run_readable_timeline_ends_with_a_summary() {
    let p = file("readable.toml", ZERO_TIMEOUT);
    let o = impnet(&["run", p.to_str().unwrap(), "--seed", "7"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("# Twenty logs with a zero timeout (seed 7)"), "{out}");
    assert!(out.lines().last().unwrap().starts_with("summary:"), "{out}");
}

#[test]
fn explain_prints_a_rule_and_refuses_an_unknown_one() {
    let o = impnet(&["explain", "S5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("S5: "), "{}", stdout(&o));
    assert!(stdout(&o).contains("[choice]"), "S5 is a [choice] in SPEC: {}", stdout(&o));
    let all = impnet(&["explain"]);
    assert_eq!(all.status.code(), Some(0));
    assert!(stdout(&all).contains("[choice]"));
    let bad = impnet(&["explain", "Q7"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("no rule `Q7`"), "{}", stderr(&bad));
}

#[test]
fn s12_every_preset_runs_by_id_and_matches_its_link() {
    assert!(!impnet_core::presets::ALL.is_empty(), "SPEC §12 ships presets");
    for p in impnet_core::presets::ALL {
        let by_id = impnet(&["run", p.id, "--json"]);
        assert_eq!(by_id.status.code(), Some(0), "{}: {}", p.id, stderr(&by_id));
        let link = impnet(&["link", p.id]);
        assert_eq!(link.status.code(), Some(0), "{}: {}", p.id, stderr(&link));
        let by_link = impnet(&["run", stdout(&link).trim(), "--json"]);
        assert_eq!(stdout(&by_id), stdout(&by_link), "{}", p.id);
    }
}

#[test]
fn run_seed_option_overrides_the_scenario_seed() {
    // Loss makes the trace depend on the seed (SPEC §1: one seeded stream per random source).
    let lossy = "[network]\nloss = 0.3\n[[steps]]\ncall = \"agent.send\"\nname = \"x\"\nbytes = 2000\nrepeat = 30\n";
    let a = impnet_stdin(&["run", "-", "--json", "--seed", "1"], lossy.as_bytes());
    let b = impnet_stdin(&["run", "-", "--json", "--seed", "2"], lossy.as_bytes());
    let a_again = impnet_stdin(&["run", "-", "--json", "--seed", "1"], lossy.as_bytes());
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(stdout(&a), stdout(&a_again), "same seed, same trace");
    assert_ne!(stdout(&a), stdout(&b), "a different seed draws different losses");
    let with_seed_in_file = format!("seed = 1\n{lossy}");
    let c = impnet_stdin(&["run", "-", "--json"], with_seed_in_file.as_bytes());
    assert_eq!(stdout(&a), stdout(&c));
}

#[test]
fn run_summary_only_gives_the_same_summary_as_the_full_trace() {
    let full = impnet(&["run", "window-bound", "--json"]);
    let summary = impnet(&["run", "window-bound", "--json", "--summary-only"]);
    assert_eq!(full.status.code(), Some(0), "{}", stderr(&full));
    assert_eq!(stdout(&full).lines().last(), stdout(&summary).lines().next());
}

#[test]
fn s3_readable_timeline_names_return_codes() {
    let o = impnet(&["run", "zero-timeout-trap"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("2 SEND_ERROR_TIMEOUT"), "{out}");
    assert!(out.contains("· disconnected"), "{out}");
}

#[test]
fn issue13_5_a_links_title_reaches_the_terminal_without_escape_sequences() {
    // An OSC 52 clipboard write and a forged line in the title of a shared scenario.
    let toml = ZERO_TIMEOUT.replacen("title = \"", "title = \"\\u001b]52;c;aGk=\\u0007\\nsummary: forged ", 1);
    assert_ne!(toml, ZERO_TIMEOUT, "the fixture has a title");
    let p = file("osc52.toml", &toml);
    let l = impnet(&["link", p.to_str().unwrap()]);
    let url = stdout(&l).trim().to_string();
    let o = impnet(&["run", &url]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.lines().next().unwrap().contains("\\u{1b}]52;c;aGk=\\u{7}\\u{a}summary: forged"), "{out}");
    assert!(!out.lines().any(|l| l.starts_with("summary: forged")));
}

#[test]
fn issue13_8_serve_flags_out_of_range_exit_2_not_101() {
    for (flag, value) in [("--max-connections", "2305843009213693952"), ("--idle-timeout-s", "18446744073709551615")] {
        let o = impnet(&["serve", "--addr", "127.0.0.1:0", flag, value]);
        assert_eq!(o.status.code(), Some(2), "{flag}: {}", stderr(&o));
        assert!(stderr(&o).contains(&format!("{flag}: {value} is outside")), "{}", stderr(&o));
    }
}
