//! The words behind every rule ID and every modelling choice, for the playground's explanation
//! panel and `impnet explain`. The rules themselves are `crate::rules::Rule`.
//!
//! Without the `rule-texts` feature (the playground's bundle, issue 10 item 6) there are no
//! choices and every rule text is empty; the bundle fetches them from `www/rules.json`, which
//! [`texts_json`] writes and a test keeps equal to the texts compiled in here.

pub use crate::rules::Rule;

/// Are the texts compiled in (the `rule-texts` feature)?
pub const TEXTS: bool = cfg!(feature = "rule-texts");

/// Every choice the model makes where the sources are silent or disagree. Evaluated at compile
/// time, so without the feature none of the texts reaches the binary.
const CHOICES: &[(Rule, &str)] = if !TEXTS { &[] } else { &[
    (Rule::B3, "impOS may round a requested buffer size up; the model grants it exactly."),
    (Rule::S3, "A RETURN_ON_ERROR send timeout drops the connection and on_unexpected_disconnect fires at once with NOT_CONNECTED (0)."),
    (Rule::S4, "A WAIT_FOR_ACK timeout drops the connection unless RETURN_ON_ERROR_NO_DISCONNECT is in force; then the message stays in the buffer and may still be ACKed."),
    (Rule::S5, "Timeout 0 (undocumented; inferred from ConnectionManager's history) means no waiting: all or nothing, and no message is created when it does not fit. Under WAIT_FOR_ACK a message that fits is written first and the call then returns 2 at once (§13): under NO_DISCONNECT it stays and is ACKed later, under the other policies it is lost with the drop."),
    (Rule::S9, "A send while RECOVERING under a RETURN policy waits for the silent reconnection up to its timeout; it returns 1 if the grace period ends first."),
    (Rule::L4, "Capacity resets to buffer_default when Squirrel restarts with a reconnection (warm boot from deep sleep)."),
    (Rule::L3a, "Under SUSPEND_ON_ERROR a link lost while Squirrel is idle leaves the device RECOVERING in the background; S7 starts with the next call that needs the server."),
    (Rule::T1, "Wire size = payload + msg_header (8) + name length + tls_overhead (29) per 16 384-byte TLS record; neither overhead is documented."),
    (Rule::T2, "One segment on the uplink at a time, no Nagle, ACK per segment; the fate of a segment is drawn when its last byte leaves."),
    (Rule::T5, "ACKs advertise the server's free receive space when the segment arrives; with a zero window a probe after rto, doubling up to 60 s, fetches the window. The first probe is rto after the stall begins: the ACK that closes the window, or the first write into a window already closed."),
    (Rule::U5, "One token per datagram, whatever its size; the bucket is device-wide and full at power-on."),
    (Rule::U7, "UDP loss uses network.loss per packet, from its own random stream."),
    (Rule::T4, "Every segment departure (first sends and resends) takes one draw from the uplink-loss stream, even when an upstream outage already decides its fate, so later fates do not depend on the outage schedule."),
    (Rule::C1, "A failed server.connect reports NO_WIFI during a wifi outage, NO_SERVER during an upstream one, else NOT_CONNECTED."),
    (Rule::C4, "A flush timeout never drops the connection (C4 wins over L2's wording)."),
    (Rule::L2, "Keepalive counts from the last thing received from the server and runs whether or not data is outstanding; an unanswered one drops the link with reason NO_SERVER (4)."),
    (Rule::L1, "The boot attempt lasts connect_window_ms; then SUSPEND_ON_ERROR keeps trying without limit and the RETURN policies go OFFLINE without a handler."),
    (Rule::S7, "After an S7 reconnection the halted call runs again with a fresh timeout and a new message id; bytes written before are lost."),
    (Rule::S9, "A send that times out while waiting out RECOVERING returns 2 without any further drop; with timeout 0 it returns 2 at once."),
    (Rule::S7, "The `suspended` line carries reason 0 when a send or connect found the device not connected, else the reason of the loss."),
    (Rule::L2, "Each connection starts with an empty server receive buffer and the full rwnd advertised."),
    (Rule::L2, "A connect needs the WiFi up at the instant it completes: a wifi outage starting exactly then interrupts it (done at outage end + connect_ms); an upstream one starting then does not."),
    (Rule::L3, "When the boot window ends under SUSPEND_ON_ERROR the trace shows `recovering` (impOS keeps trying); under the RETURN policies `offline`."),
    (Rule::L3, "A boot window that ended under SUSPEND_ON_ERROR becomes a background recovery counted from the window's end; switching to a RETURN policy later applies the grace limit from then (§13: grace follows the policy in force), and at its end the device goes OFFLINE without on_unexpected_disconnect (a failed boot connect is never unexpected)."),
    (Rule::S7, "The `wake` line carries reason 0 and `squirrel_restart` reason 5 (it follows the successful connect) and `wakereason` 1 (§14: a timer wake from deep sleep); `deep_sleep` carries the reason the window failed with."),
    (Rule::U3, "An interface.openudp that throws (bad port, WiFi down) leaves the previous socket as it was."),
    (Rule::Trace, "goodput_bps counts from the start of the first agent.send / server.log / server.error call (udpsocket.send is not a send method), even one cut off by deep sleep."),
    (Rule::Limits, "Within one instant the order is: outage edges, a completing connect, segment departures, arrivals (ACKs, answers), then deadlines; so a connect or an ACK due at the very instant of a timeout wins over it."),
    (Rule::Limits, "One work budget per run (issue 13) that every unit of model work draws from, in units of about 4 ns native: a call 6, a TCP segment sent or resent 60, a UDP packet and its loss draw 1, an event line 6, a turn of the event loop 10, a program instruction 1. The default, 200 000 000 units, keeps any accepted scenario to about a second of CPU; when it runs out the run stops where it is with a note saying how far it got, and the summary line carries \"stopped\":\"work_budget\" (after the retry limit: \"retry_limit\"; after more than 100 000 Squirrel callbacks at one virtual instant, an imp.wakeup(0, f) that re-arms itself: \"callback_limit\"). udp.mtu is at least 68 bytes (IPv4's minimum), so a datagram is at most 964 packets."),
    (Rule::Calls, "imp.wakeup uses the seconds as written (no centisecond rounding); only on_ret retry pauses have the 0.01 s floor."),
    (Rule::Params, "buffer_max defaults to 30 720 (classic imps); the imp005/imp006 profile (65 535) is a parameter."),
    (Rule::AgentCode, "device.isconnected() is the server's view: true from a connection's start until the server notices its end; at once when the device closes it while the path works, keepalive.idle_ms + keepalive.ack_ms after a drop during an outage (no close reaches the server)."),
    (Rule::AgentCode, "A downlink message takes rtt_ms/2 plus its wire size (sized as an uplink message: payload + msg_header + name + TLS) at downlink_bps (default uplink_bps); one message is on the downlink at a time, later ones queue behind it, so they arrive in send order."),
    (Rule::AgentCode, "A downlink message is lost when the device is not connected when device.send runs (the device's own state, even while the server has not noticed), or when the device's connection drops before it arrives; downlink_lost is written at that send or that drop."),
    (Rule::AgentCode, "A device message reaches device.on once every byte up to its end has reached the server (a lost segment holds back the ones after it until its resend arrives) and the agent has read that far at consume_bps; at a drop, messages the agent has not read to their end are gone, each with a note."),
    (Rule::AgentCode, "The agent starts at t = 0, before the device. Its timers and arriving messages run in zero virtual time, one at a time, by due time, ties by registration; an uncaught error ends that task only (squirrel_error with side agent) and nothing restarts."),
    (Rule::AgentCode, "A message with no handler for its name on the receiving side (device.on, agent.on) is dropped with a note, and no agent_received or device_received line."),
    (Rule::DeviceCode, "Device code's clocks: hardware.millis() and hardware.micros() count virtual time from power-on (t = 0), across deep sleeps; time() and date() are the scenario's start_epoch (default 1 735 689 600 = 2025-01-01T00:00:00Z; on the agent too) plus the whole seconds elapsed."),
    (Rule::DeviceCode, "imp.wakeup returns its timer's handle as a positive integer; imp.cancelwakeup ignores a handle that already fired, was cancelled or never was, as impOS does."),
    (Rule::DeviceCode, "Deep sleep: server.sleepfor(s) first flushes as impOS documents, waiting at most 30 s (the default send timeout), and that flush writes a server.flush line at the sleepfor's line; imp.deepsleepfor(s) does not flush. Neither returns, so neither writes a call line: the trace shows `disconnected` (reason 0) and `lost` lines as C2, `deep_sleep` (reason 0), `wake` s seconds later, then impOS boots as at power-on (L1) and `squirrel_restart` carries wakereason 1 (reason 5 when it follows the connect, 0 when Squirrel starts after boot_squirrel_ms without one)."),
] };

