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
const MAX_NESTING: usize = 200;

/// Values visited per measurement. A shared sub-value counts once per place it appears, so
/// `a = [a, a]` nested 200 times names 2^200 values in 600 instructions: the walk stops here.
pub(crate) const MAX_VALUES: u32 = 1 << 20;

/// Why a value cannot go to the agent: a runtime error in the script that tried.
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
}

impl fmt::Display for Unsendable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsendable::Type(t) => write!(f, "agent.send cannot send a value of type '{t}'"),
            Unsendable::Cycle => write!(f, "agent.send cannot send a table or array that contains itself"),
            Unsendable::TooDeep => write!(f, "agent.send cannot send containers nested deeper than {MAX_NESTING}"),
            Unsendable::TooLarge => write!(f, "agent.send cannot send more than {MAX_VALUES} values in one message"),
        }
    }
}

/// §14: the serialised size of `v` in bytes, the payload of `agent.send(name, v)`.
pub fn serialised_size(heap: &Heap, v: Value) -> Result<u64, Unsendable> {
    let mut path = Vec::new();
    let mut visits = 0;
    size_in(heap, v, &mut path, &mut visits)
}

/// `path` holds the containers being measured, outermost first: meeting one again is a cycle.
/// Shared (non-cyclic) sub-values are counted once per occurrence, as a serialiser writes them.
fn size_in(heap: &Heap, v: Value, path: &mut Vec<GcRef>, visits: &mut u32) -> Result<u64, Unsendable> {
    *visits += 1;
    if *visits > MAX_VALUES {
        return Err(Unsendable::TooLarge);
    }
    Ok(match v {
        Value::Null => 1,
        Value::Bool(_) => 2,
        Value::Int(_) | Value::Float(_) => 5,
        Value::Str(r) => 5 + heap.str_bytes(r).len() as u64,
        Value::Blob(r) => 5 + heap.blob(r).data.len() as u64,
        Value::Array(r) | Value::Table(r) => {
            if path.contains(&r) {
                return Err(Unsendable::Cycle);
            }
            if path.len() >= MAX_NESTING {
                return Err(Unsendable::TooDeep);
            }
            path.push(r);
            let mut total = 5u64;
            if let Value::Array(_) = v {
                for &item in heap.array(r) {
                    total += size_in(heap, item, path, visits)?;
                }
            } else {
                for (&k, &item) in heap.table(r) {
                    total += size_in(heap, k, path, visits)? + size_in(heap, item, path, visits)?;
                }
            }
            path.pop();
            total
        }
        Value::Closure(_) | Value::Native(_) | Value::Class(_) | Value::Instance(_) => {
            return Err(Unsendable::Type(v.type_name()))
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
