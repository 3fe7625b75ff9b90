//! `impnet serve`: one process that serves the built playground (`--dist`) and plays impCloud
//! and the agent on `/ws` for live devices (the browser's live mode, `impnet device`).
//!
//! Layout: `receiver` is the sans-IO server+agent of one connection; `conn` drives it over a
//! WebSocket in real time; `http` accepts TCP connections under the resource limits.
//!
//! Loopback by default: the server binds 127.0.0.1 unless told otherwise.

use impnet_core::wire::{Knobs, WireError};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Semaphore};

pub mod conn;
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
    /// Most concurrent connections (HTTP and WebSocket each); more are turned away.
    #[arg(long, default_value_t = Limits::default().max_connections)]
    pub max_connections: usize,
    /// A WebSocket with no frame from the device for this long is closed, s.
    #[arg(long, default_value_t = Limits::default().idle_timeout.as_secs())]
    pub idle_timeout_s: u64,
}

/// Resource limits: every one bounds what a slow or hostile peer can hold.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_connections: usize,
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
}

impl Config {
    pub fn loopback(dist: PathBuf) -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dist,
            knobs: Knobs::default(),
            limits: Limits::default(),
            refuse_for: Duration::ZERO,
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
}

/// State shared by every connection of one server.
pub struct Shared {
    pub config: Config,
    pub stats: Stats,
    pub ws_slots: Arc<Semaphore>,
    /// New connections are refused until then (knob `refuse_for_ms`, `--refuse-for-ms`).
    pub refuse_until: Mutex<Option<tokio::time::Instant>>,
}

impl Shared {
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
    let shared = Arc::new(Shared {
        ws_slots: Arc::new(Semaphore::new(config.limits.max_connections)),
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

fn config_from_args(a: &Args) -> Result<Config, String> {
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
        WireError::Knob { field, reason } => format!("--{}: {reason}", field.replace('_', "-")),
        other => other.to_string(),
    })?;
    if a.max_connections == 0 {
        return Err("--max-connections: must be at least 1".into());
    }
    let mut limits = Limits { max_connections: a.max_connections, ..Limits::default() };
    limits.idle_timeout = Duration::from_secs(a.idle_timeout_s.max(1));
    Ok(Config { addr: a.addr, dist: a.dist.clone(), knobs, limits, refuse_for: Duration::from_millis(a.refuse_for_ms) })
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
        tracing::info!(fd_limit = fds, "ready");
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

    #[test]
    fn bad_knob_on_the_command_line_names_the_flag() {
        let a = Args::try_parse_from(["x", "--delay-ms", "999999"]).unwrap();
        assert_eq!(config_from_args(&a).unwrap_err(), "--delay-ms: 999999 is over the limit 60000");
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