/// Every **\[choice\]** the model makes: (rule, text).
pub fn choices() -> &'static [(Rule, &'static str)] {
    CHOICES
}

/// The choices made under `rule`.
pub fn choices_of(rule: Rule) -> impl Iterator<Item = &'static str> {
    CHOICES.iter().filter(move |(r, _)| *r == rule).map(|(_, t)| *t)
}

/// One line describing the rule with ID `id` (`"S5"`), or `None` for an unknown ID.
pub fn rule_text(id: &str) -> Option<&'static str> {
    Rule::from_id(id).map(Rule::text)
}

/// Every rule, in SPEC order.
pub fn rules() -> &'static [Rule] {
    Rule::ALL
}

/// `www/rules.json`, the file the playground's bundle fetches instead of compiling the texts in:
/// `{"rules": {id: text, …}, "choices": [[id, text], …]}`, both in the order above, one entry
/// a line so a change reads as a one-line diff.
#[cfg(feature = "rule-texts")]
pub fn texts_json() -> String {
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    let rules: Vec<String> = rules().iter().map(|r| format!("    {}: {}", quote(r.id()), quote(r.text()))).collect();
    let choices: Vec<String> = choices().iter().map(|(r, t)| format!("    [{}, {}]", quote(r.id()), quote(t))).collect();
    format!("{{\n  \"rules\": {{\n{}\n  }},\n  \"choices\": [\n{}\n  ]\n}}\n", rules.join(",\n"), choices.join(",\n"))
}

