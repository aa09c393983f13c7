//! Command-line flags, as parsed by clap. Validation beyond their shape happens in `cmd`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Switchboard: a runtime for realtime voice agents built on speech-to-speech models.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about, long_about = None)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check and translate Realtime API events (GA or beta).
    #[command(subcommand)]
    Events(EventsCommand),
    /// Convert audio between the Realtime formats and tune voice activity detection.
    #[command(subcommand)]
    Audio(AudioCommand),
    /// Check agent files against the Realtime Prompting Guide, or have a model critique one.
    ///
    /// Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 a file could not be read
    /// or did not load (its diagnostics are still printed), or `--critique` failed.
    Lint(LintArgs),
    /// Compile an agent file into its instructions text or its `session.update` event.
    ///
    /// For an agent with a dynamic flow and no `--state`, every state is rendered: as text,
    /// each under a `=== state: <id> ===` line; as JSON, one object mapping state id to event.
    Render {
        /// Agent file, YAML or JSON.
        agent: PathBuf,
        /// Render only this state of the agent's dynamic flow.
        #[arg(long)]
        state: Option<String>,
        /// `text` prints the instructions; `json` prints the `session.update` event.
        #[arg(long, value_enum, default_value_t = RenderFormat::Text)]
        format: RenderFormat,
    },
    /// Print the JSON Schema of agent files, for editors and validators.
    Schema,
    /// Serve agents on an OpenAI Realtime-compatible endpoint.
    ///
    /// With `OPENAI_API_KEY` set, calls go to the live model. Without it (or with
    /// `--rehearsal`), each agent is answered by the emulator playing the `rehearsal.yaml`
    /// beside its agent file, with the agent's fixture tools: a rehearsal, and every caller is
    /// told so.
    Serve(ServeArgs),
    /// Talk with an agent in the terminal, in text: for fast prompt iteration.
    ///
    /// Starts the gateway in-process with the agent, live with `OPENAI_API_KEY` set, else (or
    /// with `--rehearsal`) against the emulator playing the agent's `rehearsal.yaml`. Tool
    /// calls, guard decisions and state changes appear inline, dimmed. `/quit` or end of input
    /// ends the chat; so does the agent hanging up. Exit codes: 0 the chat ended, 2 the agent
    /// file did not load or the call failed.
    Chat(ChatArgs),
    /// Measure Switchboard's own performance (programs that print figures, not tests).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Run the Realtime API emulator on its own, playing a script.
    Emulate(EmulateArgs),
    /// Read the call records the gateway stored: list sessions, show one, export one.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Run scenario files through the gateway and check their assertions.
    ///
    /// Exit codes: 0 every scenario passed (with --compare: B broke nothing that A passes),
    /// 1 a scenario failed (with --compare: B fails an assertion that A passes), 2 a usage
    /// error or a scenario, agent or script file that does not load (see docs/scenarios.md).
    Test(TestArgs),
}

/// `switchboard test`: scenario files run through the gateway (docs/scenarios.md).
#[derive(Debug, clap::Args)]
pub(crate) struct TestArgs {
    /// Scenario files, or directories: the `*.yaml` files of the `scenarios` directories at
    /// or below one, else those directly in it.
    #[arg(required = true)]
    pub(crate) paths: Vec<PathBuf>,
    /// The model's side: `emulator` plays each scenario's script offline; `openai` is the live
    /// model (needs OPENAI_API_KEY; see --upstream-url, --live-model).
    #[arg(long, value_enum, default_value_t = TestModel::Emulator)]
    pub(crate) model: TestModel,
    /// Run each scenario K times; it passes only if all K runs pass (pass^k).
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) repeat: u32,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub(crate) junit: Option<PathBuf>,
    /// Also write a self-contained HTML report here: verdicts, failed assertions, each call's
    /// timeline, per-turn latencies.
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
    /// Run the scenarios against two variants and set them side by side. A variant is an
    /// agent file (replaces each scenario's agent), `script:PATH` (replaces the model's
    /// script), or a model: `emulator`, `openai`.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    pub(crate) compare: Option<Vec<String>>,
    /// The live model's base URL (`--model openai`).
    #[arg(long, value_name = "URL", default_value = switchboard_gateway::OPENAI_BASE_URL)]
    pub(crate) upstream_url: String,
    /// The live model to ask for (`--model openai`).
    #[arg(long, value_name = "MODEL", default_value = "gpt-realtime")]
    pub(crate) live_model: String,
    /// Send every fixture tool of the scenarios' agents (and of `--compare` agents) to this
    /// tool server instead, as a signed webhook to URL/tools/NAME, as `serve --tool-server`
    /// does. A call the server fails where the agent's fixtures answer it fails the scenario
    /// (docs/scenarios.md).
    #[arg(long, value_name = "URL")]
    pub(crate) tool_server: Option<String>,
    /// Environment variable holding the secret that signs requests to --tool-server.
    #[arg(
        long,
        value_name = "NAME",
        default_value = TOOL_SECRET_ENV,
        requires = "tool_server"
    )]
    pub(crate) tool_secret_env: String,
}

