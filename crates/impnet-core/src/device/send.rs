//! The send path (SPEC §7, S1–S9) shared by `agent.send`, `server.log` and `server.error`, and
//! `server.flush` (C4).

use super::{Device, Wait};
use crate::rules::Rule;
use crate::policy::{Reason, ReconnectPolicy, SendError, WaitPolicy};
use crate::time::{Duration, Instant};
use crate::trace::{ConnState, EventKind, Outcome, Ret};

fn code(e: SendError) -> Outcome {
    Outcome::Returned(Ret::Int(e.code()))
}

const OK: Outcome = Outcome::Returned(Ret::Int(0));

impl Device {
    /// A send-method call of `payload` bytes with a name of `name_len` bytes.
    pub(super) fn send(&mut self, now: Instant, name_len: usize, payload: u64) {
        let (start, flag) = self.cur.as_ref().map(|c| (c.start, c.flag)).expect("in a call");
        if self.stats.first_send.is_none() {
            self.stats.first_send = Some(start);
        }
        let wire = self.cfg.wire_size(name_len, payload);
        let payload = payload.min(u32::MAX as u64) as u32;
        let p = self.policy;
        // S9 counts the timeout from the call; after an S7 reconnection it is fresh (§13).
        let deadline = match flag {
            super::tasks::Flag::S9 => start + p.timeout,
            _ => now + p.timeout,
        };
        match self.conn {
            ConnState::Online => self.send_online(now, wire, payload, deadline),
            ConnState::Recovering if p.reconnect.returns_errors() => {
                if deadline <= now {
                    self.ret(now, code(SendError::Timeout), Rule::S9, None, || {
                        "RECOVERING with timeout 0: nothing to wait for, SEND_ERROR_TIMEOUT (S9, S5)".into()
                    });
                } else {
                    self.set_wait(Wait::Recovering { deadline });
                }
            }
            _ if p.reconnect == ReconnectPolicy::SuspendOnError => self.enter_s7(now, Reason::NotConnected),
            state => {
                let pol = p.reconnect.as_str();
                self.ret(now, code(SendError::NotConnected), Rule::S8, None, || {
                    format!("{pol} while {}: SEND_ERROR_NOT_CONNECTED at once, data dropped (S8)", state.as_str())
                });
            }
        }
    }

    fn send_online(&mut self, now: Instant, wire: u32, payload: u32, deadline: Instant) {
        let p = self.policy;
        let free = self.buf.free();
        let cap = self.buf.capacity();
        if p.reconnect == ReconnectPolicy::ReturnOnErrorNoDisconnect && wire > free {
            self.ret(now, code(SendError::WouldBlock), Rule::S2, None, || {
                format!("RETURN_ON_ERROR_NO_DISCONNECT: {wire} bytes do not fit in {free} free of {cap}")
            });
            return;
        }
        if p.timeout == Duration::ZERO {
            // S5: all or nothing, no waiting.
            if wire > free {
                return self.fail_timeout(now, None, Rule::S5, format_args_why(move || {
                    format!("timeout 0: {wire} bytes do not fit in {free} free of {cap}, no waiting (S5)")
                }));
            }
            if p.wait == WaitPolicy::WaitForAck {
                // §13 "Messages": a message that fits is written first, so the immediate 2
                // comes after it exists; under NO_DISCONNECT it stays, is sent and ACKed later,
                // under the other policies it is lost with the drop.
                let id = self.open_message(wire, payload);
                self.buf.write(wire);
                self.update_window_probe(now);
                return self.fail_timeout(now, Some(id), Rule::S5, format_args_why(move || {
                    format!("timeout 0 with WAIT_FOR_ACK: the {wire}-byte message {id} is written but cannot be ACKed at once (S5)")
                }));
            }
        }
        self.set_wait(Wait::Send { msg: None, wire, payload, deadline, acking: false });
        self.progress_blocked(now);
    }

    /// A new message of the current send call enters the buffer: its id (§13 "Messages").
    /// Code's `agent.send` values are handed on to the agent (§15).
    fn open_message(&mut self, wire: u32, payload: u32) -> u64 {
        let id = self.new_id();
        self.buf.open_message(id, wire, payload);
        self.stats.sent_msgs += 1;
        self.uplinked(id);
        id
    }

    /// Space freed or an ACK arrived: a blocked send writes more, completes, or (S4) learns
    /// its message is ACKed; a blocked flush may complete.
    pub(super) fn progress_blocked(&mut self, now: Instant) {
        match self.wait {
            Wait::Send { msg, wire, payload, deadline, acking: false } => {
                let mut msg = msg;
                if msg.is_none() && self.buf.free() > 0 {
                    msg = Some(self.open_message(wire, payload));
                }
                let Some(id) = msg else { return };
                self.buf.write(wire);
                self.update_window_probe(now);
                let written = self.buf.last_message().is_some_and(|m| m.id == id && m.written == m.len);
                if !written {
                    self.set_wait(Wait::Send { msg, wire, payload, deadline, acking: false });
                    return;
                }
                let start = self.cur.as_ref().expect("blocked call").start;
                if self.policy.wait == WaitPolicy::WaitTilSent {
                    let (rule, cap) = (if now == start { Rule::S1 } else { Rule::S3 }, self.buf.capacity());
                    self.ret(now, OK, rule, msg, || {
                        if now == start {
                            format!("{wire} bytes fit in the buffer ({cap}): written, WAIT_TIL_SENT returns 0 (S1)")
                        } else {
                            format!("blocked until the last of {wire} bytes was written as ACKs freed space (S3)")
                        }
                    });
                    return;
                }
                self.set_wait(Wait::Send { msg, wire, payload, deadline, acking: true });
                self.progress_blocked(now);
            }
            Wait::Send { msg: Some(id), wire, acking: true, .. } => {
                let acked = self.buf.message(id).is_none_or(|m| m.acked == m.len);
                if acked {
                    self.ret(now, OK, Rule::S4, Some(id), || {
                        format!("WAIT_FOR_ACK: all {wire} bytes of message {id} ACKed by the server (S4)")
                    });
                }
            }
            Wait::Flush { .. } if self.buf.held() == 0 => {
                self.ret(now, Outcome::Returned(Ret::Bool(true)), Rule::C4, None, || {
                    "every byte written is ACKed: flush returns true (C4)".into()
                });
            }
            _ => {}
        }
    }

