//! Step controls: first/previous/next/last by line, by call, next error, play/pause with a
//! speed, and a scrub slider. Keys (see `keys`) dispatch the same actions.

use super::use_app;
use crate::logic::nav::Nav;
use crate::state::{Action, SPEEDS};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[component]
pub fn Controls() -> Html {
    let app = use_app();
    let n = app.trace.entries.len();
    let go = |nav: Nav| {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.dispatch(Action::Go(nav)))
    };
    let toggle = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.dispatch(Action::TogglePlay))
    };
    let on_speed = {
        let app = app.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Ok(v) = v.parse() {
                app.dispatch(Action::SetSpeed(v));
            }
        })
    };
    let on_scrub = {
        let app = app.clone();
        Callback::from(move |e: InputEvent| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Ok(i) = v.parse::<usize>() {
                app.dispatch(Action::Go(Nav::To(i)));
            }
        })
    };
    let disabled = n == 0;
    html! {
        <div class="controls" role="toolbar" aria-label="Step through the trace">
            <button id="btn-first" onclick={go(Nav::First)} {disabled} title="First line (Home)">{ "|◀" }</button>
            <button id="btn-prev-call" onclick={go(Nav::PrevCall)} {disabled} title="Previous call (Shift+←)">{ "◀ call" }</button>
            <button id="btn-prev" onclick={go(Nav::PrevEvent)} {disabled} title="Previous line (←)">{ "◀" }</button>
            <button id="btn-play" class="play" onclick={toggle} {disabled} title="Play / pause (Space)">{ if app.playing { "⏸ Pause" } else { "▶ Play" } }</button>
            <button id="btn-next" onclick={go(Nav::NextEvent)} {disabled} title="Next line (→)">{ "▶" }</button>
            <button id="btn-next-call" onclick={go(Nav::NextCall)} {disabled} title="Next call (Shift+→)">{ "call ▶" }</button>
            <button id="btn-next-error" class="err" onclick={go(Nav::NextError)} {disabled} title="Next failed call or lost bytes (E)">{ "next error ▶" }</button>
            <button id="btn-last" onclick={go(Nav::Last)} {disabled} title="Last line (End)">{ "▶|" }</button>
            <label class="speed">{ "speed " }
                <select id="speed" onchange={on_speed}>
                    { for SPEEDS.iter().map(|s| html! { <option value={s.to_string()} selected={*s == app.speed}>{ format!("{s}/s") }</option> }) }
                </select>
            </label>
            <input id="scrub" class="scrub" type="range" min="0" max={n.saturating_sub(1).to_string()} value={app.cursor.to_string()}
                oninput={on_scrub} {disabled} aria-label="Scrub through the trace" />
            <span class="pos" id="position">{ if n == 0 { "no lines".to_string() } else { format!("{} / {}", app.cursor + 1, n) } }</span>
        </div>
    }
}
