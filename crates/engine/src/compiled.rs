//! An agent file made ready for sessions: rendered payloads per state and compiled argument
//! validators, built once and shared by every call (`Arc`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use switchboard_agent::model::{AgentFile, Tool};
use switchboard_agent::{RenderError, Rendered, render_all};
use switchboard_wire::{ClientEvent, Session as WireSession};

/// Why an agent cannot run sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileError {
    /// The compiler refused the agent.
    Render(RenderError),
    /// A tool's `parameters` is not a valid JSON Schema.
    InvalidSchema {
        /// The tool.
        tool: String,
        /// What the schema compiler said.
        message: String,
    },
    /// A tool's business rule is not a CEL expression.
    InvalidGuard {
        /// The tool.
        tool: String,
        /// The rule.
        rule: String,
        /// What the parser said.
        message: String,
    },
    /// A confirmation-first or ruled MCP tool the provider would run without asking: the
    /// engine could not hold it for the caller's consent or check its rules, so the agent is
    /// not served.
    UnheldMcpTool {
        /// The server's label.
        server: String,
        /// The tool.
        tool: String,
    },
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Render(e) => write!(f, "{e}"),
            Self::InvalidSchema { tool, message } => {
                write!(
                    f,
                    "the parameters of tool `{tool}` are not a valid JSON Schema: {message}"
                )
            }
            Self::InvalidGuard {
                tool,
                rule,
                message,
            } => write!(
                f,
                "the rule `{rule}` of tool `{tool}` does not parse: {message}"
            ),
            Self::UnheldMcpTool { server, tool } => write!(
                f,
                "MCP tool `{tool}` of server `{server}` is confirmation-first or has rules, but \
                 the server's `require_approval` does not hold it: the provider would run it \
                 without the caller's consent or its rules"
            ),
        }
    }
}

impl std::error::Error for CompileError {}

/// A tool with its compiled argument validator.
pub(crate) struct ToolSpec {
    pub(crate) tool: Tool,
    pub(crate) validator: jsonschema::Validator,
    /// Its business rules, compiled (`policy.rs`).
    pub(crate) guards: Vec<crate::policy::CompiledGuard>,
    /// Its `output_schema`, compiled: a result outside it is not kept for the rules.
    pub(crate) output: Option<jsonschema::Validator>,
}

/// An agent ready to serve sessions.
pub struct CompiledAgent {
    pub(crate) file: AgentFile,
    /// The `session.update` session per state (`None` key: an agent without a dynamic flow).
    sessions: BTreeMap<Option<String>, WireSession>,
    pub(crate) tools: BTreeMap<String, ToolSpec>,
    /// How a call of each name the engine answers is routed, decided once here.
    routes: BTreeMap<String, Route>,
    /// The business rules for leaving each dynamic state, with the exit each is for (`None`:
    /// every exit).
    pub(crate) exit_guards: BTreeMap<String, Vec<(Option<String>, crate::policy::CompiledGuard)>>,
    /// The business rules of the MCP tools that have some, by `server_label.tool`.
    pub(crate) mcp_guards: BTreeMap<String, Vec<crate::policy::CompiledGuard>>,
    /// Every function tool the agent declares to the model, in any state.
    declared: BTreeSet<String>,
}

/// How the engine answers a call of a tool name. Names without a route are not the agent's:
/// a tool the caller declared (passed through to the caller) or an unknown one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// `set_conversation_state`: a move of the dynamic flow.
    StateChange,
    /// The escalation tool, when the agent does not declare it as a tool of its own.
    Escalation,
    /// The responder's question to the supervisor.
    Supervisor,
    /// A common tool the engine answers itself (`finish_session`, `answer`), when the agent
    /// does not declare a tool of that name.
    Common,
    /// One of the agent's own tools; `client`-run ones are the caller's to run.
    Agent {
        /// Whether the caller's app runs it (`run: client`).
        by_client: bool,
    },
}

/// Every confirmation-first or ruled MCP tool must be one the provider asks about before
/// running it, so the engine can answer with the caller's consent and its rules
/// (`session/mcp.rs`).
fn check_mcp_tools_are_held(file: &AgentFile) -> Result<(), CompileError> {
    for server in &file.mcp_servers {
        if let Some(tool) = server.unheld_confirmations().first() {
            return Err(CompileError::UnheldMcpTool {
                server: server.server_label.clone(),
                tool: tool.name.clone(),
            });
        }
    }
    Ok(())
}

