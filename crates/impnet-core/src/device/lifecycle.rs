//! The connection lifecycle (SPEC §4, §8, §13 "Lifecycle"): boot (L1), unexpected loss and
//! silent recovery (L2, L3a, C5), explicit connect/disconnect (C1, C2), SUSPEND_ON_ERROR's
//! reconnect / deep-sleep cycle (S7), keepalive (L2) and zero-window probes (§13).

use super::timers::Timer;
use super::{Attempt, AttemptKind, Device, NetCommand, Vm, Wait};
use crate::rules::Rule;
use crate::budget::Work;
use crate::buffer::Segment;
use crate::policy::{Reason, ReconnectPolicy, SendTimeoutPolicy};
use crate::program::Program;
use crate::time::{Duration, Instant};
use crate::trace::{ConnState, EventDetail, EventKind, Handler};

/// §13: zero-window probes back off up to this interval.
const MAX_PROBE_INTERVAL: Duration = Duration::from_millis(60_000);

impl Device {
    /// Starts (or keeps) a connection attempt of `kind`. A running attempt keeps going: a
    /// connect completes after `connect_ms` of up-time counted from the *first* try (§13).
    pub(super) fn set_attempt(&mut self, kind: AttemptKind, deadline: Option<Instant>) {
        if self.attempt.is_none() {
            self.cmds.push_back(NetCommand::Connect);
        }
        self.attempt = Some(Attempt { kind });
        self.timers.put(Timer::ConnectAttempt, deadline);
    }

    fn cancel_attempt(&mut self) {
        self.timers.clear(Timer::ConnectAttempt);
        if self.attempt.take().is_some() {
            self.cmds.push_back(NetCommand::Abort);
        }
    }

    pub(super) fn on_connected(&mut self, now: Instant) {
        let Some(attempt) = self.attempt.take() else { return };
        self.timers.clear(Timer::ConnectAttempt);
        self.conn = ConnState::Online;
        self.buf.reset_stream();
        self.rwnd = self.cfg.rwnd;
        self.ka_sent = false;
        self.timers.set(Timer::Keepalive, now + self.cfg.ka_idle);
        self.timers.clear(Timer::ZeroWindowProbe);
        self.zw_backoff = 0;
        let kind = attempt.kind;
        // L1: the boot connect is what starts Squirrel, and no line of its own says so; it
        // starts before the `connected` line is written so that line's snapshot shows it.
        // After a deep sleep (§14) it is a restart, whose own line follows `connected`.
        let boot = kind == AttemptKind::Boot && self.vm == Vm::NotStarted;
        let wake_restart = boot && self.restart == Some(RestartCause::Timer);
        if boot && self.restart.is_none() {
            self.start_squirrel(now);
        }
        let rule = match kind {
            AttemptKind::Boot => Rule::L1,
            AttemptKind::Recovery => Rule::C5,
            AttemptKind::User => Rule::C1,
            AttemptKind::Suspend | AttemptKind::Wake => Rule::S7,
        };
        self.state_event(now, EventKind::Connected, Reason::ServerConnected, rule, || match kind {
            AttemptKind::Boot => "power-on connection up (L1)".into(),
            AttemptKind::Recovery => "silent reconnection succeeded within the grace period (C5)".into(),
            AttemptKind::User => "server.connect succeeded (C1)".into(),
            AttemptKind::Suspend => "SUSPEND_ON_ERROR reconnected while Squirrel was halted (S7)".into(),
            AttemptKind::Wake => "connected after waking from deep sleep (S7)".into(),
        });
        match kind {
            AttemptKind::User => self.queue_handler(now, Handler::OnConnect, Reason::ServerConnected),
            AttemptKind::Wake => self.squirrel_restart(now, RestartCause::WarmBoot),
            AttemptKind::Boot if wake_restart => self.boot_squirrel(now),
            AttemptKind::Boot | AttemptKind::Recovery | AttemptKind::Suspend => {}
        }
        // A call halted by S7 runs again; one waiting out RECOVERING (S9) proceeds.
        match self.wait {
            Wait::Suspended => self.rerun_current(now, true),
            Wait::Recovering { .. } => self.rerun_current(now, false),
            _ => {}
        }
    }

