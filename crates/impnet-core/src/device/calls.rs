//! The API calls other than the send path: buffer size (B1–B4), policy (C6), connection
//! calls (C1–C3), sleeps, and UDP (U1–U7).

use super::{Device, UdpEvent, Wait};
use crate::rules::Rule;
use crate::budget::Stop;
use crate::policy::{ReconnectPolicy, SendError, SendTimeoutPolicy};
use crate::program::Call;
use crate::scenario::Arg;
use crate::time::{Duration, Instant};
use crate::trace::{ConnState, Outcome, Ret};
use crate::udp::{Datagram, UdpError, UdpOutcome};
use std::sync::Arc;

const NULL: Outcome = Outcome::Returned(Ret::Null);

impl Device {
    /// Executes the current call.
    pub(super) fn call(&mut self, now: Instant) {
        // Matched in place (no clone: this is the model's hottest path); arms copy what they
        // need before they touch the device.
        match &self.cur.as_ref().expect("a call is in progress").call {
            Call::AgentSend { name, bytes, .. } => {
                let (name_len, bytes) = (name.len(), *bytes);
                self.send(now, name_len, bytes)
            }
            &Call::ServerLog { bytes, .. } | &Call::ServerError { bytes, .. } => self.send(now, 0, bytes),
            Call::SetSendBufferSize { size } => {
                let size = size.clone();
                self.set_send_buffer_size(now, &size)
            }
            Call::SetSendTimeoutPolicy { reconnect, wait, timeout } => match SendTimeoutPolicy::from_args(reconnect, wait, timeout) {
                Ok(p) => {
                    self.policy = p;
                    self.policy_changed();
                    self.ret(now, NULL, Rule::C6, None, || format!("policy is now {p}"));
                }
                Err(e) => self.ret(now, Outcome::Error(format!("server.setsendtimeoutpolicy: {e}")), Rule::C6, None, || {
                    "runtime error: the policy is unchanged and the script goes on (C6)".into()
                }),
            },
            &Call::ServerConnect { timeout, callback } => {
                if callback.is_some() {
                    // C1: the latest server.connect's callback is the one that runs.
                    self.on_connect = callback;
                }
                self.connect(now, Duration::from_secs_f64(timeout))
            }
            Call::ServerDisconnect => {
                self.user_disconnect(now);
                self.ret(now, NULL, Rule::C2, None, || "closed; unACKed bytes are lost (C2)".into());
            }
            &Call::ServerFlush { timeout } => self.flush(now, Duration::from_secs_f64(timeout)),
            Call::ServerIsConnected => {
                let c = self.conn == ConnState::Online;
                let state = self.conn.as_str();
                self.ret(now, Outcome::Returned(Ret::Bool(c)), Rule::C3, None, || {
                    format!("{state}: {}", if c { "connected as far as the device knows (C3)" } else { "not connected (C3)" })
                });
            }
            &Call::ImpSleep { seconds } => {
                let d = Duration::from_secs_f64(seconds);
                self.set_wait(Wait::Sleep { until: now + d });
                if d == Duration::ZERO {
                    self.send_timers(now);
                }
            }
            &Call::ImpWakeup { seconds, callback } => {
                let d = Duration::from_secs_f64(seconds);
                match callback {
                    Some(cb) => {
                        self.schedule_wakeup(now, d, cb);
                        self.ret(now, NULL, Rule::Calls, None, || format!("the callback runs in {d} ms, when Squirrel is idle"));
                    }
                    None => self.ret(now, NULL, Rule::Calls, None, || format!("Squirrel idles for {d} ms; handlers may run meanwhile")),
                }
            }
            &Call::OnUnexpectedDisconnect { callback } => {
                self.on_unexpected_disconnect = callback;
                self.ret_silent(now, NULL);
            }
            &Call::OnIdle { callback } => {
                self.schedule_onidle(now, callback);
                self.ret_silent(now, NULL);
            }
            &Call::CancelWakeup { callback } => {
                if self.cancel_wakeup(now, callback) {
                    self.ret_silent(now, NULL);
                }
            }
            &Call::DeepSleep { seconds } => self.deep_sleep(now, Duration::from_secs_f64(seconds)),
            Call::OpenUdp { port } => {
                let port = port.clone();
                let r = self.udp.open(self.wifi_up, port.as_ref());
                self.udp_ret(now, r.map(|()| (NULL, None)), Rule::U3, || "socket open; any previous one is closed".into());
            }
            Call::UdpClose => {
                let r = self.udp.close();
                self.udp_ret(now, r.map(|()| (NULL, None)), Rule::U3, || "socket closed (closing twice is harmless)".into());
            }
            Call::UdpSend { address, port, bytes, data } => {
                let (address, port, bytes, data) = (address.clone(), port.clone(), *bytes, data.clone());
                self.udp_send(now, &address, &port, bytes, data)
            }
        }
    }

