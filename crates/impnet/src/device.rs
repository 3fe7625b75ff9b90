//! `impnet device`: runs a scenario or device code (`DEVICE.nut`, SPEC §14) live, the device
//! model on a real WebSocket to `impnet serve`, and prints the same trace `impnet run` prints.
//!
//! All decisions are `impnet_core::live::LiveDevice`'s; this module only moves frames between
//! it and tokio-tungstenite, puts the datagrams the model sent (U1–U7 already applied) on a
//! real UDP socket, and feeds it the clock (`tokio::time::Instant` since start).
//!
//! Loopback unless told otherwise: `--server` must name 127.0.0.1, ::1 or localhost, and
//! datagrams go to `--udp-to` (127.0.0.1 by default: U1 lets a script address only private
//! networks, so a stand-in host receives them at the script's port), or the run needs
//! `--allow-remote` (a real device on a LAN talking to a real server).

use futures_util::{SinkExt, StreamExt};
use crate::code::CodeArgs;
use impnet_core::live::{Io, LiveDevice, LiveOptions, LiveTrace, MAX_TIME_SCALE, MIN_TIME_SCALE};
use impnet_core::udp::Datagram;
use impnet_core::Scenario;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::{sleep_until, timeout, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A scenario file (TOML or JSON), `-` for stdin, a preset id, a share link, or device
    /// code (DEVICE.nut, with --scenario and --lib as for `impnet run`).
    pub scenario: String,
    #[command(flatten)]
    pub code: CodeArgs,
    /// Where the device's UDP datagrams go, at the port the script names (U1 allows only
    /// private addresses in scripts; this host stands in for them). Loopback unless
    /// --allow-remote.
    #[arg(long, default_value = "127.0.0.1")]
    pub udp_to: IpAddr,
    /// The server's WebSocket endpoint.
    #[arg(long, default_value = "ws://127.0.0.1:8080/ws")]
    pub server: String,
    /// Print the SPEC §11 JSON lines.
    #[arg(long)]
    pub json: bool,
    /// Virtual seconds per real second.
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// Spend real time on idle stretches too (by default they are skipped).
    #[arg(long)]
    pub no_skip_idle: bool,
    /// Give up after this many real seconds.
    #[arg(long, default_value_t = 600)]
    pub max_seconds: u64,
    /// Allow a server that is not on this machine.
    #[arg(long)]
    pub allow_remote: bool,
}

/// Where the live server is: a resolved address and the URL for the upgrade request.
#[derive(Clone, Debug)]
pub struct ServerUrl {
    pub url: String,
    pub addr: SocketAddr,
}

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("--server: {0}")]
    BadServer(String),
    /// The run did not end within the real-time limit.
    #[error("the live run did not end within {seconds} s (--max-seconds)")]
    TimedOut { seconds: u64 },
    /// One socket could not be opened (the model sees a failed connect and retries).
    #[error("open: {0}")]
    Open(String),
    /// The scenario's device code could not be prepared (checked at load: a scenario built in
    /// code and not validated).
    #[error("device code: {0}")]
    Code(String),
    /// `--udp-to` names another machine without `--allow-remote`.
    #[error("--udp-to: {0} is not a loopback address (pass --allow-remote for a real network)")]
    UdpTo(IpAddr),
}

impl ServerUrl {
    /// Parses `ws://HOST:PORT/PATH`. HOST must be loopback unless `allow_remote`.
    pub async fn parse(s: &str, allow_remote: bool) -> Result<ServerUrl, DeviceError> {
        let bad = |why: &str| DeviceError::BadServer(format!("{s:?}: {why}"));
        let rest = s.strip_prefix("ws://").ok_or_else(|| bad("must start with ws:// (no TLS in live mode)"))?;
        let (hostport, _path) = rest.split_once('/').unwrap_or((rest, ""));
        let addrs: Vec<SocketAddr> = match hostport.parse::<SocketAddr>() {
            Ok(a) => vec![a],
            Err(_) => {
                let (host, _) = hostport.rsplit_once(':').ok_or_else(|| bad("needs a port"))?;
                if !allow_remote && host != "localhost" {
                    return Err(bad("not a loopback address (pass --allow-remote for a real server)"));
                }
                tokio::net::lookup_host(hostport).await.map_err(|e| bad(&e.to_string()))?.collect()
            }
        };
        let addr = addrs
            .iter()
            .copied()
            .find(|a| allow_remote || a.ip().is_loopback())
            .ok_or_else(|| bad("not a loopback address (pass --allow-remote for a real server)"))?;
        Ok(ServerUrl { url: s.to_string(), addr })
    }
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A socket being opened (connect + upgrade), polled beside the open one.
type Opening = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Ws, DeviceError>> + Send>>;

/// tokio's timer granularity.
const TIMER_TICK_US: u64 = 1000;

/// Longest wait for a TCP connect + upgrade on loopback.
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);

