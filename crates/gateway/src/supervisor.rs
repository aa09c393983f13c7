//! The supervisor (thinker): an OpenAI-compatible Chat Completions endpoint asked on the
//! responder's behalf, which may call the agent's tools itself.
//!
//! One question is one short conversation with the endpoint, all of it before the engine's
//! deadline:
//!
//! 1. `POST {base_url}/chat/completions` with `stream: true`, the supervisor's instructions as
//!    the system message and one user message holding the call so far and the responder's
//!    one-line context (the layout of the guide's `getNextResponseFromSupervisor`), and the
//!    supervisor's tools as function tools.
//! 2. The answer streams back as server-sent events; text deltas are joined, tool-call deltas
//!    are gathered by their index.
//! 3. If the model called tools, they run here (fixtures after their delay, webhooks through
//!    [`crate::webhook::run_tool`]), their results go back as `tool` messages, and the endpoint
//!    is asked again, at most [`MAX_TOOL_ROUNDS`] times.
//!
//! The final text goes to the engine, which makes it speakable. Every failure (no key, an
//! HTTP error, bytes that are not a Chat Completions stream, an empty answer, the deadline) is
//! an `Err` with a reason; the engine then has the responder say the agent's fallback line.
//! The reason reaches the realtime model, so it never holds the key or conversation text.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use switchboard_agent::AgentFile;
use switchboard_agent::model::{Behaviour, Run, Supervisor, Tool};
use switchboard_engine::{CompiledAgent, Speaker, SupervisorQuestion, ToolRun};
use switchboard_wire::CallId;

use crate::config::Upstream;

/// Where the supervisor's endpoint is when the agent file does not say.
const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// The supervisor's model when the agent file does not say (the guide suggests GPT-5).
const DEFAULT_MODEL: &str = "gpt-5";

/// The environment variable holding the endpoint's key when the agent file does not say.
const DEFAULT_API_KEY_ENV: &str = "OPENAI_API_KEY";

/// How many times the supervisor may call tools before it must answer.
pub(crate) const MAX_TOOL_ROUNDS: usize = 5;

/// The most tool calls one reply may make; more is a misbehaving endpoint.
const MAX_CALLS_PER_ROUND: u64 = 16;

/// The largest reply body read from the endpoint for one request, in bytes.
pub(crate) const MAX_REPLY_BYTES: usize = 256 * 1024;

/// How much of an endpoint's refusal goes into the error, in characters.
const EXCERPT_CHARS: usize = 200;

/// How long a supervisor tool may run when its limits do not say (the engine's default).
const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(10);

/// Asks the agent's supervisor `question`, at `endpoint` when given (else where the agent file
/// says); its text, or why it failed.
pub(crate) async fn ask(
    client: &reqwest::Client,
    compiled: &CompiledAgent,
    endpoint: Option<&Upstream>,
    question: SupervisorQuestion,
) -> Result<String, String> {
    let outcome = ask_within_deadline(client, compiled, endpoint, &question).await;
    if let Err(why) = &outcome {
        tracing::warn!(call = %question.call_id, reason = %why, "the supervisor gave no answer");
    }
    outcome
}

async fn ask_within_deadline(
    client: &reqwest::Client,
    compiled: &CompiledAgent,
    endpoint: Option<&Upstream>,
    question: &SupervisorQuestion,
) -> Result<String, String> {
    let agent = compiled.file();
    let Some(supervisor) = &agent.supervisor else {
        return Err("this agent has no supervisor".to_owned());
    };
    let target = Target::of(supervisor, endpoint)?;
    let deadline = tokio::time::Instant::from_std(question.deadline);
    let asked = converse(client, &target, compiled, supervisor, question);
    let outcome = match tokio::time::timeout_at(deadline, asked).await {
        Ok(outcome) => outcome,
        // "in time": the engine counts this as a timeout rather than a failure.
        Err(_) => Err("the supervisor did not answer in time".to_owned()),
    };
    // Whatever an endpoint echoes back, the key does not travel on.
    outcome.map_err(|why| crate::upstream::scrub(&why, target.api_key.as_deref()))
}

