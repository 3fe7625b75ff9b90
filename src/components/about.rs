//! "About the model": the `[choice]` rules, where the public docs are silent and we decided.

use crate::rules::RuleTexts;
use yew::prelude::*;

/// The texts as a prop rather than through `use_app()`: the section then renders again only
/// when they change (a pointer compare), not on every edit and step of the playground.
#[derive(Properties, PartialEq)]
pub struct AboutProps {
    pub texts: RuleTexts,
}

/// A closed `<details>`: its body is rendered once it is first opened, so that the first paint
/// runs none of it (issue 10 item 6); closed, it shows nothing either way.
#[component]
pub fn About(props: &AboutProps) -> Html {
    let opened = use_state(|| false);
    let ontoggle = {
        let opened = opened.clone();
        Callback::from(move |_: Event| opened.set(true))
    };
    html! {
        <details class="about" id="about" {ontoggle}>
            <summary>{ "About the model" }</summary>
            if *opened { <AboutBody texts={props.texts.clone()} /> }
        </details>
    }
}

#[component]
fn AboutBody(props: &AboutProps) -> Html {
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
        <>
            <p>{ "impnet replays a scenario in virtual time through a model of the impOS send path: \
                  the send buffer (imp.setsendbuffersize), the send timeout policy, TCP windowing, \
                  reconnects, and UDP limits. Each trace line names the rule that decided it. \
                  Where the public documentation is silent, the model makes a documented choice:" }</p>
            { choices }
            <p><a href="docs.html" target="_blank">{ "The policies explained, with live demos" }</a></p>
        </>
    }
}
