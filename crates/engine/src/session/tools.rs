//! Tool calls: routing by name, checks, running (fixtures, webhooks, built-ins), answers.

use super::*;

/// Who called a tool. The checks are the same; what differs is where the result goes, and
/// what only the responder can do (ask the caller's consent, speak a preamble).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum By {
    /// The realtime model, in a response: the result goes to the model.
    Responder,
    /// The supervisor, during an exchange that must be answered by `until`: the result goes
    /// back to the supervisor.
    Supervisor {
        /// The question's deadline; the tool's own is never later.
        until: Instant,
    },
}

impl Session {
    /// Whether the engine, not the client, answers calls to `name`.
    pub(super) fn handled_here(&self, name: &str) -> bool {
        // A call the engine refuses is answered here, whoever would have run it.
        if self.refusal(name).is_some() {
            return true;
        }
        if self.caller_defines(name) && self.agent.file.leaves(CallerField::Tools) {
            return false;
        }
        match self.agent.route(name) {
            Some(Route::Agent { by_client }) => !by_client,
            Some(_) => true,
            None => false,
        }
    }

    /// Whether `name` is the escalation tool: the one the agent names, answered by the engine
    /// or run by the agent's own built-in.
    pub(super) fn is_escalation_tool(&self, name: &str) -> bool {
        let configured = self
            .agent
            .file
            .escalation
            .as_ref()
            .map_or("escalate_to_human", |e| e.tool.as_str());
        name == configured
    }

    /// The model called the escalation tool: the call is answered and handed to a person.
    fn hand_off(&mut self, call_id: &CallId, name: &str, args: Value, reason: String) {
        self.answer(
            call_id,
            name,
            args,
            ToolOutcome::Ok,
            self.hand_off_output(),
            Duration::ZERO,
        );
        self.escalate(reason);
    }

    /// What the escalation tool returns: the line to say now, when the agent says it after
    /// the hand-off.
    fn hand_off_output(&self) -> Value {
        match &self.agent.file.escalation {
            Some(e) if e.say_when == switchboard_agent::model::SayWhen::After => json!({
                "status": "ok",
                "message": format!("A specialist is joining the call. Say now: “{}”", e.say),
            }),
            _ => json!({"status": "ok", "message": "A specialist is joining the call."}),
        }
    }

    pub(super) fn handle_call(
        &mut self,
        call_id: CallId,
        name: &str,
        arguments: &str,
        now: Instant,
    ) {
        if !self.handled_calls.insert(call_id.clone()) {
            self.guard_tool(
                GuardDecision::DuplicateCallIgnored,
                name,
                format!("call `{call_id}` of `{name}` was already handled"),
            );
            return;
        }
        let args: Value = match serde_json::from_str(arguments) {
            Ok(args @ Value::Object(_)) => args,
            Ok(_) | Err(_) => {
                let why = format!("the arguments of `{name}` are not a JSON object");
                return self.fail_call(call_id, name, Value::Null, ToolOutcome::Invalid, why, now);
            }
        };
        // The agent's tools meet the check in `run_agent_tool`, after their schema.
        if !self.agent.tools.contains_key(name)
            && let Some(refusal) = self.refusal(name)
        {
            return self.refuse(call_id, name, args, refusal);
        }
        match self.agent.route(name) {
            Some(Route::StateChange) => self.change_state(call_id, &args, now),
            Some(Route::Escalation) => {
                let reason = self.hand_off_reason(&args);
                self.hand_off(&call_id, name, args, reason);
            }
            Some(Route::Supervisor) => self.ask_supervisor(call_id, &args, now),
            Some(Route::Common) => self.common_tool(call_id, name, args, now),
            Some(Route::Agent { .. }) | None => {
                self.run_agent_tool(call_id, name, args, By::Responder, now);
            }
        }
    }

