//! SPEC §15: device code and agent code in one run, messages both ways over the modelled link.
//! Times are computed from the parameters (rtt/2, serialisation at the rates), not copied from
//! a run.

use impnet_core::budget::Budget;
use impnet_core::scenario::{parse_toml, validate, Scenario};
use impnet_core::{run, sim::run_with_budget, RunOptions};
use serde_json::Value;

fn scenario(toml: &str, device: &str, agent: &str) -> Scenario {
    let mut s = parse_toml(toml).unwrap();
    s.code = Some(device.into());
    s.agent_code = Some(agent.into());
    validate(&s).unwrap();
    s
}

fn lines_of(s: &Scenario) -> Vec<Value> {
    let t = run(s, &RunOptions::default()).unwrap();
    t.to_json_lines().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn t(l: &Value) -> f64 {
    l["t_ms"].as_f64().unwrap()
}

fn events<'a>(ls: &'a [Value], kind: &str) -> Vec<&'a Value> {
    ls.iter().filter(|l| l["event"] == kind).collect()
}

fn calls<'a>(ls: &'a [Value], call: &str, side: Option<&str>) -> Vec<&'a Value> {
    ls.iter().filter(|l| l["call"] == call && l.get("side").and_then(Value::as_str) == side).collect()
}

fn texts(ls: &[Value], side: Option<&str>) -> Vec<String> {
    calls(ls, "server.log", side).iter().map(|l| l["text"].as_str().unwrap().to_string()).collect()
}

/// Serialisation time in ms of `wire` bytes at `bps`, rounded up to the µs as the model does.
fn ser_ms(wire: u64, bps: u64) -> f64 {
    (wire * 1_000_000).div_ceil(bps) as f64 / 1000.0
}

/// §13 wire size with the default msg_header 8 and tls_overhead 29 (one record).
fn wire(name: &str, payload: u64) -> u64 {
    payload + 8 + name.len() as u64 + 29
}

#[test]
fn s15_round_trip_device_to_agent_and_back() {
    let s = scenario(
        "end_ms = 60000\n[network]\nrtt_ms = 100\nuplink_bps = 250000\ndownlink_bps = 1000\n",
        "agent.on(\"pong\", function(v) { server.log(\"pong \" + v.n + \" \" + v.tag); });\nagent.send(\"ping\", {n = 7});\n",
        "device.on(\"ping\", function(v) {\n  server.log(\"ping \" + v.n);\n  device.send(\"pong\", {n = v.n + 1, tag = \"ok\"});\n});\n",
    );
    let ls = lines_of(&s);
    let send = calls(&ls, "agent.send", None)[0];
    assert_eq!(send["msg"], 0);
    // T5 with an unlimited agent: the handler runs when the last segment reaches the server,
    // half an RTT after it left (its ACK comes back half an RTT later still).
    let got = events(&ls, "agent_received")[0];
    let acked = events(&ls, "acked")[0];
    assert_eq!(got["msg"], 0);
    assert!((t(acked) - t(got) - 50.0).abs() < 1e-9, "{got} {acked}");
    assert_eq!(texts(&ls, Some("agent")), ["ping 7"]);
    // The agent's lines carry its own line numbers and side.
    let down = calls(&ls, "device.send", Some("agent"))[0];
    assert_eq!((down["line"].as_u64(), down["name"].as_str(), down["msg"].as_u64()), (Some(3), Some("pong"), Some(0)));
    assert_eq!(t(down), t(got));
    // {n = 8, tag = "ok"}: 5 + ("n" 6 + 5) + ("tag" 8 + "ok" 7) = 31 payload bytes.
    assert_eq!(down["bytes"], 31);
    let arrive = events(&ls, "device_received")[0];
    assert_eq!(arrive["msg"], 0);
    let want = t(down) + 50.0 + ser_ms(wire("pong", 31), 1000);
    assert!((t(arrive) - want).abs() < 1e-9, "rtt/2 + serialisation at downlink_bps: {arrive} vs {want}");
    // The device's agent.on handler runs as a callback task with the value rebuilt.
    let pong = calls(&ls, "server.log", None)[0];
    assert_eq!((pong["text"].as_str(), pong["handler"].as_str(), t(pong)), (Some("pong 8 ok"), Some("agent.on"), t(arrive)));
}

