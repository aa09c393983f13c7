//! The supervisor's endpoint: where it is, and one HTTP exchange with it.
//!
//! The engine runs the whole supervisor exchange (it builds each Chat Completions request,
//! reads the streamed reply, runs the tools the supervisor calls through its own guards, asks
//! again, and makes the answer speakable). What stays here is what must not enter the engine:
//! the endpoint, its model and its key. [`post`] names the model in the engine's request,
//! `POST`s it to `{base_url}/chat/completions` with the bearer key and `Accept:
//! text/event-stream`, and hands the body back as it arrives, unread, as
//! [`Input::SupervisorChunk`]s and one [`Input::SupervisorStreamEnded`].
//!
//! The key never travels on: a refusal's body and a transport error are scrubbed of it (and
//! of `sk-…` words) before the engine sees them, as the engine's reasons reach the realtime
//! model. A reply is not read past [`MAX_REPLY_BYTES`]: the engine refuses it there, so more
//! would only be held in memory.

use futures_util::StreamExt;
use futures_util::stream::{self, BoxStream};
use switchboard_agent::AgentFile;
use switchboard_agent::model::Supervisor;
use switchboard_engine::{Input, SupervisorFailure, SupervisorRequest, SupervisorRequestId};
use switchboard_wire::chat::MAX_REPLY_BYTES;

use crate::config::Upstream;
use crate::upstream::scrub;

/// Where the supervisor's endpoint is when the agent file does not say.
const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// The supervisor's model when the agent file does not say (the guide suggests GPT-5).
const DEFAULT_MODEL: &str = "gpt-5";

/// The environment variable holding the endpoint's key when the agent file does not say.
const DEFAULT_API_KEY_ENV: &str = "OPENAI_API_KEY";

/// How much of a refusal's body is passed on: enough for its reason.
const REFUSAL_BYTES: usize = 4096;

/// Sends `request` to the supervisor of `agent` (at `endpoint` when given, else where the
/// agent file says) and streams the reply back as inputs for the session.
pub(crate) fn post(
    client: &reqwest::Client,
    agent: &AgentFile,
    endpoint: Option<&Upstream>,
    request: SupervisorRequest,
) -> BoxStream<'static, Input> {
    let SupervisorRequest {
        id, mut request, ..
    } = request;
    let target = match &agent.supervisor {
        Some(supervisor) => Target::of(supervisor, endpoint),
        None => Err("this agent has no supervisor".to_owned()),
    };
    let target = match target {
        Ok(target) => target,
        Err(why) => {
            tracing::warn!(request = %id, reason = %why, "the supervisor is not asked");
            return ended(id, Err(SupervisorFailure::NotSent(why)));
        }
    };
    request.model.clone_from(&target.model);
    let mut builder = client
        .post(&target.url)
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .json(&request);
    if let Some(key) = &target.api_key {
        let (name, value) = target.auth.header(key);
        builder = builder.header(name, value);
    }
    let key = target.api_key.clone();
    let url = target.url;
    let reply = async move {
        let response = match builder.send().await {
            Ok(response) => response,
            Err(e) => {
                let why = scrub(&format!("{url}: {e}"), key.as_deref());
                tracing::warn!(request = %id, reason = %why, "the supervisor endpoint cannot be reached");
                return ended(id, Err(SupervisorFailure::Unreachable(why)));
            }
        };
        let status = response.status();
        let mut body = response.bytes_stream();
        if !status.is_success() {
            // The start of the body is enough to say why; don't wait for the rest.
            let mut start = Vec::new();
            while let Some(Ok(chunk)) = body.next().await {
                start.extend_from_slice(&chunk);
                if start.len() >= REFUSAL_BYTES {
                    break;
                }
            }
            start.truncate(REFUSAL_BYTES);
            let body = scrub(&String::from_utf8_lossy(&start), key.as_deref()).into_bytes();
            tracing::warn!(request = %id, %status, "the supervisor endpoint refused");
            let status = status.as_u16();
            return ended(id, Err(SupervisorFailure::Refused { status, body }));
        }
        relay(id, body, key)
    };
    stream::once(reply).flatten().boxed()
}

