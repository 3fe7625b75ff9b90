//! The SPEC's rules, spelled once: every trace line names the [`Rule`] that decided it, and
//! `impnet explain`, the CLI timeline and the playground's detail panel show its text from here.
//! A rule is a rule ID of SPEC.md (`S5`) or, for what a whole section decides, the section
//! (`§13`). Its text is compiled in with the `rule-texts` feature (on by default); without it
//! every text is empty and only the IDs remain.

use std::fmt;

macro_rules! rules {
    ($($(#[$doc:meta])* $v:ident = $id:literal: $text:literal,)+) => {
        /// A SPEC rule: its ID (the `rule` of a trace line) and one line of its text.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $($(#[$doc])* $v,)+
        }

        impl Rule {
            /// Every rule, in SPEC order.
            pub const ALL: &'static [Rule] = &[$(Rule::$v,)+];

            /// The ID as the SPEC and the trace spell it (`"S5"`, `"§13"`).
            pub const fn id(self) -> &'static str {
                match self {
                    $(Rule::$v => $id,)+
                }
            }

            /// One line saying what the rule decides.
            #[cfg(feature = "rule-texts")]
            pub const fn text(self) -> &'static str {
                match self {
                    $(Rule::$v => $text,)+
                }
            }

            /// `""`: this build leaves the texts out (the playground's bundle fetches them,
            /// `crate::explain::texts_json`).
            #[cfg(not(feature = "rule-texts"))]
            pub const fn text(self) -> &'static str {
                ""
            }
        }
    };
}

rules! {
    L1 = "L1": "Power-on: impOS connects first; Squirrel starts at connect or after boot_squirrel_ms; the policy is SUSPEND_ON_ERROR / WAIT_TIL_SENT / 30 until the script sets one.",
    L2 = "L2": "Outages are scheduled: wifi ones are seen at once; upstream ones are silent, noticed only by a send timeout or keepalive (idle_ms, then ack_ms).",
    L3 = "L3": "A failed connect at boot is not unexpected: no on_unexpected_disconnect.",
    L3a = "L3a": "Under SUSPEND_ON_ERROR a link lost while Squirrel is not sending means RECOVERING with no grace limit; S7 starts at the first call that needs the server.",
    L4 = "L4": "Each connection starts with an empty buffer; unACKed bytes are lost at a drop. Capacity survives disconnects, and resets on a Squirrel restart with reconnection.",
    B1 = "B1": "imp.setsendbuffersize while connected: capacity becomes min(n, buffer_max) if larger; never shrinks.",
    B2 = "B2": "imp.setsendbuffersize while not connected: capacity becomes clamp(n, buffer_default, buffer_max).",
    B3 = "B3": "The size is granted exactly as requested within those bounds.",
    B4 = "B4": "A size that is not a non-negative integer is a runtime error; the script goes on.",
    T1 = "T1": "The buffer holds a message's wire bytes from write until ACK: free = capacity − (unsent + unACKed).",
    T2 = "T2": "Unsent bytes leave in mss segments at uplink_bps while in-flight ≤ min(capacity, advertised window): throughput ≤ capacity / RTT.",
    T3 = "T3": "A segment's ACK arrives one RTT after its last byte left and frees its bytes.",
    T4 = "T4": "A lost segment is resent after rto·2^(k−1) for its k-th consecutive loss; resends go before new data.",
    T5 = "T5": "The server buffers up to rwnd bytes, drained by the agent at consume_bps; ACKs advertise the free space; a zero window stalls the sender.",
    S1 = "S1": "ONLINE and the message fits: written at once, returns 0 (WAIT_TIL_SENT).",
    S2 = "S2": "RETURN_ON_ERROR_NO_DISCONNECT and the message does not fit: returns 4 (WOULDBLOCK) at once, nothing written, connection kept.",
    S3 = "S3": "SUSPEND_ON_ERROR / RETURN_ON_ERROR and the message does not fit: Squirrel blocks while space frees; at the timeout, 2 and the connection drops.",
    S4 = "S4": "WAIT_FOR_ACK: after writing, block until every byte of the message is ACKed; 2 at the timeout (drops unless NO_DISCONNECT).",
    S5 = "S5": "Timeout 0: no waiting; a message that does not fit (or any under WAIT_FOR_ACK) times out at once.",
    S6 = "S6": "The link drops while a send is blocked: returns 3 (DISCONNECTED).",
    S7 = "S7": "SUSPEND_ON_ERROR never returns an error: Squirrel halts, impOS connects for connect_window_ms, else deep sleeps sleep_ms and tries again; a wake-up connection restarts the script.",
    S8 = "S8": "RETURN policies while OFFLINE or CONNECTING: returns 1 (NOT_CONNECTED) at once, data dropped.",
    S9 = "S9": "RETURN policies while RECOVERING: block until the link is back (then proceed) or the timeout (2); 1 if the grace period ends first.",
    C1 = "C1": "server.connect: synchronous under SUSPEND_ON_ERROR (S7); asynchronous under RETURN policies, on_connect runs with the outcome. Already connected: no callback.",
    C2 = "C2": "server.disconnect: closes now, unACKed bytes lost; cancels a pending connect or recovery without a callback.",
    C3 = "C3": "server.isconnected: true while ONLINE, including an undetected upstream outage.",
    C4 = "C4": "server.flush(timeout): true when everything written is ACKed, false at the timeout or when not connected; never drops the link.",
    C5 = "C5": "on_unexpected_disconnect runs only under RETURN policies: after grace_ms of failed silent reconnection, or at once after a send-timeout drop. Handlers run when Squirrel is idle.",
    C6 = "C6": "server.setsendtimeoutpolicy: an unknown constant or a negative timeout is a runtime error.",
    U1 = "U1": "udpsocket.send address: a dotted-quad private IPv4 (10/8, 172.16/12, 192.168/16), else it throws.",
    U2 = "U2": "udpsocket.send port: an integer 0–65535 except 67 and 68, else it throws.",
    U3 = "U3": "Sending on a closed socket throws; closing twice is harmless.",
    U4 = "U4": "Data over 65507 bytes is a runtime error: nothing sent, the socket stays unbound.",
    U5 = "U5": "Rate limit: a bucket of burst tokens refilled at refill_per_s, one per datagram; no token → 4.",
    U6 = "U6": "Interface down (wifi outage) → 1.",
    U7 = "U7": "A datagram travels as max(1, ⌈len / mtu⌉) packets and is lost if any packet is.",
    /// §2: parameters and their defaults.
    Params = "§2": "Every parameter has a default; a scenario sets only what it changes.",
    /// §10: the calls a scenario makes, and how the two waits differ.
    Calls = "§10": "imp.sleep blocks Squirrel (busy); imp.wakeup returns at once and the task idles (handlers may run).",
    /// §11: what a trace holds.
    Trace = "§11": "The trace: a line per call and per state change, then a summary with goodput measured over the send methods.",
    /// §13: the run-level limits.
    Limits = "§13": "Run-level limits: at most 100 000 on_ret retries a run, and one work budget per run; past either the run stops with a note.",
    /// §14: device code's errors and restarts.
    DeviceCode = "§14": "Device code: an uncaught runtime error ends its task with squirrel_error; Squirrel restarts from the top after squirrel.error_restart_ms (10 000 by default) with hardware.wakereason() 5. imp.deepsleepfor/server.sleepfor close the connection, sleep, and boot as at power-on; Squirrel restarts with wakereason 1 and nv kept.",
    /// §15: agent code, and messages between agent and device.
    AgentCode = "§15": "Agent code: device messages reach device.on once the agent has read their last byte; agent messages travel the downlink to agent.on, lost when the device is not connected.",
}

