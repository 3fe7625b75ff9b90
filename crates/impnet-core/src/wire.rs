//! The live protocol between a device driver (the browser's live mode, `impnet device`) and
//! `impnet serve`'s `/ws` endpoint, which plays the impCloud server and the agent.
//!
//! Pure data: frame types, their encoding, limits and validation. No socket, no clock — both
//! ends (wasm and native) share this module, so they cannot disagree on the format.
//!
//! One WebSocket carries:
//! - device → server, text: [`DeviceFrame`] as JSON (`hello` first, then `msg` announcements);
//! - device → server, binary: segment bytes ([`Inbound::Data`]); only their length matters;
//! - server → device, text: [`ServerFrame`] as JSON (`welcome`, `ack`, `delivered`).
//!
//! Why text JSON for control and binary for data: control frames are rare and worth reading in
//! a browser's network panel; data frames are the bulk and carry no structure at all.
//!
//! ACKs follow T3/T5: `acked_total` is the cumulative count of data bytes the server has
//! received (a device frees everything up to it), `window` is the free receive space
//! (`rwnd` − bytes the agent has not read yet), 0 while a stall is in force.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Protocol version. A `hello` with another version is refused with [`CloseCode::Protocol`].
pub const VERSION: u32 = 1;

/// Largest text (control) frame either side accepts, in bytes.
pub const MAX_CONTROL_FRAME: usize = 4096;
/// Largest binary (data) frame the server accepts: one segment, far above any `mss`.
pub const MAX_DATA_FRAME: usize = 65536;
/// Largest message name a `msg` frame may carry (UTF-8 bytes).
pub const MAX_NAME_BYTES: usize = 256;

/// Upper bounds of the knobs (a client cannot ask the server to hold state for a day).
pub const MAX_KNOB_MS: u64 = 3_600_000;
pub const MAX_DELAY_MS: u64 = 60_000;
/// One number with the scenario's limit (`crate::limits`).
pub use crate::limits::MAX_RWND;
pub const MAX_REFUSE_MS: u64 = 60_000;

/// Fault and pacing knobs of one connection. Every field is optional: the server's command
/// line gives the defaults, the query string of `/ws` overrides them, `hello.knobs` overrides
/// both. Times are real milliseconds from the moment the server accepted the `hello`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Knobs {
    /// Extra delay before each ACK is sent (emulates the RTT on loopback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Receive window of the server (`server.rwnd`, default 65535).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rwnd: Option<u32>,
    /// Agent drain rate in bytes/s; absent means unlimited (`agent.consume_bps`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consume_bps: Option<u64>,
    /// ACK stall: from `stall_at_ms` for `stall_for_ms` every ACK advertises a zero window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall_at_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall_for_ms: Option<u64>,
    /// The agent stops reading at this time (the window then closes as bytes pile up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_stop_at_ms: Option<u64>,
    /// The server drops the connection once it has received this many data bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop_after_bytes: Option<u64>,
    /// The server drops the connection at this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop_at_ms: Option<u64>,
    /// The server refuses every new connection for this long, counted from this `hello`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refuse_for_ms: Option<u64>,
}

/// Default receive window (SPEC §2 `server.rwnd`).
pub const DEFAULT_RWND: u32 = 65535;

impl Knobs {
    /// `self` with every field `top` sets replaced by `top`'s value.
    pub fn overlay(&self, top: &Knobs) -> Knobs {
        Knobs {
            delay_ms: top.delay_ms.or(self.delay_ms),
            rwnd: top.rwnd.or(self.rwnd),
            consume_bps: top.consume_bps.or(self.consume_bps),
            stall_at_ms: top.stall_at_ms.or(self.stall_at_ms),
            stall_for_ms: top.stall_for_ms.or(self.stall_for_ms),
            agent_stop_at_ms: top.agent_stop_at_ms.or(self.agent_stop_at_ms),
            drop_after_bytes: top.drop_after_bytes.or(self.drop_after_bytes),
            drop_at_ms: top.drop_at_ms.or(self.drop_at_ms),
            refuse_for_ms: top.refuse_for_ms.or(self.refuse_for_ms),
        }
    }

    pub fn rwnd_or_default(&self) -> u32 {
        self.rwnd.unwrap_or(DEFAULT_RWND)
    }