/// The body's chunks as inputs, then its end; cut off once past [`MAX_REPLY_BYTES`].
fn relay<S>(id: SupervisorRequestId, body: S, key: Option<String>) -> BoxStream<'static, Input>
where
    S: futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send + 'static,
{
    struct Relay<S> {
        id: SupervisorRequestId,
        body: S,
        key: Option<String>,
        read: usize,
        done: bool,
    }
    let relay = Relay {
        id,
        body: Box::pin(body),
        key,
        read: 0,
        done: false,
    };
    stream::unfold(relay, |mut r| async move {
        if r.done {
            return None;
        }
        let input = match r.body.next().await {
            Some(Ok(chunk)) => {
                r.read += chunk.len();
                // One byte past the bound is enough for the engine to refuse the reply.
                r.done = r.read > MAX_REPLY_BYTES;
                Input::SupervisorChunk {
                    id: r.id.clone(),
                    bytes: chunk.to_vec(),
                }
            }
            Some(Err(e)) => {
                r.done = true;
                let why = scrub(&e.to_string(), r.key.as_deref());
                Input::SupervisorStreamEnded {
                    id: r.id.clone(),
                    result: Err(SupervisorFailure::BrokeOff(why)),
                }
            }
            None => {
                r.done = true;
                Input::SupervisorStreamEnded {
                    id: r.id.clone(),
                    result: Ok(()),
                }
            }
        };
        Some((input, r))
    })
    .boxed()
}

/// A reply that is only its end.
fn ended(
    id: SupervisorRequestId,
    result: Result<(), SupervisorFailure>,
) -> BoxStream<'static, Input> {
    stream::iter([Input::SupervisorStreamEnded { id, result }]).boxed()
}

/// The endpoint, resolved from the gateway's override, or the agent file and the environment.
struct Target {
    url: String,
    model: String,
    /// `None` only when an override has no key: then no key header is sent.
    api_key: Option<String>,
    /// How the key is sent: as the gateway's upstream sends it (an Azure deployment takes an
    /// `api-key` header), or `Authorization: Bearer` to the agent file's own endpoint.
    auth: crate::UpstreamAuth,
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
                auth: over.auth,
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
        // Read on every request, so a rotated key takes effect without a restart.
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
            auth: crate::UpstreamAuth::Bearer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_wins_and_the_defaults_fill_in() {
        let supervisor: Supervisor =
            serde_json::from_value(serde_json::json!({"instructions": "Be the supervisor."}))
                .expect("a supervisor");
        let over = Upstream {
            base_url: "http://127.0.0.1:9/v1/".to_owned(),
            api_key: Some("  ".to_owned()),
            auth: crate::UpstreamAuth::Bearer,
        };
        let target = Target::of(&supervisor, Some(&over)).expect("a target");
        assert_eq!(target.url, "http://127.0.0.1:9/v1/chat/completions");
        assert_eq!(target.model, DEFAULT_MODEL);
        assert_eq!(target.api_key, None, "a blank key sends no Authorization");
    }

    #[test]
    fn the_key_goes_as_the_upstream_sends_it() {
        let supervisor: Supervisor =
            serde_json::from_value(serde_json::json!({"instructions": "Be the supervisor."}))
                .expect("a supervisor");
        let over = Upstream {
            base_url: "https://res.openai.azure.com/openai/v1".to_owned(),
            api_key: Some("azure-key".to_owned()),
            auth: crate::UpstreamAuth::ApiKey,
        };
        let target = Target::of(&supervisor, Some(&over)).expect("a target");
        assert_eq!(
            target.auth.header("azure-key"),
            ("api-key", "azure-key".to_owned()),
            "an Azure deployment's chat completions take the same api-key header"
        );
    }
}
