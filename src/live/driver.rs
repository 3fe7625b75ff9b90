//! The browser's live driver: `impnet_core::live::LiveDevice` on a `web_sys::WebSocket`, with
//! `performance.now()` as the clock and `setTimeout` (gloo-timers) for deadlines. It runs what
//! the scenario holds, its device code (§14) or its step lists (`LiveDevice::of_scenario`);
//! agent code (§15) does not run live (`impnet serve`'s agent reads bytes only).
//!
//! Everything the model decides is in `LiveDevice`; this file only moves frames and time, and
//! samples the socket's `bufferedAmount` after each send so the trace shows the browser's own
//! backlog beside the model's buffer.
//!
//! Ownership: one `Rc<RefCell<Inner>>` per run; the socket's event closures hold a `Weak` to it
//! so a stopped run is freed. WebSocket events are queued tasks, never re-entrant, so a borrow
//! is never held across one.

use gloo_timers::callback::Timeout;
use impnet_core::code::CodeError;
use impnet_core::live::{Io, LiveDevice, LiveOptions, LiveTrace};
use impnet_core::Scenario;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

/// What the panel shows while a run goes on.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progress {
    pub virtual_ms: f64,
    pub buffered_amount: u64,
}

/// setTimeout's practical floor in browsers (nested timers clamp to 4 ms): deadlines closer
/// than this run at once, letting virtual time lead real time by less than that.
const TIMER_FLOOR_US: u64 = 4000;
/// Progress callbacks at most this often (each one re-renders the panel).
const PROGRESS_EVERY_MS: f64 = 100.0;
/// Turns of the pump before it yields to the browser with a zero timeout.
const MAX_TURNS_PER_PUMP: usize = 10_000;

struct Socket {
    id: u64,
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        let _ = self.ws.close();
    }
}

struct Inner {
    live: Option<LiveDevice>,
    socket: Option<Socket>,
    timer: Option<Timeout>,
    t0_ms: f64,
    url: String,
    last_progress_ms: f64,
    on_progress: Box<dyn Fn(Progress)>,
    on_done: Option<Box<dyn FnOnce(LiveTrace)>>,
}

/// A live run in progress. Dropping it stops the run without a trace; `stop` ends it early
/// and delivers the trace so far.
pub struct LiveRun {
    inner: Rc<RefCell<Inner>>,
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

impl Inner {
    fn real(&self) -> u64 {
        ((now_ms() - self.t0_ms) * 1000.0).max(0.0) as u64
    }
}

/// `ws://<this page's host>/ws`: the playground is served by `impnet serve`, which also
/// answers on /ws.
pub fn default_ws_url() -> String {
    let host = web_sys::window().and_then(|w| w.location().host().ok()).unwrap_or_default();
    if host.is_empty() {
        "ws://127.0.0.1:8080/ws".into()
    } else {
        format!("ws://{host}/ws")
    }
}

impl LiveRun {
    /// Starts `scenario` live against `url`: its device code, else its step lists. `on_done`
    /// gets the trace once the scenario ends (or `stop` is called). The live device keeps what
    /// it needs of the scenario. A program that does not compile starts nothing.
    pub fn start(
        scenario: &Scenario,
        url: String,
        opts: LiveOptions,
        on_progress: impl Fn(Progress) + 'static,
        on_done: impl FnOnce(LiveTrace) + 'static,
    ) -> Result<LiveRun, CodeError> {
        let inner = Rc::new(RefCell::new(Inner {
            live: Some(LiveDevice::of_scenario(scenario, opts)?),
            socket: None,
            timer: None,
            t0_ms: now_ms(),
            url,
            last_progress_ms: f64::NEG_INFINITY,
            on_progress: Box::new(on_progress),
            on_done: Some(Box::new(on_done)),
        }));
        pump(&inner);
        Ok(LiveRun { inner })
    }

