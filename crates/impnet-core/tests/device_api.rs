//! The device's sans-IO boundary used directly, as a live driver would (no Link, no Server).
use impnet_core::device::{Device, NetCommand};
use impnet_core::policy::Reason;
use impnet_core::scenario::parse_toml;
use impnet_core::trace::{ConnState, Line, Outcome, Ret};
use impnet_core::{Duration, Instant};

const SEND: &str = "[[steps]]\ncall = \"agent.send\"\nname = \"data\"\nbytes = 1000\n";

#[test]
fn t2_t3_device_hands_out_segments_and_frees_them_on_ack() {
    let sc = parse_toml(SEND).unwrap();
    let mut d = Device::new(&sc, 0, true);
    assert_eq!(d.poll_command(), Some(NetCommand::Connect));
    assert_eq!(d.poll_command(), None);
    let t0 = Instant::from_millis(1500);
    d.handle_connected(t0);
    assert_eq!(d.conn_state(), ConnState::Online);
    // 1041 wire bytes: one full mss segment and the rest.
    let a = d.poll_transmit(t0).unwrap();
    let b = d.poll_transmit(t0).unwrap();
    assert_eq!((a.len, b.len), (576, 465));
    assert!(d.poll_transmit(t0).is_none());
    assert!(d.pending(), "unACKed bytes keep the run pending");
    let t1 = t0 + Duration::from_millis(100);
    d.handle_ack(t1, b, 65535);
    d.handle_ack(t1, a, 65535);
    assert_eq!(d.buffer().held(), 0);
    assert!(!d.pending());
    // Events out: the device hands its lines to whoever records them.
    let entries: Vec<_> = std::iter::from_fn(|| d.poll_event()).collect();
    let acked = entries.iter().filter(|e| matches!(&e.line, Line::Event(ev) if ev.msg == Some(0))).count();
    assert_eq!(acked, 1);
}

#[test]
fn s6_transport_loss_returns_disconnected_to_a_blocked_send() {
    let sc = parse_toml(
        "[[steps]]\ncall = \"server.setsendtimeoutpolicy\"\nreconnect = \"RETURN_ON_ERROR\"\nwait = \"WAIT_FOR_ACK\"\ntimeout = 10\n\
         [[steps]]\ncall = \"agent.send\"\nname = \"data\"\nbytes = 100\n",
    )
    .unwrap();
    let mut d = Device::new(&sc, 0, true);
    while d.poll_command().is_some() {}
    let t0 = Instant::from_millis(1500);
    d.handle_connected(t0);
    assert!(d.poll_transmit(t0).is_some());
    d.handle_link_lost(t0 + Duration::from_millis(50), Reason::NoServer);
    assert_eq!(d.conn_state(), ConnState::Recovering);
    assert_eq!(d.poll_command(), Some(NetCommand::Abort));
    assert_eq!(d.poll_command(), Some(NetCommand::Connect), "impOS retries silently (C5)");
    let entries: Vec<_> = std::iter::from_fn(|| d.poll_event()).collect();
    let last_call = entries.iter().rev().find_map(|e| match &e.line {
        Line::Call(c) => Some(c.clone()),
        _ => None,
    });
    let c = last_call.unwrap();
    assert_eq!((c.call.as_str(), &c.outcome, c.rule.id()), ("agent.send", &Outcome::Returned(Ret::Int(3)), "S6"));
}

#[test]
fn l2_device_timers_drive_keepalive() {
    let sc = parse_toml("[[steps]]\ncall = \"imp.wakeup\"\nseconds = 200\n").unwrap();
    let mut d = Device::new(&sc, 0, false);
    while d.poll_command().is_some() {}
    let t0 = Instant::from_millis(1500);
    d.handle_connected(t0);
    // Next deadline: the keepalive 60 s after the last thing heard.
    let ka = d.poll_timeout().unwrap();
    assert_eq!(ka, Instant::from_millis(61_500));
    d.handle_timeout(ka);
    assert_eq!(d.poll_command(), Some(NetCommand::Keepalive));
    let deadline = d.poll_timeout().unwrap();
    assert_eq!(deadline, Instant::from_millis(106_500));
    d.handle_timeout(deadline);
    assert_eq!(d.conn_state(), ConnState::Recovering, "no answer: the link is declared lost");
}
