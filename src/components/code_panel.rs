//! The scenario's device code in the editor, wired to the app state.

use super::code_editor::CodeEditor;
use super::use_app;
use crate::state::Action;
use yew::prelude::*;

#[component]
pub fn CodePanel() -> Html {
    let app = use_app();
    let onedit = {
        let app = app.clone();
        Callback::from(move |text: String| app.dispatch(Action::EditCode(text)))
    };
    html! {
        <div class="code-panel" id="code-panel">
            <CodeEditor code={AttrValue::from(app.code.clone())} readonly={app.embed} {onedit} />
            <p class="muted">{ "Compiled as you type with the playground's Squirrel VM (SPEC §14). \
                Running device code here waits for scenarios with a `code` field; the step list drives the run until then." }</p>
        </div>
    }
}
