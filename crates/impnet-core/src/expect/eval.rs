//! The checker: one pass over the trace's JSON lines (SPEC §11 objects, the summary last),
//! keeping a few numbers per expectation, so a two-million-line trace is checked in constant
//! memory. Each verdict names the line that decided it.

use super::{side_of_line, CallSelect, Check, Count, EventSelect, Expect, RetValue, Side};
use serde_json::{Map, Value};
use std::fmt;

/// The trace line that decided a verdict (or, for a pass, the line that shows it).
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// 0-based position among the trace's lines (the summary line is last).
    pub index: usize,
    pub t_ms: f64,
    /// The call or event name, or `summary`.
    pub what: String,
    pub step: Option<u64>,
    pub iter: Option<u64>,
    pub line: Option<u64>,
    pub file: Option<String>,
    pub handler: Option<String>,
    /// §15: the agent's lines; `None` for the device's.
    pub side: Option<Side>,
}

impl Evidence {
    fn of(index: usize, l: &Map<String, Value>) -> Evidence {
        let u = |k: &str| l.get(k).and_then(Value::as_u64);
        let s = |k: &str| l.get(k).and_then(Value::as_str).map(str::to_string);
        let what = s("call").or_else(|| s("event")).unwrap_or_else(|| "summary".into());
        Evidence {
            index,
            t_ms: t_ms(l).unwrap_or(0.0),
            what,
            step: u("step"),
            iter: u("iter"),
            line: u("line"),
            file: s("file"),
            handler: s("handler"),
            side: (side_of_line(l) == Side::Agent).then_some(Side::Agent),
        }
    }
}

impl fmt::Display for Evidence {
    /// `trace line 14, t = 5000 ms: agent.send at step 2.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trace line {}, t = {} ms: {}", self.index + 1, self.t_ms, self.what)?;
        if let Some(side) = self.side {
            write!(f, " on the {}", side.as_str())?;
        }
        if let Some(h) = &self.handler {
            write!(f, " in {h}")?;
        }
        match (self.step, self.iter) {
            (Some(s), Some(i)) => write!(f, " at step {s}.{i}")?,
            (Some(s), None) => write!(f, " at step {s}")?,
            _ => {}
        }
        match (&self.file, self.line) {
            (Some(file), Some(l)) => write!(f, " at {file}:{l}")?,
            (None, Some(l)) => write!(f, " at line {l}")?,
            _ => {}
        }
        Ok(())
    }
}

/// The outcome of one expectation.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub passed: bool,
    /// What was found, in words ("returned 4", "happened 3 times").
    pub found: String,
    pub evidence: Option<Evidence>,
}

fn t_ms(l: &Map<String, Value>) -> Option<f64> {
    l.get("t_ms").and_then(Value::as_f64)
}

fn ret_of(l: &Map<String, Value>) -> Option<RetValue> {
    match l.get("ret")? {
        Value::Null => Some(RetValue::Null),
        Value::Bool(b) => Some(RetValue::Bool(*b)),
        v => v.as_i64().map(RetValue::Int),
    }
}

fn found_ret(l: &Map<String, Value>) -> String {
    match (ret_of(l), l.get("error").and_then(Value::as_str)) {
        (_, Some(e)) => format!("threw {e:?}"),
        (Some(r), None) => format!("returned {r}"),
        (None, None) => "returned nothing".into(),
    }
}

impl CallSelect {
    fn matches(&self, l: &Map<String, Value>) -> bool {
        let Some(call) = l.get("call").and_then(Value::as_str) else { return false };
        let u = |k: &str| l.get(k).and_then(Value::as_u64);
        let s = |k: &str| l.get(k).and_then(Value::as_str);
        self.call.as_deref().is_none_or(|c| c == call)
            && self.step.is_none_or(|v| u("step") == Some(v))
            && self.iter.is_none_or(|v| u("iter") == Some(v))
            && self.line.is_none_or(|v| u("line") == Some(v))
            && self.file.as_deref().is_none_or(|v| s("file") == Some(v))
            && self.handler.as_deref().is_none_or(|v| s("handler") == Some(v))
            && self.side.is_none_or(|v| side_of_line(l) == v)
    }
}