    /// Disconnected: `disconnected`, then a `lost` line per message holding unACKed bytes, by
    /// id (L4, §13 order). The caller writes the state that follows.
    pub(super) fn drop_connection(&mut self, now: Instant, reason: Reason, why: &'static str) {
        self.state_event(now, EventKind::Disconnected, reason, Rule::L4, || why.into());
        let mut lost: Vec<(u64, u32)> = Vec::new();
        let keep = self.lines;
        let mut n = 0u64;
        let mut bytes = 0u64;
        self.buf.drop_all(|m, b| {
            n += 1;
            bytes += b as u64;
            if keep {
                lost.push((m.id, b));
            }
        });
        self.stats.lost_msgs += n;
        self.stats.lost_bytes += bytes;
        // Charged together, kept or not, so a summary-only run stops where a full one does.
        if self.charge(now, Work::Event, n) {
            for (id, b) in lost {
                self.push_event(now, EventKind::Lost, None, Some(id), Some(b as u64), None, Rule::L4, || {
                    format!("{b} written bytes were not ACKed when the connection dropped (L4)")
                });
            }
        }
        self.cmds.push_back(NetCommand::Abort);
        self.attempt = None;
        self.timers.clear(Timer::ConnectAttempt);
        // Only an online device keeps the keepalive timer.
        self.ka_sent = false;
        self.timers.clear(Timer::Keepalive);
        self.timers.clear(Timer::ZeroWindowProbe);
        self.rwnd = self.cfg.rwnd;
    }

    /// The link was lost without Squirrel asking (WiFi down, keepalive unanswered).
    pub(super) fn lose_link(&mut self, now: Instant, reason: Reason) {
        let why = if reason == Reason::NoWifi { "WiFi went down (L2)" } else { "keepalive unanswered (L2)" };
        self.drop_connection(now, reason, why);
        self.lost_at = now;
        self.boot_recovery = false;
        let sending = self.wait.is_send();
        if self.policy.reconnect == ReconnectPolicy::SuspendOnError && sending {
            self.enter_s7(now, reason);
            return;
        }
        self.conn = ConnState::Recovering;
        self.set_attempt(AttemptKind::Recovery, self.grace_deadline());
        let suspend = self.policy.reconnect == ReconnectPolicy::SuspendOnError;
        let grace = self.cfg.grace;
        self.state_event(now, EventKind::Recovering, reason, if suspend { Rule::L3a } else { Rule::C5 }, || {
            if suspend {
                "SUSPEND_ON_ERROR with Squirrel not sending: impOS reconnects in the background, no limit (L3a)".into()
            } else {
                format!("impOS reconnects silently for up to {grace} ms before on_unexpected_disconnect (C5)")
            }
        });
        self.link_lost_while_waiting(now);
    }

    /// The grace limit follows the policy in force, counted from the original loss (§13).
    fn grace_deadline(&self) -> Option<Instant> {
        match self.policy.reconnect {
            ReconnectPolicy::SuspendOnError => None,
            _ => Some(self.lost_at + self.cfg.grace),
        }
    }

    /// `server.setsendtimeoutpolicy` ran: a recovery in progress takes the new grace rule.
    pub(super) fn policy_changed(&mut self) {
        if let Some(a) = self.attempt {
            if a.kind == AttemptKind::Recovery {
                self.timers.put(Timer::ConnectAttempt, self.grace_deadline());
            }
        }
    }

    /// S7: Squirrel halts while impOS tries to connect for `connect_window_ms`.
    pub(super) fn enter_s7(&mut self, now: Instant, reason: Reason) {
        self.conn = ConnState::Suspended;
        self.set_wait(Wait::Suspended);
        let window = self.cfg.connect_window;
        self.set_attempt(AttemptKind::Suspend, Some(now + window));
        self.state_event(now, EventKind::Suspended, reason, Rule::S7, || {
            format!("SUSPEND_ON_ERROR: Squirrel halts while impOS tries to connect for {window} ms (S7)")
        });
    }

    /// C1 under a RETURN policy: asynchronous; the callback fires on success or at `timeout`.
    pub(super) fn user_connect(&mut self, now: Instant, timeout: Duration) {
        self.conn = ConnState::Connecting;
        self.set_attempt(AttemptKind::User, Some(now + timeout));
    }

