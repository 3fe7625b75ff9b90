//! The network between the device and the server (SPEC §6, §13 "Transmission"): the uplink
//! that carries one segment at a time at `uplink_bps`, the path delay (RTT/2 each way), seeded
//! random loss with retransmission after `rto·2^(k−1)`, and the scheduled outages (L2).
//!
//! Like str0m-netem, the link is its own sans-IO component: the simulation hands it segments
//! (`start`) and probes, advances it with `handle_timeout`, and drains what reaches the device
//! with `poll_arrival`. It touches the `Server` only to learn the window an ACK advertises.
//!
//! Retransmission lives here, not in the device: in live mode the real TCP stack under the
//! WebSocket does this, and the device model only sees bytes leave and ACKs come back.

use crate::buffer::Segment;
use crate::rng::{Source, Stream};
use crate::scenario::{Outage, OutageKind};
use crate::server::Server;
use crate::time::{Duration, Instant};
use std::collections::{BinaryHeap, VecDeque};

/// Half-open intervals `[start, end)` during which something is down, merged and sorted.
#[derive(Clone, Debug, Default)]
pub struct Intervals(Vec<(Instant, Instant)>);

impl Intervals {
    fn from_iter(mut v: Vec<(Instant, Instant)>) -> Self {
        v.retain(|(s, e)| e > s);
        v.sort();
        let mut out: Vec<(Instant, Instant)> = Vec::with_capacity(v.len());
        for (s, e) in v {
            match out.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => out.push((s, e)),
            }
        }
        Intervals(out)
    }

    /// Does any interval meet the closed range `[a, b]`?
    pub fn overlaps(&self, a: Instant, b: Instant) -> bool {
        let i = self.0.partition_point(|(_, e)| *e <= a);
        self.0.get(i).is_some_and(|(s, _)| *s <= b)
    }

    pub fn contains(&self, t: Instant) -> bool {
        let i = self.0.partition_point(|(_, e)| *e <= t);
        self.0.get(i).is_some_and(|(s, _)| *s <= t)
    }

    pub fn as_slice(&self) -> &[(Instant, Instant)] {
        &self.0
    }
}

/// The outage schedule (L2), by kind.
#[derive(Clone, Debug, Default)]
pub struct Outages {
    pub wifi: Intervals,
    pub upstream: Intervals,
    /// Either kind: both stop a connection attempt.
    any: Intervals,
}

/// A change of link state the device must be told about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub at: Instant,
    pub kind: OutageKind,
    pub up: bool,
}

impl Outages {
    pub fn new(list: &[Outage]) -> Self {
        let span = |o: &Outage| {
            let s = Instant::from_millis(o.at_ms);
            (s, s + Duration::from_millis(o.for_ms))
        };
        let of = |k| Intervals::from_iter(list.iter().filter(|o| o.kind == k).map(span).collect());
        Outages {
            wifi: of(OutageKind::Wifi),
            upstream: of(OutageKind::Upstream),
            any: Intervals::from_iter(list.iter().map(span).collect()),
        }
    }

    /// Every start and end, in time order (ends first at equal times).
    pub fn edges(&self) -> Vec<Edge> {
        let mut v = Vec::new();
        for (kind, iv) in [(OutageKind::Wifi, &self.wifi), (OutageKind::Upstream, &self.upstream)] {
            for &(s, e) in iv.as_slice() {
                v.push(Edge { at: s, kind, up: false });
                v.push(Edge { at: e, kind, up: true });
            }
        }
        v.sort_by_key(|e| (e.at, !e.up, e.kind == OutageKind::Upstream));
        v
    }

