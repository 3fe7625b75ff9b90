//! The device log (issue 10 item 3), like impCentral's log pane: one line per `server.log` /
//! `server.error` call with its virtual time, in step with the cursor (lines after it are
//! dimmed); clicking a line steps there.

use super::use_app;
use crate::logic::log::{self, LogLine};
use crate::logic::nav::Nav;
use crate::state::Action;
use std::rc::Rc;
use yew::prelude::*;

/// Lines rendered before and after the cursor's position in the log.
const BEFORE: usize = 200;
const AFTER: usize = 50;

#[component]
pub fn LogConsole() -> Html {
    let app = use_app();
    let lines: Rc<Vec<LogLine>> = use_memo(app.generation, {
        let trace = app.trace.clone();
        move |_| log::log_lines(&trace)
    });
    if lines.is_empty() {
        return html! {};
    }
    let seen = log::seen(&lines, app.cursor);
    let range = log::window(&lines, app.cursor, BEFORE, AFTER);
    let onclick = {
        let app = app.clone();
        Callback::from(move |e: MouseEvent| {
            let index = e
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .and_then(|el| el.closest("[data-index]").ok().flatten())
                .and_then(|el| el.get_attribute("data-index"))
                .and_then(|n| n.parse().ok());
            if let Some(i) = index {
                app.dispatch(Action::Go(Nav::To(i)));
            }
        })
    };
    html! {
        <section class="log-console" id="log-console" aria-label="Device log">
            <h3>{ format!("Device log ({} of {} lines so far)", seen, lines.len()) }</h3>
            <ol class="mono" {onclick}>
                { for lines[range.clone()].iter().enumerate().map(|(k, l)| {
                    let later = range.start + k >= seen;
                    let current = l.index == app.cursor;
                    html! {
                        <li data-index={l.index.to_string()} class={classes!(later.then_some("later"), current.then_some("current"), l.error.then_some("error"), l.agent.then_some("agent"))}>
                            <span class="stamp">{ log::stamp(l.t_us) }</span>
                            <span class="level">{ match (l.agent, l.error) {
                                (false, false) => "[Device]",
                                (false, true) => "[Device][ERROR]",
                                (true, false) => "[Agent]",
                                (true, true) => "[Agent][ERROR]",
                            } }</span>
                            <span class="text">{ l.text.clone() }</span>
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
