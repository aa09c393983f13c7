//! Running a scenario: the emulator (or a live model) plays the model, the real gateway serves
//! the agent, and a Realtime client plays the caller, all over sockets on 127.0.0.1. The
//! gateway records the call into a store in a temporary directory; the assertions read that
//! record.
//!
//! The caller sends text turns as `conversation.item.create`, and audio turns as 20 ms
//! `input_audio_buffer.append` frames in real time, with silence after them until the model's
//! voice activity detection ends the turn. When the scenario has audio turns the agent answers
//! in audio, and the caller behaves like a client that plays it in real time: it speaks again
//! only once the reply has played out (or, for a barge-in, over it).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use switchboard_audio::AudioFormat;
use switchboard_engine::{CompiledAgent, ToolOutcome};
use switchboard_gateway::{AgentEntry, Gateway, GatewayConfig, HttpExecutor, Upstream};
use switchboard_store::{Event, SessionFilter, SessionRecord, Store};
use switchboard_testkit::client::{RealtimeClient, Received};
use switchboard_testkit::{Emulator, EmulatorOptions};
use switchboard_wire::observe::{self, ObservationEvent};
use switchboard_wire::{
    ClientEvent, ConversationItemCreate, InputAudioBufferAppend, Item, Modality, Response,
    ResponseCreate, Role, ServerEvent, Session, SessionUpdate,
};
use tokio::time::Instant;

use crate::check::{Failure, evaluate};
use crate::latency;
use crate::scenario::{AudioTurn, Scenario, Sound, Turn};
use crate::tool_server;
use crate::voice;

/// How long the runner waits for the gateway to hang up after the last turn.
const HANGUP_WAIT: Duration = Duration::from_secs(2);
/// How long the caller waits after the agent's audio has played out before speaking.
const ANSWER_PAUSE: Duration = Duration::from_millis(200);
/// Silence sent before each sound but a barge-in's, as a microphone would: voice activity
/// detection learns the line's noise floor from it.
const LEAD_IN: Duration = Duration::from_millis(200);
/// The most silence sent after a sound while waiting for the model to end the caller's turn.
const MAX_TRAILING_SILENCE: Duration = Duration::from_secs(5);
/// One `input_audio_buffer.append`.
const FRAME: Duration = Duration::from_millis(20);

/// How one scenario went.
#[derive(Debug, Clone)]
pub struct Report {
    /// The scenario's name.
    pub name: String,
    /// The scenario file.
    pub path: PathBuf,
    /// How long it took, start to verdict.
    pub duration: Duration,
    /// How many assertions were checked (latency budgets included).
    pub checked: usize,
    /// What failed: assertions that did not hold, and problems running the call (under the
    /// assertion name `run`).
    pub failures: Vec<Failure>,
    /// The call's record, when the gateway recorded one (for reports).
    pub record: Option<SessionRecord>,
    /// For each caller turn the gateway measured, the time from the end of the caller's
    /// speech to the agent's first audio, as (turn, latency) in recording order. Turns count
    /// as in assertion messages (turn 1 is the caller's first).
    pub turn_latencies: Vec<(usize, Duration)>,
}

/// Which model plays the agent's side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Model {
    /// The emulator, playing the scenario's script (offline, deterministic).
    #[default]
    Emulator,
    /// A live Realtime model: the gateway connects to `base_url` with `api_key`, and the
    /// scenario's script is not used.
    Live {
        /// The upstream's base URL (`wss://api.openai.com/v1` for OpenAI).
        base_url: String,
        /// The API key.
        api_key: String,
        /// The model to ask for (`gpt-realtime`), in place of the agent file's.
        model: String,
    },
}

/// How scenarios run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The model's side.
    pub model: Model,
}

