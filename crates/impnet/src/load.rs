//! `impnet load`: how many live device connections one `impnet serve` holds.
//!
//! Starts `impnet serve` as a child process on 127.0.0.1 (a random port), opens N WebSocket
//! connections to it (a bounded number of handshakes at a time), then every connection sends
//! M messages at a fixed interval. Reports the ACK latency percentiles (data frame written →
//! its ACK read) and the server's resident memory from /proc, idle and under load.
//!
//! Loopback only, bounded in time (`--max-seconds`); the child server is killed at the end.

use crate::serve::raise_fd_limit;
use futures_util::{SinkExt, StreamExt};
use impnet_core::wire::{decode_server, DeviceFrame, Knobs, ServerFrame, VERSION};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::time::{timeout, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::MaybeTlsStream;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Concurrent device connections.
    #[arg(long, default_value_t = 1000)]
    pub n: usize,
    /// Messages per connection.
    #[arg(long, default_value_t = 10)]
    pub msgs: usize,
    /// Payload bytes per message.
    #[arg(long, default_value_t = 200)]
    pub bytes: u32,
    /// Pause between two messages of one connection, ms.
    #[arg(long, default_value_t = 200)]
    pub interval_ms: u64,
    /// Handshakes in flight at once while connections open.
    #[arg(long, default_value_t = 256)]
    pub ramp: usize,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 120)]
    pub max_seconds: u64,
    /// Hostile clients instead (issue 13 item 3): each asks for 60 s ACK delays, announces
    /// 4 096 messages with 256-byte names and sends 65 536 window probes, so the server must
    /// queue all it can; reports the server's peak memory. `--msgs`, `--bytes` and
    /// `--interval-ms` do not apply.
    #[arg(long)]
    pub hostile: bool,
    /// The `impnet` binary whose `serve` to load (default: this one), e.g. an older build to
    /// compare against. Only this binary's own server gets `--max-per-address`.
    #[arg(long)]
    pub server_bin: Option<std::path::PathBuf>,
}

/// Why a load run could not go on.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot start impnet serve: {0}")]
    Spawn(std::io::Error),
    #[error("unexpected first line from impnet serve: {0:?}")]
    FirstLine(String),
    #[error("connect: {0}")]
    Connect(std::io::Error),
    #[error("upgrade: {0}")]
    Upgrade(tokio_tungstenite::tungstenite::Error),
    #[error("{0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
    #[error("no welcome: {0}")]
    NoWelcome(String),
    #[error("connection ended: {0}")]
    Ended(String),
    #[error("open timed out")]
    OpenTimeout,
    #[error("a connection task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

struct ChildServer {
    child: Child,
    addr: SocketAddr,
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `impnet serve` from this same binary, on a random loopback port, quiet.
fn spawn_server(n: usize, bin: Option<&std::path::Path>) -> Result<ChildServer, LoadError> {
    let own = std::env::current_exe().map_err(LoadError::Spawn)?;
    let mut cmd = Command::new(bin.unwrap_or(&own));
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--dist", "/nonexistent-dist", "--idle-timeout-s", "600"])
        .args(["--max-connections", &(n + 64).to_string()]);
    if bin.is_none() {
        // Every load connection comes from 127.0.0.1.
        cmd.args(["--max-per-address", &(n + 64).to_string()]);
    }
    let mut child = cmd
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(LoadError::Spawn)?;
    let mut line = String::new();
    let out = child.stdout.take().expect("stdout is piped");
    BufReader::new(out).read_line(&mut line).map_err(LoadError::Spawn)?;
    // "impnet serve: listening on http://127.0.0.1:PORT (playground) …"
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|a| a.parse::<SocketAddr>().ok())
        .ok_or_else(|| LoadError::FirstLine(line.clone()))?;
    assert!(addr.ip().is_loopback(), "load runs on loopback only");
    Ok(ChildServer { child, addr })
}

/// VmRSS of `pid` in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

type Ws = tokio_tungstenite::WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn open_one(addr: SocketAddr) -> Result<Ws, LoadError> {
    let tcp = TcpStream::connect(addr).await.map_err(LoadError::Connect)?;
    let _ = tcp.set_nodelay(true);
    let url = format!("ws://{addr}/ws");
    let (mut ws, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(tcp)).await.map_err(LoadError::Upgrade)?;
    let hello = DeviceFrame::Hello { version: VERSION, knobs: Knobs::default() };
    ws.send(Message::Text(hello.to_text().into())).await?;
    match ws.next().await {
        Some(Ok(Message::Text(t))) if matches!(decode_server(t.as_str()), Ok(ServerFrame::Welcome { .. })) => Ok(ws),
        other => Err(LoadError::NoWelcome(format!("{other:?}"))),
    }
}

