//! The written form of an expectation: one flat record (`RawExpect`) whose *subject* key
//! (`ret`, `error`, `max_blocked_ms`, `event`, `log`, `summary`, `never`) says the kind, as a
//! step's `call` does. `TryFrom` checks that exactly one subject is given, that every other key
//! applies to that kind, and every range; refusals name the field (`expect[2].within_ms`)
//! through the scenario reader's path.

use super::{CallSelect, Check, Count, EventSelect, Expect, Figure, Pattern, RetValue, Side, Window, EVENT_NAMES, STATES};
use crate::scenario::load::StepError;
use crate::scenario::{Arg, MAX_END_MS};
use serde::Serialize;

/// An expectation as written: every key any kind takes, all optional. Read by
/// `scenario::read` (one walk for every table), written by serde.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RawExpect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iter: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// `"device"` or `"agent"` (§15); checked by `side`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ret: Option<Arg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_blocked_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub never: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_ms: Option<f64>,
}

/// The keys that say what kind an expectation is.
const SUBJECTS: [&str; 7] = ["ret", "error", "max_blocked_ms", "event", "log", "summary", "never"];

const CALL_KEYS: [&str; 11] = ["name", "call", "step", "iter", "line", "file", "handler", "side", "nth", "from_ms", "within_ms"];

/// The keys each kind takes besides its subject.
fn keys_of(subject: &str) -> &'static [&'static str] {
    match subject {
        "ret" | "error" | "max_blocked_ms" => &CALL_KEYS,
        "event" => &["name", "reason", "handler", "msg", "count", "min", "max", "from_ms", "within_ms"],
        "log" => &["name", "side", "count", "min", "max", "from_ms", "within_ms"],
        "summary" => &["name", "min", "max"],
        _ => &["name", "from_ms", "within_ms"],
    }
}

/// Strings are bounded like a step's (a label or pattern is not a place for megabytes).
const MAX_TEXT_BYTES: usize = 256;

impl RawExpect {
    /// Every key given, in declaration order.
    fn given(&self) -> Vec<&'static str> {
        let keys: [(&'static str, bool); 23] = [
            ("name", self.name.is_some()),
            ("call", self.call.is_some()),
            ("step", self.step.is_some()),
            ("iter", self.iter.is_some()),
            ("line", self.line.is_some()),
            ("file", self.file.is_some()),
            ("handler", self.handler.is_some()),
            ("side", self.side.is_some()),
            ("nth", self.nth.is_some()),
            ("ret", self.ret.is_some()),
            ("error", self.error.is_some()),
            ("max_blocked_ms", self.max_blocked_ms.is_some()),
            ("event", self.event.is_some()),
            ("reason", self.reason.is_some()),
            ("msg", self.msg.is_some()),
            ("log", self.log.is_some()),
            ("summary", self.summary.is_some()),
            ("never", self.never.is_some()),
            ("count", self.count.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
            ("from_ms", self.from_ms.is_some()),
            ("within_ms", self.within_ms.is_some()),
        ];
        keys.into_iter().filter(|(_, g)| *g).map(|(k, _)| k).collect()
    }
}

fn text(field: &'static str, v: Option<String>) -> Result<Option<String>, StepError> {
    match v {
        Some(s) if s.len() > MAX_TEXT_BYTES => {
            Err(StepError::at(field, format!("at most {MAX_TEXT_BYTES} bytes, got {}", s.len())))
        }
        v => Ok(v),
    }
}

fn pattern(field: &'static str, v: Option<String>) -> Result<Pattern, StepError> {
    match text(field, v)? {
        Some(p) if p.is_empty() => Err(StepError::at(field, "an empty pattern matches everything; write \"*\" if that is meant")),
        Some(p) => Ok(Pattern::new(p)),
        None => Err(StepError::at(field, "required, missing")),
    }
}

fn ms(field: &'static str, v: f64) -> Result<f64, StepError> {
    if !v.is_finite() || v < 0.0 || v > MAX_END_MS as f64 {
        return Err(StepError::at(field, format!("must be 0 to {MAX_END_MS} ms, got {v}")));
    }
    Ok(v)
}

fn whole(field: &'static str, v: Option<f64>) -> Result<Option<u64>, StepError> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= 1e15 => Ok(Some(x as u64)),
        Some(x) => Err(StepError::at(field, format!("a number of times is a whole number, 0 or more; got {x}"))),
    }
}

