//! Device code: the user's Squirrel program run against the model (SPEC §14).
//!
//! - `source`: where the code comes from (`code`, `#require`/`@include` from library
//!   folders), the 1 MiB limit, compile checks at load.
//! - `wire_size`: what a Squirrel value weighs on the wire (`agent.send`, `server.log`).
//! - `natives`: the imp API tables; model calls become the step list's `Call` values.
//! - `shared`: argument readers and the clock the agent's natives use too.
//! - `program`: device code in its VM: the main task over its files, callbacks, restarts, `nv`.

pub mod bind;
pub mod natives;
pub mod program;
pub(crate) mod shared;
pub mod source;
pub mod wire_size;

pub use source::{resolve, Code, CodeError, CodeFile, MAIN_FILE, MAX_CODE_BYTES};

/// A scenario's device code resolved against its `libs`; `None` for a step-list scenario.
pub fn of_scenario(sc: &crate::Scenario) -> Option<Result<Code, CodeError>> {
    let main = sc.code.as_deref()?;
    Some(resolve(MAIN_FILE, main, &mut |name| sc.libs.get(name).cloned()))
}