/// Sends `msgs` messages at `interval`, each announced then sent as one data frame; returns
/// the ACK latency of each, µs.
async fn stream(mut ws: Ws, id: usize, a: Args, start_at: Instant) -> Result<Vec<u32>, LoadError> {
    // Spread the connections' first sends over one interval so they do not all fire at once.
    let interval = Duration::from_millis(a.interval_ms.max(1));
    let phase = interval.mul_f64((id % 1000) as f64 / 1000.0);
    tokio::time::sleep_until(start_at + phase).await;
    let wire = a.bytes + 8 + 4 + 29;
    let mut sent: VecDeque<Instant> = VecDeque::new();
    let mut lat = Vec::with_capacity(a.msgs);
    let mut tick = tokio::time::interval(interval);
    let mut to_send = a.msgs;
    while lat.len() < a.msgs {
        tokio::select! {
            _ = tick.tick(), if to_send > 0 => {
                let m = DeviceFrame::Msg { id: (a.msgs - to_send) as u64, name: "load".into(), len: wire as u64 };
                ws.feed(Message::Text(m.to_text().into())).await?;
                sent.push_back(Instant::now());
                ws.send(Message::Binary(vec![0u8; wire as usize].into())).await?;
                to_send -= 1;
            }
            m = ws.next() => match m {
                Some(Ok(Message::Text(t))) => {
                    if let Ok(ServerFrame::Ack { .. }) = decode_server(t.as_str()) {
                        if let Some(at) = sent.pop_front() {
                            lat.push(at.elapsed().as_micros().min(u32::MAX as u128) as u32);
                        }
                    }
                }
                Some(Ok(_)) => {}
                other => return Err(LoadError::Ended(format!("{other:?}"))),
            }
        }
    }
    let _ = ws.close(None).await;
    Ok(lat)
}

fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

pub fn main(a: Args) -> ExitCode {
    if a.n == 0 || a.msgs == 0 {
        eprintln!("impnet load: --n and --msgs must be at least 1");
        return ExitCode::from(2);
    }
    let fds = raise_fd_limit();
    if (a.n as u64) + 64 > fds {
        eprintln!("impnet load: --n {} needs more descriptors than the limit {fds}", a.n);
        return ExitCode::from(2);
    }
    let server = match spawn_server(a.n, a.server_bin.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("impnet load: {e}");
            return ExitCode::from(1);
        }
    };
    let pid = server.child.id();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let report = rt.block_on(async {
        let run = async {
            if a.hostile {
                hostile(&a, server.addr, pid).await
            } else {
                drive(&a, server.addr, pid).await
            }
        };
        timeout(Duration::from_secs(a.max_seconds), run).await
    });
    drop(server);
    match report {
        Ok(Ok(r)) => {
            println!("{r}");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("impnet load: {e}");
            ExitCode::from(1)
        }
        Err(_) => {
            eprintln!("impnet load: did not finish within {} s", a.max_seconds);
            ExitCode::from(1)
        }
    }
}

