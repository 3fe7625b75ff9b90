//! The scenario's expectations as a checklist (issue #12): ✓/✗ per `[[expect]]`, checked in the
//! browser by the same `impnet_core::expect` as `impnet check`. Clicking one steps the cursor
//! to its evidence, the trace line that decided it. `Playground` renders it only for a scenario
//! with expectations.

use super::use_app;
use crate::logic::nav::Nav;
use crate::state::Action;
use yew::prelude::*;

#[component]
pub fn ExpectList() -> Html {
    let app = use_app();
    if let Some(err) = &app.run_error {
        return html! {
            <section class="expects" id="expects">
                <h2>{ "Expectations" }</h2>
                <p class="muted">{ format!("Not checked: the run stopped ({err}).") }</p>
            </section>
        };
    }
    let n = app.trace.entries.len();
    let passed = app.checks.iter().filter(|v| v.passed).count();
    let items = app.scenario.expect.iter().zip(app.checks.iter()).enumerate().map(|(i, (x, v))| {
        // The summary line is past the last entry: its evidence is the run's end.
        let target = v.evidence.as_ref().map(|e| e.index.min(n.saturating_sub(1)));
        let onclick = {
            let app = app.clone();
            Callback::from(move |_: MouseEvent| {
                if let Some(t) = target {
                    app.dispatch(Action::Go(Nav::To(t)));
                }
            })
        };
        let (mark, class) = if v.passed { ("✓", "pass") } else { ("✗", "fail") };
        let at = v.evidence.as_ref().map(|e| format!(" · line {} at {} ms", e.index + 1, e.t_ms)).unwrap_or_default();
        html! {
            <li class={classes!("expect", class)} data-expect={i.to_string()} data-passed={v.passed.to_string()}>
                <button class="expect-go" {onclick} disabled={target.is_none()}
                        title={if target.is_some() { "Step to the line that decided it" } else { "No single line decided it" }}>
                    <span class="mark">{ mark }</span>
                    <span class="desc">{ x.to_string() }</span>
                    <span class="found muted">{ format!("{}{at}", v.found) }</span>
                </button>
            </li>
        }
    });
    html! {
        <section class="expects" id="expects">
            <div class="panel-head">
                <h2>{ "Expectations" }</h2>
                <span class="muted" data-field="expect-count">{ format!("{passed} of {} pass", app.checks.len()) }</span>
            </div>
            <ul class="expect-list">{ for items }</ul>
        </section>
    }
}
