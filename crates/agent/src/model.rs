//! The agent file model: one struct per section of the guide's prompt skeleton.
//!
//! Every struct refuses unknown keys, so a typo is an error at its line rather than a setting
//! that silently does nothing. Doc comments here become the descriptions of `switchboard
//! schema`, which editors show while completing.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub use crate::models::Effort;

/// An agent: who it is, how it speaks, what it may do, and how a call flows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// `role` is required unless the instructions are left to the caller.
#[schemars(extend(
    "if" = {"not": {"required": ["leave_to_caller"], "properties": {"leave_to_caller": {"contains": {"const": "instructions"}}}}},
    "then" = {"required": ["role"]}
))]
pub struct AgentFile {
    /// The JSON Schema of agent files (`switchboard schema`), for editors; ignored otherwise.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Identifier of the agent (letters, digits, `-` and `_`), used in URLs and records.
    pub name: String,
    /// One line for people browsing agents; not sent to the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The Realtime model, e.g. `gpt-realtime-2.1` (the default). Behind an Azure deployment,
    /// name the model the deployment runs, not the deployment. `switchboard lint` warns when
    /// the model is unknown or near its shutdown date (docs/models.md).
    #[serde(default = "default_model")]
    pub model: String,
    /// How much the model reasons before it speaks, for models that reason
    /// (`gpt-realtime-2` and later). A dynamic state's own `reasoning` replaces it while the
    /// call is in that state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<ReasoningSettings>,
    /// A stored prompt of OpenAI's prompt-objects API (`session.prompt`). That API was shut
    /// down on 2026-11-30 and the upstream refuses sessions that name one: accepted so that
    /// older files load, reported by `switchboard lint` (SB0125). Inline the prompt instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<PromptRef>,
    /// Voice, speed, audio formats and turn detection.
    #[serde(default)]
    pub audio: AudioSettings,
    /// `# Role & Objective`: who the agent is and what "done" means. Required unless the
    /// agent leaves its instructions to the caller.
    #[serde(default, skip_serializing_if = "Lines::is_empty")]
    pub role: Lines,
    /// `# Personality & Tone`: personality, tone, length, pacing, language, variety.
    #[serde(default)]
    pub personality: Personality,
    /// `# Context`: retrieved context and facts the agent may rely on.
    #[serde(default, skip_serializing_if = "Lines::is_empty")]
    pub context: Lines,
    /// `# Reference Pronunciations`: how to say tricky words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pronunciations: Vec<Pronunciation>,
    /// Global rules of the `# Tools` section (e.g. "When calling a tool, do not ask for any
    /// user confirmation. Be proactive").
    #[serde(default, skip_serializing_if = "Lines::is_empty")]
    pub tool_rules: Lines,
    /// The tools the agent may call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// The common tools the model was trained on, added with the guide's names and
    /// descriptions: `answer`, `escalate_to_human`, `finish_session`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub common_tools: Vec<CommonTool>,
    /// Remote MCP servers (`type: "mcp"` tools): the provider calls their tools itself, in
    /// every state. Guidance and confirmation for each tool go in its `tools`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mcp_servers: Vec<McpServer>,
    /// A supervisor (thinker) tool: a stronger text model the agent consults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervisor: Option<Supervisor>,
    /// `# Instructions / Rules`: do's and don'ts, readback, unclear audio.
    #[serde(default)]
    pub instructions: Instructions,
    /// Extra sections for the domain (Compliance, Brand Policy, …), rendered after the rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<Section>,
    /// `# Conversation Flow`: phases with a goal, how to respond, sample phrases and exit
    /// criteria.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flow: Vec<Phase>,
    /// `# Conversation States`: the guide's JSON state machine, accepted verbatim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<GuideState>,
    /// A dynamic flow: per-state instructions and tools swapped with `session.update`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic: Option<DynamicFlow>,
    /// `# Sample Phrases`: anchor examples, rendered with the "do not always use" rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sample_phrases: Vec<PhraseGroup>,
    /// `# Safety & Escalation`: when to hand off, thresholds and the line to say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<Escalation>,
    /// Words that count as "yes" when a confirmation-first tool asks, by language code,
    /// added to the built-in lexicon. Only an explicit yes is consent: an answer that also
    /// holds a refusal, a hedge, a condition, a question or a request to wait is not.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub affirmations: BTreeMap<String, Vec<String>>,
    /// Words that make an answer to a confirmation question a "no", by language code, added
    /// to the built-in lexicon (e.g. `en: [scrap that]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub denials: BTreeMap<String, Vec<String>>,
    /// Words that make an answer to a confirmation question unclear (hedges, conditions,
    /// requests to wait), by language code, added to the built-in lexicon (e.g. `fr: [bof]`).
    /// An unclear answer is not consent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hedges: BTreeMap<String, Vec<String>>,
    /// Settings of `switchboard lint` for this agent.
    #[serde(default)]
    pub lint: LintSettings,
    /// What the caller's own `session.update` may set, which the agent otherwise keeps.
    /// An agent that leaves both `instructions` and `tools` is a pass-through agent: the
    /// caller's prompt and tools apply, and the gateway still records and guards the call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leave_to_caller: Vec<CallerField>,
    /// What the gateway stores about this agent's calls: what to redact from transcripts,
    /// tool arguments and results, guard details and escalation summaries before they are
    /// written.
    #[serde(default, skip_serializing_if = "Records::is_default")]
    pub records: Records,
}