#[test]
fn s15_ordering_t5_delivery_order_and_downlink_fifo() {
    // Five 2 KB readings (several segments each) to an agent reading at 4 KB/s: each reaches
    // device.on when the agent has read its last byte, in stream order. The agent answers each
    // at once; the 200 B/s downlink carries one answer at a time, in send order.
    let s = scenario(
        "end_ms = 600000\n[network]\nrtt_ms = 100\nuplink_bps = 250000\ndownlink_bps = 200\nconsume_bps = 4000\n[device]\nbuffer_default = 30000\n",
        "agent.on(\"ack\", function(id) { server.log(\"ack \" + id); });\nfor (local i = 0; i < 5; i++) agent.send(\"r\", {id = i, data = blob(2000)});\n",
        "device.on(\"r\", function(v) { device.send(\"ack\", v.id); });\n",
    );
    let ls = lines_of(&s);
    let got: Vec<_> = events(&ls, "agent_received").iter().map(|l| (l["msg"].as_u64().unwrap(), t(l))).collect();
    assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [0, 1, 2, 3, 4], "T5: stream order");
    // {id, data}: 5 + ("id" 7 + 5) + ("data" 9 + blob 2005) = 2031 payload, 2069 on the wire.
    let w = wire("r", 2031) as f64;
    let first_byte_at_server = t(calls(&ls, "agent.send", None)[0]) + 50.0;
    for (k, &(_, at)) in got.iter().enumerate() {
        // At 4000 B/s the agent has read message k's last byte (k+1)·w bytes after the first
        // arrived, give or take the time the first segment takes on the wire.
        let read_by = first_byte_at_server + (k as f64 + 1.0) * w / 4.0;
        assert!(at >= read_by && at <= read_by + ser_ms(576, 250_000) + 0.001, "message {k} at {at}, read by {read_by}");
    }
    let sent: Vec<_> = calls(&ls, "device.send", Some("agent")).iter().map(|l| (l["msg"].as_u64().unwrap(), t(l))).collect();
    let arrived: Vec<_> = events(&ls, "device_received").iter().map(|l| (l["msg"].as_u64().unwrap(), t(l))).collect();
    assert_eq!(arrived.iter().map(|a| a.0).collect::<Vec<_>>(), [0, 1, 2, 3, 4], "downlink FIFO");
    let ser = ser_ms(wire("ack", 5), 200);
    let mut free = 0.0f64;
    for (&(_, sent_at), &(_, at)) in sent.iter().zip(&arrived) {
        // One message on the downlink at a time: each starts when the previous is serialised.
        free = free.max(sent_at) + ser;
        assert!((at - (free + 50.0)).abs() < 1e-6, "arrived {at}, want {}", free + 50.0);
    }
    assert_eq!(texts(&ls, None), ["ack 0", "ack 1", "ack 2", "ack 3", "ack 4"]);
}

