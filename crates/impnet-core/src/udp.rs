//! Local-network UDP (SPEC §9, §13 "UDP"): one socket, the validation impOS does before a send
//! (U1–U4), the device-wide token bucket (U5), and fragmentation under loss (U7).

use crate::rules::Rule;
use crate::budget::{Budget, Exhausted, Work};
use crate::program::CallKind;
use crate::rng::{Source, Stream};
use crate::scenario::{Arg, UdpParams};
use crate::time::Instant;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

pub use crate::limits::MAX_DATAGRAM;

/// The one socket a script can hold (§13: the latest `interface.openudp`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Socket {
    /// Never opened in this Squirrel run (or reset by a restart).
    None,
    /// Open; `bound` once the first valid send picked a local port (U4).
    Open { bound: bool },
    Closed,
}

/// U5: `burst` tokens, refilled continuously at `refill_per_s`, one per datagram.
/// Kept in millionths of a token so the arithmetic is exact on every platform.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    cap: u64,
    rate: u64,
    level: u64,
    at: Instant,
}

const MICRO: u64 = 1_000_000;

impl TokenBucket {
    pub fn new(burst: u32, refill_per_s: f64) -> Self {
        let rate = if refill_per_s.is_finite() && refill_per_s > 0.0 { (refill_per_s * MICRO as f64).round() as u64 } else { 0 };
        let cap = burst as u64 * MICRO;
        TokenBucket { cap, rate, level: cap, at: Instant::ZERO }
    }

    fn refill(&mut self, now: Instant) {
        if now > self.at {
            let add = ((now - self.at).micros as u128 * self.rate as u128 / MICRO as u128) as u64;
            self.level = (self.level.saturating_add(add)).min(self.cap);
            self.at = now;
        }
    }

    /// Takes one token if there is one.
    pub fn take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.level >= MICRO {
            self.level -= MICRO;
            true
        } else {
            false
        }
    }

    /// Whole tokens left at `now` (for snapshots); does not change the bucket.
    pub fn tokens_at(&self, now: Instant) -> u32 {
        let mut b = self.clone();
        b.refill(now);
        (b.level / MICRO) as u32
    }
}

/// Why a UDP call throws (U1–U4, §13 "Errors"): the call's line carries the text, the rule
/// decides it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UdpError {
    /// U3: the call needs a socket and `interface.openudp` never made one (or a restart reset it).
    NoSocket { call: CallKind },
    /// U3: sending on a closed socket.
    Closed,
    /// `interface.openudp` during a `wifi` outage (§13).
    WifiDown,
    /// `interface.openudp` with a local port outside 1024–65535 (§13).
    LocalPort { given: String },
    /// U1: not a private dotted quad.
    Address { given: String, why: &'static str },
    /// U2: not 0–65535, or 67/68.
    Port { given: String },
    /// U4: over 65 507 bytes.
    TooBig { bytes: u64 },
}

impl UdpError {
    /// The rule that raised it.
    pub fn rule(&self) -> Rule {
        match self {
            UdpError::NoSocket { .. } | UdpError::Closed | UdpError::WifiDown | UdpError::LocalPort { .. } => Rule::U3,
            UdpError::Address { .. } => Rule::U1,
            UdpError::Port { .. } => Rule::U2,
            UdpError::TooBig { .. } => Rule::U4,
        }
    }
}

impl fmt::Display for UdpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UdpError::NoSocket { call } => write!(f, "{}: no socket (call interface.openudp first)", call.as_str()),
            UdpError::Closed => f.write_str("udpsocket.send: the socket is closed (U3)"),
            UdpError::WifiDown => f.write_str("interface.openudp: the WiFi interface is down"),
            UdpError::LocalPort { given } => write!(f, "interface.openudp: local port must be an integer 1024–65535, got {given}"),
            UdpError::Address { given, why } => write!(f, "udpsocket.send: address {given} {why} (U1)"),
            UdpError::Port { given } => write!(f, "udpsocket.send: port {given} must be an integer 0–65535, not 67 or 68 (U2)"),
            UdpError::TooBig { bytes } => write!(f, "udpsocket.send: {bytes} bytes is over the {MAX_DATAGRAM}-byte limit (U4)"),
        }
    }
}

impl std::error::Error for UdpError {}

