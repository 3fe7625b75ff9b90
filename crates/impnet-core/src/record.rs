//! Building the trace while a run goes. The device counts ([`Stats`]) and hands out its lines
//! (`Device::poll_event`); the driver's [`Recorder`] keeps the lines and the flow-graph samples
//! with decimation. With `keep = false` (summary only) nothing but the counters is stored, so
//! memory stays flat however many calls a scenario makes.

use crate::budget::Stop;
use crate::time::Instant;
use crate::trace::{Entry, Sample, Summary, Trace};

pub use crate::limits::{MAX_ENTRIES, MAX_SAMPLES};

/// What the device counts whether or not lines are kept: the summary's numbers (§11).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub sent_msgs: u64,
    pub acked_msgs: u64,
    pub lost_msgs: u64,
    pub lost_bytes: u64,
    pub udp_sent: u64,
    pub udp_delivered: u64,
    pub udp_lost: u64,
    /// §11/§13 goodput: start of the first send-method call, last ACK, payload ACKed.
    pub first_send: Option<Instant>,
    pub last_ack: Option<Instant>,
    pub acked_payload: u64,
}

impl Stats {
    /// The summary line of a run that ended at `end`.
    pub fn summary(&self, end: Instant, stop: Option<Stop>, work: u64) -> Summary {
        let goodput_bps = match (self.first_send, self.last_ack) {
            (Some(a), Some(b)) if b > a => self.acked_payload as f64 / (b - a).as_secs_f64(),
            _ => 0.0,
        };
        Summary {
            sent_msgs: self.sent_msgs,
            acked_msgs: self.acked_msgs,
            lost_msgs: self.lost_msgs,
            lost_bytes: self.lost_bytes,
            goodput_bps,
            end,
            udp_sent: self.udp_sent,
            udp_delivered: self.udp_delivered,
            udp_lost: self.udp_lost,
            stop,
            work,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Recorder {
    pub keep: bool,
    pub entries: Vec<Entry>,
    pub samples: Vec<Sample>,
    /// Keep one sample in `stride`; doubles each time the cap is reached.
    stride: u64,
    seen: u64,
    /// A line was refused: the trace reached `MAX_ENTRIES`.
    pub overflow: bool,
}

impl Recorder {
    pub fn new(keep: bool) -> Self {
        Recorder { keep, entries: Vec::new(), samples: Vec::new(), stride: 1, seen: 0, overflow: false }
    }

    pub fn push(&mut self, e: Entry) {
        if self.entries.len() >= MAX_ENTRIES {
            self.overflow = true;
            return;
        }
        self.entries.push(e);
    }

    pub fn sample(&mut self, s: Sample) {
        if !self.keep {
            return;
        }
        self.seen += 1;
        if self.seen % self.stride != 0 {
            return;
        }
        if self.samples.len() >= MAX_SAMPLES {
            // Keep every other sample and halve the rate from now on.
            let mut i = 0;
            self.samples.retain(|_| {
                i += 1;
                i % 2 == 0
            });
            self.stride *= 2;
        }
        self.samples.push(s);
    }

    pub fn finish(self, summary: Summary) -> Trace {
        Trace { entries: self.entries, samples: self.samples, summary }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_decimated_below_the_cap_and_stay_in_order() {
        let mut r = Recorder::new(true);
        for i in 0..400_000u64 {
            r.sample(Sample { t: Instant::from_micros(i), ..Sample::default() });
        }
        assert!(r.samples.len() <= MAX_SAMPLES && r.samples.len() > MAX_SAMPLES / 4, "{}", r.samples.len());
        assert!(r.samples.windows(2).all(|w| w[0].t < w[1].t));
        // The whole run stays covered, not just its start.
        assert!(r.samples.last().unwrap().t > Instant::from_micros(390_000));
    }

    #[test]
    fn summary_only_keeps_nothing() {
        let mut r = Recorder::new(false);
        r.sample(Sample::default());
        assert!(r.samples.is_empty());
    }
}
