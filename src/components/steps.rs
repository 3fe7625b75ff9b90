//! The step-list editor: the script (`steps`) and the two handlers. Add, remove, reorder,
//! edit arguments, repeat, and retry-on-return-value.

use super::use_app;
use crate::logic::edit::{apply, args_of, ArgKind, ListEdit, ListId, RECONNECT, WAIT};
use crate::state::Action;
use impnet_core::program::CallKind;
use impnet_core::scenario::Call;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StepListProps {
    pub list: ListId,
    pub title: AttrValue,
}

fn input_value(e: InputEvent) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

fn select_value(e: Event) -> String {
    e.target_unchecked_into::<HtmlSelectElement>().value()
}

fn call_by_name(v: &str) -> Option<&'static str> {
    Call::NAMES.iter().copied().find(|n| *n == v)
}

#[component]
pub fn StepList(props: &StepListProps) -> Html {
    let app = use_app();
    let error = use_state(|| None::<String>);
    let list = props.list;
    let edit = {
        let (app, error) = (app.clone(), error.clone());
        Callback::from(move |ed: ListEdit| match apply(&app.scenario, list, &ed) {
            Ok(s) => {
                error.set(None);
                app.dispatch(Action::SetScenario(Box::new(s)));
            }
            Err(e) => error.set(Some(e)),
        })
    };
    let steps = list.of(&app.scenario);
    let rows: Html = steps
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let set_call = edit.reform(move |e: Event| match call_by_name(&select_value(e)) {
                Some(n) => ListEdit::SetCall(i, n),
                None => ListEdit::SetCall(i, "?"),
            });
            let args: Html = args_of(&st.call)
                .into_iter()
                .map(|(field, kind, value)| {
                    let on_text = edit.reform(move |e: InputEvent| ListEdit::SetArg(i, field, input_value(e)));
                    let on_pick = edit.reform(move |e: Event| ListEdit::SetArg(i, field, select_value(e)));
                    let options = |names: &[&str]| -> Html {
                        let known = names.contains(&value.as_str());
                        html! {
                            <select class="arg" title={field} onchange={on_pick.clone()}>
                                { for names.iter().map(|n| html! { <option value={n.to_string()} selected={*n == value}>{ n.to_string() }</option> }) }
                                if !known { <option value={value.clone()} selected=true>{ format!("{value} (runtime error)") }</option> }
                            </select>
                        }
                    };
                    match kind {
                        ArgKind::Reconnect => options(&RECONNECT),
                        ArgKind::Wait => options(&WAIT),
                        _ => {
                            let unit = match kind {
                                ArgKind::Bytes => "B",
                                ArgKind::Seconds => "s",
                                _ => "",
                            };
                            html! { <label class="arg">{ field }<input data-arg={field} value={value} oninput={on_text} />{ unit }</label> }
                        }
                    }
                })
                .collect();
            let retry: String = st.on_ret.keys().cloned().collect::<Vec<_>>().join(",");
            let n = steps.len();
            html! {
                <li class="step" data-step={i.to_string()}>
                    <div class="step-head">
                        <span class="idx">{ i }</span>
                        <select class="call" onchange={set_call}>
                            { for Call::NAMES.iter().map(|c| html! { <option value={*c} selected={*c == st.call.name()}>{ *c }</option> }) }
                        </select>
                        <span class="step-btns">
                            <button class="icon" title="Move up" disabled={i == 0} onclick={edit.reform(move |_: MouseEvent| ListEdit::MoveUp(i))}>{ "↑" }</button>
                            <button class="icon" title="Move down" disabled={i + 1 == n} onclick={edit.reform(move |_: MouseEvent| ListEdit::MoveDown(i))}>{ "↓" }</button>
                            <button class="icon" title="Remove" onclick={edit.reform(move |_: MouseEvent| ListEdit::Remove(i))}>{ "✕" }</button>
                        </span>
                    </div>
                    <div class="step-args">
                        { args }
                        <label class="arg">{ "×" }<input class="short" data-arg="repeat" value={st.repeat.to_string()} oninput={edit.reform(move |e| ListEdit::SetRepeat(i, input_value(e)))} /></label>
                        <label class="arg" title="Return values that retry the same call, e.g. 4">{ "retry on" }
                            <input class="short" data-arg="on_ret" value={retry} placeholder="—" oninput={edit.reform(move |e| ListEdit::SetRetryOn(i, input_value(e)))} /></label>
                        if !st.on_ret.is_empty() {
                            <label class="arg">{ "after" }<input class="short" value={st.retry_after_s.to_string()} oninput={edit.reform(move |e| ListEdit::SetRetryAfter(i, input_value(e)))} />{ "s" }</label>
                        }
                    </div>
                </li>
            }
        })
        .collect();
    let add = edit.reform(|e: Event| ListEdit::Add(call_by_name(&select_value(e)).unwrap_or(CallKind::ServerLog.as_str())));
    html! {
        <div class="step-list" data-list={list.key()}>
            <h3>{ props.title.clone() }</h3>
            if let Some(e) = &*error { <p class="error" role="alert">{ e.clone() }</p> }
            <ol start="0">{ rows }</ol>
            <select class="add-step" onchange={add}>
                <option value="" selected=true disabled=true>{ "+ add a call…" }</option>
                { for Call::NAMES.iter().map(|c| html! { <option value={*c}>{ *c }</option> }) }
            </select>
        </div>
    }
}