/// What a valid `udpsocket.send` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UdpOutcome {
    /// Sent as `packets` packets; `delivered` is the drawn fate (U7).
    Sent { packets: u32, delivered: bool },
    /// U6: the interface is down.
    NotConnected,
    /// U5: no token.
    WouldBlock,
    /// The run's work budget cannot pay for the packets' loss draws: the run stops here.
    OutOfBudget(Exhausted),
}

/// A datagram the model sent and delivered, for live mode's real socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    /// Its §13 message id.
    pub msg: u64,
    pub address: [u8; 4],
    pub port: u16,
    /// Its bytes (a step list's datagrams are zeros of its size).
    pub data: Arc<[u8]>,
}

/// Datagrams waiting for a real socket; at most this many (a driver that stops reading loses
/// the oldest, never memory).
const MAX_OUTBOX: usize = 1024;

#[derive(Clone, Debug)]
pub struct Udp {
    pub socket: Socket,
    pub bucket: TokenBucket,
    mtu: u32,
    loss: f64,
    rng: Stream,
    /// Live mode's datagrams (`None`: nobody takes them, so none are kept).
    outbox: Option<VecDeque<Datagram>>,
}

impl Udp {
    pub fn new(p: &UdpParams, loss: f64, seed: u64) -> Self {
        Udp {
            socket: Socket::None,
            bucket: TokenBucket::new(p.burst, p.refill_per_s),
            mtu: p.mtu.max(1),
            loss,
            rng: Stream::new(seed, Source::UdpLoss),
            outbox: None,
        }
    }

    /// Keeps sent datagrams for [`Udp::poll_datagram`] from now on.
    pub fn capture(&mut self) {
        self.outbox.get_or_insert_with(VecDeque::new);
    }

    /// Keeps a sent, delivered datagram if datagrams are captured. Its address and port passed
    /// U1/U2 already.
    pub fn emit(&mut self, msg: u64, address: &Arg, port: &Arg, bytes: u64, data: Option<Arc<[u8]>>) {
        let Some(out) = self.outbox.as_mut() else { return };
        let (Ok(address), Ok(port)) = (check_address(address), check_port(port)) else { return };
        if out.len() >= MAX_OUTBOX {
            out.pop_front();
        }
        out.push_back(Datagram { msg, address, port, data: data.unwrap_or_else(|| Arc::from(vec![0u8; bytes.min(MAX_DATAGRAM) as usize])) });
    }

    pub fn poll_datagram(&mut self) -> Option<Datagram> {
        self.outbox.as_mut()?.pop_front()
    }

    /// `interface.openudp(port?)`: replaces any previous socket (§13).
    pub fn open(&mut self, wifi_up: bool, port: Option<&Arg>) -> Result<(), UdpError> {
        if !wifi_up {
            return Err(UdpError::WifiDown);
        }
        if let Some(p) = port {
            match p {
                Arg::Int(n) if (1024..=65535).contains(n) => {}
                other => return Err(UdpError::LocalPort { given: show(other) }),
            }
        }
        self.socket = Socket::Open { bound: port.is_some() };
        Ok(())
    }

    /// `udpsocket.close()`: twice is harmless (U3); with no socket at all it throws (§13).
    pub fn close(&mut self) -> Result<(), UdpError> {
        match self.socket {
            Socket::None => Err(UdpError::NoSocket { call: CallKind::UdpClose }),
            _ => {
                self.socket = Socket::Closed;
                Ok(())
            }
        }
    }

    /// `udpsocket.send`: `Err` is a throw or runtime error (U1–U4) with the rule that raised
    /// it; nothing is sent then.
    pub fn send(
        &mut self,
        now: Instant,
        wifi_up: bool,
        address: &Arg,
        port: &Arg,
        bytes: u64,
        budget: &mut Budget,
    ) -> Result<UdpOutcome, UdpError> {
        match self.socket {
            Socket::None => return Err(UdpError::NoSocket { call: CallKind::UdpSend }),
            Socket::Closed => return Err(UdpError::Closed),
            Socket::Open { .. } => {}
        }
        check_address(address)?;
        check_port(port)?;
        if bytes > MAX_DATAGRAM {
            return Err(UdpError::TooBig { bytes });
        }
        if !wifi_up {
            return Ok(UdpOutcome::NotConnected);
        }
        if !self.bucket.take(now) {
            return Ok(UdpOutcome::WouldBlock);
        }
        let packets = packets(bytes, self.mtu);
        if let Err(e) = budget.charge(Work::Packet, packets as u64) {
            return Ok(UdpOutcome::OutOfBudget(e));
        }
        self.socket = Socket::Open { bound: true };
        // Draw every packet so the stream's position depends only on packets sent. Without
        // loss no draw can change anything (the stream is UDP's alone and `loss` is fixed for
        // the run), so none is made; the budget above charges the packets either way.
        let mut delivered = true;
        if self.loss > 0.0 {
            for _ in 0..packets {
                delivered &= !self.rng.chance(self.loss);
            }
        }
        Ok(UdpOutcome::Sent { packets, delivered })
    }
}

