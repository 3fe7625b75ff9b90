//! The simulation driver: composes Device + Link + Server in virtual time and records the
//! trace (SPEC §11, §13).
//!
//! Each turn takes the earliest of a small fixed set of deadlines (outage edges, the pending
//! connection, the link's next departure/arrival/retransmission, the device's timers), moves
//! time there, feeds the components in a fixed order, then drains the device's commands and
//! transmissions. Time only moves forward; a run ends when nothing is pending (§13) or at
//! `end_ms`.

mod agent_side;
mod reception;

use crate::budget::{Budget, Work};
use agent_side::AgentSide;
use crate::device::{Device, NetCommand};
use crate::harness::Harness;
use crate::link::{Arrival, Link, LinkParams};
use crate::program::Program;
use crate::scenario::{OutageKind, Scenario};
use crate::server::Server;
use crate::time::{Duration, Instant};
use crate::trace::Trace;

/// How to run a scenario.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Overrides the scenario's `seed`.
    pub seed: Option<u64>,
    /// Keep only the summary (no entries, no samples): memory stays flat in the number of calls.
    pub summary_only: bool,
}

/// Why a run could not complete (distinct from an invalid scenario, refused at load).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
    /// The trace grew past its line limit (memory), or time stood still (parameters built in
    /// code that the loader refuses). The work budget is not an error: see `Trace::summary.stop`.
    TooManyEvents { limit: u64 },
    /// The scenario's device code could not be prepared (it was checked at load, so this only
    /// happens to a scenario built in code and not validated).
    DeviceCode(String),
    /// Likewise for its agent code (§15).
    AgentCode(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::TooManyEvents { limit } => {
                write!(f, "the run went past {limit} trace lines, or {limit} turns without virtual time moving on")
            }
            RunError::DeviceCode(e) => write!(f, "device code: {e}"),
            RunError::AgentCode(e) => write!(f, "agent code: {e}"),
        }
    }
}

impl std::error::Error for RunError {}

/// Turns a run may take without time moving on.
pub const MAX_TURNS_PER_INSTANT: u64 = 100_000;

/// Run `scenario` to its end in virtual time, within the default work budget (a run that
/// spends it stops early with a note: `Trace::summary.stop`).
pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<Trace, RunError> {
    run_with_budget(scenario, opts, Budget::default())
}

/// As [`run`], with a work budget of your own.
pub fn run_with_budget(scenario: &Scenario, opts: &RunOptions, budget: Budget) -> Result<Trace, RunError> {
    let seed = opts.seed.unwrap_or(scenario.seed);
    // §14: device code runs through the same device as a step list, behind the program seam.
    if let Some(code) = crate::code::of_scenario(scenario) {
        let code = code.map_err(|e| RunError::DeviceCode(e.to_string()))?;
        let program = crate::code::bind::DeviceCode::new(code, seed, scenario.start_epoch).map_err(|e| RunError::DeviceCode(e.to_string()))?;
        let program = if scenario.agent_code.is_some() { program } else { program.without_agent() };
        let dev = Device::with_program(scenario, program, seed, !opts.summary_only);
        return run_device(scenario, opts, budget, dev);
    }
    let dev = Device::new(scenario, seed, !opts.summary_only);
    run_device(scenario, opts, budget, dev)
}

/// Runs `program` on the device the scenario describes (its parameters, outages, seed and
/// `end_ms`; its step lists are not run), within the default work budget.
pub fn run_program(scenario: &Scenario, opts: &RunOptions, program: Box<dyn Program>) -> Result<Trace, RunError> {
    let seed = opts.seed.unwrap_or(scenario.seed);
    let dev = Device::boxed(scenario, program, seed, !opts.summary_only);
    run_device(scenario, opts, Budget::default(), dev)
}

