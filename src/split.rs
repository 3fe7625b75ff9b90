//! The bundle in two halves (issue 10 item 6, docs/playground.md "The first load in two
//! halves"): `scripts/split.sh` moves every function the first paint did not run into a second
//! wasm and leaves a stub in its place. The stubs and the page meet here.
//!
//! `start` hands the page this instance's exports once, first thing: the page's loader
//! (`window.impnetSplitLoad` in index.html) keeps them, starts fetching the second half and,
//! when it arrives, instantiates it against them (memory, table, globals, functions by name).
//! The primary holds what a first visit to the bare address runs, so that visit starts at once;
//! any other way in (a link, a preset, an embed, a stored scenario) runs code the primary lacks,
//! so `start` waits for the second half first (`impnetSplitWait`): one download, no blocking.
//! The page's script tells the ways apart, before any Rust code that would differ runs.
//! A stub reached before the second half arrived (a click in the first instants of a bare
//! visit) calls the load import with a null argument (`impnet-split` finds it by its name,
//! `__wbg_impnetSplitLoad…`), and the loader fetches the second half synchronously before the
//! call goes on. In an unsplit build the page names no second half and the loader does nothing.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// Defined by index.html's inline script. `exports`: this instance's exports, or null
    /// when a stub needs the second half now.
    #[wasm_bindgen(js_name = impnetSplitLoad)]
    fn impnet_split_load(exports: &JsValue);

    /// Defined by index.html's inline script. Resolves at once when the page opened on its bare
    /// address (no query, no fragment, no scenario stored under `url::STORAGE_KEY`) or names
    /// no second half; else once the second half is in (or could not be fetched: a stub that
    /// needs it then fetches it again and says why it cannot). Never rejects.
    #[wasm_bindgen(js_name = impnetSplitWait)]
    fn impnet_split_wait() -> js_sys::Promise;
}

/// Registers this instance with the page's loader and resolves when the app may start (see
/// the module's docs). Call once, before anything else runs.
pub async fn start() {
    impnet_split_load(&wasm_bindgen::exports());
    // The page's script decides whether to wait, not Rust: the same code runs either way, so
    // the profile of a bare visit has run all of it and none of it is a stub.
    let _ = JsFuture::from(impnet_split_wait()).await;
}
