//! The timeline: lanes for outages, connection and Squirrel state, call markers labelled by
//! return code, and the send buffer. Drawn from per-pixel-column buckets (`logic::buckets`),
//! so its size does not grow with the trace.

use super::use_app;
use crate::logic::buckets::{self, cn, out, sq, Run, TimelineModel};
use crate::logic::format::{axis_time, thousands, RetClass};
use crate::logic::messages::{self, Crossing, Dir, Fate};
use crate::logic::nav::{self, Nav};
use crate::logic::source::RuntimeError;
use crate::logic::view::View;
use crate::state::Action;
use yew::prelude::*;

/// Plot width in SVG units (one column per unit) and the label gutter left of it.
pub const PLOT_W: usize = 1000;
pub const GUTTER: f64 = 118.0;
const TOTAL_W: f64 = GUTTER + PLOT_W as f64 + 8.0;

const AXIS_Y: f64 = 16.0;
const OUT_Y: f64 = 26.0;
const CONN_Y: f64 = 46.0;
const SQ_Y: f64 = 70.0;
const LANE_H: f64 = 18.0;
const CALL_Y: f64 = 96.0;
const CALL_H: f64 = 30.0;
const BUF_Y: f64 = 136.0;
const BUF_H: f64 = 92.0;
const HEIGHT: f64 = BUF_Y + BUF_H + 22.0;
/// §15: the messages lane under the buffer (device edge on top, agent edge below), drawn only
/// for runs with agent code.
const MSG_Y: f64 = HEIGHT + 4.0;
const MSG_H: f64 = 40.0;
const MSG_HEIGHT: f64 = MSG_Y + MSG_H + 14.0;

fn lane_rects(runs: &[Run], y: f64, h: f64, class_of: impl Fn(u8) -> String) -> Html {
    runs.iter()
        .map(|r| {
            html! { <rect class={class_of(r.kind)} x={(GUTTER + r.x0 as f64).to_string()} y={y.to_string()}
                width={(r.x1 - r.x0).to_string()} height={h.to_string()} /> }
        })
        .collect()
}

fn axis(view: &View) -> Html {
    let span = view.span();
    let step = crate::logic::view::tick_step(span);
    let first = (view.start / step).ceil() * step;
    let mut ticks = Vec::new();
    let mut t = first;
    while t <= view.end && ticks.len() < 20 {
        let x = GUTTER + view.x(t, PLOT_W as f64);
        ticks.push(html! {
            <g class="tick">
                <line x1={x.to_string()} x2={x.to_string()} y1={(AXIS_Y + 2.0).to_string()} y2={(BUF_Y + BUF_H).to_string()} />
                <text x={x.to_string()} y={AXIS_Y.to_string()} text-anchor="middle">{ axis_time(t, span) }</text>
            </g>
        });
        t += step;
    }
    ticks.into_iter().collect()
}

/// A min/max-per-column series as an SVG path (a vertical stroke per column joins the range).
fn series_path(b: &[Option<(f64, f64)>], y_of: impl Fn(f64) -> f64) -> String {
    let mut d = String::new();
    let mut pen = false;
    for (x, v) in b.iter().enumerate() {
        match v {
            Some((lo, hi)) => {
                let xs = GUTTER + x as f64;
                let cmd = if pen { 'L' } else { 'M' };
                d.push_str(&format!("{cmd}{xs:.0} {:.1}", y_of(*hi)));
                if lo != hi {
                    d.push_str(&format!("L{xs:.0} {:.1}", y_of(*lo)));
                }
                d.push_str(&format!("L{:.0} {:.1}", xs + 1.0, y_of(*lo)));
                pen = true;
            }
            None => pen = false,
        }
    }
    d
}

/// The used-bytes area: the top of each column's range, filled down to zero.
fn area_path(b: &[Option<(f64, f64)>], y_of: impl Fn(f64) -> f64, base: f64) -> String {
    let mut d = String::new();
    let mut open: Option<usize> = None;
    for (x, v) in b.iter().enumerate() {
        let xs = GUTTER + x as f64;
        match (v, open) {
            (Some((_, hi)), None) => {
                d.push_str(&format!("M{xs:.0} {base:.1}L{xs:.0} {:.1}L{:.0} {:.1}", y_of(*hi), xs + 1.0, y_of(*hi)));
                open = Some(x);
            }
            (Some((_, hi)), Some(_)) => d.push_str(&format!("L{xs:.0} {:.1}L{:.0} {:.1}", y_of(*hi), xs + 1.0, y_of(*hi))),
            (None, Some(_)) => {
                d.push_str(&format!("L{xs:.0} {base:.1}Z"));
                open = None;
            }
            (None, None) => {}
        }
    }
    if open.is_some() {
        d.push_str(&format!("L{:.0} {base:.1}Z", GUTTER + b.len() as f64));
    }
    d
}

