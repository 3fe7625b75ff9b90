//! The §13 limits and the ranges that make a scenario meaningful. Every way into the core
//! (TOML file, JSON, share link) ends here, so they all refuse the same things with the same
//! words. Bad *runtime* values (B4, C6, U1–U4: sizes, policy names, addresses, ports) are left
//! alone: the model raises them as the device would.

use super::{Arg, Call, Rate, Scenario, ScenarioError, Step};

// The limits live in one table, `crate::limits`; kept reachable here by their old paths.
pub use crate::limits::*;

type Check = Result<(), ScenarioError>;

fn err(path: impl Into<String>, reason: impl Into<String>) -> Check {
    Err(ScenarioError::new(path, reason))
}

fn ms_range(path: &str, v: u64, min: u64) -> Check {
    if v < min || v > MAX_END_MS {
        return err(path, format!("must be {min} to {MAX_END_MS} ms, got {v}"));
    }
    Ok(())
}

fn u32_range(path: &str, v: u32, min: u32, max: u32) -> Check {
    if v < min || v > max {
        return err(path, format!("must be {min} to {max}, got {v}"));
    }
    Ok(())
}

fn rate(path: &str, v: u64, min: u64) -> Check {
    if v < min || v > MAX_RATE_BPS {
        return err(path, format!("must be {min} to {MAX_RATE_BPS} bytes/s, got {v}"));
    }
    Ok(())
}

/// A wait or timeout in seconds: finite, 0 to one day.
fn seconds(path: &str, v: f64) -> Check {
    if v.is_nan() {
        return err(path, "must be a number of seconds, got NaN");
    }
    if v < 0.0 {
        return err(path, format!("must be 0 or more seconds, got {v}"));
    }
    if v > MAX_WAIT_S {
        return err(path, format!("must be at most {MAX_WAIT_S} seconds (one day), got {v}"));
    }
    Ok(())
}

/// Checks every limit and range of `s`. Parsers call this after `normalise`; call it yourself
/// on a scenario built in code before handing it to `run`.
pub fn validate(s: &Scenario) -> Result<(), ScenarioError> {
    if s.title.chars().count() > MAX_TITLE_CHARS {
        return err("title", format!("at most {MAX_TITLE_CHARS} characters, got {}", s.title.chars().count()));
    }
    ms_range("end_ms", s.end_ms, 0)?;
    start_epoch(s)?;
    params(s)?;
    let mut calls: u64 = 0;
    for (list, steps) in [("steps", &s.steps), ("on_connect", &s.on_connect), ("on_unexpected_disconnect", &s.on_unexpected_disconnect)] {
        if steps.len() > MAX_STEPS {
            return err(list, format!("at most {MAX_STEPS} steps, got {}", steps.len()));
        }
        for (i, step) in steps.iter().enumerate() {
            let path = format!("{list}[{i}]");
            self::step(&path, step)?;
            calls += u64::from(step.repeat);
            if calls > MAX_CALLS {
                return err(path + ".repeat", format!("the scenario would make more than {MAX_CALLS} calls in all"));
            }
        }
    }
    code(s)?;
    agent_code(s)?;
    // Each expectation's own fields were checked as it was read (`expect::load`).
    if s.expect.len() > crate::expect::MAX_EXPECTS {
        let max = crate::expect::MAX_EXPECTS;
        return err("expect", format!("at most {max} expectations, got {}", s.expect.len()));
    }
    Ok(())
}

/// §14: `time()` is a 32-bit Squirrel integer; it must hold every second of the run.
fn start_epoch(s: &Scenario) -> Check {
    let max = i32::MAX as u64;
    let last = s.start_epoch.saturating_add(s.end_ms / 1000);
    if last > max {
        return err(
            "start_epoch",
            format!(
                "time() is a 32-bit integer: start_epoch + end_ms / 1000 must be at most {max}, got {} + {} = {last}",
                s.start_epoch,
                s.end_ms / 1000
            ),
        );
    }
    Ok(())
}