    /// Checks every bound; the error names the field and why.
    pub fn validate(&self) -> Result<(), WireError> {
        let ms = |field: &'static str, v: Option<u64>, max: u64| match v {
            Some(x) if x > max => Err(WireError::Knob { field, reason: format!("{x} is over the limit {max}") }),
            _ => Ok(()),
        };
        ms("delay_ms", self.delay_ms, MAX_DELAY_MS)?;
        ms("stall_at_ms", self.stall_at_ms, MAX_KNOB_MS)?;
        ms("stall_for_ms", self.stall_for_ms, MAX_KNOB_MS)?;
        ms("agent_stop_at_ms", self.agent_stop_at_ms, MAX_KNOB_MS)?;
        ms("drop_at_ms", self.drop_at_ms, MAX_KNOB_MS)?;
        ms("refuse_for_ms", self.refuse_for_ms, MAX_REFUSE_MS)?;
        match self.rwnd {
            Some(0) => return Err(WireError::Knob { field: "rwnd", reason: "must be at least 1".into() }),
            Some(r) if r > MAX_RWND => {
                return Err(WireError::Knob { field: "rwnd", reason: format!("{r} is over the limit {MAX_RWND}") })
            }
            _ => {}
        }
        if self.consume_bps == Some(0) {
            // A zero rate is "the agent never reads": say so with the knob meant for it.
            return Err(WireError::Knob {
                field: "consume_bps",
                reason: "must be at least 1 (use agent_stop_at_ms = 0 for an agent that never reads)".into(),
            });
        }
        Ok(())
    }
}

/// Device → server control frames (text, JSON, tagged by `type`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum DeviceFrame {
    /// First frame of every connection.
    Hello {
        version: u32,
        #[serde(default)]
        knobs: Knobs,
    },
    /// A message starts at the next data byte: `len` wire bytes (payload + header + TLS,
    /// §13 "Messages") follow in data frames. Logs have name `""`.
    Msg { id: u64, name: String, len: u64 },
}

/// Server → device frames (text, JSON, tagged by `type`). Read by [`decode_server`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ServerFrame {
    /// Answer to `hello`: the knobs in force and the initial window.
    Welcome { version: u32, rwnd: u32, knobs: Knobs },
    /// Cumulative ACK and the advertised receive window.
    Ack { acked_total: u64, window: u32 },
    /// The agent has read the whole of message `id`.
    Delivered { id: u64 },
}

/// One WebSocket message as either end sees it, before decoding.
#[derive(Clone, Copy, Debug)]
pub enum Raw<'a> {
    Text(&'a str),
    Binary(&'a [u8]),
}

/// A decoded device → server frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inbound {
    Control(DeviceFrame),
    /// A segment's bytes: only the count matters.
    Data { bytes: usize },
}

/// Why a frame was refused. Each maps to a WebSocket close code and a reason text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    TooLarge { kind: &'static str, len: usize, limit: usize },
    Malformed(String),
    Version { got: u32 },
    Knob { field: &'static str, reason: String },
    /// A frame that is well formed but not allowed here (data before `hello`, a second `hello`).
    Unexpected(&'static str),
    /// The device sent past the advertised window by more than the server can hold.
    WindowOverrun { unread: u64, rwnd: u32 },
}

/// WebSocket close codes used by the server (RFC 6455 §7.4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseCode {
    Normal = 1000,
    Protocol = 1002,
    InvalidData = 1007,
    Policy = 1008,
    TooBig = 1009,
    /// Application range: a fault the knobs asked for (drop after N bytes / at a time).
    InjectedFault = 4000,
    /// Application range: the server refuses connections for a while (knob or command line).
    Refused = 4001,
    /// Application range: the peer was idle or too slow for the server's timeouts.
    Timeout = 4002,
}

impl WireError {
    pub fn close_code(&self) -> CloseCode {
        match self {
            WireError::TooLarge { .. } => CloseCode::TooBig,
            WireError::Malformed(_) => CloseCode::InvalidData,
            WireError::Version { .. } | WireError::Unexpected(_) => CloseCode::Protocol,
            WireError::Knob { .. } | WireError::WindowOverrun { .. } => CloseCode::Policy,
        }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::TooLarge { kind, len, limit } => {
                write!(f, "{kind} frame of {len} bytes is over the {limit}-byte limit")
            }
            WireError::Malformed(e) => write!(f, "malformed frame: {e}"),
            WireError::Version { got } => write!(f, "protocol version {got} is not supported (server speaks {VERSION})"),
            WireError::Knob { field, reason } => write!(f, "knobs.{field}: {reason}"),
            WireError::Unexpected(what) => write!(f, "unexpected frame: {what}"),
            WireError::WindowOverrun { unread, rwnd } => {
                write!(f, "sent past the advertised window: {unread} unread bytes, rwnd {rwnd}")
            }
        }
    }
}

