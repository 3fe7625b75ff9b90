//! The code editor in a real browser (issue 10 item 1): typing repaints the coloured copy,
//! a compile error appears at its line a moment after typing stops, the line bands follow the
//! caret and the stepping cursor, Tab indents through the browser's undo stack.
//!
//! Run: `cargo test -p impnet-playground --target wasm32-unknown-unknown --test playground_code`.
#![cfg(target_arch = "wasm32")]

use gloo_timers::future::TimeoutFuture;
use impnet_playground::components::code_editor::{CodeEditor, CodeEditorProps};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlDocument, HtmlTextAreaElement, KeyboardEvent, KeyboardEventInit};
use yew::prelude::*;

mod support;
use support::mount_playground;

wasm_bindgen_test_configure!(run_in_browser);

/// Longer than the editor's compile delay (250 ms).
const CHECK_WAIT_MS: u32 = 400;

struct Mounted {
    root: Element,
    edits: Rc<RefCell<Vec<String>>>,
}

async fn mount(code: &str, current_line: Option<u32>) -> Mounted {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    let edits = Rc::new(RefCell::new(Vec::new()));
    let sink = edits.clone();
    yew::Renderer::<CodeEditor>::with_root_and_props(
        root.clone(),
        CodeEditorProps {
            code: AttrValue::from(code.to_string()),
            readonly: false,
            current_line,
            runtime_error: None,
            onedit: Callback::from(move |t: String| sink.borrow_mut().push(t)),
            online: Callback::noop(),
        },
    )
    .render();
    yew::scheduler::flush().await;
    TimeoutFuture::new(10).await;
    yew::scheduler::flush().await;
    Mounted { root, edits }
}

fn textarea(root: &Element) -> HtmlTextAreaElement {
    root.query_selector("textarea.code-input").unwrap().unwrap().dyn_into().unwrap()
}

fn attr(root: &Element, sel: &str, name: &str) -> Option<String> {
    root.query_selector(sel).unwrap().and_then(|e| e.get_attribute(name))
}

/// Types `text` at the caret the way a keyboard does: through `insertText`, which fires `input`.
async fn type_text(root: &Element, text: &str) {
    let ta = textarea(root);
    ta.focus().unwrap();
    let doc: HtmlDocument = web_sys::window().unwrap().document().unwrap().dyn_into().unwrap();
    assert!(doc.exec_command_with_show_ui_and_value("insertText", false, text).unwrap(), "insertText works in this browser");
    yew::scheduler::flush().await;
}

async fn key(root: &Element, name: &str, shift: bool) {
    let init = KeyboardEventInit::new();
    init.set_key(name);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    textarea(root).dispatch_event(&ev).unwrap();
    let up = KeyboardEvent::new_with_keyboard_event_init_dict("keyup", &init).unwrap();
    textarea(root).dispatch_event(&up).unwrap();
    yew::scheduler::flush().await;
}

#[wasm_bindgen_test]
async fn issue10_typing_repaints_the_highlighted_copy_and_reports_the_edit() {
    let m = mount("x = 1;\n", None).await;
    let ta = textarea(&m.root);
    assert_eq!(ta.value(), "x = 1;\n", "the program is in the textarea");
    ta.set_selection_range(7, 7).unwrap();
    type_text(&m.root, "local s = \"hi\";").await;
    assert_eq!(ta.value(), "x = 1;\nlocal s = \"hi\";");
    let paint = m.root.query_selector(".code-paint").unwrap().unwrap();
    assert_eq!(paint.text_content().unwrap(), "x = 1;\nlocal s = \"hi\";", "the painted copy has the same characters");
    assert_eq!(paint.query_selector(".tk-kw").unwrap().unwrap().text_content().unwrap(), "local");
    assert_eq!(paint.query_selector(".tk-str").unwrap().unwrap().text_content().unwrap(), "\"hi\"");
    assert!(m.edits.borrow().is_empty(), "the parent hears of edits only once typing pauses");
    TimeoutFuture::new(CHECK_WAIT_MS).await;
    assert_eq!(m.edits.borrow().last().map(String::as_str), Some("x = 1;\nlocal s = \"hi\";"));
    assert_eq!(m.root.query_selectorAll_count(".code-gutter [data-line]"), 2, "a line number per line");
}

