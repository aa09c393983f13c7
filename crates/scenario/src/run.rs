//! Running a scenario: the emulator plays the model, the real gateway serves the agent, and a
//! Realtime client plays the caller, all over sockets on 127.0.0.1. The gateway records the
//! call into a store in a temporary directory; the assertions read that record.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard_engine::CompiledAgent;
use switchboard_gateway::{AgentEntry, Gateway, GatewayConfig, HttpExecutor, Upstream};
use switchboard_store::{Event, SessionFilter, SessionRecord, Store};
use switchboard_testkit::{Emulator, EmulatorOptions};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::check::{Failure, evaluate};
use crate::scenario::{Scenario, Turn};

/// How long the runner waits for the gateway to hang up after the last turn.
const HANGUP_WAIT: Duration = Duration::from_secs(2);

/// How one scenario went.
#[derive(Debug, Clone)]
pub struct Report {
    /// The scenario's name.
    pub name: String,
    /// The scenario file.
    pub path: PathBuf,
    /// How long it took, start to verdict.
    pub duration: Duration,
    /// How many assertions were checked.
    pub checked: usize,
    /// What failed: assertions that did not hold, and problems running the call (under the
    /// assertion name `run`).
    pub failures: Vec<Failure>,
    /// The call's record, when the gateway recorded one (for reports).
    pub record: Option<SessionRecord>,
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
        /// The model to ask for (`gpt-realtime`).
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
/// its expectations.
pub async fn run(scenario: &Scenario, options: &RunOptions) -> Report {
    let _ = &options.model;
    let started = Instant::now();
    let dir = temp_dir();
    let mut failures = Vec::new();
    let checked = scenario.expect.len();
    let mut kept = None;
    match call(scenario, &dir).await {
        Ok((record, problem)) => {
            if let Some(message) = problem {
                failures.push(Failure {
                    assertion: "run".to_owned(),
                    message,
                });
            }
            failures.extend(evaluate(scenario, &record));
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

/// Plays the call; returns its record and, when the call went wrong (a turn without a reply),
/// what went wrong. `Err` when there is no record to check at all.
async fn call(
    scenario: &Scenario,
    dir: &std::path::Path,
) -> Result<(SessionRecord, Option<String>), String> {
    let store = Store::open(dir).map_err(|e| format!("cannot open a call store: {e}"))?;
    // The store is temporary and the assertions must see what was said: no redaction.
    let mut file = scenario.agent.clone();
    file.records.redact.clear();
    let agent =
        Arc::new(CompiledAgent::new(file).map_err(|e| format!("the agent does not compile: {e}"))?);
    let options = EmulatorOptions {
        tones_only: true,
        ..EmulatorOptions::default()
    };
    let emulator = Emulator::start("127.0.0.1:0", scenario.script.clone(), options)
        .await
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    let config = GatewayConfig {
        agents: vec![AgentEntry {
            agent,
            upstream: Upstream {
                base_url: emulator.url(),
                api_key: None,
            },
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
        "ws://{}/v1/realtime?model=gpt-realtime",
        gateway.local_addr()
    );
    let problem = match Caller::connect(&url).await {
        Ok(mut caller) => {
            let problem = caller.play(scenario, &emulator).await.err();
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
    emulator.shutdown().await;
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

/// The caller's side of the call.
struct Caller {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// In-band `response.done` events seen so far.
    done: usize,
    closed: bool,
    /// What the agent said in the current turn, for reports.
    said: Vec<String>,
}

impl Caller {
    async fn connect(url: &str) -> Result<Caller, String> {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| format!("cannot connect to the gateway: {e}"))?;
        Ok(Caller {
            ws,
            done: 0,
            closed: false,
            said: Vec::new(),
        })
    }

    async fn send(&mut self, event: Value) -> Result<(), String> {
        self.ws
            .send(Message::text(event.to_string()))
            .await
            .map_err(|e| format!("cannot send to the gateway: {e}"))
    }

    /// The next event, `None` once the socket closed, `Err` at the deadline.
    async fn next(&mut self, deadline: tokio::time::Instant) -> Result<Option<Value>, ()> {
        loop {
            if self.closed {
                return Ok(None);
            }
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return Err(()),
                Ok(Some(Ok(Message::Text(text)))) => {
                    if let Ok(event) = serde_json::from_str::<Value>(text.as_str()) {
                        return Ok(Some(event));
                    }
                }
                Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) => {
                    self.closed = true;
                    return Ok(None);
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    async fn until_type(&mut self, kind: &str, patience: Duration) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            match self.next(deadline).await {
                Ok(Some(e)) if e["type"] == kind => return Ok(()),
                Ok(Some(_)) => {}
                Ok(None) => return Err(format!("the gateway closed the call before {kind}")),
                Err(()) => return Err(format!("no {kind} within {} s", patience.as_secs())),
            }
        }
    }

    async fn play(&mut self, scenario: &Scenario, emulator: &Emulator) -> Result<(), String> {
        let patience = scenario.turn_timeout;
        self.until_type("session.created", patience).await?;
        // Text replies: the engine ends a call only once the goodbye has been heard, which
        // for audio means played out in real time.
        self.send(json!({"type":"session.update","session":{"type":"realtime","output_modalities":["text"]}}))
            .await?;
        self.until_type("session.updated", patience).await?;
        let calls: Vec<bool> = scenario
            .script
            .entries()
            .iter()
            .map(|e| !e.calls.is_empty())
            .collect();
        for (i, turn) in scenario.turns.iter().enumerate() {
            let number = i + usize::from(!matches!(scenario.turns[0], Turn::WaitForAgent));
            let what = match turn {
                Turn::WaitForAgent => {
                    self.send(json!({"type":"response.create"})).await?;
                    "the greeting".to_owned()
                }
                Turn::Say(text) => {
                    if self.closed {
                        return Err(format!(
                            "turn {number} ({text:?}): the call had already ended"
                        ));
                    }
                    self.send(json!({"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":text}]}}))
                        .await?;
                    self.send(json!({"type":"response.create"})).await?;
                    format!("{text:?}")
                }
            };
            self.reply(&calls, emulator, patience)
                .await
                .map_err(|why| format!("turn {number} ({what}): {why}"))?;
        }
        Ok(())
    }

    /// Waits for the agent's whole reply to the turn: a response with a message, after which
    /// the model has nothing left to do (its last scripted entry made no calls that would
    /// bring another response).
    async fn reply(
        &mut self,
        calls: &[bool],
        emulator: &Emulator,
        patience: Duration,
    ) -> Result<(), String> {
        self.said.clear();
        let deadline = tokio::time::Instant::now() + patience;
        let mut message = false;
        loop {
            let event = match self.next(deadline).await {
                Ok(Some(event)) => event,
                Ok(None) => return Ok(()),
                Err(()) => {
                    return Err(format!(
                        "no complete reply within {} s (the agent said: {})",
                        patience.as_secs(),
                        if self.said.is_empty() {
                            "nothing".to_owned()
                        } else {
                            self.said.join(" / ")
                        }
                    ));
                }
            };
            let kind = event["type"].as_str().unwrap_or_default();
            if kind == "response.output_text.done"
                || kind == "response.output_audio_transcript.done"
            {
                let text = event["text"]
                    .as_str()
                    .or_else(|| event["transcript"].as_str());
                self.said.push(text.unwrap_or_default().to_owned());
            }
            if kind == "response.done" && in_band(&event["response"]) {
                self.done += 1;
                message |= event["response"]["output"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|i| i["type"] == "message"));
            }
            if message && kind == "response.done" {
                let taken = emulator.entries_taken();
                let more_coming = self.done < taken
                    || (self.done == taken
                        && taken > 0
                        && calls.get(taken - 1).copied().unwrap_or(false));
                if !more_coming {
                    return Ok(());
                }
            }
        }
    }

    /// Waits for the gateway to hang up, or hangs up after [`HANGUP_WAIT`].
    async fn hang_up(&mut self, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Some(_)) = self.next(deadline).await {}
        if !self.closed {
            let _ = self.ws.close(None).await;
            let grace = tokio::time::Instant::now() + HANGUP_WAIT;
            while let Ok(Some(_)) = self.next(grace).await {}
        }
    }
}

/// Whether a response belongs to the conversation (out-of-band ones, such as preambles, have
/// no conversation and take no script entry).
fn in_band(response: &Value) -> bool {
    response.get("conversation_id") != Some(&Value::Null)
        && response["metadata"].get("switchboard").is_none()
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
                    if name == "finish_session" && outcome == "ok")
            })
        })
    })
}
