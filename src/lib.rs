//! The impnet playground: a Yew app over `impnet-core`'s trace.
//!
//! - `logic`: pure functions (stepping, zoom, bucketing, formatting, CSV), tested natively.
//! - `state`: the app state and its reducer; `toml_text`: the scenario as TOML, written when read.
//! - `url`: share links, embed flag, localStorage.
//! - `components`: one small function component per view; `app` wires them.
//! - `live`: live mode (a run against `impnet serve` over a WebSocket) and its panel.
//! - `split`: the bundle's two halves meet the page's loader (index.html).

pub mod logic;
pub mod state;
pub mod toml_text;
pub mod url;
pub mod fetch;
pub mod presets;
pub mod rules;
pub mod export;
pub mod keys;
pub mod components;
pub mod app;
pub mod live;
pub mod split;
pub use app::{App, Playground};
