//! Moving the call to a fresh upstream session: plans and the replayed conversation.

use super::*;

/// How long a new model connection may take to acknowledge a replayed conversation.
const REPLAY_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a move to a new upstream connection stands.
#[derive(Debug, Default)]
pub(super) enum Rollover {
    /// On the current connection.
    #[default]
    Idle,
    /// A plan was handed out; the driver is opening the new connection.
    Connecting {
        plan: RolloverPlan,
        /// Caller events that arrived meanwhile.
        deferred: VecDeque<ClientEvent>,
    },
    /// The new connection is taking the replay.
    Replaying(Replay),
}

#[derive(Debug)]
pub(super) struct Replay {
    /// The replayed `session.update`.
    session_event: EventId,
    /// Every replayed event, to tell the model's refusals of them from other errors.
    event_ids: BTreeSet<EventId>,
    session_acknowledged: bool,
    expected_items: usize,
    items_acknowledged: usize,
    deadline: Instant,
    deferred: VecDeque<ClientEvent>,
}

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
            || self.rolling_over()
            || self.response_active
            || self.caller_speaking
            || !self.running.is_empty()
            || self.thinking.busy()
            || self.updates.busy()
        {
            return;
        }
        self.rollover_due = false;
        let plan = self.rollover_plan();
        self.guard(
            GuardDecision::RolloverPlanned,
            format!(
                "replaying {} items into a new upstream session",
                plan.items.len()
            ),
        );
        self.start_rollover(plan);
    }

    /// Whether the model's side is moving to a new connection (connecting or replaying).
    pub(super) fn rolling_over(&self) -> bool {
        !matches!(self.rollover, Rollover::Idle)
    }

    /// Whether the new connection is taking the replayed conversation.
    pub(super) fn replaying(&self) -> bool {
        matches!(self.rollover, Rollover::Replaying(_))
    }

    /// When the new connection must have acknowledged the replay.
    pub(super) fn replay_deadline(&self) -> Option<Instant> {
        match &self.rollover {
            Rollover::Replaying(r) => Some(r.deadline),
            _ => None,
        }
    }

    /// Asks the driver for a new connection; the plan waits for it.
    pub(super) fn start_rollover(&mut self, plan: RolloverPlan) {
        self.rollover = Rollover::Connecting {
            plan: plan.clone(),
            deferred: VecDeque::new(),
        };
        self.outputs.push_back(Output::Rollover(plan));
    }

    /// A caller's event that arrived while the model's side was moving: handled once the
    /// new connection has taken the replay.
    pub(super) fn defer_caller(&mut self, event: ClientEvent) {
        match &mut self.rollover {
            Rollover::Connecting { deferred, .. } => deferred.push_back(event),
            Rollover::Replaying(r) => r.deferred.push_back(event),
            Rollover::Idle => {}
        }
    }

    /// The new connection is open: send it the session and the conversation, each with an
    /// event id, and wait for the model to acknowledge them all.
    pub(super) fn replay_into_new_connection(&mut self, now: Instant) {
        let Rollover::Connecting { plan, deferred } =
            std::mem::replace(&mut self.rollover, Rollover::Idle)
        else {
            // A connection nobody asked for changes nothing: the engine keeps its own.
            return;
        };
        let mut event_ids = BTreeSet::new();
        let session_event = self.event_id();
        event_ids.insert(session_event.clone());
        self.send_to_model(ClientEvent::SessionUpdate(wire::SessionUpdate {
            event_id: Some(session_event.clone()),
            session: plan.session,
        }));
        let expected_items = plan.items.len();
        for item in plan.items {
            let event_id = self.event_id();
            event_ids.insert(event_id.clone());
            self.send_to_model(ClientEvent::ConversationItemCreate(
                wire::ConversationItemCreate {
                    event_id: Some(event_id),
                    previous_item_id: None,
                    item,
                },
            ));
        }
        self.rollover = Rollover::Replaying(Replay {
            session_event,
            event_ids,
            session_acknowledged: false,
            expected_items,
            items_acknowledged: 0,
            deadline: now + REPLAY_TIMEOUT,
            deferred,
        });
    }

    /// A model event on the new connection while it takes the replay: acknowledgements are
    /// counted here and never reach the caller.
    pub(super) fn replay_event(&mut self, event: ServerEvent, now: Instant) {
        let Rollover::Replaying(replay) = &mut self.rollover else {
            return self.handle_model(event, now);
        };
        match &event {
            ServerEvent::SessionUpdated(_) => replay.session_acknowledged = true,
            ServerEvent::ConversationItemDone(_) => replay.items_acknowledged += 1,
            // The new connection's greeting: the caller has had its `session.created`.
            ServerEvent::SessionCreated(_) => {}
            ServerEvent::ConversationItemAdded(_) | ServerEvent::ConversationItemCreated(_) => {}
            ServerEvent::Error(e)
                if e.error
                    .event_id
                    .as_ref()
                    .is_some_and(|id| replay.event_ids.contains(id)) =>
            {
                let refused = e.error.event_id.clone();
                if refused.as_ref() == Some(&replay.session_event) {
                    replay.session_acknowledged = true;
                } else {
                    replay.items_acknowledged += 1;
                }
                // The model's message may quote the replayed words: the record redacts.
                let code = e.error.code.clone().unwrap_or_default();
                self.guard(
                    GuardDecision::ReplayItemRefused,
                    format!("the new model connection refused part of the replay ({code})"),
                );
            }
            _ => return self.handle_model(event, now),
        }
        self.finish_replay_if_acknowledged(now);
    }

    fn finish_replay_if_acknowledged(&mut self, now: Instant) {
        let done = matches!(&self.rollover, Rollover::Replaying(r)
            if r.session_acknowledged && r.items_acknowledged >= r.expected_items);
        if !done {
            return;
        }
        let Rollover::Replaying(replay) = std::mem::replace(&mut self.rollover, Rollover::Idle)
        else {
            return;
        };
        self.upstream_since = now;
        self.guard(
            GuardDecision::RolledOver,
            "the call moved to a new upstream session".to_owned(),
        );
        for event in replay.deferred {
            self.handle_caller(event, now);
        }
    }

    /// The new connection did not take the replay in time: the call cannot go on.
    pub(super) fn replay_timed_out(&mut self) {
        self.rollover = Rollover::Idle;
        let event_id = self.event_id();
        self.send_to_caller(ServerEvent::error(
            event_id,
            wire::RealtimeError::server_error(
                "upstream_unavailable",
                "The model connection could not be restored.",
            ),
        ));
        self.outputs.push_back(Output::HangUp {
            reason: HangUpReason::UpstreamUnavailable,
        });
    }

    pub(super) fn rollover_plan(&self) -> RolloverPlan {
        let text_item = |role: wire::Role, text: String| {
            let part = match role {
                wire::Role::Assistant => wire::ContentPart::output_text(text),
                wire::Role::System | wire::Role::User => wire::ContentPart::input_text(text),
            };
            wire::Item::Message(wire::MessageItem {
                id: None,
                object: None,
                status: None,
                role,
                content: vec![part],
                extra: wire::Extra::new(),
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
                code: wire::Nullable::Value("upstream_lost".to_owned()),
                message: Some(
                    "The model connection closed while this response was being written.".to_owned(),
                ),
                extra: wire::Extra::new(),
            }),
            ..Default::default()
        }),
        output: Some(Vec::new()),
        ..wire::Response::default()
    }
}