/// §14: `code` replaces the step lists; its requirements resolve among `libs`; it compiles.
fn code(s: &Scenario) -> Check {
    let Some(result) = crate::code::of_scenario(s) else {
        if !s.libs.is_empty() {
            return err("libs", "libraries are for device code: give `code` too");
        }
        return Ok(());
    };
    for (list, steps) in [("steps", &s.steps), ("on_connect", &s.on_connect), ("on_unexpected_disconnect", &s.on_unexpected_disconnect)] {
        if !steps.is_empty() {
            return err(list, "a scenario holds either `code` or step lists (`steps`, `on_connect`, `on_unexpected_disconnect`), not both (§14)");
        }
    }
    result.and_then(|c| c.check()).map_err(|e| ScenarioError::new("code", e.to_string()))
}

/// §15: agent code runs beside device code, never alone; its requirements resolve among
/// `libs`, as device code's do; it must fit and compile.
fn agent_code(s: &Scenario) -> Check {
    let Some(src) = s.agent_code.as_deref() else { return Ok(()) };
    if s.code.is_none() {
        return err("agent_code", "agent code runs beside device code: give `code` too (§15)");
    }
    let max = crate::code::MAX_CODE_BYTES;
    if src.len() > max {
        return err("agent_code", format!("at most {max} bytes, got {}", src.len()));
    }
    let code = crate::agent::code_of(s).expect("agent_code is there");
    let agent = code.and_then(|c| crate::agent::Agent::load(&c, 0, s.start_epoch));
    agent.map(drop).map_err(|e| ScenarioError::new("agent_code", e.to_string()))
}

fn params(s: &Scenario) -> Check {
    let d = &s.device;
    u32_range("device.buffer_max", d.buffer_max, 1, MAX_BUFFER)?;
    u32_range("device.buffer_default", d.buffer_default, 1, MAX_BUFFER)?;
    if d.buffer_default > d.buffer_max {
        return err(
            "device.buffer_default",
            format!("must not exceed device.buffer_max ({}), got {}", d.buffer_max, d.buffer_default),
        );
    }
    // A segment below 64 bytes would only make the model crawl; TCP's own floor is higher.
    u32_range("device.mss", d.mss, 64, 65_535)?;
    u32_range("device.tls_overhead", d.tls_overhead, 0, 1024)?;
    u32_range("device.msg_header", d.msg_header, 0, 1024)?;
    ms_range("device.connect_ms", d.connect_ms, 0)?;
    ms_range("device.boot_squirrel_ms", d.boot_squirrel_ms, 0)?;

    let n = &s.network;
    ms_range("network.rtt_ms", n.rtt_ms, 1)?;
    rate("network.uplink_bps", n.uplink_bps, 1)?;
    if let Some(down) = n.downlink_bps {
        rate("network.downlink_bps", down, 1)?;
    }
    if !(0.0..=1.0).contains(&n.loss) {
        return err("network.loss", format!("a probability must be 0 to 1, got {}", n.loss));
    }
    if let Some(rto) = n.rto_ms {
        ms_range("network.rto_ms", rto, 1)?;
    }
    // Only reached by scenarios built in code: the parsers move these out (`normalise`).
    if let Some(rwnd) = n.rwnd {
        u32_range("network.rwnd", rwnd, 1, MAX_RWND)?;
    }
    if let Some(Rate::Bps(b)) = n.consume_bps {
        rate("network.consume_bps", b, 0)?;
    }
    if n.outages.len() > MAX_OUTAGES {
        return err("network.outages", format!("at most {MAX_OUTAGES} outages, got {}", n.outages.len()));
    }
    for (i, o) in n.outages.iter().enumerate() {
        ms_range(&format!("network.outages[{i}].at_ms"), o.at_ms, 0)?;
        ms_range(&format!("network.outages[{i}].for_ms"), o.for_ms, 1)?;
    }

    u32_range("server.rwnd", s.server.rwnd, 1, MAX_RWND)?;
    if let Rate::Bps(b) = s.agent.consume_bps {
        rate("agent.consume_bps", b, 0)?;
    }
    ms_range("suspend.connect_window_ms", s.suspend.connect_window_ms, 1)?;
    ms_range("suspend.sleep_ms", s.suspend.sleep_ms, 0)?;
    ms_range("recover.grace_ms", s.recover.grace_ms, 0)?;
    ms_range("keepalive.idle_ms", s.keepalive.idle_ms, 1)?;
    ms_range("keepalive.ack_ms", s.keepalive.ack_ms, 1)?;

    let u = &s.udp;
    u32_range("udp.burst", u.burst, 0, 1_000_000)?;
    if !(0.0..=1_000_000.0).contains(&u.refill_per_s) {
        return err("udp.refill_per_s", format!("must be 0 to 1000000 tokens/s, got {}", u.refill_per_s));
    }
    // Issue 13: every packet is a loss draw, so a tiny MTU multiplies a datagram's work by
    // up to 65 507. 68 bytes is the smallest MTU IPv4 allows (RFC 791): at most 964 packets.
    u32_range("udp.mtu", u.mtu, MIN_MTU, 65_535)?;
    Ok(())
}

