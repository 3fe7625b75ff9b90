//! Splits the playground's wasm in two by what its first paint runs.
//!
//! The playground's first load is the wasm the page fetches before it can show anything
//! (issue #10 asks it to be small). Much of that wasm is code the first paint never runs:
//! share links, the TOML tab, live mode, error paths, the rarer built-ins. This crate moves
//! such functions into a second module, fetched right after the first one starts:
//!
//! 1. [`instrument`] adds a one-byte mark at the start of every function; the build opens the
//!    page with it in headless Chromium and reads which functions ran (the profile);
//! 2. [`split()`] keeps what ran in the **primary** and moves the rest into the **secondary**.
//!    A moved function leaves a stub behind: if the secondary is not in yet, the stub asks the
//!    page's loader for it (the `impnetSplitLoad` import, with a null argument), then calls the
//!    real function through a table slot the secondary fills when it is instantiated.
//!
//! 3. with the linker's map, statics that only moved code can reach move too ([`data`]);
//! 4. [`minify_imports`] shortens the primary's import names in it and in the JS glue.
//!
//! The primary exports what the secondary needs under `split:` names (its memory, tables,
//! globals and the functions moved code calls); the secondary imports them by the same names
//! from module `p`. Both outputs are validated before they are returned.

pub mod data;
mod emit;
mod imports;
mod instrument;
mod module;
mod plan;
mod primary;
mod secondary;
mod split;

pub use imports::{minify_imports, Minified};
pub use instrument::{instrument, Instrumented, MARKS_EXPORT, MARK_COUNT_EXPORT};
pub use split::{split, Split, LOAD_IMPORT_PREFIX, READY_EXPORT};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a wasm module the splitter can read: {0}")]
    Parse(#[from] wasmparser::BinaryReaderError),
    #[error("the module has {0}, which the splitter does not handle")]
    Unsupported(String),
    #[error("the module is malformed: {0}")]
    Malformed(String),
    #[error("{0}")]
    Input(String),
    #[error("the split produced an invalid {which} module (a splitter bug): {source}")]
    Invalid { which: &'static str, source: wasmparser::BinaryReaderError },
}

/// Validates a module this crate wrote, naming which one failed.
fn validated(which: &'static str, bytes: Vec<u8>) -> Result<Vec<u8>, Error> {
    wasmparser::Validator::new().validate_all(&bytes).map_err(|source| Error::Invalid { which, source })?;
    Ok(bytes)
}

pub(crate) fn reencode_error(e: wasm_encoder::reencode::Error) -> Error {
    match e {
        wasm_encoder::reencode::Error::ParseError(p) => Error::Parse(p),
        other => Error::Unsupported(other.to_string()),
    }
}