/// A session field an agent can leave to the caller.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CallerField {
    /// The caller's `instructions` replace the agent's compiled prompt when given.
    Instructions,
    /// The caller may define tools with the names of the agent's tools; the caller runs them.
    Tools,
}

impl AgentFile {
    /// Whether the caller may set `field`.
    pub fn leaves(&self, field: CallerField) -> bool {
        self.leave_to_caller.contains(&field)
    }

    /// The MCP server labelled `server_label`.
    pub fn mcp_server(&self, server_label: &str) -> Option<&McpServer> {
        self.mcp_servers
            .iter()
            .find(|s| s.server_label == server_label)
    }

    /// What the agent says about tool `name` of MCP server `server_label`: its guidance and,
    /// for a confirmation-first tool, what the caller must hear before the provider may run
    /// it. `None` when the agent says nothing about that tool.
    pub fn mcp_tool(&self, server_label: &str, name: &str) -> Option<&McpTool> {
        self.mcp_server(server_label)?.tool(name)
    }

    /// The reasoning effort in `state` (a dynamic state's own, else the agent's).
    pub fn effort_in(&self, state: Option<&DynamicState>) -> Option<Effort> {
        state
            .and_then(|s| s.reasoning)
            .or(self.reasoning)
            .map(|r| r.effort)
    }
}

fn default_model() -> String {
    crate::models::DEFAULT_MODEL.to_owned()
}

/// `reasoning`: how much the model thinks before it speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasoningSettings {
    /// `minimal`, `low`, `medium`, `high` or `xhigh`: more effort answers harder requests
    /// better and starts speaking later.
    pub effort: Effort,
}

/// A stored prompt of the prompt-objects API, shut down on 2026-11-30.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromptRef {
    /// `pmpt_…`.
    pub id: String,
    /// Version of the prompt; the current one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Values of the prompt's variables: strings or input content objects.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, Value>,
}

/// A remote MCP server whose tools the provider calls on the model's behalf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct McpServer {
    /// Label naming the server in calls, e.g. `calendar` (letters, digits, `-` and `_`).
    pub server_label: String,
    /// `https://…` URL of the server. Give this or `connector_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    /// A built-in connector instead of a URL, e.g. `connector_googlecalendar`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<String>,
    /// What the server is for, sent to the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_description: Option<String>,
    /// Environment variable holding the OAuth token for the server; never the token itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_env: Option<String>,
    /// HTTP headers for the server, each named with the environment variable holding its
    /// value, e.g. `{X-Api-Key: CALENDAR_API_KEY}`; never the value itself.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers_env: BTreeMap<String, String>,
    /// The only tools of the server the model may call; all of them when absent. Required
    /// to hold every confirmation-first tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_tools: Option<Vec<String>>,
    /// Which calls the provider holds for approval. Computed when absent: the
    /// confirmation-first tools `always`, the others `never`. Written by hand, it must hold
    /// every confirmation-first tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_approval: Option<RequireApproval>,
    /// Guidance for the server's tools, by name: rendered into `# Tools` like a function
    /// tool's, and confirmation-first ones held until the caller agrees.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<McpTool>,
}

impl McpServer {
    /// What the agent says about its tool `name`.
    pub fn tool(&self, name: &str) -> Option<&McpTool> {
        self.tools.iter().find(|t| t.name == name)
    }

    /// Whether the model may call its tool `name`.
    pub fn allows(&self, name: &str) -> bool {
        self.allowed_tools
            .as_ref()
            .is_none_or(|allowed| allowed.iter().any(|a| a == name))
    }

    /// The confirmation-first or ruled tools whose calls the provider would run without
    /// asking: the engine can hold or check an MCP call only through the provider's approval
    /// request, so an agent with any of these cannot keep its promise and must not be served.
    /// Empty unless `require_approval` is written by hand and leaves one out.
    pub fn unheld_confirmations(&self) -> Vec<&McpTool> {
        let approval = self.approval();
        self.tools
            .iter()
            .filter(|t| t.needs_approval() && !approval.holds(&t.name))
            .collect()
    }

    /// The `require_approval` sent upstream: the one written in the file, else the
    /// confirmation-first and ruled tools `always` and every other allowed tool `never`
    /// (`never` alone when no tool needs either).
    pub fn approval(&self) -> RequireApproval {
        if let Some(written) = &self.require_approval {
            return written.clone();
        }
        let held: Vec<String> = self
            .tools
            .iter()
            .filter(|t| t.needs_approval())
            .map(|t| t.name.clone())
            .collect();
        if held.is_empty() {
            return RequireApproval::Mode(ApprovalMode::Never);
        }
        let free: Vec<String> = self
            .allowed_tools
            .iter()
            .flatten()
            .filter(|name| !held.contains(name))
            .cloned()
            .collect();
        RequireApproval::Filter(ApprovalFilter {
            always: Some(ToolFilter::names(held)),
            never: (!free.is_empty()).then(|| ToolFilter::names(free)),
        })
    }
}

