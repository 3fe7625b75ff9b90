//! Parsing: each refusal names the field path and the reason, in TOML and in JSON (SPEC §10,
//! §13 "Errors").

use super::*;
use crate::scenario::{Arg, Call, OutageKind, Rate};
use proptest::prelude::*;

fn toml_err(text: &str) -> ScenarioError {
    match parse_toml(text) {
        Ok(s) => panic!("accepted: {text}\n{s:?}"),
        Err(e) => e,
    }
}

fn json_err(text: &str) -> ScenarioError {
    match parse_json(text) {
        Ok(s) => panic!("accepted: {text}\n{s:?}"),
        Err(e) => e,
    }
}

#[track_caller]
fn assert_refused(e: &ScenarioError, path: &str, reason_has: &str) {
    assert_eq!(e.path, path, "path of {e}");
    assert!(e.reason.contains(reason_has), "reason of {e:?} lacks {reason_has:?}");
}

const SPEC_EXAMPLE: &str = r#"
title = "Twenty logs with a zero timeout"
seed = 1
[network]
outages = [{ kind = "wifi", at_ms = 5000, for_ms = 70000 }]
[[steps]]
call = "server.setsendtimeoutpolicy"
reconnect = "RETURN_ON_ERROR"
wait = "WAIT_TIL_SENT"
timeout = 0
[[steps]]
call = "server.log"
bytes = 200
repeat = 20
"#;

#[test]
fn s10_spec_example_loads() {
    let s = parse_toml(SPEC_EXAMPLE).unwrap();
    assert_eq!(s.title, "Twenty logs with a zero timeout");
    assert_eq!(s.seed, 1);
    assert_eq!(s.network.outages[0].kind, OutageKind::Wifi);
    assert_eq!(s.network.outages[0].for_ms, 70_000);
    assert_eq!(s.steps.len(), 2);
    assert_eq!(s.steps[1].call, Call::ServerLog { bytes: 200 });
    assert_eq!(s.steps[1].repeat, 20);
    assert_eq!(
        s.steps[0].call,
        Call::SetSendTimeoutPolicy {
            reconnect: Arg::Str("RETURN_ON_ERROR".into()),
            wait: Arg::Str("WAIT_TIL_SENT".into()),
            timeout: Arg::Int(0)
        }
    );
}

#[test]
fn s10_toml_and_json_load_the_same_scenario() {
    let t = parse_toml(SPEC_EXAMPLE).unwrap();
    let j = parse_json(&serde_json::to_string(&t).unwrap()).unwrap();
    assert_eq!(t, j);
}

#[test]
fn s13_defaults_seed_zero_and_connect_timeout_sixty() {
    let s = parse_toml("[[steps]]\ncall = \"server.connect\"\n").unwrap();
    assert_eq!(s.seed, 0);
    assert_eq!(s.end_ms, crate::scenario::MAX_END_MS);
    assert_eq!(s.steps[0].call, Call::ServerConnect { timeout: 60.0 });
}

