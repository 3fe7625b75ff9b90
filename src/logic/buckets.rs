//! Timeline geometry. A run can hold 100 000 entries; the SVG must not. Everything here turns
//! the trace into per-pixel-column buckets for the current view, so the DOM size depends on
//! the plot width, never on the trace length.

use super::format::RetClass;
use super::view::View;
use impnet_core::scenario::{OutageKind, Scenario};
use impnet_core::time::{Duration, Instant};
use impnet_core::program::CallKind;
use impnet_core::rules::Rule;
use impnet_core::trace::*;

/// A span of one state, `[start, end)` in µs. `kind` is lane-specific (see `Lane*` consts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seg {
    pub start: u64,
    pub end: u64,
    pub kind: u8,
}

/// Squirrel lane kinds, in increasing visual priority.
pub mod sq {
    pub const NOT_STARTED: u8 = 0;
    pub const FINISHED: u8 = 1;
    pub const IDLE: u8 = 2;
    pub const RUNNING: u8 = 3;
    pub const BLOCKED: u8 = 4;
    pub const SUSPENDED: u8 = 5;
    pub const DEEP_SLEEP: u8 = 6;
    pub const NAMES: [&str; 7] = ["not started", "finished", "idle", "running", "blocked", "suspended", "deep sleep"];
}

/// Connection lane kinds, in increasing visual priority.
pub mod cn {
    pub const ONLINE: u8 = 0;
    pub const BOOTING: u8 = 1;
    pub const CONNECTING: u8 = 2;
    pub const RECOVERING: u8 = 3;
    pub const OFFLINE: u8 = 4;
    pub const SUSPENDED: u8 = 5;
    pub const DEEP_SLEEP: u8 = 6;
    pub const NAMES: [&str; 7] = ["ONLINE", "BOOTING", "CONNECTING", "RECOVERING", "OFFLINE", "SUSPENDED", "DEEP_SLEEP"];
}

/// Outage lane kinds.
pub mod out {
    pub const WIFI: u8 = 0;
    pub const UPSTREAM: u8 = 1;
    pub const NAMES: [&str; 2] = ["wifi outage", "upstream outage (silent)"];
}

fn sq_kind(s: SquirrelState) -> u8 {
    match s {
        SquirrelState::NotStarted => sq::NOT_STARTED,
        SquirrelState::Finished => sq::FINISHED,
        SquirrelState::Idle => sq::IDLE,
        SquirrelState::Running => sq::RUNNING,
        SquirrelState::Blocked => sq::BLOCKED,
        SquirrelState::Suspended => sq::SUSPENDED,
        SquirrelState::DeepSleep => sq::DEEP_SLEEP,
    }
}

fn cn_kind(c: ConnState) -> u8 {
    match c {
        ConnState::Online => cn::ONLINE,
        ConnState::Booting => cn::BOOTING,
        ConnState::Connecting => cn::CONNECTING,
        ConnState::Recovering => cn::RECOVERING,
        ConnState::Offline => cn::OFFLINE,
        ConnState::Suspended => cn::SUSPENDED,
        ConnState::DeepSleep => cn::DEEP_SLEEP,
    }
}

/// A call on the timeline: when it returned, which entry, how it came out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CallMark {
    pub t: u64,
    pub index: usize,
    pub class: RetClass,
}

/// Everything the timeline draws, computed once per trace (not per frame or per step).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimelineModel {
    pub total_us: u64,
    /// Entry times, for the value series below (one value per entry).
    pub times: Vec<u64>,
    pub squirrel: Vec<Seg>,
    /// Time inside blocking calls (`[return − blocked, return)`), drawn over the Squirrel lane.
    pub blocked: Vec<Seg>,
    pub conn: Vec<Seg>,
    pub outages: Vec<Seg>,
    /// Buffer bytes held (unsent + unACKed), capacity, in flight, advertised window.
    pub used: Vec<f64>,
    pub capacity: Vec<f64>,
    pub in_flight: Vec<f64>,
    pub rwnd: Vec<f64>,
    pub calls: Vec<CallMark>,
    /// The flow graph's series (from `trace.samples`), one value per sample.
    pub sample_times: Vec<u64>,
    pub written: Vec<f64>,
    pub sent: Vec<f64>,
    pub acked: Vec<f64>,
    pub window_limit: Vec<f64>,
}