    /// S3/S4/S5 timed out: SEND_ERROR_TIMEOUT; the connection drops unless
    /// RETURN_ON_ERROR_NO_DISCONNECT; SUSPEND_ON_ERROR enters S7 instead of returning.
    fn fail_timeout(&mut self, now: Instant, msg: Option<u64>, rule: Rule, why: Why) {
        match self.policy.reconnect {
            ReconnectPolicy::ReturnOnErrorNoDisconnect => {
                self.ret(now, code(SendError::Timeout), rule, msg, || why.text() + "; NO_DISCONNECT keeps the connection");
            }
            ReconnectPolicy::ReturnOnError => {
                self.drop_connection(now, Reason::NotConnected, "send timeout: the device drops the connection (S3)");
                self.conn = ConnState::Offline;
                self.state_event(now, EventKind::Offline, Reason::NotConnected, rule, || {
                    "RETURN_ON_ERROR: offline until server.connect (S3)".into()
                });
                self.ret(now, code(SendError::Timeout), rule, msg, || why.text() + "; the connection drops");
                self.queue_handler(now, crate::trace::Handler::OnUnexpectedDisconnect, Reason::NotConnected);
            }
            ReconnectPolicy::SuspendOnError => {
                self.drop_connection(now, Reason::NotConnected, "send timeout under SUSPEND_ON_ERROR (S7)");
                self.enter_s7(now, Reason::NotConnected);
            }
        }
    }

    /// Deadlines of blocked calls.
    pub(super) fn send_timers(&mut self, now: Instant) {
        if !self.timers.due(super::timers::Timer::Wait, now) {
            return;
        }
        let timeout = self.policy.timeout;
        match self.wait {
            Wait::Send { msg, wire, acking, .. } => {
                let free = self.buf.free();
                let cap = self.buf.capacity();
                let rule = if acking { Rule::S4 } else { Rule::S3 };
                self.fail_timeout(now, msg, rule, format_args_why(move || {
                    if acking {
                        format!("WAIT_FOR_ACK: message not ACKed within {timeout} ms (S4)")
                    } else {
                        format!("{wire} bytes not all written within {timeout} ms ({free} free of {cap})")
                    }
                }));
            }
            Wait::Recovering { .. } => {
                self.ret(now, code(SendError::Timeout), Rule::S9, None, || {
                    format!("still RECOVERING after the {timeout} ms timeout: SEND_ERROR_TIMEOUT (S9)")
                });
            }
            Wait::Flush { .. } => {
                let held = self.buf.held();
                self.ret(now, Outcome::Returned(Ret::Bool(false)), Rule::C4, None, || {
                    format!("{held} bytes still unACKed at the flush timeout: false, connection kept (C4)")
                });
            }
            Wait::Sleep { .. } => {
                self.ret(now, Outcome::Returned(Ret::Null), Rule::Calls, None, || "imp.sleep: busy wait over".into());
            }
            Wait::None | Wait::Suspended => {}
        }
    }

    /// The link dropped while a call waited (RETURN policies, or a non-send under SUSPEND).
    pub(super) fn link_lost_while_waiting(&mut self, now: Instant) {
        match self.wait {
            Wait::Send { msg, .. } => {
                self.ret(now, code(SendError::Disconnected), Rule::S6, msg, || {
                    "the link dropped while the send was blocked: SEND_ERROR_DISCONNECTED (S6)".into()
                });
            }
            Wait::Flush { .. } => {
                self.ret(now, Outcome::Returned(Ret::Bool(false)), Rule::C4, None, || {
                    "the link dropped during the flush: false (C4)".into()
                });
            }
            _ => {}
        }
    }

    /// §13: a send blocked in S9 when the grace limit expires returns 1.
    pub(super) fn grace_expired(&mut self, now: Instant) {
        if let Wait::Recovering { .. } = self.wait {
            self.ret(now, code(SendError::NotConnected), Rule::S9, None, || {
                "the grace period ended while the send waited out RECOVERING: SEND_ERROR_NOT_CONNECTED (S9)".into()
            });
        }
    }

    /// C4: waits until the buffer is empty and ACKed, or `timeout`; never drops the link.
    pub(super) fn flush(&mut self, now: Instant, timeout: Duration) {
        if self.conn != ConnState::Online {
            let state = self.conn.as_str();
            return self.ret(now, Outcome::Returned(Ret::Bool(false)), Rule::C4, None, || {
                format!("not connected ({state}): flush returns false at once (C4)")
            });
        }
        if self.buf.held() == 0 {
            return self.ret(now, Outcome::Returned(Ret::Bool(true)), Rule::C4, None, || "nothing unACKed: true (C4)".into());
        }
        self.set_wait(Wait::Flush { deadline: now + timeout });
        if timeout == Duration::ZERO {
            self.send_timers(now);
        }
    }
}

/// A `why` text built only if the line is kept.
pub(super) struct Why(Box<dyn FnOnce() -> String>);

impl Why {
    fn text(self) -> String {
        (self.0)()
    }
}

fn format_args_why(f: impl FnOnce() -> String + 'static) -> Why {
    Why(Box::new(f))
}