#[cfg(all(test, feature = "rule-texts"))]
mod tests {
    use super::*;

    /// Issue 10 item 6: the playground's bundle shows the texts it fetches from
    /// `www/rules.json` (trunk copies it beside the page); they must be these. Fails when the
    /// file is stale; `IMPNET_UPDATE_TEXTS=1` rewrites it.
    #[test]
    fn issue10_the_shipped_rules_json_holds_the_compiled_in_texts() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/rules.json");
        let text = texts_json();
        if std::env::var_os("IMPNET_UPDATE_TEXTS").is_some() {
            std::fs::write(path, &text).expect("write www/rules.json");
        }
        let on_disk = std::fs::read_to_string(path).expect("www/rules.json");
        assert_eq!(on_disk, text, "www/rules.json is stale: rerun with IMPNET_UPDATE_TEXTS=1");
        // And it is JSON that says the same: every rule's text under its ID, every choice.
        let v: serde_json::Value = serde_json::from_str(&on_disk).expect("rules.json is JSON");
        for r in rules() {
            assert_eq!(v["rules"][r.id()].as_str(), Some(r.text()), "{r}");
        }
        let listed: Vec<(&str, &str)> = v["choices"].as_array().unwrap().iter().map(|c| (c[0].as_str().unwrap(), c[1].as_str().unwrap())).collect();
        let compiled: Vec<(&str, &str)> = choices().iter().map(|(r, t)| (r.id(), *t)).collect();
        assert_eq!(listed, compiled);
    }

    #[test]
    fn every_spec_rule_id_has_a_text() {
        let ids = (1..=4).map(|i| format!("B{i}"))
            .chain((1..=5).map(|i| format!("T{i}")))
            .chain((1..=4).map(|i| format!("L{i}")))
            .chain((1..=9).map(|i| format!("S{i}")))
            .chain((1..=6).map(|i| format!("C{i}")))
            .chain((1..=7).map(|i| format!("U{i}")));
        for id in ids {
            assert!(rule_text(&id).is_some(), "{id}");
        }
        assert_eq!(rule_text("X9"), None);
    }

    #[test]
    fn issue13_the_budget_choice_states_the_weights_and_default_in_force() {
        use crate::budget::{Budget, Work};
        let text = choices().iter().find(|(_, t)| t.contains("work budget")).expect("a budget choice").1;
        let spaced = |n: u64| {
            let s = n.to_string();
            let mut out = String::new();
            for (i, c) in s.chars().enumerate() {
                if i > 0 && (s.len() - i) % 3 == 0 {
                    out.push(' ');
                }
                out.push(c);
            }
            out
        };
        assert!(text.contains(&format!("default, {} units", spaced(Budget::DEFAULT))), "{text}");
        for (work, words) in [
            (Work::Call, "a call"),
            (Work::Segment, "a TCP segment sent or resent"),
            (Work::Packet, "a UDP packet and its loss draw"),
            (Work::Event, "an event line"),
            (Work::Turn, "a turn of the event loop"),
            (Work::Instruction, "a program instruction"),
        ] {
            assert!(text.contains(&format!("{words} {}", work.weight())), "{words}: {text}");
        }
        assert!(text.contains(&format!("at least {} bytes", crate::scenario::validate::MIN_MTU)));
    }

    #[test]
    fn issue11_the_downlink_choices_of_section15_are_listed_as_choices() {
        let s15: Vec<&str> = choices_of(Rule::AgentCode).collect();
        assert_eq!(rule_text("§15"), Some(Rule::AgentCode.text()));
        for words in ["server's view", "downlink_bps", "lost when the device is not connected", "holds back", "no handler"] {
            assert!(s15.iter().any(|t| t.contains(words)), "{words}: {s15:?}");
        }
    }
}
