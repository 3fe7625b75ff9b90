//! The playground in a real browser (wasm-bindgen-test, headless Chromium): mount
//! `Playground` into a fresh div, let it render, read the DOM.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown
//! --test playground` (scripts/ set up the runner and Chromium flags).
#![cfg(target_arch = "wasm32")]

use impnet_core::{codec, presets, run, scenario::parse_toml, RunOptions};
use impnet_playground::state::Init;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

mod support;
use support::mount_playground as mount;

wasm_bindgen_test_configure!(run_in_browser);

const TRAP: &str = "zero-timeout-trap";

fn text(root: &Element, sel: &str) -> String {
    root.query_selector(sel)
        .unwrap()
        .unwrap_or_else(|| panic!("no {sel} in {}", root.inner_html().chars().take(400).collect::<String>()))
        .text_content()
        .unwrap_or_default()
        .replace('\u{a0}', " ")
}

fn field(root: &Element, name: &str) -> String {
    text(root, &format!("#detail [data-field=\"{name}\"]"))
}

async fn click(root: &Element, sel: &str) {
    root.query_selector(sel).unwrap().unwrap().dyn_into::<HtmlElement>().unwrap().click();
    yew::scheduler::flush().await;
}

/// A preset as its step list (`?preset=id&steps=1`): these tests are about step-list
/// scenarios; `playground_code.rs` covers the code form presets open in by default.
fn preset(id: &str) -> Init {
    Init { preset: Some(id.into()), steps: true, ..Init::default() }
}

#[wasm_bindgen_test]
async fn s1_s8_stepping_by_call_changes_the_detail_panel() {
    let root = mount(preset(TRAP)).await;
    assert_eq!(field(&root, "event"), "connected");
    click(&root, "#btn-next-call").await;
    assert!(field(&root, "call").starts_with("server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 0)"), "{}", field(&root, "call"));
    click(&root, "#btn-next-call").await;
    assert_eq!(field(&root, "ret-value"), "0");
    assert_eq!(field(&root, "ret-name"), "OK");
    assert_eq!(field(&root, "rule"), "S1");
    click(&root, "#btn-prev").await;
    assert!(field(&root, "call").starts_with("server.setsendtimeoutpolicy"), "stepping back is an index move");
    click(&root, "#btn-last").await;
    assert_eq!(field(&root, "ret-value"), "1");
    assert_eq!(field(&root, "ret-name"), "SEND_ERROR_NOT_CONNECTED");
    assert_eq!(field(&root, "rule"), "S8");
    assert!(field(&root, "rule-text").len() > 10, "the rule is explained (explain::rule_text)");
}

#[wasm_bindgen_test]
async fn s5_next_error_walks_the_lost_bytes_to_the_timeout() {
    let root = mount(preset(TRAP)).await;
    let mut seen_timeout = false;
    for _ in 0..40 {
        click(&root, "#btn-next-error").await;
        if root.query_selector("#detail [data-field=\"ret-value\"]").unwrap().is_some() && field(&root, "ret-value") == "2" {
            seen_timeout = true;
            break;
        }
        assert_eq!(field(&root, "event"), "lost", "errors before the timeout are the lost messages");
    }
    assert!(seen_timeout);
    assert_eq!(field(&root, "ret-name"), "SEND_ERROR_TIMEOUT");
    assert_eq!(field(&root, "rule"), "S5");
    assert!(field(&root, "why").contains("timeout 0"), "{}", field(&root, "why"));
}