/// What an agent says about one tool of an MCP server. The server defines the tool's
/// parameters; the agent adds when to call it and whether to ask first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct McpTool {
    /// The tool's name on the server.
    pub name: String,
    /// Proactive, confirmation-first or preamble.
    #[serde(default)]
    pub behaviour: Behaviour,
    /// Said before a confirmation-first tool runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_phrase: Option<String>,
    /// What a confirmation-first tool's question must say for the caller's yes to count.
    #[serde(default, skip_serializing_if = "Confirm::is_empty")]
    pub confirm: Confirm,
    /// Short lines said before the call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preamble_phrases: Vec<String>,
    /// When to call it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_when: Option<String>,
    /// When not to call it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avoid_when: Option<String>,
    /// What to say or do when it fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
    /// Business rules, as a function tool's: the provider asks before every call of a tool
    /// with rules, and the engine denies a call whose rule is false. Its successful results
    /// are `results["server_label.tool"]` for later rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guards: Vec<Guard>,
}

impl McpTool {
    /// Whether the caller must agree before it runs.
    pub fn is_confirmation_first(&self) -> bool {
        self.behaviour == Behaviour::ConfirmationFirst
    }

    /// Whether the provider must ask before running it: the engine holds it for consent or
    /// checks its rules at that moment.
    pub fn needs_approval(&self) -> bool {
        self.is_confirmation_first() || !self.guards.is_empty()
    }
}

/// `require_approval` of an MCP server: a keyword, or which tools need approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RequireApproval {
    /// `always` or `never`, for every tool.
    Mode(ApprovalMode),
    /// Per tool.
    Filter(ApprovalFilter),
}

impl RequireApproval {
    /// Whether a call of `name` is certainly held for approval; a `read_only` filter cannot
    /// say, so it does not count.
    pub fn holds(&self, name: &str) -> bool {
        match self {
            RequireApproval::Mode(mode) => *mode == ApprovalMode::Always,
            RequireApproval::Filter(f) => {
                let named = |f: &Option<ToolFilter>| {
                    f.as_ref()
                        .is_some_and(|f| f.tool_names.iter().any(|n| n == name))
                };
                named(&f.always) && !named(&f.never)
            }
        }
    }
}

impl<'de> Deserialize<'de> for RequireApproval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Mode(ApprovalMode),
            Filter(ApprovalFilter),
        }
        match Form::deserialize(d) {
            Ok(Form::Mode(m)) => Ok(RequireApproval::Mode(m)),
            Ok(Form::Filter(f)) => Ok(RequireApproval::Filter(f)),
            Err(_) => Err(serde::de::Error::custom(
                "expected `always`, `never`, or `{always: {tool_names: [...]}, never: {tool_names: [...]}}`",
            )),
        }
    }
}

/// The keyword forms of `require_approval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalMode {
    /// Every call waits for an approval.
    Always,
    /// No call waits.
    Never,
}

/// `require_approval` per tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalFilter {
    /// Tools whose calls wait for an approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always: Option<ToolFilter>,
    /// Tools whose calls run at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub never: Option<ToolFilter>,
}

/// A set of an MCP server's tools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolFilter {
    /// Tools by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_names: Vec<String>,
    /// Tools the server marks read-only (`readOnlyHint`), or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
}

impl ToolFilter {
    fn names(tool_names: Vec<String>) -> Self {
        Self {
            tool_names,
            read_only: None,
        }
    }
}

/// Text given as one string or as a list of lines; lists render as `- ` bullets.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Lines(pub Vec<String>);

impl Lines {
    /// True when there is no text.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|l| l.trim().is_empty())
    }

    /// The lines.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl<'de> Deserialize<'de> for Lines {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            One(String),
            Many(Vec<String>),
        }
        match Form::deserialize(d) {
            Ok(Form::One(text)) => Ok(Lines(vec![text])),
            Ok(Form::Many(lines)) => Ok(Lines(lines)),
            Err(_) => Err(serde::de::Error::custom(
                "expected a string or a list of strings",
            )),
        }
    }
}

impl JsonSchema for Lines {
    fn schema_name() -> Cow<'static, str> {
        "Lines".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Text: one string, or a list of strings rendered as bullets.",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
        })
    }
}

