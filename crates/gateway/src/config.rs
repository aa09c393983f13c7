//! What a gateway serves: agents, where their model lives, and who may call.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use switchboard_engine::CompiledAgent;

/// The OpenAI Realtime API, the default upstream.
pub const OPENAI_BASE_URL: &str = "wss://api.openai.com/v1";

/// Everything [`crate::Gateway::start`] needs.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The agents callers can reach.
    pub agents: Vec<AgentEntry>,
    /// The agent for callers who name none. With one agent, that agent.
    pub default_agent: Option<String>,
    /// Keys callers authenticate with. None: the gateway is open to anyone who can reach it.
    pub keys: Vec<ApiKey>,
    /// How long live calls may go on after shutdown begins.
    pub drain_timeout: Duration,
    /// Whether the upstream is the rehearsal emulator: callers are told so.
    pub rehearsal: bool,
    /// Where calls are recorded; `None` records nothing.
    pub store: Option<switchboard_store::Store>,
}

/// An agent and the model connection its calls use.
#[derive(Debug, Clone)]
pub struct AgentEntry {
    /// The compiled agent.
    pub agent: Arc<CompiledAgent>,
    /// Where its model is.
    pub upstream: Upstream,
    /// Where its supervisor is, instead of the agent file's `supervisor.endpoint`: questions go
    /// to `{base_url}/chat/completions` with this key (the file's `api_key_env` is not read),
    /// still naming the file's model. `None`: as the agent file says. Rehearsals and scenario
    /// runs point it at the emulator.
    pub supervisor: Option<Upstream>,
    /// The agent file it was loaded from, recorded with each call so the call can be replayed
    /// (`switchboard sessions export --as-scenario`).
    pub path: Option<PathBuf>,
}

impl AgentEntry {
    /// The agent's name, as callers choose it.
    pub fn name(&self) -> &str {
        &self.agent.file().name
    }
}

/// An endpoint and its key: the Realtime API for [`AgentEntry::upstream`], an
/// OpenAI-compatible Chat Completions API for [`AgentEntry::supervisor`].
#[derive(Clone)]
pub struct Upstream {
    /// Base URL, e.g. `wss://api.openai.com/v1`; calls go to `{base_url}/realtime?model=…`
    /// (a supervisor's questions to `{base_url}/chat/completions`).
    pub base_url: String,
    /// The key, sent as [`Upstream::auth`] says; never shown to callers or in logs.
    pub api_key: Option<String>,
    /// How the key is presented: `Authorization: Bearer …` (OpenAI) or `api-key: …` (Azure
    /// OpenAI).
    pub auth: UpstreamAuth,
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upstream")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("auth", &self.auth)
            .finish()
    }
}

/// How a model connection presents its key. OpenAI takes a Bearer token; Azure OpenAI's
/// Realtime deployments (`wss://RESOURCE.openai.azure.com/openai/v1`) speak the same protocol
/// but take the key in an `api-key` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UpstreamAuth {
    /// `Authorization: Bearer <key>`.
    #[default]
    Bearer,
    /// `api-key: <key>`.
    ApiKey,
}

impl UpstreamAuth {
    /// The header that carries `key`: its name and value.
    pub fn header(self, key: &str) -> (&'static str, String) {
        match self {
            UpstreamAuth::Bearer => ("authorization", format!("Bearer {key}")),
            UpstreamAuth::ApiKey => ("api-key", key.to_owned()),
        }
    }
}

impl std::str::FromStr for UpstreamAuth {
    type Err = String;

    /// `bearer` or `api-key`, as `switchboard serve --upstream-auth` takes them.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "bearer" => Ok(UpstreamAuth::Bearer),
            "api-key" => Ok(UpstreamAuth::ApiKey),
            other => Err(format!(
                "unknown upstream auth `{other}`; expected `bearer` or `api-key`"
            )),
        }
    }
}

/// A key a caller presents, optionally tied to one agent.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// A name for logs and metrics, never the key.
    pub name: String,
    /// The key itself.
    pub key: String,
    /// Callers with this key reach only this agent.
    pub agent: Option<String>,
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("name", &self.name)
            .field("agent", &self.agent)
            .finish_non_exhaustive()
    }
}

/// The gateway's own settings file (`switchboard serve --config FILE`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayFile {
    /// Keys callers may use.
    #[serde(default)]
    pub keys: Vec<KeyEntry>,
    /// The agent for callers who name none.
    #[serde(default)]
    pub default_agent: Option<String>,
    /// Seconds live calls may go on after shutdown begins (default 30).
    #[serde(default)]
    pub drain_timeout_s: Option<u64>,
    /// Phone calls through Twilio Media Streams.
    #[serde(default)]
    pub twilio: Option<crate::twilio::TwilioSection>,
}

/// One key in the settings file: the key itself or the environment variable that holds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    /// A name for logs and metrics.
    pub name: String,
    /// The key, written in the file.
    #[serde(default)]
    pub key: Option<String>,
    /// The environment variable holding the key, to keep it out of the file.
    #[serde(default)]
    pub key_env: Option<String>,
    /// The only agent this key reaches.
    #[serde(default)]
    pub agent: Option<String>,
}

impl GatewayFile {
    /// Reads a settings file (YAML or JSON); errors name the file, line and column.
    pub fn load(path: &Path) -> Result<GatewayFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let document = switchboard_agent::parse_document(&text)
            .map_err(|d| located(path, d.span.map(|s| (s.line, s.column)), &d.message))?;
        serde_path_to_error::deserialize(document.value.clone()).map_err(|err| {
            let at = err.path().to_string();
            // The key, so an unknown or misspelled one is pointed at, not its value.
            let span = document.key_span_of(&at).map(|s| (s.line, s.column));
            located(path, span, &format!("`{at}`: {}", err.inner()))
        })
    }

    /// The keys, reading `key_env` variables through `env`.
    pub fn keys(&self, env: impl Fn(&str) -> Option<String>) -> Result<Vec<ApiKey>, String> {
        self.keys
            .iter()
            .map(|k| {
                let key = match (&k.key, &k.key_env) {
                    (Some(key), None) => key.clone(),
                    (None, Some(var)) => env(var).filter(|v| !v.is_empty()).ok_or_else(|| {
                        format!("key `{}`: environment variable {var} is not set", k.name)
                    })?,
                    _ => {
                        return Err(format!(
                            "key `{}`: give exactly one of `key` and `key_env`",
                            k.name
                        ));
                    }
                };
                Ok(ApiKey {
                    name: k.name.clone(),
                    key,
                    agent: k.agent.clone(),
                })
            })
            .collect()
    }
}

fn located(path: &Path, at: Option<(usize, usize)>, message: &str) -> String {
    match at {
        Some((line, column)) => format!("{}:{line}:{column}: {message}", path.display()),
        None => format!("{}: {message}", path.display()),
    }
}
