//! What a Squirrel value weighs on the wire (SPEC §14 "Values on the wire").
//!
//! impOS does not publish its serialisation format, so `agent.send`'s payload size is our
//! **[choice]**: null 1, bool 2, integer 5, float 5, string 5 + length, blob 5 + length, array
//! 5 + Σ items, table 5 + Σ (key + value). `server.log`/`server.error` send the UTF-8 bytes of
//! `tostring()`. Both are pure functions over VM values; the header and TLS of §13 come on top
//! (`device::Config::wire_size`).

use impnet_squirrel::{to_display, GcRef, Heap, Value};
use std::fmt;

/// §13 "Trace lines": a log's `text` carries at most this many bytes of the message.
pub const MAX_LOG_TEXT: usize = 1024;

/// Containers nested deeper than this are refused; matches the VM's call depth limit, so
/// anything a script could build by recursion is measured, and nothing recurses without end.
pub(crate) const MAX_NESTING: usize = 200;

/// Values visited per walk. A shared sub-value counts once per place it appears, so
/// `a = [a, a]` nested 200 times names 2^200 values in 600 instructions: the walk stops here.
pub(crate) const MAX_VALUES: u32 = 1 << 20;

/// String and blob bytes per walk, counting a shared one at every place it appears: a copy
/// (`agent::Payload`) bigger than the VM's default heap could not be rebuilt by the receiver,
/// and 2^20 places of one 1 MiB string would be a terabyte.
pub(crate) const MAX_BYTES: u64 = 64 << 20;

/// Why a value cannot cross to the other side: a runtime error in the script that tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsendable {
    /// Functions, classes and instances have no serialised form (§14).
    Type(&'static str),
    /// A table or array that contains itself.
    Cycle,
    /// Containers nested past `MAX_NESTING`.
    TooDeep,
    /// More than `MAX_VALUES` values, counting a shared one at every place it appears.
    TooLarge,
    /// More than `MAX_BYTES` of strings and blobs, counting a shared one at every place.
    TooManyBytes,
}

impl Unsendable {
    /// The runtime error of `call` (`agent.send`, `device.send`, ...) refusing the value.
    pub fn in_call(&self, call: &str) -> String {
        match self {
            Unsendable::Type(t) => format!("{call} cannot send a value of type '{t}'"),
            Unsendable::Cycle => format!("{call} cannot send a table or array that contains itself"),
            Unsendable::TooDeep => format!("{call} cannot send containers nested deeper than {MAX_NESTING}"),
            Unsendable::TooLarge => format!("{call} cannot send more than {MAX_VALUES} values in one message"),
            Unsendable::TooManyBytes => {
                format!("{call} cannot send more than {MAX_BYTES} bytes of strings and blobs in one message")
            }
        }
    }
}

impl fmt::Display for Unsendable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.in_call("agent.send"))
    }
}

/// One walk over a value on its way to the wire, shared by the size (below) and the copy
/// (`agent::Payload`): it refuses what cannot be sent, cycles, nesting past `MAX_NESTING`, and
/// more than `MAX_VALUES` values or `MAX_BYTES` bytes, so neither walk can be made
/// exponential by sharing.
#[derive(Default)]
pub(crate) struct Walk {
    /// The containers being walked, outermost first: meeting one again is a cycle.
    path: Vec<GcRef>,
    values: u32,
    bytes: u64,
}

impl Walk {
    /// Counts one value holding `bytes` bytes of string or blob.
    pub(crate) fn visit(&mut self, v: Value, bytes: usize) -> Result<(), Unsendable> {
        self.values += 1;
        if self.values > MAX_VALUES {
            return Err(Unsendable::TooLarge);
        }
        self.bytes += bytes as u64;
        if self.bytes > MAX_BYTES {
            return Err(Unsendable::TooManyBytes);
        }
        match v {
            Value::Closure(_) | Value::Native(_) | Value::Class(_) | Value::Instance(_) => {
                Err(Unsendable::Type(v.type_name()))
            }
            _ => Ok(()),
        }
    }

    /// Steps into a table or array; [`Walk::leave`] when done with it.
    pub(crate) fn enter(&mut self, r: GcRef) -> Result<(), Unsendable> {
        if self.path.contains(&r) {
            return Err(Unsendable::Cycle);
        }
        if self.path.len() >= MAX_NESTING {
            return Err(Unsendable::TooDeep);
        }
        self.path.push(r);
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.path.pop();
    }
}

/// The string or blob bytes `v` holds itself (not its items).
pub(crate) fn own_bytes(heap: &Heap, v: Value) -> usize {
    match v {
        Value::Str(r) => heap.str_bytes(r).len(),
        Value::Blob(r) => heap.blob(r).data.len(),
        _ => 0,
    }
}

