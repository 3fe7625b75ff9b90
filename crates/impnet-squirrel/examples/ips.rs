//! Instructions per second of CPU time (steadier than wall time on a busy machine):
//!     cargo run --profile native -p impnet-squirrel --example ips
use impnet_squirrel::{Host, Limits, Outcome, Vm};

struct NoHost;
impl Host for NoHost {
    type Suspend = ();
}

fn cpu_seconds() -> f64 {
    // utime + stime of this process, in clock ticks (100 Hz on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: f64 = fields.get(11).and_then(|s| s.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

const PROGRAMS: &[(&str, &str)] = &[
    (
        "arith_loop",
        "local sum = 0;
         for (local i = 0; i < 5000000; i++) {
             sum += i * 3 % 7;
             if (sum > 100000) sum -= 100000;
         }
         return sum;",
    ),
    (
        "calls_tables",
        "class Counter { n = 0; function bump(k) { n += k; return n; } }
         local c = Counter();
         local t = { a = 1, b = 2 };
         local arr = [1, 2, 3, 4];
         local add = function(x, y) { return x + y; };
         local s = 0;
         for (local i = 0; i < 1000000; i++) { s = add(s, t.a + arr[i % 4]); c.bump(1); }
         return s + c.n;",
    ),
];

fn main() {
    for (name, src) in PROGRAMS {
        let mut vm = Vm::new(NoHost);
        vm.set_limits(Limits {
            task_instructions: u64::MAX,
            ..Limits::default()
        });
        vm.load("ips.nut", src).unwrap();
        let t0 = cpu_seconds();
        let Outcome::Finished(_) = vm.run(u64::MAX) else {
            panic!()
        };
        let cpu = cpu_seconds() - t0;
        let n = vm.task_instructions();
        println!(
            "{name}: {n} instructions in {cpu:.2} s CPU: {:.1} M instructions/s",
            n as f64 / cpu / 1e6
        );
    }
}