#[test]
fn s15_downlink_lost_when_the_device_is_not_connected_or_the_connection_drops_first() {
    // The agent sends every 10 s from t = 5 s, and once at 14.8 s; a 30 s WiFi outage starts
    // at 14.9 s. At 100 B/s a 46-byte message takes 460 ms + 50 ms: the one sent at 14.8 s is
    // still on its way at the drop, the ones at 15 s … 35 s find the device not connected.
    let s = scenario(
        "end_ms = 80000\n[network]\nrtt_ms = 100\ndownlink_bps = 100\noutages = [{ kind = \"wifi\", at_ms = 14900, for_ms = 30000 }]\n",
        "agent.on(\"tick\", function(n) { server.log(\"tick \" + n); });\n",
        "local n = 0;\nfunction tick() { device.send(\"tick\", n++); imp.wakeup(10, tick); }\nimp.wakeup(5, tick);\nimp.wakeup(14.8, function() { device.send(\"late\", 0); });\n",
    );
    let ls = lines_of(&s);
    let sends: Vec<_> = calls(&ls, "device.send", Some("agent")).iter().map(|l| (l["msg"].as_u64().unwrap(), t(l))).collect();
    let lost: Vec<_> = events(&ls, "downlink_lost").iter().map(|l| (l["msg"].as_u64().unwrap(), t(l))).collect();
    let arrived: Vec<u64> = events(&ls, "device_received").iter().map(|l| l["msg"].as_u64().unwrap()).collect();
    let drop = t(events(&ls, "disconnected")[0]);
    assert_eq!(drop, 14_900.0);
    let reconnect = t(events(&ls, "connected").iter().find(|l| t(l) > drop).unwrap());
    for &(id, at) in &sends {
        let arrives = at + 50.0 + ser_ms(wire(if at == 14_800.0 { "late" } else { "tick" }, 5), 100);
        if at >= drop && at < reconnect {
            assert!(lost.contains(&(id, at)), "d{id} sent at {at} while the device was offline: lost at the send");
        } else if at < drop && arrives > drop {
            assert!(lost.contains(&(id, drop)), "d{id} sent at {at}, due {arrives}: lost at the drop {drop}");
        } else {
            assert!(arrived.contains(&id), "d{id} sent at {at} arrives at {arrives}");
        }
    }
    assert!(lost.iter().any(|l| l.1 == drop) && lost.iter().any(|l| l.1 > drop), "both kinds of loss happen: {lost:?}");
    assert_eq!(lost.len() + arrived.len(), sends.len(), "every message either arrives or is lost");
}

#[test]
fn s15_isconnected_is_the_servers_view_it_notices_a_silent_drop_after_keepalive() {
    // WiFi down at 20 s for 300 s: the server learns of it keepalive.idle_ms + ack_ms later.
    let s = scenario(
        "end_ms = 400000\n[keepalive]\nidle_ms = 60000\nack_ms = 45000\n[network]\noutages = [{ kind = \"wifi\", at_ms = 20000, for_ms = 300000 }]\n",
        "agent.on(\"x\", function(v) {});\n",
        "function poll() { server.log(time() + \" \" + device.isconnected()); imp.wakeup(1, poll); }\nimp.wakeup(0, poll);\n",
    );
    let ls = lines_of(&s);
    let logs: Vec<(f64, String)> = calls(&ls, "server.log", Some("agent")).iter().map(|l| (t(l), l["text"].as_str().unwrap().to_string())).collect();
    let reconnect = t(events(&ls, "connected").iter().find(|l| t(l) > 20_000.0).unwrap());
    for (at, text) in &logs {
        let want = if *at < 1_500.0 { false } else if *at < 20_000.0 + 105_000.0 { true } else { *at >= reconnect };
        assert!(text.ends_with(&want.to_string()), "at {at}: {text}");
    }
    assert!(logs.iter().any(|l| l.1.ends_with("false") && l.0 > 125_000.0));
}

#[test]
fn s15_agent_timers_and_messages_share_one_order_in_virtual_time() {
    let s = scenario(
        "end_ms = 60000\n",
        "agent.send(\"m\", 1);\n",
        "local h = imp.wakeup(3, function() { server.log(\"cancelled\"); });\nimp.wakeup(2.5, function() { server.log(\"timer \" + time()); imp.cancelwakeup(h); });\ndevice.on(\"m\", function(v) { server.log(\"message\"); });\n",
    );
    let ls = lines_of(&s);
    let logs: Vec<(f64, String)> = calls(&ls, "server.log", Some("agent")).iter().map(|l| (t(l), l["text"].as_str().unwrap().to_string())).collect();
    let msg_at = t(events(&ls, "agent_received")[0]);
    assert!(msg_at < 2_500.0);
    assert_eq!(logs, [(msg_at, "message".to_string()), (2_500.0, format!("timer {}", 1_735_689_600 + 2))]);
}

