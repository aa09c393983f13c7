//! The agent's audio timeline, barge-in cut points and what the caller heard.

use super::*;

impl Session {
    /// When the current agent item will have finished playing, once all its audio is known
    /// and its transcript not yet recorded.
    pub(super) fn playback_end(&self) -> Option<Instant> {
        let p = self.playback.front().filter(|p| p.complete)?;
        Some(p.plays_from + self.audio_duration(p.bytes))
    }

    /// No more audio will come for `item`.
    pub(super) fn item_complete(&mut self, item: &ItemId) {
        if let Some(p) = self.playback.iter_mut().find(|p| p.item_id == *item) {
            p.complete = true;
        }
    }

    /// The caller spoke over the agent: every item still playing or queued is cut where
    /// playback stopped (queued ones at zero), and only what was heard is recorded.
    pub(super) fn barge_in(&mut self, now: Instant) {
        // With `interrupt_response: false` the model keeps talking unless told to stop.
        if self.response_active && !self.interrupts_by_itself() {
            self.send_to_model(ClientEvent::ResponseCancel(wire::ResponseCancel::default()));
            self.guard(
                GuardDecision::BargeInCancel,
                "cancelled the response the caller spoke over".to_owned(),
            );
        }
        if let Some(id) = &self.open_response {
            self.spoken_over.insert(id.clone());
        }
        for p in std::mem::take(&mut self.playback) {
            let total = self.audio_duration(p.bytes);
            let played = self.heard_so_far(&p, now);
            self.cut_items.insert(p.item_id.clone());
            if !p.complete {
                self.spoken_over.insert(p.response_id.clone());
            }
            // An item whose response is still going may get more audio: it is cut where it
            // was heard even if all of its audio so far was.
            if played < total || !p.complete {
                self.send_to_model(ClientEvent::ConversationItemTruncate(
                    wire::ConversationItemTruncate {
                        event_id: None,
                        item_id: p.item_id.clone(),
                        content_index: 0,
                        audio_end_ms: played.as_millis() as u64,
                    },
                ));
                self.guard(
                    GuardDecision::BargeIn,
                    format!(
                        "truncated `{}` at {} ms of {} ms",
                        p.item_id,
                        played.as_millis(),
                        total.as_millis()
                    ),
                );
            }
            self.record_agent_utterance(p, played);
        }
    }

    /// Audio of a response the caller spoke over, arriving after the barge-in: not played.
    /// An item the caller never heard any of is cut at zero, once, so the model does not
    /// take it as said. Returns whether the delta is dropped.
    pub(super) fn drop_unheard_audio(&mut self, delta: &wire::ContentDelta) -> bool {
        if !self.spoken_over.contains(&delta.response_id) {
            return false;
        }
        if !self.cut_items.contains(&delta.item_id) {
            self.cut_items.insert(delta.item_id.clone());
            self.send_to_model(ClientEvent::ConversationItemTruncate(
                wire::ConversationItemTruncate {
                    event_id: None,
                    item_id: delta.item_id.clone(),
                    content_index: delta.content_index,
                    audio_end_ms: 0,
                },
            ));
            self.guard(
                GuardDecision::BargeIn,
                format!(
                    "`{}` started after the caller spoke over its response: not played, truncated at 0 ms",
                    delta.item_id
                ),
            );
        }
        true
    }

    /// Whether the effective turn detection starts a response when a turn ends (or the
    /// caller stays silent past the idle timeout).
    pub(super) fn creates_responses_by_itself(&self) -> bool {
        self.vad_flags()
            .is_some_and(|(create_response, _)| create_response != Some(false))
    }

    /// Whether the effective turn detection cancels a response when the caller speaks.
    pub(super) fn interrupts_by_itself(&self) -> bool {
        self.vad_flags()
            .is_some_and(|(_, interrupt_response)| interrupt_response != Some(false))
    }

    /// The effective voice activity detection's `create_response` and `interrupt_response`,
    /// or `None` when the model detects no turns.
    pub(super) fn vad_flags(&self) -> Option<(Option<bool>, Option<bool>)> {
        let detection = self
            .effective_session()
            .audio
            .and_then(|a| a.input)
            .map(|i| i.turn_detection);
        match detection {
            Some(wire::Nullable::Value(wire::TurnDetection::ServerVad(v))) => {
                Some((v.create_response, v.interrupt_response))
            }
            Some(wire::Nullable::Value(wire::TurnDetection::SemanticVad(v))) => {
                Some((v.create_response, v.interrupt_response))
            }
            _ => None,
        }
    }

    /// How much of an item the caller has heard by `now`: what the transport's marks say,
    /// or else the time since it started playing, at most all of it.
    pub(super) fn heard_so_far(&self, p: &Playback, now: Instant) -> Duration {
        p.played
            .unwrap_or_else(|| now.saturating_duration_since(p.plays_from))
            .min(self.audio_duration(p.bytes))
    }

    /// Records what the caller heard of an agent item: the words in proportion to the audio
    /// played, cut at a word boundary.
    pub(super) fn record_agent_utterance(&mut self, p: Playback, heard: Duration) {
        let total = self.audio_duration(p.bytes);
        if p.transcript.is_empty() || heard.is_zero() {
            return;
        }
        let text = if heard >= total || total.is_zero() {
            p.transcript
        } else {
            let chars = p.transcript.chars().count();
            let keep = (chars as u128 * heard.as_micros() / total.as_micros()) as usize;
            let cut: String = p.transcript.chars().take(keep).collect();
            match cut.rfind(char::is_whitespace) {
                Some(i) if keep < chars => cut[..i].to_owned(),
                _ => cut,
            }
        };
        // Too little was heard for a whole word: nothing to record.
        if text.trim().is_empty() {
            return;
        }
        self.history.push((Speaker::Agent, text.clone()));
        self.record_for(
            Record::Utterance {
                speaker: Speaker::Agent,
                text: text.clone(),
                start: p.start,
                end: p.start + heard.min(total),
            },
            Some(p.response_id.clone()),
        );
        // Only what the caller heard can ask for their consent.
        self.agent_heard(&text, &p.response_id);
    }

    /// How long `bytes` of agent audio last, in the output format the model last confirmed
    /// (a caller may switch it from the agent file's).
    pub(super) fn audio_duration(&self, bytes: usize) -> Duration {
        let format = match self.output_format {
            wire::AudioFormat::Pcm { .. } => switchboard_audio::AudioFormat::PCM16_24K,
            wire::AudioFormat::Pcmu => switchboard_audio::AudioFormat::G711Ulaw,
            wire::AudioFormat::Pcma => switchboard_audio::AudioFormat::G711Alaw,
        };
        format.duration_of(bytes)
    }
}

/// Bytes of audio in a base64 string, without decoding it.
pub(super) fn base64_len(b64: &str) -> usize {
    let padding = b64.bytes().rev().take_while(|&b| b == b'=').count();
    (b64.len() / 4 * 3).saturating_sub(padding)
}