/// Voice, speed, formats and turn detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AudioSettings {
    /// Built-in voice: `marin`, `cedar`, `alloy`, `ash`, `ballad`, `coral`, `echo`, `sage`,
    /// `shimmer`, `verse`.
    #[serde(default = "default_voice")]
    pub voice: String,
    /// Playback speed 0.25–1.5. It changes playback, not how the model composes speech: use
    /// `personality.pacing` to sound faster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
    /// Format of caller audio.
    #[serde(default)]
    pub input_format: AudioEncoding,
    /// Format of agent audio.
    #[serde(default)]
    pub output_format: AudioEncoding,
    /// Voice activity detection; `none` means the caller commits turns.
    #[serde(default)]
    pub turn_detection: TurnDetection,
    /// When true, a caller's `session.update` cannot change the turn detection.
    #[serde(default)]
    pub lock_turn_detection: bool,
    /// Transcription model for caller audio, e.g. `gpt-4o-transcribe`; none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcription: Option<String>,
    /// Noise reduction for the microphone type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise_reduction: Option<NoiseReduction>,
}

fn default_voice() -> String {
    "marin".to_owned()
}

impl Default for AudioSettings {
    fn default() -> Self {
        Self {
            voice: default_voice(),
            speed: None,
            input_format: AudioEncoding::default(),
            output_format: AudioEncoding::default(),
            turn_detection: TurnDetection::default(),
            lock_turn_detection: false,
            transcription: None,
            noise_reduction: None,
        }
    }
}

/// An audio format of the Realtime API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AudioEncoding {
    /// PCM 16-bit, 24 kHz.
    #[default]
    Pcm16,
    /// G.711 µ-law, 8 kHz (phones).
    G711Ulaw,
    /// G.711 A-law, 8 kHz (phones).
    G711Alaw,
}

/// Microphone type for noise reduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoiseReduction {
    /// Headsets.
    NearField,
    /// Laptops, speakerphones.
    FarField,
}

/// Voice activity detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TurnDetection {
    /// Turns end after silence.
    ServerVad {
        /// Activation threshold 0–1 (0.5); higher for noisy rooms.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        threshold: Option<f64>,
        /// Audio kept before speech, ms (300).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prefix_padding_ms: Option<u32>,
        /// Silence that ends a turn, ms (500).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        silence_duration_ms: Option<u32>,
        /// Prompt the caller after this much silence, ms (5000–30000).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        idle_timeout_ms: Option<u32>,
    },
    /// Turns end when the caller sounds finished.
    SemanticVad {
        /// `low`, `medium`, `high` or `auto`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        eagerness: Option<String>,
    },
    /// No detection: the caller commits each turn.
    None,
}

impl Default for TurnDetection {
    fn default() -> Self {
        Self::ServerVad {
            threshold: None,
            prefix_padding_ms: None,
            silence_duration_ms: None,
            idle_timeout_ms: None,
        }
    }
}

/// `# Personality & Tone`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Personality {
    /// `## Personality`.
    #[serde(default, skip_serializing_if = "Lines::is_empty")]
    pub personality: Lines,
    /// `## Tone`.
    #[serde(default, skip_serializing_if = "Lines::is_empty")]
    pub tone: Lines,
    /// `## Length`, e.g. "2–3 sentences per turn."
    #[serde(default, skip_serializing_if = "Lines::is_empty")]
    pub length: Lines,
    /// `## Pacing`: how fast to speak (the `speed` setting only changes playback).
    #[serde(default, skip_serializing_if = "Lines::is_empty")]
    pub pacing: Lines,
    /// `## Language`: a language lock, or code-switching rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// `## Variety`: `true` for the guide's rule, or your own lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variety: Option<Variety>,
    /// Other subsections, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<Section>,
}

/// `## Language`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Language {
    /// Lock all replies to one language, e.g. `English`: the guide's three rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<String>,
    /// Code-switching: which language to use for what (the French tutor example).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modes: Vec<LanguageMode>,
}

/// One code-switching rule, rendered as `### {name}` then the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageMode {
    /// Heading, e.g. `Explanations`.
    pub name: String,
    /// The language of this mode, e.g. `English`.
    pub language: String,
    /// The rule, e.g. "Use English when explaining grammar, vocabulary, or cultural context."
    pub rule: String,
}

/// `## Variety`: the guide's rule, or custom lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Variety {
    /// `true` renders the guide's two rules; `false` none.
    Guide(bool),
    /// Your own rules.
    Custom(Lines),
}

/// A titled section of lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Heading text.
    pub title: String,
    /// Body.
    pub lines: Lines,
}

/// One entry of `# Reference Pronunciations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pronunciation {
    /// The written word, e.g. `SQL`.
    pub term: String,
    /// How to say it, e.g. `sequel`.
    pub say: String,
}

/// A business rule on a tool: a [CEL](https://cel.dev) expression that must be true for a
/// call to run, e.g. `results.get_reservation_details.cabin != "basic_economy"`. It sees the
/// call's `args`, `results` (the last successful result of each tool, by name), `slots` (the
/// dynamic flow's captured values), `state`, `now` (a timestamp) and `called(tool, args)`
/// (whether `tool` ran successfully with arguments containing `args`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Guard {
    /// The rule, a CEL expression that evaluates to a boolean.
    pub rule: String,
    /// What the model is told when the rule refuses a call, for it to put into speech, e.g.
    /// "Basic economy tickets cannot be changed."
    pub say: String,
    /// Whether a refusal by this rule counts as a failed attempt towards the escalation
    /// threshold (default no: a rule that says no is policy, not a failing task).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub counts_as_failure: bool,
}

