//! The scenario panel: presets, then the scenario as device code, a step list, a parameter
//! form, or TOML.

use super::code_panel::CodePanel;
use super::gallery::Gallery;
use super::params::ParamsForm;
use super::steps::StepList;
use super::toml_editor::TomlEditor;
use crate::logic::edit::ListId;
use yew::prelude::*;

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Code,
    Steps,
    Params,
    Toml,
}

#[component]
pub fn ScenarioPanel() -> Html {
    let tab = use_state(|| Tab::Code);
    let has_code = super::use_app().scenario.code.is_some();
    let tab_btn = |t: Tab, id: &'static str, label: &'static str| {
        let tab2 = tab.clone();
        html! { <button id={id} role="tab" aria-selected={(*tab == t).to_string()} class={classes!((*tab == t).then_some("active"))}
            onclick={Callback::from(move |_: MouseEvent| tab2.set(t))}>{ label }</button> }
    };
    html! {
        <aside class="scenario-panel" id="scenario-panel">
            <h2>{ "Presets" }</h2>
            <Gallery />
            <div class="tabs" role="tablist">
                { tab_btn(Tab::Code, "tab-code", "Device code") }
                { tab_btn(Tab::Steps, "tab-steps", "Script") }
                { tab_btn(Tab::Params, "tab-params", "Parameters") }
                { tab_btn(Tab::Toml, "tab-toml", "TOML") }
            </div>
            {
                match *tab {
                    Tab::Steps if has_code => html! {
                        <p class="muted" id="steps-code-note">{ "This scenario is device code: its program makes the calls (SPEC §14). \
                            A preset's step list opens from the gallery's “steps” button." }</p>
                    },
                    Tab::Steps => html! {
                        <>
                            <StepList list={ListId::Steps} title="steps" />
                            <StepList list={ListId::OnConnect} title="on_connect handler" />
                            <StepList list={ListId::OnUnexpectedDisconnect} title="onunexpecteddisconnect handler" />
                        </>
                    },
                    Tab::Code => html! { <CodePanel /> },
                    Tab::Params => html! { <ParamsForm /> },
                    Tab::Toml => html! { <TomlEditor /> },
                }
            }
        </aside>
    }
}
