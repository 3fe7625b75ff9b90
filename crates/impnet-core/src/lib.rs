//! impnet-core: a deterministic, sans-IO model of the Electric Imp device send path.
//!
//! The rules are in `SPEC.md` (IDs such as B3, S5, U7 appear in the code where they apply).
//! Nothing here touches a socket or a clock: drivers at the edges (the simulation in `sim`, the
//! browser's WebSocket, native sockets) feed it time and network events.
//!
//! Layout, one module per concept:
//! - `time`: virtual `Instant`/`Duration` in µs.
//! - `rng`: seeded random streams, one per random source.
//! - `scenario`: the scenario format and its validation.
//! - `code`: device code in Squirrel (§14): its sources, values on the wire.
//! - `policy`: send timeout policy, send error and reason codes.
//! - `agent`: agent code (§15): its own VM, API and event loop; values crossing to the device.
//! - `budget`: the run's work budget (every unit of model work draws from it).
//! - `buffer`: the TCP send buffer with per-message accounting (T1).
//! - `device`: impOS's connection and send path, and Squirrel's event loop.
//! - `program`: the seam between the device and the program it runs (calls, sites, yields).
//! - `steps`: the step-list runner, one program behind that seam.
//! - `limits`: every limit of the model, in one table.
//! - `link`: the uplink, path delay, loss, retransmission and outages.
//! - `server`: the server's receive window and the agent draining it.
//! - `udp`: local-network UDP.
//! - `sim`: composes device, link and server in virtual time.
//! - `trace`: what a run produces (lines, state snapshots, summary).
//! - `wire`: the live protocol between a device driver and `impnet serve` (frames, limits).
//! - `live`: the device model on a real connection (sans-IO; drivers bring socket and clock).
//! - `expect`: expectations over a trace's JSON lines (`[[expect]]`, `impnet check`).
//! - `explain`: the text of every rule and every modelling choice.

pub mod agent;
pub mod budget;
pub mod buffer;
pub mod code;
pub mod codec;
pub mod device;
pub mod expect;
pub mod explain;
mod harness;
pub mod limits;
pub mod link;
pub mod live;
pub mod policy;
pub mod presets;
pub mod program;
pub(crate) mod record;
pub mod rng;
pub mod rules;
pub mod scenario;
pub mod server;
pub mod sim;
pub mod steps;
pub mod time;
pub mod trace;
pub mod udp;
pub mod wire;

pub use scenario::{Scenario, ScenarioError};
pub use time::{Duration, Instant};
pub use sim::{run, RunError, RunOptions};
pub use trace::Trace;