impl std::error::Error for WireError {}

/// Close reasons travel in a control frame of at most 123 bytes (RFC 6455 §5.5).
pub fn close_reason(text: &str) -> String {
    if text.len() <= 123 {
        return text.to_string();
    }
    let mut end = 123;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// Decodes a device → server frame, enforcing sizes and field bounds.
pub fn decode_inbound(raw: Raw<'_>) -> Result<Inbound, WireError> {
    match raw {
        Raw::Binary(b) => {
            if b.len() > MAX_DATA_FRAME {
                return Err(WireError::TooLarge { kind: "data", len: b.len(), limit: MAX_DATA_FRAME });
            }
            Ok(Inbound::Data { bytes: b.len() })
        }
        Raw::Text(t) => {
            if t.len() > MAX_CONTROL_FRAME {
                return Err(WireError::TooLarge { kind: "control", len: t.len(), limit: MAX_CONTROL_FRAME });
            }
            let f: DeviceFrame = serde_json::from_str(t).map_err(|e| WireError::Malformed(e.to_string()))?;
            match &f {
                DeviceFrame::Hello { version, knobs } => {
                    if *version != VERSION {
                        return Err(WireError::Version { got: *version });
                    }
                    knobs.validate()?;
                }
                DeviceFrame::Msg { name, .. } => {
                    if name.len() > MAX_NAME_BYTES {
                        return Err(WireError::TooLarge { kind: "message name", len: name.len(), limit: MAX_NAME_BYTES });
                    }
                }
            }
            Ok(Inbound::Control(f))
        }
    }
}

/// Decodes a server → device frame (the device drivers' side, the browser's among them).
///
/// Read from a `serde_json::Value` by hand: serde's derive for an internally tagged enum
/// buffers each frame in its own `Content` tree and brought ≈ 10 KB into the playground's wasm
/// (issue #10 item 6). The checks are the derive's: a known `type`, every field present and in
/// range, no other field.
pub fn decode_server(text: &str) -> Result<ServerFrame, WireError> {
    if text.len() > MAX_CONTROL_FRAME {
        return Err(WireError::TooLarge { kind: "control", len: text.len(), limit: MAX_CONTROL_FRAME });
    }
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| WireError::Malformed(e.to_string()))?;
    server_frame(v).map_err(WireError::Malformed)
}

type Fields = serde_json::Map<String, serde_json::Value>;

fn server_frame(v: serde_json::Value) -> Result<ServerFrame, String> {
    let serde_json::Value::Object(mut m) = v else { return Err(format!("a frame is a JSON object, got {v}")) };
    let kind = match m.remove("type") {
        Some(serde_json::Value::String(t)) => t,
        Some(other) => return Err(format!("`type`: expected a string, got {other}")),
        None => return Err("missing field `type`".into()),
    };
    let frame = match kind.as_str() {
        "welcome" => ServerFrame::Welcome {
            version: take_u32(&mut m, "version")?,
            rwnd: take_u32(&mut m, "rwnd")?,
            knobs: Knobs::from_json(m.remove("knobs").ok_or("missing field `knobs`")?)?,
        },
        "ack" => ServerFrame::Ack { acked_total: take_u64(&mut m, "acked_total")?, window: take_u32(&mut m, "window")? },
        "delivered" => ServerFrame::Delivered { id: take_u64(&mut m, "id")? },
        other => {
            let other: String = other.chars().take(64).collect();
            return Err(format!("unknown frame type `{other}` (known: welcome, ack, delivered)"));
        }
    };
    match m.keys().next() {
        Some(extra) => Err(format!("unknown field `{}` in a `{kind}` frame", extra.chars().take(64).collect::<String>())),
        None => Ok(frame),
    }
}

fn take_u64(m: &mut Fields, field: &str) -> Result<u64, String> {
    let v = m.remove(field).ok_or_else(|| format!("missing field `{field}`"))?;
    v.as_u64().ok_or_else(|| format!("`{field}`: expected an integer (0 or more), got {v}"))
}

fn take_u32(m: &mut Fields, field: &str) -> Result<u32, String> {
    let n = take_u64(m, field)?;
    u32::try_from(n).map_err(|_| format!("`{field}`: expected an integer from 0 to 4294967295, got {n}"))
}