impl Report {
    /// Whether everything held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs `scenario` (offline against the emulator, unless `options` say otherwise) and checks
/// its expectations and latency budgets.
pub async fn run(scenario: &Scenario, options: &RunOptions) -> Report {
    let started = std::time::Instant::now();
    let dir = temp_dir();
    let mut failures = Vec::new();
    let checked = scenario.expect.len() + latency::budgets(scenario);
    let mut kept = None;
    let mut turn_latencies = Vec::new();
    match call(scenario, &options.model, &dir).await {
        Ok((record, problem)) => {
            if let Some(message) = problem {
                failures.push(Failure {
                    assertion: "run".to_owned(),
                    message,
                });
            }
            failures.extend(evaluate(scenario, &record));
            failures.extend(latency::evaluate(scenario, &record));
            if scenario.tool_server.is_some() {
                failures.extend(tool_server::unlike_fixtures(&scenario.agent, &record));
            }
            turn_latencies = latency::turn_latencies(&record);
            kept = Some(record);
        }
        Err(message) => failures.push(Failure {
            assertion: "run".to_owned(),
            message,
        }),
    }
    let _ = std::fs::remove_dir_all(&dir);
    Report {
        name: scenario.name.clone(),
        path: scenario.path.clone(),
        duration: started.elapsed(),
        checked,
        failures,
        record: kept,
        turn_latencies,
    }
}

fn temp_dir() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    std::env::temp_dir().join(format!(
        "switchboard-scenario-{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Whether the call runs with audio: any audio or silence turn, or a latency budget (which
/// measures audio).
fn with_audio(scenario: &Scenario) -> bool {
    scenario.latency_budget.is_some()
        || scenario
            .turns
            .iter()
            .any(|t| matches!(t, Turn::Audio(_) | Turn::Silence(_)))
}

/// The audio of each turn (`None` for turns without a sound), speech synthesised now so that
/// the call itself never waits for espeak-ng.
async fn caller_audio(scenario: &Scenario) -> Result<Vec<Option<Arc<[i16]>>>, String> {
    let mut out = Vec::with_capacity(scenario.turns.len());
    for turn in &scenario.turns {
        let Turn::Audio(audio) = turn else {
            out.push(None);
            continue;
        };
        let samples: Arc<[i16]> = match &audio.sound {
            Sound::Wav(clip) => clip.samples.clone(),
            Sound::Noise(duration) => voice::noise(*duration).into(),
            Sound::Speak(text) => {
                if !voice::espeak_available() {
                    return Err(
                        "`speak` turns need espeak-ng to synthesise the caller's speech, and it \
                         is not installed"
                            .to_owned(),
                    );
                }
                let text = text.clone();
                tokio::task::spawn_blocking(move || voice::speak(&text))
                    .await
                    .map_err(|e| format!("speech synthesis failed: {e}"))??
                    .into()
            }
        };
        out.push(Some(samples));
    }
    Ok(out)
}

/// Plays the call; returns its record and, when the call went wrong (a turn without a reply),
/// what went wrong. `Err` when there is no record to check at all.
async fn call(
    scenario: &Scenario,
    model: &Model,
    dir: &std::path::Path,
) -> Result<(SessionRecord, Option<String>), String> {
    let audio = with_audio(scenario);
    let sounds = caller_audio(scenario).await?;
    let store = Store::open(dir).map_err(|e| format!("cannot open a call store: {e}"))?;
    // The store is temporary and the assertions must see what was said: no redaction.
    let mut file = scenario.agent.clone();
    file.records.redact.clear();
    if let Model::Live { model, .. } = model {
        file.model.clone_from(model);
    }
    // Only on the copy that runs: the assertions, and the check of the server's answers
    // against the fixtures, read the agent as written.
    if let Some(server) = &scenario.tool_server {
        server.serve(&mut file);
    }
    let agent =
        Arc::new(CompiledAgent::new(file).map_err(|e| format!("the agent does not compile: {e}"))?);
    // Offline, the emulator also plays the supervisor (the thinker); live, the agent file's
    // own supervisor endpoint answers.
    let (emulator, upstream, supervisor) = match model {
        Model::Emulator => {
            let options = EmulatorOptions {
                tones_only: true,
                ..EmulatorOptions::default()
            };
            let emulator = Emulator::start("127.0.0.1:0", scenario.script.clone(), options)
                .await
                .map_err(|e| format!("cannot start the emulator: {e}"))?;
            let upstream = Upstream {
                base_url: emulator.url(),
                api_key: None,
                auth: switchboard_gateway::UpstreamAuth::Bearer,
            };
            let supervisor = Upstream {
                base_url: emulator.chat_url(),
                api_key: None,
                auth: switchboard_gateway::UpstreamAuth::Bearer,
            };
            (Some(emulator), upstream, Some(supervisor))
        }
        Model::Live {
            base_url, api_key, ..
        } => (
            None,
            Upstream {
                base_url: base_url.clone(),
                api_key: Some(api_key.clone()),
                auth: switchboard_gateway::UpstreamAuth::Bearer,
            },
            None,
        ),
    };
    let config = GatewayConfig {
        agents: vec![AgentEntry {
            agent,
            upstream,
            supervisor,
            path: Some(scenario.agent_path.clone()),
        }],
        default_agent: None,
        keys: Vec::new(),
        drain_timeout: HANGUP_WAIT,
        rehearsal: false,
        store: Some(store.clone()),
    };
    let gateway = Gateway::start("127.0.0.1:0", config, Arc::new(HttpExecutor::new()))
        .await
        .map_err(|e| format!("cannot start the gateway: {e}"))?;
    let url = format!(
        // Observation events: the gateway says when the agent's turn is over (tools run and
        // answered), which a live model's run waits for.
        "ws://{}/v1/realtime?model=gpt-realtime&{}=true",
        gateway.local_addr(),
        observe::QUERY_PARAMETER
    );
    let waiting = match &emulator {
        Some(emulator) => Waiting::Script {
            emulator,
            calls: scenario
                .script
                .entries()
                .iter()
                .map(|e| !e.calls.is_empty())
                .collect(),
        },
        None => Waiting::TurnEnded,
    };
    let problem = match Caller::connect(&url, audio).await {
        Ok(mut caller) => {
            let problem = caller.play(scenario, &sounds, &waiting).await.err();
            // A call the model finished ends once the goodbye (and any preamble audio before
            // it) has played out, which can take longer than the usual wait.
            let wait = if finished(&store) {
                scenario.turn_timeout
            } else {
                HANGUP_WAIT
            };
            caller.hang_up(wait).await;
            problem
        }
        Err(e) => Some(e),
    };
    let _ = gateway.shutdown().await;
    if let Some(emulator) = emulator {
        emulator.shutdown().await;
    }
    store.flush();
    let sessions = store
        .sessions(&SessionFilter::default())
        .map_err(|e| format!("cannot read the call store: {e}"))?;
    let Some(summary) = sessions.first() else {
        return Err(problem.unwrap_or_else(|| "the gateway recorded no call".to_owned()));
    };
    let record = store
        .session(&summary.id)
        .map_err(|e| format!("cannot read the call store: {e}"))?
        .ok_or_else(|| "the call record vanished".to_owned())?;
    Ok((record, problem))
}

/// How the caller knows the agent's reply to a turn is complete.
enum Waiting<'a> {
    /// From the emulator's script: once the reply holds a message and the script entries
    /// taken so far have all been answered, with none that made calls still to follow.
    Script {
        emulator: &'a Emulator,
        /// For each script entry, whether it makes function calls (another response follows
        /// once the gateway has run them).
        calls: Vec<bool>,
    },
    /// With a live model, whose next move no script tells: once the reply holds a message,
    /// the gateway has said the agent's turn is over (no response open or wanted, no tool
    /// call or supervisor question pending), and the reply's audio has played out.
    TurnEnded,
}

impl Waiting<'_> {
    fn emulator(&self) -> Option<&Emulator> {
        match self {
            Waiting::Script { emulator, .. } => Some(emulator),
            Waiting::TurnEnded => None,
        }
    }
}

/// What the caller has seen of the agent's reply to the current turn.
#[derive(Debug)]
struct Watch {
    /// Responses created since the turn began: the reply (earlier ones, e.g. a reply being
    /// interrupted, are not).
    ours: BTreeSet<String>,
    /// One of ours ended holding a message.
    message: bool,
    /// When the agent last sent something of a response.
    last_activity: Instant,
    /// When the first audio of ours arrived.
    first_audio: Option<Instant>,
    /// The gateway said the agent's turn was over, after the last of ours began.
    ended: bool,
    /// The model's voice activity detection heard the caller start speaking in this turn.
    heard_speech: bool,
    /// ... and has not yet heard it stop.
    in_speech: bool,
    /// What the agent said, for reports.
    said: Vec<String>,
}

impl Watch {
    fn new() -> Watch {
        Watch {
            ours: BTreeSet::new(),
            message: false,
            last_activity: Instant::now(),
            first_audio: None,
            ended: false,
            heard_speech: false,
            in_speech: false,
            said: Vec::new(),
        }
    }
}

/// The caller's side of the call.
struct Caller {
    client: RealtimeClient,
    closed: bool,
    /// Whether the call runs with audio output (else the session is switched to text).
    audio: bool,
    /// The session's audio formats, from `session.created`.
    input: AudioFormat,
    output: AudioFormat,
    /// In-band `response.done` events seen so far.
    done: usize,
    /// Responses created and not yet done.
    open: BTreeSet<String>,
    /// When the agent's audio received so far will have played out.
    playback_end: Option<Instant>,
    /// When the first audio of the reply a barge-in interrupts arrived.
    barge_from: Option<Instant>,
    /// The last `error` event, for messages.
    last_error: Option<String>,
    turn: Watch,
}

impl Caller {
    async fn connect(url: &str, audio: bool) -> Result<Caller, String> {
        let client = RealtimeClient::connect(url, &[])
            .await
            .map_err(|e| format!("cannot connect to the gateway: {e}"))?;
        Ok(Caller {
            client,
            closed: false,
            audio,
            input: AudioFormat::PCM16_24K,
            output: AudioFormat::PCM16_24K,
            done: 0,
            open: BTreeSet::new(),
            playback_end: None,
            barge_from: None,
            last_error: None,
            turn: Watch::new(),
        })
    }