/// A business rule on leaving a dynamic state, checked when the model asks to move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExitGuard {
    /// The exit it is for (one of the state's `transitions`); every exit when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The rule, a CEL expression; `args.next_state` is the state asked for.
    pub rule: String,
    /// What the model is told when the rule refuses the move.
    pub say: String,
}

impl ExitGuard {
    /// The rule as a tool's guard, for compiling and checking.
    pub fn as_guard(&self) -> Guard {
        Guard {
            rule: self.rule.clone(),
            say: self.say.clone(),
            counts_as_failure: false,
        }
    }
}

/// A tool the agent may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// Function name the model calls.
    pub name: String,
    /// What it does, for the model.
    pub description: String,
    /// Proactive, confirmation-first or preamble.
    #[serde(default)]
    pub behaviour: Behaviour,
    /// Said before a confirmation-first tool runs, e.g. "I can issue a credit for this
    /// outage—would you like me to go ahead?"
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_phrase: Option<String>,
    /// What a confirmation-first tool's question must say for the caller's yes to count.
    #[serde(default, skip_serializing_if = "Confirm::is_empty")]
    pub confirm: Confirm,
    /// Short lines said while the tool runs; may use `{parameter}` placeholders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preamble_phrases: Vec<String>,
    /// When to call it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_when: Option<String>,
    /// When not to call it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avoid_when: Option<String>,
    /// Whether it only reads or also changes something.
    #[serde(default)]
    pub access: Access,
    /// What to say or do when it fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
    /// JSON Schema of the arguments object.
    #[serde(default = "empty_parameters")]
    pub parameters: Value,
    /// Limits on arguments and running time.
    #[serde(default)]
    pub limits: ToolLimits,
    /// Business rules checked before every call, after the arguments and before consent: a
    /// call whose rule is false does not run, and the model is told `say`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guards: Vec<Guard>,
    /// JSON Schema of the tool's successful result, for the linter to check the rules that
    /// read it (`results.<tool>` and this tool's `captures`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// Values of the tool's successful results kept under a name for later rules, e.g. the
    /// reservation a lookup returned as `reservation`, kept per reservation id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captures: Vec<Capture>,
    /// How the tool runs.
    #[serde(default)]
    pub run: Run,
}

/// The names a business rule sees besides the captures: no capture may take one of them.
pub const RULE_NAMES: [&str; 10] = [
    "args", "results", "slots", "state", "now", "called", "captures", "agent", "caller", "calls",
];

/// A value of a tool's result that later rules read by name.
///
/// With a `key`, the value is an entity kept per key (the reservation per `reservation_id`),
/// and a rule of a call whose arguments name an entity (`argument`, by default the key's last
/// segment) sees that entity and no other: a lookup of one reservation does not stand for
/// another. A rule of a call that names none sees the entity captured last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    /// The name rules use, e.g. `reservation`: an identifier, not one of [`RULE_NAMES`].
    /// Several tools may keep values under one name (two ways of finding a user's id) if
    /// they key them alike.
    pub name: String,
    /// Dot path of the value in the result, e.g. `reservation`; the whole result when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Dot path, inside the value, of the field that identifies the entity, e.g.
    /// `reservation_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The argument of a later call that names the entity the call is about; the key's last
    /// segment when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub argument: Option<String>,
}

impl Capture {
    /// The argument that selects an entity of this capture, if it is kept per key.
    pub fn selecting_argument(&self) -> Option<&str> {
        match (&self.argument, &self.key) {
            (Some(argument), _) => Some(argument),
            (None, Some(key)) => key.rsplit('.').next(),
            (None, None) => None,
        }
    }
}

/// What the confirmation question of a confirmation-first tool must say.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    /// Parameters whose values the question must name, e.g. `[minutes]`: the caller's yes
    /// covers a call only if the question they heard named each of these arguments' values
    /// ("thirty" or "30" names `minutes: 30`; "sixty" does not). Without them, the
    /// `confirmation_phrase` alone asks about the held call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<String>,
}

impl Confirm {
    /// Whether nothing is required beyond the phrase.
    pub fn is_empty(&self) -> bool {
        self.arguments.is_empty()
    }
}

fn empty_parameters() -> Value {
    serde_json::json!({"type": "object", "properties": {}})
}

/// How a tool call is handled, per the guide's per-tool behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Behaviour {
    /// Call without asking and without a preamble.
    #[default]
    Proactive,
    /// Ask the caller first, with the confirmation phrase; enforced by the engine.
    ConfirmationFirst,
    /// Say one short line, then call at once.
    Preamble,
}

/// Whether a tool changes anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Looks something up; safe to retry.
    #[default]
    Read,
    /// Changes something; sent once, with an idempotency key.
    Write,
}

/// Limits the engine enforces on a tool.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolLimits {
    /// Longest time a call may take, ms (default 10 000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// How many times it may be called in one session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_calls: Option<u32>,
    /// Limits on single arguments, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub arguments: BTreeMap<String, ArgumentLimit>,
}

