//! The detail panel: the line under the cursor, explained. Every value carries a stable
//! `data-field` so tests (and people comparing with `impnet run --json`) can read it.

use super::use_app;
use crate::logic::format::{self, call_text, conn_label, ms, squirrel_label, thousands, RetClass};
use crate::logic::source::{self, Side};
use crate::rules::{Rule, RuleTexts};
use crate::state::{Action, TraceSource};
use impnet_core::scenario::{Scenario, Step};
use impnet_core::trace::{Entry, EventDetail, Handler, Line};
use yew::prelude::*;

fn row(label: &str, field: &'static str, value: Html) -> Html {
    html! { <div class="row"><dt>{ label.to_string() }</dt><dd data-field={field}>{ value }</dd></div> }
}

fn text(s: impl Into<String>) -> Html {
    html! { { s.into() } }
}

/// The scenario step a call line came from (§13: `step` counts within its own list).
fn step_of(s: &Scenario, handler: Option<Handler>, step: u32) -> Option<&Step> {
    let list = match handler {
        None => &s.steps,
        Some(Handler::OnConnect) => &s.on_connect,
        Some(Handler::OnUnexpectedDisconnect) => &s.on_unexpected_disconnect,
        // Callbacks of device code (§14) have no step list.
        Some(Handler::Wakeup | Handler::OnIdle | Handler::AgentOn) => return None,
    };
    list.get(step as usize)
}

/// The rule that decided a line: its ID at once, its text and choice once `rules.json` is here
/// (the bundle fetches it, `crate::rules`), or why they are missing.
fn rule_block(rule: Rule, why: &str, texts: &RuleTexts) -> Html {
    let (text, choice) = match texts {
        RuleTexts::Here(t) => (html! { t.text(rule).to_string() }, t.choice_of(rule).map(str::to_string)),
        RuleTexts::Loading => (html! { <span class="muted">{ "(loading the rule's text…)" }</span> }, None),
        RuleTexts::Failed(e) => (html! { <span class="muted">{ format!("(the rule's text could not be loaded: {e})") }</span> }, None),
    };
    html! {
        <div class="why">
            <div class="rule"><span class="rule-id" data-field="rule">{ rule.id() }</span>
                <span class="rule-text" data-field="rule-text">{ text }</span>
            </div>
            if !why.is_empty() { <p class="why-line" data-field="why">{ why.to_string() }</p> }
            // Where the docs are silent the rule is our choice: say so next to the line it decided.
            if let Some(c) = choice { <p class="choice" data-field="choice"><b>{ "[choice] " }</b>{ c }</p> }
        </div>
    }
}

/// Where code made this line (§14, §15): the program, the source line's text and the callback
/// it ran in.
fn source_rows(e: &Entry, scenario: &Scenario, handler: Option<Handler>) -> Html {
    let Some((side, file, line)) = source::site_in_file(e) else { return html! {} };
    let (main, label, callback) = match side {
        Side::Device => (scenario.code.as_deref(), format!("line {line}"), source::callback_name(handler)),
        // The agent's trace lines name no handler (§15): its main body or a device.on handler.
        Side::Agent => (scenario.agent_code.as_deref(), format!("agent line {line}"), handler.map_or("agent", |h| source::callback_name(Some(h)))),
    };
    // A library's line is shown from the library (the scenario carries its text), by its name.
    let (code, label) = match file {
        Some(f) => (scenario.libs.get(f).map(String::as_str), format!("{f} line {line}")),
        None => (main, label),
    };
    let text = code.and_then(|c| source::source_line(c, line)).unwrap_or("").trim();
    html! {
        <>
            { row("source", "source", html! { <span><span class="muted" data-field="source-line">{ label }</span>{ " " }<code data-field="source-text">{ text.to_string() }</code></span> }) }
            { row("callback", "callback", text_html(callback)) }
        </>
    }
}

fn text_html(s: &str) -> Html {
    text(s.to_string())
}

