//! The session configuration (GA shape): what `session.update` sends and what
//! `session.created` / `session.updated` report.
//!
//! One type serves all three, because `session.update` is a partial merge of the same object:
//! every field is optional, and fields where `null` means "off" are [`Nullable`].

use std::collections::BTreeMap;

use serde::de::Unexpected;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::de;
use crate::literal::literal;
use crate::{Extra, Nullable};

/// A session as configured by `session.update` or reported by `session.created`/`updated`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Session {
    /// `realtime` (speech to speech) or `transcription` (input transcription only).
    #[serde(rename = "type")]
    pub kind: SessionKind,
    /// `realtime.session` in server reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// `sess_…` in server reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Unix time when the session will be closed, in server reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// The model, e.g. `gpt-realtime`. Fixed once connected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `["audio"]` (audio with its transcript) or `["text"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_modalities: Option<Vec<Modality>>,
    /// The system instructions; `""` clears them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Input and output audio settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioConfig>,
    /// Extra fields to include in server events.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub include: Nullable<Vec<Include>>,
    /// Tracing of the session in the upstream dashboard.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub tracing: Nullable<Tracing>,
    /// Tools the model may call; `[]` clears them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// How the model chooses tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Whether the model may call several tools in one response (later GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// Cap on output tokens per response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<MaxOutputTokens>,
    /// How the conversation is truncated when it outgrows the context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncation: Option<Truncation>,
    /// A stored prompt and its variables.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub prompt: Nullable<Prompt>,
    /// Reasoning effort, for reasoning models (later GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<Reasoning>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

impl Session {
    /// Applies a partial update, as the Realtime API applies `session.update`: a field the
    /// patch carries replaces this one's, an absent field leaves it as it is, and `null` turns a
    /// nullable setting off. `audio.input` and `audio.output` are merged field by field; a list
    /// (`tools`, `output_modalities`) is replaced whole. The session's kind, identity, expiry and
    /// model never change.
    ///
    /// Fields this crate does not name ([`Extra`]) merge the same way, key by key, at every
    /// level that merges field by field (the session, `audio`, `audio.input`, `audio.output`);
    /// inside a value that is replaced whole (a `turn_detection`, a tool) they go with it.
    ///
    /// This is the merge only; which fields a patch may carry (what an agent locks) is the
    /// caller's policy.
    pub fn merge(&mut self, patch: Session) {
        macro_rules! replace {
            ($($field:ident),*) => { $( if patch.$field.is_some() { self.$field = patch.$field; } )* };
        }
        replace!(
            output_modalities,
            instructions,
            tools,
            tool_choice,
            parallel_tool_calls,
            max_output_tokens,
            truncation,
            reasoning
        );
        self.include.merge(patch.include);
        self.tracing.merge(patch.tracing);
        self.prompt.merge(patch.prompt);
        self.extra.merge(patch.extra);
        if let Some(audio) = patch.audio {
            let mine = self.audio.get_or_insert_with(Default::default);
            mine.extra.merge(audio.extra);
            if let Some(input) = audio.input {
                let into = mine.input.get_or_insert_with(Default::default);
                if input.format.is_some() {
                    into.format = input.format;
                }
                into.transcription.merge(input.transcription);
                into.noise_reduction.merge(input.noise_reduction);
                into.turn_detection.merge(input.turn_detection);
                into.extra.merge(input.extra);
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
                into.extra.merge(output.extra);
            }
        }
    }

    /// The same session without the field at `param`, a path as an `error` names it
    /// (`session.audio.output.voice`; the leading `session.` is optional). Sent as a
    /// `session.update`, it leaves that field as the receiver has it. `None` when the path
    /// names no field this session carries, or names one it cannot go without (`type`).
    pub fn without(&self, param: &str) -> Option<Session> {
        let path = param.strip_prefix("session.").unwrap_or(param);
        if path.is_empty() || path == "type" || path.contains('[') {
            return None;
        }
        let mut value = serde_json::to_value(self).ok()?;
        let (parents, leaf) = match path.rsplit_once('.') {
            Some((parents, leaf)) => (Some(parents), leaf),
            None => (None, path),
        };
        let mut at = &mut value;
        for key in parents.into_iter().flat_map(|p| p.split('.')) {
            at = at.get_mut(key)?;
        }
        at.as_object_mut()?.remove(leaf)?;
        serde_json::from_value(value).ok()
    }

