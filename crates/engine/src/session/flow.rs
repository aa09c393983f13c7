//! The dynamic flow: states, allowed transitions, slots captured from tools. A transition
//! happens when the model confirms it runs the new state's session (`update.rs`).

use super::*;

impl Session {
    pub(super) fn change_state(&mut self, call_id: CallId, args: &Value, now: Instant) {
        // Judged once the response's other calls are answered, whatever order their results
        // and this call's item arrive in (`batch.rs`).
        if let Some(response) = self.calling_response.clone()
            && self.batches.others_pending(&response, &call_id)
        {
            self.guard_tool(
                GuardDecision::TransitionDeferred,
                STATE_TOOL,
                "judged once the other calls of this response are answered".to_owned(),
            );
            self.batches.defer_move(&response, call_id, args.clone());
            return;
        }
        let next = args
            .get("next_state")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let (Some(flow), Some(current)) = (&self.agent.file.dynamic, self.state.clone()) else {
            let why = "this agent has no conversation states".to_owned();
            return self.fail_call(
                call_id,
                STATE_TOOL,
                args.clone(),
                ToolOutcome::Refused,
                why,
                now,
            );
        };
        let Some(state) = flow.states.iter().find(|s| s.id == current) else {
            return;
        };
        let refusal = if self.updates.changes_state() {
            // The state the model runs is not known until it answers the change asked before.
            Some(format!(
                "a change of state is waiting for the model to take it; the state is `{current}` until then"
            ))
        } else if !state.transitions.contains(&next) {
            let allowed = if state.transitions.is_empty() {
                "none (this state is terminal)".to_owned()
            } else {
                state.transitions.join(", ")
            };
            Some(format!(
                "cannot switch from `{current}` to `{next}`; allowed: {allowed}"
            ))
        } else {
            let missing: Vec<&str> = state
                .requires
                .iter()
                .filter(|r| !self.slots.contains_key(*r))
                .map(String::as_str)
                .collect();
            (!missing.is_empty()).then(|| {
                format!(
                    "cannot leave `{current}` yet: missing {}",
                    missing.join(", ")
                )
            })
        };
        // The state's business rules for this exit (`policy.rs`), once the flow allows it.
        let refusal = refusal.or_else(|| {
            let guards: Vec<&crate::policy::CompiledGuard> = self
                .agent
                .exit_guards
                .get(&current)?
                .iter()
                .filter(|(to, _)| to.as_ref().is_none_or(|to| *to == next))
                .map(|(_, g)| g)
                .collect();
            let refused = self.policy_check(&guards, args)?;
            let detail = refused.detail(&format!("leaving `{current}` for `{next}`"));
            self.guard(GuardDecision::PolicyRefused, detail);
            Some(refused.say)
        });
        if let Some(why) = refusal {
            self.guard(GuardDecision::TransitionRefused, why.clone());
            let result = json!({"status": "error", "error": why});
            self.answer(
                &call_id,
                STATE_TOOL,
                args.clone(),
                ToolOutcome::Refused,
                result,
                Duration::ZERO,
            );
            return;
        }
        // The state changes when the model confirms it runs the new state's session
        // (`update.rs`); the call is answered then.
        self.ask_model(update::Request::StateChange {
            call_id,
            args: args.clone(),
            from: current,
            to: next,
            response_id: self.calling_response.clone(),
        });
    }

    /// Judges a move deferred behind its batch's other calls, once they are all answered.
    pub(super) fn judge_deferred_move(&mut self, now: Instant) {
        if let Some((response, call_id, args)) = self.batches.take_ready_move() {
            let previous = self.calling_response.replace(response);
            self.change_state(call_id, &args, now);
            self.calling_response = previous;
        }
    }

    /// The model runs the new state's instructions and tools: the transition is recorded and
    /// the call answered ok.
    pub(super) fn state_change_confirmed(
        &mut self,
        call_id: CallId,
        args: Value,
        from: String,
        to: String,
        response_id: Option<wire::ResponseId>,
    ) {
        let previous = std::mem::replace(&mut self.calling_response, response_id);
        self.guard(
            GuardDecision::SessionUpdateConfirmed,
            format!("the model runs the session of state `{to}`"),
        );
        self.record(Record::Transition {
            from,
            to: to.clone(),
        });
        let result = json!({"status": "ok", "state": to});
        self.answer(
            &call_id,
            STATE_TOOL,
            args,
            ToolOutcome::Ok,
            result,
            Duration::ZERO,
        );
        self.calling_response = previous;
    }

    /// The model did not take the new state's session: the state stays, and the call is
    /// answered with why.
    pub(super) fn state_change_refused(
        &mut self,
        call_id: CallId,
        args: Value,
        from: &str,
        to: &str,
        response_id: Option<wire::ResponseId>,
        why: &str,
    ) {
        let previous = std::mem::replace(&mut self.calling_response, response_id);
        self.guard(
            GuardDecision::SessionUpdateRefused,
            format!(
                "the change from `{from}` to `{to}` was not taken: {why}; the state stays `{from}`"
            ),
        );
        let result = json!({
            "status": "error",
            "error": format!("the conversation could not move to `{to}` ({why}); it is still in `{from}`"),
        });
        self.answer(
            &call_id,
            STATE_TOOL,
            args,
            ToolOutcome::Refused,
            result,
            Duration::ZERO,
        );
        self.calling_response = previous;
    }

    pub(super) fn capture_slots(&mut self, tool: &str, args: &Value, result: &Value) {
        let Some(flow) = &self.agent.file.dynamic else {
            return;
        };
        for slot in flow.slots.iter().filter(|s| s.tool == tool) {
            let value = match &slot.from {
                SlotSource::Argument(name) => args.get(name).cloned(),
                SlotSource::Result(path) => path
                    .split('.')
                    .try_fold(result, |v, key| v.get(key))
                    .cloned(),
            };
            if let Some(value) = value.filter(|v| !v.is_null()) {
                self.slots.insert(slot.name.clone(), value);
            }
        }
    }
}
