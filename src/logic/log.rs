//! The device log console (issue 10 item 3): the `server.log` / `server.error` calls of a
//! trace, with their virtual times, and which of them to render around the cursor.

use impnet_core::program::CallKind;
use impnet_core::trace::{Carried, Line, Outcome, Side, Trace};
use std::ops::Range;

/// One console line.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// The trace line it came from (clicking steps there).
    pub index: usize,
    pub t_us: u64,
    pub error: bool,
    /// Logged by the agent's program (§15), not the device's.
    pub agent: bool,
    /// What the console shows after the time: the logged text when device code made the call
    /// (§14 Trace), else (a step list logs sizes only) what became of the message.
    pub text: String,
}

/// Every `server.log` / `server.error` call line, in trace order.
pub fn log_lines(trace: &Trace) -> Vec<LogLine> {
    trace
        .entries
        .iter()
        .enumerate()
        .filter_map(|(index, e)| match &e.line {
            Line::Call(c) if matches!(c.call, CallKind::ServerLog | CallKind::ServerError) => Some(LogLine {
                index,
                t_us: e.t.micros,
                error: c.call == CallKind::ServerError || matches!(c.outcome, Outcome::Error(_)),
                agent: c.code.as_ref().is_some_and(|code| code.side == Side::Agent),
                text: match c.code.as_ref().and_then(|code| code.carried.as_ref()) {
                    Some(Carried::Text(t)) => t.to_string(),
                    _ => c.why.clone(),
                },
            }),
            _ => None,
        })
        .collect()
}

/// How many console lines at or before the cursor (the rest are "later", shown dimmed).
pub fn seen(lines: &[LogLine], cursor: usize) -> usize {
    lines.partition_point(|l| l.index <= cursor)
}

/// The lines to render: up to `before` up to the cursor and `after` past it, so a run of
/// 50 000 logs renders a few hundred elements, never all of them.
pub fn window(lines: &[LogLine], cursor: usize, before: usize, after: usize) -> Range<usize> {
    let at = seen(lines, cursor);
    at.saturating_sub(before)..(at + after).min(lines.len())
}

/// `12.345 s`: virtual seconds with milliseconds, like a log pane's timestamp column.
pub fn stamp(t_us: u64) -> String {
    format!("{}.{:03} s", t_us / 1_000_000, t_us / 1000 % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use impnet_core::{presets, run, scenario::parse_toml, RunOptions};

    fn trap() -> Trace {
        run(&parse_toml(presets::find("zero-timeout-trap").unwrap().toml).unwrap(), &RunOptions::default()).unwrap()
    }

    #[test]
    fn issue10_the_console_lists_each_log_call_at_its_virtual_time() {
        let t = trap();
        let lines = log_lines(&t);
        assert_eq!(lines.len(), 20, "the preset logs 20 entries");
        for l in &lines {
            let Line::Call(c) = &t.entries[l.index].line else { panic!("a call line") };
            assert_eq!(c.call, "server.log");
            assert_eq!(l.t_us, t.entries[l.index].t.micros);
        }
        assert!(lines.windows(2).all(|w| w[0].index < w[1].index));
    }

    #[test]
    fn issue10_device_code_logs_show_their_text_section14() {
        let sc = parse_toml("end_ms = 5000\ncode = '''\nserver.log(\"temp \" + 21);\nserver.error(\"oops\");\n'''\n").unwrap();
        let t = run(&sc, &RunOptions::default()).unwrap();
        let lines = log_lines(&t);
        let shown: Vec<(&str, bool)> = lines.iter().map(|l| (l.text.as_str(), l.error)).collect();
        assert_eq!(shown, [("temp 21", false), ("oops", true)]);
        assert!(lines.iter().all(|l| !l.agent));
    }

    #[test]
    fn issue11_agent_logs_are_marked_as_the_agents_section15() {
        let t = run(&presets::PAIRS[0].scenario().unwrap(), &RunOptions::default()).unwrap();
        let lines = log_lines(&t);
        assert!(lines.iter().any(|l| l.agent && l.text.starts_with("reading ")), "{lines:?}");
        for l in &lines {
            let json = t.entries[l.index].to_json();
            assert_eq!(l.agent, json.get("side").is_some(), "{json:?}");
        }
    }

    #[test]
    fn issue10_lines_after_the_cursor_are_later_and_the_window_is_bounded() {
        let t = trap();
        let lines = log_lines(&t);
        assert_eq!(seen(&lines, 0), 0);
        assert_eq!(seen(&lines, lines[4].index), 5, "the line under the cursor counts as seen");
        assert_eq!(seen(&lines, t.entries.len()), 20);
        assert_eq!(window(&lines, lines[9].index, 3, 2), 7..12);
        assert_eq!(window(&lines, 0, 3, 100), 0..20);
    }

    #[test]
    fn stamps_have_milliseconds() {
        assert_eq!(stamp(12_345_678), "12.345 s");
        assert_eq!(stamp(0), "0.000 s");
    }
}