fn buffer_chart(m: &TimelineModel, view: &View) -> Html {
    let used = buckets::bucket_series(&m.times, &m.used, view, PLOT_W);
    let cap = buckets::bucket_series(&m.times, &m.capacity, view, PLOT_W);
    let fly = buckets::bucket_series(&m.times, &m.in_flight, view, PLOT_W);
    let rwnd = buckets::bucket_series(&m.times, &m.rwnd, view, PLOT_W);
    let top = cap.iter().chain(used.iter()).flatten().map(|(_, hi)| *hi).fold(0.0, f64::max).max(1.0) * 1.1;
    let y_of = |v: f64| BUF_Y + BUF_H - (v.min(top) / top) * BUF_H;
    html! {
        <g class="buffer">
            <rect class="lane-bg" x={GUTTER.to_string()} y={BUF_Y.to_string()} width={PLOT_W.to_string()} height={BUF_H.to_string()} />
            <path class="buf-used" d={area_path(&used, y_of, BUF_Y + BUF_H)} />
            <path class="buf-inflight" d={series_path(&fly, y_of)} />
            <path class="buf-rwnd" d={series_path(&rwnd, y_of)} />
            <path class="buf-cap" d={series_path(&cap, y_of)} />
            <text class="scale" x={(GUTTER - 4.0).to_string()} y={(BUF_Y + 9.0).to_string()} text-anchor="end">{ format!("{} B", thousands(top as u64)) }</text>
            <text class="scale" x={(GUTTER - 4.0).to_string()} y={(BUF_Y + BUF_H).to_string()} text-anchor="end">{ "0" }</text>
        </g>
    }
}

fn call_markers(m: &TimelineModel, view: &View) -> Html {
    let b = buckets::bucket_calls(&m.calls, view, PLOT_W);
    let mut last_label = f64::NEG_INFINITY;
    let mut nodes = Vec::with_capacity(b.len() * 2);
    for cb in &b {
        let x = GUTTER + cb.x as f64;
        let class = format!("call {}", cb.class.css());
        let tip = if cb.count == 1 { cb.class.legend().to_string() } else { format!("{} calls, worst: {}", cb.count, cb.class.legend()) };
        nodes.push(html! { <rect class={class.clone()} x={(x - 0.5).to_string()} y={(CALL_Y + 12.0).to_string()} width="2" height={(CALL_H - 12.0).to_string()}><title>{ tip }</title></rect> });
        // Labels only where they do not overlap; colour still tells every column's outcome.
        if x - last_label >= 11.0 {
            nodes.push(html! { <text class={format!("call-label {}", cb.class.css())} x={x.to_string()} y={(CALL_Y + 10.0).to_string()} text-anchor="middle">{ cb.class.label() }</text> });
            last_label = x;
        }
    }
    nodes.into_iter().collect()
}

fn lanes(m: &TimelineModel, view: &View) -> Html {
    let outs = buckets::bucket_segments(&m.outages, view, PLOT_W);
    let conn = buckets::bucket_segments(&m.conn, view, PLOT_W);
    let sqr = buckets::bucket_segments(&m.squirrel, view, PLOT_W);
    let blk = buckets::bucket_segments(&m.blocked, view, PLOT_W);
    let bg = |y: f64, h: f64| html! { <rect class="lane-bg" x={GUTTER.to_string()} y={y.to_string()} width={PLOT_W.to_string()} height={h.to_string()} /> };
    html! {
        <>
            { bg(OUT_Y, 12.0) }{ bg(CONN_Y, LANE_H) }{ bg(SQ_Y, LANE_H) }{ bg(CALL_Y, CALL_H) }
            { axis(view) }
            { lane_rects(&outs, OUT_Y, 12.0, |k| format!("out out-{k}")) }
            { lane_rects(&conn, CONN_Y, LANE_H, |k| format!("conn cn-{k}")) }
            { lane_rects(&sqr, SQ_Y, LANE_H, |k| format!("sq sq-{k}")) }
            { lane_rects(&blk, SQ_Y + 3.0, LANE_H - 6.0, |_| "sq sq-4 blocked".to_string()) }
            { call_markers(m, view) }
            { buffer_chart(m, view) }
            <g class="lane-labels">
                <text x="4" y={(OUT_Y + 10.0).to_string()}>{ "Outages" }</text>
                <text x="4" y={(CONN_Y + 13.0).to_string()}>{ "Connection" }</text>
                <text x="4" y={(SQ_Y + 13.0).to_string()}>{ "Squirrel" }</text>
                <text x="4" y={(CALL_Y + 20.0).to_string()}>{ "Calls (ret)" }</text>
                <text x="4" y={(BUF_Y + 14.0).to_string()}>{ "Send buffer" }</text>
            </g>
        </>
    }
}