impl EventSelect {
    fn matches(&self, l: &Map<String, Value>) -> bool {
        l.get("event").and_then(Value::as_str) == Some(self.event.as_str())
            && self.reason.is_none_or(|r| l.get("reason").and_then(Value::as_i64) == Some(r))
            && self.handler.as_deref().is_none_or(|h| l.get("handler").and_then(Value::as_str) == Some(h))
            && self.msg.is_none_or(|m| l.get("msg").and_then(Value::as_u64) == Some(m))
    }
}

/// Log lines: `server.log`/`server.error` calls with a `text` (§14).
fn log_text(l: &Map<String, Value>) -> Option<&str> {
    let call = l.get("call").and_then(Value::as_str)?;
    if call != "server.log" && call != "server.error" {
        return None;
    }
    l.get("text").and_then(Value::as_str)
}

/// Per-expectation progress through the trace.
#[derive(Clone, Debug, Default)]
struct Progress {
    /// Lines selected so far (calls, events or logs).
    seen: u64,
    /// The first line that broke the expectation: it cannot pass any more.
    failed: Option<(Evidence, String)>,
    /// The line that shows the expectation holding so far (first match; the longest block).
    shown: Option<(Evidence, String)>,
    longest_ms: f64,
    summary_seen: bool,
}

/// Checks expectations over trace lines fed one at a time, in order, within a work budget
/// (`limits::MAX_CHECK_WORK`): a link from a stranger may pair a thousand expectations with a
/// two-million-line run, and the page checks every run.
pub struct Checker<'a> {
    expects: &'a [Expect],
    progress: Vec<Progress>,
    index: usize,
    work: u64,
    limit: u64,
    /// Lines fed before the budget ran out; later lines are not read.
    stopped_after: Option<usize>,
}

impl<'a> Checker<'a> {
    pub fn new(expects: &'a [Expect]) -> Self {
        Self::with_budget(expects, crate::limits::MAX_CHECK_WORK)
    }

    /// A checker that stops reading lines once checking them has cost more than `limit` units
    /// (one per line per expectation still open, one per character a pattern reads).
    pub fn with_budget(expects: &'a [Expect], limit: u64) -> Self {
        let progress = vec![Progress::default(); expects.len()];
        Checker { expects, progress, index: 0, work: 0, limit, stopped_after: None }
    }

    /// Feed the next trace line (a call, an event, or the `{"summary": …}` line).
    pub fn feed(&mut self, line: &Map<String, Value>) {
        if self.stopped_after.is_some() {
            return;
        }
        let index = self.index;
        self.index += 1;
        for (e, p) in self.expects.iter().zip(self.progress.iter_mut()) {
            if p.failed.is_none() {
                self.work += 1;
                step(e, p, index, line, &mut self.work);
                // Checked per expectation: one line read by a thousand globs could cost the
                // budget several times over.
                if self.work > self.limit {
                    self.stopped_after = Some(self.index);
                    return;
                }
            }
        }
    }

    /// Whether the budget ran out, so further lines are not read.
    pub fn out_of_budget(&self) -> bool {
        self.stopped_after.is_some()
    }

    /// The verdicts, in the order of the expectations. Past the budget, an expectation not
    /// already broken fails as not checked: passing it on part of the trace would be a guess.
    pub fn finish(self) -> Vec<Verdict> {
        let (limit, stopped_after) = (self.limit, self.stopped_after);
        let n = self.expects.len();
        self.expects
            .iter()
            .zip(self.progress)
            .map(|(e, p)| match stopped_after {
                Some(lines) if p.failed.is_none() => Verdict {
                    passed: false,
                    found: format!(
                        "not checked: checking {n} expectations over the first {lines} trace lines \
                         used the whole checking budget ({limit} units: one per line per expectation, \
                         one per character a pattern reads); the lines after were not read"
                    ),
                    evidence: None,
                },
                _ => verdict(e, p),
            })
            .collect()
    }
}

/// Checks `expects` over whole lines (`impnet run --json`'s output, parsed).
pub fn check_lines<'l>(expects: &[Expect], lines: impl IntoIterator<Item = &'l Map<String, Value>>) -> Vec<Verdict> {
    let mut c = Checker::new(expects);
    for l in lines {
        c.feed(l);
    }
    c.finish()
}