async fn open(server: ServerUrl) -> Result<Ws, DeviceError> {
    let go = async {
        let tcp = TcpStream::connect(server.addr).await.map_err(|e| DeviceError::Open(e.to_string()))?;
        let _ = tcp.set_nodelay(true);
        let (ws, _) = tokio_tungstenite::client_async(server.url.as_str(), MaybeTlsStream::Plain(tcp))
            .await
            .map_err(|e| DeviceError::Open(e.to_string()))?;
        Ok(ws)
    };
    timeout(OPEN_TIMEOUT, go).await.map_err(|_| DeviceError::Open("timed out".into()))?
}

/// Runs `sc` live against `server` and returns its trace; datagrams go to 127.0.0.1. Ends when
/// the scenario ends, or with `TimedOut` after `max` of real time.
pub async fn run_live(sc: &Scenario, server: &ServerUrl, opts: LiveOptions, max: Duration) -> Result<LiveTrace, DeviceError> {
    run_live_with(sc, server, opts, max, IpAddr::V4(Ipv4Addr::LOCALHOST)).await
}

/// The real UDP socket device code's datagrams leave by, bound at the first one.
struct UdpOut {
    to: IpAddr,
    socket: Option<UdpSocket>,
}

impl UdpOut {
    /// Sends what the model already let through (U1–U7). An OS error is not the model's
    /// business (its trace says what the device did): it is only logged.
    async fn send(&mut self, d: Datagram) {
        if self.socket.is_none() {
            let local: SocketAddr = if self.to.is_loopback() { (self.to, 0).into() } else { (Ipv4Addr::UNSPECIFIED, 0).into() };
            match UdpSocket::bind(local).await {
                Ok(s) => self.socket = Some(s),
                Err(e) => return tracing::warn!(error = %e, "cannot open the UDP socket"),
            }
        }
        if let Some(s) = &self.socket {
            if let Err(e) = s.send_to(&d.data, (self.to, d.port)).await {
                tracing::debug!(msg = d.msg, error = %e, "datagram not sent");
            }
        }
    }
}

/// As [`run_live`], with the device's datagrams sent to `udp_to` at the script's ports.
pub async fn run_live_with(sc: &Scenario, server: &ServerUrl, opts: LiveOptions, max: Duration, udp_to: IpAddr) -> Result<LiveTrace, DeviceError> {
    let t0 = Instant::now();
    let real = move || t0.elapsed().as_micros() as u64;
    let give_up = t0 + max;
    // Device code (§14), else step lists.
    let mut live = LiveDevice::of_scenario(sc, opts).map_err(|e| DeviceError::Code(e.to_string()))?;
    live.capture_datagrams();
    let mut udp = UdpOut { to: udp_to, socket: None };
    let mut ws: Option<(u64, Ws)> = None;
    let mut opening: Option<(u64, Opening)> = None;
    loop {
        while let Some(d) = live.poll_datagram() {
            udp.send(d).await;
        }
        let mut failed = None;
        while let Some(io) = live.poll_io() {
            match io {
                Io::Open { socket } => {
                    ws = None;
                    opening = Some((socket, Box::pin(open(server.clone()))));
                }
                Io::Close { socket } => {
                    if opening.as_ref().is_some_and(|o| o.0 == socket) {
                        opening = None;
                    }
                    if let Some((_, mut w)) = ws.take_if(|w| w.0 == socket) {
                        let _ = timeout(Duration::from_millis(200), w.close(None)).await;
                    }
                }
                Io::Text { socket, text } => {
                    if let Some((_, w)) = ws.as_mut().filter(|w| w.0 == socket) {
                        if w.send(Message::Text(text.into())).await.is_err() {
                            failed = Some(socket);
                        }
                    }
                }
                Io::Data { socket, len } => {
                    if let Some((_, w)) = ws.as_mut().filter(|w| w.0 == socket) {
                        if w.send(Message::Binary(vec![0u8; len as usize].into())).await.is_err() {
                            failed = Some(socket);
                        }
                    }
                }
            }
        }
        if let Some(socket) = failed {
            ws = None;
            live.handle_closed(real(), socket);
            continue;
        }
        if live.is_done() {
            break;
        }
        if Instant::now() >= give_up {
            return Err(DeviceError::TimedOut { seconds: max.as_secs() });
        }
        let wake_us = live.poll_timeout();
        // tokio's timers tick in whole milliseconds, which time_scale magnifies (1 ms real is
        // 10 ms virtual at 10×). A deadline closer than that is run now, letting virtual time
        // lead real time by under a millisecond instead of lagging by up to one per event.
        if let Some(us) = wake_us.filter(|&us| us < real() + TIMER_TICK_US) {
            live.handle_timeout(us.max(real()));
            tokio::task::yield_now().await;
            continue;
        }
        let wake = wake_us.map(|us| t0 + Duration::from_micros(us)).unwrap_or(give_up).min(give_up);
        tokio::select! {
            r = async { opening.as_mut().expect("guarded").1.as_mut().await }, if opening.is_some() => {
                let (socket, _) = opening.take().expect("guarded");
                match r {
                    Ok(w) => {
                        ws = Some((socket, w));
                        live.handle_opened(real(), socket);
                    }
                    Err(e) => {
                        tracing::debug!(socket, error = %e, "open failed");
                        live.handle_closed(real(), socket);
                    }
                }
            }
            m = async { ws.as_mut().expect("guarded").1.next().await }, if ws.is_some() => {
                let socket = ws.as_ref().expect("guarded").0;
                match m {
                    Some(Ok(Message::Text(t))) => live.handle_text(real(), socket, t.as_str()),
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                        ws = None;
                        live.handle_closed(real(), socket);
                    }
                    Some(Ok(_)) => {}
                }
            }
            _ = sleep_until(wake) => live.handle_timeout(real()),
        }
    }
    if let Some((_, mut w)) = ws.take() {
        let _ = timeout(Duration::from_millis(200), w.close(None)).await;
    }
    Ok(live.finish(real()))
}

