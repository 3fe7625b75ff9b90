//! Preset files on demand (issue 10 item 6). The bundle is built without impnet-core's
//! `preset-texts` feature, so of the presets' TOML and Squirrel files only the first preset's
//! are in the wasm; the others are fetched from `presets/` beside the page (trunk copies the
//! folder into dist/) the first time they are opened, and kept for the session. Tests build
//! with every text compiled in, so there nothing is fetched.
//!
//! [`find`] and [`find_pair`] give a preset with its texts once they are here; [`load`] fetches
//! what they lack.

use impnet_core::presets::{self, Pair, Preset};
use crate::fetch::get;
use std::cell::RefCell;

thread_local! {
    /// Fetched files by name. Each is leaked once into a `&'static str`, like the compiled-in
    /// texts they stand for: at most the files in `presets/` (tens of KB), never twice. A list,
    /// not a map: a few tens of entries, and no hash map code in the bundle for it.
    static FETCHED: RefCell<Vec<(String, &'static str)>> = const { RefCell::new(Vec::new()) };
}

/// The compiled-in text, else the fetched one, else `None`.
fn text(inline: &'static str, file: &str) -> Option<&'static str> {
    if !inline.is_empty() {
        return Some(inline);
    }
    FETCHED.with(|f| f.borrow().iter().find(|(name, _)| name == file).map(|&(_, text)| text))
}

/// The files preset (or pair) `id` is made of, with their compiled-in texts (maybe empty).
fn files(id: &str) -> Vec<(String, &'static str)> {
    if let Some(p) = presets::find(id) {
        vec![(format!("{id}.toml"), p.toml), (format!("{id}.nut"), p.twin)]
    } else if let Some(p) = presets::find_pair(id) {
        vec![(format!("{id}.toml"), p.toml), (format!("{id}.device.nut"), p.device), (format!("{}.agent.nut", p.agent_id), p.agent)]
    } else {
        Vec::new()
    }
}

/// The texts of `id`'s files in `files` order, if all are here.
fn texts(id: &str) -> Option<Vec<&'static str>> {
    files(id).iter().map(|(file, inline)| text(inline, file)).collect()
}

/// The preset `id` with its texts, if they are here (compiled in or fetched).
pub fn find(id: &str) -> Option<Preset> {
    let p = *presets::find(id)?;
    let t = texts(id)?;
    Some(Preset { toml: t[0], twin: t[1], ..p })
}

/// The device + agent pair `id` with its texts, if they are here.
pub fn find_pair(id: &str) -> Option<Pair> {
    let p = *presets::find_pair(id)?;
    let t = texts(id)?;
    Some(Pair { toml: t[0], device: t[1], agent: t[2], ..p })
}

/// Is `id` a preset or pair whose texts are not here yet?
pub fn missing(id: &str) -> bool {
    texts(id).is_none()
}

/// Fetches the files preset (or pair) `id` lacks; the error names the file, for the notice.
pub async fn load(id: &str) -> Result<(), String> {
    for (file, inline) in files(id) {
        if text(inline, &file).is_none() {
            let url = format!("presets/{file}");
            let body = get(&url).await.ok_or(url)?;
            FETCHED.with(|f| f.borrow_mut().push((file, Box::leak(body.into_boxed_str()))));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue10_a_fetched_file_stands_in_for_a_text_left_out_of_the_bundle() {
        assert_eq!(text("", "nowhere.nut"), None, "neither compiled in nor fetched");
        FETCHED.with(|f| f.borrow_mut().push(("nowhere.nut".into(), "server.log(1);\n")));
        assert_eq!(text("", "nowhere.nut"), Some("server.log(1);\n"));
        assert_eq!(text("imp.sleep(1);\n", "nowhere.nut"), Some("imp.sleep(1);\n"), "a compiled-in text wins");
    }

    #[test]
    fn issue10_with_the_texts_compiled_in_nothing_is_missing() {
        for p in presets::ALL {
            assert!(!missing(p.id), "{}", p.id);
            assert_eq!(find(p.id).unwrap().twin, p.twin);
        }
        for p in presets::PAIRS {
            assert!(!missing(p.id), "{}", p.id);
            assert_eq!(find_pair(p.id).unwrap().agent, p.agent);
        }
        assert!(!missing("no-such-preset") && find("no-such-preset").is_none());
    }
}
