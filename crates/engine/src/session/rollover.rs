//! Moving the call to a fresh upstream session: plans and the replayed conversation.

use super::*;

impl Session {
    /// When the call should move to a new upstream session.
    pub(super) fn rollover_at(&self) -> Instant {
        self.upstream_since
            + self
                .config
                .max_upstream
                .saturating_sub(self.config.rollover_margin)
    }

    /// Hands out the rollover plan once it is due and the call is between turns: no response
    /// being written, the caller not speaking, no tool or supervisor pending.
    pub(super) fn maybe_roll_over(&mut self) {
        if !self.rollover_due
            || self.rolling_over
            || self.response_active
            || self.caller_speaking
            || !self.running.is_empty()
            || !self.asking.is_empty()
        {
            return;
        }
        self.rollover_due = false;
        self.rolling_over = true;
        let plan = self.rollover_plan();
        self.guard(
            GuardDecision::RolloverPlanned,
            format!(
                "replaying {} items into a new upstream session",
                plan.items.len()
            ),
        );
        self.outputs.push_back(Output::Rollover(plan));
    }

    pub(super) fn rollover_plan(&self) -> RolloverPlan {
        let text_item = |role: wire::Role, text: String| {
            let part = match role {
                wire::Role::Assistant => wire::ContentPart::OutputText { text },
                wire::Role::System | wire::Role::User => wire::ContentPart::InputText { text },
            };
            wire::Item::Message(wire::MessageItem {
                id: None,
                object: None,
                status: None,
                role,
                content: vec![part],
            })
        };
        let split = self.history.len().saturating_sub(self.config.replay_turns);
        let (older, recent) = self.history.split_at(split);
        let mut items = Vec::new();
        if !older.is_empty() {
            // The most recent of the older turns matter most: keep them, drop from the start.
            let mut lines: Vec<String> = Vec::new();
            let mut used = 0;
            for (speaker, text) in older.iter().rev() {
                let line = format!("- {}: {text}", speaker_name(*speaker));
                if used + line.len() > self.config.summary_budget {
                    lines.push("- …".to_owned());
                    break;
                }
                used += line.len();
                lines.push(line);
            }
            lines.reverse();
            let summary = format!("Earlier in this call:\n{}", lines.join("\n"));
            items.push(text_item(wire::Role::System, summary));
        }
        let mut facts = Vec::new();
        if let Some(state) = &self.state {
            facts.push(format!("The conversation is in state `{state}`."));
        }
        if !self.slots.is_empty() {
            let slots: Vec<String> = self
                .slots
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            facts.push(format!("Captured so far: {}.", slots.join(", ")));
        }
        if !facts.is_empty() {
            items.push(text_item(wire::Role::System, facts.join(" ")));
        }
        for (speaker, text) in recent {
            let role = match speaker {
                Speaker::Caller => wire::Role::User,
                Speaker::Agent => wire::Role::Assistant,
            };
            items.push(text_item(role, text.clone()));
        }
        RolloverPlan {
            session: self.effective_session(),
            items,
        }
    }
}

pub(super) fn speaker_name(speaker: Speaker) -> &'static str {
    match speaker {
        Speaker::Caller => "Caller",
        Speaker::Agent => "Agent",
    }
}

/// A response the model was writing when its connection closed.
pub(super) fn lost_response(id: wire::ResponseId) -> wire::Response {
    wire::Response {
        id: Some(id),
        object: Some(wire::RESPONSE_OBJECT.to_owned()),
        status: Some(wire::ResponseStatus::Failed),
        status_details: wire::Nullable::Value(wire::StatusDetails {
            kind: Some(wire::ResponseStatus::Failed),
            reason: None,
            error: Some(wire::StatusError {
                kind: Some("server_error".to_owned()),
                code: Some("upstream_lost".to_owned()),
                message: Some(
                    "The model connection closed while this response was being written.".to_owned(),
                ),
            }),
        }),
        output: Some(Vec::new()),
        ..wire::Response::default()
    }
}
