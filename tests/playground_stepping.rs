//! Stepping through device code in a real browser (issue 10 items 1 and 2): a preset runs its
//! program; the editor highlights the line that made the call under the cursor; a click on a
//! line number steps to the calls that line made; the detail panel names the source line and
//! the callback; an edit runs again once it compiles and a compile error keeps the last good
//! trace; a runtime error is marked at its line and on the timeline.
//!
//! Run: `cargo test -p impnet-playground --target wasm32-unknown-unknown --test playground_stepping`.
#![cfg(target_arch = "wasm32")]

use gloo_timers::future::TimeoutFuture;
use impnet_core::trace::Line;
use impnet_core::{codec, presets, run, RunOptions, Scenario};
use impnet_playground::logic::source;
use impnet_playground::state::{preset_scenario, Init, PresetForm};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlDocument, HtmlElement, HtmlTextAreaElement};

mod support;
use support::{mount_playground as mount, settle};

wasm_bindgen_test_configure!(run_in_browser);

/// Longer than the editor's compile delay (250 ms).
const CHECK_WAIT_MS: u32 = 400;

fn el(root: &Element, sel: &str) -> Element {
    root.query_selector(sel).unwrap().unwrap_or_else(|| panic!("no {sel}"))
}

fn text(root: &Element, sel: &str) -> String {
    el(root, sel).text_content().unwrap_or_default().replace('\u{a0}', " ")
}

/// The highlighted source line (the stepping cursor's band), if any.
fn current_band(root: &Element) -> Option<u32> {
    root.query_selector(".code-band.current").unwrap().and_then(|e| e.get_attribute("data-line")).map(|n| n.parse().unwrap())
}

fn position(root: &Element) -> usize {
    text(root, "#position").split(" / ").next().unwrap().trim().parse::<usize>().unwrap() - 1
}

async fn key(name: &str, shift: bool) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(name);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    let e = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    web_sys::window().unwrap().document().unwrap().dispatch_event(&e).unwrap();
    settle().await;
}

fn code_preset(id: &str) -> Scenario {
    preset_scenario(presets::find(id).unwrap(), PresetForm::Code).unwrap()
}

#[wasm_bindgen_test]
async fn issue10_stepping_highlights_the_line_that_made_each_call() {
    let id = "transmitter-retry";
    let want = run(&code_preset(id), &RunOptions::default()).unwrap();
    let root = mount(Init { preset: Some(id.into()), ..Init::default() }).await;
    assert_eq!(text(&root, "#position"), format!("1 / {}", want.entries.len()), "the program's trace is on screen");
    assert_eq!(el(&root, "#code-panel").get_attribute("data-runs").as_deref(), Some("true"));
    let mut calls = 0;
    // → through every line: the band is the line `impnet run --json` gives the same line.
    for _ in 0..want.entries.len().min(60) {
        let at = position(&root);
        assert_eq!(current_band(&root), source::line_of(&want.entries[at]), "trace line {at}");
        if let Line::Call(c) = &want.entries[at].line {
            calls += 1;
            let line = source::line_of(&want.entries[at]).unwrap();
            assert_eq!(text(&root, "#detail [data-field=\"source-line\"]"), format!("line {line}"));
            let src = presets::find(id).unwrap().twin.lines().nth(line as usize - 1).unwrap().trim();
            assert_eq!(text(&root, "#detail [data-field=\"source-text\"]"), src);
            assert_eq!(text(&root, "#detail [data-field=\"callback\"]"), source::callback_name(c.handler));
        }
        key("ArrowRight", false).await;
    }
    assert!(calls > 3, "stepped over {calls} calls");
    // Shift+← steps by call and the band follows.
    key("ArrowLeft", true).await;
    assert!(matches!(want.entries[position(&root)].line, Line::Call(_)));
    assert_eq!(current_band(&root), source::line_of(&want.entries[position(&root)]));
}

#[wasm_bindgen_test]
async fn issue10_a_click_on_a_line_number_steps_to_the_calls_it_made() {
    let id = "transmitter-retry";
    let want = run(&code_preset(id), &RunOptions::default()).unwrap();
    let root = mount(Init { preset: Some(id.into()), ..Init::default() }).await;
    // The line that made the most calls (the retried send).
    let mut counts = std::collections::BTreeMap::new();
    for l in want.entries.iter().filter_map(source::line_of) {
        *counts.entry(l).or_insert(0usize) += 1;
    }
    let (&line, &n) = counts.iter().max_by_key(|(_, n)| **n).unwrap();
    assert!(n >= 2, "{counts:?}");
    let made: Vec<usize> = (0..want.entries.len()).filter(|&i| source::line_of(&want.entries[i]) == Some(line)).collect();
    let gutter = el(&root, &format!(".code-gutter [data-line=\"{line}\"]")).dyn_into::<HtmlElement>().unwrap();
    gutter.click();
    settle().await;
    assert_eq!(position(&root), made[0], "the first trace line line {line} made");
    assert_eq!(current_band(&root), Some(line));
    gutter.click();
    settle().await;
    assert_eq!(position(&root), made[1], "again: the next one");
}

