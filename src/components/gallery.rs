//! The preset gallery (SPEC §12): one line each; a click loads the preset as device code and
//! runs it (issue 10 item 4); "steps" beside it loads the step list it was first written as.
//! A preset whose files the bundle left out is fetched first (`crate::presets`).

use super::{use_app, AppCtx};
use crate::state::Action;
use impnet_core::presets;
use yew::prelude::*;

/// Dispatches `action`, which opens preset (or pair) `id`, once its files are here: at once
/// when they are, after fetching them otherwise.
fn open(app: &AppCtx, id: &'static str, action: Action) {
    if !crate::presets::missing(id) {
        app.dispatch(action);
        return;
    }
    let app = app.clone();
    wasm_bindgen_futures::spawn_local(async move {
        match crate::presets::load(id).await {
            Ok(()) => app.dispatch(action),
            Err(file) => app.dispatch(Action::Notice(format!("This preset could not be loaded ({file} did not arrive)."))),
        }
    });
}

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
                let onclick = Callback::from(move |_: MouseEvent| open(&app2, p.id, Action::LoadPreset(p.id)));
                let app3 = app.clone();
                let onsteps = Callback::from(move |_: MouseEvent| open(&app3, p.id, Action::LoadPresetSteps(p.id)));
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
                let onclick = Callback::from(move |_: MouseEvent| open(&app2, p.id, Action::LoadPair(p.id)));
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