#[test]
fn s15_agent_runtime_error_is_a_squirrel_error_on_the_agent_side_and_the_agent_goes_on() {
    let s = scenario(
        "end_ms = 60000\n",
        "agent.send(\"m\", 1);\nagent.send(\"m\", 2);\n",
        "device.on(\"m\", function(v) {\n  if (v == 1) {\n    local t = {};\n    return t.missing;\n  }\n  server.log(\"second \" + v);\n});\n",
    );
    let ls = lines_of(&s);
    let err = events(&ls, "squirrel_error");
    assert_eq!(err.len(), 1, "{ls:?}");
    assert_eq!((err[0]["side"].as_str(), err[0]["line"].as_u64()), (Some("agent"), Some(4)));
    assert_eq!(err[0]["error"], "the index 'missing' does not exist");
    assert_eq!(texts(&ls, Some("agent")), ["second 2"], "the next message still runs its handler");
    assert!(events(&ls, "squirrel_restart").is_empty(), "the device's Squirrel is not restarted");
}

#[test]
fn s15_a_message_without_a_handler_is_dropped_with_a_note_on_either_side() {
    let s = scenario("end_ms = 60000\n", "agent.send(\"nobody\", 1);\n", "device.send(\"nobody\", 2);\n");
    let ls = lines_of(&s);
    assert!(events(&ls, "agent_received").is_empty() && events(&ls, "device_received").is_empty());
    let notes: Vec<_> = events(&ls, "note").iter().map(|l| l["why"].as_str().unwrap().to_string()).collect();
    assert!(notes.iter().any(|n| n.contains("no device.on handler for 'nobody'")), "{notes:?}");
    // The agent sends at t = 0, before the device is connected: that one is lost instead.
    assert_eq!(events(&ls, "downlink_lost").len(), 1);
}

#[test]
fn issue13_the_work_budget_still_bounds_an_agent_that_loops() {
    // Each task stays under the watchdog, and re-arms itself: only the run's budget stops it.
    let s = scenario(
        "end_ms = 86400000\n",
        "server.log(1);\n",
        "function spin() { for (local i = 0; i < 1000000; i++) {} imp.wakeup(0, spin); }\nspin();\n",
    );
    let t = run_with_budget(&s, &RunOptions::default(), Budget::new(50_000_000)).unwrap();
    let stop = t.summary.stop.expect("the budget stopped the run");
    assert!(t.summary.to_json_line().contains("\"stopped\":\"work_budget\""), "{stop}");
    assert!(t.summary.work <= 50_000_000);
}

#[test]
fn s15_agent_code_is_refused_without_device_code_naming_the_field() {
    let mut s = Scenario { agent_code: Some("server.log(1);".into()), ..Scenario::default() };
    let e = validate(&s).unwrap_err();
    assert_eq!(e.path, "agent_code");
    assert!(e.to_string().contains("`code`"), "{e}");
    s.code = Some("server.log(1);".into());
    s.agent_code = Some("device.on(\"x\",\n".into());
    let e = validate(&s).unwrap_err();
    assert_eq!(e.path, "agent_code");
    assert!(e.to_string().contains("agent.nut:2:"), "compile errors say file:line:col: {e}");
}