fn legend_item(class: &str, text: &str) -> Html {
    html! { <span class="lg"><i class={class.to_string()}></i>{ text }</span> }
}

fn legend() -> Html {
    let sq_items = [sq::RUNNING, sq::BLOCKED, sq::IDLE, sq::SUSPENDED, sq::DEEP_SLEEP];
    let cn_items = [cn::ONLINE, cn::CONNECTING, cn::RECOVERING, cn::OFFLINE, cn::SUSPENDED, cn::DEEP_SLEEP];
    html! {
        <div class="legend">
            <div><b>{ "Squirrel " }</b>{ for sq_items.iter().map(|&k| legend_item(&format!("sq-{k}"), sq::NAMES[k as usize])) }</div>
            <div><b>{ "Connection " }</b>{ for cn_items.iter().map(|&k| legend_item(&format!("cn-{k}"), cn::NAMES[k as usize])) }
                { legend_item("out-0", out::NAMES[0]) }{ legend_item("out-1", out::NAMES[1]) }</div>
            <div><b>{ "Calls " }</b>{ for RetClass::ALL.iter().map(|c| legend_item(c.css(), c.legend())) }</div>
            <div><b>{ "Buffer " }</b>{ legend_item("buf-used", "held (unsent + unACKed)") }{ legend_item("buf-inflight", "in flight") }
                { legend_item("buf-cap", "capacity") }{ legend_item("buf-rwnd", "receive window (clipped)") }</div>
        </div>
    }
}

/// Which plot fraction (0..1) a pointer event is at.
fn plot_fraction(e: &MouseEvent) -> Option<f64> {
    let el: web_sys::Element = e.current_target()?.dyn_into().ok()?;
    let r = el.get_bounding_client_rect();
    if r.width() <= 0.0 {
        return None;
    }
    let svg_x = (e.client_x() as f64 - r.left()) / r.width() * TOTAL_W;
    Some((svg_x - GUTTER) / PLOT_W as f64)
}

/// §14: each uncaught runtime error as a red mark over the Squirrel lane (one per pixel column
/// at most), titled with its message; a click on it moves the cursor there like any click.
fn error_marks(errors: &[RuntimeError], view: &View) -> Html {
    let w = PLOT_W as f64;
    let mut last_col = None;
    let mut nodes = Vec::new();
    for r in errors.iter().filter(|r| (view.start..=view.end).contains(&(r.t_us as f64))) {
        let col = view.x(r.t_us as f64, w).floor().clamp(0.0, w - 1.0);
        if last_col == Some(col) {
            continue;
        }
        last_col = Some(col);
        let x = GUTTER + col;
        let line = r.line.map(|l| format!(" (line {l})")).unwrap_or_default();
        nodes.push(html! {
            <path class="squirrel-error-mark" data-index={r.index.to_string()} d={format!("M{:.1} {:.1}l4 -7h-8z", x, SQ_Y + 2.0)}>
                <title>{ format!("runtime error{line}: {}", r.message) }</title>
            </path>
        });
    }
    nodes.into_iter().collect()
}

