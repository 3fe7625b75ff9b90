//! The parameter form (SPEC §2) and the outage schedule (L2). A value that does not parse is
//! refused with its field and reason; a good one re-runs at once.

use super::use_app;
use crate::logic::edit::param_groups;
use crate::state::Action;
use impnet_core::scenario::{Outage, OutageKind};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[component]
pub fn ParamsForm() -> Html {
    let app = use_app();
    let error = use_state(|| None::<String>);
    let groups = param_groups();
    let fields: Html = groups
        .into_iter()
        .map(|(group, params)| {
            let rows: Html = params
                .into_iter()
                .map(|p| {
                    let value = (p.get)(&app.scenario);
                    let (app, error) = (app.clone(), error.clone());
                    let set = p.set;
                    let oninput = Callback::from(move |e: InputEvent| {
                        let v = e.target_unchecked_into::<HtmlInputElement>().value();
                        let mut s = (*app.scenario).clone();
                        match set(&mut s, &v) {
                            Ok(()) => {
                                error.set(None);
                                app.dispatch(Action::SetScenario(Box::new(s)));
                            }
                            Err(msg) => error.set(Some(msg)),
                        }
                    });
                    html! {
                        <label class="param" title={p.path}>
                            <span>{ p.label }</span>
                            <input data-param={p.path} value={value} {oninput} inputmode="decimal" />
                            <small>{ p.unit }</small>
                        </label>
                    }
                })
                .collect();
            html! { <fieldset><legend>{ group }</legend>{ rows }</fieldset> }
        })
        .collect();
    html! {
        <div class="params" id="params">
            <p class="muted hint">{ "The send timeout policy is a call: edit the server.setsendtimeoutpolicy step in Script. \
                Until the script sets one, impOS uses SUSPEND_ON_ERROR / WAIT_TIL_SENT / 30 (L1)." }</p>
            if let Some(e) = &*error { <p class="error" role="alert" id="param-error">{ e.clone() }</p> }
            { fields }
            <Outages />
        </div>
    }
}

#[component]
fn Outages() -> Html {
    let app = use_app();
    let edit = |f: fn(&mut Vec<Outage>, usize, String), i: usize| {
        let app = app.clone();
        Callback::from(move |v: String| {
            let mut s = (*app.scenario).clone();
            f(&mut s.network.outages, i, v);
            app.dispatch(Action::SetScenario(Box::new(s)));
        })
    };
    let rows: Html = app
        .scenario
        .network
        .outages
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let kind = edit(|os, i, v| os[i].kind = if v == "upstream" { OutageKind::Upstream } else { OutageKind::Wifi }, i);
            let at = edit(|os, i, v| if let Ok(n) = v.trim().parse() { os[i].at_ms = n }, i);
            let dur = edit(|os, i, v| if let Ok(n) = v.trim().parse() { os[i].for_ms = n }, i);
            let rm = edit(|os, i, _| { os.remove(i); }, i);
            html! {
                <div class="outage">
                    <select onchange={kind.reform(|e: Event| e.target_unchecked_into::<HtmlSelectElement>().value())}>
                        <option value="wifi" selected={o.kind == OutageKind::Wifi}>{ "wifi (seen at once)" }</option>
                        <option value="upstream" selected={o.kind == OutageKind::Upstream}>{ "upstream (silent)" }</option>
                    </select>
                    <label>{ "at " }<input value={o.at_ms.to_string()} oninput={at.reform(|e: InputEvent| e.target_unchecked_into::<HtmlInputElement>().value())} />{ " ms" }</label>
                    <label>{ "for " }<input value={o.for_ms.to_string()} oninput={dur.reform(|e: InputEvent| e.target_unchecked_into::<HtmlInputElement>().value())} />{ " ms" }</label>
                    <button class="icon" title="Remove this outage" onclick={rm.reform(|_: MouseEvent| String::new())}>{ "✕" }</button>
                </div>
            }
        })
        .collect();
    let add = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| {
            let mut s = (*app.scenario).clone();
            s.network.outages.push(Outage { kind: OutageKind::Wifi, at_ms: 5_000, for_ms: 30_000 });
            app.dispatch(Action::SetScenario(Box::new(s)));
        })
    };
    html! {
        <fieldset class="outages"><legend>{ "Outages" }</legend>
            { rows }
            <button onclick={add}>{ "+ outage" }</button>
        </fieldset>
    }
}
