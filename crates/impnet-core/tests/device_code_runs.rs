//! SPEC §14 end to end through the device model: an uncaught error deep in a method writes
//! `squirrel_error`, Squirrel restarts from the top 10 s later (`squirrel_restart`), and `nv`
//! survives the restarts (tests/programs/error_restart.nut stops failing on its third boot).

use impnet_core::scenario::parse_toml;
use impnet_core::{run, RunOptions};
use serde_json::Value;

#[test]
fn section14_uncaught_error_then_restart_after_10_s_with_nv_kept() {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/programs/error_restart.nut")).unwrap();
    let sc = parse_toml(&format!("end_ms = 60000\ncode = '''\n{src}'''\n")).unwrap();
    let lines = run(&sc, &RunOptions::default()).unwrap().to_json_lines();
    let lines: Vec<Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let at = |event: &str| -> Vec<f64> {
        lines.iter().filter(|l| l["event"] == event).map(|l| l["t_ms"].as_f64().unwrap()).collect()
    };
    assert_eq!(at("squirrel_error"), [1500.0, 11500.0]);
    assert_eq!(at("squirrel_restart"), [11500.0, 21500.0]);
    // Only the third boot (nv.boots == 3) gets past the failing read, to line 17.
    let logs: Vec<(f64, u64)> = lines
        .iter()
        .filter(|l| l["call"] == "server.log")
        .map(|l| (l["t_ms"].as_f64().unwrap(), l["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(logs, [(1500.0, 13), (11500.0, 13), (21500.0, 13), (21500.0, 17)]);
}
