//! `impnet serve`: one process that serves the built playground (`--dist`) and plays impCloud
//! and the agent on `/ws` for live devices (the browser's live mode, `impnet device`).
//!
//! Layout: `receiver` is the sans-IO server+agent of one connection; `conn` drives it over a
//! WebSocket in real time; `http` accepts TCP connections under the resource limits.
//!
//! Loopback by default: the server binds 127.0.0.1 unless told otherwise.

use impnet_core::wire::{Knobs, WireError};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Semaphore};

pub mod conn;
pub mod headers;
pub mod http;
pub mod receiver;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Directory of the built playground (trunk's output).
    #[arg(long, default_value = "dist")]
    pub dist: PathBuf,
    /// Default extra ACK delay, ms (emulates the RTT on loopback).
    #[arg(long)]
    pub delay_ms: Option<u64>,
    /// Default server receive window, bytes.
    #[arg(long)]
    pub rwnd: Option<u32>,
    /// Default agent drain rate, bytes/s (unlimited if absent).
    #[arg(long)]
    pub consume_bps: Option<u64>,
    /// Default ACK stall (zero window) start and length, ms.
    #[arg(long)]
    pub stall_at_ms: Option<u64>,
    #[arg(long)]
    pub stall_for_ms: Option<u64>,
    /// Default time at which the agent stops reading, ms.
    #[arg(long)]
    pub agent_stop_at_ms: Option<u64>,
    /// Drop each connection after this many data bytes.
    #[arg(long)]
    pub drop_after_bytes: Option<u64>,
    /// Drop each connection at this time, ms after its hello.
    #[arg(long)]
    pub drop_at_ms: Option<u64>,
    /// Refuse every connection for this long after start, ms.
    #[arg(long, default_value_t = 0)]
    pub refuse_for_ms: u64,
    /// Let a client's `refuse_for_ms` knob turn every other client away (off: such a hello is
    /// closed with 1008).
    #[arg(long)]
    pub allow_refuse_knob: bool,
    /// Most concurrent connections (HTTP and WebSocket each); more are turned away with 503.
    /// Lowered to what the open-file limit allows.
    #[arg(long, default_value_t = Limits::default().max_connections)]
    pub max_connections: usize,
    /// Most concurrent connections from one client address.
    #[arg(long, default_value_t = Limits::default().max_per_address)]
    pub max_per_address: usize,
    /// A WebSocket with no frame from the device for this long is closed, s.
    #[arg(long, default_value_t = Limits::default().idle_timeout.as_secs())]
    pub idle_timeout_s: u64,
    /// Also accept /ws from pages of this origin (e.g. `http://192.168.1.5:8080`); repeatable.
    /// By default only the server's own pages and clients that send no Origin (native ones).
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,
}

/// Largest accepted `--max-connections` / `--max-per-address` (far past any fd limit; keeps
/// the semaphore arithmetic far from overflow).
pub const MAX_CONNECTIONS: usize = 1 << 20;
/// Largest accepted `--idle-timeout-s`: one day.
pub const MAX_IDLE_TIMEOUT_S: u64 = 86_400;

/// Resource limits: every one bounds what a slow or hostile peer can hold.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Concurrent HTTP connections and, separately, WebSockets (before the fd-limit clamp).
    pub max_connections: usize,
    /// Concurrent connections (HTTP or WebSocket) from one client IP address.
    pub max_per_address: usize,
    /// Bytes one connection's queued ACKs and message names may hold (issue 13 item 3).
    pub queue_budget: usize,
    /// The same, summed over every connection.
    pub global_queue_budget: usize,
    /// Time to send a complete HTTP request head (slowloris on the upgrade).
    pub header_timeout: Duration,
    /// Time from the upgrade to the `hello` frame.
    pub hello_timeout: Duration,
    /// Longest silence from a device before its WebSocket is closed.
    pub idle_timeout: Duration,
    /// Longest wait for one frame to leave (a peer that never reads).
    pub send_timeout: Duration,
    /// Whole-frame cap enforced by the WebSocket layer itself, above our own per-kind limits,
    /// so a frame between them gets a clear close reason and a larger one is cut off unread.
    pub ws_max_frame: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 16_384,
            max_per_address: 1024,
            queue_budget: receiver::QUEUE_BUDGET,
            global_queue_budget: 256 << 20,
            header_timeout: Duration::from_secs(5),
            hello_timeout: Duration::from_secs(5),
            // Above the device's keepalive idle time (60 s), so a quiet but healthy device
            // is never cut off by the server first.
            idle_timeout: Duration::from_secs(120),
            send_timeout: Duration::from_secs(10),
            ws_max_frame: 4 * impnet_core::wire::MAX_DATA_FRAME,
        }
    }
}

