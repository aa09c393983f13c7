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
//! 2. The answer streams back as server-sent events, read by `switchboard_wire::chat`'s
//!    [`ReplyReader`]: text deltas are joined, tool-call deltas are gathered by their index.
//! 3. If the model called tools, they run here (fixtures after their delay, webhooks through
//!    [`crate::webhook::run_tool`]), their results go back as `tool` messages, and the endpoint
//!    is asked again, at most [`MAX_TOOL_ROUNDS`] times.
//!
//! The final text goes to the engine, which makes it speakable. Every failure (no key, an
//! HTTP error, bytes that are not a Chat Completions stream, an empty answer, the deadline) is
//! an `Err` with a reason; the engine then has the responder say the agent's fallback line.
//! The reason reaches the realtime model, so it never holds the key or conversation text.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use switchboard_agent::AgentFile;
use switchboard_agent::model::{Behaviour, Run, Supervisor, Tool};
use switchboard_engine::{CompiledAgent, Speaker, SupervisorQuestion, ToolRun};
use switchboard_wire::CallId;
use switchboard_wire::chat::{
    self, MAX_REPLY_BYTES, Message, Progress, Reply, ReplyError, ReplyReader, Request, ToolCall,
};

use crate::config::Upstream;

/// Where the supervisor's endpoint is when the agent file does not say.
const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// The supervisor's model when the agent file does not say (the guide suggests GPT-5).
const DEFAULT_MODEL: &str = "gpt-5";

/// The environment variable holding the endpoint's key when the agent file does not say.
const DEFAULT_API_KEY_ENV: &str = "OPENAI_API_KEY";

/// How many times the supervisor may call tools before it must answer.
pub(crate) const MAX_TOOL_ROUNDS: usize = 5;

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
    let mut request = Request {
        model: target.model.clone(),
        messages: first_messages(question),
        tools: tools
            .iter()
            .map(|t| chat::Tool::function(&t.name, &t.description, t.parameters.clone()))
            .collect(),
        tool_choice: None,
        stream: true,
        stream_options: None,
    };
    for round in 0..=MAX_TOOL_ROUNDS {
        let reply = complete(client, target, &request).await?;
        if reply.tool_calls.is_empty() {
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
            calls = reply.tool_calls.len(),
            "the supervisor called tools"
        );
        let results = futures_util::future::join_all(
            reply
                .tool_calls
                .iter()
                .map(|call| run_call(client, compiled, &tools, question, call)),
        )
        .await;
        request.messages.push(reply.to_message());
        for (call, result) in reply.tool_calls.iter().zip(results) {
            let content = match result {
                Ok(value) => value,
                Err(why) => json!({"error": why}),
            };
            request
                .messages
                .push(Message::tool(call.id.clone(), content.to_string()));
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
fn first_messages(question: &SupervisorQuestion) -> Vec<Message> {
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
        Message::system(question.instructions.clone()),
        Message::user(format!(
            "==== Conversation History ====\n{history}\n==== Relevant Context From Last User Message ====\n{context}\n"
        )),
    ]
}

/// Sends one request and reads the reply, streamed or (for servers that ignore `stream`) whole.
async fn complete(
    client: &reqwest::Client,
    target: &Target,
    body: &Request,
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
            chat::refusal(&start)
        ));
    }
    let misbehaved = |e: ReplyError| format!("the supervisor endpoint {url} {e}");
    let mut reader = ReplyReader::new(MAX_REPLY_BYTES);
    while let Some(chunk) = bytes.next().await {
        let chunk =
            chunk.map_err(|e| format!("the supervisor endpoint {url} broke off its reply: {e}"))?;
        if let Progress::Complete(reply) = reader.push(&chunk).map_err(misbehaved)? {
            return Ok(reply);
        }
    }
    reader.end().map_err(misbehaved)
}

/// Runs one of the supervisor's tool calls: its JSON result, or why it failed (which the
/// supervisor reads, and may act on).
async fn run_call(
    client: &reqwest::Client,
    compiled: &CompiledAgent,
    tools: &[&Tool],
    question: &SupervisorQuestion,
    call: &ToolCall,
) -> Result<Value, String> {
    let name = &call.function.name;
    let Some(tool) = tools.iter().find(|t| &t.name == name) else {
        return Err(format!("`{name}` is not one of your tools"));
    };
    let arguments: Value = if call.function.arguments.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(&call.function.arguments)
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
            crate::webhook::run_tool(client, tool, &question.session_id, &run)
                .await
                .map_err(|e| e.to_string())
        }
        Run::Builtin(_) | Run::Client => Err(format!(
            "`{name}` is not run by the gateway, so the supervisor cannot call it"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_messages_are_the_instructions_then_the_call_and_the_context() {
        let question = SupervisorQuestion {
            session_id: "sess".to_owned(),
            call_id: "call".into(),
            context: "  ".to_owned(),
            transcript: vec![(Speaker::Caller, " Hi. ".to_owned())],
            instructions: "Be the supervisor.".to_owned(),
            deadline: std::time::Instant::now(),
        };
        assert_eq!(
            first_messages(&question),
            [
                Message::system("Be the supervisor."),
                Message::user(
                    "==== Conversation History ====\nCaller: Hi.\n\n==== Relevant Context From Last User Message ====\n(none)\n"
                ),
            ]
        );
    }
}