#[test]
fn s10_ill_typed_value_names_field_toml_and_json() {
    let t = toml_err("[[steps]]\ncall = \"agent.send\"\nname = \"x\"\nbytes = \"many\"\n");
    assert_refused(&t, "steps[0].bytes", "expected an integer");
    assert!(t.reason.contains("\"many\""));
    let j = json_err(r#"{"steps":[{"call":"agent.send","name":"x","bytes":"many"}]}"#);
    assert_eq!(t, j, "both formats say the same thing");
}

#[test]
fn s10_path_counts_steps_from_zero() {
    let e = toml_err(
        "[[steps]]\ncall = \"server.isconnected\"\n[[steps]]\ncall = \"server.isconnected\"\n\
         [[steps]]\ncall = \"server.isconnected\"\n[[steps]]\ncall = \"server.log\"\nbytes = \"many\"\n",
    );
    assert_eq!(e.to_string(), "steps[3].bytes: expected an integer (0 or more), got \"many\"");
}

#[test]
fn s13_unknown_top_level_field_lists_known_ones() {
    let e = toml_err("sed = 1\n");
    assert_refused(&e, "sed", "unknown field");
    assert!(e.reason.contains("seed"));
    assert_refused(&json_err(r#"{"sed":1}"#), "sed", "unknown field");
}

#[test]
fn s13_unknown_parameter_field_names_its_group() {
    assert_refused(&toml_err("[device]\nbufer_max = 3\n"), "device.bufer_max", "buffer_max");
    assert_refused(&json_err(r#"{"network":{"rtt":3}}"#), "network.rtt", "rtt_ms");
}

#[test]
fn s13_unknown_group_is_refused() {
    assert_refused(&toml_err("[wifi]\nx = 1\n"), "wifi", "unknown field");
}

#[test]
fn s13_unknown_step_field_is_refused() {
    assert_refused(&toml_err("[[steps]]\ncall = \"server.log\"\nbytez = 1\n"), "steps[0].bytez", "unknown field");
}

#[test]
fn s13_argument_the_call_does_not_take_is_refused() {
    let e = toml_err("[[steps]]\ncall = \"imp.sleep\"\nseconds = 1\ntimeout = 2\n");
    assert_refused(&e, "steps[0].timeout", "imp.sleep does not take `timeout`");
}

#[test]
fn s13_unknown_call_lists_the_known_ones() {
    let e = toml_err("[[steps]]\ncall = \"agent.sned\"\n");
    assert_refused(&e, "steps[0].call", "unknown call `agent.sned`");
    for name in Call::NAMES {
        assert!(e.reason.contains(name), "{name} missing from {e}");
    }
    assert_refused(&json_err(r#"{"steps":[{"call":"x"}]}"#), "steps[0].call", "unknown call");
}

#[test]
fn s10_missing_call_and_missing_argument_are_named() {
    assert_refused(&toml_err("[[steps]]\nbytes = 3\n"), "steps[0].call", "missing");
    assert_refused(&toml_err("[[steps]]\ncall = \"agent.send\"\nbytes = 3\n"), "steps[0].name", "missing");
    assert_refused(&json_err(r#"{"steps":[{"call":"server.flush"}]}"#), "steps[0].timeout", "missing");
    assert_refused(&toml_err("[[steps]]\ncall = \"imp.wakeup\"\n"), "steps[0].seconds", "missing");
}

#[test]
fn s13_handler_lists_are_checked_with_their_own_path() {
    let e = toml_err("[[on_connect]]\ncall = \"server.log\"\nbytes = true\n");
    assert_refused(&e, "on_connect[0].bytes", "expected an integer");
    let e = toml_err("[[on_unexpected_disconnect]]\ncall = \"server.connect\"\ntimeout = -1\n");
    assert_refused(&e, "on_unexpected_disconnect[0].timeout", "0 or more");
}

#[test]
fn s13_negative_waits_are_refused_at_load() {
    for (call, field) in
        [("imp.sleep", "seconds"), ("imp.wakeup", "seconds"), ("server.connect", "timeout"), ("server.flush", "timeout")]
    {
        let e = toml_err(&format!("[[steps]]\ncall = \"{call}\"\n{field} = -0.5\n"));
        assert_refused(&e, &format!("steps[0].{field}"), "0 or more seconds");
    }
}

#[test]
fn s13_ill_typed_wait_is_refused_at_load() {
    assert_refused(
        &toml_err("[[steps]]\ncall = \"server.connect\"\ntimeout = \"soon\"\n"),
        "steps[0].timeout",
        "expected a number of seconds",
    );
    assert_refused(&toml_err("[[steps]]\ncall = \"imp.sleep\"\nseconds = [1]\n"), "steps[0].seconds", "a number");
}

#[test]
fn b4_c6_u1_u4_bad_values_are_runtime_errors_and_load_fine() {
    let s = parse_toml(
        r#"
[[steps]]
call = "imp.setsendbuffersize"
size = -1
[[steps]]
call = "imp.setsendbuffersize"
size = "big"
[[steps]]
call = "server.setsendtimeoutpolicy"
reconnect = "NOT_A_POLICY"
wait = 3
timeout = -5
[[steps]]
call = "interface.openudp"
port = 80
[[steps]]
call = "udpsocket.send"
address = "8.8.8.8"
port = 67
bytes = 70000
[[steps]]
call = "udpsocket.send"
address = 12
port = "x"
bytes = 1
"#,
    )
    .unwrap();
    assert_eq!(s.steps[0].call, Call::SetSendBufferSize { size: Arg::Int(-1) });
    assert_eq!(s.steps[1].call, Call::SetSendBufferSize { size: Arg::Str("big".into()) });
    assert!(matches!(&s.steps[2].call, Call::SetSendTimeoutPolicy { timeout: Arg::Int(-5), .. }));
    assert!(matches!(&s.steps[4].call, Call::UdpSend { bytes: 70_000, .. }));
    assert!(matches!(&s.steps[5].call, Call::UdpSend { address: Arg::Int(12), .. }));
}

#[test]
fn s10_loose_argument_refuses_tables_with_a_clear_message() {
    let e = toml_err("[[steps]]\ncall = \"imp.setsendbuffersize\"\nsize = { n = 1 }\n");
    assert_refused(&e, "steps[0].size", "expected a number, boolean or string, got a table");
    let e = json_err(r#"{"steps":[{"call":"imp.setsendbuffersize","size":{"n":1}}]}"#);
    assert_refused(&e, "steps[0].size", "got an object");
}

#[test]
fn s10_outage_kind_lists_known_kinds() {
    let e = toml_err("[network]\noutages = [{ kind = \"wifii\", at_ms = 1, for_ms = 2 }]\n");
    assert_refused(&e, "network.outages[0].kind", "unknown value `wifii` (known: wifi, upstream)");
    let e = toml_err("[network]\noutages = [{ kind = \"wifi\", at_ms = 1 }]\n");
    assert_refused(&e, "network.outages[0].for_ms", "missing");
}

#[test]
fn s13_on_ret_action_must_be_retry() {
    let e = toml_err("[[steps]]\ncall = \"server.log\"\nbytes = 3\non_ret = { \"4\" = \"again\" }\n");
    assert!(e.path.starts_with("steps[0].on_ret"), "{e}");
    assert!(e.reason.contains("known: retry"), "{e}");
}

#[test]
fn s13_on_ret_retry_loads() {
    let s = parse_toml("[[steps]]\ncall = \"server.log\"\nbytes = 3\non_ret = { \"4\" = \"retry\" }\nretry_after_s = 600\n")
        .unwrap();
    assert_eq!(s.steps[0].on_ret.get("4"), Some(&crate::scenario::RetAction::Retry));
    assert_eq!(s.steps[0].retry_after_s, 600.0);
}

#[test]
fn s13_consume_bps_accepts_unlimited_and_refuses_other_words() {
    let s = parse_toml("[agent]\nconsume_bps = \"unlimited\"\n").unwrap();
    assert_eq!(s.agent.consume_bps.bps(), None);
    let s = parse_toml("[agent]\nconsume_bps = 0\n").unwrap();
    assert_eq!(s.agent.consume_bps, Rate::Bps(0));
    assert_refused(&toml_err("[agent]\nconsume_bps = \"lots\"\n"), "agent.consume_bps", "\"unlimited\"");
    assert_refused(&toml_err("[agent]\nconsume_bps = -3\n"), "agent.consume_bps", "got -3");
}

#[test]
fn s13_rwnd_and_consume_bps_in_network_move_to_server_and_agent() {
    let s = parse_toml("[network]\nrwnd = 1000\nconsume_bps = 500\n").unwrap();
    assert_eq!(s.server.rwnd, 1000);
    assert_eq!(s.agent.consume_bps, Rate::Bps(500));
    assert_eq!(s.network.rwnd, None);
    assert_eq!(s.network.consume_bps, None);
    let j = parse_json(r#"{"network":{"consume_bps":"unlimited","rwnd":2000}}"#).unwrap();
    assert_eq!(j.server.rwnd, 2000);
}

#[test]
fn s13_rwnd_given_twice_with_different_values_is_refused() {
    let e = toml_err("[network]\nrwnd = 1000\n[server]\nrwnd = 2000\n");
    assert_refused(&e, "network.rwnd", "server.rwnd");
    // The same value in both places is not a conflict.
    assert_eq!(parse_toml("[network]\nrwnd = 1000\n[server]\nrwnd = 1000\n").unwrap().server.rwnd, 1000);
}

#[test]
fn s10_integer_fields_refuse_fractions_and_overflow() {
    assert_refused(&toml_err("[device]\nbuffer_max = 1.5\n"), "device.buffer_max", "got 1.5");
    assert_refused(&toml_err("[device]\nbuffer_max = 5000000000\n"), "device.buffer_max", "got 5000000000");
    assert_refused(&json_err(r#"{"seed":-1}"#), "seed", "got -1");
}

#[test]
fn s10_parameter_tables_read_every_field_and_keep_defaults_for_the_rest() {
    // `scenario::read` reads every parameter table ([device], [network], [server], [agent], …)
    // through one table walk (issue 10 item 6): each field lands in its own place.
    let s = parse_toml(
        "[device]\nbuffer_default = 4000\nbuffer_max = 40000\nmss = 500\ntls_overhead = 30\nmsg_header = 9\n\
         connect_ms = 1600\nboot_squirrel_ms = 9000\n[server]\nrwnd = 5000\n[suspend]\nconnect_window_ms = 5000\n\
         sleep_ms = 6000\n[recover]\ngrace_ms = 7000\n[keepalive]\nidle_ms = 8000\nack_ms = 9500\n\
         [udp]\nburst = 7\nrefill_per_s = 2.5\nmtu = 1000\n",
    )
    .unwrap();
    let d = &s.device;
    assert_eq!(
        (d.buffer_default, d.buffer_max, d.mss, d.tls_overhead, d.msg_header, d.connect_ms, d.boot_squirrel_ms),
        (4000, 40000, 500, 30, 9, 1600, 9000)
    );
    assert_eq!((s.server.rwnd, s.suspend.connect_window_ms, s.suspend.sleep_ms, s.recover.grace_ms), (5000, 5000, 6000, 7000));
    assert_eq!((s.keepalive.idle_ms, s.keepalive.ack_ms, s.udp.burst, s.udp.refill_per_s, s.udp.mtu), (8000, 9500, 7, 2.5, 1000));
    let s = parse_toml("[device]\nmss = 500\n[udp]\nrefill_per_s = 3\n").unwrap();
    assert_eq!(s.device, crate::scenario::DeviceParams { mss: 500, ..Default::default() });
    assert_eq!(s.udp, crate::scenario::UdpParams { refill_per_s: 3.0, ..Default::default() }, "an integer is a float here");
    assert_refused(&json_err(r#"{"udp":{"burst":1,"burst":2}}"#), "udp.burst", "given twice");
    assert_refused(&toml_err("[keepalive]\nidle_ms = \"soon\"\n"), "keepalive.idle_ms", "got \"soon\"");
    assert_refused(&toml_err("[udp]\nrefill = 1\n"), "udp.refill", "known: burst, refill_per_s, mtu");
    assert_refused(&toml_err("suspend = [1, 2]\n"), "suspend", "expected a table");
    // [network] and [agent] go through the same reader: options, rates and outages included.
    let s = parse_toml(
        "[network]\nrtt_ms = 300\nuplink_bps = 9000\ndownlink_bps = 800\nloss = 0.25\nrto_ms = 900\n\
         outages = [{ kind = \"upstream\", at_ms = 1, for_ms = 2 }]\n[agent]\nconsume_bps = 700\n",
    )
    .unwrap();
    let n = &s.network;
    assert_eq!((n.rtt_ms, n.uplink_bps, n.downlink_bps, n.loss, n.rto_ms), (300, 9000, Some(800), 0.25, Some(900)));
    assert_eq!((n.outages.len(), n.outages[0].kind, s.agent.consume_bps), (1, OutageKind::Upstream, Rate::Bps(700)));
    let s = parse_json(r#"{"network":{"rwnd":1000,"consume_bps":"unlimited","rto_ms":null}}"#).unwrap();
    assert_eq!((s.server.rwnd, s.agent.consume_bps.bps(), s.network.rto_ms), (1000, None, None), "moved by normalise");
    assert_refused(&toml_err("[network]\ndownlink_bps = -1\n"), "network.downlink_bps", "got -1");
    assert_refused(&toml_err("[network]\nconsume_bps = \"fast\"\n"), "network.consume_bps", "unlimited");
    // A step's flat record too: every key lands, a key twice is named.
    let s = parse_toml(
        "[[steps]]\ncall = \"server.connect\"\ntimeout = 2.5\nrepeat = 3\non_ret = { \"2\" = \"retry\" }\nretry_after_s = 4\n",
    )
    .unwrap();
    let st = &s.steps[0];
    assert_eq!((&st.call, st.repeat, st.on_ret.len(), st.retry_after_s), (&Call::ServerConnect { timeout: 2.5 }, 3, 1, 4.0));
    assert_refused(&json_err(r#"{"steps":[{"call":"server.log","bytes":1,"bytes":2}]}"#), "steps[0].bytes", "given twice");
}

#[test]
fn s10_wrong_container_types_are_named() {
    assert_refused(&toml_err("steps = 3\n"), "steps", "expected an array, got 3");
    assert_refused(&toml_err("device = 3\n"), "device", "expected a table, got 3");
    assert_refused(&json_err(r#"{"device":3}"#), "device", "expected an object, got 3");
}

#[test]
fn s10_syntax_errors_say_where() {
    let e = toml_err("title = \"x\"\n[device\n");
    assert!(e.reason.starts_with("TOML syntax error at line 2"), "{e}");
    let e = json_err(r#"{"steps":[{"call":"server.log","bytes":1}]"#);
    assert!(e.reason.starts_with("JSON syntax error"), "{e}");
    let e = json_err(r#"{"title":"x"} trailing"#);
    assert!(e.reason.contains("trailing characters"), "{e}");
    assert!(json_err("").reason.contains("object"));
    assert!(json_err("[]").reason.contains("object"));
}

#[test]
fn s10_duplicate_keys_are_refused() {
    assert!(toml_err("title = \"a\"\ntitle = \"b\"\n").reason.contains("duplicate key"));
    assert_refused(&json_err(r#"{"seed":1,"seed":2}"#), "seed", "given twice");
    // A table of names too (`libs`, `on_ret`): keeping the last would drop a file unsaid.
    let e = json_err(r#"{"code":"server.log(1);","libs":{"a.nut":"x","a.nut":"y"}}"#);
    assert!(e.path.contains("libs") && e.path.contains("a.nut") && e.reason.contains("given twice"), "{e}");
}

#[test]
fn s13_limits_refuse_a_file_over_one_mib_before_parsing() {
    let big = format!("title = \"x\"\n#{}\n", "a".repeat(1 << 20));
    let e = toml_err(&big);
    assert_eq!(e.path, "");
    assert!(e.reason.contains("1 MiB"), "{e}");
    let e = json_err(&format!("{{\"title\":\"{}\"}}", "a".repeat(1 << 20)));
    assert!(e.reason.contains("1 MiB"), "{e}");
}

#[test]
fn s13_deep_nesting_is_refused_quickly() {
    let depth = 100_000;
    let toml = format!("title = {}{}\n", "[".repeat(depth), "]".repeat(depth));
    assert!(parse_toml(&toml).is_err());
    let json = format!("{{\"title\":{}{}}}", "[".repeat(depth), "]".repeat(depth));
    assert!(parse_json(&json).is_err());
    let json = format!("{{\"steps\":[{{\"call\":\"imp.setsendbuffersize\",\"size\":{}{}}}]}}", "[".repeat(depth), "]".repeat(depth));
    assert!(parse_json(&json).is_err());
    let toml = format!("x = {}1{}\n", "{a=".repeat(depth), "}".repeat(depth));
    assert!(parse_toml(&toml).is_err());
}

#[test]
fn s10_toml_json_files_and_links_refuse_alike() {
    // One reader for every format (issue 10 item 6): the same mistake gets the same path and
    // reason, in the format's words.
    let cases = [
        (r#"{"network":{"outages":[{"kind":"wifii","at_ms":1,"for_ms":2}]}}"#, "network.outages[0].kind", "unknown value `wifii` (known: wifi, upstream)"),
        (r#"{"steps":[{"call":"server.log","bytes":-1}]}"#, "steps[0].bytes", "expected an integer (0 or more), got -1"),
        (r#"{"udp":{"burst":5000000000}}"#, "udp.burst", "expected an integer from 0 to 4294967295, got 5000000000"),
        (r#"{"libs":{"a.nut":3}}"#, "libs.a.nut", "expected a string, got 3"),
        (r#"{"steps":[{"call":"server.log","bytes":1,"on_ret":{"4":"again"}}]}"#, "steps[0].on_ret.4", "unknown value `again` (known: retry)"),
        (r#"{"expect":[{"ret":0,"nth":0}]}"#, "expect[0].nth", "counts from 1 (the first selected call), got 0"),
        (r#"{"seed":2.5}"#, "seed", "expected an integer (0 or more), got 2.5"),
        (r#"{"title":1e300}"#, "title", "expected a string, got 1e300"),
    ];
    for (json, path, reason) in cases {
        let file = json_err(json);
        assert_eq!((file.path.as_str(), file.reason.as_str()), (path, reason), "{json}");
        let v: toml::Value = serde_json::from_str(json).unwrap();
        assert_eq!(toml_err(&toml::to_string(&v).unwrap()), file, "TOML of {json}");
        let mut link: serde_json::Value = serde_json::from_str(json).unwrap();
        link["v"] = 3.into();
        let link = format!("j{}", base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, link.to_string()));
        assert_eq!(crate::codec::decode(&link).unwrap_err().reason, format!("its scenario is invalid: {file}"), "link of {json}");
    }
    // A table is "a table" in TOML, "an object" in JSON.
    assert_refused(&json_err(r#"{"steps":[3]}"#), "steps[0]", "expected an object, got 3");
    assert_refused(&toml_err("steps = [3]
"), "steps[0]", "expected a table, got 3");
}

#[test]
fn s10_a_table_key_named_like_its_table_is_named_in_full() {
    // The path is the table's plus the key (it once lost the key when both were `device`).
    assert_refused(&toml_err("[device]
device = 1
"), "device.device", "unknown field (known: buffer_default");
}

#[test]
fn s10_an_outage_is_a_table_not_fields_by_position() {
    // serde's derive took `["wifi", 1, 2]` as an outage; every other table refused arrays.
    assert_refused(&toml_err("[network]
outages = [[\"wifi\", 1, 2]]
"), "network.outages[0]", "expected a table, got an array");
}

#[test]
fn s10_an_integer_past_64_bits_is_refused_where_it_stands() {
    let e = toml_err("title = \"x\"
seed = 99999999999999999999999
");
    assert_eq!(e.to_string(), "TOML syntax error at line 2, column 8: integer number overflowed");
    assert_refused(&json_err(r#"{"seed":null}"#), "seed", "expected an integer (0 or more), got null");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// §10: bad input is refused, never a panic — whatever the bytes.
    #[test]
    fn s10_arbitrary_text_never_panics_the_parsers(text in "\\PC{0,400}") {
        let _ = parse_toml(&text);
        let _ = parse_json(&text);
    }

    /// The same, with text that looks like a scenario so the parsers get past the first byte.
    #[test]
    fn s10_scenario_like_text_never_panics(
        keys in proptest::collection::vec(
            prop_oneof![
                Just("[[steps]]\n"), Just("call = \"agent.send\"\n"), Just("call = \"server.flush\"\n"),
                Just("bytes = 9999999999999\n"), Just("timeout = -1e308\n"), Just("seconds = nan\n"),
                Just("repeat = 4294967296\n"), Just("[device]\n"), Just("buffer_max = 0\n"),
                Just("[network]\n"), Just("loss = inf\n"), Just("rwnd = 0\n"), Just("name = \"\"\n"),
                Just("on_ret = { \"4\" = \"retry\" }\n"), Just("size = -9223372036854775808\n"),
                Just("[[on_connect]]\n"), Just("outages = [{kind=\"wifi\",at_ms=0,for_ms=1}]\n"),
            ],
            0..24,
        )
    ) {
        let text: String = keys.concat();
        let _ = parse_toml(&text);
    }
}