    async fn send(&mut self, event: ClientEvent) -> Result<(), String> {
        self.client
            .send(&event)
            .await
            .map_err(|e| format!("cannot send to the gateway: {e}"))
    }

    /// The next event, `None` once the socket closed, `Err` at the deadline. Frames that are
    /// not events say nothing about the reply and are skipped.
    async fn next(&mut self, deadline: Instant) -> Result<Option<Received>, ()> {
        loop {
            if self.closed {
                return Ok(None);
            }
            match tokio::time::timeout_at(deadline, self.client.recv()).await {
                Err(_) => return Err(()),
                Ok(Ok(Received::Unparsed { .. })) => {}
                Ok(Ok(Received::Closed { .. }) | Err(_)) => {
                    self.closed = true;
                    return Ok(None);
                }
                Ok(Ok(event)) => return Ok(Some(event)),
            }
        }
    }

    /// Reads events, taking note of each, until `at` or the end of the call.
    async fn pump_until(&mut self, at: Instant) {
        while let Ok(Some(event)) = self.next(at).await {
            self.observe(&event);
        }
    }

    /// Reads events, taking note of each, until the server event `wanted` picks; `kind`
    /// names it in messages.
    async fn until(
        &mut self,
        kind: &str,
        patience: Duration,
        wanted: impl Fn(&ServerEvent) -> bool,
    ) -> Result<ServerEvent, String> {
        let deadline = Instant::now() + patience;
        loop {
            match self.next(deadline).await {
                Ok(Some(Received::Server(e))) if wanted(&e) => return Ok(e),
                Ok(Some(e)) => self.observe(&e),
                Ok(None) => {
                    let why = self
                        .last_error
                        .as_ref()
                        .map_or_else(String::new, |e| format!(" (error: {e})"));
                    return Err(format!("the gateway closed the call before {kind}{why}"));
                }
                Err(()) => return Err(format!("no {kind} within {} s", patience.as_secs())),
            }
        }
    }