    /// Runs one of the agent's tools for `by`, after the checks every call meets whoever made
    /// it: the tool exists, the flow's state allows it, its arguments meet the schema and
    /// limits, a confirmation-first tool has the caller's consent.
    pub(super) fn run_agent_tool(
        &mut self,
        call_id: CallId,
        name: &str,
        args: Value,
        by: By,
        now: Instant,
    ) {
        let Some(spec) = self.agent.tools.get(name) else {
            let why = format!("`{name}` is not a tool of this agent");
            return self.fail_call(call_id, name, args, ToolOutcome::Invalid, why, now);
        };
        // A call is judged in the state its response was made in: a state change in the same
        // response applies after it (`batch.rs`).
        let state = match (by, &self.calling_response) {
            (By::Responder, Some(response)) => self
                .batches
                .state_of(response)
                .unwrap_or(self.state.as_deref()),
            _ => self.state.as_deref(),
        };
        if let Some(state) = state
            && let Some(flow) = &self.agent.file.dynamic
            && flow
                .states
                .iter()
                .any(|s| s.id == state && !s.tools.iter().any(|t| t == name))
        {
            let why = format!("`{name}` is not available in state `{state}`");
            return self.fail_call(call_id, name, args, ToolOutcome::Refused, why, now);
        }
        if let Err(why) = self.agent.check_arguments(spec, &args) {
            let why = format!("invalid arguments for `{name}`: {why}");
            return self.fail_call(call_id, name, args, ToolOutcome::Invalid, why, now);
        }
        if let Some(refusal) = self.refusal(name) {
            return self.refuse(call_id, name, args, refusal);
        }
        if let Some(refusal) = self.policy_refusal(name, &args) {
            return self.refuse_by_policy(call_id, name, args, refusal);
        }
        let tool = spec.tool.clone();
        if tool.behaviour == Behaviour::ConfirmationFirst && matches!(by, By::Supervisor { .. }) {
            return self.supervisor_needs_consent(&call_id, name, args);
        }
        if tool.behaviour == Behaviour::ConfirmationFirst
            && let Err(missing) = self.take_consent(name, &args)
        {
            return self.hold_for_consent(&call_id, name, args, missing);
        }
        let mut timeout = tool
            .limits
            .timeout_ms
            .map_or(self.config.default_tool_timeout, Duration::from_millis);
        if let By::Supervisor { until } = by {
            // A result after the question's deadline would answer nobody.
            timeout = timeout.min(until.saturating_duration_since(now));
        }
        // A preamble is only needed when the model said nothing while calling; the supervisor's
        // calls have the filler said for them already.
        let silent = by == By::Responder
            && self
                .calling_response
                .as_ref()
                .is_none_or(|r| !self.audio_responses.contains(r));
        let preamble_at =
            (tool.behaviour == Behaviour::Preamble && silent && !tool.preamble_phrases.is_empty())
                .then(|| now + self.config.preamble_delay);
        if tool.behaviour == Behaviour::Preamble && !silent && by == By::Responder {
            // Spoken words are recorded once heard, after the call: this says they came with it.
            self.guard_tool(
                GuardDecision::PreambleByModel,
                name,
                format!("`{name}` was called in a response that also spoke"),
            );
        }
        if by != By::Responder && matches!(tool.run, Run::Builtin(_) | Run::Client) {
            let why =
                format!("`{name}` is not run by Switchboard, so the supervisor cannot call it");
            return self.fail_call(call_id, name, args, ToolOutcome::Refused, why, now);
        }
        self.count_run(name);
        match &tool.run {
            Run::Fixtures(fixtures) => {
                let (outcome, delay) = fixture_reply(fixtures, &args);
                let outcome = if delay > timeout {
                    Err(ToolError::Timeout)
                } else {
                    outcome.map_err(ToolError::Failed)
                };
                let running = Running {
                    name: name.to_owned(),
                    arguments: args,
                    started: now,
                    deadline: now + delay.min(timeout),
                    fixture: Some(outcome),
                    preamble_at,
                };
                self.running.insert(call_id, running);
            }
            Run::Webhook(_) => {
                let running = Running {
                    name: name.to_owned(),
                    arguments: args,
                    started: now,
                    deadline: now + timeout,
                    fixture: None,
                    preamble_at,
                };
                self.outputs.push_back(Output::RunTool(ToolRun {
                    call_id: call_id.clone(),
                    name: running.name.clone(),
                    arguments: running.arguments.clone(),
                    idempotency_key: format!("{}:{call_id}", self.config.id),
                    deadline: running.deadline,
                }));
                self.running.insert(call_id, running);
            }
            Run::Builtin(Builtin::EscalateToHuman) => {
                // The agent's own escalation tool, with its arguments checked above.
                let reason = self.hand_off_reason(&args);
                self.hand_off(&call_id, name, args, reason);
            }
            Run::Builtin(Builtin::FinishSession) => self.finish_session(call_id, name, args),
            Run::Builtin(Builtin::Answer) if self.agent.file.supervisor.is_some() => {
                self.ask_supervisor(call_id, &args, now);
            }
            Run::Builtin(Builtin::Answer) | Run::Client => {
                let why = format!("`{name}` cannot run here: no supervisor is configured");
                self.fail_call(call_id, name, args, ToolOutcome::Failed, why, now);
            }
        }
    }

