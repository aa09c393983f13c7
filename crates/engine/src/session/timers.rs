//! Named timers: every deadline the engine keeps, what it is for, and what firing it does.
//!
//! `poll_timeout` is the earliest armed timer; `handle_timeout` fires the due ones one at a
//! time, earliest first, because firing one may disarm or move others (a tool's result ends
//! its preamble timer; an escalation ends a pending grace).

use super::*;

/// A deadline the engine keeps, by what it is for. Timers due at the same instant fire in
/// this order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// A silent slow tool gets one of its preamble phrases spoken.
    Preamble(CallId),
    /// A supervisor question's deadline: the agent's fallback line is said instead.
    SupervisorDeadline(CallId),
    /// A running tool's deadline; for a fixture, the moment its canned reply is due.
    ToolDeadline(CallId),
    /// The model's grace to escalate by itself is over: the engine escalates.
    EscalationGrace,
    /// The agent item now playing has been heard to its end and is recorded.
    PlaybackEnd,
    /// A new model connection has not acknowledged the replayed conversation.
    ReplayDeadline,
    /// The upstream session limit is near: move to a new one at the next gap between turns.
    Rollover,
    /// The goodbye has been heard: the call ends.
    HangUp,
}

/// At most this many timers fire in one `handle_timeout`. Each timer disarms itself when it
/// fires; the bound only keeps a mistake in that from spinning forever.
const MAX_FIRED_AT_ONCE: usize = 4_096;

impl Session {
    /// Every armed timer with its deadline, earliest first.
    pub fn timers(&self) -> Vec<(Instant, Timer)> {
        let mut timers: Vec<(Instant, Timer)> = Vec::new();
        for (id, r) in &self.running {
            timers.push((r.deadline, Timer::ToolDeadline(id.clone())));
            if let Some(at) = r.preamble_at {
                timers.push((at, Timer::Preamble(id.clone())));
            }
        }
        for (id, due) in self.thinking.deadlines() {
            timers.push((due, Timer::SupervisorDeadline(id.clone())));
        }
        if let Some((at, _)) = &self.escalation_due {
            timers.push((*at, Timer::EscalationGrace));
        }
        if let Some(at) = self.playback_end() {
            timers.push((at, Timer::PlaybackEnd));
        }
        if !self.rollover_due && !self.rolling_over() {
            timers.push((self.rollover_at(), Timer::Rollover));
        }
        if let Some(at) = self.replay_deadline() {
            timers.push((at, Timer::ReplayDeadline));
        }
        if let Hangup::At(at) = self.hangup {
            timers.push((at, Timer::HangUp));
        }
        timers.sort();
        timers
    }

    /// The next timer to fire, and when.
    #[must_use]
    pub fn next_timer(&self) -> Option<(Instant, Timer)> {
        self.timers().into_iter().next()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next_timer().map(|(at, _)| at)
    }

    /// Fires every timer due by `now`, earliest first.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        for _ in 0..MAX_FIRED_AT_ONCE {
            match self.next_timer() {
                Some((at, timer)) if at <= now => self.fire(timer, now),
                _ => break,
            }
        }
        self.between_turns();
    }

    fn fire(&mut self, timer: Timer, now: Instant) {
        match timer {
            Timer::ToolDeadline(call_id) => {
                let outcome = self
                    .running
                    .get_mut(&call_id)
                    .and_then(|r| r.fixture.take())
                    .unwrap_or(Err(ToolError::Timeout));
                self.finish_tool(&call_id, outcome, now);
            }
            Timer::Preamble(call_id) => self.speak_preamble(&call_id),
            Timer::SupervisorDeadline(call_id) => {
                self.supervisor_replied(&call_id, Err(ToolError::Timeout), now);
            }
            Timer::EscalationGrace => {
                if let Some((_, reason)) = self.escalation_due.take() {
                    self.escalate(format!("{reason}; the model did not escalate in time"));
                }
            }
            Timer::PlaybackEnd => {
                if let Some(p) = self.playback.pop_front() {
                    let total = self.audio_duration(p.bytes);
                    self.record_agent_utterance(p, total);
                }
            }
            Timer::Rollover => self.rollover_due = true,
            Timer::ReplayDeadline => self.replay_timed_out(),
            Timer::HangUp => {
                self.hangup = Hangup::Done;
                self.outputs.push_back(Output::HangUp {
                    reason: HangUpReason::GoodbyeHeard,
                });
            }
        }
    }
}
