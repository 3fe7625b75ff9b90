//! The imp API as device code sees it (SPEC §14): the `imp`, `server`, `agent` and `hardware`
//! tables, `imp.net`'s interface and udpsocket objects, the §3 constants, and the virtual-time
//! answers (`hardware.millis()`, `time()`, `date()`).
//!
//! Every call of §10's list is a *model call*: its native reads the arguments into the same
//! [`Call`] a step list holds, leaves it in the host with its site ([`CallAt`]) and suspends
//! the VM; whoever drives the program hands it to the device model and resumes the VM with the
//! call's result. So a step list and its Squirrel twin go through the very same model code.
//! Registrations (`server.onunexpecteddisconnect`, `imp.onidle`, `agent.on`) and the documented
//! stubs are answered here without the model.

use super::shared::{function_arg, install_clock, seconds, string_arg, Clock};
use super::wire_size::{log_payload, log_text, serialised_size};
use crate::agent::Payload;
use crate::program::{Call, CallbackId};
use crate::scenario::Arg;
use impnet_squirrel::{Ctx, Handle, Host, Interrupt, NativeResult, Value, Vm};
use std::rc::Rc;
use std::sync::Arc;

/// Where the model call the VM is suspended in was made, and what else it carries; its `Call`
/// waits beside it in [`DeviceHost::call`]. Written field by field at each call, read where it
/// lies (a loop of sends suspends once a turn: every move of a whole call costs).
#[derive(Debug)]
pub struct CallAt {
    /// The call site: 1-based line in `file` (§14 "Trace"); the VM's own name, replaced only
    /// when a call comes from another file.
    pub file: Rc<str>,
    pub line: u32,
    /// What the call gives Squirrel when it succeeds, if not the model's return value
    /// (`interface.openudp`: the udpsocket object).
    pub object: Option<Handle>,
    /// The model call the native makes once this one returned, at the same site
    /// (`server.sleepfor`: its flush, then the deep sleep).
    pub then: Option<Box<Call>>,
}

impl Default for CallAt {
    fn default() -> Self {
        CallAt { file: Rc::from(""), line: 0, object: None, then: None }
    }
}

/// The device's state as natives see it. The driver sets `now_us` before each run.
#[derive(Debug, Default)]
pub struct DeviceHost {
    /// Virtual time since power-on, µs (§1).
    pub now_us: u64,
    /// `time()` at power-on (§14: default 1 735 689 600, 2025-01-01T00:00:00Z).
    pub start_epoch: u64,
    /// `hardware.wakereason()`: 0 power-on, 1 timer wake after deep sleep, 5 after an error.
    pub wakereason: i32,
    /// Callbacks handed to the device, by `CallbackId` (its index).
    pub callbacks: Vec<Option<Handle>>,
    /// `agent.on(name, fn)`: one handler per name (messages arrive with §15).
    pub agent_on: Vec<(String, Handle)>,
    /// `imp.wakeup` callbacks not yet run nor cancelled (`imp.cancelwakeup` only drops these).
    pub wakeups: std::collections::BTreeSet<u64>,
    /// Agent code runs and reads what `agent.send` sends (§15): only then is the value copied
    /// out of the heap; the device itself needs only its wire size.
    pub agent_reads: bool,
    /// Message names `agent.send` used lately.
    pub names: MessageNames,
    /// The model call the VM is suspended in, until the device takes it.
    pub call: Option<Call>,
    /// Where that call was made, and what else it carries.
    pub at: CallAt,
}

/// Message names shared by every `agent.send` that sends one again: a loop sending "d"
/// allocates its name once.
#[derive(Debug, Default)]
pub struct MessageNames(Vec<Arc<str>>);

/// How many names [`MessageNames`] keeps: enough for a program's few message kinds, bounded
/// for one that makes a new name per message.
const KEPT_NAMES: usize = 8;

impl MessageNames {
    /// The name spelled by a string's `bytes`, shared with earlier sends of it. Inlined
    /// into `agent.send`, its one caller.
    #[inline]
    fn get(&mut self, bytes: &[u8]) -> Arc<str> {
        // Byte by byte: a name is a few bytes, shorter than a call to `memcmp`.
        let same = |n: &&Arc<str>| n.len() == bytes.len() && n.bytes().zip(bytes).all(|(a, &b)| a == b);
        if let Some(n) = self.0.iter().find(same) {
            return n.clone();
        }
        let n: Arc<str> = String::from_utf8_lossy(bytes).into();
        // Only a name that reads back as its own bytes can be found again.
        if n.as_bytes() == bytes {
            if self.0.len() == KEPT_NAMES {
                self.0.remove(0);
            }
            self.0.push(n.clone());
        }
        n
    }
}