#[wasm_bindgen_test]
async fn keys_step_lines_and_calls() {
    let root = mount(preset(TRAP)).await;
    let key = |k: &str, shift: bool| {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key(k);
        init.set_shift_key(shift);
        init.set_bubbles(true);
        let e = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
        web_sys::window().unwrap().document().unwrap().dispatch_event(&e).unwrap();
    };
    key("ArrowRight", true);
    yew::scheduler::flush().await;
    key("ArrowRight", true);
    yew::scheduler::flush().await;
    assert_eq!(field(&root, "rule"), "S1");
    key("End", false);
    yew::scheduler::flush().await;
    assert_eq!(field(&root, "ret-value"), "1");
    let n: usize = text(&root, "#position").split(" / ").nth(1).unwrap().parse().unwrap();
    assert_eq!(text(&root, "#position"), format!("{n} / {n}"));
    key("ArrowLeft", false);
    yew::scheduler::flush().await;
    assert_eq!(text(&root, "#position"), format!("{} / {n}", n - 1));
}

#[wasm_bindgen_test]
async fn spec_10_a_share_link_round_trips_to_the_same_scenario_and_trace() {
    let mut s = parse_toml(presets::find(TRAP).unwrap().toml).unwrap();
    s.title = "Round trip".into();
    s.network.rtt_ms = 250;
    let expected = run(&s, &RunOptions::default()).unwrap();
    let frag = codec::encode(&s);
    let root = mount(Init { fragment: Some(format!("#{frag}")), ..Init::default() }).await;
    assert_eq!(text(&root, "#scenario-title"), "Round trip");
    assert!(root.query_selector("#notice").unwrap().is_none(), "no error message");
    assert_eq!(text(&root, "#position"), format!("1 / {}", expected.entries.len()));
    click(&root, "#tab-toml").await;
    let toml = root.query_selector("#toml").unwrap().unwrap().dyn_into::<web_sys::HtmlTextAreaElement>().unwrap().value();
    assert_eq!(parse_toml(&toml).unwrap(), s, "the editor shows exactly the linked scenario");
}

#[wasm_bindgen_test]
async fn a_bad_link_shows_the_message_and_the_default_scenario() {
    let root = mount(Init { fragment: Some("#zNOT-A-LINK".into()), ..Init::default() }).await;
    assert!(text(&root, "#notice").contains("could not be opened"), "{}", text(&root, "#notice"));
    assert_eq!(text(&root, "#scenario-title"), presets::ALL[0].title);
    assert!(text(&root, "#position").starts_with("1 / "), "a trace, not a blank page");
}

#[wasm_bindgen_test]
async fn embed_mode_hides_the_editor_and_keeps_the_controls() {
    let root = mount(Init { embed: true, ..preset(TRAP) }).await;
    assert!(root.query_selector("#scenario-panel").unwrap().is_none());
    assert!(root.query_selector("#btn-share").unwrap().is_none());
    assert!(root.query_selector("#btn-next").unwrap().is_some());
    let open = root.query_selector("#open-in-playground").unwrap().unwrap();
    // The link is written when the reader reaches for it (issue 10 item 6): a pointer down.
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    open.dispatch_event(&web_sys::Event::new_with_event_init_dict("pointerdown", &init).unwrap()).unwrap();
    let href = open.get_attribute("href").unwrap();
    let frag = href.split_once('#').unwrap().1;
    assert_eq!(codec::decode(frag).unwrap(), parse_toml(presets::find(TRAP).unwrap().toml).unwrap(), "the link carries the scenario");
}

#[wasm_bindgen_test]
async fn s10_toml_errors_name_the_field_inline() {
    let root = mount(preset(TRAP)).await;
    click(&root, "#tab-toml").await;
    let ta = root.query_selector("#toml").unwrap().unwrap().dyn_into::<web_sys::HtmlTextAreaElement>().unwrap();
    ta.set_value("[network]\nrtt_ms = \"slow\"\n");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    ta.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
    yew::scheduler::flush().await;
    assert!(text(&root, "#toml-error").contains("rtt_ms"), "{}", text(&root, "#toml-error"));
    assert!(text(&root, "#position").starts_with("1 / "), "the last good run stays on screen");
}

async fn type_toml(root: &Element, text: &str) {
    let ta = root.query_selector("#toml").unwrap().unwrap().dyn_into::<web_sys::HtmlTextAreaElement>().unwrap();
    ta.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    ta.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
    support::settle().await;
}