#[test]
fn s15_t5_under_uplink_loss_messages_still_reach_the_agent_whole_and_in_stream_order() {
    // 20 % of segments lost and resent (T4): a later segment can reach the server before an
    // earlier one's resend, but no message is handed to device.on before all of its bytes (and
    // every byte before them) have arrived.
    let s = scenario(
        "end_ms = 600000\nseed = 7\n[network]\nloss = 0.2\n[device]\nbuffer_default = 30000\n",
        "for (local i = 0; i < 30; i++) agent.send(\"r\", {i = i, pad = blob(700)});\n",
        "device.on(\"r\", function(v) { server.log(v.i); });\n",
    );
    let ls = lines_of(&s);
    let got: Vec<u64> = events(&ls, "agent_received").iter().map(|l| l["msg"].as_u64().unwrap()).collect();
    assert_eq!(got, (0..30).collect::<Vec<_>>(), "every message, in stream order");
    assert_eq!(texts(&ls, Some("agent")), (0..30).map(|i| i.to_string()).collect::<Vec<_>>());
    // With an unlimited agent, message k is whole at the server once every byte up to its end
    // has arrived: the latest arrival among messages 0..=k, each ACK time − rtt/2 (no ACK is
    // lost here). A hole holds later messages back.
    let acked_at = |id: u64| t(events(&ls, "acked").into_iter().find(|a| a["msg"] == id).expect("every message ACKed"));
    let mut whole = 0.0f64;
    let mut held_back = 0;
    for l in events(&ls, "agent_received") {
        let id = l["msg"].as_u64().unwrap();
        let own = acked_at(id) - 50.0;
        whole = whole.max(own);
        assert!((t(l) - whole).abs() < 1e-6, "message {id}: received at {}, whole at the server at {whole}", t(l));
        held_back += usize::from(whole > own + 1e-6);
    }
    assert!(held_back > 0, "the losses made a hole that held a later message back");
}

#[test]
fn s15_l4_a_message_written_into_a_connection_that_drops_in_the_same_call_never_reaches_the_agent() {
    // S5 under WAIT_FOR_ACK: the message is written, the call returns 2 at once and the
    // connection drops with it. The next connection is a new stream: only "b" arrives.
    let s = scenario(
        "end_ms = 60000\n",
        "server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_FOR_ACK, 0);\nagent.send(\"a\", 1);\nserver.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 10);\nserver.connect(function(r) { agent.send(\"b\", 2); }, 30);\n",
        "device.on(\"a\", function(v) { server.log(\"a \" + v); });\ndevice.on(\"b\", function(v) { server.log(\"b \" + v); });\n",
    );
    let ls = lines_of(&s);
    assert_eq!(events(&ls, "lost").iter().map(|l| l["msg"].as_u64().unwrap()).collect::<Vec<_>>(), [0]);
    assert_eq!(events(&ls, "agent_received").iter().map(|l| l["msg"].as_u64().unwrap()).collect::<Vec<_>>(), [1]);
    assert_eq!(texts(&ls, Some("agent")), ["b 2"]);
}

