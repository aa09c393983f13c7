//! The model's side: its events, and what of them reaches the caller.

use super::*;

impl Session {
    pub(super) fn handle_model(&mut self, event: ServerEvent, now: Instant) {
        match &event {
            // The caller already has the agent's session from `new`.
            ServerEvent::SessionCreated(_) => return,
            // The model's answers to the engine's `session.update`s (`update.rs`). A refusal
            // of a caller's update reaches the caller under its own event id, from there.
            ServerEvent::SessionUpdated(updated) => self.session_updated(&updated.session),
            ServerEvent::Error(e) if self.updates.in_flight_is(e.error.event_id.as_ref()) => {
                return self.session_update_refused(e.error.clone());
            }
            // A refusal of an update already given up on (`update.rs`) changes nothing.
            ServerEvent::Error(e) if self.updates.abandoned(e.error.event_id.as_ref()) => return,
            // Out-of-band responses (preambles) run beside the conversation's own.
            ServerEvent::ResponseCreated(created) if is_out_of_band(&created.response) => {
                if let Some(id) = &created.response.id {
                    self.out_of_band_responses.insert(id.clone());
                }
            }
            ServerEvent::ResponseCreated(created) => {
                self.response_active = true;
                self.open_response = created.response.id.clone();
                if let Some(id) = &created.response.id {
                    self.batches
                        .response_started(id.clone(), self.state.clone());
                }
            }
            // An out-of-band response's audio is all there: it is recorded once heard.
            ServerEvent::ResponseDone(done) if is_out_of_band(&done.response) => {
                if let Some(id) = &done.response.id {
                    for p in self.playback.iter_mut().filter(|p| p.response_id == *id) {
                        p.complete = true;
                    }
                    self.spoken_over.remove(id);
                }
            }
            ServerEvent::ResponseDone(done) => {
                self.response_active = false;
                self.open_response = None;
                if let Some(id) = &done.response.id {
                    self.batches.response_ended(id);
                    self.spoken_over.remove(id);
                }
                // A move may have waited for the response to end (`batch.rs`).
                self.judge_deferred_move(now);
                if self.spoken_over.is_empty() {
                    self.cut_items.clear();
                }
                for p in &mut self.playback {
                    p.complete = true;
                }
                // Items still without audio now will never play.
                self.early_transcripts.clear();
                match self.hangup {
                    Hangup::AfterGoodbye => {
                        let end = self
                            .playback
                            .back()
                            .map_or(now, |p| p.plays_from + self.audio_duration(p.bytes));
                        self.hangup = Hangup::At(end.max(now));
                    }
                    Hangup::GoodbyeNext => self.hangup = Hangup::AfterGoodbye,
                    _ => {}
                }
                // The caller hears the end of this response before the next one is asked for.
                self.forward_model(event);
                self.go_on_when_ready();
                return;
            }
            ServerEvent::ResponseOutputItemDone(done)
                if matches!(
                    done.item,
                    wire::Item::McpApprovalRequest(_) | wire::Item::McpCall(_)
                ) =>
            {
                let (item, response_id) = (done.item.clone(), done.response_id.clone());
                self.mcp_item_done(&item, &response_id, now);
            }
            // All of an item's audio is there: it is heard once it has played, while the rest
            // of its response (another message, calls) goes on.
            ServerEvent::ResponseOutputAudioDone(done) => self.item_complete(&done.item_id),
            ServerEvent::ResponseOutputItemDone(done) => {
                if let Some(id) = done.item.id() {
                    let id = id.clone();
                    self.item_complete(&id);
                }
            }
            ServerEvent::ResponseOutputItemAdded(added) => {
                self.mcp_item_added(&added.item, now);
                if let wire::Item::FunctionCall(call) = &added.item
                    && self.handled_here(&call.name)
                    && let Some(id) = &call.id
                {
                    self.hidden_items.insert(id.clone());
                }
            }
            ServerEvent::ResponseFunctionCallArgumentsDone(done) => {
                let done = done.clone();
                let hidden =
                    self.hidden_items.contains(&done.item_id) || self.handled_here(&done.name);
                if !hidden {
                    // The client runs it: it counts towards `max_calls` like a run here.
                    self.count_run(&done.name);
                    self.passthrough_calls.insert(done.call_id.clone());
                    self.batches
                        .client_call(&done.response_id, done.call_id.clone());
                    self.guard_tool(
                        GuardDecision::ToolPassedThrough,
                        &done.name,
                        format!("`{}` is run by the client", done.name),
                    );
                    self.forward_model(event);
                    return;
                }
                self.hidden_items.insert(done.item_id.clone());
                self.batches
                    .engine_call(&done.response_id, done.call_id.clone());
                self.calling_response = Some(done.response_id.clone());
                self.handle_call(done.call_id, &done.name, &done.arguments, now);
                self.calling_response = None;
                return;
            }
            ServerEvent::ResponseOutputAudioDelta(delta) if self.drop_unheard_audio(delta) => {
                return;
            }
            ServerEvent::ResponseOutputAudioTranscriptDelta(delta)
                if self.spoken_over.contains(&delta.response_id)
                    && self.cut_items.contains(&delta.item_id) =>
            {
                return;
            }
            ServerEvent::ResponseOutputAudioTranscriptDone(done)
                if self.spoken_over.contains(&done.response_id)
                    && self.cut_items.contains(&done.item_id)
                    && !self.playback.iter().any(|p| p.item_id == done.item_id) =>
            {
                // What the caller did not hear is neither shown nor checked.
                return;
            }
            ServerEvent::ResponseOutputAudioDelta(delta) => {
                let bytes = base64_len(&delta.delta);
                // Checked first: this runs for every audio frame and must not allocate.
                if !self.audio_responses.contains(&delta.response_id) {
                    self.audio_responses.insert(delta.response_id.clone());
                }
                if self
                    .playback
                    .back()
                    .is_none_or(|p| p.item_id != delta.item_id)
                {
                    // A new item plays once the ones before it have finished.
                    let plays_from = self
                        .playback
                        .back()
                        .map_or(now, |p| p.plays_from + self.audio_duration(p.bytes))
                        .max(now);
                    let transcript = self
                        .early_transcripts
                        .iter()
                        .position(|(id, _)| *id == delta.item_id)
                        .map(|i| self.early_transcripts.swap_remove(i).1)
                        .unwrap_or_default();
                    self.playback.push_back(Playback {
                        item_id: delta.item_id.clone(),
                        response_id: delta.response_id.clone(),
                        plays_from,
                        bytes: 0,
                        transcript,
                        played: None,
                        start: plays_from.saturating_duration_since(self.started),
                        complete: false,
                    });
                    if let Some(stopped) = self.speech_stopped_at.take() {
                        self.record(Record::Latency {
                            kind: LatencyKind::SpeechStoppedToFirstAudio,
                            duration: now.saturating_duration_since(stopped),
                        });
                    }
                }
                if let Some(p) = self.playback.back_mut() {
                    p.bytes += bytes;
                }
            }
            ServerEvent::ResponseOutputAudioTranscriptDelta(delta) => {
                if let Some(p) = self
                    .playback
                    .iter_mut()
                    .find(|p| p.item_id == delta.item_id)
                {
                    p.transcript.push_str(&delta.delta);
                } else if let Some((_, text)) = self
                    .early_transcripts
                    .iter_mut()
                    .find(|(id, _)| *id == delta.item_id)
                {
                    text.push_str(&delta.delta);
                } else {
                    self.early_transcripts
                        .push((delta.item_id.clone(), delta.delta.clone()));
                }
            }
            ServerEvent::ResponseOutputAudioTranscriptDone(done) => {
                // A confirmation question counts once heard, from the playback (`playback.rs`).
                let text = done.transcript.clone();
                self.check_readback(&text);
            }
            ServerEvent::ResponseOutputTextDone(done) => {
                let text = done.text.clone();
                self.check_readback(&text);
                // Text is shown whole at once: all of it reached the caller.
                if !text.is_empty() {
                    self.audio_responses.insert(done.response_id.clone());
                    let at = now.saturating_duration_since(self.started);
                    self.history.push((Speaker::Agent, text.clone()));
                    self.record_for(
                        Record::Utterance {
                            speaker: Speaker::Agent,
                            text: text.clone(),
                            start: at,
                            end: at,
                        },
                        Some(done.response_id.clone()),
                    );
                    self.agent_heard(&text, &done.response_id);
                }
            }
            ServerEvent::InputAudioBufferSpeechStarted(_) => {
                self.caller_speaking = true;
                self.barge_in(now);
            }
            ServerEvent::InputAudioBufferSpeechStopped(_) => {
                self.caller_speaking = false;
                self.speech_stopped_at = Some(now);
            }
            ServerEvent::InputTranscriptionCompleted(done) => {
                let text = done.transcript.trim().to_owned();
                if text.is_empty() {
                    self.no_match_event(now);
                } else {
                    self.caller_turn(&text, now, now);
                }
            }
            ServerEvent::InputTranscriptionFailed(_) => self.no_match_event(now),
            ServerEvent::InputAudioBufferTimeoutTriggered(_) => {
                self.no_input += 1;
                // Recorded so a call's record shows each silent turn, not only the threshold.
                self.guard(
                    GuardDecision::NoInput,
                    format!("the caller said nothing ({} in a row)", self.no_input),
                );
                self.check_silence_threshold();
            }
            _ => {}
        }
        self.forward_model(event);
    }