    /// §13 "Lifecycle": a connect completes after `connect` of uninterrupted up-time; one
    /// begun during an outage completes at outage end + `connect`.
    ///
    /// A `wifi` outage that starts exactly when the connect would complete interrupts it too:
    /// otherwise the device would come ONLINE at the very instant the WiFi drops — after that
    /// edge was handled — and stay online through the outage, which L2 ("wifi outages are seen
    /// by the device at once") forbids. An `upstream` outage starting then does not: the
    /// handshake is done and the device cannot see the path break (L2).
    pub fn connect_done_at(&self, start: Instant, connect: Duration) -> Instant {
        let mut c = start;
        loop {
            for &(s, e) in self.any.as_slice() {
                if e <= c {
                    continue;
                }
                if s < c + connect {
                    c = e;
                } else {
                    break;
                }
            }
            let done = c + connect;
            // Nothing overlaps [c, done), so a wifi outage covering `done` starts there.
            match self.wifi.as_slice().iter().find(|(s, e)| *s <= done && done < *e) {
                Some(&(_, e)) => c = e,
                None => return done,
            }
        }
    }
}

/// Link parameters, from `[network]`.
#[derive(Clone, Copy, Debug)]
pub struct LinkParams {
    pub rtt: Duration,
    pub uplink_bps: u64,
    pub loss: f64,
    pub rto: Duration,
}

/// What reaches the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// T3: the ACK of one segment, advertising the server's free receive space.
    Ack { seg: Segment, window: u32 },
    /// The answer to a zero-window probe or keepalive.
    Answer { window: u32 },
}

/// A segment the link is responsible for until its ACK is on the way back.
#[derive(Clone, Copy, Debug)]
struct Carried {
    seg: Segment,
    /// Consecutive losses so far (T4).
    losses: u32,
    /// The server already has the bytes; only the ACK was lost (no double delivery).
    delivered: bool,
}

/// A lost segment waiting for its retransmission timer; the heap's top is the earliest.
#[derive(Clone, Copy, Debug)]
struct RtoTimer {
    at: Instant,
    seq: u64,
    seg: Carried,
}

impl PartialEq for RtoTimer {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}

impl Eq for RtoTimer {}

impl PartialOrd for RtoTimer {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for RtoTimer {
    /// Reversed: `BinaryHeap` is a max-heap.
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (o.at, o.seq).cmp(&(self.at, self.seq))
    }
}

/// What happened when a segment's last byte left (for flow-graph samples and explanations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Delivered,
    /// Lost at random (T4) or in an upstream outage; resent after the given backoff.
    Lost { resend_after: Duration },
    /// Reached the server, ACK lost in an upstream outage.
    AckLost { resend_after: Duration },
}

#[derive(Clone, Debug)]
pub struct Link {
    p: LinkParams,
    pub outages: Outages,
    loss_rng: Stream,
    /// The segment being serialized and when its last byte leaves.
    on_wire: Option<(Instant, Carried, bool)>,
    /// Lost segments waiting for their retransmission timer, earliest first, ties in loss
    /// order. A heap: with a large window thousands wait at once (issue 13: a sorted insert
    /// made each loss cost a memmove of all of them).
    rto_timers: BinaryHeap<RtoTimer>,
    /// Losses so far (orders timers that fall due at the same instant).
    lost_seq: u64,
    /// Lost segments due for a resend; they go before new data (T4).
    resend: VecDeque<Carried>,
    /// Arrivals at the device, in time order (every path takes the same RTT).
    arrivals: VecDeque<(Instant, Arrival)>,
}

impl Link {
    pub fn new(p: LinkParams, outages: Outages, seed: u64) -> Self {
        Link {
            p,
            outages,
            loss_rng: Stream::new(seed, Source::UplinkLoss),
            on_wire: None,
            rto_timers: BinaryHeap::new(),
            lost_seq: 0,
            resend: VecDeque::new(),
            arrivals: VecDeque::new(),
        }
    }

    pub fn params(&self) -> LinkParams {
        self.p
    }

    /// The connection ended: everything in transit belongs to it and is gone.
    pub fn reset(&mut self) {
        self.on_wire = None;
        self.rto_timers.clear();
        self.resend.clear();
        self.arrivals.clear();
    }

    /// Can a segment start now? (One at a time on the uplink, T2.)
    pub fn is_idle(&self) -> bool {
        self.on_wire.is_none()
    }

    /// Serialization time of `len` bytes at `uplink_bps`, rounded up to the microsecond.
    fn wire_time(&self, len: u32) -> Duration {
        Duration::serialisation(len, self.p.uplink_bps)
    }

