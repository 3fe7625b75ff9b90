//! The scenario's programs in editors, wired to the app state: the device code and, beside it
//! in a second tab, the agent code (SPEC §15). Edits run (once they compile); the stepping
//! cursor's source line is highlighted in the program that made it (the panel turns to that
//! tab while stepping); runtime errors are marked at their line; a click on a line number steps
//! to the trace lines that line made.

use super::code_editor::CodeEditor;
use super::use_app;
use crate::logic::log::stamp;
use crate::logic::source::{self, Side};
use crate::state::Action;
use yew::prelude::*;

#[component]
pub fn CodePanel() -> Html {
    let app = use_app();
    let side = use_state(|| Side::Device);
    let at = app.trace.entries.get(app.cursor).and_then(source::site_of);
    // Stepping onto a line one program made shows that program.
    {
        let side = side.clone();
        use_effect_with(at.map(|(s, _)| s), move |s| {
            if let Some(s) = *s {
                side.set(s);
            }
        });
    }
    let has_agent = app.scenario.agent_code.is_some() || !app.agent_code.is_empty();
    let shown = if has_agent || !app.embed { *side } else { Side::Device };
    let onedit = {
        let app = app.clone();
        Callback::from(move |text: String| {
            app.dispatch(match shown {
                Side::Device => Action::EditCode(text),
                Side::Agent => Action::EditAgentCode(text),
            })
        })
    };
    let online = {
        let app = app.clone();
        Callback::from(move |line: u32| app.dispatch(Action::GoToSourceLine(shown, line)))
    };
    let current_line = at.filter(|(s, _)| *s == shown).map(|(_, l)| l);
    let runtime_error = source::error_to_mark(&app.runtime_errors, app.cursor, shown)
        .and_then(|r| Some((r.line?, AttrValue::from(format!("runtime error at {}: {}", stamp(r.t_us), r.message)))));
    let text = match shown {
        Side::Device => app.code.clone(),
        Side::Agent => app.agent_code.clone(),
    };
    let note = match (shown, app.scenario.code.is_some()) {
        (Side::Agent, _) => "The agent's program (SPEC §15): device.on handlers get the device's messages, device.send answers down the downlink. Edits run once they compile; an empty editor removes the agent code.",
        (Side::Device, true) => "This program drives the run (SPEC §14): edits run again once they compile; a compile error keeps the last good trace. Click a line number to step to the calls it made.",
        (Side::Device, false) => "The preset's program, for reading: the step list drives this run. An edit here that compiles turns the scenario into device code.",
    };
    let tab = |s: Side, id: &'static str, label: &'static str| {
        let side = side.clone();
        html! {
            <button id={id} role="tab" aria-selected={(shown == s).to_string()} class={classes!((shown == s).then_some("active"))}
                onclick={Callback::from(move |_: MouseEvent| side.set(s))}>{ label }</button>
        }
    };
    html! {
        <div class="code-panel" id="code-panel" data-runs={app.scenario.code.is_some().to_string()}
            data-side={if shown == Side::Agent { "agent" } else { "device" }}>
            if !app.embed || has_agent {
                <div class="tabs side-tabs" role="tablist">
                    { tab(Side::Device, "side-device", "Device") }
                    { tab(Side::Agent, "side-agent", if has_agent { "Agent" } else { "Agent (none)" }) }
                </div>
            }
            <CodeEditor key={if shown == Side::Agent { "agent" } else { "device" }} code={AttrValue::from(text)} readonly={app.embed}
                {onedit} {online} {current_line} {runtime_error} />
            if !app.embed { <p class="muted">{ note }</p> }
        </div>
    }
}
