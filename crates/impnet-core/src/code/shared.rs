//! What the device's natives (`code::natives`, SPEC §14) and the agent's (`agent::natives`,
//! §15) share: argument readers whose errors name the call, and the clock (`time()`, `date()`)
//! read from virtual time.

use crate::budget::{Budget, Exhausted, Work};
use impnet_squirrel::{Ctx, Host, Interrupt, NativeResult, Value, Vm};

/// Instructions per VM slice; each slice is charged to the run's work budget.
pub(crate) const SLICE: u64 = 10_000;

/// Runs a VM task in slices of [`SLICE`] instructions, charging each slice to the run's budget
/// (issue 13, SPEC §14 limits), until `run` gives something other than out-of-fuel (`None`).
/// Device code and agent code both run this way. Inlined: device code runs it at every model
/// call.
#[inline]
pub(crate) fn run_charged<T, Y>(
    vm: &mut T,
    budget: &mut Budget,
    instructions: impl Fn(&T) -> u64,
    mut run: impl FnMut(&mut T, u64) -> Option<Y>,
) -> Result<Y, Exhausted> {
    loop {
        let before = instructions(vm);
        let out = run(vm, SLICE);
        // A spent slice is charged whole, whatever the task's counter says (it restarts with
        // each task, and a library file's top level is a task of its own).
        let used = instructions(vm).saturating_sub(before).max(if out.is_none() { SLICE } else { 0 });
        budget.charge(Work::Instruction, used)?;
        if let Some(y) = out {
            return Ok(y);
        }
    }
}

/// Seconds for a wait or timeout: a number, 0 or more (§13 refuses negatives in step lists at
/// load; here they are runtime errors naming the call).
pub(crate) fn seconds<S>(call: &str, v: Option<Value>, default: Option<f64>) -> Result<f64, Interrupt<S>> {
    let s = match (v, default) {
        (Some(Value::Int(i)), _) => f64::from(i),
        // 32-bit floats (§14) widen through their shortest decimal form, so `0.01` in a script
        // is the 0.01 s a step list writes, not 0.009999999776 s.
        (Some(Value::Float(f)), _) => f.to_string().parse().unwrap_or(f64::from(f)),
        (None | Some(Value::Null), Some(d)) => d,
        (Some(v), _) => return Err(Interrupt::Error(format!("{call}: seconds must be a number, got {}", v.type_name()))),
        (None, None) => return Err(Interrupt::Error(format!("{call}: missing its seconds"))),
    };
    if !(0.0..=crate::scenario::validate::MAX_WAIT_S).contains(&s) {
        return Err(Interrupt::Error(format!("{call}: seconds must be 0 to 86400, got {s}")));
    }
    Ok(s)
}

pub(crate) fn string_arg<H: Host>(ctx: &Ctx<'_, H>, call: &str, v: Option<Value>) -> Result<String, Interrupt<H::Suspend>> {
    match v {
        Some(s @ Value::Str(_)) => Ok(ctx.to_string(s)),
        other => Err(Interrupt::Error(format!(
            "{call}: expected a string, got {}",
            other.map_or("nothing", Value::type_name)
        ))),
    }
}

/// A callback argument: a function, or nothing (`null` or absent).
pub(crate) fn function_arg<S>(call: &str, v: Option<Value>) -> Result<Option<Value>, Interrupt<S>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(f @ (Value::Closure(_) | Value::Native(_))) => Ok(Some(f)),
        Some(v) => Err(Interrupt::Error(format!("{call}: expected a function, got {}", v.type_name()))),
    }
}

/// Virtual time as a program's host keeps it.
pub(crate) trait Clock {
    /// `time()` at t = 0 (§14's `start_epoch`).
    fn start_epoch(&self) -> u64;
    /// Virtual time now, µs since t = 0.
    fn now_us(&self) -> u64;
}

/// `time()` and `date()` (§14 "The rest of the imp API"; the agent's too, §15).
pub(crate) fn install_clock<H: Host + Clock>(vm: &mut Vm<H>) {
    let _ = vm.register("time", |ctx: &mut Ctx<'_, H>, _: &[Value]| -> NativeResult<H::Suspend> {
        Ok(Value::Int((ctx.host.start_epoch() + ctx.host.now_us() / 1_000_000) as u32 as i32))
    });
    let _ = vm.register("date", |ctx: &mut Ctx<'_, H>, _: &[Value]| -> NativeResult<H::Suspend> {
        let now = ctx.host.now_us();
        date_table(ctx, ctx.host.start_epoch() + now / 1_000_000, (now % 1_000_000) as i32)
    });
}

/// `date()`: the UTC calendar fields impOS gives (`year`, `month` 0–11, `day`, `wday` 0–6 from
/// Sunday, `yday`, `hour`, `min`, `sec`, `usec`, `time`).
fn date_table<H: Host>(ctx: &mut Ctx<'_, H>, secs: u64, usec: i32) -> NativeResult<H::Suspend> {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const BEFORE: [i64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let yday = BEFORE[(month - 1) as usize] + day - 1 + i64::from(leap && month > 2);
    let t = ctx.heap.new_table()?;
    let fields: [(&str, i64); 10] = [
        ("year", year),
        ("month", month - 1),
        ("day", day),
        ("wday", (days + 4).rem_euclid(7)),
        ("yday", yday),
        ("hour", (rem / 3600) as i64),
        ("min", (rem / 60 % 60) as i64),
        ("sec", (rem % 60) as i64),
        ("usec", i64::from(usec)),
        ("time", secs as i64),
    ];
    for (k, v) in fields {
        ctx.heap.set_field(t, k, Value::Int(v as i32))?;
    }
    Ok(t)
}
