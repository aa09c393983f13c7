//! Running what the engine asks for outside itself: tools with a webhook or a built-in, and
//! the supervisor's HTTP requests. Fixture tools never get here: the engine answers them
//! itself, as it runs the whole supervisor exchange (the tools it calls included).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::stream::BoxStream;
use serde_json::Value;
use switchboard_engine::{
    CompiledAgent, Input, SupervisorFailure, SupervisorRequest, ToolError, ToolRun,
};

use crate::config::Upstream;

/// A boxed future, so executors can be stored as trait objects.
pub type Pending<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// The reply to one supervisor request as inputs for the session, in order: the body's bytes
/// as they arrive ([`Input::SupervisorChunk`]), then how it ended
/// ([`Input::SupervisorStreamEnded`]).
pub type Replies = BoxStream<'static, Input>;

/// Runs tools and asks the supervisor on behalf of sessions. The driver awaits each in its
/// own task and hands the outcome back to the session before the engine's deadline.
pub trait Executor: Send + Sync + 'static {
    /// Runs `run` for `agent`: the tool's JSON result, or why it failed.
    fn run_tool(
        &self,
        agent: &Arc<CompiledAgent>,
        session_id: &str,
        run: ToolRun,
    ) -> Pending<Result<Value, ToolError>>;
    /// Sends one of the engine's supervisor requests to the agent's supervisor, at `endpoint`
    /// when given (see [`AgentEntry::supervisor`](crate::AgentEntry::supervisor)), else where
    /// the agent file says, and streams the reply back as inputs. The body is not read here:
    /// the engine reads it.
    fn ask_supervisor(
        &self,
        agent: &Arc<CompiledAgent>,
        endpoint: Option<&Upstream>,
        request: SupervisorRequest,
    ) -> Replies;
}

/// The executor when none is configured: every request fails with a reason, so the engine
/// counts a failed attempt (tools) or says its fallback line (supervisor).
#[derive(Debug, Default, Clone, Copy)]
pub struct Unconfigured;

impl Executor for Unconfigured {
    fn run_tool(
        &self,
        _agent: &Arc<CompiledAgent>,
        _session_id: &str,
        run: ToolRun,
    ) -> Pending<Result<Value, ToolError>> {
        let why = format!(
            "no executor is configured for `{}` on this gateway",
            run.name
        );
        Box::pin(async move { Err(ToolError::Failed(why)) })
    }

    fn ask_supervisor(
        &self,
        _agent: &Arc<CompiledAgent>,
        _endpoint: Option<&Upstream>,
        request: SupervisorRequest,
    ) -> Replies {
        let ended = Input::SupervisorStreamEnded {
            id: request.id,
            result: Err(SupervisorFailure::NotSent(
                "no supervisor endpoint is configured on this gateway".to_owned(),
            )),
        };
        Box::pin(futures_util::stream::iter([ended]))
    }
}

/// Shared handle to an executor.
pub type SharedExecutor = Arc<dyn Executor>;

/// The executor of a serving gateway: webhook tools over HTTP, and the supervisor through an
/// OpenAI-compatible Chat Completions endpoint.
#[derive(Debug, Clone)]
pub struct HttpExecutor {
    client: reqwest::Client,
}

impl HttpExecutor {
    /// An executor with its own connection pool.
    pub fn new() -> HttpExecutor {
        HttpExecutor {
            client: reqwest::Client::new(),
        }
    }
}

impl Default for HttpExecutor {
    fn default() -> Self {
        HttpExecutor::new()
    }
}

impl Executor for HttpExecutor {
    fn run_tool(
        &self,
        agent: &Arc<CompiledAgent>,
        session_id: &str,
        run: ToolRun,
    ) -> Pending<Result<Value, ToolError>> {
        let client = self.client.clone();
        let tool = agent
            .file()
            .tools
            .iter()
            .find(|t| t.name == run.name)
            .cloned();
        let session_id = session_id.to_owned();
        Box::pin(async move {
            let tool = tool.ok_or_else(|| {
                ToolError::Failed(format!("`{}` is not a tool of this agent", run.name))
            })?;
            crate::webhook::run_tool(&client, &tool, &session_id, &run).await
        })
    }

    fn ask_supervisor(
        &self,
        agent: &Arc<CompiledAgent>,
        endpoint: Option<&Upstream>,
        request: SupervisorRequest,
    ) -> Replies {
        crate::supervisor::post(&self.client, agent.file(), endpoint, request)
    }
}