impl Knobs {
    /// The knobs of a `welcome` frame; `null` is "not set", as a missing knob is.
    fn from_json(v: serde_json::Value) -> Result<Knobs, String> {
        let serde_json::Value::Object(mut m) = v else { return Err(format!("`knobs`: expected an object, got {v}")) };
        m.retain(|_, v| !v.is_null());
        let mut take = |field| if m.contains_key(field) { take_u64(&mut m, field).map(Some) } else { Ok(None) };
        let mut k = Knobs {
            delay_ms: take("delay_ms")?,
            rwnd: None,
            consume_bps: take("consume_bps")?,
            stall_at_ms: take("stall_at_ms")?,
            stall_for_ms: take("stall_for_ms")?,
            agent_stop_at_ms: take("agent_stop_at_ms")?,
            drop_after_bytes: take("drop_after_bytes")?,
            drop_at_ms: take("drop_at_ms")?,
            refuse_for_ms: take("refuse_for_ms")?,
        };
        if m.contains_key("rwnd") {
            k.rwnd = Some(take_u32(&mut m, "rwnd")?);
        }
        match m.keys().next() {
            Some(extra) => Err(format!("unknown field `knobs.{}`", extra.chars().take(64).collect::<String>())),
            None => Ok(k),
        }
    }
}

impl DeviceFrame {
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("frames serialise")
    }
}

impl ServerFrame {
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("frames serialise")
    }
}

/// The device end's view of the connection: turns cumulative ACKs into freed-byte counts,
/// whatever order or duplication they arrive in. Shared by the browser and native drivers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceLink {
    /// Data bytes put on the socket so far.
    pub sent_total: u64,
    /// Highest `acked_total` seen.
    pub acked_total: u64,
    /// Window from the latest ACK (or the welcome).
    pub window: u32,
}

/// What one ACK changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AckDelta {
    /// Bytes newly ACKed by this frame.
    pub newly_acked: u64,
    pub window: u32,
}

impl DeviceLink {
    pub fn new(rwnd: u32) -> Self {
        DeviceLink { sent_total: 0, acked_total: 0, window: rwnd }
    }

    /// Bytes on the socket not yet ACKed.
    pub fn in_flight(&self) -> u64 {
        self.sent_total - self.acked_total
    }

    /// Records `bytes` of data written to the socket.
    pub fn on_sent(&mut self, bytes: u64) {
        self.sent_total += bytes;
    }