fn step(e: &Expect, p: &mut Progress, index: usize, l: &Map<String, Value>, work: &mut u64) {
    if let Check::Summary { figure, min, max } = &e.check {
        let Some(Value::Object(s)) = l.get("summary") else { return };
        p.summary_seen = true;
        let mut ev = Evidence::of(index, l);
        ev.t_ms = s.get("end_ms").and_then(Value::as_f64).unwrap_or(0.0);
        match s.get(figure.as_str()).and_then(Value::as_f64) {
            None => p.failed = Some((ev, format!("the summary has no {}", figure.as_str()))),
            Some(v) => {
                let found = format!("{} = {v}", figure.as_str());
                if min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m) {
                    p.failed = Some((ev, found));
                } else {
                    p.shown = Some((ev, found));
                }
            }
        }
        return;
    }
    let Some(t) = t_ms(l) else { return };
    if !e.window.contains(t) {
        return;
    }
    let ev = || Evidence::of(index, l);
    match &e.check {
        Check::Ret { select, ret } => {
            if !select.matches(l) || !nth_selected(select, p) {
                return;
            }
            let ok = l.get("error").is_none() && ret_of(l) == Some(*ret);
            record(p, ok, ev, || found_ret(l));
        }
        Check::Error { select, error } => {
            if !select.matches(l) || !nth_selected(select, p) {
                return;
            }
            let ok = l.get("error").and_then(Value::as_str).is_some_and(|t| error.matches_counting(t, work));
            record(p, ok, ev, || found_ret(l));
        }
        Check::Blocked { select, max_ms } => {
            if !select.matches(l) || !nth_selected(select, p) {
                return;
            }
            let blocked = l.get("blocked_ms").and_then(Value::as_f64).unwrap_or(0.0);
            if blocked > *max_ms {
                p.failed = Some((ev(), format!("blocked {blocked} ms")));
            } else if p.shown.is_none() || blocked > p.longest_ms {
                p.longest_ms = blocked;
                p.shown = Some((ev(), format!("longest block {blocked} ms")));
            }
        }
        Check::Events { select, count } => {
            if select.matches(l) {
                counted(p, *count, ev);
            }
        }
        Check::Log { pattern, count, side } => {
            let on_side = side.is_none_or(|s| side_of_line(l) == s);
            if on_side && log_text(l).is_some_and(|text| pattern.matches_counting(text, work)) {
                counted(p, *count, ev);
            }
        }
        Check::Never { event } => {
            if l.get("event").and_then(Value::as_str) == Some(event.as_str()) {
                p.failed = Some((ev(), format!("{event} happened")));
            }
        }
        Check::Summary { .. } => {}
    }
}

/// Counts a selected call; with `nth`, only the nth one goes on to be checked.
fn nth_selected(select: &CallSelect, p: &mut Progress) -> bool {
    p.seen += 1;
    select.nth.is_none_or(|n| p.seen == n)
}

/// Keeps a selected call's evidence when it decides or first shows the verdict. `ev` and
/// `found` are built only then: most selected lines of a long trace change nothing, and
/// building them allocated for every one.
fn record(p: &mut Progress, ok: bool, ev: impl FnOnce() -> Evidence, found: impl FnOnce() -> String) {
    if ok {
        if p.shown.is_none() {
            p.shown = Some((ev(), found()));
        }
    } else {
        p.failed = Some((ev(), found()));
    }
}

/// Counts a selected event or log line; its evidence is built only when it is kept (`record`).
fn counted(p: &mut Progress, count: Count, ev: impl FnOnce() -> Evidence) {
    p.seen += 1;
    if count.max.is_some_and(|m| p.seen > m) {
        p.failed = Some((ev(), format!("happened more than {} times", count.max.unwrap_or(0))));
    } else if p.shown.is_none() {
        p.shown = Some((ev(), String::new()));
    }
}

fn times(n: u64) -> String {
    match n {
        0 => "never".into(),
        1 => "once".into(),
        n => format!("{n} times"),
    }
}