fn run_device(scenario: &Scenario, opts: &RunOptions, budget: Budget, dev: Device) -> Result<Trace, RunError> {
    let seed = opts.seed.unwrap_or(scenario.seed);
    let h = Harness::new(scenario, !opts.summary_only);
    let end = h.end;
    let params = LinkParams {
        rtt: Duration::from_millis(scenario.network.rtt_ms),
        uplink_bps: scenario.network.uplink_bps,
        loss: scenario.network.loss,
        rto: Duration::from_millis(scenario.network.rto_ms()),
    };
    let consume = scenario.network.consume_bps.unwrap_or(scenario.agent.consume_bps).bps();
    let rwnd = scenario.network.rwnd.unwrap_or(scenario.server.rwnd);
    // §15: agent code runs beside the device, from t = 0.
    let agent = AgentSide::of_scenario(scenario, seed).transpose().map_err(RunError::AgentCode)?;

    let mut sim = Sim {
        dev,
        link: Link::new(params, h.outages.clone(), seed),
        server: Server::new(rwnd, consume),
        connect_at: None,
        h,
        agent,
    };
    sim.dev.set_budget(budget);
    if let Some(a) = &mut sim.agent {
        a.start(&mut sim.dev);
    }
    let mut now = Instant::ZERO;
    let mut same_instant = 0u64;
    loop {
        sim.settle(now);
        let agent_next = sim.agent.as_ref().and_then(AgentSide::poll_timeout);
        let next = [sim.dev.poll_timeout(), sim.link.poll_timeout(), sim.connect_at, sim.h.next_edge_at(), agent_next]
            .into_iter()
            .flatten()
            .min();
        if next != Some(now) {
            // The instant is over: UDP delivery lines follow all of its calls (§13).
            sim.dev.end_instant(now);
        }
        sim.h.record(&mut sim.dev);
        if sim.h.overflow() {
            return Err(RunError::TooManyEvents { limit: crate::record::MAX_ENTRIES as u64 });
        }
        if sim.dev.stopped() || !(sim.dev.pending() || sim.agent.as_ref().is_some_and(AgentSide::pending)) {
            break;
        }
        match next {
            Some(t) if t <= end => {
                same_instant = if t > now { 0 } else { same_instant + 1 };
                now = t.max(now);
            }
            _ => {
                now = end;
                break;
            }
        }
        if same_instant > MAX_TURNS_PER_INSTANT {
            // Parameters such as a zero keepalive interval can make time stand still.
            return Err(RunError::TooManyEvents { limit: MAX_TURNS_PER_INSTANT });
        }
        if !sim.dev.charge(now, Work::Turn, 1) {
            break;
        }
        while let Some(e) = sim.h.due_edge(now) {
            match e.kind {
                OutageKind::Wifi => sim.dev.handle_wifi(now, e.up),
                OutageKind::Upstream => sim.dev.handle_upstream(now, e.up),
            }
            sim.commands(now);
        }
        if sim.connect_at.is_some_and(|t| t <= now) {
            sim.connect_at = None;
            sim.link.reset();
            sim.server.reset(now);
            if let Some(a) = &mut sim.agent {
                a.opened(now);
            }
            sim.dev.handle_connected(now);
            sim.commands(now);
        }
        if let Some((seg, fate, _)) = sim.link.handle_timeout(now, &mut sim.server) {
            sim.sample(now);
            if let Some(a) = &mut sim.agent {
                a.departed(now, seg, fate);
            }
        }
        while let Some(a) = sim.link.poll_arrival(now) {
            match a {
                Arrival::Ack { seg, window } => {
                    sim.dev.handle_ack(now, seg, window);
                    sim.sample(now);
                }
                Arrival::Answer { window } => sim.dev.handle_answer(now, window),
            }
            sim.commands(now);
        }
        if let Some(a) = &mut sim.agent {
            a.handle_timeout(now, &mut sim.dev);
        }
        sim.dev.handle_timeout(now);
    }
    Ok(sim.h.finish(&mut sim.dev, now))
}

struct Sim {
    dev: Device,
    link: Link,
    server: Server,
    /// When the connection attempt in progress succeeds.
    connect_at: Option<Instant>,
    /// Outage edges, connect times, the recording.
    h: Harness,
    /// Agent code and its end of the messages (§15), when the scenario has it.
    agent: Option<AgentSide>,
}

impl Sim {
    /// Carries out what the device asked of the network.
    fn commands(&mut self, now: Instant) {
        while let Some(c) = self.dev.poll_command() {
            match c {
                NetCommand::Connect => self.connect_at = Some(self.h.connect_done_at(now)),
                NetCommand::Abort => {
                    self.connect_at = None;
                    self.link.reset();
                    self.server.reset(now);
                    if let Some(a) = &mut self.agent {
                        // An outage leaves the server unaware; any other close reaches it.
                        let silent = self.link.outages.wifi.contains(now) || self.link.outages.upstream.contains(now);
                        a.closed(now, silent, &mut self.dev);
                    }
                }
                NetCommand::WindowProbe | NetCommand::Keepalive => self.link.probe(now, &mut self.server),
            }
        }
    }

    /// After a turn: carry out commands, then fill the uplink (resends first, T4).
    fn settle(&mut self, now: Instant) {
        self.commands(now);
        match &mut self.agent {
            Some(a) => a.settle(&mut self.dev),
            // Device code without agent code: its messages reach no one.
            None => while self.dev.poll_agent_message().is_some() {},
        }
        if !self.link.is_idle() {
            return;
        }
        if self.link.start_resend(now) {
            self.dev.charge(now, Work::Segment, 1);
        } else if let Some(seg) = self.dev.poll_transmit(now) {
            self.link.start(now, seg);
        }
    }

    fn sample(&mut self, now: Instant) {
        self.h.sample(now, &self.dev);
    }
}
