//! Keyboard shortcuts: ←/→ lines, Shift+←/→ calls, Space play/pause, Home/End, E next error,
//! Escape closes the Share dialog.
//! Keys typed into a form field are left alone.

use crate::logic::nav::Nav;
use crate::state::{Action, State};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// What a key does, if anything.
pub fn action_for(key: &str, shift: bool) -> Option<Action> {
    Some(match (key, shift) {
        ("ArrowLeft", false) => Action::Go(Nav::PrevEvent),
        ("ArrowRight", false) => Action::Go(Nav::NextEvent),
        ("ArrowLeft", true) => Action::Go(Nav::PrevCall),
        ("ArrowRight", true) => Action::Go(Nav::NextCall),
        ("Home", _) => Action::Go(Nav::First),
        ("End", _) => Action::Go(Nav::Last),
        (" " | "Spacebar", _) => Action::TogglePlay,
        ("e" | "E", _) => Action::Go(Nav::NextError),
        ("Escape", _) => Action::CloseDialog,
        _ => return None,
    })
}

fn typing_into_a_field(e: &KeyboardEvent) -> bool {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return false };
    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || el.get_attribute("contenteditable").is_some()
}

/// Listens on the document while alive; dropping it removes the listener.
pub struct KeyListener(#[allow(dead_code)] gloo_events::EventListener);

impl KeyListener {
    pub fn install(dispatch: UseReducerDispatcher<State>) -> Option<KeyListener> {
        let doc = web_sys::window()?.document()?;
        let options = gloo_events::EventListenerOptions::enable_prevent_default();
        Some(KeyListener(gloo_events::EventListener::new_with_options(&doc, "keydown", options, move |e| {
            let Some(e) = e.dyn_ref::<KeyboardEvent>() else { return };
            if e.ctrl_key() || e.meta_key() || e.alt_key() || typing_into_a_field(e) {
                return;
            }
            if let Some(a) = action_for(&e.key(), e.shift_key()) {
                e.prevent_default();
                dispatch.dispatch(a);
            }
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_step_lines_and_shift_arrows_step_calls() {
        assert!(matches!(action_for("ArrowRight", false), Some(Action::Go(Nav::NextEvent))));
        assert!(matches!(action_for("ArrowRight", true), Some(Action::Go(Nav::NextCall))));
        assert!(matches!(action_for("ArrowLeft", true), Some(Action::Go(Nav::PrevCall))));
        assert!(matches!(action_for(" ", false), Some(Action::TogglePlay)));
        assert!(matches!(action_for("End", false), Some(Action::Go(Nav::Last))));
        assert!(action_for("a", false).is_none());
    }
}
