//! Deadlines: what `handle_timeout` fires and what `poll_timeout` reports.

use super::*;

impl Session {
    /// Handles deadlines that have passed by `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        let preambles: Vec<CallId> = self
            .running
            .iter()
            .filter(|(_, r)| r.preamble_at.is_some_and(|at| at <= now))
            .map(|(id, _)| id.clone())
            .collect();
        for call_id in preambles {
            self.speak_preamble(&call_id);
        }
        let unanswered: Vec<CallId> = self
            .asking
            .iter()
            .filter(|(_, (due, _))| *due <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for call_id in unanswered {
            self.supervisor_replied(&call_id, Err(ToolError::Timeout), now);
        }
        let due: Vec<CallId> = self
            .running
            .iter()
            .filter(|(_, r)| r.deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for call_id in due {
            let outcome = match self
                .running
                .get_mut(&call_id)
                .and_then(|r| r.fixture.take())
            {
                Some(outcome) => outcome,
                None => Err(ToolError::Timeout),
            };
            self.finish_tool(&call_id, outcome, now);
        }
        if let Some((due, reason)) = self.escalation_due.clone()
            && due <= now
        {
            self.escalation_due = None;
            self.escalate(format!("{reason}; the model did not escalate in time"));
        }
        while self.playback_end().is_some_and(|end| end <= now) {
            if let Some(p) = self.playback.pop_front() {
                let total = self.audio_duration(p.bytes);
                self.record_agent_utterance(p, total);
            }
        }
        if !self.rolling_over && self.rollover_at() <= now {
            self.rollover_due = true;
        }
        self.maybe_roll_over();
        if let Hangup::At(at) = self.hangup
            && at <= now
        {
            self.hangup = Hangup::Done;
            self.outputs.push_back(Output::HangUp {
                reason: HangUpReason::GoodbyeHeard,
            });
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let tools = self
            .running
            .values()
            .flat_map(|r| [Some(r.deadline), r.preamble_at])
            .flatten();
        let escalation = self.escalation_due.as_ref().map(|(at, _)| *at);
        let asking = self.asking.values().map(|(due, _)| *due);
        let hangup = match self.hangup {
            Hangup::At(at) => Some(at),
            _ => None,
        };
        let rollover = (!self.rollover_due && !self.rolling_over).then(|| self.rollover_at());
        tools
            .chain(rollover)
            .chain(asking)
            .chain(escalation)
            .chain(hangup)
            .chain(self.playback_end())
            .min()
    }
}
