//! §13 limits and meaningful ranges: each refusal names the field.

use super::*;
use crate::scenario::parse_toml;

#[track_caller]
fn refused(text: &str, path: &str, reason_has: &str) {
    match parse_toml(text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => {
            assert_eq!(e.path, path, "path of {e}");
            assert!(e.reason.contains(reason_has), "reason of {e} lacks {reason_has:?}");
        }
    }
}

fn steps(step: &str, n: usize) -> String {
    format!("[[steps]]\n{step}\n").repeat(n)
}

#[test]
fn s13_limits_refuse_repeat_over_a_million() {
    refused("[[steps]]\ncall = \"server.isconnected\"\nrepeat = 1000001\n", "steps[0].repeat", "0 to 1000000");
    refused("[[steps]]\ncall = \"server.isconnected\"\nrepeat = 99999999999\n", "steps[0].repeat", "0 to 1000000");
    assert!(parse_toml("[[steps]]\ncall = \"server.isconnected\"\nrepeat = 1000000\n").is_ok());
    assert!(parse_toml("[[steps]]\ncall = \"server.isconnected\"\nrepeat = 0\n").is_ok());
}

#[test]
fn s13_limits_refuse_more_than_ten_million_calls_in_all() {
    let eleven = steps("call = \"server.isconnected\"\nrepeat = 1000000", 11);
    refused(&eleven, "steps[10].repeat", "10000000 calls");
    // Handler lists count too.
    let mixed = format!(
        "{}[[on_connect]]\ncall = \"server.isconnected\"\nrepeat = 1\n",
        steps("call = \"server.isconnected\"\nrepeat = 1000000", 10)
    );
    refused(&mixed, "on_connect[0].repeat", "10000000 calls");
    assert!(parse_toml(&steps("call = \"server.isconnected\"\nrepeat = 1000000", 10)).is_ok());
}

#[test]
fn s13_limits_refuse_more_than_ten_thousand_steps_per_list() {
    let s = steps("call = \"server.isconnected\"", MAX_STEPS + 1);
    refused(&s, "steps", "at most 10000 steps");
    let h = "[[on_unexpected_disconnect]]\ncall = \"server.isconnected\"\n".repeat(MAX_STEPS + 1);
    refused(&h, "on_unexpected_disconnect", "at most 10000 steps");
}

#[test]
fn s13_limits_refuse_bytes_over_one_mib() {
    refused("[[steps]]\ncall = \"server.log\"\nbytes = 1048577\n", "steps[0].bytes", "1 MiB");
    refused(
        "[[steps]]\ncall = \"udpsocket.send\"\naddress = \"10.0.0.1\"\nport = 9\nbytes = 1048577\n",
        "steps[0].bytes",
        "1 MiB",
    );
    assert!(parse_toml("[[steps]]\ncall = \"server.error\"\nbytes = 1048576\n").is_ok());
}

#[test]
fn s13_limits_refuse_more_than_a_thousand_outages() {
    let one = "{ kind = \"wifi\", at_ms = 1, for_ms = 1 },";
    let text = format!("[network]\noutages = [{}]\n", one.repeat(MAX_OUTAGES + 1));
    refused(&text, "network.outages", "at most 1000 outages");
    let ok = format!("[network]\noutages = [{}]\n", one.repeat(MAX_OUTAGES));
    assert!(parse_toml(&ok).is_ok());
}

#[test]
fn s13_limits_refuse_waits_and_timeouts_over_a_day() {
    for (call, field) in
        [("imp.sleep", "seconds"), ("imp.wakeup", "seconds"), ("server.connect", "timeout"), ("server.flush", "timeout")]
    {
        refused(&format!("[[steps]]\ncall = \"{call}\"\n{field} = 86401\n"), &format!("steps[0].{field}"), "one day");
        assert!(parse_toml(&format!("[[steps]]\ncall = \"{call}\"\n{field} = 86400\n")).is_ok());
    }
    refused(
        "[[steps]]\ncall = \"server.setsendtimeoutpolicy\"\nreconnect = \"RETURN_ON_ERROR\"\nwait = \"WAIT_TIL_SENT\"\ntimeout = 1e9\n",
        "steps[0].timeout",
        "one day",
    );
    refused("[[steps]]\ncall = \"server.log\"\nbytes = 1\nretry_after_s = 90000\n", "steps[0].retry_after_s", "one day");
}

#[test]
fn s13_non_finite_waits_are_refused() {
    refused("[[steps]]\ncall = \"imp.sleep\"\nseconds = nan\n", "steps[0].seconds", "NaN");
    refused("[[steps]]\ncall = \"server.flush\"\ntimeout = inf\n", "steps[0].timeout", "one day");
    refused("[[steps]]\ncall = \"imp.setsendbuffersize\"\nsize = nan\n", "steps[0].size", "finite");
}