    /// Ends the run now and delivers the trace recorded so far.
    pub fn stop(self) {
        finish(&self.inner);
    }
}

impl Drop for LiveRun {
    fn drop(&mut self) {
        let mut i = self.inner.borrow_mut();
        i.timer = None;
        i.socket = None;
        i.live = None;
    }
}

/// Drains the device's outputs, carries them out, and arms the timer for its next deadline.
fn pump(inner: &Rc<RefCell<Inner>>) {
    for _ in 0..MAX_TURNS_PER_PUMP {
        let io = {
            let mut i = inner.borrow_mut();
            match i.live.as_mut() {
                Some(l) => l.poll_io(),
                None => return,
            }
        };
        match io {
            Some(io) => carry_out(inner, io),
            None => {
                let mut i = inner.borrow_mut();
                let real = i.real();
                let live = i.live.as_mut().expect("checked above");
                if live.is_done() {
                    drop(i);
                    return finish(inner);
                }
                match live.poll_timeout() {
                    Some(at) if at < real + TIMER_FLOOR_US => live.handle_timeout(at.max(real)),
                    Some(at) => {
                        let delay_ms = ((at - real) / 1000).min(u32::MAX as u64) as u32;
                        arm(inner, &mut i, delay_ms);
                        report(&mut i);
                        return;
                    }
                    None => {
                        drop(i);
                        return finish(inner);
                    }
                }
            }
        }
    }
    // Many turns in a row: let the browser breathe, then go on.
    let mut i = inner.borrow_mut();
    arm(inner, &mut i, 0);
}

fn arm(inner: &Rc<RefCell<Inner>>, i: &mut Inner, delay_ms: u32) {
    let weak = Rc::downgrade(inner);
    i.timer = Some(Timeout::new(delay_ms, move || {
        if let Some(inner) = weak.upgrade() {
            {
                let mut i = inner.borrow_mut();
                let real = i.real();
                if let Some(l) = i.live.as_mut() {
                    l.handle_timeout(real);
                }
            }
            pump(&inner);
        }
    }));
}

fn report(i: &mut Inner) {
    let now = now_ms();
    if now - i.last_progress_ms < PROGRESS_EVERY_MS {
        return;
    }
    i.last_progress_ms = now;
    let buffered = i.socket.as_ref().map(|s| s.ws.buffered_amount() as u64).unwrap_or(0);
    if let Some(l) = i.live.as_ref() {
        let p = Progress { virtual_ms: l.virtual_now().micros as f64 / 1000.0, buffered_amount: buffered };
        (i.on_progress)(p);
    }
}

fn carry_out(inner: &Rc<RefCell<Inner>>, io: Io) {
    match io {
        Io::Open { socket } => open(inner, socket),
        Io::Close { socket } => {
            let mut i = inner.borrow_mut();
            if i.socket.as_ref().is_some_and(|s| s.id == socket) {
                i.socket = None;
            }
        }
        Io::Text { socket, text } => send(inner, socket, |ws| ws.send_with_str(&text)),
        Io::Data { socket, len } => send(inner, socket, |ws| ws.send_with_u8_array(&vec![0u8; len as usize])),
    }
}

fn send(inner: &Rc<RefCell<Inner>>, socket: u64, f: impl FnOnce(&WebSocket) -> Result<(), wasm_bindgen::JsValue>) {
    let mut i = inner.borrow_mut();
    let real = i.real();
    let Some(s) = i.socket.as_ref().filter(|s| s.id == socket) else { return };
    let ok = f(&s.ws).is_ok();
    let buffered = s.ws.buffered_amount() as u64;
    let Some(live) = i.live.as_mut() else { return };
    if ok {
        live.record_socket(real, buffered);
    } else {
        i.socket = None;
        if let Some(live) = i.live.as_mut() {
            live.handle_closed(real, socket);
        }
    }
}

fn open(inner: &Rc<RefCell<Inner>>, id: u64) {
    let url = inner.borrow().url.clone();
    let ws = match WebSocket::new(&url) {
        Ok(ws) => ws,
        Err(_) => {
            // A malformed URL: the attempt fails like a refused connection.
            let mut i = inner.borrow_mut();
            let real = i.real();
            if let Some(l) = i.live.as_mut() {
                l.handle_closed(real, id);
            }
            return;
        }
    };
    ws.set_binary_type(BinaryType::Arraybuffer);
    let weak = Rc::downgrade(inner);
    let on = move |f: &dyn Fn(&mut LiveDevice, u64)| {
        if let Some(inner) = weak.upgrade() {
            {
                let mut i = inner.borrow_mut();
                let real = i.real();
                if let Some(l) = i.live.as_mut() {
                    f(l, real);
                }
            }
            pump(&inner);
        }
    };
    let on = Rc::new(on);
    let o = on.clone();
    let on_open = Closure::<dyn FnMut(Event)>::new(move |_| o(&|l, real| l.handle_opened(real, id)));
    let o = on.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        if let Some(text) = e.data().as_string() {
            o(&|l, real| l.handle_text(real, id, &text));
        }
    });
    let o = on.clone();
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_| o(&|l, real| l.handle_closed(real, id)));
    let o = on;
    let on_error = Closure::<dyn FnMut(Event)>::new(move |_| o(&|l, real| l.handle_closed(real, id)));
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    inner.borrow_mut().socket =
        Some(Socket { id, ws, _on_open: on_open, _on_message: on_message, _on_close: on_close, _on_error: on_error });
}

fn finish(inner: &Rc<RefCell<Inner>>) {
    let (live, done, real) = {
        let mut i = inner.borrow_mut();
        i.timer = None;
        i.socket = None;
        let real = i.real();
        (i.live.take(), i.on_done.take(), real)
    };
    if let (Some(live), Some(done)) = (live, done) {
        done(live.finish(real));
    }
}

/// The same run as a future: resolves with the trace when the scenario ends.
pub async fn run_live(scenario: &Scenario, url: String, opts: LiveOptions) -> Result<LiveTrace, CodeError> {
    let slot: Rc<RefCell<Option<LiveTrace>>> = Rc::new(RefCell::new(None));
    let resolve_slot: Rc<RefCell<Option<js_sys::Function>>> = Rc::new(RefCell::new(None));
    let r = resolve_slot.clone();
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        *r.borrow_mut() = Some(resolve);
    });
    let s = slot.clone();
    let run = LiveRun::start(scenario, url, opts, |_| {}, move |t| {
        *s.borrow_mut() = Some(t);
        if let Some(f) = resolve_slot.borrow_mut().take() {
            let _ = f.call0(&wasm_bindgen::JsValue::NULL);
        }
    })?;
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    drop(run);
    let t = slot.borrow_mut().take();
    Ok(t.unwrap_or_default())
}