    /// The output audio format, when the session sets one.
    pub fn output_format(&self) -> Option<AudioFormat> {
        self.audio.as_ref()?.output.as_ref()?.format
    }
}

/// The two kinds of session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// Speech to speech.
    #[default]
    Realtime,
    /// Input transcription only.
    Transcription,
}

/// An output modality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Modality {
    /// Text only.
    Text,
    /// Audio, with its transcript.
    Audio,
}

/// Extra data the server may include in events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Include {
    /// Log probabilities of input transcription.
    #[serde(rename = "item.input_audio_transcription.logprobs")]
    InputTranscriptionLogprobs,
}

/// `audio.input` and `audio.output`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AudioConfig {
    /// What the caller sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<AudioInput>,
    /// What the model speaks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<AudioOutput>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Input audio settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AudioInput {
    /// Format of `input_audio_buffer.append` payloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<AudioFormat>,
    /// Transcription of input audio; `null` turns it off.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub transcription: Nullable<Transcription>,
    /// Noise reduction; `null` turns it off.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub noise_reduction: Nullable<NoiseReduction>,
    /// Voice activity detection; `null` means manual turns (commit + `response.create`).
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub turn_detection: Nullable<TurnDetection>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Output audio settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AudioOutput {
    /// Format of `response.output_audio.delta` payloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<AudioFormat>,
    /// The voice; cannot change once the model has spoken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<Voice>,
    /// Playback speed, 0.25–1.5. Changes delivery rate, not how the model composes speech.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One of the three audio formats of the Realtime API.
///
/// A closed set with nothing more to say, so it keeps no unknown fields: a server's format
/// object is read for its type and rate only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
pub enum AudioFormat {
    /// PCM 16-bit signed little-endian mono; the only rate allowed is 24 kHz.
    #[serde(rename = "audio/pcm")]
    Pcm {
        /// Sample rate; 24000 when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rate: Option<u32>,
    },
    /// G.711 µ-law, 8 kHz mono.
    #[serde(rename = "audio/pcmu")]
    Pcmu,
    /// G.711 A-law, 8 kHz mono.
    #[serde(rename = "audio/pcma")]
    Pcma,
}

impl AudioFormat {
    /// The rate PCM audio must have.
    pub const PCM_RATE: u32 = 24_000;

    /// PCM at 24 kHz, written with its rate.
    pub fn pcm24k() -> Self {
        Self::Pcm {
            rate: Some(Self::PCM_RATE),
        }
    }

    /// The sample rate in Hz.
    pub fn sample_rate(self) -> u32 {
        match self {
            Self::Pcm { .. } => Self::PCM_RATE,
            Self::Pcmu | Self::Pcma => 8_000,
        }
    }
}

impl<'de> Deserialize<'de> for AudioFormat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct PcmFields {
            #[serde(default, deserialize_with = "pcm_rate")]
            rate: Option<u32>,
        }
        let value = Value::deserialize(d)?;
        match de::tag(&value, "type")? {
            Some("audio/pcm") => {
                de::variant(de::untag(value, "type")).map(|f: PcmFields| Self::Pcm { rate: f.rate })
            }
            Some("audio/pcmu") => Ok(Self::Pcmu),
            Some("audio/pcma") => Ok(Self::Pcma),
            Some(other) => Err(de::unknown_tag(
                "type",
                other,
                &["audio/pcm", "audio/pcmu", "audio/pcma"],
            )),
            None => Err(de::missing_tag("type")),
        }
    }
}

fn pcm_rate<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match Option::<u32>::deserialize(d)? {
        None => Ok(None),
        Some(AudioFormat::PCM_RATE) => Ok(Some(AudioFormat::PCM_RATE)),
        Some(other) => Err(de::invalid(format_args!(
            "{other}, expected 24000 (the only rate audio/pcm supports)"
        ))),
    }
}

