//! Every limit of the model in one table (issue 8 item 2): what a scenario may ask for (§13),
//! what a run may do, and what the live protocol accepts. Each is spelled once; the modules
//! that check them refer here.

/// Upper bound and default of `end_ms` (one virtual day).
pub const MAX_END_MS: u64 = 86_400_000;
/// §13: a scenario file (or an inflated link) is at most 1 MiB.
pub const MAX_FILE_BYTES: usize = 1 << 20;
/// §13: steps per list (main steps and each handler list).
pub const MAX_STEPS: usize = 10_000;
/// §13: `repeat` is 0–1 000 000.
pub const MAX_REPEAT: u32 = 1_000_000;
/// §13: the sum of `repeat` over every list.
pub const MAX_CALLS: u64 = 10_000_000;
/// §13: `bytes` of one call.
pub const MAX_BYTES: u64 = 1 << 20;
/// §13: scheduled outages.
pub const MAX_OUTAGES: usize = 1_000;
/// §13: waits and timeouts, seconds (one virtual day).
pub const MAX_WAIT_S: f64 = 86_400.0;
/// Strings are bounded so a scenario cannot smuggle megabytes into every trace line.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_NAME_BYTES: usize = 256;
pub const MAX_ARG_STR_BYTES: usize = 256;
/// `on_ret` entries per step: one per return value is plenty.
pub const MAX_ON_RET: usize = 16;
/// Rates above 10 GB/s only risk overflow in the model's arithmetic.
pub const MAX_RATE_BPS: u64 = 10_000_000_000;
/// imp005/imp006 allow 65 535; 1 MiB leaves room for what-ifs.
pub const MAX_BUFFER: u32 = 1 << 20;
/// The smallest `udp.mtu` (IPv4's minimum, RFC 791).
pub const MIN_MTU: u32 = 68;
/// The largest window a TCP peer can advertise (scaled); the scenario's `rwnd` and the live
/// server's `rwnd` knob share it, so what `impnet run` accepts, live mode accepts (issue 8).
/// The server keeps counters, not buffers, so a large window costs it no memory.
pub const MAX_RWND: u32 = 1 << 30;

/// §13: at most this many `on_ret` retries a run (then the run stops with a note).
pub const MAX_RETRIES: u64 = 100_000;
/// §14 "Time": callbacks run in zero virtual time, so a callback that re-arms
/// `imp.wakeup(0, f)` forever would hold time still; past this many callback tasks at one
/// instant the run stops with a note.
pub const MAX_CALLBACKS_PER_INSTANT: u64 = 100_000;
/// U4: the largest datagram impOS sends.
pub const MAX_DATAGRAM: u64 = 65_507;
/// Trace lines kept at most before a run fails with `RunError::TooManyEvents` (memory).
pub const MAX_ENTRIES: usize = 2_000_000;
/// Flow-graph samples kept at most (about; decimation halves them at the cap).
pub const MAX_SAMPLES: usize = 50_000;
/// The run's work budget (issue 13): `crate::budget::Budget::DEFAULT`.
pub const WORK_BUDGET: u64 = 200_000_000;

/// Work allowed to check a run's expectations (one unit per trace line per expectation still
/// open, plus one per character a `log`/`error` pattern reads): 1 000 expectations over a
/// 2 000 000-line trace would otherwise take minutes. [choice]: the docs have no checker.
pub const MAX_CHECK_WORK: u64 = 100_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{LiveDevice, LiveOptions};
    use crate::scenario::parse_toml;

    #[test]
    fn issue8_a_scenario_run_accepts_is_accepted_live_the_rwnd_limit_is_one_number() {
        let sc = parse_toml(&format!("[server]\nrwnd = {MAX_RWND}\n")).expect("the largest window loads");
        let live = LiveDevice::new(&sc, LiveOptions::default());
        assert_eq!(live.knobs().rwnd, Some(MAX_RWND));
        assert!(live.knobs().validate().is_ok(), "the live protocol takes the knobs of any loadable scenario");
        let over = crate::wire::Knobs { rwnd: Some(MAX_RWND + 1), ..Default::default() };
        assert!(over.validate().is_err());
        assert!(parse_toml(&format!("[server]\nrwnd = {}\n", MAX_RWND + 1)).is_err());
    }
}