/// The default `--tool-secret-env` of `serve` and `test`.
pub(crate) const TOOL_SECRET_ENV: &str = "SWITCHBOARD_TOOL_SECRET";

/// Who plays the model's side in `switchboard test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TestModel {
    /// The emulator, playing each scenario's script (offline).
    Emulator,
    /// The live Realtime model (needs OPENAI_API_KEY).
    Openai,
}

#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// Relay latency, CPU and memory of the gateway under many concurrent sessions.
    ///
    /// Each session streams PCM16 24 kHz in 20 ms frames at real-time pace to an echo model
    /// that sends every frame straight back, first directly, then through the gateway, in the
    /// same run; the difference is what the gateway adds.
    Relay {
        /// Concurrent sessions.
        #[arg(long, default_value_t = 100)]
        sessions: usize,
        /// Seconds each phase streams.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Seconds over which sessions start.
        #[arg(long, default_value_t = 5)]
        ramp: u64,
        /// The agent calls run through [default: a pass-through agent].
        #[arg(long, value_name = "AGENT")]
        agent: Option<PathBuf>,
    },
}

/// Flags of `switchboard chat`.
#[derive(Debug, clap::Args)]
pub(crate) struct ChatArgs {
    /// Agent file, or a directory holding `agent.yaml`, `agent.yml` or `agent.json`.
    #[arg(value_name = "AGENT")]
    pub(crate) agent: PathBuf,
    /// Base URL of the Realtime API [default: wss://api.openai.com/v1, or the rehearsal
    /// emulator without OPENAI_API_KEY].
    #[arg(long, value_name = "URL")]
    pub(crate) upstream_url: Option<String>,
    /// Rehearse even when OPENAI_API_KEY is set.
    #[arg(long, conflicts_with = "upstream_url")]
    pub(crate) rehearsal: bool,
    /// When to dim the gateway's own lines: `auto` on a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
}

/// When to write ANSI colour codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// On a terminal, unless the NO_COLOR environment variable is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Flags of `switchboard emulate`.
#[derive(Debug, clap::Args)]
pub(crate) struct EmulateArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub(crate) listen: String,
    /// The script of the model's side (see docs/emulator.md).
    #[arg(long)]
    pub(crate) script: PathBuf,
    /// Refuse clients (HTTP 401) that do not send `Authorization: Bearer KEY`, KEY being the
    /// value of this environment variable.
    #[arg(long, value_name = "NAME")]
    pub(crate) require_key_env: Option<String>,
    /// Refuse clients (HTTP 401) that do not send `api-key: KEY`, as Azure OpenAI does, KEY
    /// being the value of this environment variable.
    #[arg(long, value_name = "NAME")]
    pub(crate) require_api_key_env: Option<String>,
    /// Play an Azure OpenAI deployment: every server event carries a top-level `session_id`.
    #[arg(long)]
    pub(crate) azure: bool,
}

