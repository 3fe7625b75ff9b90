//! Reading the parameter tables (`[device]`, `[network]`, `[server]`, `[agent]`, `[suspend]`,
//! `[recover]`, `[keepalive]`, `[udp]`) and the flat records of a step (`load::RawStep`) and
//! an `[[expect]]` (`expect::load`) through one table-driven visitor.
//!
//! serde's derive writes a visitor per struct, and each was instantiated for every deserializer
//! (≈ 28 KB of the playground's wasm for these eight); here one visitor, [`Table`], reads any of
//! them from a list of field names and value kinds, and each struct only copies the values
//! out. The messages are serde's own (`unknown field`, `duplicate field`, `invalid type`, the
//! number types' range errors), so `load::humanise` words them as before. Unlike the derive, a
//! table given as an array (fields by position) is refused.

use super::load::RawStep;
use super::{
    AgentParams, Arg, DeviceParams, KeepaliveParams, NetworkParams, Outage, Rate, RecoverParams, RetAction, ServerParams,
    SuspendParams, UdpParams,
};
use std::collections::BTreeMap;
use crate::expect::load::RawExpect;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use std::fmt;

/// How a field's value is read (and so which error a bad one gets): the field's own type.
#[derive(Clone, Copy)]
enum Kind {
    U32,
    U64,
    F64,
    OptU32,
    OptU64,
    Rate,
    OptRate,
    Outages,
    OptStr,
    OptI64,
    OptF64,
    OptArg,
    /// Required: a record without it is refused (`missing field`).
    Str,
    OptRetMap,
}

/// A value as read, for the struct to copy out.
enum Num {
    U(u64),
    F(f64),
    OptU(Option<u64>),
    Rate(Rate),
    OptRate(Option<Rate>),
    Outages(Vec<Outage>),
    OptStr(Option<String>),
    OptI(Option<i64>),
    OptF(Option<f64>),
    OptArg(Option<Arg>),
    Str(String),
    OptRetMap(Option<BTreeMap<String, RetAction>>),
}

// Each field is read with its own kind, so only the matching arm is ever taken; the others
// give the type's zero rather than a panic.
impl Num {
    fn u32(self) -> u32 {
        self.u64() as u32
    }

    fn u64(self) -> u64 {
        match self {
            Num::U(u) => u,
            _ => 0,
        }
    }

    fn f64(self) -> f64 {
        match self {
            Num::F(f) => f,
            _ => 0.0,
        }
    }

    fn opt_u32(self) -> Option<u32> {
        self.opt_u64().map(|u| u as u32)
    }

    fn opt_u64(self) -> Option<u64> {
        match self {
            Num::OptU(u) => u,
            _ => None,
        }
    }

    fn rate(self) -> Rate {
        match self {
            Num::Rate(r) => r,
            _ => Rate::Bps(0),
        }
    }

    fn opt_rate(self) -> Option<Rate> {
        match self {
            Num::OptRate(r) => r,
            _ => None,
        }
    }

    fn outages(self) -> Vec<Outage> {
        match self {
            Num::Outages(o) => o,
            _ => Vec::new(),
        }
    }

    fn opt_str(self) -> Option<String> {
        match self {
            Num::OptStr(s) => s,
            _ => None,
        }
    }

    fn opt_i64(self) -> Option<i64> {
        match self {
            Num::OptI(i) => i,
            _ => None,
        }
    }

    fn opt_f64(self) -> Option<f64> {
        match self {
            Num::OptF(f) => f,
            _ => None,
        }
    }

    fn str(self) -> String {
        match self {
            Num::Str(s) => s,
            _ => String::new(),
        }
    }

    fn opt_ret_map(self) -> Option<BTreeMap<String, RetAction>> {
        match self {
            Num::OptRetMap(m) => m,
            _ => None,
        }
    }