/// The endpoint, resolved from the gateway's override, or the agent file and the environment.
struct Target {
    url: String,
    model: String,
    /// `None` only when an override has no key: then no `Authorization` is sent.
    api_key: Option<String>,
}

impl Target {
    fn of(supervisor: &Supervisor, endpoint_override: Option<&Upstream>) -> Result<Target, String> {
        let endpoint = &supervisor.endpoint;
        let model = endpoint
            .model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or(DEFAULT_MODEL)
            .to_owned();
        if let Some(over) = endpoint_override {
            return Ok(Target {
                url: format!("{}/chat/completions", over.base_url.trim_end_matches('/')),
                model,
                api_key: over.api_key.clone().filter(|k| !k.trim().is_empty()),
            });
        }
        let base_url = endpoint
            .base_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or(DEFAULT_BASE_URL);
        let var = endpoint
            .api_key_env
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .unwrap_or(DEFAULT_API_KEY_ENV);
        let api_key = std::env::var(var)
            .ok()
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                format!(
                    "the supervisor is not asked: its API key variable `{var}` is not set in the gateway's environment"
                )
            })?;
        Ok(Target {
            url: format!("{}/chat/completions", base_url.trim_end_matches('/')),
            model,
            api_key: Some(api_key),
        })
    }
}

/// The whole exchange: ask, run the tools the supervisor calls, ask again, until it answers.
async fn converse(
    client: &reqwest::Client,
    target: &Target,
    compiled: &CompiledAgent,
    supervisor: &Supervisor,
    question: &SupervisorQuestion,
) -> Result<String, String> {
    let tools = offered_tools(compiled.file(), supervisor)?;
    let mut messages = first_messages(question);
    for round in 0..=MAX_TOOL_ROUNDS {
        let body = request_body(&target.model, &messages, &tools);
        let reply = complete(client, target, &body).await?;
        if reply.calls.is_empty() {
            let answer = reply.content.trim();
            if answer.is_empty() {
                return Err("the supervisor answered with no text".to_owned());
            }
            tracing::debug!(rounds = round + 1, "the supervisor answered");
            return Ok(answer.to_owned());
        }
        if round == MAX_TOOL_ROUNDS {
            break;
        }
        tracing::debug!(
            round = round + 1,
            calls = reply.calls.len(),
            "the supervisor called tools"
        );
        let results = futures_util::future::join_all(
            reply
                .calls
                .iter()
                .map(|call| run_call(client, compiled, &tools, question, call)),
        )
        .await;
        messages.push(reply.assistant_message());
        for (call, result) in reply.calls.iter().zip(results) {
            let content = match result {
                Ok(value) => value,
                Err(why) => json!({"error": why}),
            };
            messages.push(json!({
                "role": "tool",
                "tool_call_id": call.id,
                "content": content.to_string(),
            }));
        }
    }
    Err(format!(
        "the supervisor was still calling tools after {MAX_TOOL_ROUNDS} rounds"
    ))
}

/// The agent's tools the supervisor may call, in the order `supervisor.tools` names them.
fn offered_tools<'a>(
    agent: &'a AgentFile,
    supervisor: &Supervisor,
) -> Result<Vec<&'a Tool>, String> {
    supervisor
        .tools
        .iter()
        .map(|name| {
            agent.tools.iter().find(|t| &t.name == name).ok_or_else(|| {
                format!("`supervisor.tools` names `{name}`, which is not a tool of this agent")
            })
        })
        .collect()
}

