//! The bundle in two halves (issue 10 item 6, docs/playground.md "The first load in two
//! halves"): `scripts/split.sh` moves every function the first paint did not run into a second
//! wasm and leaves a stub in its place. The stubs and the page meet here.
//!
//! `start` hands the page this instance's exports once, first thing: the page's loader
//! (`window.impnetSplitLoad` in index.html) keeps them, starts fetching the second half and,
//! when it arrives, instantiates it against them (memory, table, globals, functions by name).
//! A stub reached before that calls the same import with a null argument (`impnet-split`
//! finds it by its name, `__wbg_impnetSplitLoad…`), and the loader fetches the second half
//! synchronously before the call goes on. In an unsplit build the page names no second half
//! and the loader does nothing.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Defined by index.html's inline script. `exports`: this instance's exports, or null
    /// when a stub needs the second half now.
    #[wasm_bindgen(js_name = impnetSplitLoad)]
    fn impnet_split_load(exports: &JsValue);
}

/// Registers this instance with the page's loader. Call once, before anything else runs.
pub fn start() {
    impnet_split_load(&wasm_bindgen::exports());
}