fn step(path: &str, s: &Step) -> Check {
    if s.repeat > MAX_REPEAT {
        return err(format!("{path}.repeat"), format!("must be 0 to {MAX_REPEAT}, got {}", s.repeat));
    }
    if s.on_ret.len() > MAX_ON_RET {
        return err(format!("{path}.on_ret"), format!("at most {MAX_ON_RET} entries, got {}", s.on_ret.len()));
    }
    for key in s.on_ret.keys() {
        if key.parse::<i64>().is_err() && key != "true" && key != "false" {
            return err(
                format!("{path}.on_ret"),
                format!("keys are return values such as \"4\" or \"true\", got {:?}", truncate(key)),
            );
        }
    }
    seconds(&format!("{path}.retry_after_s"), s.retry_after_s)?;
    let at = |field: &str| format!("{path}.{field}");
    match &s.call {
        Call::AgentSend { name, bytes } => {
            if name.len() > MAX_NAME_BYTES {
                return err(at("name"), format!("at most {MAX_NAME_BYTES} bytes, got {}", name.len()));
            }
            payload(&at("bytes"), *bytes)
        }
        Call::ServerLog { bytes } | Call::ServerError { bytes } => payload(&at("bytes"), *bytes),
        Call::SetSendBufferSize { size } => arg(&at("size"), size),
        Call::SetSendTimeoutPolicy { reconnect, wait, timeout } => {
            arg(&at("reconnect"), reconnect)?;
            arg(&at("wait"), wait)?;
            arg(&at("timeout"), timeout)?;
            // Negative is C6's runtime error; past a day is a limit (§13).
            match timeout {
                Arg::Int(i) if *i as f64 > MAX_WAIT_S => seconds(&at("timeout"), *i as f64),
                Arg::Float(f) if *f > MAX_WAIT_S => seconds(&at("timeout"), *f),
                _ => Ok(()),
            }
        }
        Call::ServerConnect { timeout } | Call::ServerFlush { timeout } => seconds(&at("timeout"), *timeout),
        Call::ImpSleep { seconds: v } | Call::ImpWakeup { seconds: v } => seconds(&at("seconds"), *v),
        Call::OpenUdp { port } => port.as_ref().map_or(Ok(()), |p| arg(&at("port"), p)),
        Call::UdpSend { address, port, bytes } => {
            arg(&at("address"), address)?;
            arg(&at("port"), port)?;
            payload(&at("bytes"), *bytes)
        }
        Call::ServerDisconnect | Call::ServerIsConnected | Call::UdpClose => Ok(()),
    }
}

fn payload(path: &str, bytes: u64) -> Check {
    if bytes > MAX_BYTES {
        return err(path, format!("at most {MAX_BYTES} bytes (1 MiB), got {bytes}"));
    }
    Ok(())
}

/// A loose argument: any type may reach the model (it throws at run time), but a NaN has no
/// text form in a trace and a long string is an attack, not a test.
fn arg(path: &str, a: &Arg) -> Check {
    match a {
        Arg::Float(f) if !f.is_finite() => err(path, format!("must be a finite number, got {f}")),
        Arg::Str(s) if s.len() > MAX_ARG_STR_BYTES => {
            err(path, format!("at most {MAX_ARG_STR_BYTES} bytes, got {}", s.len()))
        }
        _ => Ok(()),
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