/// The system message (the supervisor's instructions) and one user message with the call so
/// far and the responder's summary of the latest turn: the supervisor reads the transcript as
/// a record to act on, not as turns of its own conversation.
fn first_messages(question: &SupervisorQuestion) -> Vec<Value> {
    let mut history = String::new();
    for (speaker, text) in &question.transcript {
        let who = match speaker {
            Speaker::Caller => "Caller",
            Speaker::Agent => "Agent",
        };
        history.push_str(who);
        history.push_str(": ");
        history.push_str(text.trim());
        history.push('\n');
    }
    if history.is_empty() {
        history.push_str("(nothing said yet)\n");
    }
    let context = match question.context.trim() {
        "" => "(none)",
        context => context,
    };
    vec![
        json!({"role": "system", "content": question.instructions}),
        json!({
            "role": "user",
            "content": format!(
                "==== Conversation History ====\n{history}\n==== Relevant Context From Last User Message ====\n{context}\n"
            ),
        }),
    ]
}

/// The Chat Completions request; `tools` is left out when there are none, as some servers
/// refuse an empty list.
fn request_body(model: &str, messages: &[Value], tools: &[&Tool]) -> Value {
    let mut body = json!({
        "model": model,
        "messages": messages,
        "stream": true,
    });
    if !tools.is_empty() {
        body["tools"] = tools
            .iter()
            .map(|t| {
                json!({
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters,
                    },
                })
            })
            .collect();
    }
    body
}

/// One tool call the supervisor made.
#[derive(Debug, Clone, PartialEq)]
struct Call {
    id: String,
    name: String,
    arguments: String,
}

/// What one request produced: text, or tool calls (possibly with some text).
#[derive(Debug, Default, PartialEq)]
struct Reply {
    content: String,
    calls: Vec<Call>,
}

impl Reply {
    /// The assistant message that carried the calls, replayed so each `tool` message follows
    /// the call it answers.
    fn assistant_message(&self) -> Value {
        let calls: Vec<Value> = self
            .calls
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                })
            })
            .collect();
        let content = if self.content.is_empty() {
            Value::Null
        } else {
            Value::String(self.content.clone())
        };
        json!({"role": "assistant", "content": content, "tool_calls": calls})
    }
}

/// Sends one request and reads the reply, streamed or (for servers that ignore `stream`) whole.
async fn complete(
    client: &reqwest::Client,
    target: &Target,
    body: &Value,
) -> Result<Reply, String> {
    let url = &target.url;
    let mut request = client.post(url);
    if let Some(key) = &target.api_key {
        request = request.bearer_auth(key);
    }
    let response = request
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .json(body)
        .send()
        .await
        .map_err(|e| format!("the supervisor endpoint {url} cannot be reached: {e}"))?;
    let status = response.status();
    let streamed = !response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    let mut bytes = response.bytes_stream();
    if !status.is_success() {
        // The start of the body is enough to say why; don't wait for the rest.
        let mut start = Vec::new();
        while let Some(Ok(chunk)) = bytes.next().await {
            start.extend_from_slice(&chunk);
            if start.len() >= 4096 {
                break;
            }
        }
        return Err(format!(
            "the supervisor endpoint {url} answered HTTP {status}: {}",
            refusal(&start)
        ));
    }
    let mut total = 0usize;
    let mut read = Reading::default();
    let mut sse = Sse::default();
    let mut whole = Vec::new();
    while let Some(chunk) = bytes.next().await {
        let chunk =
            chunk.map_err(|e| format!("the supervisor endpoint {url} broke off its reply: {e}"))?;
        total += chunk.len();
        if total > MAX_REPLY_BYTES {
            return Err(format!(
                "the supervisor endpoint {url} sent more than {} KiB",
                MAX_REPLY_BYTES / 1024
            ));
        }
        if !streamed {
            whole.extend_from_slice(&chunk);
            continue;
        }
        for data in sse.push(&chunk)? {
            read.event(&data)?;
            if read.done {
                return Ok(read.finish());
            }
        }
    }
    if !streamed {
        return whole_reply(&whole);
    }
    if let Some(data) = sse.finish()? {
        read.event(&data)?;
    }
    if read.done || read.finish_reason.is_some() {
        Ok(read.finish())
    } else {
        Err(format!(
            "the supervisor endpoint {url} ended its stream before the answer was complete"
        ))
    }
}

