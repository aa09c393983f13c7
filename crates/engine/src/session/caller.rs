//! The caller's side: its events, its `session.update` merged under the agent's, its turns.

use super::*;

impl Session {
    pub(super) fn handle_caller(&mut self, event: ClientEvent, now: Instant) {
        // Behind a caller's `session.update` waiting to be sent, its next events wait too, so
        // the model gets them in the caller's order (`update.rs`).
        if self.updates.holds_caller() {
            return self.updates.hold(event);
        }
        match event {
            ClientEvent::SessionUpdate(update) => self.caller_session_update(update),
            ClientEvent::ConversationItemCreate(create) => match &create.item {
                wire::Item::FunctionCallOutput(output) => {
                    if self.passthrough_calls.remove(&output.call_id) {
                        self.batches.answered(&output.call_id);
                        self.send_to_model(ClientEvent::ConversationItemCreate(create));
                        self.go_on_when_ready();
                    } else {
                        let why = if self.handled_calls.contains(&output.call_id) {
                            "is answered by the agent, not by the client"
                        } else {
                            "does not match a function call the client was asked to run"
                        };
                        let error = wire::RealtimeError::invalid_request(
                            "invalid_value",
                            format!("Call '{}' {why}.", output.call_id),
                            Some("item.call_id".to_owned()),
                        )
                        .for_event(create.event_id.clone());
                        let event_id = self.event_id();
                        self.send_to_caller(ServerEvent::error(event_id, error));
                    }
                }
                wire::Item::Message(message) if message.role == wire::Role::User => {
                    let text: Vec<&str> = message
                        .content
                        .iter()
                        .filter_map(wire::ContentPart::text)
                        .collect();
                    let text = text.join(" ");
                    self.send_to_model(ClientEvent::ConversationItemCreate(create));
                    if !text.is_empty() {
                        self.caller_turn(&text, now, now);
                    }
                }
                // A system message is an instruction: a locked agent takes none from the caller.
                wire::Item::Message(message)
                    if message.role == wire::Role::System
                        && !self.agent.file.leaves(CallerField::Instructions) =>
                {
                    self.refuse_caller(
                        create.event_id,
                        "locked_by_agent",
                        "The agent's instructions cannot be added to by the caller: a system \
                         message is an instruction. Send the caller's words as a user message."
                            .to_owned(),
                        "item.role",
                    );
                }
                _ => self.send_to_model(ClientEvent::ConversationItemCreate(create)),
            },
            ClientEvent::ResponseCreate(create) => self.caller_response_create(create),
            other => self.send_to_model(other),
        }
    }

    /// A caller's `session.update`. A realtime session stays one, as upstream refuses to
    /// change its kind.
    fn caller_session_update(&mut self, update: wire::SessionUpdate) {
        if update.session.kind != wire::SessionKind::Realtime {
            return self.refuse_caller(
                update.event_id,
                "invalid_value",
                "Invalid value for 'session.type': 'transcription'. This is a realtime session; a \
                 session cannot change its type."
                    .to_owned(),
                "session.type",
            );
        }
        self.merge_caller_session(update.event_id, update.session);
    }

    /// A caller's `session.update`, merged under the agent's: their fields apply, except
    /// those the agent owns, once the model has confirmed them (`update.rs`).
    pub(super) fn merge_caller_session(
        &mut self,
        event_id: Option<EventId>,
        update: wire::Session,
    ) {
        let mut patch = update;
        let tools_left = self.agent.file.leaves(CallerField::Tools);
        let tools = patch.tools.take().map(|declared| {
            let owned: Vec<String> = declared
                .iter()
                .filter_map(|t| match t {
                    wire::Tool::Function(f) if !tools_left && self.agent.owns_tool(&f.name) => {
                        Some(f.name.clone())
                    }
                    _ => None,
                })
                .collect();
            if !owned.is_empty() {
                self.guard(
                    GuardDecision::CallerToolIgnored,
                    format!("the caller redefined agent tools {owned:?}; the agent's stay"),
                );
            }
            declared
                .into_iter()
                .filter(|t| {
                    tools_left
                        || !matches!(t, wire::Tool::Function(f) if self.agent.owns_tool(&f.name))
                })
                .collect()
        });
        // A stored prompt stands in for instructions: a locked agent drops it the same way.
        if !self.agent.file.leaves(CallerField::Instructions)
            && (patch.instructions.take().is_some()
                | !std::mem::take(&mut patch.prompt).is_absent())
        {
            self.guard(
                GuardDecision::CallerInstructionsIgnored,
                "the agent's instructions stay in force".to_owned(),
            );
        }
        if self.agent.file.audio.lock_turn_detection
            && let Some(input) = patch.audio.as_mut().and_then(|a| a.input.as_mut())
            && !std::mem::take(&mut input.turn_detection).is_absent()
        {
            self.guard(
                GuardDecision::CallerTurnDetectionIgnored,
                "the agent locks turn detection".to_owned(),
            );
        }
        self.ask_model(update::Request::Caller {
            event_id,
            patch,
            tools,
        });
    }