trait Count {
    #[allow(non_snake_case)]
    fn query_selectorAll_count(&self, sel: &str) -> u32;
}
impl Count for Element {
    fn query_selectorAll_count(&self, sel: &str) -> u32 {
        self.query_selector_all(sel).unwrap().length()
    }
}

#[wasm_bindgen_test]
async fn issue10_a_compile_error_appears_at_its_line_and_goes_when_fixed() {
    let m = mount("local x = 1;\n", None).await;
    assert!(m.root.query_selector("#code-error").unwrap().is_none(), "a valid program shows no error");
    textarea(&m.root).set_selection_range(13, 13).unwrap();
    type_text(&m.root, "local y = ;").await;
    assert!(m.root.query_selector("#code-error").unwrap().is_none(), "checked only after typing pauses");
    TimeoutFuture::new(CHECK_WAIT_MS).await;
    yew::scheduler::flush().await;
    assert_eq!(attr(&m.root, "#code-error", "data-line").as_deref(), Some("2"));
    assert_eq!(attr(&m.root, ".code-squiggle", "data-col").as_deref(), Some("11"));
    let msg = m.root.query_selector("#code-error").unwrap().unwrap().text_content().unwrap();
    assert!(msg.starts_with("2:11: "), "{msg}");
    let status = m.root.query_selector("[data-field=compile-error]").unwrap().unwrap().text_content().unwrap();
    assert!(status.starts_with("device.nut:2:11: "), "{status}");
    assert_eq!(attr(&m.root, ".code-gutter", "data-error-line").as_deref(), Some("2"));
    // Fix it: the mark goes.
    let ta = textarea(&m.root);
    ta.set_selection_range(23, 23).unwrap();
    type_text(&m.root, "2").await;
    TimeoutFuture::new(CHECK_WAIT_MS).await;
    yew::scheduler::flush().await;
    assert_eq!(ta.value(), "local x = 1;\nlocal y = 2;");
    assert!(m.root.query_selector("#code-error").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn issue10_the_line_bands_follow_the_caret_and_the_stepping_cursor() {
    let m = mount("a();\nb();\nc();\n", Some(2)).await;
    assert_eq!(attr(&m.root, ".code-band.current", "data-line").as_deref(), Some("2"), "the stepping cursor's line");
    let ta = textarea(&m.root);
    ta.focus().unwrap();
    ta.set_selection_range(11, 11).unwrap();
    key(&m.root, "ArrowDown", false).await;
    assert_eq!(attr(&m.root, ".code-band.caret-line", "data-line").as_deref(), Some("3"));
    ta.set_selection_range(1, 1).unwrap();
    key(&m.root, "ArrowUp", false).await;
    assert_eq!(attr(&m.root, ".code-band.caret-line", "data-line").as_deref(), Some("1"));
}

#[wasm_bindgen_test]
async fn issue10_tab_enter_and_shift_tab_edit_through_the_undo_stack() {
    let m = mount("if (x) {", None).await;
    let ta = textarea(&m.root);
    ta.focus().unwrap();
    ta.set_selection_range(8, 8).unwrap();
    key(&m.root, "Enter", false).await;
    assert_eq!(ta.value(), "if (x) {\n    ", "Enter after an open brace indents one level");
    type_text(&m.root, "y();").await;
    ta.set_selection_range(9, 9).unwrap();
    key(&m.root, "Tab", true).await;
    assert_eq!(ta.value(), "if (x) {\ny();", "Shift+Tab removes one level");
    key(&m.root, "Tab", false).await;
    assert_eq!(ta.value(), "if (x) {\n    y();", "Tab over a selected line indents it");
    let doc: HtmlDocument = web_sys::window().unwrap().document().unwrap().dyn_into().unwrap();
    for _ in 0..2 {
        doc.exec_command("undo").unwrap();
    }
    yew::scheduler::flush().await;
    assert_eq!(ta.value(), "if (x) {\n    y();", "two undos take back Tab and Shift+Tab");
    doc.exec_command("undo").unwrap();
    doc.exec_command("undo").unwrap();
    yew::scheduler::flush().await;
    assert_eq!(ta.value(), "if (x) {", "two more take back the typing and the Enter");
    let paint = m.root.query_selector(".code-paint").unwrap().unwrap();
    assert_eq!(paint.text_content().unwrap(), "if (x) {", "undo repaints too (it fires input)");
}

fn preset(id: &str, embed: bool) -> impnet_playground::state::Init {
    impnet_playground::state::Init { preset: Some(id.into()), embed, ..Default::default() }
}

#[wasm_bindgen_test]
async fn issue10_the_device_log_follows_the_cursor_and_a_click_steps_there() {
    let root = mount_playground(preset("zero-timeout-trap", false)).await;
    assert_eq!(root.query_selectorAll_count("#log-console li"), 20, "one line per server.log call");
    assert_eq!(root.query_selectorAll_count("#log-console li.later"), 20, "at the first line every log is still to come");
    let fifth = root.query_selector_all("#log-console li").unwrap().item(4).unwrap().dyn_into::<web_sys::HtmlElement>().unwrap();
    let index = fifth.get_attribute("data-index").unwrap();
    fifth.query_selector(".text").unwrap().unwrap().dyn_into::<web_sys::HtmlElement>().unwrap().click();
    yew::scheduler::flush().await;
    let position = root.query_selector("#position").unwrap().unwrap().text_content().unwrap();
    let line_no: usize = index.parse::<usize>().unwrap() + 1;
    assert!(position.starts_with(&format!("{line_no} / ")), "stepped to trace line {line_no}: {position}");
    assert_eq!(root.query_selectorAll_count("#log-console li.later"), 15, "the five up to the cursor are no longer dimmed");
    assert_eq!(attr(&root, "#log-console li.current", "data-index"), Some(index));
    assert!(root.query_selector("#detail [data-field=\"call\"]").unwrap().unwrap().text_content().unwrap().starts_with("server.log"));
}

#[wasm_bindgen_test]
async fn issue10_an_embed_of_a_preset_shows_its_code_read_only_beside_the_timeline() {
    let root = mount_playground(preset("transmitter-retry", true)).await;
    let ta = textarea(&root);
    assert!(ta.read_only(), "embeds do not edit");
    assert_eq!(ta.value(), impnet_core::presets::find("transmitter-retry").unwrap().twin);
    assert!(root.query_selector(".embed-split #timeline, .embed-split .timeline").unwrap().is_some(), "the timeline is beside it");
}

#[wasm_bindgen_test]
async fn issue10_a_keystroke_repaints_only_the_line_it_changed() {
    let m = mount("local a = 1;\nlocal b = 2;\nlocal c = 3;\n", None).await;
    let paint = m.root.query_selector(".code-paint").unwrap().unwrap();
    let lines = paint.children();
    assert_eq!(lines.length(), 4, "one element per line (and the empty last one)");
    let (first, third) = (lines.item(0).unwrap(), lines.item(2).unwrap());
    let ta = textarea(&m.root);
    ta.set_selection_range(24, 24).unwrap(); // after "local b = 2" on line 2
    type_text(&m.root, "2").await;
    assert_eq!(paint.text_content().unwrap(), "local a = 1;\nlocal b = 22;\nlocal c = 3;\n ");
    let lines = paint.children();
    assert!(lines.item(0).unwrap().is_same_node(Some(&first)) && lines.item(2).unwrap().is_same_node(Some(&third)), "untouched lines are the same nodes");
    assert_eq!(lines.item(1).unwrap().query_selector(".tk-num").unwrap().unwrap().text_content().unwrap(), "22");
    // A new line inserts one element; the ones after it stay.
    type_text(&m.root, "\nlocal d = 4;").await;
    let lines = paint.children();
    assert_eq!(lines.length(), 5);
    assert!(lines.item(3).unwrap().is_same_node(Some(&third)));
}