/// Why an endpoint refused: an OpenAI-style `error.message`, else the start of the body, on one
/// line.
fn refusal(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let message = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| text.into_owned());
    excerpt(&message)
}

/// `text` on one line, cut to [`EXCERPT_CHARS`], with control characters gone.
fn excerpt(text: &str) -> String {
    let line = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if line.is_empty() {
        return "(an empty body)".to_owned();
    }
    if line.chars().count() <= EXCERPT_CHARS {
        line
    } else {
        let cut: String = line.chars().take(EXCERPT_CHARS).collect();
        format!("{cut}…")
    }
}

/// A reply from a server that answered `stream: true` with one JSON completion.
fn whole_reply(body: &[u8]) -> Result<Reply, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        format!("the supervisor endpoint answered with JSON that does not parse ({e})")
    })?;
    if let Some(why) = value.get("error").and_then(error_message) {
        return Err(format!("the supervisor endpoint reported an error: {why}"));
    }
    let message = &value["choices"][0]["message"];
    if !message.is_object() {
        return Err(
            "the supervisor endpoint answered without `choices[0].message`; is it a Chat Completions endpoint?"
                .to_owned(),
        );
    }
    let mut calls = Vec::new();
    for (i, call) in message["tool_calls"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if i as u64 >= MAX_CALLS_PER_ROUND {
            return Err(format!(
                "the supervisor made more than {MAX_CALLS_PER_ROUND} tool calls at once"
            ));
        }
        let arguments = match &call["function"]["arguments"] {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            // Some servers send the arguments as an object rather than JSON text.
            other => other.to_string(),
        };
        calls.push(Call {
            id: call["id"]
                .as_str()
                .map_or_else(|| format!("call_{i}"), str::to_owned),
            name: call["function"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            arguments,
        });
    }
    Ok(Reply {
        content: message["content"].as_str().unwrap_or_default().to_owned(),
        calls,
    })
}

/// The message of an `error` field: OpenAI's `{"message": …}`, or a bare string.
fn error_message(error: &Value) -> Option<String> {
    match error {
        Value::String(s) => Some(excerpt(s)),
        Value::Object(o) => Some(excerpt(
            o.get("message")
                .and_then(Value::as_str)
                .unwrap_or("no message"),
        )),
        _ => None,
    }
}

/// Server-sent events, fed with bytes as they arrive; lines may be split anywhere.
#[derive(Debug, Default)]
struct Sse {
    /// The incomplete line so far.
    line: Vec<u8>,
    /// The `data` of the event being read, its lines joined with `\n`.
    data: Option<String>,
}

impl Sse {
    /// Takes `bytes`; returns the data of every event they complete.
    fn push(&mut self, bytes: &[u8]) -> Result<Vec<String>, String> {
        let mut events = Vec::new();
        for &b in bytes {
            if b != b'\n' {
                self.line.push(b);
                continue;
            }
            let mut line = std::mem::take(&mut self.line);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if let Some(data) = self.line_done(&line)? {
                events.push(data);
            }
        }
        Ok(events)
    }

    /// The stream ended: the event still being read, if it has data.
    fn finish(&mut self) -> Result<Option<String>, String> {
        let line = std::mem::take(&mut self.line);
        if !line.is_empty() {
            self.line_done(&line)?;
        }
        Ok(self.data.take())
    }

    fn line_done(&mut self, line: &[u8]) -> Result<Option<String>, String> {
        if line.is_empty() {
            return Ok(self.data.take());
        }
        let line = std::str::from_utf8(line)
            .map_err(|_| "the supervisor endpoint sent a line that is not UTF-8".to_owned())?;
        // Comments (keep-alives) start with a colon; fields other than `data` say nothing here.
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        if field == "data" {
            let value = value.strip_prefix(' ').unwrap_or(value);
            match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            }
        }
        Ok(None)
    }
}

