//! The preset gallery (SPEC §12): one line each; a click loads the preset as device code and
//! runs it (issue 10 item 4); "steps" beside it loads the step list it was first written as.

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
                let app3 = app.clone();
                let onsteps = Callback::from(move |_: MouseEvent| app3.dispatch(Action::LoadPresetSteps(p.id)));
                let current = app.preset == Some(p.id);
                let as_code = app.scenario.code.is_some();
                html! {
                    <li>
                        <button class={classes!("preset", (current && as_code).then_some("current"))} data-preset={p.id} {onclick}>
                            <b>{ p.title }</b><span>{ p.description }</span>
                        </button>
                        <button class={classes!("preset-steps", (current && !as_code).then_some("current"))} data-preset-steps={p.id}
                            title="Open this preset as its step list (the same calls, no code)" onclick={onsteps}>{ "steps" }</button>
                    </li>
                }
            }) }
            { for presets::PAIRS.iter().map(|p| {
                let app2 = app.clone();
                let onclick = Callback::from(move |_: MouseEvent| app2.dispatch(Action::LoadPair(p.id)));
                html! {
                    <li>
                        <button class="preset pair" data-pair={p.id} {onclick} title="Device and agent code (SPEC §15)">
                            <b>{ p.title }</b><span>{ p.description }</span>
                        </button>
                    </li>
                }
            }) }
        </ul>
    }
}
