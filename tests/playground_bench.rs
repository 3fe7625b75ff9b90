//! Opt-in speed report (no assertions on time): load to first render and time per step on a
//! run of about 100 000 trace lines, measured with `performance.now()` in headless Chromium.
//!
//! Run (release, so the numbers mean something):
//! `cargo test --release --target wasm32-unknown-unknown --test playground_bench -- --include-ignored --nocapture`
#![cfg(target_arch = "wasm32")]

use impnet_core::scenario::{parse_toml, Scenario};
use impnet_core::{codec, run, RunOptions};
use impnet_playground::app::PlaygroundProps;
use impnet_playground::state::Init;
use impnet_playground::Playground;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

/// 50 000 small logs under the default policy: each is a call line plus an `acked` event.
fn big_scenario() -> Scenario {
    parse_toml(
        r#"
title = "Benchmark: 50 000 logs"
[[steps]]
call = "server.log"
bytes = 100
repeat = 50000
"#,
    )
    .unwrap()
}

#[wasm_bindgen_test]
#[ignore]
async fn bench_100k_lines_load_and_step() {
    let s = big_scenario();
    let t0 = now();
    let trace = run(&s, &RunOptions::default()).unwrap();
    let t_run = now() - t0;
    let lines = trace.entries.len();
    drop(trace);

    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    let init = Init { fragment: Some(codec::encode(&s)), ..Init::default() };
    let t1 = now();
    yew::Renderer::<Playground>::with_root_and_props(root.clone(), PlaygroundProps { init, persist: false, header_extra: Default::default() }).render();
    yew::scheduler::flush().await;
    let t_first = now() - t1;
    assert!(root.query_selector("#detail").unwrap().is_some());

    let button = |id: &str| root.query_selector(id).unwrap().unwrap().dyn_into::<HtmlElement>().unwrap();
    let mut per = Vec::new();
    for (id, n) in [("#btn-next", 300), ("#btn-prev", 300), ("#btn-next-call", 200), ("#btn-prev-call", 200), ("#btn-last", 20), ("#btn-first", 20)] {
        let b = button(id);
        let t = now();
        for _ in 0..n {
            b.click();
            yew::scheduler::flush().await;
        }
        per.push(format!("{id}: {:.2} ms/step", (now() - t) / n as f64));
    }
    // Zooming re-buckets the whole visible trace: the expensive redraw.
    let zoom_out = root.query_selector_all(".zoom button").unwrap().item(2).unwrap().dyn_into::<HtmlElement>().unwrap();
    let zoom_in = root.query_selector_all(".zoom button").unwrap().item(1).unwrap().dyn_into::<HtmlElement>().unwrap();
    let t = now();
    for _ in 0..10 {
        zoom_in.click();
        yew::scheduler::flush().await;
        zoom_out.click();
        yew::scheduler::flush().await;
    }
    let t_zoom = (now() - t) / 20.0;
    let svg_nodes = root.query_selector_all("#timeline svg *").unwrap().length();
    console_log!(
        "BENCH lines={lines} run={t_run:.1} ms, mount→first render (run + timeline model + DOM)={t_first:.1} ms, {}, zoom redraw={t_zoom:.2} ms, timeline SVG nodes={svg_nodes}",
        per.join(", ")
    );
}

/// A 2 000-line program: 250 functions of 8 lines, each a loop of sends and logs.
fn program_2000_lines() -> String {
    let mut src = String::new();
    for i in 0..250 {
        src.push_str(&format!(
            "function send{i}(n) {{\n    local data = blob(100);\n    for (local k = 0; k < n; k++) {{\n        \
             local r = agent.send(\"reading\", data); // try\n        if (r != 0) server.log(\"send {i} failed: \" + r);\n    \
             }}\n    return n * {i};\n}}\n"
        ));
    }
    src
}

/// Resolves at the next animation frame: after the browser has painted what the DOM holds.
async fn next_frame() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().request_animation_frame(&resolve).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

fn insert_text(text: &str) {
    let doc: web_sys::HtmlDocument = web_sys::window().unwrap().document().unwrap().dyn_into().unwrap();
    assert!(doc.exec_command_with_show_ui_and_value("insertText", false, text).unwrap());
}

/// Issue 10 item 1: keystroke to paint in the code editor holding a 2 000-line program, inside
/// the whole playground (the edit goes through the app state like a real one).
#[wasm_bindgen_test]
#[ignore]
async fn bench_editor_keystroke_to_paint_on_2000_lines() {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    let init = Init { preset: Some("transmitter-retry".into()), ..Init::default() };
    yew::Renderer::<Playground>::with_root_and_props(root.clone(), PlaygroundProps { init, persist: false, header_extra: Default::default() }).render();
    yew::scheduler::flush().await;
    next_frame().await;
    let ta = root.query_selector("textarea.code-input").unwrap().unwrap().dyn_into::<web_sys::HtmlTextAreaElement>().unwrap();
    ta.focus().unwrap();
    ta.select();
    let src = program_2000_lines();
    let t0 = now();
    insert_text(&src);
    yew::scheduler::flush().await;
    let t_paste_dom = now() - t0;
    next_frame().await;
    let t_paste_frame = now() - t0;
    assert_eq!(root.query_selector_all(".code-gutter [data-line]").unwrap().length(), 2001);

    let (mut dom, mut frame) = (Vec::new(), Vec::new());
    for i in 0..60u32 {
        let at = (i * 997) % src.len() as u32;
        ta.set_selection_range(at, at).unwrap();
        let t = now();
        insert_text("x");
        yew::scheduler::flush().await;
        dom.push(now() - t);
        next_frame().await;
        frame.push(now() - t);
    }
    let t = now();
    let checked = impnet_playground::logic::code::compile_check(&src);
    let t_compile = now() - t;
    assert!(checked.is_ok(), "{checked:?}");
    let stats = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        format!("median {:.1} ms, p90 {:.1} ms, max {:.1} ms", v[v.len() / 2], v[v.len() * 9 / 10], v[v.len() - 1])
    };
    console_log!(
        "{}",
        format!(
            "2 000-line program: paste {t_paste_dom:.1} ms to DOM, {t_paste_frame:.1} ms to the next frame; \
             keystroke to DOM: {}; keystroke to next frame: {}; compile check (debounced, 250 ms after typing): {t_compile:.1} ms",
            stats(&mut dom),
            stats(&mut frame)
        )
    );
}
