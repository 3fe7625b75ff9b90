//! Reading a `Scenario` from its parsed tree (`tree::Value`), with errors that name the field
//! path (`steps[3].bytes`) and the reason in the author's words ("expected an integer (0 or
//! more), got \"many\"") and the format's (TOML tables, JSON objects).
//!
//! serde's derive writes a visitor per struct, and each was instantiated for every deserializer
//! (≈ 95 KB of the playground's wasm for the scenario types, issue #10 item 6); here one walk
//! ([`fields`]) reads any table from its list of field names, and each type says only how its
//! fields are read ([`Read`]). The path is a chain of borrowed segments ([`At`]), written out
//! only when a value is refused.

use super::load::{truncate, Format, RawStep, ScenarioError, StepError};
use super::tree::Value;
use super::{
    AgentParams, Arg, DeviceParams, KeepaliveParams, NetworkParams, Outage, OutageKind, Rate, RecoverParams, RetAction,
    Scenario, ServerParams, Step, SuspendParams, UdpParams, Unlimited,
};
use crate::expect::load::RawExpect;
use crate::expect::Expect;
use std::collections::BTreeMap;
use std::fmt::Write;

/// `v` as a scenario; the checks after reading (`normalise`, `validate`) are the caller's.
pub(crate) fn scenario(v: Value, fmt: Format) -> Result<Scenario, ScenarioError> {
    Scenario::read(v, &At { parent: None, seg: Seg::Root, fmt })
}

/// Where a value sits: its parent and its own key or index.
pub(crate) struct At<'a> {
    parent: Option<&'a At<'a>>,
    seg: Seg<'a>,
    fmt: Format,
}

enum Seg<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl At<'_> {
    fn key<'a>(&'a self, key: &'a str) -> At<'a> {
        At { parent: Some(self), seg: Seg::Key(key), fmt: self.fmt }
    }

    fn index(&self, i: usize) -> At<'_> {
        At { parent: Some(self), seg: Seg::Index(i), fmt: self.fmt }
    }

    /// `network.outages[0].kind`; each key cut to 64 characters (a client's text, issue 13
    /// item 10), `""` for the root.
    fn path(&self) -> String {
        let mut segs = Vec::new();
        let mut at = Some(self);
        while let Some(a) = at {
            segs.push(&a.seg);
            at = a.parent;
        }
        let mut out = String::new();
        for seg in segs.into_iter().rev() {
            match seg {
                Seg::Root => {}
                Seg::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(&truncate(k, 64));
                }
                Seg::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
            }
        }
        out
    }

    fn fail(&self, reason: impl Into<String>) -> ScenarioError {
        ScenarioError::new(self.path(), reason)
    }

    /// A refusal of `field` of the table here (which may not be in the tree: missing, unknown).
    fn field_fail(&self, field: &str, reason: impl Into<String>) -> ScenarioError {
        self.key(field).fail(reason)
    }

    fn expected(&self, what: &str, got: &Value) -> ScenarioError {
        self.fail(format!("expected {what}, got {}", got.words(self.fmt)))
    }

    fn container(&self) -> &'static str {
        self.fmt.container()
    }

    fn step_error(&self, e: StepError) -> ScenarioError {
        match e.field {
            Some(field) => self.field_fail(field, e.reason),
            None => self.fail(e.reason),
        }
    }
}

/// A type read from the tree.
pub(crate) trait Read: Sized {
    fn read(v: Value, at: &At) -> Result<Self, ScenarioError>;
}

/// Walks a table: every key must be one of `names` and given once; `field` reads the value of
/// the field at that index. Returns which fields were given.
fn fields(
    v: Value,
    at: &At,
    names: &[&str],
    field: &mut dyn FnMut(usize, Value, &At) -> Result<(), ScenarioError>,
) -> Result<Vec<bool>, ScenarioError> {
    let Value::Table(entries) = v else { return Err(at.expected(at.container(), &v)) };
    let mut given = vec![false; names.len()];
    for (key, v) in entries {
        let Some(i) = names.iter().position(|n| *n == key) else {
            return Err(at.field_fail(&key, format!("unknown field (known: {})", names.join(", "))));
        };
        if given[i] {
            return Err(at.field_fail(&key, "given twice"));
        }
        given[i] = true;
        field(i, v, &at.key(&key))?;
    }
    Ok(given)
}