    /// Takes note of what an event says about the reply and the agent's audio.
    fn observe(&mut self, event: &Received) {
        let now = Instant::now();
        let event = match event {
            Received::Server(event) => event,
            Received::Observation(ObservationEvent::TurnEnded(_)) => {
                self.turn.ended = true;
                return;
            }
            _ => return,
        };
        match event {
            ServerEvent::ResponseCreated(created) => {
                let response = response_id(&created.response);
                self.open.insert(response.clone());
                self.turn.ours.insert(response);
                self.turn.last_activity = now;
                // The end of an earlier turn (one interrupted by this one) is not this reply's.
                self.turn.ended = false;
            }
            ServerEvent::ResponseOutputAudioDelta(delta) => {
                let bytes = base64_len(&delta.delta);
                let length = self.output.duration_of(bytes);
                let from = self.playback_end.map_or(now, |end| end.max(now));
                self.playback_end = Some(from + length);
                if self.turn.first_audio.is_none()
                    && self.turn.ours.contains(delta.response_id.as_str())
                {
                    self.turn.first_audio = Some(now);
                }
                self.turn.last_activity = now;
            }
            ServerEvent::ResponseOutputTextDone(done) => {
                self.turn.said.push(done.text.clone());
                self.turn.last_activity = now;
            }
            ServerEvent::ResponseOutputAudioTranscriptDone(done) => {
                self.turn.said.push(done.transcript.clone());
                self.turn.last_activity = now;
            }
            ServerEvent::ResponseDone(done) => {
                let response = &done.response;
                let rid = response_id(response);
                self.open.remove(&rid);
                self.turn.last_activity = now;
                if !in_band(response) {
                    return;
                }
                self.done += 1;
                if self.turn.ours.contains(&rid) {
                    let message = response
                        .output
                        .iter()
                        .flatten()
                        .any(|i| matches!(i, Item::Message(_)));
                    self.turn.message |= message;
                }
            }
            // The caller is speaking: a client stops playing the agent.
            ServerEvent::InputAudioBufferSpeechStarted(_) => {
                self.playback_end = None;
                self.turn.heard_speech = true;
                self.turn.in_speech = true;
            }
            ServerEvent::InputAudioBufferSpeechStopped(_) => self.turn.in_speech = false,
            ServerEvent::Error(error) => {
                self.last_error = Some(error.error.message.clone());
            }
            _ => {}
        }
    }