/// Everything a server needs to start; tests build one directly.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub dist: PathBuf,
    /// Defaults for every connection (query string and `hello` override them).
    pub knobs: Knobs,
    pub limits: Limits,
    /// Refuse connections for this long after start.
    pub refuse_for: Duration,
    /// Whether a client's `refuse_for_ms` knob is honoured (it affects every other client).
    pub allow_refuse_knob: bool,
    /// Origins besides the server's own whose pages may open /ws (`*` for any).
    pub allowed_origins: Vec<String>,
}

impl Config {
    pub fn loopback(dist: PathBuf) -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dist,
            knobs: Knobs::default(),
            limits: Limits::default(),
            refuse_for: Duration::ZERO,
            allow_refuse_knob: false,
            allowed_origins: Vec::new(),
        }
    }
}

/// Counters the server keeps (read by tests and the load benchmark's log).
#[derive(Debug, Default)]
pub struct Stats {
    pub ws_open: AtomicUsize,
    pub ws_accepted: AtomicU64,
    pub turned_away: AtomicU64,
    pub refused: AtomicU64,
    pub closed_by_server: AtomicU64,
    /// Bytes held by every connection's queues (`Limits::global_queue_budget`).
    pub queued_bytes: AtomicUsize,
}

/// Descriptors kept back from the connection caps: the listener, stdio, the runtime's own,
/// and the sockets that are being told 503.
pub const FD_RESERVE: u64 = 128;

/// The connection caps in force: `--max-connections`, lowered so that every connection the
/// caps admit has its descriptor (issue 13 item 7). An HTTP connection may hold two (its
/// socket and the file it serves), a WebSocket one; HTTP gets an eighth of what is left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    pub http: usize,
    pub ws: usize,
}

impl Caps {
    pub fn new(requested: usize, fd_limit: u64) -> Caps {
        let room = usize::try_from(fd_limit.saturating_sub(FD_RESERVE)).unwrap_or(usize::MAX);
        let http = requested.min(room / 8).max(1);
        let ws = requested.min(room.saturating_sub(2 * http)).max(1);
        Caps { http, ws }
    }
}

/// State shared by every connection of one server.
pub struct Shared {
    pub config: Config,
    pub caps: Caps,
    pub stats: Stats,
    pub http_slots: Arc<Semaphore>,
    pub ws_slots: Arc<Semaphore>,
    /// Open connections per client address (`Limits::max_per_address`).
    per_address: Mutex<HashMap<IpAddr, usize>>,
    pub csp: headers::Csp,
    /// New connections are refused until then (knob `refuse_for_ms`, `--refuse-for-ms`).
    pub refuse_until: Mutex<Option<tokio::time::Instant>>,
}

/// One connection counted against its address; the count drops with the last clone (the HTTP
/// connection and, after an upgrade, the WebSocket each hold one).
pub struct AddressSlot {
    shared: Arc<Shared>,
    ip: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut m = self.shared.per_address.lock().expect("not poisoned");
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

impl Shared {
    /// Counts a new connection from `ip`, unless that address is at its limit.
    pub fn address_slot(self: &Arc<Self>, ip: IpAddr) -> Option<AddressSlot> {
        let mut m = self.per_address.lock().expect("not poisoned");
        let n = m.entry(ip).or_insert(0);
        if *n >= self.config.limits.max_per_address {
            return None;
        }
        *n += 1;
        Some(AddressSlot { shared: self.clone(), ip })
    }

    pub fn refuse_for(&self, d: Duration) {
        let until = tokio::time::Instant::now() + d;
        let mut r = self.refuse_until.lock().expect("not poisoned");
        *r = Some(r.map_or(until, |u| u.max(until)));
    }

