//! The words behind every rule ID and every modelling choice, for the playground's explanation
//! panel and `impnet explain`.

/// One line per rule ID of SPEC.md.
const RULES: &[(&str, &str)] = &[
    ("L1", "Power-on: impOS connects first; Squirrel starts at connect or after boot_squirrel_ms; the policy is SUSPEND_ON_ERROR / WAIT_TIL_SENT / 30 until the script sets one."),
    ("L2", "Outages are scheduled: wifi ones are seen at once; upstream ones are silent, noticed only by a send timeout or keepalive (idle_ms, then ack_ms)."),
    ("L3", "A failed connect at boot is not unexpected: no on_unexpected_disconnect."),
    ("L3a", "Under SUSPEND_ON_ERROR a link lost while Squirrel is not sending means RECOVERING with no grace limit; S7 starts at the first call that needs the server."),
    ("L4", "Each connection starts with an empty buffer; unACKed bytes are lost at a drop. Capacity survives disconnects, and resets on a Squirrel restart with reconnection."),
    ("B1", "imp.setsendbuffersize while connected: capacity becomes min(n, buffer_max) if larger; never shrinks."),
    ("B2", "imp.setsendbuffersize while not connected: capacity becomes clamp(n, buffer_default, buffer_max)."),
    ("B3", "The size is granted exactly as requested within those bounds."),
    ("B4", "A size that is not a non-negative integer is a runtime error; the script goes on."),
    ("T1", "The buffer holds a message's wire bytes from write until ACK: free = capacity − (unsent + unACKed)."),
    ("T2", "Unsent bytes leave in mss segments at uplink_bps while in-flight ≤ min(capacity, advertised window): throughput ≤ capacity / RTT."),
    ("T3", "A segment's ACK arrives one RTT after its last byte left and frees its bytes."),
    ("T4", "A lost segment is resent after rto·2^(k−1) for its k-th consecutive loss; resends go before new data."),
    ("T5", "The server buffers up to rwnd bytes, drained by the agent at consume_bps; ACKs advertise the free space; a zero window stalls the sender."),
    ("S1", "ONLINE and the message fits: written at once, returns 0 (WAIT_TIL_SENT)."),
    ("S2", "RETURN_ON_ERROR_NO_DISCONNECT and the message does not fit: returns 4 (WOULDBLOCK) at once, nothing written, connection kept."),
    ("S3", "SUSPEND_ON_ERROR / RETURN_ON_ERROR and the message does not fit: Squirrel blocks while space frees; at the timeout, 2 and the connection drops."),
    ("S4", "WAIT_FOR_ACK: after writing, block until every byte of the message is ACKed; 2 at the timeout (drops unless NO_DISCONNECT)."),
    ("S5", "Timeout 0: no waiting; a message that does not fit (or any under WAIT_FOR_ACK) times out at once."),
    ("S6", "The link drops while a send is blocked: returns 3 (DISCONNECTED)."),
    ("S7", "SUSPEND_ON_ERROR never returns an error: Squirrel halts, impOS connects for connect_window_ms, else deep sleeps sleep_ms and tries again; a wake-up connection restarts the script."),
    ("S8", "RETURN policies while OFFLINE or CONNECTING: returns 1 (NOT_CONNECTED) at once, data dropped."),
    ("S9", "RETURN policies while RECOVERING: block until the link is back (then proceed) or the timeout (2); 1 if the grace period ends first."),
    ("C1", "server.connect: synchronous under SUSPEND_ON_ERROR (S7); asynchronous under RETURN policies, on_connect runs with the outcome. Already connected: no callback."),
    ("C2", "server.disconnect: closes now, unACKed bytes lost; cancels a pending connect or recovery without a callback."),
    ("C3", "server.isconnected: true while ONLINE, including an undetected upstream outage."),
    ("C4", "server.flush(timeout): true when everything written is ACKed, false at the timeout or when not connected; never drops the link."),
    ("C5", "on_unexpected_disconnect runs only under RETURN policies: after grace_ms of failed silent reconnection, or at once after a send-timeout drop. Handlers run when Squirrel is idle."),
    ("C6", "server.setsendtimeoutpolicy: an unknown constant or a negative timeout is a runtime error."),
    ("U1", "udpsocket.send address: a dotted-quad private IPv4 (10/8, 172.16/12, 192.168/16), else it throws."),
    ("U2", "udpsocket.send port: an integer 0–65535 except 67 and 68, else it throws."),
    ("U3", "Sending on a closed socket throws; closing twice is harmless."),
    ("U4", "Data over 65507 bytes is a runtime error: nothing sent, the socket stays unbound."),
    ("U5", "Rate limit: a bucket of burst tokens refilled at refill_per_s, one per datagram; no token → 4."),
    ("U6", "Interface down (wifi outage) → 1."),
    ("U7", "A datagram travels as max(1, ⌈len / mtu⌉) packets and is lost if any packet is."),
    ("§10", "imp.sleep blocks Squirrel (busy); imp.wakeup returns at once and the task idles (handlers may run)."),
    ("§13", "Run-level limits: at most 100 000 on_ret retries a run, and one work budget per run; past either the run stops with a note."),
];