    /// Starts a resend if one is due (T4: resends go before new data). Returns true if it did.
    pub fn start_resend(&mut self, now: Instant) -> bool {
        if !self.is_idle() {
            return false;
        }
        let Some(c) = self.resend.pop_front() else { return false };
        self.on_wire = Some((now + self.wire_time(c.seg.len), c, true));
        true
    }

    /// Starts a new segment (the link must be idle).
    pub fn start(&mut self, now: Instant, seg: Segment) {
        debug_assert!(self.is_idle());
        let c = Carried { seg, losses: 0, delivered: false };
        self.on_wire = Some((now + self.wire_time(seg.len), c, false));
    }

    /// A zero-window probe or keepalive sent at `now`: its answer carries the window the
    /// server has half an RTT later, unless an upstream outage breaks the round trip. Neither
    /// is lost at random (§13).
    pub fn probe(&mut self, now: Instant, server: &mut Server) {
        let back = now + self.p.rtt;
        if self.outages.upstream.overlaps(now, back) {
            return;
        }
        let window = server.window_at(now + half(self.p.rtt));
        self.arrivals.push_back((back, Arrival::Answer { window }));
    }

    /// The next instant at which the link has something to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.on_wire.map(|w| w.0), self.rto_timers.peek().map(|t| t.at), self.arrivals.front().map(|a| a.0)]
            .into_iter()
            .flatten()
            .min()
    }

    /// Advances to `now`. Returns the departure that happened at `now`, if any, with its fate
    /// and whether it was a resend.
    pub fn handle_timeout(&mut self, now: Instant, server: &mut Server) -> Option<(Segment, Fate, bool)> {
        while self.rto_timers.peek().is_some_and(|t| t.at <= now) {
            let t = self.rto_timers.pop().expect("checked");
            self.resend.push_back(t.seg);
        }
        match self.on_wire {
            Some((t, c, resend)) if t <= now => {
                self.on_wire = None;
                Some((c.seg, self.depart(t, c, server), resend))
            }
            _ => None,
        }
    }

    /// §13: a segment's fate is drawn when its last byte leaves (t). An upstream outage over
    /// [t, t+RTT/2] loses it; one over [t+RTT/2, t+RTT] loses only its ACK.
    fn depart(&mut self, t: Instant, mut c: Carried, server: &mut Server) -> Fate {
        let at_server = t + half(self.p.rtt);
        let back = t + self.p.rtt;
        let random_loss = self.loss_rng.chance(self.p.loss);
        let fate = if random_loss || self.outages.upstream.overlaps(t, at_server) {
            c.losses += 1;
            Fate::Lost { resend_after: self.backoff(c.losses) }
        } else {
            let window = if c.delivered { server.window_at(at_server) } else { server.receive(at_server, c.seg.len) };
            c.delivered = true;
            if self.outages.upstream.overlaps(at_server, back) {
                c.losses += 1;
                Fate::AckLost { resend_after: self.backoff(c.losses) }
            } else {
                self.arrivals.push_back((back, Arrival::Ack { seg: c.seg, window }));
                Fate::Delivered
            }
        };
        if let Fate::Lost { resend_after } | Fate::AckLost { resend_after } = fate {
            self.lost_seq += 1;
            self.rto_timers.push(RtoTimer { at: t + resend_after, seq: self.lost_seq, seg: c });
        }
        fate
    }

    /// T4: the k-th consecutive loss waits rto·2^(k−1).
    fn backoff(&self, k: u32) -> Duration {
        self.p.rto.doubled(k.saturating_sub(1))
    }

    /// The next arrival at the device due by `now`.
    pub fn poll_arrival(&mut self, now: Instant) -> Option<Arrival> {
        if self.arrivals.front().is_some_and(|a| a.0 <= now) {
            self.arrivals.pop_front().map(|a| a.1)
        } else {
            None
        }
    }
}