/// The scenario SCENARIO names: `impnet run`'s loader (file, `-`, preset or share link).
pub fn load_scenario(arg: &str) -> Result<Scenario, crate::input::InputError> {
    load_with(arg, &CodeArgs::default())
}

/// As [`load_scenario`], or device code (`DEVICE.nut` with `--scenario`/`--lib`), as `impnet
/// run` loads it.
pub fn load_with(arg: &str, flags: &CodeArgs) -> Result<Scenario, crate::input::InputError> {
    let sc = crate::code::load(arg, flags)?;
    if sc.agent_code.is_some() {
        // Live, the agent is `impnet serve`'s; never run agent code as if it were not there.
        return Err(crate::input::InputError(format!("{arg}: impnet device does not run agent code (live, the server is the agent)")));
    }
    Ok(sc)
}

pub fn main(args: Args) -> ExitCode {
    let sc = match load_with(&args.scenario, &args.code) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("impnet device: {e}");
            return ExitCode::from(2);
        }
    };
    if !(MIN_TIME_SCALE..=MAX_TIME_SCALE).contains(&args.time_scale) {
        eprintln!("impnet device: --time-scale: {} is outside {MIN_TIME_SCALE}..={MAX_TIME_SCALE}", args.time_scale);
        return ExitCode::from(2);
    }
    crate::serve::init_tracing_with("warn");
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("impnet device: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let opts = LiveOptions { time_scale: args.time_scale, skip_idle: !args.no_skip_idle };
    let result = rt.block_on(async {
        let server = ServerUrl::parse(&args.server, args.allow_remote).await?;
        if !args.allow_remote && !args.udp_to.is_loopback() {
            return Err(DeviceError::UdpTo(args.udp_to));
        }
        run_live_with(&sc, &server, opts, Duration::from_secs(args.max_seconds), args.udp_to).await
    });
    match result {
        Ok(live) => {
            let written = if args.json {
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                crate::timeline::json_lines(&mut out, &live.trace).and_then(|()| out.flush())
            } else {
                print_timeline(&sc, &live)
            };
            match written {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("impnet device: writing the output: {e}");
                    ExitCode::from(1)
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(e) => {
            eprintln!("impnet device: {e}");
            ExitCode::from(if matches!(e, DeviceError::BadServer(_) | DeviceError::UdpTo(_)) { 2 } else { 1 })
        }
    }
}

/// `impnet run`'s timeline, then how long the live run took in real time.
fn print_timeline(sc: &Scenario, live: &LiveTrace) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    crate::timeline::write(&mut out, &sc.title, sc.seed, &live.trace, false)?;
    writeln!(out, "(live: {:.3} s real)", live.real_micros as f64 / 1e6)?;
    out.flush()
}
