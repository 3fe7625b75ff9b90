//! The scenario as TOML. Every keystroke is parsed; a valid text re-runs at once, an invalid
//! one shows the field path and the reason and leaves the last good run on screen.

use super::use_app;
use crate::state::Action;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

#[component]
pub fn TomlEditor() -> Html {
    let app = use_app();
    let oninput = {
        let app = app.clone();
        Callback::from(move |e: InputEvent| app.dispatch(Action::EditToml(e.target_unchecked_into::<HtmlTextAreaElement>().value())))
    };
    html! {
        <div class="toml-editor">
            <textarea id="toml" class={classes!("mono", app.toml_error.is_some().then_some("invalid"))} spellcheck="false"
                value={app.toml_text().to_string()} {oninput} aria-label="Scenario as TOML" />
            if let Some(e) = &app.toml_error {
                <p class="error" id="toml-error" role="alert">
                    if !e.path.is_empty() { <code data-field="error-path">{ e.path.clone() }</code>{ ": " } }
                    <span data-field="error-reason">{ e.reason.clone() }</span>
                    <span class="muted">{ " — the run shown is from the last valid text." }</span>
                </p>
            } else {
                <p class="muted ok">{ "Valid. Edits re-run at once." }</p>
            }
        </div>
    }
}