/// A voice: a built-in name (`marin`, `cedar`, `alloy`, …) or a custom voice id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Voice {
    /// A built-in voice by name.
    Named(String),
    /// A custom voice (later GA): `{"id": "voice_…"}`.
    Custom {
        /// `voice_…`.
        id: String,
        /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
        #[serde(flatten)]
        extra: Extra,
    },
}

impl Voice {
    /// A custom voice by id.
    pub fn custom(id: impl Into<String>) -> Self {
        Self::Custom {
            id: id.into(),
            extra: Extra::new(),
        }
    }
}

impl<'de> Deserialize<'de> for Voice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct CustomVoice {
            id: String,
            #[serde(flatten)]
            extra: Extra,
        }
        de::keyword_or_object(Value::deserialize(d)?, Self::Named, |c: CustomVoice| {
            Self::Custom {
                id: c.id,
                extra: c.extra,
            }
        })
    }
}

/// Input audio transcription.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Transcription {
    /// e.g. `gpt-4o-transcribe`, `whisper-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// ISO-639-1 language of the input, e.g. `en`; servers report `null` when unset.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub language: Nullable<String>,
    /// Several expected languages (later GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
    /// Text to guide the transcription; servers report `null` when unset.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub prompt: Nullable<String>,
    /// Words the transcriber should expect (later GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    /// Latency/accuracy trade-off (later GA): `minimal` … `xhigh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<String>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Input noise reduction.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NoiseReduction {
    /// Microphone placement.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<NoiseReductionKind>,
    /// Strength (later GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strength: Option<f64>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Microphone placement for noise reduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseReductionKind {
    /// Headsets.
    NearField,
    /// Laptops, conference rooms.
    FarField,
}

/// Voice activity detection.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TurnDetection {
    /// Detects turns from silence.
    ServerVad(ServerVad),
    /// Detects turns from what the user said.
    SemanticVad(SemanticVad),
}

de::tagged_deserialize!(TurnDetection, "type", {
    "server_vad" => ServerVad,
    "semantic_vad" => SemanticVad,
});

/// `server_vad` settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServerVad {
    /// Activation threshold 0–1; higher needs louder audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Audio kept before detected speech, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_padding_ms: Option<u32>,
    /// Silence that ends a turn, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silence_duration_ms: Option<u32>,
    /// Idle time after which the server prompts the user, in ms; `null` disables it.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub idle_timeout_ms: Nullable<u32>,
    /// Whether a response starts at the end of a turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_response: Option<bool>,
    /// Whether speech interrupts a response in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupt_response: Option<bool>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `semantic_vad` settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SemanticVad {
    /// How soon to answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eagerness: Option<Eagerness>,
    /// Whether a response starts at the end of a turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_response: Option<bool>,
    /// Whether speech interrupts a response in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupt_response: Option<bool>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `semantic_vad` eagerness; `auto` is `medium`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eagerness {
    /// Waits up to 8 s.
    Low,
    /// Waits up to 4 s.
    Medium,
    /// Waits up to 2 s.
    High,
    /// Same as medium.
    Auto,
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Tool {
    /// A function the client (or Switchboard) runs.
    Function(FunctionTool),
    /// A remote MCP server the upstream service calls itself.
    Mcp(McpTool),
}

impl<'de> Deserialize<'de> for Tool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        // The SDK marks `type` optional for function tools, so a tool without one is a function.
        match de::tag(&value, "type")? {
            None | Some("function") => de::variant(de::untag(value, "type")).map(Tool::Function),
            Some("mcp") => de::variant(de::untag(value, "type")).map(Tool::Mcp),
            Some(other) => Err(de::unknown_tag("type", other, &["function", "mcp"])),
        }
    }
}

/// A function tool: a name, a description and a JSON Schema for the arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionTool {
    /// The function name the model calls.
    pub name: String,
    /// When and how to use the tool; the model reads this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments object. A schema is an object: anything else is refused
    /// at parse (`invalid_type`), so it never reaches a model.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "schema_object"
    )]
    pub parameters: Option<Value>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Reads a tool's `parameters`: a JSON Schema object, or nothing (`null` or absent).
fn schema_object<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None => Ok(None),
        Some(schema @ Value::Object(_)) => Ok(Some(schema)),
        Some(other) => Err(serde::de::Error::invalid_type(
            unexpected(&other),
            &"a JSON Schema object",
        )),
    }
}