fn count(r: &RawExpect) -> Result<Count, StepError> {
    let (min, max) = (whole("min", r.min)?, whole("max", r.max)?);
    if let Some(n) = r.count {
        if let Some(other) = [("min", min), ("max", max)].iter().find(|(_, v)| v.is_some()).map(|(k, _)| *k) {
            return Err(StepError::at(other, "`count` already fixes the number; give `count` or `min`/`max`"));
        }
        return Ok(Count { min: Some(n), max: Some(n) });
    }
    if let (Some(a), Some(b)) = (min, max) {
        if a > b {
            return Err(StepError::at("min", format!("must not exceed max ({b}), got {a}")));
        }
    }
    // Nothing given: "it happens" (at least once).
    Ok(if min.is_none() && max.is_none() { Count { min: Some(1), max: None } } else { Count { min, max } })
}

/// §15: which program's lines; absent, either's.
fn side(v: Option<String>) -> Result<Option<Side>, StepError> {
    let Some(name) = v.as_deref() else { return Ok(None) };
    match [Side::Device, Side::Agent].into_iter().find(|s| s.as_str() == name) {
        Some(s) => Ok(Some(s)),
        None => {
            let o: String = name.chars().take(64).collect();
            Err(StepError::at("side", format!("is \"device\" or \"agent\" (the program that wrote the line), got {o:?}")))
        }
    }
}

fn ret_value(a: Arg) -> Result<RetValue, StepError> {
    match a {
        Arg::Int(i) => Ok(RetValue::Int(i)),
        Arg::Bool(b) => Ok(RetValue::Bool(b)),
        Arg::Str(s) if s == "null" => Ok(RetValue::Null),
        other => Err(StepError::at(
            "ret",
            format!("a return value is an integer, true/false, or \"null\"; got {other:?}"),
        )),
    }
}

fn select(r: &mut RawExpect) -> Result<CallSelect, StepError> {
    if let Some(c) = &r.call {
        if !super::is_call_name(c) {
            let c: String = c.chars().take(64).collect();
            return Err(StepError::at(
                "call",
                format!("unknown call `{c}` (known: {}, device.send)", crate::scenario::Call::NAMES.join(", ")),
            ));
        }
    }
    if r.nth == Some(0) {
        return Err(StepError::at("nth", "counts from 1 (the first selected call), got 0"));
    }
    if r.line == Some(0) {
        return Err(StepError::at("line", "source lines count from 1, got 0"));
    }
    Ok(CallSelect {
        call: r.call.take(),
        step: r.step,
        iter: r.iter,
        line: r.line,
        file: text("file", r.file.take())?,
        handler: text("handler", r.handler.take())?,
        side: side(r.side.take())?,
        nth: r.nth,
    })
}

fn check(subject: &str, r: &mut RawExpect) -> Result<Check, StepError> {
    Ok(match subject {
        "ret" => Check::Ret { ret: ret_value(r.ret.take().expect("subject given"))?, select: select(r)? },
        "error" => Check::Error { error: pattern("error", r.error.take())?, select: select(r)? },
        "max_blocked_ms" => {
            Check::Blocked { max_ms: ms("max_blocked_ms", r.max_blocked_ms.expect("subject given"))?, select: select(r)? }
        }
        "event" => {
            let event = r.event.take().expect("subject given");
            if !EVENT_NAMES.contains(&event.as_str()) {
                let e: String = event.chars().take(64).collect();
                return Err(StepError::at("event", format!("unknown event `{e}` (known: {})", EVENT_NAMES.join(", "))));
            }
            let count = count(r)?;
            let select = EventSelect { event, reason: r.reason, handler: text("handler", r.handler.take())?, msg: r.msg };
            Check::Events { select, count }
        }
        "log" => Check::Log { count: count(r)?, pattern: pattern("log", r.log.take())?, side: side(r.side.take())? },
        "summary" => {
            let name = r.summary.take().expect("subject given");
            let Some(figure) = Figure::parse(&name) else {
                let known: Vec<&str> = Figure::ALL.iter().map(|f| f.as_str()).collect();
                let n: String = name.chars().take(64).collect();
                return Err(StepError::at("summary", format!("unknown figure `{n}` (known: {})", known.join(", "))));
            };
            for (field, v) in [("min", r.min), ("max", r.max)] {
                if v.is_some_and(|x| !x.is_finite()) {
                    return Err(StepError::at(field, "must be a finite number"));
                }
            }
            match (r.min, r.max) {
                (None, None) => return Err(StepError::at("max", "a summary expectation needs `min` or `max` (or both)")),
                (Some(a), Some(b)) if a > b => return Err(StepError::at("min", format!("must not exceed max ({b}), got {a}"))),
                _ => {}
            }
            Check::Summary { figure, min: r.min, max: r.max }
        }
        _ => {
            let name = r.never.take().expect("subject given");
            let event = STATES
                .iter()
                .find(|(state, _)| state.eq_ignore_ascii_case(&name))
                .map(|(_, e)| e.to_string())
                .or_else(|| EVENT_NAMES.contains(&name.as_str()).then(|| name.clone()));
            let Some(event) = event else {
                let states: Vec<&str> = STATES.iter().map(|(s, _)| *s).collect();
                let n: String = name.chars().take(64).collect();
                return Err(StepError::at(
                    "never",
                    format!("unknown state `{n}` (states: {}; or an event name)", states.join(", ")),
                ));
            };
            Check::Never { event }
        }
    })
}

