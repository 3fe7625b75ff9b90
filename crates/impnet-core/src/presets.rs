//! The presets of SPEC §12: scenario files in `presets/` (repo root), compiled in so the
//! playground and the binary ship the same ones.
//!
//! Their texts are compiled in with the `preset-texts` feature (on by default). The
//! playground's bundle leaves it off and fetches a preset's files from `presets/` beside its
//! page the first time it is opened (issue 10 item 6): without the feature every text field
//! is empty (no preset file is: each starts with its title) except the first preset's, which
//! the playground's first screen shows.

/// `presets/<file>`; `""` without the `preset-texts` feature unless `$always`.
macro_rules! text {
    ($file:expr, $always:literal) => {
        if $always || cfg!(feature = "preset-texts") {
            include_str!(concat!("../../../presets/", $file))
        } else {
            ""
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/first_preset.rs"));

/// One shipped scenario.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    /// File stem in `presets/`, used in URLs and on the command line.
    pub id: &'static str,
    pub title: &'static str,
    /// One line for the gallery.
    pub description: &'static str,
    pub toml: &'static str,
    /// `presets/<id>.nut`: device code making the same calls as the step list (§14 twins).
    pub twin: &'static str,
}

macro_rules! preset {
    (first $id:literal, $title:literal, $desc:literal) => {
        preset!(@ $id, $title, $desc, true)
    };
    ($id:literal, $title:literal, $desc:literal) => {
        preset!(@ $id, $title, $desc, false)
    };
    (@ $id:literal, $title:literal, $desc:literal, $always:literal) => {
        Preset {
            id: $id,
            title: $title,
            description: $desc,
            toml: text!(concat!($id, ".toml"), $always),
            twin: text!(concat!($id, ".nut"), $always),
        }
    };
}

pub const ALL: &[Preset] = &[
    preset!(
        first "default-policy-wifi-outage",
        "Default policy under a WiFi outage",
        "SUSPEND_ON_ERROR halts Squirrel, tries for 60 s, deep-sleeps 9 min, then restarts the script."
    ),
    preset!(
        "led-wait-til-sent-vs-wait-for-ack",
        "LED example: WAIT_TIL_SENT vs WAIT_FOR_ACK",
        "4 KB logs in a loop: WAIT_FOR_ACK adds a round trip to every call."
    ),
    preset!(
        "transmitter-retry",
        "transmitter(): RETURN_ON_ERROR, retry every 600 s",
        "A send during an outage waits out its timeout; the retry ten minutes later delivers."
    ),
    preset!(
        "increase-buffer",
        "increaseBuffer() before a large send",
        "Growing the buffer to the payload size is not enough: the wire size adds header and TLS."
    ),
    preset!(
        "zero-timeout-trap",
        "Twenty logs with a zero timeout",
        "Timeout 0: the fifteenth 200-byte log does not fit, times out and disconnects."
    ),
    preset!(
        "nonblocking-streamer",
        "Non-blocking streamer: 64 KB in 4 KB chunks",
        "RETURN_ON_ERROR_NO_DISCONNECT returns WOULDBLOCK instead of blocking; retry until it fits."
    ),
    preset!(
        "connection-manager-defaults",
        "ConnectionManager defaults: RETURN_ON_ERROR / 1 s / 8096 B",
        "A silent upstream outage: a 1 s send timeout drops the link; the handler reconnects."
    ),
    preset!(
        "window-bound",
        "Window bound: 3456 B at 100 ms ≈ 34.5 KB/s",
        "Goodput is capped by buffer / RTT, far below the 250 KB/s uplink."
    ),
    preset!(
        "agent-stops-reading",
        "Agent stops reading: zero window",
        "A full server window stalls the sender; sends block exactly as on a slow network."
    ),
    preset!(
        "udp-burst-rate-limit",
        "UDP burst past the rate limit",
        "100 datagrams go at once, the next 50 return WOULDBLOCK; 25 tokens a second refill."
    ),
    preset!(
        "udp-validation-failures",
        "UDP validation failures",
        "Public address, bad octet, DHCP port, oversize and closed socket all throw."
    ),
    preset!(
        "udp-fragmented-under-loss",
        "Fragmented datagram under loss",
        "At 5 % loss a 10-packet datagram arrives only ~60 % of the time."
    ),
];

pub fn find(id: &str) -> Option<&'static Preset> {
    ALL.iter().find(|p| p.id == id)
}

/// A shipped device + agent application (SPEC §15): `presets/<id>.toml` holds the parameters
/// and outages, `presets/<id>.device.nut` the device code, and an agent file the agent code.
#[derive(Clone, Copy, Debug)]
pub struct Pair {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub toml: &'static str,
    pub device: &'static str,
    /// The agent code's file stem: `presets/<agent_id>.agent.nut` (pairs may share one).
    pub agent_id: &'static str,
    pub agent: &'static str,
}

impl Pair {
    /// The scenario with both programs in it, checked as a file would be.
    pub fn scenario(&self) -> Result<crate::Scenario, crate::ScenarioError> {
        let mut s = crate::scenario::parse_toml(self.toml)?;
        s.code = Some(self.device.to_string());
        s.agent_code = Some(self.agent.to_string());
        crate::scenario::validate(&s)?;
        Ok(s)
    }
}

macro_rules! pair {
    ($id:literal, $agent:literal, $title:literal, $desc:literal) => {
        Pair {
            id: $id,
            title: $title,
            description: $desc,
            toml: text!(concat!($id, ".toml"), false),
            device: text!(concat!($id, ".device.nut"), false),
            agent_id: $agent,
            agent: text!(concat!($agent, ".agent.nut"), false),
        }
    };
}

pub const PAIRS: &[Pair] = &[
    pair!(
        "ack-resend",
        "ack",
        "Readings ACKed by the agent, resent until ACKed",
        "The agent ACKs each reading; the device resends what is not ACKed: a 45 s WiFi outage loses nothing."
    ),
    pair!(
        "ack-no-resend",
        "ack",
        "Readings ACKed by the agent, never resent",
        "The same pair without the resend: the readings sent into the outage are never ACKed, and lost."
    ),
];

pub fn find_pair(id: &str) -> Option<&'static Pair> {
    PAIRS.iter().find(|p| p.id == id)
}

