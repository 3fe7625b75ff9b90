//! The page's URL and storage: what the page was opened with (fragment, `?embed=1`,
//! `?preset=<id>`, `&steps=1` for a preset's step list), share links and the embed snippet, and the last scenario in
//! localStorage (normal mode only: an embed never reads or writes it).
//!
//! The scenario travels in the `#fragment` so the server never sees it.

use crate::state::Init;

const STORAGE_KEY: &str = "impnet.playground.scenario";

/// `?embed=1&preset=x&steps=1` → the query's part of `Init`. Unknown keys are ignored.
pub fn parse_query(search: &str) -> Init {
    let mut init = Init::default();
    let flag = |v: &str| !matches!(v, "0" | "false");
    for pair in search.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "embed" => init.embed = flag(v),
            "steps" => init.steps = flag(v),
            "preset" if !v.is_empty() => init.preset = Some(v.to_string()),
            _ => {}
        }
    }
    init
}

/// `#abc` → `Some("abc")`; an empty fragment is no fragment.
pub fn fragment_of(hash: &str) -> Option<String> {
    let f = hash.trim_start_matches('#');
    (!f.is_empty()).then(|| f.to_string())
}

/// The playground link for a fragment: `base` is origin + path, without query or fragment.
pub fn share_url(base: &str, fragment: &str) -> String {
    format!("{base}#{fragment}")
}

pub fn embed_url(base: &str, fragment: &str) -> String {
    format!("{base}?embed=1#{fragment}")
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The iframe snippet the Share dialog offers.
pub fn embed_snippet(base: &str, fragment: &str, title: &str) -> String {
    let title = if title.is_empty() { "impnet scenario" } else { title };
    format!(
        "<iframe src=\"{}\" title=\"impnet: {}\" width=\"100%\" height=\"640\" style=\"border:1px solid #ccd\" loading=\"lazy\"></iframe>",
        escape_attr(&embed_url(base, fragment)),
        escape_attr(title)
    )
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// Origin + path of the current page (no query, no fragment).
pub fn page_base() -> String {
    window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default()
}

/// What the page was opened with. Reads localStorage only outside embed mode.
pub fn read_init() -> Init {
    let Some(w) = window() else { return Init::default() };
    let loc = w.location();
    let query = parse_query(&loc.search().unwrap_or_default());
    let fragment = fragment_of(&loc.hash().unwrap_or_default());
    let stored_toml = if query.embed { None } else { load_stored() };
    Init { fragment, stored_toml, ..query }
}

fn storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok()?
}

fn load_stored() -> Option<String> {
    storage()?.get_item(STORAGE_KEY).ok()?
}

/// Remember the scenario for the next visit. Callers must not call this in embed mode.
pub fn store(toml_text: &str) {
    if let Some(s) = storage() {
        // A full or disabled storage only costs the convenience.
        let _ = s.set_item(STORAGE_KEY, toml_text);
    }
}

/// Calls `then` whenever the page is hidden: its tab is switched away from, or it is closed,
/// reloaded or left (`pagehide`, which also covers the back/forward cache). The listeners stay
/// while the returned value lives.
pub fn on_page_hidden(then: impl Fn() + 'static) -> Option<[gloo_events::EventListener; 2]> {
    let w = window()?;
    let doc = w.document()?;
    let then = std::rc::Rc::new(then);
    let on_hide = then.clone();
    let hidden = doc.clone();
    Some([
        gloo_events::EventListener::new(&doc, "visibilitychange", move |_| {
            if hidden.hidden() {
                on_hide();
            }
        }),
        gloo_events::EventListener::new(&w, "pagehide", move |_| then()),
    ])
}

/// Put `fragment` in the address bar without a reload or a history entry.
pub fn replace_fragment(fragment: &str) {
    if let Some(h) = window().and_then(|w| w.history().ok()) {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("#{fragment}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue10_6_the_split_loader_knows_where_a_returning_visitors_scenario_is() {
        // index.html's impnetSplitWait starts the app at once only on a bare first visit: it
        // must look under the key this module stores the scenario under.
        let page = include_str!("../index.html");
        assert!(page.contains(&format!("localStorage.getItem('{STORAGE_KEY}')")), "index.html reads {STORAGE_KEY}");
    }

    #[test]
    fn embed_flag_and_preset_come_from_the_query() {
        let q = |s: &str| {
            let i = parse_query(s);
            (i.embed, i.preset, i.steps)
        };
        assert_eq!(q("?embed=1"), (true, None, false));
        assert_eq!(q("?embed"), (true, None, false));
        assert_eq!(q("?embed=0&preset=zero_timeout"), (false, Some("zero_timeout".into()), false));
        assert_eq!(q("?preset=x&steps=1"), (false, Some("x".into()), true));
        assert_eq!(q(""), (false, None, false));
    }

    #[test]
    fn fragments_without_content_are_absent() {
        assert_eq!(fragment_of(""), None);
        assert_eq!(fragment_of("#"), None);
        assert_eq!(fragment_of("#v1.abc"), Some("v1.abc".into()));
    }

    #[test]
    fn embed_snippet_points_at_embed_mode_and_escapes_the_title() {
        let s = embed_snippet("https://x.test/play/", "v1.abc", "a \"quoted\" <title>");
        assert!(s.contains("src=\"https://x.test/play/?embed=1#v1.abc\""), "{s}");
        assert!(s.contains("&quot;quoted&quot; &lt;title&gt;"), "{s}");
    }
}