/// Runs of consecutive entries with the same state become one segment; a state holds from its
/// entry until the next entry.
fn segments(times: &[u64], kinds: impl Iterator<Item = Option<u8>>, end: u64) -> Vec<Seg> {
    let mut segs: Vec<Seg> = Vec::new();
    for (i, k) in kinds.enumerate() {
        let Some(kind) = k else { continue };
        let start = times[i];
        let stop = times.get(i + 1).copied().unwrap_or(end).max(start);
        match segs.last_mut() {
            Some(last) if last.kind == kind && last.end >= start => last.end = stop,
            _ => segs.push(Seg { start, end: stop, kind }),
        }
    }
    segs.retain(|s| s.end > s.start);
    segs
}

impl TimelineModel {
    pub fn build(trace: &Trace, scenario: &Scenario) -> TimelineModel {
        let es = &trace.entries;
        let outages: Vec<Seg> = {
            let mut v: Vec<Seg> = scenario
                .network
                .outages
                .iter()
                .map(|o| Seg {
                    start: o.at_ms.saturating_mul(1000),
                    end: o.at_ms.saturating_add(o.for_ms).saturating_mul(1000),
                    kind: match o.kind {
                        OutageKind::Wifi => out::WIFI,
                        OutageKind::Upstream => out::UPSTREAM,
                    },
                })
                .collect();
            v.sort_by_key(|s| s.start);
            v
        };
        let last_t = es.last().map(|e| e.t.micros).unwrap_or(0);
        // A margin after the last line, so the state the run ends in stays visible.
        let end = trace.summary.end.micros.max(last_t);
        let total_us = end + (end / 25).max(20_000);
        let times: Vec<u64> = es.iter().map(|e| e.t.micros).collect();
        let mut squirrel = segments(&times, es.iter().map(|e| e.state.squirrel.map(sq_kind)), total_us);
        let mut conn = segments(&times, es.iter().map(|e| e.state.conn.map(cn_kind)), total_us);
        // L1: before the first line the device is booting and Squirrel has not started.
        if let Some(&t0) = times.first().filter(|&&t| t > 0) {
            conn.insert(0, Seg { start: 0, end: t0, kind: cn::BOOTING });
            squirrel.insert(0, Seg { start: 0, end: t0, kind: sq::NOT_STARTED });
        }
        let mut blocked = Vec::new();
        let mut calls = Vec::new();
        for (index, e) in es.iter().enumerate() {
            if let Line::Call(c) = &e.line {
                calls.push(CallMark { t: e.t.micros, index, class: RetClass::of(c) });
                if c.blocked > Duration::ZERO {
                    let start = e.t.micros.saturating_sub(c.blocked.micros);
                    blocked.push(Seg { start, end: e.t.micros, kind: sq::BLOCKED });
                }
            }
        }
        let val = |f: fn(&Snapshot) -> u32| es.iter().map(|e| f(&e.state) as f64).collect::<Vec<_>>();
        let sv = |f: fn(&Sample) -> u64| trace.samples.iter().map(|s| f(s) as f64).collect::<Vec<_>>();
        TimelineModel {
            sample_times: trace.samples.iter().map(|s| s.t.micros).collect(),
            written: sv(|s| s.written_total),
            sent: sv(|s| s.sent_total),
            acked: sv(|s| s.acked_total),
            window_limit: sv(|s| s.window_limit),
            total_us,
            used: val(|s| s.unsent.saturating_add(s.in_flight)),
            capacity: val(|s| s.capacity),
            in_flight: val(|s| s.in_flight),
            rwnd: val(|s| s.rwnd),
            times,
            squirrel,
            blocked,
            conn,
            outages,
            calls,
        }
    }
}

/// A run of pixel columns `[x0, x1)` showing one state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub x0: usize,
    pub x1: usize,
    pub kind: u8,
}

