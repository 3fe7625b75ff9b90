//! Trace lines and the code that made them (issue 10 item 2, issue 11 for the agent): which
//! program and source line a trace line came from, the trace lines a source line produced, and
//! the programs' runtime errors. Only lines of a main program count: a call made inside a
//! `#require`d library names its file (§14 Trace), which the editor does not show.

pub use impnet_core::trace::Side;
use impnet_core::trace::{Entry, EventDetail, EventKind, Handler, Line, Trace};

/// The program and main-program line that made this trace line: a call by device or agent
/// code, or the throw site of a `squirrel_error` (§14, §15 Trace).
pub fn site_of(e: &Entry) -> Option<(Side, u32)> {
    site_in_file(e).and_then(|(side, file, line)| file.is_none().then_some((side, line)))
}

/// As [`site_of`], libraries included: the file a `#require`d or `@include`d library's line
/// names (`None` for the main program) and the line in it.
pub fn site_in_file(e: &Entry) -> Option<(Side, Option<&str>, u32)> {
    let (side, site) = match &e.line {
        Line::Call(c) => {
            let code = c.code.as_ref()?;
            (code.side, &code.site)
        }
        Line::Event(ev) => match &ev.detail {
            Some(EventDetail::ProgramError { site: Some(site), .. }) => (Side::Device, site),
            Some(EventDetail::AgentError { site, .. }) => (Side::Agent, site),
            _ => return None,
        },
    };
    Some((side, site.file.as_deref(), site.line))
}

/// The device program's line that made this trace line.
pub fn line_of(e: &Entry) -> Option<u32> {
    line_on(e, Side::Device)
}

/// `side`'s program line that made this trace line.
pub fn line_on(e: &Entry, side: Side) -> Option<u32> {
    site_of(e).filter(|(s, _)| *s == side).map(|(_, l)| l)
}

/// The trace line a click on `side`'s source `line` goes to: the first line it produced, or,
/// when the cursor is already on one of them, the next (wrapping round to the first).
pub fn jump_to_line(entries: &[Entry], cursor: usize, side: Side, line: u32) -> Option<usize> {
    let made = |i: &usize| line_on(&entries[*i], side) == Some(line);
    let first = (0..entries.len()).find(made)?;
    if entries.get(cursor).and_then(|e| line_on(e, side)) != Some(line) {
        return Some(first);
    }
    (cursor + 1..entries.len()).find(made).or(Some(first))
}

/// The callback a call ran in, as a Squirrel programmer names it: the program's main body or
/// the registered callback (§14 Trace `handler`).
pub fn callback_name(handler: Option<Handler>) -> &'static str {
    match handler {
        None => "main",
        Some(Handler::Wakeup) => "imp.wakeup callback",
        Some(Handler::OnIdle) => "imp.onidle callback",
        Some(Handler::OnUnexpectedDisconnect) => "server.onunexpecteddisconnect callback",
        Some(Handler::OnConnect) => "server.connect callback",
        Some(Handler::AgentOn) => "agent.on callback",
    }
}

/// Line `line` (1-based) of `code`, without its newline; `None` past the end.
pub fn source_line(code: &str, line: u32) -> Option<&str> {
    code.split('\n').nth(line.checked_sub(1)? as usize).map(|l| l.trim_end_matches('\r'))
}

/// An uncaught runtime error of a program (a `squirrel_error` event, §14, §15).
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeError {
    pub side: Side,
    /// The trace line of the event.
    pub index: usize,
    pub t_us: u64,
    /// Where it was thrown in the main program, if there.
    pub line: Option<u32>,
    pub message: String,
}

/// Every `squirrel_error` in the trace, in order.
pub fn runtime_errors(trace: &Trace) -> Vec<RuntimeError> {
    trace
        .entries
        .iter()
        .enumerate()
        .filter_map(|(index, e)| match &e.line {
            Line::Event(ev) if ev.event == EventKind::SquirrelError => {
                let (side, message) = match &ev.detail {
                    Some(EventDetail::ProgramError { error, .. }) => (Side::Device, error.clone()),
                    Some(EventDetail::AgentError { error, .. }) => (Side::Agent, error.clone()),
                    _ => (Side::Device, ev.why.clone()),
                };
                Some(RuntimeError { side, index, t_us: e.t.micros, line: line_on(e, side), message })
            }
            _ => None,
        })
        .collect()
}

/// The runtime error `side`'s editor marks: the latest at or before the cursor, else the first.
pub fn error_to_mark(errors: &[RuntimeError], cursor: usize, side: Side) -> Option<&RuntimeError> {
    let mine = || errors.iter().filter(|r| r.side == side);
    mine().rfind(|r| r.index <= cursor).or_else(|| mine().next())
}

#[cfg(test)]
mod tests {
    use super::*;
    use impnet_core::scenario::parse_toml;
    use impnet_core::{run, RunOptions};

