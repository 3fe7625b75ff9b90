//! The agent API as agent code sees it (SPEC §15): `device.on/send/isconnected`,
//! `imp.wakeup/cancelwakeup/environment`, `server.log/error`, `time()`, `date()`, `math` (the
//! VM's own), `http.jsonencode/jsondecode`. Other agent APIs are runtime errors naming the call.
//!
//! Nothing here blocks: agent logs have no send buffer and `device.send` returns at once, so
//! every native answers directly and records what the model must see in [`AgentHost::out`].

use super::json;
use super::payload::Payload;
use super::queue::TaskQueue;
use crate::code::shared::{function_arg, install_clock, seconds, string_arg, Clock};
use crate::code::wire_size::log_text;
use crate::time::{Duration, Instant};
use impnet_squirrel::{Ctx, Handle, Host, Interrupt, NativeResult, Value, Vm};

/// What an agent task did that the model and the trace see, in the order it happened.
#[derive(Clone, Debug, PartialEq)]
pub enum AgentOutput {
    /// `server.log(v)` / `server.error(v)`: a call line with `text` (≤ 1024 bytes).
    Log { error: bool, text: String, file: String, line: u32 },
    /// `device.send(name, v)`: a downlink message of `bytes` (§14 serialised size).
    DeviceSend { name: String, bytes: u64, payload: Payload, file: String, line: u32 },
}

/// The agent's state as natives see it; the runtime sets `now` before each task.
#[derive(Debug)]
pub struct AgentHost {
    pub now: Instant,
    /// `time()` at t = 0 (§14's `start_epoch`).
    pub start_epoch: u64,
    /// `device.isconnected()`: the server's view of the device (§15).
    pub device_connected: bool,
    /// `device.on(name, fn)`: one handler per name, the latest registration wins.
    pub(crate) handlers: Vec<(String, Handle)>,
    /// Timers and arriving messages, in the order they run.
    pub(crate) queue: TaskQueue,
    next_wakeup_id: i32,
    pub(crate) out: Vec<AgentOutput>,
}

impl AgentHost {
    pub fn new(start_epoch: u64) -> Self {
        AgentHost {
            now: Instant::ZERO,
            start_epoch,
            device_connected: false,
            handlers: Vec::new(),
            queue: TaskQueue::default(),
            next_wakeup_id: 1,
            out: Vec::new(),
        }
    }

    pub(crate) fn handler(&self, name: &str) -> Option<Handle> {
        self.handlers.iter().find(|(n, _)| n == name).map(|&(_, h)| h)
    }
}

impl Clock for AgentHost {
    fn start_epoch(&self) -> u64 {
        self.start_epoch
    }

    fn now_us(&self) -> u64 {
        self.now.micros
    }
}

impl Host for AgentHost {
    /// Agent natives never suspend.
    type Suspend = std::convert::Infallible;
}

type Cx<'a> = Ctx<'a, AgentHost>;
type R = NativeResult<std::convert::Infallible>;

/// §15: agent APIs impnet does not model; each is a runtime error naming the call.
const UNMODELLED: &[(&str, &[&str])] = &[
    ("http", &["get", "post", "put", "httpdelete", "request", "onrequest", "agenturl", "urlencode", "urldecode", "base64encode", "base64decode", "hash"]),
    ("server", &["save", "load", "onshutdown", "restart"]),
    ("device", &["onconnect", "ondisconnect", "info"]),
    ("imp", &["configparams", "onidle"]),
];

/// Installs the agent API into a fresh VM.
pub fn install(vm: &mut Vm<AgentHost>) {
    let root = vm.root();
    for name in ["ENVIRONMENT_AGENT", "ENVIRONMENT_MODULE"] {
        if let Ok(s) = vm.heap_mut().str(name) {
            let _ = vm.set_slot(root, name, s);
        }
    }
    let mut tables = Vec::new();
    for (name, calls) in UNMODELLED {
        let Ok(t) = vm.new_global_table(name) else { return };
        for &call in *calls {
            let _ = vm.register_in(t, call, move |_: &mut Cx<'_>, _: &[Value]| -> R {
                Err(Interrupt::Error(format!("impnet does not model {name}.{call}")))
            });
        }
        tables.push(t);
    }
    let [http_t, server_t, device_t, imp_t] = tables[..] else { return };
    device(vm, device_t);
    server(vm, server_t);
    imp(vm, imp_t);
    http(vm, http_t);
    install_clock(vm);
}

