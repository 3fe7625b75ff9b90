//! The flow view: a tcptrace-style time-sequence graph (bytes written, sent, ACKed and the
//! window limit, from `trace.samples`) and ACKed throughput against the T2 ceiling
//! min(uplink, capacity/RTT, rwnd/RTT). Same time window as the timeline.

use super::use_app;
use crate::logic::buckets::{bucket_series, ceiling_bps, goodput, goodput_slices};
use crate::logic::format::thousands;
use yew::prelude::*;

const W: usize = 500;
const L: f64 = 62.0;
const SEQ_H: f64 = 150.0;
const GP_Y: f64 = SEQ_H + 30.0;
const GP_H: f64 = 90.0;
const H: f64 = GP_Y + GP_H + 16.0;
const GOODPUT_SLICES: usize = 50;

fn path(b: &[Option<(f64, f64)>], y_of: &dyn Fn(f64) -> f64) -> String {
    let mut d = String::new();
    let mut pen = false;
    for (x, v) in b.iter().enumerate() {
        if let Some((lo, hi)) = v {
            let xs = L + x as f64;
            d.push_str(&format!("{}{xs:.0} {:.1}L{xs:.0} {:.1}", if pen { 'L' } else { 'M' }, y_of(*lo), y_of(*hi)));
            pen = true;
        } else {
            pen = false;
        }
    }
    d
}

fn rate(bps: f64) -> String {
    if bps >= 10_000.0 {
        format!("{} kB/s", thousands((bps / 1000.0).round() as u64))
    } else {
        format!("{} B/s", thousands(bps.round() as u64))
    }
}

#[component]
pub fn FlowView() -> Html {
    let app = use_app();
    let view = app.view;
    let (trace, model, scenario) = (app.trace.clone(), app.model.clone(), app.scenario.clone());
    let body = use_memo((app.generation, view.start.to_bits(), view.end.to_bits()), move |_| {
        let s = &trace.samples;
        if s.is_empty() {
            return html! { <p class="muted empty">{ "No TCP data moved in this run (no samples)." }</p> };
        }
        let m = &model;
        let written = bucket_series(&m.sample_times, &m.written, &view, W);
        let sent = bucket_series(&m.sample_times, &m.sent, &view, W);
        let acked = bucket_series(&m.sample_times, &m.acked, &view, W);
        let limit = bucket_series(&m.sample_times, &m.window_limit, &view, W);
        let lo = written.iter().chain(acked.iter()).flatten().map(|v| v.0).fold(f64::INFINITY, f64::min);
        let hi = written.iter().chain(limit.iter()).flatten().map(|v| v.1).fold(0.0, f64::max);
        let (lo, hi) = if lo.is_finite() && hi > lo { (lo, hi) } else { (0.0, hi.max(1.0)) };
        let y_seq = move |v: f64| 8.0 + SEQ_H - 8.0 - ((v - lo) / (hi - lo)) * (SEQ_H - 8.0);

        let slices = goodput_slices(&view, scenario.network.rtt_ms, GOODPUT_SLICES);
        let g = goodput(s, &view, slices);
        let ceil_b = bucket_series(&model.times, &ceiling_bps(&model, &scenario), &view, W);
        let gmax = g.iter().copied().chain(ceil_b.iter().flatten().map(|v| v.1)).fold(1.0, f64::max) * 1.1;
        let y_gp = move |v: f64| GP_Y + GP_H - (v / gmax) * GP_H;
        let slice_w = W as f64 / slices as f64;
        let bars: Html = g
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > 0.0)
            .map(|(k, v)| {
                html! { <rect class="gp-bar" x={(L + k as f64 * slice_w + 0.5).to_string()} y={y_gp(*v).to_string()}
                    width={(slice_w - 1.0).max(0.5).to_string()} height={(GP_H + GP_Y - y_gp(*v)).to_string()}><title>{ rate(*v) }</title></rect> }
            })
            .collect();
        let peak = g.iter().copied().fold(0.0, f64::max);
        html! {
            <svg viewBox={format!("0 0 {} {H}", L + W as f64 + 6.0)} class="flow-svg" role="img" aria-label="Time-sequence graph and goodput">
                <rect class="lane-bg" x={L.to_string()} y="8" width={W.to_string()} height={(SEQ_H - 8.0).to_string()} />
                <path class="fl-limit" d={path(&limit, &y_seq)} />
                <path class="fl-written" d={path(&written, &y_seq)} />
                <path class="fl-sent" d={path(&sent, &y_seq)} />
                <path class="fl-acked" d={path(&acked, &y_seq)} />
                <text class="scale" x={(L - 4.0).to_string()} y="16" text-anchor="end">{ format!("{} B", thousands(hi as u64)) }</text>
                <text class="scale" x={(L - 4.0).to_string()} y={SEQ_H.to_string()} text-anchor="end">{ format!("{} B", thousands(lo as u64)) }</text>
                <text class="axis-title" x={L.to_string()} y={(GP_Y - 6.0).to_string()}>{ format!("ACKed wire bytes/s (peak {}); dashed: ceiling min(uplink, buffer/RTT, rwnd/RTT)", rate(peak)) }</text>
                <rect class="lane-bg" x={L.to_string()} y={GP_Y.to_string()} width={W.to_string()} height={GP_H.to_string()} />
                { bars }
                <path class="gp-ceiling" d={path(&ceil_b, &y_gp)} />
                <text class="scale" x={(L - 4.0).to_string()} y={(GP_Y + 9.0).to_string()} text-anchor="end">{ rate(gmax) }</text>
                <text class="scale" x={(L - 4.0).to_string()} y={(GP_Y + GP_H).to_string()} text-anchor="end">{ "0" }</text>
            </svg>
        }
    });
    html! {
        <section class="flow" id="flow">
            <div class="panel-head"><h2>{ "Flow" }</h2>
                <span class="legend inline">
                    <span class="lg"><i class="fl-written"></i>{ "written" }</span>
                    <span class="lg"><i class="fl-sent"></i>{ "sent" }</span>
                    <span class="lg"><i class="fl-acked"></i>{ "ACKed" }</span>
                    <span class="lg"><i class="fl-limit"></i>{ "window limit" }</span>
                </span>
            </div>
            { (*body).clone() }
        </section>
    }
}