impl DeviceHost {
    /// The kept function behind a callback the device holds.
    pub fn callback(&self, id: CallbackId) -> Option<Handle> {
        self.callbacks.get(id.0 as usize).copied().flatten()
    }
}

impl Host for DeviceHost {
    /// Nothing: a native builds its model call in `DeviceHost::call`, where the device takes
    /// it, rather than handing it out through the VM (an `agent.send` loop suspends once a
    /// turn; each move of the call costs as much as a VM instruction).
    type Suspend = ();
}

type Cx<'a> = Ctx<'a, DeviceHost>;
type R = NativeResult<()>;
type Fail = Interrupt<()>;

/// §14: `time()` at power-on unless the scenario says otherwise.
pub const DEFAULT_START_EPOCH: u64 = 1_735_689_600;

/// `imp.getsoftwareversion()`'s fixed answer (a documented stub).
pub const SOFTWARE_VERSION: &str = "impnet-model-v2 (impOS model)";

/// Suspends with `call` made at the script's current call site.
#[inline(always)]
fn model(ctx: &mut Cx<'_>, call: Call) -> R {
    suspend(ctx, call, None, None)
}

/// [`model`] with what the call gives back on success and the call after it, if any. Each
/// part is written where the device reads it (`DeviceHost::call`, `DeviceHost::at`), the call
/// straight from the registers its native computed it in: nothing that may unwind runs while
/// it is held (an unwind would drop it where it was built, so it would be built on the stack
/// and copied). Inlined into each native (a call of its own takes the `Call` by pointer and
/// copies it).
#[inline(always)]
fn suspend(ctx: &mut Cx<'_>, call: Call, object: Option<Handle>, then: Option<Box<Call>>) -> R {
    // A loop's calls come from one file: its name is kept, not counted again. The old name is
    // dropped once the call is stored.
    let old_file = match Rc::ptr_eq(&ctx.host.at.file, ctx.file_shared()) {
        true => None,
        false => {
            let file = ctx.file_shared().clone();
            Some(std::mem::replace(&mut ctx.host.at.file, file))
        }
    };
    let line = ctx.line();
    let at = &mut ctx.host.at;
    at.line = line;
    at.object = object;
    // The device takes the call at every suspension, so the slot is nearly always empty (a
    // native that suspended inside a nested call leaves one behind): the common path has no
    // old value to drop.
    let slot = &mut ctx.host.call;
    if slot.is_none() {
        *slot = Some(call);
    } else {
        drop(slot.replace(call));
    }
    ctx.host.at.then = then;
    drop(old_file);
    Err(Interrupt::Suspend(()))
}

/// A loosely typed argument, kept as written so the model raises B4/C6/U1–U2 as impOS would.
fn arg(ctx: &Cx<'_>, v: Value) -> Arg {
    match v {
        Value::Int(i) => Arg::Int(i.into()),
        Value::Float(f) => Arg::Float(f.to_string().parse().unwrap_or(f.into())),
        Value::Bool(b) => Arg::Bool(b),
        Value::Str(_) => Arg::Str(ctx.to_string(v)),
        // Not a value any of these parameters accepts: the model refuses it by its type name.
        other => Arg::Str(format!("({})", other.type_name())),
    }
}

fn callback(ctx: &mut Cx<'_>, call: &str, v: Option<Value>) -> Result<Option<CallbackId>, Fail> {
    let Some(f) = function_arg(call, v)? else { return Ok(None) };
    let h = ctx.keep(f);
    ctx.host.callbacks.push(Some(h));
    Ok(Some(CallbackId(ctx.host.callbacks.len() as u64 - 1)))
}

/// Installs the imp API into a fresh VM.
pub fn install(vm: &mut Vm<DeviceHost>) {
    constants(vm);
    agent(vm);
    server(vm);
    imp(vm);
    hardware(vm);
    globals(vm);
}