/// U7: a datagram travels as max(1, ⌈len / mtu⌉) packets.
pub fn packets(len: u64, mtu: u32) -> u32 {
    len.div_ceil(mtu.max(1) as u64).max(1) as u32
}

fn show(a: &Arg) -> String {
    match a {
        Arg::Int(i) => i.to_string(),
        Arg::Float(x) => x.to_string(),
        Arg::Bool(b) => b.to_string(),
        Arg::Str(s) => format!("{s:?}"),
    }
}

/// U1: dotted-quad IPv4, decimal octets without leading zeros, inside a private range.
pub fn check_address(a: &Arg) -> Result<[u8; 4], UdpError> {
    let bad = |why: &'static str| Err(UdpError::Address { given: show(a), why });
    let Arg::Str(s) = a else { return bad("is not a string") };
    let mut octets = [0u8; 4];
    let mut n = 0;
    for part in s.split('.') {
        if n == 4 {
            return bad("is not a dotted quad");
        }
        let ok_digits = !part.is_empty() && part.len() <= 3 && part.bytes().all(|b| b.is_ascii_digit());
        if !ok_digits || (part.len() > 1 && part.starts_with('0')) {
            return bad("is not a dotted quad of decimal octets");
        }
        let v: u32 = part.parse().unwrap_or(256);
        if v > 255 {
            return bad("has an octet over 255");
        }
        octets[n] = v as u8;
        n += 1;
    }
    if n != 4 {
        return bad("is not a dotted quad");
    }
    let private = octets[0] == 10
        || (octets[0] == 172 && (16..=31).contains(&octets[1]))
        || (octets[0] == 192 && octets[1] == 168);
    if !private {
        return bad("is not in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16");
    }
    Ok(octets)
}

/// U2: an integer 0–65535 except 67 (DHCP) and 68 (BOOTP).
pub fn check_port(p: &Arg) -> Result<u16, UdpError> {
    match p {
        Arg::Int(n) if (0..=65535).contains(n) && *n != 67 && *n != 68 => Ok(*n as u16),
        other => Err(UdpError::Port { given: show(other) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Arg {
        Arg::Str(x.into())
    }

    #[test]
    fn u1_private_dotted_quads_only() {
        assert!(check_address(&s("192.168.1.20")).is_ok());
        assert!(check_address(&s("10.0.0.1")).is_ok());
        assert!(check_address(&s("172.31.255.255")).is_ok());
        for bad in ["8.8.8.8", "172.32.0.1", "192.168.1", "192.168.1.2.3", "192.168.01.2", "192.168.1.256", "", "a.b.c.d"] {
            assert!(check_address(&s(bad)).is_err(), "{bad}");
        }
        assert!(check_address(&Arg::Int(1)).is_err());
    }

    #[test]
    fn u2_port_range_excludes_dhcp() {
        assert!(check_port(&Arg::Int(0)).is_ok());
        assert!(check_port(&Arg::Int(65535)).is_ok());
        for bad in [-1, 67, 68, 65536] {
            assert!(check_port(&Arg::Int(bad)).is_err());
        }
        assert!(check_port(&s("80")).is_err());
    }

    #[test]
    fn u5_bucket_burst_then_refill() {
        let mut b = TokenBucket::new(100, 25.0);
        let t0 = Instant::ZERO;
        assert_eq!((0..150).filter(|_| b.take(t0)).count(), 100);
        assert!(!b.take(Instant::from_millis(39)));
        assert!(b.take(Instant::from_millis(40)));
    }

    #[test]
    fn u7_fragments() {
        assert_eq!(packets(0, 1460), 1);
        assert_eq!(packets(1460, 1460), 1);
        assert_eq!(packets(1461, 1460), 2);
        assert_eq!(packets(65507, 1460), 45);
    }
}