/// A JSON value as serde's "invalid type" errors name it.
fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => n
            .as_f64()
            .map_or(Unexpected::Other("number"), Unexpected::Float),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Null => Unexpected::Unit,
        Value::Object(_) => Unexpected::Map,
    }
}

/// A remote MCP server whose tools the upstream service calls itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpTool {
    /// Label that names the server in calls.
    pub server_label: String,
    /// URL of the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    /// A built-in connector instead of a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<String>,
    /// OAuth token for the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
    /// Extra HTTP headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    /// Names, or a filter, of the tools the model may use; `null` for all of them.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub allowed_tools: Nullable<McpAllowedTools>,
    /// Which calls wait for the client's approval: `always`, `never` or a filter per tool;
    /// `null` for the service's default.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub require_approval: Nullable<McpRequireApproval>,
    /// What the server is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_description: Option<String>,
    /// Who may call the tools (later GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_callers: Option<Vec<String>>,
    /// Whether tool listing is deferred (later GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defer_loading: Option<bool>,
    /// A tunnel to a private server (later GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tunnel_id: Option<String>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `allowed_tools` of an MCP server: tool names, or a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum McpAllowedTools {
    /// These tools only.
    Names(Vec<String>),
    /// The tools the filter matches.
    Filter(McpToolFilter),
}

impl<'de> Deserialize<'de> for McpAllowedTools {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            value @ Value::Array(_) => de::variant(value).map(Self::Names),
            value @ Value::Object(_) => de::variant(value).map(Self::Filter),
            other => Err(serde::de::Error::invalid_type(
                unexpected(&other),
                &"an array of tool names or a filter object",
            )),
        }
    }
}

/// Which tools of an MCP server a setting applies to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct McpToolFilter {
    /// Tools the server annotates as read-only (`readOnlyHint`), or the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// Tools by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_names: Option<Vec<String>>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `require_approval` of an MCP server: a keyword for every tool, or filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum McpRequireApproval {
    /// `always` or `never`.
    Mode(McpApprovalMode),
    /// Which tools always, and which never, need approval.
    Filter(McpApprovalFilter),
}

impl<'de> Deserialize<'de> for McpRequireApproval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de::keyword_or_object(Value::deserialize(d)?, Self::Mode, Self::Filter)
    }
}

/// The keyword forms of `require_approval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum McpApprovalMode {
    /// Every call waits for an `mcp_approval_response`.
    Always,
    /// No call waits.
    Never,
}

/// `require_approval` per tool.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct McpApprovalFilter {
    /// Tools whose calls always wait for approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always: Option<McpToolFilter>,
    /// Tools whose calls never wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub never: Option<McpToolFilter>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// How the model chooses tools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ToolChoice {
    /// `auto`, `none` or `required`.
    Mode(ToolChoiceMode),
    /// One named tool.
    Named(NamedToolChoice),
}

impl<'de> Deserialize<'de> for ToolChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de::keyword_or_object(Value::deserialize(d)?, Self::Mode, Self::Named)
    }
}

/// The keyword forms of `tool_choice`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolChoiceMode {
    /// The model decides.
    Auto,
    /// No tools.
    None,
    /// Some tool must be called.
    Required,
}

/// `tool_choice` naming one tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NamedToolChoice {
    /// A function by name.
    Function(FunctionChoice),
    /// An MCP server, optionally one of its tools.
    Mcp(McpChoice),
}

de::tagged_deserialize!(NamedToolChoice, "type", {
    "function" => Function,
    "mcp" => Mcp,
});

/// `tool_choice` naming a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionChoice {
    /// The function name.
    pub name: String,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `tool_choice` naming an MCP server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpChoice {
    /// The server label.
    pub server_label: String,
    /// The tool on that server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

literal!(
    /// The `"inf"` of `max_output_tokens`.
    Infinite = "inf"
);

/// `max_output_tokens`: 1–4096 or `"inf"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MaxOutputTokens {
    /// A cap.
    Count(u32),
    /// No cap.
    Inf(Infinite),
}

literal!(
    /// The `"auto"` of `tracing`.
    AutoTracing = "auto"
);