/// §15: one arrow per message between the device edge and the agent edge of the messages
/// lane, from its send line to its receipt; lost or dropped ones dashed and ending in ×
/// halfway across (a failed send: a short stub at the send), unfinished ones dashed to the end
/// of the run.
fn message_arrows(crossings: &[Crossing], entries: &[impnet_core::trace::Entry], view: &View) -> Html {
    let w = PLOT_W as f64;
    let (dev_y, agent_y) = (MSG_Y, MSG_Y + MSG_H);
    let nodes = crossings.iter().filter_map(|c| {
        let t0 = entries[c.sent].t.micros as f64;
        let t1 = c.ended.map_or(view.total, |i| entries[i].t.micros as f64);
        if t1 < view.start || t0 > view.end {
            return None;
        }
        let x = |t: f64| GUTTER + view.x(t, w).clamp(-1.0, w + 1.0);
        let (x0, x1) = (x(t0), x(t1));
        let (y0, far_y, dir, name) = match c.dir {
            Dir::Up => (dev_y, agent_y, "up", c.msg.map_or("a failed agent.send".into(), |m| format!("message {m}"))),
            Dir::Down => (agent_y, dev_y, "down", c.msg.map_or("a failed device.send".into(), |m| format!("agent message d{m}"))),
        };
        let (fate, y1) = match c.fate {
            Fate::Received => ("received", far_y),
            Fate::Lost => ("lost", (y0 + far_y) / 2.0),
            Fate::Dropped => ("dropped", (y0 + far_y) / 2.0),
            Fate::NotSent => ("lost not-sent", y0 + (far_y - y0) / 4.0),
            Fate::Unfinished => ("unfinished", (y0 + far_y) / 2.0),
        };
        let end = match c.fate {
            Fate::Received => {
                let back = if far_y > y0 { -6.0 } else { 6.0 };
                html! { <path class="msg-head" d={format!("M{:.1} {:.1}L{:.1} {:.1}L{x1:.1} {y1:.1}Z", x1 - 3.0, y1 + back, x1 + 3.0, y1 + back)} /> }
            }
            Fate::Lost | Fate::Dropped | Fate::NotSent => html! { <text class="msg-x" x={format!("{x1:.1}")} y={format!("{:.1}", y1 + 4.0)} text-anchor="middle">{ "×" }</text> },
            Fate::Unfinished => html! {},
        };
        let tip = match c.fate {
            Fate::Received => format!("{name}: sent → handled on the other side"),
            Fate::Lost => format!("{name}: lost"),
            Fate::Dropped => format!("{name}: dropped (see the note line)"),
            Fate::NotSent => format!("{name}: the send returned an error, nothing left the device"),
            Fate::Unfinished => format!("{name}: still on its way when the run ended"),
        };
        Some(html! {
            <g class={format!("msg {dir} {fate}")} data-msg={c.msg.map(|m| m.to_string())}>
                <line x1={format!("{x0:.1}")} y1={y0.to_string()} x2={format!("{x1:.1}")} y2={format!("{y1:.1}")} />
                { end }
                <title>{ tip }</title>
            </g>
        })
    });
    html! {
        <g class="messages">
            <rect class="lane-bg" x={GUTTER.to_string()} y={MSG_Y.to_string()} width={PLOT_W.to_string()} height={MSG_H.to_string()} />
            <g class="lane-labels">
                <text x="4" y={(MSG_Y + 10.0).to_string()}>{ "Device" }</text>
                <text x="4" y={(MSG_Y + MSG_H).to_string()}>{ "Agent" }</text>
            </g>
            { for nodes }
        </g>
    }
}

use wasm_bindgen::JsCast;

