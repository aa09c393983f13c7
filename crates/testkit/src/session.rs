//! The emulated Realtime session: a sans-IO state machine for one connection.
//!
//! Drive it as the crate documentation shows: feed frames with [`EmulatedSession::handle_frame`]
//! (or parsed events with [`EmulatedSession::handle_event`]), drain
//! [`EmulatedSession::poll_output`], and call [`EmulatedSession::handle_timeout`] when
//! [`EmulatedSession::poll_timeout`] is reached. Time is always an argument.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard_audio::{Vad, decode_base64, encode_base64};
use switchboard_wire::Extra;
use switchboard_wire::{
    CallId, ClientEvent, Committed, ContentDelta, ContentPart, ContentPartEvent, ContentRef,
    ConversationItemCreate, ConversationItemTruncate, ConversationMode, EventId, EventOnly,
    FunctionCallArgumentsDelta, FunctionCallArgumentsDone, FunctionCallItem, ITEM_OBJECT,
    InputAudioBufferAppend, InputTokenDetails, Item, ItemDeleted, ItemEvent, ItemId, ItemRetrieved,
    ItemStatus, ItemTruncated, MaxOutputTokens, MessageItem, Modality, Nullable, OutputItemEvent,
    PartKind, RESPONSE_OBJECT, RateLimit, RateLimitsUpdated, RealtimeError, Response,
    ResponseAudio, ResponseAudioOutput, ResponseConversation, ResponseCreate, ResponseEvent,
    ResponseId, ResponseParams, ResponsePart, ResponseStatus, ServerEvent, SessionEvent,
    SessionKind, SessionUpdate, SpeechStarted, SpeechStopped, StatusDetails, StatusReason,
    TextDone, TimeoutTriggered, TokenDetails, TokenUsage, TranscriptDone, TranscriptionCompleted,
    TranscriptionDelta, TranscriptionUsage, Usage, Voice as WireVoice,
};

use crate::config::{Effective, default_session, merge};
use crate::profile::Profile;
use crate::rehearsal::Rehearsal;
use crate::script::Pace;
use crate::script::{ENDED_LINE, ScriptedCall, ScriptedStep};
use crate::voice::{audio_format, encode};

/// Largest audio one `input_audio_buffer.append` may carry.
const MAX_APPEND_BYTES: usize = 15 * 1024 * 1024;
/// Shortest buffer `input_audio_buffer.commit` accepts.
const MIN_COMMIT: Duration = Duration::from_millis(100);
/// While server VAD hears no speech, only this much of the buffer is kept: enough for any
/// prefix padding, and a caller streaming silence for an hour does not fill memory.
const KEEP_WHILE_SILENT: Duration = Duration::from_secs(2);

/// Something the emulator sends to the client.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A server event, to be sent as a text frame (`to_json`).
    Event(ServerEvent),
    /// A frame from the script's `raw`, sent verbatim.
    Raw(String),
    /// Close the connection (a scripted `disconnect`).
    Close,
}

/// One connection's emulated Realtime session.
#[derive(Debug)]
pub struct EmulatedSession {
    rehearsal: Arc<Rehearsal>,
    /// The model generation played: how many messages a response may hold, and the defaults.
    profile: Profile,
    /// The next script entry this connection takes.
    cursor: usize,
    number: usize,
    counter: u64,
    conversation_id: String,
    session: switchboard_wire::Session,
    effective: Effective,
    conversation: Vec<Stored>,
    input: Vec<u8>,
    /// Audio appended since the session began; what `audio_start_ms` counts.
    position: Duration,
    /// A PCM byte left over from an append with an odd length.
    carry: Option<u8>,
    detector: Option<Detector>,
    responses: Vec<Active>,
    idle: Option<Idle>,
    /// When the caller will have heard all the audio sent so far: responses play one after
    /// another, and speaking over them stops them.
    heard_until: Option<Instant>,
    assistant_audio: bool,
    closed: bool,
    out: VecDeque<Output>,
}

/// An item in the conversation, with the audio events leave out.
#[derive(Debug, Clone)]
struct Stored {
    item: Item,
    /// Raw audio in the format it was sent in.
    audio: Vec<u8>,
    audio_format: switchboard_wire::AudioFormat,
}

impl Stored {
    fn id(&self) -> Option<&ItemId> {
        self.item.id()
    }

    fn audio_ms(&self) -> u64 {
        millis(audio_format(self.audio_format).duration_of(self.audio.len()))
    }
}

#[derive(Debug)]
struct Detector {
    vad: Vad,
    /// Session audio position when the detector started; its offsets count from here.
    origin: Duration,
    /// The user item announced by `speech_started`.
    item: Option<ItemId>,
}

#[derive(Debug, Clone, Copy)]
struct Idle {
    deadline: Instant,
    from: Duration,
}

/// A response being written.
#[derive(Debug)]
struct Active {
    id: ResponseId,
    in_band: bool,
    modalities: Vec<Modality>,
    format: switchboard_wire::AudioFormat,
    voice: Option<WireVoice>,
    max_output_tokens: Option<MaxOutputTokens>,
    metadata: Option<BTreeMap<String, String>>,
    steps: VecDeque<Step>,
    paced: bool,
    started: Instant,
    /// Audio sent so far; with realtime pace the next chunk is due at `started + sent`.
    sent: Duration,
    /// All the audio the response will send, for when the caller will have heard it all.
    total: Duration,
    open: Option<Open>,
    output: Vec<Item>,
}

#[derive(Debug)]
enum Step {
    Raw(String),
    MessageStart {
        item_id: ItemId,
        output_index: u32,
        audio: bool,
    },
    Chunk {
        audio: Vec<u8>,
        duration: Duration,
        words: String,
    },
    Text(String),
    MessageEnd,
    Call {
        item_id: ItemId,
        output_index: u32,
        call_id: CallId,
        call: ScriptedCall,
    },
}

/// The assistant message being written.
#[derive(Debug)]
struct Open {
    item_id: ItemId,
    output_index: u32,
    audio: bool,
    said: String,
    bytes: Vec<u8>,
}

/// An output item a response will make, its text resolved.
#[derive(Debug)]
enum Planned {
    Message(String),
    Call(ScriptedCall),
}

/// The plan of a model that speaks at most one message per response (the 2025 model): every
/// message's text, joined, said where the first message was.
fn one_message(plan: Vec<Planned>) -> Vec<Planned> {
    let texts: Vec<&str> = plan
        .iter()
        .filter_map(|p| match p {
            Planned::Message(text) if !text.is_empty() => Some(text.as_str()),
            _ => None,
        })
        .collect();
    if texts.len() < 2 {
        return plan;
    }
    let joined = texts.join(" ");
    let mut merged = Some(joined);
    let mut out = Vec::with_capacity(plan.len());
    for planned in plan {
        match planned {
            Planned::Message(text) if text.is_empty() => {}
            Planned::Message(_) => {
                if let Some(text) = merged.take() {
                    out.push(Planned::Message(text));
                }
            }
            call @ Planned::Call(_) => out.push(call),
        }
    }
    out
}

/// Where a response's words come from.
enum Source<'a> {
    Entry(&'a crate::script::Entry),
    Ended,
    OutOfBand(String),
}