/// Flags of `switchboard serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Agent files, or directories holding `agent.yaml`, `agent.yml` or `agent.json`.
    #[arg(required = true, value_name = "AGENT")]
    pub(crate) agents: Vec<PathBuf>,
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) listen: String,
    /// Directory for the gateway's data: call records go to `DIR/switchboard.sqlite`
    /// (`switchboard sessions` reads them).
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    pub(crate) data: PathBuf,
    /// Record nothing.
    #[arg(long)]
    pub(crate) no_records: bool,
    /// Base URL of the Realtime API [default: wss://api.openai.com/v1, or the rehearsal
    /// emulator without OPENAI_API_KEY].
    #[arg(long, value_name = "URL")]
    pub(crate) upstream_url: Option<String>,
    /// Rehearse even when OPENAI_API_KEY is set.
    #[arg(long, conflicts_with = "upstream_url")]
    pub(crate) rehearsal: bool,
    /// How the upstream key is sent: `bearer` (`Authorization: Bearer KEY`, OpenAI) or
    /// `api-key` (an `api-key: KEY` header, Azure OpenAI; see docs/gateway.md).
    #[arg(long, value_name = "SCHEME", default_value = "bearer")]
    pub(crate) upstream_auth: switchboard_gateway::UpstreamAuth,
    /// Environment variable holding the upstream key; without it set (and no --upstream-url)
    /// the gateway rehearses.
    #[arg(long, value_name = "NAME", default_value = "OPENAI_API_KEY")]
    pub(crate) upstream_key_env: String,
    /// Gateway settings: caller keys, the default agent, the drain timeout (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// The agent for callers who name none [default: the only agent, if there is one].
    #[arg(long, value_name = "NAME")]
    pub(crate) default_agent: Option<String>,
    /// Send every fixture tool to this tool server instead, as a signed webhook to
    /// URL/tools/NAME (docs/tools.md).
    #[arg(long, value_name = "URL")]
    pub(crate) tool_server: Option<String>,
    /// Environment variable holding the secret that signs requests to --tool-server.
    #[arg(
        long,
        value_name = "NAME",
        default_value = TOOL_SECRET_ENV,
        requires = "tool_server"
    )]
    pub(crate) tool_secret_env: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AudioCommand {
    /// Convert a WAV file to another rate or encoding (mixing down to mono).
    ///
    /// G.711 (µ-law, A-law) is always 8 kHz; PCM16 may be 8, 16, 24 or 48 kHz.
    Convert {
        /// WAV file to read (PCM16, µ-law or A-law, any channel count).
        input: PathBuf,
        /// WAV file to write.
        output: PathBuf,
        /// Output sample rate in Hz; the input's rate for PCM16, 8000 for G.711.
        #[arg(long)]
        rate: Option<u32>,
        /// Output encoding.
        #[arg(long, value_enum, default_value_t = Encoding::Pcm16)]
        encoding: Encoding,
    },
    /// Run voice activity detection with `server_vad` semantics and print turn boundaries.
    ///
    /// Prints one line per event: `speech_started audio_start_ms=N` or
    /// `speech_stopped audio_end_ms=N`, offsets counted from the start of the file, as the
    /// Realtime API reports them.
    Vad {
        /// WAV file to analyse.
        input: PathBuf,
        /// Activation threshold 0.0–1.0; higher needs louder speech.
        #[arg(long, default_value_t = 0.5)]
        threshold: f32,
        /// Audio kept before detected speech, in ms.
        #[arg(long, default_value_t = 300)]
        prefix_padding_ms: u64,
        /// Silence that ends a turn, in ms.
        #[arg(long, default_value_t = 500)]
        silence_duration_ms: u64,
    },
}

/// A sample encoding of the Realtime API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Encoding {
    /// 16-bit signed little-endian PCM.
    Pcm16,
    /// G.711 µ-law, 8 kHz.
    Ulaw,
    /// G.711 A-law, 8 kHz.
    Alaw,
}

#[derive(Debug, Subcommand)]
pub(crate) enum EventsCommand {
    /// Parse events and write them back in canonical form, one JSON line per event.
    ///
    /// Input is JSON Lines (one event per line), or a file holding a single JSON event.
    /// An event that does not parse is answered by the Realtime `error` event it would get
    /// from a server, on the same output line, and makes the exit code 1.
    Parse {
        /// Files to read; standard input when none is given.
        files: Vec<PathBuf>,
        /// Who sent the events.
        #[arg(long, value_enum, default_value_t = Side::Client)]
        side: Side,
        /// The dialect the events are written in.
        #[arg(long = "from", value_enum, default_value_t = Dialect::Ga)]
        from: Dialect,
        /// The dialect to write. Server events that beta lacks are written as `null`.
        #[arg(long = "to", value_enum, default_value_t = Dialect::Ga)]
        to: Dialect,
    },
    /// List the event types Switchboard models, one per line.
    Types {
        /// Whose events to list.
        #[arg(long, value_enum, default_value_t = Side::Client)]
        side: Side,
    },
}

/// Which side of a Realtime connection sent an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Side {
    /// Events a client sends (`session.update`, `input_audio_buffer.append`, …).
    Client,
    /// Events the server sends (`session.created`, `response.output_audio.delta`, …).
    Server,
}

/// A version of the Realtime protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Dialect {
    /// The generally available protocol (gpt-realtime).
    Ga,
    /// The 2024 preview protocol (`OpenAI-Beta: realtime=v1`).
    Beta,
}

/// What `render` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RenderFormat {
    /// The instructions text.
    Text,
    /// The `session.update` event, pretty-printed.
    Json,
}