#[component]
pub fn Timeline() -> Html {
    let app = use_app();
    let drag = use_mut_ref(|| None::<(f64, bool)>);
    let view = app.view;
    let static_part = {
        let model = app.model.clone();
        use_memo((app.generation, view.start.to_bits(), view.end.to_bits()), move |_| lanes(&model, &view))
    };
    // §15 messages only where there is an agent to send to and from.
    let crossings = {
        let (trace, with_agent) = (app.trace.clone(), app.scenario.agent_code.is_some());
        use_memo(app.generation, move |_| if with_agent { messages::crossings(&trace.entries) } else { Vec::new() })
    };
    let height = if crossings.is_empty() { HEIGHT } else { MSG_HEIGHT };
    let cursor_x = app.current_time().map(|t| GUTTER + view.x(t as f64, PLOT_W as f64));
    // The current call's time inside the call (return − blocked .. return), as a band.
    let blocked_band = app.trace.entries.get(app.cursor).and_then(|e| match &e.line {
        impnet_core::trace::Line::Call(c) if c.blocked.micros > 0 => {
            let w = PLOT_W as f64;
            let x0 = view.x(e.t.micros.saturating_sub(c.blocked.micros) as f64, w).clamp(0.0, w);
            let x1 = view.x(e.t.micros as f64, w).clamp(0.0, w);
            (x1 > x0).then_some((GUTTER + x0, (x1 - x0).max(1.0)))
        }
        _ => None,
    });

    let onwheel = {
        let app = app.clone();
        Callback::from(move |e: WheelEvent| {
            let Some(f) = plot_fraction(&e) else { return };
            if !(0.0..=1.0).contains(&f) {
                return;
            }
            e.prevent_default();
            let factor = if e.delta_y() < 0.0 { 0.8 } else { 1.25 };
            app.dispatch(Action::Zoom { factor, anchor: f });
        })
    };
    let onmousedown = {
        let drag = drag.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some(f) = plot_fraction(&e) {
                *drag.borrow_mut() = Some((f, false));
            }
        })
    };
    let onmousemove = {
        let (drag, app) = (drag.clone(), app.clone());
        Callback::from(move |e: MouseEvent| {
            let Some((from, _)) = *drag.borrow() else { return };
            if e.buttons() & 1 == 0 {
                return;
            }
            if let Some(f) = plot_fraction(&e) {
                if (f - from).abs() * PLOT_W as f64 >= 3.0 {
                    app.dispatch(Action::Pan(from - f));
                    *drag.borrow_mut() = Some((f, true));
                }
            }
        })
    };
    let onmouseup = {
        let (drag, app) = (drag.clone(), app.clone());
        Callback::from(move |e: MouseEvent| {
            let was = drag.borrow_mut().take();
            // A click (no drag) moves the cursor to the line at that time.
            if let (Some((_, false)), Some(f)) = (was, plot_fraction(&e)) {
                if (0.0..=1.0).contains(&f) {
                    let t = app.view.t_at(f * PLOT_W as f64, PLOT_W as f64);
                    let i = nav::index_at_time(&app.trace.entries, t.max(0.0) as u64);
                    app.dispatch(Action::Go(Nav::To(i)));
                }
            }
        })
    };
    let zoom = |factor: f64| {
        let app = app.clone();
        Callback::from(move |_| {
            let anchor = app.current_time().map(|t| app.view.x(t as f64, 1.0)).unwrap_or(0.5).clamp(0.0, 1.0);
            app.dispatch(Action::Zoom { factor, anchor })
        })
    };
    let pan = |f: f64| {
        let app = app.clone();
        Callback::from(move |_| app.dispatch(Action::Pan(f)))
    };
    let fit = {
        let app = app.clone();
        Callback::from(move |_| app.dispatch(Action::FitView))
    };
    html! {
        <section class="timeline" id="timeline">
            <div class="panel-head">
                <h2>{ "Timeline" }</h2>
                <span class="muted">{ format!("{} – {} · wheel to zoom, drag to pan, click to jump", axis_time(view.start, view.span()), axis_time(view.end, view.span())) }</span>
                <span class="zoom">
                    <button onclick={pan(-0.5)} title="Pan left">{ "◀" }</button>
                    <button onclick={zoom(0.5)} title="Zoom in (around the cursor)">{ "+" }</button>
                    <button onclick={zoom(2.0)} title="Zoom out">{ "−" }</button>
                    <button onclick={fit} title="Show the whole run">{ "Fit" }</button>
                    <button onclick={pan(0.5)} title="Pan right">{ "▶" }</button>
                </span>
            </div>
            <svg viewBox={format!("0 0 {TOTAL_W} {height}")} class="timeline-svg" role="img" aria-label="Timeline of the run"
                {onwheel} {onmousedown} {onmousemove} {onmouseup}>
                { (*static_part).clone() }
                { error_marks(&app.runtime_errors, &view) }
                if !crossings.is_empty() {
                    { message_arrows(&crossings, &app.trace.entries, &view) }
                }
                if let Some((x, w)) = blocked_band {
                    <rect class="cursor-band" x={x.to_string()} y={(AXIS_Y + 2.0).to_string()} width={w.to_string()} height={(BUF_Y + BUF_H - AXIS_Y - 2.0).to_string()}>
                        <title>{ "time the current call was blocked" }</title>
                    </rect>
                }
                if let Some(x) = cursor_x.filter(|x| (GUTTER - 1.0..=GUTTER + PLOT_W as f64 + 1.0).contains(x)) {
                    <line class="cursor" x1={x.to_string()} x2={x.to_string()} y1={(AXIS_Y + 2.0).to_string()} y2={(BUF_Y + BUF_H).to_string()} />
                }
            </svg>
            { legend() }
        </section>
    }
}
