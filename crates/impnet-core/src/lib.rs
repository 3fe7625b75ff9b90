//! impnet-core: a deterministic, sans-IO model of the Electric Imp device send path.
//!
//! The rules are in `SPEC.md` (IDs such as B3, S5, U7 appear in the code where they apply).
//! Nothing here touches a socket or a clock: drivers at the edges (the simulation in `sim`, the
//! browser's WebSocket, native sockets) feed it time and network events.
//!
//! Layout, one module per concept:
//! - `time`: virtual `Instant`/`Duration` in µs.
//! - `scenario`: the scenario format and its validation.
//! - `trace`: what a run produces (lines, state snapshots, summary).

pub mod codec;
pub mod presets;
pub mod scenario;
pub mod sim;
pub mod time;
pub mod trace;
pub mod wire;

pub use scenario::{Scenario, ScenarioError};
pub use time::{Duration, Instant};
pub use sim::{run, RunError, RunOptions};
pub use trace::Trace;