impl EmulatedSession {
    /// A new session for a connection that asked for `model`; `session.created` is the first
    /// output.
    pub fn new(rehearsal: Arc<Rehearsal>, model: &str, now: Instant) -> EmulatedSession {
        let number = rehearsal.next_session();
        let cursor = rehearsal.start();
        let profile = rehearsal
            .script()
            .model()
            .unwrap_or_else(|| Profile::for_model(model));
        let session = default_session(format!("sess_emu{number}"), model, profile);
        let effective = Effective::of(&session);
        let mut this = EmulatedSession {
            rehearsal,
            profile,
            cursor,
            number,
            counter: 0,
            conversation_id: format!("conv_emu{number}"),
            session,
            effective,
            conversation: Vec::new(),
            input: Vec::new(),
            position: Duration::ZERO,
            carry: None,
            detector: None,
            responses: Vec::new(),
            idle: None,
            heard_until: None,
            assistant_audio: false,
            closed: false,
            out: VecDeque::new(),
        };
        this.reset_detector();
        let event_id = this.event_id();
        this.emit(ServerEvent::SessionCreated(SessionEvent {
            event_id,
            session: this.session.clone(),
            extra: Extra::default(),
        }));
        this.drive(now);
        this
    }

    // ----- getters -----

    /// The effective session, as `session.updated` last reported it.
    pub fn session(&self) -> &switchboard_wire::Session {
        &self.session
    }

    /// The model generation this session plays: the script's `model`, else the one the
    /// connection asked for.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Whether a scripted `disconnect` has closed the session; it ignores input from then on.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    // ----- handle_* -----

    /// A text frame from the client. A frame that is not a valid event is answered with an
    /// `error` event, and the session carries on.
    pub fn handle_frame(&mut self, frame: &str, now: Instant) {
        match ClientEvent::from_json(frame) {
            Ok(event) => self.handle_event(event, now),
            Err(err) => {
                if !self.closed {
                    self.error(err.to_error_object());
                }
            }
        }
    }

    /// A binary frame from the client: the protocol only has text frames.
    pub fn handle_binary(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        self.error(RealtimeError::invalid_request(
            "invalid_event",
            "Binary frames are not supported; send each event as a JSON text frame.",
            None,
        ));
        self.drive(now);
    }

    /// A parsed client event.
    pub fn handle_event(&mut self, event: ClientEvent, now: Instant) {
        if self.closed {
            return;
        }
        self.drive(now);
        let event_id = event.event_id().cloned();
        match event {
            ClientEvent::SessionUpdate(update) => self.session_update(update, event_id),
            ClientEvent::InputAudioBufferAppend(append) => self.append(append, event_id, now),
            ClientEvent::InputAudioBufferCommit(_) => self.manual_commit(event_id),
            ClientEvent::InputAudioBufferClear(_) => {
                self.input.clear();
                self.carry = None;
                self.reset_detector();
                let event_id = self.event_id();
                self.emit(ServerEvent::InputAudioBufferCleared(EventOnly {
                    event_id,
                    extra: Extra::default(),
                }));
            }
            ClientEvent::OutputAudioBufferClear(_) => self.error(
                RealtimeError::invalid_request(
                    "invalid_event",
                    "output_audio_buffer.clear is only supported over WebRTC and SIP.",
                    None,
                )
                .for_event(event_id),
            ),
            ClientEvent::ConversationItemCreate(create) => self.item_create(create, event_id),
            ClientEvent::ConversationItemRetrieve(request) => {
                match self.position_of(&request.item_id) {
                    Some(at) => {
                        let item = with_audio(&self.conversation[at]);
                        let event_id = self.event_id();
                        self.emit(ServerEvent::ConversationItemRetrieved(ItemRetrieved {
                            event_id,
                            item,
                            extra: Extra::default(),
                        }));
                    }
                    None => self.error(no_such_item(
                        "item_retrieve_invalid_item_id",
                        &request.item_id,
                        event_id,
                    )),
                }
            }
            ClientEvent::ConversationItemDelete(request) => {
                match self.position_of(&request.item_id) {
                    Some(at) => {
                        self.conversation.remove(at);
                        let event_id = self.event_id();
                        self.emit(ServerEvent::ConversationItemDeleted(ItemDeleted {
                            event_id,
                            item_id: request.item_id,
                            extra: Extra::default(),
                        }));
                    }
                    None => self.error(no_such_item(
                        "item_delete_invalid_item_id",
                        &request.item_id,
                        event_id,
                    )),
                }
            }
            ClientEvent::ConversationItemTruncate(truncate) => self.truncate(truncate, event_id),
            ClientEvent::ResponseCreate(create) => self.response_create(create, event_id, now),
            ClientEvent::ResponseCancel(cancel) => {
                let found = match &cancel.response_id {
                    Some(id) => self.responses.iter().position(|r| &r.id == id),
                    None => self.responses.iter().position(|r| r.in_band).or(
                        if self.responses.is_empty() {
                            None
                        } else {
                            Some(0)
                        },
                    ),
                };
                match found {
                    Some(at) => self.cancel(at, StatusReason::ClientCancelled, now),
                    None => self.error(
                        RealtimeError::invalid_request(
                            "response_cancel_not_active",
                            "Cancellation failed: no active response found",
                            None,
                        )
                        .for_event(event_id),
                    ),
                }
            }
        }
        self.drive(now);
    }

    /// Time has reached [`EmulatedSession::poll_timeout`]: paced audio and the idle timeout.
    pub fn handle_timeout(&mut self, now: Instant) {
        if !self.closed {
            self.drive(now);
        }
    }

    // ----- poll_* -----

