//! Reading the parameter tables that hold numbers only (`[device]`, `[server]`, `[suspend]`,
//! `[recover]`, `[keepalive]`, `[udp]`), through one table-driven visitor.
//!
//! serde's derive writes a visitor per struct, and each was instantiated for every deserializer
//! (≈ 19 KB of the playground's wasm for these six); here one visitor, [`Table`], reads any of
//! them from a list of field names and number kinds, and each struct only copies the numbers
//! out. The messages are serde's own (`unknown field`, `duplicate field`, `invalid type`, the
//! number types' range errors), so `load::humanise` words them as before. Unlike the derive, a
//! table given as an array (fields by position) is refused.

use super::{DeviceParams, KeepaliveParams, RecoverParams, ServerParams, SuspendParams, UdpParams};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use std::fmt;

/// How a field's number is read (and so which range error a bad one gets).
#[derive(Clone, Copy)]
enum Kind {
    U32,
    U64,
    F64,
}

/// A number as read, for the struct to copy out.
#[derive(Clone, Copy)]
enum Num {
    U(u64),
    F(f64),
}

impl Num {
    // Each field is read with its own kind, so only the matching arm is ever taken.
    fn u32(self) -> u32 {
        match self {
            Num::U(u) => u as u32,
            Num::F(f) => f as u32,
        }
    }

    fn u64(self) -> u64 {
        match self {
            Num::U(u) => u,
            Num::F(f) => f as u64,
        }
    }

    fn f64(self) -> f64 {
        match self {
            Num::U(u) => u as f64,
            Num::F(f) => f,
        }
    }
}

/// One table's shape: its struct's name (for "expected struct …"), field names and kinds.
struct Table {
    name: &'static str,
    fields: &'static [&'static str],
    kinds: &'static [Kind],
}

impl<'de> Visitor<'de> for Table {
    /// By field index; `None` for a field not given (the struct's default stays).
    type Value = Vec<Option<Num>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "struct {}", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = vec![None; self.fields.len()];
        while let Some(key) = map.next_key::<String>()? {
            let Some(i) = self.fields.iter().position(|f| *f == key) else {
                return Err(de::Error::unknown_field(&key, self.fields));
            };
            if out[i].is_some() {
                return Err(de::Error::duplicate_field(self.fields[i]));
            }
            out[i] = Some(match self.kinds[i] {
                Kind::U32 => Num::U(map.next_value::<u32>()?.into()),
                Kind::U64 => Num::U(map.next_value::<u64>()?),
                Kind::F64 => Num::F(map.next_value::<f64>()?),
            });
        }
        Ok(out)
    }
}

/// `Deserialize` for a number-only parameter struct: its fields with their kinds (`u32`,
/// `u64`, `f64`, spelled as in the struct). Fields not given keep `Default`'s values.
macro_rules! number_table {
    ($ty:ident { $($field:ident: $kind:ident),* $(,)? }) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const FIELDS: &[&str] = &[$(stringify!($field)),*];
                const KINDS: &[Kind] = &[$(number_table!(@kind $kind)),*];
                let table = Table { name: stringify!($ty), fields: FIELDS, kinds: KINDS };
                let nums = d.deserialize_struct(stringify!($ty), FIELDS, table)?;
                Ok($ty::from_nums(&nums))
            }
        }

        impl $ty {
            fn from_nums(nums: &[Option<Num>]) -> Self {
                let mut p = $ty::default();
                // Every field of the struct is in the list (this pattern has no `..`).
                let $ty { $($field: _),* } = &p;
                let mut given = nums.iter();
                $(
                    if let Some(Some(n)) = given.next() {
                        p.$field = n.$kind();
                    }
                )*
                p
            }
        }
    };
    (@kind u32) => { Kind::U32 };
    (@kind u64) => { Kind::U64 };
    (@kind f64) => { Kind::F64 };
}

number_table!(DeviceParams {
    buffer_default: u32,
    buffer_max: u32,
    mss: u32,
    tls_overhead: u32,
    msg_header: u32,
    connect_ms: u64,
    boot_squirrel_ms: u64,
});
number_table!(ServerParams { rwnd: u32 });
number_table!(SuspendParams { connect_window_ms: u64, sleep_ms: u64 });
number_table!(RecoverParams { grace_ms: u64 });
number_table!(KeepaliveParams { idle_ms: u64, ack_ms: u64 });
number_table!(UdpParams { burst: u32, refill_per_s: f64, mtu: u32 });
