//! Accepting connections: HTTP/1.1 with a header timeout, static files from `--dist` with
//! security and cache headers, and the `/ws` upgrade, each under a connection cap.

use super::{bump, conn, headers, AddressSlot, Shared};
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use impnet_core::wire::Knobs;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// Longest life of a plain HTTP connection (a slow reader of a static file, an idle
/// keep-alive). An upgraded WebSocket leaves this limit and is governed by its own timeouts.
const HTTP_CONN_LIFETIME: Duration = Duration::from_secs(60);

/// Per-connection WebSocket buffers: small, because there may be 10 000 of them. Writes
/// gather up to WS_WRITE_BUFFER until the connection task flushes its batch.
const WS_READ_BUFFER: usize = 4096;
const WS_WRITE_BUFFER: usize = 4096;
const WS_MAX_WRITE_BUFFER: usize = 64 * 1024;

/// Sockets being told 503 at once (they hold descriptors from `FD_RESERVE`); past this a
/// connection over the cap is closed without a word.
const MAX_REFUSING: usize = 64;
const REFUSE_WRITE_TIMEOUT: Duration = Duration::from_millis(500);

/// Longest file-name component and path a static request may name: longer cannot exist in
/// --dist, and the filesystem would answer with an error, not "not found".
const MAX_SEGMENT: usize = 255;
const MAX_PATH: usize = 1024;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().route("/ws", get(ws_upgrade)).fallback(static_file).with_state(shared)
}

pub async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    let app = router(shared.clone());
    let header_timeout = shared.config.limits.header_timeout;
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let mut last_accept_warning: Option<tokio::time::Instant> = None;
    loop {
        let (stream, peer) = tokio::select! {
            _ = stopped.changed() => break,
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(e) => {
                    // Out of descriptors or similar: back off instead of spinning, and say so
                    // once a minute, not at every retry.
                    if last_accept_warning.is_none_or(|t| t.elapsed() > Duration::from_secs(60)) {
                        tracing::warn!(error = %e, "accept failed");
                        last_accept_warning = Some(tokio::time::Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = shared.http_slots.clone().try_acquire_owned() else {
            bump(&shared.stats.turned_away);
            refuse(stream, &refusing, "too many connections");
            continue;
        };
        let Some(slot) = shared.address_slot(peer.ip()) else {
            bump(&shared.stats.turned_away);
            refuse(stream, &refusing, "too many connections from your address");
            continue;
        };
        let _ = stream.set_nodelay(true);
        // Each request carries the address slot, so an upgraded WebSocket keeps it counted.
        let slot = Arc::new(slot);
        let app = app.clone();
        let svc = TowerToHyperService::new(tower::service_fn(move |mut req: Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(slot.clone());
            app.clone().oneshot(req.map(Body::new))
        }));
        tokio::spawn(async move {
            let mut b = hyper::server::conn::http1::Builder::new();
            b.timer(TokioTimer::new()).header_read_timeout(header_timeout);
            let conn = b.serve_connection(TokioIo::new(stream), svc).with_upgrades();
            let _ = tokio::time::timeout(HTTP_CONN_LIFETIME, conn).await;
            drop(permit);
        });
    }
}

/// Answers 503 without reading the request, if a refusing slot is free (issue 13 item 7: a
/// client at the cap gets an answer, not a hang).
fn refuse(mut stream: TcpStream, refusing: &Arc<Semaphore>, why: &'static str) {
    let Ok(permit) = refusing.clone().try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let reply = format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{why}",
            why.len()
        );
        let answer = async {
            stream.write_all(reply.as_bytes()).await?;
            stream.shutdown().await?;
            // Read what the client sent before closing: closing on unread bytes would reset
            // the connection, and the client might lose the answer.
            let mut sink = [0u8; 4096];
            let mut left = 64 * 1024;
            while left > 0 {
                match stream.read(&mut sink).await? {
                    0 => break,
                    n => left -= n.min(left),
                }
            }
            std::io::Result::Ok(())
        };
        let _ = tokio::time::timeout(REFUSE_WRITE_TIMEOUT, answer).await;
        drop(permit);
    });
}

