//! MCP tools of the agent's servers. The provider calls them itself, so the engine cannot run
//! or refuse a call the way it does a function call. What it can do, it does:
//!
//! - every MCP call the model makes is recorded when its item is done (`called_by:
//!   provider`, named `server_label.tool`), and a failed one counts towards the escalation
//!   threshold like any failed attempt;
//! - a confirmation-first MCP tool is rendered with `require_approval`, so the provider asks
//!   before running it: the engine answers that approval request itself (the caller never
//!   sees it) with the same consent rules as a function tool — approved only for exactly the
//!   arguments the caller agreed to after hearing the question, otherwise denied with what to
//!   ask — and denies every approval past an escalation threshold;
//! - an MCP tool with business rules (`guards`) is rendered with `require_approval` too, and
//!   its approval request is denied, with the rule's wording, when a rule is false; the
//!   results of successful MCP calls are what later rules read as `results["server.tool"]`
//!   and `called("server.tool", …)`;
//! - approval requests for tools that need neither are approved.
//!
//! Servers the caller declared (an agent that leaves its tools to the caller) are the
//! caller's: their items pass through untouched.

use super::*;

use consent::mcp_name;

impl Session {
    /// Whether `server_label` is one of the agent's MCP servers.
    fn agents_server(&self, server_label: &str) -> bool {
        self.agent.file.mcp_server(server_label).is_some()
    }

    /// An MCP item was added to a response: an approval request the engine answers is
    /// hidden from the caller; a call starts its clock.
    pub(super) fn mcp_item_added(&mut self, item: &wire::Item, now: Instant) {
        match item {
            wire::Item::McpApprovalRequest(request)
                if self.agents_server(&request.server_label) =>
            {
                self.hidden_items.insert(request.id.clone());
            }
            wire::Item::McpCall(call) if self.agents_server(&call.server_label) => {
                self.mcp_started.insert(call.id.clone(), now);
            }
            _ => {}
        }
    }

    /// An MCP item of a response is complete: an approval request is answered, a call
    /// recorded.
    pub(super) fn mcp_item_done(
        &mut self,
        item: &wire::Item,
        response_id: &wire::ResponseId,
        now: Instant,
    ) {
        match item {
            wire::Item::McpApprovalRequest(request)
                if self.agents_server(&request.server_label) =>
            {
                self.hidden_items.insert(request.id.clone());
                let previous = self.calling_response.replace(response_id.clone());
                self.answer_approval(request);
                self.calling_response = previous;
            }
            wire::Item::McpCall(call) if self.agents_server(&call.server_label) => {
                let previous = self.calling_response.replace(response_id.clone());
                self.record_mcp_call(call, now);
                self.calling_response = previous;
            }
            _ => {}
        }
    }

    fn answer_approval(&mut self, request: &wire::McpApprovalRequestItem) {
        let name = mcp_name(&request.server_label, &request.name);
        let args = match serde_json::from_str::<Value>(&request.arguments) {
            Ok(args @ Value::Object(_)) => args,
            _ => {
                let why = format!("the arguments of `{name}` are not a JSON object");
                return self.approve(request, Err(why));
            }
        };
        if let Some(why) = self.past_threshold_refusal(&name) {
            self.guard_tool(GuardDecision::PastThreshold, &name, why.clone());
            return self.approve(request, Err(why));
        }
        // The tool's business rules, before consent, as for a function tool.
        let agent = self.agent.clone();
        if let Some(guards) = agent.mcp_guards.get(&name) {
            let guards: Vec<&crate::policy::CompiledGuard> = guards.iter().collect();
            if let Some(refusal) = self.policy_check(&guards, &args) {
                let detail = refusal.detail(&format!("`{name}`"));
                self.guard_tool(GuardDecision::PolicyRefused, &name, detail);
                if refusal.counts_as_failure
                    && let Some(reason) = self.count_failure(&name)
                {
                    self.approve(request, Err(refusal.say));
                    return self.threshold_reached(reason);
                }
                return self.approve(request, Err(refusal.say));
            }
        }
        let confirmation_first = self
            .agent
            .file
            .mcp_tool(&request.server_label, &request.name)
            .is_some_and(|t| t.is_confirmation_first());
        if !confirmation_first {
            return self.approve(request, Ok(()));
        }
        match self.take_consent(&name, &args) {
            Ok(()) => {
                self.guard_tool(
                    GuardDecision::McpApproved,
                    &name,
                    format!("the caller agreed to `{name}` with {args}"),
                );
                self.approve(request, Ok(()));
            }
            Err(missing) => {
                let told = self
                    .hold(&name, &args, missing)
                    .map(|output| output["message"].as_str().unwrap_or_default().to_owned())
                    .unwrap_or_else(|| format!("`{name}` needs the caller's consent"));
                self.approve(request, Err(told));
            }
        }
    }

