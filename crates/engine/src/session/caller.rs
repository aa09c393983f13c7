//! The caller's side: its events, its `session.update` merged under the agent's, its turns.

use super::*;

impl Session {
    pub(super) fn handle_caller(&mut self, event: ClientEvent, now: Instant) {
        match event {
            ClientEvent::SessionUpdate(update) => self.merge_caller_session(update.session),
            ClientEvent::ConversationItemCreate(create) => match &create.item {
                wire::Item::FunctionCallOutput(output) => {
                    if self.passthrough_calls.remove(&output.call_id) {
                        self.send_to_model(ClientEvent::ConversationItemCreate(create));
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
                _ => self.send_to_model(ClientEvent::ConversationItemCreate(create)),
            },
            ClientEvent::ResponseCreate(create) => {
                self.response_active = true;
                self.send_to_model(ClientEvent::ResponseCreate(create));
            }
            other => self.send_to_model(other),
        }
    }

    /// A caller's `session.update`: their fields apply, except those the agent owns.
    pub(super) fn merge_caller_session(&mut self, update: wire::Session) {
        let mut patch = update;
        let tools_left = self.agent.file.leaves(CallerField::Tools);
        let declared: Vec<wire::Tool> = patch.tools.take().unwrap_or_default();
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
        self.caller_tools = declared
            .into_iter()
            .filter(|t| {
                tools_left || !matches!(t, wire::Tool::Function(f) if self.agent.owns_tool(&f.name))
            })
            .collect();
        if self.agent.file.leaves(CallerField::Instructions) {
            if patch.instructions.is_some() {
                self.caller_session.instructions = patch.instructions.take();
            }
        } else if patch.instructions.take().is_some() {
            self.guard(
                GuardDecision::CallerInstructionsIgnored,
                "the agent's instructions stay in force".to_owned(),
            );
        }
        let locked = self.agent.file.audio.lock_turn_detection;
        let mut ignored_turn_detection = false;
        let c = &mut self.caller_session;
        macro_rules! take {
            ($($field:ident),*) => { $( if patch.$field.is_some() { c.$field = patch.$field.take(); } )* };
        }
        take!(
            output_modalities,
            tool_choice,
            max_output_tokens,
            truncation,
            reasoning,
            parallel_tool_calls
        );
        c.tracing.merge(std::mem::take(&mut patch.tracing));
        c.include.merge(std::mem::take(&mut patch.include));
        c.prompt.merge(std::mem::take(&mut patch.prompt));
        if let Some(audio) = patch.audio {
            let mine = c.audio.get_or_insert_with(Default::default);
            if let Some(input) = audio.input {
                let into = mine.input.get_or_insert_with(Default::default);
                if input.format.is_some() {
                    into.format = input.format;
                }
                into.transcription.merge(input.transcription);
                into.noise_reduction.merge(input.noise_reduction);
                if !input.turn_detection.is_absent() {
                    if locked {
                        ignored_turn_detection = true;
                    } else {
                        into.turn_detection = input.turn_detection;
                    }
                }
            }
            if let Some(output) = audio.output {
                let into = mine.output.get_or_insert_with(Default::default);
                if output.format.is_some() {
                    into.format = output.format;
                }
                if output.voice.is_some() {
                    into.voice = output.voice;
                }
                if output.speed.is_some() {
                    into.speed = output.speed;
                }
            }
        }
        if ignored_turn_detection {
            self.guard(
                GuardDecision::CallerTurnDetectionIgnored,
                "the agent locks turn detection".to_owned(),
            );
        }
        let session = self.effective_session();
        self.send_to_model(ClientEvent::SessionUpdate(wire::SessionUpdate {
            event_id: None,
            session,
        }));
    }

    /// The agent's session for the current state, with the caller's own settings on top.
    pub(super) fn effective_session(&self) -> wire::Session {
        let mut s = self.agent.session_for(self.state.as_deref()).clone();
        let c = &self.caller_session;
        macro_rules! over {
            ($($field:ident),*) => { $( if c.$field.is_some() { s.$field = c.$field.clone(); } )* };
        }
        over!(
            output_modalities,
            tool_choice,
            max_output_tokens,
            truncation,
            reasoning,
            parallel_tool_calls
        );
        s.tracing.merge(c.tracing.clone());
        s.include.merge(c.include.clone());
        s.prompt.merge(c.prompt.clone());
        if let (Some(audio), Some(mine)) = (c.audio.as_ref(), s.audio.as_mut()) {
            if let (Some(from), Some(into)) = (audio.input.as_ref(), mine.input.as_mut()) {
                if from.format.is_some() {
                    into.format = from.format;
                }
                into.transcription.merge(from.transcription.clone());
                into.noise_reduction.merge(from.noise_reduction.clone());
                into.turn_detection.merge(from.turn_detection.clone());
            }
            if let (Some(from), Some(into)) = (audio.output.as_ref(), mine.output.as_mut()) {
                if from.format.is_some() {
                    into.format = from.format;
                }
                if from.voice.is_some() {
                    into.voice = from.voice.clone();
                }
                if from.speed.is_some() {
                    into.speed = from.speed;
                }
            }
        }
        if c.instructions.is_some() {
            // Only set when the agent leaves its instructions to the caller.
            s.instructions = c.instructions.clone();
        }
        if !self.caller_tools.is_empty() {
            let tools = s.tools.get_or_insert_with(Vec::new);
            // A caller's tool of the same name replaces the agent's, when the agent allows it.
            tools.retain(|t| !matches!(t, wire::Tool::Function(f) if self.caller_defines(&f.name)));
            tools.extend(self.caller_tools.iter().cloned());
        }
        s
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