/// The page remembers the scenario for the next visit (`url::store`): a valid edit at once,
/// and what the page opened with from its URL only when the page is hidden, so that the first
/// paint runs no TOML writer (issue 10 item 6). The default scenario is not stored (an empty
/// storage opens it again), and an invalid text never is (S10).
#[wasm_bindgen_test]
async fn issue10_the_scenario_is_remembered_on_an_edit_and_when_the_page_is_hidden() {
    const KEY: &str = "impnet.playground.scenario";
    let window = web_sys::window().unwrap();
    let storage = window.local_storage().unwrap().unwrap();
    let stored = || storage.get_item(KEY).unwrap().map(|t| parse_toml(&t).expect("the stored text parses"));
    let hide = || window.dispatch_event(&web_sys::Event::new("pagehide").unwrap()).unwrap();
    storage.remove_item(KEY).unwrap();
    support::mount_remembering(Init::default()).await;
    hide();
    assert_eq!(stored(), None, "the default scenario, unchanged, is not stored");
    let root = support::mount_remembering(preset(TRAP)).await;
    assert_eq!(stored(), None, "opening writes nothing");
    click(&root, "#tab-toml").await;
    type_toml(&root, "title = ").await;
    assert_eq!(stored(), None, "an invalid text is not stored");
    hide();
    assert_eq!(stored(), Some(parse_toml(presets::find(TRAP).unwrap().toml).unwrap()), "leaving stores what the URL opened");
    type_toml(&root, "title = \"edited\"\n").await;
    assert_eq!(stored().unwrap().title, "edited", "a valid edit is stored at once");
    type_toml(&root, "title = ").await;
    hide();
    assert_eq!(stored().unwrap().title, "edited", "the last valid scenario stays stored");
    storage.remove_item(KEY).unwrap();
}