    /// Remaining refusal time, if any.
    pub fn refusing(&self) -> Option<Duration> {
        let r = self.refuse_until.lock().expect("not poisoned");
        r.and_then(|u| u.checked_duration_since(tokio::time::Instant::now())).filter(|d| !d.is_zero())
    }
}

/// A running server. Dropping it (or calling `shutdown`) stops accepting; open connections
/// end with the runtime.
pub struct Server {
    pub local_addr: SocketAddr,
    pub shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Binds and starts serving in the current tokio runtime.
pub async fn start(config: Config) -> std::io::Result<Server> {
    config.knobs.validate().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let local_addr = listener.local_addr()?;
    let caps = Caps::new(config.limits.max_connections, fd_limit());
    let shared = Arc::new(Shared {
        caps,
        http_slots: Arc::new(Semaphore::new(caps.http)),
        ws_slots: Arc::new(Semaphore::new(caps.ws)),
        per_address: Mutex::new(HashMap::new()),
        csp: headers::Csp::default(),
        stats: Stats::default(),
        refuse_until: Mutex::new(None),
        config,
    });
    if !shared.config.refuse_for.is_zero() {
        shared.refuse_for(shared.config.refuse_for);
    }
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(http::accept_loop(listener, shared.clone(), stopped));
    Ok(Server { local_addr, shared, stop, task: Some(task) })
}

/// The open-file soft limit (RLIMIT_NOFILE); 1024 if it cannot be read.
#[allow(clippy::useless_conversion)] // rlim_t is u64 here but u32 on armv7
pub fn fd_limit() -> u64 {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit only writes the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) } != 0 {
        return 1024;
    }
    u64::from(r.rlim_cur)
}

/// Raises the open-file soft limit to the hard limit: each connection is a descriptor.
#[allow(clippy::useless_conversion)] // rlim_t is u64 here but u32 on armv7
pub fn raise_fd_limit() -> u64 {
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) != 0 {
            return 0;
        }
        if r.rlim_cur < r.rlim_max {
            let want = libc::rlimit { rlim_cur: r.rlim_max, rlim_max: r.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                return u64::from(want.rlim_cur);
            }
        }
        u64::from(r.rlim_cur)
    }
}

pub fn init_tracing() {
    init_tracing_with("info");
}

/// Logs to stderr at `default` level unless RUST_LOG says otherwise.
pub fn init_tracing_with(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// Why `impnet serve`'s command line was refused (exit code 2).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("--{flag}: {reason}")]
pub struct FlagError {
    pub flag: String,
    pub reason: String,
}

fn flag_error(flag: &str, reason: impl Into<String>) -> FlagError {
    FlagError { flag: flag.to_string(), reason: reason.into() }
}

fn in_range<T: PartialOrd + std::fmt::Display>(flag: &str, v: T, min: T, max: T) -> Result<T, FlagError> {
    if v < min || v > max {
        return Err(flag_error(flag, format!("{v} is outside {min}..={max}")));
    }
    Ok(v)
}

/// A Web origin as browsers send it: `scheme://host[:port]`, nothing after.
fn check_origin(o: &str) -> Result<String, FlagError> {
    if o == "*" {
        return Ok(o.to_string());
    }
    let rest = o.strip_prefix("http://").or_else(|| o.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', ' ']) => Ok(o.to_ascii_lowercase()),
        _ => Err(flag_error("allow-origin", format!("{o:?} is not an origin like http://host:port (or *)"))),
    }
}

pub fn config_from_args(a: &Args) -> Result<Config, FlagError> {
    let knobs = Knobs {
        delay_ms: a.delay_ms,
        rwnd: a.rwnd,
        consume_bps: a.consume_bps,
        stall_at_ms: a.stall_at_ms,
        stall_for_ms: a.stall_for_ms,
        agent_stop_at_ms: a.agent_stop_at_ms,
        drop_after_bytes: a.drop_after_bytes,
        drop_at_ms: a.drop_at_ms,
        refuse_for_ms: None,
    };
    knobs.validate().map_err(|e| match e {
        WireError::Knob { field, reason } => flag_error(&field.replace('_', "-"), reason),
        other => flag_error("knobs", other.to_string()),
    })?;
    let limits = Limits {
        max_connections: in_range("max-connections", a.max_connections, 1, MAX_CONNECTIONS)?,
        max_per_address: in_range("max-per-address", a.max_per_address, 1, MAX_CONNECTIONS)?,
        idle_timeout: Duration::from_secs(in_range("idle-timeout-s", a.idle_timeout_s, 1, MAX_IDLE_TIMEOUT_S)?),
        ..Limits::default()
    };
    let refuse_for_ms = in_range("refuse-for-ms", a.refuse_for_ms, 0, impnet_core::wire::MAX_REFUSE_MS)?;
    let allowed_origins = a.allow_origins.iter().map(|o| check_origin(o)).collect::<Result<_, _>>()?;
    Ok(Config {
        addr: a.addr,
        dist: a.dist.clone(),
        knobs,
        limits,
        refuse_for: Duration::from_millis(refuse_for_ms),
        allow_refuse_knob: a.allow_refuse_knob,
        allowed_origins,
    })
}

pub fn main(args: Args) -> ExitCode {
    let config = match config_from_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("impnet serve: {e}");
            return ExitCode::from(2);
        }
    };
    init_tracing();
    let fds = raise_fd_limit();
    if !config.addr.ip().is_loopback() {
        tracing::warn!(addr = %config.addr, "listening beyond this machine: anyone who can reach this address can use the playground and /ws");
    }
    if !config.dist.join("index.html").is_file() {
        tracing::warn!(dist = %config.dist.display(), "no index.html in --dist: build the playground first (trunk build); /ws works regardless");
    }
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("impnet serve: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    rt.block_on(async move {
        let server = match start(config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("impnet serve: cannot listen on {}: {e}", args.addr);
                return ExitCode::from(1);
            }
        };
        // The first stdout line names the bound address (with --addr …:0 the port is chosen here).
        println!("impnet serve: listening on http://{} (playground) and ws://{}/ws", server.local_addr, server.local_addr);
        let caps = server.shared.caps;
        if caps.ws < args.max_connections && args.max_connections != Limits::default().max_connections {
            tracing::warn!(fd_limit = fds, http = caps.http, ws = caps.ws, "connection caps lowered to fit the open-file limit");
        }
        tracing::info!(fd_limit = fds, http_cap = caps.http, ws_cap = caps.ws, "ready");
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}