fn col_range(view: &View, width: usize, start: u64, end: u64) -> Option<(usize, usize)> {
    let w = width as f64;
    let x0 = view.x(start as f64, w);
    let x1 = view.x(end as f64, w);
    if x1 < 0.0 || x0 >= w || width == 0 {
        return None;
    }
    let c0 = x0.max(0.0).floor() as usize;
    let c1 = (x1.min(w).ceil() as usize).clamp(c0 + 1, width);
    Some((c0, c1))
}

/// Segments as runs of columns. Where several states share a column the one with the highest
/// `kind` wins, so a 5 ms block in an hour-long view still shows as one pixel.
pub fn bucket_segments(segs: &[Seg], view: &View, width: usize) -> Vec<Run> {
    let mut cols: Vec<Option<u8>> = vec![None; width];
    let first = segs.partition_point(|s| (s.end as f64) <= view.start);
    for s in &segs[first..] {
        if s.start as f64 >= view.end {
            break;
        }
        if let Some((c0, c1)) = col_range(view, width, s.start, s.end) {
            for c in &mut cols[c0..c1] {
                if c.is_none_or(|k| k < s.kind) {
                    *c = Some(s.kind);
                }
            }
        }
    }
    let mut runs: Vec<Run> = Vec::new();
    for (x, c) in cols.into_iter().enumerate() {
        let Some(kind) = c else { continue };
        match runs.last_mut() {
            Some(r) if r.kind == kind && r.x1 == x => r.x1 = x + 1,
            _ => runs.push(Run { x0: x, x1: x + 1, kind }),
        }
    }
    runs
}

/// A step function (value holds from its time to the next) as min/max per pixel column;
/// `None` before the first point.
pub fn bucket_series(times: &[u64], values: &[f64], view: &View, width: usize) -> Vec<Option<(f64, f64)>> {
    let mut out = Vec::with_capacity(width);
    let mut i = times.partition_point(|&t| (t as f64) < view.start);
    let mut carry = i.checked_sub(1).map(|j| values[j]);
    let w = width as f64;
    for c in 0..width {
        let col_end = view.t_at((c + 1) as f64, w);
        let mut lo_hi = carry.map(|v| (v, v));
        while i < times.len() && (times[i] as f64) < col_end {
            let v = values[i];
            lo_hi = Some(match lo_hi {
                Some((lo, hi)) => (lo.min(v), hi.max(v)),
                None => (v, v),
            });
            carry = Some(v);
            i += 1;
        }
        out.push(lo_hi);
    }
    out
}

/// Calls sharing a pixel column: how many, the loudest outcome, and the first one's entry
/// (where a click on the marker goes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CallBucket {
    pub x: usize,
    pub count: usize,
    pub class: RetClass,
    pub index: usize,
}

pub fn bucket_calls(calls: &[CallMark], view: &View, width: usize) -> Vec<CallBucket> {
    let mut out: Vec<CallBucket> = Vec::new();
    let first = calls.partition_point(|m| (m.t as f64) < view.start);
    let w = width as f64;
    for m in &calls[first..] {
        if m.t as f64 > view.end {
            break;
        }
        let x = (view.x(m.t as f64, w).floor() as usize).min(width.saturating_sub(1));
        match out.last_mut() {
            Some(b) if b.x == x => {
                b.count += 1;
                if m.class > b.class {
                    b.class = m.class;
                    b.index = m.index;
                }
            }
            _ => out.push(CallBucket { x, count: 1, class: m.class, index: m.index }),
        }
    }
    out
}

/// Value of a monotone sample field at time `t` (the last sample at or before it).
fn sample_at(samples: &[Sample], t: f64, f: fn(&Sample) -> u64) -> f64 {
    let i = samples.partition_point(|s| (s.t.micros as f64) <= t);
    i.checked_sub(1).map(|j| f(&samples[j]) as f64).unwrap_or(0.0)
}

/// How many goodput slices to draw: at most `max`, each at least two round trips long, since
/// ACKs arrive in bursts and a slice shorter than an RTT shows the burst, not the rate.
pub fn goodput_slices(view: &View, rtt_ms: u64, max: usize) -> usize {
    let min_slice = (2 * rtt_ms.max(1)) as f64 * 1000.0;
    ((view.span() / min_slice).floor() as usize).clamp(1, max)
}