fn verdict(e: &Expect, p: Progress) -> Verdict {
    if let Some((ev, found)) = p.failed {
        return Verdict { passed: false, found, evidence: Some(ev) };
    }
    let fail = |found: String| Verdict { passed: false, found, evidence: None };
    match &e.check {
        Check::Ret { select, .. } | Check::Error { select, .. } | Check::Blocked { select, .. } => {
            // An expectation that selects nothing is a typo more often than a truth.
            match (p.shown, select.nth) {
                (Some((ev, found)), _) => Verdict { passed: true, found, evidence: Some(ev) },
                (None, Some(n)) if p.seen > 0 => {
                    fail(format!("only {} selected; the expectation wants the {}", times(p.seen), super::ordinal(n)))
                }
                (None, _) => fail("no call matched".into()),
            }
        }
        Check::Events { count, .. } | Check::Log { count, .. } => {
            let found = format!("happened {}", times(p.seen));
            if count.min.is_some_and(|m| p.seen < m) {
                Verdict { passed: false, found, evidence: p.shown.map(|s| s.0) }
            } else {
                Verdict { passed: true, found, evidence: p.shown.map(|s| s.0) }
            }
        }
        Check::Summary { .. } if !p.summary_seen => fail("the trace has no summary line (the run did not finish)".into()),
        Check::Summary { .. } => {
            let (ev, found) = p.shown.expect("a summary seen without failing is shown");
            Verdict { passed: true, found, evidence: Some(ev) }
        }
        Check::Never { event } => Verdict { passed: true, found: format!("no {event}"), evidence: None },
    }
}

/// Checks a run's trace line by line, as `impnet run --json` prints it (entries, then the
/// summary), without holding the JSON of more than one line.
pub fn check_trace(expects: &[Expect], trace: &crate::trace::Trace) -> Vec<Verdict> {
    if expects.is_empty() {
        return Vec::new();
    }
    let mut c = Checker::new(expects);
    for e in &trace.entries {
        if c.out_of_budget() {
            return c.finish();
        }
        c.feed(&e.to_json());
    }
    if let Ok(Value::Object(summary)) = serde_json::from_str(&trace.summary.to_json_line()) {
        c.feed(&summary);
    }
    c.finish()
}

/// An expectation that the call at `index` returns what it returned (or throws what it threw):
/// selected by call, handler and `step`/`iter` (step lists) or `line`/`file` (Squirrel), with
/// `nth` counting this line among the lines the selection matches (an `on_ret` retry repeats
/// `step`/`iter`; a loop repeats a source line).
/// `None` when the line is not a call. The playground's "expect this" action.
pub fn expect_for_line<'l>(lines: impl IntoIterator<Item = &'l Map<String, Value>> + Clone, index: usize) -> Option<Expect> {
    let line = lines.clone().into_iter().nth(index)?;
    let call = line.get("call").and_then(Value::as_str)?;
    let u = |k: &str| line.get(k).and_then(Value::as_u64);
    let s = |k: &str| line.get(k).and_then(Value::as_str).map(str::to_string);
    let mut select = CallSelect {
        call: Some(call.to_string()),
        step: u("step"),
        iter: u("iter"),
        line: u("line"),
        file: s("file"),
        handler: s("handler"),
        // An agent line's `line` counts in the agent's file: pinned, so a device call at the
        // same line number never satisfies it (§15).
        side: (side_of_line(line) == Side::Agent).then_some(Side::Agent),
        nth: None,
    };
    let (mut seen, mut position) = (0u64, 0u64);
    for (i, l) in lines.into_iter().enumerate() {
        if select.matches(l) {
            seen += 1;
            if i == index {
                position = seen;
            }
        }
    }
    // Always pinned to this occurrence, so the expectation keeps meaning this line when the
    // selection later matches more (a retry, a loop, a step added).
    select.nth = Some(position.max(1));
    let check = match (line.get("error").and_then(Value::as_str), ret_of(line)) {
        (Some(e), _) => Check::Error { select, error: super::Pattern::new(e) },
        (None, Some(ret)) => Check::Ret { select, ret },
        (None, None) => return None,
    };
    Some(Expect { name: None, check, window: super::Window::default() })
}
