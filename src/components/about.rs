//! "About the model": the `[choice]` rules, where the public docs are silent and we decided.

use crate::rules;
use yew::prelude::*;

#[component]
pub fn About() -> Html {
    let choices = rules::choices();
    html! {
        <details class="about" id="about">
            <summary>{ "About the model" }</summary>
            <p>{ "impnet replays a scenario in virtual time through a model of the impOS send path: \
                  the send buffer (imp.setsendbuffersize), the send timeout policy, TCP windowing, \
                  reconnects, and UDP limits. Each trace line names the rule that decided it. \
                  Where the public documentation is silent, the model makes a documented choice:" }</p>
            if choices.is_empty() {
                <p class="muted">{ "(The list of choices comes from the model's explain module, not in this build.)" }</p>
            } else {
                <dl class="choices">
                    { for choices.iter().map(|(id, text)| html! { <><dt>{ id.id() }</dt><dd>{ *text }</dd></> }) }
                </dl>
            }
            <p><a href="docs.html" target="_blank">{ "The policies explained, with live demos" }</a></p>
        </details>
    }
}