    async fn play(
        &mut self,
        scenario: &Scenario,
        sounds: &[Option<Arc<[i16]>>],
        waiting: &Waiting<'_>,
    ) -> Result<(), String> {
        let patience = scenario.turn_timeout;
        let created = self
            .until("session.created", patience, |e| {
                matches!(e, ServerEvent::SessionCreated(_))
            })
            .await?;
        if self.audio {
            let audio = match &created {
                ServerEvent::SessionCreated(created) => created.session.audio.as_ref(),
                _ => None,
            };
            self.input = audio_format(audio.and_then(|a| a.input.as_ref()?.format));
            self.output = audio_format(audio.and_then(|a| a.output.as_ref()?.format));
        } else {
            // Text replies: nothing to play out, so waiting never depends on audio.
            self.send(ClientEvent::SessionUpdate(SessionUpdate {
                event_id: None,
                session: Session {
                    output_modalities: Some(vec![Modality::Text]),
                    ..Session::default()
                },
            }))
            .await?;
            self.until("session.updated", patience, |e| {
                matches!(e, ServerEvent::SessionUpdated(_))
            })
            .await?;
        }
        let mut number = 0;
        for (i, turn) in scenario.turns.iter().enumerate() {
            if !matches!(turn, Turn::WaitForAgent) {
                number += 1;
            }
            let barge_in_next = matches!(
                scenario.turns.get(i + 1),
                Some(Turn::Audio(AudioTurn {
                    barge_in_after: Some(_),
                    ..
                }))
            );
            let sound = sounds.get(i).cloned().flatten();
            self.take(turn, sound, waiting, patience, barge_in_next)
                .await
                .map_err(|why| format!("turn {number} ({}): {why}", turn.describe()))?;
        }
        Ok(())
    }