/// `tracing`: `"auto"` or a configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Tracing {
    /// Default tracing.
    Auto(AutoTracing),
    /// Named workflow.
    Config(TracingConfig),
}

impl<'de> Deserialize<'de> for Tracing {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de::keyword_or_object(Value::deserialize(d)?, Self::Auto, Self::Config)
    }
}

/// A tracing configuration.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TracingConfig {
    /// Workflow name in the traces dashboard.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub workflow_name: Nullable<String>,
    /// Group id for filtering; servers report `null` when there is none.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub group_id: Nullable<String>,
    /// Free-form metadata; servers report `null` when there is none.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub metadata: Nullable<Value>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `truncation`: `"auto"`, `"disabled"` or a retention ratio.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Truncation {
    /// A keyword.
    Mode(TruncationMode),
    /// Keep a fraction of the conversation.
    RetentionRatio(RetentionRatio),
}

impl<'de> Deserialize<'de> for Truncation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de::keyword_or_object(Value::deserialize(d)?, Self::Mode, Self::RetentionRatio)
    }
}

/// The keyword forms of `truncation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TruncationMode {
    /// The server truncates as needed.
    Auto,
    /// Never truncate; the response fails when the context is full.
    Disabled,
}

literal!(
    /// The `type` of a retention-ratio truncation.
    RetentionRatioKind = "retention_ratio"
);

/// Truncation that keeps a fraction of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionRatio {
    /// Always `retention_ratio`.
    #[serde(rename = "type")]
    pub kind: RetentionRatioKind,
    /// Fraction 0–1 of the conversation kept.
    pub retention_ratio: f64,
    /// Token limits that trigger truncation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_limits: Option<TokenLimits>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `token_limits` of a retention-ratio truncation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenLimits {
    /// Tokens after the instructions (the conversation) above which it is truncated; the
    /// model's context less its output budget when unset (servers may report `null`).
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub post_instructions: Nullable<u64>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A stored prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prompt {
    /// `pmpt_…`.
    pub id: String,
    /// Version of the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Values for the prompt's variables: strings or input content objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<BTreeMap<String, Value>>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Reasoning, for models that reason before they answer (`gpt-realtime-2` and later).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reasoning {
    /// How hard the model thinks before it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<ReasoningEffort>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

impl Reasoning {
    /// Reasoning with `effort`.
    pub fn effort(effort: ReasoningEffort) -> Self {
        Self {
            effort: Some(effort),
            extra: Extra::new(),
        }
    }
}

/// `reasoning.effort`, the levels of the official types (`RealtimeReasoningEffort`).
///
/// A client's effort outside the list is refused with `invalid_value`, as the live API refuses
/// it, so a caller learns of a typo (`hihg`) instead of a model that silently reasons at its
/// default. A server's is kept as [`Other`](Self::Other): a newer server may report a level
/// this crate does not know yet (the Responses API already has `none`), and a relayed
/// `session.updated` must not fail over it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReasoningEffort {
    /// The least reasoning.
    Minimal,
    /// Little reasoning.
    Low,
    /// Some reasoning.
    Medium,
    /// Much reasoning.
    High,
    /// The most reasoning.
    Xhigh,
    /// A level a server reported that this crate does not know.
    Other(String),
}

impl ReasoningEffort {
    /// The levels a client may send, as written on the wire.
    pub const KNOWN: &'static [&'static str] = &["minimal", "low", "medium", "high", "xhigh"];

    /// The level as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Minimal => "minimal",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Xhigh => "xhigh",
            Self::Other(other) => other,
        }
    }

    /// A known level by its wire name.
    pub fn from_known(name: &str) -> Option<Self> {
        Some(match name {
            "minimal" => Self::Minimal,
            "low" => Self::Low,
            "medium" => Self::Medium,
            "high" => Self::High,
            "xhigh" => Self::Xhigh,
            _ => return None,
        })
    }
}