fn device(vm: &mut Vm<AgentHost>, device: Value) {
    let _ = vm.register_in(device, "on", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let name = string_arg(ctx, "device.on", args.first().copied())?;
        let f = function_arg("device.on", args.get(1).copied())?;
        if let Some(i) = ctx.host.handlers.iter().position(|(n, _)| *n == name) {
            let (_, old) = ctx.host.handlers.remove(i);
            ctx.release(old);
        }
        if let Some(f) = f {
            let h = ctx.keep(f);
            ctx.host.handlers.push((name, h));
        }
        Ok(Value::Null)
    });
    let _ = vm.register_in(device, "send", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let name = string_arg(ctx, "device.send", args.first().copied())?;
        let v = args.get(1).copied().unwrap_or(Value::Null);
        let payload = Payload::from_value(ctx.heap, v).map_err(|e| Interrupt::Error(e.in_call("device.send")))?;
        let (file, line) = (ctx.file().to_string(), ctx.line());
        ctx.host.out.push(AgentOutput::DeviceSend { name, bytes: payload.size(), payload, file, line });
        // §15: returns nothing, as in impCloud; whether it arrives is the model's business.
        Ok(Value::Null)
    });
    let _ = vm.register_in(device, "isconnected", |ctx: &mut Cx<'_>, _: &[Value]| -> R {
        Ok(Value::Bool(ctx.host.device_connected))
    });
}

fn log(ctx: &mut Cx<'_>, args: &[Value], error: bool) -> R {
    let text = log_text(ctx.heap, args.first().copied().unwrap_or(Value::Null));
    let (file, line) = (ctx.file().to_string(), ctx.line());
    ctx.host.out.push(AgentOutput::Log { error, text, file, line });
    Ok(Value::Null)
}

fn server(vm: &mut Vm<AgentHost>, server: Value) {
    let _ = vm.register_in(server, "log", |ctx: &mut Cx<'_>, args: &[Value]| log(ctx, args, false));
    let _ = vm.register_in(server, "error", |ctx: &mut Cx<'_>, args: &[Value]| log(ctx, args, true));
}

fn imp(vm: &mut Vm<AgentHost>, imp: Value) {
    let _ = vm.register_in(imp, "wakeup", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let secs = seconds("imp.wakeup", args.first().copied(), None)?;
        let Some(f) = function_arg("imp.wakeup", args.get(1).copied())? else {
            return Err(Interrupt::Error("imp.wakeup: expected a function".into()));
        };
        let callback = ctx.keep(f);
        let id = ctx.host.next_wakeup_id;
        ctx.host.next_wakeup_id = ctx.host.next_wakeup_id.wrapping_add(1);
        let due = ctx.host.now + Duration::from_secs_f64(secs);
        ctx.host.queue.timer(due, id, callback);
        Ok(Value::Int(id))
    });
    let _ = vm.register_in(imp, "cancelwakeup", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        if let Some(&Value::Int(id)) = args.first() {
            if let Some(callback) = ctx.host.queue.cancel(id) {
                ctx.release(callback);
            }
        }
        Ok(Value::Null)
    });
    let _ = vm.register_in(imp, "environment", |ctx: &mut Cx<'_>, _: &[Value]| -> R { Ok(ctx.string("ENVIRONMENT_AGENT")?) });
}

fn http(vm: &mut Vm<AgentHost>, http: Value) {
    let _ = vm.register_in(http, "jsonencode", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let v = args.first().copied().unwrap_or(Value::Null);
        let p = Payload::from_value(ctx.heap, v).map_err(|e| Interrupt::Error(e.in_call("http.jsonencode")))?;
        let text = json::encode(&p).map_err(Interrupt::Error)?;
        Ok(ctx.string(&text)?)
    });
    let _ = vm.register_in(http, "jsondecode", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let text = string_arg(ctx, "http.jsondecode", args.first().copied())?;
        let p = json::decode(&text).map_err(Interrupt::Error)?;
        Ok(p.to_value(ctx.heap)?)
    });
}
