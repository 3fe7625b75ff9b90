//! The timeline draws the messages crossing between device and agent (issue 11 item 4, SPEC
//! §15): one arrow per `agent.send` / agent `device.send`, lost ones marked, for the preset pairs.
//!
//! Run: `scripts/wasm-env.sh cargo test -p impnet-playground --target wasm32-unknown-unknown --test playground_messages`.
#![cfg(target_arch = "wasm32")]

use impnet_core::program::CallKind;
use impnet_core::trace::{EventKind, Line, Side, Trace};
use impnet_core::{codec, presets, run, RunOptions};
use impnet_playground::state::Init;
use wasm_bindgen_test::*;
use web_sys::Element;

mod support;
use support::mount_playground as mount;

wasm_bindgen_test_configure!(run_in_browser);

fn count(root: &Element, sel: &str) -> usize {
    root.query_selector_all(sel).unwrap().length() as usize
}

/// Sends either way, and those the core's trace says were lost (a `lost`/`downlink_lost` event,
/// or an `agent.send` that returned an error and so made no message), counted from the trace
/// lines themselves (not through the playground's pairing).
fn sent_and_lost(t: &Trace) -> (usize, usize) {
    let mut sent = 0;
    let mut lost = 0;
    for e in &t.entries {
        match &e.line {
            Line::Call(c) => {
                let side = c.code.as_ref().map_or(Side::Device, |k| k.side);
                if matches!((c.call, side), (CallKind::AgentSend, Side::Device) | (CallKind::DeviceSend, Side::Agent)) {
                    sent += 1;
                    lost += usize::from(c.msg.is_none());
                }
            }
            Line::Event(ev) if ev.msg.is_some() => lost += usize::from(matches!(ev.event, EventKind::Lost | EventKind::DownlinkLost)),
            _ => {}
        }
    }
    (sent, lost)
}

async fn arrows_for(id: &str) -> (Element, usize, usize) {
    let sc = presets::find_pair(id).unwrap().scenario().unwrap();
    let want = run(&sc, &RunOptions::default()).unwrap();
    let (sent, lost) = sent_and_lost(&want);
    let root = mount(Init { fragment: Some(codec::encode(&sc)), ..Init::default() }).await;
    assert!(sent > 0, "{id} sends messages");
    assert_eq!(count(&root, "#timeline g.msg"), sent, "{id}: one arrow per message, the whole run in view");
    assert_eq!(count(&root, "#timeline g.msg.lost"), lost, "{id}: every lost message marked");
    assert!(count(&root, "#timeline g.msg.down") > 0, "{id}: the agent's ACKs cross the other way");
    (root, sent, lost)
}

#[wasm_bindgen_test]
async fn issue11_the_ack_resend_pair_shows_arrows_both_ways_section15() {
    let (root, sent, _) = arrows_for("ack-resend").await;
    assert!(count(&root, "#timeline g.msg.received") > sent / 2, "most messages arrive");
}

#[wasm_bindgen_test]
async fn issue11_the_ack_no_resend_pair_marks_the_lost_messages_section15() {
    let (root, _, lost) = arrows_for("ack-no-resend").await;
    assert!(lost > 0, "the outage loses messages");
    assert_eq!(count(&root, "#timeline g.msg.lost .msg-x"), lost, "each lost arrow ends in ×");
}