    pub(super) fn common_tool(&mut self, call_id: CallId, name: &str, args: Value, now: Instant) {
        match name {
            "finish_session" => self.finish_session(call_id, name, args),
            _ => {
                let why = "no supervisor is configured to answer; offer to connect the caller with a specialist".to_owned();
                self.fail_call(call_id, name, args, ToolOutcome::Failed, why, now);
            }
        }
    }

    /// The caller is done: the model says goodbye, and the call ends once it has been heard.
    pub(super) fn finish_session(&mut self, call_id: CallId, name: &str, args: Value) {
        let said_goodbye = self
            .calling_response
            .as_ref()
            .is_some_and(|r| self.audio_responses.contains(r));
        if said_goodbye {
            // The goodbye came with the call: another response would only talk over the
            // hang-up.
            let output = json!({"status": "ok", "message": "The call ends after your goodbye."});
            self.send_output(&call_id, &output);
            self.tool_record(
                &call_id,
                name,
                args,
                ToolOutcome::Ok,
                output,
                Duration::ZERO,
            );
            self.hangup = Hangup::AfterGoodbye;
        } else {
            self.answer(
                &call_id,
                name,
                args,
                ToolOutcome::Ok,
                json!({"status": "ok", "message": "Say a short goodbye; the call ends after it."}),
                Duration::ZERO,
            );
            self.hangup = Hangup::GoodbyeNext;
        }
    }

    pub(super) fn finish_tool(
        &mut self,
        call_id: &CallId,
        outcome: Result<Value, ToolError>,
        now: Instant,
    ) {
        let Some(running) = self.running.remove(call_id) else {
            self.guard(
                GuardDecision::UnknownToolResult,
                format!("a result arrived for `{call_id}`, which is not running"),
            );
            return;
        };
        self.end_grace(|| format!("`{}` finished before the model escalated", running.name));
        let duration = now.saturating_duration_since(running.started);
        self.record(Record::Latency {
            kind: LatencyKind::ToolCallToResult,
            duration,
        });
        match outcome {
            Ok(result) => {
                self.clear_failures(&running.name);
                // What the business rules of later calls see (`policy.rs`), unless the
                // result breaks the tool's own output schema: rules then fail closed rather
                // than read what the tool did not promise.
                if let Some(why) = self.outside_output_schema(&running.name, &result) {
                    self.guard_tool(GuardDecision::ResultOutsideSchema, &running.name, why);
                } else {
                    self.results.insert(running.name.clone(), result.clone());
                    self.keep_captures(&running.name, &result);
                }
                self.capture_slots(&running.name, &running.arguments, &result);
                self.tools_run.push((running.name.clone(), ToolOutcome::Ok));
                self.answer(
                    call_id,
                    &running.name,
                    running.arguments,
                    ToolOutcome::Ok,
                    result,
                    duration,
                );
            }
            Err(error) => {
                self.fail_call_after(
                    call_id.clone(),
                    &running.name,
                    running.arguments,
                    error.outcome(),
                    error.to_string(),
                    duration,
                );
            }
        }
    }

    pub(super) fn fail_call(
        &mut self,
        call_id: CallId,
        name: &str,
        args: Value,
        outcome: ToolOutcome,
        why: String,
        _now: Instant,
    ) {
        self.fail_call_after(call_id, name, args, outcome, why, Duration::ZERO);
    }

    /// Answers a failed call with a clear error and counts it towards escalation.
    pub(super) fn fail_call_after(
        &mut self,
        call_id: CallId,
        name: &str,
        args: Value,
        outcome: ToolOutcome,
        why: String,
        duration: Duration,
    ) {
        // While the model's grace runs, anything but its escalation ends the grace: the
        // escalation is recorded before this failure, which no longer counts.
        self.end_grace(|| format!("a call of `{name}` ended {outcome} before the model escalated"));
        let result = json!({"status": "error", "error": why});
        let counts = outcome.counts_as_failed_attempt();
        self.answer_failure(call_id, name, args, outcome, result, duration, counts);
    }

