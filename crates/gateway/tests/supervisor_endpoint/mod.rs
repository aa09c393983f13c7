//! A fake OpenAI-compatible Chat Completions server for the supervisor tests: an axum server
//! on 127.0.0.1:0 that records every request and answers from a script, streaming its body in
//! whatever chunks the test chooses; the guide's supervisor agent pointed at it; and [`ask`],
//! which puts a question to it through an engine session and the serving executor.
//!
//! Test files include it with `mod supervisor_endpoint;`.
#![allow(dead_code, unreachable_pub)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use futures_util::StreamExt;
use serde_json::{Value, json};
use switchboard_agent::AgentFile;
use switchboard_engine::{CompiledAgent, Input, Output, Session, SessionConfig, Speaker};
use switchboard_gateway::{Executor, HttpExecutor};
use switchboard_wire::{ClientEvent, Item, ServerEvent};

/// An environment variable cargo sets for every test process, used as the supervisor's API
/// key so no test has to change the environment (`set_var` is unsafe once threads run).
pub const KEY_ENV: &str = "CARGO_PKG_NAME";

/// The key the gateway reads from [`KEY_ENV`].
pub fn key() -> String {
    std::env::var(KEY_ENV).expect("cargo sets CARGO_PKG_NAME for tests")
}

/// The guide's supervisor agent.
pub const AGENT: &str = "examples/agents/supervisor/agent.yaml";

/// One request as the endpoint received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map_or("", |v| v.to_str().expect("ASCII header"))
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }
}

/// What the endpoint answers to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    /// The body, in the chunks it is sent in.
    pub chunks: Vec<Vec<u8>>,
    /// Waits this long before the first chunk (the headers go out at once).
    pub delay: Duration,
    /// Waits this long between chunks, so they reach the client one by one.
    pub gap: Duration,
}

impl Reply {
    /// A `text/event-stream` of `events` (each `data: <json>`), then `data: [DONE]`.
    pub fn stream(events: &[Value]) -> Reply {
        let mut body = String::new();
        for event in events {
            body.push_str(&format!("data: {event}\n\n"));
        }
        body.push_str("data: [DONE]\n\n");
        Reply::raw(200, "text/event-stream", body)
    }

    /// A streamed text answer, one chunk event per piece, ending with `finish_reason: stop`.
    pub fn answer(pieces: &[&str]) -> Reply {
        let mut events: Vec<Value> = pieces.iter().map(|p| content_chunk(p)).collect();
        events.push(finish_chunk("stop"));
        Reply::stream(&events)
    }

    pub fn raw(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            content_type,
            chunks: vec![body.into()],
            delay: Duration::ZERO,
            gap: Duration::ZERO,
        }
    }

    pub fn json(status: u16, body: Value) -> Reply {
        Reply::raw(status, "application/json", body.to_string())
    }

    /// Re-cuts the body into chunks of `size` bytes, sent `gap` apart.
    pub fn split_every(mut self, size: usize, gap: Duration) -> Reply {
        let body: Vec<u8> = self.chunks.concat();
        self.chunks = body.chunks(size).map(<[u8]>::to_vec).collect();
        self.gap = gap;
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// The whole body as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.chunks.concat()).expect("UTF-8")
    }
}

/// A `chat.completion.chunk` carrying `text`.
pub fn content_chunk(text: &str) -> Value {
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "model": "gpt-5",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}],
    })
}

/// The last `chat.completion.chunk` of a reply.
pub fn finish_chunk(reason: &str) -> Value {
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "model": "gpt-5",
        "choices": [{"index": 0, "delta": {}, "finish_reason": reason}],
    })
}

/// A `chat.completion.chunk` with one tool-call delta.
pub fn tool_call_chunk(index: u64, id: Option<&str>, name: Option<&str>, arguments: &str) -> Value {
    let mut call = json!({"index": index, "function": {"arguments": arguments}});
    if let Some(id) = id {
        call["id"] = json!(id);
        call["type"] = json!("function");
    }
    if let Some(name) = name {
        call["function"]["name"] = json!(name);
    }
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "model": "gpt-5",
        "choices": [{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": null}],
    })
}

type Script = Arc<dyn Fn(usize, &Value) -> Reply + Send + Sync>;