/// `Read` for a struct with `Default`: the fields given are read, the others keep their default;
/// a field named after `required` must be given.
macro_rules! read_table {
    ($ty:ident { $($field:ident),* $(,)? } $(required $req:ident)?) => {
        impl Read for $ty {
            // `n` counts the fields up to the one at hand; its last increment is never read.
            #[allow(unused_assignments)]
            fn read(v: Value, at: &At) -> Result<Self, ScenarioError> {
                const NAMES: &[&str] = &[$(stringify!($field)),*];
                let mut p = $ty::default();
                // Every field of the struct is in the list (this pattern has no `..`).
                let $ty { $($field: _),* } = &p;
                let given = fields(v, at, NAMES, &mut |i, v, at| {
                    let mut n = 0;
                    $(
                        if i == n {
                            p.$field = Read::read(v, at)?;
                            return Ok(());
                        }
                        n += 1;
                    )*
                    Ok(())
                })?;
                $(
                    if !given[NAMES.iter().position(|n| *n == stringify!($req)).expect("a required field is one of the fields")] {
                        return Err(at.field_fail(stringify!($req), "required, missing"));
                    }
                )?
                // Read only by tables with a required field.
                let _ = given;
                Ok(p)
            }
        }
    };
}

read_table!(Scenario {
    title,
    seed,
    end_ms,
    start_epoch,
    device,
    network,
    server,
    agent,
    suspend,
    recover,
    keepalive,
    udp,
    steps,
    on_connect,
    on_unexpected_disconnect,
    code,
    libs,
    agent_code,
    expect,
});
read_table!(DeviceParams { buffer_default, buffer_max, mss, tls_overhead, msg_header, connect_ms, boot_squirrel_ms });
read_table!(NetworkParams { rtt_ms, uplink_bps, downlink_bps, loss, rto_ms, rwnd, consume_bps, outages });
read_table!(ServerParams { rwnd });
read_table!(AgentParams { consume_bps });
read_table!(SuspendParams { connect_window_ms, sleep_ms });
read_table!(RecoverParams { grace_ms });
read_table!(KeepaliveParams { idle_ms, ack_ms });
read_table!(UdpParams { burst, refill_per_s, mtu });
read_table!(RawStep {
    call,
    name,
    bytes,
    size,
    reconnect,
    wait,
    timeout,
    seconds,
    address,
    port,
    repeat,
    on_ret,
    retry_after_s,
} required call);
read_table!(RawExpect {
    name,
    call,
    step,
    iter,
    line,
    file,
    handler,
    side,
    nth,
    ret,
    error,
    max_blocked_ms,
    event,
    reason,
    msg,
    log,
    summary,
    never,
    count,
    min,
    max,
    from_ms,
    within_ms,
});

impl Read for Step {
    fn read(v: Value, at: &At) -> Result<Step, ScenarioError> {
        Step::try_from(RawStep::read(v, at)?).map_err(|e| at.step_error(e))
    }
}

impl Read for Expect {
    fn read(v: Value, at: &At) -> Result<Expect, ScenarioError> {
        Expect::try_from(RawExpect::read(v, at)?).map_err(|e| at.step_error(e))
    }
}

impl Read for Outage {
    fn read(v: Value, at: &At) -> Result<Outage, ScenarioError> {
        let (mut kind, mut at_ms, mut for_ms) = (None, None, None);
        fields(v, at, &["kind", "at_ms", "for_ms"], &mut |i, v, at| {
            match i {
                0 => kind = Some(Read::read(v, at)?),
                1 => at_ms = Some(Read::read(v, at)?),
                _ => for_ms = Some(Read::read(v, at)?),
            }
            Ok(())
        })?;
        let missing = |field| at.field_fail(field, "required, missing");
        Ok(Outage {
            kind: kind.ok_or_else(|| missing("kind"))?,
            at_ms: at_ms.ok_or_else(|| missing("at_ms"))?,
            for_ms: for_ms.ok_or_else(|| missing("for_ms"))?,
        })
    }
}

/// One of `names`, as a string (`"wifi"`) or as a one-entry table whose value is empty
/// (`{ wifi = null }` in JSON, as serde's externally tagged enums read).
fn variant(v: Value, at: &At, what: &str, names: &[&str]) -> Result<usize, ScenarioError> {
    let unknown = |name: &str| {
        at.fail(format!("unknown value `{}` (known: {})", truncate(name, 64), names.join(", ")))
    };
    match v {
        Value::Str(s) => names.iter().position(|n| *n == s).ok_or_else(|| unknown(&s)),
        Value::Table(mut entries) if entries.len() == 1 => {
            let (name, inner) = entries.pop().expect("one entry");
            let i = names.iter().position(|n| *n == name).ok_or_else(|| unknown(&name))?;
            match inner {
                Value::Null => Ok(i),
                other => Err(at.key(&name).expected("unit", &other)),
            }
        }
        v => Err(at.expected(what, &v)),
    }
}

