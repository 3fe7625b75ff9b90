//! A bare wasm module over the core, with no wasm-bindgen: `scripts/wasm-imports.mjs` lists its
//! imports and fails on any from `env` (the core must need nothing from its host, SPEC §1), then
//! instantiates it with no imports at all and calls the exports below.
//!
//! Build: `cargo build -p impnet-wasm-probe --target wasm32-unknown-unknown`.

use impnet_core::scenario::parse_toml;
use impnet_core::{run, RunOptions, Trace};

// Small but touches the send path, a policy change, a buffer resize and UDP, so the linker
// keeps most of the model.
const SCENARIO: &str = r#"
title = "wasm probe"
seed = 7
[network]
loss = 0.01
[[steps]]
call = "imp.setsendbuffersize"
size = 8192
[[steps]]
call = "server.setsendtimeoutpolicy"
reconnect = "RETURN_ON_ERROR_NO_DISCONNECT"
wait = "WAIT_TIL_SENT"
timeout = 10
[[steps]]
call = "agent.send"
name = "reading"
bytes = 1000
repeat = 20
[[steps]]
call = "interface.openudp"
[[steps]]
call = "udpsocket.send"
address = "192.168.1.20"
port = 5000
bytes = 3000
"#;

fn trace() -> Option<Trace> {
    let scenario = parse_toml(SCENARIO).ok()?;
    run(&scenario, &RunOptions::default()).ok()
}

/// FNV-1a of the JSON trace (`Trace::hash`), or 0 if the scenario was refused or the run failed.
#[no_mangle]
pub extern "C" fn probe_hash() -> u64 {
    trace().map_or(0, |t| t.hash())
}

/// Number of trace lines, or -1 if the scenario was refused or the run failed.
#[no_mangle]
pub extern "C" fn probe_lines() -> i32 {
    trace().map_or(-1, |t| t.entries.len() as i32)
}
