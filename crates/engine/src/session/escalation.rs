//! Failure, no-input and no-match counters, thresholds and the hand-off.
//!
//! The rules, whatever the model does:
//! - **What counts.** A failed attempt is a call of one tool that ended `failed`, `timeout`
//!   or `invalid`; counts are per tool (the guide's "same task"), and a success of that tool
//!   starts its count again. A call refused by a guard (the flow's state, `max_calls`, a
//!   threshold already reached) or held for consent is not an attempt at the task and does
//!   not count. No-input and no-match events count while they are consecutive: any words
//!   from the caller start both again.
//! - **The threshold.** When a count reaches its threshold the engine records
//!   `escalation_threshold` at once, after exactly that many, and the call is past the
//!   threshold for good: no call other than the escalation tool runs any more, whatever the
//!   tool and whoever calls it (`tools.rs` refuses them with `past_threshold`), and nothing
//!   counts any more.
//! - **The escalation.** With `escalation.grace_ms` 0 (the default) the engine escalates at
//!   once and has the model say the escalation line. With a grace, the model is told to say
//!   the line and call the escalation tool; the engine escalates by itself when the grace
//!   ends, or at once when the model does anything else first (calls another tool, which is
//!   refused) or a call still running from before the threshold ends.

use super::*;
use switchboard_agent::model::{FailureCounting, SayWhen};

/// The key of the one count kept when failures of every tool count together; not a tool
/// name (tool names are identifiers).
const ALL_TOOLS: &str = "*";

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
        if self.past_threshold.is_some() {
            return;
        }
        let limit = e.thresholds.no_input_or_match;
        if self.no_input >= limit {
            // The model answers an idle timeout by itself when turn detection creates
            // responses: asking for one now would collide with it, so the escalation
            // response follows that one.
            if self.creates_responses_by_itself() && !self.response_active {
                self.response_wanted = true;
            }
            self.threshold_reached(format!("{} consecutive no-input events", self.no_input));
        } else if self.no_match >= limit {
            self.threshold_reached(format!("{} consecutive no-match events", self.no_match));
        }
    }

    /// Counts a failed attempt with `name` towards `failed_tool_attempts`, as the agent's
    /// `escalation.count_failures` says. Returns the reason when it reaches the threshold.
    pub(super) fn count_failure(&mut self, name: &str) -> Option<String> {
        let e = self.agent.file.escalation.as_ref()?;
        if self.past_threshold.is_some() {
            return None;
        }
        let limit = e.thresholds.failed_tool_attempts;
        let (key, said) = match e.count_failures {
            FailureCounting::Off => return None,
            FailureCounting::PerTool => (name.to_owned(), format!("with `{name}`")),
            FailureCounting::AllTools => (ALL_TOOLS.to_owned(), "with the tools".to_owned()),
        };
        let count = self.failures.entry(key).or_insert(0);
        *count += 1;
        let count = *count;
        (count >= limit).then(|| format!("{count} failed attempts {said}"))
    }

    /// A call of `name` succeeded: its count (every count, when they are counted together)
    /// starts again.
    pub(super) fn clear_failures(&mut self, name: &str) {
        self.failures.remove(name);
        self.failures.remove(ALL_TOOLS);
    }

    /// A threshold was reached: from now on only the escalation tool runs. The model is
    /// asked for the escalation line; the engine escalates at once, or after the agent's
    /// grace if the model does not call the escalation tool first.
    pub(super) fn threshold_reached(&mut self, reason: String) {
        if self.past_threshold.is_some() {
            return;
        }
        let Some(e) = self.agent.file.escalation.clone() else {
            return;
        };
        self.past_threshold = Some(reason.clone());
        self.guard(GuardDecision::EscalationThreshold, reason.clone());
        if self.escalated {
            // The model handed the call over already: there is nothing more to ask.
            return;
        }
        let grace = Duration::from_millis(e.grace_ms);
        let text = match (grace.is_zero(), e.say_when) {
            (true, _) => format!(
                "Escalation required ({reason}). The call is being handed to a specialist now; do not call any tool. Say: “{}”",
                e.say
            ),
            (false, SayWhen::Before) => format!(
                "Escalation required ({reason}). Say: “{}” Then call `{}` now. No other tool will run.",
                e.say, e.tool
            ),
            (false, SayWhen::After) => format!(
                "Escalation required ({reason}). Call `{}` now; once it returns, say: “{}” No other tool will run.",
                e.tool, e.say
            ),
        };
        // Handed over first when the agent says the line comes after the hand-off.
        if grace.is_zero() && e.say_when == SayWhen::After {
            self.escalate(reason.clone());
        }
        self.system_message(text);
        // Wanted already: the response it waits for (the model's own answer to an idle
        // timeout, or the end of a batch of calls) is followed by this one.
        if !self.response_wanted {
            self.request_response();
        }
        if grace.is_zero() {
            self.escalate(reason);
        } else {
            self.escalation_due = Some((self.now + grace, reason));
        }
    }

    /// Something other than the model's escalation happened while its grace runs (`what`
    /// says what): the engine escalates now instead of waiting for the grace to end.
    pub(super) fn end_grace(&mut self, what: impl FnOnce() -> String) {
        if let Some((_, reason)) = self.escalation_due.take() {
            self.escalate(format!("{reason}; {}", what()));
        }
    }

    /// Why a call is refused because a threshold was reached, if it is: everything but the
    /// escalation tool (`escalation.tool`, or a tool of the agent's that hands off).
    pub(super) fn past_threshold_refusal(&self, name: &str) -> Option<String> {
        let reason = self.past_threshold.as_ref()?;
        let hands_off =
            self.agent.tools.get(name).is_some_and(|spec| {
                matches!(spec.tool.run, Run::Builtin(Builtin::EscalateToHuman))
            });
        if self.is_escalation_tool(name) || hands_off {
            return None;
        }
        Some(format!(
            "`{name}` was not run: the escalation threshold was reached ({reason}), so the call goes to a specialist and no other tool runs"
        ))
    }

    pub(super) fn escalation_reason(&self) -> String {
        self.escalation_due
            .as_ref()
            .map_or_else(|| "the model escalated".to_owned(), |(_, r)| r.clone())
    }

    /// Why the model handed the call over: the escalation tool's reason argument (`reason`,
    /// or the agent's `escalation.reason_argument`) when it gave one.
    pub(super) fn hand_off_reason(&self, args: &Value) -> String {
        let argument = self
            .agent
            .file
            .escalation
            .as_ref()
            .map_or("reason", |e| e.reason_argument.as_str());
        args.get(argument)
            .and_then(Value::as_str)
            .filter(|r| !r.trim().is_empty())
            .map_or_else(|| self.escalation_reason(), str::to_owned)
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