    /// Plays one turn and waits for the agent's reply (for the start of it, when the next
    /// turn barges in).
    async fn take(
        &mut self,
        turn: &Turn,
        sound: Option<Arc<[i16]>>,
        waiting: &Waiting<'_>,
        patience: Duration,
        barge_in_next: bool,
    ) -> Result<(), String> {
        if self.closed && !matches!(turn, Turn::WaitForAgent) {
            return Err("the call had already ended".to_owned());
        }
        match turn {
            Turn::WaitForAgent => {
                self.begin();
                self.send(response_create()).await?;
            }
            Turn::Say(text) => {
                self.until_heard().await;
                self.begin();
                self.send(user_message(text)).await?;
                self.send(response_create()).await?;
            }
            Turn::Silence(duration) => {
                self.until_heard().await;
                self.begin();
                self.stream(&voice::silence(*duration), false).await?;
                if self.turn.ours.is_empty() {
                    // Nothing answered the silence (no idle timeout fired): no reply to wait for.
                    return Ok(());
                }
            }
            Turn::Audio(audio) => {
                match audio.barge_in_after {
                    None => self.until_heard().await,
                    Some(after) => {
                        let Some(first) = self.barge_from.take() else {
                            return Err("the agent sent no audio to barge in on".to_owned());
                        };
                        self.pump_until(first + after).await;
                    }
                }
                if let Some(emulator) = waiting.emulator() {
                    // The emulator cannot recognise speech: tell it what this turn says.
                    emulator.hear(match &audio.sound {
                        Sound::Speak(text) => text.clone(),
                        Sound::Wav(clip) => clip.heard.clone().unwrap_or_default(),
                        Sound::Noise(_) => String::new(),
                    });
                }
                self.begin();
                // A barge-in starts speaking at its offset; other turns breathe in first.
                let lead_in = if audio.barge_in_after.is_some() {
                    Duration::ZERO
                } else {
                    LEAD_IN
                };
                let mut samples = voice::silence(lead_in);
                samples.extend_from_slice(sound.as_deref().unwrap_or_default());
                self.stream(&samples, false).await?;
                self.stream(&voice::silence(MAX_TRAILING_SILENCE), true)
                    .await?;
                if !self.turn.heard_speech {
                    return Err(
                        "the model's voice activity detection never heard the caller \
                                speak"
                            .to_owned(),
                    );
                }
                if self.turn.in_speech {
                    return Err(format!(
                        "the model's voice activity detection did not end the caller's turn \
                         within {} s of silence",
                        MAX_TRAILING_SILENCE.as_secs()
                    ));
                }
            }
        }
        self.reply(waiting, patience, barge_in_next).await
    }

    /// A new turn: responses created from now on are its reply.
    fn begin(&mut self) {
        self.turn = Watch::new();
    }

    /// Waits until the agent's audio has played out, and a moment more.
    async fn until_heard(&mut self) {
        if let Some(end) = self.playback_end
            && end > Instant::now()
        {
            self.pump_until(end + ANSWER_PAUSE).await;
        }
    }

    /// Sends `samples` as paced 20 ms frames, taking note of events meanwhile. With
    /// `until_turn_ends`, stops early once the model has heard the caller's speech end.
    async fn stream(&mut self, samples: &[i16], until_turn_ends: bool) -> Result<(), String> {
        let start = Instant::now();
        for (i, frame) in voice::frames(samples, self.input).into_iter().enumerate() {
            let due = start + FRAME * u32::try_from(i).unwrap_or(u32::MAX);
            self.pump_until(due).await;
            if until_turn_ends && self.turn.heard_speech && !self.turn.in_speech {
                return Ok(());
            }
            if self.closed {
                return Err("the call ended while the caller was speaking".to_owned());
            }
            self.send(ClientEvent::InputAudioBufferAppend(
                InputAudioBufferAppend {
                    event_id: None,
                    audio: frame,
                },
            ))
            .await?;
        }
        Ok(())
    }

    /// Waits for the agent's whole reply to the turn (see [`Waiting`]), or with `first_audio`
    /// only for its first audio (the next turn barges in on it).
    async fn reply(
        &mut self,
        waiting: &Waiting<'_>,
        patience: Duration,
        first_audio: bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + patience;
        loop {
            if first_audio && let Some(at) = self.turn.first_audio {
                self.barge_from = Some(at);
                return Ok(());
            }
            let now = Instant::now();
            let wake = match self.answered(waiting, now) {
                Answered::Yes => return Ok(()),
                Answered::At(at) if !first_audio => at.min(deadline),
                _ => deadline,
            };
            match self.next(wake).await {
                Ok(Some(event)) => self.observe(&event),
                Ok(None) => return Ok(()),
                Err(()) if Instant::now() >= deadline => {
                    let what = if first_audio {
                        "no agent audio"
                    } else {
                        "no complete reply"
                    };
                    return Err(format!(
                        "{what} within {} s (the agent said: {})",
                        patience.as_secs(),
                        if self.turn.said.is_empty() {
                            "nothing".to_owned()
                        } else {
                            self.turn.said.join(" / ")
                        }
                    ));
                }
                Err(()) => {}
            }
        }
    }