fn constants(vm: &mut Vm<DeviceHost>) {
    let root = vm.root();
    let ints: [(&str, i32); 14] = [
        ("SEND_ERROR_NOT_CONNECTED", 1),
        ("SEND_ERROR_TIMEOUT", 2),
        ("SEND_ERROR_DISCONNECTED", 3),
        ("SEND_ERROR_WOULDBLOCK", 4),
        ("NOT_CONNECTED", 0),
        ("NO_WIFI", 1),
        ("NO_IP_ADDRESS", 2),
        ("NOT_RESOLVED", 3),
        ("NO_SERVER", 4),
        ("SERVER_CONNECTED", 5),
        ("WAKEREASON_POWER_ON", 0),
        ("WAKEREASON_TIMER", 1),
        ("WAKEREASON_SQUIRREL_ERROR", 5),
        ("NO_PROXY", 4),
    ];
    for (name, v) in ints {
        let _ = vm.set_slot(root, name, Value::Int(v));
    }
    // §3: the policies are symbols with no published numbers; scripts only pass them on.
    for name in ["SUSPEND_ON_ERROR", "RETURN_ON_ERROR", "RETURN_ON_ERROR_NO_DISCONNECT", "WAIT_TIL_SENT", "WAIT_FOR_ACK", "ENVIRONMENT_MODULE", "ENVIRONMENT_AGENT"] {
        if let Ok(s) = vm.heap_mut().str(name) {
            let _ = vm.set_slot(root, name, s);
        }
    }
}

fn agent(vm: &mut Vm<DeviceHost>) {
    let Ok(agent) = vm.new_global_table("agent") else { return };
    let _ = vm.register_in(agent, "send", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let name = match args.first().copied() {
            Some(Value::Str(r)) => ctx.host.names.get(ctx.heap.str_bytes(r)),
            // Not a string: refused as every string argument is.
            other => string_arg(ctx, "agent.send", other)?.into(),
        };
        let value = args.get(1).copied().unwrap_or(Value::Null);
        // The size first: it refuses whatever the copy would (one `Walk`), before any copying.
        let bytes = serialised_size(ctx.heap, value).map_err(|e| Interrupt::Error(e.to_string()))?;
        let value = match ctx.host.agent_reads {
            true => Some(Arc::new(Payload::from_value(ctx.heap, value).map_err(|e| Interrupt::Error(e.in_call("agent.send")))?)),
            false => None,
        };
        model(ctx, Call::AgentSend { name, bytes, value })
    });
    let _ = vm.register_in(agent, "on", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let name = string_arg(ctx, "agent.on", args.first().copied())?;
        let h = callback(ctx, "agent.on", args.get(1).copied())?.and_then(|id| ctx.host.callback(id));
        ctx.host.agent_on.retain(|(n, _)| *n != name);
        if let Some(h) = h {
            ctx.host.agent_on.push((name, h));
        }
        Ok(Value::Null)
    });
}

fn log(ctx: &mut Cx<'_>, args: &[Value], error: bool) -> R {
    let v = args.first().copied().unwrap_or(Value::Null);
    let bytes = log_payload(ctx.heap, v);
    let text = log_text(ctx.heap, v);
    let text = Some(text.into());
    let call = if error { Call::ServerError { bytes, text } } else { Call::ServerLog { bytes, text } };
    model(ctx, call)
}

