//! The core in wasm32, in headless Chromium: scenarios parse and run there as they do natively
//! (SPEC §1: the same scenario and seed give a byte-identical trace on every platform).
#![cfg(target_arch = "wasm32")]

use impnet_core::presets;
use impnet_core::scenario::parse_toml;
use impnet_core::trace::{Line, Outcome, Ret};
use impnet_core::{run, RunOptions};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const THREE_SENDS: &str = r#"
title = "three small sends"
seed = 3
[[steps]]
call = "agent.send"
name = "t"
bytes = 100
repeat = 3
"#;

#[wasm_bindgen_test]
fn s10_scenario_parses_in_wasm() {
    let s = parse_toml(THREE_SENDS).expect("valid scenario");
    assert_eq!(s.title, "three small sends");
    assert_eq!(s.seed, 3);
    assert_eq!(s.steps.len(), 1);
    assert_eq!(s.steps[0].repeat, 3);
}

#[wasm_bindgen_test]
fn s10_bad_field_is_refused_with_its_path_in_wasm() {
    let err = parse_toml("[network]\nrtt_ms = \"fast\"\n").expect_err("a string RTT is refused");
    assert!(err.path.contains("rtt_ms"), "error path {:?} should name rtt_ms ({err})", err.path);
}

/// S1 and T3: three 100-byte sends fit the default 3456-byte buffer, return 0 at once, and are
/// all ACKed on a lossless link.
#[wasm_bindgen_test]
fn s1_small_sends_return_0_and_are_acked_in_wasm() {
    let s = parse_toml(THREE_SENDS).unwrap();
    let trace = run(&s, &RunOptions::default()).expect("the run completes");
    let calls: Vec<_> = trace
        .entries
        .iter()
        .filter_map(|e| match &e.line {
            Line::Call(c) => Some(c),
            Line::Event(_) => None,
        })
        .collect();
    assert_eq!(calls.len(), 3, "one line per agent.send");
    for c in &calls {
        assert_eq!(c.call, "agent.send");
        assert_eq!(c.outcome, Outcome::Returned(Ret::Int(0)), "S1: fits, returns 0");
    }
    assert_eq!(trace.summary.sent_msgs, 3);
    assert_eq!(trace.summary.acked_msgs, 3, "T3: every message ACKed");
    assert_eq!(trace.summary.lost_msgs, 0);
}

/// §1: runs are deterministic — the same scenario twice gives the same trace, in wasm too.
#[wasm_bindgen_test]
fn determinism_same_scenario_same_trace_in_wasm() {
    let s = parse_toml(THREE_SENDS).unwrap();
    let a = run(&s, &RunOptions::default()).unwrap();
    let b = run(&s, &RunOptions::default()).unwrap();
    assert_eq!(a.to_json_lines(), b.to_json_lines());
}

/// §1 across platforms: every preset's trace hash in wasm equals the native one recorded in
/// presets/hashes.txt (kept in sync by impnet-core's native test `preset_hashes_match_file`).
#[wasm_bindgen_test]
fn determinism_preset_hashes_in_wasm_match_native() {
    const HASHES: &str = include_str!("../presets/hashes.txt");
    let mut listed = Vec::new();
    for line in HASHES.lines().filter(|l| !l.trim().is_empty()) {
        let (id, want) = line.split_once(' ').unwrap_or_else(|| panic!("hashes.txt line {line:?}: want `<id> <hex>`"));
        // A step-list preset, or a device + agent pair (SPEC §15).
        let scenario = match (presets::find(id), presets::find_pair(id)) {
            (Some(p), _) => parse_toml(p.toml),
            (None, Some(pair)) => pair.scenario(),
            (None, None) => panic!("hashes.txt names unknown preset {id}"),
        };
        let scenario = scenario.unwrap_or_else(|e| panic!("{id}: {e}"));
        let trace = run(&scenario, &RunOptions::default()).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(format!("{:016x}", trace.hash()), want.trim(), "{id}: wasm trace differs from native");
        listed.push(id);
    }
    let ids = presets::ALL.iter().map(|p| p.id).chain(presets::PAIRS.iter().map(|p| p.id));
    let missing: Vec<_> = ids.filter(|id| !listed.contains(id)).collect();
    assert!(missing.is_empty(), "presets without a hash in presets/hashes.txt: {missing:?}");
}

/// §1 and §14 "Determinism": every preset's Squirrel twin (device code in the VM, bound to the
/// model) gives in wasm the trace hash recorded natively in presets/code-hashes.txt (kept in
/// sync by impnet-core's native test `section14_twin_hashes_match_file`).
#[wasm_bindgen_test]
fn section14_device_code_preset_hashes_in_wasm_match_native() {
    const HASHES: &str = include_str!("../presets/code-hashes.txt");
    let mut listed = Vec::new();
    for line in HASHES.lines().filter(|l| !l.trim().is_empty()) {
        let (file, want) = line.split_once(' ').unwrap_or_else(|| panic!("code-hashes.txt line {line:?}: want `<id>.nut <hex>`"));
        let id = file.strip_suffix(".nut").unwrap_or_else(|| panic!("code-hashes.txt names {file}, not a .nut"));
        let preset = presets::find(id).unwrap_or_else(|| panic!("code-hashes.txt names unknown preset {id}"));
        let scenario = preset.twin_scenario().unwrap_or_else(|e| panic!("{id}: {e}"));
        let trace = run(&scenario, &RunOptions::default()).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(format!("{:016x}", trace.hash()), want.trim(), "{id}.nut: wasm trace differs from native");
        listed.push(id);
    }
    let missing: Vec<_> = presets::ALL.iter().map(|p| p.id).filter(|id| !listed.contains(id)).collect();
    assert!(missing.is_empty(), "presets without a code hash in presets/code-hashes.txt: {missing:?}");
}