    /// Whether the reply is complete, or when it will be if nothing more arrives.
    fn answered(&self, waiting: &Waiting<'_>, now: Instant) -> Answered {
        if !self.turn.message {
            return Answered::No;
        }
        match waiting {
            Waiting::Script { emulator, calls } => {
                let taken = emulator.entries_taken();
                let more_coming = self.done < taken
                    || (self.done == taken
                        && taken > 0
                        && calls.get(taken - 1).copied().unwrap_or(false));
                if more_coming {
                    Answered::No
                } else {
                    Answered::Yes
                }
            }
            Waiting::TurnEnded => {
                if !self.open.is_empty() || !self.turn.ended {
                    return Answered::No;
                }
                match self.playback_end {
                    Some(end) if now < end => Answered::At(end),
                    _ => Answered::Yes,
                }
            }
        }
    }

    /// Waits for the gateway to hang up, or hangs up `wait` after the agent's audio has played
    /// out (a caller listens to the end).
    async fn hang_up(&mut self, wait: Duration) {
        let now = Instant::now();
        let deadline = self.playback_end.map_or(now, |end| end.max(now)) + wait;
        while let Ok(Some(_)) = self.next(deadline).await {}
        if !self.closed {
            self.client.close().await;
            let grace = Instant::now() + HANGUP_WAIT;
            while let Ok(Some(_)) = self.next(grace).await {}
        }
    }
}

/// Whether a reply is complete.
enum Answered {
    Yes,
    No,
    /// At this instant, if nothing more arrives.
    At(Instant),
}

/// The audio format a session names (PCM16 at 24 kHz unless G.711).
fn audio_format(format: Option<switchboard_wire::AudioFormat>) -> AudioFormat {
    match format {
        Some(switchboard_wire::AudioFormat::Pcmu) => AudioFormat::G711Ulaw,
        Some(switchboard_wire::AudioFormat::Pcma) => AudioFormat::G711Alaw,
        _ => AudioFormat::PCM16_24K,
    }
}

fn response_create() -> ClientEvent {
    ClientEvent::ResponseCreate(ResponseCreate::default())
}

/// A caller's text turn.
fn user_message(text: &str) -> ClientEvent {
    ClientEvent::ConversationItemCreate(ConversationItemCreate::text_message(Role::User, text))
}

/// A response's id, empty when the server gave none.
fn response_id(response: &Response) -> String {
    response
        .id
        .as_ref()
        .map(|id| id.as_str().to_owned())
        .unwrap_or_default()
}

/// The decoded length of a base64 payload, without decoding it.
fn base64_len(text: &str) -> usize {
    let padding = text.bytes().rev().take_while(|b| *b == b'=').count();
    (text.len() / 4 * 3).saturating_sub(padding)
}

/// Whether a response belongs to the conversation (out-of-band ones, such as preambles, have
/// no conversation and take no script entry).
fn in_band(response: &Response) -> bool {
    !response.conversation_id.is_null()
        && response
            .metadata
            .as_value()
            .is_none_or(|m| !m.contains_key("switchboard"))
}

/// Whether the model has called `finish_session` in the call being recorded.
fn finished(store: &Store) -> bool {
    store.flush();
    let Ok(sessions) = store.sessions(&SessionFilter::default()) else {
        return false;
    };
    sessions.first().is_some_and(|s| {
        store.session(&s.id).ok().flatten().is_some_and(|r| {
            r.timeline.iter().any(|e| {
                matches!(&e.event, Event::ToolCall { name, outcome, .. }
                    if name == "finish_session" && *outcome == ToolOutcome::Ok)
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_length_counts_padding() {
        for n in 0..10 {
            let bytes = vec![7_u8; n];
            assert_eq!(base64_len(&switchboard_audio::encode_base64(&bytes)), n);
        }
    }
}
