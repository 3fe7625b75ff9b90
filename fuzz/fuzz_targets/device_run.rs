//! Any text run as a scenario's device code (SPEC §14) through the whole model -- the imp API
//! natives, the program seam, blocking sends, callbacks, restarts after errors -- with a WiFi
//! outage and a small work budget: the load refuses it (a compile error, naming file:line:col)
//! or the run ends, by itself or on the budget. Never a panic, a hang or unbounded memory.
#![no_main]

use impnet_core::budget::Budget;
use impnet_core::scenario::{validate, Outage, OutageKind, Scenario};
use impnet_core::sim::run_with_budget;
use impnet_core::RunOptions;
use libfuzzer_sys::fuzz_target;

/// 2 000 000 units: a hundredth of a run's default budget, so an execution stays short.
const BUDGET: u64 = 2_000_000;

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data).into_owned();
    let mut sc = Scenario { code: Some(src), end_ms: 120_000, ..Scenario::default() };
    sc.network.outages = vec![Outage { kind: OutageKind::Wifi, at_ms: 20_000, for_ms: 30_000 }];
    if validate(&sc).is_err() {
        return;
    }
    for summary_only in [true, false] {
        let opts = RunOptions { seed: None, summary_only };
        if let Ok(t) = run_with_budget(&sc, &opts, Budget::new(BUDGET)) {
            assert!(t.summary.work <= BUDGET, "spent {} of {BUDGET}", t.summary.work);
        }
    }
});
