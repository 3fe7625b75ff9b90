//! A bare wasm module over the core and the Squirrel VM, with no wasm-bindgen:
//! `scripts/wasm-imports.mjs` lists its imports and fails on any from `env` (neither may need
//! anything from its host, SPEC §1), then instantiates it with no imports at all and calls the
//! exports below.
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

// Touches the lexer, compiler, classes, closures, tables in insertion order, floats and their
// printing, math (libm), format, blobs, the seeded rand stream, a suspension and the collector.
const SQUIRREL: &str = r#"
class Acc {
    items = null;
    constructor() { items = []; }
    function add(x) { items.push(wait(x) * 2); return this; }
}
local a = Acc();
foreach (i, v in [3, 1, 2]) a.add(v + i);
local t = { z = math.sin(1.0), a = math.sqrt(2), m = 7 / 2.0, r = math.rand() };
local parts = [];
foreach (k, v in t) parts.push(format("%s=%.6f", k, v.tofloat()));
local b = blob();
b.writen(0x12345678, 'i');
b.writen(1.5, 'f');
local junk = 0;
for (local i = 0; i < 20000; i++) junk += ("x" + i).len();
a.items.sort(@(x, y) y <=> x);
return format("%s|%s|%d|%d|%s", a.items.map(@(v) v.tostring()).reduce(@(p, q) p + "," + q),
    parts.reduce(@(p, q) p + ";" + q), b.len(), junk, (1.0 / 3).tostring());
"#;

struct ProbeHost;
impl impnet_squirrel::Host for ProbeHost {
    type Suspend = i32;
}

fn squirrel() -> Option<String> {
    use impnet_squirrel::{Interrupt, Outcome, Value, Vm};
    let mut vm = Vm::new(ProbeHost);
    vm.seed(7);
    vm.register("wait", |_, args| {
        Err(Interrupt::Suspend(args[0].as_int().unwrap_or(0)))
    })
    .ok()?;
    vm.load("probe.nut", SQUIRREL).ok()?;
    loop {
        match vm.run(1_000_000) {
            Outcome::Suspended(n) => vm.resume(Value::Int(n + 1)),
            Outcome::OutOfFuel => {}
            Outcome::Finished(v) => {
                return vm
                    .heap()
                    .as_bytes(v)
                    .map(|b| String::from_utf8_lossy(b).into_owned())
            }
            Outcome::Error(_) => return None,
        }
    }
}

/// FNV-1a of the Squirrel probe program's result string, or 0 if it failed.
#[no_mangle]
pub extern "C" fn squirrel_hash() -> u64 {
    squirrel().map_or(0, |s| {
        s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        })
    })
}

#[cfg(test)]
mod tests {
    /// The probe program runs to the end natively too (its hash is compared across wasm routes).
    #[test]
    fn squirrel_probe_program_finishes() {
        let s = super::squirrel().expect("the probe program runs");
        eprintln!("native squirrel_hash() = {:016x}", super::squirrel_hash());
        assert!(
            s.starts_with("10,8,6|z=0.841471;a=1.414214;m=3.500000;"),
            "{s}"
        );
    }
}
