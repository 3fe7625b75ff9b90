//! The simulation driver: runs a scenario in virtual time and records the trace.
//! (Placeholder entry point; the engine lands in its own commits.)

use crate::scenario::Scenario;
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
    /// The trace grew past its limit.
    TooManyEvents { limit: u64 },
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::TooManyEvents { limit } => write!(f, "the run produced more than {limit} trace events"),
        }
    }
}

impl std::error::Error for RunError {}

/// Run `scenario` to its end in virtual time.
pub fn run(_scenario: &Scenario, _opts: &RunOptions) -> Result<Trace, RunError> {
    Ok(Trace::default())
}