    /// The next thing to send, oldest first.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// When [`EmulatedSession::handle_timeout`] should next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed {
            return None;
        }
        self.responses
            .iter()
            .filter(|r| r.paced && matches!(r.steps.front(), Some(Step::Chunk { .. })))
            .map(|r| r.started + r.sent)
            .chain(self.idle.map(|i| i.deadline))
            .min()
    }

    /// The text an event will make the emulator speak that the script could not know in
    /// advance (an out-of-band response's phrase), so the shell can synthesize it first.
    pub(crate) fn speech_for(event: &ClientEvent) -> Option<String> {
        match event {
            ClientEvent::ResponseCreate(ResponseCreate {
                response: Some(params),
                ..
            }) if out_of_band(params) => Some(oob_phrase(params)),
            _ => None,
        }
    }

    // ----- session and input -----

    fn session_update(&mut self, update: SessionUpdate, event_id: Option<EventId>) {
        let patch = update.session;
        if patch.kind != SessionKind::Realtime {
            return self.error(
                RealtimeError::invalid_request(
                    "invalid_value",
                    "The emulator only runs realtime sessions; 'session.type' must be 'realtime'.",
                    Some("session.type".to_owned()),
                )
                .for_event(event_id),
            );
        }
        let new_voice = patch
            .audio
            .as_ref()
            .and_then(|a| a.output.as_ref())
            .and_then(|o| o.voice.as_ref());
        if self.assistant_audio
            && let Some(voice) = new_voice
            && Some(voice) != self.effective.voice.as_ref()
        {
            return self.error(
                RealtimeError::invalid_request(
                    "cannot_update_voice",
                    "Cannot update a conversation's voice if assistant audio is present.",
                    Some("session.audio.output.voice".to_owned()),
                )
                .for_event(event_id),
            );
        }
        merge(&mut self.session, patch);
        let effective = Effective::of(&self.session);
        let restart = effective.turns != self.effective.turns
            || effective.input_format != self.effective.input_format;
        self.effective = effective;
        if restart {
            self.reset_detector();
            if self.effective.turns.and_then(|t| t.idle_timeout).is_none() {
                self.idle = None;
            }
        }
        let event_id = self.event_id();
        self.emit(ServerEvent::SessionUpdated(SessionEvent {
            event_id,
            session: self.session.clone(),
            extra: Extra::default(),
        }));
    }

    fn reset_detector(&mut self) {
        self.detector = self.effective.turns.and_then(|turns| {
            let rate = audio_format(self.effective.input_format).sample_rate();
            Vad::new(rate, turns.vad).ok().map(|vad| Detector {
                vad,
                origin: self.position,
                item: None,
            })
        });
    }

    fn append(&mut self, append: InputAudioBufferAppend, event_id: Option<EventId>, now: Instant) {
        let Ok(mut bytes) = decode_base64(&append.audio) else {
            return self.error(
                RealtimeError::invalid_request(
                    "invalid_value",
                    "Invalid 'audio'. Expected base64-encoded audio in the session's input format.",
                    Some("audio".to_owned()),
                )
                .for_event(event_id),
            );
        };
        if bytes.len() > MAX_APPEND_BYTES {
            return self.error(
                RealtimeError::invalid_request(
                    "invalid_value",
                    format!(
                        "Invalid 'audio': {} bytes is more than the 15 MiB one append may carry.",
                        bytes.len()
                    ),
                    Some("audio".to_owned()),
                )
                .for_event(event_id),
            );
        }
        let format = audio_format(self.effective.input_format);
        self.input.extend_from_slice(&bytes);
        self.position += format.duration_of(bytes.len());
        if self.detector.is_none() {
            return;
        }
        if format.bytes_per_sample() == 2 {
            if let Some(byte) = self.carry.take() {
                bytes.insert(0, byte);
            }
            if bytes.len() % 2 == 1 {
                self.carry = bytes.pop();
            }
        }
        let samples = format.decode(&bytes).unwrap_or_default();
        let mut events = Vec::new();
        if let Some(detector) = &mut self.detector {
            detector.vad.push(&samples);
            while let Some(event) = detector.vad.poll_event() {
                events.push(event);
            }
        }
        for event in events {
            self.on_vad(event, now);
        }
        if self.detector.as_ref().is_some_and(|d| !d.vad.in_speech()) {
            let keep = format.bytes_for(KEEP_WHILE_SILENT);
            if self.input.len() > keep {
                self.input.drain(..self.input.len() - keep);
            }
        }
    }

    fn on_vad(&mut self, event: switchboard_audio::VadEvent, now: Instant) {
        let Some(turns) = self.effective.turns else {
            return;
        };
        let origin = self.detector.as_ref().map_or(Duration::ZERO, |d| d.origin);
        match event {
            switchboard_audio::VadEvent::SpeechStarted { audio_start } => {
                let item_id = self.item_id();
                if let Some(detector) = &mut self.detector {
                    detector.item = Some(item_id.clone());
                }
                self.idle = None;
                // A client stops playing the model when the caller speaks over it.
                self.heard_until = None;
                let event_id = self.event_id();
                self.emit(ServerEvent::InputAudioBufferSpeechStarted(SpeechStarted {
                    event_id,
                    item_id,
                    audio_start_ms: millis(origin + audio_start),
                    extra: Extra::default(),
                }));
                if turns.interrupt_response
                    && let Some(at) = self.responses.iter().position(|r| r.in_band)
                {
                    self.cancel(at, StatusReason::TurnDetected, now);
                }
            }
            switchboard_audio::VadEvent::SpeechStopped { audio_end } => {
                let item_id = self
                    .detector
                    .as_mut()
                    .and_then(|d| d.item.take())
                    .unwrap_or_else(|| self.item_id());
                let event_id = self.event_id();
                self.emit(ServerEvent::InputAudioBufferSpeechStopped(SpeechStopped {
                    event_id,
                    item_id: item_id.clone(),
                    audio_end_ms: millis(origin + audio_end),
                    extra: Extra::default(),
                }));
                let heard = self.heard();
                self.commit(item_id, Some(heard));
                self.auto_response(now);
            }
        }
    }

    /// What the caller is reported to have said: the `heard` of the entry the next response
    /// will take, else the transcript a client queued with [`Rehearsal::hear`], else nothing.
    /// Every committed turn takes one queued transcript, used or not, so a client queuing one
    /// per audio turn stays in step with the turns.
    fn heard(&self) -> String {
        let queued = self.rehearsal.next_heard();
        self.rehearsal
            .script()
            .entries()
            .get(self.cursor)
            .and_then(|e| e.heard.clone())
            .or(queued)
            .unwrap_or_default()
    }

    fn manual_commit(&mut self, event_id: Option<EventId>) {
        let buffered = audio_format(self.effective.input_format).duration_of(self.input.len());
        if buffered < MIN_COMMIT {
            return self.error(
                RealtimeError::invalid_request(
                    "input_audio_buffer_commit_empty",
                    format!(
                        "Error committing input audio buffer: buffer too small. Expected at least \
                         100ms of audio, but buffer only has {}ms of audio.",
                        buffered.as_millis()
                    ),
                    None,
                )
                .for_event(event_id),
            );
        }
        let item_id = self
            .detector
            .as_mut()
            .and_then(|d| d.item.take())
            .unwrap_or_else(|| self.item_id());
        self.reset_detector();
        let heard = self.heard();
        self.commit(item_id, Some(heard));
    }

    /// The input buffer becomes a user item: committed, added, done, then its transcript
    /// (none for `None`: no speech to transcribe).
    fn commit(&mut self, item_id: ItemId, heard: Option<String>) {
        let audio = std::mem::take(&mut self.input);
        self.carry = None;
        let previous = self.last_id();
        let event_id = self.event_id();
        self.emit(ServerEvent::InputAudioBufferCommitted(Committed {
            event_id,
            item_id: item_id.clone(),
            previous_item_id: previous.clone(),
            extra: Extra::default(),
        }));
        let item = Item::Message(MessageItem {
            id: Some(item_id.clone()),
            object: Some(ITEM_OBJECT.to_owned()),
            status: Some(ItemStatus::Completed),
            role: switchboard_wire::Role::User,
            content: vec![ContentPart::InputAudio {
                audio: None,
                transcript: Nullable::Null,
                extra: Extra::default(),
            }],
            extra: Extra::default(),
        });
        self.conversation.push(Stored {
            item: item.clone(),
            audio,
            audio_format: self.effective.input_format,
        });
        self.item_added_and_done(previous, item);
        let Some(heard) = heard.filter(|_| self.effective.transcribe) else {
            return;
        };
        if !heard.is_empty() {
            let event_id = self.event_id();
            self.emit(ServerEvent::InputTranscriptionDelta(TranscriptionDelta {
                event_id,
                item_id: item_id.clone(),
                content_index: Some(0),
                delta: Some(heard.clone()),
                logprobs: Nullable::Absent,
                extra: Extra::default(),
            }));
        }
        if let Some(at) = self.position_of(&item_id)
            && let Item::Message(message) = &mut self.conversation[at].item
        {
            message.content = vec![ContentPart::InputAudio {
                audio: None,
                transcript: Nullable::Value(heard.clone()),
                extra: Extra::default(),
            }];
        }
        let words = u64::try_from(heard.split_whitespace().count()).unwrap_or(0);
        let event_id = self.event_id();
        self.emit(ServerEvent::InputTranscriptionCompleted(
            TranscriptionCompleted {
                event_id,
                item_id,
                content_index: 0,
                transcript: heard,
                usage: Some(TranscriptionUsage::Tokens(TokenUsage {
                    input_tokens: 20,
                    output_tokens: words,
                    total_tokens: 20 + words,
                    input_token_details: None,
                    extra: Extra::default(),
                })),
                logprobs: Nullable::Absent,
                languages: None,
                extra: Extra::default(),
            },
        ));
    }

    fn auto_response(&mut self, now: Instant) {
        let create = self.effective.turns.is_some_and(|t| t.create_response);
        if create && !self.responses.iter().any(|r| r.in_band) {
            self.start_response(None, now);
        }
    }

    // ----- conversation -----

    /// The string under `key` in the latest function call output of the conversation (a
    /// JSON object), for entries that read a tool's answer aloud.
    fn latest_output_field(&self, key: &str) -> Option<String> {
        self.conversation.iter().rev().find_map(|s| match &s.item {
            Item::FunctionCallOutput(o) => serde_json::from_str::<serde_json::Value>(&o.output)
                .ok()
                .and_then(|v| {
                    v.get(key)
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_owned)
                }),
            _ => None,
        })
    }

    fn item_create(&mut self, create: ConversationItemCreate, event_id: Option<EventId>) {
        let ConversationItemCreate {
            previous_item_id,
            item,
            ..
        } = create;
        let insert_at = match &previous_item_id {
            None => self.conversation.len(),
            Some(id) if id.as_str() == "root" => 0,
            Some(id) => match self.position_of(id) {
                Some(at) => at + 1,
                None => {
                    return self.error(
                        RealtimeError::invalid_request(
                            "invalid_value",
                            format!(
                                "Invalid 'previous_item_id': no item with id '{id}' in the conversation."
                            ),
                            Some("previous_item_id".to_owned()),
                        )
                        .for_event(event_id),
                    );
                }
            },
        };
        if let Some(id) = item.id()
            && self.position_of(id).is_some()
        {
            return self.error(
                RealtimeError::invalid_request(
                    "invalid_value",
                    format!("Invalid 'item.id': an item with id '{id}' already exists."),
                    Some("item.id".to_owned()),
                )
                .for_event(event_id),
            );
        }
        if let Item::FunctionCallOutput(output) = &item {
            let known = self.conversation.iter().any(|s| {
                matches!(&s.item, Item::FunctionCall(call) if call.call_id.as_ref() == Some(&output.call_id))
            });
            if !known {
                return self.error(
                    RealtimeError::invalid_request(
                        "invalid_value",
                        format!(
                            "Invalid 'item.call_id': no function call with call_id '{}' in the \
                             conversation.",
                            output.call_id
                        ),
                        Some("item.call_id".to_owned()),
                    )
                    .for_event(event_id),
                );
            }
        }
        if matches!(&item, Item::Message(m) if m.role == switchboard_wire::Role::User) {
            // The caller said something, in text: not idle.
            self.idle = None;
        }
        let id = item.id().cloned().unwrap_or_else(|| self.item_id());
        let (item, audio) = server_item(item, id);
        let previous = match insert_at.checked_sub(1) {
            Some(before) => nullable_id(self.conversation[before].id()),
            None => Nullable::Null,
        };
        self.conversation.insert(
            insert_at,
            Stored {
                item: item.clone(),
                audio,
                audio_format: self.effective.input_format,
            },
        );
        self.item_added_and_done(previous, item);
    }

    fn item_added_and_done(&mut self, previous: Nullable<ItemId>, item: Item) {
        let event_id = self.event_id();
        self.emit(ServerEvent::ConversationItemAdded(ItemEvent {
            event_id,
            previous_item_id: previous.clone(),
            item: item.clone(),
            extra: Extra::default(),
        }));
        let event_id = self.event_id();
        self.emit(ServerEvent::ConversationItemDone(ItemEvent {
            event_id,
            previous_item_id: previous,
            item,
            extra: Extra::default(),
        }));
    }

    fn truncate(&mut self, truncate: ConversationItemTruncate, event_id: Option<EventId>) {
        let ConversationItemTruncate {
            item_id,
            content_index,
            audio_end_ms,
            ..
        } = truncate;
        let Some(at) = self.position_of(&item_id) else {
            return self.error(no_such_item(
                "item_truncate_invalid_item_id",
                &item_id,
                event_id,
            ));
        };
        let stored = &self.conversation[at];
        let audio_part = match &stored.item {
            Item::Message(m) if m.role == switchboard_wire::Role::Assistant => {
                matches!(
                    m.content.get(content_index as usize),
                    Some(ContentPart::OutputAudio { .. })
                )
            }
            _ => false,
        };
        if !audio_part {
            return self.error(
                RealtimeError::invalid_request(
                    "invalid_value",
                    format!(
                        "Invalid 'content_index': item '{item_id}' has no assistant audio at \
                         content index {content_index}."
                    ),
                    Some("content_index".to_owned()),
                )
                .for_event(event_id),
            );
        }
        let length = stored.audio_ms();
        if audio_end_ms > length {
            return self.error(
                RealtimeError::invalid_request(
                    "invalid_value",
                    format!(
                        "Invalid 'audio_end_ms': audio content of {length}ms is already shorter \
                         than {audio_end_ms}ms."
                    ),
                    Some("audio_end_ms".to_owned()),
                )
                .for_event(event_id),
            );
        }
        let stored = &mut self.conversation[at];
        let format = audio_format(stored.audio_format);
        stored
            .audio
            .truncate(format.bytes_for(Duration::from_millis(audio_end_ms)));
        if let Item::Message(message) = &mut stored.item
            && let Some(ContentPart::OutputAudio { transcript, .. }) =
                message.content.get_mut(content_index as usize)
            && let Nullable::Value(text) = transcript
        {
            *text = heard_part(text, audio_end_ms, length);
        }
        let event_id = self.event_id();
        self.emit(ServerEvent::ConversationItemTruncated(ItemTruncated {
            event_id,
            item_id,
            content_index,
            audio_end_ms,
            extra: Extra::default(),
        }));
    }

    // ----- responses -----

    fn response_create(&mut self, create: ResponseCreate, event_id: Option<EventId>, now: Instant) {
        let in_band = !create.response.as_ref().is_some_and(out_of_band);
        if in_band && let Some(active) = self.responses.iter().find(|r| r.in_band) {
            let message = format!(
                "Conversation already has an active response in progress: {}. Wait until the \
                 response is finished before creating a new one.",
                active.id
            );
            return self.error(
                RealtimeError::invalid_request(
                    "conversation_already_has_active_response",
                    message,
                    None,
                )
                .for_event(event_id),
            );
        }
        self.start_response(create.response, now);
    }

    /// Starts a response: takes the next script entry (in band) or speaks the instructions'
    /// phrase (out of band), and plans every step.
    fn start_response(&mut self, params: Option<ResponseParams>, now: Instant) {
        let params = params.unwrap_or_default();
        let in_band = !out_of_band(&params);
        let rehearsal = self.rehearsal.clone();
        let source = if in_band {
            match rehearsal.take(self.cursor) {
                Some(entry) => {
                    self.cursor += 1;
                    Source::Entry(entry)
                }
                None => Source::Ended,
            }
        } else {
            Source::OutOfBand(oob_phrase(&params))
        };
        let (raw, plan): (&[String], Vec<Planned>) = match &source {
            Source::Entry(entry) => {
                if entry.disconnect {
                    self.rehearsal.resume_at(self.cursor);
                    self.closed = true;
                    self.responses.clear();
                    self.idle = None;
                    self.out.push_back(Output::Close);
                    return;
                }
                let plan = entry
                    .plan()
                    .into_iter()
                    .filter_map(|step| match step {
                        ScriptedStep::Say(text) => Some(Planned::Message(text)),
                        ScriptedStep::SayFromOutput(key) => {
                            self.latest_output_field(&key).map(Planned::Message)
                        }
                        ScriptedStep::Call(call) => Some(Planned::Call(call)),
                    })
                    .collect();
                (&entry.raw, plan)
            }
            Source::Ended => (&[], vec![Planned::Message(ENDED_LINE.to_owned())]),
            Source::OutOfBand(text) => (&[], vec![Planned::Message(text.clone())]),
        };
        let plan = if self.profile.several_messages() {
            plan
        } else {
            one_message(plan)
        };
        if in_band {
            self.idle = None;
        }
        let modalities = params
            .output_modalities
            .clone()
            .unwrap_or_else(|| self.effective.modalities.clone());
        let audio = modalities.contains(&Modality::Audio);
        let response_audio = params.audio.as_ref().and_then(|a| a.output.as_ref());
        let format = response_audio
            .and_then(|o| o.format)
            .unwrap_or(self.effective.output_format);
        let voice = response_audio
            .and_then(|o| o.voice.clone())
            .or_else(|| self.effective.voice.clone());
        let mut response = Active {
            id: ResponseId::new(self.fresh("resp")),
            in_band,
            modalities,
            format,
            voice,
            max_output_tokens: params.max_output_tokens.or(self.session.max_output_tokens),
            metadata: params.metadata.clone(),
            steps: raw.iter().cloned().map(Step::Raw).collect(),
            paced: rehearsal.script().pace() == Pace::Realtime,
            started: now,
            sent: Duration::ZERO,
            total: Duration::ZERO,
            open: None,
            output: Vec::new(),
        };
        let mut output_index = 0;
        for planned in plan {
            match planned {
                Planned::Message(text) => {
                    if text.is_empty() {
                        continue;
                    }
                    response.steps.push_back(Step::MessageStart {
                        item_id: self.item_id(),
                        output_index,
                        audio,
                    });
                    if audio {
                        let samples = rehearsal.voice.samples(&text);
                        let bytes = encode(&samples, format);
                        let chunk_len = audio_format(format)
                            .bytes_for(rehearsal.script().audio_chunk())
                            .max(1);
                        let chunks: Vec<&[u8]> = bytes.chunks(chunk_len).collect();
                        let words = split_words(&text, chunks.len().max(1));
                        for (i, words) in words.into_iter().enumerate() {
                            let audio = chunks.get(i).map_or_else(Vec::new, |c| c.to_vec());
                            let duration = audio_format(format).duration_of(audio.len());
                            response.total += duration;
                            response.steps.push_back(Step::Chunk {
                                audio,
                                duration,
                                words,
                            });
                        }
                    } else {
                        for words in split_words(&text, text.split_whitespace().count().max(1)) {
                            response.steps.push_back(Step::Text(words));
                        }
                    }
                    response.steps.push_back(Step::MessageEnd);
                }
                Planned::Call(call) => {
                    let call_id =
                        CallId::new(call.call_id.clone().unwrap_or_else(|| self.fresh("call")));
                    response.steps.push_back(Step::Call {
                        item_id: self.item_id(),
                        output_index,
                        call_id,
                        call,
                    });
                }
            }
            output_index += 1;
        }
        let created = response.snapshot(
            ResponseStatus::InProgress,
            Nullable::Null,
            Vec::new(),
            Nullable::Null,
            self.conversation_id_for(in_band),
        );
        // Raw frames go before the response's events.
        while let Some(Step::Raw(_)) = response.steps.front() {
            if let Some(Step::Raw(frame)) = response.steps.pop_front() {
                self.out.push_back(Output::Raw(frame));
            }
        }
        let event_id = self.event_id();
        self.emit(ServerEvent::ResponseCreated(ResponseEvent {
            event_id,
            response: created,
            extra: Extra::default(),
        }));
        self.responses.push(response);
    }

    fn conversation_id_for(&self, in_band: bool) -> Nullable<String> {
        if in_band {
            Nullable::Value(self.conversation_id.clone())
        } else {
            Nullable::Null
        }
    }

    /// Sends whatever is due, finishes responses that have nothing left, fires the idle
    /// timeout.
    fn drive(&mut self, now: Instant) {
        self.run_responses(now);
        if self.idle_timeout(now) {
            // The timeout's response starts at once.
            self.run_responses(now);
        }
    }

    fn run_responses(&mut self, now: Instant) {
        let mut i = 0;
        while i < self.responses.len() {
            let mut response = self.responses.remove(i);
            let finished = loop {
                let due = match response.steps.front() {
                    None => break true,
                    Some(Step::Chunk { .. }) if response.paced => {
                        response.started + response.sent <= now
                    }
                    Some(_) => true,
                };
                if !due {
                    break false;
                }
                if let Some(step) = response.steps.pop_front() {
                    self.run(&mut response, step);
                }
            };
            if finished {
                self.finish(response, ResponseStatus::Completed, None, now);
            } else {
                self.responses.insert(i, response);
                i += 1;
            }
        }
    }

    /// Fires the idle timeout if it is due; true when it fired.
    fn idle_timeout(&mut self, now: Instant) -> bool {
        if let Some(idle) = self.idle
            && now >= idle.deadline
            && !self.responses.iter().any(|r| r.in_band)
            && !self.detector.as_ref().is_some_and(|d| d.vad.in_speech())
        {
            self.idle = None;
            let item_id = self.item_id();
            let event_id = self.event_id();
            self.emit(ServerEvent::InputAudioBufferTimeoutTriggered(
                TimeoutTriggered {
                    event_id,
                    item_id: item_id.clone(),
                    audio_start_ms: millis(idle.from),
                    audio_end_ms: millis(self.position),
                    extra: Extra::default(),
                },
            ));
            self.reset_detector();
            // The caller said nothing: the item is the (silent) buffer, with nothing to
            // transcribe (an empty transcript would read as audio that was not understood).
            self.commit(item_id, None);
            self.auto_response(now);
            return true;
        }
        false
    }

    fn run(&mut self, response: &mut Active, step: Step) {
        let response_id = response.id.clone();
        match step {
            Step::Raw(frame) => self.out.push_back(Output::Raw(frame)),
            Step::MessageStart {
                item_id,
                output_index,
                audio,
            } => {
                let item = Item::Message(MessageItem {
                    id: Some(item_id.clone()),
                    object: Some(ITEM_OBJECT.to_owned()),
                    status: Some(ItemStatus::InProgress),
                    role: switchboard_wire::Role::Assistant,
                    content: Vec::new(),
                    extra: Extra::default(),
                });
                self.output_item_added(response, output_index, item);
                let event_id = self.event_id();
                self.emit(ServerEvent::ResponseContentPartAdded(ContentPartEvent {
                    event_id,
                    response_id,
                    item_id: item_id.clone(),
                    output_index,
                    content_index: 0,
                    part: part(audio, String::new()),
                    extra: Extra::default(),
                }));
                response.open = Some(Open {
                    item_id,
                    output_index,
                    audio,
                    said: String::new(),
                    bytes: Vec::new(),
                });
            }
            Step::Chunk {
                audio,
                duration,
                words,
            } => {
                let Some(open) = &mut response.open else {
                    return;
                };
                let (item_id, output_index) = (open.item_id.clone(), open.output_index);
                open.said.push_str(&words);
                open.bytes.extend_from_slice(&audio);
                response.sent += duration;
                if !words.is_empty() {
                    let event_id = self.event_id();
                    self.emit(ServerEvent::ResponseOutputAudioTranscriptDelta(
                        ContentDelta {
                            event_id,
                            response_id: response_id.clone(),
                            item_id: item_id.clone(),
                            output_index,
                            content_index: 0,
                            delta: words,
                            extra: Extra::default(),
                        },
                    ));
                }
                if !audio.is_empty() {
                    self.assistant_audio = true;
                    let event_id = self.event_id();
                    self.emit(ServerEvent::ResponseOutputAudioDelta(ContentDelta {
                        event_id,
                        response_id,
                        item_id: item_id.clone(),
                        output_index,
                        content_index: 0,
                        delta: encode_base64(&audio),
                        extra: Extra::default(),
                    }));
                    if response.in_band
                        && let Some(at) = self.position_of(&item_id)
                    {
                        self.conversation[at].audio.extend_from_slice(&audio);
                    }
                }
            }
            Step::Text(words) => {
                let Some(open) = &mut response.open else {
                    return;
                };
                open.said.push_str(&words);
                let (item_id, output_index) = (open.item_id.clone(), open.output_index);
                let event_id = self.event_id();
                self.emit(ServerEvent::ResponseOutputTextDelta(ContentDelta {
                    event_id,
                    response_id,
                    item_id,
                    output_index,
                    content_index: 0,
                    delta: words,
                    extra: Extra::default(),
                }));
            }
            Step::MessageEnd => self.close_message(response, ItemStatus::Completed),
            Step::Call {
                item_id,
                output_index,
                call_id,
                call,
            } => {
                let item = |status, arguments: &str| {
                    Item::FunctionCall(FunctionCallItem {
                        id: Some(item_id.clone()),
                        object: Some(ITEM_OBJECT.to_owned()),
                        status: Some(status),
                        call_id: Some(call_id.clone()),
                        name: call.name.clone(),
                        arguments: arguments.to_owned(),
                        extra: Extra::default(),
                    })
                };
                self.output_item_added(response, output_index, item(ItemStatus::InProgress, ""));
                for delta in split_in_two(&call.arguments) {
                    let event_id = self.event_id();
                    self.emit(ServerEvent::ResponseFunctionCallArgumentsDelta(
                        FunctionCallArgumentsDelta {
                            event_id,
                            response_id: response_id.clone(),
                            item_id: item_id.clone(),
                            output_index,
                            call_id: call_id.clone(),
                            delta: delta.to_owned(),
                            extra: Extra::default(),
                        },
                    ));
                }
                let event_id = self.event_id();
                self.emit(ServerEvent::ResponseFunctionCallArgumentsDone(
                    FunctionCallArgumentsDone {
                        event_id,
                        response_id,
                        item_id: item_id.clone(),
                        output_index,
                        call_id: call_id.clone(),
                        name: call.name.clone(),
                        arguments: call.arguments.clone(),
                        extra: Extra::default(),
                    },
                ));
                let done = item(ItemStatus::Completed, &call.arguments);
                self.output_item_done(response, output_index, done, Vec::new());
            }
        }
    }

    fn output_item_added(&mut self, response: &Active, output_index: u32, item: Item) {
        let event_id = self.event_id();
        self.emit(ServerEvent::ResponseOutputItemAdded(OutputItemEvent {
            event_id,
            response_id: response.id.clone(),
            output_index,
            item: item.clone(),
            extra: Extra::default(),
        }));
        if response.in_band {
            let previous = self.last_id();
            self.conversation.push(Stored {
                item: item.clone(),
                audio: Vec::new(),
                audio_format: response.format,
            });
            let event_id = self.event_id();
            self.emit(ServerEvent::ConversationItemAdded(ItemEvent {
                event_id,
                previous_item_id: previous,
                item,
                extra: Extra::default(),
            }));
        }
    }

    fn output_item_done(
        &mut self,
        response: &mut Active,
        output_index: u32,
        item: Item,
        audio: Vec<u8>,
    ) {
        let event_id = self.event_id();
        self.emit(ServerEvent::ResponseOutputItemDone(OutputItemEvent {
            event_id,
            response_id: response.id.clone(),
            output_index,
            item: item.clone(),
            extra: Extra::default(),
        }));
        if response.in_band
            && let Some(id) = item.id()
            && let Some(at) = self.position_of(id)
        {
            self.conversation[at].item = item.clone();
            self.conversation[at].audio = audio;
            let previous = match at.checked_sub(1) {
                Some(before) => nullable_id(self.conversation[before].id()),
                None => Nullable::Null,
            };
            let event_id = self.event_id();
            self.emit(ServerEvent::ConversationItemDone(ItemEvent {
                event_id,
                previous_item_id: previous,
                item: item.clone(),
                extra: Extra::default(),
            }));
        }
        response.output.push(item);
    }

    /// Ends the open message: its done events, then the item (completed, or incomplete when
    /// the response was cancelled).
    fn close_message(&mut self, response: &mut Active, status: ItemStatus) {
        let Some(open) = response.open.take() else {
            return;
        };
        let response_id = response.id.clone();
        let Open {
            item_id,
            output_index,
            audio,
            said,
            bytes,
        } = open;
        if audio {
            let event_id = self.event_id();
            self.emit(ServerEvent::ResponseOutputAudioDone(ContentRef {
                event_id,
                response_id: response_id.clone(),
                item_id: item_id.clone(),
                output_index,
                content_index: 0,
                extra: Extra::default(),
            }));
            let event_id = self.event_id();
            self.emit(ServerEvent::ResponseOutputAudioTranscriptDone(
                TranscriptDone {
                    event_id,
                    response_id: response_id.clone(),
                    item_id: item_id.clone(),
                    output_index,
                    content_index: 0,
                    transcript: said.clone(),
                    extra: Extra::default(),
                },
            ));
        } else {
            let event_id = self.event_id();
            self.emit(ServerEvent::ResponseOutputTextDone(TextDone {
                event_id,
                response_id: response_id.clone(),
                item_id: item_id.clone(),
                output_index,
                content_index: 0,
                text: said.clone(),
                extra: Extra::default(),
            }));
        }
        let event_id = self.event_id();
        self.emit(ServerEvent::ResponseContentPartDone(ContentPartEvent {
            event_id,
            response_id,
            item_id: item_id.clone(),
            output_index,
            content_index: 0,
            part: part(audio, said.clone()),
            extra: Extra::default(),
        }));
        let content = if audio {
            ContentPart::OutputAudio {
                audio: None,
                transcript: Nullable::Value(said),
                extra: Extra::default(),
            }
        } else {
            ContentPart::OutputText {
                text: said,
                extra: Extra::default(),
            }
        };
        let item = Item::Message(MessageItem {
            id: Some(item_id),
            object: Some(ITEM_OBJECT.to_owned()),
            status: Some(status),
            role: switchboard_wire::Role::Assistant,
            content: vec![content],
            extra: Extra::default(),
        });
        self.output_item_done(response, output_index, item, bytes);
    }

    fn cancel(&mut self, at: usize, reason: StatusReason, now: Instant) {
        let mut response = self.responses.remove(at);
        self.close_message(&mut response, ItemStatus::Incomplete);
        response.steps.clear();
        self.finish(response, ResponseStatus::Cancelled, Some(reason), now);
    }

    /// `response.done` (and `rate_limits.updated`), then the idle timer starts counting from
    /// when the caller will have heard the last of the audio.
    fn finish(
        &mut self,
        mut response: Active,
        status: ResponseStatus,
        reason: Option<StatusReason>,
        now: Instant,
    ) {
        let details = match reason {
            Some(reason) => Nullable::Value(StatusDetails {
                kind: Some(status),
                reason: Some(reason),
                error: None,
                extra: Extra::default(),
            }),
            None => Nullable::Null,
        };
        let output = std::mem::take(&mut response.output);
        let usage = usage(&output, response.sent, self.conversation.len());
        let done = response.snapshot(
            status,
            details,
            output,
            Nullable::Value(usage),
            self.conversation_id_for(response.in_band),
        );
        let event_id = self.event_id();
        self.emit(ServerEvent::ResponseDone(ResponseEvent {
            event_id,
            response: done,
            extra: Extra::default(),
        }));
        let event_id = self.event_id();
        self.emit(ServerEvent::RateLimitsUpdated(RateLimitsUpdated {
            event_id,
            rate_limits: vec![
                RateLimit {
                    name: Some("requests".to_owned()),
                    limit: Some(5_000),
                    remaining: Some(4_999),
                    reset_seconds: Some(0.012),
                    extra: Extra::default(),
                },
                RateLimit {
                    name: Some("tokens".to_owned()),
                    limit: Some(400_000),
                    remaining: Some(395_000),
                    reset_seconds: Some(0.75),
                    extra: Extra::default(),
                },
            ],
            extra: Extra::default(),
        }));
        // Its audio plays once the audio sent before it has; a cancelled one stops playing.
        let heard_all = if status == ResponseStatus::Completed {
            let from = self
                .heard_until
                .map_or(response.started, |until| until.max(response.started));
            (from + response.total).max(now)
        } else {
            now
        };
        self.heard_until = Some(heard_all);
        if response.in_band
            && let Some(idle) = self.effective.turns.and_then(|t| t.idle_timeout)
        {
            self.idle = Some(Idle {
                deadline: heard_all + idle,
                from: self.position,
            });
        }
    }

    // ----- helpers -----

    fn emit(&mut self, event: ServerEvent) {
        tracing::trace!(event = event.event_type(), "emulator sends");
        self.out.push_back(Output::Event(event));
    }

    fn error(&mut self, error: RealtimeError) {
        let event_id = self.event_id();
        self.emit(ServerEvent::error(event_id, error));
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}_emu{}x{:05}", self.number, self.counter)
    }

    fn event_id(&mut self) -> EventId {
        EventId::new(self.fresh("event"))
    }

    fn item_id(&mut self) -> ItemId {
        ItemId::new(self.fresh("item"))
    }

    fn last_id(&self) -> Nullable<ItemId> {
        nullable_id(self.conversation.last().and_then(Stored::id))
    }

    fn position_of(&self, id: &ItemId) -> Option<usize> {
        self.conversation.iter().position(|s| s.id() == Some(id))
    }
}

