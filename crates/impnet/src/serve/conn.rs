//! One live device connection: drives a `Receiver` over a WebSocket in real time.

use super::receiver::{Output, Receiver};
use super::{bump, Shared};
use crate::text::printable;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use impnet_core::wire::{self, CloseCode, DeviceFrame, Inbound, Knobs, Raw, ServerFrame, WireError};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{sleep_until, timeout, Instant};

/// How long a close frame may take to leave before the socket is simply dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// Per-connection log lines: a burst of this many, then this many per second (issue 13 item
/// 5: one client must not fill the operator's disk). Connect and close lines always print.
const LOG_BURST: u32 = 20;
const LOG_PER_S: u32 = 5;

/// Counts the connection as open for as long as it lives, and returns what its queues held
/// to the server-wide budget when it ends.
struct OpenGuard {
    shared: Arc<Shared>,
    held: usize,
}

impl OpenGuard {
    /// Tells the server-wide budget what the connection's queues hold now; false when the
    /// server as a whole is over its budget and this connection grew.
    fn hold(&mut self, held: usize) -> bool {
        let queued = &self.shared.stats.queued_bytes;
        let grew = held > self.held;
        let total = if grew {
            queued.fetch_add(held - self.held, Ordering::Relaxed) + (held - self.held)
        } else {
            queued.fetch_sub(self.held - held, Ordering::Relaxed) - (self.held - held)
        };
        self.held = held;
        !(grew && total > self.shared.config.limits.global_queue_budget)
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.hold(0);
        self.shared.stats.ws_open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A token bucket for one connection's log lines; counts what it suppressed.
struct LogLimit {
    tokens: u32,
    refilled: Instant,
    suppressed: u64,
}

impl LogLimit {
    fn new() -> Self {
        LogLimit { tokens: LOG_BURST, refilled: Instant::now(), suppressed: 0 }
    }

    /// Whether a line may be written now; when it may after some were suppressed, also how many.
    fn allow(&mut self) -> Option<u64> {
        let now = Instant::now();
        let earned = (now - self.refilled).as_millis() as u64 * u64::from(LOG_PER_S) / 1000;
        if earned > 0 {
            self.tokens = (u64::from(self.tokens) + earned).min(u64::from(LOG_BURST)) as u32;
            self.refilled = now;
        }
        if self.tokens == 0 {
            self.suppressed += 1;
            return None;
        }
        self.tokens -= 1;
        Some(std::mem::take(&mut self.suppressed))
    }
}

enum End {
    /// The peer closed or vanished.
    Peer,
    /// The peer sent a close frame: the WebSocket layer has queued its answer.
    PeerClosed,
    /// We close with a code and reason.
    Close(CloseCode, String),
}

pub async fn run(mut socket: WebSocket, shared: Arc<Shared>, query: Knobs, _slot: OwnedSemaphorePermit) {
    let id = shared.stats.ws_accepted.fetch_add(1, Ordering::Relaxed) + 1;
    shared.stats.ws_open.fetch_add(1, Ordering::Relaxed);
    let mut open = OpenGuard { shared: shared.clone(), held: 0 };
    let end = match hello(&mut socket, &shared, &query).await {
        Ok(knobs) => {
            tracing::info!(conn = id, ?knobs, "device connected");
            serve(&mut socket, &mut open, id, knobs).await
        }
        Err(end) => end,
    };
    match end {
        End::Close(code, reason) => {
            tracing::info!(conn = id, code = code as u16, reason = %printable(&reason), "closing");
            bump(&shared.stats.closed_by_server);
            let frame = CloseFrame { code: code as u16, reason: wire::close_reason(&reason).into() };
            let _ = timeout(CLOSE_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
        }
        End::PeerClosed => {
            // The answer to the peer's close (its code echoed, or 1002 for a code that may not
            // be sent, such as 1005) leaves with this flush.
            let _ = timeout(CLOSE_TIMEOUT, socket.flush()).await;
            tracing::info!(conn = id, "device closed");
        }
        End::Peer => tracing::info!(conn = id, "device disconnected"),
    }
}

/// The next data or text frame; pings and pongs are answered by the WebSocket layer on the
/// next write, and skipped here.
async fn recv(socket: &mut WebSocket) -> Result<Message, End> {
    loop {
        match socket.recv().await {
            None => return Err(End::Peer),
            Some(Err(e)) => return Err(transport_error(e)),
            Some(Ok(Message::Close(_))) => return Err(End::PeerClosed),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                // Let a queued pong leave now, not with the next frame.
                let _ = socket.flush().await;
            }
            Some(Ok(m)) => return Ok(m),
        }
    }
}

/// Waits for the `hello` and answers `welcome`; returns the knobs in force.
async fn hello(socket: &mut WebSocket, shared: &Shared, query: &Knobs) -> Result<Knobs, End> {
    let limits = &shared.config.limits;
    let first = match timeout(limits.hello_timeout, recv(socket)).await {
        Err(_) => {
            let why = format!("no hello within {} ms", limits.hello_timeout.as_millis());
            return Err(End::Close(CloseCode::Timeout, why));
        }
        Ok(m) => m?,
    };
    let knobs = match decode(&first) {
        Ok(Inbound::Control(DeviceFrame::Hello { knobs, .. })) => shared.config.knobs.overlay(query).overlay(&knobs),
        Ok(_) => return Err(End::Close(CloseCode::Protocol, "unexpected frame: the first frame must be hello".into())),
        Err(e) => return Err(End::Close(e.close_code(), e.to_string())),
    };
    if let Some(ms) = knobs.refuse_for_ms {
        // It turns every other client away: only an operator may allow that.
        if !shared.config.allow_refuse_knob {
            let why = "knob refuse_for_ms affects every client: the server must run with --allow-refuse-knob";
            return Err(End::Close(CloseCode::Policy, why.into()));
        }
        shared.refuse_for(Duration::from_millis(ms));
    }
    let welcome = ServerFrame::Welcome { version: wire::VERSION, rwnd: knobs.rwnd_or_default(), knobs: knobs.clone() };
    send(socket, shared, welcome).await?;
    Ok(knobs)
}

async fn serve(socket: &mut WebSocket, open: &mut OpenGuard, id: u64, knobs: Knobs) -> End {
    let shared = open.shared.clone();
    let limits = shared.config.limits.clone();
    let start = Instant::now();
    let now_us = || start.elapsed().as_micros() as u64;
    let mut rx = Receiver::with_budget(knobs, limits.queue_budget);
    let mut log = LogLimit::new();
    let mut last_heard = Instant::now();
    loop {
        if !open.hold(rx.held_bytes()) {
            let why = format!("the server's {} KiB budget for queued ACKs and names is spent", limits.global_queue_budget >> 10);
            return End::Close(CloseCode::Policy, why);
        }
        // Frames of one batch (an ACK and a delivery notice, say) leave in one write.
        let mut unflushed = false;
        while let Some(out) = rx.poll_output() {
            match out {
                Output::Send(f) => {
                    if let Err(end) = io(&shared, socket.feed(Message::Text(f.to_text().into()))).await {
                        return end;
                    }
                    unflushed = true;
                }
                Output::Delivered(m) => {
                    if let Some(suppressed) = log.allow() {
                        tracing::info!(conn = id, msg = m.id, name = %printable(&m.name), bytes = m.len, suppressed, "agent read message");
                    }
                }
                Output::Close(code, reason) => return End::Close(code, reason),
            }
        }
        if unflushed {
            if let Err(end) = io(&shared, socket.flush()).await {
                return end;
            }
        }
        let wake = rx.poll_timeout().map(|us| start + Duration::from_micros(us));
        let idle_deadline = last_heard + limits.idle_timeout;
        tokio::select! {
            m = recv(socket) => {
                let m = match m {
                    Err(end) => return end,
                    Ok(m) => m,
                };
                last_heard = Instant::now();
                match decode(&m) {
                    Err(e) => return End::Close(e.close_code(), e.to_string()),
                    Ok(Inbound::Data { bytes }) => {
                        if tracing::enabled!(tracing::Level::DEBUG) && log.allow().is_some() {
                            tracing::debug!(conn = id, bytes, "segment");
                        }
                        rx.handle_data(now_us(), bytes as u64);
                    }
                    Ok(Inbound::Control(DeviceFrame::Msg { id: msg, name, len })) => {
                        if tracing::enabled!(tracing::Level::DEBUG) && log.allow().is_some() {
                            tracing::debug!(conn = id, msg, name = %printable(&name), len, "message announced");
                        }
                        rx.handle_msg(now_us(), msg, name, len);
                    }
                    Ok(Inbound::Control(DeviceFrame::Hello { .. })) => {
                        return End::Close(CloseCode::Protocol, WireError::Unexpected("a second hello").to_string());
                    }
                }
            }
            _ = sleep_until(wake.unwrap_or(idle_deadline)), if wake.is_some() => rx.handle_timeout(now_us()),
            _ = sleep_until(idle_deadline) => {
                let why = format!("idle for {} ms", limits.idle_timeout.as_millis());
                return End::Close(CloseCode::Timeout, why);
            }
        }
    }
}

/// A text or binary frame (`recv` passes no others).
fn decode(m: &Message) -> Result<Inbound, WireError> {
    match m {
        Message::Text(t) => wire::decode_inbound(Raw::Text(t.as_str())),
        Message::Binary(b) => wire::decode_inbound(Raw::Binary(b)),
        _ => Err(WireError::Unexpected("a control frame")),
    }
}

/// A frame that cannot leave within `send_timeout` means the peer is not reading: give up on
/// it rather than hold its buffers.
async fn send(socket: &mut WebSocket, shared: &Shared, f: ServerFrame) -> Result<(), End> {
    io(shared, socket.send(Message::Text(f.to_text().into()))).await
}

/// One write or flush, bounded by `send_timeout`.
async fn io(shared: &Shared, op: impl std::future::Future<Output = Result<(), axum::Error>>) -> Result<(), End> {
    match timeout(shared.config.limits.send_timeout, op).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(End::Peer),
        Err(_) => Err(End::Close(CloseCode::Timeout, "peer does not read: send timed out".into())),
    }
}

/// The WebSocket layer refuses some frames before we see them; say why, with a close frame.
fn transport_error(e: axum::Error) -> End {
    use tokio_tungstenite::tungstenite::error::{CapacityError, Error};
    match e.into_inner().downcast::<Error>() {
        Ok(boxed) => match *boxed {
            Error::Capacity(CapacityError::MessageTooLong { size, max_size }) => End::Close(
                CloseCode::TooBig,
                WireError::TooLarge { kind: "websocket", len: size, limit: max_size }.to_string(),
            ),
            // RFC 6455 §8.1: a text frame that is not UTF-8 fails the connection with 1007.
            Error::Utf8(_) => End::Close(CloseCode::InvalidData, "text frame is not valid UTF-8".into()),
            Error::Protocol(p) => End::Close(CloseCode::Protocol, format!("websocket protocol error: {p}")),
            _ => End::Peer,
        },
        Err(_) => End::Peer,
    }
}