    /// Answers an approval request: approved, or denied with why (which the model reads).
    /// The model goes on once the rest of its response's calls are answered too.
    fn approve(&mut self, request: &wire::McpApprovalRequestItem, verdict: Result<(), String>) {
        let answer_id = ItemId::new(format!("mcp_approval_{}", request.id));
        // The conversation echoes the answer back: the caller never asked, so never sees it.
        self.hidden_items.insert(answer_id.clone());
        let (approve, reason) = match verdict {
            Ok(()) => (true, None),
            Err(why) => (false, Some(why)),
        };
        if !approve {
            self.guard_tool(
                GuardDecision::McpDenied,
                &mcp_name(&request.server_label, &request.name),
                reason.clone().unwrap_or_default(),
            );
        }
        self.send_to_model(ClientEvent::ConversationItemCreate(
            wire::ConversationItemCreate {
                event_id: None,
                previous_item_id: None,
                item: wire::Item::McpApprovalResponse(wire::McpApprovalResponseItem {
                    id: answer_id.clone(),
                    approval_request_id: request.id.to_string(),
                    approve,
                    reason: reason.map_or(wire::Nullable::Absent, wire::Nullable::Value),
                    extra: wire::Extra::new(),
                }),
            },
        ));
        self.request_response();
    }

    fn record_mcp_call(&mut self, call: &wire::McpCallItem, now: Instant) {
        let name = mcp_name(&call.server_label, &call.name);
        let duration = self
            .mcp_started
            .remove(&call.id)
            .map_or(Duration::ZERO, |at| now.saturating_duration_since(at));
        let arguments = serde_json::from_str(&call.arguments)
            .unwrap_or_else(|_| Value::String(call.arguments.clone()));
        let (outcome, result) = match (call.error.as_value(), call.output.as_value()) {
            (Some(error), _) if !error.is_null() => (ToolOutcome::Failed, error.clone()),
            (_, Some(output)) => (
                ToolOutcome::Ok,
                serde_json::from_str(output).unwrap_or_else(|_| Value::String(output.clone())),
            ),
            _ => (ToolOutcome::Ok, Value::Null),
        };
        self.count_run(&name);
        self.tools_run.push((name.clone(), outcome));
        // What the business rules of later calls see, as for a function tool.
        Arc::make_mut(&mut self.past_calls).push(crate::policy::PastCall {
            tool: name.clone(),
            arguments: arguments.clone(),
            outcome,
        });
        let for_rules = (outcome == ToolOutcome::Ok).then(|| result.clone());
        self.record(Record::ToolCall {
            call_id: CallId::new(call.id.as_str()),
            name: name.clone(),
            arguments,
            outcome,
            called_by: CalledBy::Provider,
            result,
            duration,
        });
        if let Some(result) = for_rules {
            self.results.insert(name.clone(), result);
        }
        if outcome == ToolOutcome::Ok {
            self.clear_failures(&name);
        } else if outcome.counts_as_failed_attempt()
            && let Some(reason) = self.count_failure(&name)
        {
            self.threshold_reached(reason);
        }
    }
}