    /// Applies an ACK. An ACK for more than was sent is a server bug: refused, nothing changes.
    pub fn on_ack(&mut self, acked_total: u64, window: u32) -> Result<AckDelta, WireError> {
        if acked_total > self.sent_total {
            return Err(WireError::Malformed(format!(
                "ack for {acked_total} bytes but only {} were sent",
                self.sent_total
            )));
        }
        let newly = acked_total.saturating_sub(self.acked_total);
        self.acked_total = self.acked_total.max(acked_total);
        self.window = window;
        Ok(AckDelta { newly_acked: newly, window })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_round_trips_and_version_is_checked() {
        let h = DeviceFrame::Hello { version: VERSION, knobs: Knobs { delay_ms: Some(50), ..Knobs::default() } };
        let t = h.to_text();
        assert_eq!(t, r#"{"type":"hello","version":1,"knobs":{"delay_ms":50}}"#);
        assert_eq!(decode_inbound(Raw::Text(&t)), Ok(Inbound::Control(h)));
        let bad = r#"{"type":"hello","version":7}"#;
        assert_eq!(decode_inbound(Raw::Text(bad)), Err(WireError::Version { got: 7 }));
    }

    #[test]
    fn unknown_fields_and_types_are_malformed() {
        for t in [r#"{"type":"hello","version":1,"x":1}"#, r#"{"type":"nope"}"#, "not json", r#"{"type":"msg","id":-1,"name":"","len":1}"#] {
            let e = decode_inbound(Raw::Text(t)).unwrap_err();
            assert_eq!(e.close_code(), CloseCode::InvalidData, "{t}: {e}");
        }
    }

    #[test]
    fn server_frames_round_trip_and_bad_ones_are_malformed() {
        // decode_server reads frames by hand (issue 10 item 6): every frame the server writes
        // reads back the same, and whatever the derive refused is still refused.
        let knobs = Knobs { delay_ms: Some(5), rwnd: Some(9000), refuse_for_ms: Some(1), ..Knobs::default() };
        for f in [
            ServerFrame::Welcome { version: VERSION, rwnd: 9000, knobs: knobs.clone() },
            ServerFrame::Welcome { version: VERSION, rwnd: 1, knobs: Knobs::default() },
            ServerFrame::Ack { acked_total: u64::MAX, window: u32::MAX },
            ServerFrame::Delivered { id: 7 },
        ] {
            assert_eq!(decode_server(&f.to_text()), Ok(f.clone()), "{}", f.to_text());
        }
        let with_null = r#"{"type":"welcome","version":1,"rwnd":5,"knobs":{"delay_ms":null,"rwnd":5}}"#;
        let Ok(ServerFrame::Welcome { knobs, .. }) = decode_server(with_null) else { panic!("{with_null}") };
        assert_eq!((knobs.delay_ms, knobs.rwnd), (None, Some(5)));
        for (bad, says) in [
            ("not json", "expected ident"),
            ("[1]", "a frame is a JSON object"),
            (r#"{"acked_total":1,"window":2}"#, "missing field `type`"),
            (r#"{"type":"nack"}"#, "unknown frame type `nack`"),
            (r#"{"type":"ack","acked_total":1}"#, "missing field `window`"),
            (r#"{"type":"ack","acked_total":1,"window":2,"x":0}"#, "unknown field `x` in a `ack` frame"),
            (r#"{"type":"ack","acked_total":-1,"window":2}"#, "`acked_total`: expected an integer (0 or more), got -1"),
            (r#"{"type":"ack","acked_total":1,"window":4294967296}"#, "`window`: expected an integer from 0 to 4294967295"),
            (r#"{"type":"delivered","id":"7"}"#, "`id`: expected an integer (0 or more), got \"7\""),
            (r#"{"type":"welcome","version":1,"rwnd":5}"#, "missing field `knobs`"),
            (r#"{"type":"welcome","version":1,"rwnd":5,"knobs":{"delay":1}}"#, "unknown field `knobs.delay`"),
            (r#"{"type":"welcome","version":1,"rwnd":5,"knobs":[]}"#, "`knobs`: expected an object"),
        ] {
            let e = decode_server(bad).unwrap_err();
            assert_eq!(e.close_code(), CloseCode::InvalidData, "{bad}");
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn oversized_frames_are_refused_with_1009() {
        let big = vec![0u8; MAX_DATA_FRAME + 1];
        let e = decode_inbound(Raw::Binary(&big)).unwrap_err();
        assert_eq!(e.close_code(), CloseCode::TooBig);
        assert_eq!(e.to_string(), "data frame of 65537 bytes is over the 65536-byte limit");
        let text = "x".repeat(MAX_CONTROL_FRAME + 1);
        assert_eq!(decode_inbound(Raw::Text(&text)).unwrap_err().close_code(), CloseCode::TooBig);
        assert_eq!(decode_inbound(Raw::Binary(&big[..MAX_DATA_FRAME])), Ok(Inbound::Data { bytes: MAX_DATA_FRAME }));
    }

    #[test]
    fn knob_errors_name_the_field() {
        let k = Knobs { delay_ms: Some(MAX_DELAY_MS + 1), ..Knobs::default() };
        assert_eq!(k.validate().unwrap_err().to_string(), "knobs.delay_ms: 60001 is over the limit 60000");
        let k = Knobs { rwnd: Some(0), ..Knobs::default() };
        assert!(k.validate().unwrap_err().to_string().starts_with("knobs.rwnd"));
    }

    #[test]
    fn overlay_prefers_the_top_layer() {
        let base = Knobs { delay_ms: Some(10), rwnd: Some(1000), ..Knobs::default() };
        let top = Knobs { delay_ms: Some(20), ..Knobs::default() };
        let k = base.overlay(&top);
        assert_eq!((k.delay_ms, k.rwnd), (Some(20), Some(1000)));
    }

    #[test]
    fn t3_cumulative_acks_free_each_byte_once() {
        let mut l = DeviceLink::new(DEFAULT_RWND);
        l.on_sent(1000);
        assert_eq!(l.on_ack(576, 100).unwrap().newly_acked, 576);
        // A reordered, older ACK frees nothing twice.
        assert_eq!(l.on_ack(500, 90).unwrap().newly_acked, 0);
        assert_eq!(l.on_ack(1000, 0).unwrap(), AckDelta { newly_acked: 424, window: 0 });
        assert_eq!(l.in_flight(), 0);
        assert!(l.on_ack(1001, 0).is_err());
    }

    #[test]
    fn close_reason_fits_a_control_frame() {
        let r = close_reason(&"é".repeat(100));
        assert!(r.len() <= 123 && r.is_char_boundary(r.len()));
    }
}
