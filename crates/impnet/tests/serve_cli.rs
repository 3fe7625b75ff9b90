//! The `impnet serve` and `impnet device` commands as a user runs them (issue #5 items 1, 4,
//! 7): flags are checked with clear errors, and a device run against a served /ws prints the
//! same return codes as `impnet run`. The server child binds 127.0.0.1:0 and is killed at
//! the end of the test.

mod bin;

use bin::{serve, served_addr, Served, BIN};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn rets(json_lines: &str) -> Vec<String> {
    json_lines
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON lines"))
        .filter(|v| v.get("call").is_some())
        .map(|v| format!("{} {}", v["call"], v.get("ret").map(|r| r.to_string()).unwrap_or_else(|| "error".into())))
        .collect()
}

#[test]
fn s5_device_against_serve_prints_the_return_codes_of_run() {
    let s = serve();
    let live = Command::new(BIN)
        .args(["device", "--server", &format!("ws://{}/ws", s.1), "zero-timeout-trap", "--json", "--time-scale", "10", "--max-seconds", "30"])
        .output()
        .unwrap();
    assert!(live.status.success(), "{}", String::from_utf8_lossy(&live.stderr));
    let sim = Command::new(BIN).args(["run", "zero-timeout-trap", "--json"]).output().unwrap();
    assert!(sim.status.success());
    let (a, b) = (rets(&String::from_utf8_lossy(&sim.stdout)), rets(&String::from_utf8_lossy(&live.stdout)));
    assert_eq!(a.len(), 21, "{a:?}");
    assert_eq!(a, b);
}

#[test]
fn bad_flags_are_refused_with_exit_2_naming_the_flag() {
    let out = Command::new(BIN).args(["serve", "--delay-ms", "999999"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--delay-ms: 999999 is over the limit 60000"));

    let out = Command::new(BIN).args(["device", "--server", "ws://10.1.2.3:8080/ws", "window-bound"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a loopback address"), "{}", String::from_utf8_lossy(&out.stderr));

    let out = Command::new(BIN).args(["device", "--time-scale", "1000", "window-bound"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--time-scale"));
}

/// `impnet serve` logging at info, as an operator runs it.
fn serve_logging() -> (Served, std::process::ChildStderr) {
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--dist", "/nonexistent-dist"])
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("impnet serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = served_addr(&line);
    let err = child.stderr.take().unwrap();
    (Served(child, addr), err)
}

#[test]
fn issue13_5_client_text_cannot_forge_log_lines_and_logging_is_rate_limited() {
    use impnet_core::wire::{DeviceFrame, Knobs};
    use std::io::Read;
    use tokio_tungstenite::tungstenite::{connect, Message};
    let (s, mut stderr) = serve_logging();
    let (mut ws, _) = connect(format!("ws://{}/ws", s.1)).expect("connects");
    ws.send(Message::Text(DeviceFrame::Hello { version: 1, knobs: Knobs::default() }.to_text().into())).unwrap();
    // 500 messages whose names try to forge a log line, each read by the agent at once.
    for id in 0..500u64 {
        let name = "x\n2099-01-01T00:00:00Z  INFO forged: \u{1b}[2J".to_string();
        ws.send(Message::Text(DeviceFrame::Msg { id, name, len: 1 }.to_text().into())).unwrap();
        ws.send(Message::Binary(vec![0u8].into())).unwrap();
    }
    let _ = ws.close(None);
    while ws.read().is_ok() {}
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(s); // ends the server, so its stderr ends
    let mut log = String::new();
    stderr.read_to_string(&mut log).unwrap();
    assert!(!log.lines().any(|l| l.starts_with("2099")), "a forged line: {log}");
    assert!(log.contains("name=x\\u{a}2099"), "the newline is shown escaped: {log}");
    assert!(!log.contains('\u{1b}'), "an escape reached the log");
    let read = log.lines().filter(|l| l.contains("agent read message")).count();
    assert!((1..=40).contains(&read), "{read} message lines for one connection in well under 2 s");
}

#[test]
fn issue8_4_device_takes_links_and_stdin_like_run() {
    use std::io::Write;
    let s = serve();
    let server = format!("ws://{}/ws", s.1);
    let link = Command::new(BIN).args(["link", "zero-timeout-trap"]).output().unwrap();
    let link = String::from_utf8(link.stdout).unwrap().trim().to_string();
    let sim = Command::new(BIN).args(["run", "zero-timeout-trap", "--json"]).output().unwrap();
    let want = rets(&String::from_utf8_lossy(&sim.stdout));
    let by_link = Command::new(BIN)
        .args(["device", "--server", &server, &link, "--json", "--time-scale", "10", "--max-seconds", "30"])
        .output()
        .unwrap();
    assert!(by_link.status.success(), "{}", String::from_utf8_lossy(&by_link.stderr));
    assert_eq!(rets(&String::from_utf8_lossy(&by_link.stdout)), want);

    let toml = impnet_core::presets::find("zero-timeout-trap").unwrap().toml;
    let mut child = Command::new(BIN)
        .args(["device", "--server", &server, "-", "--json", "--time-scale", "10", "--max-seconds", "30"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(toml.as_bytes()).unwrap();
    let by_stdin = child.wait_with_output().unwrap();
    assert!(by_stdin.status.success(), "{}", String::from_utf8_lossy(&by_stdin.stderr));
    assert_eq!(rets(&String::from_utf8_lossy(&by_stdin.stdout)), want);
}