#[derive(Default)]
struct Log {
    seen: Mutex<Vec<Seen>>,
    /// When each reply's first chunk was sent (after its delay).
    answering: Mutex<Vec<Instant>>,
}

/// The running endpoint.
pub struct Endpoint {
    pub addr: SocketAddr,
    log: Arc<Log>,
}

impl Endpoint {
    /// Starts an endpoint that answers the `n`th request (from 0), whose JSON body (or `null`)
    /// is given, with `script(n, body)`.
    pub async fn start(
        script: impl Fn(usize, &Value) -> Reply + Send + Sync + 'static,
    ) -> Endpoint {
        let log: Arc<Log> = Arc::default();
        let script: Script = Arc::new(script);
        let state = (log.clone(), script);
        let app = axum::Router::new()
            .fallback(
                |axum::extract::State((log, script)): axum::extract::State<(Arc<Log>, Script)>,
                 uri: axum::http::Uri,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let n = {
                        let mut seen = log.seen.lock().expect("lock");
                        seen.push(Seen {
                            path: uri.path().to_owned(),
                            headers,
                            body: body.to_vec(),
                        });
                        seen.len() - 1
                    };
                    let reply = script(n, &json);
                    let chunks: VecDeque<Vec<u8>> = reply.chunks.into();
                    let (delay, gap) = (reply.delay, reply.gap);
                    let stream = futures_util::stream::unfold(
                        (chunks, true, log),
                        move |(mut chunks, first, log)| async move {
                            let chunk = chunks.pop_front()?;
                            if first {
                                tokio::time::sleep(delay).await;
                                log.answering.lock().expect("lock").push(Instant::now());
                            } else {
                                tokio::time::sleep(gap).await;
                            }
                            Some((
                                Ok::<_, std::io::Error>(Bytes::from(chunk)),
                                (chunks, false, log),
                            ))
                        },
                    );
                    Response::builder()
                        .status(StatusCode::from_u16(reply.status).expect("status"))
                        .header("content-type", reply.content_type)
                        .body(Body::from_stream(stream))
                        .expect("response")
                },
            )
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Endpoint { addr, log }
    }

    /// The base URL to put in the agent file (`…/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.log.seen.lock().expect("lock").clone()
    }

    /// Requests to the Chat Completions path, as JSON.
    pub fn completions(&self) -> Vec<Value> {
        self.seen()
            .iter()
            .filter(|s| s.path == "/v1/chat/completions")
            .map(Seen::json)
            .collect()
    }

    /// Whether any reply has started to stream its body.
    pub fn has_answered(&self) -> bool {
        !self.log.answering.lock().expect("lock").is_empty()
    }
}