impl TryFrom<RawExpect> for Expect {
    type Error = StepError;

    fn try_from(mut r: RawExpect) -> Result<Expect, StepError> {
        let given = r.given();
        let subjects: Vec<&str> = given.iter().copied().filter(|k| SUBJECTS.contains(k)).collect();
        let subject = match subjects.as_slice() {
            [] => {
                return Err(StepError::whole(format!(
                    "says nothing to check: give one of {}",
                    SUBJECTS.join(", ")
                )))
            }
            [one] => *one,
            [first, second, ..] => {
                return Err(StepError::at(
                    second,
                    format!("`{first}` and `{second}` are two expectations: write each as its own [[expect]]"),
                ))
            }
        };
        let takes = keys_of(subject);
        if let Some(extra) = given.iter().find(|k| **k != subject && !takes.contains(k)) {
            return Err(StepError::at(
                extra,
                format!("does not apply to a `{subject}` expectation (it takes: {})", takes.join(", ")),
            ));
        }
        let name = text("name", r.name.take())?;
        let window = Window {
            from_ms: r.from_ms.map(|v| ms("from_ms", v)).transpose()?.unwrap_or(0.0),
            within_ms: r.within_ms.map(|v| ms("within_ms", v)).transpose()?,
        };
        let check = check(subject, &mut r)?;
        Ok(Expect { name, check, window })
    }
}

fn put_select(r: &mut RawExpect, s: CallSelect) {
    r.call = s.call;
    r.step = s.step;
    r.iter = s.iter;
    r.line = s.line;
    r.file = s.file;
    r.handler = s.handler;
    r.side = s.side.map(|s| s.as_str().to_string());
    r.nth = s.nth;
}

fn put_count(r: &mut RawExpect, c: Count) {
    match (c.min, c.max) {
        (Some(a), Some(b)) if a == b => r.count = Some(a),
        // The default ("at least once") is written out: a reader should not need to know it.
        (min, max) => {
            r.min = min.map(|v| v as f64);
            r.max = max.map(|v| v as f64);
        }
    }
}

impl From<Expect> for RawExpect {
    fn from(e: Expect) -> RawExpect {
        let mut r = RawExpect { name: e.name, ..RawExpect::default() };
        if e.window.from_ms != 0.0 {
            r.from_ms = Some(e.window.from_ms);
        }
        r.within_ms = e.window.within_ms;
        match e.check {
            Check::Ret { select, ret } => {
                put_select(&mut r, select);
                r.ret = Some(match ret {
                    RetValue::Int(i) => Arg::Int(i),
                    RetValue::Bool(b) => Arg::Bool(b),
                    RetValue::Null => Arg::Str("null".into()),
                });
            }
            Check::Error { select, error } => {
                put_select(&mut r, select);
                r.error = Some(error.as_str().to_string());
            }
            Check::Blocked { select, max_ms } => {
                put_select(&mut r, select);
                r.max_blocked_ms = Some(max_ms);
            }
            Check::Events { select, count } => {
                r.event = Some(select.event);
                r.reason = select.reason;
                r.handler = select.handler;
                r.msg = select.msg;
                put_count(&mut r, count);
            }
            Check::Log { pattern, count, side } => {
                r.log = Some(pattern.as_str().to_string());
                r.side = side.map(|s| s.as_str().to_string());
                put_count(&mut r, count);
            }
            Check::Summary { figure, min, max } => {
                r.summary = Some(figure.as_str().to_string());
                r.min = min;
                r.max = max;
            }
            Check::Never { event } => {
                let state = STATES.iter().find(|(_, ev)| *ev == event).map(|(s, _)| s.to_string());
                r.never = Some(state.unwrap_or(event));
            }
        }
        r
    }
}
