//! Browser live mode (src/live) in headless Chromium: the driver opens real WebSockets, feeds
//! `performance.now()` and timers to `LiveDevice`, and hands back a trace. No server runs
//! during the browser tests, so this one points at a closed loopback port: every connection
//! attempt is refused and the device must see a failed boot connection (L1, L3, S8).
#![cfg(target_arch = "wasm32")]

use impnet_core::live::LiveOptions;
use impnet_core::scenario::parse_toml;
use impnet_core::trace::{Carried, EventKind, Line, Outcome, Ret};
use impnet_playground::live::run_live;
use impnet_playground::state::Init;
use wasm_bindgen::JsCast;
use web_sys::{HtmlDocument, HtmlElement, HtmlTextAreaElement};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

mod support;
use support::mount_with_header;

wasm_bindgen_test_configure!(run_in_browser);

const REFUSED: &str = r#"
end_ms = 5000
[device]
boot_squirrel_ms = 100
[suspend]
connect_window_ms = 2000
[[steps]]
call = "server.setsendtimeoutpolicy"
reconnect = "RETURN_ON_ERROR"
wait = "WAIT_TIL_SENT"
timeout = 1
[[steps]]
call = "server.log"
bytes = 10
"#;

#[wasm_bindgen_test]
async fn s8_live_run_with_the_server_refusing_returns_not_connected() {
    let sc = parse_toml(REFUSED).expect("scenario parses");
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    let live = run_live(&sc, "ws://127.0.0.1:9/ws".into(), LiveOptions { time_scale: 10.0, skip_idle: true }).await.expect("a step list starts");
    let t = live.trace;
    let calls: Vec<(&str, Outcome)> = t
        .entries
        .iter()
        .filter_map(|e| match &e.line {
            Line::Call(c) => Some((c.call.as_str(), c.outcome.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        calls,
        vec![
            ("server.setsendtimeoutpolicy", Outcome::Returned(Ret::Null)),
            ("server.log", Outcome::Returned(Ret::Int(1))),
        ],
        "trace: {}",
        t.to_json_lines()
    );
    assert!(!t.entries.iter().any(|e| matches!(&e.line, Line::Event(ev) if ev.event == EventKind::Connected)));
    // The boot attempt lasts connect_window_ms, then the RETURN policy goes OFFLINE (§13).
    assert!(t.entries.iter().any(|e| matches!(&e.line, Line::Event(ev) if ev.event == EventKind::Offline)));
    assert!(live.real_micros < 3_000_000, "2 s of virtual time at 10× took {} µs", live.real_micros);
}

/// livecode item 1: the browser's live mode runs device code (§14), not only step lists: the
/// same refused server, the program's own calls placed by line, its `server.log` texts kept,
/// and the value it computed from the returns reaching the log (S8: 1, NOT_CONNECTED).
#[wasm_bindgen_test]
async fn s8_live_device_code_runs_in_the_browser_and_its_lines_and_texts_are_in_the_trace() {
    let sc = parse_toml(
        r#"
end_ms = 5000
code = """
server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 1);
local r = server.log("first");
imp.wakeup(0.5, function() {
    server.log("second after " + r);
});
"""
[device]
boot_squirrel_ms = 100
[suspend]
connect_window_ms = 2000
"#,
    )
    .expect("scenario parses");
    let live = run_live(&sc, "ws://127.0.0.1:9/ws".into(), LiveOptions { time_scale: 10.0, skip_idle: true }).await.expect("the program compiles");
    let t = live.trace;
    let calls: Vec<(&str, Option<u32>, Option<String>, Outcome)> = t
        .entries
        .iter()
        .filter_map(|e| match &e.line {
            Line::Call(c) if c.call.as_str().starts_with("server.") => {
                let code = c.code.as_ref();
                let text = match code.and_then(|k| k.carried.as_ref()) {
                    Some(Carried::Text(s)) => Some(s.to_string()),
                    _ => None,
                };
                Some((c.call.as_str(), code.map(|k| k.site.line), text, c.outcome.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        calls,
        vec![
            ("server.setsendtimeoutpolicy", Some(1), None, Outcome::Returned(Ret::Null)),
            ("server.log", Some(2), Some("first".into()), Outcome::Returned(Ret::Int(1))),
            ("server.log", Some(4), Some("second after 1".into()), Outcome::Returned(Ret::Int(1))),
        ],
        "trace: {}",
        t.to_json_lines()
    );
}

/// The whole page with its live header (as `App` renders it), opened on `preset` in code form.
async fn mount_with_live(preset: &str) -> web_sys::Element {
    let init = Init { preset: Some(preset.into()), ..Init::default() };
    mount_with_header(init, yew::html! { <impnet_playground::live::LiveHeader /> }).await
}

async fn settle(ms: u32) {
    yew::scheduler::flush().await;
    gloo_timers::future::TimeoutFuture::new(ms).await;
    yew::scheduler::flush().await;
}

fn text_of(root: &web_sys::Element, sel: &str) -> Option<String> {
    root.query_selector(sel).unwrap().and_then(|e| e.text_content())
}

/// livecode item 1: the live panel offers a preset's program (device code, not "step lists
/// only") and, once the editor holds a program that does not compile, says that live runs the
/// last version that did (the scenario keeps it).
#[wasm_bindgen_test]
async fn issue10_the_live_panel_runs_code_and_says_when_the_editor_does_not_compile() {
    let root = mount_with_live("window-bound").await;
    assert!(root.query_selector(".live-unavailable").unwrap().is_none());
    root.query_selector(".live-toggle-button").unwrap().unwrap().dyn_into::<HtmlElement>().unwrap().click();
    settle(10).await;
    assert_eq!(text_of(&root, ".live-status").as_deref(), Some("Runs the device code in real time against impnet serve."));
    assert!(root.query_selector(".live-stale-note").unwrap().is_none(), "the editor's program compiles");
    let ta: HtmlTextAreaElement = root.query_selector("textarea.code-input").unwrap().unwrap().dyn_into().unwrap();
    ta.focus().unwrap();
    ta.set_selection_range(0, 0).unwrap();
    let doc: HtmlDocument = web_sys::window().unwrap().document().unwrap().dyn_into().unwrap();
    assert!(doc.exec_command_with_show_ui_and_value("insertText", false, "local y = ;\n").unwrap());
    // Compile errors are checked once typing pauses.
    settle(400).await;
    assert!(root.query_selector("#code-error").unwrap().is_some(), "the editor shows the error");
    let note = text_of(&root, ".live-stale-note").expect("the panel says what live runs");
    assert_eq!(note, "The program in the editor does not compile: live runs the last version that did.");
}