/// Issue 10 item 6: in the bundle the browser's JSON parser reads rules.json
/// (`rules::Texts::parse`); it reads the shipped file as the texts compiled in, and refuses a
/// damaged one with the same reasons as the native build's (src/rules.rs tests).
#[wasm_bindgen_test]
fn issue10_the_browser_reads_the_shipped_rules_json_as_the_compiled_in_texts() {
    use impnet_playground::rules::{Rule, RuleTexts, Texts};
    let shipped = Texts::parse(include_str!("../www/rules.json")).expect("www/rules.json reads");
    let RuleTexts::Here(compiled) = RuleTexts::at_start() else { panic!("tests have the texts compiled in") };
    assert_eq!(shipped, *compiled);
    assert_eq!(shipped.choice_of(Rule::U1), None, "U1 is no choice");
    assert!(Texts::parse("<html>").unwrap_err().starts_with("rules.json is not JSON: "));
    assert_eq!(Texts::parse("[]").unwrap_err(), "rules.json has no \"rules\" object");
    assert_eq!(Texts::parse(r#"{"rules": []}"#).unwrap_err(), "rules.json has no \"rules\" object");
    let without_s5 = include_str!("../www/rules.json").replace("\"S5\":", "\"S5x\":");
    assert_eq!(Texts::parse(&without_s5).unwrap_err(), "rules.json has no text for S5");
    assert_eq!(Texts::parse(r#"{"rules": {"toString": 1}, "choices": []}"#).unwrap_err(), "rules.json has no text for L1");
    let bad_choice = include_str!("../www/rules.json").replacen("[\"", "[\"X9\", \"", 1);
    assert!(Texts::parse(&bad_choice).unwrap_err().starts_with("rules.json: choices[0] is not"), "{:?}", Texts::parse(&bad_choice).err());
}

#[wasm_bindgen_test]
async fn spec_12_every_preset_renders_a_timeline_of_bounded_size() {
    for p in presets::ALL {
        let root = mount(preset(p.id)).await;
        assert_eq!(text(&root, "#scenario-title"), parse_toml(p.toml).unwrap().title);
        let nodes = root.query_selector_all("#timeline svg *").unwrap().length();
        assert!(nodes < 6000, "{}: {nodes} SVG nodes", p.id);
    }
}

#[wasm_bindgen_test]
async fn share_dialog_offers_a_link_that_decodes_to_the_scenario_and_an_embed_snippet() {
    let root = mount(preset(TRAP)).await;
    click(&root, "#btn-share").await;
    let link = root.query_selector("#share-link").unwrap().unwrap().dyn_into::<web_sys::HtmlInputElement>().unwrap().value();
    let frag = link.split_once('#').expect("a #fragment").1;
    assert_eq!(codec::decode(frag).unwrap(), parse_toml(presets::find(TRAP).unwrap().toml).unwrap());
    let snippet = root.query_selector("#share-snippet").unwrap().unwrap().dyn_into::<web_sys::HtmlTextAreaElement>().unwrap().value();
    assert!(snippet.starts_with("<iframe") && snippet.contains("?embed=1#"), "{snippet}");
    click(&root, "#share-dialog button").await;
    assert!(root.query_selector("#share-dialog").unwrap().is_none(), "Close closes it");
}

#[wasm_bindgen_test]
async fn s5_editing_a_step_reruns_at_once_and_the_trap_is_gone() {
    let root = mount(preset(TRAP)).await;
    let before = text(&root, "#position");
    click(&root, "#tab-steps").await;
    // Step 1 is `server.log` × 20; make it × 5: fewer lines, no timeout any more.
    let repeat = root
        .query_selector("[data-list=\"steps\"] [data-step=\"1\"] input[data-arg=\"repeat\"]")
        .unwrap()
        .unwrap()
        .dyn_into::<web_sys::HtmlInputElement>()
        .unwrap();
    repeat.set_value("5");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    repeat.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
    yew::scheduler::flush().await;
    assert_ne!(text(&root, "#position"), before);
    click(&root, "#btn-last").await;
    assert_eq!(field(&root, "event"), "acked", "five logs fit: the run ends with ACKs, not S5");
}

#[wasm_bindgen_test]
async fn issue12_expectations_show_as_a_checklist_whose_items_step_to_their_evidence() {
    let toml = format!(
        "{}\n[[expect]]\ncall = \"server.log\"\nnth = 1\nret = 0\n[[expect]]\nname = \"no log times out\"\ncall = \"server.log\"\nret = 0\n",
        presets::find(TRAP).unwrap().toml
    );
    let sc = parse_toml(&toml).unwrap();
    let root = mount(Init { fragment: Some(codec::encode(&sc)), ..Init::default() }).await;
    assert_eq!(text(&root, "#expects [data-field=\"expect-count\"]"), "1 of 2 pass");
    let items = root.query_selector_all("#expects li.expect").unwrap();
    assert_eq!(items.length(), 2);
    assert_eq!(attr(&root, "#expects li[data-expect=\"1\"]", "data-passed"), "false");
    assert!(text(&root, "#expects li[data-expect=\"1\"]").contains("✗no log times out"));
    // Clicking the failure steps to the first log that returned 2 (S5).
    click(&root, "#expects li[data-expect=\"1\"] button").await;
    assert_eq!(field(&root, "ret-value"), "2");
    let at = attr(&root, "#detail", "data-index");
    // "+ expect this return" on that line adds a third expectation, which passes there.
    click(&root, "#detail [data-action=\"expect-line\"]").await;
    assert_eq!(text(&root, "#expects [data-field=\"expect-count\"]"), "2 of 3 pass");
    assert_eq!(attr(&root, "#expects li[data-expect=\"2\"]", "data-passed"), "true");
    assert_eq!(attr(&root, "#detail", "data-index"), at, "the cursor stays on the line");
}

fn attr(root: &Element, sel: &str, name: &str) -> String {
    root.query_selector(sel).unwrap().unwrap_or_else(|| panic!("no {sel}")).get_attribute(name).unwrap_or_default()
}