/// A tool call being streamed: its pieces so far.
#[derive(Debug, Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

/// The streamed reply being put together from `chat.completion.chunk` events.
#[derive(Debug, Default)]
struct Reading {
    content: String,
    calls: BTreeMap<u64, PartialCall>,
    finish_reason: Option<String>,
    done: bool,
}

impl Reading {
    /// Takes one event's data.
    fn event(&mut self, data: &str) -> Result<(), String> {
        let data = data.trim();
        if data == "[DONE]" {
            self.done = true;
            return Ok(());
        }
        let chunk: Value = serde_json::from_str(data).map_err(|_| {
            format!(
                "the supervisor endpoint sent an event that is not JSON: {}",
                excerpt(data)
            )
        })?;
        if let Some(why) = chunk.get("error").and_then(error_message) {
            return Err(format!("the supervisor endpoint reported an error: {why}"));
        }
        let Some(choices) = chunk.get("choices") else {
            return Err(format!(
                "the supervisor endpoint sent an event without `choices`: {}",
                excerpt(data)
            ));
        };
        // Only the first choice is asked for; a usage-only chunk has none.
        let Some(choice) = choices.as_array().and_then(|c| c.first()) else {
            return Ok(());
        };
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            self.finish_reason = Some(reason.to_owned());
        }
        let delta = &choice["delta"];
        if let Some(text) = delta.get("content").and_then(Value::as_str) {
            self.content.push_str(text);
        }
        if let Some(calls) = delta.get("tool_calls").and_then(Value::as_array) {
            for (position, call) in calls.iter().enumerate() {
                let index = call
                    .get("index")
                    .and_then(Value::as_u64)
                    .unwrap_or(position as u64);
                if index >= MAX_CALLS_PER_ROUND {
                    return Err(format!(
                        "the supervisor made more than {MAX_CALLS_PER_ROUND} tool calls at once"
                    ));
                }
                let partial = self.calls.entry(index).or_default();
                if let Some(id) = call.get("id").and_then(Value::as_str)
                    && !id.is_empty()
                {
                    id.clone_into(&mut partial.id);
                }
                let function = &call["function"];
                if let Some(name) = function.get("name").and_then(Value::as_str)
                    && !name.is_empty()
                {
                    name.clone_into(&mut partial.name);
                }
                if let Some(arguments) = function.get("arguments").and_then(Value::as_str) {
                    partial.arguments.push_str(arguments);
                }
            }
        }
        Ok(())
    }

    /// The reply as read: calls in index order, each with an id (made up if the server gave
    /// none, so its result can still be paired with it).
    fn finish(self) -> Reply {
        let calls = self
            .calls
            .into_iter()
            .map(|(index, p)| Call {
                id: if p.id.is_empty() {
                    format!("call_{index}")
                } else {
                    p.id
                },
                name: p.name,
                arguments: p.arguments,
            })
            .collect();
        Reply {
            content: self.content,
            calls,
        }
    }
}

