//! Failure, no-input and no-match counters, thresholds and the hand-off.

use super::*;

impl Session {
    pub(super) fn no_match_event(&mut self, _now: Instant) {
        self.no_match += 1;
        self.guard(
            GuardDecision::NoMatch,
            format!(
                "the caller's audio could not be understood ({} in a row)",
                self.no_match
            ),
        );
        self.check_silence_threshold();
    }

    pub(super) fn check_silence_threshold(&mut self) {
        let Some(e) = &self.agent.file.escalation else {
            return;
        };
        let limit = e.thresholds.no_input_or_match;
        if self.no_input >= limit {
            // The model answers an idle timeout by itself when turn detection creates
            // responses: asking for one now would collide with it, so the escalation
            // response follows that one.
            if self.creates_responses_by_itself() && !self.response_active {
                self.response_wanted = true;
            }
            self.nudge_escalation(format!("{} consecutive no-input events", self.no_input));
        } else if self.no_match >= limit {
            self.nudge_escalation(format!("{} consecutive no-match events", self.no_match));
        }
    }

    /// Tells the model to say the escalation line and call the tool; escalates by itself if
    /// it does not.
    pub(super) fn nudge_escalation(&mut self, reason: String) {
        if self.escalated || self.escalation_due.is_some() {
            return;
        }
        let Some(e) = self.agent.file.escalation.clone() else {
            return;
        };
        self.guard(GuardDecision::EscalationThreshold, reason.clone());
        let text = format!(
            "Escalation required ({reason}). Say: “{}” Then call `{}` now.",
            e.say, e.tool
        );
        self.system_message(text);
        if !self.response_wanted {
            self.request_response();
        }
        let due = self.now + self.config.escalation_grace;
        self.escalation_due = Some((due, reason));
    }

    pub(super) fn escalation_reason(&self) -> String {
        self.escalation_due
            .as_ref()
            .map_or_else(|| "the model escalated".to_owned(), |(_, r)| r.clone())
    }

    pub(super) fn escalate(&mut self, reason: String) {
        if self.escalated {
            return;
        }
        self.escalated = true;
        self.escalation_due = None;
        let summary = CallSummary {
            intent: self.intent.clone(),
            slots: self
                .slots
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            tools: self.tools_run.clone(),
            state: self.state.clone(),
        };
        self.record(Record::Escalated {
            reason: reason.clone(),
        });
        self.outputs
            .push_back(Output::Escalate(Escalation { reason, summary }));
    }
}