fn server(vm: &mut Vm<DeviceHost>) {
    let Ok(server) = vm.new_global_table("server") else { return };
    let _ = vm.register_in(server, "log", |ctx: &mut Cx<'_>, args: &[Value]| log(ctx, args, false));
    let _ = vm.register_in(server, "error", |ctx: &mut Cx<'_>, args: &[Value]| log(ctx, args, true));
    let _ = vm.register_in(server, "flush", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let timeout = seconds("server.flush", args.first().copied(), None)?;
        model(ctx, Call::ServerFlush { timeout })
    });
    // server.connect(callback?, timeout = 60), and the older server.connect(timeout).
    let _ = vm.register_in(server, "connect", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let (cb, t) = match args.first() {
            Some(Value::Int(_) | Value::Float(_)) => (None, args.first().copied()),
            first => (first.copied(), args.get(1).copied()),
        };
        let h = callback(ctx, "server.connect", cb)?;
        let timeout = seconds("server.connect", t, Some(60.0))?;
        model(ctx, Call::ServerConnect { timeout, callback: h })
    });
    let _ = vm.register_in(server, "disconnect", |ctx: &mut Cx<'_>, _: &[Value]| model(ctx, Call::ServerDisconnect));
    let _ = vm.register_in(server, "isconnected", |ctx: &mut Cx<'_>, _: &[Value]| model(ctx, Call::ServerIsConnected));
    let _ = vm.register_in(server, "setsendtimeoutpolicy", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let a = |i: usize| arg(ctx, args.get(i).copied().unwrap_or(Value::Null));
        let call = Call::SetSendTimeoutPolicy { reconnect: a(0), wait: a(1), timeout: a(2) };
        model(ctx, call)
    });
    let _ = vm.register_in(server, "onunexpecteddisconnect", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let callback = callback(ctx, "server.onunexpecteddisconnect", args.first().copied())?;
        model(ctx, Call::OnUnexpectedDisconnect { callback })
    });
    deep_sleep(vm, server, "server.sleepfor");
    // §14: accepted, does nothing.
    let _ = vm.register_in(server, "expectonlinein", |_: &mut Cx<'_>, _: &[Value]| -> R { Ok(Value::Null) });
}

fn imp(vm: &mut Vm<DeviceHost>) {
    let Ok(imp) = vm.new_global_table("imp") else { return };
    let _ = vm.register_in(imp, "setsendbuffersize", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let size = arg(ctx, args.first().copied().unwrap_or(Value::Null));
        model(ctx, Call::SetSendBufferSize { size })
    });
    let _ = vm.register_in(imp, "sleep", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let seconds = seconds("imp.sleep", args.first().copied(), None)?;
        model(ctx, Call::ImpSleep { seconds })
    });
    // imp.wakeup(seconds, fn) returns the timer's handle (see `wakeup_handle`).
    let _ = vm.register_in(imp, "wakeup", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let seconds = seconds("imp.wakeup", args.first().copied(), None)?;
        let h = callback(ctx, "imp.wakeup", args.get(1).copied())?;
        if let Some(id) = h {
            ctx.host.wakeups.insert(id.0);
        }
        model(ctx, Call::ImpWakeup { seconds, callback: h })
    });
    // §14: imp.cancelwakeup(handle) drops a pending timer; a handle that already fired, was
    // cancelled or never was is ignored, as impOS does.
    let _ = vm.register_in(imp, "cancelwakeup", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let Some(id) = args.first().and_then(|&v| wakeup_of_handle(v)) else { return Ok(Value::Null) };
        if !ctx.host.wakeups.remove(&id.0) {
            return Ok(Value::Null);
        }
        if let Some(h) = ctx.host.callbacks.get_mut(id.0 as usize).and_then(Option::take) {
            ctx.release(h);
        }
        model(ctx, Call::CancelWakeup { callback: id })
    });
    let _ = vm.register_in(imp, "onidle", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        match callback(ctx, "imp.onidle", args.first().copied())? {
            Some(callback) => model(ctx, Call::OnIdle { callback }),
            None => Err(Interrupt::Error("imp.onidle: expected a function".into())),
        }
    });
    // Documented stubs (§14): fixed answers.
    let _ = vm.register_in(imp, "enableblinkup", |_: &mut Cx<'_>, _: &[Value]| -> R { Ok(Value::Null) });
    let _ = vm.register_in(imp, "setpowersave", |_: &mut Cx<'_>, _: &[Value]| -> R { Ok(Value::Null) });
    let _ = vm.register_in(imp, "getsoftwareversion", |ctx: &mut Cx<'_>, _: &[Value]| -> R {
        Ok(ctx.string(SOFTWARE_VERSION)?)
    });
    let _ = vm.register_in(imp, "getmacaddress", |ctx: &mut Cx<'_>, _: &[Value]| -> R { Ok(ctx.string("0c2a690a0b0c")?) });
    let _ = vm.register_in(imp, "environment", |ctx: &mut Cx<'_>, _: &[Value]| -> R { Ok(ctx.string("ENVIRONMENT_MODULE")?) });
    let _ = vm.register_in(imp, "info", |ctx: &mut Cx<'_>, _: &[Value]| -> R {
        let t = ctx.heap.new_table()?;
        let (ty, ver) = (ctx.string("imp001")?, ctx.string(SOFTWARE_VERSION)?);
        ctx.heap.set_field(t, "type", ty)?;
        ctx.heap.set_field(t, "version", ver)?;
        Ok(t)
    });
    deep_sleep(vm, imp, "imp.deepsleepfor");
    net(vm, imp);
}

/// The Squirrel value `imp.wakeup` returns for its timer: the callback's id + 1 (an integer,
/// never 0, so `if (timer)` holds).
pub fn wakeup_handle(id: CallbackId) -> Value {
    Value::Int((id.0 + 1) as i32)
}

fn wakeup_of_handle(v: Value) -> Option<CallbackId> {
    match v {
        Value::Int(h) if h > 0 => Some(CallbackId(h as u64 - 1)),
        _ => None,
    }
}

/// impOS's longest sleep: 28 days less 2 s.
const MAX_SLEEP_S: f64 = 2_419_198.0;

/// §14 "Sleep" [choice]: `server.sleepfor`'s implicit flush waits at most this long (the
/// default send timeout, 30 s), then the device sleeps whatever is left unACKed.
pub const SLEEPFOR_FLUSH_S: f64 = 30.0;

/// `imp.deepsleepfor(s)` / `server.sleepfor(s)` (§14 "Sleep"): the device sleeps, then warm
/// boots. `server.sleepfor` first flushes (impOS: "performs a server.flush() operation to
/// ensure that any pending messages are sent"); `imp.deepsleepfor` does not.
fn deep_sleep(vm: &mut Vm<DeviceHost>, table: Value, name: &'static str) {
    let short = name.rsplit('.').next().unwrap_or(name);
    let flush = name == "server.sleepfor";
    let _ = vm.register_in(table, short, move |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let seconds = match args.first().copied() {
            Some(Value::Int(i)) => f64::from(i),
            Some(Value::Float(f)) => f.to_string().parse().unwrap_or(f64::from(f)),
            other => {
                return Err(Interrupt::Error(format!(
                    "{name}: seconds must be a number, got {}",
                    other.map_or("nothing", Value::type_name)
                )))
            }
        };
        if !(0.0..=MAX_SLEEP_S).contains(&seconds) {
            return Err(Interrupt::Error(format!("{name}: seconds must be 0 to {MAX_SLEEP_S}, got {seconds}")));
        }
        let sleep = Call::DeepSleep { seconds };
        if flush {
            suspend(ctx, Call::ServerFlush { timeout: SLEEPFOR_FLUSH_S }, None, Some(Box::new(sleep)))
        } else {
            model(ctx, sleep)
        }
    });
}