impl Rule {
    /// The rule with ID `id` (case does not matter: `s5` is S5, `l3A` is L3a).
    pub fn from_id(id: &str) -> Option<Rule> {
        let id = id.trim();
        Rule::ALL.iter().copied().find(|r| r.id().eq_ignore_ascii_case(id))
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so a timeline's `{:<4}` column lines up.
        f.pad(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SPEC.md numbers its rules per letter without gaps (§4 L1–L4 and L3a, §5 B1–B4, §6
    /// T1–T5, §7 S1–S9, §8 C1–C6, §9 U1–U7): each has exactly one `Rule`.
    #[test]
    fn every_spec_rule_id_is_one_rule_and_round_trips() {
        let ids: Vec<String> = (1..=4)
            .map(|i| format!("B{i}"))
            .chain((1..=5).map(|i| format!("T{i}")))
            .chain((1..=4).map(|i| format!("L{i}")))
            .chain(["L3a".to_string()])
            .chain((1..=9).map(|i| format!("S{i}")))
            .chain((1..=6).map(|i| format!("C{i}")))
            .chain((1..=7).map(|i| format!("U{i}")))
            .collect();
        for id in &ids {
            let r = Rule::from_id(id).unwrap_or_else(|| panic!("no Rule for {id}"));
            assert_eq!(r.id(), id);
        }
        let sections = Rule::ALL.iter().filter(|r| r.id().starts_with('§')).count();
        assert_eq!(Rule::ALL.len(), ids.len() + sections, "a Rule that is neither a SPEC rule ID nor a section");
        for r in Rule::ALL {
            assert_eq!(Rule::from_id(r.id()), Some(*r));
            assert_eq!(Rule::from_id(&r.id().to_lowercase()), Some(*r), "case does not matter");
            assert_eq!(r.to_string(), r.id());
            assert_eq!(r.text().is_empty(), !cfg!(feature = "rule-texts"), "{r}: a text exactly with the rule-texts feature");
        }
        assert_eq!(Rule::from_id("X9"), None);
    }

    /// Each rule ID (and each section a Rule names) occurs in SPEC.md. The SPEC lives beside
    /// the repository (`IMPNET_SPEC`, default `/work/shared/SPEC.md`); without it the check
    /// says so and passes.
    #[test]
    fn every_rule_id_appears_in_spec() {
        // The SPEC lives beside the repository (`../shared/SPEC.md`), not in it; IMPNET_SPEC
        // names another copy. A checkout without it cannot run this check and says so.
        let workspace = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/SPEC.md");
        let candidates = [std::env::var("IMPNET_SPEC").ok(), Some(workspace.into()), Some("/work/shared/SPEC.md".into())];
        let Some((path, spec)) = candidates.into_iter().flatten().find_map(|p| Some((p.clone(), std::fs::read_to_string(p).ok()?))) else {
            eprintln!("SPEC.md not found beside the repository nor at IMPNET_SPEC: rule IDs not checked against it");
            return;
        };
        for r in Rule::ALL {
            let found = match r.id().strip_prefix('§') {
                Some(n) => spec.lines().any(|l| l.starts_with(&format!("## {n}. "))),
                None => spec.lines().any(|l| l.starts_with(&format!("- {} ", r.id()))),
            };
            assert!(found, "{} is not a rule or section of {path}", r.id());
        }
    }
}