/// §14: the serialised size of `v` in bytes, the payload of `agent.send(name, v)`.
/// Inlined: `agent.send` in a loop asks it for a string at every turn.
#[inline]
pub fn serialised_size(heap: &Heap, v: Value) -> Result<u64, Unsendable> {
    match v {
        Value::Array(_) | Value::Table(_) => size_in(heap, v, &mut Walk::default()),
        // Not a container (a loop's `agent.send(name, string)`): nothing to walk.
        _ => {
            let own = own_bytes(heap, v);
            Walk::default().visit(v, own)?;
            Ok(leaf_size(v, own))
        }
    }
}

/// The serialised size of a value that is not a container, holding `own` bytes.
fn leaf_size(v: Value, own: usize) -> u64 {
    match v {
        Value::Null => 1,
        Value::Bool(_) => 2,
        Value::Str(_) | Value::Blob(_) => 5 + own as u64,
        // Numbers (what is neither a leaf nor sendable never gets here).
        _ => 5,
    }
}

/// Shared (non-cyclic) sub-values are counted once per occurrence, as a serialiser writes them.
fn size_in(heap: &Heap, v: Value, walk: &mut Walk) -> Result<u64, Unsendable> {
    let own = own_bytes(heap, v);
    walk.visit(v, own)?;
    Ok(match v {
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Str(_) | Value::Blob(_) => leaf_size(v, own),
        Value::Array(r) | Value::Table(r) => {
            walk.enter(r)?;
            let mut total = 5u64;
            if let Value::Array(_) = v {
                for &item in heap.array(r) {
                    total += size_in(heap, item, walk)?;
                }
            } else {
                for (&k, &item) in heap.table(r) {
                    total += size_in(heap, k, walk)? + size_in(heap, item, walk)?;
                }
            }
            walk.leave();
            total
        }
        Value::Closure(_) | Value::Native(_) | Value::Class(_) | Value::Instance(_) => {
            unreachable!("Walk::visit refuses what cannot be sent")
        }
    })
}

/// §14: what `server.log(v)`/`server.error(v)` send: `v.tostring()`, as UTF-8 bytes. Strings
/// count their own bytes (a script may build a string that is not valid UTF-8).
pub fn log_payload(heap: &Heap, v: Value) -> u64 {
    match v {
        Value::Str(r) => heap.str_bytes(r).len() as u64,
        _ => to_display(heap, v).len() as u64,
    }
}