impl std::fmt::Display for ReasoningEffort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ReasoningEffort {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ReasoningEffort {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        match Self::from_known(&name) {
            Some(known) => Ok(known),
            None if crate::unknown::refusing() => {
                Err(serde::de::Error::unknown_variant(&name, Self::KNOWN))
            }
            None => Ok(Self::Other(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(json: &str) -> Session {
        serde_json::from_str(json).expect("a session")
    }

    fn base() -> Session {
        session(
            r#"{"type":"realtime","id":"sess_1","model":"gpt-realtime","instructions":"Be brief.",
                "output_modalities":["audio"],"tools":[{"type":"function","name":"a"}],
                "tool_choice":"auto","tracing":"auto",
                "audio":{"input":{"format":{"type":"audio/pcm","rate":24000},"transcription":{"model":"whisper-1"},
                                  "turn_detection":{"type":"server_vad"}},
                         "output":{"format":{"type":"audio/pcm","rate":24000},"voice":"marin","speed":1.0}}}"#,
        )
    }

    #[test]
    fn an_empty_patch_changes_nothing() {
        let mut s = base();
        s.merge(session(r#"{"type":"realtime"}"#));
        assert_eq!(s, base());
    }

    #[test]
    fn present_fields_replace_and_absent_ones_stay() {
        let mut s = base();
        s.merge(session(
            r#"{"type":"realtime","instructions":"Be kind.","audio":{"output":{"voice":"cedar"}}}"#,
        ));
        assert_eq!(s.instructions.as_deref(), Some("Be kind."));
        let output = s
            .audio
            .as_ref()
            .and_then(|a| a.output.as_ref())
            .expect("output");
        assert_eq!(output.voice, Some(Voice::Named("cedar".into())));
        assert_eq!(output.format, Some(AudioFormat::pcm24k()), "kept");
        assert_eq!(output.speed, Some(1.0), "kept");
        let input = s
            .audio
            .as_ref()
            .and_then(|a| a.input.as_ref())
            .expect("input");
        assert!(input.transcription.as_value().is_some(), "kept");
        assert_eq!(s.tools, base().tools, "kept");
    }

    #[test]
    fn null_turns_a_setting_off() {
        let mut s = base();
        s.merge(session(
            r#"{"type":"realtime","tracing":null,"audio":{"input":{"turn_detection":null,"transcription":null}}}"#,
        ));
        let input = s
            .audio
            .as_ref()
            .and_then(|a| a.input.as_ref())
            .expect("input");
        assert_eq!(input.turn_detection, Nullable::Null);
        assert_eq!(input.transcription, Nullable::Null);
        assert_eq!(s.tracing, Nullable::Null);
    }

    #[test]
    fn lists_are_replaced_whole_and_an_empty_list_clears() {
        let mut s = base();
        s.merge(session(r#"{"type":"realtime","tools":[]}"#));
        assert_eq!(s.tools, Some(Vec::new()));
    }

    #[test]
    fn identity_kind_and_model_never_change() {
        let mut s = base();
        s.merge(session(
            r#"{"type":"transcription","id":"sess_2","model":"other","object":"x","expires_at":1}"#,
        ));
        assert_eq!(s.kind, SessionKind::Realtime);
        assert_eq!(s.id.as_deref(), Some("sess_1"));
        assert_eq!(s.model.as_deref(), Some("gpt-realtime"));
        assert_eq!(s.object, None);
        assert_eq!(s.expires_at, None);
    }

    #[test]
    fn audio_is_created_when_the_session_had_none() {
        let mut s = session(r#"{"type":"realtime"}"#);
        s.merge(session(
            r#"{"type":"realtime","audio":{"output":{"format":{"type":"audio/pcmu"}}}}"#,
        ));
        assert_eq!(s.output_format(), Some(AudioFormat::Pcmu));
    }

    #[test]
    fn without_drops_the_named_field_only() {
        let s = base();
        let w = s.without("session.audio.output.voice").expect("a field");
        let output = w
            .audio
            .as_ref()
            .and_then(|a| a.output.as_ref())
            .expect("output");
        assert_eq!(output.voice, None);
        assert_eq!(output.format, Some(AudioFormat::pcm24k()));
        assert_eq!(w.instructions, s.instructions);
        assert_eq!(
            s.without("instructions").expect("a field").instructions,
            None
        );
        assert_eq!(s.without("session.audio.output.nothing"), None);
        assert_eq!(s.without("session.type"), None);
        assert_eq!(s.without("session.tools[0].parameters"), None);
        assert_eq!(s.without(""), None);
    }
}
