//! The readable timeline of a trace, and its JSON lines: one printer for `impnet run` and
//! `impnet device` (issue 8 item 4).

use crate::text::printable;
use impnet_core::program::CallKind;
use impnet_core::trace::{CallLine, Carried, EventKind, EventLine, Handler, Line, Outcome, Ret, Side, Summary};
use impnet_core::Trace;
use std::io::{self, Write};

/// `Trace::to_json_lines`, written line by line: a two-million-line trace never sits in memory
/// twice.
pub fn json_lines(out: &mut impl Write, trace: &Trace) -> io::Result<()> {
    for e in &trace.entries {
        writeln!(out, "{}", e.to_json_line())?;
    }
    writeln!(out, "{}", trace.summary.to_json_line())
}

/// The readable form: one line per call, events indented under the calls they follow.
pub fn write(out: &mut impl Write, title: &str, seed: u64, trace: &Trace, summary_only: bool) -> io::Result<()> {
    // A link's title is a stranger's text: no escape sequence reaches the terminal.
    let title = if title.is_empty() { "untitled scenario".into() } else { printable(title) };
    writeln!(out, "# {title} (seed {seed})")?;
    if !summary_only {
        writeln!(out, "{:>12}  {:<18} {:<28} {:<26} {:>12}  {:<4} why", "t (ms)", "step", "call", "returned", "blocked", "rule")?;
        for e in &trace.entries {
            match &e.line {
                Line::Call(c) => call_line(out, &ms(e.t.micros), c)?,
                Line::Event(ev) => event_line(out, &ms(e.t.micros), ev)?,
            }
        }
    }
    summary(out, &trace.summary)
}

fn call_line(out: &mut impl Write, t: &str, c: &CallLine) -> io::Result<()> {
    // The handler's `· handler` event line above names it in full; here it must fit a column.
    // Step lists are placed by step and iteration, device code by file and line (§14 Trace).
    let place = match &c.code {
        Some(code) => match &code.site.file {
            Some(f) => format!("{}:{}", printable(f), code.site.line),
            None => format!("line {}", code.site.line),
        },
        None => format!("[{}].{}", c.step, c.iter),
    };
    // §15: agent code's lines are marked, as impCentral's log marks them [Agent].
    let agent = c.code.as_ref().is_some_and(|code| code.side == Side::Agent);
    let place = if agent { format!("[agent] {place}") } else { place };
    let gap = if c.code.is_some() { " " } else { "" };
    let who = match c.handler {
        None => place,
        Some(Handler::OnConnect) => format!("on_connect{gap}{place}"),
        Some(Handler::OnUnexpectedDisconnect) => format!("on_disconnect{gap}{place}"),
        Some(h) => format!("{}{gap}{place}", h.as_str()),
    };
    // A thrown error's text is long: it goes with the explanation, not in the return column.
    let (mut returned, why) = match &c.outcome {
        Outcome::Returned(r) => (ret_name(c.call, r), c.why.clone()),
        Outcome::Error(e) => ("error".to_string(), format!("{e} — {}", c.why)),
    };
    if let Some(id) = c.msg {
        // Agent → device messages count on their own, written d0, d1, … (§15).
        returned.push_str(&format!(" msg {}{id}", if agent { "d" } else { "" }));
    }
    let why = match c.code.as_ref().and_then(|code| code.carried.as_ref()) {
        Some(Carried::Text(text)) if agent => format!("{text:?} — {why}"),
        _ => why,
    };
    let blocked = if c.blocked.micros == 0 { String::new() } else { format!("{} ms", ms(c.blocked.micros)) };
    let why = printable(&why);
    writeln!(out, "{t:>12}  {who:<18} {:<28} {returned:<26} {blocked:>12}  {:<4} {why}", c.call, c.rule)
}

fn event_line(out: &mut impl Write, t: &str, e: &EventLine) -> io::Result<()> {
    let mut text = format!("· {}", e.event.as_str());
    if let Some(h) = e.handler {
        text.push_str(&format!(" {}", h.as_str()));
    }
    if let Some(r) = e.reason {
        text.push_str(&format!(" reason {} {}", r.code(), r.name()));
    }
    if let Some(id) = e.msg {
        let down = matches!(e.event, EventKind::DeviceReceived | EventKind::DownlinkLost);
        text.push_str(&format!(" msg {}{id}", if down { "d" } else { "" }));
    }
    if let Some(b) = e.bytes {
        text.push_str(&format!(" ({b} bytes)"));
    }
    if let Some(p) = e.packets {
        text.push_str(&format!(" ({p} packet{})", if p == 1 { "" } else { "s" }));
    }
    // The model's `why` already ends with its rule, e.g. "(T3)".
    let why = if e.why.is_empty() { String::new() } else { format!("  — {}", printable(&e.why)) };
    writeln!(out, "{t:>12}    {text}{why}")
}