impl CompiledAgent {
    /// Compiles an agent: renders every state and compiles every tool's argument schema.
    pub fn new(file: AgentFile) -> Result<Self, CompileError> {
        check_mcp_tools_are_held(&file)?;
        let mut sessions = BTreeMap::new();
        for Rendered {
            state,
            session_update,
            ..
        } in render_all(&file).map_err(CompileError::Render)?
        {
            let ClientEvent::SessionUpdate(update) = session_update else {
                unreachable!("the compiler only renders session.update events")
            };
            sessions.insert(state, update.session);
        }
        let mut tools = BTreeMap::new();
        for tool in &file.tools {
            let validator = jsonschema::validator_for(&tool.parameters).map_err(|e| {
                CompileError::InvalidSchema {
                    tool: tool.name.clone(),
                    message: e.to_string(),
                }
            })?;
            let guards = crate::policy::compile(&tool.guards).map_err(|(rule, message)| {
                CompileError::InvalidGuard {
                    tool: tool.name.clone(),
                    rule,
                    message,
                }
            })?;
            let output = tool
                .output_schema
                .as_ref()
                .map(jsonschema::validator_for)
                .transpose()
                .map_err(|e| CompileError::InvalidSchema {
                    tool: tool.name.clone(),
                    message: format!("output_schema: {e}"),
                })?;
            tools.insert(
                tool.name.clone(),
                ToolSpec {
                    tool: tool.clone(),
                    validator,
                    guards,
                    output,
                },
            );
        }
        let mut exit_guards = BTreeMap::new();
        for state in file.dynamic.iter().flat_map(|d| d.states.iter()) {
            let guards: Vec<_> = state.guards.iter().map(|g| g.as_guard()).collect();
            let compiled = crate::policy::compile(&guards).map_err(|(rule, message)| {
                CompileError::InvalidGuard {
                    tool: format!("state {}", state.id),
                    rule,
                    message,
                }
            })?;
            let exits = state.guards.iter().map(|g| g.to.clone());
            exit_guards.insert(state.id.clone(), exits.zip(compiled).collect());
        }
        let mut mcp_guards = BTreeMap::new();
        for server in &file.mcp_servers {
            for tool in server.tools.iter().filter(|t| !t.guards.is_empty()) {
                let name = crate::session::mcp_name(&server.server_label, &tool.name);
                let compiled =
                    crate::policy::compile(&tool.guards).map_err(|(rule, message)| {
                        CompileError::InvalidGuard {
                            tool: name.clone(),
                            rule,
                            message,
                        }
                    })?;
                mcp_guards.insert(name, compiled);
            }
        }
        let routes = routes(&file, &tools);
        let declared = sessions
            .values()
            .flat_map(|s: &WireSession| s.tools.iter().flatten())
            .filter_map(|t| match t {
                switchboard_wire::Tool::Function(f) => Some(f.name.clone()),
                _ => None,
            })
            .collect();
        Ok(Self {
            file,
            sessions,
            tools,
            routes,
            exit_guards,
            mcp_guards,
            declared,
        })
    }

    /// How a call of `name` is answered, or `None` for a name that is not the agent's.
    pub(crate) fn route(&self, name: &str) -> Option<Route> {
        self.routes.get(name).copied()
    }

    /// The agent file.
    pub fn file(&self) -> &AgentFile {
        &self.file
    }

    /// The state a session starts in, for a dynamic flow.
    pub fn initial_state(&self) -> Option<&str> {
        self.file.dynamic.as_ref().map(|d| d.initial.as_str())
    }

    /// The session configuration the agent sets in `state`.
    /// The session a call starts with: the initial state's instructions and tools.
    pub fn initial_session(&self) -> &WireSession {
        self.session_for(self.initial_state())
    }

    pub(crate) fn session_for(&self, state: Option<&str>) -> &WireSession {
        self.sessions
            .get(&state.map(str::to_owned))
            .or_else(|| self.sessions.values().next())
            .expect("render_all yields at least one session")
    }

    /// Names of every tool the agent declares to the model in any state.
    pub(crate) fn owns_tool(&self, name: &str) -> bool {
        self.declared.contains(name)
    }

    /// Checks arguments against the tool's schema and declared limits.
    pub(crate) fn check_arguments(&self, spec: &ToolSpec, args: &Value) -> Result<(), String> {
        if let Some(error) = spec.validator.iter_errors(args).next() {
            let at = error.instance_path().to_string();
            let at = if at.is_empty() {
                "the arguments".to_owned()
            } else {
                format!("`{}`", at.trim_start_matches('/'))
            };
            return Err(format!("{at}: {error}"));
        }
        for (name, limit) in &spec.tool.limits.arguments {
            let Some(value) = args.get(name) else {
                continue;
            };
            if let Some(n) = value.as_f64()
                && (limit.min.is_some_and(|min| n < min) || limit.max.is_some_and(|max| n > max))
            {
                return Err(format!(
                    "`{name}` is {n}, outside the allowed range {}–{}",
                    limit.min.map_or("…".to_owned(), |m| m.to_string()),
                    limit.max.map_or("…".to_owned(), |m| m.to_string())
                ));
            }
            if let (Some(s), Some(max)) = (value.as_str(), limit.max_length)
                && s.chars().count() > max
            {
                return Err(format!("`{name}` is longer than {max} characters"));
            }
            if !limit.one_of.is_empty() && !limit.one_of.contains(value) {
                return Err(format!(
                    "`{name}` must be one of {}",
                    Value::Array(limit.one_of.clone())
                ));
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for CompiledAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledAgent")
            .field("name", &self.file.name)
            .finish_non_exhaustive()
    }
}

/// The route of every name the engine answers. The order of the checks is the precedence: a
/// name the agent declares as its own tool keeps it over a common tool or the escalation tool
/// of the same name, and the flow's state tool and the supervisor's tool come first.
fn routes(file: &AgentFile, tools: &BTreeMap<String, ToolSpec>) -> BTreeMap<String, Route> {
    let mut routes = BTreeMap::new();
    for (name, spec) in tools {
        routes.insert(
            name.clone(),
            Route::Agent {
                by_client: spec.tool.run == switchboard_agent::model::Run::Client,
            },
        );
    }
    for common in &file.common_tools {
        routes
            .entry(switchboard_agent::common_tool_name(*common).to_owned())
            .or_insert(Route::Common);
    }
    let escalation = file
        .escalation
        .as_ref()
        .map_or("escalate_to_human", |e| e.tool.as_str());
    if !tools.contains_key(escalation) {
        routes.insert(escalation.to_owned(), Route::Escalation);
    }
    if let Some(supervisor) = &file.supervisor {
        routes.insert(supervisor.tool_name.clone(), Route::Supervisor);
    }
    routes.insert(
        switchboard_agent::render::STATE_TOOL.to_owned(),
        Route::StateChange,
    );
    routes
}