/// `imp.net.open(config?, fn?)` → the interface; `interface.openudp(fn?, port?)` → a udpsocket
/// with `send(address, port, data)` and `close()` (§9, §14 "UDP").
fn net(vm: &mut Vm<DeviceHost>, imp: Value) {
    let send = vm.native("send", |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let a = |i: usize| arg(ctx, args.get(i).copied().unwrap_or(Value::Null));
        let (address, port) = (a(0), a(1));
        // U4: UDP data is a string or a blob, and weighs its length; no serialisation.
        let data: &[u8] = match args.get(2).copied().unwrap_or(Value::Null) {
            Value::Str(r) => ctx.heap.str_bytes(r),
            Value::Blob(r) => &ctx.heap.blob(r).data,
            other => return Err(Interrupt::Error(format!("udpsocket.send: data must be a string or a blob, got {}", other.type_name()))),
        };
        let bytes = data.len() as u64;
        // Carried for live mode's real socket; over U4's limit it is refused before any send.
        let data = (bytes <= crate::udp::MAX_DATAGRAM).then(|| std::sync::Arc::from(data));
        model(ctx, Call::UdpSend { address, port, bytes, data })
    });
    let close = vm.native("close", |ctx: &mut Cx<'_>, _: &[Value]| model(ctx, Call::UdpClose));
    let openudp = vm.native("openudp", move |ctx: &mut Cx<'_>, args: &[Value]| -> R {
        let (cb, port) = match args.first() {
            Some(Value::Int(_) | Value::Float(_) | Value::Str(_)) => (None, args.first().copied()),
            first => (first.copied(), args.get(1).copied()),
        };
        let h = callback(ctx, "interface.openudp", cb)?;
        let port = port.filter(|p| !matches!(p, Value::Null)).map(|p| arg(ctx, p));
        let socket = ctx.heap.new_table()?;
        ctx.heap.set_field(socket, "send", send)?;
        ctx.heap.set_field(socket, "close", close)?;
        let kept = ctx.keep(socket);
        // The interface callback (`openudp(fn)`, incoming datagrams) never fires: impnet
        // models no UDP receive.
        let _ = h;
        suspend(ctx, Call::OpenUdp { port }, Some(kept), None)
    });
    let Ok(interface) = vm.heap_mut().new_table() else { return };
    let _ = vm.set_slot(interface, "openudp", openudp);
    let _ = vm.register_in(interface, "info", |ctx: &mut Cx<'_>, _: &[Value]| -> R {
        let t = ctx.heap.new_table()?;
        let ty = ctx.string("wifi")?;
        ctx.heap.set_field(t, "type", ty)?;
        Ok(t)
    });
    let Ok(net) = vm.heap_mut().new_table() else { return };
    let _ = vm.set_slot(imp, "net", net);
    let _ = vm.register_in(net, "open", move |_: &mut Cx<'_>, _: &[Value]| -> R { Ok(interface) });
    let _ = vm.register_in(net, "info", |ctx: &mut Cx<'_>, _: &[Value]| -> R {
        let t = ctx.heap.new_table()?;
        let (ty, ssid) = (ctx.string("wifi")?, ctx.string("impnet")?);
        ctx.heap.set_field(t, "type", ty)?;
        ctx.heap.set_field(t, "ssid", ssid)?;
        Ok(t)
    });
    // Keep the interface reachable: it lives only in a native's capture otherwise.
    let _ = vm.set_slot(net, "_interface", interface);
}