    fn run_code(code: &str) -> Trace {
        let sc = parse_toml(&format!("end_ms = 30000\ncode = '''\n{code}'''\n")).unwrap();
        run(&sc, &RunOptions::default()).unwrap()
    }

    const PROGRAM: &str = "server.log(\"a\");\n\
        function tick() {\n\
        \x20   server.log(\"tick\");\n\
        }\n\
        imp.wakeup(1, tick);\n\
        imp.wakeup(2, tick);\n";

    #[test]
    fn section14_a_call_made_in_a_library_names_the_library_file_and_its_line() {
        let toml = r#"code = '''
#require "Log.lib.nut:1.0.0"
logit("x");
'''
[libs]
"Log.lib.nut" = '''
// a library
function logit(s) {
    server.log(s);
}
'''
"#;
        let sc = parse_toml(toml).unwrap();
        let t = run(&sc, &RunOptions::default()).unwrap();
        let log = t.entries.iter().find(|e| matches!(&e.line, Line::Call(c) if c.code.is_some())).unwrap();
        assert_eq!(site_in_file(log), Some((Side::Device, Some("Log.lib.nut"), 3)), "{}", t.to_json_lines());
        assert_eq!(site_of(log), None, "not a line of the main program");
        assert_eq!(source_line(&sc.libs["Log.lib.nut"], 3).map(str::trim), Some("server.log(s);"));
    }

    #[test]
    fn issue10_each_code_call_names_its_source_line_and_callback_section14() {
        let t = run_code(PROGRAM);
        let calls: Vec<(u32, Option<Handler>)> = t
            .entries
            .iter()
            .filter_map(|e| match &e.line {
                Line::Call(c) => Some((line_of(e).unwrap(), c.handler)),
                _ => None,
            })
            .collect();
        assert_eq!(
            calls,
            [(1, None), (5, None), (6, None), (3, Some(Handler::Wakeup)), (3, Some(Handler::Wakeup))],
            "{}",
            t.to_json_lines()
        );
        assert_eq!(callback_name(None), "main");
        assert_eq!(callback_name(Some(Handler::Wakeup)), "imp.wakeup callback");
    }

    #[test]
    fn issue10_a_click_on_a_line_goes_to_its_first_trace_line_then_the_next() {
        let t = run_code(PROGRAM);
        let at3: Vec<usize> = (0..t.entries.len()).filter(|&i| line_of(&t.entries[i]) == Some(3)).collect();
        assert_eq!(at3.len(), 2);
        let jump = |cursor, line| jump_to_line(&t.entries, cursor, Side::Device, line);
        assert_eq!(jump(0, 3), Some(at3[0]), "first");
        assert_eq!(jump(at3[0], 3), Some(at3[1]), "again: the next one");
        assert_eq!(jump(at3[1], 3), Some(at3[0]), "wraps round");
        assert_eq!(jump(0, 4), None, "a line that made no call");
        assert_eq!(jump_to_line(&t.entries, 0, Side::Agent, 3), None, "no agent code");
    }

    #[test]
    fn issue10_runtime_errors_carry_their_line_section14() {
        let t = run_code("server.log(\"x\");\nlocal t = {};\nt.missing.go();\n");
        let errs = runtime_errors(&t);
        assert!(!errs.is_empty(), "{}", t.to_json_lines());
        assert_eq!(errs[0].line, Some(3));
        assert!(errs[0].message.contains("missing"), "{:?}", errs[0]);
        assert_eq!(error_to_mark(&errs, 0, Side::Device), Some(&errs[0]), "before any error: the first");
        assert_eq!(error_to_mark(&errs, errs[0].index, Side::Device), Some(&errs[0]));
        assert_eq!(error_to_mark(&errs, errs[0].index, Side::Agent), None);
    }

    #[test]
    fn issue11_agent_lines_belong_to_the_agent_program_section15() {
        let pair = impnet_core::presets::PAIRS[0];
        let t = run(&pair.scenario().unwrap(), &RunOptions::default()).unwrap();
        let agent: Vec<u32> = t.entries.iter().filter_map(|e| line_on(e, Side::Agent)).collect();
        let device: Vec<u32> = t.entries.iter().filter_map(line_of).collect();
        assert!(!agent.is_empty() && !device.is_empty(), "{}", t.to_json_lines());
        for e in &t.entries {
            let json = e.to_json();
            let side = if json.get("side").and_then(|s| s.as_str()) == Some("agent") { Side::Agent } else { Side::Device };
            let line = json.get("line").and_then(|l| l.as_u64()).map(|l| l as u32);
            assert_eq!(site_of(e), line.map(|l| (side, l)), "{json:?}");
        }
    }

    #[test]
    fn source_lines_are_one_based() {
        assert_eq!(source_line("a\nb\r\nc", 2), Some("b"));
        assert_eq!(source_line("a", 0), None);
        assert_eq!(source_line("a", 2), None);
    }
}