    /// Answers a call that did not succeed with `result`; `counts` says whether it is a
    /// failed attempt towards escalation.
    #[allow(clippy::too_many_arguments)]
    fn answer_failure(
        &mut self,
        call_id: CallId,
        name: &str,
        args: Value,
        outcome: ToolOutcome,
        result: Value,
        duration: Duration,
        counts: bool,
    ) {
        self.tools_run.push((name.to_owned(), outcome));
        let reached = if counts {
            self.count_failure(name)
        } else {
            None
        };
        match reached {
            // The model reads the failure and the escalation note before it responds: one
            // response, which says the escalation line.
            Some(reason) if !self.thinking.owns(&call_id) && !self.escalated => {
                self.send_output(&call_id, &result);
                self.tool_record(&call_id, name, args, outcome, result, duration);
                self.threshold_reached(reason);
                // This output may have been the last of its batch.
                self.go_on_when_ready();
            }
            reached => {
                self.answer(&call_id, name, args, outcome, result, duration);
                if let Some(reason) = reached {
                    self.threshold_reached(reason);
                }
            }
        }
    }

    /// Why a call of `name` may not run now, checked for every call after its arguments and
    /// before consent or running: past an escalation threshold only the escalation tool
    /// runs; a tool runs at most its `limits.max_calls` times.
    pub(super) fn refusal(&self, name: &str) -> Option<(GuardDecision, String)> {
        if let Some(why) = self.past_threshold_refusal(name) {
            return Some((GuardDecision::PastThreshold, why));
        }
        let max = self.agent.tools.get(name)?.tool.limits.max_calls?;
        let ran = self.calls_run.get(name).copied().unwrap_or(0);
        (ran >= max).then(|| {
            let times = match max {
                1 => "once".to_owned(),
                n => format!("{n} times"),
            };
            (
                GuardDecision::MaxCallsReached,
                format!(
                    "`{name}` was not run: it may run at most {times} in a call (limits.max_calls: {max}), and it has run {ran}; do not call it again"
                ),
            )
        })
    }

    /// Refuses a call before it runs, with the guard that refused it and why, told to
    /// whoever called. A refusal is not a failed attempt.
    pub(super) fn refuse(
        &mut self,
        call_id: CallId,
        name: &str,
        args: Value,
        (decision, why): (GuardDecision, String),
    ) {
        self.guard_tool(decision, name, why.clone());
        let mut error = why;
        if decision == GuardDecision::PastThreshold {
            // A model still calling tools instead of escalating has had its chance.
            self.end_grace(|| format!("`{name}` was called instead of escalating"));
            if let Some(e) = &self.agent.file.escalation {
                error = format!("{error}. Say: “{}”", e.say);
            }
        }
        self.answer_refused(&call_id, name, args, error);
    }

    /// Answers a call that did not run because a guard refused it, with `error` for the model.
    fn answer_refused(&mut self, call_id: &CallId, name: &str, args: Value, error: String) {
        self.tools_run.push((name.to_owned(), ToolOutcome::Refused));
        let result = json!({"status": "error", "error": error});
        self.answer(
            call_id,
            name,
            args,
            ToolOutcome::Refused,
            result,
            Duration::ZERO,
        );
    }

    /// The first of the tool's business rules that does not allow this call (`policy.rs`).
    fn policy_refusal(&self, name: &str, args: &Value) -> Option<crate::policy::Refusal> {
        let spec = self.agent.tools.get(name)?;
        let guards: Vec<&crate::policy::CompiledGuard> = spec.guards.iter().collect();
        self.policy_check(&guards, args)
    }