/// A file from --dist, with the security and cache headers; 4xx for targets no file can
/// match (issue 13 item 9), which the filesystem would otherwise turn into a 500.
async fn static_file(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let path = req.uri().path();
    if !path.starts_with('/') {
        // Authority-form (`CONNECT host:port`, `GET host:port`): this is no proxy.
        return with_headers(&shared, "", None, (StatusCode::BAD_REQUEST, "not a path: this server is no proxy").into_response());
    }
    if path.len() > MAX_PATH {
        return with_headers(&shared, "", None, (StatusCode::URI_TOO_LONG, "path too long").into_response());
    }
    if path.split('/').any(|seg| seg.len() > MAX_SEGMENT) {
        return with_headers(&shared, "", None, (StatusCode::NOT_FOUND, "no such file").into_response());
    }
    let path = path.to_string();
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_string);
    let files = ServeDir::new(&shared.config.dist).append_index_html_on_directories(true);
    // ServeDir resolves paths component by component and refuses `..`, so nothing outside
    // --dist is reachable (tested in serve_robustness).
    let res = match files.oneshot(req).await {
        Ok(r) => r.map(Body::new),
        Err(never) => match never {},
    };
    with_headers(&shared, &path, host.as_deref(), res)
}

fn with_headers(shared: &Shared, path: &str, host: Option<&str>, mut res: Response) -> Response {
    let html = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    headers::secure(res.headers_mut(), shared, html, host);
    if res.status().is_success() {
        headers::cache(res.headers_mut(), path);
    }
    res
}

/// Whether a page of `origin` may open a live session here: its own pages (Origin equal to
/// `http://` + Host), clients that send no Origin (native ones: `impnet device`, the load
/// tool), and `--allow-origin` (issue 13 item 4: any web page a user visits could otherwise
/// drive their server).
fn origin_allowed(shared: &Shared, headers: &HeaderMap) -> Result<(), String> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("").to_ascii_lowercase();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let allowed = &shared.config.allowed_origins;
    if (!host.is_empty() && origin == format!("http://{host}")) || allowed.iter().any(|a| a == "*" || *a == origin) {
        return Ok(());
    }
    Err(format!("origin {} may not open /ws here (impnet serve --allow-origin ORIGIN allows it)", crate::text::printable(&origin)))
}

async fn ws_upgrade(
    State(shared): State<Arc<Shared>>,
    Extension(slot): Extension<Arc<AddressSlot>>,
    headers: HeaderMap,
    query: Result<Query<Knobs>, QueryRejection>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let res = upgrade(shared.clone(), slot, &headers, query, ws);
    with_headers(&shared, "/ws", None, res)
}

fn upgrade(
    shared: Arc<Shared>,
    slot: Arc<AddressSlot>,
    headers: &HeaderMap,
    query: Result<Query<Knobs>, QueryRejection>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let ws = match ws {
        Ok(ws) => ws,
        Err(r) => return r.into_response(),
    };
    if let Err(why) = origin_allowed(&shared, headers) {
        bump(&shared.stats.refused);
        return (StatusCode::FORBIDDEN, why).into_response();
    }
    if let Some(left) = shared.refusing() {
        bump(&shared.stats.refused);
        let why = format!("refusing connections for another {} ms (fault knob refuse_for_ms)", left.as_millis());
        return (StatusCode::SERVICE_UNAVAILABLE, why).into_response();
    }
    let knobs = match query {
        Ok(Query(k)) => k,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("/ws query string: {}", e.body_text())).into_response(),
    };
    if let Err(e) = knobs.validate() {
        return (StatusCode::BAD_REQUEST, format!("/ws query string: {e}")).into_response();
    }
    if knobs.refuse_for_ms.is_some() && !shared.config.allow_refuse_knob {
        let why = "/ws query string: knob refuse_for_ms affects every client: the server must run with --allow-refuse-knob";
        return (StatusCode::FORBIDDEN, why).into_response();
    }
    let Ok(permit) = shared.ws_slots.clone().try_acquire_owned() else {
        bump(&shared.stats.turned_away);
        return (StatusCode::SERVICE_UNAVAILABLE, "too many connections").into_response();
    };
    let max = shared.config.limits.ws_max_frame;
    ws.read_buffer_size(WS_READ_BUFFER)
        .write_buffer_size(WS_WRITE_BUFFER)
        .max_write_buffer_size(WS_MAX_WRITE_BUFFER)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| async move {
            conn::run(socket, shared, knobs, permit).await;
            drop(slot);
        })
}
