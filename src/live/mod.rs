//! Live mode in the browser: the current scenario runs in real time against `impnet serve`'s
//! `/ws`, and the result is a `Trace` like a simulated run's, to step through afterwards.
//!
//! - `driver`: `LiveDevice` on a `web_sys::WebSocket` (no UI).
//! - `panel`: `LivePanel` (server URL, time scale, run/stop, progress) and `LiveToggle` (a
//!   header button that shows the panel). Both hand the finished trace to an `on_trace`
//!   callback; `LiveHeader` (in the header's slot) turns it into
//!   `Action::LoadTrace(trace, TraceSource::Live { .. })`.

pub mod driver;
pub mod panel;

pub use driver::{default_ws_url, run_live, LiveRun, Progress};
pub use panel::{LiveHeader, LivePanel, LiveToggle};