/// Limits on one argument, beyond its JSON Schema.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArgumentLimit {
    /// Smallest number allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest number allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Longest string allowed, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// The only values allowed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<Value>,
}

/// How a tool runs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Run {
    /// POSTed as JSON to a URL.
    Webhook(Webhook),
    /// Handled by Switchboard itself.
    Builtin(Builtin),
    /// Canned responses, for demos and tests: the first whose `when` matches the arguments.
    Fixtures(Vec<Fixture>),
    /// Not run by Switchboard: the call goes to the caller, who answers it.
    #[default]
    Client,
}

/// An HTTP tool endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// `https://…` URL the call is POSTed to. `${NAME}` is replaced with the gateway's
    /// environment variable `NAME` when the call is made, e.g. `${TOOLS_URL}/lookup`.
    pub url: String,
    /// Environment variable holding the signing secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
}

impl Webhook {
    /// The URL with each `${NAME}` replaced by `env(NAME)`; the error names a variable that
    /// is not set, or a `${` that is not closed.
    pub fn url_with(&self, env: impl Fn(&str) -> Option<String>) -> Result<String, String> {
        let mut out = String::with_capacity(self.url.len());
        let mut rest = self.url.as_str();
        while let Some(open) = rest.find("${") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("the URL `{}` has a `${{` that is not closed", self.url))?;
            let name = &after[..close];
            let value = env(name).ok_or_else(|| {
                format!("the URL names ${{{name}}}, which is not set in the gateway's environment")
            })?;
            out.push_str(&value);
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Tools Switchboard implements itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Builtin {
    /// Hand the call to a person.
    EscalateToHuman,
    /// End the call.
    FinishSession,
    /// Ask the supervisor.
    Answer,
}

/// A canned tool response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// Argument values that must match (all of them); absent matches any call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<BTreeMap<String, Value>>,
    /// The result returned to the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// An error instead of a result (counts as a failed attempt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long the call takes, ms (to exercise preambles and timeouts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

impl Fixture {
    /// The fixture that answers a call with `args`: the first whose `when` values all equal
    /// the arguments (one without `when` matches any call).
    pub fn answering<'f>(fixtures: &'f [Fixture], args: &Value) -> Option<&'f Fixture> {
        fixtures.iter().find(|f| {
            f.when
                .as_ref()
                .is_none_or(|when| when.iter().all(|(k, v)| args.get(k) == Some(v)))
        })
    }
}

/// The common tools of the guide.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CommonTool {
    /// `answer(question)`: questions the agent cannot answer, or actions it cannot take.
    Answer,
    /// `escalate_to_human()`: the caller asks for a person or is dissatisfied.
    EscalateToHuman,
    /// `finish_session()`: the caller is done.
    FinishSession,
}

/// The responder/thinker pattern: the realtime model speaks, a text model thinks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Supervisor {
    /// Tool name the responder calls.
    #[serde(default = "default_supervisor_tool")]
    pub tool_name: String,
    /// When to call the supervisor.
    #[serde(default, skip_serializing_if = "Lines::is_empty")]
    pub when_to_call: Lines,
    /// When not to call it.
    #[serde(default, skip_serializing_if = "Lines::is_empty")]
    pub when_not_to_call: Lines,
    /// Neutral fillers said before calling; they must not imply success or failure.
    #[serde(default = "default_fillers")]
    pub fillers: Vec<String>,
    /// How to turn the supervisor's text into speech.
    #[serde(default)]
    pub rephrase: Rephrase,
    /// The supervisor's own instructions.
    pub instructions: String,
    /// Names of agent tools the supervisor may call itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
    /// The OpenAI-compatible Chat Completions endpoint.
    #[serde(default)]
    pub endpoint: Endpoint,
    /// How long to wait for the supervisor, ms (default 8000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Said when the supervisor does not answer in time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

fn default_supervisor_tool() -> String {
    "getNextResponseFromSupervisor".to_owned()
}

fn default_fillers() -> Vec<String> {
    [
        "One moment.",
        "Let me check.",
        "Just a second.",
        "Give me a moment.",
        "Let me see.",
        "Let me look into that.",
    ]
    .map(String::from)
    .to_vec()
}

/// Rephrasing rules for supervisor replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rephrase {
    /// Conversational openers.
    #[serde(default = "default_openers")]
    pub openers: Vec<String>,
    /// Most sentences in a spoken reply.
    #[serde(default = "default_max_sentences")]
    pub max_sentences: u32,
}

fn default_openers() -> Vec<String> {
    [
        "Thanks for waiting—",
        "Just finished checking that.",
        "I’ve got that pulled up now.",
    ]
    .map(String::from)
    .to_vec()
}

fn default_max_sentences() -> u32 {
    2
}

impl Default for Rephrase {
    fn default() -> Self {
        Self {
            openers: default_openers(),
            max_sentences: default_max_sentences(),
        }
    }
}

/// An OpenAI-compatible endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Base URL, e.g. `https://api.openai.com/v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Model, e.g. `gpt-5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Environment variable holding the API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
}