impl Active {
    fn snapshot(
        &self,
        status: ResponseStatus,
        status_details: Nullable<StatusDetails>,
        output: Vec<Item>,
        usage: Nullable<Usage>,
        conversation_id: Nullable<String>,
    ) -> Response {
        Response {
            id: Some(self.id.clone()),
            object: Some(RESPONSE_OBJECT.to_owned()),
            status: Some(status),
            status_details,
            output: Some(output),
            conversation_id,
            output_modalities: Some(self.modalities.clone()),
            max_output_tokens: self.max_output_tokens,
            audio: Some(ResponseAudio {
                output: Some(ResponseAudioOutput {
                    format: Some(self.format),
                    voice: self.voice.clone(),
                    extra: Extra::default(),
                }),
                extra: Extra::default(),
            }),
            usage,
            metadata: self.metadata.clone().into(),
            extra: Extra::default(),
        }
    }
}

fn out_of_band(params: &ResponseParams) -> bool {
    matches!(
        params.conversation,
        Some(ResponseConversation::Mode(ConversationMode::None))
    )
}

/// The phrase an out-of-band response speaks: the text between “ and ” (or straight double
/// quotes) in its instructions, else the whole instructions.
pub(crate) fn oob_phrase(params: &ResponseParams) -> String {
    let instructions = params.instructions.as_deref().unwrap_or("").trim();
    let between = |open: char, close: char| {
        let start = instructions.find(open)? + open.len_utf8();
        let len = instructions[start..].find(close)?;
        Some(instructions[start..start + len].trim().to_owned())
    };
    between('“', '”')
        .or_else(|| between('"', '"'))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| instructions.to_owned())
}