/// Every choice the model makes where the sources are silent or disagree.
const CHOICES: &[(&str, &str)] = &[
    ("B3", "impOS may round a requested buffer size up; the model grants it exactly."),
    ("S3", "A RETURN_ON_ERROR send timeout drops the connection and on_unexpected_disconnect fires at once with NOT_CONNECTED (0)."),
    ("S4", "A WAIT_FOR_ACK timeout drops the connection unless RETURN_ON_ERROR_NO_DISCONNECT is in force; then the message stays in the buffer and may still be ACKed."),
    ("S5", "Timeout 0 (undocumented; inferred from ConnectionManager's history) means no waiting: all or nothing, and no message is created when it does not fit. Under WAIT_FOR_ACK a message that fits is written first and the call then returns 2 at once (§13): under NO_DISCONNECT it stays and is ACKed later, under the other policies it is lost with the drop."),
    ("S9", "A send while RECOVERING under a RETURN policy waits for the silent reconnection up to its timeout; it returns 1 if the grace period ends first."),
    ("L4", "Capacity resets to buffer_default when Squirrel restarts with a reconnection (warm boot from deep sleep)."),
    ("L3a", "Under SUSPEND_ON_ERROR a link lost while Squirrel is idle leaves the device RECOVERING in the background; S7 starts with the next call that needs the server."),
    ("T1", "Wire size = payload + msg_header (8) + name length + tls_overhead (29) per 16 384-byte TLS record; neither overhead is documented."),
    ("T2", "One segment on the uplink at a time, no Nagle, ACK per segment; the fate of a segment is drawn when its last byte leaves."),
    ("T5", "ACKs advertise the server's free receive space when the segment arrives; with a zero window a probe after rto, doubling up to 60 s, fetches the window. The first probe is rto after the stall begins: the ACK that closes the window, or the first write into a window already closed."),
    ("U5", "One token per datagram, whatever its size; the bucket is device-wide and full at power-on."),
    ("U7", "UDP loss uses network.loss per packet, from its own random stream."),
    ("T4", "Every segment departure (first sends and resends) takes one draw from the uplink-loss stream, even when an upstream outage already decides its fate, so later fates do not depend on the outage schedule."),
    ("C1", "A failed server.connect reports NO_WIFI during a wifi outage, NO_SERVER during an upstream one, else NOT_CONNECTED."),
    ("C4", "A flush timeout never drops the connection (C4 wins over L2's wording)."),
    ("L2", "Keepalive counts from the last thing received from the server and runs whether or not data is outstanding; an unanswered one drops the link with reason NO_SERVER (4)."),
    ("L1", "The boot attempt lasts connect_window_ms; then SUSPEND_ON_ERROR keeps trying without limit and the RETURN policies go OFFLINE without a handler."),
    ("S7", "After an S7 reconnection the halted call runs again with a fresh timeout and a new message id; bytes written before are lost."),
    ("S9", "A send that times out while waiting out RECOVERING returns 2 without any further drop; with timeout 0 it returns 2 at once."),
    ("S7", "The `suspended` line carries reason 0 when a send or connect found the device not connected, else the reason of the loss."),
    ("L2", "Each connection starts with an empty server receive buffer and the full rwnd advertised."),
    ("L2", "A connect needs the WiFi up at the instant it completes: a wifi outage starting exactly then interrupts it (done at outage end + connect_ms); an upstream one starting then does not."),
    ("L3", "When the boot window ends under SUSPEND_ON_ERROR the trace shows `recovering` (impOS keeps trying); under the RETURN policies `offline`."),
    ("L3", "A boot window that ended under SUSPEND_ON_ERROR becomes a background recovery counted from the window's end; switching to a RETURN policy later applies the grace limit from then (§13: grace follows the policy in force), and at its end the device goes OFFLINE without on_unexpected_disconnect (a failed boot connect is never unexpected)."),
    ("S7", "The `wake` line carries reason 0 and `squirrel_restart` reason 5 (it follows the successful connect); `deep_sleep` carries the reason the window failed with."),
    ("U3", "An interface.openudp that throws (bad port, WiFi down) leaves the previous socket as it was."),
    ("§11", "goodput_bps counts from the start of the first agent.send / server.log / server.error call (udpsocket.send is not a send method), even one cut off by deep sleep."),
    ("§13", "Within one instant the order is: outage edges, a completing connect, segment departures, arrivals (ACKs, answers), then deadlines; so a connect or an ACK due at the very instant of a timeout wins over it."),
    ("§13", "One work budget per run (issue 13) that every unit of model work draws from, in units of about 4 ns native: a call 6, a TCP segment sent or resent 60, a UDP packet and its loss draw 1, an event line 6, a turn of the event loop 10, a program instruction 1. The default, 200 000 000 units, keeps any accepted scenario to about a second of CPU; when it runs out the run stops where it is with a note saying how far it got, and the summary line carries \"stopped\":\"work_budget\" (after the retry limit: \"retry_limit\"). udp.mtu is at least 68 bytes (IPv4's minimum), so a datagram is at most 964 packets."),
    ("§10", "imp.wakeup uses the seconds as written (no centisecond rounding); only on_ret retry pauses have the 0.01 s floor."),
    ("§2", "buffer_max defaults to 30 720 (classic imps); the imp005/imp006 profile (65 535) is a parameter."),
];

/// Every **\[choice\]** the model makes: (rule, text).
pub fn choices() -> &'static [(&'static str, &'static str)] {
    CHOICES
}

/// One line describing `rule` (`"S5"`), or `None` for an unknown ID.
pub fn rule_text(rule: &str) -> Option<&'static str> {
    RULES.iter().find(|(r, _)| *r == rule).map(|(_, t)| *t)
}

/// Every rule ID with its text, in SPEC order.
pub fn rules() -> &'static [(&'static str, &'static str)] {
    RULES
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn every_choice_names_a_known_rule() {
        for (rule, _) in choices() {
            assert!(rule_text(rule).is_some() || rule.starts_with('§'), "{rule}");
        }
    }
}
