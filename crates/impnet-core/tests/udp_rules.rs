//! U1–U7 (UDP), checked on trace lines. Validation details are unit-tested in `udp.rs`.
mod common;
use common::*;

fn udp(address: &str, port: &str, bytes: u64, repeat: u32) -> String {
    step("udpsocket.send", &format!("address = {address}\nport = {port}\nbytes = {bytes}\nrepeat = {repeat}"))
}

const OPEN: &str = "[[steps]]\ncall = \"interface.openudp\"\n";

#[test]
fn u1_public_or_malformed_address_throws_and_script_goes_on() {
    let v = lines(&[OPEN.to_string(), udp("\"8.8.8.8\"", "5000", 10, 1), udp("\"10.0.0.01\"", "5000", 10, 1), udp("\"10.0.0.1\"", "5000", 10, 1)].concat());
    let c = calls(&v, "udpsocket.send");
    assert!(c[0]["error"].as_str().unwrap().contains("8.8.8.8"));
    assert!(c[1]["error"].is_string(), "leading zeros are refused");
    assert_eq!((c[0]["rule"].as_str(), c[1]["rule"].as_str()), (Some("U1"), Some("U1")));
    assert_eq!(c[2]["ret"], 0);
}

#[test]
fn u2_port_67_68_and_out_of_range_throw() {
    let v = lines(&[OPEN.to_string(), udp("\"10.0.0.1\"", "67", 10, 1), udp("\"10.0.0.1\"", "68", 10, 1), udp("\"10.0.0.1\"", "65536", 10, 1), udp("\"10.0.0.1\"", "0", 10, 1)].concat());
    let c = calls(&v, "udpsocket.send");
    assert!(c[..3].iter().all(|l| l["error"].is_string() && l["rule"] == "U2"));
    assert_eq!(c[3]["ret"], 0);
}

#[test]
fn u3_closed_socket_throws_and_double_close_is_harmless() {
    let v = lines(&[OPEN.to_string(), step("udpsocket.close", ""), udp("\"10.0.0.1\"", "5000", 10, 1), step("udpsocket.close", "")].concat());
    assert_eq!(calls(&v, "udpsocket.send")[0]["rule"], "U3");
    assert!(calls(&v, "udpsocket.send")[0]["error"].is_string());
    assert!(calls(&v, "udpsocket.close").iter().all(|l| l["ret"].is_null()));
    let none = lines(&udp("\"10.0.0.1\"", "5000", 10, 1));
    assert!(calls(&none, "udpsocket.send")[0]["error"].as_str().unwrap().contains("no socket"));
}

#[test]
fn u4_oversize_datagram_is_a_runtime_error_and_sends_nothing() {
    let v = lines(&[OPEN.to_string(), udp("\"10.0.0.1\"", "5000", 65_508, 1), udp("\"10.0.0.1\"", "5000", 65_507, 1)].concat());
    let c = calls(&v, "udpsocket.send");
    assert_eq!(c[0]["rule"], "U4");
    assert!(c[0].get("msg").is_none());
    assert_eq!((c[1]["ret"].as_i64(), c[1]["msg"].as_i64()), (Some(0), Some(0)), "the failed send took no id");
    assert_eq!(summary(&v)["udp_sent"], 1);
}

#[test]
fn u5_bucket_allows_burst_then_refills() {
    let v = lines(&[OPEN.to_string(), udp("\"10.0.0.1\"", "5000", 10, 150), step("imp.wakeup", "seconds = 1"), udp("\"10.0.0.1\"", "5000", 10, 30)].concat());
    let r: Vec<i64> = calls(&v, "udpsocket.send").iter().map(|l| l["ret"].as_i64().unwrap()).collect();
    assert_eq!(r.iter().filter(|&&x| x == 0).count(), 125);
    assert!(r[100..150].iter().all(|&x| x == 4));
    assert!(r[150..175].iter().all(|&x| x == 0) && r[175..].iter().all(|&x| x == 4));
    assert_eq!(calls(&v, "udpsocket.send")[100]["rule"], "U5");
}

#[test]
fn u6_interface_down_returns_not_connected() {
    let v = lines(
        &[
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 2000, for_ms = 5000 }]\n".to_string(),
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 1.0),
            OPEN.to_string(),
            step("imp.wakeup", "seconds = 1"),
            udp("\"10.0.0.1\"", "5000", 10, 1),
            step("interface.openudp", ""),
        ]
        .concat(),
    );
    let c = &calls(&v, "udpsocket.send")[0];
    assert_eq!((c["ret"].as_i64(), c["rule"].as_str()), (Some(1), Some("U6")));
    assert!(calls(&v, "interface.openudp")[1]["error"].is_string(), "openudp throws while WiFi is down");
}

#[test]
fn u7_fragmented_datagram_lost_if_any_packet_is() {
    let all_lost = lines(&["[network]\nloss = 1.0\n".to_string(), OPEN.to_string(), udp("\"10.0.0.1\"", "5000", 3000, 2)].concat());
    let l = events(&all_lost, "udp_lost");
    assert_eq!(l.len(), 2);
    assert_eq!(l[0]["packets"], 3);
    // Delivery events come after the calls of their instant (§13).
    let last_call = pos(&all_lost, |x| x["call"] == "udpsocket.send" && x["iter"] == 1);
    assert!(pos(&all_lost, |x| x["event"] == "udp_lost") > last_call);
    // Big datagrams fail more often than small ones under the same loss.
    let mix = lines(&["seed = 5\n[network]\nloss = 0.1\n".to_string(), OPEN.to_string(), udp("\"10.0.0.1\"", "5000", 1000, 50), step("imp.wakeup", "seconds = 10"), udp("\"10.0.0.1\"", "5000", 14_000, 50)].concat());
    let lost_small = events(&mix, "udp_lost").iter().filter(|e| e["msg"].as_i64().unwrap() < 50).count();
    let lost_big = events(&mix, "udp_lost").iter().filter(|e| e["msg"].as_i64().unwrap() >= 50).count();
    assert!(lost_big > 2 * lost_small, "small {lost_small}, big {lost_big}");
}