    /// C2: closes now; cancels any attempt or recovery without a callback.
    pub(super) fn user_disconnect(&mut self, now: Instant) {
        let was = self.conn;
        if was == ConnState::Online {
            self.drop_connection(now, Reason::NotConnected, "server.disconnect (C2)");
        } else {
            self.cancel_attempt();
        }
        if was != ConnState::Offline {
            self.conn = ConnState::Offline;
            self.state_event(now, EventKind::Offline, Reason::NotConnected, Rule::C2, || {
                "server.disconnect: offline until a send (SUSPEND_ON_ERROR) or server.connect (RETURN_ON_ERROR)".into()
            });
        }
    }

    /// Boot, attempt deadlines, deep sleep, keepalive, zero-window probes: in `Timer` order,
    /// each checked against the state the previous ones left.
    pub(super) fn lifecycle_timers(&mut self, now: Instant) {
        if self.vm == Vm::NotStarted && self.timers.due(Timer::SquirrelStart, now) {
            // L1: Squirrel starts after boot_squirrel_ms even without a connection.
            self.boot_squirrel(now);
        }
        if let Some(a) = self.attempt {
            if self.timers.due(Timer::ConnectAttempt, now) {
                self.attempt_failed(now, a.kind);
            }
        }
        if self.timers.due(Timer::DeepSleepEnd, now) && self.restart == Some(RestartCause::Timer) {
            self.timers.clear(Timer::DeepSleepEnd);
            self.wake_from_sleep(now);
        }
        if self.timers.due(Timer::DeepSleepEnd, now) {
            self.timers.clear(Timer::DeepSleepEnd);
            self.conn = ConnState::Connecting;
            let window = self.cfg.connect_window;
            self.set_attempt(AttemptKind::Wake, Some(now + window));
            self.state_event(now, EventKind::Wake, Reason::NotConnected, Rule::S7, || {
                format!("deep sleep over: try to connect for {window} ms (S7)")
            });
        }
        if self.timers.due(Timer::Keepalive, now) {
            if self.ka_sent {
                self.lose_link(now, Reason::NoServer);
            } else {
                self.cmds.push_back(NetCommand::Keepalive);
                self.ka_sent = true;
                self.timers.set(Timer::Keepalive, now + self.cfg.ka_ack);
            }
        }
        if self.timers.due(Timer::ZeroWindowProbe, now) {
            self.cmds.push_back(NetCommand::WindowProbe);
            self.zw_backoff += 1;
            self.timers.set(Timer::ZeroWindowProbe, now + self.probe_interval());
        }
    }

    fn probe_interval(&self) -> Duration {
        self.cfg.rto.doubled(self.zw_backoff).min(MAX_PROBE_INTERVAL)
    }

    fn attempt_failed(&mut self, now: Instant, kind: AttemptKind) {
        let reason = self.failure_reason();
        match kind {
            AttemptKind::Boot if self.policy.reconnect == ReconnectPolicy::SuspendOnError => {
                // §13: keep trying in the background without limit, as L3a.
                self.attempt = Some(Attempt { kind: AttemptKind::Recovery });
                self.timers.clear(Timer::ConnectAttempt);
                self.lost_at = now;
                self.boot_recovery = true;
                self.conn = ConnState::Recovering;
                self.state_event(now, EventKind::Recovering, reason, Rule::L3, || {
                    "boot connection window over; SUSPEND_ON_ERROR keeps trying in the background (L3, L3a)".into()
                });
            }
            AttemptKind::Boot => {
                self.cancel_attempt();
                self.conn = ConnState::Offline;
                self.state_event(now, EventKind::Offline, reason, Rule::L3, || {
                    "boot connection failed: not unexpected, so no on_unexpected_disconnect (L3)".into()
                });
            }
            AttemptKind::Recovery if self.boot_recovery => {
                // A RETURN policy set after the boot window ended: the grace limit applies
                // from the window's end, but a failed boot connect is not unexpected (L3; the
                // forum report in impos-facts: "failing to connect at startup is not
                // 'unexpected'"), so no on_unexpected_disconnect.
                self.cancel_attempt();
                self.conn = ConnState::Offline;
                self.state_event(now, EventKind::Offline, reason, Rule::L3, || {
                    "the boot connection never came up: offline without on_unexpected_disconnect (L3)".into()
                });
                self.grace_expired(now);
            }
            AttemptKind::Recovery => {
                self.cancel_attempt();
                self.conn = ConnState::Offline;
                let grace = self.cfg.grace;
                self.state_event(now, EventKind::Offline, reason, Rule::C5, || {
                    format!("no reconnection within {grace} ms: on_unexpected_disconnect fires (C5)")
                });
                self.grace_expired(now);
                self.queue_handler(now, Handler::OnUnexpectedDisconnect, reason);
            }
            AttemptKind::User => {
                self.cancel_attempt();
                self.conn = ConnState::Offline;
                self.state_event(now, EventKind::Offline, reason, Rule::C1, || {
                    format!("server.connect timed out: the callback gets {} (C1)", reason.name())
                });
                self.queue_handler(now, Handler::OnConnect, reason);
            }
            AttemptKind::Suspend | AttemptKind::Wake => {
                self.cancel_attempt();
                self.fall_asleep();
                let sleep = self.cfg.deep_sleep;
                self.timers.set(Timer::DeepSleepEnd, now + sleep);
                self.state_event(now, EventKind::DeepSleep, reason, Rule::S7, || {
                    format!("no connection within the window: deep sleep for {sleep} ms (S7)")
                });
            }
        }
    }

