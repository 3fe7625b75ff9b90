//! The scenario's device code in the editor, wired to the app state: edits run (once they
//! compile), the stepping cursor's source line is highlighted, runtime errors are marked at
//! their line, and a click on a line number steps to the trace lines that line made.

use super::code_editor::CodeEditor;
use super::use_app;
use crate::logic::source;
use crate::state::Action;
use yew::prelude::*;

#[component]
pub fn CodePanel() -> Html {
    let app = use_app();
    let onedit = {
        let app = app.clone();
        Callback::from(move |text: String| app.dispatch(Action::EditCode(text)))
    };
    let online = {
        let app = app.clone();
        Callback::from(move |line: u32| app.dispatch(Action::GoToSourceLine(line)))
    };
    let current_line = app.trace.entries.get(app.cursor).and_then(source::line_of);
    let runtime_error = source::error_to_mark(&app.runtime_errors, app.cursor)
        .and_then(|r| Some((r.line?, AttrValue::from(format!("runtime error at {}: {}", crate::logic::log::stamp(r.t_us), r.message)))));
    let note = if app.scenario.code.is_some() {
        "This program drives the run (SPEC §14): edits run again once they compile; a compile error keeps the last good trace. Click a line number to step to the calls it made."
    } else {
        "The preset's program, for reading: the step list drives this run. An edit here that compiles turns the scenario into device code."
    };
    html! {
        <div class="code-panel" id="code-panel" data-runs={app.scenario.code.is_some().to_string()}>
            <CodeEditor code={AttrValue::from(app.code.clone())} readonly={app.embed} {onedit} {online} {current_line} {runtime_error} />
            if !app.embed { <p class="muted">{ note }</p> }
        </div>
    }
}