/// ACKed bytes per second in `n` equal slices of the view (the flow view's goodput curve).
pub fn goodput(samples: &[Sample], view: &View, n: usize) -> Vec<f64> {
    let n = n.max(1);
    let dt = view.span() / n as f64;
    (0..n)
        .map(|k| {
            let a = view.start + dt * k as f64;
            let b = a + dt;
            let bytes = sample_at(samples, b, |s| s.acked_total) - sample_at(samples, a, |s| s.acked_total);
            bytes / (dt / 1e6)
        })
        .collect()
}

/// T2's ceiling at each entry: min(uplink, capacity/RTT, rwnd/RTT) in bytes per second.
pub fn ceiling_bps(model: &TimelineModel, scenario: &Scenario) -> Vec<f64> {
    let rtt_s = (scenario.network.rtt_ms.max(1)) as f64 / 1000.0;
    let uplink = scenario.network.uplink_bps as f64;
    model
        .capacity
        .iter()
        .zip(&model.rwnd)
        .map(|(&cap, &rwnd)| {
            let rwnd = if rwnd > 0.0 { rwnd } else { f64::INFINITY };
            uplink.min(cap / rtt_s).min(rwnd / rtt_s)
        })
        .collect()
}

/// A long synthetic run (sends, ACKs and the odd WOULDBLOCK, 10 ms apart) for the benchmark
/// and the bucketing tests: its shape matters, not the model's numbers.
pub fn synthetic_trace(n: usize) -> Trace {
    let mut entries = Vec::with_capacity(n);
    let mut samples = Vec::with_capacity(n);
    let (mut written, mut acked) = (0u64, 0u64);
    for i in 0..n {
        let t = Instant::from_micros(1_500_000 + i as u64 * 10_000);
        let is_call = i % 2 == 0;
        let would_block = i % 50 == 0;
        if is_call && !would_block {
            written += 1041;
        } else if !is_call {
            acked = written;
        }
        let state = Snapshot {
            conn: Some(ConnState::Online),
            squirrel: Some(if i % 10 == 0 { SquirrelState::Blocked } else { SquirrelState::Running }),
            capacity: 3456,
            unsent: 0,
            in_flight: (written - acked) as u32,
            written_total: written,
            sent_total: written,
            acked_total: acked,
            rwnd: 65535,
            udp_tokens: 100,
        };
        let line = if is_call {
            Line::Call(CallLine {
                call: CallKind::AgentSend,
                step: 1,
                iter: (i / 2) as u32,
                code: None,
                handler: None,
                outcome: Outcome::Returned(Ret::Int(if would_block { 4 } else { 0 })),
                blocked: Duration::from_micros(if i % 10 == 0 { 5_000 } else { 0 }),
                msg: (!would_block).then_some(i as u64 / 2),
                rule: if would_block { Rule::S2 } else { Rule::S1 },
                why: "synthetic".into(),
            })
        } else {
            Line::Event(EventLine {
                event: EventKind::Acked,
                reason: None,
                handler: None,
                msg: Some(i as u64 / 2),
                bytes: None,
                packets: None,
                detail: None,
                rule: Rule::T3,
                why: String::new(),
            })
        };
        entries.push(Entry { t, line, state });
        samples.push(Sample { t, written_total: written, sent_total: written, acked_total: acked, window_limit: acked + 3456 });
    }
    let end = entries.last().map(|e| e.t).unwrap_or_default();
    Trace { entries, samples, summary: Summary { end, ..Summary::default() } }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::fixtures::*;

    #[test]
    fn squirrel_and_connection_lanes_follow_the_snapshots() {
        let t = small_trace();
        let m = TimelineModel::build(&t, &Scenario::default());
        assert_eq!(m.conn[0], Seg { start: 0, end: 1_500_000, kind: cn::BOOTING }, "L1");
        assert_eq!(m.conn[1], Seg { start: 1_500_000, end: 3_000_000, kind: cn::ONLINE });
        assert_eq!(m.conn[2], Seg { start: 3_000_000, end: m.total_us, kind: cn::OFFLINE });
        assert_eq!(m.total_us, 5_200_000, "4% margin after the end");
        assert_eq!(m.squirrel.last().unwrap().kind, sq::IDLE);
        assert_eq!(m.blocked, vec![Seg { start: 1_900_000, end: 2_200_000, kind: sq::BLOCKED }], "S3 block of 300 ms");
        assert_eq!(m.calls.len(), 4);
        assert_eq!(m.used[3], 3456.0, "unsent + in flight (T1)");
    }

    #[test]
    fn l2_outages_come_from_the_scenario() {
        let mut s = Scenario::default();
        s.network.outages.push(impnet_core::scenario::Outage { kind: OutageKind::Upstream, at_ms: 2000, for_ms: 500 });
        let m = TimelineModel::build(&small_trace(), &s);
        assert_eq!(m.outages, vec![Seg { start: 2_000_000, end: 2_500_000, kind: out::UPSTREAM }]);
    }

    #[test]
    fn a_100k_event_run_yields_at_most_one_node_per_column() {
        let t = long_trace(100_000);
        let m = TimelineModel::build(&t, &Scenario::default());
        let v = View::fit(m.total_us);
        let width = 800;
        let runs = bucket_segments(&m.squirrel, &v, width);
        assert!(runs.len() <= width, "{} runs", runs.len());
        let calls = bucket_calls(&m.calls, &v, width);
        assert!(calls.len() <= width);
        assert_eq!(calls.iter().map(|b| b.count).sum::<usize>(), 50_000, "every call lands in some column");
        assert_eq!(bucket_series(&m.times, &m.used, &v, width).len(), width);
    }

    #[test]
    fn s3_a_short_block_stays_visible_when_zoomed_out() {
        // 5 ms blocked spans in a 1000 s view: narrower than a pixel, still drawn.
        let t = long_trace(100_000);
        let m = TimelineModel::build(&t, &Scenario::default());
        let runs = bucket_segments(&m.blocked, &View::fit(m.total_us), 400);
        assert!(!runs.is_empty());
        assert!(runs.iter().all(|r| r.kind == sq::BLOCKED));
    }

    #[test]
    fn s2_the_loudest_outcome_wins_a_shared_column() {
        let t = long_trace(1000);
        let m = TimelineModel::build(&t, &Scenario::default());
        let buckets = bucket_calls(&m.calls, &View::fit(m.total_us), 10);
        assert!(buckets.iter().all(|b| b.class == RetClass::WouldBlock), "every 50th send returns 4");
        let zoomed = View::fit(m.total_us).zoom(0.001, 0.5);
        let few = bucket_calls(&m.calls, &zoomed, 1000);
        assert!(few.iter().all(|b| b.count == 1), "zoomed in: one call per marker");
    }

    #[test]
    fn series_buckets_hold_min_and_max_and_carry_values_across_empty_columns() {
        let times = [0, 100, 200];
        let values = [1.0, 5.0, 3.0];
        let v = View { start: 0.0, end: 1000.0, total: 1000.0 };
        let b = bucket_series(&times, &values, &v, 4); // columns of 250 µs
        assert_eq!(b[0], Some((1.0, 5.0)));
        assert_eq!(b[1], Some((3.0, 3.0)), "value carried from the last point");
        assert_eq!(b[3], Some((3.0, 3.0)));
        let late = View { start: 500.0, end: 1000.0, total: 1000.0 };
        assert_eq!(bucket_series(&[600], &[2.0], &late, 5)[0], None, "nothing before the first point");
    }

    #[test]
    fn t2_goodput_and_its_ceiling() {
        let t = long_trace(10_000);
        let m = TimelineModel::build(&t, &Scenario::default());
        let g = goodput(&t.samples, &View::fit(m.total_us), 10);
        // 1041 bytes ACKed every 20 ms, minus every 25th send: about 50 kB/s.
        let mid = g[5];
        assert!((45_000.0..55_000.0).contains(&mid), "{mid}");
        assert_eq!(goodput_slices(&View::fit(10_000_000), 100, 50), 50);
        assert_eq!(goodput_slices(&View::fit(1_000_000), 100, 50), 5, "slices of two RTTs");
        let c = ceiling_bps(&m, &Scenario::default());
        // 3456 B / 100 ms = 34 560 B/s, below the 250 000 B/s uplink and 65535 B window.
        assert!((c[0] - 34_560.0).abs() < 1e-6);
    }
}