/// Milliseconds with three decimals, so the column lines up (SPEC §1: µs resolution).
fn ms(micros: u64) -> String {
    format!("{}.{:03}", micros / 1000, micros % 1000)
}

/// Return values by name (SPEC §3) where the call returns a send code.
fn ret_name(call: CallKind, r: &Ret) -> String {
    match (r.send_result(call), r) {
        (Some(Ok(())), _) => "0 OK".to_string(),
        (Some(Err(e)), _) => format!("{} {}", e.code(), e.name()),
        (None, Ret::Int(i)) if call == CallKind::SetSendBufferSize => format!("{i} (previous)"),
        (None, Ret::Int(i)) => i.to_string(),
        (None, Ret::Bool(b)) => b.to_string(),
        (None, Ret::Null) => "-".to_string(),
    }
}

fn summary(out: &mut impl Write, s: &Summary) -> io::Result<()> {
    writeln!(
        out,
        "summary: {} sent, {} acked, {} lost ({} bytes); goodput {} B/s; ended at {} ms",
        s.sent_msgs,
        s.acked_msgs,
        s.lost_msgs,
        s.lost_bytes,
        (s.goodput_bps * 1000.0).round() / 1000.0,
        s.end
    )?;
    if s.udp_sent > 0 {
        writeln!(out, "         udp: {} sent, {} delivered, {} lost", s.udp_sent, s.udp_delivered, s.udp_lost)?;
    }
    // Issue 13: a run cut short says so even with --summary-only (no note line printed then).
    if let Some(stop) = &s.stop {
        writeln!(out, "stopped early: {stop}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use impnet_core::policy::Reason;

    #[test]
    fn s3_send_codes_print_by_name() {
        assert_eq!(ret_name(CallKind::AgentSend, &Ret::Int(4)), "4 SEND_ERROR_WOULDBLOCK");
        assert_eq!(ret_name(CallKind::ServerLog, &Ret::Int(0)), "0 OK");
        assert_eq!(ret_name(CallKind::UdpSend, &Ret::Int(1)), "1 SEND_ERROR_NOT_CONNECTED");
        assert_eq!(ret_name(CallKind::SetSendBufferSize, &Ret::Int(3456)), "3456 (previous)");
        assert_eq!(ret_name(CallKind::ServerFlush, &Ret::Bool(false)), "false");
        for (reason, text) in [(Reason::NoWifi, "reason 1 NO_WIFI"), (Reason::ServerConnected, "reason 5 SERVER_CONNECTED")] {
            let ev = EventLine {
                event: impnet_core::trace::EventKind::Offline,
                reason: Some(reason),
                handler: None,
                msg: None,
                bytes: None,
                packets: None,
                detail: None,
                rule: impnet_core::rules::Rule::C5,
                why: String::new(),
            };
            let mut out = Vec::new();
            event_line(&mut out, "1.000", &ev).unwrap();
            assert!(String::from_utf8(out).unwrap().contains(text), "{text}");
        }
    }

    #[test]
    fn s11_streamed_json_lines_equal_the_traces_own() {
        let s = impnet_core::scenario::parse_toml(impnet_core::presets::find("window-bound").unwrap().toml).unwrap();
        let trace = impnet_core::run(&s, &impnet_core::RunOptions::default()).unwrap();
        assert!(trace.entries.len() > 10);
        let mut out = Vec::new();
        json_lines(&mut out, &trace).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), trace.to_json_lines());
    }

    #[test]
    fn section14_code_calls_are_placed_by_line_and_callback() {
        let code = "server.log(1);\nimp.wakeup(1, function() {\n  server.log(2);\n});\n";
        let s = impnet_core::scenario::parse_toml(&format!("end_ms = 9000\ncode = '''\n{code}'''\n")).unwrap();
        let trace = impnet_core::run(&s, &impnet_core::RunOptions::default()).unwrap();
        let mut out = Vec::new();
        write(&mut out, "", 0, &trace, false).unwrap();
        let out = String::from_utf8(out).unwrap();
        let logs: Vec<&str> = out.lines().filter(|l| l.contains("server.log")).collect();
        assert!(logs[0].contains("  line 1 "), "{}", logs[0]);
        assert!(logs[1].contains("  imp.wakeup line 3 "), "{}", logs[1]);
    }

    #[test]
    fn s1_readable_times_show_three_decimals() {
        assert_eq!(ms(1_611_520), "1611.520");
        assert_eq!(ms(1_500_000), "1500.000");
        assert_eq!(ms(7), "0.007");
    }
}