/// §14 "Trace": the `text` a log line carries: `v.tostring()`, cut to `MAX_LOG_TEXT` bytes
/// at a character boundary.
pub fn log_text(heap: &Heap, v: Value) -> String {
    let mut s = to_display(heap, v);
    if s.len() > MAX_LOG_TEXT {
        let mut cut = MAX_LOG_TEXT;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use impnet_squirrel::{Host, Outcome, Vm};

    struct NoHost;
    impl Host for NoHost {
        type Suspend = ();
    }

    /// Runs `src` and measures what it returns.
    fn measure(src: &str, f: impl FnOnce(&Heap, Value) -> u64) -> u64 {
        let mut vm = Vm::new(NoHost);
        vm.load("t.nut", src).unwrap();
        let Outcome::Finished(v) = vm.run(10_000_000) else { panic!("{src} did not finish") };
        f(vm.heap(), v)
    }

    fn size(src: &str) -> Result<u64, Unsendable> {
        let mut vm = Vm::new(NoHost);
        vm.load("t.nut", src).unwrap();
        let Outcome::Finished(v) = vm.run(10_000_000) else { panic!("{src} did not finish") };
        serialised_size(vm.heap(), v)
    }

    #[test]
    fn section14_scalars_null1_bool2_integer5_float5() {
        assert_eq!(size("return null"), Ok(1));
        assert_eq!(size("return true"), Ok(2));
        assert_eq!(size("return -7"), Ok(5));
        assert_eq!(size("return 2.5"), Ok(5));
    }

    #[test]
    fn section14_string_and_blob_5_plus_length() {
        assert_eq!(size(r#"return """#), Ok(5));
        assert_eq!(size(r#"return "hello""#), Ok(10));
        // Length in bytes, not characters: "é" is two UTF-8 bytes.
        assert_eq!(size(r#"return "é""#), Ok(7));
        assert_eq!(size("return blob(4091)"), Ok(4096));
        assert_eq!(size("return blob()"), Ok(5));
    }

    #[test]
    fn section14_array_5_plus_items_table_5_plus_keys_and_values() {
        assert_eq!(size("return []"), Ok(5));
        // 5 + (5 + 10 + 1)
        assert_eq!(size(r#"return [1, "hello", null]"#), Ok(21));
        assert_eq!(size("return {}"), Ok(5));
        // 5 + ("t" 6 + 2.5 5) + ("ok" 7 + true 2)
        assert_eq!(size(r#"return { t = 2.5, ok = true }"#), Ok(25));
        // Integer keys weigh like integer values: 5 + (5 + 5).
        assert_eq!(size(r#"local t = {}; t[3] <- 4; return t"#), Ok(15));
        // Nesting adds up: 5 + ("a" 6 + [1, 2] 15)
        assert_eq!(size("return { a = [1, 2] }"), Ok(26));
    }

    #[test]
    fn section14_shared_values_count_at_each_occurrence() {
        assert_eq!(size("local x = [1]; return [x, x]"), Ok(5 + 10 + 10));
    }

    #[test]
    fn section14_functions_classes_instances_cannot_be_sent() {
        assert_eq!(size("return function() {}"), Err(Unsendable::Type("function")));
        assert_eq!(size("return blob"), Err(Unsendable::Type("function")));
        assert_eq!(size("class A {}; return A"), Err(Unsendable::Type("class")));
        assert_eq!(size("class A {}; return A()"), Err(Unsendable::Type("instance")));
        // Inside a container too.
        assert_eq!(size("return { f = @() 1 }"), Err(Unsendable::Type("function")));
    }

    #[test]
    fn a_table_that_contains_itself_is_an_error_not_a_hang() {
        assert_eq!(size("local t = {}; t.me <- t; return t"), Err(Unsendable::Cycle));
        assert_eq!(size("local a = [[]]; a[0].push(a); return a"), Err(Unsendable::Cycle));
    }

    #[test]
    fn a_value_shared_at_every_level_is_an_error_not_an_exponential_walk() {
        // 2^60 places from 60 arrays: measuring it would never end.
        assert_eq!(
            size("local a = [1]; for (local i = 0; i < 60; i++) a = [a, a]; return a"),
            Err(Unsendable::TooLarge)
        );
        // Sharing within the cap is still counted at every place: [x, x] with x = [1].
        assert_eq!(size("local x = [1]; return [x, x]"), Ok(5 + 2 * (5 + 5)));
    }

    #[test]
    fn a_string_shared_at_many_places_is_an_error_past_64_mib() {
        // 100 places of one 1 MiB string: 100 MiB to copy, so refused by size and copy alike.
        let src = "local s = \"a\"; for (local k = 0; k < 20; k++) s += s; return array(100, s)";
        assert_eq!(size(src), Err(Unsendable::TooManyBytes));
        let ok = "local s = \"a\"; for (local k = 0; k < 20; k++) s += s; return array(60, s)";
        assert_eq!(size(ok), Ok(5 + 60 * (5 + (1 << 20))));
    }

    #[test]
    fn nesting_past_the_call_depth_limit_is_an_error_not_a_stack_overflow() {
        let src = "local a = []; for (local i = 0; i < 100000; i++) a = [a]; return a";
        assert_eq!(size(src), Err(Unsendable::TooDeep));
        let ok = "local a = []; for (local i = 0; i < 150; i++) a = [a]; return a";
        assert_eq!(size(ok), Ok(5 * 151));
    }

    #[test]
    fn section14_log_payload_is_the_utf8_of_tostring() {
        assert_eq!(measure(r#"return "héllo""#, log_payload), 6);
        assert_eq!(measure("return 12345", log_payload), 5);
        assert_eq!(measure("return null", log_payload), 4);
        assert_eq!(measure("return true", log_payload), 4);
        assert_eq!(measure("return 1.5", log_payload), 3);
    }

    #[test]
    fn section14_log_text_is_cut_at_1024_bytes_on_a_char_boundary() {
        let mut vm = Vm::new(NoHost);
        // "a" then two-byte characters: byte 1024 falls inside one, so the cut keeps 1023.
        vm.load("t.nut", r#"local s = "é"; while (s.len() < 3000) s += s; return "a" + s"#).unwrap();
        let Outcome::Finished(v) = vm.run(10_000_000) else { panic!() };
        let text = log_text(vm.heap(), v);
        assert_eq!(text.len(), MAX_LOG_TEXT - 1);
        assert!(text[1..].chars().all(|c| c == 'é'));
        // The payload is the whole string, not the trace's cut.
        assert_eq!(log_payload(vm.heap(), v), 4097);
    }
}
