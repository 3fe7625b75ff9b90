//! Share links (STYLE "Shareable links"; SPEC §10 "JSON inside links", §13 limits).

use super::*;
use crate::scenario::{parse_toml, Arg, Call, Outage, OutageKind, Rate, RetAction, Step, Unlimited};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn raw_link(payload: &str) -> String {
    format!("j{}", URL_SAFE_NO_PAD.encode(payload))
}

fn zlib_link(payload: &[u8]) -> String {
    format!("z{}", URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec_zlib(payload, 6)))
}

#[test]
fn link_default_scenario_is_short_and_versioned() {
    let link = encode(&Scenario::default());
    assert!(link.len() <= 16, "{link}");
    let payload = URL_SAFE_NO_PAD.decode(&link[1..]).unwrap();
    assert_eq!(payload, format!(r#"{{"v":{VERSION}}}"#).as_bytes());
    assert_eq!(decode(&link).unwrap(), Scenario::default());
}

#[test]
fn link_holds_only_fields_that_differ_from_defaults() {
    let mut s = Scenario::default();
    s.network.rtt_ms = 250;
    let link = encode(&s);
    let payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&link[1..]).unwrap()).unwrap();
    assert_eq!(payload, serde_json::json!({"v": VERSION, "network": {"rtt_ms": 250}}));
}

#[test]
fn link_is_deflated_when_that_pays() {
    let s = Scenario { steps: vec![Step::new(Call::ServerLog { bytes: 200 }); 50], ..Scenario::default() };
    let link = encode(&s);
    assert!(link.starts_with(DEFLATED), "{}", &link[..10]);
    let raw = raw_link(&{
        let mut v = serde_json::to_value(&s).unwrap();
        strip_defaults(&mut v, &serde_json::to_value(Scenario::default()).unwrap());
        v["v"] = 1.into();
        v.to_string()
    });
    assert!(link.len() * 4 < raw.len(), "deflated {} vs raw {}", link.len(), raw.len());
    assert_eq!(decode(&link).unwrap(), s);
}

#[test]
fn link_decode_accepts_fragment_hash_and_whole_url() {
    let s = parse_toml("title = \"t\"\n[[steps]]\ncall = \"server.log\"\nbytes = 3\n").unwrap();
    let f = encode(&s);
    assert_eq!(decode(&f).unwrap(), s);
    assert_eq!(decode(&format!("#{f}")).unwrap(), s);
    assert_eq!(decode(&format!("http://127.0.0.1:8080/#{f}")).unwrap(), s);
    assert_eq!(decode(&format!("  http://127.0.0.1:8080/play?x=1#{f}\n")).unwrap(), s);
}

#[test]
fn link_url_without_fragment_says_so() {
    let e = decode("http://127.0.0.1:8080/").unwrap_err();
    assert!(e.reason.contains('#'), "{e}");
    assert!(decode("").unwrap_err().reason.contains("empty"));
    assert!(decode("http://x/#").unwrap_err().reason.contains("empty"));
}

#[test]
fn link_tampered_characters_give_an_error_or_a_valid_scenario_never_a_panic() {
    let s = parse_toml(include_str!("../../../fuzz/seeds/toml/zero_timeout.toml")).unwrap();
    let link = encode(&s);
    assert!(link.starts_with(DEFLATED));
    let mut refused = 0;
    for i in 1..link.len() {
        for c in ['A', '-', '_', '0'] {
            let mut t = link.clone().into_bytes();
            if t[i] == c as u8 {
                continue;
            }
            t[i] = c as u8;
            match decode(std::str::from_utf8(&t).unwrap()) {
                Err(e) => {
                    assert!(!e.reason.is_empty());
                    refused += 1;
                }
                // A flip in the last base64 char's spare bits may decode to the same bytes.
                Ok(back) => assert!(crate::scenario::validate(&back).is_ok()),
            }
        }
    }
    assert!(refused > link.len() * 3, "zlib's checksum should catch nearly every flip ({refused})");
}