pub fn repo_file(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// The guide's supervisor agent with its endpoint at `base_url` and its key in [`KEY_ENV`].
pub fn agent(base_url: &str) -> AgentFile {
    let text = std::fs::read_to_string(repo_file(AGENT)).expect("the agent file");
    let mut agent = switchboard_agent::load(&text)
        .unwrap_or_else(|e| panic!("the agent loads: {e:?}"))
        .agent;
    let supervisor = agent.supervisor.as_mut().expect("a supervisor");
    supervisor.endpoint.base_url = Some(base_url.to_owned());
    supervisor.endpoint.api_key_env = Some(KEY_ENV.to_owned());
    agent
}

/// What the responder asks the supervisor, and the call behind the question.
#[derive(Debug, Clone)]
pub struct Question {
    /// The responder's one-line context.
    pub context: String,
    /// What was said before, in order.
    pub transcript: Vec<(Speaker, String)>,
    /// The agent's `supervisor.timeout_ms`.
    pub timeout: Duration,
}

/// A question about the balance, with a short call behind it, due within `timeout`.
pub fn question(timeout: Duration) -> Question {
    Question {
        context: "Caller wants their balance; phone number 2065550199.".to_owned(),
        transcript: vec![
            (Speaker::Caller, "Hi, what's my balance?".to_owned()),
            (
                Speaker::Agent,
                "Sure—what's the phone number on the account?".to_owned(),
            ),
            (Speaker::Caller, "It's 206 555 0199.".to_owned()),
        ],
        timeout,
    }
}

/// The session id of the calls [`ask`] makes.
pub const SESSION: &str = "sess_sup";

/// The responder's supervisor call in [`ask`].
pub const CALL: &str = "call_sup";

/// Asks through a real session and the serving executor, as the driver does: the call so far
/// and the responder's supervisor call go into an engine `Session`, whose supervisor requests
/// and webhook tools the `HttpExecutor` carries out. The answer the responder got (made
/// speakable), or the error it was given with the fallback line.
pub async fn ask(agent: &AgentFile, question: Question) -> Result<String, String> {
    let mut agent = agent.clone();
    agent.supervisor.as_mut().expect("a supervisor").timeout_ms =
        Some(u64::try_from(question.timeout.as_millis()).expect("a short timeout"));
    let compiled = Arc::new(CompiledAgent::new(agent).expect("the test agent compiles"));
    let mut session = Session::new(
        compiled.clone(),
        SessionConfig::new(SESSION),
        Instant::now(),
    );
    let mut n = 0;
    let mut event = |json: Value| {
        n += 1;
        let mut json = json;
        json["event_id"] = json!(format!("event_{n}"));
        Input::Model(ServerEvent::from_value(json).expect("a valid model event"))
    };
    let mut inputs = Vec::new();
    for (i, (speaker, text)) in question.transcript.iter().enumerate() {
        inputs.push(match speaker {
            Speaker::Caller => event(
                json!({"type": "conversation.item.input_audio_transcription.completed",
                "item_id": format!("item_c{i}"), "content_index": 0, "transcript": text,
                "usage": {"type": "duration", "seconds": 1.0}}),
            ),
            Speaker::Agent => event(json!({"type": "response.output_text.done",
                "response_id": format!("resp_a{i}"), "item_id": format!("item_a{i}"),
                "output_index": 0, "content_index": 0, "text": text})),
        });
    }
    let args = json!({"relevantContextFromLastUserMessage": question.context}).to_string();
    let call = json!({"type": "function_call", "id": "item_call", "call_id": CALL,
        "name": "getNextResponseFromSupervisor", "arguments": args, "status": "completed"});
    inputs.push(event(json!({"type": "response.created",
        "response": {"id": "resp_call", "status": "in_progress", "output": []}})));
    inputs.push(event(
        json!({"type": "response.function_call_arguments.done", "response_id": "resp_call",
        "item_id": "item_call", "output_index": 0, "call_id": CALL,
        "name": "getNextResponseFromSupervisor", "arguments": args}),
    ));
    inputs.push(event(
        json!({"type": "response.output_item.done", "response_id": "resp_call",
        "output_index": 0, "item": call}),
    ));
    inputs.push(event(json!({"type": "response.done",
        "response": {"id": "resp_call", "status": "completed", "output": [call]}})));
    for input in inputs {
        session.handle_input(input, Instant::now());
    }

    let executor = Arc::new(HttpExecutor::new());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Input>();
    loop {
        while let Some(output) = session.poll_output() {
            match output {
                Output::SupervisorRequest(request) => {
                    let deadline = request.deadline;
                    let mut replies = executor.ask_supervisor(&compiled, None, request);
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout_at(deadline.into(), async move {
                            while let Some(input) = replies.next().await {
                                let _ = tx.send(input);
                            }
                        })
                        .await;
                    });
                }
                Output::RunTool(run) => {
                    let (deadline, call_id) = (run.deadline, run.call_id.clone());
                    let work = executor.run_tool(&compiled, SESSION, run);
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        if let Ok(outcome) = tokio::time::timeout_at(deadline.into(), work).await {
                            let _ = tx.send(Input::ToolResult { call_id, outcome });
                        }
                    });
                }
                Output::ToModel(ClientEvent::ConversationItemCreate(create)) => {
                    if let Item::FunctionCallOutput(item) = create.item
                        && item.call_id.as_str() == CALL
                    {
                        let output: Value = serde_json::from_str(&item.output).expect("JSON");
                        return match output["status"].as_str() {
                            Some("ok") => Ok(output["answer"].as_str().expect("text").to_owned()),
                            _ => Err(output["error"].as_str().expect("a reason").to_owned()),
                        };
                    }
                }
                _ => {}
            }
        }
        let timer = session
            .poll_timeout()
            .expect("a session always has a timer");
        tokio::select! {
            Some(input) = rx.recv() => session.handle_input(input, Instant::now()),
            () = tokio::time::sleep_until(timer.into()) => session.handle_timeout(Instant::now()),
        }
    }
}
