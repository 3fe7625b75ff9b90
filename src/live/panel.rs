//! `LivePanel` and `LiveToggle`: the controls of a live run.

use super::driver::{default_ws_url, LiveRun, Progress};
use impnet_core::live::{LiveOptions, LiveTrace};
use impnet_core::{Scenario, Trace};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties)]
pub struct LivePanelProps {
    /// The scenario to run (the editor's current one).
    pub scenario: Rc<Scenario>,
    /// Receives the live trace when the run ends or is stopped, with a label for it
    /// ("live ×10 against ws://…").
    pub on_trace: Callback<(Rc<Trace>, String)>,
    /// The editor holds a program that does not compile: `scenario` has the last one that did.
    #[prop_or_default]
    pub stale_code: bool,
}

/// The scenario by pointer (the state replaces it, never mutates it): `LiveHeader` renders on
/// every step, and comparing scenarios field by field there would be work for nothing.
impl PartialEq for LivePanelProps {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.scenario, &o.scenario) && self.on_trace == o.on_trace && self.stale_code == o.stale_code
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Idle,
    Running(Progress),
    Done { label: String, socket_peak: u64, real_s: f64 },
    /// The program did not start (a scenario whose code does not compile).
    Failed(String),
}

/// Live, the agent is `impnet serve`'s (as for `impnet device`, which refuses agent code).
const AGENT_NOTE: &str = "Agent code does not run live: impnet serve plays the agent, reading the device's bytes at \
     the scenario's agent rate and running no code. The device code runs; its agent.send messages reach no \
     device.on handler and no device.send comes back to agent.on (§15 runs in the simulation).";

/// Time scales offered: real time, and faster for long scenarios.
const SCALES: &[f64] = &[1.0, 2.0, 5.0, 10.0];

#[function_component(LivePanel)]
pub fn live_panel(props: &LivePanelProps) -> Html {
    let url = use_state(default_ws_url);
    let scale = use_state(|| 1.0f64);
    let status = use_state(|| Status::Idle);
    let run = use_mut_ref(|| None::<LiveRun>);

    let on_url = {
        let url = url.clone();
        Callback::from(move |e: Event| url.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let on_scale = {
        let scale = scale.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            scale.set(v.parse().unwrap_or(1.0));
        })
    };
    let running = matches!(*status, Status::Running(_));
    let on_click = {
        let (url, scale, status, run) = (url.clone(), scale.clone(), status.clone(), run.clone());
        let (scenario, on_trace) = (props.scenario.clone(), props.on_trace.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(r) = run.borrow_mut().take() {
                r.stop();
                return;
            }
            let label = format!("live ×{} against {}", *scale, *url);
            let progress = {
                let status = status.clone();
                move |p: Progress| status.set(Status::Running(p))
            };
            let done = {
                let (status, on_trace, run) = (status.clone(), on_trace.clone(), run.clone());
                move |t: LiveTrace| {
                    let socket_peak = t.socket.iter().map(|s| s.buffered).max().unwrap_or(0);
                    status.set(Status::Done { label: label.clone(), socket_peak, real_s: t.real_micros as f64 / 1e6 });
                    // The run is over: forget it without calling stop again.
                    if let Ok(mut r) = run.try_borrow_mut() {
                        r.take();
                    }
                    on_trace.emit((Rc::new(t.trace), label));
                }
            };
            let opts = LiveOptions { time_scale: *scale, skip_idle: true };
            match LiveRun::start(&scenario, (*url).clone(), opts, progress, done) {
                Ok(r) => {
                    status.set(Status::Running(Progress::default()));
                    *run.borrow_mut() = Some(r);
                }
                Err(e) => status.set(Status::Failed(format!("device code: {e}"))),
            }
        })
    };

    let status_text = match &*status {
        Status::Idle if props.scenario.code.is_some() => "Runs the device code in real time against impnet serve.".to_string(),
        Status::Idle => "Runs the step list in real time against impnet serve.".to_string(),
        Status::Failed(e) => format!("not started: {e}"),
        Status::Running(p) => {
            format!("running: t = {:.1} ms (virtual), socket bufferedAmount {} B", p.virtual_ms, p.buffered_amount)
        }
        Status::Done { label, socket_peak, real_s } => {
            format!("done ({label}) in {real_s:.2} s; peak bufferedAmount {socket_peak} B")
        }
    };
    html! {
        <section class="live-panel" aria-label="Live mode">
            <label>{ "Server " }
                <input class="live-url" type="text" value={(*url).clone()} onchange={on_url} disabled={running} />
            </label>
            <label>{ " Time ×" }
                <select class="live-scale" onchange={on_scale} disabled={running}>
                    { for SCALES.iter().map(|s| html! {
                        <option value={s.to_string()} selected={*s == *scale}>{ s.to_string() }</option>
                    }) }
                </select>
            </label>
            <button class="live-run" onclick={on_click}>{ if running { "Stop" } else { "Run live" } }</button>
            <p class="live-status" role="status">{ status_text }</p>
            if props.stale_code {
                <p class="live-stale-note muted">{ "The program in the editor does not compile: live runs the last version that did." }</p>
            }
            if props.scenario.agent_code.is_some() {
                <p class="live-agent-note muted">{ AGENT_NOTE }</p>
            }
        </section>
    }
}

/// A header button that opens the live panel under it.
#[function_component(LiveToggle)]
pub fn live_toggle(props: &LivePanelProps) -> Html {
    let open = use_state(|| false);
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    html! {
        <span class="live-toggle">
            <button class="live-toggle-button" aria-pressed={open.to_string()} onclick={toggle}>{ "Live" }</button>
            if *open {
                <LivePanel scenario={props.scenario.clone()} on_trace={props.on_trace.clone()} stale_code={props.stale_code} />
            }
        </span>
    }
}

/// `LiveToggle` wired to the playground's state: runs the scenario on screen (its device code,
/// the last version that compiled, or its step list) and loads the live trace with
/// `Action::LoadTrace(trace, TraceSource::Live { label })`. Render it inside `Playground` (its
/// `header_extra` slot is).
#[function_component(LiveHeader)]
pub fn live_header() -> Html {
    let app = crate::components::use_app();
    let on_trace = {
        let d = app.dispatcher();
        Callback::from(move |(trace, label): (Rc<Trace>, String)| {
            d.dispatch(crate::state::Action::LoadTrace(trace, crate::state::TraceSource::Live { label }))
        })
    };
    let stale_code = app.scenario.code.as_deref().is_some_and(|c| c != &*app.code);
    html! { <LiveToggle scenario={app.scenario.clone()} on_trace={on_trace} {stale_code} /> }
}
