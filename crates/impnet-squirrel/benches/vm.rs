//! VM speed in instructions per second (issue 9 item 6: target >= 50 M/s native) on
//! loop-heavy programs. Criterion's throughput line ("thrpt") is instructions/s.
//!
//!     cargo bench -p impnet-squirrel --bench vm

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use impnet_squirrel::{Host, Limits, Outcome, Vm};

struct NoHost;
impl Host for NoHost {
    type Suspend = ();
}

const PROGRAMS: &[(&str, &str)] = &[
    // Arithmetic, comparisons and branches in a counted loop.
    (
        "arith_loop",
        "local sum = 0;
         for (local i = 0; i < 200000; i++) {
             sum += i * 3 % 7;
             if (sum > 100000) sum -= 100000;
         }
         return sum;",
    ),
    // Function and method calls, table and array access, closures: typical device code.
    (
        "calls_tables",
        "class Counter {
             n = 0;
             function bump(k) { n += k; return n; }
         }
         local c = Counter();
         local t = { a = 1, b = 2 };
         local arr = [1, 2, 3, 4];
         local add = function(x, y) { return x + y; };
         local s = 0;
         for (local i = 0; i < 50000; i++) {
             s = add(s, t.a + arr[i % 4]);
             c.bump(1);
         }
         return s + c.n;",
    ),
];

fn run(src: &str) -> u64 {
    let mut vm = Vm::new(NoHost);
    vm.set_limits(Limits {
        task_instructions: u64::MAX,
        ..Limits::default()
    });
    vm.load("bench.nut", src).expect("compiles");
    match vm.run(u64::MAX) {
        Outcome::Finished(_) => vm.task_instructions(),
        other => panic!("{other:?}"),
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("vm");
    for (name, src) in PROGRAMS {
        let instructions = run(src);
        group.throughput(Throughput::Elements(instructions));
        group.bench_function(*name, |b| b.iter(|| run(src)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