/// Flags of `switchboard lint`.
#[derive(Debug, clap::Args)]
pub(crate) struct LintArgs {
    /// Agent files, or directories searched for `agent.yaml`, `agent.yml` and `agent.json`.
    #[arg(required = true, value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = LintFormat::Human, conflicts_with = "critique")]
    pub(crate) format: LintFormat,
    /// Lint as of this day (`YYYY-MM-DD`, UTC) instead of today: rules about dates, such as a
    /// model's shutdown, then give the same findings on every run.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day, conflicts_with = "critique")]
    pub(crate) today: Option<switchboard_agent::Date>,
    /// Instead of linting, send the compiled prompt with the guide's Prompt-Critique Expert
    /// meta-prompt to an OpenAI-compatible Chat Completions endpoint and print the answer.
    #[arg(long)]
    pub(crate) critique: bool,
    /// With `--critique`: what goes wrong in calls; uses the guide's targeted meta-prompt,
    /// which asks for variants of the prompt that alleviate the issue.
    #[arg(long, requires = "critique", value_name = "WHAT GOES WRONG")]
    pub(crate) issue: Option<String>,
    /// With `--critique`: API base URL, e.g. `https://api.openai.com/v1` [default: $OPENAI_BASE_URL].
    #[arg(long, requires = "critique", value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// With `--critique`: API key [default: $OPENAI_API_KEY]. Prefer the variable: flags
    /// show up in process lists.
    #[arg(long, requires = "critique", value_name = "KEY")]
    pub(crate) api_key: Option<String>,
    /// With `--critique`: model, e.g. `gpt-5` [default: $SWITCHBOARD_CRITIQUE_MODEL].
    #[arg(long, requires = "critique", value_name = "MODEL")]
    pub(crate) model: Option<String>,
}

/// A `--today` value.
fn parse_day(text: &str) -> Result<switchboard_agent::Date, String> {
    switchboard_agent::Date::parse(text)
        .ok_or_else(|| format!("`{text}` is not a day written YYYY-MM-DD"))
}

/// What `lint` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LintFormat {
    /// Text in the style of rustc, with a summary line on standard error.
    Human,
    /// A JSON array of diagnostics (code, severity, message, file, line, column, hint, notes).
    Json,
    /// A SARIF 2.1.0 log, for code-scanning tools.
    Sarif,
}

/// Where `serve` stores call records and `sessions` reads them, relative to the working
/// directory.
pub(crate) const DEFAULT_DATA_DIR: &str = "switchboard-data";

/// `switchboard sessions`: the call records in a data directory (docs/records.md).
#[derive(Debug, Subcommand)]
pub(crate) enum SessionsCommand {
    /// List sessions, most recent first.
    ///
    /// One line per session: id, agent, start (UTC), duration, outcome, turns (utterances),
    /// tool calls and whether the call was escalated.
    List {
        /// The gateway's data directory.
        #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
        data: PathBuf,
        /// Only this agent's sessions.
        #[arg(long, value_name = "NAME")]
        agent: Option<String>,
        /// Only sessions started since: an RFC 3339 time (2026-11-24T10:00:00Z), a date
        /// (2026-11-24, midnight UTC) or a duration ago (30m, 2h, 7d).
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// At most this many sessions.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
    /// Show one session as a transcript.
    ///
    /// Tool calls, guard decisions, transitions and the escalation appear inline, in time
    /// order, as `[mm:ss.mmm]` offsets since the call started; latency is summarized at the
    /// end.
    Show {
        /// The session id.
        id: String,
        /// The gateway's data directory.
        #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
        data: PathBuf,
    },
    /// Write one session's whole record, or a scenario that replays it.
    ///
    /// With `--as-scenario`, the call becomes a scenario file (docs/scenarios.md): the model's
    /// side as a script, the caller's turns as text, and the call's tool calls, states and
    /// ending as expectations, for `switchboard test`.
    Export {
        /// The session id.
        id: String,
        /// The gateway's data directory.
        #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
        data: PathBuf,
        /// The output format of the record.
        #[arg(long, value_enum, default_value_t = ExportFormat::Json, conflicts_with = "as_scenario")]
        format: ExportFormat,
        /// Write a scenario (YAML) that replays the call, instead of the record.
        #[arg(long)]
        as_scenario: bool,
        /// The agent file (or its directory) the call was served with; by default the one
        /// the gateway recorded with the call.
        #[arg(long, value_name = "PATH", requires = "as_scenario")]
        agent: Option<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// What `sessions export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormat {
    /// The record as pretty-printed JSON (docs/records.md).
    Json,
}
