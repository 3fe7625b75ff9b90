//! The header: title, run summary, Share and Export, and a slot for the live-mode toggle.
//! In embed mode: the scenario title and an "Open in playground" link only.

use super::use_app;
use crate::export::{download, file_stem};
use crate::logic::csv::trace_csv;
use crate::logic::format::thousands;
use crate::state::{to_toml, Action, TraceSource};
use crate::url;
use impnet_core::codec;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    /// Rendered at the right of the header (the browser live-mode toggle goes here).
    #[prop_or_default]
    pub extra: Html,
}

fn summary(app: &super::AppCtx) -> Html {
    let s = &app.trace.summary;
    let udp = if s.udp_sent > 0 { format!(" · UDP {}/{} delivered", s.udp_delivered, s.udp_sent) } else { String::new() };
    html! {
        <span class="summary" id="summary">
            { format!("{} msgs sent, {} ACKed, {} lost ({} B) · goodput {} B/s{udp}",
                s.sent_msgs, s.acked_msgs, s.lost_msgs, thousands(s.lost_bytes), thousands(s.goodput_bps.round() as u64)) }
        </span>
    }
}

fn copy_to_clipboard(text: &str, done: impl FnOnce() + 'static) {
    let Some(w) = web_sys::window() else { return };
    let promise = w.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::spawn_local(async move {
        if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
            done();
        }
    });
}

/// An embed's "Open in playground ↗": the full playground's link carrying the scenario. The
/// link is written when the reader reaches for it (pointer over or down, focus, click) rather
/// than at every render, so that an embed's first paint runs no `codec::encode` (the
/// serializer, deflate, base64; issue 10 item 6). Until then it points at the playground.
#[component]
fn OpenInPlayground() -> Html {
    let app = use_app();
    let link = use_node_ref();
    let fill = {
        let link = link.clone();
        move || {
            if let Some(a) = link.cast::<web_sys::HtmlAnchorElement>() {
                a.set_href(&url::share_url(&url::page_base(), &codec::encode(&app.scenario)));
            }
        }
    };
    let (f1, f2, f3, f4) = (fill.clone(), fill.clone(), fill.clone(), fill);
    html! {
        <a class="open-full" id="open-in-playground" ref={link} href={url::page_base()} target="_blank" rel="noopener"
            onpointerenter={move |_: PointerEvent| f1()} onpointerdown={move |_: PointerEvent| f2()}
            onfocus={move |_: FocusEvent| f3()} onclick={move |_: MouseEvent| f4()}>{ "Open in playground ↗" }</a>
    }
}

#[component]
pub fn Header(props: &HeaderProps) -> Html {
    let app = use_app();
    let title = if app.scenario.title.is_empty() { "Untitled scenario".to_string() } else { app.scenario.title.clone() };
    let source = match &app.source {
        TraceSource::Simulated => html! {},
        TraceSource::Live { label } => html! { <span class="badge live">{ format!("live: {label}") }</span> },
    };
    if app.embed {
        return html! {
            <header class="header compact">
                <span class="brand">{ "impnet" }</span>
                <span class="title" id="scenario-title">{ title }</span>
                { source }
                <OpenInPlayground />
            </header>
        };
    }
    let share = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| {
            let frag = codec::encode(&app.scenario);
            let base = url::page_base();
            let link = url::share_url(&base, &frag);
            url::replace_fragment(&frag);
            let d = app.dispatcher();
            copy_to_clipboard(&link, move || d.dispatch(Action::MarkCopied));
            app.dispatch(Action::OpenShare { link, snippet: url::embed_snippet(&base, &frag, &app.scenario.title) });
        })
    };
    let stem = file_stem(&app.scenario.title);
    let export_toml = {
        let (app, stem) = (app.clone(), stem.clone());
        Callback::from(move |_: MouseEvent| download(&format!("{stem}.toml"), "application/toml", &to_toml(&app.scenario)))
    };
    let export_json = {
        let (app, stem) = (app.clone(), stem.clone());
        Callback::from(move |_: MouseEvent| download(&format!("{stem}.jsonl"), "application/x-ndjson", &app.trace.to_json_lines()))
    };
    let export_csv = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| download(&format!("{stem}.csv"), "text/csv", &trace_csv(&app.trace)))
    };
    // Closing the <details> menu after a click keeps the header tidy.
    let close_menu = Callback::from(|e: MouseEvent| {
        let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        if el.tag_name() == "BUTTON" {
            if let Ok(Some(d)) = el.closest("details") {
                let _ = d.remove_attribute("open");
            }
        }
    });
    html! {
        <header class="header">
            <span class="brand">{ "impnet" }<small>{ " playground" }</small></span>
            <span class="title" id="scenario-title">{ title }</span>
            { source }
            { summary(&app) }
            <span class="spacer"></span>
            <span class="header-slot">{ props.extra.clone() }</span>
            <button id="btn-share" class="primary" onclick={share}>{ "Share" }</button>
            <details class="menu" onclick={close_menu}>
                <summary>{ "Export" }</summary>
                <div class="menu-items">
                    <button id="export-toml" onclick={export_toml}>{ "Scenario (TOML)" }</button>
                    <button id="export-jsonl" onclick={export_json}>{ "Trace (JSON lines)" }</button>
                    <button id="export-csv" onclick={export_csv}>{ "Trace (CSV)" }</button>
                </div>
            </details>
            <a class="docs-link" href="docs.html" target="_blank">{ "Docs" }</a>
        </header>
    }
}