impl Preset {
    /// The preset's conditions (parameters, outages, seed, `end_ms`) with its Squirrel twin as
    /// the program instead of its step lists (§14).
    pub fn twin_scenario(&self) -> Result<crate::Scenario, crate::scenario::ScenarioError> {
        // The first preset is also compiled in parsed (build.rs), for the playground's first
        // screen; every other one is read from its text.
        let mut sc = if self.id == FIRST_ID {
            crate::scenario::load::read_toml_tree(FIRST_TREE.value())?
        } else {
            crate::scenario::parse_toml(self.toml)?
        };
        sc.steps.clear();
        sc.on_connect.clear();
        sc.on_unexpected_disconnect.clear();
        sc.code = Some(self.twin.to_string());
        Ok(sc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue #10 item 6: the first preset, compiled in as a literal tree by build.rs, is the
    /// preset `ALL` lists first and reads to exactly the scenario its file parses to.
    #[test]
    fn the_first_preset_literal_is_its_file_parsed() {
        assert_eq!(ALL[0].id, FIRST_ID);
        let from_text = crate::scenario::parse_toml(ALL[0].toml).unwrap();
        let from_literal = crate::scenario::load::read_toml_tree(FIRST_TREE.value()).unwrap();
        assert_eq!(from_literal, from_text);
        let mut twin = from_text;
        twin.steps.clear();
        twin.code = Some(ALL[0].twin.to_string());
        assert_eq!(ALL[0].twin_scenario().unwrap(), twin);
    }
}
