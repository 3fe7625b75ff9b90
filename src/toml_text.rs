//! The scenario as TOML (SPEC S10): the TOML tab's text, the `.toml` download and the copy
//! kept in localStorage.
//!
//! Writing it runs `Scenario`'s `Serialize` and the TOML writer; nothing on the first paint
//! reads it (issue 10 item 6: what the first paint runs is what the first load fetches), so a
//! scenario's text is written the first time something asks for it and kept with the state.

use impnet_core::scenario::Scenario;
use std::cell::OnceCell;
use std::rc::Rc;

/// The TOML for a scenario. It goes through the JSON value share links are made of
/// (`codec::encode`), so the bundle holds one `Serialize` of `Scenario` (for
/// `serde_json::Value`) instead of one per format; the text is the same (a test in `state`
/// checks every preset).
pub fn to_toml(s: &Scenario) -> String {
    serde_json::to_value(s)
        .map_err(|e| e.to_string())
        .and_then(|v| toml::to_string(&v).map_err(|e| e.to_string()))
        .unwrap_or_else(|e| format!("# could not write this scenario as TOML: {e}\n"))
}

/// The TOML editor's text: what was typed there (maybe invalid), or the scenario's own TOML,
/// written when first read. Clones share the written text; a new scenario gets a new
/// `TomlText`, so equality (by pointer) says "the same text", as the views' checks need.
#[derive(Clone, Debug, Default)]
pub struct TomlText(Rc<OnceCell<Rc<str>>>);

impl TomlText {
    /// The text of the scenario it goes with, not written yet.
    pub fn of_scenario() -> TomlText {
        TomlText::default()
    }

    /// What the user typed.
    pub fn typed(text: Rc<str>) -> TomlText {
        TomlText(Rc::new(OnceCell::from(text)))
    }

    /// The text; `scenario` must be the one this `TomlText` was made for.
    pub fn get(&self, scenario: &Scenario) -> Rc<str> {
        self.0.get_or_init(|| to_toml(scenario).into()).clone()
    }

    /// Has the text been written (or typed)? For tests of what runs when.
    pub fn is_written(&self) -> bool {
        self.0.get().is_some()
    }
}

impl PartialEq for TomlText {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}
