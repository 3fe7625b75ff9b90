//! The preset gallery (SPEC §12): one line each; a click loads the preset and runs it.

use super::use_app;
use crate::state::Action;
use impnet_core::presets;
use yew::prelude::*;

#[component]
pub fn Gallery() -> Html {
    let app = use_app();
    if presets::ALL.is_empty() {
        return html! { <p class="muted">{ "No presets in this build." }</p> };
    }
    html! {
        <ul class="gallery" id="gallery">
            { for presets::ALL.iter().map(|p| {
                let app2 = app.clone();
                let onclick = Callback::from(move |_: MouseEvent| app2.dispatch(Action::LoadPreset(p.id)));
                let current = app.preset == Some(p.id);
                html! {
                    <li>
                        <button class={classes!("preset", current.then_some("current"))} data-preset={p.id} {onclick}>
                            <b>{ p.title }</b><span>{ p.description }</span>
                        </button>
                    </li>
                }
            }) }
        </ul>
    }
}