    /// Deep sleep stops Squirrel where it stands: a call cut off by it never returns (no line,
    /// §13), and every task and queued callback goes with it.
    fn fall_asleep(&mut self) {
        self.conn = ConnState::DeepSleep;
        self.vm = Vm::Frozen;
        self.cur = None;
        self.set_wait(Wait::None);
        self.running = None;
        self.next = None;
        self.idle.clear();
    }

    /// Squirrel starts: at power-on from nothing (L1), else again from the top with the cause's
    /// wakereason (§14: 5 after an uncaught error, 1 after a deep sleep).
    fn boot_squirrel(&mut self, now: Instant) {
        match self.restart.take() {
            Some(cause) => self.squirrel_restart(now, cause),
            None => self.start_squirrel(now),
        }
    }

    /// §14 "Sleep": `imp.deepsleepfor(s)` (and `server.sleepfor(s)` once flushed) closes the
    /// connection (unACKed bytes are lost, as C2), stops Squirrel where it stands (the call
    /// never returns: no line) and sleeps `d`.
    pub(super) fn deep_sleep(&mut self, now: Instant, d: Duration) {
        if self.conn == ConnState::Online {
            self.drop_connection(now, Reason::NotConnected, "deep sleep: the device closes the connection (§14, C2)");
        } else {
            self.cancel_attempt();
        }
        self.fall_asleep();
        self.timers.clear(Timer::SquirrelStart);
        self.restart = Some(RestartCause::Timer);
        self.timers.set(Timer::DeepSleepEnd, now + d);
        self.state_event(now, EventKind::DeepSleep, Reason::NotConnected, Rule::DeviceCode, || {
            format!("the script asked for deep sleep: {d} ms asleep, then a warm boot with hardware.wakereason() 1 (§14)")
        });
    }

    /// §14 "Sleep": the timer woke the device; impOS boots as at power-on (L1): it connects,
    /// and Squirrel starts at the connection or after `boot_squirrel_ms`, from the top.
    fn wake_from_sleep(&mut self, now: Instant) {
        self.conn = ConnState::Booting;
        self.vm = Vm::NotStarted;
        self.policy = SendTimeoutPolicy::default();
        self.buf.set_capacity(self.cfg.buffer_default);
        self.udp.socket = crate::udp::Socket::None;
        self.timers.set(Timer::SquirrelStart, now + self.cfg.boot_squirrel);
        let window = self.cfg.connect_window;
        self.set_attempt(AttemptKind::Boot, Some(now + window));
        self.state_event(now, EventKind::Wake, Reason::NotConnected, Rule::DeviceCode, || {
            "deep sleep over: impOS boots as at power-on and connects; Squirrel starts again from the top (L1, §14)".into()
        });
    }

