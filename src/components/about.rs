//! "About the model": the `[choice]` rules, where the public docs are silent and we decided.

use crate::rules::RuleTexts;
use yew::prelude::*;

/// The texts as a prop rather than through `use_app()`: the section then renders again only
/// when they change (a pointer compare), not on every edit and step of the playground.
#[derive(Properties, PartialEq)]
pub struct AboutProps {
    pub texts: RuleTexts,
}

#[component]
pub fn About(props: &AboutProps) -> Html {
    // Fetched by the bundle (`crate::rules`): until then, or if that failed, say so.
    let choices = match &props.texts {
        RuleTexts::Here(t) => html! {
            <dl class="choices">
                { for t.choices().iter().map(|(rule, text)| html! { <><dt>{ rule.id() }</dt><dd>{ text.clone() }</dd></> }) }
            </dl>
        },
        RuleTexts::Loading => html! { <p class="muted">{ "(loading the list of choices…)" }</p> },
        RuleTexts::Failed(e) => html! { <p class="muted">{ format!("(the list of choices could not be loaded: {e})") }</p> },
    };
    html! {
        <details class="about" id="about">
            <summary>{ "About the model" }</summary>
            <p>{ "impnet replays a scenario in virtual time through a model of the impOS send path: \
                  the send buffer (imp.setsendbuffersize), the send timeout policy, TCP windowing, \
                  reconnects, and UDP limits. Each trace line names the rule that decided it. \
                  Where the public documentation is silent, the model makes a documented choice:" }</p>
            { choices }
            <p><a href="docs.html" target="_blank">{ "The policies explained, with live demos" }</a></p>
        </details>
    }
}