/// Runs one of the supervisor's tool calls: its JSON result, or why it failed (which the
/// supervisor reads, and may act on).
async fn run_call(
    client: &reqwest::Client,
    compiled: &CompiledAgent,
    tools: &[&Tool],
    question: &SupervisorQuestion,
    call: &Call,
) -> Result<Value, String> {
    let name = &call.name;
    let Some(tool) = tools.iter().find(|t| &t.name == name) else {
        return Err(format!("`{name}` is not one of your tools"));
    };
    let arguments: Value = if call.arguments.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(&call.arguments)
            .map_err(|e| format!("the arguments for `{name}` are not JSON: {e}"))?
    };
    if !arguments.is_object() {
        return Err(format!("the arguments for `{name}` must be a JSON object"));
    }
    // Confirmation is the engine's to enforce, between the caller and the responder; the
    // supervisor never hears the caller say yes, so it cannot run such a tool itself.
    if tool.behaviour == Behaviour::ConfirmationFirst {
        return Err(format!(
            "`{name}` needs the caller's confirmation first; have the agent ask for it instead"
        ));
    }
    // The same schema and limits as when the responder calls it.
    compiled.validate_arguments(name, &arguments)?;
    tracing::debug!(tool = %name, "the supervisor runs a tool");
    match &tool.run {
        Run::Fixtures(fixtures) => {
            let (outcome, delay) = switchboard_engine::fixture_reply(fixtures, &arguments);
            tokio::time::sleep(delay).await;
            outcome
        }
        Run::Webhook(_) => {
            let timeout = tool
                .limits
                .timeout_ms
                .map_or(DEFAULT_TOOL_TIMEOUT, Duration::from_millis);
            let run = ToolRun {
                call_id: CallId::new(call.id.clone()),
                name: name.clone(),
                arguments,
                idempotency_key: format!("supervisor-{}:{}", question.call_id, call.id),
                deadline: (std::time::Instant::now() + timeout).min(question.deadline),
            };
            crate::webhook::run_tool(client, tool, &question.session_id, &run).await
        }
        Run::Builtin(_) | Run::Client => Err(format!(
            "`{name}` is not run by the gateway, so the supervisor cannot call it"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(sse: &mut Sse, read: &mut Reading, bytes: &[u8]) {
        for data in sse.push(bytes).expect("UTF-8") {
            read.event(&data).expect("an event");
        }
    }

    #[test]
    fn events_split_anywhere_are_put_back_together() {
        let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"Your bal\"}}]}\r\n\r\n\
                      : keep-alive\n\n\
                      data: {\"choices\":[{\"delta\":{\"content\":\"ance is €5 – ok.\"},\"finish_reason\":\"stop\"}]}\n\n\
                      data: [DONE]\n\n";
        let bytes = stream.as_bytes();
        for cut in 1..bytes.len() {
            let mut sse = Sse::default();
            let mut read = Reading::default();
            feed(&mut sse, &mut read, &bytes[..cut]);
            feed(&mut sse, &mut read, &bytes[cut..]);
            assert!(read.done, "cut at {cut}");
            assert_eq!(read.content, "Your balance is €5 – ok.", "cut at {cut}");
        }
    }

    #[test]
    fn tool_call_pieces_are_gathered_by_index() {
        let mut read = Reading::default();
        for data in [
            r#"{"choices":[{"delta":{"tool_calls":[{"index":1,"id":"b","function":{"name":"two","arguments":""}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"one","arguments":"{\"x\""}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}}]}"#,
            r#"{"choices":[{"delta":{},"finish_reason":"tool_calls"}]}"#,
        ] {
            read.event(data).expect("an event");
        }
        let reply = read.finish();
        assert_eq!(
            reply.calls,
            [
                Call {
                    id: "a".into(),
                    name: "one".into(),
                    arguments: "{\"x\":1}".into()
                },
                Call {
                    id: "b".into(),
                    name: "two".into(),
                    arguments: String::new()
                },
            ]
        );
    }

    #[test]
    fn bad_events_are_errors_not_panics() {
        for data in [
            "not json",
            "[1,2]",
            r#"{"choices":[{"delta":{"tool_calls":[{"index":99999999999}]}}]}"#,
            r#"{"error":{"message":"overloaded"}}"#,
            r#"{"no":"choices"}"#,
        ] {
            assert!(Reading::default().event(data).is_err(), "{data}");
        }
        assert!(Sse::default().push(b"data: \xff\xfe\n").is_err());
    }

    #[test]
    fn a_refusal_is_one_short_line() {
        let long = "x ".repeat(500);
        assert!(excerpt(&long).chars().count() <= EXCERPT_CHARS + 1);
        assert_eq!(
            refusal(br#"{"error":{"message":"Rate limit\nreached"}}"#),
            "Rate limit reached"
        );
        assert_eq!(refusal(b""), "(an empty body)");
    }
}
