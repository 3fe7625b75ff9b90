//! Issue 13 / SPEC §14: the work a device program's natives do is charged to the run's work
//! budget as instructions (impnet_squirrel::work has the weights). A program whose every
//! instruction is a megabyte-wide `find` hits the watchdog (squirrel_error, restart after
//! 10 s, again), and the run stops on the instruction budget after a bounded number of tasks
//! -- before, each task ran ~2 million such finds within its 10 M instructions.

use impnet_core::budget::{Budget, Stop, Work};
use impnet_core::scenario::parse_toml;
use impnet_core::sim::run_with_budget;
use impnet_core::RunOptions;
use serde_json::Value;

const FIND_ATTACK: &str = "local s = \"a\";\nfor (local k = 0; k < 20; k++) s += s;\n\
local p = s.slice(0, 1023) + \"b\";\nwhile (true) s.find(p);\n";

#[test]
fn issue13_native_work_of_device_code_is_charged_to_the_run_budget() {
    let sc = parse_toml(&format!("end_ms = 3600000\ncode = '''\n{FIND_ATTACK}'''\n")).unwrap();
    let limit = 25_000_000;
    let t = run_with_budget(&sc, &RunOptions { seed: None, summary_only: false }, Budget::new(limit)).unwrap();
    let lines: Vec<Value> = t.to_json_lines().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let errors: Vec<&Value> = lines.iter().filter(|l| l["event"] == "squirrel_error").collect();
    // Two whole watchdogs fit in 25 M units; the third task is cut by the budget.
    assert_eq!(errors.len(), 2, "{errors:?}");
    for e in &errors {
        assert_eq!(e["error"], "watchdog: the task ran 10000000 instructions without returning");
        assert_eq!(e["line"], 4);
    }
    let Some(Stop::Budget { exhausted, .. }) = t.summary.stop else { panic!("{:?}", t.summary.stop) };
    assert_eq!((exhausted.work, exhausted.limit), (Work::Instruction, limit));
    assert!(t.summary.work <= limit);
    assert!(exhausted.done.get(Work::Instruction) >= 2 * 10_000_000);
}
