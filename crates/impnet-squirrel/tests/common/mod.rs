//! Shared helpers: a host that collects `print` output, and a renderer of values for compact
//! assertions (`[1, "a", {k: 2}]`).
#![allow(dead_code)]

use impnet_squirrel::{Host, Interrupt, Outcome, RuntimeError, Value, Vm};

pub struct TestHost {
    pub printed: Vec<String>,
}

/// What the test natives suspend with.
#[derive(Debug, PartialEq)]
pub enum Wait {
    /// `wait(x)`: suspend, handing `x` rendered.
    Value(String),
}

impl Host for TestHost {
    type Suspend = Wait;
}

/// A VM with `print(x)` (collects `x.tostring()`) and `wait(x)` (suspends).
pub fn vm() -> Vm<TestHost> {
    let mut vm = Vm::new(TestHost { printed: vec![] });
    vm.register("print", |ctx, args| {
        let s = args.first().map(|v| ctx.to_string(*v)).unwrap_or_default();
        ctx.host.printed.push(s);
        Ok(Value::Null)
    })
    .unwrap();
    vm.register("wait", |ctx, args| {
        let s = args
            .first()
            .map(|v| render(ctx.heap, *v))
            .unwrap_or_default();
        Err(Interrupt::Suspend(Wait::Value(s)))
    })
    .unwrap();
    vm
}

/// Runs `src` to completion (suspensions resume with null); the result or the error.
pub fn run_in(vm: &mut Vm<TestHost>, src: &str) -> Result<Value, RuntimeError> {
    vm.load("test.nut", src)
        .unwrap_or_else(|e| panic!("compile error: {e}"));
    loop {
        match vm.run(u64::MAX) {
            Outcome::Finished(v) => return Ok(v),
            Outcome::Error(e) => return Err(*e),
            Outcome::Suspended(_) => vm.resume(Value::Null),
            Outcome::OutOfFuel => {}
        }
    }
}

/// The program's return value, rendered.
pub fn eval(src: &str) -> String {
    let mut vm = vm();
    match run_in(&mut vm, src) {
        Ok(v) => render(vm.heap(), v),
        Err(e) => panic!("runtime error: {e}"),
    }
}

/// The message of the error the program ends with.
pub fn eval_err(src: &str) -> RuntimeError {
    let mut vm = vm();
    match run_in(&mut vm, src) {
        Ok(v) => panic!("expected an error, got {}", render(vm.heap(), v)),
        Err(e) => e,
    }
}

/// Lines the program printed.
pub fn printed(src: &str) -> Vec<String> {
    let mut vm = vm();
    if let Err(e) = run_in(&mut vm, src) {
        panic!("runtime error: {e}");
    }
    vm.host.printed.clone()
}

/// Strings quoted, arrays and tables (insertion order) expanded, floats as Squirrel prints them.
pub fn render(heap: &impnet_squirrel::Heap, v: Value) -> String {
    render_depth(heap, v, 0)
}

fn render_depth(heap: &impnet_squirrel::Heap, v: Value, depth: usize) -> String {
    if depth > 8 {
        return "...".into();
    }
    match v {
        Value::Str(r) => format!("{:?}", String::from_utf8_lossy(heap.str_bytes(r))),
        Value::Array(r) => {
            let items: Vec<String> = heap
                .array(r)
                .iter()
                .map(|x| render_depth(heap, *x, depth + 1))
                .collect();
            format!("[{}]", items.join(", "))
        }
        Value::Table(r) => {
            let items: Vec<String> = heap
                .table(r)
                .iter()
                .map(|(k, x)| {
                    let k = match k {
                        Value::Str(s) => String::from_utf8_lossy(heap.str_bytes(*s)).into_owned(),
                        other => render_depth(heap, *other, depth + 1),
                    };
                    format!("{k}: {}", render_depth(heap, *x, depth + 1))
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        other => impnet_squirrel::to_display(heap, other),
    }
}
