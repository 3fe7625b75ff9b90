//! What the simulation (`crate::sim`) and live mode (`crate::live`) share around the device
//! (issue 8 item 3): the scenario's outage edges in time order, when a connection attempt
//! completes, the uplink's serialisation time, and the recording of the run. Events go out
//! (quinn's `poll`): the device hands out its lines with `Device::poll_event` and the harness
//! records them, with the flow-graph samples, into the trace.

use crate::device::Device;
use crate::link::{Edge, Outages};
use crate::record::Recorder;
use crate::scenario::{Scenario, MAX_END_MS};
use crate::time::{Duration, Instant};
use crate::trace::{Sample, Trace};

pub(crate) struct Harness {
    pub outages: Outages,
    edges: Vec<Edge>,
    next_edge: usize,
    /// L2: a connect takes this much up-time.
    connect: Duration,
    uplink_bps: u64,
    /// `end_ms`, within §13's limit.
    pub end: Instant,
    rec: Recorder,
}

impl Harness {
    pub fn new(sc: &Scenario, keep: bool) -> Self {
        let outages = Outages::new(&sc.network.outages);
        Harness {
            edges: outages.edges(),
            outages,
            next_edge: 0,
            connect: Duration::from_millis(sc.device.connect_ms),
            uplink_bps: sc.network.uplink_bps,
            end: Instant::from_millis(sc.end_ms.min(MAX_END_MS)),
            rec: Recorder::new(keep),
        }
    }

    /// When the next outage edge is due.
    pub fn next_edge_at(&self) -> Option<Instant> {
        self.edges.get(self.next_edge).map(|e| e.at)
    }

    /// The next outage edge due by `now`, in time order, each once.
    pub fn due_edge(&mut self, now: Instant) -> Option<Edge> {
        let e = self.edges.get(self.next_edge).copied().filter(|e| e.at <= now)?;
        self.next_edge += 1;
        Some(e)
    }

    /// A connection attempt made at `now` completes after `connect_ms` of WiFi up-time (L2).
    pub fn connect_done_at(&self, now: Instant) -> Instant {
        self.outages.connect_done_at(now, self.connect)
    }

    /// How long a segment of `len` bytes occupies the uplink (T2).
    pub fn serialisation(&self, len: u32) -> Duration {
        Duration::serialisation(len, self.uplink_bps)
    }

    /// Takes the device's new lines into the trace.
    pub fn record(&mut self, dev: &mut Device) {
        while let Some(e) = dev.poll_event() {
            self.rec.push(e);
        }
    }

    /// The trace reached its line limit (`record::MAX_ENTRIES`).
    pub fn overflow(&self) -> bool {
        self.rec.overflow
    }

    /// A point of the flow graph, taken at segment departures and ACKs.
    pub fn sample(&mut self, now: Instant, dev: &Device) {
        let b = dev.buffer();
        let window = b.capacity().min(dev.advertised_window()) as u64;
        self.rec.sample(Sample {
            t: now,
            written_total: b.written_total,
            sent_total: b.sent_total,
            acked_total: b.acked_total,
            window_limit: b.acked_total + window,
        });
    }

    /// The run's trace, ended at `end`.
    pub fn finish(mut self, dev: &mut Device, end: Instant) -> Trace {
        self.record(dev);
        let summary = dev.summary(end);
        self.rec.finish(summary)
    }
}