/// `# Instructions / Rules`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Instructions {
    /// Do's and don'ts.
    #[serde(default, skip_serializing_if = "Lines::is_empty")]
    pub rules: Lines,
    /// Read numbers and codes back one character at a time, in every state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readback: Option<Readback>,
    /// What to do when the audio is unclear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unclear_audio: Option<UnclearAudio>,
}

/// Character-by-character readback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Readback {
    /// Between characters (default `-`: "4-1-5").
    #[serde(default = "default_separator")]
    pub separator: String,
    /// Disambiguate letters phonetically ("A as in Alpha").
    #[serde(default)]
    pub phonetic: bool,
    /// Ask the caller to confirm, and confirm again after a correction.
    #[serde(default = "yes")]
    pub confirm: bool,
}

fn default_separator() -> String {
    "-".to_owned()
}

fn yes() -> bool {
    true
}

impl Default for Readback {
    fn default() -> Self {
        Self {
            separator: default_separator(),
            phonetic: false,
            confirm: true,
        }
    }
}

/// What to do with audio the model did not understand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnclearAudio {
    /// Ask for clarification, or repeat the last question.
    #[serde(default)]
    pub action: UnclearAction,
    /// Language of the clarification (the guide's `{preferred_language}`); the caller's own
    /// when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// The two reactions to unclear audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnclearAction {
    /// Ask the caller to say it again.
    #[default]
    Clarify,
    /// Repeat the last question.
    RepeatQuestion,
}

/// A phase of `# Conversation Flow`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// Identifier, unique among phases.
    pub id: String,
    /// Heading, e.g. `Greeting`.
    pub title: String,
    /// `Goal:`.
    pub goal: String,
    /// `How to respond:`.
    #[serde(default, skip_serializing_if = "Lines::is_empty")]
    pub respond: Lines,
    /// `Sample phrases`, rendered with the "vary your responses" rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sample_phrases: Vec<String>,
    /// `Exit when:`: the concrete criteria to move on.
    pub exit: String,
    /// Phase to go to, when it is not the next one (`Exit to <title>:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Read numbers back one character at a time in this phase.
    #[serde(default)]
    pub readback: bool,
}

/// A state of the guide's JSON state machine; its keys are exactly the guide's, plus an
/// optional `readback`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuideState {
    /// e.g. `3_get_and_verify_phone`.
    pub id: String,
    /// What happens in this state.
    pub description: String,
    /// Instructions for this state.
    #[serde(default)]
    pub instructions: Vec<String>,
    /// Example lines.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Where to go next and when.
    #[serde(default)]
    pub transitions: Vec<GuideTransition>,
    /// Read numbers back one character at a time in this state.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub readback: bool,
}

/// A transition of the guide's state machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuideTransition {
    /// Target state id.
    pub next_step: String,
    /// When to take it.
    pub condition: String,
}

/// A dynamic flow: each state brings its own instructions and tools.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DynamicFlow {
    /// The state a call starts in.
    pub initial: String,
    /// The states.
    pub states: Vec<DynamicState>,
    /// Values captured during the call, required by `requires`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slots: Vec<Slot>,
}

/// A state of a dynamic flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DynamicState {
    /// e.g. `verify`.
    pub id: String,
    /// Heading of its conversation section; the id when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The objective in this state (replaces `role` while in it).
    #[serde(default, skip_serializing_if = "Lines::is_empty")]
    pub objective: Lines,
    /// What to do in this state.
    pub instructions: Lines,
    /// `Exit when:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<String>,
    /// Names of the tools available in this state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
    /// States this one may switch to; none makes it terminal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<String>,
    /// Slots that must be captured before leaving (enforced by the engine).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Business rules for leaving the state (CEL, as a tool's `guards`), each for one exit
    /// (`to`) or every exit: a move whose rule is false is refused with `say`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guards: Vec<ExitGuard>,
    /// Read numbers back one character at a time in this state.
    #[serde(default)]
    pub readback: bool,
    /// Reasoning in this state, replacing the agent's while in it (e.g. `high` while
    /// troubleshooting). The agent must set its own `reasoning` too: leaving this state
    /// returns to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<ReasoningSettings>,
}

/// A value captured from a tool result or argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slot {
    /// Slot name, e.g. `account_id`.
    pub name: String,
    /// The tool it comes from.
    pub tool: String,
    /// Where in that tool's call or result.
    pub from: SlotSource,
    /// Check the model's readback of this value character by character (phone numbers,
    /// account ids, cards), and have it correct itself on a mismatch.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub readback: bool,
}

/// Where a slot's value is taken from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SlotSource {
    /// A field of the tool's JSON result (dot path, e.g. `account.id`).
    Result(String),
    /// An argument of the call.
    Argument(String),
}

/// A group of `# Sample Phrases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhraseGroup {
    /// e.g. `Acknowledgements`.
    pub name: String,
    /// The phrases.
    pub phrases: Vec<String>,
}