#[test]
fn s15_a_dropped_downlink_note_says_its_message_is_a_downlink_one() {
    // Ids count separately per direction (uplink 0 and downlink 0 both exist here), so the
    // device's note for an agent message without an `agent.on` handler is marked as a downlink
    // one, and the agent's note for a device message without a `device.on` one is not.
    use impnet_core::trace::{EventDetail, EventKind, Line};
    let s = scenario(
        "end_ms = 60000\n",
        "agent.send(\"nobody\", 1);\n",
        "imp.wakeup(5, function() { device.send(\"nobody\", 2); });\n",
    );
    let trace = run(&s, &RunOptions::default()).unwrap();
    let notes: Vec<_> = trace
        .entries
        .iter()
        .filter_map(|e| match &e.line {
            Line::Event(l) if l.event == EventKind::Note && l.msg.is_some() => Some((l.msg, l.detail.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(notes, [(Some(0), None), (Some(0), Some(EventDetail::Downlink))], "{notes:?}");
}

#[test]
fn section15_an_agent_imp_wakeup_0_poll_forever_stops_at_its_instant_with_the_callback_limit() {
    // livecode item 4, the agent's side (§15: the agent has imp.wakeup; its tasks take no
    // virtual time either): a timer re-armed with 0 forever stops the run after
    // MAX_CALLBACKS_PER_INSTANT tasks at t = 0 with the device's note, instead of turning the
    // whole work budget (seconds of CPU) at one instant.
    let s = scenario("end_ms = 20000\n", "server.log(1);\n", "function poll() { imp.wakeup(0, poll); }\npoll();\n");
    let t = run(&s, &RunOptions::default()).unwrap();
    let stop = t.summary.stop.expect("the run stopped");
    assert_eq!(stop.key(), "callback_limit", "{stop}");
    assert!(matches!(stop, impnet_core::budget::Stop::Callbacks { at, .. } if at == impnet_core::time::Instant::ZERO), "{stop}");
    assert!(t.summary.work < Budget::DEFAULT / 10, "stopped long before the budget: {} units", t.summary.work);
    let ls: Vec<Value> = t.to_json_lines().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let note = events(&ls, "note");
    assert!(note.last().unwrap()["why"].as_str().unwrap().contains("imp.wakeup(0, f)"), "{note:?}");
}

/// SPEC §15 with §14 "Where the code comes from": agent code's `#require`/`@include` lines find
/// their files among the scenario's `libs`, as device code's do (they are not comments to it).
#[test]
fn s15_s14_agent_require_and_include_resolve_from_libs_and_run_first() {
    let mut s = parse_toml("end_ms = 10000\n").unwrap();
    s.code = Some("agent.send(\"r\", 20);\n".into());
    s.agent_code = Some(
        "#require \"Helper.lib.nut:1.0.0\"\n@include once \"lib/twice.nut\"\ndevice.on(\"r\", function(v) { server.log(helper.tag + twice(v)); });\n"
            .into(),
    );
    s.libs.insert("Helper.lib.nut".into(), "helper <- { tag = \"h:\" };\nserver.log(\"helper loaded\");\n".into());
    s.libs.insert("twice.nut".into(), "function twice(x) { return 2 * x; }\n".into());
    validate(&s).unwrap();
    let ls = lines_of(&s);
    assert!(events(&ls, "squirrel_error").is_empty(), "{ls:?}");
    assert_eq!(texts(&ls, Some("agent")), ["helper loaded", "h:40"]);
    // The library's own line is named by its file; the main agent file's lines are not.
    let logs = calls(&ls, "server.log", Some("agent"));
    assert_eq!((logs[0]["file"].as_str(), logs[0]["line"].as_u64()), (Some("Helper.lib.nut"), Some(2)));
    assert_eq!((logs[1].get("file"), logs[1]["line"].as_u64()), (None, Some(3)));
    // A share link carries the agent's libraries with the rest, and opens to the same run.
    let back = impnet_core::codec::decode(&impnet_core::codec::encode(&s)).unwrap();
    assert_eq!(back, s);
    assert_eq!(lines_of(&back), ls);
}

#[test]
fn s15_s14_an_agent_library_missing_from_libs_is_refused_naming_the_agent_file_and_line() {
    let mut s = parse_toml("").unwrap();
    s.code = Some("server.log(1);\n".into());
    s.agent_code = Some("// helpers\n#require \"Helper.lib.nut:1.0.0\"\n".into());
    let e = validate(&s).unwrap_err();
    assert_eq!(e.path, "agent_code");
    assert!(e.to_string().contains("agent.nut:2: #require \"Helper.lib.nut:1.0.0\": no file named Helper.lib.nut"), "{e}");
    // A library's own compile error names the library's file.
    s.libs.insert("Helper.lib.nut".into(), "helper <- {\n".into());
    let e = validate(&s).unwrap_err();
    assert!(e.to_string().contains("Helper.lib.nut:"), "{e}");
    // An uncaught error in a library ends the agent's main body: later files do not run.
    s.libs.insert("Helper.lib.nut".into(), "throw \"no\";\n".into());
    s.agent_code = Some("#require \"Helper.lib.nut:1.0.0\"\nserver.log(\"main ran\");\n".into());
    validate(&s).unwrap();
    let ls = lines_of(&s);
    assert!(texts(&ls, Some("agent")).is_empty(), "{ls:?}");
    assert_eq!(events(&ls, "squirrel_error").len(), 1);
}