/// Splits `text` into `parts` consecutive pieces at word boundaries, so that their
/// concatenation is exactly `text` (some pieces are empty when there are fewer words).
fn split_words(text: &str, parts: usize) -> Vec<String> {
    // Each word keeps the whitespace before it; leading whitespace goes with the first word.
    let mut words: Vec<&str> = Vec::new();
    let mut start = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_word {
                words.push(&text[start..i]);
                start = i;
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    words.push(&text[start..]);
    let words: Vec<&str> = words.into_iter().filter(|w| !w.is_empty()).collect();
    let parts = parts.max(1);
    (0..parts)
        .map(|p| {
            // Rounded up, so the first piece always has a word: the transcript leads.
            let from = (p * words.len()).div_ceil(parts);
            let to = ((p + 1) * words.len()).div_ceil(parts);
            words[from..to].concat()
        })
        .collect()
}

/// Arguments streamed in two deltas (one when too short to split), as the service streams
/// them in pieces.
fn split_in_two(arguments: &str) -> Vec<&str> {
    let mut middle = arguments.len() / 2;
    while !arguments.is_char_boundary(middle) {
        middle += 1;
    }
    if middle == 0 || middle == arguments.len() {
        vec![arguments]
    } else {
        vec![&arguments[..middle], &arguments[middle..]]
    }
}

/// The words of `transcript` the caller heard before `end_ms` of `length_ms`, cut back to a
/// word boundary.
fn heard_part(transcript: &str, end_ms: u64, length_ms: u64) -> String {
    if length_ms == 0 || end_ms >= length_ms {
        return transcript.to_owned();
    }
    let chars = transcript.chars().count();
    let keep = usize::try_from(u128::from(end_ms) * chars as u128 / u128::from(length_ms))
        .unwrap_or(chars);
    let cut: String = transcript.chars().take(keep).collect();
    let next_is_space = transcript.chars().nth(keep).is_none_or(char::is_whitespace);
    if next_is_space {
        return cut.trim_end().to_owned();
    }
    match cut.rfind(char::is_whitespace) {
        Some(at) => cut[..at].trim_end().to_owned(),
        None => String::new(),
    }
}

fn part(audio: bool, text: String) -> ResponsePart {
    if audio {
        ResponsePart {
            kind: Some(PartKind::Audio),
            text: None,
            transcript: Some(text),
            audio: None,
            extra: Extra::default(),
        }
    } else {
        ResponsePart {
            kind: Some(PartKind::Text),
            text: Some(text),
            transcript: None,
            audio: None,
            extra: Extra::default(),
        }
    }
}

/// A client's item as the server reports it: with its id, `object` and `status`, and without
/// its audio bytes (returned separately, decoded, to be kept for retrieval).
fn server_item(item: Item, id: ItemId) -> (Item, Vec<u8>) {
    let object = Some(ITEM_OBJECT.to_owned());
    let status = Some(ItemStatus::Completed);
    let mut audio = Vec::new();
    let item = match item {
        Item::Message(mut m) => {
            m.id = Some(id);
            m.object = object;
            m.status = status;
            for part in &mut m.content {
                if let ContentPart::InputAudio { audio: bytes, .. } = part
                    && let Some(b64) = bytes.take()
                {
                    audio.extend(decode_base64(&b64).unwrap_or_default());
                }
            }
            Item::Message(m)
        }
        Item::FunctionCall(mut f) => {
            f.id = Some(id);
            f.object = object;
            f.status = status;
            Item::FunctionCall(f)
        }
        Item::FunctionCallOutput(mut o) => {
            o.id = Some(id);
            o.object = object;
            o.status = status;
            Item::FunctionCallOutput(o)
        }
        other => other,
    };
    (item, audio)
}

/// The stored item with its audio, for `conversation.item.retrieved`.
fn with_audio(stored: &Stored) -> Item {
    let mut item = stored.item.clone();
    if !stored.audio.is_empty()
        && let Item::Message(m) = &mut item
    {
        for part in &mut m.content {
            match part {
                ContentPart::InputAudio { audio, .. } | ContentPart::OutputAudio { audio, .. } => {
                    *audio = Some(encode_base64(&stored.audio));
                }
                _ => {}
            }
        }
    }
    item
}

fn no_such_item(code: &str, id: &ItemId, event_id: Option<EventId>) -> RealtimeError {
    RealtimeError::invalid_request(
        code,
        format!("Invalid 'item_id': no item with id '{id}' in the conversation."),
        Some("item_id".to_owned()),
    )
    .for_event(event_id)
}

fn nullable_id(id: Option<&ItemId>) -> Nullable<ItemId> {
    id.cloned().into()
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Plausible token counts: about four characters per text token, 50 ms per audio token.
fn usage(output: &[Item], audio: Duration, items: usize) -> Usage {
    let text: usize = output
        .iter()
        .map(|item| match item {
            Item::Message(m) => m
                .content
                .iter()
                .filter_map(ContentPart::text)
                .map(str::len)
                .sum(),
            Item::FunctionCall(f) => f.arguments.len() + f.name.len(),
            _ => 0,
        })
        .sum();
    let text_tokens = u64::try_from(text.div_ceil(4)).unwrap_or(0);
    let audio_tokens = millis(audio) / 50;
    let input_text = 200 + 30 * u64::try_from(items).unwrap_or(0);
    Usage {
        total_tokens: Some(input_text + text_tokens + audio_tokens),
        input_tokens: Some(input_text),
        output_tokens: Some(text_tokens + audio_tokens),
        input_token_details: Some(InputTokenDetails {
            text_tokens: Some(input_text),
            audio_tokens: Some(0),
            image_tokens: Some(0),
            cached_tokens: Some(0),
            cached_tokens_details: Some(TokenDetails {
                text_tokens: Some(0),
                audio_tokens: Some(0),
                image_tokens: Some(0),
                extra: Extra::default(),
            }),
            extra: Extra::default(),
        }),
        output_token_details: Some(TokenDetails {
            text_tokens: Some(text_tokens),
            audio_tokens: Some(audio_tokens),
            image_tokens: None,
            extra: Extra::default(),
        }),
        extra: Extra::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_split_without_losing_a_character() {
        let text = "  Thanks for calling NorthLoop Internet. How can I help?";
        for parts in [1, 2, 3, 7, 9, 20] {
            let pieces = split_words(text, parts);
            assert_eq!(pieces.len(), parts);
            assert_eq!(pieces.concat(), text, "{parts}");
        }
        assert_eq!(split_words("a b", 2), vec!["a", " b"]);
        assert_eq!(split_words("a b", 3), vec!["a", " b", ""]);
    }

    #[test]
    fn oob_phrase_is_between_curly_or_straight_quotes() {
        let params = |text: &str| ResponseParams {
            instructions: Some(text.to_owned()),
            ..ResponseParams::default()
        };
        assert_eq!(
            oob_phrase(&params(
                "Say exactly: “One moment please.” and nothing else"
            )),
            "One moment please."
        );
        assert_eq!(oob_phrase(&params(r#"Say "Hold on.""#)), "Hold on.");
        assert_eq!(oob_phrase(&params("Just talk")), "Just talk");
    }

    /// A session with transcription and an idle timeout, playing `script`, with the time.
    fn listening(script: &str) -> (EmulatedSession, Arc<Rehearsal>, Instant) {
        let script = crate::Script::from_text(script, "test.yaml").expect("script");
        let rehearsal = Arc::new(Rehearsal::new(script));
        let now = Instant::now();
        let mut session = EmulatedSession::new(rehearsal.clone(), "gpt-realtime", now);
        session.handle_frame(
            r#"{"type":"session.update","session":{"type":"realtime","audio":{"input":{
                "transcription":{"model":"gpt-4o-transcribe"},
                "turn_detection":{"type":"server_vad","idle_timeout_ms":5000}}}}}"#,
            now,
        );
        while session.poll_output().is_some() {}
        (session, rehearsal, now)
    }

    /// Appends `ms` of a loud tone (or silence) and returns what the session said.
    fn append(
        session: &mut EmulatedSession,
        ms: usize,
        loud: bool,
        now: Instant,
    ) -> Vec<ServerEvent> {
        let samples: Vec<i16> = (0..ms * 24)
            .map(|n| {
                if loud {
                    ((n as f32 * 0.06).sin() * 8_000.0) as i16
                } else {
                    0
                }
            })
            .collect();
        let bytes = crate::voice::encode(&samples, switchboard_wire::AudioFormat::pcm24k());
        let frame = format!(
            r#"{{"type":"input_audio_buffer.append","audio":"{}"}}"#,
            encode_base64(&bytes)
        );
        session.handle_frame(&frame, now);
        let mut events = Vec::new();
        while let Some(output) = session.poll_output() {
            if let Output::Event(event) = output {
                events.push(event);
            }
        }
        events
    }

    fn transcripts(events: &[ServerEvent]) -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e {
                ServerEvent::InputTranscriptionCompleted(done) => Some(done.transcript.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_queued_transcript_stands_in_when_the_entry_has_no_heard() {
        let (mut session, rehearsal, now) =
            listening("responses:\n  - say: One.\n  - heard: Scripted.\n    say: Two.\n");
        rehearsal.hear("Queued first.");
        rehearsal.hear("Queued second.");
        append(&mut session, 200, false, now);
        append(&mut session, 600, true, now);
        let first = append(&mut session, 800, false, now);
        assert_eq!(transcripts(&first), ["Queued first."]);
        append(&mut session, 600, true, now);
        let second = append(&mut session, 800, false, now);
        // The entry's own `heard` wins, and the turn still takes its queued transcript.
        assert_eq!(transcripts(&second), ["Scripted."]);
        assert_eq!(rehearsal.next_heard(), None);
    }

    #[test]
    fn the_idle_timeout_item_is_not_transcribed_and_waits_for_queued_audio() {
        let (mut session, _, now) =
            listening("responses:\n  - say: One.\n  - say: Two.\n  - say: Three.\n");
        // Two responses back to back: the second plays after the first.
        for _ in 0..2 {
            session.handle_frame(r#"{"type":"response.create"}"#, now);
            while session.poll_output().is_some() {}
        }
        let one = tone_length("One.");
        let two = tone_length("Two.");
        let deadline = session.poll_timeout().expect("an idle deadline");
        let expected = now + one + two + Duration::from_secs(5);
        assert!(
            deadline.max(expected) - deadline.min(expected) < Duration::from_millis(2),
            "{:?}",
            deadline.max(expected) - deadline.min(expected)
        );
        session.handle_timeout(deadline);
        let mut fired = Vec::new();
        while let Some(Output::Event(event)) = session.poll_output() {
            fired.push(event);
        }
        assert!(
            fired
                .iter()
                .any(|e| matches!(e, ServerEvent::InputAudioBufferTimeoutTriggered(_)))
        );
        assert!(transcripts(&fired).is_empty(), "silence has no transcript");
    }

    fn tone_length(text: &str) -> Duration {
        Duration::from_secs_f64(crate::voice::tone(text).len() as f64 / 24_000.0)
    }

    #[test]
    fn truncation_keeps_the_heard_words() {
        assert_eq!(heard_part("one two three four", 500, 1000), "one two");
        assert_eq!(heard_part("one two three four", 0, 1000), "");
        assert_eq!(heard_part("one two", 1000, 1000), "one two");
    }
}