async fn drive(a: &Args, addr: SocketAddr, pid: u32) -> Result<String, LoadError> {
    let rss_before = rss_kib(pid).unwrap_or(0);
    let t_open = Instant::now();
    let gate = Arc::new(Semaphore::new(a.ramp.max(1)));
    let opens: Vec<_> = (0..a.n)
        .map(|_| {
            let gate = gate.clone();
            tokio::spawn(async move {
                let _p = gate.acquire_owned().await.expect("open semaphore");
                timeout(Duration::from_secs(20), open_one(addr)).await.map_err(|_| LoadError::OpenTimeout)?
            })
        })
        .collect();
    let mut sockets = Vec::with_capacity(a.n);
    let mut open_errors = 0usize;
    let mut first_error = None;
    for o in opens {
        match o.await? {
            Ok(ws) => sockets.push(ws),
            Err(e) => {
                open_errors += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    let open_secs = t_open.elapsed().as_secs_f64();
    let held = sockets.len();
    let rss_idle = rss_kib(pid).unwrap_or(0);

    let start_at = Instant::now() + Duration::from_millis(100);
    let streams: Vec<_> =
        sockets.into_iter().enumerate().map(|(i, ws)| tokio::spawn(stream(ws, i, a.clone(), start_at))).collect();
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(rss_idle));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_kib(pid).unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    };
    let mut lat = Vec::with_capacity(held * a.msgs);
    let mut stream_errors = 0usize;
    for s in streams {
        match s.await? {
            Ok(l) => lat.extend(l),
            Err(e) => {
                stream_errors += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    let stream_secs = start_at.elapsed().as_secs_f64();
    sampler.abort();
    let rss_peak = peak.load(std::sync::atomic::Ordering::Relaxed).max(rss_kib(pid).unwrap_or(0));
    lat.sort_unstable();
    Ok(format!(
        "connections: {held} of {n} held (open errors {open_errors}, stream errors {stream_errors}){err}\n\
         opened in {open_secs:.2} s ({rate:.0}/s)\n\
         messages: {acked} ACKed in {stream_secs:.2} s ({msgs} × {bytes} B per connection, every {iv} ms)\n\
         ACK latency ms: p50 {p50:.3}  p90 {p90:.3}  p99 {p99:.3}  max {max:.3}\n\
         server RSS: {b:.1} MiB before, {i:.1} MiB with {held} idle connections ({per:.1} KiB each), {p:.1} MiB peak while streaming",
        n = a.n,
        err = first_error.map(|e| format!("; first error: {e}")).unwrap_or_default(),
        rate = held as f64 / open_secs.max(1e-9),
        acked = lat.len(),
        msgs = a.msgs,
        bytes = a.bytes,
        iv = a.interval_ms,
        p50 = pct(&lat, 0.5),
        p90 = pct(&lat, 0.9),
        p99 = pct(&lat, 0.99),
        max = pct(&lat, 1.0),
        b = rss_before as f64 / 1024.0,
        i = rss_idle as f64 / 1024.0,
        per = (rss_idle.saturating_sub(rss_before)) as f64 / held.max(1) as f64,
        p = rss_peak as f64 / 1024.0,
    ))
}

/// Queued state one hostile client asks the server to hold (issue 13 item 3).
const HOSTILE_MSGS: usize = 4096;
const HOSTILE_PROBES: usize = 65_536;

/// One hostile client: everything a server might queue, as fast as it will take it. Returns
/// the socket (to keep it open) and the close code if the server closed it.
async fn hostile_one(addr: SocketAddr) -> Result<(Option<Ws>, Option<u16>), LoadError> {
    let tcp = TcpStream::connect(addr).await.map_err(LoadError::Connect)?;
    let url = format!("ws://{addr}/ws");
    let (mut ws, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(tcp)).await.map_err(LoadError::Upgrade)?;
    let knobs = Knobs { delay_ms: Some(60_000), ..Knobs::default() };
    ws.send(Message::Text(DeviceFrame::Hello { version: VERSION, knobs }.to_text().into())).await?;
    let name = "n".repeat(impnet_core::wire::MAX_NAME_BYTES);
    let frames = (0..HOSTILE_MSGS)
        .map(|id| Message::Text(DeviceFrame::Msg { id: id as u64, name: name.clone(), len: 1 }.to_text().into()))
        .chain((0..HOSTILE_PROBES).map(|_| Message::Binary(Vec::new().into())));
    for (i, f) in frames.enumerate() {
        let sent = if i % 256 == 255 { ws.send(f).await } else { ws.feed(f).await };
        if sent.is_err() {
            break; // the server closed it: see how
        }
    }
    let _ = ws.flush().await;
    // A server that holds everything answers nothing for 60 s; one that refused says so now.
    loop {
        match timeout(Duration::from_millis(1500), ws.next()).await {
            Err(_) => return Ok((Some(ws), None)),
            Ok(Some(Ok(Message::Close(f)))) => return Ok((None, f.map(|f| u16::from(f.code)))),
            Ok(Some(Ok(_))) => continue,
            Ok(None) | Ok(Some(Err(_))) => return Ok((None, None)),
        }
    }
}

async fn hostile(a: &Args, addr: SocketAddr, pid: u32) -> Result<String, LoadError> {
    let rss_before = rss_kib(pid).unwrap_or(0);
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(rss_before));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_kib(pid).unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let t0 = Instant::now();
    let gate = Arc::new(Semaphore::new(a.ramp.max(1)));
    let clients: Vec<_> = (0..a.n)
        .map(|_| {
            let gate = gate.clone();
            tokio::spawn(async move {
                let _p = gate.acquire_owned().await.expect("semaphore");
                hostile_one(addr).await
            })
        })
        .collect();
    let (mut held, mut closes, mut errors) = (Vec::new(), std::collections::BTreeMap::new(), 0usize);
    for c in clients {
        match c.await? {
            Ok((ws, code)) => {
                held.extend(ws);
                if let Some(code) = code {
                    *closes.entry(code).or_insert(0usize) += 1;
                }
            }
            Err(_) => errors += 1,
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    sampler.abort();
    let rss_peak = peak.load(std::sync::atomic::Ordering::Relaxed).max(rss_kib(pid).unwrap_or(0));
    let rss_end = rss_kib(pid).unwrap_or(0);
    Ok(format!(
        "hostile clients: {n} in {secs:.1} s ({open} still open, closed by the server: {closes:?}, errors {errors})\n\
         server RSS: {b:.1} MiB before, {p:.1} MiB peak, {e:.1} MiB at the end ({per:.1} KiB per client at the peak)",
        n = a.n,
        secs = t0.elapsed().as_secs_f64(),
        open = held.len(),
        b = rss_before as f64 / 1024.0,
        p = rss_peak as f64 / 1024.0,
        e = rss_end as f64 / 1024.0,
        per = rss_peak.saturating_sub(rss_before) as f64 / a.n.max(1) as f64,
    ))
}
