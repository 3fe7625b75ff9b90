//! One small function component per view. They read the shared state through `use_app()` and
//! change it only by dispatching `Action`s.

pub mod about;
pub mod code_editor;
pub mod code_panel;
pub mod controls;
pub mod detail;
pub mod expect;
pub mod flow;
pub mod gallery;
pub mod header;
pub mod log_console;
pub mod params;
pub mod scenario_panel;
pub mod share;
pub mod steps;
pub mod timeline;
pub mod toml_editor;

use crate::state::State;
use yew::prelude::*;

/// The reducer handle every component shares (yew's `contexts` example).
pub type AppCtx = UseReducerHandle<State>;

#[hook]
pub fn use_app() -> AppCtx {
    use_context::<AppCtx>().expect("components are rendered inside Playground's ContextProvider")
}