    /// S7 / L4: a wake-up connection succeeded: Squirrel restarts from the top; capacity,
    /// policy, the UDP socket and pending handlers reset; the bucket and ids carry on.
    pub(super) fn squirrel_restart(&mut self, now: Instant, cause: RestartCause) {
        self.buf.set_capacity(self.cfg.buffer_default);
        self.policy = SendTimeoutPolicy::default();
        self.udp.socket = crate::udp::Socket::None;
        self.cur = None;
        self.set_wait(Wait::None);
        self.running = None;
        self.next = None;
        self.idle.clear();
        self.program.restart();
        // Started before its line, like every reset above, so the line shows the new run.
        self.start_squirrel(now);
        match cause {
            RestartCause::WarmBoot => {
                // S7's wake is a timer wake from deep sleep: §14's wakereason 1, as a sleep the
                // script asked for.
                let detail = EventDetail::WakeReason(WAKEREASON_TIMER);
                self.detail_event(now, EventKind::SquirrelRestart, Some(Reason::ServerConnected), detail, Rule::S7, || {
                    "warm boot: the script starts again from the top with default capacity and policy; hardware.wakereason() is 1 (S7, L4, §14)".into()
                })
            }
            RestartCause::Timer => {
                let detail = EventDetail::WakeReason(WAKEREASON_TIMER);
                let reason = if self.conn == ConnState::Online { Reason::ServerConnected } else { Reason::NotConnected };
                self.detail_event(now, EventKind::SquirrelRestart, Some(reason), detail, Rule::DeviceCode, || {
                    "woken from deep sleep: the script starts again from the top, nv kept; hardware.wakereason() is 1 (§14)".into()
                })
            }
            RestartCause::Error => {
                let detail = EventDetail::WakeReason(WAKEREASON_SQUIRREL_ERROR);
                let reason = Some(Reason::ServerConnected);
                self.detail_event(now, EventKind::SquirrelRestart, reason, detail, Rule::DeviceCode, || {
                    "after an uncaught error the script starts again from the top with default capacity and policy; hardware.wakereason() is 5 (§14)".into()
                })
            }
        }
    }

    /// T3: frees a segment's bytes; each message it completes gets an `acked` line.
    pub(super) fn ack_segment(&mut self, now: Instant, seg: Segment) {
        let keep = self.lines;
        let mut done = [0u64; 64];
        let mut n = 0usize;
        let mut payload = 0u64;
        let mut count = 0u64;
        let mut overflow: Vec<u64> = Vec::new();
        self.buf.ack(seg, |m| {
            payload += m.payload as u64;
            count += 1;
            if keep {
                if n < done.len() {
                    done[n] = m.id;
                    n += 1;
                } else {
                    overflow.push(m.id);
                }
            }
        });
        if count > 0 {
            self.stats.acked_msgs += count;
            self.stats.acked_payload += payload;
            self.stats.last_ack = Some(now);
        }
        if count == 0 || !self.charge(now, Work::Event, count) {
            return;
        }
        for id in done[..n].iter().copied().chain(overflow) {
            self.push_event(now, EventKind::Acked, None, Some(id), None, None, Rule::T3, || {
                format!("the server ACKed the last bytes of message {id} (T3)")
            });
        }
    }

    /// The buffer or the window changed: maybe probe (§13), then let a blocked call progress.
    pub(super) fn after_buffer_change(&mut self, now: Instant) {
        self.update_window_probe(now);
        // The ACK's own lines may have spent the work budget: the run is over, and a blocked
        // call must not return after the note (issue 13: the note is the last line).
        if self.stop.is_none() {
            self.progress_blocked(now);
        }
    }

    /// §13: with a zero window and nothing outstanding, probe after `rto`, doubling to 60 s.
    /// Checked whenever the window, the in-flight bytes or the unsent bytes change — including
    /// a write into a stream whose last ACK closed the window while nothing was waiting, which
    /// would otherwise stall until the keepalive.
    pub(super) fn update_window_probe(&mut self, now: Instant) {
        let stalled = self.conn == ConnState::Online && self.rwnd == 0 && self.buf.in_flight() == 0 && self.buf.unsent() > 0;
        if stalled {
            if self.timers.get(Timer::ZeroWindowProbe).is_none() {
                self.timers.set(Timer::ZeroWindowProbe, now + self.probe_interval());
            }
        } else if self.rwnd > 0 {
            self.timers.clear(Timer::ZeroWindowProbe);
            self.zw_backoff = 0;
        }
    }
}

/// Why Squirrel starts again from the top.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RestartCause {
    /// S7: a wake-up attempt after deep sleep succeeded.
    WarmBoot,
    /// §14: an uncaught runtime error, `squirrel.error_restart_ms` earlier.
    Error,
    /// §14 "Sleep": the timer woke the device from `imp.deepsleepfor`/`server.sleepfor`.
    Timer,
}

/// `hardware.wakereason()` after a deep sleep the script asked for (WAKEREASON_TIMER).
const WAKEREASON_TIMER: i64 = 1;

/// `hardware.wakereason()` after a Squirrel error (WAKEREASON_SQUIRREL_ERROR in impOS).
const WAKEREASON_SQUIRREL_ERROR: i64 = 5;