    /// The first of `guards` that does not allow a call with `args`, given what the call has
    /// learned so far.
    pub(super) fn policy_check(
        &self,
        guards: &[&crate::policy::CompiledGuard],
        args: &Value,
    ) -> Option<crate::policy::Refusal> {
        if guards.is_empty() {
            return None;
        }
        let now = self.config.wall_clock_at_start.map(|start| {
            let at = start + self.now.saturating_duration_since(self.started);
            chrono::DateTime::<chrono::Utc>::from(at).fixed_offset()
        });
        let facts = crate::policy::Facts {
            args,
            captured: &self.captured,
            agent: &self.agent.file.name,
            caller: self.config.caller.as_deref(),
            results: &self.results,
            slots: &self.slots,
            state: self.state.as_deref(),
            now,
            history: self.past_calls.clone(),
        };
        crate::policy::first_refusal(guards, &facts)
    }

    /// Why a successful result of `tool` is not what its `output_schema` says, if it is not.
    fn outside_output_schema(&self, tool: &str, result: &Value) -> Option<String> {
        let validator = self.agent.tools.get(tool)?.output.as_ref()?;
        let errors: Vec<String> = validator
            .iter_errors(result)
            .take(3)
            .map(|e| format!("at `{}`: {e}", e.instance_path()))
            .collect();
        (!errors.is_empty()).then(|| {
            format!(
                "the result of `{tool}` does not match its output_schema ({}); rules do not read it",
                errors.join("; ")
            )
        })
    }

    /// Keeps what the tool's `captures` take from a successful result.
    fn keep_captures(&mut self, tool: &str, result: &Value) {
        let Some(spec) = self.agent.tools.get(tool) else {
            return;
        };
        for capture in &spec.tool.captures {
            self.captured
                .entry(capture.name.clone())
                .or_insert_with(|| crate::policy::Captured::new(capture))
                .keep(capture, result);
        }
    }

    /// Refuses a call a business rule does not allow: it does not run, the model is told the
    /// rule's wording, and the record names the rule. Not a failed attempt unless the rule
    /// says it counts as one.
    fn refuse_by_policy(
        &mut self,
        call_id: CallId,
        name: &str,
        args: Value,
        refusal: crate::policy::Refusal,
    ) {
        let detail = refusal.detail(&format!("`{name}`"));
        self.guard_tool(GuardDecision::PolicyRefused, name, detail);
        if refusal.counts_as_failure {
            let result = json!({"status": "error", "error": refusal.say});
            self.answer_failure(
                call_id,
                name,
                args,
                ToolOutcome::Refused,
                result,
                Duration::ZERO,
                true,
            );
        } else {
            self.answer_refused(&call_id, name, args, refusal.say);
        }
    }

    /// A call of `name` runs (or goes to the client to run): it counts towards
    /// `limits.max_calls` whatever its result.
    pub(super) fn count_run(&mut self, name: &str) {
        *self.calls_run.entry(name.to_owned()).or_insert(0) += 1;
    }

    /// Sends a tool's output to the model and asks for the spoken follow-up.
    pub(super) fn reply(&mut self, call_id: &CallId, output: Value) {
        self.send_output(call_id, &output);
        self.request_response();
    }

    /// Gives the model a call's output without asking it to respond.
    pub(super) fn send_output(&mut self, call_id: &CallId, output: &Value) {
        self.batches.answered(call_id);
        let item = wire::Item::FunctionCallOutput(wire::FunctionCallOutputItem {
            id: None,
            object: None,
            status: None,
            call_id: call_id.clone(),
            output: output.to_string(),
            extra: wire::Extra::new(),
        });
        self.send_to_model(ClientEvent::ConversationItemCreate(
            wire::ConversationItemCreate {
                event_id: None,
                previous_item_id: None,
                item,
            },
        ));
        // This may have been the last call a move of the same response waited for.
        let now = self.now;
        self.judge_deferred_move(now);
    }

    /// Answers a call and records it with exactly the output the model got.
    pub(super) fn answer(
        &mut self,
        call_id: &CallId,
        name: &str,
        arguments: Value,
        outcome: ToolOutcome,
        output: Value,
        duration: Duration,
    ) {
        if self.thinking.owns(call_id) {
            // The supervisor's call: recorded like any, answered to the supervisor.
            self.tool_record(call_id, name, arguments, outcome, output.clone(), duration);
            self.supervisor_tool_answered(call_id, output);
            return;
        }
        self.reply(call_id, output.clone());
        self.tool_record(call_id, name, arguments, outcome, output, duration);
    }