    fn opt_arg(self) -> Option<Arg> {
        match self {
            Num::OptArg(a) => a,
            _ => None,
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
        let mut out: Vec<Option<Num>> = self.fields.iter().map(|_| None).collect();
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
                Kind::OptU32 => Num::OptU(map.next_value::<Option<u32>>()?.map(u64::from)),
                Kind::OptU64 => Num::OptU(map.next_value::<Option<u64>>()?),
                Kind::Rate => Num::Rate(map.next_value::<Rate>()?),
                Kind::OptRate => Num::OptRate(map.next_value::<Option<Rate>>()?),
                Kind::Outages => Num::Outages(map.next_value::<Vec<Outage>>()?),
                Kind::OptStr => Num::OptStr(map.next_value::<Option<String>>()?),
                Kind::OptI64 => Num::OptI(map.next_value::<Option<i64>>()?),
                Kind::OptF64 => Num::OptF(map.next_value::<Option<f64>>()?),
                Kind::OptArg => Num::OptArg(map.next_value::<Option<Arg>>()?),
                Kind::Str => Num::Str(map.next_value::<String>()?),
                Kind::OptRetMap => Num::OptRetMap(map.next_value::<Option<BTreeMap<String, RetAction>>>()?),
            });
        }
        if let Some(i) = (0..out.len()).find(|&i| matches!(self.kinds[i], Kind::Str) && out[i].is_none()) {
            return Err(de::Error::missing_field(self.fields[i]));
        }
        Ok(out)
    }
}

/// `Deserialize` for a parameter struct: its fields with their kinds (`u32`, `u64`, `f64`,
/// `opt_u32`, `opt_u64`, `rate`, `opt_rate`, `outages`, `opt_str`, `opt_i64`, `opt_f64`,
/// `opt_arg`, `str` (required), `opt_ret_map`: the field's type). Fields not given keep
/// `Default`'s values.
macro_rules! param_table {
    ($ty:ident { $($field:ident: $kind:ident),* $(,)? }) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const FIELDS: &[&str] = &[$(stringify!($field)),*];
                const KINDS: &[Kind] = &[$(param_table!(@kind $kind)),*];
                let table = Table { name: stringify!($ty), fields: FIELDS, kinds: KINDS };
                let nums = d.deserialize_struct(stringify!($ty), FIELDS, table)?;
                Ok($ty::from_nums(nums))
            }
        }

        impl $ty {
            fn from_nums(nums: Vec<Option<Num>>) -> Self {
                let mut p = $ty::default();
                // Every field of the struct is in the list (this pattern has no `..`).
                let $ty { $($field: _),* } = &p;
                let mut given = nums.into_iter();
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
    (@kind opt_u32) => { Kind::OptU32 };
    (@kind opt_u64) => { Kind::OptU64 };
    (@kind rate) => { Kind::Rate };
    (@kind opt_rate) => { Kind::OptRate };
    (@kind outages) => { Kind::Outages };
    (@kind opt_str) => { Kind::OptStr };
    (@kind opt_i64) => { Kind::OptI64 };
    (@kind opt_f64) => { Kind::OptF64 };
    (@kind opt_arg) => { Kind::OptArg };
    (@kind str) => { Kind::Str };
    (@kind opt_ret_map) => { Kind::OptRetMap };
}

param_table!(DeviceParams {
    buffer_default: u32,
    buffer_max: u32,
    mss: u32,
    tls_overhead: u32,
    msg_header: u32,
    connect_ms: u64,
    boot_squirrel_ms: u64,
});
param_table!(NetworkParams {
    rtt_ms: u64,
    uplink_bps: u64,
    downlink_bps: opt_u64,
    loss: f64,
    rto_ms: opt_u64,
    rwnd: opt_u32,
    consume_bps: opt_rate,
    outages: outages,
});
param_table!(ServerParams { rwnd: u32 });
param_table!(AgentParams { consume_bps: rate });
param_table!(SuspendParams { connect_window_ms: u64, sleep_ms: u64 });
param_table!(RecoverParams { grace_ms: u64 });
param_table!(KeepaliveParams { idle_ms: u64, ack_ms: u64 });
param_table!(UdpParams { burst: u32, refill_per_s: f64, mtu: u32 });
param_table!(RawExpect {
    name: opt_str,
    call: opt_str,
    step: opt_u64,
    iter: opt_u64,
    line: opt_u64,
    file: opt_str,
    handler: opt_str,
    nth: opt_u64,
    ret: opt_arg,
    error: opt_str,
    max_blocked_ms: opt_f64,
    event: opt_str,
    reason: opt_i64,
    msg: opt_u64,
    log: opt_str,
    summary: opt_str,
    never: opt_str,
    count: opt_u64,
    min: opt_f64,
    max: opt_f64,
    from_ms: opt_f64,
    within_ms: opt_f64,
});
param_table!(RawStep {
    call: str,
    name: opt_str,
    bytes: opt_u64,
    size: opt_arg,
    reconnect: opt_arg,
    wait: opt_arg,
    timeout: opt_arg,
    seconds: opt_f64,
    address: opt_arg,
    port: opt_arg,
    repeat: opt_u64,
    on_ret: opt_ret_map,
    retry_after_s: opt_f64,
});