    /// B1–B4: `imp.setsendbuffersize(n)` returns the previous capacity.
    fn set_send_buffer_size(&mut self, now: Instant, size: &Arg) {
        let n = match size {
            Arg::Int(n) if *n >= 0 => *n as u64,
            other => {
                let e = format!("imp.setsendbuffersize: size must be a non-negative integer, got {}", crate::policy::describe(other));
                return self.ret(now, Outcome::Error(e), Rule::B4, None, || "runtime error: capacity unchanged (B4)".into());
            }
        };
        let prev = self.buf.capacity();
        let (def, max) = (self.cfg.buffer_default as u64, self.cfg.buffer_max as u64);
        let (cap, rule) = if self.conn == ConnState::Online {
            (n.min(max).max(prev as u64), Rule::B1)
        } else {
            (n.clamp(def, max), Rule::B2)
        };
        self.buf.set_capacity(cap as u32);
        self.after_buffer_change(now);
        self.ret(now, Outcome::Returned(Ret::Int(prev as i64)), rule, None, || {
            if rule == Rule::B1 {
                format!("connected: capacity {prev} → {cap} (only grows, up to {max}; granted as asked, B3)")
            } else {
                format!("not connected: capacity {prev} → {cap} (clamped to {def}–{max}, B3)")
            }
        });
    }

    /// C1: synchronous under SUSPEND_ON_ERROR (S7), asynchronous under the RETURN policies.
    fn connect(&mut self, now: Instant, timeout: Duration) {
        if self.conn == ConnState::Online {
            return self.ret(now, NULL, Rule::C1, None, || "already connected: no callback (C1)".into());
        }
        if self.policy.reconnect == ReconnectPolicy::SuspendOnError {
            return self.enter_s7(now, crate::policy::Reason::NotConnected);
        }
        self.user_connect(now, timeout);
        self.ret(now, NULL, Rule::C1, None, || {
            format!("connecting in the background; on_connect runs on success or after {timeout} ms (C1)")
        });
    }

    fn udp_send(&mut self, now: Instant, address: &Arg, port: &Arg, bytes: u64, data: Option<Arc<[u8]>>) {
        let r = self.udp.send(now, self.wifi_up, address, port, bytes, &mut self.budget);
        match r {
            Ok(UdpOutcome::OutOfBudget(exhausted)) => self.halt(now, Stop::Budget { at: now, exhausted }),
            Err(e) => self.ret(now, Outcome::Error(e.to_string()), e.rule(), None, || {
                "thrown: nothing sent, the script goes on (§13)".into()
            }),
            Ok(UdpOutcome::NotConnected) => self.ret(now, Outcome::Returned(Ret::Int(SendError::NotConnected.code())), Rule::U6, None, || {
                "the WiFi interface is down: SEND_ERROR_NOT_CONNECTED (U6)".into()
            }),
            Ok(UdpOutcome::WouldBlock) => self.ret(now, Outcome::Returned(Ret::Int(SendError::WouldBlock.code())), Rule::U5, None, || {
                "no token in the rate-limit bucket: SEND_ERROR_WOULDBLOCK, not sent (U5)".into()
            }),
            Ok(UdpOutcome::Sent { packets, delivered }) => {
                let id = self.new_id();
                self.stats.udp_sent += 1;
                self.udp_events.push_back(UdpEvent { msg: id, packets, delivered });
                if delivered {
                    self.udp.emit(id, address, port, bytes, data);
                }
                let tokens = self.udp.bucket.tokens_at(now);
                self.ret(now, Outcome::Returned(Ret::Int(0)), Rule::U7, Some(id), || {
                    format!("{bytes} bytes as {packets} packet(s); {tokens} token(s) left (U5, U7)")
                });
            }
        }
    }

    fn udp_ret(&mut self, now: Instant, r: Result<(Outcome, Option<u64>), UdpError>, rule: Rule, ok: impl FnOnce() -> String) {
        match r {
            Ok((o, msg)) => self.ret(now, o, rule, msg, ok),
            Err(e) => self.ret(now, Outcome::Error(e.to_string()), e.rule(), None, || "thrown; the script goes on (§13)".into()),
        }
    }
}

impl Device {
    /// Live mode: from now on, every datagram the model sends and delivers (U1–U7 passed, U7's
    /// loss drawn) waits in [`Device::poll_datagram`] for a real socket.
    pub fn capture_datagrams(&mut self) {
        self.udp.capture();
    }

    /// The next datagram for a real socket (only after [`Device::capture_datagrams`]).
    pub fn poll_datagram(&mut self) -> Option<Datagram> {
        self.udp.poll_datagram()
    }
}
