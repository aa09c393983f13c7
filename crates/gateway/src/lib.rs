//! The gateway: serves the OpenAI Realtime protocol to callers and drives one engine session
//! per call against the upstream model.
//!
//! - `GET /v1/realtime` (WebSocket): any Realtime client connects unchanged, GA or beta
//!   (`OpenAI-Beta: realtime=v1` or the `openai-beta.realtime-v1` subprotocol). Callers
//!   authenticate with a gateway key or an ephemeral client secret; the upstream key stays
//!   here. The agent is chosen by `?agent=`, by the key, or is the default.
//! - `POST /v1/realtime/client_secrets`: short-lived, single-use secrets, in the GA shape.
//! - `GET /healthz`, `GET /metrics` (Prometheus).
//! - `GET /`: the web console, a page that calls an agent from the
//!   browser through `/v1/realtime`.
//!
//! A caller that connects with `?observe=true` also receives [`observe`] events: the tool
//! calls, guard decisions and state transitions of its own call.
//!
//! Tool receivers check the gateway's signed webhook requests with [`webhook::verify`].
//!
//! Each call gets one task ([`driver`]) that owns its `switchboard_engine::Session`, the
//! caller's socket and the model's socket. A lost model connection is reopened and the
//! conversation replayed from the engine's rollover plan.

mod auth;
mod config;
mod console;
mod driver;
mod executor;
mod metrics;
pub mod observe;
mod server;
mod supervisor;
mod twilio;
mod twilio_media;
mod upstream;
pub mod webhook;

pub use auth::Dialect;
pub use config::{
    AgentEntry, ApiKey, GatewayConfig, GatewayFile, KeyEntry, OPENAI_BASE_URL, Upstream,
    UpstreamAuth,
};
pub use executor::{Executor, HttpExecutor, Pending, Replies, SharedExecutor, Unconfigured};
pub use server::Gateway;
pub use twilio::{TwilioSection, TwilioSettings};