    /// Has the model say one of the tool's preamble phrases out of band, while it runs.
    pub(super) fn speak_preamble(&mut self, call_id: &CallId) {
        let Some(running) = self.running.get_mut(call_id) else {
            return;
        };
        running.preamble_at = None;
        let (name, args) = (running.name.clone(), running.arguments.clone());
        let Some(spec) = self.agent.tools.get(&name) else {
            return;
        };
        // Phrases whose placeholders the arguments can fill, in a fixed rotation.
        let phrases: Vec<String> = spec
            .tool
            .preamble_phrases
            .iter()
            .filter_map(|p| fill(p, &args))
            .collect();
        if phrases.is_empty() {
            return;
        }
        let phrase = self.next_phrase(&name, &phrases);
        self.guard_tool(
            GuardDecision::PreambleSpoken,
            &name,
            format!("`{name}` is still running: “{phrase}”"),
        );
        self.say_out_of_band(&phrase);
    }

    /// The next of `phrases` in a fixed rotation kept under `key`, so none repeats twice in a
    /// row.
    pub(super) fn next_phrase(&mut self, key: &str, phrases: &[String]) -> String {
        let turn = self.preamble_turn.entry(key.to_owned()).or_insert(0);
        let phrase = phrases[*turn % phrases.len()].clone();
        *turn += 1;
        phrase
    }

    /// Has the model speak `phrase` without adding it to the conversation.
    pub(super) fn say_out_of_band(&mut self, phrase: &str) {
        self.send_to_model(ClientEvent::ResponseCreate(wire::ResponseCreate {
            event_id: None,
            response: Some(wire::ResponseParams {
                conversation: Some(wire::ResponseConversation::Mode(
                    wire::ConversationMode::None,
                )),
                input: Some(Vec::new()),
                instructions: Some(format!("Say exactly this, and nothing else: “{phrase}”")),
                tools: Some(Vec::new()),
                // As the caller asked for its output: a text-only caller gets no audio.
                output_modalities: Some(self.output_modalities()),
                metadata: Some(BTreeMap::from([(
                    "switchboard".to_owned(),
                    "preamble".to_owned(),
                )])),
                ..Default::default()
            }),
        }));
    }

    /// The output modalities of the session as the model runs it: the agent's, or the
    /// caller's once confirmed. Audio when neither says.
    pub(super) fn output_modalities(&self) -> Vec<wire::Modality> {
        self.effective_session()
            .output_modalities
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| vec![wire::Modality::Audio])
    }

    pub(super) fn tool_record(
        &mut self,
        call_id: &CallId,
        name: &str,
        arguments: Value,
        outcome: ToolOutcome,
        result: Value,
        duration: Duration,
    ) {
        let called_by = if self.thinking.owns(call_id) {
            CalledBy::Supervisor
        } else {
            CalledBy::Model
        };
        Arc::make_mut(&mut self.past_calls).push(crate::policy::PastCall {
            tool: name.to_owned(),
            arguments: arguments.clone(),
            outcome,
        });
        self.record(Record::ToolCall {
            call_id: call_id.clone(),
            name: name.to_owned(),
            arguments,
            outcome,
            called_by,
            result,
            duration,
        });
    }
}

/// Fills `{name}` placeholders from the arguments; `None` when one cannot be filled.
pub(super) fn fill(phrase: &str, args: &Value) -> Option<String> {
    let mut out = String::new();
    let mut rest = phrase;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}')? + open;
        let key = &rest[open + 1..close];
        let value = match args.get(key)? {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        out.push_str(&rest[..open]);
        out.push_str(&value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The canned reply of the first fixture whose `when` matches `args` (all fixtures without
/// `when` match), and how long it takes.
pub(super) fn fixture_reply(
    fixtures: &[Fixture],
    args: &Value,
) -> (Result<Value, String>, Duration) {
    match Fixture::answering(fixtures, args) {
        Some(f) => {
            let delay = Duration::from_millis(f.delay_ms.unwrap_or(0));
            let outcome = match (&f.error, &f.result) {
                (Some(error), _) => Err(error.clone()),
                (None, Some(result)) => Ok(result.clone()),
                (None, None) => Ok(json!({"status": "ok"})),
            };
            (outcome, delay)
        }
        None => (
            Err("no canned response matches these arguments".to_owned()),
            Duration::ZERO,
        ),
    }
}