/// Peripherals a device program may name (imp001–imp006). impnet models none of them: each
/// method is a runtime error naming the peripheral (§14 "The rest of the imp API").
const PERIPHERALS: &[&str] = &[
    "pin1", "pin2", "pin5", "pin7", "pin8", "pin9", "pinA", "pinB", "pinC", "pinD", "pinE", "pinF", "pinG", "pinH",
    "pinJ", "pinK", "pinL", "pinM", "pinN", "pinP", "pinQ", "pinR", "pinS", "pinT", "pinU", "pinV", "pinW", "pinX",
    "pinXA", "pinXB", "pinXC", "pinXD", "i2c12", "i2c89", "i2cAB", "i2cFG", "i2cJK", "i2cKL", "i2cNM", "i2cPQ",
    "i2cXDC", "spi257", "spi189", "spiBCAD", "spiEBCA", "spiLGTY", "spiflash", "uart1289", "uart57", "uart12",
    "uartDCAB", "uartFG", "uartQRPW", "uartUVGD", "uartXEFGH", "uartYABCD", "uartYJKLM", "uartBCAW", "uartABCD",
    "flash", "fixedfrequencydac", "sampler", "pwmpair", "usb", "bluetooth",
];
const PERIPHERAL_METHODS: &[&str] = &[
    "configure", "read", "write", "readblob", "writeblob", "readstring", "writestring", "set", "get", "disable",
    "enable", "flush", "setrxfifosize", "settxfifosize", "setspeed", "chipselect", "erase", "erasesector", "size",
    "start", "stop", "query", "reset", "getpinconfig", "on", "open",
];
const HARDWARE_CALLS: &[&str] = &[
    "voltage", "lightlevel", "getdeviceid", "getimpeeid", "setvoltage", "configure", "spiflash_enable",
];

fn hardware(vm: &mut Vm<DeviceHost>) {
    let Ok(hw) = vm.new_global_table("hardware") else { return };
    let _ = vm.register_in(hw, "millis", |ctx: &mut Cx<'_>, _: &[Value]| -> R {
        Ok(Value::Int((ctx.host.now_us / 1000) as u32 as i32))
    });
    let _ = vm.register_in(hw, "micros", |ctx: &mut Cx<'_>, _: &[Value]| -> R { Ok(Value::Int(ctx.host.now_us as u32 as i32)) });
    let _ = vm.register_in(hw, "wakereason", |ctx: &mut Cx<'_>, _: &[Value]| -> R { Ok(Value::Int(ctx.host.wakereason)) });
    for &name in HARDWARE_CALLS {
        let _ = vm.register_in(hw, name, move |_: &mut Cx<'_>, _: &[Value]| -> R {
            Err(Interrupt::Error(format!("impnet does not model hardware.{name}")))
        });
    }
    for &p in PERIPHERALS {
        let Ok(t) = vm.heap_mut().new_table() else { return };
        for &m in PERIPHERAL_METHODS {
            let _ = vm.register_in(t, m, move |_: &mut Cx<'_>, _: &[Value]| -> R {
                Err(Interrupt::Error(format!("impnet does not model hardware.{p}")))
            });
        }
        let _ = vm.set_slot(hw, p, t);
    }
}

fn globals(vm: &mut Vm<DeviceHost>) {
    install_clock(vm);
}

impl Clock for DeviceHost {
    fn start_epoch(&self) -> u64 {
        self.start_epoch
    }

    fn now_us(&self) -> u64 {
        self.now_us
    }
}
