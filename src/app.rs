//! Wiring: `App` reads the page URL and hands it to `Playground`, which owns the state and
//! lays the views out. Tests mount `Playground` with the URL parts as props.

use crate::components::about::About;
use crate::components::code_panel::CodePanel;
use crate::components::controls::Controls;
use crate::components::detail::DetailPanel;
use crate::components::expect::ExpectList;
use crate::components::flow::FlowView;
use crate::components::header::Header;
use crate::components::log_console::LogConsole;
use crate::components::scenario_panel::ScenarioPanel;
use crate::components::share::ShareDialog;
use crate::components::timeline::Timeline;
use crate::components::AppCtx;
use crate::keys::KeyListener;
use crate::rules::{self, RuleTexts};
use crate::state::{Action, Init, State};
use crate::url;
use gloo_timers::callback::Interval;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PlaygroundProps {
    /// What the page was opened with (fragment, `?embed`, `?preset`, stored scenario).
    pub init: Init,
    /// Remember the scenario in localStorage (never in embed mode).
    #[prop_or(false)]
    pub persist: bool,
    /// Extra header content (the live-mode toggle).
    #[prop_or_default]
    pub header_extra: Html,
}

#[component]
pub fn Playground(props: &PlaygroundProps) -> Html {
    let init = props.init.clone();
    let state = use_reducer(move || State::new(init));
    {
        let (d, loading) = (state.dispatcher(), state.texts == RuleTexts::Loading);
        use_effect_with((), move |_| {
            if loading {
                rules::fetch(move |t| d.dispatch(Action::Texts(t)));
            }
        });
    }

    {
        let d = state.dispatcher();
        use_effect_with((), move |_| {
            let listener = KeyListener::install(d);
            move || drop(listener)
        });
    }
    {
        // A link pasted into the address bar of an open playground only changes the fragment.
        let d = state.dispatcher();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                gloo_events::EventListener::new(&w, "hashchange", move |_| {
                    if let Some(frag) = web_sys::window().and_then(|w| w.location().hash().ok()).and_then(|h| url::fragment_of(&h)) {
                        d.dispatch(Action::OpenFragment(frag));
                    }
                })
            });
            move || drop(listener)
        });
    }
    {
        let d = state.dispatcher();
        use_effect_with((state.playing, state.speed), move |&(playing, speed)| {
            let timer = playing.then(|| Interval::new(1000 / speed.max(1), move || d.dispatch(Action::Tick)));
            move || drop(timer)
        });
    }
    use_remembered(&state, props.persist && !state.embed, props.init.link().is_some() || props.init.preset.is_some());

    let notice = state.notice.clone().map(|n| {
        let d = state.dispatcher();
        html! {
            <div class="notice" id="notice" role="alert">
                <span>{ n }</span>
                <button class="icon" title="Dismiss" onclick={Callback::from(move |_: MouseEvent| d.dispatch(Action::DismissNotice))}>{ "✕" }</button>
            </div>
        }
    });
    let run_error = state.run_error.clone().map(|e| html! { <div class="notice error" role="alert">{ format!("The run stopped: {e}") }</div> });
    // Issue 13: a run cut short by a §13 limit (the work budget, the retry limit) still has a
    // trace to show; this says why it ends early.
    let stopped = state.trace.summary.stop.map(|s| html! { <div class="notice" id="run-stopped" role="status">{ format!("The run stopped early: {s}") }</div> });

    let body = if state.embed {
        html! {
            <main class="pg embed" id="app" data-mode="embed">
                <Header />
                { for notice }
                { for stopped }
                if state.shows_code() {
                    <div class="embed-split">
                        <CodePanel />
                        <div>
                            <Controls />
                            <Timeline />
                            <DetailPanel />
                        </div>
                    </div>
                } else {
                    <Controls />
                    <Timeline />
                    <DetailPanel />
                }
            </main>
        }
    } else {
        html! {
            <main class="pg" id="app" data-mode="full">
                <Header extra={props.header_extra.clone()} />
                { for notice }
                { for run_error }
                { for stopped }
                <div class="main">
                    <ScenarioPanel />
                    <section class="viewer">
                        <Controls />
                        <Timeline />
                        // Views that show nothing are not rendered: the first paint then
                        // runs none of their code (issue 10 item 6).
                        if !state.scenario.expect.is_empty() { <ExpectList /> }
                        <LogConsole />
                        <div class="lower">
                            <DetailPanel />
                            <FlowView />
                        </div>
                        <About texts={state.texts.clone()} />
                    </section>
                </div>
                if state.dialog.is_some() { <ShareDialog /> }
            </main>
        }
    };
    html! { <ContextProvider<AppCtx> context={state.clone()}>{ body }</ContextProvider<AppCtx>> }
}

/// Remembers the scenario for the next visit (`url::store`) when `on`: each valid change as it
/// happens. What the page opened with is written only when the page is hidden or left, and
/// only when it came from the URL (a link, `?preset=`): writing its TOML at startup would put
/// the TOML writer in the first paint, and the default or a stored scenario is what the next
/// visit opens anyway (issue 10 item 6: a visitor who changed nothing opens as a first visit).
#[hook]
fn use_remembered(state: &UseReducerHandle<State>, on: bool, opened_from_url: bool) {
    let latest = use_mut_ref(|| state.clone());
    *latest.borrow_mut() = state.clone();
    // The scenario on screen is not in storage yet.
    let unsaved = use_mut_ref(|| opened_from_url);
    let opened = use_mut_ref(|| true);
    {
        let (state, unsaved) = (state.clone(), unsaved.clone());
        use_effect_with(state.toml.clone(), move |_| {
            let first = std::mem::replace(&mut *opened.borrow_mut(), false);
            if on && !first && state.toml_error.is_none() {
                url::store(&state.toml_text());
                *unsaved.borrow_mut() = false;
            }
        });
    }
    use_effect_with((), move |_| {
        let store = move || {
            if std::mem::replace(&mut *unsaved.borrow_mut(), false) {
                url::store(&latest.borrow().valid_toml());
            }
        };
        let listeners = on.then(|| url::on_page_hidden(store));
        move || drop(listeners)
    });
}

/// The page: reads the URL (and, outside embed mode, localStorage) once. A `?preset=` whose
/// files the bundle left out is fetched before the playground mounts (`crate::presets`), so
/// the page opens on it rather than on the first preset; the rule texts are fetched meanwhile
/// (`crate::rules`), and `Playground` waits for that same fetch.
#[component]
pub fn App() -> Html {
    let init = use_memo((), |_| url::read_init());
    let fetching = init.link().is_none() && init.preset.as_deref().is_some_and(crate::presets::missing);
    let ready = use_state(|| !fetching);
    {
        let ready = ready.clone();
        let init = init.clone();
        use_effect_with((), move |_| {
            if !rules::COMPILED_IN {
                rules::fetch(drop);
            }
            if let (false, Some(id)) = (*ready, init.preset.clone()) {
                // A failed fetch mounts anyway: State::new then says the preset could not be loaded.
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = crate::presets::load(&id).await;
                    ready.set(true);
                });
            }
        });
    }
    if !*ready {
        return html! { <main class="pg" id="loading" aria-busy="true"></main> };
    }
    let live = html! { <crate::live::LiveHeader /> };
    html! { <Playground init={(*init).clone()} persist={!init.embed} header_extra={live} /> }
}
