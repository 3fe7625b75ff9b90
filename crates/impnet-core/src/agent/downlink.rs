//! Agent → device messages on their way down (SPEC §15): `device.send(name, v)` reaches the
//! device `rtt_ms/2` + serialisation at `downlink_bps` after it is sent, one message on the
//! downlink at a time (later ones queue behind it). A message is lost when the device is not
//! connected (in the server's view) when it is sent, or when the connection drops before it
//! arrives. Ids count from 0 in `device.send` order, their own counter (the UI writes `d0`).
//!
//! Sans-IO: the driver calls [`Downlink::send`] and [`Downlink::handle_drop`], asks
//! [`Downlink::poll_timeout`], and takes arrivals and losses from [`Downlink::poll`].

use super::payload::Payload;
use crate::time::{Duration, Instant};
use std::collections::VecDeque;

/// What happened to a downlink message.
#[derive(Clone, Debug, PartialEq)]
pub enum DownlinkEvent {
    /// It reached the device at `at`: run `agent.on(name, fn)` with the payload
    /// (`device_received`).
    Received { at: Instant, id: u64, name: String, payload: Payload },
    /// Not connected when sent, or the connection dropped first (`downlink_lost`).
    Lost { at: Instant, id: u64 },
}

#[derive(Debug)]
struct InFlight {
    id: u64,
    name: String,
    payload: Payload,
    arrives: Instant,
}

#[derive(Debug)]
pub struct Downlink {
    half_rtt: Duration,
    /// Bytes per second; 0 never serialises anything (everything queued is lost at a drop).
    bps: u64,
    /// When the downlink finishes serialising what is queued.
    free_at: Instant,
    next_id: u64,
    /// In send order, which is also arrival order (one FIFO link, fixed delay).
    in_flight: VecDeque<InFlight>,
    lost: VecDeque<DownlinkEvent>,
}

impl Downlink {
    pub fn new(rtt: Duration, downlink_bps: u64) -> Self {
        Downlink {
            half_rtt: Duration::from_micros(rtt.micros / 2),
            bps: downlink_bps,
            free_at: Instant::ZERO,
            next_id: 0,
            in_flight: VecDeque::new(),
            lost: VecDeque::new(),
        }
    }

    /// `device.send` at `now` of a message of `wire` bytes; returns its id.
    pub fn send(&mut self, now: Instant, connected: bool, wire: u32, name: String, payload: Payload) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        if !connected {
            self.lost.push_back(DownlinkEvent::Lost { at: now, id });
            return id;
        }
        let start = self.free_at.max(now);
        // Exact integer µs (native = wasm); a zero rate never finishes.
        let us = match self.bps {
            0 => u64::MAX / 2,
            bps => u64::try_from((u128::from(wire) * 1_000_000).div_ceil(u128::from(bps))).unwrap_or(u64::MAX / 2),
        };
        let done = Instant::from_micros(start.micros.saturating_add(us));
        self.free_at = done;
        self.in_flight.push_back(InFlight { id, name, payload, arrives: done + self.half_rtt });
        id
    }

    /// The connection dropped at `now` (the device's view, as for uplink bytes, L4): every
    /// message not yet arrived is lost.
    pub fn handle_drop(&mut self, now: Instant) {
        for m in self.in_flight.drain(..) {
            self.lost.push_back(DownlinkEvent::Lost { at: now, id: m.id });
        }
        self.free_at = now;
    }

    /// The next arrival, if any (losses are ready at once through [`Downlink::poll`]).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.in_flight.front().map(|m| m.arrives)
    }

    /// Losses first (they happened at the call that caused them), then arrivals due by `now`.
    pub fn poll(&mut self, now: Instant) -> Option<DownlinkEvent> {
        if let Some(e) = self.poll_lost() {
            return Some(e);
        }
        let m = self.in_flight.front().filter(|m| m.arrives <= now)?;
        let at = m.arrives;
        let m = self.in_flight.pop_front()?;
        Some(DownlinkEvent::Received { at, id: m.id, name: m.name, payload: m.payload })
    }

    /// The next loss, if any: known at once, at the send or the drop that caused it.
    pub fn poll_lost(&mut self) -> Option<DownlinkEvent> {
        self.lost.pop_front()
    }

    /// Anything still on its way (keeps a run pending, §13).
    pub fn is_idle(&self) -> bool {
        self.in_flight.is_empty() && self.lost.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(d: &mut Downlink, now: Instant) -> Vec<DownlinkEvent> {
        std::iter::from_fn(|| d.poll(now)).collect()
    }

    #[test]
    fn s15_downlink_arrives_half_an_rtt_plus_serialisation_later() {
        // 100 ms RTT, 1000 B/s: a 250-byte message takes 250 ms on the wire + 50 ms path.
        let mut d = Downlink::new(Duration::from_millis(100), 1000);
        let id = d.send(Instant::from_millis(1000), true, 250, "ack".into(), Payload::Int(1));
        assert_eq!(id, 0);
        assert_eq!(d.poll_timeout(), Some(Instant::from_millis(1300)));
        assert_eq!(d.poll(Instant::from_millis(1299)), None);
        let got = drain(&mut d, Instant::from_millis(1300));
        assert_eq!(got, vec![DownlinkEvent::Received { at: Instant::from_millis(1300), id: 0, name: "ack".into(), payload: Payload::Int(1) }]);
        assert!(d.is_idle());
    }

    #[test]
    fn s15_downlink_messages_queue_behind_each_other_and_arrive_in_send_order() {
        let mut d = Downlink::new(Duration::from_millis(100), 1000);
        d.send(Instant::ZERO, true, 100, "a".into(), Payload::Null);
        d.send(Instant::ZERO, true, 100, "b".into(), Payload::Null);
        let times: Vec<_> = drain(&mut d, Instant::from_millis(10_000))
            .into_iter()
            .map(|e| match e {
                DownlinkEvent::Received { at, name, .. } => (name, at.micros / 1000),
                e => panic!("{e:?}"),
            })
            .collect();
        assert_eq!(times, [("a".to_string(), 150), ("b".to_string(), 250)]);
    }

    #[test]
    fn s15_downlink_lost_when_not_connected_at_send_or_dropped_before_arrival() {
        let mut d = Downlink::new(Duration::from_millis(100), 250_000);
        d.send(Instant::ZERO, false, 30, "early".into(), Payload::Null);
        d.send(Instant::from_millis(10), true, 30, "late".into(), Payload::Null);
        d.send(Instant::from_millis(10), true, 30, "later".into(), Payload::Null);
        assert_eq!(d.poll(Instant::from_millis(10)), Some(DownlinkEvent::Lost { at: Instant::ZERO, id: 0 }));
        d.handle_drop(Instant::from_millis(20));
        let got = drain(&mut d, Instant::from_millis(1000));
        assert_eq!(
            got,
            [DownlinkEvent::Lost { at: Instant::from_millis(20), id: 1 }, DownlinkEvent::Lost { at: Instant::from_millis(20), id: 2 }]
        );
        // The id counter carries on after losses; a new send arrives normally.
        assert_eq!(d.send(Instant::from_millis(30), true, 250, "x".into(), Payload::Null), 3);
        assert_eq!(d.poll_timeout(), Some(Instant::from_millis(81)));
    }
}
