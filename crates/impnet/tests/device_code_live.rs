//! `impnet device --server ws://… DEVICE.nut` (issue #9 item 5, SPEC §14): device code runs
//! live over the WebSocket transport against a real `impnet serve` (a child on 127.0.0.1:0,
//! killed at the end of the test), and its UDP sends go out a real socket to a receiver on
//! 127.0.0.1 once the model has let them through (U1–U7).

mod bin;

use bin::{serve, Served, BIN};
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn lines(o: &Output) -> Vec<serde_json::Value> {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect()
}

/// (call, line, ret or error, text) of every call line: what live and simulated runs share.
fn calls(lines: &[serde_json::Value]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.get("call").is_some())
        .map(|l| format!("{} @{} -> {} {}", l["call"], l["line"], l.get("ret").unwrap_or(&l["error"]), l.get("text").unwrap_or(&serde_json::Value::Null)))
        .collect()
}

fn device(server: &Served, args: &[&str]) -> Output {
    let url = format!("ws://{}/ws", server.1);
    let mut all = vec!["device", "--server", url.as_str(), "--json", "--time-scale", "10", "--max-seconds", "60"];
    all.extend_from_slice(args);
    Command::new(BIN).args(&all).output().unwrap()
}

#[test]
fn section14_device_code_runs_live_with_the_calls_and_returns_of_impnet_run() {
    let dir = tempfile::tempdir().unwrap();
    // Sends that fit (S1), one that blocks (S3: 9 000 bytes in a 3 456-byte buffer), logs
    // with text, and imp.wakeup callbacks: all with timing margin to spare on loopback.
    let main = write(
        dir.path(),
        "main.nut",
        r#"server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 20);
local n = 0;
function tick() {
    n++;
    local r = agent.send("reading", blob(n == 3 ? 9000 : 200));
    server.log("tick " + n + " sent " + r);
    if (n < 5) imp.wakeup(1, tick);
}
tick();
"#,
    );
    let s = serve();
    let live = lines(&device(&s, &[&main]));
    let sim = lines(&Command::new(BIN).args(["run", &main, "--json"]).output().unwrap());
    let (a, b) = (calls(&sim), calls(&live));
    assert_eq!(a.len(), 15, "{a:#?}");
    assert_eq!(a, b, "live device code makes the simulation's calls with its returns");
    // The blocked send really waited on the live connection for ACKs (S3).
    let blocked = live.iter().find(|l| l["call"] == "agent.send" && l["rule"] == "S3").expect("an S3 send");
    assert!(blocked["blocked_ms"].as_f64().unwrap() > 50.0, "{blocked}");
    let summary = &live.last().unwrap()["summary"];
    assert_eq!((summary["sent_msgs"].as_u64(), summary["acked_msgs"].as_u64()), (Some(10), Some(10)));
}

#[test]
fn u1_to_u7_apply_before_device_codes_datagrams_reach_a_real_socket() {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let port = rx.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let main = write(
        dir.path(),
        "udp.nut",
        &format!(
            r#"local sock = imp.net.open().openudp();
foreach (bad in [["8.8.8.8", {port}], ["192.168.1.20", 67], ["192.168.1.20", 70000]]) {{
    try {{ sock.send(bad[0], bad[1], "refused"); }} catch (e) {{ server.log(e); }}
}}
try {{ sock.send("192.168.1.20", {port}, blob(65508)); }} catch (e) {{ server.log("too big"); }}
for (local i = 0; i < 5; i++) server.log("send " + i + " -> " + sock.send("192.168.1.20", {port}, "datagram " + i));
local b = blob(3);
b.writen('a', 'b'); b.writen('b', 'b'); b.writen('c', 'b');
imp.wakeup(3, function() {{ server.log("blob -> " + sock.send("10.1.2.3", {port}, b)); }});
"#
        ),
    );
    // U5: a bucket of 3 tokens, refilled slowly: two of the five back-to-back sends get 4.
    let params = write(dir.path(), "p.toml", "[udp]\nburst = 3\nrefill_per_s = 0.5\n");
    let s = serve();
    let live = lines(&device(&s, &[&main, "--scenario", &params]));
    let logs: Vec<&str> = live.iter().filter(|l| l["call"] == "server.log").map(|l| l["text"].as_str().unwrap()).collect();
    assert!(logs[0].contains("U1") || logs[0].contains("address"), "{logs:?}");
    assert_eq!(&logs[4..], ["send 0 -> 0", "send 1 -> 0", "send 2 -> 0", "send 3 -> 4", "send 4 -> 4", "blob -> 0"]);
    assert_eq!(logs[3], "too big");
    // What the model delivered, and only that, arrived.
    let mut got = Vec::new();
    let mut buf = [0u8; 70_000];
    while let Ok(n) = rx.recv(&mut buf) {
        got.push(buf[..n].to_vec());
    }
    assert_eq!(got, [b"datagram 0".to_vec(), b"datagram 1".to_vec(), b"datagram 2".to_vec(), b"abc".to_vec()]);
    let summary = &live.last().unwrap()["summary"];
    assert_eq!((summary["udp_sent"].as_u64(), summary["udp_delivered"].as_u64()), (Some(4), Some(4)));
}

#[test]
fn udp_to_a_remote_host_needs_allow_remote() {
    let dir = tempfile::tempdir().unwrap();
    let main = write(dir.path(), "m.nut", "server.log(1);\n");
    let o = Command::new(BIN)
        .args(["device", "--server", "ws://127.0.0.1:9/ws", "--udp-to", "192.168.1.20", &main])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--udp-to: 192.168.1.20"), "{}", String::from_utf8_lossy(&o.stderr));
}