    /// Sends a model event on to the caller, unless it belongs to a call the agent handles.
    pub(super) fn forward_model(&mut self, mut event: ServerEvent) {
        // A response lists its output items again when it ends: calls the engine answered
        // stay hidden there too (their arguments may hold what the caller said).
        if let ServerEvent::ResponseDone(e) | ServerEvent::ResponseCreated(e) = &mut event
            && let Some(output) = e.response.output.as_mut()
        {
            output.retain(|item| !self.is_hidden(item));
        }
        let hidden_item = match &event {
            ServerEvent::ResponseOutputItemAdded(e) | ServerEvent::ResponseOutputItemDone(e) => {
                e.item.id().cloned()
            }
            ServerEvent::ConversationItemAdded(e)
            | ServerEvent::ConversationItemDone(e)
            | ServerEvent::ConversationItemCreated(e) => match &e.item {
                wire::Item::FunctionCallOutput(o) if self.handled_calls.contains(&o.call_id) => {
                    return;
                }
                item => item.id().cloned(),
            },
            ServerEvent::ResponseFunctionCallArgumentsDelta(e) => Some(e.item_id.clone()),
            ServerEvent::ResponseFunctionCallArgumentsDone(e) => Some(e.item_id.clone()),
            _ => None,
        };
        if hidden_item.is_some_and(|id| self.hidden_items.contains(&id)) {
            return;
        }
        self.send_to_caller(event);
    }

    /// Whether `item` is a call the engine answered, or its output.
    pub(super) fn is_hidden(&self, item: &wire::Item) -> bool {
        match item {
            wire::Item::FunctionCall(call) => {
                call.id
                    .as_ref()
                    .is_some_and(|id| self.hidden_items.contains(id))
                    || call
                        .call_id
                        .as_ref()
                        .is_some_and(|id| self.handled_calls.contains(id))
            }
            wire::Item::FunctionCallOutput(output) => self.handled_calls.contains(&output.call_id),
            // Approval requests the engine answers, and its answers (`mcp.rs`).
            item => item.id().is_some_and(|id| self.hidden_items.contains(id)),
        }
    }
}