fn half(d: Duration) -> Duration {
    Duration::from_micros(d.micros / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(loss: f64) -> LinkParams {
        LinkParams { rtt: Duration::from_millis(100), uplink_bps: 250_000, loss, rto: Duration::from_millis(200) }
    }

    fn run_one(link: &mut Link, server: &mut Server, seg: Segment) -> Vec<(Instant, Arrival)> {
        let mut now = Instant::ZERO;
        link.start(now, seg);
        let mut out = vec![];
        while let Some(t) = link.poll_timeout() {
            if t > Instant::from_millis(60_000) {
                break;
            }
            now = t;
            link.handle_timeout(now, server);
            link.start_resend(now);
            while let Some(a) = link.poll_arrival(now) {
                out.push((now, a));
            }
        }
        out
    }

    #[test]
    fn t2_t3_segment_takes_wire_time_then_one_rtt() {
        let mut link = Link::new(params(0.0), Outages::default(), 0);
        let mut server = Server::new(65535, None);
        let out = run_one(&mut link, &mut server, Segment { start: 0, len: 576 });
        // 576 B at 250 000 B/s = 2304 µs, then 100 ms.
        assert_eq!(out, vec![(Instant::from_micros(102_304), Arrival::Ack { seg: Segment { start: 0, len: 576 }, window: 65535 })]);
    }

    #[test]
    fn t4_lost_segment_resent_after_doubling_rto() {
        let mut link = Link::new(params(1.0), Outages::default(), 0);
        let mut server = Server::new(65535, None);
        link.start(Instant::ZERO, Segment { start: 0, len: 576 });
        let mut departures = vec![];
        let mut now;
        while let Some(t) = link.poll_timeout() {
            if departures.len() == 3 {
                break;
            }
            now = t;
            if let Some((_, fate, _)) = link.handle_timeout(now, &mut server) {
                departures.push((now, fate));
            }
            link.start_resend(now);
        }
        let d = |ms| Duration::from_millis(ms);
        assert_eq!(departures[0], (Instant::from_micros(2304), Fate::Lost { resend_after: d(200) }));
        assert_eq!(departures[1], (Instant::from_micros(2304 + 200_000 + 2304), Fate::Lost { resend_after: d(400) }));
        assert_eq!(departures[2].1, Fate::Lost { resend_after: d(800) });
    }

    #[test]
    fn l2_upstream_outage_in_second_half_loses_only_the_ack() {
        let outages = Outages::new(&[Outage { kind: OutageKind::Upstream, at_ms: 60, for_ms: 20 }]);
        let mut link = Link::new(params(0.0), outages, 0);
        let mut server = Server::new(65535, None);
        let out = run_one(&mut link, &mut server, Segment { start: 0, len: 576 });
        // Delivered once at ~52 ms; the ACK was lost; the resend is ACKed, not delivered twice.
        assert_eq!(server.delivered_total, 576);
        assert_eq!(out.len(), 1);
        assert!(out[0].0 > Instant::from_millis(300));
    }

    #[test]
    fn l2_connect_waits_for_uninterrupted_uptime() {
        let o = Outages::new(&[Outage { kind: OutageKind::Wifi, at_ms: 1000, for_ms: 5000 }]);
        let c = Duration::from_millis(1500);
        assert_eq!(o.connect_done_at(Instant::ZERO, c), Instant::from_millis(7500));
        assert_eq!(o.connect_done_at(Instant::from_millis(7000), c), Instant::from_millis(8500));
        let o2 = Outages::new(&[Outage { kind: OutageKind::Upstream, at_ms: 2000, for_ms: 100 }]);
        assert_eq!(o2.connect_done_at(Instant::ZERO, c), Instant::from_millis(1500));
        // A wifi outage starting at the completing instant interrupts the connect; an upstream
        // one does not.
        let o3 = Outages::new(&[Outage { kind: OutageKind::Wifi, at_ms: 1500, for_ms: 5000 }]);
        assert_eq!(o3.connect_done_at(Instant::ZERO, c), Instant::from_millis(8000));
        // One ending at the start instant does not.
        assert_eq!(o3.connect_done_at(Instant::from_millis(6500), c), Instant::from_millis(8000));
        let o4 = Outages::new(&[Outage { kind: OutageKind::Upstream, at_ms: 1500, for_ms: 5000 }]);
        assert_eq!(o4.connect_done_at(Instant::ZERO, c), Instant::from_millis(1500));
    }
}