async fn type_over(root: &Element, text: &str) {
    let ta: HtmlTextAreaElement = el(root, "textarea.code-input").dyn_into().unwrap();
    ta.focus().unwrap();
    ta.select();
    let doc: HtmlDocument = web_sys::window().unwrap().document().unwrap().dyn_into().unwrap();
    assert!(doc.exec_command_with_show_ui_and_value("insertText", false, text).unwrap());
    settle().await;
    TimeoutFuture::new(CHECK_WAIT_MS).await;
    settle().await;
}

#[wasm_bindgen_test]
async fn issue10_an_edit_runs_once_it_compiles_and_an_error_keeps_the_last_good_trace() {
    let root = mount(Init { preset: Some("zero-timeout-trap".into()), ..Init::default() }).await;
    type_over(&root, "server.log(\"one\");\nserver.log(\"two\");\n").await;
    let logs = root.query_selector_all("#log-console li .text").unwrap();
    assert_eq!(logs.length(), 2, "the edited program ran");
    assert_eq!(logs.item(1).unwrap().text_content().unwrap(), "two");
    let shown = text(&root, "#position");
    type_over(&root, "server.log(\"one\");\nserver.log(\"two\";\n").await;
    assert_eq!(el(&root, "#code-error").get_attribute("data-line").as_deref(), Some("2"), "the compile error at its line");
    assert_eq!(text(&root, "#position"), shown, "the last good trace stays");
    assert_eq!(root.query_selector_all("#log-console li").unwrap().length(), 2);
}

#[wasm_bindgen_test]
async fn issue10_a_runtime_error_is_marked_at_its_line_and_on_the_timeline_section14() {
    let mut sc = code_preset("zero-timeout-trap");
    sc.code = Some("server.log(\"start\");\nlocal t = {};\nt.missing.go();\n".into());
    // Squirrel restarts 10 s after each error (§14): a minute is six errors, not a day's 8 640.
    sc.end_ms = 60_000;
    let want = run(&sc, &RunOptions::default()).unwrap();
    let errs = source::runtime_errors(&want);
    assert_eq!(errs.first().and_then(|e| e.line), Some(3));
    let root = mount(Init { fragment: Some(codec::encode(&sc)), ..Init::default() }).await;
    assert_eq!(el(&root, "#code-runtime-error").get_attribute("data-line").as_deref(), Some("3"));
    assert!(text(&root, "#code-runtime-error").contains("missing"), "{}", text(&root, "#code-runtime-error"));
    let mark = el(&root, "#timeline .squirrel-error-mark");
    assert_eq!(mark.get_attribute("data-index"), Some(errs[0].index.to_string()));
    // E (next error) stops there, and the band shows the throwing line.
    key("e", false).await;
    assert_eq!(position(&root), errs[0].index);
    assert_eq!(current_band(&root), Some(3));
    assert!(text(&root, "#detail [data-field=\"error\"]").contains("missing"));
}

#[wasm_bindgen_test]
async fn issue11_stepping_onto_an_agent_call_shows_the_agent_program_at_its_line_section15() {
    let pair = presets::PAIRS[0];
    let sc = pair.scenario().unwrap();
    let want = run(&sc, &RunOptions::default()).unwrap();
    let root = mount(Init { fragment: Some(codec::encode(&sc)), ..Init::default() }).await;
    assert_eq!(el(&root, "#code-panel").get_attribute("data-side").as_deref(), Some("device"));
    let first_agent = (0..want.entries.len()).find(|&i| source::line_on(&want.entries[i], source::Side::Agent).is_some()).unwrap();
    key("Home", false).await;
    for _ in 0..first_agent {
        key("ArrowRight", false).await;
    }
    assert_eq!(position(&root), first_agent);
    assert_eq!(el(&root, "#code-panel").get_attribute("data-side").as_deref(), Some("agent"), "the panel turns to the agent's program");
    let ta: HtmlTextAreaElement = el(&root, "#code-panel textarea.code-input").dyn_into().unwrap();
    assert_eq!(ta.value(), pair.agent);
    assert_eq!(current_band(&root), source::line_on(&want.entries[first_agent], source::Side::Agent));
    assert!(text(&root, "#detail [data-field=\"source-line\"]").starts_with("agent line "));
    // The console tells the two programs' logs apart.
    assert!(root.query_selector_all("#log-console li.agent").unwrap().length() > 0);
    assert!(text(&root, "#log-console li.agent .level").starts_with("[Agent]"));
    // Back on a device call, the device program again.
    key("ArrowLeft", true).await;
    let at = position(&root);
    if source::line_of(&want.entries[at]).is_some() {
        assert_eq!(el(&root, "#code-panel").get_attribute("data-side").as_deref(), Some("device"));
        assert_eq!(current_band(&root), source::line_of(&want.entries[at]));
    }
}