fn line_rows(e: &Entry, scenario: &Scenario, texts: &RuleTexts) -> Html {
    match &e.line {
        Line::Call(c) if c.code.is_some() => {
            let (num, meaning) = format::ret_text(c);
            let class = RetClass::of(c);
            html! {
                <>
                    { row("call", "call", html! { <code>{ c.call.as_str() }</code> }) }
                    { source_rows(e, scenario, c.handler) }
                    { row("returned", "ret", html! { <span class={classes!("ret", class.css())}><b data-field="ret-value">{ num }</b>{ " " }<span data-field="ret-name">{ meaning }</span></span> }) }
                    { row("blocked", "blocked", text(ms(c.blocked.micros))) }
                    if let Some(m) = c.msg { { row("message", "msg", text(format!("#{m}"))) } }
                    { rule_block(c.rule, &c.why, texts) }
                </>
            }
        }
        Line::Call(c) => {
            let (num, meaning) = format::ret_text(c);
            let class = RetClass::of(c);
            let list = c.handler.map(|h| h.as_str()).unwrap_or("steps");
            let made = step_of(scenario, c.handler, c.step).map(|s| call_text(&s.call)).unwrap_or_else(|| c.call.to_string());
            html! {
                <>
                    { row("call", "call", html! { <code>{ made }</code> }) }
                    { row("step", "step", text(format!("{list}[{}], iteration {}", c.step, c.iter))) }
                    { row("returned", "ret", html! { <span class={classes!("ret", class.css())}><b data-field="ret-value">{ num }</b>{ " " }<span data-field="ret-name">{ meaning }</span></span> }) }
                    { row("blocked", "blocked", text(ms(c.blocked.micros))) }
                    if let Some(m) = c.msg { { row("message", "msg", text(format!("#{m}"))) } }
                    { rule_block(c.rule, &c.why, texts) }
                </>
            }
        }
        Line::Event(ev) => html! {
            <>
                { row("event", "event", html! { <code>{ ev.event.as_str() }</code> }) }
                if let Some(r) = ev.reason { { row("reason", "reason", text(format!("{} {}", r.code(), r.name()))) } }
                if let Some(h) = ev.handler { { row("handler", "handler", text(h.as_str())) } }
                if let Some(m) = ev.msg { { row("message", "msg", text(format!("#{m}"))) } }
                if let Some(b) = ev.bytes { { row("bytes", "bytes", text(format!("{} bytes", thousands(b)))) } }
                if let Some(p) = ev.packets { { row("packets", "packets", text(p.to_string())) } }
                if let Some(EventDetail::ProgramError { error, .. } | EventDetail::AgentError { error, .. }) = &ev.detail {
                    { row("error", "error", html! { <code class="runtime-error-text">{ error.clone() }</code> }) }
                    { source_rows(e, scenario, ev.handler) }
                }
                { rule_block(ev.rule, &ev.why, texts) }
            </>
        },
    }
}

fn state_rows(e: &Entry) -> Html {
    let s = &e.state;
    let held = s.unsent.saturating_add(s.in_flight);
    let free = s.capacity.saturating_sub(held);
    let pct = if s.capacity > 0 { (held as f64 / s.capacity as f64 * 100.0).min(100.0) } else { 0.0 };
    html! {
        <>
            { row("connection", "conn", text(conn_label(s.conn))) }
            { row("Squirrel", "squirrel", text(squirrel_label(s.squirrel))) }
            { row("send buffer", "buffer", html! {
                <span>
                    <span class="meter"><span class="meter-fill" style={format!("width:{pct:.1}%")}></span></span>
                    { format!(" {} of {} bytes held, {} free", thousands(held as u64), thousands(s.capacity as u64), thousands(free as u64)) }
                </span>
            }) }
            { row("unsent / in flight", "inflight", text(format!("{} / {} bytes", thousands(s.unsent as u64), thousands(s.in_flight as u64)))) }
            { row("receive window", "rwnd", text(format!("{} bytes", thousands(s.rwnd as u64)))) }
            { row("written / sent / ACKed", "totals", text(format!("{} / {} / {} bytes", thousands(s.written_total), thousands(s.sent_total), thousands(s.acked_total)))) }
            { row("UDP tokens", "udp-tokens", text(s.udp_tokens.to_string())) }
        </>
    }
}

#[component]
pub fn DetailPanel() -> Html {
    let app = use_app();
    let n = app.trace.entries.len();
    let Some(e) = app.trace.entries.get(app.cursor) else {
        let msg = match &app.run_error {
            Some(err) => format!("The run stopped: {err}"),
            None => "This run produced no trace lines.".to_string(),
        };
        return html! { <section class="detail" id="detail"><h2>{ "Detail" }</h2><p class="muted" data-field="empty">{ msg }</p></section> };
    };
    let expect_line = {
        let (app, at) = (app.clone(), app.cursor);
        Callback::from(move |_: MouseEvent| app.dispatch(Action::ExpectLine(at)))
    };
    html! {
        <section class="detail" id="detail" data-index={app.cursor.to_string()}>
            <div class="panel-head">
                <h2>{ "Detail" }</h2>
                <span class="muted"><span data-field="index">{ format!("line {} of {}", app.cursor + 1, n) }</span>{ " · t = " }<b data-field="t">{ ms(e.t.micros) }</b></span>
            </div>
            <dl class="fields">{ line_rows(e, &app.scenario, &app.texts) }</dl>
            if matches!(e.line, Line::Call(_)) && app.source == TraceSource::Simulated {
                <button class="expect-add" data-action="expect-line" onclick={expect_line}
                        title="Add an [[expect]] that this call returns what it returned here">{ "+ expect this return" }</button>
            }
            <h3>{ "State at this instant" }</h3>
            <dl class="fields">{ state_rows(e) }</dl>
        </section>
    }
}
