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
    /// The model has not answered a `session.update`: it counts as refused.
    SessionUpdateDeadline,
    /// The upstream session limit is near: move to a new one at the next gap between turns.
    Rollover,
    /// The goodbye has been heard: the call ends.
    HangUp,
}

/// [`Timer`]'s variants without their call ids, in the same order, so the earliest timer is
/// found without cloning one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Preamble,
    SupervisorDeadline,
    ToolDeadline,
    EscalationGrace,
    PlaybackEnd,
    ReplayDeadline,
    SessionUpdateDeadline,
    Rollover,
    HangUp,
}

impl Kind {
    fn timer(self, call: Option<&CallId>) -> Timer {
        let call = || call.cloned().unwrap_or_else(|| CallId::from(""));
        match self {
            Kind::Preamble => Timer::Preamble(call()),
            Kind::SupervisorDeadline => Timer::SupervisorDeadline(call()),
            Kind::ToolDeadline => Timer::ToolDeadline(call()),
            Kind::EscalationGrace => Timer::EscalationGrace,
            Kind::PlaybackEnd => Timer::PlaybackEnd,
            Kind::ReplayDeadline => Timer::ReplayDeadline,
            Kind::SessionUpdateDeadline => Timer::SessionUpdateDeadline,
            Kind::Rollover => Timer::Rollover,
            Kind::HangUp => Timer::HangUp,
        }
    }
}

/// At most this many timers fire in one `handle_timeout`. Each timer disarms itself when it
/// fires; the bound only keeps a mistake in that from spinning forever.
const MAX_FIRED_AT_ONCE: usize = 4_096;

impl Session {
    /// Every armed timer with its deadline, earliest first.
    pub fn timers(&self) -> Vec<(Instant, Timer)> {
        let mut timers: Vec<(Instant, Timer)> = self
            .armed()
            .map(|(at, kind, call)| (at, kind.timer(call)))
            .collect();
        timers.sort();
        timers
    }

    /// The next timer to fire, and when.
    #[must_use]
    pub fn next_timer(&self) -> Option<(Instant, Timer)> {
        self.armed()
            .min()
            .map(|(at, kind, call)| (at, kind.timer(call)))
    }

    /// Every armed timer as its deadline, kind and call, without allocating: the driver asks
    /// for the next deadline after every frame.
    fn armed(&self) -> impl Iterator<Item = (Instant, Kind, Option<&CallId>)> {
        let tools = self.running.iter().flat_map(|(id, r)| {
            let preamble = r.preamble_at.map(|at| (at, Kind::Preamble, Some(id)));
            preamble
                .into_iter()
                .chain([(r.deadline, Kind::ToolDeadline, Some(id))])
        });
        let supervisor = self
            .thinking
            .deadlines()
            .map(|(id, at)| (at, Kind::SupervisorDeadline, Some(id)));
        let escalation = self
            .escalation_due
            .as_ref()
            .map(|(at, _)| (*at, Kind::EscalationGrace, None));
        let playback = self.playback_end().map(|at| (at, Kind::PlaybackEnd, None));
        let replay = self
            .replay_deadline()
            .map(|at| (at, Kind::ReplayDeadline, None));
        let update = self
            .updates
            .deadline()
            .map(|at| (at, Kind::SessionUpdateDeadline, None));
        let rollover = (!self.rollover_due && !self.rolling_over())
            .then(|| (self.rollover_at(), Kind::Rollover, None));
        let hangup = match self.hangup {
            Hangup::At(at) => Some((at, Kind::HangUp, None)),
            _ => None,
        };
        tools
            .chain(supervisor)
            .chain(escalation)
            .chain(playback)
            .chain(replay)
            .chain(update)
            .chain(rollover)
            .chain(hangup)
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.armed().map(|(at, _, _)| at).min()
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
            Timer::SessionUpdateDeadline => self.session_update_unanswered(),
            Timer::HangUp => {
                self.hangup = Hangup::Done;
                self.outputs.push_back(Output::HangUp {
                    reason: HangUpReason::GoodbyeHeard,
                });
            }
        }
    }
}