/// `# Safety & Escalation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// When to escalate, without more troubleshooting.
    pub triggers: Lines,
    /// Counts that force an escalation (enforced by the engine).
    #[serde(default)]
    pub thresholds: Thresholds,
    /// The line to say while calling the escalation tool (mandatory).
    pub say: String,
    /// The tool that hands off.
    #[serde(default = "default_escalation_tool")]
    pub tool: String,
    /// Caller lines that require escalation.
    #[serde(default, skip_serializing_if = "Lines::is_empty")]
    pub examples: Lines,
    /// Once a threshold is reached, how long the engine waits for the model to call the
    /// escalation tool itself before escalating on its own, ms (default 0: at once; at most
    /// 30 000). Any other call, or the result of a call still running, ends the wait at
    /// once. Either way the model is asked to say `say`.
    #[serde(default)]
    pub grace_ms: u64,
    /// Which failed tool attempts count towards `thresholds.failed_tool_attempts`.
    #[serde(default, skip_serializing_if = "FailureCounting::is_default")]
    pub count_failures: FailureCounting,
    /// The argument of the escalation tool that carries the reason, e.g. `summary` for a
    /// `transfer_to_human_agents(summary)` tool (default `reason`).
    #[serde(
        default = "default_reason_argument",
        skip_serializing_if = "is_default_reason_argument"
    )]
    pub reason_argument: String,
    /// Whether `say` is said before the escalation tool is called (default) or after it
    /// returns, as policies that transfer first and then tell the caller ask.
    #[serde(default, skip_serializing_if = "SayWhen::is_default")]
    pub say_when: SayWhen,
}

/// Which failed tool attempts count towards the escalation threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailureCounting {
    /// Each tool has its own count, started again by its success (the guide's "same task").
    #[default]
    PerTool,
    /// One count for every tool, started again by any success.
    AllTools,
    /// Failures never escalate: the model hands off only where the policy says.
    Off,
}

impl FailureCounting {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// When the escalation line is said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SayWhen {
    /// Said as the escalation tool is called.
    #[default]
    Before,
    /// Said once the escalation tool has returned.
    After,
}

impl SayWhen {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

fn default_reason_argument() -> String {
    "reason".to_owned()
}

fn is_default_reason_argument(name: &String) -> bool {
    name == "reason"
}

/// The longest `escalation.grace_ms` the loader accepts.
pub const MAX_ESCALATION_GRACE_MS: u64 = 30_000;

fn default_escalation_tool() -> String {
    "escalate_to_human".to_owned()
}

/// Escalation thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Failed tool attempts on the same task (default 2).
    #[serde(default = "two")]
    pub failed_tool_attempts: u32,
    /// Consecutive no-input or no-match events (default 3).
    #[serde(default = "three")]
    pub no_input_or_match: u32,
}

fn two() -> u32 {
    2
}

fn three() -> u32 {
    3
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            failed_tool_attempts: two(),
            no_input_or_match: three(),
        }
    }
}

/// Per-agent settings of `switchboard lint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LintSettings {
    /// Codes to silence for this agent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
    /// Budget for the rendered instructions, in estimated tokens (default 3000).
    #[serde(default = "default_token_budget")]
    pub max_instruction_tokens: u32,
}

fn default_token_budget() -> u32 {
    3_000
}

impl Default for LintSettings {
    fn default() -> Self {
        Self {
            allow: vec![],
            max_instruction_tokens: default_token_budget(),
        }
    }
}

/// Settings of the call records the gateway stores (`switchboard sessions`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Records {
    /// Personal data replaced with a placeholder before records are written (default:
    /// nothing redacted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redact: Vec<Redact>,
}

impl Records {
    /// True when nothing is set.
    pub fn is_default(&self) -> bool {
        self == &Records::default()
    }

    /// Whether `kind` is redacted.
    pub fn redacts(&self, kind: Redact) -> bool {
        self.redact.contains(&kind)
    }
}

/// A kind of personal data to redact from call records.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Redact {
    /// Phone numbers (7 or more digits, written or spelled out) become `[phone]`.
    PhoneNumbers,
    /// Card numbers (13 to 19 digits) become `[card]`.
    CardNumbers,
    /// Email addresses become `[email]`.
    Emails,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(url: &str) -> Webhook {
        Webhook {
            url: url.to_owned(),
            secret_env: None,
        }
    }

    #[test]
    fn a_webhook_url_takes_its_variables_from_the_environment() {
        let env = |name: &str| (name == "TOOLS_URL").then(|| "https://tools.example".to_owned());
        assert_eq!(
            hook("${TOOLS_URL}/lookup").url_with(env),
            Ok("https://tools.example/lookup".to_owned())
        );
        assert_eq!(
            hook("https://fixed.example/x").url_with(env),
            Ok("https://fixed.example/x".to_owned())
        );
        let unset = hook("${OTHER}/x").url_with(env).expect_err("unset");
        assert!(unset.contains("${OTHER}"), "{unset}");
        let open = hook("${TOOLS_URL/x").url_with(env).expect_err("not closed");
        assert!(open.contains("not closed"), "{open}");
    }
}