#[test]
fn s13_negative_retry_pause_is_refused() {
    refused("[[steps]]\ncall = \"server.log\"\nbytes = 1\nretry_after_s = -1\n", "steps[0].retry_after_s", "0 or more");
}

#[test]
fn s10_end_ms_is_at_most_one_virtual_day() {
    refused("end_ms = 86400001\n", "end_ms", "86400000");
    assert_eq!(parse_toml("end_ms = 5000\n").unwrap().end_ms, 5000);
}

#[test]
fn s1_probabilities_are_between_zero_and_one() {
    refused("[network]\nloss = 1.5\n", "network.loss", "0 to 1");
    refused("[network]\nloss = -0.1\n", "network.loss", "0 to 1");
    refused("[network]\nloss = nan\n", "network.loss", "0 to 1");
    assert!(parse_toml("[network]\nloss = 1.0\n").is_ok());
}

#[test]
fn s2_zero_rates_rtt_and_mss_are_refused() {
    refused("[network]\nrtt_ms = 0\n", "network.rtt_ms", "1 to");
    refused("[network]\nuplink_bps = 0\n", "network.uplink_bps", "1 to");
    // §15: the downlink's rate is checked the same way.
    refused("[network]\ndownlink_bps = 0\n", "network.downlink_bps", "1 to");
    refused("[network]\nrto_ms = 0\n", "network.rto_ms", "1 to");
    refused("[device]\nmss = 0\n", "device.mss", "64 to 65535");
    refused("[server]\nrwnd = 0\n", "server.rwnd", "1 to");
    refused("[network]\nrwnd = 0\n", "server.rwnd", "1 to");
    refused("[udp]\nmtu = 0\n", "udp.mtu", "68 to");
    // Issue 13: a 1-byte MTU made one datagram 65 507 loss draws.
    refused("[udp]\nmtu = 1\n", "udp.mtu", "68 to");
    refused("[keepalive]\nidle_ms = 0\n", "keepalive.idle_ms", "1 to");
    refused("[suspend]\nconnect_window_ms = 0\n", "suspend.connect_window_ms", "1 to");
    refused("[udp]\nrefill_per_s = -1\n", "udp.refill_per_s", "0 to");
    // A zero consume rate is the "agent stops reading" preset (T5): allowed.
    assert!(parse_toml("[agent]\nconsume_bps = 0\n").is_ok());
}

#[test]
fn s2_buffer_default_must_not_exceed_buffer_max() {
    refused("[device]\nbuffer_default = 40000\n", "device.buffer_default", "buffer_max (30720)");
    assert!(parse_toml("[device]\nbuffer_default = 40000\nbuffer_max = 65535\n").is_ok());
    refused("[device]\nbuffer_max = 0\nbuffer_default = 0\n", "device.buffer_max", "1 to");
}

#[test]
fn s10_outage_needs_a_positive_length_inside_the_day() {
    refused("[network]\noutages = [{ kind = \"upstream\", at_ms = 0, for_ms = 0 }]\n", "network.outages[0].for_ms", "1 to");
    refused(
        "[network]\noutages = [{ kind = \"wifi\", at_ms = 1, for_ms = 1 }, { kind = \"wifi\", at_ms = 90000000, for_ms = 1 }]\n",
        "network.outages[1].at_ms",
        "86400000",
    );
}

#[test]
fn s13_strings_are_bounded() {
    refused(&format!("title = \"{}\"\n", "t".repeat(201)), "title", "200 characters");
    refused(
        &format!("[[steps]]\ncall = \"agent.send\"\nname = \"{}\"\nbytes = 1\n", "n".repeat(257)),
        "steps[0].name",
        "256 bytes",
    );
    refused(
        &format!("[[steps]]\ncall = \"udpsocket.send\"\naddress = \"{}\"\nport = 1\nbytes = 1\n", "1".repeat(257)),
        "steps[0].address",
        "256 bytes",
    );
}

#[test]
fn s13_on_ret_keys_are_return_values() {
    refused("[[steps]]\ncall = \"server.log\"\nbytes = 1\non_ret = { \"four\" = \"retry\" }\n", "steps[0].on_ret", "\"four\"");
    assert!(parse_toml("[[steps]]\ncall = \"server.flush\"\ntimeout = 1\non_ret = { \"false\" = \"retry\" }\n").is_ok());
}

#[test]
fn s13_validate_checks_scenarios_built_in_code() {
    let mut s = Scenario::default();
    assert!(validate(&s).is_ok());
    s.steps.push(Step::new(Call::ImpSleep { seconds: -1.0 }));
    let e = validate(&s).unwrap_err();
    assert_eq!(e.path, "steps[0].seconds");
    let mut s = Scenario::default();
    s.network.consume_bps = Some(Rate::Bps(MAX_RATE_BPS + 1));
    assert_eq!(validate(&s).unwrap_err().path, "network.consume_bps");
}
