//! One live device connection: drives a `Receiver` over a WebSocket in real time.

use super::receiver::{Output, Receiver};
use super::{bump, Shared};
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

/// Counts the connection as open for as long as it lives.
struct OpenGuard(Arc<Shared>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.stats.ws_open.fetch_sub(1, Ordering::Relaxed);
    }
}

enum End {
    /// The peer closed or vanished.
    Peer,
    /// We close with a code and reason.
    Close(CloseCode, String),
}

pub async fn run(mut socket: WebSocket, shared: Arc<Shared>, query: Knobs, _slot: OwnedSemaphorePermit) {
    let id = shared.stats.ws_accepted.fetch_add(1, Ordering::Relaxed) + 1;
    shared.stats.ws_open.fetch_add(1, Ordering::Relaxed);
    let _open = OpenGuard(shared.clone());
    let end = match hello(&mut socket, &shared, &query).await {
        Ok(knobs) => {
            tracing::info!(conn = id, ?knobs, "device connected");
            serve(&mut socket, &shared, id, knobs).await
        }
        Err(end) => end,
    };
    if let End::Close(code, reason) = end {
        tracing::info!(conn = id, code = code as u16, %reason, "closing");
        bump(&shared.stats.closed_by_server);
        let frame = CloseFrame { code: code as u16, reason: wire::close_reason(&reason).into() };
        let _ = timeout(CLOSE_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
    } else {
        tracing::info!(conn = id, "device disconnected");
    }
}

/// Waits for the `hello` and answers `welcome`; returns the knobs in force.
async fn hello(socket: &mut WebSocket, shared: &Shared, query: &Knobs) -> Result<Knobs, End> {
    let limits = &shared.config.limits;
    let first = match timeout(limits.hello_timeout, socket.recv()).await {
        Err(_) => {
            let why = format!("no hello within {} ms", limits.hello_timeout.as_millis());
            return Err(End::Close(CloseCode::Timeout, why));
        }
        Ok(None) => return Err(End::Peer),
        Ok(Some(Err(e))) => return Err(transport_error(e)),
        Ok(Some(Ok(m))) => m,
    };
    let knobs = match decode(&first) {
        Some(Ok(Inbound::Control(DeviceFrame::Hello { knobs, .. }))) => shared.config.knobs.overlay(query).overlay(&knobs),
        Some(Ok(_)) => return Err(End::Close(CloseCode::Protocol, "unexpected frame: the first frame must be hello".into())),
        Some(Err(e)) => return Err(End::Close(e.close_code(), e.to_string())),
        None => return Err(End::Peer),
    };
    if let Some(ms) = knobs.refuse_for_ms {
        shared.refuse_for(Duration::from_millis(ms));
    }
    let welcome = ServerFrame::Welcome { version: wire::VERSION, rwnd: knobs.rwnd_or_default(), knobs: knobs.clone() };
    send(socket, shared, welcome).await?;
    Ok(knobs)
}

async fn serve(socket: &mut WebSocket, shared: &Shared, id: u64, knobs: Knobs) -> End {
    let limits = shared.config.limits.clone();
    let start = Instant::now();
    let now_us = || start.elapsed().as_micros() as u64;
    let mut rx = Receiver::new(knobs);
    let mut last_heard = Instant::now();
    loop {
        // Frames of one batch (an ACK and a delivery notice, say) leave in one write.
        let mut unflushed = false;
        while let Some(out) = rx.poll_output() {
            match out {
                Output::Send(f) => {
                    if let Err(end) = io(shared, socket.feed(Message::Text(f.to_text().into()))).await {
                        return end;
                    }
                    unflushed = true;
                }
                Output::Delivered(m) => {
                    tracing::info!(conn = id, msg = m.id, name = %m.name, bytes = m.len, "agent read message");
                }
                Output::Close(code, reason) => return End::Close(code, reason),
            }
        }
        if unflushed {
            if let Err(end) = io(shared, socket.flush()).await {
                return end;
            }
        }
        let wake = rx.poll_timeout().map(|us| start + Duration::from_micros(us));
        let idle_deadline = last_heard + limits.idle_timeout;
        tokio::select! {
            m = socket.recv() => {
                let m = match m {
                    None => return End::Peer,
                    Some(Err(e)) => return transport_error(e),
                    Some(Ok(m)) => m,
                };
                last_heard = Instant::now();
                match decode(&m) {
                    None => {
                        if matches!(m, Message::Close(_)) {
                            return End::Peer;
                        }
                    }
                    Some(Err(e)) => return End::Close(e.close_code(), e.to_string()),
                    Some(Ok(Inbound::Data { bytes })) => {
                        tracing::debug!(conn = id, bytes, "segment");
                        rx.handle_data(now_us(), bytes as u64);
                    }
                    Some(Ok(Inbound::Control(DeviceFrame::Msg { id: msg, name, len }))) => {
                        tracing::debug!(conn = id, msg, %name, len, "message announced");
                        rx.handle_msg(now_us(), msg, name, len);
                    }
                    Some(Ok(Inbound::Control(DeviceFrame::Hello { .. }))) => {
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

/// `None` for pings, pongs and close frames (the WebSocket layer answers pings itself).
fn decode(m: &Message) -> Option<Result<Inbound, WireError>> {
    match m {
        Message::Text(t) => Some(wire::decode_inbound(Raw::Text(t.as_str()))),
        Message::Binary(b) => Some(wire::decode_inbound(Raw::Binary(b))),
        _ => None,
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

/// The WebSocket layer refuses frames over its cap before reading them; say why.
fn transport_error(e: axum::Error) -> End {
    use tokio_tungstenite::tungstenite::error::{CapacityError, Error};
    match e.into_inner().downcast::<Error>() {
        Ok(boxed) => match *boxed {
            Error::Capacity(CapacityError::MessageTooLong { size, max_size }) => End::Close(
                CloseCode::TooBig,
                WireError::TooLarge { kind: "websocket", len: size, limit: max_size }.to_string(),
            ),
            Error::Protocol(p) => End::Close(CloseCode::Protocol, format!("websocket protocol error: {p}")),
            _ => End::Peer,
        },
        Err(_) => End::Peer,
    }
}
