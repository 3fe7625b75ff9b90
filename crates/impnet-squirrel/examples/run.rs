//! Runs Squirrel files (concatenated, in order) with a tiny event loop: `imp.wakeup(s, fn)`
//! queues `fn`, `server.log(x)` prints; queued callbacks run after the main program, in order.
//!     cargo run -p impnet-squirrel --example run -- LIB.nut MAIN.nut
use impnet_squirrel::{Handle, Host, Outcome, Value, Vm};

struct Mini {
    queue: std::collections::VecDeque<Handle>,
}
impl Host for Mini {
    type Suspend = ();
}

fn drive(vm: &mut Vm<Mini>) {
    loop {
        match vm.run(u64::MAX) {
            Outcome::Finished(_) => return,
            Outcome::Error(e) => {
                println!("ERROR {e}");
                return;
            }
            _ => {}
        }
    }
}

fn main() {
    let src: String = std::env::args()
        .skip(1)
        .map(|p| std::fs::read_to_string(p).unwrap_or_default() + "\n")
        .collect();
    let mut vm = Vm::new(Mini {
        queue: Default::default(),
    });
    let imp = vm.new_global_table("imp").unwrap();
    vm.register_in(imp, "wakeup", |ctx, args| {
        let h = ctx.keep(args[1]);
        ctx.host.queue.push_back(h);
        Ok(Value::Null)
    })
    .unwrap();
    let server = vm.new_global_table("server").unwrap();
    vm.register_in(server, "log", |ctx, args| {
        println!("log: {}", ctx.to_string(args[0]));
        Ok(Value::Null)
    })
    .unwrap();
    if let Err(e) = vm.load("main.nut", &src) {
        println!("{e}");
        return;
    }
    drive(&mut vm);
    while let Some(h) = vm.host.queue.pop_front() {
        vm.start_handle(h, &[]).unwrap();
        drive(&mut vm);
        vm.release(h);
    }
}