/// Atomic add helper for counters.
pub(crate) fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn refused(args: &[&'static str]) -> String {
        let a = Args::try_parse_from(std::iter::once("x").chain(args.iter().copied())).unwrap();
        config_from_args(&a).unwrap_err().to_string()
    }

    #[test]
    fn bad_knob_on_the_command_line_names_the_flag() {
        assert_eq!(refused(&["--delay-ms", "999999"]), "--delay-ms: 999999 is over the limit 60000");
    }

    #[test]
    fn issue13_8_every_numeric_flag_is_range_checked() {
        // 2^61 used to overflow the semaphore (exit 101); a huge idle timeout overflowed the
        // deadline arithmetic of every WebSocket task.
        assert_eq!(refused(&["--max-connections", "2305843009213693952"]), "--max-connections: 2305843009213693952 is outside 1..=1048576");
        assert_eq!(refused(&["--max-connections", "0"]), "--max-connections: 0 is outside 1..=1048576");
        assert_eq!(refused(&["--idle-timeout-s", "18446744073709551615"]), "--idle-timeout-s: 18446744073709551615 is outside 1..=86400");
        assert_eq!(refused(&["--idle-timeout-s", "0"]), "--idle-timeout-s: 0 is outside 1..=86400");
        assert_eq!(refused(&["--max-per-address", "0"]), "--max-per-address: 0 is outside 1..=1048576");
        assert_eq!(refused(&["--refuse-for-ms", "99999999999"]), "--refuse-for-ms: 99999999999 is outside 0..=60000");
        assert!(refused(&["--allow-origin", "evil.example/x"]).starts_with("--allow-origin: "));
        let a = Args::try_parse_from(["x", "--max-connections", "1048576", "--idle-timeout-s", "86400"]).unwrap();
        assert!(config_from_args(&a).is_ok());
    }

    #[test]
    fn issue13_7_caps_leave_a_descriptor_for_every_connection() {
        for fds in [256u64, 1024, 20_000, 1 << 20] {
            let c = Caps::new(16_384, fds);
            assert!((2 * c.http + c.ws) as u64 + FD_RESERVE <= fds.max(FD_RESERVE + 3), "{fds}: {c:?}");
        }
        // 20 000 descriptors (this machine's hard limit) hold the 10 000-connection load.
        assert!(Caps::new(10_064, 20_000).ws >= 10_064);
        assert_eq!(Caps::new(10, 1 << 20), Caps { http: 10, ws: 10 });
    }

    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        a: Args,
    }
    impl Args {
        fn try_parse_from<I: IntoIterator<Item = &'static str>>(it: I) -> Result<Args, clap::Error> {
            Wrap::try_parse_from(it).map(|w| w.a)
        }
    }
}