#[test]
fn link_truncated_gives_a_clear_error() {
    let s = parse_toml(include_str!("../../../fuzz/seeds/toml/zero_timeout.toml")).unwrap();
    let link = encode(&s);
    for cut in [1, 2, link.len() / 2, link.len() - 1] {
        let e = decode(&link[..cut]).unwrap_err();
        assert!(e.reason.contains("damaged") || e.reason.contains("empty"), "cut {cut}: {e}");
    }
}

#[test]
fn link_unknown_format_letter_is_refused() {
    let e = decode("xeyJ2IjoxfQ").unwrap_err();
    assert!(e.reason.contains("format letter"), "{e}");
    assert!(decode("é").is_err());
}

#[test]
fn link_from_a_newer_version_says_so() {
    let newer = VERSION + 1;
    let e = decode(&raw_link(&format!(r#"{{"v":{newer}}}"#))).unwrap_err();
    assert!(e.reason.contains(&format!("newer impnet (format v{newer})")), "{e}");
    assert!(decode(&raw_link(r#"{"v":0}"#)).unwrap_err().reason.contains("version is 0"));
    assert!(decode(&raw_link(r#"{"v":"1"}"#)).unwrap_err().reason.contains("not a positive integer"));
    assert!(decode(&raw_link(r#"{"title":"x"}"#)).unwrap_err().reason.contains("no version"));
}

#[test]
fn link_migration_chain_runs_from_the_links_version() {
    // A made-up chain v1 → v2 → v3: each step records itself, so the order is visible.
    fn trail(m: &Table) -> String {
        m.iter().rev().find_map(|(k, v)| match (k.as_str(), v) {
            ("trail", Tree::Str(s)) => Some(s.clone()),
            _ => None,
        }).unwrap_or_default()
    }
    fn to2(mut m: Table) -> Result<Table, LinkError> {
        m.push(("trail".into(), Tree::Str(format!("{}2", trail(&m)))));
        Ok(m)
    }
    fn to3(mut m: Table) -> Result<Table, LinkError> {
        m.push(("trail".into(), Tree::Str(format!("{}3", trail(&m)))));
        Ok(m)
    }
    let chain: &[Migration] = &[to2, to3];
    assert_eq!(trail(&migrate(chain, 1, Table::new()).unwrap()), "23");
    assert_eq!(trail(&migrate(chain, 2, Table::new()).unwrap()), "3");
    assert!(migrate(chain, 3, Table::new()).unwrap().is_empty());
    assert!(migrate(chain, 4, Table::new()).is_err());
}

#[test]
fn s13_link_zip_bomb_is_refused_without_inflating_it_all() {
    let bomb = vec![b' '; 64 << 20];
    let link = zlib_link(&bomb);
    assert!(link.len() < 200_000, "{}", link.len());
    let e = decode(&link).unwrap_err();
    assert!(e.reason.contains("scenario limit"), "{e}");
}

#[test]
fn s13_link_oversized_fragment_is_refused_before_decoding() {
    let e = decode(&format!("j{}", "A".repeat(MAX_FRAGMENT_CHARS + 1))).unwrap_err();
    assert!(e.reason.contains("characters long"), "{e}");
}

#[test]
fn s10_link_payload_goes_through_scenario_validation() {
    let e = decode(&raw_link(r#"{"v":1,"steps":[{"call":"server.flush","timeout":-1}]}"#)).unwrap_err();
    assert!(e.reason.contains("steps[0].timeout"), "{e}");
    let e = decode(&raw_link(r#"{"v":1,"network":{"loss":2}}"#)).unwrap_err();
    assert!(e.reason.contains("network.loss"), "{e}");
    let e = decode(&raw_link(r#"{"v":1,"bogus":true}"#)).unwrap_err();
    assert!(e.reason.contains("bogus: unknown field"), "{e}");
    let e = decode(&raw_link(r#"[1]"#)).unwrap_err();
    assert!(e.reason.contains("not a JSON object"), "{e}");
}

#[test]
fn link_payload_that_is_not_utf8_is_called_damaged() {
    // The payload is read as text; bytes that are not UTF-8 (inside a string or out) say so.
    for payload in [&b"{\"v\":3,\"title\":\"\xff\"}"[..], &b"\xfe{}"[..]] {
        let e = decode(&format!("j{}", URL_SAFE_NO_PAD.encode(payload))).unwrap_err();
        assert!(e.reason.contains("not UTF-8"), "{e}");
        assert!(decode(&zlib_link(payload)).unwrap_err().reason.contains("not UTF-8"));
    }
}

#[test]
fn s13_link_normalises_rwnd_in_network() {
    let s = decode(&raw_link(r#"{"v":1,"network":{"rwnd":1000}}"#)).unwrap();
    assert_eq!(s.server.rwnd, 1000);
}

// ---- generated scenarios -------------------------------------------------------------------

fn arg() -> impl Strategy<Value = Arg> {
    prop_oneof![
        any::<i64>().prop_map(Arg::Int),
        (-1.0e6..1.0e6f64).prop_map(Arg::Float),
        any::<bool>().prop_map(Arg::Bool),
        "[A-Z_a-z0-9. ]{0,24}".prop_map(Arg::Str),
    ]
}

fn timeout_arg() -> impl Strategy<Value = Arg> {
    prop_oneof![(-100i64..86_400).prop_map(Arg::Int), (-10.0..86_400.0f64).prop_map(Arg::Float), "[A-Z]{0,8}".prop_map(Arg::Str)]
}

fn secs() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), 0.0..86_400.0f64, (0u32..86_400).prop_map(f64::from)]
}

fn call() -> impl Strategy<Value = Call> {
    let bytes = 0u64..=(1 << 20);
    prop_oneof![
        ("[a-z_]{0,12}", bytes.clone()).prop_map(|(name, bytes)| Call::AgentSend { name, bytes }),
        bytes.clone().prop_map(|bytes| Call::ServerLog { bytes }),
        bytes.clone().prop_map(|bytes| Call::ServerError { bytes }),
        arg().prop_map(|size| Call::SetSendBufferSize { size }),
        (arg(), arg(), timeout_arg()).prop_map(|(reconnect, wait, timeout)| Call::SetSendTimeoutPolicy { reconnect, wait, timeout }),
        secs().prop_map(|timeout| Call::ServerConnect { timeout }),
        Just(Call::ServerDisconnect),
        secs().prop_map(|timeout| Call::ServerFlush { timeout }),
        Just(Call::ServerIsConnected),
        secs().prop_map(|seconds| Call::ImpSleep { seconds }),
        secs().prop_map(|seconds| Call::ImpWakeup { seconds }),
        proptest::option::of(arg()).prop_map(|port| Call::OpenUdp { port }),
        (arg(), arg(), bytes).prop_map(|(address, port, bytes)| Call::UdpSend { address, port, bytes }),
        Just(Call::UdpClose),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let on_ret = proptest::collection::btree_map(
        prop_oneof![(0i64..5).prop_map(|i| i.to_string()), Just("true".to_string()), Just("false".to_string())],
        Just(RetAction::Retry),
        0..3,
    );
    (call(), prop_oneof![Just(1u32), 0u32..1000], on_ret, prop_oneof![Just(0.0), 0.0..600.0f64]).prop_map(
        |(call, repeat, on_ret, retry_after_s): (Call, u32, BTreeMap<String, RetAction>, f64)| Step {
            call,
            repeat,
            on_ret,
            retry_after_s,
        },
    )
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let outage = (prop_oneof![Just(OutageKind::Wifi), Just(OutageKind::Upstream)], 0u64..100_000_000, 1u64..1_000_000)
        .prop_map(|(kind, at_ms, for_ms)| Outage { kind, at_ms: at_ms.min(crate::scenario::MAX_END_MS), for_ms });
    let steps = || proptest::collection::vec(step(), 0..6);
    (
        ("[ -~]{0,40}", any::<u64>(), 0u64..=crate::scenario::MAX_END_MS),
        (1u32..70_000, 64u32..9000, 0u32..100, 1u64..2000, 0.0..=1.0f64, proptest::option::of(1u64..10_000)),
        (1u32..1_000_000, prop_oneof![Just(Rate::Unlimited(Unlimited::Unlimited)), (0u64..1_000_000).prop_map(Rate::Bps)]),
        proptest::collection::vec(outage, 0..4),
        (steps(), steps(), steps()),
    )
        .prop_map(|((title, seed, end_ms), (buf, mss, tls, rtt, loss, rto), (rwnd, consume), outages, (s, c, u))| {
            let mut sc = Scenario { title, seed, end_ms, ..Scenario::default() };
            sc.device.buffer_max = buf.max(sc.device.buffer_default);
            sc.device.mss = mss;
            sc.device.tls_overhead = tls;
            sc.network.rtt_ms = rtt;
            sc.network.loss = loss;
            sc.network.rto_ms = rto;
            sc.network.outages = outages;
            sc.server.rwnd = rwnd;
            sc.agent.consume_bps = consume;
            sc.steps = s;
            sc.on_connect = c;
            sc.on_unexpected_disconnect = u;
            sc
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn link_round_trips_any_valid_scenario(s in scenario()) {
        prop_assume!(crate::scenario::validate(&s).is_ok());
        let link = encode(&s);
        prop_assert!(link.len() <= MAX_FRAGMENT_CHARS);
        prop_assert_eq!(decode(&link).unwrap(), s);
    }

    #[test]
    fn link_decode_never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
        let _ = decode(&text);
    }

    #[test]
    fn link_decode_never_panics_on_arbitrary_bytes_in_either_format(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = decode(&format!("j{}", URL_SAFE_NO_PAD.encode(&bytes)));
        let _ = decode(&zlib_link(&bytes));
    }
}

#[test]
fn issue13_10_a_key_given_twice_is_refused_in_links_as_in_json_files() {
    // Links are read into the tree JSON files are (issue 10 item 6), so both say the same: the
    // key's whole path, then "given twice".
    let payload = r#"{"v":1,"title":"a","title":"b"}"#;
    let e = decode(&raw_link(payload)).unwrap_err().to_string();
    assert_eq!(e, "share link: its scenario is invalid: title: given twice");
    let file = crate::scenario::parse_json(r#"{"title":"a","title":"b"}"#).unwrap_err().to_string();
    assert_eq!(file, "title: given twice");
    // Nested too, and in a deflated link: the path names the table.
    let nested = r#"{"v":1,"server":{"rwnd":1000,"rwnd":2000}}"#;
    let e = decode(&zlib_link(nested.as_bytes())).unwrap_err().to_string();
    assert_eq!(e, "share link: its scenario is invalid: server.rwnd: given twice");
    // In a map of names (`libs`), and the version itself.
    let libs = r#"{"v":3,"code":"server.log(1);","libs":{"a.nut":"x","a.nut":"y"}}"#;
    assert_eq!(decode(&raw_link(libs)).unwrap_err().reason, "its scenario is invalid: libs.a.nut: given twice");
    assert_eq!(decode(&raw_link(r#"{"v":3,"v":3}"#)).unwrap_err().reason, "its scenario is invalid: v: given twice");
    // Deep in a list, by index.
    let step = r#"{"v":3,"steps":[{"call":"server.log","call":"agent.send"}]}"#;
    assert_eq!(decode(&raw_link(step)).unwrap_err().reason, "its scenario is invalid: steps[0].call: given twice");
}

#[test]
fn issue13_10_a_huge_unknown_key_is_not_echoed_whole() {
    let key = "k".repeat(1_000_000); // with its payload, just under the 1 MiB limit
    let payload = format!(r#"{{"v":1,"{key}":1}}"#);
    let e = decode(&zlib_link(payload.as_bytes())).unwrap_err().to_string();
    assert!(e.len() < 2000, "{} bytes of error: {}", e.len(), e.chars().take(200).chain(e.chars().rev().take(200)).collect::<String>());
    assert!(e.contains("unknown field") && e.contains('…'), "{e}");
    let e = crate::scenario::parse_json(&format!(r#"{{"{}":1}}"#, "k".repeat(500_000))).unwrap_err().to_string();
    assert!(e.len() < 2000, "{} bytes of error", e.len());
    // Given twice: a library name may be anything, so there the repeat is what is refused.
    let key = &key[..400_000];
    let dup = format!(r#"{{"v":3,"code":"server.log(1);","libs":{{"{key}":"a","{key}":"b"}}}}"#);
    let e = decode(&zlib_link(dup.as_bytes())).unwrap_err().to_string();
    assert!(e.len() < 2000 && e.contains("given twice"), "{}", &e[..e.len().min(300)]);
    // A top-level key both unknown and repeated is unknown first, as a JSON file says.
    let dup = format!(r#"{{"v":1,"{key}":1,"{key}":2}}"#);
    let e = decode(&zlib_link(dup.as_bytes())).unwrap_err().to_string();
    assert!(e.len() < 2000 && e.contains("unknown field"), "{}", &e[..e.len().min(300)]);
}

#[test]
fn issue10_v2_links_carry_code_and_v1_links_open_unchanged() {
    // A v1 link (written before device code) still opens, migrated forward as it was.
    let old = decode(&raw_link(r#"{"v":1,"title":"old","network":{"rwnd":1000}}"#)).unwrap();
    assert_eq!(old.title, "old");
    assert_eq!(old.code, None);
    // A v2 link carries the program, deflated.
    let mut s = Scenario { title: "code".into(), ..Scenario::default() };
    s.code = Some("server.log(\"hello\");\n".repeat(20));
    let link = encode(&s);
    assert!(link.starts_with('z'), "code compresses: {link}");
    assert_eq!(decode(&link).unwrap(), s);
    // v1 had no code: a payload that says v1 and carries it is refused, by name.
    let e = decode(&raw_link(r#"{"v":1,"code":"server.log(1);"}"#)).unwrap_err();
    assert!(e.reason.contains("v1") && e.reason.contains("code"), "{e}");
}

#[test]
fn issue11_v3_links_carry_agent_code_and_v2_links_open_unchanged() {
    // A v2 link (device code, written before agent code) opens as it was.
    let old = decode(&raw_link(r#"{"v":2,"title":"dev","code":"server.log(1);"}"#)).unwrap();
    assert_eq!((old.code.as_deref(), old.agent_code.as_deref()), (Some("server.log(1);"), None));
    // A v3 link carries both programs.
    let s = Scenario {
        title: "pair".into(),
        code: Some("agent.send(\"r\", 1);\n".into()),
        agent_code: Some("device.on(\"r\", function(v) { server.log(v); });\n".into()),
        ..Scenario::default()
    };
    let link = encode(&s);
    assert_eq!(decode(&link).unwrap(), s);
    // v2 had no agent code: a payload that says v2 and carries it is refused, by name.
    let e = decode(&raw_link(r#"{"v":2,"code":"server.log(1);","agent_code":"server.log(2);"}"#)).unwrap_err();
    assert!(e.reason.contains("v2") && e.reason.contains("agent_code"), "{e}");
    // Agent code alone is refused with the field's name (§15: it runs beside device code).
    let e = decode(&raw_link(r#"{"v":3,"agent_code":"server.log(2);"}"#)).unwrap_err();
    assert!(e.reason.contains("agent_code") && e.reason.contains("`code`"), "{e}");
}