    /// A caller's `response.create`. Per response, the caller may not do what its
    /// `session.update` may not: replace a locked agent's instructions or tools. An
    /// out-of-band request runs beside the conversation's own response.
    fn caller_response_create(&mut self, create: wire::ResponseCreate) {
        let params = create.response.as_ref();
        let locked = |field| !self.agent.file.leaves(field);
        // A system message in the response's own input instructs the model as `instructions`
        // would.
        let system_input = params
            .and_then(|p| p.input.as_ref())
            .and_then(|input| {
                input.iter().position(|i| {
                    matches!(i, wire::InputItem::Item(wire::Item::Message(m)) if m.role == wire::Role::System)
                })
            })
            .map(|i| format!("response.input[{i}].role"));
        let refused = if params.is_some_and(|p| p.instructions.is_some())
            && locked(CallerField::Instructions)
        {
            Some(("response.instructions".to_owned(), "instructions"))
        } else if params.is_some_and(|p| p.prompt.is_some()) && locked(CallerField::Instructions) {
            Some(("response.prompt".to_owned(), "instructions"))
        } else if let Some(param) = system_input.filter(|_| locked(CallerField::Instructions)) {
            Some((param, "instructions"))
        } else if params.is_some_and(|p| p.tools.is_some()) && locked(CallerField::Tools) {
            Some(("response.tools".to_owned(), "tools"))
        } else {
            None
        };
        if let Some((param, field)) = refused {
            return self.refuse_caller(
                create.event_id,
                "locked_by_agent",
                format!(
                    "The agent's {field} cannot be replaced, for the session or for one response; \
                     leave out '{param}'."
                ),
                &param,
            );
        }
        let out_of_band = params.is_some_and(|p| {
            matches!(
                p.conversation,
                Some(wire::ResponseConversation::Mode(
                    wire::ConversationMode::None
                ))
            )
        });
        if !out_of_band && !self.response_active && self.batches.waiting() {
            // Calls of the last response have no output yet: the model would answer without
            // them, then again. The request goes once they all have (`batch.rs`).
            if self.held_response_create.is_some() {
                return self.refuse_caller(
                    create.event_id,
                    "conversation_already_has_active_response",
                    "A response is already waiting for the calls of the last one to be answered."
                        .to_owned(),
                    "type",
                );
            }
            self.held_response_create = Some(create);
            return;
        }
        if !out_of_band {
            self.response_active = true;
        }
        self.send_to_model(ClientEvent::ResponseCreate(create));
    }

    /// Refuses a caller's event: the caller gets an `error` under its event id, the record a
    /// guard decision, and the model nothing.
    fn refuse_caller(
        &mut self,
        event_id: Option<EventId>,
        code: &str,
        message: String,
        param: &str,
    ) {
        self.guard(
            GuardDecision::CallerRequestRefused,
            format!("`{param}` refused ({code}): {message}"),
        );
        let error = wire::RealtimeError::invalid_request(code, message, Some(param.to_owned()))
            .for_event(event_id);
        let id = self.event_id();
        self.send_to_caller(ServerEvent::error(id, error));
    }

    /// The agent's session for the current state, with the caller's own settings on top, as
    /// the model has confirmed them.
    pub(super) fn effective_session(&self) -> wire::Session {
        self.session_with(
            self.state.as_deref(),
            &self.caller_session,
            &self.caller_tools,
        )
    }

    /// Whether the caller declared a function tool called `name`.
    pub(super) fn caller_defines(&self, name: &str) -> bool {
        self.caller_tools
            .iter()
            .any(|t| matches!(t, wire::Tool::Function(f) if f.name == name))
    }

    pub(super) fn caller_turn(&mut self, text: &str, start: Instant, end: Instant) {
        self.caller_turns += 1;
        self.no_input = 0;
        self.no_match = 0;
        if self.intent.is_none() {
            self.intent = Some(text.to_owned());
        }
        self.history.push((Speaker::Caller, text.to_owned()));
        self.record(Record::Utterance {
            speaker: Speaker::Caller,
            text: text.to_owned(),
            start: start.saturating_duration_since(self.started),
            end: end.saturating_duration_since(self.started),
        });
        // The turn answers the confirmation questions the caller heard before it.
        self.caller_answered(text);
    }
}