impl Read for OutageKind {
    fn read(v: Value, at: &At) -> Result<OutageKind, ScenarioError> {
        let i = variant(v, at, "enum OutageKind", &["wifi", "upstream"])?;
        Ok(if i == 0 { OutageKind::Wifi } else { OutageKind::Upstream })
    }
}

impl Read for RetAction {
    fn read(v: Value, at: &At) -> Result<RetAction, ScenarioError> {
        variant(v, at, "enum RetAction", &["retry"]).map(|_| RetAction::Retry)
    }
}

impl<T: Read> Read for Option<T> {
    fn read(v: Value, at: &At) -> Result<Option<T>, ScenarioError> {
        match v {
            Value::Null => Ok(None),
            v => T::read(v, at).map(Some),
        }
    }
}

impl<T: Read> Read for Vec<T> {
    fn read(v: Value, at: &At) -> Result<Vec<T>, ScenarioError> {
        let Value::Array(items) = v else { return Err(at.expected("an array", &v)) };
        items.into_iter().enumerate().map(|(i, item)| T::read(item, &at.index(i))).collect()
    }
}

/// A table of names to values (`libs`, `on_ret`). A key given twice is refused, as TOML and
/// links refuse it (a JSON file's tree keeps repeats so that this can say where).
impl<T: Read> Read for BTreeMap<String, T> {
    fn read(v: Value, at: &At) -> Result<BTreeMap<String, T>, ScenarioError> {
        let Value::Table(entries) = v else { return Err(at.expected(at.container(), &v)) };
        let mut out = BTreeMap::new();
        for (key, v) in entries {
            let v = T::read(v, &at.key(&key))?;
            if out.contains_key(&key) {
                return Err(at.key(&key).fail("given twice"));
            }
            out.insert(key, v);
        }
        Ok(out)
    }
}

impl Read for String {
    fn read(v: Value, at: &At) -> Result<String, ScenarioError> {
        match v {
            Value::Str(s) => Ok(s),
            v => Err(at.expected("a string", &v)),
        }
    }
}

/// An integer in `0..=max`, refused with `what` (the range in words).
fn unsigned(v: Value, at: &At, max: u64, what: &str) -> Result<u64, ScenarioError> {
    match v {
        Value::Int(i) if i >= 0 && i as u64 <= max => Ok(i as u64),
        Value::UInt(u) if u <= max => Ok(u),
        v => Err(at.expected(what, &v)),
    }
}

impl Read for u64 {
    fn read(v: Value, at: &At) -> Result<u64, ScenarioError> {
        unsigned(v, at, u64::MAX, "an integer (0 or more)")
    }
}

impl Read for u32 {
    fn read(v: Value, at: &At) -> Result<u32, ScenarioError> {
        unsigned(v, at, u32::MAX.into(), "an integer from 0 to 4294967295").map(|u| u as u32)
    }
}

impl Read for i64 {
    fn read(v: Value, at: &At) -> Result<i64, ScenarioError> {
        match v {
            Value::Int(i) => Ok(i),
            v => Err(at.expected("an integer", &v)),
        }
    }
}

impl Read for f64 {
    fn read(v: Value, at: &At) -> Result<f64, ScenarioError> {
        match v {
            Value::Int(i) => Ok(i as f64),
            Value::UInt(u) => Ok(u as f64),
            Value::Float(f) => Ok(f),
            v => Err(at.expected("a number", &v)),
        }
    }
}

/// Any scalar (B4, C6, U1–U4 are runtime errors); a table or array is refused by name.
impl Read for Arg {
    fn read(v: Value, at: &At) -> Result<Arg, ScenarioError> {
        match v {
            Value::Bool(b) => Ok(Arg::Bool(b)),
            Value::Int(i) => Ok(Arg::Int(i)),
            Value::UInt(u) => Ok(Arg::Float(u as f64)),
            Value::Float(f) => Ok(Arg::Float(f)),
            Value::Str(s) => Ok(Arg::Str(s)),
            v => Err(at.expected("a number, boolean or string", &v)),
        }
    }
}

impl Read for Rate {
    fn read(v: Value, at: &At) -> Result<Rate, ScenarioError> {
        match v {
            Value::Int(i) if i >= 0 => Ok(Rate::Bps(i as u64)),
            Value::UInt(u) => Ok(Rate::Bps(u)),
            Value::Str(s) if s == "unlimited" => Ok(Rate::Unlimited(Unlimited::Unlimited)),
            v => Err(at.expected("a rate in bytes/s (an integer, 0 or more) or \"unlimited\"", &v)),
        }
    }
}
