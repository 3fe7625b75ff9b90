//! Accepting connections: HTTP/1.1 with a header timeout, static files from `--dist`, and the
//! `/ws` upgrade, each under a connection cap.

use super::{bump, conn, Shared};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use impnet_core::wire::Knobs;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower_http::services::ServeDir;

/// Longest life of a plain HTTP connection (a slow reader of a static file, an idle
/// keep-alive). An upgraded WebSocket leaves this limit and is governed by its own timeouts.
const HTTP_CONN_LIFETIME: Duration = Duration::from_secs(60);

/// Per-connection WebSocket buffers: small, because there may be 10 000 of them. Writes
/// gather up to WS_WRITE_BUFFER until the connection task flushes its batch.
const WS_READ_BUFFER: usize = 4096;
const WS_WRITE_BUFFER: usize = 4096;
const WS_MAX_WRITE_BUFFER: usize = 64 * 1024;

pub fn router(shared: Arc<Shared>) -> Router {
    // ServeDir resolves paths component by component and refuses `..`, so nothing outside
    // --dist is reachable (tested in serve_robustness).
    let files = ServeDir::new(&shared.config.dist).append_index_html_on_directories(true);
    Router::new().route("/ws", get(ws_upgrade)).fallback_service(files).with_state(shared)
}

pub async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(shared.config.limits.max_connections));
    let app = router(shared.clone());
    let header_timeout = shared.config.limits.header_timeout;
    loop {
        let stream = tokio::select! {
            _ = stopped.changed() => break,
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    // Out of descriptors or similar: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            bump(&shared.stats.turned_away);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let svc = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let mut b = hyper::server::conn::http1::Builder::new();
            b.timer(TokioTimer::new()).header_read_timeout(header_timeout);
            let conn = b.serve_connection(TokioIo::new(stream), svc).with_upgrades();
            let _ = tokio::time::timeout(HTTP_CONN_LIFETIME, conn).await;
            drop(permit);
        });
    }
}

async fn ws_upgrade(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<Knobs>, QueryRejection>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let ws = match ws {
        Ok(ws) => ws,
        Err(r) => return r.into_response(),
    };
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
        .on_upgrade(move |socket| conn::run(socket, shared, knobs, permit))
}
